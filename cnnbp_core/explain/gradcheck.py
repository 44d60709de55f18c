"""The numbers behind chapter 01's finite-difference figures and explorer (NumPy only).

A finite difference estimates f'(x) from two values of f. Taylor's theorem and the size of a
rounding error give each estimate two errors (derived in chapter 01), modelled here as

    forward   (f(x+h) - f(x)) / h         truncation h |f''| / 2      rounding 2 eps |f| / h
    centered  (f(x+h) - f(x-h)) / (2h)    truncation h^2 |f'''| / 6   rounding   eps |f| / h

with eps the machine epsilon of the precision (`machine_epsilon`). `fd_estimates` computes the
two estimates and their errors for a function of `FD_FUNCTIONS` in float32 or float64,
`fd_error_model` the two terms, `fd_optimum` the step that minimises their sum,
`fd_error_curves` the errors over a grid of steps, `fd_error_panel` everything an error-vs-step
plot draws, and `fd_regime` which case of the chapter a step falls in (the explorer words it).
Everything is absolute error, the quantity the model speaks of (chapter 01 explains the book's
relative error separately).

Which digits are the same on every machine. The polynomials (``cubic``, ``square``) and ReLU
use NumPy's ``+ - * /`` and ``maximum`` only, each correctly rounded (IEEE 754), so their
values, estimates and errors are the same everywhere, to the last bit: safe to draw and print
at rounding level. sin and exp call Python's ``math`` module once per value, which calls the
platform's C maths library (libm): accurate to about one unit in the last place but not
correctly rounded, so where rounding dominates their errors may differ in the last digits from
one platform to another (where truncation dominates, they do not). The steps are 4-digit
decimal numbers (`log_steps`), the same on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..validation import (
    as_int,
    choice,
    finite_array,
    in_interval,
    int_between,
    positive_normal,
)

PRECISIONS = ("float64", "float32")
"""The floating-point precisions the estimates can be computed in."""


class FDFunction(NamedTuple):
    """A scalar function to differentiate numerically, at a chosen point.

    Attributes
    ----------
    label : str
        ``"<formula> at x = <x>"``, with a note in brackets, e.g. ``"x³ − 2x at x = 0.7"``.
    x : float
        The point where f'(x) is estimated.
    value : callable
        ``value(x) -> f(x)`` for an ndarray ``x``, computed in ``x``'s dtype.
    derivatives : callable
        ``derivatives(x) -> (f, f', f'', f''')`` at a float ``x``, exact in float64 (where f is
        not differentiable, the convention of the core: ReLU'(0) = 0).
    kink : float or None
        Where f is not smooth (Taylor's theorem fails on an interval containing it); None when f
        is smooth everywhere.
    domain : (float, float)
        Where f may be evaluated: f, its derivatives and the error model stay finite there in
        both precisions (exp overflows float32 beyond 88). Every x ± h must lie in it.

    Examples
    --------
    >>> cubic = FD_FUNCTIONS["cubic"]
    >>> cubic.label, cubic.formula, cubic.derivatives(0.5)
    ('x³ − 2x at x = 0.7', 'x³ − 2x', (-0.875, -1.25, 3.0, 6.0))
    >>> cubic.value(np.array([0.5], dtype=np.float32))
    array([-0.875], dtype=float32)
    """

    label: str
    x: float
    value: Callable
    derivatives: Callable
    kink: float | None = None
    domain: tuple = (-1e6, 1e6)

    @property
    def formula(self) -> str:
        """The function without its point: the label up to ``" at "`` (``"x³ − 2x"``)."""
        return self.label.split(" at ")[0]


def _polynomial(coefficients):
    """``value(x)`` by Horner's rule in x's dtype, highest power first: the same on every CPU."""

    def value(x):
        out = np.zeros_like(x)
        for c in coefficients:
            out = out * x + x.dtype.type(c)
        return out

    return value


def _libm(fn):
    """``value(x)``: Python's math function (the platform's libm) once per entry, rounded to
    x's dtype."""

    def value(x):
        flat = [fn(float(v)) for v in np.ravel(x)]
        return np.array(flat, dtype=np.float64).astype(x.dtype).reshape(np.shape(x))

    return value


def _relu(x):
    return np.maximum(x, x.dtype.type(0))


def _relu_derivatives(x):
    return (max(x, 0.0), 1.0 if x > 0 else 0.0, 0.0, 0.0)


FD_FUNCTIONS = {
    "cubic": FDFunction(
        "x³ − 2x at x = 0.7",
        0.7,
        _polynomial((1.0, 0.0, -2.0, 0.0)),
        lambda x: (x**3 - 2 * x, 3 * x**2 - 2, 6 * x, 6.0),
    ),
    "square": FDFunction(
        "x² at x = 1 (f''' = 0)",
        1.0,
        _polynomial((1.0, 0.0, 0.0)),
        lambda x: (x * x, 2 * x, 2.0, 0.0),
    ),
    "sin": FDFunction(
        "sin x at x = 1",
        1.0,
        _libm(math.sin),
        lambda x: (math.sin(x), math.cos(x), -math.sin(x), -math.cos(x)),
    ),
    "exp": FDFunction(
        "exp x at x = 1",
        1.0,
        _libm(math.exp),
        lambda x: (math.exp(x),) * 4,
        domain=(-80.0, 80.0),
    ),
    "relu_near_kink": FDFunction(
        "ReLU at x = 0.001 (near its kink)", 0.001, _relu, _relu_derivatives, kink=0.0
    ),
    "relu_at_kink": FDFunction("ReLU at x = 0 (at its kink)", 0.0, _relu, _relu_derivatives, 0.0),
}
"""The functions of the finite-difference explorer, by name: smooth ones with and without a
truncation error, and ReLU near and at its kink. ``cubic``, ``square`` and the two ReLUs are
computed with correctly rounded arithmetic only (the same bits on every machine); ``sin`` and
``exp`` call libm (see the module's docstring)."""


def fd_function(name) -> FDFunction:
    """The function of `FD_FUNCTIONS` called ``name``: the one check of a function's name.

    Examples
    --------
    >>> fd_function("sin").x
    1.0
    >>> fd_function("tanh")
    Traceback (most recent call last):
    ValueError: name must be one of ('cubic', 'square', 'sin', 'exp', 'relu_near_kink', 'relu_at_kink'); got 'tanh'
    >>> fd_function(np.array(["sin"]))
    Traceback (most recent call last):
    TypeError: name must be a str, one of ('cubic', 'square', 'sin', 'exp', 'relu_near_kink', 'relu_at_kink'); got array(['sin'], dtype='<U3') (ndarray)
    """  # noqa: E501
    return FD_FUNCTIONS[choice(name, "name", tuple(FD_FUNCTIONS))]


def _dtype(precision):
    return np.dtype(choice(precision, "precision", PRECISIONS)).type


def machine_epsilon(precision) -> float:
    """The machine epsilon of a precision of `PRECISIONS`: the gap between 1 and the next number.

    >>> machine_epsilon("float64"), machine_epsilon("float32")
    (2.220446049250313e-16, 1.1920928955078125e-07)
    """
    return float(np.finfo(_dtype(precision)).eps)


def log_steps(low, high, per_decade=4):
    """Steps from ``10**low`` to ``10**high``, ``per_decade`` of them per factor of ten.

    Each step is rounded to 4 significant digits (1e-06, 1.778e-06, 3.162e-06, ...), so it is the
    same decimal number, hence the same float, on every machine.

    Parameters
    ----------
    low, high : int
        Exponents of the smallest and the largest step, ``-307 <= low <= high <= 308`` (the
        normal float64 numbers).
    per_decade : int, >= 1

    Returns
    -------
    ndarray, shape ((high - low) * per_decade + 1,)

    Examples
    --------
    >>> log_steps(-2, 0, per_decade=2)
    array([0.01   , 0.03162, 0.1    , 0.3162 , 1.     ])
    >>> log_steps(0, 400)
    Traceback (most recent call last):
    ValueError: high must lie in [0, 308]; got 400
    """
    low = int_between(low, "low", -307, 308)
    high, per_decade = int_between(high, "high", low, 308), as_int(per_decade, "per_decade", 1)
    exponents = range(low * per_decade, high * per_decade + 1)
    return np.array([float(f"{10.0 ** (k / per_decade):.4g}") for k in exponents])


class StepGrid(NamedTuple):
    """A log grid of steps: ``log_steps(low, high, per_decade)``.

    Examples
    --------
    >>> EXPLORER_GRID.index(1e-4), float(EXPLORER_STEPS[EXPLORER_GRID.index(1e-4)])
    (48, 0.0001)
    """

    low: int  # log10 of the smallest step
    high: int  # log10 of the largest step
    per_decade: int  # steps per factor of ten

    def index(self, step) -> int:
        """The index of the grid step nearest to ``step`` on a log scale (clipped to the grid)."""
        k = round(self.per_decade * (math.log10(step) - self.low))
        return min(max(k, 0), (self.high - self.low) * self.per_decade)


EXPLORER_GRID = StepGrid(-16, 0, 4)
"""The explorer's steps as a grid: 1e-16 to 1, four per decade (its slider, plot and ticks)."""

EXPLORER_STEPS = log_steps(*EXPLORER_GRID)
"""The steps the explorer offers: 1e-16 to 1, four per decade."""


def _steps(steps, dtype, ndims=(0, 1)) -> np.ndarray:
    """Positive steps rounded to the precision, where each must stay a normal number."""
    return positive_normal(finite_array(steps, "steps", ndims, positive=True), "steps", dtype)


def _points(f, x, ndims=(0, 1)) -> np.ndarray:
    """The points as float64 (0-D or 1-D): the function's own point when x is None."""
    return np.asarray(f.x, dtype=np.float64) if x is None else finite_array(x, "x", ndims)


def _check_domain(f, points, h) -> None:
    """Every x ± h must lie in f's domain (where f stays finite in both precisions)."""
    low, high = f.domain
    where = f"(x of shape {points.shape}, steps of shape {h.shape}; the domain of f = "
    where += f"{f.formula}, where it stays finite in float32)"
    in_interval(float(points.max() + h.max()), f"x + h {where}", low, high, closed="both")
    in_interval(float(points.min() - h.max()), f"x − h {where}", low, high, closed="both")


def _outer(points, h):
    """``points`` shaped to broadcast against ``h``: (P, 1) when both are 1-D, else as is."""
    return points[:, None] if points.ndim and h.ndim else points


def _derivatives(f, points) -> np.ndarray:
    """``(f, f', f'', f''')`` at each point, float64: shape (4,) + points.shape."""
    values = [f.derivatives(float(p)) for p in points.ravel()]
    return np.array(values, dtype=np.float64).T.reshape((4, *points.shape))


def _scalar(a):
    """A 0-D array as a Python float (or bool); other arrays unchanged."""
    return np.asarray(a).item() if np.ndim(a) == 0 else a


class FDEstimates(NamedTuple):
    """Forward and centered differences and the exact derivative they estimate.

    Each field broadcasts over the points and the steps: shape (P, S) for P points and S steps
    (both 1-D), (S,) at one point, (P,) for one step, a float for one of each.

    Examples
    --------
    >>> e = fd_estimates("cubic", 0.1)
    >>> round(e.exact, 12), round(e.centered_error, 12)  # the cubic's error is h² f'''/6 = h²
    (-0.53, 0.01)
    """

    step: np.ndarray  # h as used: rounded to the precision (a float64 copy)
    exact: np.ndarray  # f'(x), float64
    forward: np.ndarray  # (f(x+h) - f(x)) / h, computed in the precision asked for
    centered: np.ndarray  # (f(x+h) - f(x-h)) / (2h), likewise

    @property
    def forward_error(self):
        """``|forward - exact|``."""
        return _scalar(np.abs(self.forward - self.exact))

    @property
    def centered_error(self):
        """``|centered - exact|``."""
        return _scalar(np.abs(self.centered - self.exact))


def fd_estimates(name, steps, precision="float64", *, x=None) -> FDEstimates:
    """Forward and centered differences of a function of `FD_FUNCTIONS`, in one precision.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    steps : float or 1-D array_like of floats > 0
        The step h. It is rounded to the precision first, as a program in that precision would,
        and must stay a normal number there (1e-300 rounds to 0 in float32: rejected).
    precision : {"float64", "float32"}
        The precision of every operation: x, h, x ± h, f and the quotient.
    x : float or 1-D array_like, optional
        Points; default the function's own point. Every x ± h must lie in the function's
        `FDFunction.domain`.

    Returns
    -------
    FDEstimates
        Float64 copies of the estimates and of the step as used; ``exact`` is f'(x) from
        `FDFunction.derivatives`. Shapes: see `FDEstimates`.

    Examples
    --------
    >>> e = fd_estimates("square", [1e-3, 1.0])
    >>> e.forward.round(6), e.centered  # x² at x = 1: f' = 2, and a centered step is exact
    (array([2.001, 3.   ]), array([2., 2.]))
    >>> float(fd_estimates("cubic", 1e-9, "float32").centered)  # x ± h rounds to x in float32
    0.0
    >>> fd_estimates("cubic", 0.1, "float32").step  # 0.1 rounded to float32
    0.10000000149011612
    >>> fd_estimates("relu_at_kink", [1e-3, 1.0]).centered  # neither derivative of the kink
    array([0.5, 0.5])
    >>> fd_estimates("relu_at_kink", 1.0, x=[-1.0, 2.0]).forward.shape  # two points, one step
    (2,)
    >>> fd_estimates("exp", 1000.0)
    Traceback (most recent call last):
    ValueError: x + h (x of shape (), steps of shape (); the domain of f = exp x, where it stays finite in float32) must lie in [-80, 80]; got 1001.0
    """  # noqa: E501
    f, dtype = fd_function(name), _dtype(precision)
    h = _steps(steps, dtype)  # (S,) or (), in the precision
    points = _points(f, x)  # (P,) or (), float64
    _check_domain(f, points, h)
    xs = _outer(points.astype(dtype), h)  # (P, 1), (P,) or (): broadcasts with h to the result
    shape = np.broadcast_shapes(xs.shape, h.shape)  # (P, S), (S,), (P,) or ()
    f_plus, f_minus = f.value(xs + h), f.value(xs - h)  # each of `shape`, in the precision
    f_here = f.value(np.broadcast_to(xs, shape).copy())
    forward = ((f_plus - f_here) / h).astype(np.float64)  # `shape`
    centered = ((f_plus - f_minus) / (dtype(2) * h)).astype(np.float64)  # `shape`
    exact = _outer(_derivatives(f, points)[1], h)  # f'(x): (P, 1), (P,) or ()
    return FDEstimates(
        _scalar(np.broadcast_to(h.astype(np.float64), shape).copy()),
        _scalar(np.broadcast_to(exact, shape).copy()),
        _scalar(forward),
        _scalar(centered),
    )


class FDErrorModel(NamedTuple):
    """The modelled error terms of both estimates at each step (floats or arrays).

    Shapes as in `FDEstimates`. ``smooth`` says where the model applies: f is smooth on the
    centered difference's interval [x - h, x + h], which contains the forward one's [x, x + h]
    (for ReLU: while h <= |x - kink|, so x - h may land on the kink; at the kink, nowhere).

    Examples
    --------
    >>> m = fd_error_model("cubic", 1e-4)
    >>> round(m.centered_truncation, 12), m.smooth  # h² |f'''| / 6 = 1e-8
    (1e-08, True)
    """

    step: np.ndarray  # h as used: rounded to the precision (a float64 copy)
    forward_truncation: np.ndarray  # h |f''| / 2
    forward_rounding: np.ndarray  # 2 eps |f| / h
    centered_truncation: np.ndarray  # h² |f'''| / 6
    centered_rounding: np.ndarray  # eps |f| / h
    smooth: np.ndarray  # bool: f is smooth on [x - h, x + h]

    @property
    def forward(self):
        """The forward difference's modelled error: truncation + rounding."""
        return self.forward_truncation + self.forward_rounding

    @property
    def centered(self):
        """The centered difference's modelled error: truncation + rounding."""
        return self.centered_truncation + self.centered_rounding


def fd_error_model(name, steps, precision="float64", *, x=None) -> FDErrorModel:
    """The truncation and rounding terms of both estimates.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    steps : float or 1-D array_like of floats > 0
        Rounded to the precision first, as in `fd_estimates`.
    precision : {"float64", "float32"}
        Sets eps, the machine epsilon (2.2e-16 or 1.2e-7).
    x : float or 1-D array_like, optional
        Points; default the function's own point.

    Returns
    -------
    FDErrorModel
        Shapes as in `FDEstimates`.

    Examples
    --------
    >>> m = fd_error_model("cubic", [1e-8, 1e-2])
    >>> [f"{t:.2g}" for t in (*m.forward_rounding, *m.forward_truncation)]
    ['4.7e-08', '4.7e-14', '2.1e-08', '0.021']
    >>> fd_error_model("relu_near_kink", [1e-4, 1e-3, 1e-2]).smooth  # x - h reaches 0 at 1e-3
    array([ True,  True, False])
    >>> fd_error_model("cubic", 1e-2, x=[0.0, 1.0]).forward_truncation  # h |6x| / 2
    array([0.  , 0.03])
    """
    f, dtype = fd_function(name), _dtype(precision)
    h = _steps(steps, dtype).astype(np.float64)  # (S,) or (), as used
    points = _points(f, x)  # (P,) or ()
    _check_domain(f, points, h)
    d = np.abs(_derivatives(f, points))  # |f|, |f'|, |f''|, |f'''|: (4, P) or (4,)
    value, second, third = (_outer(d[k], h) for k in (0, 2, 3))  # each (P, 1), (P,) or ()
    eps = machine_epsilon(precision)
    terms = (h * second / 2, 2 * eps * value / h, h**2 * third / 6, eps * value / h)
    smooth = np.ones(np.broadcast_shapes(value.shape, h.shape), bool)
    if f.kink is not None:  # x as used (rounded): x - h may land exactly on the kink
        reach = np.abs(_outer(points.astype(dtype).astype(np.float64), h) - f.kink)
        smooth = h <= reach
    return FDErrorModel(
        _scalar(np.broadcast_to(h, smooth.shape).copy()),
        *(_scalar(np.broadcast_to(t, smooth.shape).copy()) for t in terms),
        _scalar(smooth),
    )


class FDOptimum(NamedTuple):
    """The step that minimises each modelled error, and that error.

    A step of ``inf`` means the truncation term is zero (only rounding is left: the larger the
    step, the better, within the model's limits, see `fd_regime`), or, for a function that is
    not smooth at its point, that the model does not apply; the error is then ``nan``. Where
    f(x) = 0 the rounding term vanishes and the step is 0 (the model does not see the rounding
    of f(x ± h)).

    Examples
    --------
    >>> o = fd_optimum("square")  # f''' = 0: a centered difference has no truncation error
    >>> o.centered_step, f"{o.forward_step:.1e}"
    (inf, '2.1e-08')
    """

    forward_step: float  # 2 sqrt(eps |f| / |f''|)
    forward_error: float  # 2 sqrt(eps |f| |f''|)
    centered_step: float  # (3 eps |f| / |f'''|)^(1/3)
    centered_error: float  # h*² |f'''| / 2


def fd_optimum(name, precision="float64", *, x=None) -> FDOptimum:
    """The predicted best step of each estimate: where its two modelled terms balance.

    Setting the derivative of ``h M / 2 + 2 eps F / h`` (forward) or ``h² M / 6 + eps F / h``
    (centered) to zero, with F = |f(x)| and M = |f''(x)| or |f'''(x)|, gives

        forward   h* = 2 sqrt(eps F / M),      error 2 sqrt(eps F M)
        centered  h* = (3 eps F / M)^(1/3),    error h*² M / 2.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    precision : {"float64", "float32"}
    x : float, optional
        The point; default the function's own point.

    Returns
    -------
    FDOptimum

    Examples
    --------
    >>> o = fd_optimum("cubic")
    >>> f"{o.forward_step:.1e}  {o.centered_step:.1e}  {o.centered_error:.0e}"
    '1.5e-08  4.9e-06  7e-11'
    >>> f"{fd_optimum('cubic', 'float32').centered_step:.1e}"
    '4.0e-03'
    >>> f"{fd_optimum('cubic', x=2.0).forward_step:.1e}"  # |f| = 4, f'' = 12
    '1.7e-08'
    """
    f, eps = fd_function(name), machine_epsilon(precision)
    point = float(_points(f, x, ndims=(0,)))
    _check_domain(f, np.asarray(point), np.asarray(0.0))
    value, _, second, third = (abs(d) for d in f.derivatives(point))
    if f.kink is not None and point == f.kink:
        return FDOptimum(math.inf, math.nan, math.inf, math.nan)
    forward = (math.inf, math.nan)
    if second > 0:
        forward = (2 * math.sqrt(eps * value / second), 2 * math.sqrt(eps * value * second))
    if third == 0:
        return FDOptimum(*forward, math.inf, math.nan)
    centered = (3 * eps * value / third) ** (1 / 3)
    return FDOptimum(*forward, centered, centered**2 * third / 2)


class FDCurves(NamedTuple):
    """The error of each estimate at every step, and the step where it is smallest.

    Examples
    --------
    >>> c = fd_error_curves("cubic", log_steps(-12, 0))
    >>> c.best_forward, c.best_centered
    (1e-08, 1e-06)
    """

    steps: np.ndarray  # (S,) the steps asked for (each used rounded to the precision)
    forward: np.ndarray  # (S,) |forward difference - f'(x)|, the median over the points
    centered: np.ndarray  # (S,) |centered difference - f'(x)|, likewise

    @property
    def best_forward(self) -> float:
        """The step of the smallest forward-difference error (the first, on a tie)."""
        return float(self.steps[np.argmin(self.forward)])

    @property
    def best_centered(self) -> float:
        """The step of the smallest centered-difference error (the first, on a tie)."""
        return float(self.steps[np.argmin(self.centered)])


def fd_error_curves(name, steps=None, precision="float64", *, x=None) -> FDCurves:
    """The errors of both estimates over a range of steps: what an error-vs-step plot shows.

    At one point the curve is ragged where rounding dominates (each step rounds differently);
    over many nearby points the median error follows the model's shape, so its smallest value
    marks the observed best step.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    steps : 1-D array_like of floats > 0, optional
        Default `EXPLORER_STEPS` (1e-16 to 1, four per decade).
    precision : {"float64", "float32"}
    x : float or 1-D array_like, optional
        The point, or points whose median error is taken; default the function's point.

    Returns
    -------
    FDCurves

    Examples
    --------
    >>> points = 0.7 + np.arange(-4, 5) / 100
    >>> c = fd_error_curves("cubic", log_steps(-8, 0), "float32", x=points)
    >>> c.forward.shape, c.best_centered
    ((33,), 0.003162)

    The order is (name, steps, precision), as for `fd_estimates`; the older order
    (name, precision, steps) is refused:

    >>> fd_error_curves("cubic", "float32", log_steps(-8, 0))
    Traceback (most recent call last):
    TypeError: steps must be a number or an array of numbers, 1-D; got 'float32' (str)
    """
    steps = finite_array(EXPLORER_STEPS if steps is None else steps, "steps", (1,), positive=True)
    e = fd_estimates(name, steps, precision, x=x)
    forward, centered = np.asarray(e.forward_error), np.asarray(e.centered_error)
    if forward.ndim == 2:  # (P, S): the median over the points
        forward, centered = np.median(forward, axis=0), np.median(centered, axis=0)
    return FDCurves(steps, forward, centered)


class FDPanel(NamedTuple):
    """Everything one error-vs-step plot draws, for one precision.

    The measured errors and the model are taken over the same points (the median, with
    several), and the model is NaN where it does not apply at every point (a step reaching a
    kink); the predicted best steps are those of the middle point (the median of the points).

    Examples
    --------
    >>> p = fd_error_panel("relu_near_kink", [1e-4, 1e-2])
    >>> np.isnan(p.centered_model), p.optimum.centered_step  # no model once h reaches the kink
    (array([False,  True]), inf)
    """

    x: np.ndarray  # (P,) or (): the points
    curves: FDCurves  # measured errors (median over the points) and observed best steps
    forward_model: np.ndarray  # (S,) the model's truncation + rounding, median over the points
    centered_model: np.ndarray  # (S,) likewise
    optimum: FDOptimum  # the predicted best steps at the middle point


def fd_error_panel(name, steps=None, precision="float64", *, x=None) -> FDPanel:
    """The measured errors, the model and the predicted best steps, over the same points.

    Parameters
    ----------
    name, steps, precision, x
        As for `fd_error_curves`.

    Returns
    -------
    FDPanel

    Examples
    --------
    >>> p = fd_error_panel("cubic", log_steps(-8, 0), x=[0.6, 0.7, 0.8])
    >>> p.forward_model.shape, f"{p.optimum.forward_step:.2g}"  # h* at x = 0.7
    ((33,), '1.5e-08')
    """
    curves = fd_error_curves(name, steps, precision, x=x)
    f = fd_function(name)
    points = _points(f, x)
    model = fd_error_model(name, curves.steps, precision, x=points)
    forward, centered = (np.where(model.smooth, m, np.nan) for m in (model.forward, model.centered))
    if points.ndim:  # (P, S): the median over the points, NaN where any point has no model
        forward, centered = np.median(forward, axis=0), np.median(centered, axis=0)
    optimum = fd_optimum(name, precision, x=float(np.median(points)))
    return FDPanel(points, curves, forward, centered, optimum)


REGIMES = ("at_kink", "past_kink", "x_plus_h_is_x", "no_truncation", "truncation", "rounding")
"""The cases of chapter 01 a step can fall in, in the order `fd_regime` tests them."""


class FDRegime(NamedTuple):
    """Which case a step falls in, with the numbers that explain it (`fd_regime`).

    ``kind`` is the first of `REGIMES` that applies:

    - ``at_kink``: x is f's kink; f has no derivative there and no step helps.
    - ``past_kink``: h > |x − kink|, so [x − h, x + h] contains the kink: no model.
    - ``x_plus_h_is_x``: x + h rounds to x in the precision, so the forward difference is 0.
    - ``no_truncation``: f''' = 0 on [x − h, x + h]: the centered difference has only rounding.
    - ``truncation`` or ``rounding``: the larger term of the centered difference's model.

    Examples
    --------
    >>> r = fd_regime("relu_near_kink", 1e-3)  # x - h lands on the kink: still smooth
    >>> r.kind, r.reach
    ('no_truncation', 0.001)
    >>> fd_regime("cubic", 1e-4).kind, fd_regime("cubic", 1e-9).kind
    ('truncation', 'rounding')
    """

    kind: str  # one of REGIMES
    step: float  # h as used, rounded to the precision
    kink: float | None  # where f is not smooth (None if nowhere)
    reach: float  # |x - kink|: the largest step keeping the kink out of [x - h, x + h] (or inf)
    slopes: tuple  # (left, right): f's one-sided slopes at the kink; (nan, nan) without one
    half_gap: float  # half the gap from x to the next number: below it, x + h rounds to x
    x_minus_h_is_x: bool  # x - h rounds to x as well (then the centered difference is 0 too)
    scale: float  # |f(x) / f'(x)|: the rounding model assumes h well below it (f(x ± h) ≈ f(x))
    floor: float  # eps |f'(x)|: where the rounding error stops falling once h passes `scale`
    optimum: FDOptimum  # the predicted best steps


def _kind(f, xr, model, optimum, plus_is_x) -> str:
    """The first case of `REGIMES` that applies (see `FDRegime`)."""
    if f.kink is not None and xr == f.kink:
        return "at_kink"
    if not model.smooth:
        return "past_kink"
    if plus_is_x:
        return "x_plus_h_is_x"
    if not math.isfinite(optimum.centered_step):
        return "no_truncation"
    return "truncation" if model.centered_truncation > model.centered_rounding else "rounding"


def fd_regime(name, step, precision="float64", *, x=None) -> FDRegime:
    """Which case of chapter 01 the step ``h`` falls in, and the numbers that explain it.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    step : float > 0
    precision : {"float64", "float32"}
    x : float, optional
        The point; default the function's own point.

    Returns
    -------
    FDRegime

    Examples
    --------
    >>> r = fd_regime("cubic", 1e-9, "float32")
    >>> r.kind, r.x_minus_h_is_x, f"{r.half_gap:.2g}"  # half the float32 gap at 0.7
    ('x_plus_h_is_x', True, '3e-08')
    >>> fd_regime("relu_at_kink", 1e-2).slopes
    (0.0, 1.0)
    """
    f, dtype = fd_function(name), _dtype(precision)
    h = dtype(_steps(step, dtype, ndims=(0,)))
    point = float(_points(f, x, ndims=(0,)))
    model = fd_error_model(name, float(h), precision, x=point)
    optimum = fd_optimum(name, precision, x=point)
    xd = dtype(point)  # x as used
    value, slope = f.derivatives(point)[:2]
    slopes = (math.nan, math.nan)
    if f.kink is not None:
        slopes = tuple(f.derivatives(math.nextafter(f.kink, s))[1] for s in (-math.inf, math.inf))
    return FDRegime(
        _kind(f, float(xd), model, optimum, bool(xd + h == xd)),
        float(h),
        f.kink,
        math.inf if f.kink is None else abs(float(xd) - f.kink),
        slopes,
        float(abs(np.spacing(xd))) / 2,
        bool(xd - h == xd),
        abs(value / slope) if slope else math.inf,
        machine_epsilon(precision) * abs(slope),
        optimum,
    )
