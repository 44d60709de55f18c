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
from matplotlib.patches import Rectangle

from ...data.kernels import KERNEL_LABELS, KERNELS
from ...explain.conv_arithmetic import arithmetic_state
from ...explain.feature_maps import feature_map
from ...explain.flip import flip_1d
from ...explain.toeplitz import conv_matrix_blocks, conv_matrix_taps
from ...validation import as_int, instance_of, numeric_array, pair
from ..style import BLUE, DIVERGING_CMAP, GREY, IMAGE_CMAP, OUTLINE, RED
from .base import bare
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
        Rows (H, KH, "bottom") or columns (W, KW, "right").

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
    'X_p has H + 2p = 7 rows; the dilated kernel spans d(KH − 1) + 1 = 3 of them; it moves 4 rows in 2 steps of 2; 0 rows of X_p below the last window are read by no output'
    """  # noqa: E501
    rows = axis == "H"
    if axis not in ("H", "W"):
        raise ValueError(f"axis must be 'H' or 'W'; got {axis!r}")
    n, k, out = ("H", "KH", "H_out") if rows else ("W", "KW", "W_out")
    unit, where = ("row", "below") if rows else ("column", "right of")
    t = terms
    formula = (
        f"{out} = ⌊({n} + 2p − d({k} − 1) − 1) / s⌋ + 1 = "
        f"⌊({t.size} + 2·{t.padding} − {t.dilation}·({t.kernel} − 1) − 1) / {t.stride}⌋ + 1"
        f" = ⌊{t.room} / {t.stride}⌋ + 1 = {t.out}"
    )
    words = (
        f"X_p has {n} + 2p = {_count(t.padded, unit)}; the dilated kernel spans d({k} − 1) + 1 = "
        f"{t.span} of them; it moves {_count(t.room, unit)} in {_count(t.steps, 'step')} of "
        f"{t.stride}; {_count(t.leftover, unit)} of X_p {where} the last window "
        f"{'is' if t.leftover == 1 else 'are'} read by no output"
    )
    if t.unread:
        words += f" ({t.unread} in X, not padding)"
    return formula, words


def _count(n: int, noun: str) -> str:
    """ "1 row", "0 rows", "2 steps"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
    ``at`` reads orange and labelled with their kernel tap "u,v", pixels no output reads
    crossed. Right, the output grid, ``at`` outlined. Below, the output-size formula for rows
    and columns with the numbers substituted (`output_size_text`).

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
    ['X_p: 7x7 (X 5x5, padding 1); output (0,0) reads 9 pixels, 5 of them padding', 'Y: 3x3']
    """
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
        f"X_p: {hp}x{wp} (X {in_hw[0]}x{in_hw[1]}, padding {_one(pad_hw)}); output ({i},{j}) "
        f"reads {reads.in_padding.size} pixels, {int(reads.in_padding.sum())} of them padding"
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
    lines = [text for t, axis in zip(terms, "HW") for text in output_size_text(t, axis)]
    fig.supxlabel("\n".join(lines), fontsize=8.5, ha="left", x=0.01)
    return fig


def _xp_cells(ax, reads, is_padding, unread):
    """X_p's cells: X, padding (hatched), read (orange, "u,v"), never read (crossed)."""
    taps = {(r, c): (u, v) for u, v, r, c in reads.cells()}
    for r, c in np.ndindex(is_padding.shape):
        if (r, c) in taps:
            u, v = taps[(r, c)]
            _cell(
                ax,
                r,
                c,
                READ_FILL,
                f"{u},{v}",
                edge=OUTLINE,
                width=2.5,
                hatch=bool(is_padding[r, c]),
            )
        else:
            mark, pad = ("×" if unread[r, c] else ""), bool(is_padding[r, c])
            _cell(ax, r, c, PAD_FILL if pad else X_FILL, mark, colour=RED, hatch=pad)


def _one(hw) -> str:
    return str(hw[0]) if hw[0] == hw[1] else f"({hw[0]},{hw[1]})"


# ----------------------------------------------------------------------------- feature maps


def feature_map_gallery(photo, kernels=None, *, ncols: int = 4, stride=1, padding=0) -> Figure:
    """A photo and its feature map (特征图) under each kernel, the kernel's numbers above it.

    Each map has its own colour scale: signed maps (edges) diverging and centred on 0, maps that
    are never negative (blurs) grey from their minimum to their maximum; the title gives the
    range.

    Parameters
    ----------
    photo : ndarray of floats, shape (H, W)
        E.g. ``cnnbp_core.data.sample_photo(downsample=2)``.
    kernels : mapping of str to ndarray (KH, KW), optional
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
        name: feature_map(photo, np.asarray(k, dtype=np.float64), stride=stride, padding=padding)
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
        _map_panel(panel, KERNEL_LABELS.get(name, name), np.asarray(kernels[name]), m)
    return fig


def _map_panel(panel, label, kernel, m):
    """A kernel's numbers (small, above) and its feature map (below)."""
    ax_k, ax_m = panel.subplots(2, 1, height_ratios=[1, 2.3])
    plot_matrix(kernel, ax=ax_k, title=label, symmetric=True, labels=None, fmt=_kernel_fmt(kernel))
    bare(ax_k)
    cmap = DIVERGING_CMAP if m.centred else IMAGE_CMAP
    ax_m.imshow(m.values, cmap=cmap, vmin=m.scale[0], vmax=m.scale[1], interpolation="nearest")
    bare(ax_m)
    ax_m.set_title(f"Y: {m.shape[0]}x{m.shape[1]}, from {m.low:.2g} to {m.high:.2g}", fontsize=9)


def _kernel_fmt(kernel) -> str:
    """Whole weights without decimals; fractions (1/9, 1/16) to two digits."""
    return "{:.0f}" if np.all(kernel == np.round(kernel)) else "{:.2f}"


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
        Signal and kernel (1-D, KL <= L).
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
    f = flip_1d(np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64), at)
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


def conv_matrix_figure(in_hw=(3, 4), kernel_size=2, *, stride=1, padding=0, dilation=1) -> Figure:
    """The convolution matrix M of a small case, each entry labelled with its kernel tap.

    Entry (row ``i*W_out + j``, column ``r*W + c``) shows "K[u,v]" (written ``Kuv``) when output
    (i, j) reads input (r, c) through tap (u, v), coloured by the tap; blank entries are 0. Thick
    lines cut M into its H_out x H grid of W_out x W blocks, and zero blocks are grey. The title
    names the structure (`cnnbp_core.explain.MatrixBlocks.summary`).

    Parameters
    ----------
    in_hw : (int, int)
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    Figure
        One Axes.

    Examples
    --------
    >>> fig = conv_matrix_figure()
    >>> fig.axes[0].get_title().splitlines()[0]
    'M (6x12): vec(Y) = M vec(X); X 3x4, K 2x2, stride 1, padding 0, dilation 1'
    >>> sorted({t.get_text() for t in fig.axes[0].texts})
    ['K00', 'K01', 'K10', 'K11']
    """
    kernel = pair(kernel_size, "kernel_size", 1)
    taps = conv_matrix_taps(in_hw, kernel, stride, padding, dilation)
    blocks = conv_matrix_blocks(in_hw, kernel, stride, padding, dilation)
    (ho, h), (wo, w) = blocks.grid.shape, blocks.block_shape
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
        f"stride {_one(pair(stride, 'stride', 1))}, padding {_one(pair(padding, 'padding', 0))}, "
        f"dilation {_one(pair(dilation, 'dilation', 1))}\n{summary[0]}",
        fontsize=10,
    )
    return fig
