"""Checkers for the convolution-forward exercises (chapter 03): output size, the forward pass,
the convolution matrix, the receptive field of a stack.

Each checker poses fixed problems chosen so that every classic slip changes the answer (H != W,
KH != KW, stride with leftover rows, padding, dilation), runs the reader's function on copies
of their arguments and returns an `ExerciseResult`: PASS or FAIL per problem, the wrong entries,
and a diagnosis when the answer is a known wrong one. A stub that still raises
``NotImplementedError`` is reported as not attempted; nothing raises unless ``strict=True``.

The right answers never come from the function under test: the output size by counting the
window positions one by one, the forward pass and the matrix from the core's loop specification
`cnnbp_core.functional.conv2d_forward_naive` (the matrix column by column, as the images of the
unit input images), the receptive field by backpropagating a one-hot gradient through the core's
convolutions. All four are exact, so they are judged at ``EXACT_ATOL, EXACT_RTOL``.
"""

from __future__ import annotations

import math

import numpy as np

from ...functional import conv2d_backward, conv2d_forward, conv2d_forward_naive
from ...geometry import conv2d_output_shape, rot180
from ...validation import as_callable, as_flag, generator
from ..feedback import EXACT_ATOL, EXACT_RTOL, Problem, grade

# ----------------------------------------------------------------------------- the output size

OUTPUT_SIZE_PROBLEMS = (
    ("no padding, stride 1", ((5, 3, 1, 0, 1), (8, 2, 1, 0, 1), (6, 6, 1, 0, 1))),
    ("stride with leftover rows", ((8, 3, 2, 1, 1), (10, 3, 3, 0, 1), (7, 2, 2, 0, 1))),
    ("padding", ((5, 3, 2, 1, 1), (28, 5, 2, 2, 1), (7, 4, 1, 2, 1))),
    ("dilation", ((8, 2, 1, 1, 3), (10, 3, 3, 0, 2), (5, 3, 1, 1, 3))),
)
"""`check_exercise_output_size`'s problems: (name, configurations (H, K, s, p, d)). Each group
makes some slips visible; together they tell every slip from the right answer and each other."""
_SPAN = "the dilated kernel spans d(K − 1) + 1 rows"


def _room(h, k, s, p, d):
    """H + 2p − d(K − 1) − 1: how far the window can move."""
    return h + 2 * p - d * (k - 1) - 1


# (diagnosis, the wrong formula), in the order they are tried
_SIZE_SLIPS = (
    (
        "You rounded up (ceil) where the formula rounds down (floor): a window that would "
        "stick out of X_p is not taken, so the rows left over at the bottom give no output.",
        lambda h, k, s, p, d: math.ceil(_room(h, k, s, p, d) / s) + 1,
    ),
    (
        "Your answer is a fraction: round (H + 2p − d(K − 1) − 1) / s down (floor, // in "
        "Python) before adding 1; a window either fits or it does not.",
        lambda h, k, s, p, d: _room(h, k, s, p, d) / s + 1,
    ),
    (
        "The +1 is missing: (H + 2p − d(K − 1) − 1) // s counts the moves of the window, and "
        "the first position, before any move, is an output too.",
        lambda h, k, s, p, d: _room(h, k, s, p, d) // s,
    ),
    (
        f"You ignored the dilation: with dilation d, {_SPAN}, not K.",
        lambda h, k, s, p, d: (h + 2 * p - k) // s + 1,
    ),
    (
        f"The dilated kernel spans d(K − 1) + 1 rows, not d·K: {_SPAN} (K taps, d − 1 gaps "
        "between neighbours, none after the last).",
        lambda h, k, s, p, d: (h + 2 * p - d * k) // s + 1,
    ),
    (
        "You counted the padding once: p is the padding per side, so X_p has H + 2p rows.",
        lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1,
    ),
    (
        f"The −1 is missing: {_SPAN}, so the window can move H + 2p − d(K − 1) − 1 rows down.",
        lambda h, k, s, p, d: (h + 2 * p - d * (k - 1)) // s + 1,
    ),
    (
        "You ignored the stride: with stride s neighbouring outputs are s rows apart, so only "
        "every s-th position of the window is taken (divide by s, round down).",
        lambda h, k, s, p, d: _room(h, k, s, p, d) + 1,
    ),
)


def _count_windows(h, k, s, p, d) -> int:
    """The output size by counting: positions i = 0, 1, ... whose window ends inside X_p."""
    count = 0
    while count * s + d * (k - 1) <= h + 2 * p - 1:  # the window's last row is in X_p
        count += 1
    return count


def _per_configuration(fn):
    """The reader's one-configuration function, run on every configuration of a problem."""

    def answers(configs):
        out = []
        for config in configs:
            answer = fn(*config)
            if answer is None:
                return None  # grade names a missing return
            if np.ndim(answer) != 0:
                raise TypeError(f"fn{config} returned {answer!r}, not one number")
            out.append(answer)
        return np.array(out)

    return answers


def check_exercise_output_size(fn, *, strict=False):
    """Check ``fn(h, k, stride, padding, dilation) -> int``: the output size along one axis.

    The answer is ``floor((h + 2*padding - dilation*(k - 1) - 1) / stride) + 1``. Four problems
    of three configurations each: stride 1 without padding, strides with leftover rows, padding,
    and dilation. The right answer counts the window positions one by one.

    Parameters
    ----------
    fn : callable
        ``fn(h, k, stride, padding, dilation)``, all ints; returns one int.
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Per problem, the wrong configurations; diagnoses: ceil instead of floor, no rounding,
        the +1 forgotten, the dilation ignored or taken as d·K, the padding counted once, the
        −1 forgotten, the stride ignored.

    Examples
    --------
    >>> def output_size(h, k, stride, padding, dilation):
    ...     return (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    >>> check_exercise_output_size(output_size).passed
    True
    >>> def ceil_size(h, k, stride, padding, dilation):
    ...     return -(-(h + 2 * padding - dilation * (k - 1) - 1) // stride) + 1
    >>> check_exercise_output_size(ceil_size).diagnosis[0][:33]
    'You rounded up (ceil) where the f'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    problems = []
    for name, configs in OUTPUT_SIZE_PROBLEMS:
        expected = np.array([_count_windows(*c) for c in configs])
        suspects = []
        for diagnosis, slip in _SIZE_SLIPS:
            wrong = np.array([slip(*c) for c in configs], dtype=np.float64)
            if not np.array_equal(wrong, expected):
                suspects.append((diagnosis, wrong))
        label = f"{name}: (H, K, s, p, d) = " + ", ".join(str(c) for c in configs)
        problems.append(Problem(label, (configs,), expected, tuple(suspects)))
    return grade(
        "the output size",
        _per_configuration(fn),
        problems,
        strict=strict,
        atol=EXACT_ATOL,
        rtol=EXACT_RTOL,
    )


# ----------------------------------------------------------------------------- the forward pass

FORWARD_PROBLEMS = (
    (1, 1, 5, 6, 2, 3, 1, 0),
    (2, 2, 6, 7, 3, 2, 2, 1),
    (3, 2, 7, 5, 3, 3, 3, 2),
)
"""`check_exercise_conv2d_forward`'s problems: (C_in, C_out, H, W, KH, KW, stride, padding).
No input is square; the first has a square output (a transposed answer keeps its shape), the
second C_in = C_out (a channel swap keeps K's shape) and leftover rows and columns, the third a
square kernel (a transposed kernel keeps its shape)."""


def _correlate(x, w, stride, padding):
    """The core's loop specification on one example: (C_in, H, W) -> (C_out, H_out, W_out)."""
    return conv2d_forward_naive(x[None], w, stride=stride, padding=padding)[0][0]


def _forward_suspects(x, w, stride, padding, expected):
    """The classic wrong forward passes that fit this problem, as (diagnosis, answer) pairs."""
    out = [
        (
            "This is a true convolution: your kernel is turned half a turn (rot180). The book's "
            "forward pass, like every deep-learning library's, is a cross-correlation, "
            "Y[f,i,j] = Σ K[f,c,u,v]·X_p[c, i·s + u, j·s + v], with no flip.",
            _correlate(x, rot180(w), stride, padding),
        ),
        (
            "Your output is the right one transposed: Y[f, i, j] has output row i and column j.",
            np.swapaxes(expected, -1, -2),
        ),
        (
            "You used K transposed: tap (u, v) is kernel row u, column v, and it reads the pixel "
            "u rows down and v columns right of the window's corner.",
            _fitting(lambda: _correlate(x, np.swapaxes(w, -1, -2), stride, padding)),
        ),
    ]
    if w.shape[0] == w.shape[1] and w.shape[0] > 1:
        out.append(
            (
                "You swapped K's channel axes: K has shape (C_out, C_in, KH, KW), so output "
                "channel f sums K[f, c] ⋆ X[c] over the input channels c.",
                _correlate(x, np.swapaxes(w, 0, 1), stride, padding),
            )
        )
    return tuple((d, a) for d, a in out if a is not None and not _same(a, expected))


def _fitting(compute):
    """``compute()``, or None when its kernel no longer fits (a transposed kernel may not)."""
    try:
        return compute()
    except ValueError:
        return None


def _same(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=EXACT_RTOL, atol=EXACT_ATOL))


def _forward_hints(x_hw, kernel_hw, c_out, c_in, stride, padding, channels):
    """Known wrong shapes: no padding, no stride, neither, the input channels not summed."""
    lead = (c_out,) if channels else ()

    def shape(s, p):
        return (*lead, *conv2d_output_shape(*x_hw, kernel_hw, stride=s, padding=p))

    right = shape(stride, padding)
    hints = [
        (
            shape(stride, 0),
            "Your output has the shape of an unpadded correlation: pad X with "
            "p zeros on each side first (X_p is H + 2p by W + 2p).",
        ),
        (
            shape(1, padding),
            "Your output has the shape of a correlation with stride 1: step "
            "the window s pixels at a time, Y[i, j] reads X_p from row i·s, column j·s.",
        ),
        (
            shape(1, 0),
            "Your output has the shape of a correlation with neither padding nor "
            "stride: pad X with p zeros on each side, and step the window by s.",
        ),
    ]
    if channels:
        hints.append(
            (
                (c_out, c_in, *right[1:]),
                "You kept one map per (output, input) channel "
                "pair: output channel f is the sum over the input channels c.",
            )
        )
    return tuple((s, text) for s, text in hints if s != right)


def check_exercise_conv2d_forward(fn, *, channels=True, rng=None, strict=False):
    """Check a loop implementation of the forward pass: a cross-correlation with stride, padding.

    With channels, ``Y[f,i,j] = sum_{c,u,v} K[f,c,u,v] * X_p[c, i*s + u, j*s + v]``, X_p the
    input with p zeros on each side; one channel drops f and c. Three problems with non-square
    inputs and kernels, strides 1 to 3 and padding 0 to 2 (leftover rows and columns included).

    Parameters
    ----------
    fn : callable
        With channels, ``fn(x, w, stride, padding)`` with x (C_in, H, W), w (C_out, C_in, KH,
        KW), stride and padding ints; returns Y of shape (C_out, H_out, W_out). Without,
        ``fn(x, k, stride, padding)`` with x (H, W) and k (KH, KW); returns (H_out, W_out).
    channels : bool, default True
        Which of the two exercises.
    rng : numpy.random.Generator, optional
        Source of the random inputs and kernels (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses: a true convolution (the kernel flipped), the output transposed, the kernel
        transposed, K's channel axes swapped; by its shape, the padding or the stride forgotten
        and the input channels not summed.

    Examples
    --------
    >>> def correlate(x, k, stride, padding):
    ...     xp = np.pad(x, padding)
    ...     (kh, kw), (hp, wp) = k.shape, xp.shape
    ...     ho, wo = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    ...     y = np.zeros((ho, wo))
    ...     for i in range(ho):
    ...         for j in range(wo):
    ...             y[i, j] = np.sum(k * xp[i * stride : i * stride + kh, j * stride : j * stride + kw])
    ...     return y
    >>> check_exercise_conv2d_forward(correlate, channels=False).passed
    True
    >>> def convolve(x, k, stride, padding):
    ...     return correlate(x, k[::-1, ::-1], stride, padding)
    >>> check_exercise_conv2d_forward(convolve, channels=False).diagnosis[0][:30]
    'This is a true convolution: yo'
    """  # noqa: E501
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    channels = as_flag(channels, "channels")
    rng = np.random.default_rng(2031) if rng is None else generator(rng)
    problems = []
    for c_in, c_out, h, w, kh, kw, s, p in FORWARD_PROBLEMS:
        if not channels:
            c_in = c_out = 1
        x, k = rng.standard_normal((c_in, h, w)), rng.standard_normal((c_out, c_in, kh, kw))
        expected = _correlate(x, k, s, p)
        suspects = _forward_suspects(x, k, s, p, expected)
        hints = _forward_hints((h, w), (kh, kw), c_out, c_in, s, p, channels)
        label = f"X {h}x{w}, K {kh}x{kw}, stride {s}, padding {p}"
        if channels:
            label = f"C_in={c_in}, C_out={c_out}, " + label
            args = (x, k, s, p)
        else:
            args, expected = (x[0], k[0, 0], s, p), expected[0]
            suspects = tuple((d, a[0]) for d, a in suspects)
        problems.append(Problem(label, args, expected, suspects, shape_hints=hints))
    title = "Y = X ⋆ K with channels" if channels else "Y = X ⋆ K, one channel"
    return grade(title, fn, problems, strict=strict, atol=EXACT_ATOL, rtol=EXACT_RTOL)


# ----------------------------------------------------------------------------- the matrix

MATRIX_PROBLEMS = (((3, 4), (2, 2), 1, 0), ((4, 3), (2, 3), 2, 1), ((5, 4), (3, 2), 1, 1))
"""`check_exercise_conv_matrix`'s problems: ((H, W), (KH, KW), stride, padding); M is 6x12,
then 6x12 with stride 2 and padding 1, then 25x20 with padding 1."""


def _matrix_by_columns(in_hw, kernel, stride, padding):
    """M column by column: column r*W + c is vec(Y) for the unit image at (r, c)."""
    h, w = in_hw
    columns = []
    for r, c in np.ndindex(h, w):
        unit = np.zeros((1, 1, h, w))
        unit[0, 0, r, c] = 1.0
        y, _ = conv2d_forward_naive(unit, kernel[None, None], stride=stride, padding=padding)
        columns.append(y.ravel())  # (H_out*W_out,)
    return np.stack(columns, axis=1)  # (H_out*W_out, H*W)


def _matrix_suspects(in_hw, kernel, stride, padding, expected):
    (h, w), (ho, wo) = (
        in_hw,
        conv2d_output_shape(*in_hw, kernel.shape, stride=stride, padding=padding),
    )
    m4 = expected.reshape(ho, wo, h, w)  # [i, j, r, c]
    column_major = "Your {} follow vec({}) column by column; vec here is row-major (NumPy's "
    column_major += "ravel): output (i, j) is row i·W_out + j, input (r, c) column r·W + c."
    out = (
        (
            "This is the matrix of a true convolution (K turned half a turn): here Y = X ⋆ K, "
            "so output (i, j) meets input (i·s + u − p, j·s + v − p) through K[u, v].",
            _matrix_by_columns(in_hw, rot180(kernel), stride, padding),
        ),
        (column_major.format("columns", "X"), m4.transpose(0, 1, 3, 2).reshape(ho * wo, h * w)),
        (column_major.format("rows", "Y"), m4.transpose(1, 0, 2, 3).reshape(ho * wo, h * w)),
    )
    return tuple((d, a) for d, a in out if not _same(a, expected))


def _matrix_hints(in_hw, kernel_hw, stride, padding):
    (h, w), (ph, pw) = in_hw, (padding, padding)
    ho, wo = conv2d_output_shape(h, w, kernel_hw, stride=stride, padding=padding)
    hints = (
        (
            (h * w, ho * wo),
            "This is Mᵀ's shape: M has one row per output pixel (H_out·W_out) "
            "and one column per input pixel (H·W), so that vec(Y) = M vec(X).",
        ),
        (
            (ho * wo, (h + 2 * ph) * (w + 2 * pw)),
            "Your M has a column for every pixel of X_p: "
            "the padding zeros are constants, not inputs; keep only the columns of X's pixels.",
        ),
    )
    return tuple((s, t) for s, t in hints if s != (ho * wo, h * w))


def check_exercise_conv_matrix(fn, *, rng=None, strict=False):
    """Check ``fn(in_hw, kernel, stride, padding) -> M``: the matrix of a one-channel correlation.

    M satisfies ``M @ x.ravel() == (X ⋆ K).ravel()`` with vec row-major: row ``i*W_out + j`` is
    output pixel (i, j), column ``r*W + c`` input pixel (r, c), and the entry is the weight
    K[u, v] through which (i, j) reads (r, c) (``r + p = i*s + u``, ``c + p = j*s + v``), 0 when
    none does. The right answer is built column by column: column r*W + c is the output for the
    unit image with a 1 at (r, c), from the core's loop specification.

    Parameters
    ----------
    fn : callable
        ``fn(in_hw, kernel, stride, padding)`` with in_hw the pair (H, W), kernel (KH, KW),
        stride and padding ints; returns M of shape (H_out*W_out, H*W).
    rng : numpy.random.Generator, optional
        Source of the random kernels (default: seeded).
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Diagnoses: the matrix of a true convolution, vec taken column by column (of X or of Y);
        by its shape, Mᵀ and columns for the padding.

    Examples
    --------
    >>> def conv_matrix(in_hw, kernel, stride, padding):
    ...     (h, w), (kh, kw) = in_hw, kernel.shape
    ...     ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    ...     m = np.zeros((ho * wo, h * w))
    ...     for i, j, u, v in np.ndindex(ho, wo, kh, kw):
    ...         r, c = i * stride + u - padding, j * stride + v - padding
    ...         if 0 <= r < h and 0 <= c < w:  # a tap on the padding reads a constant 0
    ...             m[i * wo + j, r * w + c] = kernel[u, v]
    ...     return m
    >>> check_exercise_conv_matrix(conv_matrix).passed
    True
    >>> check_exercise_conv_matrix(lambda *args: conv_matrix(*args).T).diagnosis[0][:24]
    "This is Mᵀ's shape: M ha"
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    rng = np.random.default_rng(2032) if rng is None else generator(rng)
    problems = []
    for in_hw, kernel_hw, s, p in MATRIX_PROBLEMS:
        kernel = rng.standard_normal(kernel_hw)
        expected = _matrix_by_columns(in_hw, kernel, s, p)
        suspects = _matrix_suspects(in_hw, kernel, s, p, expected)
        hints = _matrix_hints(in_hw, kernel_hw, s, p)
        label = f"X {in_hw[0]}x{in_hw[1]}, K {kernel_hw[0]}x{kernel_hw[1]}, stride {s}, padding {p}"
        problems.append(
            Problem(label, (in_hw, kernel, s, p), expected, suspects, shape_hints=hints)
        )
    return grade(
        "the convolution matrix M", fn, problems, strict=strict, atol=EXACT_ATOL, rtol=EXACT_RTOL
    )


# ----------------------------------------------------------------------------- the receptive field

RECEPTIVE_FIELD_PROBLEMS = (
    ("plain 3x3 stacks", (((3, 3), (1, 1), (1, 1)), ((3, 3, 3), (1, 1, 1), (1, 1, 1)),
                          ((3,) * 5, (1,) * 5, (1,) * 5))),
    ("strides", (((3, 3), (2, 1), (1, 1)), ((3, 3, 3), (2, 2, 1), (1, 1, 1)),
                 ((2, 3, 3), (2, 1, 2), (1, 1, 1)))),
    ("dilations", (((3, 3), (1, 1), (1, 2)), ((3, 3, 3), (1, 1, 1), (1, 2, 4)),
                   ((2, 3), (1, 1), (3, 2)))),
    ("strides and dilations", (((3, 3, 3), (2, 1, 1), (1, 2, 1)), ((5, 3, 3), (2, 2, 1), (1, 1, 2)),
                               ((3, 2, 3), (1, 2, 2), (2, 1, 3)))),
)  # fmt: skip
"""`check_exercise_receptive_field`'s problems: (name, stacks (kernels, strides, dilations), one
entry per layer, input first). Plain stacks only tell the sum of the kernel sizes from the right
answer; strides and dilations make the other slips visible, and the mixed stacks tell them apart."""


def _product(values):
    return math.prod(values) if values else 1


# (diagnosis, the wrong answer from (kernels, strides, dilations)), in the order they are tried
_FIELD_SLIPS = (
    (
        "You ignored the jump: a tap of layer l moves the window by d_l outputs of the layer "
        "below, and those are J_(l−1) = s_1⋯s_(l−1) input pixels apart, so the span grows by "
        "d_l(K_l − 1)·J_(l−1), not d_l(K_l − 1).",
        lambda ks, ss, ds: 1 + sum(d * (k - 1) for k, d in zip(ks, ds)),
    ),
    (
        "You updated the jump before using it: layer l's taps are spaced by the jump of the "
        "layer below, J_(l−1), not by J_l = J_(l−1)·s_l (its own stride spaces its outputs, not "
        "its taps). Add d_l(K_l − 1)·J_(l−1) to R first, then multiply J by s_l.",
        lambda ks, ss, ds: (
            1 + sum(d * (k - 1) * _product(ss[: n + 1]) for n, (k, d) in enumerate(zip(ks, ds)))
        ),
    ),
    (
        "You ignored the dilation: with dilation d_l neighbouring taps are d_l pixels of the "
        "layer below apart, so layer l's kernel spans d_l(K_l − 1) + 1 of them, not K_l.",
        lambda ks, ss, ds: 1 + sum((k - 1) * _product(ss[:n]) for n, k in enumerate(ks)),
    ),
    (
        "You added up the kernel sizes: two stacked kernels overlap by one pixel, so each "
        "layer adds K_l − 1 (times d_l J_(l−1)), and R_0 = 1 counts the pixel they share.",
        lambda ks, ss, ds: sum(ks),
    ),
    (
        "You multiplied every layer's span by the product of all the strides, the first "
        "layer's too: layer l's taps are J_(l−1) = s_1⋯s_(l−1) input pixels apart, so the first "
        "layer's are 1 pixel apart and a layer's own stride never scales its span.",
        lambda ks, ss, ds: 1 + _product(ss) * sum(d * (k - 1) for k, d in zip(ks, ds)),
    ),
)


def _field_by_backprop(kernels, strides, dilations) -> int:
    """The receptive field of output pixel 0 of a 1-D stack, measured with the chain rule.

    The stack runs on a 1 x W row, wide enough for two outputs, with all-ones kernels (so no
    sum cancels); a one-hot gradient at the first output pixel, sent back through the core's
    backward passes, is non-zero exactly on the input pixels that pixel depends on.
    """
    width = 8
    while True:
        acts, caches = np.zeros((1, 1, 1, width)), []
        for k, s, d in zip(kernels, strides, dilations):
            if acts.shape[-1] < d * (k - 1) + 1:  # this layer's window does not fit
                break
            acts, cache = conv2d_forward(acts, np.ones((1, 1, 1, k)), stride=(1, s),
                                         dilation=(1, d))  # fmt: skip
            caches.append(cache)
        if len(caches) == len(kernels) and acts.shape[-1] >= 2:
            break
        width *= 2
    delta = np.zeros_like(acts)
    delta[0, 0, 0, 0] = 1.0  # one output pixel of the last layer
    for cache in reversed(caches):
        delta = conv2d_backward(delta, cache)[0]
    (seen,) = np.nonzero(delta[0, 0, 0])
    return int(seen.max() - seen.min() + 1)


def _stack_text(stack):
    kernels, strides, dilations = (list(v) for v in stack)
    return f"K={kernels} s={strides} d={dilations}"


def check_exercise_receptive_field(fn, *, strict=False):
    """Check ``fn(kernels, strides, dilations) -> int``: the receptive field of a stack.

    Along one axis, layer l (kernel K_l, stride s_l, dilation d_l) gives ``R_l = R_(l-1) +
    d_l (K_l - 1) J_(l-1)`` and ``J_l = J_(l-1) s_l``, with ``R_0 = J_0 = 1``: R is in input
    pixels, J the distance in input pixels between neighbouring outputs. Four problems of three
    stacks each: plain 3x3 stacks, strides, dilations, both. The right answer is measured, not
    computed: a one-hot gradient at one output pixel of the last layer, backpropagated through
    the core's convolutions, is non-zero on that pixel's receptive field.

    Parameters
    ----------
    fn : callable
        ``fn(kernels, strides, dilations)``: three lists of ints of equal length, one entry per
        layer, input first; returns one int, R of the last layer in input pixels.
    strict : bool, default False
        Raise ``AssertionError`` unless every problem passes (for tests and solutions).

    Returns
    -------
    ExerciseResult
        Per problem, the wrong stacks; diagnoses: the jump ignored, the jump updated before
        use (J_l where J_(l-1) belongs), the dilation ignored, the sum of the kernel sizes,
        every layer scaled by the product of all the strides.

    Examples
    --------
    >>> def receptive_field(kernels, strides, dilations):
    ...     r, jump = 1, 1
    ...     for k, s, d in zip(kernels, strides, dilations):
    ...         r, jump = r + d * (k - 1) * jump, jump * s
    ...     return r
    >>> receptive_field([3, 3, 3], [1, 1, 1], [1, 1, 1])  # three 3x3 layers see 7x7
    7
    >>> check_exercise_receptive_field(receptive_field).passed
    True
    >>> check_exercise_receptive_field(lambda ks, ss, ds: sum(ks)).diagnosis[0][:29]
    'You added up the kernel sizes'
    """
    fn, strict = as_callable(fn, "fn"), as_flag(strict, "strict")
    problems = []
    for name, stacks in RECEPTIVE_FIELD_PROBLEMS:
        expected = np.array([_field_by_backprop(*stack) for stack in stacks])
        suspects = []
        for diagnosis, slip in _FIELD_SLIPS:
            wrong = np.array([slip(*stack) for stack in stacks], dtype=np.float64)
            if not np.array_equal(wrong, expected):
                suspects.append((diagnosis, wrong))
        label = f"{name}: " + "; ".join(_stack_text(stack) for stack in stacks)
        # lists, as the exercise states them, built anew by every check
        args = (tuple(tuple(list(v) for v in stack) for stack in stacks),)
        problems.append(Problem(label, args, expected, tuple(suspects)))
    return grade(
        "the receptive field of a stack",
        _per_configuration(fn),
        problems,
        strict=strict,
        atol=EXACT_ATOL,
        rtol=EXACT_RTOL,
    )
