"""The exercise checkers accept right answers, report stubs, and name the classic wrong ones.

Right and wrong answers here are written as a reader would write them (loops, slices, NumPy
calls), independently of the catalogue the checkers compare with.
"""

import dataclasses
import inspect

import numpy as np
import pytest

import cnnbp_core.functional.conv
from cnnbp_core import book
from cnnbp_core import functional as F
from cnnbp_core.book import feedback
from cnnbp_core.book.exercises import conv as exercises
from cnnbp_core.book.feedback import ExerciseResult
from cnnbp_core.book.mistakes import KERNEL_GRADIENT_MISTAKES

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


def mse_hessian(x, kernel_hw):
    (kh, kw), (n, _, h, w) = kernel_hw, x.shape
    rows = [
        x[k, 0, i : i + kh, j : j + kw].ravel()
        for k in range(n)
        for i in range(h - kh + 1)
        for j in range(w - kw + 1)
    ]
    a = np.array(rows)  # (M, KH*KW)
    return 2 / len(a) * a.T @ a  # (KH*KW, M) @ (M, KH*KW)


def bias_gradient(delta):
    return delta.sum(axis=(0, 2, 3))


def input_gradient_1d(k, delta, length):
    dx = np.zeros(length)
    for i, d in enumerate(delta):  # y_i = sum_u k_u x_(i+u): x_(i+u) receives d * k_u
        dx[i : i + len(k)] += d * k
    return dx


RIGHT = [
    (exercises.check_exercise_kernel_gradient_1d, kernel_gradient_1d),
    (exercises.check_exercise_strided_kernel_gradient, strided_kernel_gradient),
    (exercises.check_exercise_kernel_gradient, kernel_gradient),
    (exercises.check_exercise_output_jacobian, output_jacobian),
    (exercises.check_exercise_mse_hessian, mse_hessian),
    (exercises.check_exercise_bias_gradient, bias_gradient),
    (exercises.check_exercise_input_gradient_1d, input_gradient_1d),
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


@pytest.mark.parametrize("checker, solution", RIGHT, ids=lambda f: f.__name__)
def test_a_function_that_is_not_called_is_refused(checker, solution):
    with pytest.raises(
        TypeError, match=r"fn must be a function itself \(pass my_function, not my_function"
    ):
        checker(np.zeros((2, 2, 2, 3)))
    with pytest.raises(TypeError, match="strict must be True or False"):
        checker(solution, strict="yes")


def test_a_number_of_trials_below_one_is_refused():
    with pytest.raises(ValueError, match="trials must be >= 1"):
        exercises.check_exercise_kernel_gradient_1d(kernel_gradient_1d, trials=0)


def test_each_checker_draws_its_own_numbers():
    """No two checkers pose the same random numbers (each has its own default seed)."""
    drawn = {}
    for checker, solution in RIGHT:
        seen = []

        def spy(*args, solution=solution, seen=seen):
            seen.extend(np.ravel(a) for a in args if isinstance(a, np.ndarray))
            return solution(*args)

        assert checker(spy).passed
        drawn[checker.__name__] = np.concatenate(seen)
    names = sorted(drawn)
    for k, a in enumerate(names):
        for b in names[k + 1 :]:
            assert np.intersect1d(drawn[a], drawn[b]).size == 0, (a, b)


def posed(monkeypatch, checker):
    """The problems a checker poses (grade is spied on; the stub is not attempted)."""
    problems = []
    real = feedback.grade

    def spy(title, fn, these, **kwargs):
        problems.extend(these)
        return real(title, fn, these, **kwargs)

    monkeypatch.setattr(exercises, "grade", spy)
    checker(stub)
    monkeypatch.undo()
    return problems


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


def test_an_all_zeros_answer_is_called_all_zeros():
    # padding one ring too many moves every 1-D read into the zeros above: a suspect of zeros
    # matched first, and the reader was told every read was one pixel off
    zeros = exercises.check_exercise_kernel_gradient_1d(lambda x, d: np.zeros(len(x) - len(d) + 1))
    assert diagnosis(zeros) == "Your answer is all zeros."


def test_the_checkers_look_only_for_slips_possible_on_their_problems(monkeypatch):
    text = {name: m.diagnosis for name, m in KERNEL_GRADIENT_MISTAKES.items()}
    never = {text["padding_plus_one"], text["padding_minus_one"]}  # the exercises pad nothing
    for checker in (
        exercises.check_exercise_kernel_gradient_1d,
        exercises.check_exercise_strided_kernel_gradient,
        exercises.check_exercise_kernel_gradient,
    ):
        for problem in posed(monkeypatch, checker):
            diagnoses = {d for d, _ in problem.suspects}
            assert all(np.any(wrong) for _, wrong in problem.suspects), problem.label
            assert not diagnoses & never, problem.label
            x = problem.args[0]
            if x.ndim == 1:  # no rows to shift or drop, no quarter turn
                assert text["last_row_dropped"] not in diagnoses
                assert text["rotated_90"] not in diagnoses
            if x.ndim < 4 or len(x) == 1:
                assert text["batch_mean"] not in diagnoses


def test_a_bug_in_a_wrong_formula_surfaces(monkeypatch):
    def buggy(*args):
        raise ValueError("a bug in a wrong formula")

    catalogue = dict(KERNEL_GRADIENT_MISTAKES)
    catalogue["flipped_delta"] = dataclasses.replace(catalogue["flipped_delta"], compute=buggy)
    monkeypatch.setattr(exercises, "KERNEL_GRADIENT_MISTAKES", catalogue)
    with pytest.raises(ValueError, match="a bug in a wrong formula"):
        exercises.check_exercise_kernel_gradient(kernel_gradient)


def test_the_stride_checker_poses_every_kernel_size_and_stride(monkeypatch):
    problems = posed(monkeypatch, exercises.check_exercise_strided_kernel_gradient)
    shapes = [(x.shape, k, s) for x, _, k, s in (p.args for p in problems)]
    assert {k for _, k, _ in shapes} == {1, 2, 3} and {s for _, _, s in shapes} == {1, 2, 3}
    assert all(h != w for (h, w), _, _ in shapes)
    assert any(s == 2 and (h - k) % s for (h, _), k, s in shapes)  # a leftover row at stride 2

    def two_by_two(x, delta, kernel_size, stride):  # ignores kernel_size
        return strided_kernel_gradient(x, delta, 2, stride)

    def one_stride(x, delta, kernel_size, stride):  # handles stride 2 only
        return strided_kernel_gradient(x, delta, kernel_size, 2)

    check = exercises.check_exercise_strided_kernel_gradient
    assert not check(two_by_two).passed and not check(one_stride).passed


def test_a_right_answer_in_float32_is_told_to_compute_in_float64():
    def single(x, delta, kernel_hw):  # stored in a float64 array, computed in float32
        return kernel_gradient(x.astype(np.float32), delta.astype(np.float32), kernel_hw)

    def inputs_rounded(x, delta, kernel_hw):  # float64 arithmetic on float32-rounded inputs
        return kernel_gradient(x.astype(np.float32).astype(np.float64), delta, kernel_hw)

    def returned(x, delta, kernel_hw):  # a float32 array
        return single(x, delta, kernel_hw).astype(np.float32)

    for fn in (single, inputs_rounded, returned):
        result = exercises.check_exercise_kernel_gradient(fn)
        assert "Compute in float64" in diagnosis(result), str(result)
        assert "No common mistake" not in str(result)
    flipped = exercises.check_exercise_kernel_gradient(
        lambda x, d, hw: returned(x, d[:, :, ::-1, ::-1].copy(), hw)
    )
    assert "flipped answer" in diagnosis(flipped) and "float64" in diagnosis(flipped)


def test_the_exact_answers_are_judged_at_the_exact_tolerance():
    def ridge(size):
        return lambda x, k: mse_hessian(x, k) + size * np.eye(k[0] * k[1])

    hessian, jacobian = (
        exercises.check_exercise_mse_hessian,
        exercises.check_exercise_output_jacobian,
    )
    assert (
        hessian(mse_hessian, strict=True).passed and jacobian(output_jacobian, strict=True).passed
    )
    for size in (1e-6, 1e-7):
        assert not hessian(ridge(size)).passed
    assert not jacobian(lambda x, hw: output_jacobian(x, hw) + 1e-8).passed
    assert not jacobian(lambda x, hw: output_jacobian(x, hw) * (1 + 1e-7)).passed


def test_shape_slips_get_their_own_hints():
    def outer(x, kernel_hw):  # A·Aᵀ: M x M
        (kh, kw), (n, _, h, w) = kernel_hw, x.shape
        a = np.array(
            [
                x[k, 0, i : i + kh, j : j + kw].ravel()
                for k in range(n)
                for i in range(h - kh + 1)
                for j in range(w - kw + 1)
            ]
        )
        return 2 / len(a) * a @ a.T  # (M, KH*KW) @ (KH*KW, M)

    assert "A·Aᵀ" in diagnosis(exercises.check_exercise_mse_hessian(outer))
    kept = exercises.check_exercise_bias_gradient(lambda d: d.sum(axis=(0, 2, 3), keepdims=True))
    assert "keepdims" in diagnosis(kept)
    twice_transposed = exercises.check_exercise_output_jacobian(
        lambda x, hw: 2 * output_jacobian(x, hw).T
    )
    assert twice_transposed.trials[1].wrong is None  # 6x9 where 9x6 belongs
    assert "This is J transposed" in twice_transposed.trials[1].diagnosis
    for result in (kept, twice_transposed):
        assert "No common mistake matches" not in str(result)


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


def test_the_hessian_checker_accepts_the_right_answer_and_names_missing_factors():
    assert exercises.check_exercise_mse_hessian(mse_hessian, strict=True).passed
    no_two = exercises.check_exercise_mse_hessian(lambda x, k: mse_hessian(x, k) / 2)
    assert not no_two.passed and "factor 1/2" in no_two.diagnosis[0]
    flipped = exercises.check_exercise_mse_hessian(lambda x, k: mse_hessian(x[..., ::-1, ::-1], k))
    assert not flipped.passed and "true convolution" in flipped.diagnosis[0]

    def stub(x, kernel_hw):
        raise NotImplementedError

    assert exercises.check_exercise_mse_hessian(stub).status == "NOT ATTEMPTED"


BIAS_SLIPS = {
    "Off by a factor N: you averaged over the batch": lambda d: d.sum(axis=(0, 2, 3)) / len(d),
    "mean over the output pixels": lambda d: d.mean(axis=(2, 3)).sum(axis=0),
    "mean over the batch and the output pixels": lambda d: d.mean(axis=(0, 2, 3)),
    "Only the first example": lambda d: d[0].sum(axis=(1, 2)),
    "summed over the channel axis": lambda d: d.sum(axis=(1, 2, 3)),
    "keepdims": lambda d: d.sum(axis=(0, 2, 3), keepdims=True),
}


@pytest.mark.parametrize("named", sorted(BIAS_SLIPS))
def test_the_bias_checker_names_each_slip_its_docstring_claims(named):
    result = exercises.check_exercise_bias_gradient(BIAS_SLIPS[named])
    assert all(named in d for d in result.diagnosis) and len(result.trials) == 2
    assert "No common mistake" not in str(result)
    claims = " ".join(inspect.getdoc(exercises.check_exercise_bias_gradient).split())
    words = {
        "Off by a factor N: you averaged over the batch": "batch averaged",
        "mean over the output pixels": "mean over the output pixels",
        "mean over the batch and the output pixels": "over the pixels and the batch",
        "Only the first example": "only the first example",
        "summed over the channel axis": "over the channel axis",
        "keepdims": "keepdims=True",
    }
    assert words[named] in claims


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
