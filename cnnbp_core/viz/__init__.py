"""Display: figures, HTML views and interactive explorers, in one colour style.

Every plot builds a fresh ``matplotlib.figure.Figure`` and never touches pyplot, so nothing
global changes (no current figure, no rcParams, no backend) and everything works headless. In a
notebook, a returned Figure is displayed as the cell's value; `save_figure` writes it to the
repository's ``figures/`` folder byte-for-byte reproducibly. Labels use the book's notation:
X, K, Y, delta, N, C_in, C_out, H, W, KH, KW.

Layout: ``style`` (the one colour style: colormaps, `style.ink`, `style.color_norm`), ``save``
(`save_figure`), ``html`` (HTML tables), ``plots/`` and ``widgets/`` by topic; the numbers they
draw come from `cnnbp_core.explain`.
Importing this package imports matplotlib but not ipywidgets (an explorer imports it when built).

Examples
--------
>>> from cnnbp_core import viz
>>> type(viz.plot_matrix([[1.0, 2.0]])).__name__
'Figure'
"""

from .html import matrix_html, row_html
from .plots.conv import (
    dilated_delta_figure,
    feature_map_grid,
    feature_maps_per_layer,
    kernel_grid,
    kernel_tap_figure,
)
from .plots.conv_forward import (
    conv_arithmetic_figure,
    conv_matrix_figure,
    feature_map_gallery,
    flip_figure,
)
from .plots.gradcheck import fd_error_figure
from .plots.graphs import computational_graph_figure, graph_layout
from .plots.matrix import gradient_heatmap, matrices_figure, plot_matrix
from .plots.sgd import COMPARED_LRS, gd_path_figure, lr_comparison_figure
from .plots.training import confusion_matrix_plot, plot_history, plot_loss_curve
from .save import DPI, FIGURES_DIR, save_figure
from .style import COUNT_CMAP, DIVERGING_CMAP, IMAGE_CMAP, OUTLINE, SEQUENTIAL_CMAP
from .widgets.conv import kernel_gradient_explorer, kernel_tap_html
from .widgets.conv_arithmetic import conv_arithmetic_explorer, conv_arithmetic_html
from .widgets.feature_maps import feature_map_explorer, feature_map_html
from .widgets.gradcheck import fd_explorer_html, finite_difference_explorer
from .widgets.sgd import gd_explorer, gd_explorer_html

__all__ = [
    "dilated_delta_figure",
    # style
    "COUNT_CMAP",
    "DIVERGING_CMAP",
    "IMAGE_CMAP",
    "OUTLINE",
    "SEQUENTIAL_CMAP",
    # saving
    "DPI",
    "FIGURES_DIR",
    "save_figure",
    # HTML views
    "matrix_html",
    "row_html",
    # plots: matrices
    "gradient_heatmap",
    "matrices_figure",
    "plot_matrix",
    # plots: convolution
    "feature_map_grid",
    "feature_maps_per_layer",
    "kernel_grid",
    "kernel_tap_figure",
    # plots: computational graphs and finite differences (chapter 01)
    "computational_graph_figure",
    "fd_error_figure",
    "graph_layout",
    # plots: training
    "confusion_matrix_plot",
    "plot_history",
    "plot_loss_curve",
    # widgets: convolution
    "kernel_gradient_explorer",
    "kernel_tap_html",
    # widgets: finite differences
    "fd_explorer_html",
    "finite_difference_explorer",
    "COMPARED_LRS",
    "gd_path_figure",
    "lr_comparison_figure",
    "gd_explorer",
    "gd_explorer_html",
    "conv_arithmetic_figure",
    "conv_matrix_figure",
    "feature_map_gallery",
    "flip_figure",
    "conv_arithmetic_explorer",
    "conv_arithmetic_html",
    "feature_map_explorer",
    "feature_map_html",
]
