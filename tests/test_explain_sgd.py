"""The numbers behind chapter 02's gradient-descent figures and explorer.

The loss and gradient (the core's forward and backward) are checked against finite differences
and the quadratic's closed form; the Hessian against second differences of the loss; gradient
descent against the update rule and against the eigen-decomposition's prediction (each step
multiplies the offset along eigenvector i by 1 − lr·λ_i); each regime of `lr_regime` against
what the path actually does.
"""

import warnings

import numpy as np
import pytest

from cnnbp_core.explain import sgd as S
from cnnbp_core.gradcheck import numerical_gradient

FIT = S.line_fit()


def random_thetas(n, seed=0):
    return np.random.default_rng(seed).uniform(-3, 3, (n, 2))


# --- the problem ---------------------------------------------------------------------------------


def test_the_data_are_twenty_fixed_points_not_centred():
    assert S.LINE_X.shape == S.LINE_Y.shape == (20,)
    np.testing.assert_array_equal(S.LINE_X, 0.5 + np.arange(20) / 8)
    assert S.LINE_X.mean() > 1.5 * S.LINE_X.std()  # far from centred: w and b are coupled
    assert not S.LINE_X.flags.writeable and not S.LINE_Y.flags.writeable


def test_the_loss_is_the_mean_squared_error_of_the_line():
    for theta in random_thetas(5):
        w, b = theta
        expected = np.mean((w * S.LINE_X + b - S.LINE_Y) ** 2)
        assert S.line_fit_loss(theta) == pytest.approx(expected, rel=1e-14)


def test_the_gradient_from_the_core_backward_matches_finite_differences():
    for theta in random_thetas(5, seed=1):
        numeric = numerical_gradient(S.line_fit_loss, theta)
        np.testing.assert_allclose(S.line_fit_gradient(theta), numeric, rtol=1e-7, atol=1e-8)


def test_the_hessian_is_the_second_differences_of_the_loss():
    h = 0.1  # L is quadratic: second differences are exact up to rounding, at any step
    fd = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            theta = np.array([0.3, -0.2])
            fd[i, j] = (
                S.line_fit_loss(theta + ei + ej)
                - S.line_fit_loss(theta + ei - ej)
                - S.line_fit_loss(theta - ei + ej)
                + S.line_fit_loss(theta - ei - ej)
            ) / (4 * h * h)
    np.testing.assert_allclose(FIT.hessian, fd, rtol=1e-9)
    x = S.LINE_X
    closed_form = 2 * np.array([[np.mean(x * x), x.mean()], [x.mean(), 1.0]])
    np.testing.assert_allclose(FIT.hessian, closed_form, rtol=1e-15)


def test_the_eigen_decomposition_and_the_bounds():
    lam, vecs = FIT.eigenvalues, FIT.eigenvectors
    assert 0 < lam[0] < lam[1]
    np.testing.assert_allclose(FIT.hessian @ vecs, vecs * lam, atol=1e-13)
    np.testing.assert_allclose(vecs.T @ vecs, np.eye(2), atol=1e-15)
    assert np.all(vecs[0] > 0)  # one sign convention on every machine
    assert 10 <= FIT.condition_number <= 50  # elongated contours, as the chapter wants
    assert FIT.stability_bound == 2 / lam[1] and FIT.oscillation_onset == 1 / lam[1]
    assert FIT.optimal_lr == pytest.approx(2 / (lam[0] + lam[1]), rel=1e-15)
    assert FIT.oscillation_onset < FIT.optimal_lr < FIT.stability_bound


def test_the_minimiser_zeroes_the_gradient_and_has_the_least_loss():
    np.testing.assert_allclose(S.line_fit_gradient(FIT.minimiser), 0, atol=1e-13)
    a = np.stack([S.LINE_X, np.ones(20)], axis=1)
    np.testing.assert_allclose(FIT.minimiser, np.linalg.solve(a.T @ a, a.T @ S.LINE_Y))
    assert FIT.min_loss == S.line_fit_loss(FIT.minimiser)
    for theta in FIT.minimiser + 0.01 * random_thetas(20, seed=2):
        assert S.line_fit_loss(theta) > FIT.min_loss
        # L is exactly quadratic about θ*
        d = theta - FIT.minimiser
        assert S.line_fit_loss(theta) == pytest.approx(FIT.min_loss + d @ FIT.hessian @ d / 2)


# --- gradient descent ----------------------------------------------------------------------------


def test_each_step_is_the_update_rule_with_the_core_gradient():
    path = S.gd_path(0.05, 12)
    assert path.params.shape == (13, 2) and path.losses.shape == (13,) and path.steps == 12
    np.testing.assert_array_equal(path.params[0], S.GD_START)
    for k in range(12):
        step = path.params[k] - 0.05 * S.line_fit_gradient(path.params[k])
        np.testing.assert_array_equal(path.params[k + 1], step)
        assert path.losses[k] == S.line_fit_loss(path.params[k])
    assert path.losses[12] == S.line_fit_loss(path.params[12]) and path.escaped_at is None


@pytest.mark.parametrize("lr", [0.01, 0.1166, 0.1778, 0.229, 0.2379])
def test_each_step_multiplies_the_offset_along_each_eigenvector_by_1_minus_lr_lambda(lr):
    path = S.gd_path(lr, 40)
    coords = (path.params - FIT.minimiser) @ FIT.eigenvectors  # (41, 2): along flat, steep
    for i in range(2):
        predicted = coords[0, i] * (1 - lr * FIT.eigenvalues[i]) ** np.arange(41)
        np.testing.assert_allclose(coords[:, i], predicted, rtol=1e-9, atol=1e-12)


def test_a_diverging_path_stops_cleanly_before_leaving_the_ball():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning anywhere
        for lr in (0.3162, 1.0, 1e3, 1e300):
            path = S.gd_path(lr, 100)
            assert path.escaped_at is not None and path.steps == path.escaped_at - 1
            assert np.all(np.isfinite(path.params)) and np.all(np.isfinite(path.losses))
            distance = np.linalg.norm(path.params - FIT.minimiser, axis=1)
            assert distance.max() <= S.ESCAPE_RADIUS
            # the step it refused would have left the ball
            last = path.params[-1]
            with np.errstate(over="ignore", invalid="ignore"):
                refused = last - lr * S.line_fit_gradient(last)
            assert not np.isfinite(refused).all() or (
                np.linalg.norm(refused - FIT.minimiser) > S.ESCAPE_RADIUS
            )
    assert S.gd_path(1e300, 5).escaped_at == 1


def test_a_shorter_budget_is_the_start_of_a_longer_one():
    for lr in S.GD_LEARNING_RATES:
        long = S.gd_path(float(lr), 100)
        for steps in (0, 1, 26, 27, 60, 100):
            short, cut = S.gd_path(float(lr), steps), long.first(steps)
            np.testing.assert_array_equal(cut.params, short.params)
            np.testing.assert_array_equal(cut.losses, short.losses)
            assert cut.escaped_at == short.escaped_at
    with pytest.raises(ValueError, match="steps must be at most this path's budget, 5"):
        S.gd_path(0.1, 5).first(6)


def test_a_start_at_the_minimiser_stays_there():
    path = S.gd_path(0.1, 3, start=FIT.minimiser)
    np.testing.assert_allclose(path.params, np.tile(FIT.minimiser, (4, 1)), atol=1e-14)
    assert S.lr_regime(0.1, 3, start=FIT.minimiser).fraction == 0.0


# --- the regimes ---------------------------------------------------------------------------------


def test_every_explorer_state_falls_in_the_case_its_numbers_show():
    for lr in S.GD_LEARNING_RATES:
        lr = float(lr)
        full = S.gd_path(lr, S.GD_MAX_STEPS)
        steep = (full.params - FIT.minimiser) @ FIT.eigenvectors[:, 1]  # offset along λ_max
        seen = np.abs(steep) > 1e-9 * abs(steep[0])  # its sign, where rounding leaves one
        for steps in range(1, S.GD_MAX_STEPS + 1):
            r = S.lr_regime(lr, steps)
            path = full.first(steps)
            excess = path.losses - FIT.min_loss
            assert r.final_excess == pytest.approx(max(excess[-1], 0), abs=1e-15)
            assert r.start_excess == pytest.approx(excess[0])
            if r.kind == "diverging":
                assert lr > FIT.stability_bound
                assert abs(steep[min(steps, full.steps)]) > abs(steep[0])  # it grew
            elif r.kind == "oscillating":
                assert FIT.oscillation_onset < lr <= FIT.stability_bound
                signs = np.sign(steep[: steps + 1])
                flips = (signs[1:] == -signs[:-1]) | ~seen[1 : steps + 1]
                assert np.all(flips)  # a sign change at every step
                assert abs(steep[steps]) < abs(steep[0])
            else:
                assert lr <= FIT.oscillation_onset
                same = np.sign(steep[: steps + 1]) == np.sign(steep[0])
                assert np.all(same | ~seen[: steps + 1])  # no overshoot
                assert (r.kind == "good") == (r.fraction <= S.GOOD_FRACTION)
            assert r.factors == (1 - lr * FIT.eigenvalues[0], 1 - lr * FIT.eigenvalues[1])


def test_the_grid_reaches_every_regime_and_both_sides_of_each_bound():
    kinds = {S.lr_regime(float(lr), 100).kind for lr in S.GD_LEARNING_RATES}
    assert kinds == set(S.LR_REGIMES)
    rates = S.GD_LEARNING_RATES
    assert np.all(np.diff(rates) > 0) and all(float(f"{r:.4g}") == r for r in rates)
    assert 0.229 in rates and abs(0.229 - FIT.optimal_lr) < 5e-4
    below = rates[rates < FIT.stability_bound].max()
    above = rates[rates > FIT.stability_bound].min()
    assert below / FIT.stability_bound > 0.98 and above / FIT.stability_bound < 1.02
    assert rates[rates <= FIT.oscillation_onset].max() / FIT.oscillation_onset > 0.98
    np.testing.assert_array_equal(rates[rates < 0.11][::4], [0.001, 0.01, 0.1])
    assert not rates.flags.writeable


def test_the_regime_boundaries():
    bound, onset = FIT.stability_bound, FIT.oscillation_onset
    assert S.lr_regime(bound * 1.0001, 5).kind == "diverging"
    assert S.lr_regime(bound, 5).kind == "oscillating"  # |1 − lr λ_max| = 1: no growth
    assert S.lr_regime(onset * 1.0001, 5).kind == "oscillating"
    assert S.lr_regime(onset, 100).kind == "good"
    assert S.lr_regime(0.1, 5).kind == "too small" and S.lr_regime(0.1, 100).kind == "good"


# --- the loss grid -------------------------------------------------------------------------------


def test_the_loss_grid_is_the_loss_at_every_grid_point():
    g = S.loss_grid(shape=(7, 9))
    assert g.loss.shape == (7, 9)
    assert g.w[0] == S.GD_BOX[0][0] and g.w[-1] == S.GD_BOX[0][1]
    assert g.b[0] == S.GD_BOX[1][0] and g.b[-1] == S.GD_BOX[1][1]
    for i in range(7):
        for j in range(9):
            assert g.loss[i, j] == pytest.approx(S.line_fit_loss([g.w[j], g.b[i]]), rel=1e-13)
    (w0, w1), (b0, b1) = S.GD_BOX
    assert w1 - w0 == b1 - b0  # equal sides: the explorer draws it square
    for theta in (S.GD_START, FIT.minimiser):
        assert w0 <= theta[0] <= w1 and b0 <= theta[1] <= b1


BAD_CALLS = [
    (lambda: S.line_fit_loss([1.0]), ValueError, r"theta must have shape \(2,\)"),
    (lambda: S.line_fit_loss([1.0, np.nan]), ValueError, "theta must be finite"),
    (lambda: S.line_fit_gradient("ab"), TypeError, "theta must be a number or an array"),
    (lambda: S.gd_path(-0.1, 5), ValueError, "lr must be > 0 and finite"),
    (lambda: S.gd_path(0.1, 2.5), TypeError, "steps must be an int"),
    (lambda: S.gd_path(0.1, -1), ValueError, r"steps must lie in \[0, 100000\]"),
    (lambda: S.gd_path(0.1, 5, start=[1e4, 0.0]), ValueError,
     r"start's distance from the minimiser θ\* must lie in \[0, 1000\]"),
    (lambda: S.gd_path(0.1, 5, start=[1.0, 2.0, 3.0]), ValueError, r"start must have shape"),
    (lambda: S.lr_regime(0.1, 0), ValueError, "steps must be >= 1"),
    (lambda: S.loss_grid(((1.0, 0.0), (0.0, 1.0))), ValueError,
     r"box's w range must be \(low, high\) with low < high"),
    (lambda: S.loss_grid(shape=(1, 5)), ValueError, "shape must be >= 2"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_CALLS)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
