"""2-D max and average pooling: forward and backward (PyTorch's max_pool2d and avg_pool2d).

Notation (DESIGN.md): X input (N, C, H, W), Y output (N, C, H_out, W_out), delta = dL/dY;
window KH x KW, s stride (defaults to the window size), p padding per side. Xp is X padded with
p values on every side: -inf for max pooling (padding never wins), zeros for average pooling
(the zeros count in the average: PyTorch's ``count_include_pad=True``). Output sizes follow
`conv2d_output_shape` (floor: remainder rows and columns are dropped).

    max:  Y[n,c,i,j] = max_{u,v} Xp[n, c, i*s_h + u, j*s_w + v]
          dL/dXp[n,c,h,w] = sum of delta[n,c,i,j] over the windows (i, j) whose max is at (h, w)
    avg:  Y[n,c,i,j] = 1/(KH*KW) * sum_{u,v} Xp[n, c, i*s_h + u, j*s_w + v]
          dL/dXp[n,c,h,w] = sum of delta[n,c,i,j] / (KH*KW) over the windows (i, j) holding (h, w)

and dL/dX is dL/dXp with the padding cropped off. Two rules matter in the max backward:
*overlapping windows accumulate* (an element that is the max of two windows gets both deltas),
and *ties go to one element*, the first max in row-major window order (as PyTorch picks it).

The ``*_naive`` functions state these formulas as loops; they are the specification. The
vectorised pair loops over window offsets only, and is *separable*: a window's max (or sum) is
the max (or sum) over its rows of each row's max (or sum). So it reduces along W first, then
along H, each as a chain of two-input steps ``m = max(m, q)``. The backward undoes the chain in
reverse, each step sending its gradient to the winner. Ties: ``q > m`` is strict, so the earlier
offset keeps the max; the first row holding the window's max wins, and within it the first
column, which is exactly the first max in row-major order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_float_array, check_grad, pair
from .conv import _crop, conv2d_output_shape


class MaxPool2dCache(NamedTuple):
    """What the max-pool backward pass needs from the forward pass."""

    x_padded: np.ndarray  # (N, C, H + 2p_h, W + 2p_w), padded with -inf (x itself when p = 0)
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    # one float mask per two-input max step, 1.0 where the later offset won; None from the naive
    # pass. W step: KW - 1 masks (N, C, H + 2p_h, W_out); H step: KH - 1 masks (N, C, H_out, W_out)
    w_takes: list | None
    h_takes: list | None


class AvgPool2dCache(NamedTuple):
    """What the average-pool backward pass needs: only the geometry."""

    x_shape: tuple[int, int, int, int]  # (N, C, H, W)
    dtype: np.dtype
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]


def _geometry(x, kernel_size, stride, padding):
    """Check the arguments; return x and the window geometry, including the output size."""
    x = as_float_array(x, "x", ndim=4)
    kernel = pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"padding {padding} must be at most half the kernel size {kernel[0]}x{kernel[1]} "
            "in each direction, so that no window lies entirely in the padding (PyTorch's rule)"
        )
    out_hw = conv2d_output_shape(x.shape[2], x.shape[3], kernel, stride=stride, padding=padding)
    return x, kernel, stride, padding, out_hw


def _pad(x, padding, value):
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _tap(axis, t, s, n):
    """Index of the element at offset t of each of n windows (step s) along `axis`."""
    index = [slice(None)] * 4
    index[axis] = slice(t, t + s * (n - 1) + 1, s)
    return tuple(index)


def _route(grad, index, g, tiled):
    """Send g to grad[index]: assign when windows tile the axis, else accumulate (overlap)."""
    if tiled:
        grad[index] = g
    else:
        grad[index] += g


def _new_grad(shape, dtype, k, s, n, axis):
    """Zeros for the gradient, or uninitialised memory when every element is written once."""
    tiled = s == k and shape[axis] == k * n  # windows side by side, no gaps, no remainder
    return (np.empty if tiled else np.zeros)(shape, dtype), tiled


# --- max pooling --------------------------------------------------------------------------------


def _max_along(a, axis, k, s, n):
    """Max over each window of k offsets along `axis`, as a chain of two-input max steps."""
    m = a[_tap(axis, 0, s, n)]
    takes = []
    for t in range(1, k):
        grown = np.maximum(m, a[_tap(axis, t, s, n)])
        takes.append((grown > m).astype(a.dtype))  # strict: on a tie the earlier offset keeps it
        m = grown
    return m, takes


def _max_along_backward(dm, takes, axis, k, s, shape):
    """Undo `_max_along`'s steps in reverse, each sending its gradient to the step's winner."""
    n = dm.shape[axis]
    grad, tiled = _new_grad(shape, dm.dtype, k, s, n, axis)
    for t in range(k - 1, 0, -1):
        dq = dm * takes[t - 1]  # the share of offset t, where it won step t
        dm = dm - dq  # the rest goes back to the running max of offsets 0..t-1
        _route(grad, _tap(axis, t, s, n), dq, tiled)
    _route(grad, _tap(axis, 0, s, n), dm, tiled)
    return grad


def _max_pool(xp, kernel, stride, out_hw):
    """Vectorised max pool of a padded input: the output and the W and H steps' masks."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    rows, w_takes = _max_along(xp, 3, kw, sw, wo)  # (N, C, Hp, W_out): each row's window max
    out, h_takes = _max_along(rows, 2, kh, sh, ho)  # (N, C, H_out, W_out)
    return (out.copy() if kh == kw == 1 else out), w_takes, h_takes  # 1x1: never a view of x


def maxpool2d_forward(x, kernel_size, *, stride=None, padding=0):
    """2-D max pooling (PyTorch's max_pool2d with dilation 1 and floor rounding).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input X, floating dtype.
    kernel_size : int or (h, w) pair
        Window size KH x KW.
    stride : int or (h, w) pair, optional
        Step between windows; defaults to `kernel_size`. Smaller than the window: overlap.
    padding : int or (h, w) pair
        -inf added on each side, at most half the window size (PyTorch's rule).

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        Y, in x's dtype.
    cache : MaxPool2dCache
        For `maxpool2d_backward`.
    """
    x, kernel, stride, padding, out_hw = _geometry(x, kernel_size, stride, padding)
    xp = _pad(x, padding, -np.inf)
    out, w_takes, h_takes = _max_pool(xp, kernel, stride, out_hw)
    return out, MaxPool2dCache(xp, kernel, stride, padding, w_takes, h_takes)


def maxpool2d_backward(dout, cache):
    """Gradient of 2-D max pooling: each delta goes to its window's (first) max, accumulating.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
        Upstream gradient dL/dY.
    cache : MaxPool2dCache
        From `maxpool2d_forward` (or `maxpool2d_forward_naive`).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Derived in chapter 07 (pooling and activations).
    """
    xp, (kh, kw), (sh, sw), padding, w_takes, h_takes = cache
    out_hw = conv2d_output_shape(xp.shape[2], xp.shape[3], (kh, kw), stride=(sh, sw))
    dout = check_grad(dout, (*xp.shape[:2], *out_hw), xp.dtype)
    if w_takes is None:  # a cache from the naive pass: redo the vectorised forward steps
        _, w_takes, h_takes = _max_pool(xp, (kh, kw), (sh, sw), out_hw)
    rows_shape = (*xp.shape[:3], out_hw[1])
    drows = _max_along_backward(dout, h_takes, 2, kh, sh, rows_shape)
    dxp = _max_along_backward(drows, w_takes, 3, kw, sw, xp.shape)
    return _crop(dxp, padding)


def _first_max(xp, n, c, h0, w0, kernel):
    """(row, column) in Xp of the first max of one window, scanning it in row-major order."""
    best, at = -np.inf, None
    for u, v in np.ndindex(kernel):
        if at is None or xp[n, c, h0 + u, w0 + v] > best:
            best, at = xp[n, c, h0 + u, w0 + v], (h0 + u, w0 + v)
    return at


def maxpool2d_forward_naive(x, kernel_size, *, stride=None, padding=0):
    """Loop version of `maxpool2d_forward`: each window scanned in row-major order.

    Same parameters, returns and errors as `maxpool2d_forward` (the cache holds no masks).
    """
    x, kernel, stride, padding, out_hw = _geometry(x, kernel_size, stride, padding)
    xp = _pad(x, padding, -np.inf)
    (sh, sw) = stride
    out = np.empty((*x.shape[:2], *out_hw), dtype=x.dtype)
    for n, c, i, j in np.ndindex(out.shape):
        out[n, c, i, j] = xp[(n, c, *_first_max(xp, n, c, i * sh, j * sw, kernel))]
    return out, MaxPool2dCache(xp, kernel, stride, padding, None, None)


def maxpool2d_backward_naive(dout, cache):
    """Loop version of `maxpool2d_backward`: ``dXp[first max of window (i, j)] += delta[i, j]``.

    Same parameters and returns as `maxpool2d_backward`.
    """
    xp, kernel, (sh, sw), padding, _, _ = cache
    out_hw = conv2d_output_shape(xp.shape[2], xp.shape[3], kernel, stride=(sh, sw))
    dout = check_grad(dout, (*xp.shape[:2], *out_hw), xp.dtype)
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(dout.shape):
        h, w = _first_max(xp, n, c, i * sh, j * sw, kernel)
        dxp[n, c, h, w] += dout[n, c, i, j]  # +=: overlapping windows may share their max
    return _crop(dxp, padding)


# --- average pooling ----------------------------------------------------------------------------


def _sum_along(a, axis, k, s, n):
    """Sum over each window of k offsets along `axis`."""
    total = a[_tap(axis, 0, s, n)]
    for t in range(1, k):
        total = total + a[_tap(axis, t, s, n)]
    return total


def _sum_along_backward(dtotal, axis, k, s, shape):
    """Every offset of a window receives the window's whole gradient (accumulating on overlap)."""
    n = dtotal.shape[axis]
    grad, tiled = _new_grad(shape, dtotal.dtype, k, s, n, axis)
    for t in range(k):
        _route(grad, _tap(axis, t, s, n), dtotal, tiled)
    return grad


def _padded_shape(x_shape, padding):
    n, c, h, w = x_shape
    return n, c, h + 2 * padding[0], w + 2 * padding[1]


def avgpool2d_forward(x, kernel_size, *, stride=None, padding=0):
    """2-D average pooling (PyTorch's avg_pool2d, count_include_pad=True, floor rounding).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input X, floating dtype.
    kernel_size : int or (h, w) pair
        Window size KH x KW.
    stride : int or (h, w) pair, optional
        Step between windows; defaults to `kernel_size`.
    padding : int or (h, w) pair
        Zeros added on each side (they count in the average), at most half the window size.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        Y, in x's dtype.
    cache : AvgPool2dCache
        For `avgpool2d_backward`.
    """
    x, (kh, kw), (sh, sw), padding, (ho, wo) = _geometry(x, kernel_size, stride, padding)
    xp = _pad(x, padding, 0.0)
    rows = _sum_along(xp, 3, kw, sw, wo)  # (N, C, Hp, W_out): each row's window sum
    out = _sum_along(rows, 2, kh, sh, ho) / (kh * kw)
    return out, AvgPool2dCache(x.shape, x.dtype, (kh, kw), (sh, sw), padding)


def avgpool2d_backward(dout, cache):
    """Gradient of 2-D average pooling: each delta spread evenly over its window, accumulating.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
        Upstream gradient dL/dY.
    cache : AvgPool2dCache
        From `avgpool2d_forward` (or `avgpool2d_forward_naive`).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Derived in chapter 07 (pooling and activations).
    """
    x_shape, dtype, (kh, kw), (sh, sw), padding = cache
    padded = _padded_shape(x_shape, padding)
    out_hw = conv2d_output_shape(padded[2], padded[3], (kh, kw), stride=(sh, sw))
    dout = check_grad(dout, (*x_shape[:2], *out_hw), dtype)
    drows = _sum_along_backward(dout / (kh * kw), 2, kh, sh, (*padded[:3], out_hw[1]))
    dxp = _sum_along_backward(drows, 3, kw, sw, padded)
    return _crop(dxp, padding)


def avgpool2d_forward_naive(x, kernel_size, *, stride=None, padding=0):
    """Loop version of `avgpool2d_forward`: each window summed and divided by KH*KW.

    Same parameters, returns and errors as `avgpool2d_forward`.
    """
    x, (kh, kw), (sh, sw), padding, out_hw = _geometry(x, kernel_size, stride, padding)
    xp = _pad(x, padding, 0.0)
    out = np.empty((*x.shape[:2], *out_hw), dtype=x.dtype)
    for n, c, i, j in np.ndindex(out.shape):
        total = 0.0
        for u, v in np.ndindex(kh, kw):
            total += xp[n, c, i * sh + u, j * sw + v]
        out[n, c, i, j] = total / (kh * kw)
    return out, AvgPool2dCache(x.shape, x.dtype, (kh, kw), (sh, sw), padding)


def avgpool2d_backward_naive(dout, cache):
    """Loop version of `avgpool2d_backward`: ``dXp[window (i, j)] += delta[i, j] / (KH*KW)``.

    Same parameters and returns as `avgpool2d_backward`.
    """
    x_shape, dtype, (kh, kw), (sh, sw), padding = cache
    padded = _padded_shape(x_shape, padding)
    out_hw = conv2d_output_shape(padded[2], padded[3], (kh, kw), stride=(sh, sw))
    dout = check_grad(dout, (*x_shape[:2], *out_hw), dtype)
    dxp = np.zeros(padded, dtype=dtype)
    for n, c, i, j in np.ndindex(dout.shape):
        for u, v in np.ndindex(kh, kw):
            dxp[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j] / (kh * kw)
    return _crop(dxp, padding)
