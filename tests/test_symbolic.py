"""symbolic: names, forward == numeric conv2d, SymPy's gradients == backward, exact identity."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbp_core import functional as F
from cnnbp_core import symbolic as S
from cnnbp_core.geometry import conv2d_output_shape

# (N, C_in, H, W, C_out, KH, KW, stride, padding, dilation): H != W, KH != KW, stride 2 with a
# remainder row and column, padding 1-2 (with windows that read only padding), dilation 2.
CONFIGS = [
    (1, 1, 4, 4, 1, 2, 2, 1, 0, 1),
    (2, 2, 6, 5, 2, 3, 2, 2, 0, 1),
    (1, 2, 4, 5, 2, 2, 3, 1, 1, 1),
    (2, 1, 3, 4, 1, 2, 2, 1, 2, 1),
    (1, 2, 6, 5, 2, 2, 2, 1, 0, 2),
    (1, 1, 7, 6, 2, 3, 2, (2, 1), (1, 0), (2, 1)),
    (2, 2, 5, 3, 2, 1, 1, 2, 1, 1),
]

# Smaller ones for the gradients, where SymPy differentiates every entry.
GRAD_CONFIGS = [
    (1, 1, 4, 3, 1, 2, 2, 1, 0, 1),
    (2, 2, 5, 4, 2, 3, 2, 2, 0, 1),
    (1, 2, 3, 4, 2, 2, 1, 1, 1, 1),
    (1, 1, 4, 5, 2, 2, 2, 1, 2, 1),
    (2, 1, 5, 5, 1, 2, 2, 1, 0, 2),
    (1, 2, 5, 4, 1, 2, 3, (2, 1), (1, 2), (1, 1)),
]


def split(cfg):
    n, c, h, w, f, kh, kw, s, p, d = cfg
    return (n, c, h, w), (f, c, kh, kw), {"stride": s, "padding": p, "dilation": d}


def test_tensor_names_and_assumptions():
    X = S.tensor("X", (1, 2, 3))
    assert X.shape == (1, 2, 3) and X.dtype == object
    assert X[0, 1, 2] == sympy.Symbol("X_{0,1,2}", real=True)
    assert X[0, 1, 2].is_real
    assert str(S.tensor("b", 4)[3]) == "b_{3}"
    assert S.tensor("b", (4,), real=False)[3] == sympy.Symbol("b_{3}")
    assert sympy.latex(S.tensor(r"\delta", (2, 2))[1, 0]) == r"\delta_{1,0}"
    assert len(set(S.tensor("K", (2, 2, 3, 3)).flat)) == 36  # every index its own symbol


def test_tensor_bad_arguments():
    with pytest.raises(TypeError, match="name"):
        S.tensor("", (2,))
    with pytest.raises(ValueError, match="shape"):
        S.tensor("X", (2, -1))
    with pytest.raises(TypeError, match="shape"):
        S.tensor("X", (2, 1.5))


def random_values(x_shape, w_shape, rng):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    return x, w, rng.standard_normal(w_shape[0])


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_equals_numeric_forward(cfg, bias):
    x_shape, w_shape, hyper = split(cfg)
    rng = np.random.default_rng(0)
    x, w, b = random_values(x_shape, w_shape, rng)
    X, K, B = S.tensor("X", x_shape), S.tensor("K", w_shape), S.tensor("b", w_shape[0])
    Y = S.conv2d(X, K, B if bias else None, **hyper)
    expected, _ = F.conv2d_forward(x, w, b if bias else None, **hyper)
    assert Y.shape == expected.shape
    bound = [(X, x), (K, w)] + ([(B, b)] if bias else [])
    np.testing.assert_allclose(S.evaluate(Y, bound), expected, rtol=0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 2),
    f=st.integers(1, 2),
    hw=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    p=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    seed=st.integers(0, 2**32 - 1),
)
def test_conv2d_equals_numeric_forward_random(n, c, f, hw, k, s, p, d, seed):
    (h, w_), (kh, kw) = hw, k
    try:
        conv2d_output_shape(h, w_, k, stride=s, padding=p, dilation=d)
    except ValueError:
        with pytest.raises(ValueError, match="does not fit"):
            X, K = S.tensor("X", (n, c, h, w_)), S.tensor("K", (f, c, kh, kw))
            S.conv2d(X, K, stride=s, padding=p, dilation=d)
        return
    rng = np.random.default_rng(seed)
    x, w, b = random_values((n, c, h, w_), (f, c, kh, kw), rng)
    X, K, B = S.tensor("X", x.shape), S.tensor("K", w.shape), S.tensor("b", f)
    Y = S.conv2d(X, K, B, stride=s, padding=p, dilation=d)
    expected, _ = F.conv2d_forward(x, w, b, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(S.evaluate(Y, [(X, x), (K, w), (B, b)]), expected, atol=1e-12)


def test_conv2d_padding_reads_only_zeros_at_the_corner():
    # kernel 2x2 with padding 2: the corner window lies wholly in the padding, so Y there is b
    X, K, b = S.tensor("X", (1, 1, 3, 3)), S.tensor("K", (1, 1, 2, 2)), S.tensor("b", 1)
    Y = S.conv2d(X, K, b, padding=2)
    assert Y[0, 0, 0, 0] == sympy.Symbol("b_{0}", real=True)


@pytest.mark.parametrize("cfg", GRAD_CONFIGS)
@pytest.mark.parametrize("bias", [True, False])
def test_symbolic_gradients_match_conv2d_backward(cfg, bias):
    # SymPy's Y and gradients, evaluated at random float64 numbers (random upstream gradient too),
    # against the numeric core's forward and backward on the same numbers, every entry
    x_shape, w_shape, hyper = split(cfg)
    g = S.conv2d_gradients(x_shape, w_shape, bias=bias, **hyper)
    rng = np.random.default_rng(1)
    x, w, b = random_values(x_shape, w_shape, rng)
    b = b if bias else None
    y, cache = F.conv2d_forward(x, w, b, **hyper)
    dout = rng.standard_normal(y.shape)
    dx, dw, db = F.conv2d_backward(dout, cache)
    assert (g.db is None) == (db is None) == (not bias)
    bound = g.bind(x=x, w=w, b=b, dout=dout)
    pairs = {"Y": (g.Y, y), "dX": (g.dX, dx), "dK": (g.dK, dw), "db": (g.db, db)}
    for name, (symbolic, numeric) in pairs.items():
        if numeric is not None:
            got = S.evaluate(symbolic, bound)
            assert got.shape == numeric.shape, name
            np.testing.assert_allclose(got, numeric, rtol=0, atol=1e-12, err_msg=name)


def test_gradients_are_sympys_derivatives_of_L():
    # the linearity shortcut in conv2d_gradients must give exactly sympy.diff(L, s) on all of L
    g = S.conv2d_gradients((1, 2, 4, 3), (2, 2, 2, 2), stride=(2, 1), padding=1)
    for symbols, grad in ((g.X, g.dX), (g.K, g.dK), (g.b, g.db)):
        assert grad.shape == symbols.shape
        for s, d in zip(symbols.flat, grad.flat, strict=True):
            assert sympy.expand(sympy.diff(g.L, s) - d) == 0


def test_gradients_depend_on_the_upstream_gradient():
    # a check against backward would be vacuous if evaluation ignored dout: two douts must differ
    g = S.conv2d_gradients((1, 1, 4, 3), (1, 1, 2, 2), wrt=("X",))
    assert g.dK is None and g.db is None
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(g.X.shape), rng.standard_normal(g.K.shape)
    one = S.evaluate(g.dX, g.bind(x=x, w=w, dout=rng.standard_normal(g.Y.shape)))
    two = S.evaluate(g.dX, g.bind(x=x, w=w, dout=rng.standard_normal(g.Y.shape)))
    assert np.abs(one - two).max() > 1e-3


# A grid of small configurations: H, W 3..6, K 1..3, C, N <= 2, stride 1-2, padding 0-2,
# dilation 1-2; only those whose dilated kernel fits.
IDENTITY_GRID = [
    ((n, c, h, w), (f, c, kh, kw), {"stride": s, "padding": p, "dilation": d})
    for (n, c, f, h, w, kh, kw, s, p, d) in [
        (1, 1, 1, 3, 3, 1, 1, 1, 0, 1),
        (1, 1, 1, 4, 3, 2, 1, 1, 0, 1),
        (2, 1, 2, 5, 4, 3, 2, 1, 1, 1),
        (1, 2, 1, 6, 5, 2, 3, 2, 0, 1),
        (2, 2, 2, 5, 6, 3, 3, 2, 1, 1),
        (1, 2, 2, 6, 6, 2, 2, 1, 2, 2),
        (2, 1, 1, 5, 3, 3, 1, 2, 0, 2),
        (1, 1, 2, 3, 5, 1, 3, (1, 2), (2, 0), (1, 2)),
        (2, 2, 1, 4, 4, 2, 2, 2, 2, 1),
    ]
]


@pytest.mark.parametrize(("x_shape", "w_shape", "hyper"), IDENTITY_GRID)
def test_kernel_gradient_identity_holds_exactly(x_shape, w_shape, hyper):
    assert S.gradient_identity_holds(x_shape, w_shape, **hyper) is True


def flipped_closed_form(xp, delta, kernel_hw, *, stride=1, dilation=1):
    """The closed form with the kernel's row index flipped (u -> KH-1-u): a plausible mistake."""
    kh, kw = kernel_hw
    (sh, sw), (dh, dw) = stride, dilation  # gradient_identity_holds passes (h, w) pairs
    n_, f_, ho, wo = delta.shape
    dk = np.empty((f_, xp.shape[1], kh, kw), dtype=object)
    for f, c, u, v in itertools.product(range(f_), range(xp.shape[1]), range(kh), range(kw)):
        dk[f, c, u, v] = sum(
            delta[n, f, i, j] * xp[n, c, i * sh + (kh - 1 - u) * dh, j * sw + v * dw]
            for n, i, j in itertools.product(range(n_), range(ho), range(wo))
        )
    return dk


def no_dilation_closed_form(xp, delta, kernel_hw, *, stride=1, dilation=1):
    """The closed form that forgets the dilation: right only when d = 1."""
    return S.kernel_gradient_closed_form(xp, delta, kernel_hw, stride=stride, dilation=1)


def test_identity_check_rejects_wrong_closed_forms():
    cfg = ((1, 2, 5, 4), (2, 2, 2, 2), {"stride": (2, 1), "padding": 1, "dilation": 1})
    assert S.gradient_identity_holds(*cfg[:2], **cfg[2]) is True
    assert S.gradient_identity_holds(*cfg[:2], closed_form=flipped_closed_form, **cfg[2]) is False
    dilated = ((1, 1, 5, 5), (1, 1, 2, 2), {"dilation": 2})
    assert S.gradient_identity_holds(*dilated[:2], **dilated[2]) is True
    assert not S.gradient_identity_holds(
        *dilated[:2], closed_form=no_dilation_closed_form, **dilated[2]
    )


def test_identity_check_rejects_wrongly_shaped_closed_form():
    def too_small(xp, delta, kernel_hw, *, stride=1, dilation=1):
        return np.zeros((1, 1, 1, 1), dtype=object)

    with pytest.raises(ValueError, match="closed_form"):
        S.gradient_identity_holds((1, 1, 3, 3), (1, 1, 2, 2), closed_form=too_small)


def test_correlate2d_valid_states_the_kernel_gradient():
    # stride 1, dilation 1: dL/dK[f,c] = sum_n correlate2d_valid(Xp[n,c], delta[n,f])
    g = S.conv2d_gradients((2, 2, 4, 3), (2, 2, 2, 2), padding=1, wrt=("K",))
    xp = np.pad(g.X, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=sympy.S.Zero)
    for f, c in itertools.product(range(2), range(2)):
        stated = sum(S.correlate2d_valid(xp[n, c], g.delta[n, f]) for n in range(2))
        for derived, closed in zip(g.dK[f, c].flat, stated.flat, strict=True):
            assert sympy.expand(derived - closed) == 0


def test_correlate2d_valid_on_numbers_matches_conv2d_forward():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((2, 3))
    out = S.correlate2d_valid(a, b)
    assert out.dtype == np.float64 and out.shape == (4, 2)
    expected, _ = F.conv2d_forward(a[None, None], b[None, None])
    np.testing.assert_allclose(out, expected[0, 0], atol=1e-12)
    with pytest.raises(ValueError, match="kernel 5x4 does not fit padded input 2x3"):
        S.correlate2d_valid(b, a)


def test_conv1d():
    x, k = S.tensor("x", 5), S.tensor("k", 3)
    y = S.conv1d(x, k)
    assert y.shape == (3,)
    assert y[1] == k[0] * x[1] + k[1] * x[2] + k[2] * x[3]
    with pytest.raises(ValueError, match="kernel 1x5 does not fit padded input 1x3"):
        S.conv1d(k, x)
    with pytest.raises(ValueError, match="x must be 1-D"):
        S.conv1d(S.tensor("x", (2, 3)), k)


def test_as_matrix():
    K = S.tensor("K", (1, 1, 2, 3))
    m = S.as_matrix(K)
    assert isinstance(m, sympy.Matrix) and m.shape == (2, 3) and m[1, 2] == K[0, 0, 1, 2]
    assert S.as_matrix(K[0, 0]) == m
    assert S.as_matrix(S.tensor("b", 3)).shape == (1, 3)
    with pytest.raises(ValueError, match=r"\(2, 1, 2, 3\)"):
        S.as_matrix(S.tensor("K", (2, 1, 2, 3)))


def test_identical_compares_entry_by_entry_exactly():
    a, b = sympy.symbols("a b")
    p = sympy.exp(a) / (sympy.exp(a) + sympy.exp(b))
    assert S.identical([(a + b) ** 2, a], [a**2 + 2 * a * b + b**2, a])
    assert not S.identical([-p * (1 - p)], [p.diff(b)])  # expand cannot see it
    assert S.identical([-p * (1 - p)], [p.diff(b)], sympy.cancel)
    assert not S.identical([a, b], [a]) and not S.identical([[a]], [a])  # shapes differ
    assert S.entries_identical([a, a + b], [a, a]).tolist() == [True, False]
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        S.entries_identical([a, b], [a])
    with pytest.raises(TypeError, match="by must be a function itself"):
        S.identical([a], [a], "cancel")


def test_evaluate_bindings():
    X = S.tensor("X", (2, 2))
    expr = np.array([X[0, 0] * X[1, 1] + 2, X[0, 1] ** 2], dtype=object)
    x = np.array([[1.5, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(S.evaluate(expr, [(X, x)]), [8.0, 4.0])
    assert S.evaluate(X[0, 0] - X[1, 0], {X[0, 0]: 1.0, X[1, 0]: 0.25}) == 0.75  # Symbol keys
    assert S.evaluate(sympy.exp(X[0, 0]), [(X, x)]) == pytest.approx(np.exp(1.5))


def test_evaluate_bad_bindings_name_the_array():
    g = S.conv2d_gradients((1, 1, 3, 3), (1, 1, 2, 2), wrt=("K",))
    x, w = np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"value for \\delta has shape \(1, 1, 3, 3\)"):
        S.evaluate(g.dK, [(g.X, x), (g.delta, x)])
    with pytest.raises(ValueError, match=r"value for X has shape \(1, 1, 2, 2\)"):
        S.evaluate(g.dK, [(g.X, w)])
    with pytest.raises(ValueError, match="no value given"):
        S.evaluate(g.dK, [(g.X, x)])
    with pytest.raises(ValueError, match="twice"):
        S.evaluate(g.Y, [(g.X, x), (g.X, x), (g.K, w), (g.b, [0.0])])
    with pytest.raises(TypeError, match="Symbols"):
        S.evaluate(g.Y, [(g.Y, np.zeros(g.Y.shape))])
    with pytest.raises(TypeError, match="value for X must be numeric"):
        S.evaluate(g.Y, [(g.X, np.full((1, 1, 3, 3), "a"))])
    without_bias = S.conv2d_gradients((1, 1, 3, 3), (1, 1, 2, 2), bias=False, wrt=())
    with pytest.raises(ValueError, match="without a bias"):
        without_bias.bind(x=x, b=np.zeros(1))


def test_bad_conv_arguments_name_them():
    X, K = S.tensor("X", (1, 2, 4, 4)), S.tensor("K", (3, 2, 2, 2))
    with pytest.raises(ValueError, match=r"x must be 4-D; got shape \(2, 4, 4\)"):
        S.conv2d(X[0], K)
    with pytest.raises(ValueError, match="w must be 4-D"):
        S.conv2d(X, K[0])
    with pytest.raises(ValueError, match="channel mismatch"):
        S.conv2d(X, S.tensor("K", (3, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"b must have shape \(3,\)"):
        S.conv2d(X, K, S.tensor("b", 2))
    with pytest.raises(ValueError, match="does not fit padded input 4x4"):
        S.conv2d(X, K, dilation=4)
    with pytest.raises(TypeError, match="stride"):
        S.conv2d(X, K, stride=1.5)
    with pytest.raises(ValueError, match="padding"):
        S.conv2d(X, K, padding=-1)
    with pytest.raises(ValueError, match="x must be 4-D"):
        S.conv2d([[1, 2], [3]], K)  # ragged


def test_bad_gradient_arguments_name_them():
    with pytest.raises(ValueError, match="x_shape must have 4 entries"):
        S.conv2d_gradients((2, 4, 4), (1, 2, 2, 2))
    with pytest.raises(ValueError, match="channel mismatch"):
        S.conv2d_gradients((1, 2, 4, 4), (1, 3, 2, 2))
    with pytest.raises(ValueError, match="wrt"):
        S.conv2d_gradients((1, 1, 4, 4), (1, 1, 2, 2), wrt=("W",))


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape", "hyper"),
    [
        ((1, 2, 4, 4), (3, 1, 2, 2), None, {}),  # channel mismatch
        ((1, 2, 4, 4), (3, 2, 2, 2), (2,), {}),  # one bias per output channel
        ((1, 2, 4, 4), (3, 2, 2, 2), None, {"dilation": 4}),  # dilated kernel does not fit
        ((1, 2, 4, 4), (3, 2, 0, 2), None, {}),  # empty kernel
        ((1, 2, 4, 4), (3, 2, 2, 2), None, {"stride": 1.5}),
        ((1, 2, 4, 4), (3, 2, 2, 2), None, {"padding": -1}),
        ((1, 2, 4, 4), (3, 2, 2, 2), None, {"dilation": (1, 2, 3)}),
    ],
)
def test_bad_conv_arguments_give_the_numeric_cores_message(x_shape, w_shape, b_shape, hyper):
    # one rule, one message: the symbolic mirror and the numeric core reject the same mistake alike
    b_sym = None if b_shape is None else S.tensor("b", b_shape)
    b_num = None if b_shape is None else np.zeros(b_shape)
    with pytest.raises((ValueError, TypeError)) as numeric:
        F.conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), b_num, **hyper)
    with pytest.raises(numeric.type) as symbolic:
        S.conv2d(S.tensor("X", x_shape), S.tensor("K", w_shape), b_sym, **hyper)
    assert str(symbolic.value) == str(numeric.value)


def test_kernel_gradient_closed_form_bad_arguments():
    xp, delta = S.tensor("X", (2, 1, 4, 4)), S.tensor("d", (2, 1, 3, 3))
    assert S.kernel_gradient_closed_form(xp, delta, 2).shape == (1, 1, 2, 2)
    with pytest.raises(ValueError, match="same batch size N"):
        S.kernel_gradient_closed_form(xp[:1], delta, 2)
    with pytest.raises(ValueError, match="more output pixels than the 2x2 windows"):
        S.kernel_gradient_closed_form(xp, delta, 2, dilation=2)
    with pytest.raises(ValueError, match="does not fit padded input 4x4"):
        S.kernel_gradient_closed_form(xp, delta, 5)
    with pytest.raises(ValueError, match="kernel_hw must be >= 1"):
        S.kernel_gradient_closed_form(xp, delta, 0)


def test_convolution_and_full_correlation_forms():
    rng = np.random.default_rng(11)
    a, b = rng.standard_normal((5, 6)), rng.standard_normal((2, 3))
    # the definition, as loops: (a ∗ b)[i, j] = sum_{u,v} a[i+u, j+v] b[HB-1-u, WB-1-v]
    loops = np.array(
        [
            [
                sum(a[i + u, j + v] * b[1 - u, 2 - v] for u in range(2) for v in range(3))
                for j in range(4)
            ]
            for i in range(4)
        ]
    )
    np.testing.assert_allclose(S.convolve2d_valid(a, b), loops, atol=1e-12)
    row = S.convolve2d_valid(a[:1], b[:1])  # one-row windows: numpy's own convolution
    np.testing.assert_allclose(row[0], np.convolve(a[0], b[0], mode="valid"), atol=1e-12)
    # full correlation: every placement of b that overlaps a, as loops over a zero-padded a
    padded = np.zeros((7, 10))
    padded[1:6, 2:8] = a
    full = np.array(
        [[np.sum(padded[i : i + 2, j : j + 3] * b) for j in range(8)] for i in range(6)]
    )
    np.testing.assert_allclose(S.correlate2d_full(a, b), full, atol=1e-12)
    assert np.isclose(full[0, 0], a[0, 0] * b[1, 2])  # only the corner overlaps
    X, D = S.tensor("X", (2, 2)), S.tensor("D", (1, 2))
    assert S.correlate2d_full(X, D)[0, 0] == X[0, 0] * D[0, 1]
    with pytest.raises(ValueError, match="b must be 2-D"):
        S.correlate2d_full(a, np.zeros(3))
