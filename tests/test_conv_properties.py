"""Property-based tests of conv2d over random shapes and hyper-parameters (hypothesis)."""

import numpy as np
import pytest
from conftest import conv_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients, dot_product_check


@st.composite
def conv_configs(draw):
    """A small valid configuration: the dilated kernel always fits the padded input."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 8))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 8))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    hyper = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)}
    return (n, c, h, w), (f, c, kh, kw), hyper, seed


def problem(config, layout):
    """Random X, K, b (float64) for a drawn configuration, and the generator that drew them."""
    x_shape, w_shape, hyper, seed = config
    rng = np.random.default_rng(seed)
    return rng, *conv_problem(x_shape, w_shape, rng), hyper | {"layout": layout}


# both im2col layouts, as a parameter (a function-scoped fixture would not reset per example)
each_layout = pytest.mark.parametrize("layout", F.LAYOUTS)


@each_layout
@settings(max_examples=40, deadline=None)
@given(config=conv_configs())
def test_vectorised_equals_loops(config, layout):
    rng, x, w, b, hyper = problem(config, layout)
    out, cache = F.conv2d_forward(x, w, b, **hyper)
    ref, ref_cache = F.conv2d_forward_naive(x, w, b, **hyper_naive(hyper))
    np.testing.assert_allclose(out, ref, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for got, want in zip(F.conv2d_backward(dout, cache), F.conv2d_backward_naive(dout, ref_cache)):
        np.testing.assert_allclose(got, want, atol=1e-12)


@each_layout
@settings(max_examples=25, deadline=None)
@given(config=conv_configs())
def test_backward_matches_finite_differences(config, layout):
    rng, x, w, b, hyper = problem(config, layout)
    out, cache = F.conv2d_forward(x, w, b, **hyper)
    dout = rng.standard_normal(out.shape)
    grads = F.conv2d_backward(dout, cache)
    assert_gradients(lambda x, w, b: F.conv2d_forward(x, w, b, **hyper)[0], [x, w, b], grads, dout)


@each_layout
@settings(max_examples=40, deadline=None)
@given(config=conv_configs())
def test_dot_product_identity(config, layout):
    rng, x, w, _, hyper = problem(config, layout)
    _, cache = F.conv2d_forward(x, w, **hyper)
    check = dot_product_check(
        lambda x, w: F.conv2d_forward(x, w, **hyper)[0],
        [x, w],
        lambda v: F.conv2d_backward(v, cache)[:2],
        rng=rng,
    )
    assert check.passed, str(check)


def hyper_naive(hyper):
    """The loops have one layout only."""
    return {k: v for k, v in hyper.items() if k != "layout"}
