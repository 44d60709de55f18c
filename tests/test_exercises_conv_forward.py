"""Chapter 03's exercise checkers accept right answers, report stubs, and name the classic slips.

Right and wrong answers here are written as a reader would write them (loops, slices, NumPy
calls), independently of the checkers' own lists of slips.
"""

import ast
import inspect
import math
import re

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.exercises import conv_forward as exercises
from cnnbp_core.explain.toeplitz import conv_matrix as explained_matrix

# --- output size ------------------------------------------------------------------------------


def output_size(h, k, stride, padding, dilation):
    return (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1


SIZE_SLIPS = {
    "You rounded up (ceil)": lambda h, k, s, p, d: math.ceil((h + 2 * p - d * (k - 1) - 1) / s) + 1,
    "Your answer is a fraction": lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) / s + 1,
    "The +1 is missing": lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s,
    "You ignored the dilation": lambda h, k, s, p, d: (h + 2 * p - k) // s + 1,
    "The dilated kernel spans d(K − 1) + 1 rows, not d·K": lambda h, k, s, p, d: (
        (h + 2 * p - d * k) // s + 1
    ),
    "You counted the padding once": lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1,
    "The −1 is missing": lambda h, k, s, p, d: (h + 2 * p - d * (k - 1)) // s + 1,
    "You ignored the stride": lambda h, k, s, p, d: h + 2 * p - d * (k - 1),
}


def core_size(h, k, stride, padding, dilation):
    return F.conv2d_output_shape(h, 1, (k, 1), stride=stride, padding=padding, dilation=dilation)[0]


def test_the_right_output_size_passes_exactly():
    for right in (output_size, core_size):
        result = exercises.check_exercise_output_size(right, strict=True)
        assert result.passed and len(result.trials) == len(exercises.OUTPUT_SIZE_PROBLEMS)


@pytest.mark.parametrize("start", list(SIZE_SLIPS))
def test_each_output_size_slip_is_named(start):
    result = exercises.check_exercise_output_size(SIZE_SLIPS[start])
    assert result.status == "FAIL"
    assert result.diagnosis and all(d.startswith(start) for d in result.diagnosis), result


def test_the_output_size_report_shows_which_configurations_are_wrong():
    def ceil_only_with_dilation(h, k, stride, padding, dilation):
        if dilation > 1:
            return math.ceil((h + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
        return output_size(h, k, stride, padding, dilation)

    result = exercises.check_exercise_output_size(ceil_only_with_dilation)
    assert [t.passed for t in result.trials] == [True, True, True, False]
    np.testing.assert_array_equal(result.wrong[3], [False, True, False])  # the others divide


def test_output_size_stubs_missing_returns_and_arrays_are_reported():
    def stub(h, k, stride, padding, dilation):
        raise NotImplementedError

    assert exercises.check_exercise_output_size(stub).status == "NOT ATTEMPTED"
    with pytest.raises(AssertionError, match="NOT ATTEMPTED"):
        exercises.check_exercise_output_size(stub, strict=True)
    result = exercises.check_exercise_output_size(lambda *args: None)
    assert "is a `return` missing?" in result.diagnosis[0]
    result = exercises.check_exercise_output_size(
        lambda h, k, s, p, d: (output_size(h, k, s, p, d),) * 2
    )
    assert "returned (3, 3), not one number" in str(result)
    with pytest.raises(TypeError, match="fn must be a function itself"):
        exercises.check_exercise_output_size(output_size(5, 3, 1, 0, 1))


# --- the forward pass ---------------------------------------------------------------------------


def correlate(x, w, stride, padding):
    """A reader's loops: (C_in, H, W) and (C_out, C_in, KH, KW) -> (C_out, H_out, W_out)."""
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    c_out, _, kh, kw = w.shape
    ho, wo = (xp.shape[1] - kh) // stride + 1, (xp.shape[2] - kw) // stride + 1
    y = np.zeros((c_out, ho, wo))
    for f, i, j in np.ndindex(c_out, ho, wo):
        window = xp[:, i * stride : i * stride + kh, j * stride : j * stride + kw]
        y[f, i, j] = np.sum(w[f] * window)
    return y


def one_channel(fn):
    return lambda x, k, stride, padding: fn(x[None], k[None, None], stride, padding)[0]


FORWARD_SLIPS = {
    "This is a true convolution": lambda x, w, s, p: correlate(x, w[..., ::-1, ::-1], s, p),
    "Your output is the right one transposed": lambda x, w, s, p: np.swapaxes(
        correlate(x, w, s, p), 1, 2
    ),
    "You used K transposed": lambda x, w, s, p: correlate(x, np.swapaxes(w, 2, 3), s, p),
    "You swapped K's channel axes": lambda x, w, s, p: correlate(x, np.swapaxes(w, 0, 1), s, p),
    "Your output has the shape of an unpadded correlation": lambda x, w, s, p: correlate(
        x, w, s, 0
    ),
    "Your output has the shape of a correlation with stride 1": lambda x, w, s, p: correlate(
        x, w, 1, p
    ),
    "You kept one map per (output, input) channel pair": lambda x, w, s, p: np.stack(
        [correlate(x[c : c + 1], w[:, c : c + 1], s, p) for c in range(x.shape[0])], axis=1
    ),
}


def test_right_forward_passes_pass_with_and_without_channels():
    assert exercises.check_exercise_conv2d_forward(correlate, strict=True).passed
    assert exercises.check_exercise_conv2d_forward(one_channel(correlate), channels=False,
                                                   strict=True).passed  # fmt: skip
    rng = np.random.default_rng(9)  # other random numbers, the same verdict
    assert exercises.check_exercise_conv2d_forward(correlate, rng=rng).passed


@pytest.mark.parametrize("start", list(FORWARD_SLIPS))
def test_each_forward_slip_is_named(start):
    result = exercises.check_exercise_conv2d_forward(FORWARD_SLIPS[start])
    assert result.status == "FAIL" and any(d.startswith(start) for d in result.diagnosis), result


@pytest.mark.parametrize("start", list(FORWARD_SLIPS)[:3] + list(FORWARD_SLIPS)[4:6])
def test_the_one_channel_slips_are_named_too(start):
    result = exercises.check_exercise_conv2d_forward(
        one_channel(FORWARD_SLIPS[start]), channels=False
    )
    assert result.status == "FAIL" and any(d.startswith(start) for d in result.diagnosis), result


def test_the_forward_problems_have_leftover_rows_and_distinct_shapes():
    for _, _, h, w, kh, kw, s, p in exercises.FORWARD_PROBLEMS:
        assert h != w and (kh, kw) != (h, w)
        padded = (h + 2 * p - kh, w + 2 * p - kw)
        assert s == 1 or any(n % s for n in padded)  # some row or column no window reaches


# --- the matrix ---------------------------------------------------------------------------------


def conv_matrix(in_hw, kernel, stride, padding):
    (h, w), (kh, kw) = in_hw, kernel.shape
    ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
    m = np.zeros((ho * wo, h * w))
    for i, j, u, v in np.ndindex(ho, wo, kh, kw):
        r, c = i * stride + u - padding, j * stride + v - padding
        if 0 <= r < h and 0 <= c < w:
            m[i * wo + j, r * w + c] = kernel[u, v]
    return m


def padded_columns(in_hw, kernel, stride, padding):
    """The slip of giving X_p's pixels columns: M acts on vec(X_p)."""
    h, w = in_hw[0] + 2 * padding, in_hw[1] + 2 * padding
    return conv_matrix((h, w), kernel, stride, 0)


def column_major(which):
    def wrong(in_hw, kernel, stride, padding):
        m = conv_matrix(in_hw, kernel, stride, padding)
        (h, w), (kh, kw) = in_hw, kernel.shape
        ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
        m4 = m.reshape(ho, wo, h, w)
        order = (0, 1, 3, 2) if which == "X" else (1, 0, 2, 3)
        return m4.transpose(order).reshape(m.shape)

    return wrong


MATRIX_SLIPS = {
    "This is the matrix of a true convolution": lambda hw, k, s, p: conv_matrix(
        hw, k[::-1, ::-1], s, p
    ),
    "Your columns follow vec(X) column by column": column_major("X"),
    "Your rows follow vec(Y) column by column": column_major("Y"),
    "This is Mᵀ's shape": lambda hw, k, s, p: conv_matrix(hw, k, s, p).T,
    "Your M has a column for every pixel of X_p": padded_columns,
}


def test_the_right_matrix_passes_and_equals_the_explain_modules():
    from cnnbp_core.explain.toeplitz import conv_matrix as explained

    assert exercises.check_exercise_conv_matrix(conv_matrix, strict=True).passed
    assert exercises.check_exercise_conv_matrix(
        lambda hw, k, s, p: explained(hw, k, stride=s, padding=p), strict=True
    ).passed


@pytest.mark.parametrize("start", list(MATRIX_SLIPS))
def test_each_matrix_slip_is_named(start):
    result = exercises.check_exercise_conv_matrix(MATRIX_SLIPS[start])
    assert result.status == "FAIL" and any(d.startswith(start) for d in result.diagnosis), result


# --- the receptive field -------------------------------------------------------------------------


def receptive_field(kernels, strides, dilations):
    r, jump = 1, 1
    for k, s, d in zip(kernels, strides, dilations):
        r += d * (k - 1) * jump
        jump *= s
    return r


def receptive_field_by_sets(kernels, strides, dilations):
    """A reader's brute force: the input pixels output pixel 0 depends on, layer by layer down."""
    pixels = {0}
    for k, s, d in reversed(list(zip(kernels, strides, dilations))):
        pixels = {i * s + u * d for i in pixels for u in range(k)}
    return max(pixels) - min(pixels) + 1


def receptive_field_explained(kernels, strides, dilations):
    from cnnbp_core import explain

    layers = zip(kernels, strides, dilations)
    layers = [{"kernel_size": k, "stride": s, "dilation": d} for k, s, d in layers]
    return explain.receptive_field(layers)[-1].size[0]


def jump_updated_first(kernels, strides, dilations):
    r, jump = 1, 1
    for k, s, d in zip(kernels, strides, dilations):
        jump *= s
        r += d * (k - 1) * jump
    return r


FIELD_SLIPS = {
    "You ignored the jump": lambda ks, ss, ds: 1 + sum(d * (k - 1) for k, d in zip(ks, ds)),
    "You updated the jump before using it": jump_updated_first,
    "You ignored the dilation": lambda ks, ss, ds: receptive_field(ks, ss, [1] * len(ds)),
    "You added up the kernel sizes": lambda ks, ss, ds: sum(ks),
    "You multiplied every layer's span by the product of all the strides": lambda ks, ss, ds: (
        1 + math.prod(ss) * (receptive_field(ks, [1] * len(ss), ds) - 1)
    ),
}


@pytest.mark.parametrize(
    "right", [receptive_field, receptive_field_by_sets, receptive_field_explained]
)
def test_the_right_receptive_field_passes_exactly(right):
    result = exercises.check_exercise_receptive_field(right, strict=True)
    assert result.passed and len(result.trials) == len(exercises.RECEPTIVE_FIELD_PROBLEMS)


@pytest.mark.parametrize("start", list(FIELD_SLIPS))
def test_each_receptive_field_slip_is_named(start):
    result = exercises.check_exercise_receptive_field(FIELD_SLIPS[start])
    assert result.status == "FAIL"
    assert result.diagnosis and all(d.startswith(start) for d in result.diagnosis), result


def test_only_the_sum_of_kernel_sizes_fails_a_plain_stack():
    for start, slip in FIELD_SLIPS.items():
        trials = exercises.check_exercise_receptive_field(slip).trials
        assert trials[0].passed == (start != "You added up the kernel sizes"), start


def test_the_receptive_field_gets_lists_and_stubs_are_reported():
    seen = []

    def record(kernels, strides, dilations):
        seen.append(tuple(map(type, (kernels, strides, dilations))))
        kernels.clear()  # changing its arguments in place spoils no later check
        return receptive_field(kernels, strides, dilations)

    result = exercises.check_exercise_receptive_field(record)
    assert set(seen) == {(list, list, list)} and result.status == "FAIL"
    assert exercises.check_exercise_receptive_field(receptive_field).passed

    def stub(kernels, strides, dilations):
        raise NotImplementedError

    assert exercises.check_exercise_receptive_field(stub).status == "NOT ATTEMPTED"
    with pytest.raises(AssertionError, match="NOT ATTEMPTED"):
        exercises.check_exercise_receptive_field(stub, strict=True)
    result = exercises.check_exercise_receptive_field(lambda *args: None)
    assert "is a `return` missing?" in result.diagnosis[0]
    result = exercises.check_exercise_receptive_field(lambda ks, ss, ds: [5, 5])
    assert "fn([3, 3], [1, 1], [1, 1]) returned [5, 5], not one number" in str(result)


@pytest.mark.parametrize(
    "checker, solution",
    [
        (exercises.check_exercise_output_size, output_size),
        (exercises.check_exercise_conv2d_forward, correlate),
        (exercises.check_exercise_conv_matrix, conv_matrix),
        (exercises.check_exercise_receptive_field, receptive_field),
    ],
    ids=lambda f: f.__name__,
)
def test_a_function_not_passed_itself_or_a_strict_not_a_bool_is_refused(checker, solution):
    with pytest.raises(TypeError, match="fn must be a function itself"):
        checker(3)
    with pytest.raises(TypeError, match="strict must be True or False"):
        checker(solution, strict="yes")


def test_a_stub_and_a_crash_are_reported_not_raised():
    def stub(*args):
        raise NotImplementedError

    for checker in (exercises.check_exercise_conv2d_forward, exercises.check_exercise_conv_matrix):
        assert checker(stub).status == "NOT ATTEMPTED"
        result = checker(lambda *args: args[99])
        assert result.status == "FAIL" and "IndexError" in str(result)


# --- docstrings ------------------------------------------------------------------------------


def constant_docstring(module, name):
    """The string literal right after ``name = ...`` at module level (Sphinx's attribute doc)."""
    body = ast.parse(inspect.getsource(module)).body
    for statement, after in zip(body, body[1:]):
        if isinstance(statement, ast.Assign) and name in [t.id for t in statement.targets]:
            return after.value.value
    raise LookupError(name)


def test_the_matrix_problems_doc_states_each_matrix_shape():
    """'M is 6x12, then 6x12 ..., then 25x20': each M's shape, in order, as conv_matrix gives it."""
    doc = constant_docstring(exercises, "MATRIX_PROBLEMS")
    stated = [tuple(map(int, m)) for m in re.findall(r"(\d+)x(\d+)", doc)]
    shapes = [
        explained_matrix(in_hw, np.ones(kernel_hw), stride=s, padding=p).shape
        for in_hw, kernel_hw, s, p in exercises.MATRIX_PROBLEMS
    ]
    assert stated == shapes
