"""Elementwise activations: gradients, conventions at 0, stability, dtypes, errors."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients

ACTIVATIONS = {
    "relu": (F.relu_forward, F.relu_backward),
    "leaky_relu": (F.leaky_relu_forward, F.leaky_relu_backward),
    "leaky_relu_0.2": (lambda x: F.leaky_relu_forward(x, 0.2), F.leaky_relu_backward),
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward),
    "tanh": (F.tanh_forward, F.tanh_backward),
}


def away_from_zero(rng, shape):
    """Standard normal values pushed at least 0.05 from 0, where relu has its kink."""
    x = rng.standard_normal(shape)
    return x + 0.05 * np.sign(x)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(3, 5), (2, 3, 4, 5)])
def test_gradient_matches_finite_differences(name, shape):
    forward, backward = ACTIVATIONS[name]
    rng = np.random.default_rng(0)
    x = away_from_zero(rng, shape) * 2
    out, cache = forward(x)
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)
    assert dx.shape == x.shape
    assert_gradients(lambda x: forward(x)[0], [x], [dx], dout)


def test_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(F.relu_forward(x)[0], [0.0, 0.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(F.leaky_relu_forward(x)[0], [-0.02, -0.005, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(F.sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(F.tanh_forward(x)[0], np.tanh(x))


def test_derivative_at_zero_follows_pytorch():
    x = np.array([0.0])
    for forward, backward, slope in [
        (F.relu_forward, F.relu_backward, 0.0),
        (lambda x: F.leaky_relu_forward(x, 0.3), F.leaky_relu_backward, 0.3),
    ]:
        _, cache = forward(x)
        np.testing.assert_allclose(backward(np.array([2.0]), cache), [2.0 * slope])


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no warning either
        out, cache = F.sigmoid_forward(x)
        dx = F.sigmoid_backward(np.ones_like(x), cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    np.testing.assert_array_equal(out[[0, -1]], [0.0, 1.0])
    np.testing.assert_allclose(out[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)
    np.testing.assert_allclose(out + out[::-1], 1.0)  # symmetry sigma(-x) = 1 - sigma(x)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_and_input_not_mutated(name, dtype):
    forward, backward = ACTIVATIONS[name]
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(dtype)
    before = x.copy()
    out, cache = forward(x)
    dx = backward(np.ones_like(x), cache)
    assert out.dtype == dtype and dx.dtype == dtype
    np.testing.assert_array_equal(x, before)
    assert not np.shares_memory(out, x)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bad_arguments_raise_clear_errors(name):
    forward, backward = ACTIVATIONS[name]
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        forward(np.arange(3))
    _, cache = forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\)"):
        backward(np.zeros((3, 2)), cache)


def test_negative_slope_must_be_a_real_number():
    with pytest.raises(TypeError, match="negative_slope"):
        F.leaky_relu_forward(np.zeros(2), negative_slope=True)
    with pytest.raises(ValueError, match="negative_slope must be finite"):
        F.leaky_relu_forward(np.zeros(2), negative_slope=np.inf)
