"""Pure forward/backward pairs, one module per family of layers.

Every pair has the shape ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients of forward's array arguments``; see DESIGN.md.
Where a fast path needs machinery (conv, pooling), the module states the formulas as loops
first (``*_naive``, the specification) and the fast path after; elementwise layers are one line
of NumPy each, and batch norm gives the step-by-step backward before the fused one.
Window geometry comes from `cnnbp_core.geometry`, argument checks from
`cnnbp_core.validation`; nothing here imports anything but NumPy and those two.
"""

from ..geometry import conv2d_output_shape, dilate2d, rot180
from .activations import (
    OutputCache,
    ReluCache,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .batchnorm import (
    BatchNormCache,
    batchnorm_backward,
    batchnorm_backward_chunked,
    batchnorm_forward,
)
from .conv import (
    LAYOUTS,
    Conv2dCache,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)
from .dropout import (
    DropoutCache,
    dropout_backward,
    dropout_forward,
)
from .linear import (
    FlattenCache,
    LinearCache,
    flatten_backward,
    flatten_forward,
    linear_backward,
    linear_forward,
)
from .losses import (
    MseCache,
    SoftmaxCrossEntropyCache,
    log_softmax,
    mse_backward,
    mse_forward,
    softmax,
    softmax_cross_entropy_backward,
    softmax_cross_entropy_forward,
)
from .pooling import (
    AvgPool2dCache,
    MaxPool2dCache,
    avgpool2d_backward,
    avgpool2d_backward_naive,
    avgpool2d_forward,
    avgpool2d_forward_naive,
    maxpool2d_backward,
    maxpool2d_backward_naive,
    maxpool2d_forward,
    maxpool2d_forward_naive,
)
from .regularization import (
    l1_penalty,
    l2_penalty,
)

__all__ = [
    "LAYOUTS",
    "Conv2dCache",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv2d_output_shape",
    "dilate2d",
    "rot180",
    "OutputCache",
    "ReluCache",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "tanh_backward",
    "tanh_forward",
    "BatchNormCache",
    "batchnorm_backward",
    "batchnorm_backward_chunked",
    "batchnorm_forward",
    "DropoutCache",
    "dropout_backward",
    "dropout_forward",
    "FlattenCache",
    "LinearCache",
    "flatten_backward",
    "flatten_forward",
    "linear_backward",
    "linear_forward",
    "MseCache",
    "SoftmaxCrossEntropyCache",
    "log_softmax",
    "mse_backward",
    "mse_forward",
    "softmax",
    "softmax_cross_entropy_backward",
    "softmax_cross_entropy_forward",
    "AvgPool2dCache",
    "MaxPool2dCache",
    "avgpool2d_backward",
    "avgpool2d_backward_naive",
    "avgpool2d_forward",
    "avgpool2d_forward_naive",
    "maxpool2d_backward",
    "maxpool2d_backward_naive",
    "maxpool2d_forward",
    "maxpool2d_forward_naive",
    "l1_penalty",
    "l2_penalty",
]
