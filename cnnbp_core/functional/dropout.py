"""Inverted dropout: forward and backward (PyTorch's dropout; p is the *drop* probability).

In training mode every element is kept with probability 1 - p and scaled by 1/(1 - p), so the
expected output equals the input and eval mode needs no rescaling:

    Y = X * mask / (1 - p),   mask[k] ~ Bernoulli(1 - p)        dL/dX = delta * mask / (1 - p)

In eval mode (or with p = 0) dropout is the identity. The mask is drawn from the ``rng``
argument, so the same seed gives the same mask (derived in chapter 09).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import as_flag, as_float_array, check_grad, generator, probability


class DropoutCache(NamedTuple):
    """The kept elements and their scale; keep is None when dropout was the identity."""

    keep: np.ndarray | None  # bool, shape of x: True where the element was kept
    scale: float  # 1 / (1 - p)
    shape: tuple[int, ...]
    dtype: np.dtype


def dropout_forward(x, p, *, training, rng=None):
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1 - p).

    Parameters
    ----------
    x : array_like, any shape, floating dtype
    p : float in [0, 1)
        Probability of dropping an element (PyTorch's convention; some texts use keep = 1 - p).
    training : bool
        False: the identity (eval mode).
    rng : numpy.random.Generator
        Source of the mask; required in training mode when p > 0.

    Returns
    -------
    out : ndarray, shape of x
    cache : DropoutCache
        For `dropout_backward`.

    Examples
    --------
    >>> y, cache = dropout_forward(np.ones(6), 0.5, training=True, rng=np.random.default_rng(0))
    >>> y  # kept elements scaled by 1 / (1 - p)
    array([2., 0., 0., 0., 2., 2.])
    >>> dropout_forward(np.ones(3), 0.5, training=False)[0]  # eval mode: the identity
    array([1., 1., 1.])
    """
    x = as_float_array(x, "x")
    p = probability(p, "p")
    if not as_flag(training, "training") or p == 0:
        return x.copy(), DropoutCache(None, 1.0, x.shape, x.dtype)
    rng = generator(rng)  # needed in training mode only
    keep = rng.random(x.shape) >= p  # True with probability 1 - p
    scale = 1 / (1 - p)
    return np.where(keep, x * scale, 0), DropoutCache(keep, scale, x.shape, x.dtype)


def dropout_backward(dout, cache):
    """``dL/dX = delta * mask / (1 - p)``: the gradient flows only through kept elements.

    Parameters
    ----------
    dout : array_like, shape of x
        Upstream gradient dL/dY.
    cache : DropoutCache
        From `dropout_forward`.

    Returns
    -------
    dx : ndarray, shape of x

    Examples
    --------
    >>> _, cache = dropout_forward(np.ones(6), 0.5, training=True, rng=np.random.default_rng(0))
    >>> dropout_backward(np.ones(6), cache)
    array([2., 0., 0., 0., 2., 2.])
    """
    dout = check_grad(dout, cache.shape, cache.dtype)
    if cache.keep is None:
        return dout.copy()
    return np.where(cache.keep, dout * cache.scale, 0)
