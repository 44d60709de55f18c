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
* Layers never change their parameters. An optimiser (`cnnbp_core.nn.optim`) updates the arrays in
  ``params`` in place; that state belongs to the optimiser's step.

``train()`` and ``eval()`` switch the mode used by `BatchNorm2d`/`BatchNorm1d` (batch statistics
and running-average updates vs the running statistics) and `Dropout` (random mask vs identity).
Weights are initialised with He (Kaiming) normal, std = sqrt(2 / fan_in), from an ``rng``
argument; biases start at zero. Parameters are float64.

Every hyper-parameter is checked by the same `cnnbp_core.validation` rule as in the functional
pair the layer calls (`conv_hyper` for `Conv2d`, `pool_hyper` for the pools, `probability` for
`Dropout`), so a mistake gets one message whether it is made in a layer or in a function.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .. import validation as V


def _he_normal(rng, shape, fan_in):
    """He (Kaiming) normal initialisation: N(0, 2 / fan_in), suited to ReLU networks."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


class Layer:
    """Base class: parameters, their gradients, the mode and the last forward's cache.

    Subclasses implement ``forward(x)`` (one ``*_forward`` call, keeping the cache) and
    ``backward(dout)`` (one ``*_backward`` call on that cache, returning dL/dX).

    Examples
    --------
    >>> layer = Linear(3, 2, rng=np.random.default_rng(0))
    >>> [(name, p.shape, g.shape) for name, p, g in layer.parameters()]
    [('w', (2, 3), (2, 3)), ('b', (2,), (2,))]
    >>> layer.num_parameters(), layer.eval() is layer, layer.training
    (8, True, False)
    """

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
        """The layer's output for input ``x``; keeps what `backward` needs."""
        raise NotImplementedError

    def backward(self, dout):
        """dL/dX from dL/dY = ``dout``; overwrites ``grads`` with dL/d(each parameter)."""
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
        """Number of scalar parameters."""
        return sum(p.size for _, p, _ in self.parameters())

    def extra_repr(self) -> str:
        """The hyper-parameters shown inside the layer's repr."""
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class Conv2d(Layer):
    """2-D convolution: weights ``w`` (C_out, C_in, KH, KW), bias ``b`` (C_out,).

    Calls `F.conv2d_forward` / `F.conv2d_backward`; stride, padding and dilation follow
    `validation.conv_hyper`, as there.

    Examples
    --------
    >>> conv = Conv2d(1, 4, (3, 2), padding=1, rng=np.random.default_rng(0))
    >>> conv
    Conv2d(1, 4, kernel_size=(3, 2), stride=(1, 1), padding=(1, 1))
    >>> y = conv(np.ones((2, 1, 5, 6)))
    >>> y.shape, conv.backward(np.ones(y.shape)).shape, conv.grads["w"].shape
    ((2, 4, 5, 7), (2, 1, 5, 6), (4, 1, 3, 2))
    """

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
        self.in_channels = V.as_int(in_channels, "in_channels", 1)
        self.out_channels = V.as_int(out_channels, "out_channels", 1)
        self.kernel_size = V.pair(kernel_size, "kernel_size", 1)
        self.stride, self.padding, self.dilation = V.conv_hyper(stride, padding, dilation)
        bias = V.as_flag(bias, "bias")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        self._add_param("w", _he_normal(V.generator(rng), shape, fan_in))
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
        self.kernel_size, self.stride, self.padding = V.pool_hyper(kernel_size, stride, padding)

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
    """2-D max pooling (stride defaults to the window size); hyper-parameters as `pool_hyper`.

    Examples
    --------
    >>> pool = MaxPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))[0, 0]  # each window's max gets the gradient
    array([[0., 0., 0., 0.],
           [0., 1., 0., 1.],
           [0., 0., 0., 0.],
           [0., 1., 0., 1.]])
    """

    _forward, _backward = F.maxpool2d_forward, F.maxpool2d_backward


class AvgPool2d(_Pool2d):
    """2-D average pooling, zero padding counted in the average; hyper-parameters as `pool_hyper`.

    Examples
    --------
    >>> pool = AvgPool2d(2)
    >>> pool(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))[0, 0, 0]  # each window shares its gradient
    array([0.25, 0.25, 0.25, 0.25])
    """

    _forward, _backward = F.avgpool2d_forward, F.avgpool2d_backward


class _Elementwise(Layer):
    _forward = _backward = None

    def forward(self, x):
        out, self._cache = type(self)._forward(x)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._cached())


class ReLU(_Elementwise):
    """``max(0, x)`` elementwise.

    Examples
    --------
    >>> relu = ReLU()
    >>> relu(np.array([-1.0, 2.0])), relu.backward(np.array([5.0, 5.0]))
    (array([0., 2.]), array([0., 5.]))
    """

    _forward, _backward = F.relu_forward, F.relu_backward


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))`` elementwise.

    Examples
    --------
    >>> sigmoid = Sigmoid()
    >>> sigmoid(np.zeros(2)), sigmoid.backward(np.ones(2))
    (array([0.5, 0.5]), array([0.25, 0.25]))
    """

    _forward, _backward = F.sigmoid_forward, F.sigmoid_backward


class Tanh(_Elementwise):
    """``tanh(x)`` elementwise.

    Examples
    --------
    >>> tanh = Tanh()
    >>> tanh(np.zeros(2)), tanh.backward(np.ones(2))
    (array([0., 0.]), array([1., 1.]))
    """

    _forward, _backward = F.tanh_forward, F.tanh_backward


class Flatten(_Elementwise):
    """(N, d1, d2, ...) -> (N, d1*d2*...).

    Examples
    --------
    >>> flatten = Flatten()
    >>> flatten(np.zeros((2, 3, 4, 5))).shape, flatten.backward(np.zeros((2, 60))).shape
    ((2, 60), (2, 3, 4, 5))
    """

    _forward, _backward = F.flatten_forward, F.flatten_backward


class LeakyReLU(Layer):
    """``x`` where x > 0, ``negative_slope * x`` elsewhere (a finite real, PyTorch's 0.01).

    Examples
    --------
    >>> leaky = LeakyReLU(0.1)
    >>> leaky
    LeakyReLU(negative_slope=0.1)
    >>> leaky(np.array([-1.0, 2.0])), leaky.backward(np.array([1.0, 1.0]))
    (array([-0.1,  2. ]), array([0.1, 1. ]))
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = V.as_real(negative_slope, "negative_slope", finite=True)

    def forward(self, x):
        out, self._cache = F.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout):
        return F.leaky_relu_backward(dout, self._cached())

    def extra_repr(self):
        return f"negative_slope={self.negative_slope:g}"


class Linear(Layer):
    """Dense layer: weights ``w`` (out, in), bias ``b`` (out,).

    Examples
    --------
    >>> lin = Linear(3, 2, rng=np.random.default_rng(0))
    >>> lin
    Linear(in_features=3, out_features=2)
    >>> y = lin(np.ones((4, 3)))
    >>> y.shape, lin.backward(np.ones((4, 2))).shape, lin.grads["b"]
    ((4, 2), (4, 3), array([4., 4.]))
    """

    def __init__(self, in_features, out_features, *, bias=True, rng):
        super().__init__()
        self.in_features = V.as_int(in_features, "in_features", 1)
        self.out_features = V.as_int(out_features, "out_features", 1)
        bias = V.as_flag(bias, "bias")
        shape = (self.out_features, self.in_features)
        self._add_param("w", _he_normal(V.generator(rng), shape, self.in_features))
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
        self.num_features = V.as_int(num_features, "num_features", 1)
        self.momentum, self.eps = V.batchnorm_hyper(momentum, eps)
        self._add_param("gamma", np.ones(self.num_features))
        self._add_param("beta", np.zeros(self.num_features))
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x):
        if np.ndim(x) != self._ndim:
            raise ValueError(
                f"{type(self).__name__} expects {self._ndim}-D input; got shape {np.shape(x)}"
            )
        if np.shape(x)[1] != self.params["gamma"].shape[0]:
            raise ValueError(
                f"{type(self).__name__} has "
                f"num_features={self.params['gamma'].shape[0]} but x has {np.shape(x)[1]} "
                f"features/channels on axis 1 (shape {np.shape(x)})"
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
    """Batch normalisation of (N, C, H, W) input, statistics per channel over N, H, W.

    Examples
    --------
    >>> bn = BatchNorm2d(3)
    >>> bn
    BatchNorm2d(3, eps=1e-05, momentum=0.1)
    >>> x = np.random.default_rng(0).normal(5.0, 2.0, (4, 3, 2, 2))
    >>> np.allclose(bn(x).mean(axis=(0, 2, 3)), 0), bool((bn.running_mean > 0.4).all())
    (True, True)
    """

    _ndim = 4


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, D) input, statistics per feature over N.

    Examples
    --------
    >>> bn = BatchNorm1d(2).eval()  # eval mode: the running statistics, here mean 0, var 1
    >>> bn(np.array([[1.0, -2.0]])).round(4)
    array([[ 1., -2.]])
    """

    _ndim = 2


class Dropout(Layer):
    """Inverted dropout with drop probability ``p`` (`validation.probability`); identity in eval.

    Examples
    --------
    >>> drop = Dropout(0.5, rng=np.random.default_rng(0))
    >>> sorted(set(drop(np.ones(1000)).tolist()))  # dropped, or kept and scaled by 1/(1 - p)
    [0.0, 2.0]
    >>> drop.eval()(np.ones(3))
    array([1., 1., 1.])
    """

    def __init__(self, p=0.5, *, rng):
        super().__init__()
        self.p = V.probability(p, "p")
        self.rng = V.generator(rng)

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

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> model = Sequential(Linear(4, 3, rng=rng), ReLU(), Linear(3, 2, rng=rng))
    >>> print(model)
    Sequential(
      (0): Linear(in_features=4, out_features=3)         15 parameters
      (1): ReLU()
      (2): Linear(in_features=3, out_features=2)          8 parameters
    )  total 23 parameters
    >>> model(np.ones((5, 4))).shape, model.backward(np.ones((5, 2))).shape
    ((5, 2), (5, 4))
    >>> [name for name, _, _ in model.parameters()]
    ['0.w', '0.b', '2.w', '2.b']
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
