"""Batch normalisation: gradients (random upstream), running statistics, chunked == fused."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients

SHAPES = [(5, 3), (3, 2, 3, 4)]  # (N, D) and (N, C, H, W), H != W


def setup(shape, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.standard_normal(c), rng.standard_normal(c)
    running = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    return rng, x, gamma, beta, running


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_gradients_match_finite_differences(shape, training):
    rng, x, gamma, beta, (rm, rv) = setup(shape)

    def forward(x, gamma, beta):
        return F.batchnorm_forward(x, gamma, beta, rm, rv, training=training)[0]

    out, cache = F.batchnorm_forward(x, gamma, beta, rm, rv, training=training)
    dout = rng.standard_normal(out.shape)  # random: all-ones would make dx ~ 0 in training
    grads = F.batchnorm_backward(dout, cache)
    assert [g.shape for g in grads] == [x.shape, gamma.shape, beta.shape]
    assert_gradients(forward, [x, gamma, beta], grads, dout, names=["x", "gamma", "beta"])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_chunked_equals_fused(shape, training):
    rng, x, gamma, beta, (rm, rv) = setup(shape, seed=1)
    out, cache = F.batchnorm_forward(x, gamma, beta, rm, rv, training=training)
    dout = rng.standard_normal(out.shape)
    fused = F.batchnorm_backward(dout, cache)
    chunked = F.batchnorm_backward_chunked(dout, cache)
    for a, b in zip(fused, chunked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_all_ones_upstream_gives_zero_input_gradient():
    # Why the tests above use a random upstream gradient: with gamma = 1 and delta = 1 the
    # training-mode dx is identically zero, so a check with ones could not see a wrong dx.
    _, x, _, _, _ = setup((6, 2))
    out, cache = F.batchnorm_forward(x, np.ones(2), np.zeros(2), None, None, training=True)
    dx, _, _ = F.batchnorm_backward(np.ones_like(out), cache)
    np.testing.assert_allclose(dx, 0.0, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_training_output_is_normalised_per_channel(shape):
    _, x, _, _, (rm, rv) = setup(shape, seed=2)
    c = shape[1]
    out, _ = F.batchnorm_forward(x, np.ones(c), np.zeros(c), rm, rv, training=True, eps=0.0 + 1e-12)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    np.testing.assert_allclose(out.mean(axis=axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=axes), 1.0, rtol=1e-9)


def test_running_statistics_follow_pytorch_formula_2d():
    # One feature, x = 1, 2, 4: mean 7/3, biased var 14/9, unbiased var 7/3 (divide by N - 1).
    x = np.array([[1.0], [2.0], [4.0]])
    _, cache = F.batchnorm_forward(
        x, np.ones(1), np.zeros(1), np.array([0.5]), np.array([2.0]), training=True, momentum=0.1
    )
    np.testing.assert_allclose(cache.new_running_mean, [0.9 * 0.5 + 0.1 * 7 / 3])
    np.testing.assert_allclose(cache.new_running_var, [0.9 * 2.0 + 0.1 * 7 / 3])
    np.testing.assert_allclose(cache.inv_std, [1 / np.sqrt(14 / 9 + 1e-5)])  # biased for Y


def test_running_statistics_follow_pytorch_formula_4d():
    # Channel 0 holds 0, 1, 2, 3 over (N, H, W) = (2, 1, 2): mean 1.5, unbiased var 5/3.
    # Channel 1 holds 10, 10, 10, 14: mean 11, unbiased var (1 + 1 + 1 + 9) / 3 = 4.
    x = np.array([[[[0.0, 1.0]], [[10.0, 10.0]]], [[[2.0, 3.0]], [[10.0, 14.0]]]])
    assert x.shape == (2, 2, 1, 2)
    _, cache = F.batchnorm_forward(
        x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), training=True, momentum=0.25
    )
    np.testing.assert_allclose(cache.new_running_mean, [0.25 * 1.5, 0.25 * 11])
    np.testing.assert_allclose(cache.new_running_var, [0.75 + 0.25 * 5 / 3, 0.75 + 0.25 * 4])


@pytest.mark.parametrize("shape", SHAPES)
def test_eval_mode_uses_running_statistics(shape):
    _, x, gamma, beta, (rm, rv) = setup(shape, seed=3)
    out, cache = F.batchnorm_forward(x, gamma, beta, rm, rv, training=False, eps=1e-3)
    vec = (1, -1) if len(shape) == 2 else (1, -1, 1, 1)
    expected = gamma.reshape(vec) * (x - rm.reshape(vec)) / np.sqrt(rv.reshape(vec) + 1e-3)
    np.testing.assert_allclose(out, expected + beta.reshape(vec))
    np.testing.assert_array_equal(cache.new_running_mean, rm)  # eval leaves them as they were
    np.testing.assert_array_equal(cache.new_running_var, rv)


@pytest.mark.parametrize("shape", SHAPES)
def test_nothing_is_mutated(shape):
    rng, x, gamma, beta, (rm, rv) = setup(shape, seed=4)
    arrays = [x, gamma, beta, rm, rv]
    copies = [a.copy() for a in arrays]
    out, cache = F.batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    F.batchnorm_backward(dout, cache)
    F.batchnorm_backward_chunked(dout, cache)
    for a, c in zip([*arrays, dout], [*copies, dout_copy], strict=True):
        np.testing.assert_array_equal(a, c)
    assert not np.shares_memory(cache.new_running_mean, rm)


def test_float32_kept():
    _, x, gamma, beta, (rm, rv) = setup((4, 3))
    x, gamma, beta = (a.astype(np.float32) for a in (x, gamma, beta))
    out, cache = F.batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in F.batchnorm_backward(np.ones_like(out), cache))


def test_without_running_statistics_in_training():
    _, x, gamma, beta, _ = setup((4, 3))
    _, cache = F.batchnorm_forward(x, gamma, beta, None, None, training=True)
    assert cache.new_running_mean is None and cache.new_running_var is None


def test_bad_arguments_raise_clear_errors():
    x, ones, zeros = np.zeros((4, 3)), np.ones(3), np.zeros(3)

    def bn(**changes):
        args = dict(x=x, gamma=ones, beta=zeros, running_mean=zeros, running_var=ones)
        args.update(changes)
        training = args.pop("training", True)
        return F.batchnorm_forward(**args, training=training)

    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        bn(gamma=np.ones(2))
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        bn(beta=np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        bn(running_mean=np.zeros(4))
    with pytest.raises(ValueError, match=r"running_var must have shape \(3,\)"):
        bn(running_var=np.ones(2))
    with pytest.raises(ValueError, match="x must be 2-D .* or 4-D"):
        bn(x=np.zeros((4, 3, 2)))
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        bn(x=np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="more than one value per channel"):
        bn(x=np.zeros((1, 3)))
    with pytest.raises(TypeError, match="training must be True or False"):
        bn(training=1)
    with pytest.raises(ValueError, match="required in eval mode"):
        bn(running_mean=None, running_var=None, training=False)
    with pytest.raises(ValueError, match="both be given"):
        bn(running_var=None)
    with pytest.raises(ValueError, match="momentum must lie in"):
        F.batchnorm_forward(x, ones, zeros, zeros, ones, training=True, momentum=1.5)
    with pytest.raises(ValueError, match="eps must be > 0"):
        F.batchnorm_forward(x, ones, zeros, zeros, ones, training=True, eps=0.0)
    _, cache = bn()
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 3\)"):
        F.batchnorm_backward(np.zeros((3, 4)), cache)
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 3\)"):
        F.batchnorm_backward_chunked(np.zeros((4,)), cache)
