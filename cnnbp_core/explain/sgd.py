"""The numbers behind chapter 02's gradient-descent figures and explorer (NumPy only).

The problem: fit a line ``y ≈ w·x + b`` to the 20 points `LINE_X`, `LINE_Y` by the mean squared
error, a loss of the two parameters θ = (w, b),

    L(θ) = 1/N Σ_n (w x_n + b − y_n)² = L* + ½ (θ − θ*)ᵀ H (θ − θ*),
    H = 2/N AᵀA = 2 [[mean x², mean x], [mean x, 1]],   A = [x, 1] (N, 2).

The loss and its gradient come from the core (`F.linear_forward` with X = x as an (N, 1) batch
and W = [[w]], then `F.mse_forward`, and back through `F.mse_backward` and
`F.linear_backward`), so the explorer runs the very backward passes chapter 02 derives. The
x's are not centred (they run from 0.5 to 2.875), so w and b are coupled: the Hessian's
condition number λ_max / λ_min is about 35 and the contours are long thin ellipses.

Gradient descent θ ← θ − lr ∇L(θ) multiplies the offset θ − θ* along each eigenvector of H by
1 − lr·λ per step, so along the steepest one it

- shrinks without changing sign while lr < 1/λ_max;
- overshoots and changes sign each step, still shrinking, while 1/λ_max < lr < 2/λ_max;
- grows, changing sign, once lr > 2/λ_max (`LineFit.stability_bound`): the iterates diverge.

Below 2/λ_max every component shrinks in size, so the loss L − L* = ½ Σ_i λ_i c_i² (c_i the
offset's components along the eigenvectors) falls at every step, whether or not the iterates
oscillate. Whether a step budget is enough is a second question: it is when the excess loss
L − L* has fallen to `GOOD_FRACTION` of the start's.

`line_fit` holds the problem's numbers (H, its eigenvalues, the minimiser, the bounds),
`gd_path` runs gradient descent, `lr_regime` answers both questions for a learning rate and a
step budget (which of `RATE_REGIMES` the rate is in, whether the budget is enough), with the
numbers that decide them, `predicted_excess` and `best_rate` give the excess loss any rate
leaves after a budget from the eigen-decomposition, and `loss_grid` evaluates L over a box for
contour plots. `GD_LEARNING_RATES` and `GD_MAX_STEPS` are the explorer's grid.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..validation import (
    as_int,
    check_shape,
    finite_array,
    in_interval,
    instance_of,
    int_between,
    pair,
    positive,
)
from .gradcheck import log_steps

# x_n = 0.5 + n/8: exact binary fractions, so every machine holds the same numbers
LINE_X = 0.5 + 0.125 * np.arange(20)
"""The 20 inputs x_n = 0.5 + n/8, from 0.5 to 2.875 (not centred: w and b are coupled)."""
LINE_Y = np.array(
    [0.58, -0.12, -0.05, 0.37, 0.30, 1.42, 1.38, 1.49, 1.94, 1.43,
     1.37, 2.13, 2.31, 2.09, 2.76, 3.28, 2.76, 3.21, 3.45, 3.68]
)  # fmt: skip
"""The 20 targets: 1.5 x − 0.8 plus noise, rounded to two decimals (fixed numbers, no seed)."""
LINE_X.setflags(write=False)
LINE_Y.setflags(write=False)

GD_START = (-1.0, 2.0)
"""Where gradient descent starts: θ₀ = (w, b) = (−1, 2), off both axes of the ellipses."""
GD_MAX_STEPS = 100
"""The explorer's largest step budget (its steps slider runs from 1 to it)."""
GD_EXPLORER_STATE = (0.1778, 30)
"""The explorer's starting state (learning rate, steps): an oscillating path that converges."""
GOOD_FRACTION = 0.01
"""A budget is enough when the excess loss L − L* has fallen to this fraction of its value at
the start, or below (`LRRegime.enough`)."""
ESCAPE_RADIUS = 1e6
"""`gd_path` stops before an iterate farther than this from the minimiser θ* (the loss there is
about λ_max/2 · 1e12, still far from overflowing)."""
START_RADIUS = 1e3
"""A start must lie within this distance of θ* (so its loss is finite and moderate)."""
GD_BOX = ((-1.5, 3.5), (-2.0, 3.0))
"""The box the contours and the path are drawn in: (w range, b range), equal lengths."""
LR_REGIMES = ("too small", "good", "oscillating", "diverging")
"""One word for a learning rate and a budget (`LRRegime.kind`): the rate's regime, with the
rates below 1/λ_max split by whether the budget was enough. The two questions apart:
`RATE_REGIMES` and `LRRegime.enough`."""
RATE_REGIMES = ("no overshoot", "oscillating", "diverging")
"""What a learning rate does on the line fit, whatever the budget (`LRRegime.rate`): below
1/λ_max no component overshoots; up to 2/λ_max the steep one changes sign each step but
shrinks; above, it grows."""


class LineFit(NamedTuple):
    """The line-fit problem's numbers: data, Hessian, eigen-decomposition, minimiser.

    Examples
    --------
    >>> fit = line_fit()
    >>> round(fit.condition_number, 2), round(fit.stability_bound, 4)
    (34.68, 0.2356)
    >>> round(fit.oscillation_onset, 4), round(fit.optimal_lr, 4)
    (0.1178, 0.229)
    """

    x: np.ndarray  # (N,) inputs
    y: np.ndarray  # (N,) targets
    hessian: np.ndarray  # (2, 2) H = 2/N AᵀA, in (w, b) order
    eigenvalues: np.ndarray  # (2,) λ_min, λ_max (ascending)
    eigenvectors: np.ndarray  # (2, 2) columns: the unit eigenvectors (first nonzero entry > 0)
    minimiser: np.ndarray  # (2,) θ* = (w*, b*), by least squares
    min_loss: float  # L(θ*), computed by the core's forward pass

    @property
    def stability_bound(self) -> float:
        """2/λ_max: gradient descent converges for every start iff 0 < lr < 2/λ_max."""
        return 2.0 / float(self.eigenvalues[1])

    @property
    def oscillation_onset(self) -> float:
        """1/λ_max: above it, the step along the steepest eigenvector overshoots."""
        return 1.0 / float(self.eigenvalues[1])

    @property
    def optimal_lr(self) -> float:
        """2/(λ_min + λ_max): both eigen-directions shrink by the same factor, so the worst-case
        factor per step max_i |1 − lr λ_i| is the smallest of any rate (the fastest in the long
        run; over a short budget another rate can leave less, `best_rate`)."""
        return 2.0 / float(self.eigenvalues.sum())

    @property
    def condition_number(self) -> float:
        """λ_max / λ_min: how elongated the contours are (their axes' ratio is its root)."""
        return float(self.eigenvalues[1] / self.eigenvalues[0])


def _forward(theta):
    """The core's forward pass at θ = (w, b): loss and both caches."""
    x = LINE_X[:, None]  # (N, 1): one input feature per example
    pred, linear_cache = F.linear_forward(x, theta[None, :1], theta[1:])  # (N, 1)
    loss, mse_cache = F.mse_forward(pred, LINE_Y[:, None])
    return float(loss), linear_cache, mse_cache


def _loss_and_gradient(theta):
    """L(θ) and ∇L(θ) = (dL/dw, dL/db), by the core's backward passes."""
    loss, linear_cache, mse_cache = _forward(theta)
    dpred = F.mse_backward(1.0, mse_cache)  # (N, 1)
    _, dw, db = F.linear_backward(dpred, linear_cache)  # (1, 1), (1,)
    return loss, np.array([dw[0, 0], db[0]])


def _theta(theta, name="theta"):
    """θ as a float64 array (w, b) of two finite numbers."""
    theta = finite_array(theta, name, (1,))
    check_shape(theta, (2,), name, "the parameters (w, b) of the line")
    return theta


def line_fit_loss(theta) -> float:
    """The mean squared error L(w, b) of the line w·x + b on the 20 points, by the core.

    Parameters
    ----------
    theta : array_like, shape (2,)
        (w, b).

    Returns
    -------
    float

    Examples
    --------
    >>> round(line_fit_loss([-1.0, 2.0]), 4), round(line_fit_loss(line_fit().minimiser), 4)
    (5.6059, 0.1065)
    >>> line_fit_loss([1.0, 2.0, 3.0])
    Traceback (most recent call last):
    ValueError: theta must have shape (2,) (the parameters (w, b) of the line); got (3,)
    """
    return _forward(_theta(theta))[0]


def line_fit_gradient(theta) -> np.ndarray:
    """∇L(w, b) = (dL/dw, dL/db), by the core's backward passes (MSE, then linear).

    Parameters
    ----------
    theta : array_like, shape (2,)
        (w, b).

    Returns
    -------
    ndarray, shape (2,)

    Examples
    --------
    >>> line_fit_gradient(line_fit().minimiser).round(12) + 0.0  # zero at the minimiser
    array([0., 0.])
    >>> fit, theta = line_fit(), np.array([0.0, 0.0])  # the gradient of a quadratic: H (θ - θ*)
    >>> np.allclose(line_fit_gradient(theta), fit.hessian @ (theta - fit.minimiser))
    True
    """
    return _loss_and_gradient(_theta(theta))[1]


@functools.lru_cache(maxsize=1)
def _line_fit() -> LineFit:
    a = np.stack([LINE_X, np.ones_like(LINE_X)], axis=1)  # (N, 2): the columns x and 1
    hessian = 2.0 / len(LINE_X) * (a.T @ a)  # (2, N) @ (N, 2) -> (2, 2)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)  # ascending
    eigenvectors = eigenvectors * np.where(eigenvectors[0] < 0, -1.0, 1.0)  # one sign everywhere
    minimiser = np.linalg.lstsq(a, LINE_Y, rcond=None)[0]
    fit = LineFit(LINE_X, LINE_Y, hessian, eigenvalues, eigenvectors, minimiser, 0.0)
    for array in fit[2:6]:
        array.setflags(write=False)
    return fit._replace(min_loss=line_fit_loss(minimiser))


def line_fit() -> LineFit:
    """The line-fit problem: its data, exact Hessian, eigenvalues, minimiser and bounds.

    The Hessian is the formula 2/N AᵀA (L is quadratic, so it is the same everywhere); the
    minimiser solves the least-squares problem A θ ≈ y (`numpy.linalg.lstsq`). The arrays are
    read-only.

    Returns
    -------
    LineFit

    Examples
    --------
    >>> fit = line_fit()
    >>> fit.hessian.round(4)
    array([[6.7344, 3.375 ],
           [3.375 , 2.    ]])
    >>> fit.eigenvalues.round(4), fit.minimiser.round(4)
    (array([0.2448, 8.4896]), array([ 1.5277, -0.789 ]))
    """
    return _line_fit()


class GDPath(NamedTuple):
    """The iterates of gradient descent and their losses.

    Examples
    --------
    >>> path = gd_path(0.3162, 100)  # above 2/λ_max: the iterates run away
    >>> path.escaped_at, path.steps, bool(np.isfinite(path.losses).all())
    (27, 26, True)
    """

    lr: float  # the learning rate
    params: np.ndarray  # (k + 1, 2): θ₀, θ₁, ..., θ_k, each (w, b)
    losses: np.ndarray  # (k + 1,): L(θ₀), ..., L(θ_k)
    escaped_at: int | None  # the step whose iterate left the ball |θ − θ*| <= ESCAPE_RADIUS
    # (the path stops before it); None when every step of the budget stayed inside

    @property
    def steps(self) -> int:
        """The steps taken, k: the budget, or fewer when the iterates escaped."""
        return len(self.params) - 1

    def first(self, steps) -> GDPath:
        """The path with a budget of ``steps`` (<= this path's): what `gd_path` gives for it.

        >>> long, short = gd_path(0.3162, 100), gd_path(0.3162, 20)
        >>> bool(np.array_equal(long.first(20).params, short.params)), long.first(20).escaped_at
        (True, None)
        """
        steps = as_int(steps, "steps", 0)
        if self.escaped_at is not None and steps >= self.escaped_at:
            return self  # any budget reaching the escape gives this very path
        if steps > self.steps:
            raise ValueError(
                f"steps must be at most this path's budget, {self.steps}; got {steps} (compute "
                "a longer path with gd_path)"
            )
        return GDPath(self.lr, self.params[: steps + 1], self.losses[: steps + 1], None)


def _start(start):
    fit = line_fit()
    start = _theta(GD_START if start is None else start, "start")
    distance = float(np.linalg.norm(start - fit.minimiser))
    in_interval(distance, "start's distance from the minimiser θ*", 0, START_RADIUS, closed="both")
    return start


def gd_path(lr, steps, start=None) -> GDPath:
    """Gradient descent θ ← θ − lr ∇L(θ) on the line fit, with the core's gradients.

    Parameters
    ----------
    lr : float > 0
        The learning rate.
    steps : int, 0 <= steps <= 100000
        The step budget.
    start : array_like, shape (2,), optional
        θ₀ = (w, b); default `GD_START`. Within `START_RADIUS` of the minimiser.

    Returns
    -------
    GDPath
        Every iterate and its loss. When an iterate would leave the ball of radius
        `ESCAPE_RADIUS` around θ* (or overflow), the path stops before it and ``escaped_at``
        names its step: the output never holds an inf, and no overflow warning is raised.

    Examples
    --------
    >>> path = gd_path(0.1, 3)
    >>> path.params.shape, path.losses.round(4)
    ((4, 2), array([5.6059, 1.7387, 1.5776, 1.5046]))
    >>> gd_path(1e300, 5).escaped_at  # the first step already overflows: stopped cleanly
    1
    >>> gd_path(0.0, 5)
    Traceback (most recent call last):
    ValueError: lr must be > 0 and finite; got 0.0
    """
    lr = positive(lr, "lr")
    steps = int_between(steps, "steps", 0, 100_000)
    theta, star = _start(start), line_fit().minimiser
    params, losses, escaped_at = [theta], [], None
    for k in range(1, steps + 1):
        loss, grad = _loss_and_gradient(theta)
        losses.append(loss)
        with np.errstate(over="ignore", invalid="ignore"):  # a huge lr: caught just below
            step = theta - lr * grad
            escaped = not np.all(np.isfinite(step)) or np.linalg.norm(step - star) > ESCAPE_RADIUS
        if escaped:
            escaped_at = k
            break
        theta = step
        params.append(theta)
    if len(losses) < len(params):  # the last iterate's loss (its gradient is not needed)
        losses.append(_forward(theta)[0])
    return GDPath(lr, np.array(params), np.array(losses), escaped_at)


class LRRegime(NamedTuple):
    """What a learning rate does on the line fit, whether a budget was enough, and the numbers.

    Two questions, answered apart. ``rate``, one of `RATE_REGIMES`, is the rate's regime, the
    same for every budget:

    - ``"diverging"``: lr > 2/λ_max; the steep component grows by |1 − lr λ_max| > 1 a step, so
      the loss must eventually grow (``rises_from`` says whether it has within the budget).
    - ``"oscillating"``: 1/λ_max < lr <= 2/λ_max; the steep component changes sign each step
      (1 − lr λ_max < 0) but does not grow; the loss still falls at every step. The rate with
      the smallest worst-case factor per step, 2/(λ_min + λ_max), is one of these.
    - ``"no overshoot"``: lr <= 1/λ_max; no component changes sign.

    ``enough`` is the budget's answer: whether the excess loss L − L* after it is at most
    `GOOD_FRACTION` of its value at the start, for every rate. ``kind``, one of `LR_REGIMES`,
    is the older one-word summary: ``rate``, with ``"no overshoot"`` split into ``"good"``
    (enough) and ``"too small"`` (not enough).

    Examples
    --------
    >>> r = lr_regime(0.01, 100)
    >>> r.kind, r.rate, r.enough, [round(f, 4) for f in r.factors], round(r.fraction, 3)
    ('too small', 'no overshoot', False, [0.9976, 0.9151], 0.181)
    >>> r = lr_regime(0.2379, 100)  # diverging: the loss falls for two steps, then rises
    >>> r.rate, r.enough, r.rises_from, round(r.worst_factor, 4)
    ('diverging', False, 3, 1.0197)
    """

    kind: str  # one of LR_REGIMES
    lr: float
    steps: int  # the budget
    onset: float  # 1/λ_max
    bound: float  # 2/λ_max
    optimal: float  # 2/(λ_min + λ_max)
    factors: tuple  # (1 − lr λ_min, 1 − lr λ_max): what each step multiplies the offset θ − θ*
    # by along the flat and the steep eigenvector
    start_excess: float  # L(θ₀) − L*
    final_excess: float  # L − L* at the last iterate (>= 0)
    escaped_at: int | None  # as in GDPath
    rate: str  # one of RATE_REGIMES: what the rate does, whatever the budget
    enough: bool  # fraction <= GOOD_FRACTION: the budget was enough
    enough_at: int | None  # the first step of the budget with fraction <= GOOD_FRACTION
    rises_from: int | None  # the first step of the budget whose loss is above the one before
    # (by more than rounding); None when the loss never rose

    @property
    def fraction(self) -> float:
        """final_excess / start_excess (0 when the start is the minimiser)."""
        return _share(self.final_excess, self.start_excess)

    @property
    def worst_factor(self) -> float:
        """max |1 − lr λ_i|: the worst-case factor per step on the offset's size, smallest at
        2/(λ_min + λ_max) and above 1 past 2/λ_max."""
        return max(abs(f) for f in self.factors)


def _share(final_excess, start_excess) -> float:
    return final_excess / start_excess if start_excess > 0 else 0.0


def _rate(lr, fit) -> str:
    """Which of `RATE_REGIMES` the learning rate is in."""
    if lr > fit.stability_bound:
        return "diverging"
    if lr > fit.oscillation_onset:
        return "oscillating"
    return "no overshoot"


def _kind(rate, enough) -> str:
    """The one-word summary `LRRegime.kind`."""
    if rate != "no overshoot":
        return rate
    return "good" if enough else "too small"


def _first(flags) -> int | None:
    """The index of the first True, or None."""
    hits = np.flatnonzero(flags)
    return int(hits[0]) if hits.size else None


def lr_regime(lr, steps, start=None, *, path=None) -> LRRegime:
    """Which regime of chapter 02 a learning rate falls in on the line fit, for a step budget.

    Parameters
    ----------
    lr : float > 0
    steps : int >= 1
        The budget.
    start : array_like, shape (2,), optional
        θ₀; default `GD_START`, or the start of ``path`` when that is given.
    path : GDPath, optional
        ``gd_path(lr, steps, start)`` when already computed (the explorer passes its own). It
        is checked to be one: its ``lr`` is ``lr``, it took ``steps`` steps or escaped within
        them, and it starts at ``start`` when that is given.

    Returns
    -------
    LRRegime

    Examples
    --------
    >>> [lr_regime(lr, 100).kind for lr in (0.01, 0.1, 0.1778, 0.2379)]
    ['too small', 'good', 'oscillating', 'diverging']
    >>> r = lr_regime(0.1, 5)  # no overshoot, but five steps are not enough
    >>> r.kind, r.rate, r.enough, lr_regime(0.1, 100).enough_at
    ('too small', 'no overshoot', False, 69)
    >>> r = lr_regime(0.2332, 30)  # oscillating iterates, a falling loss, too few steps
    >>> r.rate, r.enough, r.rises_from, round(r.fraction, 3)
    ('oscillating', False, None, 0.216)
    >>> lr_regime(0.01, 100, path=gd_path(0.2, 100))  # another rate's path
    Traceback (most recent call last):
    ValueError: path must be gd_path(lr, steps, start): path.lr = 0.2 differs from lr = 0.01
    """
    lr = positive(lr, "lr")
    steps = as_int(steps, "steps", 1)
    if path is None:
        path = gd_path(lr, steps, start)
    else:
        _check_path(path, lr, steps, start)
    fit = line_fit()
    excess = np.maximum(path.losses - fit.min_loss, 0.0)  # (k + 1,)
    start_excess, final_excess = float(excess[0]), float(excess[-1])
    enough = _share(final_excess, start_excess) <= GOOD_FRACTION
    shares = excess / start_excess if start_excess > 0 else np.zeros_like(excess)
    # a rise is counted when it exceeds the rounding of the losses (a few ulps of L)
    rises = np.diff(path.losses) > 1e-12 * np.abs(path.losses[:-1])  # (k,)
    rate = _rate(lr, fit)
    rises_from = _first(rises)
    return LRRegime(
        _kind(rate, enough),
        lr,
        steps,
        fit.oscillation_onset,
        fit.stability_bound,
        fit.optimal_lr,
        tuple(float(1.0 - lr * e) for e in fit.eigenvalues),
        start_excess,
        final_excess,
        path.escaped_at,
        rate,
        bool(enough),
        _first(shares <= GOOD_FRACTION),
        None if rises_from is None else rises_from + 1,
    )


def _check_path(path, lr, steps, start) -> None:
    """Refuse a ``path`` that is not what ``gd_path(lr, steps, start)`` computes."""
    instance_of(path, "path", GDPath, "a GDPath (from gd_path)")
    rule = "path must be gd_path(lr, steps, start)"
    if path.lr != lr:
        raise ValueError(f"{rule}: path.lr = {path.lr!r} differs from lr = {lr!r}")
    if path.escaped_at is None and path.steps != steps:
        raise ValueError(
            f"{rule}: path has {path.steps} steps and did not escape; the budget is steps = {steps}"
        )
    if path.escaped_at is not None and path.escaped_at > steps:
        raise ValueError(
            f"{rule}: path escaped at step {path.escaped_at}, beyond the budget steps = {steps} "
            "(path.first(steps) is the path for it)"
        )
    theta0 = None if start is None else _start(start)
    if theta0 is not None and not np.array_equal(path.params[0], theta0):
        raise ValueError(
            f"{rule}: path starts at {path.params[0].tolist()}, not at start = {theta0.tolist()}"
        )


class BestRate(NamedTuple):
    """The learning rate of a set that leaves the least excess loss after a budget.

    Examples
    --------
    >>> best = best_rate(30)
    >>> best.lr, round(best.fraction, 4)
    (0.1778, 0.0204)
    """

    lr: float
    steps: int  # the budget
    fraction: float  # the excess loss L − L* it leaves, as a fraction of the start's


def predicted_excess(lrs, steps, start=None) -> np.ndarray:
    """The excess loss L − L* after ``steps`` steps at each rate, from the eigen-decomposition.

    Each step multiplies the offset's component c_i along eigenvector i by 1 − lr λ_i, so after
    k steps L − L* = ½ Σ_i λ_i (c_i (1 − lr λ_i)^k)² (the chapter's prediction, which
    `gd_path` follows to rounding). A rate whose offset overflows gives inf.

    Parameters
    ----------
    lrs : float or 1-D array_like of floats > 0
    steps : int, 0 <= steps <= 100000
    start : array_like, shape (2,), optional
        θ₀; default `GD_START`.

    Returns
    -------
    ndarray, the shape of ``lrs``

    Examples
    --------
    >>> fit, path = line_fit(), gd_path(0.1778, 30)
    >>> bool(np.isclose(predicted_excess(0.1778, 30), path.losses[-1] - fit.min_loss))
    True
    >>> predicted_excess([0.1, 0.229], 0).round(4)  # the start's excess, whatever the rate
    array([5.4995, 5.4995])
    """
    lrs = finite_array(lrs, "lrs", (0, 1), positive=True)
    steps = int_between(steps, "steps", 0, 100_000)
    fit = line_fit()
    c = fit.eigenvectors.T @ (_start(start) - fit.minimiser)  # (2,): along flat, steep
    factors = 1.0 - lrs[..., None] * fit.eigenvalues  # (..., 2)
    with np.errstate(over="ignore"):  # a diverging rate over a long budget: inf, not a warning
        components = c * factors**steps  # (..., 2)
        return 0.5 * np.sum(fit.eigenvalues * components**2, axis=-1)


def best_rate(steps, rates=None, start=None) -> BestRate:
    """The rate of ``rates`` that leaves the least excess loss after ``steps`` steps.

    By `predicted_excess`. Over a long budget it is the rate nearest 2/(λ_min + λ_max), whose
    worst-case factor per step is the smallest; over a short one, a rate that shrinks the
    component holding most of the start's excess faster can leave less.

    Parameters
    ----------
    steps : int, 0 <= steps <= 100000
    rates : 1-D array_like of floats > 0, optional
        Default `GD_LEARNING_RATES`.
    start : array_like, shape (2,), optional
        θ₀; default `GD_START`.

    Returns
    -------
    BestRate

    Examples
    --------
    >>> [best_rate(k).lr for k in (1, 30, 46, 47, 100)]  # 0.1778 leads up to 46 steps
    [0.1166, 0.1778, 0.1778, 0.229, 0.229]
    """
    rates = finite_array(GD_LEARNING_RATES if rates is None else rates, "rates", (1,),
                         positive=True)  # fmt: skip
    excess = predicted_excess(rates, steps, start)  # (R,)
    k = int(np.argmin(excess))
    start_excess = float(predicted_excess(rates[k], 0, start))
    return BestRate(float(rates[k]), steps, _share(float(excess[k]), start_excess))


class LossGrid(NamedTuple):
    """L(w, b) over a grid: ``loss[i, j]`` at ``(w[j], b[i])`` (rows are b, as an image).

    Examples
    --------
    >>> g = loss_grid(shape=(3, 5))
    >>> g.w.shape, g.b.shape, g.loss.shape
    ((5,), (3,), (3, 5))
    """

    w: np.ndarray  # (nw,)
    b: np.ndarray  # (nb,)
    loss: np.ndarray  # (nb, nw)


def loss_grid(box=GD_BOX, shape=(121, 121)) -> LossGrid:
    """The loss at every point of a grid over a box: the predictions by the core's forward
    pass, their mean squared error per point by NumPy.

    The grid's G points are G output units of one linear layer: W = the w's as a (G, 1)
    weight, the b's as its bias, so one `F.linear_forward` gives every line's predictions,
    an (N, G) array. `F.mse_forward` averages over all the entries it is given (one loss per
    call), so the mean over the N examples of each column is taken here.

    Parameters
    ----------
    box : ((w_low, w_high), (b_low, b_high))
        Default `GD_BOX`.
    shape : (int, int)
        (nb, nw): points along b and along w, each >= 2.

    Returns
    -------
    LossGrid

    Examples
    --------
    >>> g = loss_grid(((0.0, 2.0), (-1.0, 1.0)), (3, 3))
    >>> g.w, g.b
    (array([0., 1., 2.]), array([-1.,  0.,  1.]))
    >>> bool(np.isclose(g.loss[1, 1], line_fit_loss([1.0, 0.0])))
    True
    """
    (w_low, w_high), (b_low, b_high) = _box(box)
    nb, nw = pair(shape, "shape", 2)
    w, b = np.linspace(w_low, w_high, nw), np.linspace(b_low, b_high, nb)
    ww, bb = np.meshgrid(w, b)  # (nb, nw) each
    pred, _ = F.linear_forward(LINE_X[:, None], ww.reshape(-1, 1), bb.ravel())  # (N, G)
    loss = np.mean((pred - LINE_Y[:, None]) ** 2, axis=0)  # (G,)
    return LossGrid(w, b, loss.reshape(nb, nw))


def _box(box):
    """((w_low, w_high), (b_low, b_high)) as floats, each range increasing."""
    rule = "((w_low, w_high), (b_low, b_high))"
    ranges = finite_array(box, f"box {rule}", (2,))
    check_shape(ranges, (2, 2), "box", rule)
    for name, (low, high) in zip("wb", ranges.tolist()):
        if not low < high:
            raise ValueError(
                f"box's {name} range must be (low, high) with low < high; got ({low}, {high})"
            )
    return tuple(tuple(r) for r in ranges.tolist())


def _four_digits(v) -> float:
    """``v`` rounded to 4 significant digits: the same decimal, hence float, on every machine."""
    return float(f"{v:.4g}")


def _learning_rates():
    fit = line_fit()
    ladder = log_steps(-3, 0)[:-2]  # 1e-3 to 0.3162, four per decade
    special = (
        0.99 * fit.oscillation_onset,
        fit.optimal_lr,
        0.99 * fit.stability_bound,
        1.01 * fit.stability_bound,
    )
    rates = np.unique(np.concatenate([ladder, [_four_digits(v) for v in special]]))
    rates.setflags(write=False)
    return rates


GD_LEARNING_RATES = _learning_rates()
"""The explorer's learning rates: 1e-3 to 0.3162, four per decade, and four more, each rounded
to 4 digits: 0.99/λ_max = 0.1166 (just below the onset of oscillation), 2/(λ_min + λ_max) =
0.229 (the smallest worst-case factor per step: the fastest in the long run), and 0.99 and 1.01
times 2/λ_max (0.2332, just stable; 0.2379, just diverging)."""
