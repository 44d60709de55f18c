"""Classification metrics in plain NumPy (no plotting), used by training and by plotting."""

from __future__ import annotations

import numbers

import numpy as np


def _labels(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one class label per example); got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels; got dtype {arr.dtype}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0; got {arr.min()}")
    return arr.astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        True and predicted class labels, 0 .. n_classes - 1.
    n_classes : int, optional
        Number of classes; default ``max(y_true, y_pred) + 1``.

    Returns
    -------
    ndarray, shape (n_classes, n_classes), int64
        ``M[i, j]`` = number of examples of true class i predicted as class j, so the diagonal
        holds the correct predictions and ``M.trace() / N`` is the accuracy.
    """
    t, p = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred must have the same length; got {len(t)} and {len(p)}")
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if n_classes is None:
        n_classes = seen
    else:
        if isinstance(n_classes, (bool, np.bool_)) or not isinstance(n_classes, numbers.Integral):
            raise TypeError(f"n_classes must be an int; got {n_classes!r}")
        if n_classes < 1:
            raise ValueError(f"n_classes must be >= 1; got {n_classes}")
        if seen > n_classes:
            raise ValueError(
                f"n_classes={n_classes} but the labels go up to {seen - 1}; "
                f"labels must be < n_classes"
            )
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)
