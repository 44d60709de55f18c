"""The numbers behind chapter 01's finite-difference figures and explorer.

Estimates are compared with independent scalar computations (Python floats, NumPy float32
scalars), the error model with the exact Taylor remainders of polynomials, and the predicted
best steps with a brute-force minimisation of the model and with the measured curves.
"""

import math

import numpy as np
import pytest

from cnnbp_core import explain
from cnnbp_core.explain import gradcheck as G


def test_log_steps_are_four_digit_decimals_increasing_by_a_fixed_ratio():
    steps = G.log_steps(-16, 0)
    assert steps[0] == 1e-16 and steps[-1] == 1.0 and len(steps) == 65
    assert all(float(f"{s:.4g}") == s for s in steps)
    ratios = steps[1:] / steps[:-1]
    np.testing.assert_allclose(ratios, 10**0.25, rtol=1e-3)
    np.testing.assert_array_equal(G.EXPLORER_STEPS, steps)
    with pytest.raises(ValueError, match="high must be >= 0; got -1"):
        G.log_steps(0, -1)
    with pytest.raises(ValueError, match="per_decade must be >= 1"):
        G.log_steps(-2, 0, per_decade=0)


def scalar_estimates(name, h, dtype):
    """Forward and centered differences computed one scalar at a time, independently."""
    f = G.FD_FUNCTIONS[name]
    x, h = dtype(f.x), dtype(h)

    def value(v):
        return f.value(np.array([v], dtype=dtype))[0]

    return float((value(x + h) - value(x)) / h), float(
        (value(x + h) - value(x - h)) / (dtype(2) * h)
    )


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
    assert np.all(e.exact == G.FD_FUNCTIONS[name].derivatives(G.FD_FUNCTIONS[name].x)[1])


def test_a_cubic_has_the_exact_taylor_remainders_at_random_points():
    """x³ - 2x: forward = f' + h f''/2 + h²f'''/6, centered = f' + h² f'''/6, exactly."""
    rng = np.random.default_rng(2)
    x, h = rng.uniform(-2, 2, 7), rng.uniform(1e-3, 1e-1, 5)
    e = G.fd_estimates("cubic", h, x=x)
    assert e.forward.shape == e.centered.shape == (7, 5)
    f2, f3 = 6 * x[:, None], 6.0
    np.testing.assert_allclose(
        e.centered - e.exact, np.broadcast_to(h**2 * f3 / 6, (7, 5)), rtol=1e-6
    )
    np.testing.assert_allclose(e.forward - e.exact, h * f2 / 2 + h**2 * f3 / 6, rtol=1e-6)
    m = G.fd_error_model("cubic", h)
    np.testing.assert_allclose(m.centered_truncation, h**2, rtol=1e-12)  # |f'''| / 6 = 1


def test_steps_below_half_an_ulp_of_x_give_zero_differences():
    e = G.fd_estimates("cubic", [1e-8, 1e-7], "float32")  # ulp(0.7) = 6e-8 in float32
    assert e.forward[0] == e.centered[0] == 0.0 and e.centered[1] != 0.0
    assert e.centered_error[0] == pytest.approx(abs(G.FD_FUNCTIONS["cubic"].derivatives(0.7)[1]))
    assert G.fd_estimates("cubic", 1e-9, "float64").centered != 0.0


def test_relu_near_its_kink_is_exact_until_the_step_reaches_the_kink():
    steps = np.array([1e-5, 1e-4, 2e-3, 1e-1])
    e, m = G.fd_estimates("relu_near_kink", steps), G.fd_error_model("relu_near_kink", steps)
    np.testing.assert_array_equal(m.smooth, [True, True, False, False])
    assert np.all(e.centered_error[:2] < 1e-10) and np.all(e.centered_error[2:] > 0.2)
    at = G.fd_estimates("relu_at_kink", steps)
    np.testing.assert_array_equal(at.centered, 0.5)  # the average of the slopes 0 and 1
    np.testing.assert_array_equal(at.forward, 1.0)
    assert at.exact[0] == 0.0  # the core's convention, ReLU'(0) = 0
    assert not np.any(G.fd_error_model("relu_at_kink", steps).smooth)


@pytest.mark.parametrize("name", ["cubic", "sin", "exp"])
@pytest.mark.parametrize("precision", G.PRECISIONS)
def test_the_predicted_best_step_minimises_the_model(name, precision):
    best = G.fd_optimum(name, precision)
    grid = np.logspace(-12, 0, 24001)
    m = G.fd_error_model(name, grid, precision)
    for kind in ("forward", "centered"):
        total = getattr(m, kind)
        h_star, err = getattr(best, f"{kind}_step"), getattr(best, f"{kind}_error")
        assert h_star == pytest.approx(grid[np.argmin(total)], rel=2e-3), kind
        assert err == pytest.approx(total.min(), rel=1e-6), kind


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
    curves = G.fd_error_curves("cubic", precision, G.log_steps(-16, 0, 8), x=points)
    best = G.fd_optimum("cubic", precision)
    assert best.centered_step / 4 < curves.best_centered < best.centered_step * 4
    assert best.forward_step / 4 < curves.best_forward < best.forward_step * 4
    # the rounding model is a bound: where rounding dominates, the median error stays below it
    model = G.fd_error_model("cubic", curves.steps, precision)
    small = curves.steps < best.centered_step / 30
    small &= curves.steps > 100 * np.finfo(precision).eps  # x ± h still differs from x
    assert np.all(curves.centered[small] <= model.centered_rounding[small])


def test_a_single_point_gives_the_raw_curve_and_many_points_the_median():
    one = G.fd_error_curves("sin", steps=G.log_steps(-8, 0))
    assert one.forward.shape == (33,)
    e = G.fd_estimates("sin", one.steps)
    np.testing.assert_array_equal(one.centered, e.centered_error)
    many = G.fd_error_curves("sin", steps=one.steps, x=[0.9, 1.0, 1.1])
    per_point = G.fd_estimates("sin", one.steps, x=[0.9, 1.0, 1.1]).centered_error
    np.testing.assert_array_equal(many.centered, np.median(per_point, axis=0))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="name must be one of"):
        G.fd_estimates("tanh", 1e-3)
    with pytest.raises(ValueError, match="precision must be one of"):
        G.fd_estimates("cubic", 1e-3, "float16")
    with pytest.raises(ValueError, match="steps must be > 0 and finite"):
        G.fd_estimates("cubic", [1e-3, 0.0])
    with pytest.raises(ValueError, match="steps must be 1-D"):
        G.fd_error_model("cubic", np.ones((2, 2)))
    with pytest.raises(TypeError, match="steps must have a floating dtype"):
        G.fd_estimates("cubic", "small")
    with pytest.raises(ValueError, match="x must be finite"):
        G.fd_estimates("cubic", 1e-3, x=[0.5, np.inf])
    with pytest.raises(TypeError, match="x must be a real number"):
        G.fd_estimates("cubic", 1e-3, x="0.5")


def test_the_package_re_exports_what_the_chapter_calls():
    for name in ("fd_estimates", "fd_error_model", "fd_optimum", "fd_error_curves", "log_steps"):
        assert getattr(explain, name) is getattr(G, name)
