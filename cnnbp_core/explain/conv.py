"""The numbers behind chapter 04's kernel-gradient figure and explorer (NumPy only).

One kernel weight's gradient is a sum over the output pixels,

    dL/dK[u,v] = sum_{i,j} delta[i,j] * X[i*s_h + u*d_h, j*s_w + v*d_w],

one term per pixel of delta. `kernel_tap_terms` lists those terms, and the whole dL/dK from the
core's `conv2d_backward`, so a picture of the terms can show that they add up to the core's
answer. `explorer_input` and `explorer_delta` are the explorer's reproducible data.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..geometry import window
from ..validation import as_float_array, as_int, check_shape, conv_hyper, pair

EXPLORER_INPUT_SHAPE = (7, 8)  # H != W on purpose
"""Shape (H, W) of `explorer_input`."""


class KernelTapTerms(NamedTuple):
    """The terms of ``dL/dK[u,v] = sum_{i,j} delta[i,j] * X[i*s + u*d, j*s + v*d]``."""

    rows: np.ndarray  # (H_out,) input rows the tap reads: i*s_h + u*d_h
    cols: np.ndarray  # (W_out,) input columns: j*s_w + v*d_w
    products: np.ndarray  # (H_out, W_out) X[rows[i], cols[j]] * delta[i, j]
    dk: np.ndarray  # (KH, KW) the whole kernel gradient, from the core's conv2d_backward


def kernel_tap_terms(x, delta, u, v, *, kernel_size, stride=1, dilation=1) -> KernelTapTerms:
    """Split one kernel weight's gradient into its terms, for one channel (no padding).

    Parameters
    ----------
    x : ndarray of floats, shape (H, W)
        One input channel X (pad it first if padding is wanted).
    delta : ndarray of floats, shape (H_out, W_out)
        Upstream gradient dL/dY, shaped like the convolution's output.
    u, v : int
        The kernel tap, ``0 <= u < KH``, ``0 <= v < KW``.
    kernel_size, stride, dilation : int or (h, w) pair

    Returns
    -------
    KernelTapTerms
        In float64; ``products.sum()`` equals ``dk[u, v]``: the picture and the core agree.

    Raises
    ------
    ValueError
        When the kernel does not fit x, delta has the wrong shape, or (u, v) is outside the kernel.
    TypeError
        When x or delta is not a float array, as in the core's `conv2d_forward`.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> t = kernel_tap_terms(x, np.ones((2, 2)), 0, 1, kernel_size=2, stride=2)
    >>> t.rows, t.cols
    (array([0, 2]), array([1, 3]))
    >>> float(t.products.sum()), float(t.dk[0, 1])
    (24.0, 24.0)
    """
    # float64 whatever the input's float dtype, so the terms print like the core's float64 dK
    x = as_float_array(x, "x", ndim=2).astype(np.float64, copy=False)
    delta = as_float_array(delta, "delta", ndim=2).astype(np.float64, copy=False)
    kernel = pair(kernel_size, "kernel_size", 1)
    stride, _, dilation = conv_hyper(stride, 0, dilation)
    _, cache = F.conv2d_forward(
        x[None, None], np.zeros((1, 1, *kernel)), stride=stride, dilation=dilation
    )
    check_shape(delta, cache.out_hw, "delta", "the convolution output's shape (H_out, W_out)")
    u, v = as_int(u, "u"), as_int(v, "v")
    if not (0 <= u < kernel[0] and 0 <= v < kernel[1]):
        raise ValueError(f"tap (u, v) = ({u}, {v}) is outside the {kernel[0]}x{kernel[1]} kernel")
    dk = F.conv2d_backward(delta[None, None], cache)[1][0, 0]  # (KH, KW)
    rows, cols = window(u, v, cache.out_hw, stride, dilation)  # what tap (u, v) reads, as slices
    products = x[rows, cols] * delta  # (H_out, W_out)
    return KernelTapTerms(np.arange(x.shape[0])[rows], np.arange(x.shape[1])[cols], products, dk)


def explorer_input(seed=0) -> np.ndarray:
    """The explorer's default input X: small integers (as floats), easy to multiply by eye.

    Parameters
    ----------
    seed : int
        Seed of the draw.

    Returns
    -------
    ndarray of float64, shape `EXPLORER_INPUT_SHAPE` = (7, 8)

    Examples
    --------
    >>> x = explorer_input()
    >>> x.shape, x.dtype.name, float(x.min()) >= 0, float(x.max()) <= 9
    ((7, 8), 'float64', True, True)
    """
    return np.random.default_rng(seed).integers(0, 10, EXPLORER_INPUT_SHAPE).astype(float)


def explorer_delta(out_hw, seed=0) -> np.ndarray:
    """A reproducible upstream gradient delta for an output of shape ``out_hw`` (one decimal).

    The draw is seeded by ``seed`` and the shape together, so each output shape the explorer's
    sliders reach gets its own fixed delta.

    Parameters
    ----------
    out_hw : (int, int)
        (H_out, W_out).
    seed : int

    Returns
    -------
    ndarray of float64, shape out_hw
        Values in [-1, 1], rounded to one decimal.

    Examples
    --------
    >>> d = explorer_delta((2, 3))
    >>> d.shape, bool(np.all(np.abs(d) <= 1)), bool(np.array_equal(d, explorer_delta((2, 3))))
    ((2, 3), True, True)
    """
    return np.round(np.random.default_rng([seed, *out_hw]).uniform(-1, 1, out_hw), 1)
