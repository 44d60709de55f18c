"""Pure forward/backward pairs, one module per family of layers.

Every pair has the shape ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients of forward's array arguments``; see DESIGN.md.
"""

from .conv import (
    Conv2dCache,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    conv2d_output_shape,
    dilate2d,
)

__all__ = [
    "Conv2dCache",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv2d_output_shape",
    "dilate2d",
]
