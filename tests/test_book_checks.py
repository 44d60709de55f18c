"""check() prints one honest row and fails loudly; show_source() shows the core's code; grade()
gives exercise feedback that confirms without revealing, marks wrong entries and names mistakes.
"""

import re

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.checks import check, prove, show_source
from cnnbp_core.book.feedback import (
    Problem,
    Recorder,
    Trial,
    finish,
    grade,
    mask_html,
    mask_text,
)


def test_check_passes_and_prints_one_row(capsys):
    assert check([1.0, 2.0], [1.0, 2.0 + 1e-12], "close enough") is None
    out = capsys.readouterr().out
    assert out.startswith("PASS  close enough") and out.count("\n") == 1


def test_check_fails_loudly(capsys):
    with pytest.raises(AssertionError, match="wrong: max abs err 1.000e-03"):
        check([1.0, 2.0], [1.0, 2.001], "wrong")
    assert capsys.readouterr().out.startswith("FAIL  wrong")
    with pytest.raises(AssertionError, match="shape"):
        check(np.zeros(3), np.zeros(4), "shapes")


def test_relative_error_ignores_entries_that_are_zero_on_both_sides(capsys):
    check([1.0, 1e-12], [1.0, 0.0], "near zero", atol=1e-9)
    assert "max rel err 0.0e+00" in capsys.readouterr().out


def test_show_source_renders_the_core_function():
    code = show_source(F.conv2d_backward)
    assert "def conv2d_backward(dout, cache):" in code.data
    assert "<pre" in code._repr_html_()


# --- feedback: the verdict, the heat map of wrong entries, the diagnosis ------------------------

ERR = re.compile(r"max abs err \d\.\de[-+]\d\d")  # the form the notebooks' sanitizer masks


def twice_problem(label="x = 1, 2, 3", suspects=()):
    x = np.array([1.0, 2.0, 3.0])
    return Problem(label, (x,), 2 * x, suspects)


def test_grade_confirms_a_right_answer_without_keeping_it():
    result = grade("twice", lambda x: 2 * x, [twice_problem()])
    assert result.passed and str(result).startswith("PASS  twice: 1 of 1 problems right")
    assert ERR.search(str(result)) and ERR.search(result._repr_html_())
    assert "2.0" not in str(result) and "4.0" not in result._repr_html_()  # nothing revealed


def test_grade_names_a_known_wrong_answer_and_multiples():
    squared = ("You squared x.", np.array([1.0, 4.0, 9.0]))
    problem = twice_problem(suspects=(squared,))
    assert grade("t", lambda x: x**2, [problem]).diagnosis == ("You squared x.",)
    assert grade("t", lambda x: -(x**2), [problem]).diagnosis == (
        "You squared x. Besides, your answer is off by a factor -1.",
    )
    assert grade("t", lambda x: 6 * x, [problem]).diagnosis == (
        "Off by a factor 3: your answer is 3 times the right one.",
    )
    assert grade("t", lambda x: 0.7 * x, [problem]).diagnosis[0].startswith("Off by a factor 0.35")
    assert grade("t", lambda x: 0 * x, [problem]).diagnosis == ("Your answer is all zeros.",)
    assert grade("t", lambda x: x + 1, [problem]).diagnosis == ()


def test_grade_marks_exactly_the_wrong_entries_and_counts_nan_as_wrong():
    result = grade("t", lambda x: np.array([2.0, np.nan, 6.0 + 1e-3]), [twice_problem()])
    assert result.wrong[0].tolist() == [False, True, True]
    assert "2 of 3 entries wrong (max abs err inf)" in str(result)
    assert "x . x" not in str(result) and ". x x" in str(result)


def test_grade_hints_at_swapped_axes_from_the_shape():
    problem = Problem("p", (), np.zeros((2, 3, 4, 5)) + 1.0)
    hints = {
        (2, 3, 5, 4): "last two axes swapped",
        (3, 2, 4, 5): "first two axes swapped",
        (5, 4, 3, 2): "another order",
    }
    for shape, hint in hints.items():
        result = grade("t", lambda shape=shape: np.ones(shape), [problem])
        assert hint in result.diagnosis[0]
        assert f"your answer has shape {shape}, expected (2, 3, 4, 5)" in str(result)


def test_grade_reports_what_the_function_returned_or_raised():
    problem = twice_problem()
    returned = grade("t", lambda x: "twice x", [problem])
    assert "returned a str, not an array of numbers" in str(returned)
    raised = grade("t", lambda x: 1 / 0, [problem])
    assert "your function raised ZeroDivisionError: division by zero" in str(raised)
    assert not raised.passed and raised.wrong == (None,)


def test_grade_calls_an_all_zeros_answer_all_zeros_before_any_suspect():
    problem = twice_problem(suspects=(("Every read is one pixel off.", np.zeros(3)),))
    assert grade("t", lambda x: 0 * x, [problem]).diagnosis == ("Your answer is all zeros.",)


def test_grade_rejects_complex_answers():
    result = grade("t", lambda x: (2 * x).astype(complex), [twice_problem()])
    assert not result.passed and result.wrong == (None,)
    assert "returned complex numbers (dtype complex128)" in str(result)
    assert "return an array of real floats" in result.diagnosis[0]


def test_grade_tells_a_low_precision_answer_to_compute_in_float64():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(50)
    problem = Problem("x", (x,), np.cumsum(x), (("You reversed it.", np.cumsum(x[::-1])),))
    cases = {
        "your answer is computed in float32": lambda x: np.cumsum(x.astype(np.float32)),
        "your answer is computed in float16": lambda x: np.cumsum(x.astype(np.float16)),
        "part of your computation runs in float32": lambda x: np.cumsum(
            x.astype(np.float32)
        ).astype(np.float64),
    }
    for where, fn in cases.items():
        result = grade("t", fn, [problem])
        assert not result.passed and len(result.diagnosis) == 1
        assert result.diagnosis[0].startswith("Right up to rounding, but only to float")
        assert f"Compute in float64, NumPy's default: {where}" in result.diagnosis[0]
    reversed32 = grade("t", lambda x: np.cumsum(x[::-1].astype(np.float32)), [problem])
    assert reversed32.diagnosis[0].startswith("You reversed it. Besides, compute in float64")
    # a small error on a few entries, all one way, is no rounding: no precision diagnosis
    ridge = grade("t", lambda x: np.cumsum(x) + 1e-6 * (np.arange(50) < 5), [problem])
    assert ridge.diagnosis == () and "No common mistake matches" in str(ridge)


def test_grade_prints_factors_near_one_with_the_digits_that_tell_them_from_one():
    result = grade("t", lambda x: 2 * x * (1 + 1e-5), [twice_problem()])
    assert result.diagnosis == (
        "Off by a factor 1.00001: your answer is 1.00001 times the right one.",
    )


def test_grade_checks_its_arguments():
    problem = twice_problem()
    with pytest.raises(ValueError, match="problems must hold at least one Problem"):
        grade("t", lambda x: 2 * x, [])
    with pytest.raises(TypeError, match=r"problems\[1\] must be a Problem; got tuple"):
        grade("t", lambda x: 2 * x, [problem, tuple(problem)])
    with pytest.raises(TypeError, match="problems must be a sequence of Problem"):
        grade("t", lambda x: 2 * x, problem)
    with pytest.raises(ValueError, match="atol must be >= 0"):
        grade("t", lambda x: 2 * x, [problem], atol=-1e-8)
    with pytest.raises(ValueError, match="rtol must be finite"):
        grade("t", lambda x: 2 * x, [problem], rtol=float("nan"))
    with pytest.raises(TypeError, match="title must be a non-empty str"):
        grade("", lambda x: 2 * x, [problem])


def test_answers_that_are_no_values_get_their_own_messages():
    problem = twice_problem()
    cases = {
        "Return the answer as a NumPy array of floats, not a str.": lambda x: "twice x",
        "is a `return` missing?": lambda x: None,
        "Fix the shape first": lambda x: np.ones(4),
        "Your function raised an error": lambda x: x[9],
    }
    for text, fn in cases.items():
        report = str(grade("t", fn, [problem]))
        assert text in report and "No common mistake matches" not in report, report
    import sympy

    numbers = np.array([sympy.Integer(2), sympy.Float(4.0), 6], dtype=object)
    assert grade("t", lambda x: numbers, [problem]).passed  # SymPy numbers are numbers
    symbols = grade("t", lambda x: np.array([sympy.Symbol("a")] * 3), [problem])
    assert "not an array of numbers" in str(symbols)
    hinted = Problem("p", (), np.ones(3), shape_hints=(((3, 3), "That is x·xᵀ."),))
    assert grade("t", lambda: np.ones((3, 3)), [hinted]).diagnosis == ("That is x·xᵀ.",)
    kept = grade("t", lambda: np.ones((1, 3, 1)), [hinted]).diagnosis[0]
    assert "keepdims=True" in kept


def test_problem_trial_and_their_summary_carry_examples():
    for documented in (Problem, Trial, Trial.summary):
        assert ">>>" in documented.__doc__


def test_grade_hands_each_problem_fresh_copies():
    def mutates(x):
        x *= 2
        return x

    problem = twice_problem()
    assert grade("t", mutates, [problem, problem]).passed  # the second call sees x unchanged
    assert problem.args[0].tolist() == [1.0, 2.0, 3.0]


def test_not_attempted_stops_at_the_stub():
    calls = []

    def stub(x):
        calls.append(x)
        raise NotImplementedError

    result = grade("t", stub, [twice_problem(), twice_problem()])
    assert result.status == "NOT ATTEMPTED" and len(calls) == 1 and result.trials == ()
    with pytest.raises(AssertionError, match="not attempted yet"):
        grade("t", stub, [twice_problem()], strict=True)


def test_a_recorder_keeps_each_answer_and_finish_swaps_in_the_reviewed_trials():
    reader = Recorder(lambda x: 2 * x if x[0] else x[5])
    result = grade("t", reader, [twice_problem(), Problem("0", (np.zeros(2),), np.zeros(2))])
    assert [a is None for a in reader.answers] == [False, True]  # None: the function raised
    said = [t._replace(diagnosis="said") for t in result.trials]
    assert finish(result, said).trials == tuple(said) and finish(result, said).notes == ()
    with pytest.raises(ValueError, match=r"one Trial per trial of result \(2\); got 1"):
        finish(result, said[:1])
    with pytest.raises(AssertionError, match="FAIL"):
        finish(result, said, strict=True)
    with pytest.raises(TypeError, match="fn must be a function itself"):
        Recorder(3)


def test_the_html_escapes_every_text():
    result = grade("<t>", lambda x: 3 * x, [twice_problem("x <b>")])
    page = result._repr_html_()
    assert "&lt;t&gt;" in page and "x &lt;b&gt;" in page and "<t>" not in page


def test_masks_draw_as_blocks_per_plane():
    assert mask_text(np.array([True, False])) == ["x ."]
    mask = np.zeros((2, 1, 1, 2), dtype=bool)
    mask[1, 0, 0, 1] = True
    assert mask_text(mask, ("f", "c")) == ["f=0 c=0", ". .", "f=1 c=0", ". x"]
    page = mask_html(mask, ("f", "c"))
    assert page.count("<table") == 2 and "f=1 c=0" in page
    assert page.count("background:#67001f") == 1


def test_prove_with_cancel_proves_ratios_and_still_rejects_a_wrong_one(capsys):
    sympy = pytest.importorskip("sympy")
    z0, z1 = sympy.symbols("z0 z1", real=True)
    p0 = sympy.exp(z0) / (sympy.exp(z0) + sympy.exp(z1))
    with pytest.raises(AssertionError):  # expand alone cannot see that this ratio identity holds
        prove("dp0/dz1", [p0.diff(z1)], [-p0 * (1 - p0)])
    prove("dp0/dz1", [p0.diff(z1)], [-p0 * (1 - p0)], by=sympy.cancel)
    assert capsys.readouterr().out.splitlines()[-1].endswith("by cancel)")
    with pytest.raises(AssertionError, match="1 entries differ"):
        prove("wrong", [p0.diff(z1)], [p0 * (1 - p0)], by=sympy.cancel)


def test_prove_wants_the_reducing_function_itself():
    with pytest.raises(TypeError, match=r"by must be a function itself .*got str"):
        prove("x == x", [1], [1], by="cancel")
