"""Inverted dropout and the L1/L2 penalties."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients, numerical_gradient

# --- dropout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mean_preserved_in_expectation(p):
    x = np.ones(200_000)
    out, cache = F.dropout_forward(x, p, training=True, rng=np.random.default_rng(0))
    # the mean of 200k draws of Bernoulli(1 - p) / (1 - p) has sd sqrt(p / (1 - p) / 200k) < 0.005
    assert abs(out.mean() - 1.0) < 0.025
    assert abs(np.mean(out == 0) - p) < 0.01  # fraction dropped
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p))


def test_eval_mode_and_p_zero_are_the_identity():
    x = np.random.default_rng(1).standard_normal((3, 4))
    for out, cache in [
        F.dropout_forward(x, 0.5, training=False),
        F.dropout_forward(x, 0.0, training=True, rng=np.random.default_rng(0)),
    ]:
        np.testing.assert_array_equal(out, x)
        assert not np.shares_memory(out, x)
        dout = np.random.default_rng(2).standard_normal(x.shape)
        np.testing.assert_array_equal(F.dropout_backward(dout, cache), dout)


def test_same_seed_same_mask():
    x = np.ones((5, 7))
    a, _ = F.dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(42))
    b, _ = F.dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(42))
    c, _ = F.dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_backward_uses_the_forward_mask():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6)) + 5  # never 0, so out == 0 exactly where dropped
    p = 0.3
    out, cache = F.dropout_forward(x, p, training=True, rng=np.random.default_rng(7))
    dout = rng.standard_normal(x.shape)
    dx = F.dropout_backward(dout, cache)
    np.testing.assert_allclose(dx, np.where(out != 0, dout / (1 - p), 0.0))
    assert 0 < np.count_nonzero(dx) < dx.size

    def forward(x):  # the same seed every call: the same mask, a deterministic function
        return F.dropout_forward(x, p, training=True, rng=np.random.default_rng(7))[0]

    assert_gradients(forward, [x], [dx], dout)


def test_dropout_keeps_float32():
    x = np.ones((3, 3), dtype=np.float32)
    out, cache = F.dropout_forward(x, 0.5, training=True, rng=np.random.default_rng(0))
    assert out.dtype == np.float32
    assert F.dropout_backward(np.ones_like(out), cache).dtype == np.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_p_outside_range_raises(p):
    with pytest.raises(ValueError, match=r"p \(the drop probability\) must lie in \[0, 1\)"):
        F.dropout_forward(np.ones(3), p, training=True, rng=np.random.default_rng(0))


def test_dropout_bad_arguments():
    with pytest.raises(TypeError, match=r"p \(the drop probability\) must be a real number"):
        F.dropout_forward(np.ones(3), True, training=True, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        F.dropout_forward(np.ones(3), 0.5, training=True, rng=0)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        F.dropout_forward(np.ones(3), 0.5, training=True)
    with pytest.raises(TypeError, match="training must be True or False"):
        F.dropout_forward(np.ones(3), 0.5, training="yes", rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        F.dropout_forward(np.ones(3, dtype=int), 0.5, training=False)
    _, cache = F.dropout_forward(np.ones(3), 0.5, training=True, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"dout must have shape \(3,\)"):
        F.dropout_backward(np.ones(4), cache)


# --- penalties ---------------------------------------------------------------------------------


def test_l2_value_and_gradient():
    w = np.random.default_rng(4).standard_normal((3, 4))
    value, grad = F.l2_penalty(w, 0.3)
    np.testing.assert_allclose(value, 0.15 * np.sum(w**2))
    np.testing.assert_allclose(grad, 0.3 * w)  # what PyTorch's weight_decay=0.3 adds
    np.testing.assert_allclose(grad, numerical_gradient(lambda w: F.l2_penalty(w, 0.3)[0], w))


def test_l1_value_and_subgradient():
    w = np.array([[-2.0, 0.0, 0.5], [1.5, -0.25, 3.0]])
    value, subgrad = F.l1_penalty(w, 0.1)
    np.testing.assert_allclose(value, 0.1 * 7.25)
    np.testing.assert_allclose(subgrad, 0.1 * np.array([[-1.0, 0.0, 1.0], [1.0, -1.0, 1.0]]))
    away = w[w != 0]  # differentiable away from 0: the subgradient is the gradient there
    np.testing.assert_allclose(
        F.l1_penalty(away, 0.1)[1], numerical_gradient(lambda v: F.l1_penalty(v, 0.1)[0], away)
    )


@pytest.mark.parametrize("penalty", [F.l1_penalty, F.l2_penalty])
def test_penalties_accept_lists_and_do_not_mutate(penalty):
    rng = np.random.default_rng(5)
    ws = [rng.standard_normal((2, 3)), rng.standard_normal(4).astype(np.float32)]
    copies = [w.copy() for w in ws]
    value, grads = penalty(ws, 0.2)
    np.testing.assert_allclose(value, sum(penalty(w, 0.2)[0] for w in ws), rtol=1e-6)
    assert [g.shape for g in grads] == [(2, 3), (4,)] and grads[1].dtype == np.float32
    for w, c in zip(ws, copies, strict=True):
        np.testing.assert_array_equal(w, c)


@pytest.mark.parametrize("penalty", [F.l1_penalty, F.l2_penalty])
def test_penalty_bad_arguments(penalty):
    with pytest.raises(ValueError, match="lam .* must be >= 0"):
        penalty(np.ones(2), -0.1)
    with pytest.raises(TypeError, match=r"lam \(the penalty strength\) must be a real number"):
        penalty(np.ones(2), None)
    with pytest.raises(TypeError, match="w must have a floating dtype"):
        penalty(np.arange(3), 0.1)
    with pytest.raises(TypeError, match=r"w\[1\] must have a floating dtype"):
        penalty([np.ones(2), np.arange(3)], 0.1)
