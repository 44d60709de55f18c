"""Stochastic gradient descent with momentum, weight decay (L2) and L1 (chapters 02 and 09).

For every parameter w with gradient g (from the last backward pass), one `SGD.step` does

    d = g + weight_decay * w + l1 * sign(w)      the penalties' gradients, from functional
    v = momentum * v + d                         v starts at 0, so the first step has v = d
    w = w - lr * v

which is PyTorch's ``torch.optim.SGD(params, lr, momentum, weight_decay)`` (dampening 0, no
Nesterov) with an L1 term added. Weight decay is the gradient of the L2 penalty
``weight_decay / 2 * sum w**2`` (`F.l2_penalty`), and applies to every parameter it is given,
biases included, as in PyTorch.

The optimiser owns the update: it changes each layer's parameter arrays *in place*, so the layer
sees the new values and no reference to them goes stale. The functional layers never mutate
their arguments; this is the one place in the core where parameters change.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import validation as V


class SGD:
    """Stochastic gradient descent over ``(name, param, grad)`` triples.

    Parameters
    ----------
    params : iterable of (str, ndarray, ndarray)
        The parameters and the arrays their gradients are written to, e.g.
        ``model.parameters()`` of a `cnnbp_core.nn.layers.Sequential` (or the model itself).
    lr : float > 0
        Learning rate.
    momentum : float in [0, 1)
        Weight of the previous velocity; 0 is plain SGD.
    weight_decay : float >= 0
        L2 strength: adds ``weight_decay * w`` to the gradient.
    l1 : float >= 0
        L1 strength: adds ``l1 * sign(w)`` to the gradient (0 where w = 0).

    Examples
    --------
    >>> from cnnbp_core.nn.layers import Linear
    >>> layer = Linear(2, 1, bias=False, rng=np.random.default_rng(0))
    >>> layer.params["w"][...] = [[1.0, 2.0]]
    >>> layer.grads["w"][...] = [[0.5, -0.5]]
    >>> opt = SGD(layer, lr=0.1)
    >>> opt.step()  # w - lr * g, in place
    >>> layer.params["w"]
    array([[0.95, 2.05]])
    >>> opt.zero_grad()
    >>> layer.grads["w"]
    array([[0., 0.]])
    """

    def __init__(self, params, lr, *, momentum=0.0, weight_decay=0.0, l1=0.0):
        self.params = _triples(params)
        self.lr = V.positive(lr, "lr")
        self.momentum = V.in_interval(momentum, "momentum", 0, 1)
        self.weight_decay = V.as_real(weight_decay, "weight_decay", minimum=0)
        self.l1 = V.as_real(l1, "l1", minimum=0)
        self.velocity = {name: np.zeros_like(p) for name, p, _ in self.params}

    def step(self):
        """Update every parameter in place from its current gradient."""
        for name, w, g in self.params:
            d = g
            if self.weight_decay:
                d = d + F.l2_penalty(w, self.weight_decay)[1]
            if self.l1:
                d = d + F.l1_penalty(w, self.l1)[1]
            if self.momentum:
                v = self.velocity[name]
                v *= self.momentum
                v += d
                d = v
            w -= self.lr * d

    def zero_grad(self):
        """Set every gradient to zero (in place)."""
        for _, _, g in self.params:
            g.fill(0)

    def __repr__(self):
        return (
            f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, weight_decay={self.weight_decay:g}, "
            f"l1={self.l1:g}; {len(self.params)} parameter arrays)"
        )


def _triples(params):
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a model was passed: take its parameters
    triples, seen = [], set()
    for item in params:
        if not (isinstance(item, tuple) and len(item) == 3):
            raise TypeError(
                "params must yield (name, param, grad) triples, e.g. model.parameters(); "
                f"got {item!r:.80}"
            )
        name, p, g = item
        if not (isinstance(p, np.ndarray) and p.dtype.kind == "f"):
            raise TypeError(f"parameter {name!r} must be a float ndarray; got {type(p).__name__}")
        if not isinstance(g, np.ndarray):  # it is read in place after every backward pass
            raise TypeError(f"gradient of {name!r} must be an ndarray; got {type(g).__name__}")
        V.check_shape(g, p.shape, f"gradient of {name!r}", "the shape of its parameter")
        if name in seen:
            raise ValueError(f"params holds the name {name!r} twice")
        seen.add(name)
        triples.append((name, p, g))
    if not triples:
        raise ValueError("params is empty: the optimiser has nothing to update")
    return triples
