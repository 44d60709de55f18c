"""Dense (fully connected) layer and flatten: forward and backward.

Linear: X (N, in), W (out, in) as in PyTorch, b (out,), Y = X W^T + b, shape (N, out), i.e.
``Y[n,o] = sum_i X[n,i] W[o,i] + b[o]``. With delta = dL/dY the chain rule gives (chapter 02)

    dL/dX = delta W          (N, in)
    dL/dW = delta^T X        (out, in)
    dL/db = sum_n delta[n]   (out,)

Flatten reshapes (N, d1, d2, ...) to (N, d1*d2*...), so its backward reshapes back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import as_float_array, at_least_2d, check_fan_in, check_grad, check_shape


class LinearCache(NamedTuple):
    """What the linear backward pass needs."""

    x: np.ndarray  # (N, in)
    w: np.ndarray  # (out, in)
    has_bias: bool


class FlattenCache(NamedTuple):
    """The input shape, to reshape the gradient back."""

    x_shape: tuple[int, ...]  # (N, d1, d2, ...)
    dtype: np.dtype


def linear_forward(x, w, b=None):
    """Affine map ``Y = X W^T + b`` of a batch of row vectors (PyTorch's linear).

    Parameters
    ----------
    x : array_like, shape (N, in)
        Input X, floating dtype.
    w : array_like, shape (out, in)
        Weights W.
    b : array_like, shape (out,), optional
        Bias.

    Returns
    -------
    out : ndarray, shape (N, out)
        Y, in the common dtype of the inputs.
    cache : LinearCache
        For `linear_backward`.

    Examples
    --------
    >>> x, w = np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 3.0]])
    >>> y, _ = linear_forward(x, w, [0.5, 0.0])
    >>> y
    array([[3.5, 6. ]])
    """
    x = as_float_array(x, "x", ndim=2)
    w = as_float_array(w, "w", ndim=2)
    check_fan_in(x.shape, w.shape)
    if b is not None:
        b = as_float_array(b, "b")
        check_shape(b, (w.shape[0],), "b", "one bias per output feature, out of w")
    dtype = np.result_type(x, w, *(() if b is None else (b,)))
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    out = x @ w.T  # (N, in) @ (in, out) -> (N, out)
    if b is not None:
        out += b.astype(dtype, copy=False)
    return out, LinearCache(x, w, b is not None)


def linear_backward(dout, cache):
    """Gradients of ``Y = X W^T + b``.

    Parameters
    ----------
    dout : array_like, shape (N, out)
        Upstream gradient dL/dY.
    cache : LinearCache
        From `linear_forward`.

    Returns
    -------
    dx : ndarray, shape (N, in)
    dw : ndarray, shape (out, in)
    db : ndarray, shape (out,) or None
        None when the forward pass had no bias.

    Derived in chapter 02 (dense layers and losses).

    Examples
    --------
    >>> _, cache = linear_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 3.0]]))
    >>> dx, dw, db = linear_backward(np.array([[1.0, -1.0]]), cache)
    >>> dx, dw  # dX = delta W, dW = delta^T X
    (array([[ 1., -2.]]), array([[ 1.,  2.],
           [-1., -2.]]))
    """
    x, w = cache.x, cache.w
    dout = check_grad(dout, (x.shape[0], w.shape[0]), x.dtype)
    # dX = delta W: (N, out) @ (out, in); dW = delta^T X: (out, N) @ (N, in); db = sum_n delta
    return dout @ w, dout.T @ x, dout.sum(axis=0) if cache.has_bias else None


def flatten_forward(x):
    """Flatten every sample: (N, d1, d2, ...) -> (N, d1*d2*...), row-major (C order).

    Parameters
    ----------
    x : array_like, shape (N, d1, ...), at least 2-D

    Returns
    -------
    out : ndarray, shape (N, d1*d2*...)
    cache : FlattenCache

    Examples
    --------
    >>> flatten_forward(np.zeros((2, 3, 4, 5)))[0].shape
    (2, 60)
    """
    x = at_least_2d(as_float_array(x, "x"), "x", "(N, d1, ...)")
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:]))), FlattenCache(x.shape, x.dtype)


def flatten_backward(dout, cache):
    """Reshape the upstream gradient back to the input's shape.

    Parameters
    ----------
    dout : array_like, shape (N, d1*d2*...)
    cache : FlattenCache
        From `flatten_forward`.

    Returns
    -------
    dx : ndarray, shape (N, d1, d2, ...)

    Examples
    --------
    >>> _, cache = flatten_forward(np.zeros((2, 3, 4)))
    >>> flatten_backward(np.ones((2, 12)), cache).shape
    (2, 3, 4)
    """
    x_shape = cache.x_shape
    dout = check_grad(dout, (x_shape[0], int(np.prod(x_shape[1:]))), cache.dtype)
    return dout.reshape(x_shape)
