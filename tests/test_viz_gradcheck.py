"""The finite-difference explorer and its static figure: every reachable state is valid, each
curve, mark and table cell shows the series of cnnbp_core.explain it claims to, and an update
through the widget takes well under 100 ms."""

import html
import re

import numpy as np
import pytest
from conftest import run_python
from matplotlib.colors import to_hex

from cnnbp_core import viz
from cnnbp_core.explain import gradcheck as G
from cnnbp_core.viz import style
from cnnbp_core.viz.plots import gradcheck as plots
from cnnbp_core.viz.plots.graphs import number
from cnnbp_core.viz.widgets import gradcheck as widgets_fd

FLOOR = plots.FLOOR
KINDS = ("forward", "centered")
OPENING = {  # how the verdict of each case of fd_regime begins
    "at_kink": "f has a kink at x = 0",
    "past_kink": "The step reaches past the kink at 0",
    "x_plus_h_is_x": "x + h rounds to x in",
    "no_truncation": "The centered difference has no truncation error here",
    "truncation": "Centered difference: truncation dominates",
    "rounding": "Centered difference: rounding dominates",
}


def test_importing_the_explorer_does_not_import_ipywidgets():
    code = "import sys, cnnbp_core.viz.widgets.gradcheck\nprint('ipywidgets' in sys.modules)"
    assert run_python(code).strip() == "False"


# --- reading a view back --------------------------------------------------------------------


def shown_errors(view):
    found = re.search(r'data-forward-error="([^"]+)" data-centered-error="([^"]+)"', view)
    return float(found[1]), float(found[2])


def table(view):
    """{(kind, column): (exact value, shown text)} from the table's data-value attributes."""
    cells = {}
    for kind, row in re.findall(r'<tr class="(\w+)">(.*?)</tr>', view):
        for column, value, text in re.findall(
            r'<td data-column="(\w+)" data-value="([^"]+)"[^>]*>([^<]*)</td>', row
        ):
            cells[kind, column] = (float(value), text)
    return cells


def verdict(view):
    return html.unescape(re.search(r'<div class="verdict"[^>]*>(.*?)</div>', view)[1])


def svg_curves(view):
    """{class: [point, ...]} of every polyline (the runs of a broken curve joined)."""
    curves = {}
    for cls, points in re.findall(r'<polyline class="([^"]+)" points="([^"]+)"', view):
        curves.setdefault(cls, []).extend(points.split())
    return curves


def svg_verticals(view):
    return dict(re.findall(r'<line class="([^"]+)" x1="([^"]+)"', view))


def svg_circles(view):
    found = re.findall(r'<circle class="([^"]+)" cx="([^"]+)" cy="([^"]+)"', view)
    return {cls: (cx, cy) for cls, cx, cy in found}


def drawn(steps, errors):
    """The points a curve should have: finite errors up to the top of the plot, floored."""
    return [
        "{:.1f},{:.1f}".format(*widgets_fd.svg_point(h, max(e, FLOOR)))
        for h, e in zip(steps, errors)
        if np.isfinite(e) and e <= 10.0 ** widgets_fd.LOG_E[1]
    ]


# --- the view ----------------------------------------------------------------------------------


def test_every_state_of_the_view_is_valid_and_its_table_shows_the_estimates_and_the_model():
    for name in G.FD_FUNCTIONS:
        for precision in G.PRECISIONS:
            e = G.fd_estimates(name, G.EXPLORER_STEPS, precision)
            m = G.fd_error_model(name, G.EXPLORER_STEPS, precision)
            digits = 12 if precision == "float64" else 8
            for k, step in enumerate(G.EXPLORER_STEPS):
                view = viz.fd_explorer_html(name, step, precision)
                state = (name, precision, step)
                assert "<svg" in view and "nan" not in view.lower(), state
                assert shown_errors(view) == (e.forward_error[k], e.centered_error[k]), state
                assert view.count("<circle") == 2, state  # the two errors at the chosen step
                cells = table(view)
                for kind in KINDS:
                    expected = {
                        "estimate": getattr(e, kind)[k],
                        "error": getattr(e, f"{kind}_error")[k],
                        "truncation": getattr(m, f"{kind}_truncation")[k],
                        "rounding": getattr(m, f"{kind}_rounding")[k],
                    }
                    for column, value in expected.items():
                        assert cells[kind, column][0] == value, (state, kind, column)
                    assert cells[kind, "estimate"][1] == number(expected["estimate"], digits)
                    assert cells[kind, "error"][1] == number(expected["error"], 2)
                    for column in ("truncation", "rounding"):
                        text = number(expected[column], 2) if m.smooth[k] else "no model"
                        assert cells[kind, column][1] == text, (state, kind, column)
                kind = G.fd_regime(name, step, precision).kind
                assert verdict(view).startswith(OPENING[kind]), (state, verdict(view))


@pytest.mark.parametrize("name", list(G.FD_FUNCTIONS))
@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_svg_draws_each_series_where_it_belongs(name, precision):
    panel = G.fd_error_panel(name, G.EXPLORER_STEPS, precision)
    model = G.fd_error_model(name, G.EXPLORER_STEPS, precision)
    for step in (1e-12, 1e-6, 3.162e-3, 1.0):
        view = viz.fd_explorer_html(name, step, precision)
        curves, verticals, circles = svg_curves(view), svg_verticals(view), svg_circles(view)
        e = G.fd_estimates(name, step, precision)
        for kind in KINDS:
            measured = getattr(panel.curves, kind)
            assert curves.get(f"{kind} measured") == drawn(G.EXPLORER_STEPS, measured), kind
            modelled = np.where(model.smooth, getattr(model, kind), np.nan)
            assert curves.get(f"{kind} model", []) == drawn(G.EXPLORER_STEPS, modelled), kind
            h_star = getattr(panel.optimum, f"{kind}_step")
            if 1e-16 <= h_star <= 1:
                x_star = widgets_fd.svg_point(h_star, 1)[0]
                assert verticals[f"{kind} predicted-best"] == f"{x_star:.1f}", kind
            else:
                assert f"{kind} predicted-best" not in verticals
            x, y = widgets_fd.svg_point(step, max(getattr(e, f"{kind}_error"), FLOOR))
            assert circles[f"{kind} at-step"] == (f"{x:.1f}", f"{y:.1f}"), kind
        assert verticals["step"] == f"{widgets_fd.svg_point(step, 1)[0]:.1f}"


def test_the_plot_frame_is_the_explorer_grid():
    assert widgets_fd.LOG_H == (G.EXPLORER_GRID.low, G.EXPLORER_GRID.high)
    assert widgets_fd.svg_point(G.EXPLORER_STEPS[0], 1)[0] == 52.0  # the frame's left edge
    assert widgets_fd.svg_point(G.EXPLORER_STEPS[-1], 1)[0] == 550.0  # and its right edge
    assert widgets_fd.svg_point(1.0, 0.0)[1] == widgets_fd.svg_point(1.0, FLOOR)[1]
    view = viz.fd_explorer_html()
    assert ">1e−16</text>" in view and ">1e0</text>" in view


def test_the_verdict_names_each_case_and_agrees_with_the_table():
    assert "truncation dominates" in viz.fd_explorer_html("sin", 1e-3)
    assert "rounding dominates" in viz.fd_explorer_html("sin", 1e-9)
    flat = verdict(viz.fd_explorer_html("exp", 1e-9, "float32"))
    assert flat.startswith("x + h rounds to x in float32") and "exactly 0" in flat
    assert "So does x − h: the centered difference is 0 too." in flat
    one = verdict(viz.fd_explorer_html("square", 1e-16))  # 1 - 1e-16 does not round to 1
    assert "x − h does not round to x" in one
    assert number(G.fd_estimates("square", 1e-16).centered) in one
    past = viz.fd_explorer_html("relu_near_kink", 0.01)
    assert "reaches past the kink" in past and "no model" in past
    assert "averages them, (0 + 1)/2 = 0.5" in viz.fd_explorer_html("relu_at_kink", 1e-6)
    square = verdict(viz.fd_explorer_html("square", 1e-4))
    assert "no truncation error here" in square and "|f(x)/f'(x)| = 0.5" in square  # its limit
    best = G.fd_optimum("cubic")
    assert f"= {number(best.centered_step, 2)} (error" in viz.fd_explorer_html("cubic", 1e-4)


def test_at_a_step_landing_on_the_kink_the_view_does_not_claim_a_large_error():
    """relu_near_kink at h = 1e-3: x - h is exactly the kink, the error is 0, and the model
    applies (the review found the verdict saying "order 1" beside a table showing 0)."""
    view = viz.fd_explorer_html("relu_near_kink", 1e-3)
    assert shown_errors(view) == (0.0, 0.0)
    assert "no model" not in {text for _, text in table(view).values()}
    assert "past the kink" not in verdict(view)
    assert "Past |x − kink| = 0.001" in verdict(view)


BAD_VIEWS = [
    (lambda: viz.fd_explorer_html("sine"), ValueError, "name must be one of"),
    (lambda: viz.fd_explorer_html(np.array(["sin"])), TypeError, "name must be a str"),
    (lambda: viz.fd_explorer_html("cubic", 0.0), ValueError, "step must be > 0"),
    (lambda: viz.fd_explorer_html("cubic", 1e-20), ValueError, r"explorer's range\) must lie"),
    (lambda: viz.fd_explorer_html("cubic", 1e-3, "half"), ValueError, "precision must be one of"),
    (lambda: widgets_fd.snap_step(-1.0), ValueError, "step must be > 0"),
    (lambda: viz.finite_difference_explorer(name="tanh"), ValueError, "name must be one of"),
    (lambda: viz.finite_difference_explorer(precision=["float32"]), TypeError, "precision must"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_VIEWS)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_snap_step_finds_the_nearest_grid_step_on_a_log_scale():
    rng = np.random.default_rng(0)
    for _ in range(200):
        step = 10 ** rng.uniform(-17, 1)
        snapped = widgets_fd.snap_step(step)
        distance = np.abs(np.log10(G.EXPLORER_STEPS) - np.log10(step))
        assert snapped == G.EXPLORER_STEPS[np.argmin(distance)]


def controls_of(explorer):
    return {c.description: c for c in explorer.children[0].children}


def test_the_slider_offers_only_the_grid():
    c = controls_of(viz.finite_difference_explorer(step=3e-5))
    slider = c["step h"]
    grid = G.EXPLORER_GRID
    assert (slider.min, slider.max, slider.base) == (grid.low, grid.high, 10)
    assert slider.step == 1 / grid.per_decade
    assert slider.value == widgets_fd.snap_step(3e-5) == 3.162e-05
    positions = np.arange(slider.min, slider.max + slider.step / 2, slider.step)
    assert [widgets_fd.snap_step(10.0**p) for p in positions] == list(G.EXPLORER_STEPS)


def test_the_explorer_updates_every_state_through_its_callback():
    """Driven through the widget (callback, compute, HTML): every function, precision and a
    step per regime. Speed is measured by `make bench`, never asserted here."""
    explorer = viz.finite_difference_explorer()
    view, c = explorer.children[1], controls_of(explorer)
    assert set(c) == set(widgets_fd.CONTROL_DESCRIPTIONS.values())
    for name in G.FD_FUNCTIONS:
        for precision in G.PRECISIONS:
            for step in (1e-12, 1e-7, 1e-2):
                c["function f"].value, c["precision"].value = name, precision
                c["step h"].value = 1.0  # away, so the next assignment is a change
                c["step h"].value = step * 1.0000001  # the browser's float, snapped
                assert f"Step h = {number(step)} in {precision}" in view.value
                assert html.escape(G.FD_FUNCTIONS[name].label) in view.value


# --- the static figure -------------------------------------------------------------------------


def lines(ax):
    return {line.get_gid(): line for line in ax.lines if line.get_gid()}


@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_figure_draws_the_measured_curves_and_the_model_of_the_chapter(precision):
    fig = viz.fd_error_figure("cubic", precision)
    drawn_lines = lines(fig.axes[0])
    curves = G.fd_error_curves("cubic", None, precision)
    h = curves.steps.astype(precision).astype(float)  # each step as used
    eps, f, f2, f3 = float(np.finfo(precision).eps), abs(0.7**3 - 1.4), 6 * 0.7, 6.0
    formulas = {
        "forward": h * f2 / 2 + 2 * eps * f / h,
        "centered": h**2 * f3 / 6 + eps * f / h,
    }
    for kind, colour in zip(KINDS, (style.BLUE, style.RED)):
        measured = drawn_lines[f"{kind} measured"]
        np.testing.assert_array_equal(measured.get_xdata(), curves.steps)
        np.testing.assert_array_equal(
            measured.get_ydata(), np.maximum(getattr(curves, kind), FLOOR)
        )
        model = drawn_lines[f"{kind} model"]
        assert model.get_linestyle() == "--"
        np.testing.assert_allclose(model.get_ydata(), formulas[kind], rtol=1e-10)
        assert to_hex(measured.get_color()) == to_hex(model.get_color()) == colour
    assert fig.axes[0].get_title() == f"{precision}: x³ − 2x at x = 0.7"


def test_the_model_is_masked_where_a_step_reaches_the_kink():
    fig = viz.fd_error_figure("relu_near_kink", "float64")
    drawn_lines = lines(fig.axes[0])
    for kind in KINDS:
        y = drawn_lines[f"{kind} model"].get_ydata()
        np.testing.assert_array_equal(np.isnan(y), G.EXPLORER_STEPS > 1e-3)
        assert f"{kind} predicted best" not in drawn_lines  # linear: no finite best step
    at = lines(viz.fd_error_figure("relu_at_kink", "float32").axes[0])
    assert all(np.isnan(at[f"{kind} model"].get_ydata()).all() for kind in KINDS)


@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_figure_marks_the_predicted_and_observed_best_steps_and_the_chosen_step(precision):
    ax = viz.fd_error_figure("sin", precision, step=1e-4).axes[0]
    drawn_lines = lines(ax)
    curves, best = G.fd_error_curves("sin", None, precision), G.fd_optimum("sin", precision)
    e = G.fd_estimates("sin", 1e-4, precision)
    for kind in KINDS:
        predicted = drawn_lines[f"{kind} predicted best"]
        assert list(predicted.get_xdata()) == [getattr(best, f"{kind}_step")] * 2
        observed = drawn_lines[f"{kind} observed best"]
        assert list(observed.get_xdata()) == [getattr(curves, f"best_{kind}")]
        low = max(float(getattr(curves, kind).min()), FLOOR)
        assert list(observed.get_ydata()) == [low]
    assert list(drawn_lines["step"].get_xdata()) == [1e-4, 1e-4]
    marks = drawn_lines["step errors"]
    assert list(marks.get_xdata()) == [1e-4, 1e-4]
    assert list(marks.get_ydata()) == [max(e.forward_error, FLOOR), max(e.centered_error, FLOOR)]
    assert to_hex(marks.get_color()) == style.OUTLINE


def test_with_points_every_curve_and_mark_is_taken_over_the_points():
    points = np.array([0.5, 0.6, 0.9])
    steps = G.log_steps(-10, 0)
    fig = viz.fd_error_figure("cubic", "float64", steps=steps, points=points, step=1e-3)
    ax = fig.axes[0]
    assert ax.get_title() == "float64: x³ − 2x, median of 3 points in [0.5, 0.9]"
    drawn_lines = lines(ax)
    model = G.fd_error_model("cubic", steps, x=points)
    per_point = G.fd_estimates("cubic", 1e-3, x=points)
    for kind in KINDS:
        np.testing.assert_array_equal(
            drawn_lines[f"{kind} model"].get_ydata(), np.median(getattr(model, kind), axis=0)
        )
        predicted = G.fd_optimum("cubic", x=0.6)  # the middle point, not the function's 0.7
        assert drawn_lines[f"{kind} predicted best"].get_xdata()[0] == getattr(
            predicted, f"{kind}_step"
        )
    marks = drawn_lines["step errors"].get_ydata()
    assert list(marks) == [
        np.median(per_point.forward_error),
        np.median(per_point.centered_error),
    ]
    away = viz.fd_error_figure("relu_near_kink", "float64", points=[0.002, 0.003])
    y = lines(away.axes[0])["centered model"].get_ydata()
    np.testing.assert_array_equal(np.isnan(y), G.EXPLORER_STEPS > 0.002)
    assert away.axes[0].get_title() == "float64: ReLU, median of 2 points in [0.002, 0.003]"
    single = viz.fd_error_figure("cubic", "float64", points=-0.5).axes[0]
    assert single.get_title() == "float64: x³ − 2x at x = −0.5"


BAD_FIGURES = [
    (lambda: viz.fd_error_figure("cubic", step=-1.0), ValueError, "step must be > 0"),
    (lambda: viz.fd_error_figure("cosine"), ValueError, "name must be one of"),
    (lambda: viz.fd_error_figure("cubic", ()), ValueError, "precisions must name at least one"),
    (lambda: viz.fd_error_figure("cubic", ("float16",)), ValueError, "precisions must be one of"),
    (lambda: viz.fd_error_figure("cubic", 64), TypeError, "precisions must be a str or a tuple"),
    (lambda: viz.fd_error_figure("cubic", steps=[]), ValueError, "steps must not be empty"),
    (lambda: viz.fd_error_figure("cubic", points=[]), ValueError, "x must not be empty"),
    (lambda: viz.fd_error_figure("cubic", points=1e200), ValueError, r"x \+ h"),
    (lambda: viz.fd_error_figure("cubic", "float32", step=1e-300), ValueError, "normal float32"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_FIGURES)
def test_bad_figure_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
