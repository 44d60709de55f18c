"""Convolution: feature maps, kernel banks, and how one kernel weight's gradient is built."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...explain.conv import kernel_tap_terms
from ...geometry import dilate2d, inserted_mask
from ...validation import as_int, numeric_array, pair
from ..style import DIVERGING_CMAP, IMAGE_CMAP, OUTLINE, color_norm, is_signed
from .base import annotate_cells, bare, formatter, grid_figure
from .matrix import plot_matrix


def _map_list(maps, name: str) -> list[np.ndarray]:
    if isinstance(maps, np.ndarray):
        if maps.ndim != 3:
            raise ValueError(
                f"{name} must be a (C, H, W) array or a list of 2-D arrays; got shape {maps.shape}"
                + (" (for a batch, pass one example, e.g. x[0])" if maps.ndim == 4 else "")
            )
        items = list(maps)
    elif isinstance(maps, Sequence) and not isinstance(maps, str):
        items = list(maps)
    else:
        raise TypeError(f"{name} must be a (C, H, W) array or a list of 2-D arrays")
    if not items:
        raise ValueError(f"{name} is empty; there is nothing to plot")
    return [numeric_array(m, f"{name}[{i}]", (2,)) for i, m in enumerate(items)]


def feature_map_grid(
    maps,
    *,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    suptitle: str | None = None,
    cmap=None,
    symmetric: bool | None = None,
    share_scale: bool = False,
) -> Figure:
    """A grid of 2-D maps (feature maps, channels, images), one panel each.

    Parameters
    ----------
    maps : ndarray, shape (C, H, W), or list of 2-D arrays
    titles : sequence of str, optional
        One per map.
    ncols : int, optional
        Panels per row; default about sqrt(C) (all in one row for up to 4 maps).
    suptitle : str, optional
    cmap : str or Colormap, optional
        Default: diverging when the scale is symmetric, grey otherwise.
    symmetric : bool, optional
        Colour scales centred on 0; default: True when any map has negative values.
    share_scale : bool
        One colour scale for all maps (with a colour bar), so magnitudes compare across
        panels; default: each map uses its own full range, to show its structure.

    Returns
    -------
    Figure
        One Axes per map (plus one for the colour bar when ``share_scale``).

    Examples
    --------
    >>> fig = feature_map_grid(np.ones((5, 3, 4)), suptitle="Y")
    >>> len(fig.axes), fig.axes[0].get_subplotspec().get_geometry()[:2]
    (5, (2, 3))
    """
    items = _map_list(maps, "maps")
    n = len(items)
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles must have one entry per map ({n}); got {len(titles)}")
    ncols = (
        (n if n <= 4 else math.ceil(math.sqrt(n))) if ncols is None else as_int(ncols, "ncols", 1)
    )
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if symmetric is None:
        symmetric = is_signed(*items)
    if cmap is None:
        cmap = DIVERGING_CMAP if symmetric else IMAGE_CMAP
    aspect = max(m.shape[0] / m.shape[1] for m in items)
    panel = 2.4 if ncols <= 4 else 1.8
    fig = grid_figure(nrows, ncols, panel, panel * min(aspect, 2.0) + (0.3 if titles else 0.0))
    shared = color_norm(items, symmetric) if share_scale else None
    axes = []
    for k, m in enumerate(items):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        norm = shared or color_norm([m], symmetric)
        im = ax.imshow(m, cmap=cmap, norm=norm, interpolation="nearest")
        bare(ax)
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
        axes.append(ax)
    if share_scale:
        fig.colorbar(im, ax=axes, shrink=0.8)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def kernel_grid(w, *, title: str | None = None, annotate: bool | None = None, fmt=None) -> Figure:
    """The conv weights K as a grid of kernels: row o = output channel, column c = input channel.

    All kernels share one colour scale centred on 0 (with a colour bar), so their magnitudes
    compare across panels.

    Parameters
    ----------
    w : ndarray, shape (C_out, C_in, KH, KW)
    title : str, optional
        Default states the shape.
    annotate : bool, optional
        Write the weights in the cells; default: when there are at most 16 kernels of at most
        5x5 weights.
    fmt : str or callable, optional
        As in `plot_matrix`.

    Returns
    -------
    Figure
        C_out * C_in kernel Axes plus one colour-bar Axes.

    Examples
    --------
    >>> fig = kernel_grid(np.ones((2, 3, 3, 2)))
    >>> len(fig.axes), fig.get_suptitle()
    (7, 'K: (C_out, C_in, KH, KW) = (2, 3, 3, 2)')
    """
    w = numeric_array(w, "w", (4,))
    c_out, c_in, kh, kw = w.shape
    if annotate is None:
        annotate = c_out * c_in <= 16 and kh * kw <= 25
    norm = color_norm([w], symmetric=True)
    panel = min(max(0.32 * max(kh, kw), 0.8), 2.0)
    fig = grid_figure(c_out, c_in, panel, panel * min(kh / kw, 2.0))
    show = formatter(fmt, w)
    axes = []
    for o in range(c_out):
        for c in range(c_in):
            ax = fig.add_subplot(c_out, c_in, o * c_in + c + 1)
            im = ax.imshow(w[o, c], cmap=DIVERGING_CMAP, norm=norm, interpolation="nearest")
            bare(ax)
            if o == 0:
                ax.set_title(f"c_in = {c}", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"c_out = {o}", fontsize=8)
            if annotate:
                annotate_cells(ax, w[o, c], show, im, fontsize=6)
            axes.append(ax)
    fig.colorbar(im, ax=axes, shrink=0.8)
    fig.suptitle(title if title is not None else f"K: (C_out, C_in, KH, KW) = {w.shape}")
    return fig


def feature_maps_per_layer(
    activations: Mapping[str, np.ndarray], *, max_maps: int = 8, cmap=None
) -> Figure:
    """Feature maps of one example, one row per layer, at most ``max_maps`` channels each.

    Parameters
    ----------
    activations : mapping of str to ndarray, shape (C, H, W)
        Layer name -> that layer's output for one example, in the order to show.
    max_maps : int
        Channels shown per layer (the first ones).
    cmap : str or Colormap, optional
        Default per layer: diverging centred on 0 if it has negative values, grey otherwise.
        Each layer uses one colour scale, so a dead (all-zero) channel shows as blank.

    Returns
    -------
    Figure
        One Axes per map shown.

    Examples
    --------
    >>> fig = feature_maps_per_layer({"conv1": np.ones((6, 4, 4)), "pool1": np.ones((2, 2, 2))})
    >>> len(fig.axes), fig.axes[0].get_ylabel()
    (8, 'conv1\\n6x4x4')
    """
    if not isinstance(activations, Mapping):
        raise TypeError(
            f"activations must be a mapping (dict) of layer name -> (C, H, W) array; "
            f"got {type(activations).__name__}"
        )
    if not activations:
        raise ValueError("activations is empty; there is nothing to plot")
    max_maps = as_int(max_maps, "max_maps", 1)
    layers = {}
    for name, act in activations.items():
        arr = np.asarray(act)
        if arr.ndim != 3:
            hint = " (for a batch, pass one example, e.g. act[0])" if arr.ndim == 4 else ""
            raise ValueError(
                f"activations[{name!r}] must be 3-D (C, H, W); got shape {arr.shape}{hint}"
            )
        layers[str(name)] = numeric_array(arr, f"activations[{name!r}]", (3,))
    nrows = len(layers)
    ncols = min(max_maps, max(a.shape[0] for a in layers.values()))
    fig = grid_figure(nrows, ncols, 1.3, 1.3 + 0.15)
    for r, (name, arr) in enumerate(layers.items()):
        shown = arr[:max_maps]
        signed = is_signed(shown)
        norm = color_norm([shown], signed)
        layer_cmap = cmap if cmap is not None else DIVERGING_CMAP if signed else IMAGE_CMAP
        for c, m in enumerate(shown):
            ax = fig.add_subplot(nrows, ncols, r * ncols + c + 1)
            ax.imshow(m, cmap=layer_cmap, norm=norm, interpolation="nearest")
            bare(ax)
            ax.set_title(f"c = {c}", fontsize=7)
            if c == 0:
                c_, h_, w_ = arr.shape
                ax.set_ylabel(f"{name}\n{c_}x{h_}x{w_}", fontsize=8)
    return fig


# Cells that are not data (padding, zeros inserted by dilate_s): light grey, hatched, grey text.
_HATCH = {"facecolor": "#e6e6e6", "edgecolor": "#9a9a9a", "hatch": "///", "linewidth": 0}


def _hatch_cells(ax, cells, width: int) -> None:
    """Hatch ``cells`` of a `plot_matrix` panel ``width`` columns wide, and grey their labels."""
    for i, j in cells:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, zorder=1.5, **_HATCH))
        if ax.texts:  # plot_matrix writes one label per cell, row by row
            ax.texts[i * width + j].set_color("#555555")


def _label(pair) -> str:
    """A per-axis hyper-parameter as text: ``2`` when both axes agree, else ``(1,2)``."""
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]},{pair[1]})"


def _plot_dilated(ax, delta, dilated, inserted, title: str) -> None:
    """dilate_s(delta) on a scale centred on 0, its inserted zeros (``inserted``) hatched."""
    plot_matrix(dilated, title=title, ax=ax, symmetric=True, fmt=formatter(None, delta))
    _hatch_cells(ax, zip(*np.nonzero(inserted)), dilated.shape[1])


def kernel_tap_figure(x, delta, u, v, *, kernel_size, stride=1, padding=0, dilation=1) -> Figure:
    """How the gradient of one kernel weight, dL/dK[u,v], is built (see `kernel_tap_terms`).

    The panels of `kernel_gradient_explorer` for one state. ``fig.axes[:4]``: the input with
    the pixels tap (u, v) reads outlined (with padding, the padded input X_p, its padding
    hatched), delta, their products, and the whole dL/dK with (u, v) outlined; the last title
    states the sum. When the stride is > 1, ``fig.axes[4]`` (drawn between delta and the
    products) shows dilate_s(delta), its inserted zeros hatched, titled with
    dL/dK[u,v] = (X_p ⋆ dilate_s(delta))[u·d, v·d] and its value. A one-hot delta also
    dashes the patch of X_p its output pixel reads (dL/dK is exactly that patch), an all-ones
    delta says that each dL/dK[u,v] is a box sum; both in the figure's title.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One input channel X, unpadded (integers are fine: they are drawn as floats).
    delta : array_like, shape (H_out, W_out)
    u, v, kernel_size, stride, padding, dilation
        As in `cnnbp_core.explain.kernel_tap_terms`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = kernel_tap_figure(np.arange(16).reshape(4, 4), np.ones((3, 3)), 0, 1, kernel_size=2)
    >>> len(fig.axes), fig.axes[3].get_title()
    (4, 'dL/dK[0,1] = Σ = 54')
    >>> fig = kernel_tap_figure(np.ones((4, 4)), np.ones((2, 2)), 1, 1, kernel_size=3, stride=2,
    ...                         padding=1)
    >>> len(fig.axes), fig.axes[4].get_title().splitlines()[1]
    (5, 'dL/dK[1,1] = (X_p ⋆ dilate_2(δ))[1,1] = 4')
    """
    x = numeric_array(x, "x", (2,)).astype(float)
    delta = numeric_array(delta, "delta", (2,)).astype(float)
    t = kernel_tap_terms(
        x,
        delta,
        u,
        v,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    fig, (ax_x, ax_d, ax_p, ax_k, ax_z) = _tap_axes(t)
    _xp_panel(ax_x, t, u, v)
    plot_matrix(delta, title="δ = dL/dY", ax=ax_d, symmetric=True)
    plot_matrix(t.products, title=f"{_xp_name(t)}[those pixels] · δ[i,j]", ax=ax_p, symmetric=True)
    _dk_panel(ax_k, t, u, v)
    if ax_z is not None:
        _dilated_panel(ax_z, t, delta, u, v)
    _mark_delta_kind(fig, ax_x, ax_d, t, delta)
    return fig


def _xp_name(t) -> str:
    """X_p when the input is padded, else X."""
    return "X_p" if t.padding != (0, 0) else "X"


def _tap_axes(t):
    """The figure and its Axes: X_p, delta, products, dL/dK, and dilate_s(delta) or None.

    With stride > 1, dilate_s(delta) is drawn between delta and the products but created
    last, so that it is ``fig.axes[4]``.
    """
    widths = [t.xp.shape[1], t.products.shape[1], t.products.shape[1], max(t.dk.shape[1], 2)]
    if t.stride == (1, 1):
        fig = Figure(figsize=(13.0, 3.6), layout="constrained")
        return fig, (*fig.subplots(1, 4, width_ratios=widths), None)
    fig = Figure(figsize=(16.0, 3.8), layout="constrained")
    grid = fig.add_gridspec(1, 5, width_ratios=[*widths[:2], t.dilated_delta.shape[1], *widths[2:]])
    return fig, tuple(fig.add_subplot(grid[0, k]) for k in (0, 1, 3, 4, 2))


def _xp_panel(ax, t, u, v) -> None:
    """X_p, the pixels tap (u, v) reads outlined, its padding hatched."""
    title = (
        f"X_p (padding {_label(t.padding)}): pixels tap ({u},{v}) reads"
        if t.padding != (0, 0)
        else f"X: pixels tap ({u},{v}) reads"
    )
    plot_matrix(t.xp, title=title, ax=ax, cmap=IMAGE_CMAP, symmetric=False)
    ii, jj = np.meshgrid(t.rows, t.cols, indexing="ij")
    ax.scatter(
        jj.ravel(),
        ii.ravel(),
        s=300,
        marker="s",
        facecolors="none",
        edgecolors=OUTLINE,
        linewidths=2,
        zorder=3,  # above the hatching of the padded cells, which the tap reads too
    )
    if t.padding != (0, 0):
        _hatch_cells(ax, zip(*np.nonzero(t.is_padding)), t.xp.shape[1])


def _dk_panel(ax, t, u, v) -> None:
    """The whole dL/dK, (u, v) outlined, its title stating the sum."""
    plot_matrix(
        t.dk,
        title=f"dL/dK[{u},{v}] = Σ = {t.products.sum():.3g}",
        ax=ax,
        labels=("u", "v"),
        symmetric=True,
        fmt="{:.0f}" if np.all(t.dk == np.round(t.dk)) else None,  # box sums: 183, not 1.8e+02
    )
    ax.add_patch(Rectangle((v - 0.5, u - 0.5), 1, 1, fill=False, edgecolor=OUTLINE, linewidth=3))


def _dilated_panel(ax, t, delta, u, v) -> None:
    """dilate_s(delta), titled with the tap's sum as an entry of the correlation with it."""
    s = _label(t.stride)
    _plot_dilated(
        ax,
        delta,
        t.dilated_delta,
        t.inserted,
        f"dilate_{s}(δ): zeros inserted (hatched)\n"
        f"dL/dK[{u},{v}] = (X_p ⋆ dilate_{s}(δ))[{u * t.dilation[0]},{v * t.dilation[1]}]"
        f" = {t.via_dilated:.3g}",
    )


def _dash_cells(ax, cells) -> None:
    """A dashed outline inside each of ``cells`` (row, col) of a `plot_matrix` panel."""
    for r, c in cells:
        ax.add_patch(
            Rectangle(
                (c - 0.42, r - 0.42),
                0.84,
                0.84,
                fill=False,
                edgecolor=OUTLINE,
                linestyle="--",
                linewidth=1.5,
            )
        )


def _mark_delta_kind(fig, ax_x, ax_d, t, delta) -> None:
    """A one-hot delta: its patch of X_p dashed, its pixel outlined; the title says what dL/dK is.

    An all-ones delta: the title says each dL/dK[u,v] is a box sum.
    """
    if t.hot is not None:
        i, j = t.hot
        _dash_cells(ax_x, t.patch_cells)
        ax_d.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=OUTLINE, linewidth=3)
        )
        fig.suptitle(
            f"δ is one-hot at ({i},{j}): dL/dK is exactly the patch of {_xp_name(t)} that output "
            f"pixel ({i},{j}) reads (dashed)"
        )
    elif np.all(delta == 1):
        fig.suptitle(
            f"δ is all ones: each dL/dK[u,v] is the plain sum of the pixels tap (u,v) reads "
            f"(a box sum of {_xp_name(t)})"
        )


def dilated_delta_figure(delta, stride) -> Figure:
    """δ next to dilate_s(δ): the strided kernel gradient as a plain correlation.

    With stride s, ``dL/dK[u,v] = (X_p ⋆ dilate_s(δ))[u·d, v·d]``: dilate_s puts s - 1 zeros
    between neighbouring entries of δ (hatched in the right panel), so that its entries land
    s pixels apart, where the strided windows read the input.

    Parameters
    ----------
    delta : array_like, shape (H_out, W_out)
        The upstream gradient.
    stride : int or (h, w) pair, >= 1

    Returns
    -------
    Figure
        Two Axes: δ, and dilate_s(δ) of shape ((H_out - 1)·s + 1, (W_out - 1)·s + 1).

    Examples
    --------
    >>> fig = dilated_delta_figure(np.arange(6.0).reshape(2, 3), 2)
    >>> [ax.get_title() for ax in fig.axes]
    ['δ (2x3)', 'dilate_2(δ) (3x5): 1 zero between neighbours']
    """
    delta = numeric_array(delta, "delta", (2,)).astype(float)
    stride = pair(stride, "stride", 1)
    dilated_hw = tuple((n - 1) * s + 1 for n, s in zip(delta.shape, stride))
    fig = Figure(
        figsize=(
            min(2.0 + 0.5 * (delta.shape[1] + dilated_hw[1]), 14.0),
            0.5 * dilated_hw[0] + 1.6,
        ),
        layout="constrained",
    )
    ax_d, ax_z = fig.subplots(1, 2, width_ratios=[delta.shape[1], dilated_hw[1]])
    plot_matrix(delta, title=f"δ ({delta.shape[0]}x{delta.shape[1]})", ax=ax_d, symmetric=True)
    gaps = {s - 1 for s in stride}
    zeros = (
        f"{stride[0] - 1} zero{'s' if stride[0] != 2 else ''} between neighbours"
        if len(gaps) == 1
        else f"{stride[0] - 1} / {stride[1] - 1} zeros between rows / columns"
    )
    dilated = dilate2d(delta, stride)
    _plot_dilated(
        ax_z,
        delta,
        dilated,
        inserted_mask(dilated.shape, stride),
        f"dilate_{_label(stride)}(δ) ({dilated_hw[0]}x{dilated_hw[1]}): {zeros}",
    )
    return fig
