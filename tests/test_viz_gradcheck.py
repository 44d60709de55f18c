"""The finite-difference explorer and its static figure: every reachable state is valid, shows
the numbers of cnnbp_core.explain, and updates well under 100 ms."""

import html
import re
import statistics
import time

import numpy as np
import pytest
from conftest import run_python

from cnnbp_core import viz
from cnnbp_core.explain import gradcheck as G
from cnnbp_core.viz.plots import gradcheck as plots
from cnnbp_core.viz.widgets import gradcheck as widgets_fd


def test_importing_the_explorer_does_not_import_ipywidgets():
    code = "import sys, cnnbp_core.viz.widgets.gradcheck\nprint('ipywidgets' in sys.modules)"
    assert run_python(code).strip() == "False"


def shown_errors(view):
    found = re.search(r'data-forward-error="([^"]+)" data-centered-error="([^"]+)"', view)
    return float(found[1]), float(found[2])


def test_every_state_of_the_view_is_valid_and_shows_the_estimates():
    for name in G.FD_FUNCTIONS:
        for precision in G.PRECISIONS:
            e = G.fd_estimates(name, G.EXPLORER_STEPS, precision)
            for k, step in enumerate(G.EXPLORER_STEPS):
                view = viz.fd_explorer_html(name, step, precision)
                state = (name, precision, step)
                assert "<svg" in view and "nan" not in view.lower(), state
                assert shown_errors(view) == (e.forward_error[k], e.centered_error[k]), state
                assert view.count("<circle") == 2, state  # the two errors at the chosen step


def test_the_verdict_says_which_term_dominates_and_names_the_special_cases():
    assert "truncation dominates" in viz.fd_explorer_html("sin", 1e-3)
    assert "rounding dominates" in viz.fd_explorer_html("sin", 1e-9)
    assert "rounds to x in float32" in viz.fd_explorer_html("exp", 1e-9, "float32")
    assert "reaches past the kink" in viz.fd_explorer_html("relu_near_kink", 0.01)
    assert "no model" in viz.fd_explorer_html("relu_near_kink", 0.01)
    assert "averages the slopes" in viz.fd_explorer_html("relu_at_kink", 1e-6)
    assert "no truncation error here" in viz.fd_explorer_html("square", 1e-4)
    best = G.fd_optimum("cubic")
    assert f"= {best.centered_step:.2g} (error" in viz.fd_explorer_html("cubic", 1e-4)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="name must be one of"):
        viz.fd_explorer_html("sine")
    with pytest.raises(ValueError, match="step must be > 0"):
        viz.fd_explorer_html("cubic", 0.0)
    with pytest.raises(ValueError, match="precision must be one of"):
        viz.fd_explorer_html("cubic", 1e-3, "half")
    with pytest.raises(ValueError, match="step must be > 0"):
        widgets_fd.snap_step(-1.0)


def test_snap_step_finds_the_nearest_grid_step_on_a_log_scale():
    rng = np.random.default_rng(0)
    for _ in range(200):
        step = 10 ** rng.uniform(-17, 1)
        snapped = widgets_fd.snap_step(step)
        distance = np.abs(np.log10(G.EXPLORER_STEPS) - np.log10(step))
        assert snapped == G.EXPLORER_STEPS[np.argmin(distance)]


def controls_of(explorer):
    return {c.description: c for c in explorer.children[0].children}


def test_the_explorer_moves_over_every_state_quickly():
    """Driven through the widget (callback, compute, HTML), every update timed, not the best."""
    explorer = viz.finite_difference_explorer()
    view, c = explorer.children[1], controls_of(explorer)
    assert set(c) == set(widgets_fd.CONTROL_DESCRIPTIONS.values())
    times = []
    for name in G.FD_FUNCTIONS:
        for precision in G.PRECISIONS:
            for step in (1e-12, 1e-7, 1e-2):
                for control, value in (("function f", name), ("precision", precision)):
                    c[control].value = value
                start = time.perf_counter()
                c["step h"].value = step * 1.0000001  # the browser's float, snapped to the grid
                times.append(time.perf_counter() - start)
                assert f"Step h = {step:.4g} in {precision}" in view.value
                assert html.escape(G.FD_FUNCTIONS[name].label) in view.value
    assert max(times) < 0.1 and statistics.median(times) < 0.02, times


def test_the_slider_offers_only_the_grid():
    c = controls_of(viz.finite_difference_explorer(step=3e-5))
    slider = c["step h"]
    assert (slider.min, slider.max, slider.step, slider.base) == (-16, 0, 0.25, 10)
    assert slider.value == widgets_fd.snap_step(3e-5) == 3.162e-05
    with pytest.raises(ValueError, match="name must be one of"):
        viz.finite_difference_explorer(name="tanh")


def test_the_figure_draws_the_curves_the_model_and_the_chosen_step():
    fig = viz.fd_error_figure("cubic", step=1e-4)
    assert len(fig.axes) == 2
    for ax, precision in zip(fig.axes, G.PRECISIONS):
        curves = G.fd_error_curves("cubic", precision)
        measured = [line for line in ax.lines if line.get_label() in ("forward", "centered")]
        for line, kind in zip(measured, ("forward", "centered")):
            np.testing.assert_array_equal(line.get_xdata(), curves.steps)
            np.testing.assert_array_equal(line.get_ydata(), np.maximum(getattr(curves, kind),
                                                                       plots.FLOOR))  # fmt: skip
        best = G.fd_optimum("cubic", precision)
        verticals = {
            l.get_xdata()[0] for l in ax.lines if l.get_linestyle() == ":" and len(l.get_xdata())
        }
        assert {best.forward_step, best.centered_step} <= verticals
        assert ax.get_title().startswith(precision)
    median = viz.fd_error_figure("cubic", ("float64",), points=[0.6, 0.7, 0.8])
    assert median.axes[0].get_title() == "float64: x³ − 2x, median of 3 points near x = 0.7"
    single = viz.fd_error_figure("relu_at_kink", "float32")
    assert len(single.axes) == 1 and single.axes[0].get_title().startswith("float32")
    with pytest.raises(ValueError, match="step must be > 0"):
        viz.fd_error_figure("cubic", step=-1.0)
    with pytest.raises(ValueError, match="name must be one of"):
        viz.fd_error_figure("cosine")
