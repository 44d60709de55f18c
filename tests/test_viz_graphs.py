"""Computational graphs: backprop_graph against finite differences on random graphs, and the
figure that draws it (every node and edge labelled with the numbers backprop_graph computed)."""

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from cnnbp_core import explain, viz
from cnnbp_core.explain.graphs import OPS, SHARED_WEIGHT_GRAPH, backprop_graph
from cnnbp_core.gradcheck import numerical_vjp
from cnnbp_core.viz.plots import graphs as plots_graphs


def test_the_shared_weight_graph_matches_its_closed_form_at_random_inputs():
    """L = w²(x1 + x2)²: dL/dw = 2w(x1 + x2)², dL/dx1 = dL/dx2 = 2w²(x1 + x2)."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        x1, w, x2 = rng.standard_normal(3)
        p = backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": x1, "w": w, "x2": x2})
        s = x1 + x2
        assert p.values["L"] == pytest.approx(w**2 * s**2)
        assert p.grads["w"] == pytest.approx(2 * w * s**2)
        assert p.grads["x1"] == pytest.approx(2 * w**2 * s) == p.grads["x2"]
        uses = [e.gradient for e in p.edges if e.source == "w"]
        assert len(uses) == 2 and sum(uses) == pytest.approx(p.grads["w"])


def random_graph(rng, n_inputs, n_ops):
    """Inputs, then ops reading random earlier nodes (so some are used several times)."""
    graph = {f"i{k}": ("input",) for k in range(n_inputs)}
    for k in range(n_ops):
        op = ["add", "mul", "square"][rng.integers(3)]
        parents = rng.choice(list(graph), size=OPS[op]).tolist()
        graph[f"n{k}"] = (op, *parents)
    return graph


def test_random_graphs_agree_with_finite_differences():
    rng = np.random.default_rng(1)
    for trial in range(40):
        graph = random_graph(rng, int(rng.integers(1, 4)), int(rng.integers(1, 7)))
        names = [n for n, spec in graph.items() if spec[0] == "input"]
        values = rng.uniform(-1.5, 1.5, len(names))
        upstream = float(rng.standard_normal())  # the graph inside a larger one

        def output(*xs, graph=graph, names=names):
            return backprop_graph(graph, dict(zip(names, map(float, xs)))).values[
                next(reversed(graph))
            ]

        numerical = numerical_vjp(output, list(values), np.asarray(upstream))
        p = backprop_graph(graph, dict(zip(names, values)), upstream=upstream)
        analytic = [p.grads[n] for n in names]
        np.testing.assert_allclose(analytic, np.ravel(numerical), rtol=1e-6, atol=1e-7,
                                   err_msg=str((trial, graph)))  # fmt: skip


def test_every_edge_carries_local_times_upstream_and_nodes_sum_their_edges():
    rng = np.random.default_rng(2)
    graph = random_graph(rng, 3, 8)
    names = [n for n, spec in graph.items() if spec[0] == "input"]
    p = backprop_graph(graph, dict(zip(names, rng.standard_normal(3))))
    assert len(p.edges) == sum(OPS[spec[0]] for spec in graph.values())
    for e in p.edges:
        assert e.gradient == e.local * e.upstream and e.upstream == p.grads[e.target]
        assert e.value == p.values[e.source]
    for name in graph:
        if name != p.output:
            terms = [e.gradient for e in p.edges if e.source == name]
            assert p.grads[name] == pytest.approx(sum(terms))  # 0 for an unused node


@pytest.mark.parametrize(
    ("graph", "inputs", "error", "message"),
    [
        ({"a": ("input",), "b": ("cube", "a")}, {"a": 1.0}, ValueError, "op of node 'b'"),
        ({"a": ("input",), "b": ("add", "a")}, {"a": 1.0}, ValueError, "number of inputs of"),
        ({"a": ("input",), "b": ("square", "c")}, {"a": 1.0}, ValueError, "an earlier node"),
        ({"a": ("input",), "b": ("square", "a")}, {}, ValueError, "each needs a value"),
        ({"a": ("input",), "b": ("square", "a")}, {"a": 1.0, "b": 2.0}, ValueError,
         "values of the input nodes"),
        ({"a": ("input",)}, {"a": 1.0}, ValueError, "output node 'a'"),
        ({"a": ("input",), "b": ("square", "a")}, {"a": "1"}, TypeError, r"inputs\['a'\]"),
        ([("a", "input")], {"a": 1.0}, ValueError, "graph's type"),
        ({}, {}, ValueError, "the number of nodes in graph must be >= 1"),
        ({"a": ("input",), "b": ("square", "a")}, [1.0], ValueError, "inputs' type"),
    ],
)  # fmt: skip
def test_bad_graphs_and_inputs_are_named(graph, inputs, error, message):
    with pytest.raises(error, match=message):
        backprop_graph(graph, inputs)


def test_the_layout_puts_inputs_left_and_the_output_right():
    where = viz.graph_layout(SHARED_WEIGHT_GRAPH)
    assert {x for name, (x, _) in where.items() if name in ("x1", "w", "x2")} == {0}
    assert where["L"] == (3, 0.0) and where["w"][1] == 0.0 and where["x1"][1] > where["x2"][1]


def test_the_figure_labels_every_node_and_edge_with_the_computed_numbers():
    rng = np.random.default_rng(3)
    x1, w, x2 = np.round(rng.uniform(-3, 3, 3), 1)
    p = explain.backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": x1, "w": w, "x2": x2})
    fig = viz.computational_graph_figure(p)
    forward, backward = ([t.get_text() for t in ax.texts] for ax in fig.axes)
    number = plots_graphs.number
    for name, value in p.values.items():
        assert any(t.startswith(name) and t.endswith(f"= {number(value)}") for t in forward)
        shown = next(t for t in backward if t.startswith(f"{name}\n∂L/∂{name} = "))
        assert shown.endswith(f"= {number(p.grads[name])}")
    w_text = next(t for t in backward if t.startswith("w\n"))
    assert " + " in w_text  # w is used twice: its gradient is shown as a sum of two terms
    for e in p.edges:  # forward: the value carried; backward: local × upstream = gradient
        assert number(e.value) in forward
        assert any(
            t.startswith(number(e.local)) and t.endswith(number(e.gradient)) for t in backward
        )
    for ax in fig.axes:  # one arrow per edge, in each panel
        arrows = [a for a in ax.patches if isinstance(a, FancyArrowPatch)]
        assert len(arrows) == len(p.edges)
    with pytest.raises(ValueError, match="p's type"):
        viz.computational_graph_figure(SHARED_WEIGHT_GRAPH)
