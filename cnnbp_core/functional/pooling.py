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

The file reads like the chapter: the loops first (``*_naive``), which state these formulas one
window at a time and are the specification; then the vectorised pair, which loops over window
offsets only, and is *separable*: a window's max (or sum) is the max (or sum) over its rows of
each row's max (or sum). So it reduces along W first, then
along H, each as a chain of two-input steps ``m = max(m, q)``. The backward undoes the chain in
reverse, each step sending its gradient to the winner. Ties: ``q > m`` is strict, so the earlier
offset keeps the max; the first row holding the window's max wins, and within it the first
column, which is exactly the first max in row-major order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..geometry import crop, output_size, pad, padded_shape, tap
from ..validation import as_float_array, check_grad, pool_hyper


class MaxPool2dCache(NamedTuple):
    """What the max-pool backward pass needs from the forward pass."""

    x_padded: np.ndarray  # (N, C, H + 2p_h, W + 2p_w), padded with -inf (x itself when p = 0)
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    out_hw: tuple[int, int]  # (H_out, W_out), computed once by the forward pass
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
    out_hw: tuple[int, int]


def _prepare(x, kernel_size, stride, padding):
    """Check the arguments; return x and the window geometry, including the output size."""
    x = as_float_array(x, "x", ndim=4)
    kernel, stride, padding = pool_hyper(kernel_size, stride, padding)
    out_hw = output_size(x.shape[2:], kernel, stride, padding, (1, 1))
    return x, kernel, stride, padding, out_hw


def _checked_dout(dout, n_c, cache, dtype):
    """The upstream gradient, shaped like the output: (N, C, H_out, W_out)."""
    return check_grad(dout, (*n_c, *cache.out_hw), dtype)


# --- the specification: loops ------------------------------------------------------------------


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

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 6.0, 1.0]]]])
    >>> maxpool2d_forward_naive(x, 2)[0]
    array([[[[5., 6.]]]])
    """
    x, kernel, stride, padding, out_hw = _prepare(x, kernel_size, stride, padding)
    xp = pad(x, padding, -np.inf)
    (sh, sw) = stride
    out = np.empty((*x.shape[:2], *out_hw), dtype=x.dtype)
    for n, c, i, j in np.ndindex(out.shape):
        out[n, c, i, j] = xp[(n, c, *_first_max(xp, n, c, i * sh, j * sw, kernel))]
    return out, MaxPool2dCache(xp, kernel, stride, padding, out_hw, None, None)


def maxpool2d_backward_naive(dout, cache):
    """Loop version of `maxpool2d_backward`: ``dXp[first max of window (i, j)] += delta[i, j]``.

    Same parameters and returns as `maxpool2d_backward`.

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 6.0, 1.0]]]])
    >>> _, cache = maxpool2d_forward_naive(x, 2)
    >>> maxpool2d_backward_naive(np.array([[[[10.0, 20.0]]]]), cache)[0, 0]
    array([[ 0., 10.,  0.,  0.],
           [ 0.,  0., 20.,  0.]])
    """
    xp, (sh, sw) = cache.x_padded, cache.stride
    dout = _checked_dout(dout, xp.shape[:2], cache, xp.dtype)
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(dout.shape):
        h, w = _first_max(xp, n, c, i * sh, j * sw, cache.kernel_size)
        dxp[n, c, h, w] += dout[n, c, i, j]  # +=: overlapping windows may share their max
    return crop(dxp, cache.padding)


def avgpool2d_forward_naive(x, kernel_size, *, stride=None, padding=0):
    """Loop version of `avgpool2d_forward`: each window summed and divided by KH*KW.

    Same parameters, returns and errors as `avgpool2d_forward`.

    Examples
    --------
    >>> avgpool2d_forward_naive(np.arange(8.0).reshape(1, 1, 2, 4), 2)[0]
    array([[[[2.5, 4.5]]]])
    """
    x, (kh, kw), (sh, sw), padding, out_hw = _prepare(x, kernel_size, stride, padding)
    xp = pad(x, padding, 0.0)
    out = np.empty((*x.shape[:2], *out_hw), dtype=x.dtype)
    for n, c, i, j in np.ndindex(out.shape):
        total = 0.0
        for u, v in np.ndindex(kh, kw):
            total += xp[n, c, i * sh + u, j * sw + v]
        out[n, c, i, j] = total / (kh * kw)
    return out, AvgPool2dCache(x.shape, x.dtype, (kh, kw), (sh, sw), padding, out_hw)


def avgpool2d_backward_naive(dout, cache):
    """Loop version of `avgpool2d_backward`: ``dXp[window (i, j)] += delta[i, j] / (KH*KW)``.

    Same parameters and returns as `avgpool2d_backward`.

    Examples
    --------
    >>> _, cache = avgpool2d_forward_naive(np.zeros((1, 1, 2, 4)), 2)
    >>> avgpool2d_backward_naive(np.array([[[[4.0, 8.0]]]]), cache)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    (kh, kw), (sh, sw) = cache.kernel_size, cache.stride
    dout = _checked_dout(dout, cache.x_shape[:2], cache, cache.dtype)
    dxp = np.zeros(padded_shape(cache.x_shape, cache.padding), dtype=cache.dtype)
    for n, c, i, j in np.ndindex(dout.shape):
        for u, v in np.ndindex(kh, kw):
            dxp[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j] / (kh * kw)
    return crop(dxp, cache.padding)


# --- the fast path: separable reductions over window offsets ------------------------------------


def _at(axis, t, s, n):
    """Index of offset t of each of n windows (step s) along `axis` of a 4-D array."""
    index = [slice(None)] * 4
    index[axis] = tap(t, s, n)
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


def _max_along(a, axis, k, s, n):
    """Max over each window of k offsets along `axis`, as a chain of two-input max steps."""
    m = a[_at(axis, 0, s, n)]
    takes = []
    for t in range(1, k):
        grown = np.maximum(m, a[_at(axis, t, s, n)])
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
        _route(grad, _at(axis, t, s, n), dq, tiled)
    _route(grad, _at(axis, 0, s, n), dm, tiled)
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

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 6.0], [0.0, 7.0, 1.0]]]])
    >>> maxpool2d_forward(x, 2, stride=1)[0][0, 0]  # overlapping 2x2 windows
    array([[5., 6.],
           [7., 7.]])
    """
    x, kernel, stride, padding, out_hw = _prepare(x, kernel_size, stride, padding)
    xp = pad(x, padding, -np.inf)
    out, w_takes, h_takes = _max_pool(xp, kernel, stride, out_hw)
    return out, MaxPool2dCache(xp, kernel, stride, padding, out_hw, w_takes, h_takes)


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

    Examples
    --------
    >>> x = np.array([[[[1.0, 5.0, 2.0], [3.0, 4.0, 6.0], [0.0, 7.0, 1.0]]]])
    >>> _, cache = maxpool2d_forward(x, 2, stride=1)
    >>> maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)[0, 0]  # 7 wins two windows
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 2., 0.]])
    """
    xp, (kh, kw), (sh, sw) = cache.x_padded, cache.kernel_size, cache.stride
    dout = _checked_dout(dout, xp.shape[:2], cache, xp.dtype)
    w_takes, h_takes = cache.w_takes, cache.h_takes
    if w_takes is None:  # a cache from the naive pass: redo the vectorised forward steps
        _, w_takes, h_takes = _max_pool(xp, (kh, kw), (sh, sw), cache.out_hw)
    rows_shape = (*xp.shape[:3], cache.out_hw[1])  # (N, C, Hp, W_out)
    drows = _max_along_backward(dout, h_takes, 2, kh, sh, rows_shape)
    dxp = _max_along_backward(drows, w_takes, 3, kw, sw, xp.shape)
    return crop(dxp, cache.padding)


def _sum_along(a, axis, k, s, n):
    """Sum over each window of k offsets along `axis`."""
    total = a[_at(axis, 0, s, n)]
    for t in range(1, k):
        total = total + a[_at(axis, t, s, n)]
    return total


def _sum_along_backward(dtotal, axis, k, s, shape):
    """Every offset of a window receives the window's whole gradient (accumulating on overlap)."""
    n = dtotal.shape[axis]
    grad, tiled = _new_grad(shape, dtotal.dtype, k, s, n, axis)
    for t in range(k):
        _route(grad, _at(axis, t, s, n), dtotal, tiled)
    return grad


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

    Examples
    --------
    >>> avgpool2d_forward(np.arange(8.0).reshape(1, 1, 2, 4), 2)[0][0, 0]
    array([[2.5, 4.5]])
    """
    x, (kh, kw), (sh, sw), padding, (ho, wo) = _prepare(x, kernel_size, stride, padding)
    xp = pad(x, padding, 0.0)
    rows = _sum_along(xp, 3, kw, sw, wo)  # (N, C, Hp, W_out): each row's window sum
    out = _sum_along(rows, 2, kh, sh, ho) / (kh * kw)  # (N, C, H_out, W_out)
    return out, AvgPool2dCache(x.shape, x.dtype, (kh, kw), (sh, sw), padding, (ho, wo))


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

    Examples
    --------
    >>> _, cache = avgpool2d_forward(np.zeros((1, 1, 2, 4)), 2)
    >>> avgpool2d_backward(np.array([[[[4.0, 8.0]]]]), cache)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    (kh, kw), (sh, sw) = cache.kernel_size, cache.stride
    dout = _checked_dout(dout, cache.x_shape[:2], cache, cache.dtype)
    padded = padded_shape(cache.x_shape, cache.padding)
    drows = _sum_along_backward(dout / (kh * kw), 2, kh, sh, (*padded[:3], cache.out_hw[1]))
    dxp = _sum_along_backward(drows, 3, kw, sw, padded)
    return crop(dxp, cache.padding)
