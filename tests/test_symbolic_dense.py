"""The SymPy mirror of the dense layer and losses agrees with the core and refuses bad input."""

import numpy as np
import pytest
import sympy

from cnnbp_core import functional as F
from cnnbp_core import symbolic as S


@pytest.fixture
def rng():
    return np.random.default_rng(202)


def test_linear_matches_core(rng):
    X, W, b = S.tensor("X", (3, 4)), S.tensor("W", (2, 4)), S.tensor("b", 2)
    x, w, bb = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    got = S.evaluate(S.linear(X, W, b), [(X, x), (W, w), (b, bb)])
    np.testing.assert_allclose(got, F.linear_forward(x, w, bb)[0], rtol=1e-14)


def test_mse_and_cross_entropy_match_core(rng):
    P, Z = S.tensor("P", (2, 3)), S.tensor("Z", (3, 4))
    p, t = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    z, y = rng.standard_normal((3, 4)), np.array([3, 0, 2])
    assert float(S.evaluate(S.mse(P, t), [(P, p)])) == pytest.approx(float(F.mse_forward(p, t)[0]))
    ce = S.evaluate(S.softmax_cross_entropy(Z, y), [(Z, z)])
    assert float(ce) == pytest.approx(float(F.softmax_cross_entropy_forward(z, y)[0]), rel=1e-13)


def test_softmax_and_gradient(rng):
    z = S.tensor("z", 3)
    zv = rng.standard_normal(3)
    np.testing.assert_allclose(S.evaluate(S.softmax(z), [(z, zv)]), F.softmax(zv), rtol=1e-14)
    g = S.gradient(z[0] ** 2 * z[1], z)
    assert g.shape == (3,) and g[2] == 0 and sympy.simplify(g[0] - 2 * z[0] * z[1]) == 0


def test_one_hot():
    assert S.one_hot([1, 0], 2).tolist() == [[0, 1], [1, 0]]


def test_gradient_and_one_hot_are_topic_free_helpers_of_tensors():
    from cnnbp_core.symbolic import tensors

    assert S.gradient is tensors.gradient and S.one_hot is tensors.one_hot


def test_gradient_names_an_argument_of_the_wrong_kind():
    x = S.tensor("x", 2)
    with pytest.raises(TypeError, match="L must be one SymPy expression .*got array"):
        S.gradient(x * x, x)
    with pytest.raises(TypeError, match=r"symbols\[\(1,\)\] must be a SymPy Symbol"):
        S.gradient(x[0] * x[1], [x[0], x[0] + 1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: S.linear(S.tensor("X", (2, 3)), S.tensor("W", (2, 4))), "fan-in"),
        (lambda: S.linear(S.tensor("X", 3), S.tensor("W", (2, 3))), r"X must be 2-D.*\(1-D\)"),
        (
            lambda: S.linear(S.tensor("X", (2, 3)), S.tensor("W", (2, 3)), S.tensor("b", 3)),
            "b must",
        ),
        (lambda: S.mse(S.tensor("P", 2), [0, 0, 0]), "T must have shape"),
        (lambda: S.mse(np.empty(0, dtype=object), []), "empty"),
        (lambda: S.softmax_cross_entropy(S.tensor("Z", (2, 3)), [0, 3]), "labels"),
        (lambda: S.softmax_cross_entropy(S.tensor("Z", (2, 3)), [0]), "labels"),
        (lambda: S.one_hot([0], 0), "n_classes"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
