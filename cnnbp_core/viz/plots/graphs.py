"""Computational graphs drawn with matplotlib alone (no graphviz): forward values, backward
gradients, a number on every edge.

The numbers come from `cnnbp_core.explain.graphs.backprop_graph`; this module only places and
draws them. Nodes sit in columns by depth (inputs on the left, the output on the right), in the
graph's order from top to bottom within a column. Forward arrows and labels are blue, backward
ones red (`cnnbp_core.viz.style.BLUE`, `RED`); each edge's label sits on the middle of the arrow's
shaft, clear of its head.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ...explain.graphs import GraphPass, check_graph
from ...validation import check_shape, finite_array, instance_of, subset_of
from ..style import BLUE, GREY, NODE_FILL, OUTLINE, OUTPUT_FILL, RED

_SYMBOL = {"add": "{} + {}", "mul": "{}·{}", "square": "{}²"}
FORWARD_INK, BACKWARD_INK = BLUE, RED  # values flow right, gradients left
SPACING = 1.9  # horizontal distance between columns, in the units of the rows (at least)
_CLEARANCE = 6.0  # px between an edge label and the ends of its arrow's shaft


def number(v, digits: int = 4) -> str:
    """A number as a short label: ``digits`` significant digits, a true minus sign, and a dash
    for what is not finite (the one number format of the figures and HTML views).

    >>> number(-1.5), number(2.0), number(0.1 + 0.2), number(-1e-12), number(float("nan"))
    ('−1.5', '2', '0.3', '−1e−12', '—')
    >>> number(-0.0), number(0.7000000000000001, 12)
    ('0', '0.7')
    """
    v = float(v)
    if not math.isfinite(v):
        return "—"
    return f"{v + 0.0:.{digits}g}".replace("-", "−")


def graph_layout(graph) -> dict:
    """Where each node goes: column = depth (longest path from an input), rows centred.

    Parameters
    ----------
    graph : dict
        ``name -> (op, *inputs)`` in evaluation order (as `backprop_graph` takes it, checked by
        the same rule, `cnnbp_core.explain.graphs.check_graph`).

    Returns
    -------
    dict of str to (float, float)
        ``(x, y)`` per node: x the depth, y from +(n-1)/2 (top) down in steps of 1.

    Examples
    --------
    >>> from cnnbp_core.explain.graphs import SHARED_WEIGHT_GRAPH
    >>> graph_layout(SHARED_WEIGHT_GRAPH)
    {'x1': (0, 1.0), 'w': (0, 0.0), 'x2': (0, -1.0), 'y1': (1, 0.5), 'y2': (1, -0.5), 's': (2, 0.0), 'L': (3, 0.0)}
    >>> graph_layout({"a": ("input",), "b": ("square", "c")})
    Traceback (most recent call last):
    ValueError: an input of node 'b' (an earlier node) must be one of ('a',); got 'c'
    """  # noqa: E501
    depth = {}
    for name, (_, *args) in check_graph(graph).items():
        depth[name] = 1 + max((depth[a] for a in args), default=-1)
    columns = {}
    for name, d in depth.items():
        columns.setdefault(d, []).append(name)
    return {
        name: (depth[name], (len(col) - 1) / 2 - col.index(name))
        for col in columns.values()
        for name in col
    }


def _checked_layout(layout, graph) -> dict:
    """``layout`` as {node: (x, y)} of finite floats, one position for every node of graph."""
    instance_of(layout, "layout", dict, "a dict node name -> (x, y)")
    subset_of(graph, "the nodes of p.graph (each needs a position in layout)", layout)
    where = {}
    for name in graph:
        position = finite_array(layout[name], f"layout[{name!r}]", (1,))
        check_shape(position, (2,), f"layout[{name!r}]", "an (x, y) position")
        where[name] = (float(position[0]), float(position[1]))
    return where


def _definition(name, spec) -> str:
    op, *args = spec
    return name if op == "input" else f"{name} = {_SYMBOL[op].format(*args)}"


def _node_text(p: GraphPass, name, backward: bool) -> str:
    if not backward:
        return f"{_definition(name, p.graph[name])}\n= {number(p.values[name])}"
    terms = [e.gradient for e in p.edges if e.source == name]
    total = "= "
    if len(terms) > 1:  # a value used more than once: its gradient is the sum of the terms
        total += " + ".join(number(t) for t in terms) + " = "
    return f"{name}\n∂{p.output}/∂{name}\n{total}{number(p.grads[name])}"


def _edge_text(e, backward: bool) -> str:
    if not backward:
        return number(e.value)
    upstream = number(e.upstream)
    upstream = f"({upstream})" if e.upstream < 0 else upstream
    return f"{number(e.local)} × {upstream}\n= {number(e.gradient)}"


def _draw_nodes(ax, p: GraphPass, where, backward: bool) -> dict:
    """A box per node, sized to its text; returns the boxes (the arrows end on them)."""
    boxes = {}
    for name, (x, y) in where.items():
        is_output = name == p.output
        frame = {
            "boxstyle": "round,pad=0.45",
            "fc": OUTPUT_FILL if is_output else NODE_FILL,
            "ec": OUTLINE if is_output else GREY,
            "lw": 1.2,
        }
        text = ax.text(x, y, _node_text(p, name, backward), ha="center", va="center",
                       fontsize=9, bbox=frame, zorder=3)  # fmt: skip
        boxes[name] = text.get_bbox_patch()
    return boxes


def _draw_edges(ax, p: GraphPass, where, boxes, backward: bool) -> list:
    """An arrow and a label per edge: forward from source to target, backward the other way.

    Returns (arrow, label) pairs; the labels sit at the middle of the arrows for now
    (`_centre_labels` moves each onto its arrow's visible shaft once the boxes are sized).
    """
    ink = BACKWARD_INK if backward else FORWARD_INK
    pairs = []
    for e in p.edges:
        tail, head = (e.target, e.source) if backward else (e.source, e.target)
        (x0, y0), (x1, y1) = where[tail], where[head]
        arrow = FancyArrowPatch(
            (x0, y0), (x1, y1), patchA=boxes[tail], patchB=boxes[head],
            arrowstyle="-|>", mutation_scale=13, color=ink, lw=1.4, shrinkA=1, shrinkB=1,
            zorder=2, gid=f"{tail}->{head}",
        )  # fmt: skip
        ax.add_patch(arrow)
        label = ax.text(
            (x0 + x1) / 2, (y0 + y1) / 2, _edge_text(e, backward),
            ha="center", va="center", fontsize=8.5, color=ink, zorder=4, linespacing=1.1,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
        )  # fmt: skip
        pairs.append((arrow, label))
    return pairs


def _centre_labels(fig, pairs) -> float:
    """Move each label to the middle of its arrow's shaft (from the tail to the head's base),
    once a layout pass has sized the boxes the arrows are clipped to.

    Returns the horizontal room still missing, in data units: the most by which one column
    must move away from the previous one for every label to fit on its shaft, clear of the
    arrowhead (0 when all fit).
    """
    fig.draw_without_rendering()
    missing = 0.0
    for arrow, label in pairs:
        v = arrow.get_path().vertices  # data coordinates: tail, control, tip, then the head
        base = (v[3] + v[5]) / 2  # the head's back edge
        label.set_position(tuple((v[0] + base) / 2))
        to_px = arrow.axes.transData
        shaft = to_px.transform(base) - to_px.transform(v[0])  # px
        length = float(np.hypot(*shaft))
        dx, dy = np.abs(shaft) / length
        box = label.get_bbox_patch().get_window_extent()
        covered = min(box.width / dx if dx else np.inf, box.height / dy if dy else np.inf)
        if covered + 2 * _CLEARANCE > length and dx:  # the label would reach the head
            px_per_unit = to_px.transform((1, 0))[0] - to_px.transform((0, 0))[0]
            missing = max(missing, (covered + 2 * _CLEARANCE - length) * dx / px_per_unit)
    return missing


def _frame(ax, where) -> None:
    xs, ys = [x for x, _ in where.values()], [y for _, y in where.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.55, max(ys) + 0.55)
    ax.set_axis_off()


def computational_graph_figure(p: GraphPass, *, layout=None) -> Figure:
    """Two panels: the forward pass (values on nodes and edges) and the backward pass.

    In the backward panel each edge shows ``local × upstream = gradient``: the derivative of
    the edge's target with respect to its source, times the gradient of the output with respect
    to the target, gives this edge's term of the source's gradient; a node used more than once
    shows the sum of its terms. Backward arrows point from the target back to the source.

    Parameters
    ----------
    p : GraphPass
        From `cnnbp_core.explain.backprop_graph`.
    layout : dict, optional
        ``name -> (x, y)`` for every node; default `graph_layout`.

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
    >>> any(t.get_text() == "2 × (−1)\\n= −2" for t in fig.axes[1].texts)
    True
    >>> computational_graph_figure(p, layout={"w": (0, 0)})
    Traceback (most recent call last):
    ValueError: the nodes of p.graph (each needs a position in layout) may only name ('w',); got ['L', 's', 'w', 'x1', 'x2', 'y1', 'y2']
    """  # noqa: E501
    instance_of(p, "p", GraphPass, "a GraphPass (from backprop_graph)")
    where = graph_layout(p.graph) if layout is None else _checked_layout(layout, p.graph)
    spacing = SPACING
    for _ in range(4):  # widen the columns until every edge label fits on its arrow's shaft
        fig, missing = _figure(p, where, spacing)
        if missing == 0:
            break
        spacing += 1.1 * missing / max(1.0, _min_column_step(where))
    return fig


def _min_column_step(where) -> float:
    xs = np.unique([x for x, _ in where.values()])
    return float(np.diff(xs).min()) if len(xs) > 1 else 1.0


def _figure(p, where, spacing):
    """The figure with columns ``spacing`` apart, and the room its labels still miss."""
    placed = {name: (x * spacing, y) for name, (x, y) in where.items()}
    xs, ys = np.array(list(placed.values()), dtype=float).T
    width, rows = float(np.ptp(xs)), float(np.ptp(ys))
    fig = Figure(figsize=(2 * (width + 1.8), 1.25 * rows + 1.7), layout="constrained")
    pairs = []
    for ax, backward in zip(fig.subplots(1, 2), (False, True)):
        boxes = _draw_nodes(ax, p, placed, backward)
        pairs += _draw_edges(ax, p, placed, boxes, backward)
        _frame(ax, placed)
        title = f"backward: gradients of {p.output}" if backward else "forward: values"
        ax.set_title(title, fontsize=11)
    return fig, _centre_labels(fig, pairs)
