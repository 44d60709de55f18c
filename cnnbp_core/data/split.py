"""A stratified, seeded train/test split of a labelled set."""

from __future__ import annotations

import numpy as np

from .. import validation as V


def train_test_split(x, y, *, test_fraction: float = 0.2, rng: np.random.Generator):
    """Split a labelled set into a training and a test part, stratified by class.

    Within every class, ``round(test_fraction * count)`` examples (half rounded up) go to the
    test part, chosen at random, so both parts keep the class proportions. Each part is then
    shuffled, so neither is sorted by class.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        Examples (the first axis indexes them).
    y : array_like of int, shape (N,)
        Class labels (`validation.int_labels`: integers >= 0).
    test_fraction : float
        Share of each class put in the test part, strictly between 0 and 1.
    rng : numpy.random.Generator
        Source of randomness (required: the split is reproducible from the seed).

    Returns
    -------
    x_train, y_train, x_test, y_test : ndarray
        Subsets of ``x`` and ``y`` (copies), ``y`` as int64.

    Examples
    --------
    >>> x, y = np.arange(10), np.array([0] * 5 + [1] * 5)
    >>> x_tr, y_tr, x_te, y_te = train_test_split(x, y, rng=np.random.default_rng(0))
    >>> len(x_tr), np.bincount(y_te).tolist()
    (8, [1, 1])
    """
    rng = V.generator(rng)
    x = np.asarray(x)
    if x.ndim < 1:
        raise ValueError(f"x must have at least one axis (examples first); got shape {x.shape}")
    y = V.int_labels(y, "y", n=len(x))
    V.check_nonempty(y, "y")
    test_fraction = V.in_interval(test_fraction, "test_fraction", 0, 1, closed="neither")

    train_parts, test_parts = [], []
    for label in np.unique(y):  # sorted, so the draws from rng happen in a fixed order
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = int(np.floor(test_fraction * len(members) + 0.5))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    return x[train], y[train], x[test], y[test]
