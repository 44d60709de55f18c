"""The catalogues of wrong dense-layer and cross-entropy gradients: each computes what it says,
each is proved wrong exactly on its example while the right closed form is proved on the same
shapes, and each differs from finite differences of the core's forward pass on random numbers
where the right closed form agrees with them."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.mistakes import DoesNotFit
from cnnbp_core.book.mistakes import dense as D
from cnnbp_core.gradcheck import numerical_vjp
from cnnbp_core.symbolic import evaluate, tensor

LINEAR = D.LINEAR_BACKWARD_MISTAKES
CE = D.SOFTMAX_CE_GRADIENT_MISTAKES


def test_the_catalogues_hold_every_required_mistake():
    assert {
        "dx_w_transposed", "dw_transposed", "db_batch_mean", "db_not_summed", "db_wrong_axis",
        "dw_batch_mean", "dx_batch_mean",
    } <= set(LINEAR)  # fmt: skip
    assert {"missing_mean", "sign_flipped", "no_softmax", "no_one_hot"} <= set(CE)
    assert all(name == m.name for name, m in {**LINEAR, **CE}.items())
    assert {m.wrt for m in LINEAR.values()} == set(D.LINEAR_WRT)


@pytest.mark.parametrize("name", sorted(LINEAR) + sorted(CE))
def test_each_entry_says_in_one_line_what_goes_wrong(name):
    m = LINEAR.get(name) or CE[name]
    for text in (m.description, m.diagnosis, m.needs):
        assert "\n" not in text
    assert m.description and m.diagnosis.endswith(".")


# --- exact: SymPy ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_the_exact_identity_rejects_each_linear_mistake_and_proves_the_right_form(name):
    m = LINEAR[name]
    assert D.linear_identity_holds(**m.example)
    assert not D.linear_identity_holds(**m.example, closed_form=m)


@pytest.mark.parametrize("name", sorted(CE))
def test_the_exact_identity_rejects_each_ce_mistake_and_proves_the_right_form(name):
    m = CE[name]
    assert D.softmax_ce_identity_holds(**m.example)
    assert not D.softmax_ce_identity_holds(**m.example, closed_form=m)


def test_the_right_forms_are_proved_on_larger_shapes_too():
    assert D.linear_identity_holds(3, 4, 2) and D.linear_identity_holds(1, 1, 1)
    assert D.softmax_ce_identity_holds([2, 0, 1], 4)


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_symbols_and_floats_give_the_same_wrong_linear_answer(name):
    m, (n, n_in, n_out) = LINEAR[name], (3, 3, 3)  # square: every mistake fits
    X, Wt, d = tensor("X", (n, n_in)), tensor("W", (n_out, n_in)), tensor("d", (n, n_out))
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in))
    delta = rng.standard_normal((n, n_out))
    values = [(X, x), (Wt, w), (d, delta)]
    for symbolic, numeric in zip(m(X, Wt, d), m(x, w, delta)):
        np.testing.assert_allclose(evaluate(symbolic, values), numeric, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", sorted(CE))
def test_symbols_and_floats_give_the_same_wrong_ce_answer(name):
    m, labels = CE[name], [1, 0, 2]
    Z = tensor("z", (3, 3))
    z = np.random.default_rng(2).standard_normal((3, 3))
    np.testing.assert_allclose(evaluate(m(Z, labels), [(Z, z)]), m(z, labels), rtol=1e-12)


# --- numeric: finite differences of the core's forward ------------------------------------------


def linear_problem(n, n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in))
    b, delta = rng.standard_normal(n_out), rng.standard_normal((n, n_out))
    fd = numerical_vjp(lambda x, w, b: F.linear_forward(x, w, b)[0], [x, w, b], delta)
    return x, w, delta, fd


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_each_linear_mistake_differs_from_finite_differences_where_the_right_form_agrees(name):
    m = LINEAR[name]
    x, w, delta, fd = linear_problem(3, 3, 3)  # N = in = out: every wrong gradient fits
    for right, numeric in zip(D.linear_backward_closed_form(x, w, delta), fd):
        np.testing.assert_allclose(right, numeric, rtol=1e-7, atol=1e-8)
    k = D.LINEAR_WRT.index(m.wrt)
    wrong = m(x, w, delta)
    assert wrong[k].shape != fd[k].shape or not np.allclose(wrong[k], fd[k], 1e-7, 1e-8)
    for j in {0, 1, 2} - {k}:  # the other two gradients are the right ones
        np.testing.assert_allclose(wrong[j], fd[j], rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", sorted(CE))
def test_each_ce_mistake_differs_from_finite_differences_where_the_right_form_agrees(name):
    rng = np.random.default_rng(3)
    z, labels = rng.standard_normal((4, 3)), np.array([2, 0, 0, 1])
    (fd,) = numerical_vjp(lambda z: F.softmax_cross_entropy_forward(z, labels)[0], [z])
    np.testing.assert_allclose(D.softmax_ce_gradient_closed_form(z, labels), fd, atol=1e-9)
    assert not np.allclose(CE[name](z, labels), fd, 1e-7, 1e-8)


def test_each_mistake_computes_what_its_description_says():
    x, w, delta, _ = linear_problem(3, 3, 3, seed=4)
    said = {
        "dx_w_transposed": delta @ w.T,
        "dx_batch_mean": delta @ w / 3,
        "dw_transposed": x.T @ delta,
        "dw_batch_mean": delta.T @ x / 3,
        "db_batch_mean": delta.mean(axis=0),
        "db_not_summed": delta,
        "db_wrong_axis": delta.sum(axis=1),
    }
    for name, expected in said.items():
        m = LINEAR[name]
        np.testing.assert_allclose(m(x, w, delta)[D.LINEAR_WRT.index(m.wrt)], expected)
    z, labels = np.random.default_rng(5).standard_normal((3, 4)), np.array([3, 1, 0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    y = np.eye(4)[labels]
    said = {
        "missing_mean": p - y,
        "sign_flipped": (y - p) / 3,
        "no_softmax": (z - y) / 3,
        "no_one_hot": p / 3,
        "mean_over_entries": (p - y) / 12,
        "softmax_over_batch": (np.exp(z) / np.exp(z).sum(axis=0) - y) / 3,
    }
    for name, expected in said.items():
        np.testing.assert_allclose(CE[name](z, labels), expected, rtol=1e-13)


def test_mistakes_that_need_a_shape_show_without_it_by_their_shape_or_not_at_all():
    x, w, delta, fd = linear_problem(4, 3, 2)
    with pytest.raises(DoesNotFit, match="does not fit"):
        LINEAR["dx_w_transposed"](x, w, delta)
    assert not D.linear_identity_holds(4, 3, 2, closed_form=LINEAR["dx_w_transposed"])
    assert LINEAR["dw_transposed"](x, w, delta)[1].shape == (3, 2)  # W is (2, 3)
    assert LINEAR["db_wrong_axis"](x, w, delta)[2].shape == (4,)  # b is (2,)
    assert LINEAR["db_not_summed"](x, w, delta)[2].shape == (4, 2)
    one = linear_problem(1, 2, 2)  # N = 1: the batch means are the right answers
    for name in ("dx_batch_mean", "dw_batch_mean", "db_batch_mean"):
        k = D.LINEAR_WRT.index(LINEAR[name].wrt)
        np.testing.assert_allclose(LINEAR[name](*one[:3])[k], one[3][k], rtol=1e-7, atol=1e-8)
    assert "N > 1" in LINEAR["db_batch_mean"].needs and "in = out" in LINEAR["dw_transposed"].needs


def test_arguments_are_checked_like_the_core():
    with pytest.raises(ValueError, match="feature mismatch: x has in=3"):
        D.linear_backward_closed_form(np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"delta must have shape \(2, 2\)"):
        LINEAR["db_batch_mean"](np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="labels must lie in"):
        CE["no_one_hot"](np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="logits must be 2-D"):
        D.softmax_ce_gradient_closed_form(np.zeros(3), [0])
    with pytest.raises(ValueError, match="wrt must be one of"):
        D.LinearMistake("bad", "y", "d", "d.", lambda x, w, delta: x)


def test_the_linear_identity_wants_exactly_three_gradients_from_a_function():
    def right(x, w, delta):
        return D.linear_backward_closed_form(x, w, delta)

    assert D.linear_identity_holds(2, 2, 2, closed_form=lambda *a: list(right(*a)))
    assert not D.linear_identity_holds(2, 2, 2, closed_form=lambda *a: right(*a)[:2])
    assert not D.linear_identity_holds(2, 2, 2, closed_form=lambda *a: (*right(*a), 0))
    with pytest.raises(TypeError, match="closed_form must be a function itself"):
        D.linear_identity_holds(2, 2, 2, closed_form=right(np.eye(2), np.eye(2), np.eye(2)))
    with pytest.raises(TypeError, match="closed_form must be a function itself"):
        D.softmax_ce_identity_holds([0], 2, closed_form="no_one_hot")


# name -> (its needs, shapes meeting them: rejected, shapes violating them: what happens there)
# with linear shapes (N, in, out) and cross-entropy cases (labels, K)
LINEAR_NEEDS = {
    "dx_w_transposed": ("in = out", [(2, 2, 2), (1, 3, 3)], [(2, 3, 2)], "does not fit"),
    "dx_batch_mean": ("N > 1", [(2, 1, 1), (3, 2, 3)], [(1, 2, 3)], "identical"),
    "dw_transposed": ("in = out", [(2, 2, 2), (1, 3, 3)], [(2, 3, 2)], "shape"),
    "dw_batch_mean": ("N > 1", [(2, 1, 1), (3, 2, 3)], [(1, 2, 3)], "identical"),
    "db_batch_mean": ("N > 1", [(2, 1, 1), (3, 2, 3)], [(1, 2, 3)], "identical"),
    "db_not_summed": ("never", [], [(1, 1, 1), (2, 3, 2)], "shape"),
    "db_wrong_axis": ("N = out", [(2, 1, 2), (3, 2, 3)], [(3, 1, 2)], "shape"),
}
CE_NEEDS = {
    "missing_mean": ("N > 1 and K > 1", [((0, 1), 2)], [((0,), 3), ((0, 0), 1)], "identical"),
    "sign_flipped": ("K > 1", [((0,), 2), ((1, 0, 1), 2)], [((0,), 1), ((0, 0), 1)], "identical"),
    "no_softmax": ("", [((0,), 1), ((0, 0), 1), ((1,), 2)], [], ""),
    "no_one_hot": ("", [((0,), 1), ((0, 0), 1), ((1,), 2)], [], ""),
    "mean_over_entries": ("K > 1", [((0,), 2), ((2, 0), 3)], [((0, 0), 1)], "identical"),
    "softmax_over_batch": ("N > 1 or K > 1", [((0,), 2), ((0, 0), 1)], [((0,), 1)], "identical"),
}


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_each_linear_entry_needs_what_it_says(name):
    m, (needs, meeting, violating, there) = LINEAR[name], LINEAR_NEEDS[name]
    assert m.needs.startswith(needs) and set(LINEAR_NEEDS) == set(LINEAR)
    for shape in meeting:
        assert not D.linear_identity_holds(*shape, closed_form=m), shape
    k = D.LINEAR_WRT.index(m.wrt)
    for n, n_in, n_out in violating:  # identical, or given away before any value is compared
        args = tensor("X", (n, n_in)), tensor("W", (n_out, n_in)), tensor("d", (n, n_out))
        if there == "identical":
            assert D.linear_identity_holds(n, n_in, n_out, closed_form=m)
        elif there == "shape":
            assert m(*args)[k].shape != D.linear_backward_closed_form(*args)[k].shape
        else:
            with pytest.raises(DoesNotFit):
                m(*args)


@pytest.mark.parametrize("name", sorted(CE))
def test_each_ce_entry_needs_what_it_says(name):
    m, (needs, meeting, violating, there) = CE[name], CE_NEEDS[name]
    assert m.needs.startswith(needs) and set(CE_NEEDS) == set(CE)
    assert (needs == "") == (not violating)
    for labels, k in meeting:
        assert not D.softmax_ce_identity_holds(labels, k, closed_form=m), (labels, k)
    for labels, k in violating:
        assert there == "identical" and D.softmax_ce_identity_holds(labels, k, closed_form=m)
