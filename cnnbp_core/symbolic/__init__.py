"""The SymPy mirror of `cnnbp_core.functional`: the same formulas in symbols, proved exactly.

`tensors` holds the topic-free helpers (arrays of symbols, `evaluate`), `conv` the convolution.
Each later topic gets its own module here (pooling.py, dense.py, ...), re-exported below.
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
from .dense import gradient, linear, mse, one_hot, softmax, softmax_cross_entropy
from .tensors import as_matrix, evaluate, tensor

__all__ = [
    "as_matrix",
    "evaluate",
    "tensor",
    "gradient",
    "linear",
    "mse",
    "one_hot",
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
