"""Elementwise activations: forward and backward.

For an elementwise ``Y = f(X)`` the chain rule has one term per element,
``dL/dX = delta * f'(X)``, and each backward below is that product with ``f'`` written in the
cheapest form the forward pass leaves behind (derived in chapter 07):

    relu        f(x) = max(x, 0)                      f'(x) = 1 if x > 0 else 0
    leaky_relu  f(x) = x if x > 0 else a*x            f'(x) = 1 if x > 0 else a
    sigmoid     f(x) = 1 / (1 + exp(-x))              f'(x) = f(x) * (1 - f(x))
    tanh        f(x) = tanh(x)                        f'(x) = 1 - f(x)**2

At x = 0 relu and leaky_relu take the left derivative (0 and a), as PyTorch does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import as_float_array, as_real, check_grad


class ReluCache(NamedTuple):
    """ReLU and leaky ReLU keep where the input was positive."""

    positive: np.ndarray  # bool, shape of x: x > 0
    negative_slope: float  # 0.0 for relu
    dtype: np.dtype


class OutputCache(NamedTuple):
    """Sigmoid and tanh: the derivative is a function of the output Y alone."""

    out: np.ndarray  # Y, shape of x


def relu_forward(x):
    """Rectified linear unit, ``Y = max(X, 0)``.

    Parameters
    ----------
    x : array_like, any shape, floating dtype

    Returns
    -------
    out : ndarray, shape of x
    cache : ReluCache

    Examples
    --------
    >>> relu_forward(np.array([-1.0, 0.0, 2.0]))[0]
    array([0., 0., 2.])
    """
    x = as_float_array(x, "x")
    # np.maximum propagates NaN, as PyTorch's relu does
    return np.maximum(x, 0), ReluCache(x > 0, 0.0, x.dtype)


def relu_backward(dout, cache):
    """``dL/dX = delta * [X > 0]``.

    Parameters
    ----------
    dout : array_like, shape of x
        Upstream gradient dL/dY.
    cache : ReluCache
        From `relu_forward` (or `leaky_relu_forward`).

    Returns
    -------
    dx : ndarray, shape of x

    Examples
    --------
    >>> _, cache = relu_forward(np.array([-1.0, 0.5, 2.0]))
    >>> relu_backward(np.array([10.0, 10.0, 10.0]), cache)
    array([ 0., 10., 10.])
    """
    dout = check_grad(dout, cache.positive.shape, cache.dtype)
    slope = cache.negative_slope
    return np.where(cache.positive, dout, slope * dout if slope else 0)


def leaky_relu_forward(x, negative_slope=0.01):
    """Leaky ReLU, ``Y = X`` where X > 0 and ``negative_slope * X`` elsewhere.

    Parameters
    ----------
    x : array_like, any shape, floating dtype
    negative_slope : float
        Slope a for negative inputs (PyTorch's default 0.01).

    Returns
    -------
    out : ndarray, shape of x
    cache : ReluCache
        For `leaky_relu_backward`.

    Examples
    --------
    >>> leaky_relu_forward(np.array([-2.0, 3.0]), 0.1)[0]
    array([-0.2,  3. ])
    """
    x = as_float_array(x, "x")
    slope = as_real(negative_slope, "negative_slope", finite=True)
    positive = x > 0
    return np.where(positive, x, slope * x), ReluCache(positive, slope, x.dtype)


def leaky_relu_backward(dout, cache):
    """``dL/dX = delta`` where X > 0, ``negative_slope * delta`` elsewhere.

    Same parameters and returns as `relu_backward`.

    Examples
    --------
    >>> _, cache = leaky_relu_forward(np.array([-2.0, 3.0]), 0.1)
    >>> leaky_relu_backward(np.array([1.0, 1.0]), cache)
    array([0.1, 1. ])
    """
    return relu_backward(dout, cache)


def sigmoid_forward(x):
    """Logistic sigmoid ``Y = 1 / (1 + exp(-X))``, computed without overflow for large |X|.

    For X < 0 the equal form ``exp(X) / (1 + exp(X))`` is used, so ``exp`` never sees a large
    positive argument.

    Parameters
    ----------
    x : array_like, any shape, floating dtype

    Returns
    -------
    out : ndarray, shape of x
    cache : OutputCache

    Examples
    --------
    >>> sigmoid_forward(np.array([0.0]))[0]
    array([0.5])
    """
    x = as_float_array(x, "x")
    e = np.exp(-np.abs(x))  # in (0, 1]: exp(-x) for x >= 0, exp(x) for x < 0
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, OutputCache(out)


def sigmoid_backward(dout, cache):
    """``dL/dX = delta * Y * (1 - Y)``.

    Parameters
    ----------
    dout : array_like, shape of x
    cache : OutputCache
        From `sigmoid_forward`.

    Returns
    -------
    dx : ndarray, shape of x

    Examples
    --------
    >>> _, cache = sigmoid_forward(np.array([0.0]))
    >>> sigmoid_backward(np.array([1.0]), cache)  # Y (1 - Y) at Y = 1/2
    array([0.25])
    """
    y = cache.out
    dout = check_grad(dout, y.shape, y.dtype)
    return dout * y * (1 - y)


def tanh_forward(x):
    """Hyperbolic tangent ``Y = tanh(X)``.

    Parameters
    ----------
    x : array_like, any shape, floating dtype

    Returns
    -------
    out : ndarray, shape of x
    cache : OutputCache

    Examples
    --------
    >>> tanh_forward(np.array([0.0]))[0]
    array([0.])
    """
    x = as_float_array(x, "x")
    out = np.tanh(x)
    return out, OutputCache(out)


def tanh_backward(dout, cache):
    """``dL/dX = delta * (1 - Y**2)``.

    Same parameters and returns as `sigmoid_backward` (cache from `tanh_forward`).

    Examples
    --------
    >>> _, cache = tanh_forward(np.array([0.0]))
    >>> tanh_backward(np.array([2.0]), cache)  # 1 - Y**2 = 1 at Y = 0
    array([2.])
    """
    y = cache.out
    dout = check_grad(dout, y.shape, y.dtype)
    return dout * (1 - y * y)
