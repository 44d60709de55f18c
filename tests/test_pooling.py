"""Max and average pooling: gradients, overlap, ties, padding, naive == vectorised, errors."""

import numpy as np
import pytest
from conftest import distinct
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients

POOLS = {
    "max": (F.maxpool2d_forward, F.maxpool2d_backward),
    "avg": (F.avgpool2d_forward, F.avgpool2d_backward),
}
NAIVE = {
    "max": (F.maxpool2d_forward_naive, F.maxpool2d_backward_naive),
    "avg": (F.avgpool2d_forward_naive, F.avgpool2d_backward_naive),
}

# (x shape, kernel_size, stride, padding): H != W, KH != KW, remainder rows, overlap, padding
CASES = [
    ((2, 3, 6, 8), 2, None, 0),  # windows tile the input exactly
    ((2, 2, 7, 5), 2, None, 0),  # remainder row and column dropped (floor)
    ((1, 2, 7, 6), 3, 2, 0),  # overlapping windows (stride < kernel), remainder
    ((2, 1, 5, 7), (2, 3), (1, 2), (1, 1)),  # KH != KW, overlap in H, padding
    ((1, 2, 6, 5), (3, 2), 1, (1, 0)),  # stride 1: every element in several windows
    ((1, 1, 9, 4), (3, 1), (3, 2), (1, 0)),  # stride > kernel along W: gaps between windows
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding"), CASES)
def test_gradient_matches_finite_differences(kind, shape, kernel, stride, padding):
    rng = np.random.default_rng(0)
    forward, backward = POOLS[kind]
    x = distinct(rng, shape)
    out, cache = forward(x, kernel, stride=stride, padding=padding)
    dout = rng.standard_normal(out.shape)  # random upstream gradient on every element
    dx = backward(dout, cache)
    assert dx.shape == x.shape
    assert_gradients(
        lambda x: forward(x, kernel, stride=stride, padding=padding)[0], [x], [dx], dout
    )


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("shape", "kernel", "stride", "padding"), CASES)
def test_vectorised_equals_naive(kind, shape, kernel, stride, padding):
    rng = np.random.default_rng(1)
    x = rng.integers(-2, 3, shape).astype(float)  # small integers: plenty of ties
    (forward, backward), (forward_naive, backward_naive) = POOLS[kind], NAIVE[kind]
    out, cache = forward(x, kernel, stride=stride, padding=padding)
    out_naive, cache_naive = forward_naive(x, kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)
    np.testing.assert_allclose(dx, backward_naive(dout, cache_naive), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, backward(dout, cache_naive), rtol=1e-12, atol=1e-12)


def test_overlapping_windows_accumulate():
    # The centre, 9, is the max of all four 2x2 windows (stride 1), so its gradient is the sum
    # of the four upstream values; a backward that assigns would keep only one of them.
    x = np.array([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]])
    out, cache = F.maxpool2d_forward(x, 2, stride=1)
    np.testing.assert_array_equal(out, [[[[9.0, 9.0], [9.0, 9.0]]]])
    dout = np.array([[[[0.5, -2.0], [3.0, 0.25]]]])
    dx = F.maxpool2d_backward(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 0.5 - 2.0 + 3.0 + 0.25
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(F.maxpool2d_backward_naive(dout, cache), expected)


def test_overlapping_average_windows_accumulate():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    out, cache = F.avgpool2d_forward(x, 2, stride=1)
    dx = F.avgpool2d_backward(np.ones_like(out), cache)
    # each element receives 1/4 from every window that holds it: 1, 2 or 4 windows
    np.testing.assert_allclose(dx[0, 0], [[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]])


@pytest.mark.parametrize(
    ("window", "winner"),
    [
        ([[1.0, 1.0], [1.0, 1.0]], (0, 0)),  # all equal: the first element
        ([[0.0, 5.0], [5.0, 0.0]], (0, 1)),  # row-major order: (0, 1) before (1, 0)
        ([[0.0, 0.0, 5.0], [5.0, 0.0, 0.0], [0.0, 5.0, 0.0]], (0, 2)),  # not column-major
        ([[0.0, 1.0, 0.0], [2.0, 0.0, 2.0], [0.0, 2.0, 0.0]], (1, 0)),
    ],
)
def test_ties_send_the_gradient_to_the_first_max_in_row_major_order(window, winner):
    # PyTorch's max_pool2d picks the first max in row-major window order (checked against
    # torch 2.13 when these cases were written); exactly one element gets the gradient.
    x = np.array(window)[None, None]
    out, cache = F.maxpool2d_forward(x, x.shape[2:])
    for backward in (F.maxpool2d_backward, F.maxpool2d_backward_naive):
        dx = backward(np.full(out.shape, 2.5), cache)
        assert np.count_nonzero(dx) == 1
        assert dx[(0, 0, *winner)] == 2.5


def test_tie_shared_by_overlapping_windows():
    # Two windows (stride 1) share the tied maxima; each picks its own first max.
    x = np.array([[[[3.0, 3.0, 3.0]]]])
    out, cache = F.maxpool2d_forward(x, (1, 2), stride=1)
    dx = F.maxpool2d_backward(np.array([[[[1.0, 10.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[1.0, 10.0, 0.0]]]])


def test_max_padding_is_minus_infinity_and_never_wins():
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # all negative: zero padding would win
    out, cache = F.maxpool2d_forward(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(out, [[[[-1.0, -2.0], [-4.0, -5.0]]]])
    dx = F.maxpool2d_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])


def test_avg_padding_zeros_count_in_the_average():
    # count_include_pad=True: a corner window holds one input and three padding zeros
    out, _ = F.avgpool2d_forward(np.ones((1, 1, 3, 3)), 2, stride=2, padding=1)
    np.testing.assert_allclose(out, [[[[0.25, 0.5], [0.5, 1.0]]]])


def test_stride_defaults_to_kernel_size_and_floor_drops_remainder():
    x = np.arange(35.0).reshape(1, 1, 5, 7)
    out, _ = F.maxpool2d_forward(x, 2)
    assert out.shape == (1, 1, 2, 3)
    np.testing.assert_array_equal(out[0, 0], [[8.0, 10.0, 12.0], [22.0, 24.0, 26.0]])
    out, _ = F.avgpool2d_forward(x, (2, 3))
    assert out.shape == (1, 1, 2, 2)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_input_not_mutated(kind, dtype):
    forward, backward = POOLS[kind]
    x = np.random.default_rng(2).standard_normal((2, 2, 5, 4)).astype(dtype)
    before = x.copy()
    out, cache = forward(x, 3, stride=1, padding=1)
    dx = backward(np.ones(out.shape, dtype), cache)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


def test_one_by_one_window_is_a_copy():
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 3))
    out, cache = F.maxpool2d_forward(x, 1)
    np.testing.assert_array_equal(out, x)
    assert not np.shares_memory(out, x)
    dout = np.ones_like(out)
    np.testing.assert_array_equal(F.maxpool2d_backward(dout, cache), dout)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_bad_arguments_raise_clear_errors(kind):
    forward, backward = POOLS[kind]
    x = np.zeros((1, 1, 4, 5))
    with pytest.raises(ValueError, match="kernel 3x6 does not fit padded input 4x5"):
        forward(x, (3, 6))
    with pytest.raises(ValueError, match="kernel 4x4 does not fit padded input 3x3"):
        forward(np.zeros((1, 1, 1, 1)), 4, padding=1)
    with pytest.raises(ValueError, match="padding .* at most half the kernel size 2x2"):
        forward(x, 2, padding=2)
    with pytest.raises(ValueError, match="x must be 4-D"):
        forward(np.zeros((4, 5)), 2)
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        forward(np.zeros((1, 1, 4, 4), dtype=int), 2)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        forward(x, 2, stride=0)
    with pytest.raises(TypeError, match="kernel_size"):
        forward(x, 2.0)
    out, cache = forward(x, 2)
    with pytest.raises(ValueError, match=r"dout must have shape \(1, 1, 2, 2\)"):
        backward(np.zeros((1, 1, 2, 3)), cache)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 2),  # N
    st.integers(1, 2),  # C
    st.integers(1, 7),  # H
    st.integers(1, 7),  # W
    st.integers(1, 3),  # KH
    st.integers(1, 3),  # KW
    st.integers(1, 3),  # stride h
    st.integers(1, 3),  # stride w
    st.data(),
)
def test_property_random_geometry(n, c, h, w, kh, kw, sh, sw, data):
    ph = data.draw(st.integers(0, kh // 2))
    pw = data.draw(st.integers(0, kw // 2))
    if kh > h + 2 * ph or kw > w + 2 * pw:
        with pytest.raises(ValueError, match="does not fit"):
            F.maxpool2d_forward(np.zeros((n, c, h, w)), (kh, kw), stride=(sh, sw), padding=(ph, pw))
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = distinct(rng, (n, c, h, w))
    kwargs = {"stride": (sh, sw), "padding": (ph, pw)}
    for kind in ("max", "avg"):
        (forward, backward), (forward_naive, backward_naive) = POOLS[kind], NAIVE[kind]
        out, cache = forward(x, (kh, kw), **kwargs)
        assert out.shape == (n, c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
        dout = rng.standard_normal(out.shape)
        dx = backward(dout, cache)
        assert_gradients(lambda x, f=forward: f(x, (kh, kw), **kwargs)[0], [x], [dx], dout)
        out_naive, cache_naive = forward_naive(x, (kh, kw), **kwargs)
        np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, backward_naive(dout, cache_naive), rtol=1e-12, atol=1e-12)
