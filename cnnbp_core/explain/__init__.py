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
    EXPLORER_GRID,
    EXPLORER_STEPS,
    FD_FUNCTIONS,
    PRECISIONS,
    REGIMES,
    FDCurves,
    FDErrorModel,
    FDEstimates,
    FDFunction,
    FDOptimum,
    FDPanel,
    FDRegime,
    StepGrid,
    fd_error_curves,
    fd_error_model,
    fd_error_panel,
    fd_estimates,
    fd_function,
    fd_optimum,
    fd_regime,
    log_steps,
    machine_epsilon,
)
from .graphs import (
    OPS,
    SHARED_WEIGHT_GRAPH,
    GraphEdge,
    GraphPass,
    backprop_graph,
    check_graph,
)

__all__ = [
    "DELTA_KINDS",
    "EXPLORER_GRID",
    "EXPLORER_INPUT_SHAPE",
    "EXPLORER_LIMITS",
    "EXPLORER_STEPS",
    "FDCurves",
    "FDErrorModel",
    "FDEstimates",
    "FDFunction",
    "FDOptimum",
    "FDPanel",
    "FDRegime",
    "FD_FUNCTIONS",
    "GraphEdge",
    "GraphPass",
    "KernelTapTerms",
    "OPS",
    "PRECISIONS",
    "REGIMES",
    "SHARED_WEIGHT_GRAPH",
    "StepGrid",
    "backprop_graph",
    "check_graph",
    "explorer_data",
    "explorer_delta",
    "explorer_input",
    "explorer_ranges",
    "fd_error_curves",
    "fd_error_model",
    "fd_error_panel",
    "fd_estimates",
    "fd_function",
    "fd_optimum",
    "fd_regime",
    "kernel_tap_terms",
    "log_steps",
    "machine_epsilon",
]
