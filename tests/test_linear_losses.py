"""Linear, flatten, MSE and softmax cross-entropy: gradients, stability, errors."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients

# --- linear and flatten ----------------------------------------------------------------------


def test_linear_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((3, 5)), rng.standard_normal(3)
    out, cache = F.linear_forward(x, w, b)
    np.testing.assert_allclose(out, x @ w.T + b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = F.linear_backward(dout, cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, b.shape)
    assert_gradients(lambda x, w, b: F.linear_forward(x, w, b)[0], [x, w, b], [dx, dw, db], dout)


def test_linear_without_bias():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    out, cache = F.linear_forward(x, w)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = F.linear_backward(dout, cache)
    assert db is None
    assert_gradients(lambda x, w: F.linear_forward(x, w)[0], [x, w], [dx, dw], dout)


def test_linear_dtype_and_no_mutation():
    rng = np.random.default_rng(2)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in [(2, 3), (4, 3), (4,)])
    copies = [a.copy() for a in (x, w, b)]
    out, cache = F.linear_forward(x, w, b)
    grads = F.linear_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    for a, c in zip((x, w, b), copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_linear_bad_arguments():
    x, w = np.zeros((2, 3)), np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"x has in=3 .* w expects in=5"):
        F.linear_forward(x, np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"b must have shape \(4,\)"):
        F.linear_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="x must be 2-D"):
        F.linear_forward(np.zeros((2, 3, 1)), w)
    with pytest.raises(TypeError, match="w must have a floating dtype"):
        F.linear_forward(x, np.zeros((4, 3), dtype=int))
    _, cache = F.linear_forward(x, w)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\)"):
        F.linear_backward(np.zeros((4, 2)), cache)


def test_flatten_round_trip_and_gradient():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5))
    out, cache = F.flatten_forward(x)
    assert out.shape == (2, 60)
    np.testing.assert_array_equal(out[1], x[1].ravel())
    dout = rng.standard_normal(out.shape)
    dx = F.flatten_backward(dout, cache)
    assert dx.shape == x.shape
    assert_gradients(lambda x: F.flatten_forward(x)[0], [x], [dx], dout)
    with pytest.raises(ValueError, match="x must be at least 2-D"):
        F.flatten_forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 60\)"):
        F.flatten_backward(np.zeros((2, 59)), cache)


# --- MSE ---------------------------------------------------------------------------------------


def test_mse_value_and_gradient_with_random_upstream():
    rng = np.random.default_rng(4)
    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    loss, cache = F.mse_forward(pred, target)
    np.testing.assert_allclose(loss, np.mean((pred - target) ** 2))
    dloss = 0.37  # not 1: the upstream factor must be applied
    dpred = F.mse_backward(dloss, cache)
    np.testing.assert_allclose(dpred, dloss * 2 * (pred - target) / pred.size)
    assert_gradients(lambda p: F.mse_forward(p, target)[0], [pred], [dpred], dloss)


def test_mse_bad_arguments():
    with pytest.raises(ValueError, match=r"target must have shape \(2, 3\)"):
        F.mse_forward(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="target must have a floating dtype"):
        F.mse_forward(np.zeros(3), np.arange(3))
    _, cache = F.mse_forward(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="dloss must have shape"):
        F.mse_backward(np.ones(3), cache)
    with pytest.raises(TypeError, match="dloss"):
        F.mse_backward(True, cache)


# --- softmax and cross-entropy -------------------------------------------------------------


def test_softmax_and_log_softmax():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((4, 6))
    p = F.softmax(z)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(F.log_softmax(z), np.log(p))
    np.testing.assert_allclose(F.softmax(z, axis=0).sum(axis=0), 1.0)
    big = np.array([[1e4, 0.0, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_allclose(F.softmax(big), [[1.0, 0.0, 0.0]])
        np.testing.assert_allclose(F.log_softmax(big), [[0.0, -1e4, -2e4]])


def test_cross_entropy_value():
    rng = np.random.default_rng(6)
    z, y = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])
    loss, _ = F.softmax_cross_entropy_forward(z, y)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss, -np.mean(np.log(p[np.arange(5), y])))


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    rng = np.random.default_rng(7)
    z, y = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    _, cache = F.softmax_cross_entropy_forward(z, y)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(
        F.softmax_cross_entropy_backward(1.0, cache), (F.softmax(z) - onehot) / 6
    )


def test_cross_entropy_gradient_with_random_upstream():
    rng = np.random.default_rng(8)
    z, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    _, cache = F.softmax_cross_entropy_forward(z, y)
    dloss = -1.7
    dz = F.softmax_cross_entropy_backward(dloss, cache)
    assert_gradients(lambda z: F.softmax_cross_entropy_forward(z, y)[0], [z], [dz], dloss)


def test_cross_entropy_is_finite_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 3.0]])
    y = np.array([2, 1])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, cache = F.softmax_cross_entropy_forward(z, y)
        dz = F.softmax_cross_entropy_backward(1.0, cache)
    assert np.isfinite(loss) and np.all(np.isfinite(dz))
    np.testing.assert_allclose(loss, (2e4 + 0.0) / 2)  # -log p = 2e4 for the first row, ~0 after
    np.testing.assert_allclose(dz, [[0.5, 0.0, -0.5], [0.0, 0.0, 0.0]], atol=1e-12)


def test_cross_entropy_keeps_float32_and_accepts_unsigned_labels():
    z = np.random.default_rng(9).standard_normal((3, 2)).astype(np.float32)
    loss, cache = F.softmax_cross_entropy_forward(z, np.array([0, 1, 1], dtype=np.uint8))
    assert loss.dtype == np.float32
    assert F.softmax_cross_entropy_backward(1.0, cache).dtype == np.float32


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        (np.array([0, 3]), ValueError, r"labels must lie in \[0, 3\).*\[3\]"),
        (np.array([-1, 0]), ValueError, r"labels must lie in \[0, 3\).*\[-1\]"),
        (np.array([0.0, 1.0]), TypeError, "labels must be integer"),
        (np.array([True, False]), TypeError, "labels must be integer"),
        (np.array([0, 1, 2]), ValueError, r"labels must have shape \(2,\)"),
        (np.array([[0], [1]]), ValueError, r"labels must have shape \(2,\)"),
    ],
)
def test_cross_entropy_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        F.softmax_cross_entropy_forward(np.zeros((2, 3)), labels)


def test_cross_entropy_bad_logits_and_upstream():
    with pytest.raises(ValueError, match="logits must be 2-D"):
        F.softmax_cross_entropy_forward(np.zeros(3), np.array([0]))
    with pytest.raises(TypeError, match="logits must have a floating dtype"):
        F.softmax_cross_entropy_forward(np.zeros((1, 3), dtype=int), np.array([0]))
    _, cache = F.softmax_cross_entropy_forward(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="dloss must have shape"):
        F.softmax_cross_entropy_backward(np.ones((2, 3)), cache)
