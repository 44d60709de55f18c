"""The numbers behind chapter 01's finite-difference figures and explorer.

The function table is checked against SymPy and against its own finite differences; estimates
against independent scalar computations (Python floats, NumPy float32 scalars); the error model
against hand-written formulas and the exact Taylor remainders of a polynomial; the predicted
best steps against a brute-force minimisation of the model and the measured curves; each case
of `fd_regime` against what the estimates actually do.
"""

import math

import numpy as np
import pytest
import sympy as sp

from cnnbp_core import explain
from cnnbp_core.explain import gradcheck as G

t = sp.Symbol("t", real=True)
SMOOTH = {"cubic": t**3 - 2 * t, "square": t**2, "sin": sp.sin(t), "exp": sp.exp(t)}
POINTS = (-1.3, -0.2, 0.0, 0.45, 0.7, 1.0, 2.5)


def test_log_steps_are_four_digit_decimals_increasing_by_a_fixed_ratio():
    steps = G.log_steps(-16, 0)
    assert steps[0] == 1e-16 and steps[-1] == 1.0 and len(steps) == 65
    assert all(float(f"{s:.4g}") == s for s in steps)
    ratios = steps[1:] / steps[:-1]
    np.testing.assert_allclose(ratios, 10**0.25, rtol=1e-3)
    np.testing.assert_array_equal(G.EXPLORER_STEPS, steps)
    np.testing.assert_array_equal(G.EXPLORER_STEPS, G.log_steps(*G.EXPLORER_GRID))
    assert G.log_steps(-307, -307)[0] == 1e-307 and G.log_steps(308, 308)[0] == 1e308
    with pytest.raises(ValueError, match=r"high must lie in \[0, 308\]; got -1"):
        G.log_steps(0, -1)
    with pytest.raises(ValueError, match=r"high must lie in \[0, 308\]; got 400"):
        G.log_steps(0, 400)
    with pytest.raises(ValueError, match=r"low must lie in \[-307, 308\]; got -400"):
        G.log_steps(-400, 0)
    with pytest.raises(ValueError, match="per_decade must be >= 1"):
        G.log_steps(-2, 0, per_decade=0)


def test_the_grid_index_is_the_nearest_step_on_a_log_scale():
    for k, step in enumerate(G.EXPLORER_STEPS):
        assert G.EXPLORER_GRID.index(step) == k
        assert G.EXPLORER_GRID.index(step * 1.1) == k  # 1.1 < 10**(1/8)
    assert G.EXPLORER_GRID.index(1e-30) == 0 and G.EXPLORER_GRID.index(1e5) == 64


@pytest.mark.parametrize("name", list(SMOOTH))
def test_the_smooth_functions_and_their_derivatives_match_sympy(name):
    f, expr = G.FD_FUNCTIONS[name], SMOOTH[name]
    exact = [sp.lambdify(t, sp.diff(expr, t, k)) for k in range(4)]
    for x in POINTS:
        assert f.derivatives(x) == pytest.approx([float(d(x)) for d in exact], rel=1e-14, abs=1e-15)
        value = f.value(np.array([x]))[0]
        assert value == pytest.approx(float(exact[0](x)), rel=1e-14, abs=1e-15)
        value32 = f.value(np.array([x], dtype=np.float32))
        assert value32.dtype == np.float32
        at32 = float(exact[0](float(np.float32(x))))  # f at x rounded to float32
        assert value32[0] == pytest.approx(at32, rel=1e-6, abs=1e-6)
    assert f.label.startswith(f.formula) and f" at x = {f.x:g}" in f.label


@pytest.mark.parametrize("name", ["relu_near_kink", "relu_at_kink"])
def test_relu_and_its_derivatives_match_sympy_away_from_the_kink(name):
    f = G.FD_FUNCTIONS[name]
    relu = sp.Piecewise((0, t < 0), (t, True))
    for x in POINTS:
        if x == 0:
            assert f.derivatives(x) == (0.0, 0.0, 0.0, 0.0)  # the core's convention
            continue
        expected = [float(sp.diff(relu, t, k).subs(t, x)) for k in range(4)]
        assert list(f.derivatives(x)) == expected
        assert f.value(np.array([x]))[0] == float(relu.subs(t, x))
    assert f.kink == 0.0 and f.formula == "ReLU"


@pytest.mark.parametrize("name", list(SMOOTH))
def test_each_smooth_function_is_differentiated_well_at_a_moderate_step(name):
    """An independent check of the table's pair (value, derivatives): at h = 1e-5 in float64
    the centered difference of `value` is within 1e-9 of the derivative f'(x)."""
    for x in POINTS:
        e = G.fd_estimates(name, 1e-5, x=x)
        assert e.centered_error < 1e-9, (name, x)
        value = G.FD_FUNCTIONS[name].value
        by_hand = (value(np.array([x + 1e-5])) - value(np.array([x - 1e-5])))[0] / 2e-5
        assert abs(by_hand - e.exact) < 1e-9


def scalar_estimates(name, h, dtype, x=None):
    """Forward and centered differences computed one scalar at a time, independently."""
    f = G.FD_FUNCTIONS[name]
    x, h = dtype(f.x if x is None else x), dtype(h)

    def value(v):
        return f.value(np.array([v], dtype=dtype))[0]

    forward = (value(x + h) - value(x)) / h
    centered = (value(x + h) - value(x - h)) / (dtype(2) * h)
    return float(forward), float(centered)


@pytest.mark.parametrize("name", list(G.FD_FUNCTIONS))
@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_estimates_equal_a_scalar_computation_in_the_same_precision(name, precision):
    rng = np.random.default_rng(1)
    steps = np.sort(G.EXPLORER_STEPS[rng.choice(65, 12, replace=False)])
    e = G.fd_estimates(name, steps, precision)
    dtype = np.dtype(precision).type
    for k, h in enumerate(steps):
        forward, centered = scalar_estimates(name, h, dtype)
        assert e.forward[k] == forward and e.centered[k] == centered, (name, precision, h)
        assert e.step[k] == float(dtype(h))  # the step as used
    slope = float(sp.diff(SMOOTH[name], t).subs(t, G.FD_FUNCTIONS[name].x)) if name in SMOOTH else (
        1.0 if name == "relu_near_kink" else 0.0
    )  # fmt: skip
    np.testing.assert_allclose(e.exact, slope, rtol=1e-15)


def test_shapes_broadcast_over_points_and_steps():
    x, h = np.array([0.3, 0.5, 0.9]), np.array([1e-3, 1e-2])
    both, per_step = G.fd_estimates("cubic", h, x=x), G.fd_estimates("cubic", h)
    per_point, one = G.fd_estimates("cubic", 1e-2, x=x), G.fd_estimates("cubic", 1e-2)
    assert both.forward.shape == both.step.shape == both.exact.shape == (3, 2)
    assert per_step.forward.shape == (2,) and per_point.forward.shape == (3,)
    assert isinstance(one.forward, float) and isinstance(one.forward_error, float)
    for i, p in enumerate(x):
        for k, s in enumerate(h):
            forward, centered = scalar_estimates("cubic", s, np.float64, p)
            assert both.forward[i, k] == forward and both.centered[i, k] == centered
            assert per_point.forward[i] == scalar_estimates("cubic", 1e-2, np.float64, p)[0]
    m = G.fd_error_model("cubic", h, x=x)
    assert m.forward.shape == m.smooth.shape == m.step.shape == (3, 2)
    assert G.fd_error_model("cubic", 1e-2, x=x).centered.shape == (3,)


def test_the_step_is_rounded_to_the_precision_and_reported_as_used():
    e = G.fd_estimates("cubic", 0.1, "float32")
    assert e.step == float(np.float32(0.1)) != 0.1
    assert G.fd_estimates("cubic", 0.1).step == 0.1
    m = G.fd_error_model("cubic", 0.1, "float32")
    assert m.step == e.step and m.centered_truncation == pytest.approx(e.step**2, rel=1e-15)


def test_a_cubic_has_the_exact_taylor_remainders_at_random_points():
    """x³ - 2x: forward = f' + h f''/2 + h²f'''/6, centered = f' + h² f'''/6, exactly."""
    rng = np.random.default_rng(2)
    x, h = rng.uniform(-2, 2, 7), rng.uniform(1e-3, 1e-1, 5)
    e = G.fd_estimates("cubic", h, x=x)
    assert e.forward.shape == e.centered.shape == (7, 5)
    f2, f3 = 6 * x[:, None], 6.0
    np.testing.assert_allclose(e.exact, np.broadcast_to(3 * x[:, None] ** 2 - 2, (7, 5)))
    np.testing.assert_allclose(
        e.centered - e.exact, np.broadcast_to(h**2 * f3 / 6, (7, 5)), rtol=1e-6
    )
    np.testing.assert_allclose(e.forward - e.exact, h * f2 / 2 + h**2 * f3 / 6, rtol=1e-6)


@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_model_terms_are_the_formulas_of_the_chapter(precision):
    """Written out by hand for the cubic at several points: h|f''|/2, 2 eps|f|/h, h²|f'''|/6,
    eps|f|/h, each in its own field, and the totals are their sums."""
    eps = float(np.finfo(precision).eps)
    h = np.array([1e-9, 1e-6, 1e-3, 0.1])
    for x in (0.7, -1.3, 2.0):
        m = G.fd_error_model("cubic", h, precision, x=x)
        used = h.astype(precision).astype(float)
        f, f2 = abs(x**3 - 2 * x), abs(6 * x)
        np.testing.assert_allclose(m.forward_truncation, used * f2 / 2, rtol=1e-12)
        np.testing.assert_allclose(m.forward_rounding, 2 * eps * f / used, rtol=1e-12)
        np.testing.assert_allclose(m.centered_truncation, used**2 * 6 / 6, rtol=1e-12)
        np.testing.assert_allclose(m.centered_rounding, eps * f / used, rtol=1e-12)
        np.testing.assert_allclose(m.forward, m.forward_truncation + m.forward_rounding)
        np.testing.assert_allclose(m.centered, m.centered_truncation + m.centered_rounding)
        assert m.smooth.all()
    sine = G.fd_error_model("sin", 1e-3, precision)  # |f'''| = cos 1, not |f''| = sin 1
    assert sine.centered_truncation == pytest.approx(1e-6 * math.cos(1) / 6, rel=1e-6)
    assert sine.forward_truncation == pytest.approx(1e-3 * math.sin(1) / 2, rel=1e-6)


def test_steps_below_half_an_ulp_of_x_give_zero_differences():
    e = G.fd_estimates("cubic", [1e-8, 1e-7], "float32")  # ulp(0.7) = 6e-8 in float32
    assert e.forward[0] == e.centered[0] == 0.0 and e.centered[1] != 0.0
    assert e.centered_error[0] == pytest.approx(0.53)
    assert G.fd_estimates("cubic", 1e-9, "float64").centered != 0.0


def test_relu_near_its_kink_is_exact_until_the_step_passes_the_kink():
    """h <= |x - kink| is smooth: at h = x, x - h lands on the kink and the error is still 0."""
    steps = np.array([1e-5, 1e-4, 1e-3, 1.778e-3, 1e-1])
    for precision in G.PRECISIONS:
        e = G.fd_estimates("relu_near_kink", steps, precision)
        m = G.fd_error_model("relu_near_kink", steps, precision)
        np.testing.assert_array_equal(m.smooth, [True, True, True, False, False])
        assert e.centered_error[2] == 0.0 and np.all(e.centered_error[3:] > 0.2)
    at = G.fd_estimates("relu_at_kink", steps)
    np.testing.assert_array_equal(at.centered, 0.5)  # the average of the slopes 0 and 1
    np.testing.assert_array_equal(at.forward, 1.0)
    assert at.exact[0] == 0.0  # the core's convention, ReLU'(0) = 0
    assert not np.any(G.fd_error_model("relu_at_kink", steps).smooth)
    away = G.fd_error_model("relu_at_kink", 0.5, x=[-0.4, 0.6])  # two points, one step
    np.testing.assert_array_equal(away.smooth, [False, True])


@pytest.mark.parametrize("name", ["cubic", "sin", "exp"])
@pytest.mark.parametrize("precision", G.PRECISIONS)
@pytest.mark.parametrize("x", [None, 1.7])
def test_the_predicted_best_step_minimises_the_model(name, precision, x):
    best = G.fd_optimum(name, precision, x=x)
    grid = np.logspace(-12, 0, 24001)
    m = G.fd_error_model(name, grid, precision, x=x)
    for kind in ("forward", "centered"):
        total = getattr(m, kind)
        h_star, err = getattr(best, f"{kind}_step"), getattr(best, f"{kind}_error")
        assert h_star == pytest.approx(grid[np.argmin(total)], rel=2e-3), kind
        assert err == pytest.approx(total.min(), rel=1e-6), kind


def test_the_optimum_is_the_closed_form_at_the_point_asked_for():
    eps = np.finfo(np.float64).eps
    for x in (0.7, 2.0, -1.3):
        f, f2 = abs(x**3 - 2 * x), abs(6 * x)
        o = G.fd_optimum("cubic", x=x)
        assert o.forward_step == pytest.approx(2 * math.sqrt(eps * f / f2), rel=1e-14)
        assert o.forward_error == pytest.approx(2 * math.sqrt(eps * f * f2), rel=1e-14)
        assert o.centered_step == pytest.approx((3 * eps * f / 6) ** (1 / 3), rel=1e-14)
        assert o.centered_error == pytest.approx(o.centered_step**2 * 6 / 2, rel=1e-14)


def test_functions_without_truncation_error_or_derivative_have_no_finite_best_step():
    assert G.fd_optimum("square").centered_step == math.inf
    assert math.isfinite(G.fd_optimum("square").forward_step)
    at = G.fd_optimum("relu_at_kink")
    assert at.forward_step == at.centered_step == math.inf and math.isnan(at.centered_error)
    near = G.fd_optimum("relu_near_kink")  # linear where smooth: no truncation at all
    assert near.forward_step == near.centered_step == math.inf


@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_observed_best_steps_lie_near_the_predicted_ones(precision):
    points = 0.7 + np.arange(-20, 21) / 200
    curves = G.fd_error_curves("cubic", G.log_steps(-16, 0, 8), precision, x=points)
    best = G.fd_optimum("cubic", precision)
    assert best.centered_step / 4 < curves.best_centered < best.centered_step * 4
    assert best.forward_step / 4 < curves.best_forward < best.forward_step * 4
    # the rounding model is a bound: where rounding dominates, the median error stays below it
    model = G.fd_error_model("cubic", curves.steps, precision)
    small = curves.steps < best.centered_step / 30
    small &= curves.steps > 100 * np.finfo(precision).eps  # x ± h still differs from x
    assert np.all(curves.centered[small] <= model.centered_rounding[small])


def test_a_single_point_gives_the_raw_curve_and_many_points_the_median():
    one = G.fd_error_curves("sin", G.log_steps(-8, 0))
    assert one.forward.shape == (33,)
    e = G.fd_estimates("sin", one.steps)
    np.testing.assert_array_equal(one.centered, e.centered_error)
    np.testing.assert_array_equal(one.forward, e.forward_error)
    many = G.fd_error_curves("sin", one.steps, x=[0.9, 1.0, 1.1])
    per_point = G.fd_estimates("sin", one.steps, x=[0.9, 1.0, 1.1])
    np.testing.assert_array_equal(many.centered, np.median(per_point.centered_error, axis=0))
    np.testing.assert_array_equal(many.forward, np.median(per_point.forward_error, axis=0))
    np.testing.assert_array_equal(G.fd_error_curves("sin").steps, G.EXPLORER_STEPS)


def test_fd_error_curves_takes_the_same_order_as_fd_estimates_and_the_old_keywords():
    steps = G.log_steps(-8, 0)
    positional = G.fd_error_curves("cubic", steps, "float32")
    by_keyword = G.fd_error_curves("cubic", precision="float32", steps=steps)
    np.testing.assert_array_equal(positional.centered, by_keyword.centered)
    np.testing.assert_array_equal(
        positional.centered, G.fd_estimates("cubic", steps, "float32").centered_error
    )
    with pytest.raises(TypeError, match="steps must be a number or an array of numbers, 1-D"):
        G.fd_error_curves("cubic", "float32", steps)  # the order before the review


def test_the_first_step_wins_a_tie():
    c = G.FDCurves(np.array([1.0, 2.0, 3.0]), np.array([5.0, 1.0, 1.0]), np.array([0, 0, 1.0]))
    assert c.best_forward == 2.0 and c.best_centered == 1.0


def test_the_panel_takes_model_and_measurements_over_the_same_points():
    steps, points = G.log_steps(-6, 0), np.array([0.0005, 0.001, 0.002, 0.004])
    p = G.fd_error_panel("relu_near_kink", steps, x=points)
    m = G.fd_error_model("relu_near_kink", steps, x=points)
    smooth_everywhere = steps <= 0.0005  # the nearest point to the kink decides
    np.testing.assert_array_equal(~np.isnan(p.centered_model), smooth_everywhere)
    np.testing.assert_array_equal(~np.isnan(p.forward_model), smooth_everywhere)
    np.testing.assert_allclose(
        p.centered_model[smooth_everywhere], np.median(m.centered, axis=0)[smooth_everywhere]
    )
    curves = G.fd_error_curves("relu_near_kink", steps, x=points)
    np.testing.assert_array_equal(p.curves.centered, curves.centered)
    np.testing.assert_array_equal(p.x, points)
    cubic = G.fd_error_panel("cubic", steps, "float32", x=[0.5, 0.6, 2.0])
    assert cubic.optimum == G.fd_optimum("cubic", "float32", x=0.6)  # the middle point
    one = G.fd_error_panel("cubic", steps)
    m1 = G.fd_error_model("cubic", steps)
    np.testing.assert_array_equal(one.forward_model, m1.forward)
    np.testing.assert_array_equal(one.centered_model, m1.centered)
    assert one.optimum == G.fd_optimum("cubic") and one.x == 0.7


def test_every_explorer_state_falls_in_the_case_its_numbers_show():
    for name in G.FD_FUNCTIONS:
        f = G.FD_FUNCTIONS[name]
        for precision in G.PRECISIONS:
            dtype = np.dtype(precision).type
            e = G.fd_estimates(name, G.EXPLORER_STEPS, precision)
            m = G.fd_error_model(name, G.EXPLORER_STEPS, precision)
            for k, h in enumerate(G.EXPLORER_STEPS):
                r = G.fd_regime(name, h, precision)
                state = (name, precision, h, r.kind)
                assert r.kind in G.REGIMES and r.step == float(dtype(h)), state
                plus_is_x = dtype(f.x) + dtype(h) == dtype(f.x)
                if r.kind == "at_kink":
                    assert f.x == f.kink and e.centered[k] == 0.5, state
                elif r.kind == "past_kink":
                    assert not m.smooth[k] and h > abs(f.x - f.kink), state
                elif r.kind == "x_plus_h_is_x":
                    assert plus_is_x and e.forward[k] == 0.0, state
                    assert e.centered[k] == 0.0 or not r.x_minus_h_is_x, state
                else:
                    assert m.smooth[k] and not plus_is_x, state
                    larger = m.centered_truncation[k] > m.centered_rounding[k]
                    assert r.kind == ("no_truncation" if f.derivatives(f.x)[3] == 0 else
                                      "truncation" if larger else "rounding"), state  # fmt: skip
                if r.kind != "at_kink":
                    assert m.smooth[k] == (r.kind != "past_kink"), state


def test_the_regime_carries_the_numbers_that_explain_it():
    near = G.fd_regime("relu_near_kink", 1e-3)
    assert near.kind == "no_truncation" and near.reach == 0.001 and near.slopes == (0.0, 1.0)
    assert G.fd_regime("relu_near_kink", 1.778e-3).kind == "past_kink"
    at = G.fd_regime("relu_at_kink", 0.1)
    assert at.kind == "at_kink" and at.kink == 0.0 and at.slopes == (0.0, 1.0)
    flat = G.fd_regime("cubic", 1e-9, "float32")
    assert flat.half_gap == float(np.spacing(np.float32(0.7))) / 2 and flat.x_minus_h_is_x
    one = G.fd_regime("square", 1e-16)  # below 1 the gap is half as wide: 1 - h != 1
    assert one.kind == "x_plus_h_is_x" and not one.x_minus_h_is_x
    assert G.fd_estimates("square", 1e-16).centered != 0.0
    square = G.fd_regime("square", 1e-4)
    assert square.scale == 0.5 and square.floor == np.finfo(float).eps * 2
    assert math.isnan(square.slopes[0]) and square.reach == math.inf and square.kink is None
    assert G.fd_regime("sin", 1e-3).kind == "truncation" == G.fd_regime("sin", 1e-3, x=2.0).kind


BAD_CALLS = [
    (lambda: G.fd_estimates("tanh", 1e-3), ValueError, "name must be one of"),
    (lambda: G.fd_estimates(np.array(["sin"]), 1e-3), TypeError, "name must be a str"),
    (lambda: G.fd_estimates(["sin"], 1e-3), TypeError, "name must be a str"),
    (lambda: G.fd_estimates("cubic", 1e-3, "float16"), ValueError, "precision must be one of"),
    (lambda: G.fd_estimates("cubic", 1e-3, np.array(["float32"])), TypeError, "precision must"),
    (lambda: G.fd_optimum("cubic", ["float32"]), TypeError, "precision must be a str"),
    (lambda: G.fd_estimates("cubic", [1e-3, 0.0]), ValueError, r"steps must be > 0 and finite; "
     r"got 0.0 at index \(1,\) of shape \(2,\)"),
    (lambda: G.fd_estimates("cubic", []), ValueError, r"steps must not be empty; got shape \(0,\)"),
    (lambda: G.fd_error_model("cubic", np.ones((2, 2))), ValueError, "steps must be 0-D or 1-D"),
    (lambda: G.fd_estimates("cubic", "small"), TypeError, "steps must be a number or an array"),
    (lambda: G.fd_estimates("cubic", [True]), TypeError, "steps must hold numbers, not booleans"),
    (lambda: G.fd_estimates("cubic", 1e-300, "float32"), ValueError,
     r"steps must be a normal float32 number .*got 1e-300 \(shape \(\)\), which rounds to 0.0"),
    (lambda: G.fd_error_model("cubic", [1e-3, 1e39], "float32"), ValueError,
     r"normal float32 number .*got 1e\+39 \(shape \(2,\)\), which rounds to inf"),
    (lambda: G.fd_estimates("cubic", 1e-320), ValueError, "steps must be a normal float64"),
    (lambda: G.fd_estimates("exp", 1000.0), ValueError, r"x \+ h .* must lie in \[-80, 80\]"),
    (lambda: G.fd_estimates("cubic", 1e-3, x=1e200), ValueError, r"x \+ h .*got 1e\+200"),
    (lambda: G.fd_estimates("cubic", 1e-3, x=[0.5, -1e200]), ValueError, r"x − h \(x of shape"),
    (lambda: G.fd_optimum("exp", x=1e3), ValueError, r"x \+ h .* must lie in \[-80, 80\]"),
    (lambda: G.fd_estimates("cubic", 1e-3, x=[0.5, np.inf]), ValueError, "x must be finite"),
    (lambda: G.fd_estimates("cubic", 1e-3, x=[]), ValueError, "x must not be empty"),
    (lambda: G.fd_estimates("cubic", 1e-3, x="0.5"), TypeError, "x must be a number or an"),
    (lambda: G.fd_optimum("cubic", x=[0.5, 0.6]), ValueError, r"x must be 0-D; got shape \(2,\)"),
    (lambda: G.fd_regime("cubic", [1e-3]), ValueError, "steps must be 0-D"),
    (lambda: G.fd_error_curves("cubic", 1e-3), ValueError, "steps must be 1-D"),
    (lambda: G.fd_error_panel("cubic", []), ValueError, "steps must not be empty"),
    (lambda: G.fd_error_panel("cubic", x=[]), ValueError, "x must not be empty"),
    (lambda: G.log_steps(0.5, 1), TypeError, "low must be an int"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_CALLS)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_package_re_exports_what_the_chapter_calls():
    for name in ("fd_estimates", "fd_error_model", "fd_optimum", "fd_error_curves", "log_steps"):
        assert getattr(explain, name) is getattr(G, name)
