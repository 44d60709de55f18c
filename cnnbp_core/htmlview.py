"""Small matrices as coloured HTML tables: the fast drawing path of the live widgets.

A matplotlib redraw of a few annotated panels costs 100-300 ms on a small laptop; an HTML table
costs well under a millisecond to build and the browser draws it, so a slider stays responsive.
Colours follow `plotting`: diverging and centred on 0 for signed data, grey for images.
"""

from __future__ import annotations

import html

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex

from .plotting import DIVERGING_CMAP, IMAGE_CMAP

OUTLINE = "#ff7f0e"  # the orange that marks the chosen tap, as in the static figures


def matrix_html(a, *, title="", symmetric=None, highlight=(), fmt="{:.2g}", cell_px=34) -> str:
    """A 2-D array as an HTML table whose cells are coloured by value and show the value.

    Parameters
    ----------
    a : array_like, shape (rows, cols)
    title : str
        Caption above the table (escaped).
    symmetric : bool, optional
        Diverging colours centred on 0; default: when ``a`` has negative values.
    highlight : iterable of (row, col)
        Cells to outline in orange.
    fmt : str
        Format of the values.
    cell_px : int
        Cell size in pixels.

    Returns
    -------
    str
    """
    a = np.asarray(a, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0, so no "-0" is shown
    if a.ndim != 2:
        raise ValueError(f"a must be 2-D; got shape {a.shape}")
    if symmetric is None:
        symmetric = bool((a < 0).any())
    top = float(np.abs(a).max(initial=0.0)) or 1.0
    norm = Normalize(-top, top) if symmetric else Normalize(a.min(initial=0), a.max(initial=1))
    rgba = colormaps[DIVERGING_CMAP if symmetric else IMAGE_CMAP](norm(a))
    marked = {tuple(map(int, rc)) for rc in highlight}
    rows = []
    for i in range(a.shape[0]):
        cells = []
        for j in range(a.shape[1]):
            r, g, b, _ = rgba[i, j]
            ink = "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "#fff"
            edge = f"3px solid {OUTLINE}" if (i, j) in marked else "1px solid #ccc"
            style = (
                f"background:{to_hex(rgba[i, j])};color:{ink};border:{edge};width:{cell_px}px;"
                f"height:{cell_px}px;text-align:center;font:11px monospace;padding:0"
            )
            cells.append(f'<td style="{style}">{fmt.format(a[i, j])}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<div style="font:13px sans-serif;margin-bottom:4px">{html.escape(title)}</div>'
    table = '<table style="border-collapse:collapse">' + "".join(rows) + "</table>"
    return f'<div style="margin-right:18px">{caption}{table}</div>'


def row_html(*blocks: str) -> str:
    """Place HTML blocks side by side, top-aligned, wrapping on narrow screens."""
    return (
        '<div style="display:flex;flex-wrap:wrap;align-items:flex-start">'
        + "".join(blocks)
        + "</div>"
    )
