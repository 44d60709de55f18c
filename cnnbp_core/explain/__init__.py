"""The numbers behind the book's figures and widgets, by topic; NumPy only (no matplotlib).

A figure or a widget in `cnnbp_core.viz` draws what a function here computes, so the numbers can
be tested, and reused by a chapter, without drawing anything. One module per topic:
``conv`` (which input pixels a kernel tap reads, and the terms of its gradient), ``gradcheck``
(finite-difference estimates, their errors and the error model), ``graphs`` (forward and
backward through a small computational graph), ...
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
from .gradcheck import (
    EXPLORER_STEPS,
    FD_FUNCTIONS,
    PRECISIONS,
    FDCurves,
    FDErrorModel,
    FDEstimates,
    FDFunction,
    FDOptimum,
    fd_error_curves,
    fd_error_model,
    fd_estimates,
    fd_optimum,
    log_steps,
)
from .graphs import OPS, SHARED_WEIGHT_GRAPH, GraphEdge, GraphPass, backprop_graph

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
    # finite differences (chapter 01)
    "EXPLORER_STEPS",
    "FD_FUNCTIONS",
    "PRECISIONS",
    "FDCurves",
    "FDErrorModel",
    "FDEstimates",
    "FDFunction",
    "FDOptimum",
    "fd_error_curves",
    "fd_error_model",
    "fd_estimates",
    "fd_optimum",
    "log_steps",
    # computational graphs (chapter 01)
    "OPS",
    "SHARED_WEIGHT_GRAPH",
    "GraphEdge",
    "GraphPass",
    "backprop_graph",
]
