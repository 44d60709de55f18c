"""Cross-correlation against true convolution, on a short 1-D signal: where the flip is.

The book's forward pass, as every deep-learning library's, is a cross-correlation (互相关),
``y[i] = sum_u k[u] x[i + u]``: tap u meets the pixel u places to the right of the window's
start. A true convolution (卷积), the operation of mathematics and signal processing, runs the
kernel backwards, ``y[i] = sum_u k[u] x[i + KL - 1 - u]``, which is the cross-correlation with
the kernel reversed (in 2-D, turned half a turn: rot180). `flip_1d` computes both with the
core's `conv2d_forward` and lists which entry of x each tap meets for one output, so a figure
can draw the two alignments. NumPy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..validation import as_float_array, as_int, check_nonempty


class Flip1d(NamedTuple):
    """Both operations on one signal, and how the kernel lines up for output ``at``."""

    x: np.ndarray  # (L,) the signal
    k: np.ndarray  # (KL,) the kernel
    correlation: np.ndarray  # (L - KL + 1,) sum_u k[u] x[i + u]
    convolution: np.ndarray  # (L - KL + 1,) sum_u k[u] x[i + KL - 1 - u]
    at: int  # the output shown
    correlation_reads: np.ndarray  # (KL,) the entry of x tap u meets in the correlation
    convolution_reads: np.ndarray  # (KL,) the same in the convolution: the order reversed


def flip_1d(x, k, at=0) -> Flip1d:
    """Cross-correlation and true convolution of a signal with a kernel, side by side (valid).

    Parameters
    ----------
    x : ndarray of floats, shape (L,)
    k : ndarray of floats, shape (KL,), 1 <= KL <= L
    at : int
        The output whose alignment is listed, ``0 <= at <= L - KL``.

    Returns
    -------
    Flip1d
        Both outputs by the core's `conv2d_forward` on a one-row image (the convolution with
        the kernel reversed), in float64.

    Raises
    ------
    ValueError
        When the kernel is empty or longer than the signal, or ``at`` is not an output index.

    Examples
    --------
    >>> f = flip_1d(np.array([0.0, 1.0, 2.0, 4.0, 8.0]), np.array([1.0, 0.0, -1.0]), at=1)
    >>> f.correlation, f.convolution  # x[i] - x[i+2], then x[i+2] - x[i]
    (array([-2., -3., -6.]), array([2., 3., 6.]))
    >>> f.correlation_reads, f.convolution_reads
    (array([1, 2, 3]), array([3, 2, 1]))
    """
    x = as_float_array(x, "x", ndim=1).astype(np.float64, copy=False)
    k = as_float_array(k, "k", ndim=1).astype(np.float64, copy=False)
    check_nonempty(k, "k")  # the core would name its own w
    image = x[None, None, None, :]  # (1, 1, 1, L)
    corr = F.conv2d_forward(image, k[None, None, None, :])[0][0, 0, 0]
    conv = F.conv2d_forward(image, k[None, None, None, ::-1])[0][0, 0, 0]
    at = as_int(at, "at")
    if not 0 <= at < corr.size:
        raise ValueError(f"at must be an output index in [0, {corr.size}); got {at}")
    taps = np.arange(k.size)
    return Flip1d(x, k, corr + 0.0, conv + 0.0, at, at + taps, at + k.size - 1 - taps)
