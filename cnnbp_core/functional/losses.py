"""Losses: mean squared error and softmax cross-entropy, forward and backward; softmax itself.

A loss is a scalar L, so its backward takes the scalar upstream gradient ``dloss`` (1.0 when
L is the final loss, something else when L is scaled or summed with other terms).

    MSE:  L = 1/M sum_k (P[k] - T[k])**2  (all M elements)    dL/dP = 2 (P - T) / M
    CE:   L = -1/N sum_n log softmax(Z[n])[y_n]                dL/dZ = (softmax(Z) - onehot(y)) / N

with logits Z (N, K) and integer labels y (N,), as PyTorch's mse_loss and cross_entropy with
mean reduction (derived in chapter 02). The softmax is computed with the log-sum-exp shift
``log sum_k exp(z_k) = m + log sum_k exp(z_k - m)``, m = max_k z_k, so no ``exp`` overflows.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import as_float_array, check_nonempty, check_shape, int_labels, scalar_grad


class MseCache(NamedTuple):
    """The residual P - T."""

    diff: np.ndarray  # shape of pred


class SoftmaxCrossEntropyCache(NamedTuple):
    """The softmax probabilities and the labels."""

    probs: np.ndarray  # (N, K), softmax of the logits
    labels: np.ndarray  # (N,), integers in [0, K)


def log_softmax(logits, axis=-1):
    """``log softmax(z)_k = z_k - log sum_j exp(z_j)``, stable for logits of any magnitude.

    Parameters
    ----------
    logits : array_like, floating dtype
    axis : int
        The axis holding the classes.

    Returns
    -------
    ndarray, shape of logits

    Examples
    --------
    >>> log_softmax(np.array([[0.0, 0.0]])).round(4)
    array([[-0.6931, -0.6931]])
    >>> log_softmax(np.array([[1000.0, 0.0]]))  # no overflow: the max is shifted out first
    array([[    0., -1000.]])
    """
    z = as_float_array(logits, "logits")
    shifted = z - z.max(axis=axis, keepdims=True)  # largest entry 0: exp never overflows
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits, axis=-1):
    """``softmax(z)_k = exp(z_k) / sum_j exp(z_j)``, stable for logits of any magnitude.

    Parameters
    ----------
    logits : array_like, floating dtype
    axis : int
        The axis holding the classes.

    Returns
    -------
    ndarray, shape of logits
        Non-negative, summing to 1 along `axis`.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    z = as_float_array(logits, "logits")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def mse_forward(pred, target):
    """Mean squared error over all elements (PyTorch's mse_loss, reduction='mean').

    Parameters
    ----------
    pred : array_like, any shape, floating dtype
        Predictions P.
    target : array_like, shape of pred
        Targets T (data: no gradient is returned for them).

    Returns
    -------
    loss : numpy floating scalar
        L, in the common dtype of the inputs.
    cache : MseCache
        For `mse_backward`.

    Examples
    --------
    >>> float(mse_forward(np.array([1.0, 3.0]), np.array([0.0, 0.0]))[0])
    5.0
    """
    pred = as_float_array(pred, "pred")
    target = as_float_array(target, "target")
    check_shape(target, pred.shape, "target", "the shape of pred")
    check_nonempty(pred, "pred")
    diff = pred - target
    return np.mean(diff * diff), MseCache(diff)


def mse_backward(dloss, cache):
    """``dL/dP = dloss * 2 (P - T) / M``, M the number of elements.

    Parameters
    ----------
    dloss : float or 0-d array
        Upstream gradient of the scalar loss (1.0 for the final loss).
    cache : MseCache
        From `mse_forward`.

    Returns
    -------
    dpred : ndarray, shape of pred
        The gradient for the predictions only; the targets are data.

    Examples
    --------
    >>> _, cache = mse_forward(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    >>> mse_backward(1.0, cache)  # 2 (P - T) / M
    array([1., 3.])
    """
    diff = cache.diff
    dloss = scalar_grad(dloss, "dloss", diff.dtype)
    return dloss * (2 / diff.size) * diff


def softmax_cross_entropy_forward(logits, labels):
    """Softmax cross-entropy of integer labels, mean over the batch (PyTorch's cross_entropy).

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Unnormalised scores Z, floating dtype; any magnitude (1e4 is fine).
    labels : array_like of int, shape (N,)
        Class indices y_n in [0, K).

    Returns
    -------
    loss : numpy floating scalar
        ``L = -1/N sum_n log softmax(Z[n])[y_n]``.
    cache : SoftmaxCrossEntropyCache
        For `softmax_cross_entropy_backward`.

    Examples
    --------
    >>> loss, _ = softmax_cross_entropy_forward(np.array([[0.0, 0.0]]), np.array([1]))
    >>> round(float(loss), 4)  # log 2
    0.6931
    """
    z = as_float_array(logits, "logits", ndim=2)
    check_nonempty(z, "logits")
    n, k = z.shape
    labels = int_labels(labels, n=n, n_classes=k)
    logp = log_softmax(z, axis=1)
    loss = -np.mean(logp[np.arange(n), labels])
    return loss, SoftmaxCrossEntropyCache(np.exp(logp), labels)


def softmax_cross_entropy_backward(dloss, cache):
    """``dL/dZ = dloss * (softmax(Z) - onehot(y)) / N``.

    Parameters
    ----------
    dloss : float or 0-d array
        Upstream gradient of the scalar loss, usually 1.0.
    cache : SoftmaxCrossEntropyCache
        From `softmax_cross_entropy_forward`.

    Returns
    -------
    dlogits : ndarray, shape (N, K)

    Derived in chapter 02 (dense layers and losses).

    Examples
    --------
    >>> _, cache = softmax_cross_entropy_forward(np.array([[0.0, np.log(3.0)]]), np.array([0]))
    >>> softmax_cross_entropy_backward(1.0, cache)  # p - onehot(y), divided by N = 1
    array([[-0.75,  0.75]])
    """
    probs, labels = cache.probs, cache.labels
    dloss = scalar_grad(dloss, "dloss", probs.dtype)
    n = probs.shape[0]
    dz = probs.copy()
    dz[np.arange(n), labels] -= 1  # softmax minus the one-hot row of the label
    return dz * (dloss / n)
