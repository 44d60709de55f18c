"""Batch normalisation: forward, the fused backward, and the step-by-step backward it fuses.

X is (N, D) (statistics per feature) or (N, C, H, W) (statistics per channel, over N, H, W);
gamma, beta and the running statistics have one entry per feature/channel. With M values per
channel, training mode computes, channel by channel (PyTorch's batch_norm),

    mu = 1/M sum X        var = 1/M sum (X - mu)**2   (biased)     xhat = (X - mu) / sqrt(var + eps)
    Y = gamma * xhat + beta

and returns updated running statistics, using the *unbiased* variance as PyTorch does:

    running_mean <- (1 - momentum) * running_mean + momentum * mu
    running_var  <- (1 - momentum) * running_var  + momentum * var * M / (M - 1)

Eval mode normalises with the running statistics instead, so Y is an affine function of X.
Nothing is updated in place: the new running statistics come back in the cache.

The chain rule through the training-mode forward (chapter 09) fuses into

    dL/dX = 1/sqrt(var + eps) * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
    dxhat = delta * gamma,  dL/dgamma = sum delta * xhat,  dL/dbeta = sum delta

(means and sums over the M values of each channel). `batchnorm_backward_chunked` reaches the
same result one forward intermediate at a time, in reverse; the tests assert the two agree.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import (
    as_flag,
    as_float_array,
    batchnorm_hyper,
    both_or_neither,
    check_grad,
    check_shape,
)


class BatchNormCache(NamedTuple):
    """What the backward pass needs, and the running statistics after this call."""

    xhat: np.ndarray  # shape of x: the normalised input
    gamma: np.ndarray  # (C,)
    inv_std: np.ndarray  # (C,): 1/sqrt(var + eps), batch var (training) or running var (eval)
    training: bool
    new_running_mean: np.ndarray | None  # (C,): updated in training, unchanged in eval;
    new_running_var: np.ndarray | None  # None when no running statistics were given


def _axes(ndim):
    """Axes the statistics are taken over, and the shape (C,) vectors broadcast to."""
    return ((0,), (1, -1)) if ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))


def _check_vector(v, name, c):
    v = as_float_array(v, name)
    check_shape(v, (c,), name, "one entry per feature/channel, axis 1 of x")
    return v


def batchnorm_forward(
    x, gamma, beta, running_mean, running_var, *, training, momentum=0.1, eps=1e-5
):
    """Batch normalisation of (N, D) or (N, C, H, W) inputs (PyTorch's batch_norm).

    Parameters
    ----------
    x : array_like, shape (N, D) or (N, C, H, W)
        Input X, floating dtype.
    gamma, beta : array_like, shape (C,)
        Scale and shift (C = D for 2-D input).
    running_mean, running_var : array_like, shape (C,), or None
        Running statistics; used in eval mode, updated (into the cache) in training mode.
        May be None in training mode (no running statistics are kept then).
    training : bool
        True: normalise with the batch statistics. False: with the running statistics.
    momentum : float in [0, 1]
        Weight of the new batch statistics in the running average.
    eps : float > 0
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray, shape of x
        Y, in the common dtype of x, gamma and beta.
    cache : BatchNormCache
        For the backward passes; ``cache.new_running_mean`` and ``cache.new_running_var`` hold
        the running statistics after this call (new arrays; the arguments are not modified).

    Examples
    --------
    >>> x = np.array([[1.0], [3.0]])
    >>> y, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), None, None, training=True)
    >>> y.round(4)  # mean 2, variance 1: (x - 2) / sqrt(1 + eps)
    array([[-1.],
           [ 1.]])
    """
    x = as_float_array(x, "x")
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be 2-D (N, D) or 4-D (N, C, H, W); got shape {x.shape}")
    training = as_flag(training, "training")
    momentum, eps = batchnorm_hyper(momentum, eps)
    c = x.shape[1]
    gamma, beta = _check_vector(gamma, "gamma", c), _check_vector(beta, "beta", c)
    dtype = np.result_type(x, gamma, beta)
    gamma, beta = gamma.astype(dtype, copy=False), beta.astype(dtype, copy=False)
    both_or_neither(running_mean, running_var, "running_mean and running_var")
    if running_mean is not None:
        running_mean = _check_vector(running_mean, "running_mean", c)
        running_var = _check_vector(running_var, "running_var", c)
    axes, vec = _axes(x.ndim)
    x = x.astype(dtype, copy=False)
    m = x.size // c  # values per channel
    if training:
        if m < 2:
            raise ValueError(
                f"x must hold more than one value per channel in training mode (got shape "
                f"{x.shape}): the variance of a single value is undefined"
            )
        mu = x.mean(axis=axes)  # shape of x -> (C,)
        xc = x - mu.reshape(vec)
        var = (xc * xc).mean(axis=axes)  # -> (C,); biased: divide by M
        inv_std = 1 / np.sqrt(var + eps)
        xhat = xc * inv_std.reshape(vec)
        if running_mean is not None:
            unbiased = var * (m / (m - 1))
            running_mean = (1 - momentum) * running_mean + momentum * mu.astype(running_mean.dtype)
            running_var = (1 - momentum) * running_var + momentum * unbiased.astype(
                running_var.dtype
            )
    else:
        if running_mean is None:
            raise ValueError(
                "running_mean and running_var are required in eval mode (training=False)"
            )
        inv_std = (1 / np.sqrt(running_var + eps)).astype(dtype, copy=False)
        xhat = (x - running_mean.astype(dtype, copy=False).reshape(vec)) * inv_std.reshape(vec)
    out = gamma.reshape(vec) * xhat + beta.reshape(vec)
    return out, BatchNormCache(xhat, gamma, inv_std, training, running_mean, running_var)


def _sums(dout, xhat, axes):
    """dL/dbeta and dL/dgamma: sums over the M values of each channel."""
    return (dout * xhat).sum(axis=axes), dout.sum(axis=axes)  # shape of x -> (C,) each


def batchnorm_backward_chunked(dout, cache):
    """Gradients of batch normalisation, one forward intermediate at a time, in reverse.

    Training-mode forward, step by step: ``mu = mean(X)``, ``xc = X - mu``,
    ``var = mean(xc**2)``, ``inv_std = (var + eps)**-0.5``, ``xhat = xc * inv_std``,
    ``Y = gamma * xhat + beta``. Each line below differentiates one of these; a quantity used
    twice (xc feeds both var and xhat) collects a gradient from each use. Same parameters and
    returns as `batchnorm_backward`, and the same numbers up to rounding.

    Examples
    --------
    >>> x = np.array([[1.0], [2.0], [6.0]])
    >>> _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), None, None, training=True)
    >>> d = np.array([[1.0], [-2.0], [0.5]])
    >>> np.allclose(batchnorm_backward_chunked(d, cache)[0], batchnorm_backward(d, cache)[0])
    True
    """
    xhat, gamma, inv_std, training = cache.xhat, cache.gamma, cache.inv_std, cache.training
    dout = check_grad(dout, xhat.shape, xhat.dtype)
    axes, vec = _axes(xhat.ndim)
    m = xhat.size // xhat.shape[1]
    dgamma, dbeta = _sums(dout, xhat, axes)  # Y = gamma * xhat + beta
    dxhat = dout * gamma.reshape(vec)
    if not training:  # mu and var are constants: xhat = (X - running_mean) * inv_std
        return dxhat * inv_std.reshape(vec), dgamma, dbeta
    inv = inv_std.reshape(vec)
    xc = xhat / inv  # recover X - mu from the cache
    dinv = (dxhat * xc).sum(axis=axes, keepdims=True)  # xhat = xc * inv_std; -> (1, C, 1, 1)
    dxc = dxhat * inv  # ... first use of xc
    dvar = dinv * -0.5 * inv**3  # inv_std = (var + eps)**-0.5
    dxc = dxc + dvar * 2 * xc / m  # var = mean(xc**2): second use of xc
    dmu = -dxc.sum(axis=axes, keepdims=True)  # xc = X - mu; -> (1, C, 1, 1)
    dx = dxc + dmu / m  # mu = mean(X): every X gets 1/M of dmu
    return dx, dgamma, dbeta


def batchnorm_backward(dout, cache):
    """Gradients of batch normalisation, in the fused closed form.

    Parameters
    ----------
    dout : array_like, shape of x
        Upstream gradient dL/dY.
    cache : BatchNormCache
        From `batchnorm_forward`.

    Returns
    -------
    dx : ndarray, shape of x
    dgamma : ndarray, shape (C,)
    dbeta : ndarray, shape (C,)

    Derived in chapter 09 (regularization): in training mode the batch statistics depend on
    every X, which adds the two mean terms; in eval mode they are constants and
    ``dL/dX = delta * gamma / sqrt(running_var + eps)``.

    Examples
    --------
    >>> x = np.array([[1.0], [3.0]])
    >>> _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), None, None, training=True)
    >>> dx, dgamma, dbeta = batchnorm_backward(np.array([[1.0], [1.0]]), cache)
    >>> dx.round(12) + 0.0, dgamma.round(12) + 0.0, dbeta  # a uniform delta moves no output
    (array([[0.],
           [0.]]), array([0.]), array([2.]))
    """
    xhat, gamma, inv_std, training = cache.xhat, cache.gamma, cache.inv_std, cache.training
    dout = check_grad(dout, xhat.shape, xhat.dtype)
    axes, vec = _axes(xhat.ndim)
    dgamma, dbeta = _sums(dout, xhat, axes)
    dxhat = dout * gamma.reshape(vec)
    if not training:
        return dxhat * inv_std.reshape(vec), dgamma, dbeta
    mean_dxhat = dxhat.mean(axis=axes, keepdims=True)  # -> (1, C, 1, 1) or (1, C)
    mean_dxhat_xhat = (dxhat * xhat).mean(axis=axes, keepdims=True)
    dx = inv_std.reshape(vec) * (dxhat - mean_dxhat - xhat * mean_dxhat_xhat)
    return dx, dgamma, dbeta
