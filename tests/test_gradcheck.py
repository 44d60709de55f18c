"""The gradient checker itself: it must pass right gradients and fail wrong ones."""

import numpy as np
import pytest

from cnnbp_core import gradcheck as G


def test_relative_error_definition():
    np.testing.assert_allclose(
        G.relative_error([1.0, 0.0, -2.0], [1.1, 0.0, 2.0]), [0.1 / 1.1, 0, 2]
    )


def test_numerical_gradient_of_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    grad = G.numerical_gradient(lambda x: np.sum(np.sin(x) * x**2), x)
    np.testing.assert_allclose(grad, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-8)


def test_numerical_vjp_with_upstream_and_wrt():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    dout = rng.standard_normal((3, 2))
    da, db = G.numerical_vjp(lambda a, b: a @ b, [a, b], dout)
    np.testing.assert_allclose(da, dout @ b.T, atol=1e-8)
    np.testing.assert_allclose(db, a.T @ dout, atol=1e-8)
    (only_b,) = G.numerical_vjp(lambda a, b: a @ b, [a, b], dout, wrt=[1])
    np.testing.assert_allclose(only_b, db)


def test_inputs_are_never_mutated_and_float32_is_checked_in_float64():
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    before = x.copy()
    seen = []
    G.numerical_gradient(lambda x: seen.append(x.dtype) or np.sum(x**2), x)
    np.testing.assert_array_equal(x, before)
    assert set(seen) == {np.dtype(np.float64)}


def test_report_passes_and_renders():
    x = np.array([1.0, -2.0])
    report = G.check_gradients(lambda x: x**3, [x], [3 * x**2], np.array([1.0, 1.0]), names=["x"])
    assert report.passed
    assert "PASS" in str(report) and "worst index" in str(report)
    assert "<table>" in report._repr_html_()


def test_assertion_names_the_worst_element():
    x = np.arange(6.0).reshape(2, 3)
    wrong = 2 * x
    wrong[1, 2] += 1e-3
    with pytest.raises(AssertionError, match=r"(?s)\(1, 2\) +FAIL"):
        G.assert_gradients(lambda x: x**2, [x], [wrong], np.ones((2, 3)), names=["x"])


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="analytic shape"):
        G.compare_gradients([np.zeros(3)], [np.zeros(4)], ["x"])


def test_dot_product_check_passes_right_and_fails_wrong_vjp():
    rng = np.random.default_rng(1)
    m = rng.standard_normal((5, 4))
    x = rng.standard_normal(4)
    right = G.dot_product_check(
        lambda x: np.tanh(m @ x), [x], lambda v: [m.T @ (v * (1 - np.tanh(m @ x) ** 2))], rng=rng
    )
    wrong = G.dot_product_check(lambda x: np.tanh(m @ x), [x], lambda v: [m.T @ v], rng=rng)
    assert right.passed and not wrong.passed
    assert "PASS" in str(right)


def test_gradcheck_arguments_are_named():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"dout must have shape \(3,\)"):
        G.numerical_vjp(lambda x: x * 2, [x], dout=np.ones(1))
    with pytest.raises(ValueError, match="eps must be > 0"):
        G.numerical_vjp(lambda x: x * 2, [x], eps=0)
    with pytest.raises(ValueError, match="one entry per input"):
        G.check_gradients(lambda x: x * 2, [x], [2 * x, 2 * x])
