"""Classification metrics in plain NumPy (no plotting), used by training and by plotting."""

from __future__ import annotations

import numpy as np

from .. import validation as V


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Count how often each true class was predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        True and predicted class labels, 0 .. n_classes - 1 (`validation.int_labels`).
    n_classes : int, optional
        Number of classes; default ``max(y_true, y_pred) + 1``.

    Returns
    -------
    ndarray, shape (n_classes, n_classes), int64
        ``M[i, j]`` = number of examples of true class i predicted as class j, so the diagonal
        holds the correct predictions and ``M.trace() / N`` is the accuracy.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 1]])
    >>> confusion_matrix([0, 1], [0, 1], n_classes=3).shape
    (3, 3)
    """
    if n_classes is not None:
        n_classes = V.as_int(n_classes, "n_classes", 1)
    t = V.int_labels(y_true, "y_true", n_classes=n_classes)
    p = V.int_labels(y_pred, "y_pred", n=len(t), n_classes=n_classes)
    if n_classes is None:
        n_classes = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).astype(np.int64)
