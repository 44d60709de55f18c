"""Convolution forward (chapter 03): feature maps, convolution arithmetic, the flip, the matrix.

- `feature_map_gallery`: a photo and its feature map under each of several kernels.
- `conv_arithmetic_figure`: the padded input with the pixels one output reads, numbered by
  kernel tap, the output grid, and the output-size formula with the numbers substituted (the
  static twin of `cnnbp_core.viz.widgets.conv_arithmetic`).
- `flip_figure`: cross-correlation against true convolution on a short 1-D signal.
- `conv_matrix_figure`: the doubly-block Toeplitz matrix of a small case, tap by tap.

The numbers come from `cnnbp_core.explain` (`feature_maps`, `conv_arithmetic`, `flip`,
`conv_matrix`); this module only draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ...data.kernels import KERNEL_LABELS, KERNELS
from ...explain.conv_arithmetic import OutputSizeTerms, arithmetic_state
from ...explain.feature_maps import feature_map
from ...explain.flip import flip_1d
from ...explain.toeplitz import conv_matrix_blocks, conv_matrix_taps
from ...validation import as_float_array, as_int, instance_of, numeric_array, pair
from ..style import BLUE, DIVERGING_CMAP, GREY, IMAGE_CMAP, OUTLINE, RED
from .base import bare, pair_text
from .matrix import plot_matrix

X_FILL = "#dcebf7"  # a pixel of X (a pale BLUE)
READ_FILL = "#ffd8b0"  # a pixel the chosen output reads (a pale OUTLINE)
PAD_FILL = "#eeeeee"  # a padding zero
_HATCH = {"facecolor": PAD_FILL, "edgecolor": "#9a9a9a", "hatch": "///", "linewidth": 0}


# ----------------------------------------------------------------------------- the output size


def output_size_text(terms, axis: str = "H") -> tuple[str, str]:
    """The output-size formula along one axis with the numbers substituted, and its terms.

    Parameters
    ----------
    terms : OutputSizeTerms
        From `cnnbp_core.explain.output_size_terms`.
    axis : {"H", "W"}
        Rows (H, KH, "below") or columns (W, KW, "right of").

    Returns
    -------
    (formula, terms) : two str

    Examples
    --------
    >>> from cnnbp_core.explain.conv_arithmetic import output_size_terms
    >>> formula, words = output_size_text(output_size_terms(5, 3, stride=2, padding=1))
    >>> formula
    'H_out = ⌊(H + 2p − d(KH − 1) − 1) / s⌋ + 1 = ⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3'
    >>> words
    'X_p has H + 2p = 7 rows; the dilated kernel spans d(KH − 1) + 1 = 3 of them; it can move 4 rows: 2 steps of 2 (4 rows) fit, leaving 0 rows of X_p below the last window'
    >>> output_size_text(output_size_terms(6, 3, stride=2, padding=1), "W")[1].split("; ")[-1]
    'it can move 5 columns: 2 steps of 2 (4 columns) fit, leaving 1 column of X_p right of the last window (padding)'
    >>> output_size_text(output_size_terms(5, 2, stride=3, padding=1))[1].split("; ")[-1]
    'it can move 5 rows: 1 step of 3 (3 rows) fits, leaving 2 rows of X_p below the last window (1 in X, 1 padding)'
    """  # noqa: E501
    t = _terms(terms)
    n, k, out, unit, where = _axis_words(axis)
    formula = (
        f"{out} = ⌊({n} + 2p − d({k} − 1) − 1) / s⌋ + 1 = "
        f"⌊({t.size} + 2·{t.padding} − {t.dilation}·({t.kernel} − 1) − 1) / {t.stride}⌋ + 1"
        f" = ⌊{t.room} / {t.stride}⌋ + 1 = {t.out}"
    )
    fit = "fits" if t.steps == 1 else "fit"
    words = (
        f"X_p has {n} + 2p = {count_text(t.padded, unit)}; the dilated kernel spans "
        f"d({k} − 1) + 1 = {t.span} of them; it can move {count_text(t.room, unit)}: "
        f"{count_text(t.steps, 'step')} of {t.stride} ({count_text(t.steps * t.stride, unit)}) "
        f"{fit}, leaving {count_text(t.leftover, unit)} of X_p {where} the last window"
    )
    if t.leftover:  # the last p rows of X_p are padding; any others left over are rows of X
        in_x, pad = t.unread_below, t.leftover - t.unread_below
        note = f"{in_x} in X, {pad} padding" if in_x and pad else "in X" if in_x else "padding"
        words += f" ({note})"
    return formula, words


def unread_text(terms, axis: str = "H") -> str:
    """Which rows (or columns) of X no output reads, and why, in one sentence.

    Three sources (`cnnbp_core.explain.OutputSizeTerms.unread_rows`): rows below the last
    window beyond the padding, rows between windows when the stride exceeds the dilated
    kernel's span, and rows between a dilated kernel's taps that no window's tap lands on.
    Rows are numbered as in X_p, as the grids and the reads are.

    Parameters
    ----------
    terms : OutputSizeTerms
    axis : {"H", "W"}

    Returns
    -------
    str

    Examples
    --------
    >>> from cnnbp_core.explain.conv_arithmetic import output_size_terms
    >>> unread_text(output_size_terms(8, 3, stride=2, padding=1))  # leftover 1: padding
    'Every row of X is read by some output'
    >>> unread_text(output_size_terms(8, 2, stride=3))
    'Rows of X read by no output: X_p rows 2, 5, between windows (s = 3 > d(KH − 1) + 1 = 2)'
    >>> unread_text(output_size_terms(10, 3, stride=3, dilation=2), "W")
    'Columns of X read by no output: X_p columns 1, 6, between the taps of the dilated kernel (d = 2); X_p columns 8, 9, right of the last window'
    """  # noqa: E501
    t = _terms(terms)
    _, k, _, unit, where = _axis_words(axis)
    rows = t.unread_rows()
    if not rows.rows:
        return f"Every {unit} of X is read by some output"
    parts = [
        (rows.between_windows, f"between windows (s = {t.stride} > d({k} − 1) + 1 = {t.span})"),
        (rows.between_taps, f"between the taps of the dilated kernel (d = {t.dilation})"),
        (rows.below, f"{where} the last window"),
    ]
    listed = [
        f"X_p {listed_text(found, unit)}, {why}"
        for found, why in sorted(parts, key=lambda part: part[0][:1])  # in order down X_p
        if found
    ]
    return f"{unit.capitalize()}s of X read by no output: " + "; ".join(listed)


def _terms(terms) -> OutputSizeTerms:
    return instance_of(terms, "terms", OutputSizeTerms, "an OutputSizeTerms (output_size_terms)")


def _axis_words(axis: str) -> tuple[str, str, str, str, str]:
    """(n, k, out, unit, where) for rows ("H") or columns ("W")."""
    if axis not in ("H", "W"):
        raise ValueError(f"axis must be 'H' or 'W'; got {axis!r}")
    if axis == "H":
        return "H", "KH", "H_out", "row", "below"
    return "W", "KW", "W_out", "column", "right of"


def count_text(n: int, noun: str) -> str:
    """A count and its noun, plural unless the count is 1.

    >>> count_text(1, "row"), count_text(0, "row"), count_text(9, "pixel")
    ('1 row', '0 rows', '9 pixels')
    """
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def listed_text(numbers, noun: str) -> str:
    """A noun, plural unless there is one number, and the numbers.

    >>> listed_text([3], "row"), listed_text((0, 2, 4), "column")
    ('row 3', 'columns 0, 2, 4')
    """
    return f"{noun if len(numbers) == 1 else noun + 's'} {', '.join(str(n) for n in numbers)}"


def reads_text(n: int, n_pad: int) -> str:
    """How many pixels one output reads and how many of them are padding zeros.

    >>> reads_text(9, 5), reads_text(9, 1), reads_text(4, 0), reads_text(1, 1), reads_text(1, 0)
    ('9 pixels, 5 of them padding zeros', '9 pixels, 1 of them a padding zero', '4 pixels, none of them padding', '1 pixel, a padding zero', '1 pixel, in X')
    """  # noqa: E501
    if n == 1:
        return f"1 pixel, {'a padding zero' if n_pad else 'in X'}"
    if n_pad == 0:
        return f"{n} pixels, none of them padding"
    zeros = "1 of them a padding zero" if n_pad == 1 else f"{n_pad} of them padding zeros"
    return f"{n} pixels, {zeros}"


def tap_label(u: int, v: int, *, html: bool = False) -> str:
    """The label of kernel tap (u, v) on a pixel it reads: K with subscript u,v, so that it does
    not read as the pixel's own coordinates.

    >>> tap_label(0, 1), tap_label(0, 1, html=True)
    ('$K_{0,1}$', 'K<sub>0,1</sub>')
    """
    return f"K<sub>{u},{v}</sub>" if html else f"$K_{{{u},{v}}}$"


# ----------------------------------------------------------------------------- the arithmetic


def _cell(ax, r, c, fill, text="", colour="#000", edge="#bbbbbb", width=1.0, hatch=False):
    """One square cell of a grid drawn with rows downwards (a wide edge above thin ones)."""
    style = {**_HATCH, "facecolor": fill} if hatch else {"facecolor": fill, "linewidth": 0}
    ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, **style))
    ax.add_patch(
        Rectangle(
            (c - 0.5, r - 0.5),
            1,
            1,
            fill=False,
            edgecolor=edge,
            linewidth=width,
            zorder=2 if width > 1 else 1.5,
        )
    )
    if text:
        ax.text(c, r, text, ha="center", va="center", fontsize=8, color=colour)


def _grid_axes(ax, shape, title):
    ax.set_xlim(-0.5, shape[1] - 0.5)
    ax.set_ylim(shape[0] - 0.5, -0.5)
    ax.set_aspect("equal")
    bare(ax)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title, fontsize=10)


def conv_arithmetic_figure(
    in_hw=(5, 5), kernel_size=3, *, stride=2, padding=1, dilation=1, at=(0, 0)
) -> Figure:
    """Which pixels one output reads, and how many outputs fit: the arithmetic explorer's view.

    Left, the padded input X_p: pixels of X pale blue, padding hatched, the pixels output
    ``at`` reads orange and labelled with the kernel tap that reads them (`tap_label`: K with
    subscript u,v, unlike the "i,j" of the output grid), pixels no output reads crossed; a
    legend says so. Right, the output grid, ``at`` outlined. Below, per axis, the output-size
    formula with the numbers substituted (`output_size_text`) and the rows or columns of X no
    output reads, by source (`unread_text`).

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W).
    kernel_size, stride, padding, dilation : int or (h, w) pair
    at : (int, int)
        The output pixel (i, j).

    Returns
    -------
    Figure
        Two Axes: X_p, then Y.

    Examples
    --------
    >>> fig = conv_arithmetic_figure()
    >>> [ax.get_title() for ax in fig.axes]
    ['X_p: 7x7 (X 5x5, padding 1); output (0,0) reads 9 pixels, 5 of them padding zeros', 'Y: 3x3']
    >>> [t.get_text() for t in fig.legends[0].texts][2]
    '$K_{u,v}$: read by output (0,0) through tap (u, v)'
    """  # noqa: E501
    a = arithmetic_state(
        in_hw, kernel_size, stride=stride, padding=padding, dilation=dilation, at=at
    )
    (i, j), reads, unread, pad_hw = a.at, a.reads, a.unread, a.geometry.padding
    terms, in_hw = a.terms, a.geometry.in_hw
    hp, wp = unread.shape
    out_hw = (terms[0].out, terms[1].out)
    fig = Figure(
        figsize=(max(7.0, 0.42 * (wp + out_hw[1]) + 3.0), 0.42 * max(hp, 5) + 2.2),
        layout="constrained",
    )
    ax_x, ax_y = fig.subplots(1, 2, width_ratios=[wp, max(out_hw[1], 2)])
    _xp_cells(ax_x, reads, a.is_padding, unread)
    title = (
        f"X_p: {hp}x{wp} (X {in_hw[0]}x{in_hw[1]}, padding {pair_text(pad_hw)}); output ({i},{j}) "
        f"reads {reads_text(reads.in_padding.size, int(reads.in_padding.sum()))}"
    )
    _grid_axes(ax_x, (hp, wp), title)
    for r, c in np.ndindex(out_hw):
        chosen = (r, c) == (i, j)
        _cell(
            ax_y,
            r,
            c,
            READ_FILL if chosen else X_FILL,
            f"{r},{c}",
            edge=OUTLINE if chosen else "#bbbbbb",
            width=3 if chosen else 1,
        )
    _grid_axes(ax_y, out_hw, f"Y: {out_hw[0]}x{out_hw[1]}")
    _legend(fig, (i, j))
    lines = [
        text
        for t, axis in zip(terms, "HW")
        for text in (*output_size_text(t, axis), unread_text(t, axis))
    ]
    fig.supxlabel("\n".join(lines), fontsize=8.5, ha="left", x=0.01)
    return fig


def _legend(fig, at):
    """What the cells of X_p mean, in one row above the grids."""
    read = f"{tap_label('u', 'v')}: read by output ({at[0]},{at[1]}) through tap (u, v)"
    handles = [
        Patch(facecolor=X_FILL, edgecolor="#bbbbbb", label="a pixel of X"),
        Patch(**{**_HATCH, "linewidth": 0.5}, label="padding (zeros)"),
        Patch(facecolor=READ_FILL, edgecolor=OUTLINE, linewidth=2, label=read),
        Line2D(
            [], [], linestyle="", marker="$×$", color=RED, markersize=8, label="read by no output"
        ),
    ]
    fig.legend(
        handles=handles,
        loc="outside upper left",
        ncols=len(handles),
        frameon=False,
        fontsize=8.5,
        handlelength=1.4,
        handleheight=1.4,
    )


def _xp_cells(ax, reads, is_padding, unread):
    """X_p's cells: X, padding (hatched), read (orange, its tap), never read (crossed)."""
    taps = {(r, c): (u, v) for u, v, r, c in reads.cells()}
    for r, c in np.ndindex(is_padding.shape):
        if (r, c) in taps:
            u, v = taps[(r, c)]
            _cell(
                ax,
                r,
                c,
                READ_FILL,
                tap_label(u, v),
                edge=OUTLINE,
                width=2.5,
                hatch=bool(is_padding[r, c]),
            )
        else:
            mark, pad = ("×" if unread[r, c] else ""), bool(is_padding[r, c])
            _cell(ax, r, c, PAD_FILL if pad else X_FILL, mark, colour=RED, hatch=pad)


# ----------------------------------------------------------------------------- feature maps


def feature_map_gallery(photo, kernels=None, *, ncols: int = 4, stride=1, padding=0) -> Figure:
    """A photo and its feature map (特征图) under each kernel, the kernel's numbers above it.

    Each map has its own colour scale: maps of kernels whose weights sum to 0 or less (edges)
    diverging and centred on 0, the others (blurs) grey (`cnnbp_core.explain.feature_map`);
    the title gives the range. Weights and ranges show rounding noise as 0 and never "-0"
    (`cnnbp_core.explain.feature_maps.without_noise`): a learned kernel shows its weights, not
    its rounding errors.

    Parameters
    ----------
    photo : ndarray of floats, shape (H, W)
        E.g. ``cnnbp_core.data.sample_photo(downsample=2)``.
    kernels : mapping of str to ndarray of floats (KH, KW), optional
        Name -> kernel, in the order to show; default `cnnbp_core.data.KERNELS`. Names found
        in `cnnbp_core.data.KERNEL_LABELS` are shown with their label.
    ncols : int
        Panels per row (the photo is the first panel).
    stride, padding : int or (h, w) pair
        Of every convolution.

    Returns
    -------
    Figure
        Per kernel one subfigure with two Axes (the kernel, its map); the photo's has one.

    Examples
    --------
    >>> photo = np.linspace(0, 1, 48).reshape(6, 8)
    >>> fig = feature_map_gallery(photo, {"sobel_x": KERNELS["sobel_x"]}, ncols=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['X: the photo, 6x8', 'Sobel x (vertical edges)', 'Y: 4x6, from 0.17 to 0.17']
    """
    photo = numeric_array(photo, "photo", (2,)).astype(np.float64)
    kernels = KERNELS if kernels is None else instance_of(kernels, "kernels", Mapping, "a dict")
    if not kernels:
        raise ValueError("kernels is empty; there is nothing to show")
    ncols = as_int(ncols, "ncols", 1)
    maps = {
        name: feature_map(
            photo, as_float_array(k, f"kernels[{name!r}]", ndim=2), stride=stride, padding=padding
        )
        for name, k in kernels.items()
    }
    n = len(maps) + 1
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(3.0 * ncols, 3.9 * nrows), layout="constrained")
    panels = np.asarray(fig.subfigures(nrows, ncols, squeeze=False)).ravel()
    first = panels[0].add_subplot()
    first.imshow(photo, cmap=IMAGE_CMAP, interpolation="nearest")
    bare(first)
    first.set_title(f"X: the photo, {photo.shape[0]}x{photo.shape[1]}", fontsize=9)
    for panel, (name, m) in zip(panels[1:], maps.items()):
        _map_panel(panel, KERNEL_LABELS.get(name, name), m)
    return fig


def _map_panel(panel, label, m):
    """A kernel's numbers (small, above) and its feature map (below); rounding noise shows as 0."""
    ax_k, ax_m = panel.subplots(2, 1, height_ratios=[1, 2.3])
    plot_matrix(
        m.kernel, ax=ax_k, title=label, symmetric=True, labels=None, fmt=_kernel_fmt(m.kernel)
    )
    bare(ax_k)
    cmap = DIVERGING_CMAP if m.centred else IMAGE_CMAP
    ax_m.imshow(m.values, cmap=cmap, vmin=m.scale[0], vmax=m.scale[1], interpolation="nearest")
    bare(ax_m)
    low, high = (_range_text(v) for v in m.shown_range)
    ax_m.set_title(f"Y: {m.shape[0]}x{m.shape[1]}, from {low} to {high}", fontsize=9)


def _range_text(v) -> str:
    """Two significant digits, decided on the value rounded to ten first.

    A map's extreme can sit exactly on a rounding tie (a blur of equal pixels gives 0.0375 up to
    an ulp that depends on the summation order, so "0.037" in one run, "0.038" in another);
    rounding to ten digits first removes the ulp, so the title is the same everywhere.

    >>> below, above = np.nextafter(0.0375, 0), np.nextafter(0.0375, 1)  # one ulp either side
    >>> f"{below:.2g}", f"{above:.2g}"  # formatted directly: the ulp decides
    ('0.037', '0.038')
    >>> _range_text(below), _range_text(above)
    ('0.037', '0.037')
    """
    return _no_minus_zero(f"{float(f'{float(v):.10g}'):.2g}")


def _kernel_fmt(kernel):
    """Whole weights without decimals; fractions (1/9, 1/16) to two digits; never "-0"."""
    fmt = "{:.0f}" if np.all(kernel == np.round(kernel)) else "{:.2f}"
    return lambda v: _no_minus_zero(fmt.format(float(v)))


def _no_minus_zero(text: str) -> str:
    """A number's text without the sign of a value that rounds to zero ("-0.00" -> "0.00")."""
    return text[1:] if text.startswith("-") and float(text) == 0 else text


# ----------------------------------------------------------------------------- the flip

FLIP_SIGNAL = (0.0, 1.0, 3.0, 2.0, 0.0, -1.0, -2.0, 1.0)
"""`flip_figure`'s default signal x."""
FLIP_KERNEL = (1.0, 2.0, -1.0)
"""`flip_figure`'s default kernel k: neither symmetric nor antisymmetric, so the flip shows."""


def flip_figure(x=FLIP_SIGNAL, k=FLIP_KERNEL, *, at=2) -> Figure:
    """Cross-correlation against true convolution on a short signal, for one output ``at``.

    Rows: the signal x with the window of output ``at`` outlined; the kernel laid under it as
    a cross-correlation reads it (k[0] under x[at]) and the output y = x ⋆ k; then the kernel
    reversed, as a convolution reads it (k[KL-1] under x[at]), and y = x ∗ k.

    Parameters
    ----------
    x, k : sequence of floats
        Signal and kernel (1-D, 1 <= KL <= L).
    at : int
        The output shown.

    Returns
    -------
    Figure
        One Axes.

    Examples
    --------
    >>> fig = flip_figure()
    >>> fig.axes[0].get_title()
    'output 2: correlation Σ k[u]·x[2+u] = 7, convolution Σ k[u]·x[4−u] = 1'
    """
    f = flip_1d(as_float_array(x, "x", ndim=1), as_float_array(k, "k", ndim=1), at)
    length, taps = f.x.size, f.k.size
    fig = Figure(figsize=(0.62 * length + 2.8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    rows = [
        ("x", f.x, range(length), set(f.correlation_reads)),
        ("k, correlation", f.k, f.correlation_reads, set()),
        ("y = x ⋆ k", f.correlation, range(f.correlation.size), {f.at}),
        ("k, convolution", f.k, f.convolution_reads, set()),
        ("y = x ∗ k", f.convolution, range(f.convolution.size), {f.at}),
    ]
    for r, (name, values, columns, marked) in enumerate(rows):
        ax.text(-0.8, r, name, ha="right", va="center", fontsize=9)
        tap_row = name.startswith("k")
        for n, (value, c) in enumerate(zip(values, columns)):
            text = f"k[{n}]={value:g}" if tap_row else f"{value:g}"
            fill = READ_FILL if tap_row or c in marked else X_FILL
            edge = OUTLINE if c in marked or tap_row else "#bbbbbb"
            _cell(ax, r, c, fill, text, edge=edge, width=2.5 if c in marked else 1)
    ax.set_xlim(-4.2, length - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_aspect("equal")
    bare(ax)
    for side in ax.spines.values():
        side.set_visible(False)
    last = f.at + taps - 1
    ax.set_title(
        f"output {f.at}: correlation Σ k[u]·x[{f.at}+u] = {f.correlation[f.at]:g}, "
        f"convolution Σ k[u]·x[{last}−u] = {f.convolution[f.at]:g}",
        fontsize=10,
    )
    return fig


# ----------------------------------------------------------------------------- the matrix


MATRIX_FIGURE_MAX_COLUMNS = 100
"""The most input pixels H·W (columns of M) `conv_matrix_figure` draws: a labelled cell per
entry of M, about 0.4 inch each, puts 100 columns already 42 inches wide, past reading."""


def conv_matrix_figure(in_hw=(3, 4), kernel_size=2, *, stride=1, padding=0, dilation=1) -> Figure:
    """The convolution matrix M of a small case, each entry labelled with its kernel tap.

    Entry (row ``i*W_out + j``, column ``r*W + c``) shows "K[u,v]" (written ``Kuv``) when output
    (i, j) reads input (r, c) through tap (u, v), coloured by the tap; blank entries are 0. Thick
    lines cut M into its H_out x H grid of W_out x W blocks, and zero blocks are grey. The title
    names the structure (`cnnbp_core.explain.MatrixBlocks.summary`).

    Parameters
    ----------
    in_hw : (int, int)
        H·W at most `MATRIX_FIGURE_MAX_COLUMNS` (100).
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    Figure
        One Axes.

    Raises
    ------
    ValueError
        When the input has more than 100 pixels (use `cnnbp_core.explain.conv_matrix` for the
        numbers), or the kernel does not fit.

    Examples
    --------
    >>> fig = conv_matrix_figure()
    >>> fig.axes[0].get_title().splitlines()[0]
    'M (6x12): vec(Y) = M vec(X); X 3x4, K 2x2, stride 1, padding 0, dilation 1'
    >>> sorted({t.get_text() for t in fig.axes[0].texts})
    ['K00', 'K01', 'K10', 'K11']
    """
    kernel = pair(kernel_size, "kernel_size", 1)
    blocks = conv_matrix_blocks(in_hw, kernel, stride, padding, dilation)  # checks the arguments
    (ho, h), (wo, w) = blocks.grid.shape, blocks.block_shape
    if h * w > MATRIX_FIGURE_MAX_COLUMNS:
        raise ValueError(
            f"in_hw {(h, w)} has {h * w} pixels, so M has {h * w} columns; conv_matrix_figure "
            f"draws at most {MATRIX_FIGURE_MAX_COLUMNS}, a labelled cell per entry, beyond which "
            "the figure is too large to read (explain.conv_matrix gives the numbers)"
        )
    taps = conv_matrix_taps(in_hw, kernel, stride, padding, dilation)
    fig = Figure(figsize=(0.42 * h * w + 1.6, 0.42 * ho * wo + 1.6), layout="constrained")
    ax = fig.add_subplot()
    colours = colormaps["tab10" if kernel[0] * kernel[1] <= 10 else "tab20"]
    for (row, col), tap in np.ndenumerate(taps):
        if tap >= 0:
            u, v = divmod(int(tap), kernel[1])
            ax.add_patch(
                Rectangle(
                    (col - 0.5, row - 0.5),
                    1,
                    1,
                    facecolor=colours(tap % 20),
                    alpha=0.45,
                    linewidth=0,
                )
            )
            ax.text(col, row, f"K{u}{v}", ha="center", va="center", fontsize=7)
    for (i, r), u in np.ndenumerate(blocks.grid):
        if u < 0:
            ax.add_patch(
                Rectangle(
                    (r * w - 0.5, i * wo - 0.5), w, wo, facecolor=PAD_FILL, linewidth=0, zorder=0
                )
            )
    for r in range(h + 1):
        ax.axvline(r * w - 0.5, color=GREY, linewidth=1.8)
    for i in range(ho + 1):
        ax.axhline(i * wo - 0.5, color=GREY, linewidth=1.8)
    ax.set_xlim(-0.5, h * w - 0.5)
    ax.set_ylim(ho * wo - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks(range(h * w), [f"{r},{c}" for r, c in np.ndindex(h, w)], fontsize=6, rotation=90)
    ax.set_yticks(range(ho * wo), [f"{i},{j}" for i, j in np.ndindex(ho, wo)], fontsize=6)
    ax.set_xlabel("input pixel (r, c): column r·W + c", color=BLUE)
    ax.set_ylabel("output pixel (i, j): row i·W_out + j", color=BLUE)
    ax.tick_params(length=0)
    summary = blocks.summary().split(": ", 1)
    ax.set_title(
        f"M ({ho * wo}x{h * w}): vec(Y) = M vec(X); X {h}x{w}, K {kernel[0]}x{kernel[1]}, "
        f"stride {pair_text(blocks.stride)}, padding {pair_text(pair(padding, 'padding', 0))}, "
        f"dilation {pair_text(pair(dilation, 'dilation', 1))}\n{summary[0]}",
        fontsize=10,
    )
    return fig
