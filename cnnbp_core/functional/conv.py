"""2-D convolution (cross-correlation, as in every deep-learning library): forward and backward.

Notation (DESIGN.md): X input (N, C_in, H, W), K kernel (C_out, C_in, KH, KW), b bias (C_out,),
Y output (N, C_out, H_out, W_out), delta = dL/dY; s stride, p zero padding per side, d dilation
(1 = no gaps). Xp is X padded with p zeros on every side. The forward pass is

    Y[n,f,i,j] = b[f] + sum_{c,u,v} K[f,c,u,v] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]

and the chain rule through it gives (derived in chapters 04-06)

    dL/dK[f,c,u,v]  = sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]
    dL/dXp[n,c,h,w] = sum of delta[n,f,i,j] * K[f,c,u,v] over all (f,i,j,u,v) that read (h, w)
    dL/db[f]        = sum_{n,i,j} delta[n,f,i,j]

and dL/dX is dL/dXp with the padding cropped off. The file reads like the chapter: first the
loops (`conv2d_forward_naive`, `conv2d_backward_naive`), which state these formulas one scalar at
a time and are the specification; then the fast pair (`conv2d_forward`, `conv2d_backward`), which
computes the same numbers with im2col and one matrix product per gradient and is tested equal to
the loops.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..geometry import crop, output_size, pad, window
from ..validation import (
    as_float_array,
    check_fan_in,
    check_grad,
    check_kernel,
    check_shape,
    conv_hyper,
    one_of,
)

LAYOUTS = ("per_sample", "batch_last")


class Conv2dCache(NamedTuple):
    """What the backward pass needs from the forward pass."""

    x_padded: np.ndarray  # (N, C_in, H + 2p_h, W + 2p_w)
    w: np.ndarray  # (C_out, C_in, KH, KW)
    has_bias: bool
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_hw: tuple[int, int]  # (H_out, W_out), computed once by the forward pass
    layout: str  # im2col layout of `cols`, one of LAYOUTS
    cols: np.ndarray | None  # the im2col matrix in `layout`; None from the naive pass


def _prepare(x, w, b, stride, padding, dilation):
    """Check and convert the forward arguments; return Xp, K, b and the geometry."""
    x = as_float_array(x, "x", ndim=4)
    w = as_float_array(w, "w", ndim=4)
    check_kernel(w.shape)
    check_fan_in(x.shape, w.shape)
    if b is not None:
        b = as_float_array(b, "b")
        check_shape(b, (w.shape[0],), "b", "one bias per output channel, C_out of w")
    dtype = np.result_type(x, w, *(() if b is None else (b,)))
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    out_hw = output_size(x.shape[2:], w.shape[2:], stride, padding, dilation)
    xp = pad(x.astype(dtype, copy=False), padding)
    b = None if b is None else b.astype(dtype, copy=False)
    return xp, w.astype(dtype, copy=False), b, stride, padding, dilation, out_hw


def _checked_dout(dout, cache):
    n, f = cache.x_padded.shape[0], cache.w.shape[0]
    return check_grad(dout, (n, f, *cache.out_hw), cache.x_padded.dtype)


# --- the specification: loops ------------------------------------------------------------------


def conv2d_forward_naive(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Loop version of `conv2d_forward`: the index formula written out, one scalar at a time.

    Same parameters, returns and errors as `conv2d_forward` (the cache has ``cols=None``).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> y, _ = conv2d_forward_naive(x, np.ones((1, 1, 2, 2)))
    >>> y[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    xp, w, b, stride, padding, dilation, out_hw = _prepare(x, w, b, stride, padding, dilation)
    (sh, sw), (dil_h, dil_w) = stride, dilation
    c_in, kh, kw = w.shape[1:]
    out = np.zeros((xp.shape[0], w.shape[0], *out_hw), dtype=xp.dtype)
    for n, f, i, j in np.ndindex(out.shape):
        total = 0.0 if b is None else b[f]
        for c, u, v in np.ndindex(c_in, kh, kw):
            total += w[f, c, u, v] * xp[n, c, i * sh + u * dil_h, j * sw + v * dil_w]
        out[n, f, i, j] = total
    cache = Conv2dCache(xp, w, b is not None, stride, padding, dilation, out_hw, "per_sample", None)
    return out, cache


def conv2d_backward_naive(dout, cache):
    """Loop version of `conv2d_backward`: every term of the chain rule added one at a time.

    Each forward product ``K[f,c,u,v] * Xp[n,c,h,w]`` (with h = i*s_h + u*d_h, w = j*s_w + v*d_w)
    feeds Y[n,f,i,j], so it sends ``delta * Xp`` to dK and ``delta * K`` to dXp.
    Same parameters and returns as `conv2d_backward`.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> _, cache = conv2d_forward_naive(x, np.ones((1, 1, 2, 2)))
    >>> dx, dw, db = conv2d_backward_naive(np.ones((1, 1, 2, 2)), cache)
    >>> dw[0, 0]  # each tap sums the 2x2 block of pixels it reads
    array([[ 8., 12.],
           [20., 24.]])
    """
    dout = _checked_dout(dout, cache)
    xp, w = cache.x_padded, cache.w
    (sh, sw), (dil_h, dil_w) = cache.stride, cache.dilation
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(w.shape[0], dtype=xp.dtype)
    for n, f, i, j in np.ndindex(dout.shape):
        delta = dout[n, f, i, j]
        db[f] += delta
        for c, u, v in np.ndindex(w.shape[1:]):
            h, col = i * sh + u * dil_h, j * sw + v * dil_w
            dw[f, c, u, v] += delta * xp[n, c, h, col]
            dxp[n, c, h, col] += delta * w[f, c, u, v]
    return crop(dxp, cache.padding), dw, db if cache.has_bias else None


# --- the fast path: im2col and one matrix product per gradient ----------------------------------
#
# Gathering every receptive field into a matrix ("im2col") turns each sum over (c, u, v) into a
# matrix product. Two layouts of that matrix compute the same numbers:
#   per_sample  (N, C_in*KH*KW, H_out*W_out): one product per sample; every strided copy moves
#               runs of W_out numbers, so it suits maps with long rows;
#   batch_last  (C_in*KH*KW, H_out*W_out*N): one large product; every copy moves runs of N
#               numbers, which wins on tiny maps (NumPy's per-run overhead dominates short rows).
SHORT_ROWS = 8  # layout=None picks batch_last when W_out is below this


def _pick_layout(layout, out_hw):
    if one_of(layout, "layout", (None, *LAYOUTS)) is None:
        return "batch_last" if out_hw[1] < SHORT_ROWS else "per_sample"
    return layout


def _im2col(xp, kernel_hw, out_hw, stride, dilation):
    """Every receptive field as a column, per sample: shape (N, C_in*KH*KW, H_out*W_out)."""
    n, c = xp.shape[:2]
    kh, kw = kernel_hw
    cols = np.empty((n, c, kh, kw, *out_hw), dtype=xp.dtype)
    for u in range(kh):  # a loop over kernel taps only: each step copies one strided view
        for v in range(kw):
            rows, columns = window(u, v, out_hw, stride, dilation)
            cols[:, :, u, v] = xp[:, :, rows, columns]
    return cols.reshape(n, c * kh * kw, out_hw[0] * out_hw[1])


def _im2col_batch_last(xp, kernel_hw, out_hw, stride, dilation):
    """The same columns with the batch innermost: shape (C_in*KH*KW, H_out*W_out*N)."""
    xt = np.ascontiguousarray(xp.transpose(1, 2, 3, 0))  # (C_in, Hp, Wp, N)
    c, n = xt.shape[0], xt.shape[3]
    kh, kw = kernel_hw
    cols = np.empty((c, kh, kw, *out_hw, n), dtype=xp.dtype)
    for u in range(kh):
        for v in range(kw):
            rows, columns = window(u, v, out_hw, stride, dilation)
            cols[:, u, v] = xt[:, rows, columns]
    return cols.reshape(c * kh * kw, out_hw[0] * out_hw[1] * n)


def conv2d_forward(x, w, b=None, *, stride=1, padding=0, dilation=1, layout=None):
    """2-D cross-correlation of a batch of images with a bank of kernels (PyTorch's conv2d).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input X, floating dtype.
    w : array_like, shape (C_out, C_in, KH, KW)
        Kernels K.
    b : array_like, shape (C_out,), optional
        Bias, one per output channel.
    stride, padding, dilation : int or (h, w) pair
        Step between windows (>= 1), zeros added on each side (>= 0), spacing between kernel
        taps (>= 1; 1 is an ordinary kernel).
    layout : {None, "per_sample", "batch_last"}
        Memory layout of the im2col matrix (same numbers, different speed); None picks the
        faster one for the output's width.

    Returns
    -------
    out : ndarray, shape (N, C_out, H_out, W_out)
        Y, in the common dtype of the inputs.
    cache : Conv2dCache
        For `conv2d_backward`.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> k = np.array([[[[1.0, -1.0]]]])  # (C_out, C_in, KH, KW) = (1, 1, 1, 2)
    >>> y, cache = conv2d_forward(x, k, stride=2)
    >>> y[0, 0], cache.out_hw
    (array([[-1., -1.],
           [-1., -1.]]), (2, 2))
    """
    xp, w, b, stride, padding, dilation, out_hw = _prepare(x, w, b, stride, padding, dilation)
    layout = _pick_layout(layout, out_hw)
    n, f = xp.shape[0], w.shape[0]
    k = w.reshape(f, -1)  # (C_out, C_in*KH*KW)
    if layout == "batch_last":
        cols = _im2col_batch_last(xp, w.shape[2:], out_hw, stride, dilation)
        # (C_out, C_in*KH*KW) @ (C_in*KH*KW, H_out*W_out*N) -> (C_out, H_out*W_out*N)
        y = (k @ cols).reshape(f, *out_hw, n)
        out = np.ascontiguousarray(y.transpose(3, 0, 1, 2))
    else:
        cols = _im2col(xp, w.shape[2:], out_hw, stride, dilation)
        # (C_out, C_in*KH*KW) @ (N, C_in*KH*KW, H_out*W_out) -> (N, C_out, H_out*W_out)
        out = (k @ cols).reshape(n, f, *out_hw)
    if b is not None:
        out += b[None, :, None, None]
    cache = Conv2dCache(xp, w, b is not None, stride, padding, dilation, out_hw, layout, cols)
    return out, cache


def conv2d_backward(dout, cache):
    """Gradients of a 2-D cross-correlation.

    Parameters
    ----------
    dout : array_like, shape (N, C_out, H_out, W_out)
        Upstream gradient dL/dY.
    cache : Conv2dCache
        From `conv2d_forward` (or `conv2d_forward_naive`).

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dw : ndarray, shape (C_out, C_in, KH, KW)
    db : ndarray, shape (C_out,) or None
        None when the forward pass had no bias.

    Derived in notebooks/04_kernel_gradient.ipynb (dw, db) and 05_input_gradient.ipynb (dx).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> y, cache = conv2d_forward(x, np.ones((1, 1, 3, 3)), np.zeros(1))
    >>> dx, dw, db = conv2d_backward(np.ones_like(y), cache)
    >>> dw[0, 0], db  # each tap sums the 2x2 block of pixels it reads; db counts the outputs
    (array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]]), array([4.]))
    """
    dout = _checked_dout(dout, cache)
    cols = cache.cols
    if cols is None:  # a cache from the naive forward pass
        geometry = cache.w.shape[2:], cache.out_hw, cache.stride, cache.dilation
        cols = _im2col(cache.x_padded, *geometry)
    backward = _backward_batch_last if cache.layout == "batch_last" else _backward_per_sample
    dxp, dw, db = backward(dout, cols, cache)
    return crop(dxp, cache.padding), dw, db if cache.has_bias else None


def _col2im(dcols, xp_shape, cache):
    """Send each tap's share of dcols (N, C_in, KH, KW, H_out, W_out) to the pixels it read."""
    dxp = np.zeros(xp_shape, dtype=dcols.dtype)
    for u, v in np.ndindex(cache.w.shape[2:]):
        rows, columns = window(u, v, cache.out_hw, cache.stride, cache.dilation)
        dxp[:, :, rows, columns] += dcols[:, :, u, v]
    return dxp


def _backward_per_sample(dout, cols, cache):
    n, f, ho, wo = dout.shape
    delta = dout.reshape(n, f, ho * wo)  # (N, C_out, H_out*W_out)
    # dK = sum over samples of delta_n @ cols_n^T:
    # (N, C_out, H_out*W_out) @ (N, H_out*W_out, C_in*KH*KW) -> (N, C_out, C_in*KH*KW)
    dw = (delta @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(cache.w.shape)
    # dcols = K^T @ delta:
    # (C_in*KH*KW, C_out) @ (N, C_out, H_out*W_out) -> (N, C_in*KH*KW, H_out*W_out)
    dcols = (cache.w.reshape(f, -1).T @ delta).reshape(n, *cache.w.shape[1:], *cache.out_hw)
    dxp = _col2im(dcols, cache.x_padded.shape, cache)
    # db: (N, C_out, H_out*W_out) summed over n and p -> (C_out,); einsum beats .sum(axis=(0, 2))
    return dxp, dw, np.einsum("nfp->f", delta)


def _backward_batch_last(dout, cols, cache):
    n, f, ho, wo = dout.shape
    c, kh, kw = cache.w.shape[1:]
    delta = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(f, ho * wo * n)
    # (C_out, H_out*W_out*N) @ (H_out*W_out*N, C_in*KH*KW) -> (C_out, C_in*KH*KW)
    dw = (delta @ cols.T).reshape(cache.w.shape)
    # (C_in*KH*KW, C_out) @ (C_out, H_out*W_out*N) -> (C_in*KH*KW, H_out*W_out*N)
    dcols = (cache.w.reshape(f, -1).T @ delta).reshape(c, kh, kw, ho, wo, n)
    # col2im with the batch innermost: (C_in, Hp, Wp, N)
    hp, wp = cache.x_padded.shape[2:]
    dxt = np.zeros((c, hp, wp, n), dtype=dout.dtype)
    for u, v in np.ndindex(kh, kw):
        rows, columns = window(u, v, cache.out_hw, cache.stride, cache.dilation)
        dxt[:, rows, columns] += dcols[:, u, v]
    db = delta.sum(axis=1)  # (C_out, H_out*W_out*N) -> (C_out,)
    return np.ascontiguousarray(dxt.transpose(3, 0, 1, 2)), dw, db
