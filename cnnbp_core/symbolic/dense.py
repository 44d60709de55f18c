"""The SymPy mirror of the dense layer and the losses (chapter 02), written from their definitions.

Each function builds the forward expression exactly as the chapter defines it, entry by entry, so
`cnnbp_core.symbolic.tensors.gradient` (plain `sympy.diff` on every symbol) gives the derivative
that the closed forms of `cnnbp_core.functional.linear` and `cnnbp_core.functional.losses` are
proved against. Nothing here uses a closed form of a gradient.
"""

from __future__ import annotations

import numpy as np
import sympy

from ..validation import as_object_array, check_shape, int_labels


def linear(X, W, b=None):
    """``Y[n,o] = Σ_i X[n,i] W[o,i] + b[o]`` (W is (out, in), as the core and PyTorch store it).

    Parameters
    ----------
    X : array of SymPy expressions, shape (N, in)
    W : array of SymPy expressions, shape (out, in)
    b : array of SymPy expressions, shape (out,), optional

    Returns
    -------
    ndarray of object, shape (N, out)

    Examples
    --------
    >>> from cnnbp_core.symbolic import tensor
    >>> linear(tensor("X", (1, 2)), tensor("W", (1, 2)), tensor("b", 1))
    array([[W_{0,0}*X_{0,0} + W_{0,1}*X_{0,1} + b_{0}]], dtype=object)
    """
    X, W = as_object_array(X, "X", 2), as_object_array(W, "W", 2)
    if X.shape[1] != W.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features per row (shape {X.shape}) but W expects {W.shape[1]} "
            f"(shape {W.shape}, (out, in)): the fan-in must agree"
        )
    Y = np.empty((X.shape[0], W.shape[0]), dtype=object)
    for n, o in np.ndindex(Y.shape):
        Y[n, o] = sympy.Add(*(X[n, i] * W[o, i] for i in range(X.shape[1])))
    if b is not None:
        b = as_object_array(b, "b", 1)
        check_shape(b, (W.shape[0],), "b", "one bias per output feature, out of W")
        Y = Y + b[None, :]
    return Y


def mse(P, T):
    """``L = 1/M Σ_k (P[k] - T[k])²`` over all M entries (mean reduction, as the core).

    Parameters
    ----------
    P, T : arrays of SymPy expressions, same shape

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> from cnnbp_core.symbolic import tensor
    >>> mse(tensor("p", 2), [0, 0])
    p_{0}**2/2 + p_{1}**2/2
    """
    P, T = np.asarray(P, dtype=object), np.asarray(T, dtype=object)
    check_shape(T, P.shape, "T", "the shape of P")
    if P.size == 0:
        raise ValueError("P is empty: the mean of no squared errors is undefined")
    return sympy.Add(*((p - t) ** 2 for p, t in zip(P.flat, T.flat))) / P.size


def softmax(z):
    """``p_k = exp(z_k) / Σ_j exp(z_j)`` of a 1-D array of expressions.

    Parameters
    ----------
    z : array of SymPy expressions, shape (K,)

    Returns
    -------
    ndarray of object, shape (K,)

    Examples
    --------
    >>> from cnnbp_core.symbolic import tensor
    >>> softmax(tensor("z", 2))[0]
    exp(z_{0})/(exp(z_{0}) + exp(z_{1}))
    """
    z = as_object_array(z, "z", 1)
    total = sympy.Add(*(sympy.exp(zk) for zk in z))
    return np.array([sympy.exp(zk) / total for zk in z], dtype=object)


def softmax_cross_entropy(Z, labels):
    """``L = -1/N Σ_n log softmax(Z[n])[y_n]``, from the definition (log of the probability).

    Parameters
    ----------
    Z : array of SymPy expressions, shape (N, K)
        Logits.
    labels : sequence of int, shape (N,)
        Classes in [0, K).

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> from cnnbp_core.symbolic import tensor
    >>> softmax_cross_entropy(tensor("z", (1, 2)), [1])
    -log(exp(z_{0,1})/(exp(z_{0,0}) + exp(z_{0,1})))
    """
    Z = as_object_array(Z, "Z", 2)
    if Z.shape[0] == 0:
        raise ValueError("Z has no rows: the mean over an empty batch is undefined")
    y = int_labels(labels, "labels", n=Z.shape[0], n_classes=Z.shape[1])
    return -sympy.Add(*(sympy.log(softmax(Z[n])[k]) for n, k in enumerate(y))) / Z.shape[0]
