"""Chapter 02's exercise checkers accept right answers, report stubs and name the classic slips.

Right and wrong answers are written as a reader would write them (loops, NumPy calls),
independently of the checkers' own expected answers and of the catalogue of wrong answers.
"""

import math
import warnings

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.exercises import dense
from cnnbp_core.book.mistakes.dense import LINEAR_BACKWARD_MISTAKES, SOFTMAX_CE_GRADIENT_MISTAKES

# --- right answers, as a reader writes them ----------------------------------------------------


def linear_backward(x, w, b, delta):
    n, n_in = x.shape
    n_out = w.shape[0]
    dx, dw, db = np.zeros((n, n_in)), np.zeros((n_out, n_in)), np.zeros(n_out)
    for s in range(n):
        for o in range(n_out):
            db[o] += delta[s, o]
            for i in range(n_in):
                dx[s, i] += delta[s, o] * w[o, i]
                dw[o, i] += delta[s, o] * x[s, i]
    return dx, dw, db


def ce_gradient(logits, labels):
    return soft_label_gradient(logits, np.eye(logits.shape[1])[labels])  # hard labels: one-hot T


def soft_label_gradient(logits, targets):
    n, k = logits.shape
    out = np.zeros((n, k))
    for s in range(n):
        m = max(logits[s])
        e = [math.exp(v - m) for v in logits[s]]
        for j in range(k):
            out[s, j] = (e[j] / sum(e) - targets[s, j]) / n
    return out


def logsumexp(z):
    m = np.max(z, axis=-1, keepdims=True)
    return (m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)))[..., 0]


def stable_lr(x):
    a, b, c = 2 * np.mean(x * x), 2 * np.mean(x), 2.0  # H = [[a, b], [b, c]]
    lam_max = (a + c) / 2 + math.sqrt(((a - c) / 2) ** 2 + b * b)
    return 2 / lam_max


RIGHT = {
    dense.check_exercise_linear_backward: linear_backward,
    dense.check_exercise_softmax_ce_gradient: ce_gradient,
    dense.check_exercise_soft_label_gradient: soft_label_gradient,
    dense.check_exercise_logsumexp: logsumexp,
    dense.check_exercise_sgd_stability: stable_lr,
}


def stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("checker", list(RIGHT), ids=lambda c: c.__name__)
def test_right_answers_pass_and_stubs_are_not_attempted(checker):
    result = checker(RIGHT[checker])
    assert result.passed and result.status == "PASS", str(result)
    assert checker(RIGHT[checker], strict=True).passed
    stubbed = checker(stub)
    assert stubbed.status == "NOT ATTEMPTED" and "not attempted yet" in str(stubbed)
    with pytest.raises(AssertionError, match="NOT ATTEMPTED"):
        checker(stub, strict=True)


@pytest.mark.parametrize("checker", list(RIGHT), ids=lambda c: c.__name__)
def test_a_function_not_passed_itself_or_a_strict_not_a_bool_is_refused(checker):
    with pytest.raises(TypeError, match=r"fn must be a function itself \(pass my_function"):
        checker(3)
    with pytest.raises(TypeError, match="strict must be True or False; got 'yes'"):
        checker(RIGHT[checker], strict="yes")


@pytest.mark.parametrize("checker", list(RIGHT), ids=lambda c: c.__name__)
def test_right_answers_pass_on_random_problems_too(checker):
    for seed in range(3):
        assert checker(RIGHT[checker], rng=np.random.default_rng(seed)).passed


def linear_backward_by_the_core(x, w, b, delta):
    _, cache = F.linear_forward(x, w, b)
    return F.linear_backward(delta, cache)


def ce_gradient_by_the_core(logits, labels):
    _, cache = F.softmax_cross_entropy_forward(logits, labels)
    return F.softmax_cross_entropy_backward(1.0, cache)


def soft_label_gradient_by_the_core(logits, targets):
    """The soft loss is linear in T: Σ_k T[n,k] times the hard gradient of each label k."""
    n, k = logits.shape
    out = np.zeros((n, k))
    for label in range(k):
        _, cache = F.softmax_cross_entropy_forward(logits, np.full(n, label))
        out += targets[:, [label]] * F.softmax_cross_entropy_backward(1.0, cache)
    return out


BY_THE_CORE = {
    dense.check_exercise_linear_backward: linear_backward_by_the_core,
    dense.check_exercise_softmax_ce_gradient: ce_gradient_by_the_core,
    dense.check_exercise_soft_label_gradient: soft_label_gradient_by_the_core,
}


@pytest.mark.parametrize("checker", list(BY_THE_CORE), ids=lambda c: c.__name__)
def test_the_right_answers_never_come_from_the_core_backward(checker, monkeypatch):
    """With the core's backward passes broken, right answers still pass and the broken ones fail."""
    broken_linear = lambda dout, cache: tuple(2 * g for g in F.linear.linear_backward(dout, cache))  # noqa: E731
    broken_ce = lambda dloss, cache: 2 * F.losses.softmax_cross_entropy_backward(dloss, cache)  # noqa: E731
    for module in (F, F.linear):
        monkeypatch.setattr(module, "linear_backward", broken_linear, raising=False)
    for module in (F, F.losses):
        monkeypatch.setattr(module, "softmax_cross_entropy_backward", broken_ce, raising=False)
    assert checker(RIGHT[checker]).passed
    assert not checker(BY_THE_CORE[checker]).passed  # the reader's calls see the broken ones


# --- the linear layer --------------------------------------------------------------------------


def with_part(k, value):
    def fn(x, w, b, delta):
        grads = list(linear_backward(x, w, b, delta))
        grads[k] = value(x, w, b, delta)
        return tuple(grads)

    return fn


LINEAR_SLIPS = {
    "dx_w_transposed": with_part(0, lambda x, w, b, d: d @ w.T),
    "dx_batch_mean": with_part(0, lambda x, w, b, d: d @ w / len(x)),
    "dw_transposed": with_part(1, lambda x, w, b, d: x.T @ d),
    "dw_batch_mean": with_part(1, lambda x, w, b, d: d.T @ x / len(x)),
    "db_batch_mean": with_part(2, lambda x, w, b, d: d.mean(axis=0)),
    "db_not_summed": with_part(2, lambda x, w, b, d: d),
    "db_wrong_axis": with_part(2, lambda x, w, b, d: d.sum(axis=1)),
}


@pytest.mark.parametrize("name", sorted(LINEAR_SLIPS))
def test_the_linear_slips_are_named(name):
    result = dense.check_exercise_linear_backward(LINEAR_SLIPS[name])
    assert not result.passed
    assert LINEAR_BACKWARD_MISTAKES[name].diagnosis in result.diagnosis, result.diagnosis
    k = ("x", "w", "b").index(LINEAR_BACKWARD_MISTAKES[name].wrt)
    for trial in result.trials:  # the other two gradients pass, where the slip computes at all
        if not trial.label.endswith(("dX", "dW", "db")[k]):
            assert trial.passed or "raised ValueError: matmul" in trial.error, trial
    assert set(LINEAR_SLIPS) == set(LINEAR_BACKWARD_MISTAKES)


def test_a_transposed_dx_is_named_by_its_shape():
    result = dense.check_exercise_linear_backward(with_part(0, lambda x, w, b, d: (d @ w).T))
    assert "Your dX is transposed: dX has X's shape (N, in), δW." in result.diagnosis
    assert "your answer has shape (3, 4), expected (4, 3)" in str(result)


def test_an_answer_that_is_not_three_gradients_is_reported_as_such():
    only_dx = dense.check_exercise_linear_backward(lambda x, w, b, delta: delta @ w)
    assert only_dx.diagnosis == ("Return all three gradients, in this order: return dx, dw, db.",)
    assert "returned a ndarray of shape (4, 3), not the three gradients" in str(only_dx)
    two = dense.check_exercise_linear_backward(lambda x, w, b, delta: (delta @ w, delta.T @ x))
    assert "returned a tuple of 2 items" in str(two)
    nothing = dense.check_exercise_linear_backward(lambda x, w, b, delta: None)
    assert nothing.diagnosis == ("Your function must return its answer: is a `return` missing?",)
    as_list = dense.check_exercise_linear_backward(lambda *a: list(linear_backward(*a)))
    assert as_list.passed


def test_a_function_that_raises_is_reported_per_gradient():
    def bad(x, w, b, delta):
        raise IndexError("index 7 is out of bounds")

    result = dense.check_exercise_linear_backward(bad)
    assert result.status == "FAIL" and len(result.trials) == 9
    assert all("raised IndexError: index 7" in t.error for t in result.trials)


# --- softmax cross-entropy ---------------------------------------------------------------------


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(labels, k):
    return np.eye(k)[labels]


CE_SLIPS = {
    "missing_mean": lambda z, y: softmax(z) - one_hot(y, z.shape[1]),
    "sign_flipped": lambda z, y: (one_hot(y, z.shape[1]) - softmax(z)) / len(y),
    "no_softmax": lambda z, y: (z - one_hot(y, z.shape[1])) / len(y),
    "no_one_hot": lambda z, y: softmax(z) / len(y),
    "mean_over_entries": lambda z, y: (softmax(z) - one_hot(y, z.shape[1])) / z.size,
    "softmax_over_batch": lambda z, y: (softmax(z.T).T - one_hot(y, z.shape[1])) / len(y),
}


@pytest.mark.parametrize("name", sorted(CE_SLIPS))
def test_the_cross_entropy_slips_are_named(name):
    result = dense.check_exercise_softmax_ce_gradient(CE_SLIPS[name])
    assert not result.passed
    assert result.diagnosis[0] == SOFTMAX_CE_GRADIENT_MISTAKES[name].diagnosis
    assert set(CE_SLIPS) == set(SOFTMAX_CE_GRADIENT_MISTAKES)


def test_a_softmax_without_the_max_shift_is_named_on_large_logits_only():
    def naive(z, y):
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True) - one_hot(y, z.shape[1])) / len(y)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker silences NumPy's overflow warnings
        result = dense.check_exercise_softmax_ce_gradient(naive)
    assert [t.passed for t in result.trials] == [True, True, True, False]
    assert result.trials[-1].label.endswith("logits near 1000")
    assert result.diagnosis[0].startswith("Your answer has nan entries")
    assert "Subtract each row's largest logit" in result.diagnosis[0]


# --- cross-entropy with soft targets ----------------------------------------------------------


def test_the_soft_targets_are_distributions_and_not_one_hot():
    seen = []

    def recording(z, t):
        seen.append(t)
        return soft_label_gradient(z, t)

    assert dense.check_exercise_soft_label_gradient(recording).passed
    assert len(seen) == 4
    for t in seen:
        assert np.all(t > 0) and np.allclose(t.sum(axis=1), 1.0)
        assert np.all(t.max(axis=1) < 0.99)  # no row one-hot, nor nearly
    assert dense.check_exercise_soft_label_gradient(soft_label_gradient_by_the_core).passed


def hard_targets(targets):
    return np.eye(targets.shape[1])[targets.argmax(axis=1)]


SOFT_SLIPS = {
    "Off by a factor N": lambda z, t: softmax(z) - t,
    "Your gradient has the wrong sign": lambda z, t: (t - softmax(z)) / len(t),
    "You replaced T by the one-hot of its largest entry": (
        lambda z, t: (softmax(z) - hard_targets(t)) / len(t)
    ),
    "You subtracted T from the logits themselves": lambda z, t: (z - t) / len(t),
}


@pytest.mark.parametrize("opening", list(SOFT_SLIPS))
def test_the_soft_target_slips_are_named(opening):
    result = dense.check_exercise_soft_label_gradient(SOFT_SLIPS[opening])
    assert not any(t.passed for t in result.trials), result
    assert len(result.diagnosis) == 1 and result.diagnosis[0].startswith(opening), result


def test_a_row_sum_of_the_targets_kept_in_the_gradient_passes():
    """softmax · Σ_k T[n,k] − T is the gradient before using Σ T = 1: right, not a slip."""

    def general(z, t):
        return (softmax(z) * t.sum(axis=1, keepdims=True) - t) / len(t)

    assert dense.check_exercise_soft_label_gradient(general, strict=True).passed


def test_a_soft_target_softmax_without_the_max_shift_is_named_on_large_logits_only():
    def naive(z, t):
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True) - t) / len(t)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker silences NumPy's overflow warnings
        result = dense.check_exercise_soft_label_gradient(naive)
    assert [t.passed for t in result.trials] == [True, True, True, False]
    assert result.trials[-1].label.endswith("logits near 1000")
    assert result.diagnosis[0].startswith("Your answer has nan entries")


def test_the_soft_target_gradient_is_judged_to_the_finite_difference_tolerance():
    def off(z, t):
        return soft_label_gradient(z, t) * (1 + 1e-5)

    assert not dense.check_exercise_soft_label_gradient(off).passed


# --- log-sum-exp -------------------------------------------------------------------------------


def test_the_naive_log_sum_exp_overflows_and_underflows_and_is_named():
    def naive(z):
        return np.log(np.sum(np.exp(z), axis=-1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = dense.check_exercise_logsumexp(naive)
    assert [t.passed for t in result.trials] == [True, True, False, False, False]
    assert result.diagnosis[0].startswith("Your answer is +inf where the right one is finite")
    assert result.diagnosis[1].startswith("Your answer is −inf where the right one is finite")
    assert "709.78" in result.diagnosis[0] and "−745" in result.diagnosis[1]


def test_the_log_sum_exp_slips_are_named():
    def max_only(z):
        return z.max(axis=-1)

    def not_added_back(z):
        return np.log(np.exp(z - z.max(axis=-1, keepdims=True)).sum(axis=-1))

    def mean(z):
        m = z.max(axis=-1, keepdims=True)
        return (m + np.log(np.mean(np.exp(z - m), axis=-1, keepdims=True)))[..., 0]

    def first_axis(z):
        m = z.max(axis=0)
        return m + np.log(np.exp(z - m).sum(axis=0))

    def every_axis(z):
        return z.max() + np.log(np.exp(z - z.max()).sum())

    def keepdims(z):
        return logsumexp(z)[..., None]

    expected = {
        max_only: "You returned the largest logit alone",
        not_added_back: "You subtracted the max and did not add it back",
        mean: "You took the mean of exp(z) where the sum belongs",
        first_axis: "You reduced over the first axis",
        every_axis: "You reduced over every axis",
        keepdims: "Your answer has axes of length 1 too many",
    }
    for fn, opening in expected.items():
        result = dense.check_exercise_logsumexp(fn)
        assert not result.passed and result.diagnosis[0].startswith(opening), (fn, result)


def test_log_sum_exp_is_judged_exactly():
    def float32(z):
        return logsumexp(z.astype(np.float32)).astype(np.float64)

    assert not dense.check_exercise_logsumexp(float32).passed

    def off(z):
        return logsumexp(z) * (1 + 1e-7)

    assert not dense.check_exercise_logsumexp(off).passed


# --- the largest stable learning rate ----------------------------------------------------------


def hessian_eigenvalues(x, factor=2.0, mean=True):
    a = np.stack([x, np.ones_like(x)], axis=1)
    return np.linalg.eigvalsh(factor * (a.T @ a) / (len(x) if mean else 1))


STABILITY_SLIPS = {
    "This is 1/λ_max": lambda x: 1 / hessian_eigenvalues(x)[1],
    "This is 2/(λ_min + λ_max)": lambda x: 2 / np.trace(hessian_eigenvalues(x) * np.eye(2)),
    "This is 2/λ_min": lambda x: 2 / hessian_eigenvalues(x)[0],
    "Your Hessian misses the factor 2": lambda x: 2 / hessian_eigenvalues(x, factor=1.0)[1],
    "Your Hessian is a sum, not a mean": lambda x: 2 / hessian_eigenvalues(x, mean=False)[1],
    "You used H_ww = 2 mean(x²) alone": lambda x: 1 / np.mean(x * x),
}


@pytest.mark.parametrize("opening", list(STABILITY_SLIPS))
def test_the_stability_slips_are_named(opening):
    result = dense.check_exercise_sgd_stability(STABILITY_SLIPS[opening])
    assert not result.passed and result.diagnosis[0].startswith(opening), result.diagnosis


def test_the_stable_learning_rate_is_exact_and_numerical_linear_algebra_passes():
    assert dense.check_exercise_sgd_stability(lambda x: 2 / hessian_eigenvalues(x)[1]).passed

    def nearly(x):
        return stable_lr(x) * (1 + 1e-7)

    assert not dense.check_exercise_sgd_stability(nearly).passed


def test_a_single_number_is_not_called_a_multiple_of_the_right_one():
    """Any wrong number is some multiple of the right one: only integer factors are named."""
    result = dense.check_exercise_sgd_stability(lambda x: 0.5)
    assert result.diagnosis == () and "No common mistake matches" in str(result)
    assert "Wrong entries of problem 1" in str(result) and "<table" in result._repr_html_()
    negated = dense.check_exercise_sgd_stability(lambda x: -stable_lr(x))
    assert negated.diagnosis == ("Off by a factor -1: your answer is -1 times the right one.",)
