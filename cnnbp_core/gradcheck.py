"""Numerical gradients and the checks that compare them with a backward pass.

Conventions follow PyTorch's gradcheck and JAX's check_grads: centered differences in float64,
step ``eps``, and an element passes when ``|actual - expected| <= atol + rtol * |expected|``.
Inputs are never mutated: every perturbation is made on a float64 copy.
"""

from __future__ import annotations

import html
from typing import NamedTuple

import numpy as np

from .validation import as_float_array, check_shape, generator, positive

EPS, ATOL, RTOL = 1e-6, 1e-6, 1e-5


def relative_error(actual, expected):
    """Elementwise ``|actual - expected| / max(|actual|, |expected|)``, with 0/0 taken as 0.

    This is the one definition of relative error used across the book.

    >>> relative_error([1.0, 0.0, 2.0], [1.1, 0.0, -2.0]).round(3)
    array([0.091, 0.   , 2.   ])
    """
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    diff = np.abs(actual - expected)
    scale = np.maximum(np.abs(actual), np.abs(expected))
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


def _as_float64_copies(inputs):
    return [np.array(x, dtype=np.float64, copy=True) for x in inputs]


def numerical_vjp(fn, inputs, dout=None, *, eps=EPS, wrt=None):
    """Vector-Jacobian product by centered finite differences, in float64.

    Returns the gradient of ``L = sum(dout * fn(*inputs))`` with respect to each input listed in
    ``wrt``: ``dL/dx[k] ~ (L(x + eps e_k) - L(x - eps e_k)) / (2 eps)`` for every element k.

    Parameters
    ----------
    fn : callable
        ``fn(*inputs) -> array`` (or a scalar). Must not mutate its arguments.
    inputs : sequence of array_like
        Point at which to differentiate.
    dout : array_like, optional
        Upstream gradient, shape of ``fn``'s output. Defaults to 1.0, i.e. ``fn`` is the loss.
    eps : float
        Finite-difference step.
    wrt : sequence of int, optional
        Indices of the inputs to differentiate (default: all).

    Returns
    -------
    list of ndarray
        One float64 gradient per index in ``wrt``, each shaped like its input.

    Examples
    --------
    >>> (grad,) = numerical_vjp(lambda x: x**2, [np.array([1.0, -2.0])], dout=[1.0, 0.5])
    >>> grad.round(6)  # dout * 2x
    array([ 2., -2.])
    """
    point = _as_float64_copies(inputs)
    eps = positive(eps, "eps")
    upstream = 1.0
    if dout is not None:
        upstream = as_float_array(np.asarray(dout, dtype=np.float64), "dout")
        check_shape(upstream, np.shape(fn(*point)), "dout", "the shape of fn's output")

    def loss(args):
        return float(np.sum(upstream * np.asarray(fn(*args), dtype=np.float64)))

    grads = []
    for i in range(len(point)) if wrt is None else wrt:
        x = point[i]
        grad = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            saved = x[k]
            x[k] = saved + eps
            plus = loss(point)
            x[k] = saved - eps
            minus = loss(point)
            x[k] = saved
            grad[k] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def numerical_gradient(fn, x, *, eps=EPS):
    """Gradient of a scalar function of one array, by centered differences in float64.

    >>> numerical_gradient(lambda x: np.sum(x**3), np.array([1.0, 2.0])).round(6)
    array([ 3., 12.])
    """
    return numerical_vjp(fn, [x], eps=eps)[0]


class GradRow(NamedTuple):
    """One input's comparison: the largest errors and where the worst one is."""

    name: str
    shape: tuple
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    passed: bool


class GradReport(NamedTuple):
    """Per-input comparison of analytic and numerical gradients; renders as a table."""

    rows: list
    atol: float
    rtol: float

    @property
    def passed(self):
        return all(row.passed for row in self.rows)

    def __str__(self):
        head = (
            f"{'input':<8}{'shape':<18}{'max abs err':>12}{'max rel err':>12}  {'worst index':<16}"
        )
        lines = [head + "result"]
        for r in self.rows:
            lines.append(
                f"{r.name:<8}{str(r.shape):<18}{r.max_abs_error:12.2e}{r.max_rel_error:12.2e}  "
                f"{str(r.worst_index):<16}{'PASS' if r.passed else 'FAIL'}"
            )
        lines.append(
            f"(pass when |analytic - numerical| <= {self.atol:g} + {self.rtol:g} * |numerical|)"
        )
        return "\n".join(lines)

    __repr__ = __str__  # the table is also the plain-text rendering in a notebook

    def _repr_html_(self):
        cells = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{r.shape}</td><td>{r.max_abs_error:.2e}</td>"
            f"<td>{r.max_rel_error:.2e}</td><td>{r.worst_index}</td>"
            f"<td>{'PASS' if r.passed else '<b>FAIL</b>'}</td></tr>"
            for r in self.rows
        )
        return (
            "<table><tr><th>input</th><th>shape</th><th>max abs err</th><th>max rel err</th>"
            f"<th>worst index</th><th>result</th></tr>{cells}</table>"
            f"<small>pass when |analytic - numerical| &le; {self.atol:g} + {self.rtol:g} "
            "&middot; |numerical|</small>"
        )


def compare_gradients(analytic, numerical, names=None, *, atol=ATOL, rtol=RTOL):
    """Compare lists of analytic and numerical gradients, input by input.

    Returns
    -------
    GradReport

    Examples
    --------
    >>> report = compare_gradients([np.ones(3)], [np.ones(3) + 1e-9], names=["x"])
    >>> report.passed, report.rows[0].name
    (True, 'x')
    """
    names = names or [f"x{i}" for i in range(len(analytic))]
    if not len(names) == len(analytic) == len(numerical):
        raise ValueError(
            f"names, analytic and numerical must have one entry per input; got {len(names)}, "
            f"{len(analytic)} and {len(numerical)}"
        )
    rows = []
    for name, a, n in zip(names, analytic, numerical, strict=True):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        if a.shape != n.shape:
            raise ValueError(f"gradient of {name}: analytic shape {a.shape} != numerical {n.shape}")
        diff = np.abs(a - n)
        excess = diff / (atol + rtol * np.abs(n))  # > 1 where the tolerance is broken
        worst = np.unravel_index(np.argmax(excess), a.shape) if a.size else ()
        rows.append(
            GradRow(
                name,
                a.shape,
                float(diff.max(initial=0.0)),
                float(relative_error(a, n).max(initial=0.0)),
                tuple(int(i) for i in worst),
                bool(np.all(np.isfinite(a)) and np.all(excess <= 1)),
            )
        )
    return GradReport(rows, atol, rtol)


def check_gradients(fn, inputs, analytic, dout=None, *, names=None, eps=EPS, atol=ATOL, rtol=RTOL):
    """Compare a backward pass's gradients with finite differences of ``fn``.

    Parameters
    ----------
    fn : callable
        ``fn(*inputs) -> array``; the forward pass.
    inputs : sequence of array_like
        Where to differentiate.
    analytic : sequence of array_like
        The backward pass's gradients, one per input, for upstream gradient ``dout``.
    dout : array_like, optional
        Upstream gradient (use a random one: all-ones hides errors).
    names : sequence of str, optional
        Labels for the report.
    eps, atol, rtol : float
        Step and tolerances.

    Returns
    -------
    GradReport

    Examples
    --------
    >>> x = np.array([0.5, -1.0])
    >>> check_gradients(lambda x: np.sin(x), [x], [np.cos(x)]).passed
    True
    >>> check_gradients(lambda x: np.sin(x), [x], [-np.cos(x)]).passed  # a wrong sign fails
    False
    """
    numerical = numerical_vjp(fn, inputs, dout, eps=eps)
    return compare_gradients(analytic, numerical, names, atol=atol, rtol=rtol)


def assert_gradients(fn, inputs, analytic, dout=None, **kwargs):
    """`check_gradients`, raising ``AssertionError`` with the report when any input fails.

    >>> x = np.array([0.5, -1.0])
    >>> assert_gradients(lambda x: x**2, [x], [2 * x]).passed
    True
    """
    report = check_gradients(fn, inputs, analytic, dout, **kwargs)
    if not report.passed:
        raise AssertionError(f"gradient check failed:\n{report}")
    return report


class DotCheck(NamedTuple):
    """The two sides of ``<v, J u> = <J^T v, u>`` and whether they agree."""

    forward_side: float  # <v, J u>, J u from a directional finite difference
    backward_side: float  # <J^T v, u>, J^T v from the backward pass
    rel_error: float
    passed: bool

    def __str__(self):
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"<v, J u> = {self.forward_side:.10g}   <J^T v, u> = {self.backward_side:.10g}   "
            f"rel err {self.rel_error:.1e}   {verdict}"
        )

    __repr__ = __str__


def dot_product_check(fn, inputs, vjp, *, rng, eps=EPS, rtol=1e-6):
    """Random-direction (adjoint) check: two forward calls and one backward, whatever the size.

    Draws a direction ``u`` (one array per input) and an upstream gradient ``v``, then compares
    ``<v, (fn(x + eps u) - fn(x - eps u)) / (2 eps)>`` with ``sum_i <vjp(v)[i], u[i]>``.

    Parameters
    ----------
    fn : callable
        ``fn(*inputs) -> array``.
    inputs : sequence of array_like
    vjp : callable
        ``vjp(v) -> sequence of gradients``, one per input, e.g. a backward pass at ``inputs``.
    rng : numpy.random.Generator
        Source of the random directions.
    eps, rtol : float

    Returns
    -------
    DotCheck

    Examples
    --------
    >>> a = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> x = np.array([1.0, -1.0])
    >>> rng = np.random.default_rng(0)
    >>> dot_product_check(lambda x: a @ x, [x], lambda v: [a.T @ v], rng=rng).passed
    True
    """
    rng = generator(rng)
    point = _as_float64_copies(inputs)
    directions = [rng.standard_normal(x.shape) for x in point]
    v = rng.standard_normal(np.shape(fn(*point)))
    plus = fn(*[x + eps * u for x, u in zip(point, directions, strict=True)])
    minus = fn(*[x - eps * u for x, u in zip(point, directions, strict=True)])
    forward_side = float(np.sum(v * (np.asarray(plus) - np.asarray(minus)) / (2 * eps)))
    grads = vjp(v)
    backward_side = float(sum(np.sum(g * u) for g, u in zip(grads, directions, strict=True)))
    err = float(relative_error(forward_side, backward_side))
    return DotCheck(forward_side, backward_side, err, err <= rtol)
