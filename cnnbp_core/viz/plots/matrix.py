"""Matrices as annotated heatmaps: any small matrix, and a gradient on a scale centred on 0."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...validation import numeric_array
from ..style import DIVERGING_CMAP, color_norm, default_cmap, is_signed
from .base import annotate_cells, check_ax, formatter, grid_figure, root_figure


def plot_matrix(
    a,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    annotate: bool = True,
    fmt=None,
    cmap=None,
    symmetric: bool | None = None,
    labels: tuple[str, str] | None = ("i", "j"),
    colorbar: bool = False,
) -> Figure:
    """A small matrix as a heatmap with its values written in the cells.

    Parameters
    ----------
    a : array_like, shape (rows, cols) or (cols,)
        The matrix (a 1-D array is drawn as one row).
    title : str, optional
    ax : matplotlib Axes, optional
        Draw into this Axes (of a figure you built) instead of a new figure.
    annotate : bool
        Write each value in its cell.
    fmt : str or callable, optional
        Format of the values, e.g. ``"{:.2g}"`` (the default for floats; ``"{:d}"`` for
        integers), or a function of one value returning a string.
    cmap : str or Colormap, optional
        Default: diverging (centred on 0) for symmetric scales, sequential otherwise.
    symmetric : bool, optional
        Colour scale ``[-max|a|, max|a|]`` centred on 0. Default: True when ``a`` has negative
        values, so signed data always gets a diverging scale with white at 0.
    labels : (str, str) or None
        Axis labels of the row and the column index.
    colorbar : bool
        Add a colour bar.

    Returns
    -------
    Figure
        The new figure, or the (root) figure ``ax`` belongs to.

    Examples
    --------
    >>> fig = plot_matrix([[1.0, -2.0], [0.5, 0.0]], title="K")
    >>> type(fig).__name__, len(fig.axes), [t.get_text() for t in fig.axes[0].texts]
    ('Figure', 1, ['1', '-2', '0.5', '0'])
    """
    check_ax(ax)
    arr = numeric_array(a, "a", (1, 2))
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if symmetric is None:
        symmetric = is_signed(arr)
    if cmap is None:
        cmap = default_cmap(symmetric)
    if labels is not None and (isinstance(labels, str) or len(labels) != 2):
        raise ValueError(f"labels must be a (row label, column label) pair or None; got {labels!r}")
    h, w = arr.shape
    if ax is None:
        fig = Figure(
            figsize=(min(max(0.5 * w + 1.4, 2.4), 10.0), min(max(0.5 * h + 0.9, 1.6), 10.0)),
            layout="constrained",
        )
        ax = fig.add_subplot()
    norm = color_norm([arr], symmetric)
    im = ax.imshow(arr.astype(np.float64), cmap=cmap, norm=norm, interpolation="nearest")
    for axis, n in ((ax.xaxis, w), (ax.yaxis, h)):
        if n <= 20:
            axis.set_ticks(range(n))
        else:
            axis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(length=0)
    if labels is not None:
        short = len(labels[0]) <= 3  # an index letter reads better upright than turned
        ax.set_ylabel(labels[0], rotation=0 if short else 90, labelpad=8 if short else 4)
        ax.set_xlabel(labels[1])
    if title is not None:
        ax.set_title(title)
    if annotate:
        size = 9 if max(h, w) <= 8 else 7 if max(h, w) <= 14 else 5
        annotate_cells(ax, arr, formatter(fmt, arr), im, fontsize=size)
    if colorbar:
        root_figure(ax).colorbar(im, ax=ax, shrink=0.9)
    return root_figure(ax)


def matrices_figure(panels, *, fmt=None, panel_w: float = 2.0, panel_h: float = 1.9) -> Figure:
    """Small matrices side by side, each an annotated heatmap with its own title.

    Parameters
    ----------
    panels : sequence of (array_like, str)
        Each matrix (2-D, or 1-D drawn as a row) with its title, e.g. ``(w, "W (out, in)")``;
        a list ``[w, "W"]`` is a pair too.
    fmt : str or callable, optional
        Format of the values, as in `plot_matrix`.
    panel_w, panel_h : float
        Size of one panel in inches.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = matrices_figure([([[1.0, 2.0]], "a"), ([3.0, -1.0], "b")], fmt="{:.1f}")
    >>> [ax.get_title() for ax in fig.axes], [t.get_text() for t in fig.axes[1].texts]
    (['a', 'b'], ['3.0', '-1.0'])
    >>> matrices_figure([([[1.0]], "a"), [[1.0]]])
    Traceback (most recent call last):
    ValueError: panels must be a non-empty sequence of (matrix, title) pairs; panels[1] is [[1.0]], not an (array_like, str) pair
    """  # noqa: E501
    panels = _panels(panels)
    fig = grid_figure(1, len(panels), panel_w, panel_h)
    for ax, (arr, title) in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        plot_matrix(arr, ax=ax, title=title, labels=None, fmt=fmt)
    return fig


_PAIRS = "panels must be a non-empty sequence of (matrix, title) pairs"


def _panels(panels):
    """The panels as (array, title) pairs; the first bad one named by its index."""
    if isinstance(panels, (str, bytes, np.ndarray)) or not isinstance(panels, Iterable):
        raise ValueError(f"{_PAIRS}; got {panels!r}")
    panels = list(panels)
    if not panels:
        raise ValueError(f"{_PAIRS}; got none")
    for k, panel in enumerate(panels):
        if not (isinstance(panel, (tuple, list)) and len(panel) == 2 and isinstance(panel[1], str)):
            shown = (
                f"an array of shape {panel.shape}" if isinstance(panel, np.ndarray) else repr(panel)
            )
            raise ValueError(f"{_PAIRS}; panels[{k}] is {shown}, not an (array_like, str) pair")
    return [
        (numeric_array(a, f"panels[{k}]'s matrix", (1, 2)), t) for k, (a, t) in enumerate(panels)
    ]


def gradient_heatmap(
    grad,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    annotate: bool | None = None,
    fmt=None,
    labels: tuple[str, str] | None = ("i", "j"),
) -> Figure:
    """A 2-D gradient (e.g. dL/dX or dL/dK for one channel) on a diverging scale centred on 0.

    Parameters
    ----------
    grad : array_like, shape (H, W)
    title : str, optional
        Say which gradient it is, e.g. ``"dL/dK[0, 0]"``.
    ax : matplotlib Axes, optional
    annotate : bool, optional
        Write the values in the cells; default: only when there are at most 64 cells.
    fmt, labels
        As in `plot_matrix`.

    Returns
    -------
    Figure
        With the heatmap and a colour bar.

    Examples
    --------
    >>> fig = gradient_heatmap(np.array([[0.5, 1.0], [2.0, 0.0]]), title="dL/dX")
    >>> len(fig.axes), float(fig.axes[0].images[0].norm.vmin)
    (2, -2.0)
    """
    arr = numeric_array(grad, "grad", (2,))
    if annotate is None:
        annotate = arr.size <= 64
    return plot_matrix(
        arr,
        title=title,
        ax=ax,
        annotate=annotate,
        fmt=fmt,
        cmap=DIVERGING_CMAP,
        symmetric=True,
        labels=labels,
        colorbar=True,
    )
