"""Forward and backward through a small computational graph, every number kept (NumPy only).

A graph is a dict, in evaluation order, from a node's name to its operation and the names of
the nodes it reads: ``{"w": ("input",), "x": ("input",), "y": ("mul", "w", "x"), ...}``. The
last node is the output. `backprop_graph` runs it forward, then backward by the chain rule: each
edge carries ``local * upstream`` back, where ``local`` is the derivative of the edge's target
with respect to its source and ``upstream`` the gradient of the output with respect to the
target; a node's gradient is the sum over the edges leaving it (a value used twice gets two
terms). A figure (`cnnbp_core.viz.computational_graph_figure`) draws what it returns.
"""

from __future__ import annotations

from typing import NamedTuple

from ..validation import as_int, as_real, choice, instance_of, nonempty_str, one_of, subset_of

OPS = {"input": 0, "add": 2, "mul": 2, "square": 1}
"""The operations a node may apply, with their number of inputs."""

SHARED_WEIGHT_GRAPH = {
    "x1": ("input",),
    "w": ("input",),
    "x2": ("input",),
    "y1": ("mul", "w", "x1"),
    "y2": ("mul", "w", "x2"),
    "s": ("add", "y1", "y2"),
    "L": ("square", "s"),
}
"""``L = (w·x1 + w·x2)²``: one weight used twice, as a convolution uses each kernel weight at
every output position (chapter 01's worked example)."""


class GraphEdge(NamedTuple):
    """One use of a node's value by another, with what flows along it each way.

    Examples
    --------
    >>> p = backprop_graph({"a": ("input",), "b": ("square", "a")}, {"a": 3.0})
    >>> p.edges[0]
    GraphEdge(source='a', target='b', value=3.0, local=6.0, upstream=1.0, gradient=6.0)
    """

    source: str
    target: str
    value: float  # forward: the source's value, read by the target
    local: float  # d target / d source, at the forward values
    upstream: float  # backward: dOut / d target
    gradient: float  # local * upstream, this edge's term of dOut / d source


class GraphPass(NamedTuple):
    """The forward values, the gradients of the output, and every edge's numbers.

    Examples
    --------
    >>> p = backprop_graph(SHARED_WEIGHT_GRAPH, {"x1": 2.0, "w": 0.5, "x2": -3.0})
    >>> p.output, p.values["L"], p.grads["w"]  # dL/dw = 2·(-1) + (-3)·(-1): two terms
    ('L', 0.25, 1.0)
    >>> [e.gradient for e in p.edges if e.source == "w"]
    [-2.0, 3.0]
    """

    graph: dict  # name -> (op, *inputs), as given
    values: dict  # name -> forward value
    grads: dict  # name -> d output / d name
    edges: tuple  # of GraphEdge, in the order the nodes read them

    @property
    def output(self) -> str:
        """The name of the output node (the last one)."""
        return next(reversed(self.graph))


def check_graph(graph) -> dict:
    """The graph as {name: (op, *inputs)}, checked: the one rule for a graph's shape.

    A dict of at least two nodes in evaluation order; each node's spec is an op name or a
    tuple ``(op, *inputs)`` with an op of `OPS`, as many inputs as the op takes, each an earlier
    node; the last node (the output) is not an input.

    Examples
    --------
    >>> check_graph({"a": "input", "b": ("square", "a")})
    {'a': ('input',), 'b': ('square', 'a')}
    >>> check_graph({"a": None})
    Traceback (most recent call last):
    TypeError: graph['a'] must be an op name or a tuple (op, *inputs), e.g. ("mul", "w", "x"); got None (NoneType)
    >>> check_graph([("a", "input")])
    Traceback (most recent call last):
    TypeError: graph must be a dict name -> (op, *inputs); got [('a', 'input')] (list)
    """  # noqa: E501
    instance_of(graph, "graph", dict, "a dict name -> (op, *inputs)")
    as_int(len(graph), "the number of nodes in graph", 1)
    checked = {}
    for name, spec in graph.items():
        nonempty_str(name, "a node's name")
        what = 'an op name or a tuple (op, *inputs), e.g. ("mul", "w", "x")'
        spec = instance_of(spec, f"graph[{name!r}]", (str, tuple, list), what)
        spec = (spec,) if isinstance(spec, str) else tuple(spec)
        as_int(len(spec), f"the length of graph[{name!r}] (op, *inputs)", 1)
        op = choice(spec[0], f"the op of node {name!r}", tuple(OPS))
        one_of(len(spec) - 1, f"the number of inputs of node {name!r} ({op})", (OPS[op],))
        for parent in spec[1:]:
            choice(parent, f"an input of node {name!r} (an earlier node)", tuple(checked))
        checked[name] = spec
    one_of(checked[name][0], f"the op of the output node {name!r}", tuple(set(OPS) - {"input"}))
    return checked


def _forward(op, args):
    """The node's value and its derivative with respect to each argument."""
    if op == "add":
        return args[0] + args[1], (1.0, 1.0)
    if op == "mul":
        return args[0] * args[1], (args[1], args[0])
    return args[0] * args[0], (2 * args[0],)  # square


def backprop_graph(graph, inputs, *, upstream=1.0) -> GraphPass:
    """Evaluate a graph forward, then its output's gradient backward, edge by edge.

    Parameters
    ----------
    graph : dict
        ``name -> (op, *input names)`` in evaluation order, ops from `OPS`; the last node is the
        output, e.g. `SHARED_WEIGHT_GRAPH`.
    inputs : dict
        A real number for every ``"input"`` node, and nothing else.
    upstream : float
        The gradient arriving at the output: 1 for the output itself, or dL/dOut when the graph
        is part of a larger one (then every gradient is scaled by it).

    Returns
    -------
    GraphPass

    Raises
    ------
    ValueError
        An unknown op, a wrong number of inputs, an input that is not an earlier node, a value
        missing or given for a node that is not an input (`check_graph`).
    TypeError
        A graph or inputs that are not dicts, a node spec that is no tuple, a value that is no
        real number.

    Examples
    --------
    >>> graph = {"a": ("input",), "b": ("input",), "c": ("mul", "a", "b"), "d": ("add", "c", "a")}
    >>> p = backprop_graph(graph, {"a": 2.0, "b": -1.0})
    >>> p.values["d"], p.grads["a"], p.grads["b"]  # d = ab + a: dd/da = b + 1, dd/db = a
    (0.0, 0.0, 2.0)
    >>> backprop_graph(graph, {"a": 2.0})
    Traceback (most recent call last):
    ValueError: the input nodes (each needs a value in inputs) may only name ('a',); got ['a', 'b']
    """
    graph = check_graph(graph)
    names = tuple(n for n, spec in graph.items() if spec[0] == "input")
    instance_of(inputs, "inputs", dict, "a dict name -> number")
    subset_of(inputs, "inputs (values of the input nodes)", names)
    subset_of(names, "the input nodes (each needs a value in inputs)", inputs)
    values = {n: as_real(inputs[n], f"inputs[{n!r}]", finite=True) for n in names}
    local = {}
    for name, (op, *args) in graph.items():
        if op != "input":
            values[name], local[name] = _forward(op, [values[a] for a in args])
    out = next(reversed(graph))
    grads = dict.fromkeys(graph, 0.0)
    grads[out] = as_real(upstream, "upstream", finite=True)
    for name in reversed(graph):  # every reader of a node comes after it: its grad is complete
        for parent, d in zip(graph[name][1:], local.get(name, ())):
            grads[parent] += d * grads[name]
    edges = tuple(
        GraphEdge(parent, name, values[parent], d, grads[name], d * grads[name])
        for name, (_, *args) in graph.items()
        for parent, d in zip(args, local.get(name, ()))
    )
    return GraphPass(graph, values, grads, edges)
