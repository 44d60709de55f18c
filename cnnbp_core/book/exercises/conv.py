"""Checkers for the convolution exercises (chapter 04, the kernel gradient dL/dK).

The reader writes a function; a checker poses a few problems (awkward sizes, random upstream
gradients), runs the function and returns an `ExerciseResult`: PASS or FAIL per problem, the
wrong entries as a heat map, and a diagnosis when the answer is a known wrong one (from
`cnnbp_core.book.mistakes`, evaluated on the same numbers). A stub that still raises
``NotImplementedError`` is reported as not attempted; nothing raises unless ``strict=True``.

The right answers come from centered finite differences of the core's *forward* pass
(`gradcheck.numerical_vjp` of `functional.conv2d_forward`), never from its backward pass, so a
fault in the backward cannot change what a checker accepts. The Jacobian dY/dK and the MSE
Hessian come from differences with a step of 1, exact up to rounding because Y is linear in K, so
they are judged at the tight tolerance ``EXACT_ATOL, EXACT_RTOL``; the others at the book's
finite-difference tolerance. Each checker draws its numbers from its own default seed.
"""

from __future__ import annotations

import numpy as np

from ...functional import conv2d_forward
from ...gradcheck import numerical_vjp
from ...validation import as_callable, as_flag, as_int, generator
from ..feedback import ATOL, EXACT_ATOL, EXACT_RTOL, RTOL, Problem, grade
from ..mistakes import KERNEL_GRADIENT_MISTAKES, DoesNotFit

_TRANSPOSED = (
    "Your answer is the right one transposed: entry (u, v) is the gradient of tap (u, v), "
    "row u and column v of K."
)


def check_exercise_kernel_gradient_1d(fn, *, rng=None, trials=4, strict=False):
    """Check ``fn(x, delta) -> dk``: the kernel gradient of a valid 1-D cross-correlation.

    The forward pass is ``y[i] = sum_u k[u] * x[i + u]`` with x of length L and k of length KL,
    so y and delta have length L - KL + 1 and ``fn`` must return an array of length KL.

    Parameters
    ----------
    fn : callable
        ``fn(x, delta)``, x shape (L,), delta shape (L - KL + 1,), returning shape (KL,).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the report is reproducible).
    trials : int
        Number of random problems.
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Shows as text in a terminal and as HTML in a notebook.

    Examples
    --------
    >>> def kernel_gradient(x, delta):  # dL/dk[u] = sum_i delta[i] * x[i + u]
    ...     return np.correlate(x, delta, mode="valid")
    >>> check_exercise_kernel_gradient_1d(kernel_gradient, trials=2)  # doctest: +ELLIPSIS
    PASS  dL/dk in 1-D: 2 of 2 problems right
      PASS  L=..., KL=...  (max abs err ...)
      PASS  L=..., KL=...  (max abs err ...)

    The classic mistake, a true convolution (np.convolve flips delta), is recognised:

    >>> def flipped(x, delta):
    ...     return np.convolve(x, delta, mode="valid")
    >>> result = check_exercise_kernel_gradient_1d(flipped)
    >>> result.passed, result.diagnosis[0][:28]
    (False, 'This is the flipped answer: ')
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2024) if rng is None else generator(rng)
    problems = []
    for _ in range(as_int(trials, "trials", 1)):
        length, taps = int(rng.integers(5, 11)), int(rng.integers(2, 5))  # KL = 1 hides flips
        x, delta, expected, suspects = _kernel_gradient_problem(
            rng, (1, 1, 1, length), (1, 1, 1, taps), view=lambda a: a[0, 0, 0]
        )
        problems.append(Problem(f"L={length}, KL={taps}", (x, delta), expected, suspects))
    return grade("dL/dk in 1-D", fn, problems, strict=strict)


def check_exercise_strided_kernel_gradient(fn, *, rng=None, trials=4, strict=False):
    """Check ``fn(x, delta, kernel_size, stride) -> dK`` for one channel with stride s.

    The forward pass is ``Y[i,j] = sum_{u,v} K[u,v] * X[i*s + u, j*s + v]`` (no padding, no
    dilation). The problems have fixed shapes, so none is left to chance: stride 2 with a
    leftover row that no window reaches, stride 1, stride 3; kernels 1x1, 2x2 and 3x3; inputs
    that are not square (leftover rows and columns at the bottom and right).

    Parameters
    ----------
    fn : callable
        ``fn(x, delta, kernel_size, stride)`` with x (H, W), delta (H_out, W_out), kernel_size
        and stride ints; returns dK of shape (kernel_size, kernel_size).
    rng : numpy.random.Generator, optional
    trials : int
        Number of problems: the first ``trials`` of the four fixed ones, then random ones.
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult

    Examples
    --------
    A right answer: spread delta out by the stride (s - 1 zeros between entries), then correlate.

    >>> from cnnbp_core.geometry import dilate2d
    >>> def strided_kernel_gradient(x, delta, kernel_size, stride):
    ...     big = dilate2d(delta, stride)
    ...     h, w = big.shape
    ...     return np.array([[np.sum(x[u : u + h, v : v + w] * big) for v in range(kernel_size)]
    ...                      for u in range(kernel_size)])
    >>> check_exercise_strided_kernel_gradient(strided_kernel_gradient).passed
    True

    Forgetting the stride (X correlated with delta as if s = 1) is caught and named:

    >>> def no_stride(x, delta, kernel_size, stride):
    ...     h, w = delta.shape
    ...     return np.array([[np.sum(x[u : u + h, v : v + w] * delta)
    ...                       for v in range(kernel_size)] for u in range(kernel_size)])
    >>> result = check_exercise_strided_kernel_gradient(no_stride)
    >>> result.status, result.diagnosis[0][:25]
    ('FAIL', 'The stride is missing: wi')
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2025) if rng is None else generator(rng)
    problems = []
    for t in range(as_int(trials, "trials", 1)):
        if t < len(_STRIDE_SHAPES):
            k, s, h, w = _STRIDE_SHAPES[t]
        else:
            k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
            h, w = int(rng.integers(k + 2, 10)), int(rng.integers(k + 2, 10))
        x, delta, expected, suspects = _kernel_gradient_problem(
            rng, (1, 1, h, w), (1, 1, k, k), s, view=lambda a: a[0, 0]
        )
        suspects += _transposed(expected)
        label = f"X {h}x{w}, K {k}x{k}, stride {s}"
        problems.append(Problem(label, (x, delta, k, s), expected, suspects))
    return grade("dL/dK with stride", fn, problems, strict=strict)


# (KH = KW, stride, H, W): stride 2 with a leftover row (square, tiling tests never see it), a 3x3
# kernel at stride 1, a 1x1 kernel at stride 2 with a leftover column, a 3x3 kernel at stride 3
# with a leftover row; no input square, so a function that ignores kernel_size or stride fails
_STRIDE_SHAPES = ((2, 2, 7, 6), (3, 1, 6, 8), (1, 2, 5, 8), (3, 3, 10, 9))


# (N, C_in, H, W), (C_out, KH, KW): C_in = C_out first, so a channel swap keeps K's shape;
# H_out = W_out in the first two, so a quarter turn of delta keeps it too
_BATCH_SHAPES = (((2, 2, 5, 6), (2, 2, 3)), ((3, 3, 6, 5), (2, 3, 2)), ((2, 1, 4, 7), (3, 2, 2)))


def check_exercise_kernel_gradient(fn, *, rng=None, strict=False):
    """Check ``fn(x, delta, kernel_hw) -> dK``: dL/dK with a batch and channels, stride 1.

    The forward pass is ``Y[n,f,i,j] = sum_{c,u,v} K[f,c,u,v] * X[n, c, i + u, j + v]`` (no
    padding, stride 1, dilation 1). Three problems with non-square kernels and N > 1: the first
    with C_in = C_out, the others with different channel counts.

    Parameters
    ----------
    fn : callable
        ``fn(x, delta, kernel_hw)`` with x (N, C_in, H, W), delta (N, C_out, H_out, W_out) and
        kernel_hw the pair (KH, KW); returns dK of shape (C_out, C_in, KH, KW).
    rng : numpy.random.Generator, optional
        Source of the random numbers (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses, among others: a flipped delta (a convolution), the batch averaged instead of
        summed, the channel axes swapped, the correlation's operands swapped.

    Examples
    --------
    A right answer: for each (f, c), correlate X[n, c] with delta[n, f] and sum over n.

    >>> def kernel_gradient(x, delta, kernel_hw):
    ...     (kh, kw), (ho, wo) = kernel_hw, delta.shape[2:]
    ...     dk = np.zeros((delta.shape[1], x.shape[1], kh, kw))
    ...     for u in range(kh):
    ...         for v in range(kw):  # (N, C_out, H_out, W_out) x (N, C_in, H_out, W_out)
    ...             dk[:, :, u, v] = np.einsum("nfij,ncij->fc", delta, x[:, :, u:u + ho, v:v + wo])
    ...     return dk
    >>> check_exercise_kernel_gradient(kernel_gradient)  # doctest: +ELLIPSIS
    PASS  dL/dK with batch and channels: 3 of 3 problems right
      PASS  N=2, C_in=2, C_out=2, X 5x6, K 2x3  (max abs err ...)
      PASS  N=3, C_in=3, C_out=2, X 6x5, K 3x2  (max abs err ...)
      PASS  N=2, C_in=1, C_out=3, X 4x7, K 2x2  (max abs err ...)

    Averaging over the batch is named, and the wrong entries are drawn, one block per (f, c):

    >>> def batch_mean(x, delta, kernel_hw):
    ...     return kernel_gradient(x, delta, kernel_hw) / len(x)
    >>> result = check_exercise_kernel_gradient(batch_mean)
    >>> result.diagnosis[0][:20], result.wrong[0].shape
    ('Off by a factor N: y', (2, 2, 2, 3))
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2026) if rng is None else generator(rng)
    problems = []
    for x_shape, (c_out, kh, kw) in _BATCH_SHAPES:
        x, delta, expected, suspects = _kernel_gradient_problem(
            rng, x_shape, (c_out, x_shape[1], kh, kw)
        )
        suspects += _transposed(expected)
        (n, c_in, h, w) = x_shape
        label = f"N={n}, C_in={c_in}, C_out={c_out}, X {h}x{w}, K {kh}x{kw}"
        problems.append(Problem(label, (x, delta, (kh, kw)), expected, suspects, ("f", "c")))
    return grade("dL/dK with batch and channels", fn, problems, strict=strict)


def check_exercise_output_jacobian(fn, *, rng=None, strict=False):
    """Check ``fn(x, kernel_hw) -> J``: the Jacobian dY/dK of a one-channel valid correlation.

    With ``Y[i,j] = sum_{u,v} K[u,v] * X[i + u, j + v]``, J is the matrix of d vec(Y) / d vec(K),
    vec row-major (NumPy's ``reshape``): ``J[i*W_out + j, u*KW + v] = dY[i,j] / dK[u,v]``, shape
    (H_out*W_out, KH*KW). The checker takes it by centered differences of the forward pass at two
    different random kernels (with a step of 1: exact up to rounding, since Y is linear in K),
    shows that both are the same matrix (dY/dK does not depend on K, while dL/dK = J^T vec(delta)
    does through delta under MSE), and compares the reader's J with it at the tight tolerance
    ``EXACT_ATOL, EXACT_RTOL``.

    Parameters
    ----------
    fn : callable
        ``fn(x, kernel_hw)`` with x (H, W) and kernel_hw the pair (KH, KW); returns J of shape
        (H_out*W_out, KH*KW). It is not given K: J must not need it.
    rng : numpy.random.Generator, optional
        Source of the random numbers (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Its notes state, per problem, how far apart the Jacobians at the two kernels are, and how
        far apart dL/dK of an MSE loss is at the same two. Diagnoses: J transposed (by its values
        or its shape), vec taken column by column, the Jacobian of a true convolution.

    Examples
    --------
    Row (i, j) of J lists the input pixels that tap (u, v) multiplies: the window at (i, j).

    >>> def output_jacobian(x, kernel_hw):
    ...     (kh, kw), (h, w) = kernel_hw, x.shape
    ...     return np.array([x[i : i + kh, j : j + kw].ravel()
    ...                      for i in range(h - kh + 1) for j in range(w - kw + 1)])
    >>> check_exercise_output_jacobian(output_jacobian)  # doctest: +ELLIPSIS
    PASS  dY/dK (the Jacobian J): 2 of 2 problems right
      PASS  X 4x4, K 2x3  (max abs err ...)
      PASS  X 5x4, K 3x2  (max abs err ...)
      X 4x4, K 2x3: J by finite differences at two random kernels, max abs err ... between them (the same matrix: dY/dK does not depend on K); dL/dK of an MSE loss at the same two kernels differs by up to ... (through δ, which depends on K)
      X 5x4, K 3x2: J by finite differences at two random kernels, max abs err ...
    >>> check_exercise_output_jacobian(lambda x, hw: output_jacobian(x, hw).T).diagnosis
    ('This is J transposed: J has one row per output pixel (H_out*W_out rows, vec(Y)) and one column per kernel weight (KH*KW columns, vec(K)).',)
    """  # noqa: E501
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2027) if rng is None else generator(rng)
    problems, notes = [], []
    # J 6x6 (square, yet not symmetric: H_out x W_out = 3x2, KH x KW = 2x3), then 9x6
    for (h, w), (kh, kw) in (((4, 4), (2, 3)), ((5, 4), (3, 2))):
        x, kernels = rng.standard_normal((h, w)), rng.standard_normal((2, kh, kw))
        first, second = (_receptive_fields(x[None, None], k) for k in kernels)
        out_hw = (h - kh + 1, w - kw + 1)
        target = rng.standard_normal(out_hw)
        notes.append(_two_kernels_note(x, kernels, target, first, second))
        suspects = _jacobian_suspects(first, out_hw, (kh, kw))
        hints = (((kh * kw, out_hw[0] * out_hw[1]), suspects[0][0]),)  # J's shape transposed
        label = f"X {h}x{w}, K {kh}x{kw}"
        problems.append(Problem(label, (x, (kh, kw)), first, suspects, shape_hints=hints))
    return grade(
        "dY/dK (the Jacobian J)", fn, problems, strict=strict, notes=notes,
        atol=EXACT_ATOL, rtol=EXACT_RTOL,
    )  # fmt: skip


def check_exercise_mse_hessian(fn, *, rng=None, strict=False):
    """Check ``fn(x, kernel_hw) -> H``: the Hessian of an MSE loss in the kernel's weights.

    One kernel (C_in = C_out = 1), stride 1, no padding, a batch of N images:
    ``L(K) = 1/M * sum (Y - T)^2`` over the M = N*H_out*W_out output entries, Y = X ⋆ K. The
    Hessian with respect to vec(K) (row-major) is ``2/M * A^T A``, A the (M, KH*KW) matrix of
    receptive fields; it does not depend on K or T. The checker builds A column by column from
    centered differences of the forward pass with a step of 1 (exact up to rounding: Y is linear
    in K), so it judges at the tight tolerance ``EXACT_ATOL, EXACT_RTOL``.

    Parameters
    ----------
    fn : callable
        ``fn(x, kernel_hw)`` with x (N, 1, H, W) and kernel_hw the pair (KH, KW); returns H of
        shape (KH*KW, KH*KW).
    rng : numpy.random.Generator, optional
        Source of the random numbers (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses a missing factor (2, 1/M, or both), a true convolution's receptive fields,
        and by its shape A·Aᵀ (M x M) or A itself.

    Examples
    --------
    >>> def mse_hessian(x, kernel_hw):
    ...     (kh, kw), (n, _, h, w) = kernel_hw, x.shape
    ...     rows = [x[k, 0, i : i + kh, j : j + kw].ravel()
    ...             for k in range(n) for i in range(h - kh + 1) for j in range(w - kw + 1)]
    ...     a = np.array(rows)  # (M, KH*KW)
    ...     return 2 / len(a) * a.T @ a  # (KH*KW, M) @ (M, KH*KW)
    >>> check_exercise_mse_hessian(mse_hessian).passed
    True
    >>> check_exercise_mse_hessian(lambda x, k: mse_hessian(x, k) / 2).diagnosis[0][:22]
    'Off by a factor 1/2: y'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2030) if rng is None else generator(rng)
    problems = []
    for x_shape, kernel_hw in (((3, 1, 5, 6), (2, 3)), ((2, 1, 6, 4), (3, 2))):
        x = rng.standard_normal(x_shape)
        a = _receptive_fields(x, np.zeros(kernel_hw))  # (M, KH*KW)
        expected = 2 / len(a) * a.T @ a  # (KH*KW, M) @ (M, KH*KW) -> (KH*KW, KH*KW)
        flipped = _receptive_fields(x, np.zeros(kernel_hw), flip=True)  # (M, KH*KW)
        suspects = (
            (
                "These are the receptive fields of a true convolution (K turned half a turn): "
                "here Y = X ⋆ K, a cross-correlation.",
                2 / len(a) * flipped.T @ flipped,  # (KH*KW, M) @ (M, KH*KW) -> (KH*KW, KH*KW)
            ),
        )
        m, taps = a.shape
        hints = (
            (
                (m, m),
                "Your answer is M x M, one row and column per output entry: that is A·Aᵀ. The "
                "Hessian in vec(K) has one row and column per kernel weight: 2/M·Aᵀ·A.",
            ),
            (
                (m, taps),
                "Your answer has A's shape (M, KH*KW), the receptive fields: the Hessian is "
                "2/M·Aᵀ·A, one row and column per kernel weight.",
            ),
        )
        (n, _, h, w), (kh, kw) = x_shape, kernel_hw
        label = f"N={n}, X {h}x{w}, K {kh}x{kw}"
        problems.append(Problem(label, (x, kernel_hw), expected, suspects, shape_hints=hints))
    return grade(
        "the Hessian of the MSE in K", fn, problems, strict=strict,
        atol=EXACT_ATOL, rtol=EXACT_RTOL,
    )  # fmt: skip


def check_exercise_bias_gradient(fn, *, rng=None, strict=False):
    """Check ``fn(delta) -> db``: dL/db of a convolution, from the upstream gradient alone.

    ``Y[n,f,i,j] = b[f] + ...``, so the right answer is ``sum_{n,i,j} delta[n,f,i,j]``. The
    checker takes it by finite differences of the forward pass in b.

    Parameters
    ----------
    fn : callable
        ``fn(delta)`` with delta (N, C_out, H_out, W_out); returns db of shape (C_out,).
    rng : numpy.random.Generator, optional
        Source of the random numbers (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses the batch averaged (a factor N), the mean over the output pixels (or over
        the pixels and the batch), only the first example summed, the sum taken over the channel
        axis instead of the others, and the summed axes kept (keepdims=True).

    Examples
    --------
    >>> check_exercise_bias_gradient(lambda delta: delta.sum(axis=(0, 2, 3))).passed
    True
    >>> check_exercise_bias_gradient(lambda delta: delta.mean(axis=(0, 2, 3))).diagnosis
    ('You took the mean over the batch and the output pixels where a sum belongs: b[f] is added to every output pixel of channel f in every example, so each adds its δ to dL/db[f].',)
    """  # noqa: E501
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2028) if rng is None else generator(rng)
    problems = []
    for x_shape, w_shape in (((2, 2, 5, 6), (3, 2, 2, 3)), ((3, 1, 4, 4), (2, 1, 3, 3))):
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])

        def forward(b, x=x, w=w):
            return conv2d_forward(x, w, b)[0]

        delta = rng.standard_normal(forward(b).shape)
        (expected,) = numerical_vjp(forward, [b], delta)
        n, f, ho, wo = delta.shape
        each = "b[f] is added to every output pixel of channel f in every example, so each adds "
        each += "its δ to dL/db[f]."
        suspects = (
            (
                "Off by a factor N: you averaged over the batch. Sum over it: δ = dL/dY already "
                "carries the loss's 1/N, and " + each,
                expected / n,
            ),
            ("You took the mean over the output pixels where a sum belongs: " + each,
             expected / (ho * wo)),
            ("You took the mean over the batch and the output pixels where a sum belongs: "
             + each, expected / (n * ho * wo)),
            ("Only the first example is in your sum: sum over the batch too (axis 0); " + each,
             delta[0].sum(axis=(1, 2))),
            (
                "You summed over the channel axis (axis 1): db has one entry per output channel "
                "f, the sum over n, i and j (axes 0, 2 and 3).",
                delta.sum(axis=(1, 2, 3)),
            ),
        )  # fmt: skip
        label = f"N={n}, C_out={f}, δ {ho}x{wo}"
        problems.append(Problem(label, (delta,), expected, suspects))
    return grade("dL/db", fn, problems, strict=strict)


def check_exercise_input_gradient_1d(fn, *, rng=None, trials=4, strict=False):
    """Check ``fn(k, delta, length) -> dx``: the input gradient of a valid 1-D cross-correlation.

    The forward pass is ``y[i] = sum_u k[u] * x[i + u]`` with x of length L (``length``) and k
    of length KL, so delta has length L - KL + 1 and ``fn`` must return an array of length L:
    ``dL/dx[j] = sum_i delta[i] * k[j - i]``, the full correlation of delta with rot180(k). The
    right answer comes from finite differences of the forward pass in x.

    Parameters
    ----------
    fn : callable
        ``fn(k, delta, length)``, k shape (KL,), delta shape (L - KL + 1,), length the int L;
        returns shape (L,).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the report is reproducible).
    trials : int
        Number of random problems.
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses the kernel not flipped (delta ⋆full k), a valid correlation where the full one
        belongs, and the answer reversed end to end.

    Examples
    --------
    >>> def input_gradient(k, delta, length):  # delta ⋆full rot180(k) = delta ∗full k
    ...     return np.convolve(delta, k, mode="full")
    >>> check_exercise_input_gradient_1d(input_gradient, trials=2)  # doctest: +ELLIPSIS
    PASS  dL/dx in 1-D: 2 of 2 problems right
      PASS  L=..., KL=...  (max abs err ...)
      PASS  L=..., KL=...  (max abs err ...)

    Forgetting the flip (correlating the padded delta with k itself) is recognised:

    >>> def no_flip(k, delta, length):
    ...     return np.correlate(np.pad(delta, len(k) - 1), k, mode="valid")
    >>> result = check_exercise_input_gradient_1d(no_flip)
    >>> result.passed, result.diagnosis[0][:30]
    (False, 'This is δ ⋆full k, the kernel ')
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2029) if rng is None else generator(rng)
    problems = []
    for _ in range(as_int(trials, "trials", 1)):
        # 2 <= KL (KL = 1 hides flips) and L >= 2 KL - 1, so a valid correlation has an entry
        taps = int(rng.integers(2, 5))
        length = int(rng.integers(2 * taps - 1, 12))
        x, k = rng.standard_normal(length), rng.standard_normal(taps)
        delta = rng.standard_normal(length - taps + 1)

        def forward(x, k=k):
            return conv2d_forward(x[None, None, None], k[None, None, None])[0][0, 0, 0]

        (expected,) = numerical_vjp(forward, [x], delta)
        padded = np.pad(delta, taps - 1)  # delta with KL - 1 zeros on each side
        # (KL,) @ (KL,) -> a number, for each placement of rot180(k) inside delta
        valid = [delta[j : j + taps] @ k[::-1] for j in range(len(delta) - taps + 1)]
        suspects = (
            (
                "This is δ ⋆full k, the kernel not flipped. x_j meets k_u in y_(j-u), so "
                "dL/dx_j = Σ_i δ_i k_(j-i): as i runs forward, the kernel runs backwards. "
                "Correlate the padded δ with rot180(k), or convolve δ with k.",
                np.array([padded[j : j + taps] @ k for j in range(length)]),  # (KL,) @ (KL,)
            ),
            (
                "This is a valid correlation, δ ⋆ rot180(k), of length L - 2 KL + 2: x has "
                "length L, so pad δ with KL - 1 zeros on each side first (a full correlation).",
                np.array(valid),
            ),
            (
                "This is the right answer reversed end to end: entry j must be dL/dx_j, the "
                "gradient of x at position j.",
                expected[::-1],
            ),
        )
        problems.append(Problem(f"L={length}, KL={taps}", (k, delta, length), expected, suspects))
    return grade("dL/dx in 1-D", fn, problems, strict=strict)


# --- helpers ------------------------------------------------------------------------------------


def _kernel_gradient_problem(rng, x_shape, kernel_shape, stride=1, view=None):
    """One dL/dK problem: X, K and δ drawn, dL/dK by finite differences, the catalogue's suspects.

    Returns ``x, delta, expected, suspects``, each array (and each suspect's answer) passed
    through ``view``, which turns the 4-D array into the exercise's (default: unchanged).
    """
    view = view or (lambda a: a)
    x, kernel = rng.standard_normal(x_shape), rng.standard_normal(kernel_shape)

    def forward(kernel):
        return conv2d_forward(x, kernel, stride=stride)[0]

    delta = rng.standard_normal(forward(kernel).shape)
    (expected,) = numerical_vjp(forward, [kernel], delta)
    suspects = _catalogue(x, delta, kernel_shape[2:], stride, expected)
    return view(x), view(delta), view(expected), tuple((d, view(a)) for d, a in suspects)


def _catalogue(x, delta, kernel_hw, stride, expected):
    """The catalogue's wrong answers on this problem, as (diagnosis, answer) pairs, all 4-D.

    Left out: a slip that cannot happen here (`Mistake.applies`: the exercises pad nothing, so
    no padding slip; no shifted rows in 1-D; no batch mean with N = 1), a wrong answer whose sums
    do not fit the problem (`DoesNotFit`), one that is all zeros (the report says so first),
    and one that equals the right answer here. Any other error is a bug, and surfaces.
    """
    features = {"batch"} if x.shape[0] > 1 else set()
    features |= {"stride"} if stride > 1 else set()
    features |= {"2-D"} if x.shape[2] > 1 else set()
    out = []
    for mistake in KERNEL_GRADIENT_MISTAKES.values():
        if not mistake.applies(features):
            continue
        try:
            wrong = mistake(x, delta, kernel_hw, stride=stride)
        except DoesNotFit:  # e.g. a quarter-turned delta that no longer fits K's taps
            continue
        same = wrong.shape == expected.shape and np.allclose(wrong, expected, RTOL, ATOL)
        if np.any(wrong) and not same:
            out.append((mistake.diagnosis, wrong))
    return tuple(out)


def _transposed(expected):
    """The right answer with its last two axes swapped, unless that is the right answer too."""
    swapped = np.swapaxes(expected, -1, -2)
    if swapped.shape == expected.shape and np.allclose(swapped, expected, RTOL, ATOL):
        return ()
    return ((_TRANSPOSED, swapped),)


def _receptive_fields(x, kernel, flip=False):
    """A = d vec(Y) / d vec(K) for one kernel over x (N, 1, H, W): (N*H_out*W_out, KH*KW).

    Row (n, i, j) row-major, column (u, v) row-major: column (u, v) is the centered difference
    of the forward pass at ``kernel`` (KH, KW) in K[u, v] with a step of 1, exact up to rounding
    because Y is linear in K. With ``flip``, a true convolution's: tap (u, v) reads where tap
    (KH-1-u, KW-1-v) does.
    """
    columns = []
    for u, v in np.ndindex(kernel.shape):
        bump = np.zeros((1, 1, *kernel.shape))
        bump[0, 0, u, v] = 1.0
        bump = bump[..., ::-1, ::-1] if flip else bump
        plus = conv2d_forward(x, kernel[None, None] + bump)[0]  # (N, 1, H_out, W_out)
        minus = conv2d_forward(x, kernel[None, None] - bump)[0]
        columns.append(((plus - minus) / 2).ravel())
    return np.stack(columns, axis=1)


def _two_kernels_note(x, kernels, target, first, second):
    """What the two kernels show: J is the same at both, dL/dK of an MSE loss is not."""

    def mse(kernel):  # L = mean((Y - T)^2), whose delta = 2 (Y - T) / size depends on K
        y = conv2d_forward(x[None, None], kernel[None, None])[0][0, 0]
        return np.mean((y - target) ** 2)

    gap = float(np.abs(first - second).max())
    same = gap <= EXACT_ATOL  # Y is linear in K: the two differ by rounding only
    dl = [numerical_vjp(mse, [k])[0] for k in kernels]
    moved = float(np.abs(dl[0] - dl[1]).max())
    (h, w), (kh, kw) = x.shape, kernels.shape[1:]
    return (
        f"X {h}x{w}, K {kh}x{kw}: J by finite differences at two random kernels, max abs err "
        f"{gap:.1e} between them ("
        + ("the same matrix: dY/dK does not depend on K" if same else "different matrices")
        + f"); dL/dK of an MSE loss at the same two kernels differs by up to {moved:.2g} "
        + ("(through δ, which depends on K)" if moved > ATOL else "(the same)")
    )


def _jacobian_suspects(j, out_hw, kernel_hw):
    """Transposed, column-major vec (of Y, of K, of both), and a true convolution's Jacobian."""
    j4 = j.reshape(*out_hw, *kernel_hw)  # [i, j, u, v] = dY[i,j] / dK[u,v]

    def flat(a):
        return a.reshape(j.shape)

    column_major = "Your {} follow vec({}) column by column; vec here is row-major (NumPy's "
    column_major += "reshape): output pixel (i, j) is row i*W_out + j, tap (u, v) column u*KW + v."
    return (
        (
            "This is J transposed: J has one row per output pixel (H_out*W_out rows, vec(Y)) and "
            "one column per kernel weight (KH*KW columns, vec(K)).",
            j.T,
        ),
        (column_major.format("rows", "Y"), flat(j4.transpose(1, 0, 2, 3))),
        (column_major.format("columns", "K"), flat(j4.transpose(0, 1, 3, 2))),
        (column_major.format("rows and columns", "Y) and vec(K"), flat(j4.transpose(1, 0, 3, 2))),
        (
            "This is the Jacobian of a true convolution (K turned half a turn): here the forward "
            "pass is a cross-correlation, Y[i, j] = Σ K[u, v]·X[i + u, j + v].",
            flat(j4[:, :, ::-1, ::-1]),
        ),
    )
