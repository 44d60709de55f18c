"""Gradient descent on the line fit: the path on the loss contours and the loss curves (chapter 02).

The numbers come from `cnnbp_core.explain.sgd`; this module only draws them. The explorer's
live view (`cnnbp_core.viz.widgets.sgd`) draws the same contours (`CONTOUR_EXCESS`), the same
eigen-axes and the same colours (`REGIME_COLORS`, `PATH_COLOR`), and clips to the box with the
same `clip_segment`. Every artist a test looks for carries a gid naming what it shows
(``"path"``, ``"start"``, ``"minimum"``, ``"loss"``, ``"min loss"``, ``"lr 0.1"``, ...).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...explain.sgd import (
    GD_BOX,
    GD_EXPLORER_STATE,
    GD_MAX_STEPS,
    GD_START,
    GOOD_FRACTION,
    gd_path,
    line_fit,
    line_fit_loss,
    loss_grid,
    lr_regime,
)
from ...validation import as_int, finite_array, int_between, positive
from ..style import BLUE, GREEN, GREY, LIGHT_GREY, OUTLINE, RED
from .graphs import number

REGIME_COLORS = {"too small": BLUE, "good": GREEN, "oscillating": OUTLINE, "diverging": RED}
"""The colour of each of `cnnbp_core.explain.sgd.LR_REGIMES`, in figures and the explorer."""
PATH_COLOR = RED  # the steps are gradients: the book's colour for backward passes
CONTOUR_EXCESS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
"""The contours drawn: L = L* + each of these, a 1-2-5 ladder: each excess is ×2.5, ×2, ×2 the
one before, in turn, so the ellipses' axes (a quadratic's: ∝ √excess) grow by √2.5, √2, √2."""
LOSS_LIMITS = (0.05, 1e3)
"""The loss axis of the loss curves (log scale): below L* ≈ 0.106 to 1000."""
COMPARED_LRS = (0.01, 0.1, 0.2379)
"""`lr_comparison_figure`'s default: too small, good and (just) too large at 100 steps."""


def regime_label(regime) -> str:
    """Both answers of `cnnbp_core.explain.sgd.lr_regime` in a few words: what the learning
    rate does (`LRRegime.rate`) and whether the step budget was enough (`LRRegime.enough`).

    >>> regime_label(lr_regime(0.229, 30)), regime_label(lr_regime(0.1, 100))
    ('oscillating; not enough steps', 'no overshoot; enough steps')
    """
    return f"{regime.rate}; {'enough' if regime.enough else 'not enough'} steps"


def contour_levels() -> np.ndarray:
    """The losses of the contours: L* + `CONTOUR_EXCESS`, increasing.

    >>> contour_levels()[:2].round(4)
    array([0.1265, 0.1565])
    """
    return line_fit().min_loss + np.array(CONTOUR_EXCESS)


def clip_segment(p, q):
    """The part of the segment p -> q inside `cnnbp_core.explain.sgd.GD_BOX` (Liang-Barsky), or
    None when none is.

    Parameters
    ----------
    p, q : (float, float)
        The ends (w, b).

    Returns
    -------
    ((float, float), (float, float)) or None
        The ends of the part inside, in the order p -> q.

    Examples
    --------
    >>> clip_segment((0.0, 0.0), (10.0, 0.0))
    ((0.0, 0.0), (3.5, 0.0))
    >>> clip_segment((10.0, 0.0), (11.0, 0.0)) is None
    True
    """
    (w0, w1), (b0, b1) = GD_BOX
    (pw, pb), (qw, qb) = p, q
    dw, db = qw - pw, qb - pb
    t0, t1 = 0.0, 1.0
    for d, lo, hi, start in ((dw, w0, w1, pw), (db, b0, b1, pb)):
        if d == 0:
            if not lo <= start <= hi:
                return None
            continue
        a, c = (lo - start) / d, (hi - start) / d
        t0, t1 = max(t0, min(a, c)), min(t1, max(a, c))
    if t0 > t1:
        return None
    return (pw + t0 * dw, pb + t0 * db), (pw + t1 * dw, pb + t1 * db)


def eigen_axes():
    """The two eigen-directions of H through θ*, as segments across
    `cnnbp_core.explain.sgd.GD_BOX`.

    Each is the line through θ* along an eigenvector, clipped to the box by `clip_segment` (as
    the explorer clips the path). θ* lies in the box, so each runs from edge to edge.

    Returns
    -------
    dict
        ``{"flat": ((w0, b0), (w1, b1)), "steep": (...)}``: where the line through θ* along the
        eigenvector of λ_min (flat) or λ_max (steep) enters and leaves the box, in the
        eigenvector's direction.

    Examples
    --------
    >>> axes = eigen_axes()
    >>> sorted(axes), [round(v, 4) for v in axes["steep"][0]]  # on the box's bottom edge
    (['flat', 'steep'], [-0.8009, -2.0])
    """
    fit = line_fit()
    (w0, w1), (b0, b1) = GD_BOX
    reach = float(np.hypot(w1 - w0, b1 - b0))  # from θ*, inside the box, to beyond it
    out = {}
    for name, v in zip(("flat", "steep"), fit.eigenvectors.T):
        ends = clip_segment(tuple(fit.minimiser - reach * v), tuple(fit.minimiser + reach * v))
        out[name] = tuple(tuple(float(c) for c in end) for end in ends)
    return out


def _contour_panel(ax, path) -> None:
    """Contours, eigen-axes, the path with its iterates, start and minimum, in the box."""
    fit, grid = line_fit(), loss_grid()
    ax.contour(grid.w, grid.b, grid.loss, levels=contour_levels(), colors=LIGHT_GREY,
               linewidths=0.8)  # fmt: skip
    for name, ((a0, c0), (a1, c1)) in eigen_axes().items():
        ax.plot([a0, a1], [c0, c1], ls="--", lw=0.8, color=GREY, gid=f"eigen {name}")
    w, b = path.params.T
    ax.plot(w, b, "-", color=PATH_COLOR, lw=1.2, gid="path")
    ax.plot(w, b, "o", color=PATH_COLOR, ms=3, gid="iterates")
    ax.plot(*path.params[0], "o", mfc="white", mec="black", ms=7, gid="start", label="start θ₀")
    ax.plot(*fit.minimiser, "*", color=OUTLINE, mec="black", mew=0.6, ms=13, gid="minimum",
            label="minimum θ*")  # fmt: skip
    (w0, w1), (b0, b1) = GD_BOX
    ax.set_xlim(w0, w1)
    ax.set_ylim(b0, b1)
    ax.set_aspect("equal")
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.legend(fontsize=8, loc="upper right")


def _loss_panel(ax, path, regime) -> None:
    """The loss after each step (log scale) and the minimum L*."""
    steps = np.arange(len(path.losses))
    colour = REGIME_COLORS[regime.kind]
    ax.semilogy(steps, path.losses, ".-", color=colour, ms=3, lw=1.2, gid="loss",
                label=f"lr = {number(path.lr)}")  # fmt: skip
    ax.axhline(line_fit().min_loss, color=GREY, ls="--", lw=1, gid="min loss",
               label=f"L* = {number(line_fit().min_loss)}")  # fmt: skip
    _loss_axes(ax, GD_MAX_STEPS)


def good_threshold() -> float:
    """The loss below which a budget was enough: L* + `GOOD_FRACTION` of the start's excess.

    >>> round(good_threshold(), 4)
    0.1615
    """
    fit = line_fit()
    start = line_fit_loss(GD_START)
    return fit.min_loss + GOOD_FRACTION * (start - fit.min_loss)


def _loss_axes(ax, xmax) -> None:
    """What both loss figures share: the "good" threshold, steps 0 to ``xmax``, the loss over
    `LOSS_LIMITS`, the labels and the legend."""
    ax.axhline(good_threshold(), color=GREEN, ls=":", lw=1, gid="good threshold",
               label=f"L* + {GOOD_FRACTION:.0%} of the start's excess")  # fmt: skip
    ax.set_xlim(0, xmax)
    ax.set_ylim(*LOSS_LIMITS)
    ax.set_xlabel("step")
    ax.set_ylabel("loss L(w, b)")
    ax.legend(fontsize=8, loc="upper right")


def gd_path_figure(lr=GD_EXPLORER_STATE[0], steps=GD_EXPLORER_STATE[1]) -> Figure:
    """Gradient descent on the line fit: the path on the contours, and the loss per step.

    The explorer's view as a static figure (its starting state by default). Left: the contours
    L = L* + `CONTOUR_EXCESS` over `cnnbp_core.explain.sgd.GD_BOX`, the eigen-axes of H through
    θ* (dashed), the iterates θ₀, θ₁, ... joined in order, the start and the minimum. Right: the
    loss after each step on a log scale, with L*. The title gives what the learning rate does
    and whether the budget was enough (`regime_label`).

    Parameters
    ----------
    lr : float > 0
    steps : int, 1 <= steps <= `GD_MAX_STEPS`

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = gd_path_figure(0.1, 100)
    >>> fig.axes[0].get_aspect(), fig.axes[1].get_yscale(), fig.get_suptitle()
    (1.0, 'log', 'lr = 0.1, 100 steps: no overshoot; enough steps')
    >>> gd_path_figure(0.1, 0)
    Traceback (most recent call last):
    ValueError: steps must lie in [1, 100]; got 0
    """
    lr, steps = positive(lr, "lr"), int_between(steps, "steps", 1, GD_MAX_STEPS)
    path = gd_path(lr, steps)
    regime = lr_regime(lr, steps, path=path)
    fig = Figure(figsize=(10.0, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.0, 1.25))
    _contour_panel(left, path)
    _loss_panel(right, path, regime)
    fig.suptitle(f"lr = {number(lr)}, {steps} steps: {regime_label(regime)}", fontsize=11)
    return fig


def lr_comparison_figure(lrs=COMPARED_LRS, steps=GD_MAX_STEPS) -> Figure:
    """The loss per step for several learning rates on the line fit, on a log scale.

    Each curve is labelled with its learning rate and `LRRegime.kind` (`lr_regime`, coloured
    by `REGIME_COLORS`); a path that escapes (`cnnbp_core.explain.sgd.ESCAPE_RADIUS`) ends where
    it stopped. The dashed line is the minimum L*; the dotted one L* + 1% of the start's excess
    (`good_threshold`), below which a budget was enough ("good" rather than "too small").

    Parameters
    ----------
    lrs : 1-D array_like of floats > 0
        Default `COMPARED_LRS`: too small, good and too large.
    steps : int >= 1

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = lr_comparison_figure()
    >>> [line.get_label() for line in fig.axes[0].lines[:3]]
    ['lr = 0.01: too small', 'lr = 0.1: good', 'lr = 0.2379: diverging']
    """
    lrs = finite_array(lrs, "lrs", (1,), positive=True)
    steps = as_int(steps, "steps", 1)
    fit = line_fit()
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    for lr in lrs:
        path = gd_path(float(lr), steps)
        regime = lr_regime(float(lr), steps, path=path)
        ax.semilogy(np.arange(len(path.losses)), path.losses, "-", lw=1.6,
                    color=REGIME_COLORS[regime.kind], gid=f"lr {number(lr)}",
                    label=f"lr = {number(lr)}: {regime.kind}")  # fmt: skip
    ax.axhline(fit.min_loss, color=GREY, ls="--", lw=1, gid="min loss",
               label=f"minimum L* = {number(fit.min_loss)}")  # fmt: skip
    _loss_axes(ax, steps)
    return fig
