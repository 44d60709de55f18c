"""Computational graphs: backprop_graph against finite differences on random graphs, and the
figure that draws it (every node and edge labelled with the numbers backprop_graph computed)."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from cnnbp_core import explain, viz
from cnnbp_core.explain.graphs import OPS, SHARED_WEIGHT_GRAPH, backprop_graph
from cnnbp_core.gradcheck import numerical_vjp
from cnnbp_core.viz import style
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
        ([("a", "input")], {"a": 1.0}, TypeError, r"graph must be a dict name -> \(op, \*inputs\)"),
        ({}, {}, ValueError, "the number of nodes in graph must be >= 1"),
        ({"a": ("input",), "b": ("square", "a")}, [1.0], TypeError,
         "inputs must be a dict name -> number; got"),
        ({"a": None}, {}, TypeError, r"graph\['a'\] must be an op name or a tuple"),
        ({"a": 3}, {}, TypeError, r"graph\['a'\] must be an op name or a tuple"),
        ({"a": ()}, {}, ValueError, r"the length of graph\['a'\] \(op, \*inputs\) must be >= 1"),
        ({"a": (None,)}, {}, TypeError, "the op of node 'a' must be a str"),
        ({"a": "input", "b": ("square", np.array(["a"]))}, {"a": 1.0}, TypeError,
         "an input of node 'b' .* must be a str"),
        ({"a": "input", 3: ("square", "a")}, {"a": 1.0}, TypeError, "a node's name"),
    ],
)  # fmt: skip
def test_bad_graphs_and_inputs_are_named(graph, inputs, error, message):
    with pytest.raises(error, match=message):
        backprop_graph(graph, inputs)


def test_a_node_spec_may_be_a_bare_op_name_or_a_list():
    p = backprop_graph({"a": "input", "b": ["square", "a"]}, {"a": 3.0})
    assert p.graph == {"a": ("input",), "b": ("square", "a")} and p.grads["a"] == 6.0


def test_the_layout_puts_inputs_left_and_the_output_right():
    where = viz.graph_layout(SHARED_WEIGHT_GRAPH)
    assert {x for name, (x, _) in where.items() if name in ("x1", "w", "x2")} == {0}
    assert where["L"] == (3, 0.0) and where["w"][1] == 0.0 and where["x1"][1] > where["x2"][1]
    assert where["y1"] == (1, 0.5) and where["s"] == (2, 0.0)
    with pytest.raises(TypeError, match="graph must be a dict"):
        viz.graph_layout([("a", "input")])
    with pytest.raises(ValueError, match="an input of node 'b' .* must be one of"):
        viz.graph_layout({"a": ("input",), "b": ("square", "zz")})


def chapter_pass():
    return explain.backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": 2.0, "w": 0.5, "x2": -3.0})


def test_the_figure_labels_every_node_and_edge_with_the_computed_numbers():
    rng = np.random.default_rng(3)
    x1, w, x2 = np.round(rng.uniform(-3, 3, 3), 1)
    p = explain.backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": x1, "w": w, "x2": x2})
    fig = viz.computational_graph_figure(p)
    forward, backward = ([t.get_text() for t in ax.texts] for ax in fig.axes)
    number = plots_graphs.number
    for name, value in p.values.items():
        assert any(t.startswith(name) and t.endswith(f"= {number(value)}") for t in forward)
        shown = next(t for t in backward if t.startswith(f"{name}\n∂L/∂{name}\n= "))
        assert shown.endswith(f"= {number(p.grads[name])}")
    w_text = next(t for t in backward if t.startswith("w\n"))
    terms = [number(e.gradient) for e in p.edges if e.source == "w"]
    assert f"= {terms[0]} + {terms[1]} = " in w_text  # w is used twice: a sum of two terms
    for e in p.edges:  # forward: the value carried; backward: local × upstream = gradient
        assert number(e.value) in forward
        upstream = number(e.upstream) if e.upstream >= 0 else f"({number(e.upstream)})"
        assert f"{number(e.local)} × {upstream}\n= {number(e.gradient)}" in backward
    with pytest.raises(TypeError, match="p must be a GraphPass"):
        viz.computational_graph_figure(SHARED_WEIGHT_GRAPH)


def arrows(ax):
    return {a.get_gid(): a for a in ax.patches if isinstance(a, FancyArrowPatch)}


def drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig


def is_label(text):
    return text.get_bbox_patch().get_facecolor()[:3] == (1, 1, 1)  # edge labels: white boxes


def node_centres(ax):
    """{name: (x, y)} of the node boxes: their text begins with the name."""
    return {
        t.get_text().split("\n")[0].split(" = ")[0]: np.array(t.get_position())
        for t in ax.texts
        if not is_label(t)
    }


def test_arrows_point_forward_then_backward_in_the_two_colours():
    p = chapter_pass()
    fig = drawn(viz.computational_graph_figure(p))
    where = viz.graph_layout(p.graph)
    for ax, backward, colour in zip(fig.axes, (False, True), (style.BLUE, style.RED)):
        found = arrows(ax)
        assert len(found) == len(p.edges)
        for e in p.edges:
            tail, head = (e.target, e.source) if backward else (e.source, e.target)
            arrow = found[f"{tail}->{head}"]
            assert to_hex(arrow.get_facecolor()) == colour
            tip, start = arrow.get_path().vertices[2], arrow.get_path().vertices[0]
            toward = np.subtract(where[head], where[tail])  # in layout units
            assert np.dot(tip - start, toward) > 0, (backward, e)  # it points at the head
            # the tip is nearer the head node than the tail node
            centre = node_centres(ax)
            assert np.linalg.norm(tip - centre[head]) < np.linalg.norm(tip - centre[tail])
    labels = {t.get_text() for t in fig.axes[1].texts if t.get_color() == style.RED}
    assert "2 × (−1)\n= −2" in labels


def overlaps(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_edge_labels_leave_every_arrowhead_visible(seed):
    """The review found the backward labels hiding the heads of the arrows into w, x1, x2."""
    if seed is None:
        p = chapter_pass()
    else:
        x1, w, x2 = np.round(np.random.default_rng(seed).uniform(-9, 9, 3), 2)
        p = explain.backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": x1, "w": w, "x2": x2})
    fig = drawn(viz.computational_graph_figure(p))
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [t for t in ax.texts if is_label(t)]
        assert len(labels) == len(p.edges)
        for arrow in arrows(ax).values():
            head = arrow.get_path().vertices[3:6]  # the head's triangle, data coordinates
            xy = ax.transData.transform(head)
            head_box = Bbox.from_extents(*xy.min(axis=0), *xy.max(axis=0))
            for label in labels:
                box = label.get_bbox_patch().get_window_extent(renderer)
                assert not overlaps(head_box, box), (arrow.get_gid(), label.get_text())


def test_a_layout_must_place_every_node():
    p = chapter_pass()
    custom = {n: (x, -y) for n, (x, y) in viz.graph_layout(p.graph).items()}  # upside down
    fig = viz.computational_graph_figure(p, layout=custom)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match=r"each needs a position in layout\) may only name \(\)"):
        viz.computational_graph_figure(p, layout={})
    with pytest.raises(ValueError, match=r"may only name .*got \['L', 's', 'w'"):
        viz.computational_graph_figure(p, layout={"x1": (0, 0)})
    with pytest.raises(TypeError, match="layout must be a dict node name -> \\(x, y\\)"):
        viz.computational_graph_figure(p, layout=[(0, 0)])
    bad = {**custom, "w": (0.0, np.nan)}
    with pytest.raises(ValueError, match=r"layout\['w'\] must be finite"):
        viz.computational_graph_figure(p, layout=bad)
    with pytest.raises(ValueError, match=r"layout\['w'\] must have shape \(2,\)"):
        viz.computational_graph_figure(p, layout={**custom, "w": (0.0, 1.0, 2.0)})


def test_one_number_format_with_a_true_minus_sign():
    number = plots_graphs.number
    assert number(-1.5) == "−1.5" and number(2.0) == "2" and number(0.1 + 0.2) == "0.3"
    assert number(-0.0) == "0" and number(float("nan")) == "—" and number(float("inf")) == "—"
    assert number(-1.23456e-7, 3) == "−1.23e−07"
