"""Building blocks shared by the plots of every topic: argument checks, value labels, grids.

A topic's plot module (matrix, conv, training, and later pooling, ...) builds its figures from
these, so every figure checks its arrays, formats its numbers and picks its text colour the
same way.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..style import cell_rgba, ink


def formatter(fmt, arr: np.ndarray):
    """The function that turns one value of ``arr`` into its cell label.

    Parameters
    ----------
    fmt : str, callable or None
        A format string such as ``"{:.2g}"``, or a function of one value returning a string;
        None: ``"{:d}"`` for integer arrays, ``"{:.2g}"`` otherwise.
    arr : ndarray
        The values to be labelled (its dtype picks the default and the conversion).

    Returns
    -------
    callable

    Examples
    --------
    >>> show = formatter(None, np.array([-0.0, 0.125]))
    >>> show(-0.0), show(0.125)
    ('0', '0.12')
    >>> formatter("{:03d}", np.array([7]))(7)
    '007'
    """
    if fmt is None:
        fmt = "{:d}" if arr.dtype.kind in "biu" else "{:.2g}"
    if callable(fmt):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(
            f"fmt must be a format string such as '{{:.2g}}' or a callable; got {fmt!r}"
        )
    if arr.dtype.kind in "biu":
        return lambda v: fmt.format(int(v))
    return lambda v: fmt.format(float(v) + 0.0)  # + 0.0 turns -0.0 into 0.0


def pair_text(hw) -> str:
    """A per-axis hyper-parameter (stride, padding, dilation) as text: ``2`` when both axes
    agree, else ``(1,2)``; figure titles and the explorers' HTML write them alike.

    >>> pair_text((2, 2)), pair_text((1, 2))
    ('2', '(1,2)')
    """
    return str(hw[0]) if hw[0] == hw[1] else f"({hw[0]},{hw[1]})"


def annotate_cells(ax: Axes, arr: np.ndarray, show, im, fontsize: float) -> None:
    """Write each value of ``arr`` in its cell of image ``im``, in the `ink` of that cell.

    Parameters
    ----------
    ax : Axes
        The Axes holding ``im``.
    arr : ndarray, shape (rows, cols)
        The values ``im`` shows.
    show : callable
        Value -> label, e.g. from `formatter`.
    im : AxesImage
        Its colormap and norm give each cell's colour.
    fontsize : float

    Examples
    --------
    >>> ax = Figure().add_subplot()
    >>> a = np.array([[0.0, 1.0]])
    >>> im = ax.imshow(a, cmap="gray")
    >>> annotate_cells(ax, a, str, im, fontsize=9)
    >>> [(t.get_text(), t.get_color()) for t in ax.texts]
    [('0.0', '#fff'), ('1.0', '#000')]
    """
    rgba = cell_rgba(arr, im.cmap, im.norm)
    for (i, j), v in np.ndenumerate(arr):
        ax.text(j, i, show(v), ha="center", va="center", color=ink(rgba[i, j]), fontsize=fontsize)


def check_ax(ax) -> None:
    """Require a matplotlib Axes or None.

    >>> check_ax("left")
    Traceback (most recent call last):
    TypeError: ax must be a matplotlib Axes or None; got str
    """
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")


def root_figure(ax: Axes) -> Figure:
    """The top-level Figure ``ax`` belongs to (even inside a subfigure).

    >>> fig = Figure()
    >>> root_figure(fig.subfigures(1, 2)[0].add_subplot()) is fig
    True
    """
    return ax.get_figure(root=True)


def bare(ax: Axes) -> None:
    """Remove the ticks of an image panel (a map or a kernel, whose pixel indices don't matter).

    >>> ax = Figure().add_subplot()
    >>> bare(ax)
    >>> list(ax.get_xticks()), list(ax.get_yticks())
    ([], [])
    """
    ax.set_xticks([])
    ax.set_yticks([])


def grid_figure(nrows: int, ncols: int, panel_w: float, panel_h: float) -> Figure:
    """An empty figure sized for an ``nrows`` x ``ncols`` grid of panels, at most 14 inches.

    >>> grid_figure(2, 3, 2.0, 1.5).get_size_inches().tolist()
    [6.6, 3.8]
    """
    width = min(max(ncols * panel_w + 0.6, 2.5), 14.0)
    height = min(max(nrows * panel_h + 0.8, 2.0), 14.0)
    return Figure(figsize=(width, height), layout="constrained")
