"""Finite-difference error against the step size: the U-shaped curves of chapter 01.

The numbers come from `cnnbp_core.explain.fd_error_panel`; this module only draws them. The
same colours serve the explorer's live view (`cnnbp_core.viz.widgets.gradcheck`): forward
differences blue, centered red (`cnnbp_core.viz.style.BLUE`, `RED`), the model dashed, the
chosen step orange. Every line carries a gid naming what it shows (``"forward measured"``,
``"centered model"``, ``"forward predicted best"``, ``"step"``, ...), so tests can find it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ...explain.gradcheck import PRECISIONS, fd_error_curves, fd_error_panel, fd_function
from ...validation import choices, positive
from ..style import BLUE, OUTLINE, RED
from .graphs import number

FORWARD_COLOR, CENTERED_COLOR = BLUE, RED
KINDS = (("forward", FORWARD_COLOR), ("centered", CENTERED_COLOR))
"""The two estimates and their colours, in drawing order."""
FLOOR = 1e-18
"""Errors below this (an exact 0 among them) are drawn at it: a log axis has no 0."""


def panel_title(name, x) -> str:
    """The function and the point(s) a panel is about, built from the points themselves.

    >>> import numpy as np
    >>> panel_title("cubic", np.asarray(0.7)), panel_title("cubic", np.asarray(-0.5))
    ('x³ − 2x at x = 0.7', 'x³ − 2x at x = −0.5')
    >>> panel_title("cubic", np.array([-0.1, 0.0, 0.1]))
    'x³ − 2x, median of 3 points in [−0.1, 0.1]'
    """
    f, x = fd_function(name), np.asarray(x)
    if x.size == 1:
        point = float(x.ravel()[0])
        return f.label if point == f.x else f"{f.formula} at x = {number(point)}"
    return f"{f.formula}, median of {x.size} points in [{number(x.min())}, {number(x.max())}]"


def _draw_curves(ax, panel) -> None:
    """Measured errors (solid), the model (dashed, NaN where it does not apply), the predicted
    best steps (dotted verticals) and the observed best steps (circles), per estimate."""
    curves = panel.curves
    for kind, colour in KINDS:
        measured = np.maximum(getattr(curves, kind), FLOOR)
        ax.loglog(curves.steps, measured, ".-", color=colour, ms=3, lw=1.2, label=kind,
                  gid=f"{kind} measured")  # fmt: skip
        ax.loglog(curves.steps, getattr(panel, f"{kind}_model"), "--", color=colour, lw=1,
                  alpha=0.6, gid=f"{kind} model")  # fmt: skip
        h_star = getattr(panel.optimum, f"{kind}_step")
        if 0 < h_star < math.inf:
            ax.axvline(h_star, color=colour, ls=":", lw=1, gid=f"{kind} predicted best")
        at = getattr(curves, f"best_{kind}")
        ax.plot(at, float(measured.min()), "o", mfc="none", ms=9, color=colour,
                gid=f"{kind} observed best")  # fmt: skip


def _draw_step(ax, name, precision, step, points) -> None:
    """The chosen step (orange) and both errors there, over the same points as the curves."""
    at = fd_error_curves(name, [step], precision, x=points)
    ax.axvline(step, color=OUTLINE, lw=2, alpha=0.8, label=f"step h = {number(step, 3)}",
               gid="step")  # fmt: skip
    errors = np.maximum([at.forward[0], at.centered[0]], FLOOR)
    ax.plot([step] * 2, errors, "o", color=OUTLINE, ms=6, gid="step errors")


def _legend(ax) -> None:
    ax.plot([], [], "k--", lw=1, alpha=0.6, label="model: truncation + rounding")
    ax.plot([], [], "k:", lw=1, label="predicted best step")
    ax.plot([], [], "ko", mfc="none", ms=8, label="observed best step")
    ax.legend(fontsize=8, loc="lower left")


def fd_error_figure(name, precisions=PRECISIONS, *, steps=None, points=None, step=None) -> Figure:
    """Error of the forward and centered differences against the step, one panel per precision.

    Each panel shows the measured errors (solid), the model's truncation + rounding (dashed,
    where f is smooth on [x - h, x + h]), the predicted best steps (dotted lines, from
    `cnnbp_core.explain.fd_optimum`), the observed best steps (circles) and, with ``step``, the
    chosen step and the errors there (orange). With several points, every curve and mark is
    the median over them, and the predicted best steps are those of the middle point
    (`cnnbp_core.explain.fd_error_panel`).

    Parameters
    ----------
    name : str
        A key of `cnnbp_core.explain.FD_FUNCTIONS`.
    precisions : str or sequence of {"float64", "float32"}
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
    >>> fd_error_figure("cubic", ())
    Traceback (most recent call last):
    ValueError: precisions must name at least one of ('float64', 'float32'); got ()
    """
    precisions = choices(precisions, "precisions", PRECISIONS)
    fd_function(name)
    step = None if step is None else positive(step, "step")
    fig = Figure(figsize=(5.6 * len(precisions), 4.0), layout="constrained")
    axes = fig.subplots(1, len(precisions), sharey=True, squeeze=False)[0]
    for ax, precision in zip(axes, precisions):
        panel = fd_error_panel(name, steps, precision, x=points)
        _draw_curves(ax, panel)
        if step is not None:
            _draw_step(ax, name, precision, step, points)
        ax.set_ylim(FLOOR / 3, 30)
        ax.set_xlabel("step h")
        ax.set_title(f"{precision}: {panel_title(name, panel.x)}", fontsize=10)
    axes[0].set_ylabel("|estimate − f'(x)|")
    _legend(axes[-1])
    return fig
