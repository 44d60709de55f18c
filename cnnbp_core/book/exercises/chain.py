"""Checkers for the chain-rule and gradient-checking exercises (chapter 01).

Each checker poses a few problems, runs the reader's function on copies of their arguments and
returns an `ExerciseResult` (PASS or FAIL per problem, the wrong entries, a diagnosis when the
answer is a known slip); a stub that still raises ``NotImplementedError`` is reported as not
attempted, and nothing raises unless ``strict=True``.

The right answers never come from the core's backward passes: the gradients from centered
finite differences of the forward computation (`cnnbp_core.gradcheck.numerical_vjp`, whose step
keeps the core's name ``eps``), the finite-difference Jacobians and the best step from SymPy
(exact rational arithmetic on the float inputs, and an exact solution of dE/dh = 0, rounded to
float64 at the end). SymPy is imported when a checker that needs it runs. As in the chapter, h
is a finite-difference step and ε_mach the machine epsilon.

Two checkers also watch *how* the reader's function works, not only what it returns: the
Jacobian checker records where the function evaluates f (a forward difference evaluates f at x
itself; a function that ignores its step nudges x by another amount), and the best-step checker
judges E(h*) more tightly than h* (E is flat at its minimum: a numerical minimiser finds h* to
about 1e-8 only, but E(h*) to rounding).
"""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_vjp
from ...validation import as_callable, as_flag, generator
from ..feedback import EXACT_RTOL, Problem, Recorder, finish, grade

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
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
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
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
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


# --- how the reader's function works: its answers, and where it evaluates f ---------------------


class _Probe:
    """A map f as the reader's function receives it: it records every point f is evaluated at."""

    def __init__(self, f):
        self.f, self.points = f, []

    def __call__(self, x):
        self.points.append(np.array(x, copy=True))
        return self.f(x)


def _narrow(a):
    """True for an array (or number) of a float type narrower than float64."""
    dtype = np.asarray(a).dtype
    return dtype.kind == "f" and dtype.itemsize < 8


_LOW_PRECISION = "ompute in float64"  # in every low-precision diagnosis of `feedback.grade`


# --- exercise 3: a Jacobian by centered differences ----------------------------------------------


# Polynomial maps R^n -> R^m, written so that SymPy can run them on symbols or exact rationals:
# (label, map, n, step h). Only f2 and f3 have a third derivative along a coordinate, so only
# their centered differences depend on h (by h²·f'''/6): they get the large steps, where a
# function that ignores its step fails.
def _maps():
    def f1(x):
        return np.array([x[0] * x[1] - x[2], x[0] ** 2 * x[2]])

    def f2(x):
        return np.array([x[0] * x[1], x[1] ** 3 + x[0], x[0] - 2 * x[1] ** 2])

    def f3(x):
        return np.array([x[0] * x[1] * x[2], x[0] ** 2 + x[1], x[2] ** 3, x[1] - x[0] * x[2]])

    return (
        ("f: R³ → R², f = (x0·x1 − x2, x0²·x2)", f1, 3, 1e-6),
        ("f: R² → R³, f = (x0·x1, x1³ + x0, x0 − 2·x1²)", f2, 2, 0.1),
        ("f: R³ → R⁴, f = (x0·x1·x2, x0² + x1, x2³, x1 − x0·x2)", f3, 3, 1e-3),
    )


def _sympy_centered(f, x, h):
    """``(f(x + h e_j) - f(x - h e_j)) / (2h)`` for every j, in exact rational arithmetic."""
    import sympy

    point, step = [sympy.Rational(v) for v in x.tolist()], sympy.Rational(h)
    columns = []
    for j in range(len(point)):
        plus, minus = list(point), list(point)
        plus[j] += step
        minus[j] -= step
        diff = f(np.array(plus, dtype=object)) - f(np.array(minus, dtype=object))
        columns.append([float(v / (2 * step)) for v in diff])
    return np.array(columns, dtype=np.float64).T  # (m, n)


_CENTERED = (
    "The centered difference (f(x + h e_j) − f(x − h e_j)) / (2h) is off by h²·|f'''|/6 only."
)


def _nudges(probe, x):
    """What the points f was evaluated at say: (steps along one axis, their signs, whether f
    was evaluated at x itself, whether some point differs from x in several entries)."""
    sizes, signs, here, several = [], set(), False, False
    for p in probe.points:
        moved = p.astype(np.float64) - x
        nudged = np.flatnonzero(moved)
        here |= nudged.size == 0
        several |= nudged.size > 1
        if nudged.size == 1:
            sizes.append(float(abs(moved[nudged[0]])))
            signs.add(float(np.sign(moved[nudged[0]])))
    return sizes, signs, here, several


def _how_it_nudges(probe, x, h):
    """A diagnosis from the points the reader evaluated f at, or None when they look right."""
    if any(_narrow(p) for p in probe.points):
        return None  # float32 points: the low-precision diagnosis says it better
    sizes, signs, here, several = _nudges(probe, x)
    if several:
        return (
            "Your function evaluates f at points that differ from x in more than one entry: "
            "put x[j] back after each nudge (or nudge a copy of x), so that column j sees the "
            "nudge along e_j alone."
        )
    wrong_step = sorted({f"{s:.3g}" for s in sizes if not np.isclose(s, h, rtol=1e-4, atol=0)})
    if here and len(signs) == 1:
        kind, formula = (
            ("forward", "(f(x + h e_j) − f(x)) / h")
            if signs == {1.0}
            else ("backward", "(f(x) − f(x − h e_j)) / h")
        )
        step = f", with a step of {' and '.join(wrong_step)}" if wrong_step else ""
        return (
            f"This is a {kind} difference, {formula} (your function evaluates f at x "
            f"itself{step}): its truncation error is of order h·|f''|/2 and its rounding error "
            "about 2 ε_mach·|f| / h, and at every step their sum is far larger than a centered "
            f"difference's. {_CENTERED}"
        )
    if wrong_step:
        return (
            f"Your function nudges x by {' and '.join(wrong_step)}, not by the step h it is "
            "given (each problem's label shows it): use the argument h. The problems use "
            "different steps, and a centered difference depends on its step (by h²·f'''/6)."
        )
    return None


def _review_jacobian(trial, answer, probe, x, h):
    """The trial with a diagnosis from how the function worked; a float32 diagnosis only when
    the answer or the points f was evaluated at are float32."""
    if trial.passed:
        return trial
    found = _how_it_nudges(probe, x, h)
    if found:
        return trial._replace(diagnosis=found)
    low = _narrow(answer) or any(_narrow(p) for p in probe.points)
    if trial.diagnosis and _LOW_PRECISION in trial.diagnosis and not low:
        return trial._replace(diagnosis=None)
    return trial


def check_exercise_fd_jacobian(fn, *, rng=None, strict=False):
    """Check ``fn(f, x, h) -> J``: the Jacobian ``J[i, j] = d f_i / d x_j`` by centered
    differences with step h.

    Three polynomial maps, none of them square (so a transposed Jacobian shows in its shape),
    each with its own step: 1e-6 (the book's), 0.1 and 1e-3. The right answer is the centered
    difference ``(f(x + h e_j) - f(x - h e_j)) / (2h)``, computed by SymPy in exact rational
    arithmetic: at h = 1e-6 it is the Jacobian to about 1e-12; at the larger steps it differs
    from it by h² |f'''| / 6, so a function that ignores its step fails. The checker also
    records where the function evaluates f, to name a forward (or backward) difference at any
    step, a step other than h, and a nudge not undone.

    Parameters
    ----------
    fn : callable
        ``fn(f, x, h)`` with f a function from (n,) arrays to (m,) arrays, x (n,) and h the
        step; returns J of shape (m, n).
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses a forward or backward difference, a step other than h, a nudge not undone,
        J transposed (by its shape), factors such as a step of h where 2h belongs, and float32
        arithmetic (only when the answer or the points f sees are float32).

    Examples
    --------
    >>> def fd_jacobian(f, x, h):
    ...     columns = []
    ...     for j in range(len(x)):
    ...         e = np.zeros_like(x)
    ...         e[j] = h
    ...         columns.append((f(x + e) - f(x - e)) / (2 * h))
    ...     return np.stack(columns, axis=1)
    >>> check_exercise_fd_jacobian(fd_jacobian).passed
    True
    >>> def one_sided(f, x, h):
    ...     return np.stack([(f(x + h * e) - f(x)) / h for e in np.eye(len(x))], axis=1)
    >>> check_exercise_fd_jacobian(one_sided).diagnosis[0][:33]
    'This is a forward difference, (f('
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2103) if rng is None else generator(rng)
    problems, probes, points = [], [], []
    for label, f, n, h in _maps():
        x = rng.standard_normal(n)
        expected = _sympy_centered(f, x, h)  # (m, n)
        m = expected.shape[0]
        hints = (
            ((n, m), "Your answer is J transposed: J has one row per output f_i (m rows) and "
             "one column per input x_j (n columns), so column j is d f / d x_j."),
        )  # fmt: skip
        probe = _Probe(f)
        problems.append(Problem(f"{label}, h = {h:g}", (probe, x, h), expected, shape_hints=hints))
        probes.append(probe)
        points.append((x, h))
    reader = Recorder(fn)
    result = grade("the Jacobian by centered differences", reader, problems)
    trials = [
        _review_jacobian(t, a, p, x, h)
        for t, a, p, (x, h) in zip(result.trials, reader.answers, probes, points)
    ]
    return finish(result, trials, strict=strict)


# --- exercise 4: the forward difference's best step ----------------------------------------------

# (|f(x)|, |f''(x)|, ε_mach): none of them a case the chapter prints; F/M from 1/32 to 16, the
# machine epsilons of float64, float32, float16 and bfloat16, and one case with F = M (where an
# answer that ignores F and M can be right by luck: the other cases show it wrong)
_OPTIMUM_CASES = (
    (0.375, 12.0, 2.0**-52),
    (3.5, 0.25, 2.0**-52),
    (1.0, 1.0, 2.0**-23),
    (40.0, 2.5, 2.0**-23),
    (0.0625, 0.5, 2.0**-10),
    (5.0, 80.0, 2.0**-7),
)
STEP_RTOL = 1e-6
"""The relative tolerance on h*. E is flat at its minimum, E(h*(1 + d)) = E*(1 + d² + ...), so a
numerical minimiser pins h* down to about 1e-8 only; E(h*) itself is judged at ``EXACT_RTOL``."""


def _sympy_optimum(f_abs, f2_abs, eps_mach):
    """The minimiser of E(h) = h M / 2 + 2 ε_mach F / h and E there, solved exactly by SymPy
    (the float inputs converted to exact rationals, the results rounded to float64)."""
    import sympy

    h = sympy.Symbol("h", positive=True)
    F, M, e = (sympy.Rational(v) for v in (f_abs, f2_abs, eps_mach))
    error = h * M / 2 + 2 * e * F / h
    (h_star,) = sympy.solve(sympy.diff(error, h), h)
    return np.array([float(h_star), float(error.subs(h, h_star))])


def _optimum_suspects(f_abs, f2_abs, eps_mach):
    """The classic slips of exercise 4 on one case: (diagnosis, [h, E]) pairs."""

    def error(h):
        return h * f2_abs / 2 + 2 * eps_mach * f_abs / h

    h_half = np.sqrt(2 * eps_mach * f_abs / f2_abs)  # both of the next two slips lead to this
    h_centered = (3 * eps_mach * f_abs / f2_abs) ** (1 / 3)
    h_no_two = np.sqrt(eps_mach * f_abs / f2_abs)
    no_two = (
        "Your h* is half the minimiser: dE/dh = M/2 − 2 ε_mach F / h² = 0 gives "
        "h² = 4 ε_mach F / M; check the factor that the square root of 4 brings out."
    )
    return (
        ("These are the centered difference's formulas, h* = (3 ε_mach F / M)^(1/3) with "
         "error h*² M / 2; for a forward difference the truncation term is h M / 2, "
         "linear in h.", np.array([h_centered, h_centered**2 * f2_abs / 2])),
        ("Your rounding term is ε_mach F / h, the error of one value of f: a forward "
         "difference subtracts two values, each off by up to ε_mach F, so it is 2 ε_mach F / h.",
         np.array([h_half, h_half * f2_abs / 2 + eps_mach * f_abs / h_half])),
        ("Your truncation term is h M: Taylor's theorem gives f(x + h) = f + h f' + h² f''/2 "
         "+ ..., so the forward difference is off by h M / 2.",
         np.array([h_half, h_half * f2_abs + 2 * eps_mach * f_abs / h_half])),
        (no_two, np.array([h_no_two, 2 * np.sqrt(eps_mach * f_abs * f2_abs)])),
        (no_two, np.array([h_no_two, error(h_no_two)])),
        ("This is the rule of thumb h = √ε_mach, which ignores |f| and |f''|: set dE/dh = 0 "
         "instead.", np.array([np.sqrt(eps_mach), error(np.sqrt(eps_mach))])),
    )  # fmt: skip


_ONLY_CLOSE = (
    "Your h* is right, but your E(h*) is only close to the model's value there: evaluate the "
    "formula of E at your h* (E is flat at its minimum, so h* may be a little off, E(h*) not)."
)


def _review_optimum(trial, answer, expected):
    """The trial with E(h*) judged at ``EXACT_RTOL`` (``grade`` judged both at ``STEP_RTOL``)."""
    if trial.wrong is None or answer is None:
        return trial  # no answer, or one of the wrong shape: grade has said so
    got = np.asarray(answer, dtype=np.float64)
    wrong = ~(np.abs(got - expected) <= np.array([STEP_RTOL, EXACT_RTOL]) * np.abs(expected))
    if trial.passed and wrong.any():
        return trial._replace(passed=False, wrong=wrong, diagnosis=_ONLY_CLOSE)
    return trial._replace(wrong=wrong)


def check_exercise_forward_difference_optimum(fn, *, strict=False):
    """Check ``fn(f_abs, f2_abs, eps_mach) -> [h*, E*]`` for the forward difference's error model.

    With F = |f(x)|, M = |f''(x)| and machine epsilon ε_mach, the forward difference's error is
    modelled as ``E(h) = h M / 2 + 2 ε_mach F / h`` (truncation plus the rounding of two values
    of f); the answer is the step h* minimising it, in closed form, and E(h*). SymPy solves
    dE/dh = 0 exactly. Six cases that the chapter does not print (F/M from 1/32 to 16; the
    ε_mach of float64, float32, float16 and bfloat16). h* is judged to a relative
    ``STEP_RTOL`` = 1e-6 (E is flat at its minimum, so a careful numerical minimisation passes
    too), E(h*) to ``EXACT_RTOL`` = 1e-8.

    Parameters
    ----------
    fn : callable
        ``fn(f_abs, f2_abs, eps_mach)`` with three positive floats; returns a length-2 array.
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses the centered difference's formulas, a rounding term of ε_mach F / h (one value
        of f), a truncation term of h M (the 1/2 lost), an h* missing its factor 2, the rule of
        thumb h = sqrt(ε_mach), and an E(h*) that is only close.

    Examples
    --------
    >>> def optimum(f_abs, f2_abs, eps_mach):
    ...     h = 2 * np.sqrt(eps_mach * f_abs / f2_abs)
    ...     return np.array([h, h * f2_abs / 2 + 2 * eps_mach * f_abs / h])
    >>> check_exercise_forward_difference_optimum(optimum).passed
    True
    >>> def thumb(f_abs, f2_abs, eps_mach):
    ...     h = np.sqrt(eps_mach)
    ...     return np.array([h, h * f2_abs / 2 + 2 * eps_mach * f_abs / h])
    >>> check_exercise_forward_difference_optimum(thumb).diagnosis[0][:32]
    'This is the rule of thumb h = √ε'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    problems = []
    for f_abs, f2_abs, eps_mach in _OPTIMUM_CASES:
        label = f"|f| = {f_abs:g}, |f''| = {f2_abs:g}, ε_mach = 2^{np.log2(eps_mach):.0f}"
        expected = _sympy_optimum(f_abs, f2_abs, eps_mach)
        suspects = _optimum_suspects(f_abs, f2_abs, eps_mach)
        problems.append(Problem(label, (f_abs, f2_abs, eps_mach), expected, suspects))
    reader = Recorder(fn)
    result = grade("the forward difference's best step", reader, problems, atol=0.0, rtol=STEP_RTOL)
    trials = [
        _review_optimum(t, a, p.expected)
        for t, a, p in zip(result.trials, reader.answers, problems)
    ]
    return finish(result, trials, strict=strict)
