"""The SymPy mirror of `cnnbp_core.functional`: the same formulas in symbols, proved exactly.

`tensors` holds the topic-free helpers (arrays of symbols, `evaluate`, `gradient`, `identical`),
`conv` the convolution, `dense` the dense layer and the losses. Each later topic gets its own
module here (pooling.py, ...), re-exported below.
"""

from .conv import (
    Conv2dGradients,
    conv1d,
    conv2d,
    conv2d_gradients,
    convolve2d_valid,
    correlate2d_full,
    correlate2d_valid,
    gradient_identity_holds,
    kernel_gradient_closed_form,
)
from .dense import linear, mse, softmax, softmax_cross_entropy
from .tensors import (
    as_matrix,
    entries_identical,
    evaluate,
    gradient,
    identical,
    one_hot,
    tensor,
)

__all__ = [
    "as_matrix",
    "entries_identical",
    "evaluate",
    "gradient",
    "identical",
    "one_hot",
    "tensor",
    "linear",
    "mse",
    "softmax",
    "softmax_cross_entropy",
    "Conv2dGradients",
    "conv1d",
    "conv2d",
    "conv2d_gradients",
    "convolve2d_valid",
    "correlate2d_full",
    "correlate2d_valid",
    "gradient_identity_holds",
    "kernel_gradient_closed_form",
]
