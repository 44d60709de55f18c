"""The gradient-descent explorer and its static figures: every reachable state is valid, each
contour, iterate, mark and table cell shows the number of cnnbp_core.explain.sgd it claims to."""

import html
import re

import numpy as np
import pytest
from conftest import run_python

from cnnbp_core.explain import sgd as S
from cnnbp_core.viz import style
from cnnbp_core.viz.plots import sgd as plots
from cnnbp_core.viz.plots.graphs import number
from cnnbp_core.viz.widgets import sgd as W

FIT = S.line_fit()
OPENING = {  # how the verdict's first part, on the learning rate, begins
    "no overshoot": "No overshoot: lr = ",
    "oscillating": "Oscillating, converging: 1/λ_max = ",
    "diverging": "Diverging: lr = ",
}
BUDGET = {True: "Enough steps: after ", False: "Not enough steps: after "}  # its second part


def test_importing_the_explorer_does_not_import_ipywidgets():
    code = "import sys, cnnbp_core.viz.widgets.sgd\nprint('ipywidgets' in sys.modules)"
    assert run_python(code).strip() == "False"


# --- reading a view back --------------------------------------------------------------------


def attribute(view, name):
    return re.search(rf'class="gd-explorer"[^>]* {name}="([^"]+)"', view)[1]


def table(view):
    return {
        name: (float(value), text)
        for name, value, text in re.findall(
            r'data-name="(\w+)" data-value="([^"]+)"[^>]*>([^<]*)</td>', view
        )
    }


def verdict(view):
    """The verdict's two parts: (on the learning rate, on the budget)."""
    inner = re.search(r'<div class="verdict"[^>]*>(.*?)</div>', view)[1]
    rate = re.search(r'<span class="rate" data-rate="([^"]+)"[^>]*>([^<]*)</span>', inner)
    budget = re.search(r'<span class="budget" data-enough="(\w+)"[^>]*>([^<]*)</span>', inner)
    return html.unescape(rate[2]), html.unescape(budget[2])


def percents(text):
    return [float(v.replace("−", "-")) for v in re.findall(r"([\d.e+−]+)%", text)]


def marks(view, cls):
    """{step: (x, y)} of the iterates (circles) or the hollow squares' centres."""
    if cls == "iterate":
        found = re.findall(r'class="iterate" data-step="(\d+)" cx="([^"]+)" cy="([^"]+)"', view)
        return {int(k): (float(x), float(y)) for k, x, y in found}
    found = re.findall(r'class="outside" data-step="(\d+)" x="([^"]+)" y="([^"]+)"', view)
    return {int(k): (float(x) + 3, float(y) + 3) for k, x, y in found}


def polylines(view, cls):
    return [
        [tuple(map(float, p.split(","))) for p in points.split()]
        for points in re.findall(rf'<polyline class="{cls}"[^>]* points="([^"]+)"', view)
    ]


def near(a, b, tol=0.11):  # coordinates are printed to 0.1 px
    return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol


# --- the view ------------------------------------------------------------------------------------


def test_every_state_of_the_view_is_valid_and_answers_both_questions():
    paths = {float(lr): S.gd_path(float(lr), S.GD_MAX_STEPS) for lr in S.GD_LEARNING_RATES}
    shares = {
        lr: (p.losses - FIT.min_loss) / (p.losses[0] - FIT.min_loss) for lr, p in paths.items()
    }
    for lr, full in paths.items():
        whole = S.lr_regime(lr, S.GD_MAX_STEPS, path=full)
        for steps in range(1, S.GD_MAX_STEPS + 1):
            view = W.gd_explorer_html(lr, steps)
            state = (lr, steps)
            path = full.first(steps)  # = gd_path(lr, steps) (test_explain_sgd)
            r = S.lr_regime(lr, steps, path=path)
            assert "nan" not in view.lower() and "inf" not in view.lower(), state
            assert attribute(view, "data-regime") == r.kind, state
            assert attribute(view, "data-rate") == r.rate, state
            assert attribute(view, "data-enough") == str(r.enough).lower(), state
            assert float(attribute(view, "data-lr")) == lr and attribute(view, "data-steps") == str(
                steps
            )
            rate, budget = verdict(view)
            assert rate.startswith(OPENING[r.rate]), (state, rate)
            assert budget.startswith(BUDGET[r.enough]), (state, budget)
            # the steps actually taken: the budget, or fewer when the iterates escaped
            taken = f"{path.steps} step{'' if path.steps == 1 else 's'}"
            assert budget.startswith(f"{BUDGET[r.enough]}{taken} the excess loss"), (state, budget)
            # the share it quotes is the path's, on the right side of 1%
            if r.fraction <= 1:
                quoted = percents(budget)[0] / 100
                assert quoted == pytest.approx(r.fraction, rel=5e-3, abs=5e-6), state
                assert (quoted <= S.GOOD_FRACTION) == r.enough, state
            # how many steps this rate needs, read off its longest path
            if not r.enough and whole.enough_at is not None:
                assert f"At this rate it gets to 1% at step {whole.enough_at}." in budget, state
            # the rate of the grid that leaves the least after this budget, by the real paths
            left = {k: f[steps] for k, f in shares.items() if steps < len(f)}
            best = min(left, key=left.get)
            if not r.enough and best != lr:
                assert f"lr = {number(best)}" in budget, (state, budget)
            # the loss: falling at every step, or rising from the step the verdict names
            if r.rate == "diverging":
                assert "the loss must eventually grow without bound" in rate
                if r.rises_from is None:
                    assert "it has not started to: the loss has fallen at every step" in rate
                else:
                    assert f"rises at every step from step {r.rises_from} on" in rate
            else:
                assert np.all(np.diff(path.losses) < 0) and "the loss falls at every step" in rate
            for wrong in ("every overshoot is larger", "Too small", "Good:", "fastest learning"):
                assert wrong not in rate + budget, (state, wrong)
            if "fastest" in rate:
                assert "fastest in the long run" in rate, state
            # one mark per iterate after the start: a dot inside the box, a square outside
            shown = {**marks(view, "iterate"), **marks(view, "outside")}
            assert sorted(shown) == list(range(1, path.steps + 1)), state
            cells = table(view)
            assert cells["lr"][0] == lr and cells["loss"][0] == path.losses[-1], state
            assert cells["fraction"][0] == r.fraction and cells["bound"][0] == r.bound, state
            assert cells["steep_factor"][0] == r.factors[1], state
            assert cells["worst_factor"][0] == r.worst_factor, state


def test_the_verdict_answers_the_review_on_its_states():
    # the budget, for every rate: oscillating and converging, but 30 steps are not enough
    rate, budget = verdict(W.gd_explorer_html(0.2332, 30))
    assert rate.startswith("Oscillating, converging: 1/λ_max = 0.1178 < lr = 0.2332 < 2/λ_max")
    assert budget.startswith("Not enough steps: after 30 steps the excess loss L − L* is still "
                             "21.6% of its value at the start, above 1%.")  # fmt: skip
    rate, budget = verdict(W.gd_explorer_html(0.229, 30))
    assert budget.startswith("Not enough steps: after 30 steps the excess loss L − L* is still "
                             "3.16% of its value")  # fmt: skip
    assert "At this rate it gets to 1% at step 41." in budget
    # just below 1/λ_max the rate is not "too small": the budget is what is short
    rate, budget = verdict(W.gd_explorer_html(0.1166, 30))
    assert rate.startswith("No overshoot: lr = 0.1166 <= 1/λ_max = 0.1178")
    assert budget.startswith("Not enough steps: after 30 steps") and "5.19%" in budget
    assert "At this rate it gets to 1% at step 59." in budget
    assert "A larger rate, up to 1/λ_max = 0.1178, leaves less after any number" in budget
    assert "No rate of the explorer gets to 1% in 30 steps; the closest, lr = 0.1778, leaves " \
        "2.04%." in budget  # fmt: skip
    rate, budget = verdict(W.gd_explorer_html(0.1, 100))
    assert budget == ("Enough steps: after 100 steps the excess loss L − L* is 0.208% of its "
                      "value at the start, at most 1% (it got there at step 69).")  # fmt: skip
    # one digit more where three would round onto the threshold: 1.0004% is not enough
    assert (
        "still 1.0004% of its value at the start, above 1%"
        in verdict(W.gd_explorer_html(0.229, 40))[1]
    )


def test_diverging_is_worded_truly_at_every_budget():
    losses = S.gd_path(0.2379, 3).losses  # 5.606 -> 5.577 -> 5.574, then up
    assert losses[1] < losses[0] and losses[2] < losses[1] < losses[3]
    for steps in (1, 2):
        rate, budget = verdict(W.gd_explorer_html(0.2379, steps))
        assert "grows by |−1.02| > 1 a step" in rate
        assert "the loss must eventually grow without bound" in rate
        assert rate.endswith("Within this budget it has not started to: the loss has fallen at "
                             "every step.")  # fmt: skip
        assert (
            "No number of steps is enough at this rate: the loss is lowest after step 2, "
            "at 99.4% of the start's excess, and rises at every step after it."
        ) in budget
    rate, _ = verdict(W.gd_explorer_html(0.2379, 3))
    assert rate.endswith("Within this budget it has: the loss rises at every step from step 3 on.")
    rate, budget = verdict(W.gd_explorer_html(0.3162, 30))
    assert "rises at every step from step 1 on" in rate
    assert "after 26 steps the excess loss L − L* is still 4.2e+11 times its value" in budget
    assert "Step 27 would land farther than 1e+06 from θ*: the run is stopped there." in budget
    assert "No number of steps is enough at this rate: the loss rises from the first." in budget


def test_oscillating_says_the_loss_still_falls():
    rate, _ = verdict(W.gd_explorer_html(0.2332, 30))
    assert (
        "It is the iterates that oscillate, not the loss: on this quadratic "
        "L − L* = ½ Σ λ_i c_i², c_i the offset's components along the eigenvectors, and "
        "below 2/λ_max every |c_i| shrinks, so the loss falls at every step."
    ) in rate
    assert "change sign each step, yet shrink, since |−0.9798| < 1" in rate


def test_the_optimal_rate_is_fastest_only_in_the_long_run():
    label = dict(W.TABLE_ROWS)["optimal"]
    assert (
        label == "2/(λ_min + λ_max) (smallest worst-case factor per step: fastest in the long run)"
    )
    rate, budget = verdict(W.gd_explorer_html(0.229, 30))
    assert ("so the worst-case factor per step, max |1 − lr·λ| = 0.9441, is the smallest of any "
            "rate: the fastest in the long run. Over a short budget another rate can leave less: "
            "after 30 steps lr = 0.1778 leaves 2.04% of the start's excess, this one 3.16%.") \
        in rate  # fmt: skip
    assert "after 40 steps lr = 0.1778 leaves 0.839%" in verdict(W.gd_explorer_html(0.229, 40))[0]
    assert (
        "after 47 steps none of the explorer's rates does."
        in verdict(W.gd_explorer_html(0.229, 47))[0]
    )
    assert "fastest" not in " ".join(verdict(W.gd_explorer_html(0.2332, 40)))


def test_bounds_are_printed_apart_from_the_rate_and_the_edges_worded():
    rate, _ = verdict(W.gd_explorer_html(0.2356, 50))  # just above 2/λ_max = 0.235583
    assert rate.startswith("Diverging: lr = 0.2356 > 2/λ_max = 0.23558.")
    assert "1 − lr·λ_max = −1.0001" in rate and "rises at every step from step 44 on" in rate
    rate, budget = verdict(W.gd_explorer_html(FIT.stability_bound, 10))
    assert rate.startswith("Oscillating, not converging: lr = 2/λ_max = 0.2356")
    assert "keep their distance along it, never reaching θ*" in rate
    assert "stays above 1% for all 100 steps" in budget
    rate, _ = verdict(W.gd_explorer_html(FIT.oscillation_onset, 10))
    assert "1 − lr·λ_max = 0 >= 0" in rate


@pytest.mark.parametrize("lr", [0.01, 0.1778, 0.2379, 0.3162])
def test_the_svg_draws_each_iterate_and_loss_where_it_belongs(lr):
    path = S.gd_path(lr, S.GD_MAX_STEPS)
    view = W.gd_explorer_html(lr, S.GD_MAX_STEPS)
    dots, squares = marks(view, "iterate"), marks(view, "outside")
    for k, (w, b) in enumerate(path.params[1:], start=1):
        if W.inside(w, b):
            assert near(dots[k], W.contour_point(w, b)), k
        else:
            (w0, w1), (b0, b1) = S.GD_BOX
            assert near(squares[k], W.contour_point(min(max(w, w0), w1), min(max(b, b0), b1)))
    start = re.search(r'class="start" cx="([^"]+)" cy="([^"]+)"', view)
    assert near((float(start[1]), float(start[2])), W.contour_point(*S.GD_START))
    # the loss curve: every loss on the panel, in order (a run breaks where it leaves the top)
    drawn = [p for run in polylines(view, "loss") for p in run]
    expected = [W.loss_point(k, v) for k, v in enumerate(path.losses) if v <= 1e3]
    assert len(drawn) == len(expected) and all(near(a, b) for a, b in zip(drawn, expected))
    assert view.count('class="loss-now') == 1
    # a loss above the panel: a triangle over its top edge, with its value
    above = re.findall(r'class="off-scale" data-step="(\d+)" data-value="([^"]+)" points="([^"]+)"',
                       view)  # fmt: skip
    assert [int(k) for k, *_ in above] == [k for k, v in enumerate(path.losses[:-1]) if v > 1e3]
    for k, value, points in above:  # a small triangle pointing up, just over the top edge
        assert float(value) == path.losses[int(k)]
        (x1, y1), (x2, y2), (x3, y3) = (map(float, p.split(",")) for p in points.split())
        x, top = W.loss_point(int(k), 1e3)  # the step's x; the top edge
        assert abs((x1 + x2) / 2 - x) <= 0.11 and abs(x3 - x) <= 0.11 and x1 < x3 < x2
        assert top - 3 <= y1 == y2 < top and top - 10 <= y3 < y1  # base just above, apex up


def test_no_loss_of_the_explorer_falls_below_the_panel_or_comes_back_from_above_it():
    # why the loss panel clips only at its top and draws the losses as one run: over the
    # longest path of every rate (every budget's path is its start), each loss lies above the
    # panel's bottom, and once one leaves the top, every later one stays above it
    for lr in S.GD_LEARNING_RATES:
        losses = S.gd_path(float(lr), S.GD_MAX_STEPS).losses
        assert losses.min() >= FIT.min_loss > plots.LOSS_LIMITS[0]
        above = losses > plots.LOSS_LIMITS[1]
        assert not np.any(above[:-1] & ~above[1:]), lr
        view = W.gd_explorer_html(float(lr), S.GD_MAX_STEPS)
        assert len(polylines(view, "loss")) == (np.count_nonzero(~above) > 1)
    top, bottom = W.loss_point(0, plots.LOSS_LIMITS[1])[1], W.loss_point(0, FIT.min_loss)[1]
    assert W.loss_point(7, 1e12) == (W.loss_point(7, 1.0)[0], top) and top < bottom


def test_a_last_loss_off_the_panel_is_labelled_with_its_value():
    path = S.gd_path(0.3162, 30)
    view = W.gd_explorer_html(0.3162, 30)
    dot = re.search(r'class="loss-now off-scale" data-value="([^"]+)" cx="([^"]+)" cy="([^"]+)"',
                    view)  # fmt: skip
    assert float(dot[1]) == path.losses[-1] == pytest.approx(2.311e12, rel=1e-3)
    assert near((float(dot[2]), float(dot[3])), W.loss_point(path.steps, 1e3))  # on the top edge
    label = re.search(
        r'<text class="off-scale-label" data-value="([^"]+)"[^>]*>([^<]*)</text>', view
    )
    assert float(label[1]) == path.losses[-1]
    assert label[2] == "L = 2.311e+12: off scale, above the top"
    assert len(re.findall(r'class="off-scale"', view)) == sum(path.losses[:-1] > 1e3) > 0
    for lr, steps in ((0.3162, 4), (0.2379, 100), (0.1, 30)):  # the last loss on the panel
        view = W.gd_explorer_html(lr, steps)
        assert S.gd_path(lr, steps).losses[-1] <= 1e3 and "off-scale-label" not in view


def test_the_path_is_clipped_to_the_box_and_follows_the_iterates():
    for lr in (0.1, 0.2379, 0.3162):
        view = W.gd_explorer_html(lr, S.GD_MAX_STEPS)
        (w0, w1), (b0, b1) = S.GD_BOX
        (x0, y0), (x1, y1) = W.contour_point(w0, b1), W.contour_point(w1, b0)
        for run in polylines(view, "path"):
            for x, y in run:
                assert x0 - 0.05 <= x <= x1 + 0.05 and y0 - 0.05 <= y <= y1 + 0.05
    # a path inside the box is one polyline through every iterate
    path = S.gd_path(0.1, 50)
    (run,) = polylines(W.gd_explorer_html(0.1, 50), "path")
    assert all(near(a, W.contour_point(*p)) for a, p in zip(run, path.params))


def test_clip_segment_keeps_exactly_the_part_inside_the_box():
    low, high = np.array(S.GD_BOX).T  # (w0, b0), (w1, b1)
    rng = np.random.default_rng(0)
    for _ in range(300):
        p, q = rng.uniform(-6, 7, 2), rng.uniform(-6, 7, 2)
        piece = plots.clip_segment(tuple(p), tuple(q))
        t = np.linspace(0, 1, 2001)[:, None]
        inside = [W.inside(*pt) for pt in p + t * (q - p)]
        if piece is None:
            assert not any(inside[1:-1])
            continue
        a, b = np.array(piece[0]), np.array(piece[1])
        for pt in (a, b):
            assert np.allclose(np.clip(pt, low, high), pt, atol=1e-12)  # in the box
            # on the segment: collinear with p and q
            cross = (q - p)[0] * (pt - p)[1] - (q - p)[1] * (pt - p)[0]
            assert abs(cross) < 1e-9 * max(1.0, np.linalg.norm(q - p) ** 2)
        covered = np.linalg.norm(b - a) / max(np.linalg.norm(q - p), 1e-300)
        assert covered == pytest.approx(np.mean(inside), abs=2e-3)


def test_the_eigen_axes_run_through_the_minimum_from_box_edge_to_box_edge():
    (w0, w1), (b0, b1) = S.GD_BOX

    def on_edge(p):  # in the box and on one of its edges, to rounding
        (w, b), tol = p, 1e-12
        edge = min(abs(w - w0), abs(w - w1), abs(b - b0), abs(b - b1))
        return w0 - tol <= w <= w1 + tol and b0 - tol <= b <= b1 + tol and edge <= tol

    axes = plots.eigen_axes()
    assert list(axes) == ["flat", "steep"]
    for name, k in (("flat", 0), ("steep", 1)):
        p, q = np.array(axes[name])
        assert on_edge(p) and on_edge(q), (name, p, q)
        v = FIT.eigenvectors[:, k]  # along the eigenvector through θ*, which lies between
        t_p, t_q = (p - FIT.minimiser) @ v, (q - FIT.minimiser) @ v
        np.testing.assert_allclose([p, q], FIT.minimiser + np.outer([t_p, t_q], v), atol=1e-12)
        assert t_p < 0 < t_q
    # the figure and the explorer draw these very segments
    drawn = artists(plots.gd_path_figure().axes[0])
    view = W.gd_explorer_html()
    for name, (p, q) in axes.items():
        np.testing.assert_array_equal(np.column_stack(drawn[f"eigen {name}"].get_data()), [p, q])
        line = re.search(rf'<line class="eigen {name}" x1="([^"]+)" y1="([^"]+)" x2="([^"]+)" '
                         r'y2="([^"]+)"', view)  # fmt: skip
        ends = (float(line[1]), float(line[2])), (float(line[3]), float(line[4]))
        assert near(ends[0], W.contour_point(*p)) and near(ends[1], W.contour_point(*q))
    with pytest.raises(TypeError):  # no box to get wrong: always GD_BOX, which holds θ*
        plots.eigen_axes(((2.0, 3.0), (0.0, 1.0)))


def test_the_contours_are_the_chapter_levels_of_the_loss():
    ratios = np.array(plots.CONTOUR_EXCESS[1:]) / plots.CONTOUR_EXCESS[:-1]
    np.testing.assert_allclose(ratios, np.resize([2.5, 2.0, 2.0], len(ratios)))  # 1-2-5
    assert [excess for _, excess, _ in W.contour_lines()] == list(plots.CONTOUR_EXCESS)
    grid_step = (S.GD_BOX[0][1] - S.GD_BOX[0][0]) / 120
    for level, excess, pieces in W.contour_lines():
        assert level == FIT.min_loss + excess and pieces
        for piece in pieces:
            losses = [S.line_fit_loss(p) for p in piece[::10]]
            # marching squares on the 121x121 grid: off by at most λ_max h²/8 per cell
            assert np.allclose(losses, level, atol=FIT.eigenvalues[1] * grid_step**2)
    view = W.gd_explorer_html()
    drawn = re.findall(r'class="contour" data-level="([^"]+)"', view)
    assert {float(v) for v in drawn} == {level for level, _, _ in W.contour_lines()}
    assert view.count('class="eigen steep"') == view.count('class="eigen flat"') == 1
    assert view.count('class="minimum"') == 1


def test_the_loss_panel_marks_the_minimum_and_the_good_threshold():
    view = W.gd_explorer_html()
    lines = dict(re.findall(r'<line class="([\w-]+)" data-value="([^"]+)"', view))
    colours = dict(re.findall(r'<line class="([\w-]+)" [^>]*stroke="([^"]+)"', view))
    assert colours["good-threshold"] == style.GREEN == plots.REGIME_COLORS["good"]
    assert float(lines["min-loss"]) == FIT.min_loss
    start = S.line_fit_loss(S.GD_START)
    threshold = FIT.min_loss + S.GOOD_FRACTION * (start - FIT.min_loss)
    assert float(lines["good-threshold"]) == pytest.approx(threshold, rel=1e-15)


def test_the_verdict_quotes_the_numbers_that_decide_it():
    rate, budget = verdict(W.gd_explorer_html(0.01, 100))
    assert "1/λ_max = 0.1178" in rate and "18.1% of its value" in budget
    assert "stays above 1% for all 100 steps" in budget
    rate, budget = verdict(W.gd_explorer_html(0.1, 100))
    assert "at most 1%" in budget and number(1 - 0.1 * FIT.eigenvalues[0]) in rate
    rate, _ = verdict(W.gd_explorer_html(0.229, 40))
    assert "This is 2/(λ_min + λ_max)" in rate and "1 − lr·λ_max = −0.9441" in rate
    rate, budget = verdict(W.gd_explorer_html(0.3162, 100))
    assert "Step 27 would land farther than 1e+06" in budget and "times its value" in budget
    # a budget of 100 steps, of which the path took 26 before escaping
    assert budget.startswith("Not enough steps: after 26 steps the excess loss L − L* is still")
    rate, budget = verdict(W.gd_explorer_html(0.2379, 100))
    assert "2/λ_max = 0.2356" in rate and "stopped" not in budget
    assert "In 100 steps, lr = 0.229 gets there: it leaves 0.001%." in budget


def test_iterates_outside_the_box_are_counted():
    view = W.gd_explorer_html(0.3162, 30)
    note = re.search(r'class="note" data-outside="(\d+)">([^<]*)<', view)
    path = S.gd_path(0.3162, 30)
    assert int(note[1]) == sum(not W.inside(*p) for p in path.params) == 25
    assert note[2] == ("25 of the 27 iterates lie outside the box: each is drawn as a hollow "
                       "square on its edge.")  # fmt: skip
    one = re.search(r'class="note" data-outside="(\d+)">([^<]*)<', W.gd_explorer_html(0.2379, 47))
    assert int(one[1]) == sum(not W.inside(*p) for p in S.gd_path(0.2379, 47).params) == 1
    assert one[2] == ("1 of the 48 iterates lies outside the box: it is drawn as a hollow square "
                      "on its edge.")  # fmt: skip
    assert 'class="note"' not in W.gd_explorer_html(0.1, 30)


BAD_VIEWS = [
    (lambda: W.gd_explorer_html(0.5, 10), ValueError, r"explorer's range\) must lie in"),
    (lambda: W.gd_explorer_html(0.0, 10), ValueError, "lr must be > 0"),
    (lambda: W.gd_explorer_html(0.1, 0), ValueError, r"steps must lie in \[1, 100\]"),
    (lambda: W.gd_explorer_html(0.1, 101), ValueError, r"steps must lie in \[1, 100\]"),
    (lambda: W.gd_explorer_html(0.1, 5.0), TypeError, "steps must be an int"),
    (lambda: W.gd_explorer_html("0.1", 5), TypeError, "lr must be a real number"),
    (lambda: W.snap_lr(-1.0), ValueError, "lr must be > 0"),
    (lambda: W.loss_point(3, 0.0), ValueError, "loss must be > 0 and finite; got 0.0"),
    (lambda: W.loss_point(3, np.inf), ValueError, "loss must be > 0 and finite; got inf"),
    (lambda: W.gd_explorer(steps=0), ValueError, r"steps must lie in \[1, 100\]"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_VIEWS)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_snap_lr_finds_the_nearest_grid_rate_on_a_log_scale():
    rng = np.random.default_rng(0)
    for _ in range(200):
        lr = 10 ** rng.uniform(-4, 0)
        distance = np.abs(np.log10(S.GD_LEARNING_RATES) - np.log10(lr))
        assert W.snap_lr(lr) == S.GD_LEARNING_RATES[np.argmin(distance)]


# --- the explorer --------------------------------------------------------------------------------


def controls_of(explorer):
    return {c.description: c for c in explorer.children[0].children}


def test_the_sliders_offer_only_valid_states_and_drive_the_view():
    explorer = W.gd_explorer(lr=0.2, steps=7)
    c, view = controls_of(explorer), explorer.children[1]
    assert set(c) == set(W.CONTROL_DESCRIPTIONS.values())
    lr, steps = c["learning rate"], c["steps"]
    assert [value for _, value in lr.options] == list(S.GD_LEARNING_RATES)
    assert [label for label, _ in lr.options] == [number(v) for v in S.GD_LEARNING_RATES]
    assert lr.value == W.snap_lr(0.2) == 0.1778 and steps.value == 7
    assert (steps.min, steps.max) == (1, S.GD_MAX_STEPS)
    assert view.value == W.gd_explorer_html(0.1778, 7)
    for value, kind in ((0.3162, "diverging"), (0.01, "too small"), (0.229, "oscillating")):
        lr.value = value
        assert f'data-regime="{kind}"' in view.value
    steps.value = 100
    lr.value = 0.1
    assert view.value == W.gd_explorer_html(0.1, 100)
    assert 'data-regime="good"' in view.value


# --- the static figures --------------------------------------------------------------------------


def artists(ax):
    return {a.get_gid(): a for a in (*ax.lines, *ax.collections) if a.get_gid()}


@pytest.mark.parametrize(("lr", "steps"), [(0.1778, 30), (0.2379, 100), (0.3162, 100)])
def test_the_path_figure_draws_the_path_and_the_losses_of_explain(lr, steps):
    fig = plots.gd_path_figure(lr, steps)
    left, right = fig.axes
    path = S.gd_path(lr, steps)
    a = artists(left)
    np.testing.assert_array_equal(np.column_stack(a["path"].get_data()), path.params)
    np.testing.assert_array_equal(a["start"].get_xydata()[0], S.GD_START)
    np.testing.assert_array_equal(a["minimum"].get_xydata()[0], FIT.minimiser)
    for name, k in (("flat", 0), ("steep", 1)):
        xs, ys = a[f"eigen {name}"].get_data()
        direction = np.array([xs[1] - xs[0], ys[1] - ys[0]])
        u, v = direction / np.linalg.norm(direction), FIT.eigenvectors[:, k]
        assert abs(u[0] * v[1] - u[1] * v[0]) < 1e-12  # parallel
    assert (left.get_xlim(), left.get_ylim()) == S.GD_BOX
    b = artists(right)
    np.testing.assert_array_equal(b["loss"].get_ydata(), path.losses)
    assert b["min loss"].get_ydata()[0] == FIT.min_loss
    assert right.get_yscale() == "log"
    r = S.lr_regime(lr, steps)
    assert fig.get_suptitle() == f"lr = {number(lr)}, {steps} steps: {plots.regime_label(r)}"
    assert plots.regime_label(r) == f"{r.rate}; {'enough' if r.enough else 'not enough'} steps"


def test_the_default_path_figure_is_the_explorers_starting_state():
    fig = plots.gd_path_figure()
    lr, steps = S.GD_EXPLORER_STATE
    assert fig.get_suptitle() == f"lr = {number(lr)}, {steps} steps: oscillating; not enough steps"
    assert S.lr_regime(lr, steps).fraction < 0.05  # it converges, visibly
    explorer = W.gd_explorer()
    c = controls_of(explorer)
    assert (c["learning rate"].value, c["steps"].value) == S.GD_EXPLORER_STATE


def test_the_comparison_figure_shows_one_curve_per_regime():
    fig = plots.lr_comparison_figure()
    (ax,) = fig.axes
    a = artists(ax)
    kinds = []
    for lr in plots.COMPARED_LRS:
        line = a[f"lr {number(lr)}"]
        path = S.gd_path(lr, S.GD_MAX_STEPS)
        np.testing.assert_array_equal(line.get_ydata(), path.losses)
        kind = S.lr_regime(lr, S.GD_MAX_STEPS).kind
        assert line.get_label() == f"lr = {number(lr)}: {kind}"
        assert line.get_color() == plots.REGIME_COLORS[kind]
        kinds.append(kind)
    assert kinds == ["too small", "good", "diverging"]
    assert a["good threshold"].get_ydata()[0] == plots.good_threshold()
    assert a["good threshold"].get_color() == style.GREEN
    assert set(plots.REGIME_COLORS) == set(S.LR_REGIMES)
    escaped = plots.lr_comparison_figure([0.3162], 100)
    (line,) = [x for x in escaped.axes[0].lines if x.get_gid() == "lr 0.3162"]
    assert len(line.get_ydata()) == S.gd_path(0.3162, 100).steps + 1  # ends where it stopped


def test_both_loss_figures_set_up_the_loss_axis_alike():
    for ax, steps in ((plots.gd_path_figure().axes[1], S.GD_MAX_STEPS),
                      (plots.lr_comparison_figure(steps=60).axes[0], 60)):  # fmt: skip
        assert ax.get_yscale() == "log" and ax.get_ylim() == plots.LOSS_LIMITS
        assert ax.get_xlim() == (0, steps)
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "loss L(w, b)")
        assert "good threshold" in artists(ax) and ax.get_legend() is not None


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: plots.gd_path_figure(0.1, 0), ValueError, r"steps must lie in \[1, 100\]"),
        (lambda: plots.gd_path_figure(-1.0, 5), ValueError, "lr must be > 0"),
        (lambda: plots.lr_comparison_figure([0.1, 0.0]), ValueError, "lrs must be > 0"),
        (lambda: plots.lr_comparison_figure(steps=0), ValueError, "steps must be >= 1"),
    ],
)
def test_bad_figure_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
