"""Stateful layers over `cnnbp_core.functional`, and `Sequential` to chain them.

A layer holds what the pure functions take as arguments: its parameters (``params``), the
gradients its last backward pass computed (``grads``, same names and shapes), its
hyper-parameters, and the cache of its last forward pass. All the maths lives in `functional`;
each ``forward`` is one call of a ``*_forward`` function and each ``backward`` one call of the
matching ``*_backward``.

Two conventions, chosen to keep the chain rule easy to follow:

* ``backward(dout)`` returns dL/dX and *overwrites* ``grads`` (it does not accumulate, unlike
  PyTorch's ``.grad``). It writes into the same arrays every time, so the
  ``(name, param, grad)`` triples of `Sequential.parameters` stay valid for the model's life.
* Layers never change their parameters. An optimiser (`cnnbp_core.optim`) updates the arrays in
  ``params`` in place; that state belongs to the optimiser's step.

``train()`` and ``eval()`` switch the mode used by `BatchNorm2d`/`BatchNorm1d` (batch statistics
and running-average updates vs the running statistics) and `Dropout` (random mask vs identity).
Weights are initialised with He (Kaiming) normal, std = sqrt(2 / fan_in), from an ``rng``
argument; biases start at zero. Parameters are float64.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import functional as F
from .functional._checks import as_real, pair


def _count(value, name: str) -> int:
    """A positive int (a channel or feature count)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")
    return int(value)


def _generator(rng, name: str = "rng") -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng


def _he_normal(rng, shape, fan_in):
    """He (Kaiming) normal initialisation: N(0, 2 / fan_in), suited to ReLU networks."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


class Layer:
    """Base class: parameters, their gradients, the mode and the last forward's cache."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.training = True
        self._cache = None

    def _add_param(self, name, value):
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)

    def _set_grads(self, **grads):
        for name, g in grads.items():
            self.grads[name][...] = g  # in place: the arrays handed to an optimiser stay valid

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def train(self):
        """Training mode (the default). Returns the layer."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode. Returns the layer."""
        self.training = False
        return self

    def parameters(self):
        """Yield ``(name, param, grad)`` for every parameter."""
        for name, p in self.params.items():
            yield name, p, self.grads[name]

    def num_parameters(self) -> int:
        return sum(p.size for _, p, _ in self.parameters())

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class Conv2d(Layer):
    """2-D convolution: weights ``w`` (C_out, C_in, KH, KW), bias ``b`` (C_out,)."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        rng,
    ):
        super().__init__()
        self.in_channels = _count(in_channels, "in_channels")
        self.out_channels = _count(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.dilation = pair(dilation, "dilation", 1)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        self._add_param("w", _he_normal(_generator(rng), shape, fan_in))
        if bias:
            self._add_param("b", np.zeros(self.out_channels))

    def forward(self, x):
        out, self._cache = F.conv2d_forward(
            x,
            self.params["w"],
            self.params.get("b"),
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
        )
        return out

    def backward(self, dout):
        dx, dw, db = F.conv2d_backward(dout, self._cached())
        self._set_grads(w=dw, **({} if db is None else {"b": db}))
        return dx

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}, padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        return s + ("" if "b" in self.params else ", bias=False")


class _Pool2d(Layer):
    _forward = _backward = None

    def __init__(self, kernel_size, *, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(
                f"padding {self.padding} must be at most half the kernel size "
                f"{self.kernel_size} in each direction"
            )

    def forward(self, x):
        out, self._cache = type(self)._forward(
            x, self.kernel_size, stride=self.stride, padding=self.padding
        )
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._cached())

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """2-D max pooling (stride defaults to the window size)."""

    _forward, _backward = F.maxpool2d_forward, F.maxpool2d_backward


class AvgPool2d(_Pool2d):
    """2-D average pooling, zero padding counted in the average."""

    _forward, _backward = F.avgpool2d_forward, F.avgpool2d_backward


class _Elementwise(Layer):
    _forward = _backward = None

    def forward(self, x):
        out, self._cache = type(self)._forward(x)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._cached())


class ReLU(_Elementwise):
    _forward, _backward = F.relu_forward, F.relu_backward


class Sigmoid(_Elementwise):
    _forward, _backward = F.sigmoid_forward, F.sigmoid_backward


class Tanh(_Elementwise):
    _forward, _backward = F.tanh_forward, F.tanh_backward


class Flatten(_Elementwise):
    """(N, d1, d2, ...) -> (N, d1*d2*...)."""

    _forward, _backward = F.flatten_forward, F.flatten_backward


class LeakyReLU(Layer):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = as_real(negative_slope, "negative_slope")
        if not np.isfinite(self.negative_slope):
            raise ValueError(f"negative_slope must be finite; got {negative_slope!r}")

    def forward(self, x):
        out, self._cache = F.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout):
        return F.leaky_relu_backward(dout, self._cached())

    def extra_repr(self):
        return f"negative_slope={self.negative_slope:g}"


class Linear(Layer):
    """Dense layer: weights ``w`` (out, in), bias ``b`` (out,)."""

    def __init__(self, in_features, out_features, *, bias=True, rng):
        super().__init__()
        self.in_features = _count(in_features, "in_features")
        self.out_features = _count(out_features, "out_features")
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        shape = (self.out_features, self.in_features)
        self._add_param("w", _he_normal(_generator(rng), shape, self.in_features))
        if bias:
            self._add_param("b", np.zeros(self.out_features))

    def forward(self, x):
        out, self._cache = F.linear_forward(x, self.params["w"], self.params.get("b"))
        return out

    def backward(self, dout):
        dx, dw, db = F.linear_backward(dout, self._cached())
        self._set_grads(w=dw, **({} if db is None else {"b": db}))
        return dx

    def extra_repr(self):
        bias = "" if "b" in self.params else ", bias=False"
        return f"in_features={self.in_features}, out_features={self.out_features}{bias}"


class _BatchNorm(Layer):
    """Scale ``gamma`` and shift ``beta`` per channel; running statistics as attributes."""

    _ndim = None

    def __init__(self, num_features, *, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features = _count(num_features, "num_features")
        self.eps, self.momentum = as_real(eps, "eps"), as_real(momentum, "momentum")
        if not self.eps > 0:
            raise ValueError(f"eps must be > 0; got {eps}")
        if not 0 <= self.momentum <= 1:
            raise ValueError(f"momentum must lie in [0, 1]; got {momentum}")
        self._add_param("gamma", np.ones(self.num_features))
        self._add_param("beta", np.zeros(self.num_features))
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x):
        if np.ndim(x) != self._ndim:
            raise ValueError(
                f"{type(self).__name__} expects {self._ndim}-D input; got shape {np.shape(x)}"
            )
        out, cache = F.batchnorm_forward(
            x,
            self.params["gamma"],
            self.params["beta"],
            self.running_mean,
            self.running_var,
            training=self.training,
            momentum=self.momentum,
            eps=self.eps,
        )
        if self.training:  # the functional pass returns the new statistics; keep them
            self.running_mean, self.running_var = cache.new_running_mean, cache.new_running_var
        self._cache = cache
        return out

    def backward(self, dout):
        dx, dgamma, dbeta = F.batchnorm_backward(dout, self._cached())
        self._set_grads(gamma=dgamma, beta=dbeta)
        return dx

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) input, statistics per channel over N, H, W."""

    _ndim = 4


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, D) input, statistics per feature over N."""

    _ndim = 2


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``; the identity in eval mode."""

    def __init__(self, p=0.5, *, rng):
        super().__init__()
        self.p = as_real(p, "p")
        if not 0 <= self.p < 1:
            raise ValueError(f"p (the drop probability) must lie in [0, 1); got {p}")
        self.rng = _generator(rng)

    def forward(self, x):
        out, self._cache = F.dropout_forward(x, self.p, training=self.training, rng=self.rng)
        return out

    def backward(self, dout):
        return F.dropout_backward(dout, self._cached())

    def extra_repr(self):
        return f"p={self.p:g}"


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the chain rule, layer by layer).

    Parameters are named ``"<index>.<name>"``, e.g. ``"0.w"`` for the first layer's weights.
    """

    def __init__(self, *layers):
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers[{i}] must be a Layer (e.g. Conv2d, ReLU); got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def train(self):
        for layer in self.layers:
            layer.train()
        return super().train()

    def eval(self):
        for layer in self.layers:
            layer.eval()
        return super().eval()

    def parameters(self):
        for i, layer in enumerate(self.layers):
            for name, p, g in layer.parameters():
                yield f"{i}.{name}", p, g

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        rows = [
            (f"  ({i}): " + repr(layer).replace("\n", "\n  "), layer)
            for i, layer in enumerate(self.layers)
        ]
        width = max((len(text.split("\n")[-1]) for text, _ in rows), default=0)
        lines = ["Sequential("]
        for text, layer in rows:
            n = layer.num_parameters()
            count = f"  {n:>9,} parameters" if n and not isinstance(layer, Sequential) else ""
            lines.append(f"{text:<{width}}{count}".rstrip())
        lines.append(f")  total {self.num_parameters():,} parameters")
        return "\n".join(lines)
