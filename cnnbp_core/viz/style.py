"""The book's one colour style, shared by the static figures and the HTML views of the widgets.

Signed data (kernels, gradients delta = dL/dY, pre-activation maps) use a diverging colormap
centred on 0, so white means zero, red positive and blue negative; data that is never negative
(images, activations after ReLU, counts) use a sequential one. A value's cell colour comes from
`color_norm` and the colormap, and its text from `ink`, in figures and HTML tables alike, so a
widget and the static figure of the same matrix show the same colours cell by cell.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize

DIVERGING_CMAP = "RdBu_r"  # signed data, centred on 0
SEQUENTIAL_CMAP = "viridis"  # non-negative matrices
IMAGE_CMAP = "gray"  # images and non-negative feature maps
COUNT_CMAP = "Blues"  # counts (confusion matrix)
OUTLINE = "#ff7f0e"  # marks the chosen tap or window (matplotlib's "tab:orange")
BLUE = "#1f77b4"  # matplotlib's "tab:blue": forward passes (values), forward differences
RED = "#d62728"  # matplotlib's "tab:red": backward passes (gradients), centered differences
GREEN = "#2ca02c"  # matplotlib's "tab:green": a learning rate right for its budget (chapter 02)
GREY = "#555555"  # secondary text and frames (legends, node outlines)
LIGHT_GREY = "#999999"  # axes drawn by hand (the explorer's SVG plot)
NODE_FILL = "#f2f2f2"  # a node of a computational graph
OUTPUT_FILL = "#fff4e5"  # the output node (a pale OUTLINE)
MAP_CMAPS = {True: colormaps[DIVERGING_CMAP], False: colormaps[IMAGE_CMAP]}
"""The Colormap of a picture by whether it is centred on 0 (signed) or not (an image), looked
up once for the fast drawing paths: a colormap fetched by name is a fresh copy that rebuilds its
lookup table on first use."""


def default_cmap(symmetric: bool) -> str:
    """The colormap a matrix gets unless a caller asks for another: the one rule for figures
    and HTML tables (images pass `IMAGE_CMAP` explicitly, in both).

    >>> default_cmap(True), default_cmap(False)
    ('RdBu_r', 'viridis')
    """
    return DIVERGING_CMAP if symmetric else SEQUENTIAL_CMAP


def is_signed(*arrays) -> bool:
    """Whether any of ``arrays`` has a negative value (then its scale is centred on 0).

    >>> is_signed(np.array([0.0, 2.0])), is_signed(np.ones(2), np.array([-1.0]))
    (False, True)
    """
    return any(np.nanmin(a) < 0 for a in arrays)


def color_norm(arrays, symmetric: bool) -> Normalize:
    """The colour scale covering ``arrays``: ``[-max|a|, max|a|]`` when symmetric, else min..max.

    A scale that would be empty (all zeros, or a constant) gets a width of 1, so it still draws.

    Parameters
    ----------
    arrays : sequence of array_like
        Every array the scale must cover (one scale shared by several panels).
    symmetric : bool
        Centre the scale on 0 (for signed data).

    Returns
    -------
    matplotlib.colors.Normalize

    Examples
    --------
    >>> n = color_norm([np.array([-1.0, 3.0])], symmetric=True)
    >>> float(n.vmin), float(n.vmax)
    (-3.0, 3.0)
    >>> n = color_norm([np.array([2.0, 5.0]), np.array([1.0])], symmetric=False)
    >>> float(n.vmin), float(n.vmax)
    (1.0, 5.0)
    """
    if symmetric:
        m = max(float(np.nanmax(np.abs(a))) for a in arrays)
        m = m if m > 0 and np.isfinite(m) else 1.0
        return Normalize(vmin=-m, vmax=m)
    lo = min(float(np.nanmin(a)) for a in arrays)
    hi = max(float(np.nanmax(a)) for a in arrays)
    return Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)


def cell_rgba(values, cmap, norm: Normalize) -> np.ndarray:
    """The colour of each cell: what ``imshow(values, cmap=cmap, norm=norm)`` paints there.

    Non-finite values get the colormap's "bad" colour (transparent), as in ``imshow``.

    Parameters
    ----------
    values : array_like
    cmap : str or Colormap
    norm : Normalize

    Returns
    -------
    ndarray, shape values.shape + (4,)
        RGBA in [0, 1].

    Examples
    --------
    >>> cell_rgba([[0.0, 1.0]], IMAGE_CMAP, Normalize(0, 1)).round(2).tolist()
    [[[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]
    """
    cmap = colormaps[cmap] if isinstance(cmap, str) else cmap
    # Keep the dtype: matplotlib normalises float32 data in float32, ints in float64.
    return cmap(norm(np.ma.masked_invalid(np.asarray(values))))


def ink(rgba) -> str:
    """Black or white text, whichever reads better on a cell of colour ``rgba``.

    The rule: black when the cell's luma, with the Rec. 709 weights 0.2126 R + 0.7152 G +
    0.0722 B of its sRGB values, exceeds 0.5; white otherwise. A transparent cell shows the
    (white) page, so it gets black text.

    Parameters
    ----------
    rgba : sequence of 3 or 4 floats in [0, 1]

    Returns
    -------
    str
        ``"#000"`` or ``"#fff"`` (valid for matplotlib and CSS alike).

    Examples
    --------
    >>> ink((1.0, 1.0, 0.9)), ink((0.2, 0.1, 0.5, 1.0)), ink((0.0, 0.0, 0.0, 0.0))
    ('#000', '#fff', '#000')
    """
    if len(rgba) == 4 and rgba[3] < 0.5:
        return "#000"
    r, g, b = rgba[:3]
    return "#000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#fff"
