r"""Wrong answers for the dense layer's and softmax cross-entropy's gradients (chapter 02).

The right closed forms, for ``Y = X Wᵀ + b`` with X (N, in), W (out, in) as the core stores it,
b (out,) and δ = dL/dY (N, out), and for the mean softmax cross-entropy of logits Z (N, K) with
integer labels y, are

    dX = δ W    (N, in)      dW = δᵀ X    (out, in)      db = Σ_n δ[n]    (out,)
    dL/dZ = (softmax(Z) − onehot(y)) / N    (N, K)

(`linear_backward_closed_form`, `softmax_ce_gradient_closed_form`). Each `LinearMistake` computes
what a reader who makes one classic slip in one of the three gradients gets, with the signature
of the right closed form, ``mistake(x, w, delta) -> (dx, dw, db)`` (the other two gradients
right); each `SoftmaxCEMistake` likewise ``mistake(logits, labels) -> dlogits``. They work on
float arrays (returning float64) and on object arrays of SymPy symbols alike (returning
expressions), so chapter 02 can prove each one wrong exactly, with `linear_identity_holds` or
`softmax_ce_identity_holds` (the SymPy derivative of the forward pass of
`cnnbp_core.symbolic.dense`, compared entry by entry), and the exercise checkers can name a
reader's answer. A wrong formula whose product does not fit a problem's shapes (δWᵀ when
in ≠ out) raises `DoesNotFit`.

Examples
--------
>>> m = LINEAR_BACKWARD_MISTAKES["dw_transposed"]
>>> m.example
{'n': 2, 'n_in': 2, 'n_out': 2}
>>> linear_identity_holds(**m.example, closed_form=m)
False
>>> linear_identity_holds(**m.example)  # the right closed form, on the same shapes
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import sympy

from ... import functional as F
from ...symbolic.dense import linear, softmax, softmax_cross_entropy
from ...symbolic.tensors import gradient, identical, one_hot, tensor
from ...validation import (
    as_callable,
    as_int,
    as_object_array,
    check_fan_in,
    check_shape,
    int_labels,
    is_numeric,
    one_of,
)
from .conv import DoesNotFit

LINEAR_WRT = ("x", "w", "b")
"""The gradients of the linear layer, in the order its backward returns them."""


# --- arguments and the right closed forms -------------------------------------------------------


def _linear_args(x, w, delta):
    """(x, w, delta, numeric): float64 arrays when all are numbers, else object arrays."""
    numeric = all(is_numeric(a) for a in (x, w, delta))
    x, w, delta = (as_object_array(a, n, ndim=2) for a, n in ((x, "x"), (w, "w"), (delta, "delta")))
    check_fan_in(x.shape, w.shape)
    check_shape(delta, (x.shape[0], w.shape[0]), "delta", "(N, out): one row of dL/dY per example")
    if numeric:
        x, w, delta = (a.astype(np.float64) for a in (x, w, delta))
    return x, w, delta, numeric


def _ce_args(logits, labels):
    """(logits, labels, numeric): float64 logits when they are numbers, else an object array."""
    numeric = is_numeric(logits)
    z = as_object_array(logits, "logits", ndim=2)
    labels = int_labels(labels, n=z.shape[0], n_classes=z.shape[1])
    return (z.astype(np.float64) if numeric else z), labels, numeric


def _right_linear(x, w, delta):
    # (N, out) @ (out, in) -> (N, in); (out, N) @ (N, in) -> (out, in); sum over N -> (out,)
    return delta @ w, delta.T @ x, delta.sum(axis=0)


def _softmax_rows(z):
    """softmax along the classes (axis 1): SymPy's for symbols, the core's for numbers."""
    if z.dtype == object:
        return np.array([softmax(row) for row in z], dtype=object)
    return F.softmax(z, axis=1)


def _one_hot(labels, z):
    if z.dtype == object:
        return one_hot(labels, z.shape[1])
    return np.eye(z.shape[1])[labels]


def _right_ce(z, labels):
    return (_softmax_rows(z) - _one_hot(labels, z)) / z.shape[0]


def _out(a, numeric):
    return np.asarray(a, dtype=np.float64 if numeric else object)


def linear_backward_closed_form(x, w, delta):
    """The right gradients of ``Y = X Wᵀ + b``: dX = δW, dW = δᵀX, db = Σ_n δ[n].

    Parameters
    ----------
    x : array_like, shape (N, in)
        Numbers or SymPy expressions.
    w : array_like, shape (out, in)
    delta : array_like, shape (N, out)
        dL/dY.

    Returns
    -------
    (dx, dw, db)
        Shapes (N, in), (out, in), (out,); float64 for numbers, object arrays for symbols.

    Examples
    --------
    >>> dx, dw, db = linear_backward_closed_form([[1.0, 2.0]], [[1.0, 1.0], [0.0, 3.0]],
    ...                                          [[1.0, -1.0]])
    >>> dx, db
    (array([[ 1., -2.]]), array([ 1., -1.]))
    >>> linear_backward_closed_form(tensor("X", (1, 1)), tensor("W", (1, 1)), tensor("d", (1, 1)))[1]
    array([[X_{0,0}*d_{0,0}]], dtype=object)
    """  # noqa: E501
    x, w, delta, numeric = _linear_args(x, w, delta)
    return tuple(_out(g, numeric) for g in _right_linear(x, w, delta))


def softmax_ce_gradient_closed_form(logits, labels):
    """The right gradient of the mean softmax cross-entropy: ``(softmax(Z) − onehot(y)) / N``.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Numbers or SymPy expressions.
    labels : array_like of int, shape (N,)

    Returns
    -------
    ndarray, shape (N, K)

    Examples
    --------
    >>> softmax_ce_gradient_closed_form([[0.0, np.log(3.0)]], [0])
    array([[-0.75,  0.75]])
    """
    z, labels, numeric = _ce_args(logits, labels)
    return _out(_right_ce(z, labels), numeric)


# --- the exact identities -----------------------------------------------------------------------


def linear_identity_holds(n, n_in, n_out, *, closed_form=linear_backward_closed_form) -> bool:
    """Whether ``closed_form`` gives exactly SymPy's gradients of the linear layer.

    X (n, n_in), W (n_out, n_in), b and δ are symbols; the surrogate L = Σ δ·Y (whose gradient
    with respect to Y's inputs is the true one, chapter 01) is differentiated by `sympy.diff`
    through `cnnbp_core.symbolic.dense.linear`, and each of dX, dW, db compared with
    ``closed_form(X, W, δ)`` entry by entry (`sympy.expand` of the difference must be 0).

    Parameters
    ----------
    n, n_in, n_out : int >= 1
        N, in and out.
    closed_form : callable
        ``closed_form(x, w, delta) -> (dx, dw, db)``; a `LinearMistake` has this signature.

    Returns
    -------
    bool
        False as well when ``closed_form`` returns anything but three gradients, a gradient has
        the wrong shape or the formula does not fit the shapes (`DoesNotFit`).

    Examples
    --------
    >>> linear_identity_holds(2, 3, 2)
    True
    >>> linear_identity_holds(2, 3, 2, closed_form=LINEAR_BACKWARD_MISTAKES["db_batch_mean"])
    False
    """
    n, n_in, n_out = (
        as_int(v, name, 1) for v, name in ((n, "n"), (n_in, "n_in"), (n_out, "n_out"))
    )
    closed_form = as_callable(closed_form, "closed_form")
    X, W = tensor("X", (n, n_in)), tensor("W", (n_out, n_in))
    b, delta = tensor("b", n_out), tensor(r"\delta", (n, n_out))
    L = sympy.Add(*(delta * linear(X, W, b)).flat)  # the surrogate Σ δ·Y
    derived = [gradient(L, s) for s in (X, W, b)]
    try:
        got = closed_form(X, W, delta)
    except DoesNotFit:
        return False
    if not isinstance(got, (tuple, list)) or len(got) != len(derived):
        return False  # (dx, dw) alone, or a fourth item, is no answer
    return all(identical(d, g) for d, g in zip(derived, got, strict=True))


def softmax_ce_identity_holds(labels, n_classes, *, closed_form=softmax_ce_gradient_closed_form):
    """Whether ``closed_form`` gives exactly SymPy's gradient of the mean softmax cross-entropy.

    Z (N, K) are symbols, N = len(labels); the loss of `cnnbp_core.symbolic.dense` is
    differentiated by `sympy.diff` and compared with ``closed_form(Z, labels)`` entry by entry
    (`sympy.cancel` of the difference must be 0: the entries are ratios of exponentials).

    Parameters
    ----------
    labels : sequence of int
        The classes y_n, each in [0, n_classes).
    n_classes : int >= 1
        K.
    closed_form : callable
        ``closed_form(logits, labels) -> dlogits``; a `SoftmaxCEMistake` has this signature.

    Returns
    -------
    bool

    Examples
    --------
    >>> softmax_ce_identity_holds([0, 2], 3)
    True
    >>> softmax_ce_identity_holds([0, 2], 3,
    ...                           closed_form=SOFTMAX_CE_GRADIENT_MISTAKES["no_one_hot"])
    False
    """
    k = as_int(n_classes, "n_classes", 1)
    labels = int_labels(labels, n_classes=k)
    closed_form = as_callable(closed_form, "closed_form")
    Z = tensor("z", (len(labels), k))
    derived = gradient(softmax_cross_entropy(Z, labels), Z)
    return identical(derived, closed_form(Z, labels), sympy.cancel)


# --- the catalogue entries ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LinearMistake:
    """One wrong answer for one gradient of the linear layer, called like the right closed form.

    Attributes
    ----------
    name : str
        Its key in `LINEAR_BACKWARD_MISTAKES`.
    wrt : {"x", "w", "b"}
        The gradient it gets wrong; calling it returns ``(dx, dw, db)`` with the other two right.
    description : str
        The mistake in one line, in the words of a reader who makes it.
    diagnosis : str
        What an exercise checker tells a reader whose answer is this one.
    compute : callable
        The wrong formula, ``compute(x, w, delta)`` on checked arrays (floats or objects).
    needs : str
        When the wrong gradient has the right shape and differs from the right one ("" when
        always).
    example : dict
        Shapes ``n, n_in, n_out`` on which `linear_identity_holds` rejects it.

    Examples
    --------
    >>> m = LINEAR_BACKWARD_MISTAKES["db_batch_mean"]
    >>> m.wrt, m(np.ones((2, 1)), np.ones((1, 1)), np.array([[1.0], [3.0]]))[2]
    ('b', array([2.]))
    """

    name: str
    wrt: str
    description: str
    diagnosis: str
    compute: Callable = field(repr=False)
    needs: str = ""
    example: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        one_of(self.wrt, "wrt", LINEAR_WRT)

    def __call__(self, x, w, delta):
        x, w, delta, numeric = _linear_args(x, w, delta)
        grads = list(_right_linear(x, w, delta))
        grads[LINEAR_WRT.index(self.wrt)] = self.compute(x, w, delta)
        return tuple(_out(g, numeric) for g in grads)


@dataclass(frozen=True, eq=False)
class SoftmaxCEMistake:
    """One wrong answer for dL/dZ of the mean softmax cross-entropy, called like the right one.

    Attributes as for `LinearMistake` (without ``wrt``); ``example`` holds ``labels`` and
    ``n_classes`` for `softmax_ce_identity_holds`.

    Examples
    --------
    >>> m = SOFTMAX_CE_GRADIENT_MISTAKES["missing_mean"]
    >>> m(np.zeros((2, 2)), [0, 1])  # p − y without the 1/N
    array([[-0.5,  0.5],
           [ 0.5, -0.5]])
    """

    name: str
    description: str
    diagnosis: str
    compute: Callable = field(repr=False)
    needs: str = ""
    example: dict = field(default_factory=dict, repr=False)

    def __call__(self, logits, labels):
        z, labels, numeric = _ce_args(logits, labels)
        return _out(self.compute(z, labels), numeric)


# --- the wrong formulas: each a small change around the right one -------------------------------


def _dx_w_transposed(x, w, delta):
    # the (in, out) storage's formula applied to W stored (out, in)
    if w.shape[0] != w.shape[1]:
        raise DoesNotFit(
            f"δ Wᵀ multiplies δ {delta.shape} by Wᵀ {w.T.shape}: with in ≠ out the product "
            "does not fit"
        )
    return delta @ w.T


_LINEAR = (
    LinearMistake(
        "dx_w_transposed",
        "x",
        "dX = δ Wᵀ, the formula for weights stored (in, out) as in Y = X W + b, applied to W "
        "stored (out, in)",
        "Your dX is δWᵀ, the formula for weights stored (in, out), as in Y = XW + b. The core "
        "stores W as (out, in) and computes Y = XWᵀ + b, so dX = δW: (N, out) @ (out, in).",
        _dx_w_transposed,
        needs="in = out (otherwise δ Wᵀ does not fit: it raises DoesNotFit)",
        example={"n": 2, "n_in": 2, "n_out": 2},
    ),
    LinearMistake(
        "dx_batch_mean",
        "x",
        "dX divided by N: the batch averaged again, although each row of dX depends only on its "
        "own row of δ",
        "Your dX is 1/N times the right one: row n of dX = δ[n] W depends on example n alone, "
        "and δ = dL/dY already carries the loss's 1/N. Do not average again.",
        lambda x, w, delta: delta @ w / x.shape[0],
        needs="N > 1",
        example={"n": 2, "n_in": 2, "n_out": 1},
    ),
    LinearMistake(
        "dw_transposed",
        "w",
        "dW = Xᵀ δ, shape (in, out): dW transposed",
        "Your dW is transposed: Xᵀδ has shape (in, out), W has (out, in). "
        "dW[o, i] = Σ_n δ[n, o] X[n, i], which is δᵀX.",
        lambda x, w, delta: x.T @ delta,
        needs="in = out (otherwise its shape (in, out) gives it away)",
        example={"n": 2, "n_in": 2, "n_out": 2},
    ),
    LinearMistake(
        "dw_batch_mean",
        "w",
        "dW averaged over the batch: δᵀX divided by N",
        "Off by a factor N: you averaged over the batch. Sum over it: δ = dL/dY already carries "
        "the loss's 1/N, and each example adds its own term δ[n]ᵀ X[n] to dW.",
        lambda x, w, delta: delta.T @ x / x.shape[0],
        needs="N > 1",
        example={"n": 2, "n_in": 1, "n_out": 1},
    ),
    LinearMistake(
        "db_batch_mean",
        "b",
        "db averaged over the batch: the mean of δ's rows instead of their sum",
        "Off by a factor N: you averaged δ over the batch. b is added to every row of Y, so each "
        "example adds its δ[n] to db: db = Σ_n δ[n]; δ already carries the loss's 1/N.",
        lambda x, w, delta: delta.sum(axis=0) / x.shape[0],
        needs="N > 1",
        example={"n": 2, "n_in": 1, "n_out": 1},
    ),
    LinearMistake(
        "db_not_summed",
        "b",
        "db = δ, not summed over the batch: shape (N, out)",
        "Your db is δ itself, one row per example: b is added to every row of Y, so its gradient "
        "sums δ over the batch, db = Σ_n δ[n], of b's shape (out,).",
        lambda x, w, delta: delta,
        needs="never: its shape (N, out) always differs from b's (out,)",
        example={"n": 1, "n_in": 1, "n_out": 1},
    ),
    LinearMistake(
        "db_wrong_axis",
        "b",
        "db summed over the output features (axis 1) instead of the batch (axis 0): shape (N,)",
        "You summed δ over the output features (axis 1): db has one entry per output feature, "
        "the sum of δ over the batch (axis 0).",
        lambda x, w, delta: delta.sum(axis=1),
        needs="N = out (otherwise its shape (N,) gives it away)",
        example={"n": 2, "n_in": 1, "n_out": 2},
    ),
)


def _softmax_over_batch(z, labels):
    return (_softmax_rows(z.T).T - _one_hot(labels, z)) / z.shape[0]


_CE = (
    SoftmaxCEMistake(
        "missing_mean",
        "the 1/N of the mean left out: softmax(Z) − onehot(y)",
        "Off by a factor N: the loss is the mean over the batch, so each row of dL/dZ carries "
        "1/N: (softmax(Z) − onehot(y)) / N.",
        lambda z, labels: _right_ce(z, labels) * z.shape[0],
        needs="N > 1 and K > 1 (with one class the right gradient is 0)",
        example={"labels": (0, 1), "n_classes": 2},
    ),
    SoftmaxCEMistake(
        "sign_flipped",
        "the sign flipped: (onehot(y) − softmax(Z)) / N",
        "Your gradient has the wrong sign: dL/dz_k = (p_k − y_k)/N, the probability minus the "
        "one-hot, positive for every wrong class, so a step against it lowers their logits.",
        lambda z, labels: -_right_ce(z, labels),
        needs="K > 1 (with one class the right gradient is 0)",
        example={"labels": (0,), "n_classes": 2},
    ),
    SoftmaxCEMistake(
        "no_softmax",
        "the softmax left out: (Z − onehot(y)) / N, the logits where the probabilities belong",
        "You subtracted the one-hot from the logits themselves: the gradient is "
        "(softmax(Z) − onehot(y)) / N, the probabilities minus the one-hot.",
        lambda z, labels: (z - _one_hot(labels, z)) / z.shape[0],
        example={"labels": (0,), "n_classes": 2},
    ),
    SoftmaxCEMistake(
        "no_one_hot",
        "the one-hot left out: softmax(Z) / N",
        "The one-hot is missing: d(−log p_y)/dz_k = p_k − [k = y], so subtract 1 at each row's "
        "label before dividing by N.",
        lambda z, labels: _softmax_rows(z) / z.shape[0],
        example={"labels": (0,), "n_classes": 2},
    ),
    SoftmaxCEMistake(
        "mean_over_entries",
        "divided by N·K, the number of logits (np.mean over every entry), instead of N",
        "You divided by N·K, the number of logits (a mean over every entry): the loss averages "
        "over the N examples only, so divide by N.",
        lambda z, labels: _right_ce(z, labels) / z.shape[1],
        needs="K > 1",
        example={"labels": (0,), "n_classes": 2},
    ),
    SoftmaxCEMistake(
        "softmax_over_batch",
        "the softmax taken over the batch (axis 0) instead of the classes (axis 1)",
        "Your softmax runs over the batch (axis 0): each example's probabilities are the softmax "
        "of its own row of logits, over the classes (axis=1).",
        _softmax_over_batch,
        needs="N > 1 or K > 1 (one logit alone has probability 1 either way)",
        example={"labels": (0, 1), "n_classes": 2},
    ),
)

LINEAR_BACKWARD_MISTAKES: Mapping[str, LinearMistake] = MappingProxyType(
    {m.name: m for m in _LINEAR}
)
"""name -> `LinearMistake`, in the order chapter 02 shows them; each is rejected by the exact
identity on its example (`linear_identity_holds`)."""
SOFTMAX_CE_GRADIENT_MISTAKES: Mapping[str, SoftmaxCEMistake] = MappingProxyType(
    {m.name: m for m in _CE}
)
"""name -> `SoftmaxCEMistake`; each is rejected by `softmax_ce_identity_holds` on its example."""
