"""The numbers behind chapter 02's gradient-descent figures and explorer.

The loss and gradient (the core's forward and backward) are checked against finite differences
and the quadratic's closed form; the Hessian against second differences of the loss; gradient
descent against the update rule and against the eigen-decomposition's prediction (each step
multiplies the offset along eigenvector i by 1 − lr·λ_i); each answer of `lr_regime` (the rate's
regime, whether the budget was enough, when the loss first rises) against what the path actually
does; `predicted_excess` and `best_rate` against the paths.
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
            with np.errstate(over="ignore", invalid="ignore"):  # numpy 2.4's norm may overflow
                refused = last - lr * S.line_fit_gradient(last)
                left = not np.isfinite(refused).all() or (
                    np.linalg.norm(refused - FIT.minimiser) > S.ESCAPE_RADIUS
                )
            assert left
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
            # the budget's answer, for every rate
            shares = excess / excess[0]
            assert r.enough == (shares[-1] <= S.GOOD_FRACTION) == (r.fraction <= S.GOOD_FRACTION)
            below = np.flatnonzero(shares <= S.GOOD_FRACTION)
            assert r.enough_at == (int(below[0]) if below.size else None)
            # when the loss first rises, and that it then rises at every step of the budget
            falls = np.diff(path.losses) <= 0
            if r.rises_from is None:
                assert np.all(falls)
            else:
                k = r.rises_from
                assert np.all(falls[: k - 1]) and not np.any(falls[k - 1 :]), (lr, steps)
            if r.rate == "diverging":
                assert lr > FIT.stability_bound and r.kind == "diverging"
                assert abs(steep[min(steps, full.steps)]) > abs(steep[0])  # it grew
                assert r.worst_factor == abs(r.factors[1]) > 1
            elif r.rate == "oscillating":
                assert FIT.oscillation_onset < lr <= FIT.stability_bound
                assert r.kind == "oscillating"
                signs = np.sign(steep[: steps + 1])
                flips = (signs[1:] == -signs[:-1]) | ~seen[1 : steps + 1]
                assert np.all(flips)  # a sign change at every step
                assert abs(steep[steps]) < abs(steep[0])
                assert np.all(np.diff(path.losses) < 0)  # the iterates oscillate, not the loss
            else:
                assert r.rate == "no overshoot" and lr <= FIT.oscillation_onset
                same = np.sign(steep[: steps + 1]) == np.sign(steep[0])
                assert np.all(same | ~seen[: steps + 1])  # no overshoot
                assert np.all(np.diff(path.losses) < 0)
                assert r.kind == ("good" if r.enough else "too small")
            assert r.factors == (1 - lr * FIT.eigenvalues[0], 1 - lr * FIT.eigenvalues[1])
            assert r.worst_factor == max(abs(f) for f in r.factors)


def test_the_rate_and_the_budget_are_answered_apart_on_the_reviewed_states():
    # oscillating rates that converge, yet 30 steps are not enough: 21.6% and 3.16% left
    for lr, percent in ((0.2332, "21.6"), (0.229, "3.16")):
        r = S.lr_regime(lr, 30)
        assert (r.rate, r.kind, r.enough, r.rises_from) == ("oscillating", "oscillating", False,
                                                            None)  # fmt: skip
        assert f"{100 * r.fraction:.3g}" == percent
    # just below 1/λ_max: no overshoot, and the budget (not the rate) is what is short
    r = S.lr_regime(0.1166, 30)
    assert (r.rate, r.enough, r.kind) == ("no overshoot", False, "too small")
    assert S.lr_regime(0.1166, 100).enough_at == 59
    # diverging: the loss falls for two steps (5.606 -> 5.577 -> 5.574), rises from step 3
    path = S.gd_path(0.2379, 3)
    np.testing.assert_allclose(path.losses, [5.6059, 5.5766, 5.5741, 5.5963], atol=1e-4)
    assert [S.lr_regime(0.2379, k).rises_from for k in (1, 2, 3, 100)] == [None, None, 3, 3]
    assert S.lr_regime(0.3162, 100).rises_from == 1
    # what chapter 02 prints at 100 steps is unchanged
    printed = [(r.kind, r.steps) for r in (S.lr_regime(lr, 100) for lr in (0.01, 0.1, 0.2379))]
    assert printed == [("too small", 100), ("good", 100), ("diverging", 100)]


def test_the_optimal_rate_has_the_smallest_worst_case_factor_but_not_always_the_least_loss():
    rates = np.linspace(0.01, 0.3, 2901)
    worst = np.max(np.abs(1 - rates[:, None] * FIT.eigenvalues), axis=1)
    assert abs(rates[np.argmin(worst)] - FIT.optimal_lr) < 1e-4
    assert S.lr_regime(FIT.optimal_lr, 5).worst_factor == pytest.approx(
        (FIT.condition_number - 1) / (FIT.condition_number + 1), rel=1e-12
    )
    # over a short budget 0.1778 leaves less than 0.229; from 47 steps on, 0.229 leads
    for steps in (30, 40, 46):
        assert S.lr_regime(0.1778, steps).fraction < S.lr_regime(0.229, steps).fraction
    for steps in (47, 60, 100):
        assert S.lr_regime(0.229, steps).fraction < S.lr_regime(0.1778, steps).fraction


def test_below_the_onset_a_larger_rate_leaves_less_after_every_number_of_steps():
    rates = [float(lr) for lr in S.GD_LEARNING_RATES if lr <= FIT.oscillation_onset]
    left = np.array([S.gd_path(lr, S.GD_MAX_STEPS).losses - FIT.min_loss for lr in rates])
    assert len(rates) > 5 and np.all(np.diff(left[:, 1:], axis=0) < 0)  # (rates, steps)


def test_the_prediction_is_what_gradient_descent_does():
    for lr in S.GD_LEARNING_RATES:
        path = S.gd_path(float(lr), S.GD_MAX_STEPS)
        predicted = [float(S.predicted_excess(lr, k)) for k in range(path.steps + 1)]
        np.testing.assert_allclose(predicted, path.losses - FIT.min_loss, rtol=1e-9, atol=1e-13)
    both = S.predicted_excess([0.1, 0.2379], 50)
    assert both.shape == (2,) and both[0] == S.predicted_excess(0.1, 50)
    start = [0.5, 0.5]
    path = S.gd_path(0.2, 20, start=start)
    assert S.predicted_excess(0.2, 20, start) == pytest.approx(path.losses[-1] - FIT.min_loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert S.predicted_excess(1e3, 100_000) == np.inf  # overflows quietly


def test_best_rate_is_the_grid_rate_whose_path_leaves_the_least():
    fractions = {}
    for lr in S.GD_LEARNING_RATES:
        path = S.gd_path(float(lr), S.GD_MAX_STEPS)
        excess = path.losses - FIT.min_loss
        fractions[float(lr)] = excess / excess[0]
    for steps in range(1, S.GD_MAX_STEPS + 1):
        best = S.best_rate(steps)
        left = {lr: f[steps] for lr, f in fractions.items() if steps < len(f)}
        assert best.lr == min(left, key=left.get) and best.steps == steps
        assert best.fraction == pytest.approx(left[best.lr], rel=1e-9)
    assert S.best_rate(30, rates=[0.01, 0.1]).lr == 0.1
    assert S.best_rate(0).fraction == 1.0


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
    assert S.lr_regime(bound * 1.0001, 5).kind == "diverging" == S.lr_regime(bound * 1.0001, 5).rate
    assert S.lr_regime(bound, 5).kind == "oscillating"  # |1 − lr λ_max| = 1: no growth
    assert S.lr_regime(bound, 5).rate == "oscillating" and S.lr_regime(bound, 5).rises_from is None
    assert S.lr_regime(onset * 1.0001, 5).kind == "oscillating"
    assert S.lr_regime(onset, 100).kind == "good" and S.lr_regime(onset, 100).rate == "no overshoot"
    assert S.lr_regime(0.1, 5).kind == "too small" and S.lr_regime(0.1, 100).kind == "good"
    assert S.RATE_REGIMES == ("no overshoot", "oscillating", "diverging")
    rates = {S.lr_regime(float(lr), 100).rate for lr in S.GD_LEARNING_RATES}
    assert rates == set(S.RATE_REGIMES)


def test_a_rise_is_counted_only_beyond_rounding():
    path = S.gd_path(0.2, 50, start=FIT.minimiser)  # the loss stays at L*, to rounding
    assert np.any(np.diff(path.losses) > 0)  # ... which moves it up by an ulp here and there
    r = S.lr_regime(0.2, 50, start=FIT.minimiser)
    assert r.rises_from is None and r.enough and r.enough_at == 0


def test_lr_regime_reads_only_the_path_of_its_own_rate_budget_and_start():
    # a path given is what gd_path(lr, steps, start) computes, or it is refused
    start = [0.5, 0.5]
    for lr, steps, given in ((0.1, 50, None), (0.2379, 100, None), (0.1, 20, start)):
        path = S.gd_path(lr, steps, given)
        assert S.lr_regime(lr, steps, given, path=path) == S.lr_regime(lr, steps, given)
    # an escaped path stands for every budget reaching its escape
    escaped = S.gd_path(0.3162, 30)  # escapes at step 27
    assert S.lr_regime(0.3162, 100, path=escaped) == S.lr_regime(0.3162, 100)
    assert S.lr_regime(0.3162, 27, path=escaped) == S.lr_regime(0.3162, 27)
    with pytest.raises(ValueError, match=r"path must be gd_path\(lr, steps, start\)"):
        S.lr_regime(0.3162, 26, path=escaped)  # 26 steps do not reach the escape
    # the reviewer's case: another rate's path is no longer read as this one's
    with pytest.raises(ValueError, match=r"path\.lr = 0\.2 differs from lr = 0\.01"):
        S.lr_regime(0.01, 100, path=S.gd_path(0.2, 100))
    with pytest.raises(ValueError, match=r"path has 50 steps and did not escape; the budget"):
        S.lr_regime(0.1, 100, path=S.gd_path(0.1, 50))
    with pytest.raises(ValueError, match=r"path has 100 steps"):
        S.lr_regime(0.1, 50, path=S.gd_path(0.1, 100))
    # a start given must be the path's
    with pytest.raises(ValueError, match=r"path starts at \[0\.5, 0\.5\], not at start"):
        S.lr_regime(0.1, 20, start=S.GD_START, path=S.gd_path(0.1, 20, start))
    with pytest.raises(ValueError, match=r"path starts at \[-1\.0, 2\.0\], not at start"):
        S.lr_regime(0.1, 20, start=start, path=S.gd_path(0.1, 20))
    # without a start, the path's own is read
    assert S.lr_regime(0.1, 20, path=S.gd_path(0.1, 20, start)) == S.lr_regime(0.1, 20, start)


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
    (lambda: S.predicted_excess([0.1, -0.1], 5), ValueError, "lrs must be > 0 and finite"),
    (lambda: S.predicted_excess([[0.1]], 5), ValueError, "lrs"),
    (lambda: S.predicted_excess(0.1, -1), ValueError, r"steps must lie in \[0, 100000\]"),
    (lambda: S.best_rate(5, rates=[]), ValueError, "rates"),
    (lambda: S.best_rate(2.0), TypeError, "steps must be an int"),
    (lambda: S.loss_grid(((1.0, 0.0), (0.0, 1.0))), ValueError,
     r"box's w range must be \(low, high\) with low < high"),
    (lambda: S.loss_grid(shape=(1, 5)), ValueError, "shape must be >= 2"),
    (lambda: S.lr_regime(0.1, 5, path="x"), TypeError,
     r"path must be a GDPath \(from gd_path\); got 'x' \(str\)"),
    (lambda: S.lr_regime(0.1, 5, path=S.gd_path(0.1, 5).params), TypeError,
     "path must be a GDPath"),
    (lambda: S.loss_grid(3.0), ValueError,
     r"box \(\(w_low, w_high\), \(b_low, b_high\)\) must be 2-D; got shape \(\)"),
    (lambda: S.loss_grid((0.0, 1.0, 2.0, 3.0)), ValueError,
     r"box .* must be 2-D; got shape \(4,\)"),
    (lambda: S.loss_grid(((0.0, 1.0),)), ValueError,
     r"box must have shape \(2, 2\) \(\(\(w_low, w_high\), \(b_low, b_high\)\)\); got \(1, 2\)"),
    (lambda: S.loss_grid(((0.0, 1.0), (0.0, 1.0, 2.0))), TypeError,
     r"box .* must be a numeric array; could not convert it"),
    (lambda: S.loss_grid("box"), TypeError, "box .* must be a number or an array of numbers"),
    (lambda: S.loss_grid(None), TypeError, r"box .* must be a numeric array; got dtype object"),
    (lambda: S.loss_grid(((0.0, np.inf), (0.0, 1.0))), ValueError,
     r"box .* must be finite; got inf at index \(0, 1\)"),
    (lambda: S.loss_grid(((0.0, 1.0), (2.0, 2.0))), ValueError,
     r"box's b range must be \(low, high\) with low < high; got \(2.0, 2.0\)"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_CALLS)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()
