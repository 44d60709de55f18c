"""Feedback on a reader's answer to an exercise: confirm without revealing, show where, say why.

An exercise checker (`cnnbp_core.book.exercises`) draws a few `Problem`\\ s, each with its right
answer (from finite differences of the core's forward pass) and the classic wrong answers
evaluated on the same numbers (from `cnnbp_core.book.mistakes`), and hands them to `grade`.
`grade` calls the reader's function on each problem and returns an `ExerciseResult`:

- a verdict per problem (PASS, FAIL, or "not attempted yet" when the function still raises
  ``NotImplementedError``);
- for a wrong answer, a boolean mask of the wrong entries, drawn as a small heat map (HTML in a
  notebook, ``x`` and ``.`` in a terminal), one block per (f, c) plane;
- a diagnosis when the answer is one of the known wrong answers, a multiple of the right one,
  all zeros, right only to float32 precision, of a known wrong shape, or no array of real numbers.

The result holds no right answer, only masks, error sizes and messages, so displaying it
reveals nothing but which entries are wrong. Errors print as ``max abs err 1.2e-10``, the form
the notebooks' output sanitizer masks (their last digits depend on the BLAS kernel).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..validation import as_callable, as_flag, as_real, instance_of, nonempty_str
from ..viz.html import matrix_html, row_html

ATOL, RTOL = 1e-8, 1e-7  # the book's finite-difference tolerance (chapter 00): FD of a linear
# map in float64 are good to about 1e-9, and a 1e-6 relative slip fails
EXACT_ATOL, EXACT_RTOL = 1e-10, 1e-8  # for answers known exactly up to rounding (check's default)
NOT_ATTEMPTED = "not attempted yet"
# how far an answer right up to float32 (float16) rounding may be from the right one, as a
# fraction of the right one's largest entry: float32 rounds at 6e-8 per operation, float16 at 5e-4
_ROUGH_RTOL = {"float16": 3e-2}
_ROUGH_DEFAULT = 1e-4

# what the report says of failures no diagnosis explains, by kind
_RAISED = (
    "Your function raised an error (its message is above): call it on small arrays of the "
    "exercise's shapes to see where."
)
_BAD_SHAPE = "Fix the shape first: each line above gives your answer's shape and the expected one."
_NO_MATCH = "No common mistake matches: compare your sums with the derivation."


class Problem(NamedTuple):
    """One problem an exercise poses: the reader's arguments, the right answer, known wrong ones.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> problem = Problem("x = 1, 2, 3", (x,), 2 * x, suspects=(("You squared x.", x**2),),
    ...                   shape_hints=(((3, 1), "Return a 1-D array, like x."),))
    >>> problem.expected.shape, problem.plane_axes
    ((3,), ())

    Attributes
    ----------
    label : str
        The problem in a few words, e.g. ``"N=2, C_in=2, C_out=2, X 5x5, K 2x3"``.
    args : tuple
        Arguments of the reader's function (each array is copied before every call).
    expected : ndarray
        The right answer.
    suspects : tuple of (str, ndarray)
        Known wrong answers on this problem, each with the diagnosis shown when the reader's
        answer equals it (or a multiple of it).
    plane_axes : tuple of str
        Names of the leading axes the heat map splits the answer on, e.g. ``("f", "c")`` for a
        (C_out, C_in, KH, KW) gradient; ``()`` for a 1-D or 2-D answer.
    shape_hints : tuple of (tuple, str)
        Known wrong shapes, each with what it suggests (e.g. the Hessian's A·Aᵀ, M x M);
        consulted when no suspect has the answer's shape and values.
    """

    label: str
    args: tuple
    expected: np.ndarray
    suspects: tuple = ()
    plane_axes: tuple = ()
    shape_hints: tuple = ()


class Trial(NamedTuple):
    """How the reader's function did on one `Problem` (no right answer kept).

    Examples
    --------
    >>> trial = Trial("x = 1, 2", False, (2,), (2,), np.array([False, True]), 0.5, None, None)
    >>> trial.passed, int(trial.wrong.sum())
    (False, 1)
    """

    label: str
    passed: bool
    expected_shape: tuple
    shape: tuple | None  # of the reader's answer; None when the function raised
    wrong: np.ndarray | None  # bool mask, expected_shape; None when the shapes differ
    max_abs_error: float | None
    diagnosis: str | None
    error: str | None  # "your function raised IndexError: ..." when there was no answer
    plane_axes: tuple = ()

    def summary(self) -> str:
        """The problem and what went wrong, in one line (without the verdict).

        >>> Trial("x = 1, 2", False, (2,), (2,), np.array([False, True]), 0.5, None, None).summary()
        'x = 1, 2: 1 of 2 entries wrong (max abs err 5.0e-01)'
        >>> Trial("x = 1, 2", False, (2,), (3,), None, None, None, None).summary()
        'x = 1, 2: your answer has shape (3,), expected (2,)'
        """
        if self.error is not None:
            return f"{self.label}: {self.error}"
        if self.wrong is None:
            return (
                f"{self.label}: your answer has shape {self.shape}, expected {self.expected_shape}"
            )
        err = f"max abs err {self.max_abs_error:.1e}"
        if self.passed:
            return f"{self.label}  ({err})"
        return f"{self.label}: {int(self.wrong.sum())} of {self.wrong.size} entries wrong ({err})"


@dataclass(frozen=True)
class ExerciseResult:
    """The checker's verdict on a reader's function: text in a terminal, HTML in a notebook.

    Attributes
    ----------
    title : str
        The exercise, e.g. ``"dL/dK with batch and channels"``.
    trials : tuple of Trial
        One per problem (empty when not attempted).
    attempted : bool
        False when the reader's function raised ``NotImplementedError`` (the stub).
    notes : tuple of str
        Facts the checker established on the way, printed under the verdict.

    Examples
    --------
    >>> result = grade("twice", lambda x: 2 * x, [Problem("x = 1, 2", (np.array([1.0, 2.0]),),
    ...                                                  np.array([2.0, 4.0]))])
    >>> result.passed, result.status, result.diagnosis
    (True, 'PASS', ())
    >>> print(result)  # doctest: +NORMALIZE_WHITESPACE
    PASS  twice: 1 of 1 problems right
      PASS  x = 1, 2  (max abs err 0.0e+00)
    """

    title: str
    trials: tuple = ()
    attempted: bool = True
    notes: tuple = ()

    @property
    def passed(self) -> bool:
        """True when the function was attempted and every problem passed."""
        return self.attempted and all(t.passed for t in self.trials)

    @property
    def status(self) -> str:
        """``"PASS"``, ``"FAIL"`` or ``"NOT ATTEMPTED"``."""
        if not self.attempted:
            return "NOT ATTEMPTED"
        return "PASS" if self.passed else "FAIL"

    @property
    def diagnosis(self) -> tuple:
        """The distinct diagnoses of the failed problems, in order (empty when none applies)."""
        seen = [t.diagnosis for t in self.trials if t.diagnosis]
        return tuple(dict.fromkeys(seen))

    @property
    def wrong(self) -> tuple:
        """Per problem, the boolean mask of wrong entries (None when the shape was wrong)."""
        return tuple(t.wrong for t in self.trials)

    @property
    def advice(self) -> tuple:
        """What to do about the failures no diagnosis explains, one line per kind of failure."""
        failed = [t for t in self.trials if not t.passed and not t.diagnosis]
        kinds = (
            (_RAISED, any(t.error is not None for t in failed)),
            (_BAD_SHAPE, any(t.error is None and t.wrong is None for t in failed)),
            (_NO_MATCH, any(t.wrong is not None for t in failed)),
        )
        return tuple(text for text, present in kinds if present)

    def _first_map(self):
        """The first failed problem whose answer had the right shape: its heat map is shown."""
        return next((t for t in self.trials if not t.passed and t.wrong is not None), None)

    def _not_attempted(self):
        return (
            f"{self.title}: {NOT_ATTEMPTED} (your function raises NotImplementedError); "
            "write it above and run this cell again"
        )

    def __str__(self):
        if not self.attempted:
            return f"NOT ATTEMPTED  {self._not_attempted()}"
        right = sum(t.passed for t in self.trials)
        lines = [f"{self.status}  {self.title}: {right} of {len(self.trials)} problems right"]
        lines += [f"  {'PASS' if t.passed else 'FAIL'}  {t.summary()}" for t in self.trials]
        lines += [f"  {note}" for note in self.notes]
        if self.diagnosis:
            lines += ["Diagnosis:"] + [f"  - {d}" for d in self.diagnosis]
        lines += list(self.advice)
        shown = self._first_map()
        if shown is not None:
            k = self.trials.index(shown) + 1
            lines.append(f"Wrong entries of problem {k}, {shown.label} (x wrong, . right):")
            lines += ["  " + line for line in mask_text(shown.wrong, shown.plane_axes)]
        return "\n".join(lines)

    __repr__ = __str__  # the text is also the plain-text rendering in a notebook

    def _repr_html_(self):
        if not self.attempted:
            return f"<div><b>NOT ATTEMPTED</b> {html.escape(self._not_attempted())}</div>"
        right = sum(t.passed for t in self.trials)
        head = (
            f"<b>{self.status}</b> {html.escape(self.title)}: {right} of {len(self.trials)} "
            "problems right"
        )
        rows = "".join(
            f"<tr><td><b>{'PASS' if t.passed else 'FAIL'}</b></td>"
            f"<td>{html.escape(t.summary())}</td></tr>"
            for t in self.trials
        )
        parts = [f"<div>{head}</div>", f'<table style="font:inherit">{rows}</table>']
        parts += [f"<div>{html.escape(note)}</div>" for note in self.notes]
        if self.diagnosis:
            items = "".join(f"<li>{html.escape(d)}</li>" for d in self.diagnosis)
            parts.append(f"<div><b>Diagnosis</b><ul>{items}</ul></div>")
        parts += [f"<div>{html.escape(line)}</div>" for line in self.advice]
        shown = self._first_map()
        if shown is not None:
            k = self.trials.index(shown) + 1
            parts.append(
                f"<div>Wrong entries of problem {k}, {html.escape(shown.label)} (red: wrong):</div>"
            )
            parts.append(mask_html(shown.wrong, shown.plane_axes))
        return '<div style="font:13px sans-serif">' + "".join(parts) + "</div>"

    def raise_if_failed(self):
        """Raise ``AssertionError`` with the report unless every problem passed.

        Examples
        --------
        >>> ExerciseResult("stub", attempted=False).raise_if_failed()
        Traceback (most recent call last):
        AssertionError: NOT ATTEMPTED  stub: not attempted yet (your function raises NotImplementedError); write it above and run this cell again
        """  # noqa: E501
        if not self.passed:
            raise AssertionError(str(self))
        return self


def grade(title, fn, problems: Sequence[Problem], *, strict=False, notes=(), atol=ATOL, rtol=RTOL):
    """Run the reader's function on each problem and judge its answers.

    Parameters
    ----------
    title : str
        The exercise, shown in the verdict.
    fn : callable
        The reader's function; called as ``fn(*problem.args)`` on copies of the arguments.
    problems : non-empty sequence of Problem
    strict : bool, default False
        Raise ``AssertionError`` (with the report) unless every problem passes, a stub
        included; for tests and worked solutions. By default a wrong or missing answer is
        reported, never raised, so a chapter runs with the reader's stub in place.
    notes : sequence of str
        Lines printed under the verdict.
    atol, rtol : float, >= 0
        An entry is right when ``|answer - expected| <= atol + rtol * |expected|``. The default
        is the book's finite-difference tolerance; answers known exactly up to rounding are
        judged at ``EXACT_ATOL, EXACT_RTOL``.

    Returns
    -------
    ExerciseResult

    Examples
    --------
    A wrong answer gets its wrong entries marked and, when it is a known mistake, a diagnosis:

    >>> problem = Problem("x = 1, 2, 3", (np.array([1.0, 2.0, 3.0]),), np.array([2.0, 4.0, 6.0]),
    ...                   suspects=(("You squared x.", np.array([1.0, 4.0, 9.0])),))
    >>> result = grade("twice", lambda x: x**2, [problem])
    >>> result.wrong[0], result.diagnosis
    (array([ True, False,  True]), ('You squared x.',))
    >>> grade("twice", lambda x: x / 2, [problem]).diagnosis
    ('Off by a factor 1/4: your answer is 1/4 times the right one.',)
    >>> grade("twice", lambda x: (2 * x).astype(np.float32) + 1e-6, [problem]).diagnosis[0][:40]
    'Right up to rounding, but only to float3'
    >>> def stub(x):
    ...     raise NotImplementedError
    >>> grade("twice", stub, [problem]).status
    'NOT ATTEMPTED'
    """
    title = nonempty_str(title, "title")
    strict = as_flag(strict, "strict")
    as_callable(fn)
    atol, rtol = as_real(atol, "atol", minimum=0), as_real(rtol, "rtol", minimum=0)
    problems = _problems(problems)
    trials = []
    for problem in problems:
        try:
            answer = fn(*(_copy(a) for a in problem.args))
        except NotImplementedError:
            result = ExerciseResult(title, attempted=False)
            return result.raise_if_failed() if strict else result
        except Exception as err:  # the reader's bug, reported rather than raised
            trials.append(_raised(problem, err))
            continue
        trials.append(_judge(problem, answer, atol, rtol))
    result = ExerciseResult(title, tuple(trials), notes=tuple(notes))
    return result.raise_if_failed() if strict else result


class Recorder:
    """The reader's function, keeping each answer for a checker to review after `grade`.

    `grade` calls it once per problem, in order, so ``answers[k]`` is the answer to problem k
    (None when the function raised). With ``quiet=True`` the function runs with NumPy's
    floating-point warnings silenced, for problems built to overflow: the report explains the
    inf or nan instead.

    Parameters
    ----------
    fn : callable
        The reader's function.
    quiet : bool, default False

    Examples
    --------
    >>> reader = Recorder(np.exp, quiet=True)
    >>> grade("exp", reader, [Problem("x = 1000", (np.array([1000.0]),), np.ones(1))]).passed
    False
    >>> reader.answers
    [array([inf])]
    """

    def __init__(self, fn, *, quiet=False):
        self.fn, self.quiet, self.answers = as_callable(fn), as_flag(quiet, "quiet"), []

    def __call__(self, *args):
        self.answers.append(None)  # stays None when the function raises
        silenced = np.errstate(all="ignore") if self.quiet else contextlib.nullcontext()
        with silenced:
            self.answers[-1] = self.fn(*args)
        return self.answers[-1]


def finish(result, trials, *, strict=False):
    """`grade`'s result with its trials replaced by reviewed ones, raising like `grade`.

    A checker that judges more than the answers (how the function computed them, what
    overflowed) grades a `Recorder`, reviews each trial and hands them back here. A result that
    was not attempted is returned as it is.

    Parameters
    ----------
    result : ExerciseResult
        What `grade` returned.
    trials : sequence of Trial
        One per trial of ``result``, in order (none when it was not attempted).
    strict : bool, default False
        Raise ``AssertionError`` (with the report) unless every problem passes.

    Returns
    -------
    ExerciseResult

    Examples
    --------
    >>> problem = Problem("x = 1", (np.array([1.0]),), np.array([2.0]))
    >>> result = grade("twice", lambda x: x, [problem])
    >>> said = [t._replace(diagnosis="You returned x itself.") for t in result.trials]
    >>> finish(result, said).diagnosis
    ('You returned x itself.',)
    """
    instance_of(result, "result", ExerciseResult)
    strict = as_flag(strict, "strict")
    if result.attempted:
        trials = tuple(trials)
        if len(trials) != len(result.trials):
            raise ValueError(
                f"trials must hold one Trial per trial of result ({len(result.trials)}); "
                f"got {len(trials)}"
            )
        result = dataclasses.replace(result, trials=trials)
    return result.raise_if_failed() if strict else result


def _problems(problems):
    """The problems as a tuple: at least one, each a `Problem` (a checker's bug otherwise)."""
    if isinstance(problems, (str, bytes, Problem)) or not isinstance(problems, Sequence):
        raise TypeError(f"problems must be a sequence of Problem; got {type(problems).__name__}")
    problems = tuple(problems)
    if not problems:
        raise ValueError("problems must hold at least one Problem; got none (nothing to judge)")
    for k, problem in enumerate(problems):
        if not isinstance(problem, Problem):
            raise TypeError(f"problems[{k}] must be a Problem; got {type(problem).__name__}")
    return problems


def _copy(a):
    return a.copy() if isinstance(a, np.ndarray) else a


def _no_answer(problem, error, diagnosis=None):
    return Trial(
        problem.label, False, problem.expected.shape, None, None, None, diagnosis, error,
        problem.plane_axes,
    )  # fmt: skip


def _raised(problem, err):
    return _no_answer(problem, f"your function raised {type(err).__name__}: {err}".rstrip(": "))


def _judge(problem, answer, atol, rtol):
    """Compare one answer with the expected one; diagnose it when it is wrong."""
    expected = problem.expected
    if answer is None:
        missing = "Your function must return its answer: is a `return` missing?"
        return _no_answer(problem, "your function returned None", missing)
    raw, got = _as_numbers(answer)
    if raw is not None and raw.dtype.kind == "c":
        return _no_answer(
            problem,
            f"your function returned complex numbers (dtype {raw.dtype})",
            "A gradient of a real loss is real: return an array of real floats. Complex numbers "
            "come from np.fft, from np.sqrt of a negative number or from a complex dtype.",
        )
    if got is None:
        name = type(answer).__name__
        return _no_answer(
            problem,
            f"your function returned a {name}, not an array of numbers",
            f"Return the answer as a NumPy array of floats, not a {name}.",
        )
    if got.shape != expected.shape:
        diagnosis = _match(got, problem.suspects, atol, rtol) or _shape_hint(
            got.shape, expected.shape, problem.shape_hints
        )
        return Trial(
            problem.label, False, expected.shape, got.shape, None, None, diagnosis, None,
            problem.plane_axes,
        )  # fmt: skip
    wrong = ~(np.abs(got - expected) <= atol + rtol * np.abs(expected))  # NaN counts as wrong
    passed = not wrong.any()
    low = raw.dtype.name if raw.dtype.kind == "f" and raw.dtype.itemsize < 8 else None
    diagnosis = None if passed else _diagnose(got, expected, problem.suspects, atol, rtol, low)
    err = float(np.nan_to_num(np.abs(got - expected), nan=np.inf).max(initial=0.0))
    return Trial(
        problem.label, passed, expected.shape, got.shape, wrong, err, diagnosis, None,
        problem.plane_axes,
    )  # fmt: skip


def _as_numbers(answer):
    """``(raw, got)``: the answer as an array, and as float64 when it holds real numbers (else
    None). Strings are no numbers; objects are when they convert (SymPy numbers, not symbols)."""
    try:
        raw = np.asarray(answer)
    except (TypeError, ValueError):  # ragged nested lists
        return None, None
    if raw.dtype.kind not in "biufO":
        return raw, None
    try:
        return raw, raw.astype(np.float64)
    except (TypeError, ValueError):
        return raw, None


def _close(a, b, atol, rtol):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _match(got, suspects, atol, rtol):
    """The diagnosis of the first known wrong answer that ``got`` equals, if any."""
    for diagnosis, wrong in suspects:
        if _close(got, np.asarray(wrong, dtype=np.float64), atol, rtol):
            return diagnosis
    return None


def _diagnose(got, expected, suspects, atol, rtol, low=None):
    """All zeros, a known wrong answer, a multiple of the right one, low precision, or a multiple
    of a known wrong answer; None when nothing fits. ``low`` is the answer's dtype when it is a
    float narrower than float64."""
    if not np.any(got):
        return "Your answer is all zeros."
    found = _match(got, suspects, atol, rtol)
    if found:
        return found
    k = _factor(got, expected, atol, rtol)
    if k is not None:
        text = _factor_text(k)
        return f"Off by a factor {text}: your answer is {text} times the right one."
    found = _low_precision(got, expected, suspects, atol, low)
    if found:
        return found
    for diagnosis, wrong in suspects:
        wrong = np.asarray(wrong, dtype=np.float64)
        k = _factor(got, wrong, atol, rtol) if wrong.shape == got.shape else None
        if k is not None:
            return f"{diagnosis} Besides, your answer is off by a factor {_factor_text(k)}."
    return None


def _factor(got, reference, atol, rtol):
    """k when ``got`` equals k * reference for a scalar k != 1, else None. A single number is a
    multiple of any other: there, only an integer or its reciprocal (2, -1, 1/3) tells anything."""
    norm = float(np.sum(reference * reference))
    if not np.all(np.isfinite(got)) or norm == 0.0:
        return None
    k = float(np.sum(got * reference)) / norm  # <got, reference> / <reference, reference>
    if k == 0.0 or _factor_text(k) == "1" or not _close(got, k * reference, atol, rtol):
        return None
    if reference.size == 1 and not _factor_text(k).lstrip("-").replace("1/", "").isdigit():
        return None
    return k


def _factor_text(k):
    """2, -1, 1/3 for factors that are integers or their reciprocals; else 3 significant digits,
    or as many more as it takes to tell k from the nearest integer (1.0001, not 1)."""
    m = round(k)  # k is fitted to about 1e-9 on finite differences: 1e-8 tells 1 + 1e-7 from 1
    if m != 0 and abs(k - m) <= 1e-8 * abs(k):
        return str(m)
    m = round(1 / k)
    if m != 0 and abs(1 / k - m) <= 1e-8 * abs(1 / k):
        return f"1/{m}" if m > 0 else f"-1/{-m}"
    digits = 3
    while digits < 12 and float(f"{k:.{digits}g}") == round(k):
        digits += 1
    return f"{k:.{digits}g}"


def _low_precision(got, expected, suspects, atol, low):
    """A diagnosis when ``got`` is right (or a known wrong answer) only to float32 precision.

    Suspected when the answer's dtype is float32 or float16 (``low``), when every entry is a
    float32 number (computed in float32, then stored in float64), or when most entries are off by
    a little, both up and down, as rounding is (part of the computation in float32).
    """
    rough = _ROUGH_RTOL.get(low, _ROUGH_DEFAULT)
    if not np.all(np.isfinite(got)):
        return None
    if low is None and not (_float32_numbers(got) or _rounding_noise(got, expected, atol)):
        return None
    where = (
        f"your answer is computed in {low}"
        if low
        else ("part of your computation runs in float32 (an .astype(np.float32), a float32 array)")
    )
    advice = f"Compute in float64, NumPy's default: {where}."
    if _roughly(got, expected, rough):
        return f"Right up to rounding, but only to {low or 'float32'} precision. {advice}"
    for diagnosis, wrong in suspects:
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and _roughly(got, wrong, rough):
            return f"{diagnosis} Besides, {advice[0].lower()}{advice[1:]}"
    return None


def _roughly(got, reference, rtol):
    """Equal up to ``rtol`` times the largest entry of ``reference`` (rounding error's scale)."""
    scale = float(np.abs(reference).max(initial=0.0))
    return scale > 0 and float(np.abs(got - reference).max(initial=0.0)) <= rtol * scale


def _float32_numbers(got):
    """Every entry a float32 number, and not all of them integers (float32 holds those too)."""
    narrow = got.astype(np.float32).astype(np.float64)
    return bool(np.array_equal(narrow, got)) and not np.array_equal(got, np.round(got))


def _rounding_noise(got, expected, atol):
    """Most entries off by more than ``atol``, some up and some down: the mark of rounding."""
    diff = (got - expected).ravel()
    off = diff[np.abs(diff) > atol]
    return 2 * off.size >= diff.size and bool(np.any(off > 0) and np.any(off < 0))


def _shape_hint(got, expected, hints=()):
    """What a wrong shape suggests: a known slip of this problem, extra axes of length 1,
    swapped axes."""
    got, expected = tuple(got), tuple(expected)
    for shape, hint in hints:
        if tuple(shape) == got:
            return hint
    if [d for d in got if d != 1] == [d for d in expected if d != 1]:
        return (
            "Your answer has axes of length 1 too many or too few (a sum with keepdims=True "
            "keeps the summed axes): return the expected shape, given above; np.squeeze or a "
            "reshape gets it."
        )
    if len(got) == len(expected) >= 2 and got == (*expected[:-2], expected[-1], expected[-2]):
        return (
            "Your answer has its last two axes swapped (height and width): a transpose, or a "
            "quarter turn (np.rot90), where a half turn or none belongs."
        )
    if len(got) == len(expected) >= 2 and got == (expected[1], expected[0], *expected[2:]):
        return "Your answer has its first two axes swapped: check which axis is which."
    if sorted(got) == sorted(expected):
        return "Your answer has the right axes in another order: check which axis is which."
    return None


# --- the heat map of wrong entries ---------------------------------------------------------------


def _planes(mask, plane_axes):
    """(label, 2-D block) pairs: one block per index of the leading axes named in plane_axes."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim <= 1:  # a single number (a 0-d answer) is a block of one entry
        return [("", mask.reshape(1, -1))]
    if mask.ndim == 2:
        return [("", mask)]
    lead = mask.shape[:-2]
    names = plane_axes if len(plane_axes) == len(lead) else [f"a{k}" for k in range(len(lead))]
    return [
        (" ".join(f"{n}={i}" for n, i in zip(names, idx)), mask[idx]) for idx in np.ndindex(lead)
    ]


def mask_text(mask, plane_axes=()):
    """Lines drawing a boolean mask: ``x`` wrong, ``.`` right; one block per (f, c) plane.

    Parameters
    ----------
    mask : array_like of bool, 1-D, 2-D or (A, B, rows, cols)
    plane_axes : tuple of str
        Names of the leading axes, e.g. ``("f", "c")``; blocks of one first-axis index share a
        row of blocks.

    Returns
    -------
    list of str

    Examples
    --------
    >>> mask = np.zeros((1, 2, 2, 3), dtype=bool)
    >>> mask[0, 1, 0, 2] = True
    >>> print("\\n".join(mask_text(mask, ("f", "c"))))
    f=0 c=0   f=0 c=1
    . . .     . . x
    . . .     . . .
    """
    planes = _planes(mask, plane_axes)
    per_row = np.asarray(mask).shape[1] if np.ndim(mask) == 4 else 1
    lines = []
    for start in range(0, len(planes), per_row):
        group = planes[start : start + per_row]
        width = max(max(len(label), 2 * block.shape[1] - 1) for label, block in group)
        if any(label for label, _ in group):
            lines.append("   ".join(label.ljust(width) for label, _ in group).rstrip())
        for r in range(group[0][1].shape[0]):
            cells = [
                " ".join("x" if v else "." for v in block[r]).ljust(width) for _, block in group
            ]
            lines.append("   ".join(cells).rstrip())
    return lines


def mask_html(mask, plane_axes=()):
    """A boolean mask as small HTML tables in the book's colours: wrong entries red.

    Parameters
    ----------
    mask : array_like of bool, 1-D, 2-D or (A, B, rows, cols)
    plane_axes : tuple of str
        Names of the leading axes, used in each block's caption.

    Returns
    -------
    str

    Examples
    --------
    >>> page = mask_html(np.array([[True, False]]))
    >>> page.count("<td"), page.count("background:#67001f")  # one cell red, one white
    (2, 1)
    """
    planes = _planes(mask, plane_axes)
    per_row = np.asarray(mask).shape[1] if np.ndim(mask) == 4 else 1
    rows = []
    for start in range(0, len(planes), per_row):
        blocks = [
            matrix_html(block.astype(float), title=label, symmetric=True, fmt="", cell_px=16)
            for label, block in planes[start : start + per_row]
        ]
        rows.append(row_html(*blocks))
    return "".join(rows)
