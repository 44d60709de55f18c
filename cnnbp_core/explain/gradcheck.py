"""The numbers behind chapter 01's finite-difference figures and explorer (NumPy only).

A finite difference estimates f'(x) from two values of f. Taylor's theorem and the size of a
rounding error give each estimate two errors (derived in chapter 01), modelled here as

    forward   (f(x+h) - f(x)) / h         truncation h |f''| / 2      rounding 2 eps |f| / h
    centered  (f(x+h) - f(x-h)) / (2h)    truncation h^2 |f'''| / 6   rounding   eps |f| / h

with eps the machine epsilon of the precision. `fd_estimates` computes the two estimates and
their errors for a function of `FD_FUNCTIONS` in float32 or float64, `fd_error_model` the two
terms, and `fd_optimum` the step that minimises their sum. Everything is absolute error, the
quantity the model speaks of (chapter 01 explains the book's relative error separately).

The arithmetic does not depend on the CPU: polynomials and ReLU use NumPy's ``+ - * /`` and
``maximum``, each correctly rounded elementwise; sin and exp call Python's ``math`` module once
per value, never NumPy's vectorised transcendental functions (whose last bits differ between
SIMD kernels). The steps are 4-digit decimal numbers (`log_steps`), the same on every machine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..validation import as_float_array, as_int, as_real, is_numeric, one_of, positive

PRECISIONS = ("float64", "float32")
"""The floating-point precisions the estimates can be computed in."""


class FDFunction(NamedTuple):
    """A scalar function to differentiate numerically, at a chosen point.

    Attributes
    ----------
    label : str
        The function and the point, e.g. ``"x³ − 2x at x = 0.7"``.
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

    Examples
    --------
    >>> cubic = FD_FUNCTIONS["cubic"]
    >>> cubic.label, cubic.derivatives(0.5)
    ('x³ − 2x at x = 0.7', (-0.875, -1.25, 3.0, 6.0))
    >>> cubic.value(np.array([0.5], dtype=np.float32))
    array([-0.875], dtype=float32)
    """

    label: str
    x: float
    value: Callable
    derivatives: Callable
    kink: float | None = None


def _polynomial(coefficients):
    """``value(x)`` by Horner's rule in x's dtype, highest power first: the same on every CPU."""

    def value(x):
        out = np.zeros_like(x)
        for c in coefficients:
            out = out * x + x.dtype.type(c)
        return out

    return value


def _libm(fn):
    """``value(x)``: Python's math function once per entry, rounded to x's dtype."""

    def value(x):
        flat = [fn(float(v)) for v in x.ravel()]
        return np.array(flat, dtype=np.float64).astype(x.dtype).reshape(x.shape)

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
    ),
    "relu_near_kink": FDFunction(
        "ReLU at x = 0.001 (near its kink)", 0.001, _relu, _relu_derivatives, kink=0.0
    ),
    "relu_at_kink": FDFunction("ReLU at x = 0 (at its kink)", 0.0, _relu, _relu_derivatives, 0.0),
}
"""The functions of the finite-difference explorer, by name: smooth ones with and without a
truncation error, and ReLU near and at its kink."""


def log_steps(low, high, per_decade=4):
    """Steps from ``10**low`` to ``10**high``, ``per_decade`` of them per factor of ten.

    Each step is rounded to 4 significant digits (1e-06, 1.778e-06, 3.162e-06, ...), so it is the
    same decimal number, hence the same float, on every machine.

    Parameters
    ----------
    low, high : int
        Exponents of the smallest and the largest step, ``low <= high``.
    per_decade : int, >= 1

    Returns
    -------
    ndarray, shape ((high - low) * per_decade + 1,)

    Examples
    --------
    >>> log_steps(-2, 0, per_decade=2)
    array([0.01   , 0.03162, 0.1    , 0.3162 , 1.     ])
    """
    low = as_int(low, "low")
    high, per_decade = as_int(high, "high", low), as_int(per_decade, "per_decade", 1)
    exponents = range(low * per_decade, high * per_decade + 1)
    return np.array([float(f"{10.0 ** (k / per_decade):.4g}") for k in exponents])


EXPLORER_STEPS = log_steps(-16, 0)
"""The steps the explorer offers: 1e-16 to 1, four per decade."""


class FDEstimates(NamedTuple):
    """Forward and centered differences and the exact derivative they estimate.

    Arrays broadcast over (points, steps): shape ``(len(x), len(steps))`` for arrays of both,
    ``(len(steps),)`` at one point, a float for one point and one step.

    Examples
    --------
    >>> e = fd_estimates("cubic", 0.1)
    >>> round(e.exact, 12), round(e.centered_error, 12)  # the cubic's error is h² f'''/6 = h²
    (-0.53, 0.01)
    """

    step: np.ndarray
    exact: np.ndarray  # f'(x), float64
    forward: np.ndarray  # (f(x+h) - f(x)) / h, computed in the precision asked for
    centered: np.ndarray  # (f(x+h) - f(x-h)) / (2h)

    @property
    def forward_error(self):
        """``|forward - exact|``."""
        return _scalar(np.abs(self.forward - self.exact))

    @property
    def centered_error(self):
        """``|centered - exact|``."""
        return _scalar(np.abs(self.centered - self.exact))


def _function(name) -> FDFunction:
    return FD_FUNCTIONS[one_of(name, "name", tuple(FD_FUNCTIONS))]


def _dtype(precision):
    return np.dtype(one_of(precision, "precision", PRECISIONS)).type


def _steps(steps, ndim=(0, 1)):
    """Positive finite steps as a float64 array: 0-D for one step, else 1-D."""
    if not is_numeric(steps):
        as_float_array(steps, "steps")  # raises the book's TypeError for what is no number
    arr = np.asarray(steps, dtype=np.float64)
    if arr.ndim not in ndim:
        as_float_array(arr, "steps", ndim=1)  # raises: steps must be 1-D
    for s in arr.flat:
        positive(float(s), "steps")  # each > 0 and finite
    return arr


def _points(f, x):
    """The points (float64, 0-D or 1-D): the function's own point when x is None."""
    if x is None:
        return np.asarray(f.x, dtype=np.float64)
    if np.ndim(x) == 0:
        return np.asarray(as_real(x, "x", finite=True), dtype=np.float64)
    if not is_numeric(x):
        as_float_array(x, "x")
    arr = as_float_array(np.asarray(x, dtype=np.float64), "x", ndim=1)
    for v in arr:
        as_real(float(v), "x", finite=True)
    return arr


def _scalar(a):
    """A 0-D array as a Python float (or bool); other arrays unchanged."""
    return np.asarray(a).item() if np.ndim(a) == 0 else a


def fd_estimates(name, steps, precision="float64", *, x=None) -> FDEstimates:
    """Forward and centered differences of a function of `FD_FUNCTIONS`, in one precision.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    steps : float or 1-D array_like of floats > 0
        The step h (rounded to the precision first, as a program in that precision would).
    precision : {"float64", "float32"}
        The precision of every operation: x, h, x ± h, f and the quotient.
    x : float or 1-D array_like, optional
        Points; default the function's own point.

    Returns
    -------
    FDEstimates
        Float64 copies of the estimates; ``exact`` is f'(x) from `FDFunction.derivatives`.

    Examples
    --------
    >>> e = fd_estimates("square", [1e-3, 1.0])
    >>> e.forward.round(6), e.centered  # x² at x = 1: f' = 2, and a centered step is exact
    (array([2.001, 3.   ]), array([2., 2.]))
    >>> float(fd_estimates("cubic", 1e-9, "float32").centered)  # x ± h rounds to x in float32
    0.0
    >>> fd_estimates("relu_at_kink", [1e-3, 1.0]).centered  # neither derivative of the kink
    array([0.5, 0.5])
    """
    f, dtype, h = _function(name), _dtype(precision), _steps(steps)
    points = _points(f, x)
    exact = np.vectorize(lambda p: f.derivatives(float(p))[1], otypes=[float])(points)
    xs = points.astype(dtype)[..., None] if points.ndim else points.astype(dtype)
    hs = h.astype(dtype)
    f_plus, f_minus, f_here = f.value(xs + hs), f.value(xs - hs), f.value(xs + 0 * hs)
    forward = ((f_plus - f_here) / hs).astype(np.float64)
    centered = ((f_plus - f_minus) / (dtype(2) * hs)).astype(np.float64)
    exact = exact[..., None] if points.ndim else exact
    exact = np.broadcast_to(exact, forward.shape)
    return FDEstimates(
        _scalar(np.broadcast_to(h, forward.shape).copy()),
        _scalar(exact.copy()),
        _scalar(forward),
        _scalar(centered),
    )


class FDErrorModel(NamedTuple):
    """The modelled error terms of both estimates at each step (floats or arrays like steps).

    ``smooth`` says where the model applies: f is smooth on [x - h, x + h] (for ReLU, only
    while the step does not reach the kink; at the kink, nowhere).

    Examples
    --------
    >>> m = fd_error_model("cubic", 1e-4)
    >>> round(m.centered_truncation, 12), m.smooth  # h² |f'''| / 6 = 1e-8
    (1e-08, True)
    """

    step: np.ndarray
    forward_truncation: np.ndarray  # h |f''| / 2
    forward_rounding: np.ndarray  # 2 eps |f| / h
    centered_truncation: np.ndarray  # h² |f'''| / 6
    centered_rounding: np.ndarray  # eps |f| / h
    smooth: np.ndarray  # bool

    @property
    def forward(self):
        """The forward difference's modelled error: truncation + rounding."""
        return self.forward_truncation + self.forward_rounding

    @property
    def centered(self):
        """The centered difference's modelled error: truncation + rounding."""
        return self.centered_truncation + self.centered_rounding


def fd_error_model(name, steps, precision="float64") -> FDErrorModel:
    """The truncation and rounding terms of both estimates at the function's point.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    steps : float or 1-D array_like of floats > 0
    precision : {"float64", "float32"}
        Sets eps, the machine epsilon (2.2e-16 or 1.2e-7).

    Returns
    -------
    FDErrorModel

    Examples
    --------
    >>> m = fd_error_model("cubic", [1e-8, 1e-2])
    >>> [f"{t:.2g}" for t in (*m.forward_rounding, *m.forward_truncation)]
    ['4.7e-08', '4.7e-14', '2.1e-08', '0.021']
    >>> fd_error_model("relu_near_kink", [1e-4, 1e-2]).smooth  # the larger step reaches 0
    array([ True, False])
    """
    f, h = _function(name), _steps(steps)
    eps = float(np.finfo(_dtype(precision)).eps)
    value, _, second, third = (abs(d) for d in f.derivatives(f.x))
    smooth = np.ones(h.shape, bool) if f.kink is None else h < abs(f.x - f.kink)
    terms = (h * second / 2, 2 * eps * value / h, h**2 * third / 6, eps * value / h)
    return FDErrorModel(_scalar(h), *(_scalar(t) for t in terms), _scalar(smooth))


class FDOptimum(NamedTuple):
    """The step that minimises each modelled error, and that error.

    A step of ``inf`` means the truncation term is zero (only rounding is left: the larger the
    step, the better), or, for a function that is not smooth at its point, that the model does
    not apply; the error is then ``nan``.

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


def fd_optimum(name, precision="float64") -> FDOptimum:
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
    """
    f = _function(name)
    eps = float(np.finfo(_dtype(precision)).eps)
    value, _, second, third = (abs(d) for d in f.derivatives(f.x))
    if f.kink is not None and f.x == f.kink:
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
    >>> c = fd_error_curves("cubic", steps=log_steps(-12, 0))
    >>> c.best_forward, c.best_centered
    (1e-08, 1e-06)
    """

    steps: np.ndarray  # (S,)
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


def fd_error_curves(name, precision="float64", steps=None, *, x=None) -> FDCurves:
    """The errors of both estimates over a range of steps: what an error-vs-step plot shows.

    At one point the curve is ragged where rounding dominates (each step rounds differently);
    over many nearby points the median error follows the model's shape, so its smallest value
    marks the observed best step.

    Parameters
    ----------
    name : str
        A key of `FD_FUNCTIONS`.
    precision : {"float64", "float32"}
    steps : 1-D array_like of floats > 0, optional
        Default `EXPLORER_STEPS` (1e-16 to 1, four per decade).
    x : float or 1-D array_like, optional
        The point, or points whose median error is taken; default the function's point.

    Returns
    -------
    FDCurves

    Examples
    --------
    >>> c = fd_error_curves("cubic", "float32", log_steps(-8, 0), x=0.7 + np.arange(-4, 5) / 100)
    >>> c.forward.shape, c.best_centered
    ((33,), 0.003162)
    """
    steps = _steps(EXPLORER_STEPS if steps is None else steps, ndim=(1,))
    e = fd_estimates(name, steps, precision, x=x)
    forward, centered = np.asarray(e.forward_error), np.asarray(e.centered_error)
    if forward.ndim == 2:  # (points, steps): the median over the points
        forward, centered = np.median(forward, axis=0), np.median(centered, axis=0)
    return FDCurves(steps, forward, centered)
