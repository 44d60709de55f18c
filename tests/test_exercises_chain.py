"""Chapter 01's exercise checkers accept right answers, report stubs and name the classic slips.

Right and wrong answers are written as a reader would write them (loops, NumPy calls),
independently of the checkers' own expected answers.
"""

import numpy as np
import pytest

from cnnbp_core import book
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


def fd_jacobian(f, x, eps):
    x = x.astype(float)
    m = len(f(x))
    jac = np.zeros((m, len(x)))
    for j in range(len(x)):
        saved = x[j]
        x[j] = saved + eps
        plus = f(x)
        x[j] = saved - eps
        minus = f(x)
        x[j] = saved
        jac[:, j] = (plus - minus) / (2 * eps)
    return jac


def forward_difference_optimum(f_abs, f2_abs, eps):
    h = 2 * np.sqrt(eps * f_abs / f2_abs)
    return np.array([h, 2 * np.sqrt(eps * f_abs * f2_abs)])


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


def test_a_forward_difference_or_a_transposed_jacobian_is_named():
    def forward(f, x, eps):
        return np.stack([(f(x + eps * e) - f(x)) / eps for e in np.eye(len(x))], axis=1)

    result = book.check_exercise_fd_jacobian(forward)
    assert not result.passed and result.diagnosis[0].startswith("This is a forward difference")
    result = book.check_exercise_fd_jacobian(lambda f, x, eps: fd_jacobian(f, x, eps).T)
    assert result.diagnosis[0].startswith("Your answer is J transposed")

    def half(f, x, eps):  # divided by eps where 2 eps belongs
        return 2 * fd_jacobian(f, x, eps)

    assert book.check_exercise_fd_jacobian(half).diagnosis[0].startswith("Off by a factor 2")


def test_a_jacobian_that_forgets_to_restore_x_fails():
    """A function that forgets to restore x after a nudge gets wrong columns, and is told."""

    def no_restore(f, x, eps):
        jac = []
        for j in range(len(x)):
            x[j] += eps
            plus = f(x)
            x[j] -= 2 * eps
            minus = f(x)  # x[j] is left eps below where it was
            jac.append((plus - minus) / (2 * eps))
        return np.stack(jac, axis=1)

    result = book.check_exercise_fd_jacobian(no_restore)
    assert not result.passed and any(w is not None and w.any() for w in result.wrong)


def test_the_optimum_slips_are_named():
    def diagnosis(h_of, error_of):
        def fn(f_abs, f2_abs, eps):
            h = h_of(f_abs, f2_abs, eps)
            return np.array([h, error_of(h, f_abs, f2_abs, eps)])

        result = book.check_exercise_forward_difference_optimum(fn)
        assert not result.passed
        return result.diagnosis[0]

    def model(h, f, m, eps):
        return h * m / 2 + 2 * eps * f / h

    def centered(f, m, eps):
        return (3 * eps * f / m) ** (1 / 3)

    assert diagnosis(centered, lambda h, f, m, eps: h**2 * m / 2).startswith(
        "These are the centered difference's formulas"
    )
    one_value = diagnosis(
        lambda f, m, eps: np.sqrt(2 * eps * f / m),
        lambda h, f, m, eps: h * m / 2 + eps * f / h,
    )
    assert one_value.startswith("Your rounding term is ε F / h")
    assert diagnosis(lambda f, m, eps: np.sqrt(eps), model).startswith("This is the rule of thumb")
