"""2-D convolution (cross-correlation, as in every deep-learning library): forward and backward.

Notation (DESIGN.md): X input (N, C_in, H, W), K kernel (C_out, C_in, KH, KW), b bias (C_out,),
Y output (N, C_out, H_out, W_out), delta = dL/dY; s stride, p zero padding per side, d dilation.
Xp is X padded with p zeros on every side. The forward pass is

    Y[n,f,i,j] = b[f] + sum_{c,u,v} K[f,c,u,v] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]

and the chain rule through it gives (derived in chapters 04-06)

    dL/dK[f,c,u,v]  = sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]
    dL/dXp[n,c,h,w] = sum of delta[n,f,i,j] * K[f,c,u,v] over all (f,i,j,u,v) that read (h, w)
    dL/db[f]        = sum_{n,i,j} delta[n,f,i,j]

and dL/dX is dL/dXp with the padding cropped off. The ``*_naive`` functions state these formulas
as loops; they are the specification. ``conv2d_forward``/``conv2d_backward`` compute the same with
im2col and one matrix product per gradient, and are tested equal to the loops.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, check_grad, check_shape, pair


class Conv2dCache(NamedTuple):
    """What the backward pass needs from the forward pass."""

    x_padded: np.ndarray  # (N, C_in, H + 2p_h, W + 2p_w)
    w: np.ndarray  # (C_out, C_in, KH, KW)
    has_bias: bool
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    cols: np.ndarray | None  # (N, C_in*KH*KW, H_out*W_out) im2col stack; None from the naive pass


def conv2d_output_shape(h, w, kernel_size, *, stride=1, padding=0, dilation=1):
    """Spatial output size ``(H_out, W_out)`` of a convolution or pooling window.

    ``H_out = floor((H + 2p - d(KH - 1) - 1) / s) + 1``, likewise for W.

    Parameters
    ----------
    h, w : int
        Input height and width.
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    tuple of two ints

    Raises
    ------
    ValueError
        When the dilated kernel does not fit the padded input.
    """
    (kh, kw) = pair(kernel_size, "kernel_size", 1)
    (sh, sw), (ph, pw), (dh, dw) = _hyper(stride, padding, dilation)
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    hp, wp = h + 2 * ph, w + 2 * pw
    if ekh > hp or ekw > wp:
        dilated = f" (dilated {ekh}x{ekw})" if (ekh, ekw) != (kh, kw) else ""
        raise ValueError(
            f"kernel {kh}x{kw}{dilated} does not fit padded input {hp}x{wp} "
            f"(input {h}x{w}, padding {(ph, pw)}): every window must lie inside the padded input"
        )
    return (hp - ekh) // sh + 1, (wp - ekw) // sw + 1


def _hyper(stride, padding, dilation):
    return pair(stride, "stride", 1), pair(padding, "padding", 0), pair(dilation, "dilation", 1)


def _prepare(x, w, b, stride, padding, dilation):
    """Check and convert the forward arguments; return them with the geometry."""
    x = as_float_array(x, "x", ndim=4)
    w = as_float_array(w, "w", ndim=4)
    if 0 in w.shape[1:]:
        raise ValueError(f"w must have C_in, KH, KW >= 1; got shape {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel mismatch: x has C_in={x.shape[1]} channels (shape {x.shape}) but w expects "
            f"C_in={w.shape[1]} (shape {w.shape}); w must have shape (C_out, C_in, KH, KW)"
        )
    if b is not None:
        b = as_float_array(b, "b")
        check_shape(b, (w.shape[0],), "b", "one bias per output channel, C_out of w")
    dtype = np.result_type(x, w, *(() if b is None else (b,)))
    stride, padding, dilation = _hyper(stride, padding, dilation)
    out_hw = conv2d_output_shape(
        x.shape[2], x.shape[3], w.shape[2:], stride=stride, padding=padding, dilation=dilation
    )
    xp = _pad(x.astype(dtype, copy=False), padding)
    b = None if b is None else b.astype(dtype, copy=False)
    return xp, w.astype(dtype, copy=False), b, stride, padding, dilation, out_hw


def _pad(x, padding):
    """X with ``p`` zeros on each side of both spatial axes (np.pad, without its overhead)."""
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return x
    xp = np.zeros((*x.shape[:2], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)
    xp[:, :, ph : ph + x.shape[2], pw : pw + x.shape[3]] = x
    return xp


def _window(u, v, out_hw, stride, dilation):
    """Index of the input rows and columns that kernel tap (u, v) reads, for every output pixel."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return (
        slice(u * dh, u * dh + sh * (ho - 1) + 1, sh),
        slice(v * dw, v * dw + sw * (wo - 1) + 1, sw),
    )


# The vectorised pair gathers every receptive field into a matrix ("im2col") so that each sum
# over (c, u, v) becomes a matrix product. Two layouts of that matrix compute the same numbers:
#   per sample  (N, C_in*KH*KW, H_out*W_out): one product per sample; every strided copy moves
#               runs of W_out numbers, so it suits maps with long rows;
#   batch last  (C_in*KH*KW, H_out*W_out*N): one large product; every copy moves runs of N
#               numbers, which wins on tiny maps (NumPy's per-run overhead dominates short rows).
SHORT_ROWS = 8  # W_out below this: batch last


def _im2col(xp, kernel_hw, out_hw, stride, dilation):
    """Gather every receptive field as a column, per sample: shape (N, C_in*KH*KW, H_out*W_out)."""
    n, c = xp.shape[:2]
    kh, kw = kernel_hw
    cols = np.empty((n, c, kh, kw, *out_hw), dtype=xp.dtype)
    for u in range(kh):  # a loop over kernel taps only: each step copies one strided view
        for v in range(kw):
            rows, columns = _window(u, v, out_hw, stride, dilation)
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
            rows, columns = _window(u, v, out_hw, stride, dilation)
            cols[:, u, v] = xt[:, rows, columns]
    return cols.reshape(c * kh * kw, out_hw[0] * out_hw[1] * n)


def conv2d_forward(x, w, b=None, *, stride=1, padding=0, dilation=1):
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

    Returns
    -------
    out : ndarray, shape (N, C_out, H_out, W_out)
        Y, in the common dtype of the inputs.
    cache : Conv2dCache
        For `conv2d_backward`.
    """
    xp, w, b, stride, padding, dilation, out_hw = _prepare(x, w, b, stride, padding, dilation)
    n, f = xp.shape[0], w.shape[0]
    if out_hw[1] < SHORT_ROWS:
        cols = _im2col_batch_last(xp, w.shape[2:], out_hw, stride, dilation)
        y = (w.reshape(f, -1) @ cols).reshape(f, *out_hw, n)  # each output pixel: one dot product
        out = np.ascontiguousarray(y.transpose(3, 0, 1, 2))
    else:
        cols = _im2col(xp, w.shape[2:], out_hw, stride, dilation)
        out = (w.reshape(f, -1) @ cols).reshape(n, f, *out_hw)
    if b is not None:
        out += b[None, :, None, None]
    return out, Conv2dCache(xp, w, b is not None, stride, padding, dilation, cols)


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
    """
    xp, w, cols = cache.x_padded, cache.w, cache.cols
    n, f = xp.shape[0], w.shape[0]
    out_hw = conv2d_output_shape(
        *xp.shape[2:], w.shape[2:], stride=cache.stride, dilation=cache.dilation
    )
    dout = check_grad(dout, (n, f, *out_hw), xp.dtype)
    if cols is None:  # a cache from the naive forward pass
        cols = _im2col(xp, w.shape[2:], out_hw, cache.stride, cache.dilation)
    backward = _backward_batch_last if cols.ndim == 2 else _backward_per_sample
    dxp, dw, db = backward(dout, cols, w, xp.shape, out_hw, cache.stride, cache.dilation)
    return _crop(dxp, cache.padding), dw, db if cache.has_bias else None


def _backward_per_sample(dout, cols, w, xp_shape, out_hw, stride, dilation):
    n, c = xp_shape[:2]
    f, _, kh, kw = w.shape
    delta = dout.reshape(n, f, out_hw[0] * out_hw[1])  # (N, C_out, H_out*W_out)
    # dK: correlate every input channel with delta, i.e. sum over samples of delta_n @ cols_n^T
    dw = (delta @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    dcols = (w.reshape(f, -1).T @ delta).reshape(n, c, kh, kw, *out_hw)
    dxp = np.zeros(xp_shape, dtype=dout.dtype)
    for u in range(kh):  # col2im: every tap sends its share back to the pixels it read
        for v in range(kw):
            rows, columns = _window(u, v, out_hw, stride, dilation)
            dxp[:, :, rows, columns] += dcols[:, :, u, v]
    return dxp, dw, np.einsum("nfp->f", delta)  # einsum: faster than .sum(axis=(0, 2))


def _backward_batch_last(dout, cols, w, xp_shape, out_hw, stride, dilation):
    n, c, hp, wp = xp_shape
    f, _, kh, kw = w.shape
    delta = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(
        f, -1
    )  # (C_out, H_out*W_out*N)
    dw = (delta @ cols.T).reshape(w.shape)
    dcols = (w.reshape(f, -1).T @ delta).reshape(c, kh, kw, *out_hw, n)
    dxt = np.zeros((c, hp, wp, n), dtype=dout.dtype)
    for u in range(kh):
        for v in range(kw):
            rows, columns = _window(u, v, out_hw, stride, dilation)
            dxt[:, rows, columns] += dcols[:, u, v]
    return np.ascontiguousarray(dxt.transpose(3, 0, 1, 2)), dw, delta.sum(axis=1)


def _crop(dxp, padding):
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return dxp
    return np.ascontiguousarray(dxp[:, :, ph : dxp.shape[2] - ph, pw : dxp.shape[3] - pw])


def conv2d_forward_naive(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Loop version of `conv2d_forward`: the index formula written out, one scalar at a time.

    Same parameters, returns and errors as `conv2d_forward` (the cache has ``cols=None``).
    """
    xp, w, b, stride, padding, dilation, out_hw = _prepare(x, w, b, stride, padding, dilation)
    (n_, f_), (c_, kh, kw) = (xp.shape[0], w.shape[0]), w.shape[1:]
    (sh, sw), (dh, dw) = stride, dilation
    out = np.zeros((n_, f_, *out_hw), dtype=xp.dtype)
    for n, f, i, j in np.ndindex(out.shape):
        total = 0.0 if b is None else b[f]
        for c, u, v in np.ndindex(c_, kh, kw):
            total += w[f, c, u, v] * xp[n, c, i * sh + u * dh, j * sw + v * dw]
        out[n, f, i, j] = total
    return out, Conv2dCache(xp, w, b is not None, stride, padding, dilation, None)


def conv2d_backward_naive(dout, cache):
    """Loop version of `conv2d_backward`: every term of the chain rule added one at a time.

    Each forward product ``K[f,c,u,v] * Xp[n,c,h,w]`` (with h = i*s_h + u*d_h, w = j*s_w + v*d_w)
    feeds Y[n,f,i,j], so it sends ``delta * Xp`` to dK and ``delta * K`` to dXp.
    Same parameters and returns as `conv2d_backward`.
    """
    xp, w, stride, dilation = cache.x_padded, cache.w, cache.stride, cache.dilation
    (sh, sw), (dh, dw_) = stride, dilation
    out_hw = conv2d_output_shape(
        xp.shape[2], xp.shape[3], w.shape[2:], stride=stride, dilation=dilation
    )
    dout = check_grad(dout, (xp.shape[0], w.shape[0], *out_hw), xp.dtype)
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(w.shape[0], dtype=xp.dtype)
    for n, f, i, j in np.ndindex(dout.shape):
        delta = dout[n, f, i, j]
        db[f] += delta
        for c, u, v in np.ndindex(w.shape[1:]):
            h, col = i * sh + u * dh, j * sw + v * dw_
            dw[f, c, u, v] += delta * xp[n, c, h, col]
            dxp[n, c, h, col] += delta * w[f, c, u, v]
    return _crop(dxp, cache.padding), dw, db if cache.has_bias else None


def dilate2d(a, factor):
    """Insert ``factor - 1`` zeros between neighbouring entries along the last two axes.

    Chapter 04 uses it to state the strided kernel gradient as a correlation: with stride s,
    ``dL/dK[u,v] = (Xp * dilate2d(delta, s))[u*d, v*d]``. Works on object arrays (SymPy) too.

    Parameters
    ----------
    a : ndarray, shape (..., H, W)
    factor : int or (h, w) pair, >= 1

    Returns
    -------
    ndarray, shape (..., (H - 1) * factor_h + 1, (W - 1) * factor_w + 1)
        Same dtype as ``a``; inserted entries are ``0`` (an exact integer 0 in object arrays).
    """
    a = np.asarray(a)
    if a.ndim < 2:
        raise ValueError(f"a must have at least 2 dimensions; got shape {a.shape}")
    fh, fw = pair(factor, "factor", 1)
    h, w = a.shape[-2:]
    out = np.zeros((*a.shape[:-2], max(h - 1, 0) * fh + 1, max(w - 1, 0) * fw + 1), dtype=a.dtype)
    out[..., ::fh, ::fw] = a
    return out
