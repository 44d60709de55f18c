"""Chapter 01's finite-difference explorer: pick a function, a step and a precision.

`fd_explorer_html` is the pure view (testable and timed without a browser): the two estimates
of f'(x) and their errors beside the model's truncation and rounding terms, a sentence saying
which term dominates, and the error-vs-step curves as an inline SVG with the chosen step
marked. `finite_difference_explorer` wires three controls to it. Every state the controls can
reach has a view: the step slider offers only the grid `cnnbp_core.explain.EXPLORER_STEPS`,
the other two controls only listed choices. ipywidgets is imported when the explorer is built.
"""

from __future__ import annotations

import functools
import html
import math

import numpy as np

from ...explain.gradcheck import (
    EXPLORER_STEPS,
    FD_FUNCTIONS,
    PRECISIONS,
    fd_error_curves,
    fd_error_model,
    fd_estimates,
    fd_optimum,
)
from ...validation import one_of, positive
from ..plots.gradcheck import CENTERED_COLOR, FLOOR, FORWARD_COLOR
from ..style import OUTLINE

CONTROL_DESCRIPTIONS = {"name": "function f", "step": "step h", "precision": "precision"}
"""The description (label) of each control of `finite_difference_explorer`, by parameter."""

_W, _H, _LEFT, _TOP, _BOTTOM = 560, 270, 52, 12, 34  # the SVG plot's size and margins, in px
_LOG_H, _LOG_E = (-16.0, 0.0), (-18.0, 1.0)  # the plot's ranges of log10 h and log10 error


def snap_step(step) -> float:
    """The step of `EXPLORER_STEPS` nearest to ``step`` on a log scale (a slider's value).

    >>> snap_step(1.0000000000000002e-06), snap_step(2e-6), snap_step(1e-30)
    (1e-06, 1.778e-06, 1e-16)
    """
    step = positive(step, "step")
    k = round(4 * math.log10(step)) + 64  # EXPLORER_STEPS[k] = 10**(k/4 - 16)
    return float(EXPLORER_STEPS[min(max(k, 0), len(EXPLORER_STEPS) - 1)])


@functools.lru_cache(maxsize=32)
def _curves(name, precision):
    """The measured errors over every step the explorer offers (computed once per choice)."""
    return fd_error_curves(name, precision)


def _x(h) -> float:
    return _LEFT + (math.log10(h) - _LOG_H[0]) / (_LOG_H[1] - _LOG_H[0]) * (_W - _LEFT - 10)


def _y(err) -> float:
    e = math.log10(min(max(err, 10 ** _LOG_E[0]), 10 ** _LOG_E[1]))
    return _TOP + (_LOG_E[1] - e) / (_LOG_E[1] - _LOG_E[0]) * (_H - _TOP - _BOTTOM)


def _polyline(steps, errors, colour, dashed=False) -> str:
    """A curve, broken where it has no value (NaN) or leaves the top of the plot."""
    runs, run = [], []
    for h, e in zip(steps, errors):
        if np.isfinite(e) and e <= 10 ** _LOG_E[1]:
            run.append(f"{_x(h):.1f},{_y(max(e, FLOOR)):.1f}")
        elif run:
            runs.append(run)
            run = []
    runs.append(run)
    dash = ' stroke-dasharray="5,4" opacity="0.65"' if dashed else ""
    return "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>'
        for r in runs
        if len(r) > 1
    )


def _axes_svg() -> str:
    """Frame, decade ticks and labels of the log-log plot."""
    parts = [
        f'<rect x="{_LEFT}" y="{_TOP}" width="{_W - _LEFT - 10}" height="{_H - _TOP - _BOTTOM}"'
        ' fill="none" stroke="#999"/>'
    ]
    for k in range(-16, 1, 2):
        x = _x(10.0**k)
        parts.append(
            f'<line x1="{x:.1f}" y1="{_H - _BOTTOM}" x2="{x:.1f}" y2="{_H - _BOTTOM + 4}"'
            ' stroke="#999"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{_H - _BOTTOM + 15}" font-size="10" '
            f'text-anchor="middle">1e{k}</text>'
        )
    for k in range(-18, 1, 3):
        y = _y(10.0**k)
        parts.append(
            f'<text x="{_LEFT - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">1e{k}</text>'
        )
    parts.append(
        f'<text x="{(_W + _LEFT) / 2:.0f}" y="{_H - 3}" font-size="11" '
        'text-anchor="middle">step h</text>'
    )
    parts.append(f'<text x="12" y="{_TOP + 4}" font-size="11">error</text>')
    return "".join(parts)


def _plot_svg(name, step, precision, e) -> str:
    """The curves, the model, the predicted best steps and the chosen step, as SVG."""
    c, best = _curves(name, precision), fd_optimum(name, precision)
    model = fd_error_model(name, c.steps, precision)
    smooth = np.asarray(model.smooth)
    parts = [_axes_svg()]
    for kind, colour in (("forward", FORWARD_COLOR), ("centered", CENTERED_COLOR)):
        parts.append(
            _polyline(c.steps, np.where(smooth, getattr(model, kind), np.nan), colour, dashed=True)
        )
        parts.append(_polyline(c.steps, getattr(c, kind), colour))
        h_star = getattr(best, f"{kind}_step")
        if math.isfinite(h_star) and 1e-16 <= h_star <= 1:
            x = _x(h_star)
            parts.append(
                f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_H - _BOTTOM}" '
                f'stroke="{colour}" stroke-dasharray="1,3"/>'
            )
    x = _x(step)
    parts.append(
        f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{_H - _BOTTOM}" '
        f'stroke="{OUTLINE}" stroke-width="2.5" opacity="0.8"/>'
    )
    for err, colour in ((e.forward_error, FORWARD_COLOR), (e.centered_error, CENTERED_COLOR)):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{_y(max(err, FLOOR)):.1f}" r="4.5" '
            f'fill="{colour}" stroke="{OUTLINE}" stroke-width="1.5"/>'
        )
    legend = (
        ("forward (f(x+h) − f(x)) / h", FORWARD_COLOR),
        ("centered (f(x+h) − f(x−h)) / 2h", CENTERED_COLOR),
        ("dashed: model; dotted: predicted best h", "#555"),
    )
    for k, (text, colour) in enumerate(legend):
        parts.append(
            f'<text x="{_LEFT + 8}" y="{_H - _BOTTOM - 40 + 13 * k}" font-size="10.5" '
            f'fill="{colour}">{html.escape(text)}</text>'
        )
    body = "".join(parts)
    return f'<svg width="{_W}" height="{_H}" style="font-family:sans-serif">{body}</svg>'


def _g(v, digits=2) -> str:
    """A number for the table: ``nan`` as a dash, a true minus sign."""
    if not math.isfinite(v):
        return "—"
    return f"{v + 0.0:.{digits}g}".replace("-", "−")


def _table_html(e, m, digits) -> str:
    """Estimate (to ``digits`` digits), error and the model's two terms, for both."""
    head = ("", "estimate of f'(x)", "|estimate − f'(x)|", "model: truncation", "rounding")
    rows = (
        ("forward", FORWARD_COLOR, e.forward, e.forward_error, m.forward_truncation,
         m.forward_rounding),
        ("centered", CENTERED_COLOR, e.centered, e.centered_error, m.centered_truncation,
         m.centered_rounding),
    )  # fmt: skip
    cell = "padding:2px 10px;text-align:right;font:13px monospace"
    out = ["<tr>" + "".join(f'<th style="{cell};font-weight:bold">{h}</th>' for h in head)]
    for label, colour, value, err, trunc, rnd in rows:
        terms = (
            _g(value, digits),
            _g(err),
            _g(trunc) if m.smooth else "no model",
            _g(rnd) if m.smooth else "no model",
        )
        out.append(
            f'<tr><td style="{cell};color:{colour};font-weight:bold">{label}</td>'
            + "".join(f'<td style="{cell}">{t}</td>' for t in terms)
            + "</tr>"
        )
    return f'<table style="border-collapse:collapse;margin:6px 0">{"".join(out)}</table>'


def _verdict(name, step, precision, e, m) -> str:
    """What this step shows, in a sentence or two."""
    f, best = FD_FUNCTIONS[name], fd_optimum(name, precision)
    if f.kink is not None and f.x == f.kink:
        return (
            "f has a kink at x = 0 and no derivative there. The centered difference averages "
            "the slopes on either side, (0 + 1)/2 = 0.5, at every step; the core (like "
            "PyTorch) uses ReLU'(0) = 0. No step passes a check here: keep test points away "
            "from kinks."
        )
    if not m.smooth:
        return (
            f"The step reaches past the kink at {f.kink:g}: [x − h, x + h] contains it, so "
            "Taylor's theorem no longer applies (no model) and the error is of order 1, "
            f"whatever the precision. Steps below {abs(f.x - f.kink):g} see only the linear "
            "part of f."
        )
    if e.forward == e.centered == 0.0 and e.exact != 0.0:
        return (
            f"x + h rounds to x in {precision}: h is below half a unit in the last place "
            "of x, so both differences are exactly 0 and the error is |f'(x)|."
        )
    h_star = best.centered_step
    if not math.isfinite(h_star):
        return (
            "The centered difference has no truncation error here (f''' = 0): only "
            "rounding is left, and the larger the step, the smaller it is."
        )
    if m.centered_truncation > m.centered_rounding:
        side = "truncation dominates: a smaller step helps, down to about"
    else:
        side = "rounding dominates: a larger step helps, up to about"
    return (
        f"Centered difference: {side} the predicted best step h* = (3 ε |f| / |f'''|)^(1/3) "
        f"= {best.centered_step:.2g} (error ≈ {best.centered_error:.1g}). Forward "
        f"difference: h* = 2 (ε |f| / |f''|)^(1/2) = {best.forward_step:.2g} (error ≈ "
        f"{best.forward_error:.1g})."
    )


def fd_explorer_html(name="cubic", step=1e-4, precision="float64") -> str:
    """What the finite-difference explorer shows for one choice of function, step, precision.

    Parameters
    ----------
    name : str
        A key of `cnnbp_core.explain.FD_FUNCTIONS`.
    step : float > 0
        The step h.
    precision : {"float64", "float32"}

    Returns
    -------
    str
        HTML: the function, f'(x) and the machine epsilon; a table of both estimates with their
        errors and the model's truncation and rounding terms (the exact errors also in
        ``data-forward-error`` and ``data-centered-error`` attributes); a sentence on which term
        dominates and the predicted best steps; the error-vs-step curves (SVG) with h marked.

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
    """  # noqa: E501
    one_of(name, "name", tuple(FD_FUNCTIONS))
    step, precision = positive(step, "step"), one_of(precision, "precision", PRECISIONS)
    e, m = fd_estimates(name, step, precision), fd_error_model(name, step, precision)
    eps = float(np.finfo(precision).eps)
    head = (
        f"<b>{html.escape(FD_FUNCTIONS[name].label)}</b>: f'(x) = {_g(e.exact, 12)}. "
        f"Step h = {step:.4g} in {precision} (machine epsilon ε = {eps:.2g})."
    )
    data = (
        f'<div data-forward-error="{e.forward_error!r}" '
        f'data-centered-error="{e.centered_error!r}" style="font:14px sans-serif">'
    )
    verdict = html.escape(_verdict(name, step, precision, e, m))
    table = _table_html(e, m, 12 if precision == "float64" else 8)
    text = f'<div style="max-width:760px">{verdict}</div>'
    return f"{data}<div>{head}</div>{table}{text}{_plot_svg(name, step, precision, e)}</div>"


def finite_difference_explorer(*, name="cubic", step=1e-4, precision="float64"):
    """A dropdown for the function, a log slider for the step, buttons for the precision.

    The slider moves over `cnnbp_core.explain.EXPLORER_STEPS` (1e-16 to 1, four steps per
    decade) and its value is snapped to that grid (`snap_step`); the dropdown lists
    `cnnbp_core.explain.FD_FUNCTIONS`; the buttons float64 and float32. So every reachable
    state is a valid view. Each control has a stable description (`CONTROL_DESCRIPTIONS`):
    ``"function f"``, ``"step h"``, ``"precision"``.

    Parameters
    ----------
    name, step, precision
        The starting state, as for `fd_explorer_html`.

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

    one_of(name, "name", tuple(FD_FUNCTIONS))
    one_of(precision, "precision", PRECISIONS)
    style = {"description_width": "initial"}
    controls = {
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
            min=-16,
            max=0,
            step=0.25,
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
    view = widgets.HTML()

    def on_change(_change=None):
        c = {key: control.value for key, control in controls.items()}
        view.value = fd_explorer_html(c["name"], snap_step(c["step"]), c["precision"])

    for control in controls.values():
        control.observe(on_change, names="value")
    on_change()
    return widgets.VBox([widgets.VBox(list(controls.values())), view])
