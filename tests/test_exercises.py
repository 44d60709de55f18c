"""The exercise checkers accept right answers, report stubs, and name the classic wrong ones.

Right and wrong answers here are written as a reader would write them (loops, slices, NumPy
calls), independently of the catalogue the checkers compare with.
"""

import numpy as np
import pytest

import cnnbp_core.functional.conv
from cnnbp_core import book
from cnnbp_core import functional as F
from cnnbp_core.book.exercises import conv as exercises
from cnnbp_core.book.feedback import ExerciseResult

# --- right answers, as a reader writes them -------------------------------------------------------


def kernel_gradient_1d(x, delta):
    return np.correlate(x, delta, mode="valid")


def strided_kernel_gradient(x, delta, kernel_size, stride):
    big = F.dilate2d(delta, stride)
    h, w = big.shape
    return np.array(
        [
            [np.sum(x[u : u + h, v : v + w] * big) for v in range(kernel_size)]
            for u in range(kernel_size)
        ]
    )


def kernel_gradient(x, delta, kernel_hw):
    (kh, kw), (n, c_in), (_, c_out, ho, wo) = kernel_hw, x.shape[:2], delta.shape
    dk = np.zeros((c_out, c_in, kh, kw))
    for f, c, u, v in np.ndindex(dk.shape):
        dk[f, c, u, v] = sum(
            np.sum(delta[b, f] * x[b, c, u : u + ho, v : v + wo]) for b in range(n)
        )
    return dk


def output_jacobian(x, kernel_hw):
    (kh, kw), (h, w) = kernel_hw, x.shape
    windows = [x[i : i + kh, j : j + kw] for i in range(h - kh + 1) for j in range(w - kw + 1)]
    return np.array([window.ravel() for window in windows])


RIGHT = [
    (exercises.check_exercise_kernel_gradient_1d, kernel_gradient_1d),
    (exercises.check_exercise_strided_kernel_gradient, strided_kernel_gradient),
    (exercises.check_exercise_kernel_gradient, kernel_gradient),
    (exercises.check_exercise_output_jacobian, output_jacobian),
]


def stub(*args):
    raise NotImplementedError("write your solution here")


# --- the verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize("checker, solution", RIGHT, ids=lambda f: f.__name__)
def test_right_answers_pass(checker, solution):
    result = checker(solution, strict=True)  # strict: raises unless every problem passes
    assert isinstance(result, ExerciseResult)
    assert result.passed and result.status == "PASS" and result.diagnosis == ()
    text, page = str(result), result._repr_html_()
    assert text.startswith("PASS") and "FAIL" not in text and "Diagnosis" not in text
    assert "<b>PASS</b>" in page and "FAIL" not in page
    assert all(mask is not None and not mask.any() for mask in result.wrong)


@pytest.mark.parametrize("checker, solution", RIGHT, ids=lambda f: f.__name__)
def test_a_stub_is_not_attempted_yet_and_raises_only_when_strict(checker, solution):
    result = checker(stub)
    assert not result.passed and not result.attempted and result.status == "NOT ATTEMPTED"
    assert "not attempted yet" in str(result) and "not attempted yet" in result._repr_html_()
    with pytest.raises(AssertionError, match="not attempted yet"):
        checker(stub, strict=True)


def test_the_checkers_are_reexported_by_the_book():
    for checker, _ in RIGHT:
        assert getattr(book, checker.__name__) is checker


def test_the_checkers_never_use_the_core_backward(monkeypatch):
    """A fault in the backward pass cannot change what a checker accepts."""

    def broken(*args, **kwargs):
        raise RuntimeError("the checkers must not call the core's backward pass")

    for module in (F, cnnbp_core.functional.conv):
        monkeypatch.setattr(module, "conv2d_backward", broken)
        monkeypatch.setattr(module, "conv2d_backward_naive", broken)
    for checker, solution in RIGHT:
        assert checker(solution).passed


def test_a_function_that_is_not_called_is_refused():
    with pytest.raises(
        TypeError, match=r"fn must be a function itself \(pass my_function, not my_function"
    ):
        exercises.check_exercise_kernel_gradient(np.zeros((2, 2, 2, 3)))
    with pytest.raises(TypeError, match="strict must be True or False"):
        exercises.check_exercise_kernel_gradient(kernel_gradient, strict="yes")
    with pytest.raises(ValueError, match="trials must be >= 1"):
        exercises.check_exercise_kernel_gradient_1d(kernel_gradient_1d, trials=0)


def test_the_random_problems_follow_the_rng():
    a = exercises.check_exercise_kernel_gradient_1d(kernel_gradient_1d)
    b = exercises.check_exercise_kernel_gradient_1d(kernel_gradient_1d)
    c = exercises.check_exercise_kernel_gradient_1d(
        kernel_gradient_1d, rng=np.random.default_rng(7), trials=6
    )
    assert [t.label for t in a.trials] == [t.label for t in b.trials]
    assert c.passed and len(c.trials) == 6


# --- wrong answers: failed, marked, named, never raised unless strict -----------------------------


def diagnosis(result):
    assert not result.passed and result.status == "FAIL"
    assert result.diagnosis, str(result)
    return " ".join(result.diagnosis)


def test_1d_flip_and_swapped_operands_are_named():
    flipped = exercises.check_exercise_kernel_gradient_1d(lambda x, d: np.convolve(x, d, "valid"))
    assert "flipped answer" in diagnosis(flipped)
    swapped = exercises.check_exercise_kernel_gradient_1d(lambda x, d: np.correlate(d, x, "valid"))
    assert "operands are swapped" in diagnosis(swapped)
    with pytest.raises(AssertionError, match="flipped answer"):
        exercises.check_exercise_kernel_gradient_1d(
            lambda x, d: np.convolve(x, d, "valid"), strict=True
        )


def test_forgetting_the_stride_is_named():
    def undilated(x, delta, kernel_size, stride):
        return strided_kernel_gradient(x, delta, kernel_size, 1)

    assert "stride is missing" in diagnosis(
        exercises.check_exercise_strided_kernel_gradient(undilated)
    )


def test_leftover_rows_mishandled_are_named():
    def dropped(x, delta, kernel_size, stride):  # an output size one too small
        return strided_kernel_gradient(x, delta[:-1, :-1], kernel_size, stride)

    def far_edge(x, delta, kernel_size, stride):  # the leftover rows skipped at the top
        rows = (x.shape[0] - kernel_size) % stride
        cols = (x.shape[1] - kernel_size) % stride
        return strided_kernel_gradient(x[rows:, cols:], delta, kernel_size, stride)

    check = exercises.check_exercise_strided_kernel_gradient
    assert "last row and column of δ" in diagnosis(check(dropped))
    assert "leftover rows are at the wrong end" in diagnosis(check(far_edge))


def test_batch_mean_flip_swaps_and_turns_are_named():
    check = exercises.check_exercise_kernel_gradient

    def mean(x, delta, kernel_hw):
        return kernel_gradient(x, delta, kernel_hw) / len(x)

    def flipped(x, delta, kernel_hw):
        return kernel_gradient(x, delta[:, :, ::-1, ::-1], kernel_hw)

    def channels(x, delta, kernel_hw):
        return kernel_gradient(x, delta, kernel_hw).transpose(1, 0, 2, 3)

    def swapped(x, delta, kernel_hw):  # delta slid over X from the other end
        return kernel_gradient(x, delta, kernel_hw)[:, :, ::-1, ::-1]

    def quarter_turn(x, delta, kernel_hw):  # X convolved with rot90(delta)
        return kernel_gradient(x, np.rot90(delta, k=-1, axes=(2, 3)), kernel_hw)

    assert "Off by a factor N" in diagnosis(check(mean))
    assert "flipped answer" in diagnosis(check(flipped))
    assert "right answer turned half a turn" in diagnosis(check(swapped))
    assert "quarter turn" in diagnosis(check(quarter_turn))
    transposed = check(lambda x, d, hw: np.swapaxes(kernel_gradient(x, d, hw), 2, 3))
    assert "right one transposed" in diagnosis(transposed)  # shape (.., KW, KH): still named
    result = check(channels)
    assert "channel axes are swapped" in diagnosis(result)
    # C_in = C_out in the first problem: right shape, wrong values; the others: a wrong shape
    shapes = [(t.shape, t.expected_shape) for t in result.trials]
    assert shapes[0] == ((2, 2, 2, 3), (2, 2, 2, 3)) and shapes[1] == ((3, 2, 3, 2), (2, 3, 3, 2))
    assert result.wrong[0] is not None and result.wrong[1] is None


def test_the_wrong_entries_are_exactly_the_ones_that_differ():
    def one_off(x, delta, kernel_hw):
        dk = kernel_gradient(x, delta, kernel_hw)
        dk[1, 0, 0, 2] += 0.5
        return dk

    result = exercises.check_exercise_kernel_gradient(one_off)
    mask = result.wrong[0]
    assert mask.shape == (2, 2, 2, 3) and mask.sum() == 1 and mask[1, 0, 0, 2]
    text = str(result)
    assert "1 of 24 entries wrong" in text and "No common mistake matches" in text
    block = text[text.index("f=1 c=0") :].splitlines()
    assert block[1].split()[:3] == [".", ".", "x"]  # row u = 0 of block (f, c) = (1, 0)
    assert "background:#67001f" in result._repr_html_()  # the one red cell


def test_an_error_in_the_readers_function_is_reported_not_raised():
    def crashes(x, delta, kernel_hw):
        return x[:, :, 99]

    result = exercises.check_exercise_kernel_gradient(crashes)
    assert not result.passed and result.wrong == (None, None, None)
    assert "your function raised IndexError" in str(result)
    with pytest.raises(AssertionError, match="IndexError"):
        exercises.check_exercise_kernel_gradient(crashes, strict=True)


def test_a_missing_return_is_named():
    result = exercises.check_exercise_kernel_gradient_1d(lambda x, d: None)
    assert "returned None" in str(result) and "return" in diagnosis(result)


def test_the_jacobian_checker_shows_j_independent_of_k_and_names_a_transpose():
    check = exercises.check_exercise_output_jacobian
    right = check(output_jacobian)
    assert len(right.notes) == 2 and all("does not depend on K" in n for n in right.notes)
    assert all("(through δ, which depends on K)" in n for n in right.notes)
    transposed = check(lambda x, hw: output_jacobian(x, hw).T)
    # the first J is square (6x6) but not symmetric: the transpose is caught by its values
    assert transposed.trials[0].wrong is not None and not transposed.trials[0].passed
    assert "J transposed" in diagnosis(transposed)

    def column_major(x, kernel_hw):
        (kh, kw), (h, w) = kernel_hw, x.shape
        return np.array(
            [
                x[i : i + kh, j : j + kw].ravel(order="F")
                for j in range(w - kw + 1)
                for i in range(h - kh + 1)
            ]
        )

    assert "column by column" in diagnosis(check(column_major))


def mse_hessian(x, kernel_hw):
    (kh, kw), (n, _, h, w) = kernel_hw, x.shape
    rows = [
        x[k, 0, i : i + kh, j : j + kw].ravel()
        for k in range(n)
        for i in range(h - kh + 1)
        for j in range(w - kw + 1)
    ]
    a = np.array(rows)
    return 2 / len(a) * a.T @ a


def test_the_hessian_checker_accepts_the_right_answer_and_names_missing_factors():
    assert exercises.check_exercise_mse_hessian(mse_hessian, strict=True).passed
    no_two = exercises.check_exercise_mse_hessian(lambda x, k: mse_hessian(x, k) / 2)
    assert not no_two.passed and "factor 1/2" in no_two.diagnosis[0]
    flipped = exercises.check_exercise_mse_hessian(lambda x, k: mse_hessian(x[..., ::-1, ::-1], k))
    assert not flipped.passed and "true convolution" in flipped.diagnosis[0]

    def stub(x, kernel_hw):
        raise NotImplementedError

    assert exercises.check_exercise_mse_hessian(stub).status == "NOT ATTEMPTED"


def test_the_bias_checker_sums_over_batch_and_pixels():
    assert exercises.check_exercise_bias_gradient(
        lambda d: d.sum(axis=(0, 2, 3)), strict=True
    ).passed
    mean = exercises.check_exercise_bias_gradient(lambda d: d.mean(axis=(0, 2, 3)))
    assert not mean.passed and "factor" in mean.diagnosis[0]
    wrong_axes = exercises.check_exercise_bias_gradient(lambda d: d.sum(axis=(1, 2, 3)))
    assert not wrong_axes.passed


def input_gradient_1d(k, delta, length):
    dx = np.zeros(length)
    for i, d in enumerate(delta):  # y_i = sum_u k_u x_(i+u): x_(i+u) receives d * k_u
        dx[i : i + len(k)] += d * k
    return dx


def test_the_input_gradient_checker_accepts_the_right_answer_and_names_the_classic_slips(
    monkeypatch,
):
    check = exercises.check_exercise_input_gradient_1d
    assert book.check_exercise_input_gradient_1d is check
    assert check(input_gradient_1d, strict=True).passed
    assert check(lambda k, d, n: np.convolve(d, k, "full")).passed

    def no_flip(k, delta, length):
        return input_gradient_1d(k[::-1], delta, length)

    def valid(k, delta, length):
        return np.convolve(delta, k, "valid")

    assert "kernel not flipped" in diagnosis(check(no_flip))
    assert "valid correlation" in diagnosis(check(valid))
    reversed_ = check(lambda k, d, n: input_gradient_1d(k, d, n)[::-1])
    assert "reversed end to end" in diagnosis(reversed_)
    assert check(stub).status == "NOT ATTEMPTED"
    with pytest.raises(AssertionError, match="kernel not flipped"):
        check(no_flip, strict=True)

    def broken(*args, **kwargs):
        raise RuntimeError("the checkers must not call the core's backward pass")

    for module in (F, cnnbp_core.functional.conv):
        monkeypatch.setattr(module, "conv2d_backward", broken)
        monkeypatch.setattr(module, "conv2d_backward_naive", broken)
    assert check(input_gradient_1d).passed
