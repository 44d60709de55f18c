"""Chapter 01's finite-difference explorer: pick a function, a step and a precision.

`fd_explorer_html` is the pure view (tested without a browser): the two estimates
of f'(x) and their errors beside the model's truncation and rounding terms, a sentence on the
case the step falls in (`cnnbp_core.explain.fd_regime` decides it, this module only words it),
and the error-vs-step curves as an inline SVG with the chosen step marked. The SVG plot is the
static figure's panel (`cnnbp_core.explain.fd_error_panel`, the same colours). Every element
carries a ``class`` naming what it shows and every table cell its exact value in
``data-value``, so tests can read the view back. `finite_difference_explorer` wires three
controls to it. Every state the controls can reach has a view: the step slider offers only the
grid `cnnbp_core.explain.EXPLORER_GRID`, the other two controls only listed choices.
ipywidgets is imported when the explorer is built.
"""

from __future__ import annotations

import functools
import html
import math

import numpy as np

from ...explain.gradcheck import (
    EXPLORER_GRID,
    EXPLORER_STEPS,
    FD_FUNCTIONS,
    PRECISIONS,
    fd_error_model,
    fd_error_panel,
    fd_estimates,
    fd_function,
    fd_regime,
    machine_epsilon,
)
from ...validation import choice, in_interval, positive
from ..plots.gradcheck import FLOOR, KINDS
from ..plots.graphs import number
from ..style import GREY, LIGHT_GREY, OUTLINE
from .wiring import wire

CONTROL_DESCRIPTIONS = {"name": "function f", "step": "step h", "precision": "precision"}
"""The description (label) of each control of `finite_difference_explorer`, by parameter."""

_W, _H, _LEFT, _TOP, _BOTTOM, _RIGHT = 560, 270, 52, 12, 34, 10  # the SVG's size and margins, px
LOG_H = (EXPLORER_GRID.low, EXPLORER_GRID.high)
"""The plot's range of log10 h: the explorer's grid."""
LOG_E = (round(math.log10(FLOOR)), 1)
"""The plot's range of log10 error: from `FLOOR` (where an exact 0 is drawn) to 10."""


def snap_step(step) -> float:
    """The step of `EXPLORER_STEPS` nearest to ``step`` on a log scale (a slider's value).

    >>> snap_step(1.0000000000000002e-06), snap_step(2e-6), snap_step(1e-30)
    (1e-06, 1.778e-06, 1e-16)
    """
    return float(EXPLORER_STEPS[EXPLORER_GRID.index(positive(step, "step"))])


@functools.lru_cache(maxsize=32)
def _panel(name, precision):
    """The curves, model and best steps over every step the explorer offers (once per choice)."""
    return fd_error_panel(name, EXPLORER_STEPS, precision)


def svg_point(h, err) -> tuple[float, float]:
    """Where the plot draws the error ``err`` at the step ``h``, in px (errors clipped to
    the plot's range `LOG_E`).

    >>> svg_point(1e-16, 10.0), svg_point(1.0, 0.0)
    ((52.0, 12.0), (550.0, 236.0))
    """
    x = _LEFT + (math.log10(h) - LOG_H[0]) / (LOG_H[1] - LOG_H[0]) * (_W - _LEFT - _RIGHT)
    e = math.log10(min(max(err, 10.0 ** LOG_E[0]), 10.0 ** LOG_E[1]))
    return x, _TOP + (LOG_E[1] - e) / (LOG_E[1] - LOG_E[0]) * (_H - _TOP - _BOTTOM)


def _xy(h, err) -> str:
    return "{:.1f},{:.1f}".format(*svg_point(h, err))


def _polyline(steps, errors, colour, cls, dashed=False) -> str:
    """A curve, broken where it has no value (NaN) or leaves the top of the plot."""
    runs, run = [], []
    for h, e in zip(steps, errors):
        if np.isfinite(e) and e <= 10.0 ** LOG_E[1]:
            run.append(_xy(h, max(e, FLOOR)))
        elif run:
            runs.append(run)
            run = []
    runs.append(run)
    dash = ' stroke-dasharray="5,4" opacity="0.65"' if dashed else ""
    return "".join(
        f'<polyline class="{cls}" points="{" ".join(r)}" fill="none" stroke="{colour}" '
        f'stroke-width="1.6"{dash}/>'
        for r in runs
        if len(r) > 1
    )


def _vertical(h, colour, cls, style) -> str:
    x = svg_point(h, 1.0)[0]
    return (
        f'<line class="{cls}" x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_H - _BOTTOM}" '
        f'stroke="{colour}" {style}/>'
    )


def _axes_svg() -> str:
    """Frame, decade ticks and labels of the log-log plot."""
    parts = [
        f'<rect x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - _RIGHT}" '
        f'height="{_H - _TOP - _BOTTOM}" fill="none" stroke="{LIGHT_GREY}"/>'
    ]
    for k in range(LOG_H[0], LOG_H[1] + 1, 2):
        x = svg_point(10.0**k, 1.0)[0]
        parts.append(
            f'<line x1="{x:.1f}" y1="{_H - _BOTTOM}" x2="{x:.1f}" y2="{_H - _BOTTOM + 4}" '
            f'stroke="{LIGHT_GREY}"/><text x="{x:.1f}" y="{_H - _BOTTOM + 15}" font-size="10" '
            f'text-anchor="middle">1e{number(k)}</text>'
        )
    for k in range(LOG_E[0], LOG_E[1], 3):
        y = svg_point(1.0, 10.0**k)[1]
        parts.append(
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">'
            f"1e{number(k)}</text>"
        )
    parts.append(
        f'<text x="{(_W + _LEFT) / 2:.0f}" y="{_H - 3}" font-size="11" '
        'text-anchor="middle">step h</text>'
        f'<text x="12" y="{_TOP + 4}" font-size="11">error</text>'
    )
    return "".join(parts)


def _curves_svg(panel) -> str:
    """Per estimate: the model (dashed), the measured errors, the predicted best step (dotted)."""
    parts = []
    for kind, colour in KINDS:
        steps = panel.curves.steps
        model = getattr(panel, f"{kind}_model")
        parts.append(_polyline(steps, model, colour, f"{kind} model", dashed=True))
        parts.append(_polyline(steps, getattr(panel.curves, kind), colour, f"{kind} measured"))
        h_star = getattr(panel.optimum, f"{kind}_step")
        if 10.0 ** LOG_H[0] <= h_star <= 10.0 ** LOG_H[1]:
            dotted = 'stroke-dasharray="1,3"'
            parts.append(_vertical(h_star, colour, f"{kind} predicted-best", dotted))
    return "".join(parts)


def _step_svg(step, e) -> str:
    """The chosen step (orange line) and a dot at each estimate's error there."""
    parts = [_vertical(step, OUTLINE, "step", 'stroke-width="2.5" opacity="0.8"')]
    for kind, colour in KINDS:
        x, y = svg_point(step, max(getattr(e, f"{kind}_error"), FLOOR))
        parts.append(
            f'<circle class="{kind} at-step" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}" '
            f'stroke="{OUTLINE}" stroke-width="1.5"/>'
        )
    return "".join(parts)


def _legend_svg() -> str:
    legend = (
        ("forward (f(x+h) − f(x)) / h", KINDS[0][1]),
        ("centered (f(x+h) − f(x−h)) / 2h", KINDS[1][1]),
        ("dashed: model; dotted: predicted best h", GREY),
    )
    return "".join(
        f'<text x="{_LEFT + 8}" y="{_H - _BOTTOM - 40 + 13 * k}" font-size="10.5" '
        f'fill="{colour}">{html.escape(text)}</text>'
        for k, (text, colour) in enumerate(legend)
    )


def _plot_svg(name, step, precision, e) -> str:
    """The curves, the model, the predicted best steps and the chosen step, as SVG."""
    body = _axes_svg() + _curves_svg(_panel(name, precision)) + _step_svg(step, e) + _legend_svg()
    return f'<svg width="{_W}" height="{_H}" style="font-family:sans-serif">{body}</svg>'


TABLE_COLUMNS = ("estimate", "error", "truncation", "rounding")
"""The ``data-column`` of each number of the table, in order."""


def _table_html(e, m, digits) -> str:
    """Estimate (to ``digits`` digits), error and the model's two terms, for both estimates."""
    head = ("", "estimate of f'(x)", "|estimate − f'(x)|", "model: truncation", "rounding")
    cell = "padding:2px 10px;text-align:right;font:13px monospace"
    out = ["<tr>" + "".join(f'<th style="{cell};font-weight:bold">{h}</th>' for h in head)]
    for kind, colour in KINDS:
        values = (
            getattr(e, kind),
            getattr(e, f"{kind}_error"),
            getattr(m, f"{kind}_truncation"),
            getattr(m, f"{kind}_rounding"),
        )
        shown = [number(values[0], digits), number(values[1], 2)]
        shown += [number(v, 2) if m.smooth else "no model" for v in values[2:]]
        out.append(
            f'<tr class="{kind}"><td style="{cell};color:{colour};font-weight:bold">{kind}</td>'
            + "".join(
                f'<td data-column="{c}" data-value="{v!r}" style="{cell}">{t}</td>'
                for c, v, t in zip(TABLE_COLUMNS, values, shown)
            )
            + "</tr>"
        )
    return f'<table style="border-collapse:collapse;margin:6px 0">{"".join(out)}</table>'


_VERDICTS = {
    "at_kink": (
        "f has a kink at x = {kink} and no derivative there: its slope is {left} on the left "
        "and {right} on the right. The centered difference averages them, ({left} + {right})/2 "
        "= {mean}, at every step, and the forward difference sees only the right one, {right}; "
        "the core (like PyTorch) uses f'({kink}) = {exact}. No step passes a check here: keep "
        "test points away from kinks."
    ),
    "past_kink": (
        "The step reaches past the kink at {kink}: [x − h, x + h] contains it, so Taylor's "
        "theorem does not apply there (no model). The centered difference mixes the slopes on "
        "both sides and is off by {centered_error}; the forward difference, which only looks at "
        "[x, x + h], is off by {forward_error}. Steps up to |x − kink| = {reach} see only one "
        "smooth piece of f."
    ),
    "x_plus_h_is_x": (
        "x + h rounds to x in {precision}: h = {h} is below half the gap between x and the next "
        "{precision} number ({half_gap}), so f(x + h) = f(x) and the forward difference is "
        "exactly 0: its error is |f'(x)| = {abs_exact}. {minus}"
    ),
    "no_truncation": (
        "The centered difference has no truncation error here (f''' = 0{f2}): only rounding is "
        "left, about ε|f(x)|/h = {centered_rounding}, and it shrinks as the step grows, as long "
        "as f(x ± h) stays close to f(x), that is for h well below |f(x)/f'(x)| = {scale}.{beyond}"
    ),
    "truncation": (
        "Centered difference: truncation dominates: a smaller step helps, down to about the "
        "predicted best step h* = (3 ε |f| / |f'''|)^(1/3) = {h_c} (error ≈ {err_c}). {forward}"
    ),
    "rounding": (
        "Centered difference: rounding dominates: a larger step helps, up to about the predicted "
        "best step h* = (3 ε |f| / |f'''|)^(1/3) = {h_c} (error ≈ {err_c}). {forward}"
    ),
}
"""How the explorer words each case of `cnnbp_core.explain.REGIMES`."""


def _kink_words(r, e) -> dict:
    """What the two kink cases quote: where the kink is, its slopes, the errors."""
    return {
        "kink": "" if r.kink is None else number(r.kink),
        "left": number(r.slopes[0]),
        "right": number(r.slopes[1]),
        "mean": number(e.centered),
        "exact": number(e.exact),
        "centered_error": number(e.centered_error, 2),
        "forward_error": number(e.forward_error, 2),
        "reach": number(r.reach),
    }


def _rounding_words(r, e, m, precision) -> dict:
    """What the cases without truncation quote: x + h rounding to x, the model's limit."""
    beyond = f" Past |x − kink| = {number(r.reach)} the step reaches the kink (no model)."
    if r.kink is None:
        beyond = (
            " Beyond that, the rounding of f(x ± h) itself keeps the error near ε|f'(x)| = "
            f"{number(r.floor, 2)}."
        )
    minus = "So does x − h: the centered difference is 0 too."
    if not r.x_minus_h_is_x:
        minus = (
            "x − h does not round to x: the centered difference is (f(x) − f(x − h)) / 2h = "
            f"{number(e.centered)}."
        )
    no_f2 = math.isinf(r.optimum.forward_step)
    return {
        "precision": precision,
        "h": number(r.step),
        "half_gap": number(r.half_gap, 2),
        "abs_exact": number(abs(e.exact)),
        "minus": minus,
        "f2": ", and f'' = 0: none in the forward one either" if no_f2 else "",
        "centered_rounding": number(m.centered_rounding, 2),
        "scale": number(r.scale, 2),
        "beyond": beyond,
    }


def _best_step_words(o) -> dict:
    """What the truncation and rounding cases quote: the predicted best steps."""
    return {
        "h_c": number(o.centered_step, 2),
        "err_c": number(o.centered_error, 1),
        "forward": (
            f"Forward difference: h* = 2 (ε |f| / |f''|)^(1/2) = {number(o.forward_step, 2)} "
            f"(error ≈ {number(o.forward_error, 1)})."
        ),
    }


def _verdict(name, step, precision, e, m) -> str:
    """The case this step falls in (decided by `fd_regime`), in a sentence or three."""
    r = fd_regime(name, step, precision)
    words = {**_kink_words(r, e), **_rounding_words(r, e, m, precision)}
    return _VERDICTS[r.kind].format(**words, **_best_step_words(r.optimum))


def _head_html(name, step, precision, e) -> str:
    return (
        f"<b>{html.escape(fd_function(name).label)}</b>: f'(x) = {number(e.exact, 12)}. "
        f"Step h = {number(step)} in {precision} (machine epsilon ε = "
        f"{number(machine_epsilon(precision), 2)})."
    )


def fd_explorer_html(name="cubic", step=1e-4, precision="float64") -> str:
    """What the finite-difference explorer shows for one choice of function, step, precision.

    Parameters
    ----------
    name : str
        A key of `cnnbp_core.explain.FD_FUNCTIONS`.
    step : float
        The step h, in the explorer's range [1e-16, 1] (`cnnbp_core.explain.EXPLORER_GRID`).
    precision : {"float64", "float32"}

    Returns
    -------
    str
        HTML: the function, f'(x) and the machine epsilon; a table of both estimates with their
        errors and the model's truncation and rounding terms (each cell's exact value in
        ``data-value``, the errors also in ``data-forward-error`` and ``data-centered-error``);
        a sentence on the case the step falls in (`cnnbp_core.explain.fd_regime`); the
        error-vs-step curves (SVG) with h marked.

    Examples
    --------
    >>> view = fd_explorer_html("cubic", 1e-4)
    >>> "truncation dominates" in view, "<svg" in view
    (True, True)
    >>> "rounding dominates" in fd_explorer_html("cubic", 1e-9)
    True
    >>> "rounds to x in float32" in fd_explorer_html("cubic", 1e-10, "float32")
    True
    >>> fd_explorer_html("sine")
    Traceback (most recent call last):
    ValueError: name must be one of ('cubic', 'square', 'sin', 'exp', 'relu_near_kink', 'relu_at_kink'); got 'sine'
    >>> fd_explorer_html("cubic", 1e-20)
    Traceback (most recent call last):
    ValueError: step (the explorer's range) must lie in [1e-16, 1]; got 1e-20
    """  # noqa: E501
    fd_function(name)
    low, high = float(EXPLORER_STEPS[0]), float(EXPLORER_STEPS[-1])
    step = in_interval(
        positive(step, "step"), "step (the explorer's range)", low, high, closed="both"
    )
    precision = choice(precision, "precision", PRECISIONS)
    e, m = fd_estimates(name, step, precision), fd_error_model(name, step, precision)
    data = (
        f'<div data-forward-error="{e.forward_error!r}" '
        f'data-centered-error="{e.centered_error!r}" style="font:14px sans-serif">'
    )
    table = _table_html(e, m, 12 if precision == "float64" else 8)
    verdict = html.escape(_verdict(name, step, precision, e, m))
    text = f'<div class="verdict" style="max-width:760px">{verdict}</div>'
    plot = _plot_svg(name, step, precision, e)
    return f"{data}<div>{_head_html(name, step, precision, e)}</div>{table}{text}{plot}</div>"


def _controls(widgets, name, step, precision) -> dict:
    """The three controls, by parameter: every value they can take is a valid state."""
    style = {"description_width": "initial"}
    return {
        "name": widgets.Dropdown(
            options=[(f.label, key) for key, f in FD_FUNCTIONS.items()],
            value=name,
            description=CONTROL_DESCRIPTIONS["name"],
            style=style,
            layout=widgets.Layout(width="360px"),
        ),
        "step": widgets.FloatLogSlider(
            value=snap_step(step),
            base=10,
            min=EXPLORER_GRID.low,
            max=EXPLORER_GRID.high,
            step=1 / EXPLORER_GRID.per_decade,
            description=CONTROL_DESCRIPTIONS["step"],
            readout_format=".3g",
            style=style,
            continuous_update=True,
            layout=widgets.Layout(width="420px"),
        ),
        "precision": widgets.ToggleButtons(
            options=list(PRECISIONS),
            value=precision,
            description=CONTROL_DESCRIPTIONS["precision"],
            style=style,
        ),
    }


def finite_difference_explorer(*, name="cubic", step=1e-4, precision="float64"):
    """A dropdown for the function, a log slider for the step, buttons for the precision.

    The slider moves over `cnnbp_core.explain.EXPLORER_STEPS` (1e-16 to 1, four steps per
    decade: `cnnbp_core.explain.EXPLORER_GRID`) and its value is snapped to that grid
    (`snap_step`); the dropdown lists `cnnbp_core.explain.FD_FUNCTIONS`; the buttons float64
    and float32. So every reachable state is a valid view. Each control has a stable
    description (`CONTROL_DESCRIPTIONS`): ``"function f"``, ``"step h"``, ``"precision"``.

    Parameters
    ----------
    name, step, precision
        The starting state, as for `fd_explorer_html` (the step is snapped to the grid).

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of controls and the HTML view.

    Examples
    --------
    >>> explorer = finite_difference_explorer()
    >>> controls = {c.description: c for c in explorer.children[0].children}
    >>> controls["step h"].value = 1e-9
    >>> "rounding dominates" in explorer.children[1].value
    True
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    fd_function(name)
    controls = _controls(widgets, name, step, choice(precision, "precision", PRECISIONS))
    view = widgets.HTML()

    def render():
        c = {key: control.value for key, control in controls.items()}
        return fd_explorer_html(c["name"], snap_step(c["step"]), c["precision"])

    wire(controls, view, render)
    return widgets.VBox([widgets.VBox(list(controls.values())), view])
