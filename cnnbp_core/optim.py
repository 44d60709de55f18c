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

from . import functional as F
from .functional._checks import as_real


class SGD:
    """Stochastic gradient descent over ``(name, param, grad)`` triples.

    Parameters
    ----------
    params : iterable of (str, ndarray, ndarray)
        The parameters and the arrays their gradients are written to, e.g.
        ``model.parameters()`` of a `cnnbp_core.layers.Sequential`.
    lr : float > 0
        Learning rate.
    momentum : float in [0, 1)
        Weight of the previous velocity; 0 is plain SGD.
    weight_decay : float >= 0
        L2 strength: adds ``weight_decay * w`` to the gradient.
    l1 : float >= 0
        L1 strength: adds ``l1 * sign(w)`` to the gradient (0 where w = 0).
    """

    def __init__(self, params, lr, *, momentum=0.0, weight_decay=0.0, l1=0.0):
        self.params = _triples(params)
        self.lr = as_real(lr, "lr")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ValueError(f"lr must be > 0 and finite; got {lr}")
        self.momentum = as_real(momentum, "momentum")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1); got {momentum}")
        self.weight_decay = _decay(weight_decay, "weight_decay")
        self.l1 = _decay(l1, "l1")
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


def _decay(value, name):
    value = as_real(value, name)
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be >= 0 and finite; got {value}")
    return value


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
        if not isinstance(g, np.ndarray) or g.shape != p.shape:
            raise ValueError(
                f"gradient of {name!r} must be an ndarray of shape {p.shape}; "
                f"got {getattr(g, 'shape', type(g).__name__)}"
            )
        if name in seen:
            raise ValueError(f"params holds the name {name!r} twice")
        seen.add(name)
        triples.append((name, p, g))
    if not triples:
        raise ValueError("params is empty: the optimiser has nothing to update")
    return triples
