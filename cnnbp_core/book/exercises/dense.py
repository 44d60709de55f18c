"""Checkers for the dense-layer, loss and learning-rate exercises (chapter 02).

Each checker poses a few problems, runs the reader's function on copies of their arguments and
returns an `ExerciseResult` (PASS or FAIL per problem, the wrong entries, a diagnosis when the
answer is a known slip, from `cnnbp_core.book.mistakes.dense` where the slip is a wrong closed
form); a stub that still raises ``NotImplementedError`` is reported as not attempted, and
nothing raises unless ``strict=True``.

The right answers never come from the core's backward passes: the gradients from centered
finite differences of the core's *forward* pass (`cnnbp_core.gradcheck.numerical_vjp` of
`F.linear_forward`, `F.softmax_cross_entropy_forward` and, for soft targets, the loss written
with `F.log_softmax`), the log-sum-exp and the largest stable learning rate from SymPy (exact
arithmetic on the float inputs, rounded to float64 at the end; SymPy is imported when a
checker that needs it runs).

The checkers about numerical stability (the cross-entropy gradient, with integer labels and
with soft targets, and the log-sum-exp) pose logits near ±1000, where exp overflows float64;
they run the reader's function with NumPy's floating-point warnings silenced, and say in the
report what overflowed instead.
"""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...gradcheck import numerical_vjp
from ...validation import as_callable, as_flag, generator
from ..feedback import EXACT_ATOL, EXACT_RTOL, Problem, Recorder, finish, grade
from ..mistakes import DoesNotFit
from ..mistakes.dense import LINEAR_BACKWARD_MISTAKES, LINEAR_WRT, SOFTMAX_CE_GRADIENT_MISTAKES

# --- exercise 1: the linear layer's three gradients --------------------------------------------

# (N, in, out): in = out shows δWᵀ and Xᵀδ by their values (elsewhere δWᵀ does not fit and Xᵀδ
# has the wrong shape), N = out the sum over the wrong axis (elsewhere its shape gives it away)
_LINEAR_SHAPES = ((4, 3, 2), (3, 3, 3), (2, 5, 2))
_GRADIENT_NAMES = ("dX", "dW", "db")


class _Triple:
    """The reader's ``fn(x, w, b, delta) -> (dx, dw, db)`` seen as one function per gradient.

    `grade` calls it as ``(config, part, x, w, b, delta)``, three times per configuration; the
    reader's function runs once per configuration and each call returns one of its gradients.
    An answer that is not three gradients is recorded (`malformed`) and reported after grading.
    """

    def __init__(self, fn):
        self.fn, self.answers, self.malformed = fn, {}, {}

    def __call__(self, config, part, x, w, b, delta):
        if config not in self.answers:
            self.answers[config] = self.fn(x, w, b, delta)  # an error propagates to grade
        answer = self.answers[config]
        if answer is None:
            return None  # grade says a return is missing
        if not isinstance(answer, (tuple, list)) or len(answer) != 3:
            self.malformed[config] = answer
            return _NOT_THREE
        return answer[part]


_NOT_THREE = object()  # stands for an answer that is not three gradients (reported separately)


def _three_expected(answer) -> str:
    if isinstance(answer, (tuple, list)):
        return f"a {type(answer).__name__} of {len(answer)} items"
    shape = getattr(answer, "shape", None)
    return f"a {type(answer).__name__}" + (f" of shape {shape}" if shape is not None else "")


def _review_triple(trial, config, reader):
    """The trial with a clear message when the answer was not three gradients."""
    if config not in reader.malformed:
        return trial
    what = _three_expected(reader.malformed[config])
    return trial._replace(
        error=f"your function returned {what}, not the three gradients (dx, dw, db)",
        diagnosis="Return all three gradients, in this order: return dx, dw, db.",
    )


def _linear_suspects(x, w, delta, part, expected):
    """The catalogue's wrong answers for one gradient on this problem (any shape: a suspect of
    another shape still names a reader's answer of that shape)."""
    out = []
    for mistake in LINEAR_BACKWARD_MISTAKES.values():
        if mistake.wrt != LINEAR_WRT[part]:
            continue
        try:
            wrong = mistake(x, w, delta)[part]
        except DoesNotFit:  # δWᵀ with in ≠ out: no answer to recognise
            continue
        same = wrong.shape == expected.shape and np.allclose(wrong, expected, 1e-7, 1e-8)
        if np.any(wrong) and not same:
            out.append((mistake.diagnosis, wrong))
    return tuple(out)


def _linear_hints(n, n_in, n_out, part):
    hints = {
        0: (((n_in, n), "Your dX is transposed: dX has X's shape (N, in), δW."),),
        1: (((n_in, n_out), "Your dW has shape (in, out), W transposed: dW = δᵀX, (out, in)."),),
        2: (
            ((n, n_out), "Your db keeps the batch axis: b is added to every row of Y, so db = "
             "Σ_n δ[n], of b's shape (out,)."),
            ((n,), "Your db has one entry per example: sum δ over the batch (axis 0), not over "
             "the output features."),
        ),
    }  # fmt: skip
    return tuple((s, text) for s, text in hints[part] if s != _expected_shape(n, n_in, n_out, part))


def _expected_shape(n, n_in, n_out, part):
    return ((n, n_in), (n_out, n_in), (n_out,))[part]


def check_exercise_linear_backward(fn, *, rng=None, strict=False):
    """Check ``fn(x, w, b, delta) -> (dx, dw, db)`` for the linear layer ``Y = X Wᵀ + b``.

    X is (N, in), W (out, in) as the core and PyTorch store it, b (out,), δ = dL/dY (N, out)
    random (never all ones). Three shapes: (N, in, out) = (4, 3, 2), (3, 3, 3) and (2, 5, 2),
    each judged gradient by gradient (nine problems). The right answers come from centered
    differences of `F.linear_forward`.

    Parameters
    ----------
    fn : callable
        ``fn(x, w, b, delta)``; returns the tuple ``(dx, dw, db)`` with shapes (N, in),
        (out, in), (out,).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the report is reproducible).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses the catalogue's slips (`cnnbp_core.book.mistakes.dense`): dX = δWᵀ (the
        formula for weights stored (in, out)), dW = Xᵀδ (transposed), a batch averaged in dX, dW
        or db, db not summed or summed over the wrong axis; and an answer that is not three
        gradients.

    Examples
    --------
    >>> def linear_backward(x, w, b, delta):
    ...     return delta @ w, delta.T @ x, delta.sum(axis=0)
    >>> check_exercise_linear_backward(linear_backward).passed
    True
    >>> def transposed(x, w, b, delta):
    ...     return delta @ w, x.T @ delta, delta.sum(axis=0)
    >>> check_exercise_linear_backward(transposed).diagnosis[0][:34]
    'Your dW is transposed: Xᵀδ has sha'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2201) if rng is None else generator(rng)
    problems, configs = [], []
    for config, (n, n_in, n_out) in enumerate(_LINEAR_SHAPES):
        x, w = rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in))
        b, delta = rng.standard_normal(n_out), rng.standard_normal((n, n_out))
        expected = numerical_vjp(lambda x, w, b: F.linear_forward(x, w, b)[0], [x, w, b], delta)
        for part, (name, exp) in enumerate(zip(_GRADIENT_NAMES, expected)):
            problems.append(
                Problem(
                    f"N={n}, in={n_in}, out={n_out}: {name}",
                    (config, part, x, w, b, delta),
                    exp,
                    _linear_suspects(x, w, delta, part, exp),
                    shape_hints=_linear_hints(n, n_in, n_out, part),
                )
            )
            configs.append(config)
    reader = _Triple(fn)
    result = grade("dX, dW, db of Y = X Wᵀ + b", reader, problems)
    trials = [_review_triple(t, c, reader) for t, c in zip(result.trials, configs)]
    return finish(result, trials, strict=strict)


# --- the reader's function run quietly, its non-finite answers explained --------------------------


_SHIFT = (
    "Subtract each row's largest logit m first: log Σ_k exp(z_k) = m + log Σ_k exp(z_k − m) "
    "and softmax(z) = softmax(z − m), and every exp(z_k − m) is at most 1."
)
_NON_FINITE = {
    "inf": (
        "Your answer is +inf where the right one is finite: exp(z) overflows float64 for z above "
        "about 709.78, so the naive formula fails on logits near +1000. " + _SHIFT
    ),
    "-inf": (
        "Your answer is −inf where the right one is finite: exp(z) rounds to 0 for z below "
        "about −745, so Σ exp(z) = 0 and log 0 = −inf on logits near −1000. " + _SHIFT
    ),
    "nan": (
        "Your answer has nan entries where the right one is finite: exp overflowed to inf, and "
        "inf / inf or inf − inf is nan. " + _SHIFT
    ),
}


def _review_non_finite(trial, answer):
    """The trial with the overflow explained when the answer has inf or nan entries."""
    if trial.passed or trial.wrong is None or answer is None:
        return trial
    got = np.asarray(answer, dtype=np.float64)
    for kind, test in (("nan", np.isnan), ("inf", np.isposinf), ("-inf", np.isneginf)):
        if np.any(test(got)):
            return trial._replace(diagnosis=_NON_FINITE[kind])
    return trial


def _graded_quietly(title, fn, problems, strict, **tolerances):
    """`grade` with the reader's function run quietly and its non-finite answers explained."""
    reader = Recorder(fn, quiet=True)
    result = grade(title, reader, problems, **tolerances)
    trials = [_review_non_finite(t, a) for t, a in zip(result.trials, reader.answers)]
    return finish(result, trials, strict=strict)


# --- exercise 2: the softmax cross-entropy gradient -------------------------------------------


# (N, K, offset): the offset is added to every logit; the loss, hence its gradient, does not
# change, but exp(logit) overflows at +1000
_CE_SHAPES = ((4, 3, 0.0), (3, 5, 0.0), (5, 4, 0.0), (3, 4, 1000.0))


def _ce_suspects(logits, labels, expected):
    out = []
    for mistake in SOFTMAX_CE_GRADIENT_MISTAKES.values():
        wrong = mistake(logits, labels)
        same = np.allclose(wrong, expected, 1e-7, 1e-8)
        if np.all(np.isfinite(wrong)) and np.any(wrong) and not same:
            out.append((mistake.diagnosis, wrong))
    return tuple(out)


def check_exercise_softmax_ce_gradient(fn, *, rng=None, strict=False):
    """Check ``fn(logits, labels) -> dL/dlogits`` for the mean softmax cross-entropy.

    ``L = −1/N Σ_n log softmax(Z[n])[y_n]`` with logits Z (N, K) and integer labels y (N,).
    Four problems: (N, K) = (4, 3), (3, 5), (5, 4), and (3, 4) with 1000 added to every logit,
    where a softmax computed without the max-shift overflows. The right answers come from
    centered differences of `F.softmax_cross_entropy_forward`; for the shifted problem, from
    those of the unshifted logits (adding a constant to a row of logits changes neither the
    loss nor its gradient).

    Parameters
    ----------
    fn : callable
        ``fn(logits, labels)`` with logits (N, K) float64 and labels (N,) int; returns dL/dZ
        of shape (N, K).
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses the catalogue's slips (the 1/N missing, the sign flipped, the softmax or the
        one-hot left out, a mean over all N·K entries, the softmax over the batch axis) and an
        overflow (inf or nan) on the shifted logits.

    Examples
    --------
    >>> def ce_gradient(logits, labels):
    ...     z = logits - logits.max(axis=1, keepdims=True)
    ...     p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    ...     p[np.arange(len(labels)), labels] -= 1
    ...     return p / len(labels)
    >>> check_exercise_softmax_ce_gradient(ce_gradient).passed
    True
    >>> def naive(logits, labels):
    ...     p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ...     p[np.arange(len(labels)), labels] -= 1
    ...     return p / len(labels)
    >>> check_exercise_softmax_ce_gradient(naive).diagnosis[0][:37]
    'Your answer has nan entries where the'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2202) if rng is None else generator(rng)
    problems = []
    for n, k, offset in _CE_SHAPES:
        logits = 1.5 * rng.standard_normal((n, k))
        labels = rng.integers(0, k, size=n)
        (expected,) = numerical_vjp(
            lambda z, labels=labels: F.softmax_cross_entropy_forward(z, labels)[0], [logits]
        )
        shifted = logits + offset
        label = f"N={n}, K={k}" + (f", logits near {offset:g}" if offset else "")
        problems.append(Problem(label, (shifted, labels), expected,
                                _ce_suspects(shifted, labels, expected)))  # fmt: skip
    return _graded_quietly("dL/dZ of the mean softmax cross-entropy", fn, problems, strict)


# --- exercise 2b: the cross-entropy gradient with soft targets -------------------------------


# (N, K, offset), as for exercise 2: the offset leaves the loss and its gradient unchanged
_SOFT_SHAPES = ((4, 3, 0.0), (2, 5, 0.0), (6, 4, 0.0), (3, 4, 1000.0))


def _soft_targets(rng, n, k):
    """Rows of probabilities, none one-hot: the normalised exp of normal numbers (a
    Dirichlet-like draw), every entry positive and each row's largest entry unique."""
    e = np.exp(rng.standard_normal((n, k)))
    return e / e.sum(axis=1, keepdims=True)


def _soft_ce_loss(logits, targets):
    """``−1/N Σ_n Σ_k T[n,k] log softmax(Z[n])_k``, with the core's stable log-softmax."""
    return -np.sum(targets * F.log_softmax(logits, axis=1)) / logits.shape[0]


def _soft_suspects(logits, targets, expected):
    """Wrong answers on this problem; the multiples of the right one are scaled from the finite
    differences, the others computed from the logits the reader sees."""
    n, k = logits.shape
    hard = np.eye(k)[targets.argmax(axis=1)]
    candidates = (
        ("Off by a factor N: the loss is the mean over the batch, so each row of dL/dZ carries "
         "1/N: (softmax(Z) − T) / N.", n * expected),
        ("Your gradient has the wrong sign: dL/dz_k = (p_k − T_k)/N, the probability minus the "
         "target, so a step against it moves p towards T.", -expected),
        ("You replaced T by the one-hot of its largest entry: with soft targets every class "
         "contributes, dL/dZ = (softmax(Z) − T) / N with T itself.",
         (F.softmax(logits, axis=1) - hard) / n),
        ("You subtracted T from the logits themselves: the gradient is (softmax(Z) − T) / N, "
         "the probabilities minus the targets.", (logits - targets) / n),
    )  # fmt: skip
    return tuple(
        (text, wrong)
        for text, wrong in candidates
        if np.all(np.isfinite(wrong)) and not np.allclose(wrong, expected, 1e-7, 1e-8)
    )


def check_exercise_soft_label_gradient(fn, *, rng=None, strict=False):
    """Check ``fn(logits, targets) -> dL/dlogits`` for the mean cross-entropy with soft targets.

    ``L = −1/N Σ_n Σ_k T[n,k] log softmax(Z[n])_k`` with logits Z (N, K) and targets T (N, K),
    each row of T a probability distribution (positive entries summing to 1, never one-hot, as
    from label smoothing or a teacher network). Four problems: (N, K) = (4, 3), (2, 5), (6, 4),
    and (3, 4) with 1000 added to every logit, where a softmax computed without the max-shift
    overflows. The right answers come from centered differences of the loss written with
    `F.log_softmax`; for the shifted problem, from those of the unshifted logits (adding a
    constant to a row of logits changes neither the loss nor its gradient).

    Parameters
    ----------
    fn : callable
        ``fn(logits, targets)`` with logits and targets (N, K) float64; returns dL/dZ of shape
        (N, K).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the report is reproducible).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses the 1/N missing, the sign flipped, T replaced by the one-hot of its argmax,
        the softmax left out ((Z − T)/N), and an overflow (inf or nan) on the shifted logits.

    Examples
    --------
    >>> def soft_gradient(logits, targets):
    ...     z = logits - logits.max(axis=1, keepdims=True)
    ...     p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    ...     return (p - targets) / len(targets)
    >>> check_exercise_soft_label_gradient(soft_gradient).passed
    True
    >>> def hard(logits, targets):
    ...     onehot = np.eye(targets.shape[1])[targets.argmax(axis=1)]
    ...     return soft_gradient(logits, onehot)
    >>> check_exercise_soft_label_gradient(hard).diagnosis[0][:38]
    'You replaced T by the one-hot of its l'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2205) if rng is None else generator(rng)
    problems = []
    for n, k, offset in _SOFT_SHAPES:
        logits = 1.5 * rng.standard_normal((n, k))
        targets = _soft_targets(rng, n, k)
        (expected,) = numerical_vjp(lambda z, t=targets: _soft_ce_loss(z, t), [logits])
        shifted = logits + offset
        label = f"N={n}, K={k}" + (f", logits near {offset:g}" if offset else "")
        problems.append(Problem(label, (shifted, targets), expected,
                                _soft_suspects(shifted, targets, expected)))  # fmt: skip
    return _graded_quietly(
        "dL/dZ of the mean cross-entropy with soft targets", fn, problems, strict
    )


# --- exercise 3: a stable log-sum-exp ----------------------------------------------------------


def _logsumexp_problems(rng):
    """(label, z): moderate logits in 1-D, 2-D and 3-D, and logits near +1000, near −1000 and
    both at once (where exp overflows or underflows)."""
    mixed = rng.standard_normal((2, 3, 4))
    mixed[0, :, 0] += 1000.0  # one large logit per row
    mixed[1] += np.where(np.arange(4) % 2, 1000.0, -1000.0)  # +1000 and −1000 in every row
    return (
        ("z (5,), moderate", 2 * rng.standard_normal(5)),
        ("z (3, 4), moderate", 2 * rng.standard_normal((3, 4))),
        ("z (2, 4), near +1000", 1000.0 + rng.standard_normal((2, 4))),
        ("z (2, 4), near −1000", -1000.0 + rng.standard_normal((2, 4))),
        ("z (2, 3, 4), ±1000 mixed", mixed),
    )


def _sympy_logsumexp(z):
    """``log Σ_k exp(z_k)`` over the last axis, in exact arithmetic on the floats, then rounded."""
    import sympy

    rows = z.reshape(-1, z.shape[-1])
    values = [
        float(sympy.log(sympy.Add(*(sympy.exp(sympy.Rational(v)) for v in row))).evalf(30))
        for row in rows.tolist()
    ]
    return np.array(values, dtype=np.float64).reshape(z.shape[:-1])


def _logsumexp_suspects(z, expected):
    m = z.max(axis=-1)
    k = z.shape[-1]
    return (
        ("You returned the largest logit alone: log Σ exp(z) = m + log Σ exp(z − m), and the "
         "second term, between 0 and log K, is missing.", m),
        ("You subtracted the max and did not add it back: log Σ exp(z) = m + log Σ exp(z − m).",
         expected - m),
        ("You took the mean of exp(z) where the sum belongs (off by log K): log-sum-exp is "
         "log Σ_k exp(z_k).", expected - np.log(k)),
    )  # fmt: skip


def _logsumexp_hints(z):
    hints = []
    if z.ndim > 1 and z.shape[1:] != z.shape[:-1]:
        hints.append((z.shape[1:], "You reduced over the first axis: the classes are on the "
                      "last axis (axis=-1), one log-sum-exp per row."))  # fmt: skip
    if z.ndim > 1:
        hints.append(((), "You reduced over every axis: reduce over the last one only (axis=-1)."))
    return tuple(hints)


def check_exercise_logsumexp(fn, *, rng=None, strict=False):
    """Check ``fn(z) -> log Σ_k exp(z[..., k])``, over the last axis, stable for any logits.

    Five problems: moderate logits of shapes (5,), (3, 4) and (2, 3, 4) (the answers have
    shapes (), (3,), (2, 3)) and logits near +1000, near −1000 and mixed ±1000, where the
    naive ``np.log(np.sum(np.exp(z), axis=-1))`` overflows (+inf) or underflows (−inf). The
    right answers are computed by SymPy in exact arithmetic and judged at the exact tolerance.

    Parameters
    ----------
    fn : callable
        ``fn(z)`` with z a float64 array of at least one axis; returns an array of shape
        ``z.shape[:-1]`` (a 0-d array or a float for a 1-D z).
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses overflow (+inf), underflow (−inf) and nan, the max alone, the max subtracted
        but not added back, the mean instead of the sum, and (by shape) the wrong axis or every
        axis reduced.

    Examples
    --------
    >>> def logsumexp(z):
    ...     m = z.max(axis=-1)
    ...     return m + np.log(np.exp(z - m[..., None]).sum(axis=-1))
    >>> check_exercise_logsumexp(logsumexp).passed
    True
    >>> def naive(z):
    ...     return np.log(np.exp(z).sum(axis=-1))
    >>> check_exercise_logsumexp(naive).diagnosis[0][:36]
    'Your answer is +inf where the right '
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2203) if rng is None else generator(rng)
    problems = []
    for label, z in _logsumexp_problems(rng):
        expected = _sympy_logsumexp(z)
        problems.append(Problem(label, (z,), expected, _logsumexp_suspects(z, expected),
                                shape_hints=_logsumexp_hints(z)))  # fmt: skip
    return _graded_quietly(
        "a stable log-sum-exp", fn, problems, strict, atol=EXACT_ATOL, rtol=EXACT_RTOL
    )


# --- exercise 4: the largest stable learning rate of the line fit -----------------------------


def _sympy_stability_bound(x):
    """2/λ_max of H = 2/N [[Σx², Σx], [Σx, N]], exactly (the floats as rationals), rounded."""
    import sympy

    xs = [sympy.Rational(v) for v in x.tolist()]
    n = len(xs)
    a, b, c = 2 * sum(v * v for v in xs) / n, 2 * sum(xs) / n, sympy.Integer(2)
    lam_max = (a + c) / 2 + sympy.sqrt(((a - c) / 2) ** 2 + b**2)
    return np.array(float((2 / lam_max).evalf(30)))


def _stability_suspects(x):
    n = len(x)
    a = np.stack([x, np.ones(n)], axis=1)  # (N, 2)
    lam_min, lam_max = np.linalg.eigvalsh(2 / n * a.T @ a)
    h_ww = 2 * np.mean(x * x)
    return (
        ("This is 1/λ_max, where the step along the steepest direction starts to overshoot "
         "(the iterates oscillate); they still converge up to 2/λ_max.", np.array(1 / lam_max)),
        ("This is 2/(λ_min + λ_max) = 2/trace(H), the rate with the smallest worst-case "
         "factor per step, not the largest one that converges.", np.array(2 / (lam_min + lam_max))),
        ("This is 2/λ_min, the limit of the flattest direction: the steepest one, λ_max, "
         "diverges first.", np.array(2 / lam_min)),
        ("Your Hessian misses the factor 2 of the square: the Hessian of "
         "1/N Σ (w x + b − y)² is 2/N AᵀA, with A = [x, 1].", np.array(4 / lam_max)),
        ("Your Hessian is a sum, not a mean: the loss is the mean over the N points, so "
         "H = 2/N AᵀA.", np.array(2 / (n * lam_max))),
        ("You used H_ww = 2 mean(x²) alone, the curvature along w: with the bias b the Hessian "
         "is 2x2 and its largest eigenvalue is larger.", np.array(2 / h_ww)),
    )  # fmt: skip


def check_exercise_sgd_stability(fn, *, rng=None, strict=False):
    """Check ``fn(x) -> 2/λ_max``: the largest stable learning rate of the line fit on ``x``.

    Fitting y ≈ w·x + b by the mean squared error ``L = 1/N Σ_n (w x_n + b − y_n)²`` has the
    Hessian ``H = 2/N AᵀA`` with A = [x, 1], whatever y is; gradient descent converges from
    every start iff 0 < lr < 2/λ_max(H). Four sets of points, none centred (so w and b are
    coupled) and none the chapter's. The right answers are computed by SymPy exactly (the
    eigenvalue of a 2x2 matrix in closed form) and judged at the exact tolerance.

    Parameters
    ----------
    fn : callable
        ``fn(x)`` with x a 1-D float64 array of inputs; returns a float.
    rng : numpy.random.Generator, optional
    strict : bool, default False

    Returns
    -------
    ExerciseResult
        Diagnoses 1/λ_max (the onset of oscillation), 2/(λ_min + λ_max) (the smallest
        worst-case factor), 2/λ_min, a Hessian missing its factor 2 or its 1/N, and H_ww alone
        (the bias ignored).

    Examples
    --------
    >>> def stable_lr(x):
    ...     a = np.stack([x, np.ones_like(x)], axis=1)
    ...     return 2 / np.linalg.eigvalsh(2 / len(x) * a.T @ a).max()
    >>> check_exercise_sgd_stability(stable_lr).passed
    True
    >>> def onset(x):
    ...     return stable_lr(x) / 2
    >>> check_exercise_sgd_stability(onset).diagnosis[0][:16]
    'This is 1/λ_max,'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2204) if rng is None else generator(rng)
    sets = (
        ("x = 1, 2, ..., 8", np.arange(1.0, 9.0)),
        ("12 points in [2, 5]", rng.uniform(2.0, 5.0, 12)),
        ("6 points in [−1, 3]", rng.uniform(-1.0, 3.0, 6)),
        ("30 points in [0, 0.5]", rng.uniform(0.0, 0.5, 30)),
    )
    problems = [
        Problem(label, (x,), _sympy_stability_bound(x), _stability_suspects(x)) for label, x in sets
    ]
    return grade(
        "the largest stable learning rate 2/λ_max", fn, problems, strict=strict,
        atol=EXACT_ATOL, rtol=EXACT_RTOL,
    )  # fmt: skip
