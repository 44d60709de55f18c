"""Chapter 01's exercise checkers accept right answers, report stubs and name the classic slips.

Right and wrong answers are written as a reader would write them (loops, NumPy calls),
independently of the checkers' own expected answers.
"""

import numpy as np
import pytest

from cnnbp_core import book, explain
from cnnbp_core.book.exercises import chain

# --- right answers, as a reader writes them -------------------------------------------------


def quadratic_form_gradient(a, x):
    n = len(x)
    return np.array([sum(a[k, j] * x[j] + x[j] * a[j, k] for j in range(n)) for k in range(n)])


def unbroadcast(delta, shape):
    out = delta
    while out.ndim > len(shape):  # the axes broadcasting added in front
        out = out.sum(axis=0)
    for axis, n in enumerate(shape):  # the axes where b has length 1
        if n == 1:
            out = out.sum(axis=axis, keepdims=True)
    return out


def fd_jacobian(f, x, h):
    x = x.astype(float)
    m = len(f(x))
    jac = np.zeros((m, len(x)))
    for j in range(len(x)):
        saved = x[j]
        x[j] = saved + h
        plus = f(x)
        x[j] = saved - h
        minus = f(x)
        x[j] = saved
        jac[:, j] = (plus - minus) / (2 * h)
    return jac


def forward_difference_optimum(f_abs, f2_abs, eps_mach):
    h = 2 * np.sqrt(eps_mach * f_abs / f2_abs)
    return np.array([h, 2 * np.sqrt(eps_mach * f_abs * f2_abs)])


RIGHT = {
    chain.check_exercise_quadratic_form_gradient: quadratic_form_gradient,
    chain.check_exercise_unbroadcast: unbroadcast,
    chain.check_exercise_fd_jacobian: fd_jacobian,
    chain.check_exercise_forward_difference_optimum: forward_difference_optimum,
}


@pytest.mark.parametrize("checker", list(RIGHT), ids=lambda c: c.__name__)
def test_right_answers_pass_and_stubs_are_not_attempted(checker):
    assert checker(RIGHT[checker], strict=True).passed

    def stub(*args):
        raise NotImplementedError

    result = checker(stub)
    assert result.status == "NOT ATTEMPTED" and "not attempted yet" in str(result)
    with pytest.raises(AssertionError, match="NOT ATTEMPTED"):
        checker(stub, strict=True)


@pytest.mark.parametrize("checker", list(RIGHT), ids=lambda c: c.__name__)
def test_a_function_not_passed_itself_or_a_strict_not_a_bool_is_refused(checker):
    with pytest.raises(TypeError, match=r"fn must be a function itself \(pass my_function"):
        checker(3)
    with pytest.raises(TypeError, match="strict must be True or False; got 'yes'"):
        checker(RIGHT[checker], strict="yes")


@pytest.mark.parametrize(
    "checker",
    [c for c in RIGHT if c is not chain.check_exercise_forward_difference_optimum],
    ids=lambda c: c.__name__,
)
def test_right_answers_pass_on_random_problems_too(checker):
    for seed in range(5):
        assert checker(RIGHT[checker], rng=np.random.default_rng(seed)).passed, seed
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        checker(RIGHT[checker], rng=0)


def test_the_quadratic_form_slips_are_named():
    def diagnosis(fn):
        result = book.check_exercise_quadratic_form_gradient(fn)
        assert not result.passed
        return result.diagnosis[0]

    assert diagnosis(lambda a, x: 2 * a @ x).startswith("This is 2Ax, right only when A is sym")
    assert diagnosis(lambda a, x: 2 * x @ a).startswith("This is 2Aᵀx")
    assert diagnosis(lambda a, x: a @ x).startswith("This is Ax, the gradient through the left")
    assert diagnosis(lambda a, x: x @ a).startswith("This is Aᵀx")
    assert diagnosis(lambda a, x: np.outer(x, x) @ a).startswith("Your answer is a matrix")
    almost = book.check_exercise_quadratic_form_gradient(lambda a, x: (a + a.T) @ x * 1.001)
    assert almost.diagnosis[0].startswith("Off by a factor 1.001")


def test_the_broadcast_slips_are_named():
    def diagnoses(fn):
        result = book.check_exercise_unbroadcast(fn)
        assert not result.passed
        return " ".join(result.diagnosis)

    def mean(delta, shape):
        return unbroadcast(delta, shape) * np.prod(shape) / delta.size

    assert "mean where a sum belongs" in diagnoses(mean)
    assert "Your answer has δ's shape" in diagnoses(lambda delta, shape: delta)

    def leading_only(delta, shape):
        return delta.sum(axis=tuple(range(delta.ndim - len(shape))))

    assert "You summed away the new leading axis" in diagnoses(leading_only)


def one_sided(step=None, sign=1.0):
    """A forward (sign 1) or backward (sign -1) difference, with the given step or its own."""

    def fd(f, x, h):
        s = sign * (h if step is None else step)
        return np.stack([(f(x + s * e) - f(x)) / s for e in np.eye(len(x))], axis=1)

    return fd


def jacobian_diagnoses(fn):
    result = book.check_exercise_fd_jacobian(fn)
    assert not result.passed
    return result.diagnosis


def test_a_forward_difference_or_a_transposed_jacobian_is_named():
    (found,) = jacobian_diagnoses(one_sided())
    assert found.startswith("This is a forward difference")
    result = book.check_exercise_fd_jacobian(lambda f, x, h: fd_jacobian(f, x, h).T)
    assert result.diagnosis[0].startswith("Your answer is J transposed")

    def half(f, x, h):  # divided by h where 2h belongs
        return 2 * fd_jacobian(f, x, h)

    assert book.check_exercise_fd_jacobian(half).diagnosis[0].startswith("Off by a factor 2")


def test_a_forward_difference_at_any_step_is_named_and_not_blamed_on_float32():
    """In float64 with h = 1e-9 the errors look like rounding noise; the checker sees where f
    was evaluated (at x itself) and names the forward difference, with its step."""
    for step in (1e-9, 1e-4, 1e-2):
        (found,) = jacobian_diagnoses(one_sided(step))
        assert found.startswith("This is a forward difference"), found
        assert f"with a step of {step:.3g}" in found and "float32" not in found
    (found,) = jacobian_diagnoses(one_sided(sign=-1.0))
    assert found.startswith("This is a backward difference, (f(x) − f(x − h e_j)) / h")


def test_a_jacobian_that_ignores_its_step_fails():
    """A centered difference with a fixed step is close to J, but the problems with steps 0.1
    and 1e-3 expect the centered difference at those steps (off J by h² f'''/6)."""
    for fixed in (1e-4, 1e-6):

        def centered(f, x, h, fixed=fixed):
            return fd_jacobian(f, x, fixed)

        result = book.check_exercise_fd_jacobian(centered)
        assert not result.passed and not result.trials[1].passed
        (found,) = result.diagnosis
        assert found.startswith(f"Your function nudges x by {fixed:.3g}, not by the step h")


def test_float32_is_diagnosed_only_when_the_computation_is_float32():
    def in_float32(f, x, h):
        x, h = x.astype(np.float32), np.float32(h)
        units = np.eye(len(x), dtype=np.float32)
        return np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in units], axis=1)

    assert "only to float32 precision" in jacobian_diagnoses(in_float32)[0]

    def noisy(f, x, h):  # float64 throughout, wrong by rounding-like noise: not float32
        right = fd_jacobian(f, x, h)
        return right * (1 + 1e-5 * np.cos(np.arange(right.size)).reshape(right.shape))

    assert not any("float32" in d for d in book.check_exercise_fd_jacobian(noisy).diagnosis)


def test_a_jacobian_that_forgets_to_restore_x_fails():
    """A function that forgets to restore x after a nudge gets wrong columns, and is told."""

    def no_restore(f, x, h):
        jac = []
        for j in range(len(x)):
            x[j] += h
            plus = f(x)
            x[j] -= 2 * h
            minus = f(x)  # x[j] is left h below where it was
            jac.append((plus - minus) / (2 * h))
        return np.stack(jac, axis=1)

    result = book.check_exercise_fd_jacobian(no_restore)
    assert not result.passed and any(w is not None and w.any() for w in result.wrong)
    assert result.diagnosis[0].startswith("Your function evaluates f at points that differ")


# --- exercise 4: the forward difference's best step -----------------------------------------


def optimum_diagnosis(h_of, error_of):
    def fn(f_abs, f2_abs, eps_mach):
        h = h_of(f_abs, f2_abs, eps_mach)
        return np.array([h, error_of(h, f_abs, f2_abs, eps_mach)])

    result = book.check_exercise_forward_difference_optimum(fn)
    assert not result.passed
    return result.diagnosis[0]


def model(h, f, m, eps_mach):
    return h * m / 2 + 2 * eps_mach * f / h


def test_the_optimum_slips_are_named():
    def centered(f, m, eps_mach):
        return (3 * eps_mach * f / m) ** (1 / 3)

    assert optimum_diagnosis(centered, lambda h, f, m, e: h**2 * m / 2).startswith(
        "These are the centered difference's formulas"
    )
    one_value = optimum_diagnosis(
        lambda f, m, e: np.sqrt(2 * e * f / m), lambda h, f, m, e: h * m / 2 + e * f / h
    )
    assert one_value.startswith("Your rounding term is ε_mach F / h")
    thumb = optimum_diagnosis(lambda f, m, e: np.sqrt(e), model)
    assert thumb.startswith("This is the rule of thumb")


def test_a_truncation_term_of_h_m_is_named():
    """The 1/2 of h M / 2 lost: E = h M + 2 ε F / h, minimised at sqrt(2 ε F / M)."""
    found = optimum_diagnosis(
        lambda f, m, e: np.sqrt(2 * e * f / m), lambda h, f, m, e: h * m + 2 * e * f / h
    )
    assert found == (
        "Your truncation term is h M: Taylor's theorem gives f(x + h) = f + h f' + h² f''/2 "
        "+ ..., so the forward difference is off by h M / 2."
    )


def test_an_optimum_missing_its_factor_2_gets_its_own_diagnosis():
    """h* = sqrt(ε F / M) is 1/√2 times the h M slip's step: it must not be called that slip."""
    for error_of in (model, lambda h, f, m, e: 2 * np.sqrt(e * f * m)):
        found = optimum_diagnosis(lambda f, m, e: np.sqrt(e * f / m), error_of)
        assert found.startswith("Your h* is half the minimiser"), found
        assert "0.707" not in found and "truncation term" not in found


def test_a_relative_error_of_1e_6_in_the_answer_fails():
    def scaled(k_h, k_error):
        def fn(f_abs, f2_abs, eps_mach):
            h, error = forward_difference_optimum(f_abs, f2_abs, eps_mach)
            return np.array([h * k_h, error * k_error])

        return book.check_exercise_forward_difference_optimum(fn)

    assert scaled(1, 1).passed
    result = scaled(1 + 1e-6, 1 + 1e-6)
    assert not result.passed and all(w.tolist() == [False, True] for w in result.wrong)
    assert not scaled(1, 1 + 1e-7).passed  # E(h*) is judged to 1e-8
    assert not scaled(1 + 3e-6, 1).passed  # h* to 1e-6
    assert scaled(1 + 5e-7, 1).passed


def test_a_careful_numerical_minimisation_passes():
    """E is flat at its minimum: golden-section search in log h finds h* to about 1e-8, which
    the checker accepts, and E(h*) to rounding."""

    def numerical(f_abs, f2_abs, eps_mach):
        low, high, ratio = np.log(1e-20), 0.0, (np.sqrt(5) - 1) / 2
        for _ in range(200):
            a, b = high - ratio * (high - low), low + ratio * (high - low)
            if model(np.exp(a), f_abs, f2_abs, eps_mach) < model(
                np.exp(b), f_abs, f2_abs, eps_mach
            ):
                high = b
            else:
                low = a
        h = np.exp((low + high) / 2)
        return np.array([h, model(h, f_abs, f2_abs, eps_mach)])

    assert book.check_exercise_forward_difference_optimum(numerical, strict=True).passed


def test_the_optimum_is_exact_to_the_last_bit():
    """The checker's answers are the closed form rounded once (no nsimplify on the way)."""
    import mpmath

    def correctly_rounded(f_abs, f2_abs, eps_mach):
        with mpmath.workdps(50):
            f, m, e = (mpmath.mpf(v) for v in (f_abs, f2_abs, eps_mach))
            h, error = 2 * mpmath.sqrt(e * f / m), 2 * mpmath.sqrt(e * f * m)
        return np.array([float(h), float(error)])

    result = book.check_exercise_forward_difference_optimum(correctly_rounded, strict=True)
    assert all(t.max_abs_error == 0.0 for t in result.trials)


def test_the_optimum_is_checked_on_several_cases_the_chapter_does_not_print():
    result = book.check_exercise_forward_difference_optimum(forward_difference_optimum)
    assert len(result.trials) >= 5
    printed = set()
    for f in explain.FD_FUNCTIONS.values():  # the chapter prints these functions' optima
        value, _, second, _ = f.derivatives(f.x)
        printed.add(f"|f| = {abs(value):g}, |f''| = {abs(second):g}")
    assert not any(t.label.startswith(tuple(printed)) for t in result.trials)
    assert len({t.label.split(", ε_mach")[1] for t in result.trials}) >= 3  # precisions


def test_an_answer_right_on_some_problems_only_fails():
    """Three problems sharing |f| and |f''| would let an answer that ignores them pass by
    luck; the checker's cases differ, and include F = M, where such an answer is right."""

    def ignores_f_and_m(f_abs, f2_abs, eps_mach):
        return forward_difference_optimum(1.0, 1.0, eps_mach)

    result = book.check_exercise_forward_difference_optimum(ignores_f_and_m)
    assert not result.passed and 1 <= sum(t.passed for t in result.trials) < len(result.trials)

    def right_for_n_3_only(a, x):
        return (a + a.T) @ x if len(x) == 3 else 2 * a @ x

    result = book.check_exercise_quadratic_form_gradient(right_for_n_3_only)
    assert not result.passed and result.trials[0].passed
