"""The numbers behind the book's figures and widgets, by topic; NumPy only (no matplotlib).

A figure or a widget in `cnnbp_core.viz` draws what a function here computes, so the numbers can
be tested, and reused by a chapter, without drawing anything. One module per topic:
``conv`` (which input pixels a kernel tap reads, and the terms of its gradient), ...
"""

from .conv import (
    DELTA_KINDS,
    EXPLORER_INPUT_SHAPE,
    EXPLORER_LIMITS,
    KernelTapTerms,
    explorer_data,
    explorer_delta,
    explorer_input,
    explorer_ranges,
    kernel_tap_terms,
)

__all__ = [
    "DELTA_KINDS",
    "EXPLORER_INPUT_SHAPE",
    "EXPLORER_LIMITS",
    "explorer_data",
    "explorer_ranges",
    "KernelTapTerms",
    "explorer_delta",
    "explorer_input",
    "kernel_tap_terms",
]
