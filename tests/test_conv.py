"""conv2d: vectorised == loops, backward == finite differences, adjoint identity, bad input."""

import itertools

import numpy as np
import pytest
from conftest import conv_problem

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients

# (N, C_in, H, W, C_out, KH, KW, stride, padding, dilation): H != W, KH != KW, stride 2 and 3
# with remainder rows, padding 0-2, dilation 1-2, several channels and samples.
CONFIGS = [
    (1, 1, 5, 5, 1, 3, 3, 1, 0, 1),
    (2, 3, 7, 5, 4, 3, 2, 1, 1, 1),
    (2, 2, 8, 7, 3, 2, 3, 2, 0, 1),
    (1, 2, 9, 8, 2, 3, 3, 3, 2, 1),
    (2, 1, 8, 9, 2, 2, 2, 1, 2, 2),
    (1, 3, 10, 7, 2, 3, 2, (2, 3), (1, 0), (2, 1)),
    (3, 2, 6, 6, 1, 1, 1, 2, 1, 1),
    (2, 2, 7, 11, 3, 3, 1, 3, 0, 2),
]


def make(cfg, rng, dtype=np.float64):
    n, c, h, w, f, kh, kw, s, p, d = cfg
    x, k, b = conv_problem((n, c, h, w), (f, c, kh, kw), rng, dtype)
    return x, k, b, {"stride": s, "padding": p, "dilation": d}


@pytest.mark.parametrize("cfg", CONFIGS)
def test_vectorised_equals_naive(cfg, conv_forward):
    rng = np.random.default_rng(0)
    x, k, b, hp = make(cfg, rng)
    out, cache = conv_forward(x, k, b, **hp)
    ref, ref_cache = F.conv2d_forward_naive(x, k, b, **hp)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for got, want in zip(F.conv2d_backward(dout, cache), F.conv2d_backward_naive(dout, ref_cache)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_backward_matches_finite_differences(cfg, conv_forward):
    rng = np.random.default_rng(1)
    x, k, b, hp = make(cfg, rng)
    out, cache = conv_forward(x, k, b, **hp)
    dout = rng.standard_normal(out.shape)
    grads = F.conv2d_backward(dout, cache)

    def forward(x, k, b):
        return conv_forward(x, k, b, **hp)[0]

    assert_gradients(forward, [x, k, b], grads, dout, names=["x", "w", "b"])


def test_backward_naive_matches_finite_differences():
    rng = np.random.default_rng(2)
    x, k, b, hp = make(CONFIGS[5], rng)
    out, cache = F.conv2d_forward_naive(x, k, b, **hp)
    dout = rng.standard_normal(out.shape)
    grads = F.conv2d_backward_naive(dout, cache)
    assert_gradients(
        lambda x, k, b: F.conv2d_forward_naive(x, k, b, **hp)[0], [x, k, b], grads, dout
    )


@pytest.mark.parametrize("cfg", CONFIGS)
def test_adjoint_identity(cfg, conv_forward):
    # Without bias the conv is linear in x: <conv(x), y> = <x, dL/dx for upstream y>.
    rng = np.random.default_rng(3)
    x, k, _, hp = make(cfg, rng)
    out, cache = conv_forward(x, k, **hp)
    y = rng.standard_normal(out.shape)
    dx, _, db = F.conv2d_backward(y, cache)
    assert db is None
    np.testing.assert_allclose(np.sum(out * y), np.sum(x * dx), rtol=1e-12)


def test_a_wrong_backward_is_caught(conv_forward):
    # The check must be able to fail: a flipped kernel gradient is rejected.
    rng = np.random.default_rng(4)
    x, k, b, hp = make(CONFIGS[1], rng)
    out, cache = conv_forward(x, k, b, **hp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = F.conv2d_backward(dout, cache)
    with pytest.raises(AssertionError, match="FAIL"):
        assert_gradients(
            lambda x, k, b: conv_forward(x, k, b, **hp)[0],
            [x, k, b],
            [dx, dw[:, :, ::-1, ::-1], db],
            dout,
        )


def test_output_shape_formula(conv_forward):
    for h, k, s, p, d in itertools.product(range(3, 9), range(1, 4), range(1, 4), range(3), (1, 2)):
        if d * (k - 1) + 1 > h + 2 * p:
            continue
        x = np.zeros((1, 1, h, h + 1))
        out, _ = conv_forward(x, np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d)
        expected = (h + 2 * p - d * (k - 1) - 1) // s + 1
        assert out.shape[2] == expected


def test_float32_stays_float32_and_float64_default(conv_forward):
    rng = np.random.default_rng(5)
    x, k, b, hp = make(CONFIGS[2], rng, np.float32)
    out, cache = conv_forward(x, k, b, **hp)
    assert out.dtype == np.float32
    grads = F.conv2d_backward(np.ones(out.shape, np.float64), cache)
    assert all(g.dtype == np.float32 for g in grads)
    ref, _ = conv_forward(x.astype(np.float64), k.astype(np.float64), b.astype(np.float64), **hp)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_nested_lists_are_accepted(conv_forward):
    x = [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]
    w = [[[[1.0, 0.0], [0.0, -1.0]]]]
    out, _ = conv_forward(x, w, [0.5])
    np.testing.assert_array_equal(out, [[[[1 - 5 + 0.5, 2 - 6 + 0.5], [4 - 8 + 0.5, 5 - 9 + 0.5]]]])


def test_empty_batch(conv_forward):
    # An empty batch has no terms to sum: dK and db are exactly zero whatever dout would be.
    # The same calls on one sample, with a non-zero upstream gradient, must give non-zero
    # gradients, so the zeros above cannot come from a backward that ignores its input.
    w = np.ones((3, 2, 3, 3))
    for n in (0, 1):
        x = np.ones((n, 2, 6, 5))
        out, cache = conv_forward(x, w, np.zeros(3), padding=1)
        assert out.shape == (n, 3, 6, 5)
        dx, dw, db = F.conv2d_backward(np.ones(out.shape), cache)
        assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (3,)
        assert dw.any() == db.any() == dx.any() == (n > 0)


def test_nan_and_inf_propagate(conv_forward):
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0], x[0, 0, 3, 3] = np.nan, np.inf
    out, cache = conv_forward(x, np.ones((1, 1, 2, 2)))
    assert np.isnan(out[0, 0, 0, 0]) and np.isinf(out[0, 0, 2, 2]) and out[0, 0, 0, 2] == 0
    dx, dw, _ = F.conv2d_backward(np.ones(out.shape), cache)
    # Only the taps whose windows read the NaN (tap (0, 0)) or the inf (tap (1, 1)) are poisoned.
    assert np.isnan(dw[0, 0, 0, 0]) and np.isinf(dw[0, 0, 1, 1]) and dw[0, 0, 0, 1] == 0
    assert np.isfinite(dx).all()


def test_bias_none_gives_db_none(conv_forward):
    out, cache = conv_forward(np.ones((1, 1, 3, 3)), np.ones((2, 1, 2, 2)))
    assert F.conv2d_backward(np.ones(out.shape), cache)[2] is None


def test_inputs_are_not_mutated(conv_forward):
    rng = np.random.default_rng(6)
    x, k, b, hp = make(CONFIGS[3], rng)
    copies = [a.copy() for a in (x, k, b)]
    out, cache = conv_forward(x, k, b, **hp)
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    F.conv2d_backward(dout, cache)
    for a, c in zip((x, k, b, dout), (*copies, dout_copy)):
        np.testing.assert_array_equal(a, c)


X, W = np.zeros((2, 3, 6, 6)), np.zeros((4, 3, 3, 3))
BAD_INPUTS = [
    ({"x": np.zeros((3, 6, 6))}, ValueError, r"x must be 4-D; got shape \(3, 6, 6\)"),
    ({"w": np.zeros((4, 3, 3))}, ValueError, r"w must be 4-D"),
    ({"w": np.zeros((4, 2, 3, 3))}, ValueError, r"channel mismatch: x has C_in=3.*C_in=2"),
    ({"b": np.zeros(3)}, ValueError, r"b must have shape \(4,\).*got \(3,\)"),
    ({"b": np.zeros((4, 1))}, ValueError, r"b must have shape \(4,\)"),
    ({"stride": 0}, ValueError, r"stride must be >= 1; got 0"),
    ({"stride": (1, -2)}, ValueError, r"stride must be >= 1"),
    ({"stride": 1.5}, TypeError, r"stride must be an int"),
    ({"stride": True}, TypeError, r"stride must be an int"),
    ({"stride": (1, 2, 3)}, ValueError, r"stride must be an int or an \(h, w\) pair"),
    ({"dilation": 0}, ValueError, r"dilation must be >= 1"),
    ({"dilation": 2.0}, TypeError, r"dilation must be an int"),
    ({"padding": -1}, ValueError, r"padding must be >= 0; got -1"),
    ({"w": np.zeros((4, 3, 7, 3))}, ValueError, r"kernel 7x3 does not fit padded input 6x6"),
    ({"dilation": 3}, ValueError, r"kernel 3x3 \(dilated 7x7\) does not fit padded input 6x6"),
    ({"x": np.zeros((2, 3, 6, 6), dtype=int)}, TypeError, r"x must have a floating dtype.*int64"),
    ({"w": np.ones((4, 3, 3, 3), dtype=bool)}, TypeError, r"w must have a floating dtype.*bool"),
    ({"x": np.full((2, 3, 6, 6), "a")}, TypeError, r"x must have a floating dtype"),
    ({"b": np.zeros(4, dtype=complex)}, TypeError, r"b must have a floating dtype"),
]


@pytest.mark.parametrize("conv", [F.conv2d_forward, F.conv2d_forward_naive])
@pytest.mark.parametrize(("change", "error", "message"), BAD_INPUTS)
def test_bad_input_is_named(conv, change, error, message):
    args = {"x": X, "w": W, "b": None, "stride": 1, "padding": 0, "dilation": 1} | change
    with pytest.raises(error, match=message):
        conv(args.pop("x"), args.pop("w"), args.pop("b"), **args)


@pytest.mark.parametrize("backward", [F.conv2d_backward, F.conv2d_backward_naive])
def test_dout_of_the_wrong_shape(backward, conv_forward):
    out, cache = conv_forward(X, W, stride=2)
    with pytest.raises(
        ValueError, match=r"dout must have shape \(2, 4, 2, 2\).*got \(2, 4, 2, 3\)"
    ):
        backward(np.zeros((2, 4, 2, 3)), cache)
    with pytest.raises(TypeError, match="dout must have a floating dtype"):
        backward(np.zeros(out.shape, dtype=int), cache)


def test_zero_size_kernel_names_w(conv_forward):
    with pytest.raises(
        ValueError, match=r"w must have C_in, KH, KW >= 1; got shape \(1, 1, 0, 2\)"
    ):
        conv_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 0, 2)))


def test_dilate2d_inserts_zeros_and_states_the_strided_kernel_gradient(conv_forward):
    np.testing.assert_array_equal(
        F.dilate2d([[1, 2], [3, 4]], (2, 3)), [[1, 0, 0, 2], [0] * 4, [3, 0, 0, 4]]
    )
    # dL/dK[u, v] = (Xp correlated with delta dilated by s)[u*d, v*d], here s = 2, d = 2.
    rng = np.random.default_rng(7)
    x, k = rng.standard_normal((1, 1, 9, 8)), rng.standard_normal((1, 1, 2, 3))
    out, cache = conv_forward(x, k, stride=2, dilation=2)
    delta = rng.standard_normal(out.shape)
    dk = F.conv2d_backward(delta, cache)[1][0, 0]
    big = F.dilate2d(delta[0, 0], 2)
    corr = np.array(
        [
            [
                np.sum(x[0, 0, a : a + big.shape[0], b : b + big.shape[1]] * big)
                for b in range(8 - big.shape[1] + 1)
            ]
            for a in range(9 - big.shape[0] + 1)
        ]
    )
    np.testing.assert_allclose(corr[::2, ::2][:2, :3], dk, atol=1e-12)
    with pytest.raises(ValueError, match="factor must be >= 1"):
        F.dilate2d(np.zeros((2, 2)), 0)


def test_layout_is_an_explicit_choice_recorded_in_the_cache():
    rng = np.random.default_rng(8)
    x, k, b, hp = make(CONFIGS[1], rng)
    results, dout = {}, None
    for layout in F.LAYOUTS:
        out, cache = F.conv2d_forward(x, k, b, layout=layout, **hp)
        dout = rng.standard_normal(out.shape) if dout is None else dout
        assert cache.layout == layout
        results[layout] = (out, *F.conv2d_backward(dout, cache))
    for got, want in zip(*results.values()):
        np.testing.assert_allclose(got, want, atol=1e-12)
    # layout=None picks by the output's width: short rows go batch last
    assert F.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)))[1].layout == "batch_last"
    assert F.conv2d_forward(np.ones((1, 1, 4, 20)), np.ones((1, 1, 3, 3)))[1].layout == "per_sample"
    with pytest.raises(ValueError, match=r"layout must be one of \(None, 'per_sample'"):
        F.conv2d_forward(x, k, layout="rows")
