"""Small matrices as coloured HTML tables: the fast drawing path of the live widgets.

A matplotlib redraw of a few annotated panels costs 100-300 ms on a small laptop; an HTML table
costs well under a millisecond to build and the browser draws it, so a slider stays responsive.
Colours come from `cnnbp_core.viz.style`, as in the static figures: a table and a `plot_matrix`
of the same matrix with the same colormap colour every cell, and its text, alike.
"""

from __future__ import annotations

import html

from matplotlib.colors import to_hex

from ..validation import numeric_array
from .style import OUTLINE, cell_rgba, color_norm, default_cmap, ink, is_signed


def matrix_html(
    a, *, title="", symmetric=None, cmap=None, highlight=(), fmt="{:.2g}", cell_px=34
) -> str:
    """A 2-D array as an HTML table whose cells are coloured by value and show the value.

    Parameters
    ----------
    a : array_like, shape (rows, cols)
    title : str
        Caption above the table (escaped).
    symmetric : bool, optional
        Diverging colours centred on 0; default: when ``a`` has negative values.
    cmap : str, optional
        Colormap; default `style.default_cmap` (as `plot_matrix`), e.g. `IMAGE_CMAP` for images.
    highlight : iterable of (row, col)
        Cells to outline in orange.
    fmt : str
        Format of the values.
    cell_px : int
        Cell size in pixels.

    Returns
    -------
    str

    Examples
    --------
    >>> table = matrix_html([[-1.0, 0.0, 1.0]], title="δ", highlight=[(0, 2)])
    >>> table.count("<td"), table.count(OUTLINE)
    (3, 1)
    >>> "background:#053061;color:#fff" in table  # -1: the darkest blue, with white text
    True
    """
    a = numeric_array(a, "a", (2,)).astype(float) + 0.0  # + 0.0: no "-0" is shown
    if symmetric is None:
        symmetric = is_signed(a)
    cmap = default_cmap(symmetric) if cmap is None else cmap
    rgba = cell_rgba(a, cmap, color_norm([a], symmetric))
    marked = {tuple(map(int, rc)) for rc in highlight}
    rows = []
    for i in range(a.shape[0]):
        cells = []
        for j in range(a.shape[1]):
            # a transparent (non-finite) cell shows the page, as in a figure
            background = to_hex(rgba[i, j]) if rgba[i, j, 3] > 0 else "transparent"
            edge = f"3px solid {OUTLINE}" if (i, j) in marked else "1px solid #ccc"
            style = (
                f"background:{background};color:{ink(rgba[i, j])};border:{edge};"
                f"width:{cell_px}px;height:{cell_px}px;text-align:center;font:11px monospace;"
                "padding:0"
            )
            cells.append(f'<td style="{style}">{fmt.format(a[i, j])}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _block(title, "".join(rows))


def _block(title: str, rows: str) -> str:
    """The table of ``rows`` under its caption."""
    caption = f'<div style="font:13px sans-serif;margin-bottom:4px">{html.escape(title)}</div>'
    table = f'<table style="border-collapse:collapse">{rows}</table>'
    return f'<div style="margin-right:18px">{caption}{table}</div>'


def no_picture_html(err: Exception, hint: str = "") -> str:
    """A message in place of a view, for arguments with no answer (a direct call's mistake; the
    explorers' controls never reach one): a ``div.no-picture`` saying why, and ``hint``.

    Examples
    --------
    >>> view = no_picture_html(ValueError("kernel 4x4 does not fit"), "Lower the dilation.")
    >>> view.split(">", 1)[1]
    'No picture for this combination: kernel 4x4 does not fit. Lower the dilation.</div>'
    """
    return (
        f'<div class="no-picture" style="font:14px sans-serif;padding:12px;background:#fff4e5;'
        f'border-left:4px solid {OUTLINE}">No picture for this combination: '
        f"{html.escape(str(err))}.{' ' + html.escape(hint) if hint else ''}</div>"
    )


def row_html(*blocks: str) -> str:
    """Place HTML blocks side by side, top-aligned, wrapping on narrow screens.

    Examples
    --------
    >>> row_html("<b>a</b>", "<b>b</b>")
    '<div style="display:flex;flex-wrap:wrap;align-items:flex-start"><b>a</b><b>b</b></div>'
    """
    return (
        '<div style="display:flex;flex-wrap:wrap;align-items:flex-start">'
        + "".join(blocks)
        + "</div>"
    )
