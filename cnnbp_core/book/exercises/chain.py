"""Checkers for the chain-rule and gradient-checking exercises (chapter 01).

Each checker poses a few problems, runs the reader's function on copies of their arguments and
returns an `ExerciseResult` (PASS or FAIL per problem, the wrong entries, a diagnosis when the
answer is a known slip); a stub that still raises ``NotImplementedError`` is reported as not
attempted, and nothing raises unless ``strict=True``.

The right answers never come from the core's backward passes: the gradients from centered
finite differences of the forward computation (`cnnbp_core.gradcheck.numerical_vjp`), the
Jacobians and the optimal step from SymPy (exact derivatives and an exact solution of
dE/dh = 0, evaluated in float64). SymPy is imported when a checker that needs it runs.
"""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_vjp
from ...validation import generator
from ..feedback import EXACT_RTOL, Problem, grade

_USED_TWICE = (
    "x appears twice in xᵀAx, so its gradient has two terms, one per use (the Kronecker delta "
    "picks x_i out of each sum): Ax from the left x and Aᵀx from the right one; their sum is "
    "(A + Aᵀ)x."
)


def check_exercise_quadratic_form_gradient(fn, *, rng=None, strict=False):
    """Check ``fn(a, x) -> dL/dx`` for the quadratic form ``L = xᵀ A x = Σ_ij x_i A_ij x_j``.

    A is not symmetric in any problem, so the slips that are right only for a symmetric A
    (2Ax) fail. The right answer comes from centered differences of L.

    Parameters
    ----------
    fn : callable
        ``fn(a, x)`` with a (n, n) and x (n,); returns dL/dx of shape (n,).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the report is reproducible).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses 2Ax, 2Aᵀx, Ax and Aᵀx (one use of x only), and a matrix-shaped answer.

    Examples
    --------
    >>> check_exercise_quadratic_form_gradient(lambda a, x: (a + a.T) @ x).passed
    True
    >>> check_exercise_quadratic_form_gradient(lambda a, x: 2 * a @ x).diagnosis[0][:37]
    'This is 2Ax, right only when A is sym'
    """
    rng = np.random.default_rng(2101) if rng is None else generator(rng)
    problems = []
    for n in (3, 4, 5):
        a, x = rng.standard_normal((n, n)), rng.standard_normal(n)
        (expected,) = numerical_vjp(lambda x, a=a: x @ a @ x, [x])
        suspects = (
            ("This is 2Ax, right only when A is symmetric (A = Aᵀ). " + _USED_TWICE, 2 * a @ x),
            ("This is 2Aᵀx, right only when A is symmetric (A = Aᵀ). " + _USED_TWICE,
             2 * a.T @ x),
            ("This is Ax, the gradient through the left x alone. " + _USED_TWICE, a @ x),
            ("This is Aᵀx, the gradient through the right x alone. " + _USED_TWICE, a.T @ x),
        )  # fmt: skip
        hints = (
            ((n, n), "Your answer is a matrix: the gradient of the number xᵀAx with respect to "
             "x has x's shape (n,), one entry per x_k."),
        )  # fmt: skip
        problems.append(Problem(f"n = {n}", (a, x), expected, suspects, shape_hints=hints))
    return grade("dL/dx of L = xᵀAx", fn, problems, strict=strict)


# (δ's shape, b's shape): a row vector over a batch, a per-channel bias kept 4-D, the same
# bias with the batch axis left to broadcasting, a column, and a scalar
_BROADCASTS = (
    ((4, 3), (3,)),
    ((2, 3, 4, 5), (1, 3, 1, 1)),
    ((2, 3, 4, 5), (3, 1, 1)),
    ((5, 4), (5, 1)),
    ((2, 3, 4), ()),
)


def _broadcast_suspects(delta, expected):
    count = delta.size // max(expected.size, 1)
    each = (
        "b's entry is copied to every position it is broadcast to, and each copy adds its δ "
        "(a value used many times): sum over those positions."
    )
    return (("You took the mean where a sum belongs: " + each, expected / count),)


def _broadcast_hints(delta, shape):
    lead = delta.ndim - len(shape)
    kept = delta.sum(axis=tuple(range(lead)))  # leading axes summed away, the 1s not
    hints = [
        (
            delta.shape,
            "Your answer has δ's shape: sum δ over every axis that b was broadcast along, so "
            "that the answer has b's shape.",
        ),
        (
            kept.shape,
            f"You summed away the new leading {'axis' if lead == 1 else 'axes'}, but b also has "
            "length 1 along some axes that δ spans: sum along those too, keeping them "
            "(keepdims=True).",
        ),
    ]
    return tuple((s, text) for s, text in hints if tuple(s) != tuple(shape))


def check_exercise_unbroadcast(fn, *, rng=None, strict=False):
    """Check ``fn(delta, shape) -> dL/db`` for ``y = x + b``, b of ``shape`` broadcast to x's.

    NumPy's broadcasting aligns b's shape with x's from the right and copies b along every axis
    where b is missing or has length 1. The problems: a bias over a batch (4, 3) + (3,); a
    per-channel bias (1, 3, 1, 1) and (3, 1, 1) over (2, 3, 4, 5); a column (5, 1) over (5, 4);
    a scalar over (2, 3, 4). The right answer comes from centered differences of ``x + b``.

    Parameters
    ----------
    fn : callable
        ``fn(delta, shape)`` with delta = dL/dy and shape b's shape (a tuple); returns dL/db
        with exactly that shape.
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses a mean where a sum belongs and, by their shapes, δ returned unsummed and the
        length-1 axes not summed.

    Examples
    --------
    >>> def unbroadcast(delta, shape):
    ...     lead = delta.ndim - len(shape)
    ...     axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    ...     return delta.sum(axis=axes, keepdims=True).reshape(shape)
    >>> check_exercise_unbroadcast(unbroadcast).passed
    True
    >>> def leading_only(delta, shape):
    ...     return delta.sum(axis=tuple(range(delta.ndim - len(shape))))
    >>> [d[:30] for d in check_exercise_unbroadcast(leading_only).diagnosis]
    ["Your answer has δ's shape: sum", 'You summed away the new leadin']
    """
    rng = np.random.default_rng(2102) if rng is None else generator(rng)
    problems = []
    for delta_shape, shape in _BROADCASTS:
        x, b = rng.standard_normal(delta_shape), rng.standard_normal(shape)
        delta = rng.standard_normal(delta_shape)
        (expected,) = numerical_vjp(lambda b, x=x: x + b, [b], delta)
        problems.append(
            Problem(
                f"δ {delta_shape}, b {shape}",
                (delta, shape),
                expected,
                _broadcast_suspects(delta, expected),
                shape_hints=_broadcast_hints(delta, shape),
            )
        )
    return grade("dL/db of y = x + b (broadcast)", fn, problems, strict=strict)


# Polynomial maps R^n -> R^m, written so that SymPy can run them on symbols: (label, map, n)
def _maps():
    def f1(x):
        return np.array([x[0] * x[1] - x[2], x[0] ** 2 * x[2]])

    def f2(x):
        return np.array([x[0] * x[1], x[1] ** 3 + x[0], x[0] - 2 * x[1] ** 2])

    def f3(x):
        return np.array([x[0] * x[1] * x[2], x[0] ** 2 + x[1], x[2] ** 3, x[1] - x[0] * x[2]])

    return (
        ("f: R³ → R², f = (x0·x1 − x2, x0²·x2)", f1, 3),
        ("f: R² → R³, f = (x0·x1, x1³ + x0, x0 − 2·x1²)", f2, 2),
        ("f: R³ → R⁴, f = (x0·x1·x2, x0² + x1, x2³, x1 − x0·x2)", f3, 3),
    )


def _sympy_jacobian(f, x):
    """d f_i / d x_j at x, exactly: SymPy differentiates f applied to symbols."""
    import sympy

    symbols = sympy.symbols(f"x0:{len(x)}", real=True)
    jac = sympy.Matrix(list(f(np.array(symbols, dtype=object)))).jacobian(symbols)
    return np.array(jac.subs(dict(zip(symbols, x.tolist()))).tolist(), dtype=np.float64)


def check_exercise_fd_jacobian(fn, *, rng=None, strict=False):
    """Check ``fn(f, x, eps) -> J``: the Jacobian ``J[i, j] = d f_i / d x_j`` by differences.

    Three polynomial maps, not square but one (so a transposed Jacobian shows in its shape);
    the right answer is SymPy's exact Jacobian at the point. At the book's tolerance a
    centered difference with ``eps = 1e-6`` passes; a forward difference, whose error is of
    order ``eps |f''|``, does not.

    Parameters
    ----------
    fn : callable
        ``fn(f, x, eps)`` with f a function from (n,) arrays to (m,) arrays, x (n,) and eps the
        step; returns J of shape (m, n).
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses a forward difference, J transposed (by its shape), and factors such as a
        step of eps where 2 eps belongs.

    Examples
    --------
    >>> def fd_jacobian(f, x, eps):
    ...     columns = []
    ...     for j in range(len(x)):
    ...         e = np.zeros_like(x)
    ...         e[j] = eps
    ...         columns.append((f(x + e) - f(x - e)) / (2 * eps))
    ...     return np.stack(columns, axis=1)
    >>> check_exercise_fd_jacobian(fd_jacobian).passed
    True
    >>> def one_sided(f, x, eps):
    ...     return np.stack([(f(x + eps * e) - f(x)) / eps for e in np.eye(len(x))], axis=1)
    >>> check_exercise_fd_jacobian(one_sided).diagnosis[0][:33]
    'This is a forward difference, (f('
    """
    rng = np.random.default_rng(2103) if rng is None else generator(rng)
    eps, problems = 1e-6, []
    for label, f, n in _maps():
        x = rng.standard_normal(n)
        expected = _sympy_jacobian(f, x)  # (m, n)
        steps = np.eye(n) * eps
        forward = np.stack([(f(x + e) - f(x)) / eps for e in steps], axis=1)
        suspects = (
            (
                "This is a forward difference, (f(x + eps e_j) - f(x)) / eps: its truncation "
                "error is of order eps·|f''|/2, about 1e-6 here, far above the book's "
                "tolerance. The centered difference (f(x + eps e_j) - f(x - eps e_j)) / (2 eps) "
                "is off by eps²·|f'''|/6 only.",
                forward,
            ),
        )
        m = expected.shape[0]
        hints = (
            ((n, m), "Your answer is J transposed: J has one row per output f_i (m rows) and "
             "one column per input x_j (n columns), so column j is d f / d x_j."),
        )  # fmt: skip
        problems.append(Problem(label, (f, x, eps), expected, suspects, shape_hints=hints))
    return grade("the Jacobian by centered differences", fn, problems, strict=strict)


# (|f(x)|, |f''(x)|, eps): the cubic at 0.7 in float64 and float32, exp at 1 in float32
_OPTIMUM_CASES = ((1.057, 4.2, 2.0**-52), (1.057, 4.2, 2.0**-23), (2.718, 2.718, 2.0**-23))


def _sympy_optimum(f_abs, f2_abs, eps):
    """The minimiser of E(h) = h M / 2 + 2 eps F / h and E there, solved exactly by SymPy."""
    import sympy

    h = sympy.Symbol("h", positive=True)
    F, M, e = (sympy.nsimplify(v) for v in (f_abs, f2_abs, eps))
    error = h * M / 2 + 2 * e * F / h
    (h_star,) = sympy.solve(sympy.diff(error, h), h)
    return np.array([float(h_star), float(error.subs(h, h_star))])


def check_exercise_forward_difference_optimum(fn, *, strict=False):
    """Check ``fn(f_abs, f2_abs, eps) -> [h*, E*]`` for the forward difference's error model.

    With F = |f(x)|, M = |f''(x)| and machine epsilon eps, the forward difference's error is
    modelled as ``E(h) = h M / 2 + 2 eps F / h`` (truncation plus the rounding of two values of
    f); the answer is the step h* minimising it and E(h*). SymPy solves dE/dh = 0 exactly.

    Parameters
    ----------
    fn : callable
        ``fn(f_abs, f2_abs, eps)`` with three positive floats; returns a length-2 array.
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses the centered difference's formulas, a rounding term of eps F / h (one value
        of f), a truncation term of h M (the 1/2 lost), and the rule of thumb h = sqrt(eps).

    Examples
    --------
    >>> def optimum(f_abs, f2_abs, eps):
    ...     h = 2 * np.sqrt(eps * f_abs / f2_abs)
    ...     return np.array([h, h * f2_abs / 2 + 2 * eps * f_abs / h])
    >>> check_exercise_forward_difference_optimum(optimum).passed
    True
    >>> def thumb(f_abs, f2_abs, eps):
    ...     h = np.sqrt(eps)
    ...     return np.array([h, h * f2_abs / 2 + 2 * eps * f_abs / h])
    >>> check_exercise_forward_difference_optimum(thumb).diagnosis[0][:32]
    'This is the rule of thumb h = √ε'
    """
    problems = []
    for f_abs, f2_abs, eps in _OPTIMUM_CASES:

        def error(h, f_abs=f_abs, f2_abs=f2_abs, eps=eps):
            return h * f2_abs / 2 + 2 * eps * f_abs / h

        h_half = np.sqrt(2 * eps * f_abs / f2_abs)  # both slips below lead to this step
        h_centered = (3 * eps * f_abs / f2_abs) ** (1 / 3)
        suspects = (
            ("These are the centered difference's formulas, h* = (3 ε F / M)^(1/3) with "
             "error h*² M / 2; for a forward difference the truncation term is h M / 2, "
             "linear in h.", np.array([h_centered, h_centered**2 * f2_abs / 2])),
            ("Your rounding term is ε F / h, the error of one value of f: a forward difference "
             "subtracts two values, each off by up to ε F, so it is 2 ε F / h.",
             np.array([h_half, h_half * f2_abs / 2 + eps * f_abs / h_half])),
            ("Your truncation term is h M: Taylor's theorem gives f(x + h) = f + h f' + h² f''/2 "
             "+ ..., so the forward difference is off by h M / 2.",
             np.array([h_half, h_half * f2_abs + 2 * eps * f_abs / h_half])),
            ("This is the rule of thumb h = √ε, which ignores |f| and |f''|: set dE/dh = 0 "
             "instead.", np.array([np.sqrt(eps), error(np.sqrt(eps))])),
        )  # fmt: skip
        label = f"|f| = {f_abs}, |f''| = {f2_abs}, ε = {eps:.3g}"
        expected = _sympy_optimum(f_abs, f2_abs, eps)
        problems.append(Problem(label, (f_abs, f2_abs, eps), expected, suspects))
    return grade(
        "the forward difference's best step", fn, problems, strict=strict,
        atol=0.0, rtol=EXACT_RTOL,
    )  # fmt: skip
