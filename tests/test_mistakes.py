"""The catalogue of wrong kernel gradients: each computes what it says, and each is proved wrong.

Every mistake is rejected by the exact SymPy identity on a configuration where the right closed
form is proved, and differs numerically from the core's backward pass on the same numbers.
"""

import ast
import inspect

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core import validation
from cnnbp_core.book.exercises import conv as exercises
from cnnbp_core.book.mistakes import FEATURES, DoesNotFit
from cnnbp_core.book.mistakes import KERNEL_GRADIENT_MISTAKES as MISTAKES
from cnnbp_core.book.mistakes import conv as catalogue
from cnnbp_core.geometry import pad
from cnnbp_core.symbolic import (
    evaluate,
    gradient_identity_holds,
    kernel_gradient_closed_form,
    tensor,
)

# non-square kernel, N = 2, C_in = C_out = 2, stride 2 with a leftover column (a ceil-sized
# W_out changes the length of delta's rows) and no leftover row (so a shift by the leftover
# differs from a shift by a padding ring), padding 1, and H_out = W_out = 3 (so a
# quarter-turned delta still fits K's taps)
STANDARD = {"x_shape": (2, 2, 5, 5), "w_shape": (2, 2, 3, 2), "stride": 2, "padding": 1}
KERNEL_HW = STANDARD["w_shape"][2:]
REQUIRED = {
    "flipped_delta",
    "operands_swapped",
    "rotated_90",
    "batch_mean",
    "channels_swapped",
    "delta_not_dilated",
    "padding_plus_one",
    "padding_minus_one",
    "leftover_rows_first",
    "last_row_dropped",
    "ceil_output_size",
}


def float_problem(config, seed=0):
    """Xp, delta and the core's dK (conv2d_backward) for random numbers on a configuration."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(config["x_shape"]), rng.standard_normal(config["w_shape"])
    hyper = {k: config.get(k, d) for k, d in (("stride", 1), ("padding", 0), ("dilation", 1))}
    y, cache = F.conv2d_forward(x, w, **hyper)
    delta = rng.standard_normal(y.shape)
    _, dw, _ = F.conv2d_backward(delta, cache)
    p = hyper["padding"]
    return pad(x, (p, p)), delta, dw, hyper


def test_the_catalogue_holds_every_required_mistake():
    assert REQUIRED <= set(MISTAKES)
    assert all(name == m.name for name, m in MISTAKES.items())


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_entry_says_in_one_line_what_goes_wrong(name):
    m = MISTAKES[name]
    for text in (m.description, m.diagnosis, m.needs):
        assert "\n" not in text
    assert m.description and m.diagnosis.endswith(".")


def test_the_mistakes_that_shipped_in_public_code_say_where_and_no_more():
    # exactly what the project's notes on public bugs support (kind of project, no names)
    shipped = {name: m.shipped for name, m in MISTAKES.items() if m.shipped}
    assert shipped == {
        "rotated_90": "a related slip, rotating a non-square kernel wrongly, shipped in a C++ "
        "machine-learning library",
        "delta_not_dilated": "stride missing in a course's conv backward, shipped in a popular "
        "solutions repository",
        "ceil_output_size": "a wrong output-size formula with stride shipped in a CUDA teaching "
        "project",
    }
    assert "KW×KH" in MISTAKES["rotated_90"].needs  # how it shows on a non-square kernel
    assert "C_in = C_out" in MISTAKES["channels_swapped"].description


def test_the_right_closed_form_is_proved_on_every_configuration_used_below():
    configs = [STANDARD] + [m.example for m in MISTAKES.values()]
    assert all(gradient_identity_holds(**config) for config in configs)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_the_exact_identity_rejects_each_mistake(name):
    m = MISTAKES[name]
    assert gradient_identity_holds(**STANDARD, closed_form=m) is False
    assert gradient_identity_holds(**m.example, closed_form=m) is False


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_differs_from_the_core_backward(name):
    xp, delta, dw, hyper = float_problem(STANDARD)
    got = MISTAKES[name](xp, delta, KERNEL_HW, stride=hyper["stride"])
    assert got.dtype == np.float64 and got.shape == dw.shape
    assert not np.allclose(got, dw, rtol=1e-3, atol=1e-3)
    right = kernel_gradient_closed_form(xp, delta, KERNEL_HW, stride=hyper["stride"])
    np.testing.assert_allclose(right.astype(float), dw, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_symbols_and_floats_give_the_same_wrong_answer(name):
    xp, delta, _, hyper = float_problem(STANDARD, seed=1)
    X, D = tensor("X", xp.shape), tensor("d", delta.shape)
    symbolic = MISTAKES[name](X, D, KERNEL_HW, stride=(2, 2))
    assert symbolic.dtype == object
    numbers = evaluate(symbolic, [(X, xp), (D, delta)])
    np.testing.assert_allclose(numbers, MISTAKES[name](xp, delta, KERNEL_HW, stride=2), atol=1e-12)


# --- each mistake computes what its description says: loops, written independently -------------


def loops(xp, delta, kernel_hw, stride, read=None):
    """dK[f,c,u,v] = sum_{n,i,j} delta[n,f,i,j] * read(xp, n, c, i*s + u, j*s + v), dilation 1."""
    read = read or (lambda a, n, c, h, w: a[n, c, h, w])
    (n_, f_, ho, wo), c_ = delta.shape, xp.shape[1]
    dk = np.zeros((f_, c_, *kernel_hw))
    for f, c, u, v in np.ndindex(dk.shape):
        for n, i, j in np.ndindex(n_, ho, wo):
            dk[f, c, u, v] += delta[n, f, i, j] * read(xp, n, c, i * stride + u, j * stride + v)
    return dk


def zero_outside(shift):
    def read(a, n, c, h, w):
        h, w = h + shift, w + shift
        inside = 0 <= h < a.shape[2] and 0 <= w < a.shape[3]
        return a[n, c, h, w] if inside else 0.0

    return read


def reference(name, xp, delta, kernel_hw, s):
    right = loops(xp, delta, kernel_hw, s)
    if name == "flipped_delta":
        return loops(xp, delta[:, :, ::-1, ::-1], kernel_hw, s)
    if name == "operands_swapped":
        return right[:, :, ::-1, ::-1]
    if name == "rotated_90":  # X * rot90(delta), * a true convolution: correlate with rot270
        return loops(xp, np.rot90(delta, k=-1, axes=(2, 3)), kernel_hw, s)
    if name == "batch_mean":
        return right / len(xp)
    if name == "channels_swapped":
        return right.transpose(1, 0, 2, 3)
    if name == "delta_not_dilated":
        return loops(xp, delta, kernel_hw, 1)
    if name == "padding_plus_one":
        return loops(xp, delta, kernel_hw, s, zero_outside(-1))
    if name == "padding_minus_one":
        return loops(xp, delta, kernel_hw, s, zero_outside(+1))
    if name == "leftover_rows_first":
        rows = xp.shape[2] - ((delta.shape[2] - 1) * s + kernel_hw[0])
        cols = xp.shape[3] - ((delta.shape[3] - 1) * s + kernel_hw[1])
        return loops(xp[:, :, rows:, cols:], delta, kernel_hw, s)
    if name == "last_row_dropped":
        return loops(xp, delta[:, :, :-1, :-1], kernel_hw, s)
    if name == "ceil_output_size":
        rows = -(-(xp.shape[2] - kernel_hw[0]) // s) + 1
        cols = -(-(xp.shape[3] - kernel_hw[1]) // s) + 1
        flat = np.zeros((*delta.shape[:2], rows * cols))
        flat[:, :, : delta[0, 0].size] = delta.reshape(*delta.shape[:2], -1)
        return loops(xp, flat.reshape(*delta.shape[:2], rows, cols), kernel_hw, s, zero_outside(0))
    raise KeyError(name)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_computes_what_its_description_says(name):
    xp, delta, _, hyper = float_problem(STANDARD, seed=2)
    expected = reference(name, xp, delta, KERNEL_HW, hyper["stride"])
    np.testing.assert_allclose(MISTAKES[name](xp, delta, KERNEL_HW, stride=2), expected, atol=1e-12)


def test_in_1d_the_flip_is_np_convolve_and_the_swap_is_np_correlate_with_operands_swapped():
    rng = np.random.default_rng(3)
    x, delta = rng.standard_normal(7), rng.standard_normal(4)

    def as_1d(name):
        return MISTAKES[name](x[None, None, None], delta[None, None, None], (1, 4))[0, 0, 0]

    np.testing.assert_allclose(as_1d("flipped_delta"), np.convolve(x, delta, "valid"))
    np.testing.assert_allclose(as_1d("operands_swapped"), np.correlate(delta, x, "valid"))


def test_mistakes_that_need_a_shape_say_so_by_their_shape():
    rng = np.random.default_rng(4)
    xp, delta = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 2, 3, 2))  # K 2x3
    assert MISTAKES["channels_swapped"](xp, delta, (2, 3)).shape == (3, 2, 2, 3)
    with pytest.raises(ValueError, match="more output pixels"):  # H_out != W_out
        MISTAKES["rotated_90"](xp, delta, (2, 3))


def test_mistakes_that_need_a_batch_or_a_stride_are_right_without_one():
    xp, delta, dw, _ = float_problem({"x_shape": (1, 1, 4, 5), "w_shape": (1, 1, 2, 3)})
    for name in ("batch_mean", "delta_not_dilated", "leftover_rows_first", "ceil_output_size"):
        np.testing.assert_allclose(MISTAKES[name](xp, delta, (2, 3)), dw, atol=1e-12)


def test_a_quarter_turn_that_does_not_fit_raises_does_not_fit():
    xp, delta = np.zeros((1, 1, 4, 5)), np.zeros((1, 1, 3, 2))  # K 2x4: H_out 3 != W_out 2
    with pytest.raises(DoesNotFit, match="more output pixels") as raised:
        MISTAKES["rotated_90"](xp, delta, (2, 4))
    assert isinstance(raised.value, ValueError)
    with pytest.raises(ValueError, match="does not fit padded input") as raised:  # a real error
        MISTAKES["rotated_90"](np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), (3, 3))
    assert not isinstance(raised.value, DoesNotFit)


def test_each_mistake_says_which_problems_it_is_possible_on():
    requires = {name: set(m.requires) for name, m in MISTAKES.items()}
    assert requires["padding_plus_one"] == requires["padding_minus_one"] == {"padding"}
    assert requires["batch_mean"] == {"batch"}
    assert {"stride"} == requires["delta_not_dilated"] == requires["ceil_output_size"]
    assert "2-D" in requires["last_row_dropped"]
    assert all(r <= set(FEATURES) for r in requires.values())
    assert MISTAKES["batch_mean"].applies({"batch"}) and not MISTAKES["batch_mean"].applies(())
    with pytest.raises(ValueError, match="features may only name"):
        MISTAKES["batch_mean"].applies({"channels"})


def test_shared_rules_are_written_once():
    assert validation.is_numeric([[1.0, 2.0]]) and validation.is_numeric(np.arange(3))
    assert not validation.is_numeric(tensor("X", (1, 2)))
    assert not validation.is_numeric([[1.0], [1.0, 2.0]])  # ragged
    for module in (catalogue, exercises):
        tree = ast.parse(inspect.getsource(module))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert not defined & {"_is_numeric", "is_numeric", "kernel_gradient_args"}, module
        assert not {"_jacobian", "_receptive_fields"} <= defined, module  # one route to dY/dK
    source = inspect.getsource(catalogue.Mistake.__call__)
    assert "kernel_gradient_args" in source and "as_object_array" not in source


def test_a_mistake_checks_its_arguments_like_the_closed_form():
    with pytest.raises(ValueError, match="xp must be 4-D"):
        MISTAKES["batch_mean"](np.zeros((2, 2)), np.zeros((1, 1, 1, 1)), 1)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        MISTAKES["batch_mean"](np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 1)), 2, stride=0)
