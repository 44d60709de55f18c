"""Finite-difference error against the step size: the U-shaped curves of chapter 01.

The numbers come from `cnnbp_core.explain.gradcheck`; this module only draws them. The same
colours serve the explorer's live view (`cnnbp_core.viz.widgets.gradcheck`): forward
differences blue, centered red, the model dashed, the chosen step orange.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ...explain.gradcheck import (
    FD_FUNCTIONS,
    PRECISIONS,
    fd_error_curves,
    fd_error_model,
    fd_estimates,
    fd_optimum,
)
from ...validation import one_of, positive
from ..style import OUTLINE

FORWARD_COLOR, CENTERED_COLOR = "#1f77b4", "#d62728"  # tab:blue, tab:red
FLOOR = 1e-18
"""Errors below this (an exact 0 among them) are drawn at it: a log axis has no 0."""


def _panel(ax, name, precision, steps, points, step) -> None:
    """One precision: measured errors, the model, the predicted and observed best steps."""
    curves = fd_error_curves(name, precision, steps, x=points)
    model, best = fd_error_model(name, curves.steps, precision), fd_optimum(name, precision)
    smooth = np.asarray(model.smooth)
    for kind, colour in (("forward", FORWARD_COLOR), ("centered", CENTERED_COLOR)):
        measured = np.maximum(getattr(curves, kind), FLOOR)
        ax.loglog(curves.steps, measured, ".-", color=colour, ms=3, lw=1.2, label=kind)
        predicted = np.where(smooth, getattr(model, kind), np.nan)
        ax.loglog(curves.steps, predicted, "--", color=colour, lw=1, alpha=0.6)
        h_star = getattr(best, f"{kind}_step")
        if math.isfinite(h_star):
            ax.axvline(h_star, color=colour, ls=":", lw=1)
        at = getattr(curves, f"best_{kind}")
        ax.plot(at, max(float(np.min(getattr(curves, kind))), FLOOR), "o", mfc="none", ms=9,
                color=colour)  # fmt: skip
    if step is not None:
        e = fd_estimates(name, step, precision)
        ax.axvline(step, color=OUTLINE, lw=2, alpha=0.8, label=f"step h = {step:.3g}")
        ax.plot([step] * 2, np.maximum([e.forward_error, e.centered_error], FLOOR), "o",
                color=OUTLINE, ms=6)  # fmt: skip
    ax.plot([], [], "k--", lw=1, alpha=0.6, label="model: truncation + rounding")
    ax.plot([], [], "k:", lw=1, label="predicted best step")
    ax.plot([], [], "ko", mfc="none", ms=8, label="observed best step")
    ax.set_ylim(FLOOR / 3, 30)
    ax.set_xlabel("step h")
    f = FD_FUNCTIONS[name]
    title = f.label  # "x³ − 2x at x = 0.7"
    if points is not None and np.ndim(points) > 0:
        title = f"{f.label.split(' at ')[0]}, median of {len(points)} points near x = {f.x:g}"
    ax.set_title(f"{precision}: {title}", fontsize=10)


def fd_error_figure(name, precisions=PRECISIONS, *, steps=None, points=None, step=None) -> Figure:
    """Error of the forward and centered differences against the step, one panel per precision.

    Each panel shows the measured errors (solid), the model's truncation + rounding (dashed,
    where f is smooth on [x - h, x + h]), the predicted best steps (dotted lines, from
    `cnnbp_core.explain.fd_optimum`), the observed best steps (circles) and, with ``step``, the
    chosen step and the errors there (orange).

    Parameters
    ----------
    name : str
        A key of `cnnbp_core.explain.FD_FUNCTIONS`.
    precisions : sequence of {"float64", "float32"}
    steps : 1-D array_like, optional
        Default `cnnbp_core.explain.EXPLORER_STEPS`.
    points : float or 1-D array_like, optional
        Where to differentiate; with several, the median error over them is drawn. Default the
        function's own point.
    step : float, optional
        A step to mark.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = fd_error_figure("cubic", ("float64",), step=1e-4)
    >>> fig.axes[0].get_title(), fig.axes[0].get_xscale()
    ('float64: x³ − 2x at x = 0.7', 'log')
    >>> fd_error_figure("cubic", ("float16",))
    Traceback (most recent call last):
    ValueError: precisions must be one of ('float64', 'float32'); got 'float16'
    """
    if isinstance(precisions, str):
        precisions = (precisions,)
    precisions = [one_of(p, "precisions", PRECISIONS) for p in precisions]
    one_of(name, "name", tuple(FD_FUNCTIONS))
    step = None if step is None else positive(step, "step")
    fig = Figure(figsize=(5.6 * len(precisions), 4.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(precisions), sharey=True, squeeze=False)[0])
    for ax, precision in zip(axes, precisions):
        _panel(ax, name, precision, steps, points, step)
    axes[0].set_ylabel("|estimate − f'(x)|")
    axes[-1].legend(fontsize=8, loc="lower left")
    return fig
