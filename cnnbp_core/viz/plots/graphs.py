"""Computational graphs drawn with matplotlib alone (no graphviz): forward values, backward
gradients, a number on every edge.

The numbers come from `cnnbp_core.explain.graphs.backprop_graph`; this module only places and
draws them. Nodes sit in columns by depth (inputs on the left, the output on the right), in the
graph's order from top to bottom within a column.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ...explain.graphs import GraphPass
from ...validation import one_of
from ..style import OUTLINE

_SYMBOL = {"add": "{} + {}", "mul": "{}·{}", "square": "{}²"}
FORWARD_INK, BACKWARD_INK = "#1f77b4", "#d62728"  # values flow right (blue), gradients left (red)


def number(v) -> str:
    """A value as a short label with a true minus sign: ``-1.5`` -> ``"−1.5"``.

    >>> number(-1.5), number(2.0), number(0.1 + 0.2)
    ('−1.5', '2', '0.3')
    """
    return f"{float(v) + 0.0:.4g}".replace("-", "−")


def graph_layout(graph) -> dict:
    """Where each node goes: column = depth (longest path from an input), rows centred.

    Parameters
    ----------
    graph : dict
        ``name -> (op, *inputs)`` in evaluation order (as `backprop_graph` takes it).

    Returns
    -------
    dict of str to (float, float)
        ``(x, y)`` per node: x the depth, y from +(n-1)/2 (top) down in steps of 1.

    Examples
    --------
    >>> from cnnbp_core.explain.graphs import SHARED_WEIGHT_GRAPH
    >>> graph_layout(SHARED_WEIGHT_GRAPH)
    {'x1': (0, 1.0), 'w': (0, 0.0), 'x2': (0, -1.0), 'y1': (1, 0.5), 'y2': (1, -0.5), 's': (2, 0.0), 'L': (3, 0.0)}
    """  # noqa: E501
    depth = {}
    for name, (_, *args) in graph.items():
        depth[name] = 1 + max((depth[a] for a in args), default=-1)
    columns = {}
    for name, d in depth.items():
        columns.setdefault(d, []).append(name)
    return {
        name: (depth[name], (len(col) - 1) / 2 - col.index(name))
        for col in columns.values()
        for name in col
    }


def _definition(name, spec) -> str:
    op, *args = spec
    return name if op == "input" else f"{name} = {_SYMBOL[op].format(*args)}"


def _node_text(p: GraphPass, name, backward: bool) -> str:
    if not backward:
        return f"{_definition(name, p.graph[name])}\n= {number(p.values[name])}"
    terms = [e.gradient for e in p.edges if e.source == name]
    total = f"∂{p.output}/∂{name} = "
    if len(terms) > 1:  # a value used more than once: its gradient is the sum of the terms
        total += " + ".join(number(t) for t in terms) + " = "
    return f"{name}\n{total}{number(p.grads[name])}"


def _edge_text(e, backward: bool) -> str:
    if not backward:
        return number(e.value)
    upstream = number(e.upstream)
    upstream = f"({upstream})" if e.upstream < 0 else upstream
    return f"{number(e.local)} × {upstream} = {number(e.gradient)}"


SPACING = 1.75  # horizontal distance between columns, in the units of the rows


def _draw(ax, p: GraphPass, where, backward: bool) -> None:
    """One panel: a box per node (sized to its text), an arrow and a label per edge."""
    ink = BACKWARD_INK if backward else FORWARD_INK
    boxes = {}
    for name, (x, y) in where.items():
        is_output = name == p.output
        frame = {
            "boxstyle": "round,pad=0.45",
            "fc": "#fff4e5" if is_output else "#f2f2f2",
            "ec": OUTLINE if is_output else "#555",
            "lw": 1.2,
        }
        text = ax.text(x * SPACING, y, _node_text(p, name, backward), ha="center", va="center",
                       fontsize=9, bbox=frame, zorder=3)  # fmt: skip
        boxes[name] = text.get_bbox_patch()
    for e in p.edges:
        (x0, y0), (x1, y1) = where[e.source], where[e.target]
        ends = [(x0 * SPACING, y0), (x1 * SPACING, y1)]
        a, b = (e.target, e.source) if backward else (e.source, e.target)
        ends = ends[::-1] if backward else ends
        ax.add_patch(
            FancyArrowPatch(
                *ends, patchA=boxes[a], patchB=boxes[b], arrowstyle="-|>", mutation_scale=13,
                color=ink, lw=1.4, shrinkA=1, shrinkB=1, zorder=2,
            )
        )  # fmt: skip
        ax.text(
            (x0 + x1) / 2 * SPACING, (y0 + y1) / 2, _edge_text(e, backward),
            ha="center", va="center", fontsize=8.5, color=ink, zorder=4,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
        )  # fmt: skip
    xs, ys = [x * SPACING for x, _ in where.values()], [y for _, y in where.values()]
    ax.set_xlim(min(xs) - 0.75, max(xs) + 0.75)
    ax.set_ylim(min(ys) - 0.45, max(ys) + 0.45)
    ax.set_axis_off()


def computational_graph_figure(p: GraphPass, *, layout=None) -> Figure:
    """Two panels: the forward pass (values on nodes and edges) and the backward pass.

    In the backward panel each edge shows ``local × upstream = gradient``: the derivative of
    the edge's target with respect to its source, times the gradient of the output with respect
    to the target, gives this edge's term of the source's gradient; a node used more than once
    shows the sum of its terms.

    Parameters
    ----------
    p : GraphPass
        From `cnnbp_core.explain.backprop_graph`.
    layout : dict, optional
        ``name -> (x, y)``; default `graph_layout`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnnbp_core.explain.graphs import SHARED_WEIGHT_GRAPH, backprop_graph
    >>> p = backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": 2.0, "w": 0.5, "x2": -3.0})
    >>> fig = computational_graph_figure(p)
    >>> [ax.get_title() for ax in fig.axes]
    ['forward: values', 'backward: gradients of L']
    >>> any(t.get_text() == "2 × (−1) = −2" for t in fig.axes[1].texts)
    True
    """
    one_of(type(p).__name__, "p's type (from backprop_graph)", (GraphPass.__name__,))
    where = graph_layout(p.graph) if layout is None else layout
    depth = max(x for x, _ in where.values())
    rows = max(y for _, y in where.values()) - min(y for _, y in where.values())
    fig = Figure(figsize=(2 * (1.75 * depth + 1.7), 1.2 * rows + 1.4), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, backward, title in zip(
        axes, (False, True), ("forward: values", f"backward: gradients of {p.output}")
    ):
        _draw(ax, p, where, backward)
        ax.set_title(title, fontsize=11)
    return fig
