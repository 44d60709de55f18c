"""Figures for the book: pure functions that return a matplotlib ``Figure``.

Every function builds a fresh ``matplotlib.figure.Figure`` and never touches pyplot, so nothing
global changes (no current figure, no rcParams, no backend) and everything works headless. In a
notebook, a returned Figure is displayed as the cell's value; ``save_figure`` writes it to the
repository's ``figures/`` folder byte-for-byte reproducibly.

Colour conventions: signed data (kernels, gradients delta = dL/dY, pre-activation maps) use a
diverging colormap centred on 0, so white means zero, red positive and blue negative; data that
is never negative (images, activations after ReLU, counts) use a sequential one.
Labels use the book's notation: X, K, Y, delta, N, C_in, C_out, H, W, KH, KW.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib import colors as mcolors
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .metrics import confusion_matrix

DPI = 150
"""Resolution of raster files written by ``save_figure``."""
DIVERGING_CMAP = "RdBu_r"  # signed data, centred on 0
SEQUENTIAL_CMAP = "viridis"  # non-negative matrices
IMAGE_CMAP = "gray"  # images and non-negative feature maps
COUNT_CMAP = "Blues"  # counts (confusion matrix)
FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"
"""Default folder of ``save_figure``: ``figures/`` at the root of the repository checkout."""

_SAVE_OPTIONS = {
    # Drop everything that varies between runs or versions: PNG's "Software" (the matplotlib
    # version), SVG's date and creator, PDF's dates and producer. SVG's random element ids are
    # fixed by ``svg.hashsalt`` below.
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


# ----------------------------------------------------------------------------- helpers
def _array(a, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    """``a`` as a numeric ndarray with one of the allowed numbers of dimensions."""
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array; could not convert it: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want}; got shape {arr.shape} ({arr.ndim}-D)")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    return arr


def _is_signed(*arrays: np.ndarray) -> bool:
    return any(np.nanmin(a) < 0 for a in arrays)


def _norm(arrays, symmetric: bool) -> mcolors.Normalize:
    """A colour scale covering ``arrays``; symmetric about 0 when asked."""
    if symmetric:
        m = max(float(np.nanmax(np.abs(a))) for a in arrays)
        m = m if m > 0 and np.isfinite(m) else 1.0
        return mcolors.Normalize(vmin=-m, vmax=m)
    lo = min(float(np.nanmin(a)) for a in arrays)
    hi = max(float(np.nanmax(a)) for a in arrays)
    return mcolors.Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1.0)


def _text_color(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def _formatter(fmt, arr: np.ndarray):
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


def _annotate(ax: Axes, arr: np.ndarray, show, im, fontsize: float) -> None:
    """Write each value of ``arr`` in its cell of image ``im``, black or white for contrast."""
    for (i, j), v in np.ndenumerate(arr):
        color = _text_color(im.cmap(im.norm(v))) if np.isfinite(v) else "black"
        ax.text(j, i, show(v), ha="center", va="center", color=color, fontsize=fontsize)


def _check_ax(ax) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")


def _root(ax: Axes) -> Figure:
    return ax.get_figure(root=True)


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def _grid_figure(nrows: int, ncols: int, panel_w: float, panel_h: float) -> Figure:
    width = min(max(ncols * panel_w + 0.6, 2.5), 14.0)
    height = min(max(nrows * panel_h + 0.8, 2.0), 14.0)
    return Figure(figsize=(width, height), layout="constrained")


# ----------------------------------------------------------------------------- matrices
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
    """
    _check_ax(ax)
    arr = _array(a, "a", (1, 2))
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if symmetric is None:
        symmetric = _is_signed(arr)
    if cmap is None:
        cmap = DIVERGING_CMAP if symmetric else SEQUENTIAL_CMAP
    if labels is not None and (isinstance(labels, str) or len(labels) != 2):
        raise ValueError(f"labels must be a (row label, column label) pair or None; got {labels!r}")
    h, w = arr.shape
    if ax is None:
        fig = Figure(
            figsize=(min(max(0.5 * w + 1.4, 2.4), 10.0), min(max(0.5 * h + 0.9, 1.6), 10.0)),
            layout="constrained",
        )
        ax = fig.add_subplot()
    norm = _norm([arr], symmetric)
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
        show = _formatter(fmt, arr)
        _annotate(ax, arr, show, im, fontsize=9 if max(h, w) <= 8 else 7 if max(h, w) <= 14 else 5)
    if colorbar:
        _root(ax).colorbar(im, ax=ax, shrink=0.9)
    return _root(ax)


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
        As in ``plot_matrix``.

    Returns
    -------
    Figure
        With the heatmap and a colour bar.
    """
    arr = _array(grad, "grad", (2,))
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


def confusion_matrix_plot(
    y_true,
    y_pred,
    *,
    n_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The confusion matrix with its counts written in the cells (rows: true class).

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
    n_classes : int, optional
        Default ``max label + 1``.
    class_names : sequence of str, optional
        Tick labels, one per class.
    title : str, optional
        Default: the accuracy and N.

    Returns
    -------
    Figure
    """
    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = counts.shape[0]
    if k == 0:
        raise ValueError("y_true and y_pred are empty; there is nothing to plot")
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if len(class_names) != k:
            raise ValueError(
                f"class_names must have {k} entries (one per class); got {len(class_names)}"
            )
    n = int(counts.sum())
    if title is None:
        title = f"accuracy {np.trace(counts) / n:.1%} (N = {n})" if n else "N = 0"
    fig = plot_matrix(
        counts,
        title=title,
        fmt="{:d}",
        cmap=COUNT_CMAP,
        symmetric=False,
        labels=("true class", "predicted class"),
    )
    ax = fig.axes[0]
    if class_names is not None:
        ax.set_xticks(range(k), class_names, rotation=45 if max(map(len, class_names)) > 2 else 0)
        ax.set_yticks(range(k), class_names)
    return fig


# ----------------------------------------------------------------------------- maps and kernels
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
    return [_array(m, f"{name}[{i}]", (2,)) for i, m in enumerate(items)]


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
    """
    items = _map_list(maps, "maps")
    n = len(items)
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles must have one entry per map ({n}); got {len(titles)}")
    if ncols is None:
        ncols = n if n <= 4 else math.ceil(math.sqrt(n))
    elif isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive int; got {ncols!r}")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if symmetric is None:
        symmetric = _is_signed(*items)
    if cmap is None:
        cmap = DIVERGING_CMAP if symmetric else IMAGE_CMAP
    aspect = max(m.shape[0] / m.shape[1] for m in items)
    panel = 2.4 if ncols <= 4 else 1.8
    fig = _grid_figure(nrows, ncols, panel, panel * min(aspect, 2.0) + (0.3 if titles else 0.0))
    shared = _norm(items, symmetric) if share_scale else None
    axes = []
    for k, m in enumerate(items):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        im = ax.imshow(m, cmap=cmap, norm=shared or _norm([m], symmetric), interpolation="nearest")
        _bare(ax)
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
        As in ``plot_matrix``.

    Returns
    -------
    Figure
        C_out * C_in kernel Axes plus one colour-bar Axes.
    """
    w = _array(w, "w", (4,))
    c_out, c_in, kh, kw = w.shape
    if annotate is None:
        annotate = c_out * c_in <= 16 and kh * kw <= 25
    norm = _norm([w], symmetric=True)
    panel = min(max(0.32 * max(kh, kw), 0.8), 2.0)
    fig = _grid_figure(c_out, c_in, panel, panel * min(kh / kw, 2.0))
    show = _formatter(fmt, w)
    axes = []
    for o in range(c_out):
        for c in range(c_in):
            ax = fig.add_subplot(c_out, c_in, o * c_in + c + 1)
            im = ax.imshow(w[o, c], cmap=DIVERGING_CMAP, norm=norm, interpolation="nearest")
            _bare(ax)
            if o == 0:
                ax.set_title(f"c_in = {c}", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"c_out = {o}", fontsize=8)
            if annotate:
                _annotate(ax, w[o, c], show, im, fontsize=6)
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
    """
    if not isinstance(activations, Mapping):
        raise TypeError(
            f"activations must be a mapping (dict) of layer name -> (C, H, W) array; "
            f"got {type(activations).__name__}"
        )
    if not activations:
        raise ValueError("activations is empty; there is nothing to plot")
    if isinstance(max_maps, bool) or not isinstance(max_maps, int) or max_maps < 1:
        raise ValueError(f"max_maps must be a positive int; got {max_maps!r}")
    layers = {}
    for name, act in activations.items():
        arr = np.asarray(act)
        if arr.ndim != 3:
            hint = " (for a batch, pass one example, e.g. act[0])" if arr.ndim == 4 else ""
            raise ValueError(
                f"activations[{name!r}] must be 3-D (C, H, W); got shape {arr.shape}{hint}"
            )
        layers[str(name)] = _array(arr, f"activations[{name!r}]", (3,))
    nrows = len(layers)
    ncols = min(max_maps, max(a.shape[0] for a in layers.values()))
    fig = _grid_figure(nrows, ncols, 1.3, 1.3 + 0.15)
    for r, (name, arr) in enumerate(layers.items()):
        shown = arr[:max_maps]
        signed = _is_signed(shown)
        norm = _norm([shown], signed)
        layer_cmap = cmap if cmap is not None else DIVERGING_CMAP if signed else IMAGE_CMAP
        for c, m in enumerate(shown):
            ax = fig.add_subplot(nrows, ncols, r * ncols + c + 1)
            ax.imshow(m, cmap=layer_cmap, norm=norm, interpolation="nearest")
            _bare(ax)
            ax.set_title(f"c = {c}", fontsize=7)
            if c == 0:
                c_, h_, w_ = arr.shape
                ax.set_ylabel(f"{name}\n{c_}x{h_}x{w_}", fontsize=8)
    return fig


# ----------------------------------------------------------------------------- curves
_HISTORY_KEYS = {
    "loss": (("train_loss", "train"), ("val_loss", "validation")),
    "accuracy": (("train_acc", "train"), ("val_acc", "validation")),
}


def _history_series(history, key: str):
    if isinstance(history, Mapping):
        value = history.get(key)
    else:
        value = getattr(history, key, None)
    if value is None or (np.ndim(value) == 1 and len(value) == 0):
        return None  # a missing or empty series is simply not drawn
    return _array(value, f"history[{key!r}]", (1,))


def plot_history(history, *, title: str | None = None, log_loss: bool = False) -> Figure:
    """Loss and accuracy per epoch, training and validation.

    Parameters
    ----------
    history : mapping (or object with these attributes) of lists, one value per epoch
        Keys ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``; any of them may be
        missing or empty (a panel is drawn when its train or val series exists).
    title : str, optional
    log_loss : bool
        Log scale for the loss axis.

    Returns
    -------
    Figure
        One Axes for the loss and one for the accuracy (when present).
    """
    panels = {}
    for panel, keys in _HISTORY_KEYS.items():
        series = [(label, _history_series(history, key)) for key, label in keys]
        series = [(label, s) for label, s in series if s is not None]
        if series:
            panels[panel] = series
    if not panels:
        found = list(history) if isinstance(history, Mapping) else type(history).__name__
        raise ValueError(
            "history has no series to plot: expected non-empty 'train_loss', 'val_loss', "
            f"'train_acc' or 'val_acc'; got {found}"
        )
    fig = Figure(figsize=(4.2 * len(panels) + 0.4, 3.2), layout="constrained")
    for k, (panel, series) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), k + 1)
        for label, s in series:
            epochs = np.arange(1, len(s) + 1)
            ax.plot(epochs, s, marker="o" if len(s) <= 30 else None, ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss L" if panel == "loss" else "accuracy")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if panel == "loss" and log_loss:
            ax.set_yscale("log")
        ax.set_title(panel)
        ax.grid(alpha=0.3)
        ax.legend()
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_loss_curve(
    losses,
    *,
    log: bool = True,
    title: str | None = None,
    xlabel: str = "step",
    ax: Axes | None = None,
) -> Figure:
    """One loss series against its step (iteration or epoch).

    Parameters
    ----------
    losses : array_like, shape (T,)
    log : bool
        Log-scaled loss axis (then every loss must be > 0).
    title : str, optional
    xlabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    Figure
    """
    _check_ax(ax)
    arr = _array(losses, "losses", (1,)).astype(np.float64)
    if log and np.any(arr <= 0):
        raise ValueError(
            f"losses must all be > 0 for a log scale; got minimum {arr.min():g}. Pass log=False."
        )
    if ax is None:
        fig = Figure(figsize=(4.8, 3.2), layout="constrained")
        ax = fig.add_subplot()
    steps = np.arange(len(arr))
    ax.plot(steps, arr, marker="o" if len(arr) <= 30 else None, ms=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss L")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return _root(ax)


# ----------------------------------------------------------------------------- saving
def save_figure(fig: Figure, name: str, *, directory=None, dpi: int = DPI) -> Path:
    """Write ``fig`` to a file, reproducibly: re-running leaves the file byte-identical.

    Timestamps and version strings are left out of the file and SVG ids use a fixed salt, so
    the bytes depend only on the figure. A figure with an automatic layout (constrained, tight)
    is laid out once and then frozen (its layout engine set to "none"), because each
    re-layout can move elements by a fraction of a pixel. The file is only rewritten when its
    bytes change, so an unchanged figure keeps its modification time too.

    Parameters
    ----------
    fig : Figure
    name : str
        File name, with or without extension: ``.png`` (default), ``.svg`` or ``.pdf``.
        A bare name, not a path.
    directory : str or path-like, optional
        Target folder (created if missing); default ``FIGURES_DIR``, the repository's
        ``figures/`` folder.
    dpi : int
        Resolution of PNG files.

    Returns
    -------
    Path
        The file written.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    if not isinstance(name, str) or not name or name in {".", ".."}:
        raise ValueError(f"name must be a non-empty file name; got {name!r}")
    if "/" in name or "\\" in name:
        raise ValueError(
            f"name must be a bare file name, not a path; got {name!r} (use directory=)"
        )
    suffix = Path(name).suffix.lower()
    if suffix == "":
        name, fmt = name + ".png", "png"
    elif suffix[1:] in _SAVE_OPTIONS:
        fmt = suffix[1:]
    else:
        raise ValueError(
            f"name has extension {suffix!r}; use .png, .svg or .pdf (or none, for .png)"
        )
    if directory is None:
        if not (FIGURES_DIR.parent / "pyproject.toml").is_file():
            raise FileNotFoundError(
                f"save_figure writes to the repository's figures/ folder by default, but "
                f"cnnbp_core is not running from a checkout (no pyproject.toml in "
                f"{str(FIGURES_DIR.parent)!r}); pass directory="
            )
        directory = FIGURES_DIR
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # Constrained layout starts from the current positions, so each draw can move things by a
    # hair. Lay the figure out once, then freeze it: every later save gives the same bytes.
    if fig.get_layout_engine() is not None and not isinstance(
        fig.get_layout_engine(), PlaceHolderLayoutEngine
    ):
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    buf = BytesIO()
    with rc_context({"svg.hashsalt": "cnnbp", "svg.fonttype": "path"}):
        fig.savefig(
            buf,
            format=fmt,
            dpi=dpi,
            metadata=_SAVE_OPTIONS[fmt],
            bbox_inches="tight",
            pad_inches=0.05,
        )
    path = directory / name
    content = buf.getvalue()
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)
    return path


# ----------------------------------------------------------------------------- one kernel tap
class KernelTapTerms(NamedTuple):
    """The terms of ``dL/dK[u,v] = sum_{i,j} delta[i,j] * X[i*s + u*d, j*s + v*d]``."""

    rows: np.ndarray  # (H_out,) input rows the tap reads: i*s_h + u*d_h
    cols: np.ndarray  # (W_out,) input columns: j*s_w + v*d_w
    products: np.ndarray  # (H_out, W_out) X[rows[i], cols[j]] * delta[i, j]
    dk: np.ndarray  # (KH, KW) the whole kernel gradient, from the core's conv2d_backward


def kernel_tap_terms(x, delta, u, v, *, kernel_size, stride=1, dilation=1) -> KernelTapTerms:
    """Split one kernel weight's gradient into its terms, for one channel (no padding).

    Parameters
    ----------
    x : array_like, shape (H, W)
        One input channel X (pad it first if padding is wanted).
    delta : array_like, shape (H_out, W_out)
        Upstream gradient dL/dY, shaped like the convolution's output.
    u, v : int
        The kernel tap, ``0 <= u < KH``, ``0 <= v < KW``.
    kernel_size, stride, dilation : int or (h, w) pair

    Returns
    -------
    KernelTapTerms
        ``products.sum()`` equals ``dk[u, v]``: the picture and the core agree.

    Raises
    ------
    ValueError
        When the kernel does not fit x, delta has the wrong shape, or (u, v) is outside the kernel.
    """
    from .functional import conv2d_backward, conv2d_forward
    from .functional._checks import pair

    x, delta = _array(x, "x", (2,)).astype(float), _array(delta, "delta", (2,)).astype(float)
    kh, kw = pair(kernel_size, "kernel_size", 1)
    (sh, sw), (dh, dw) = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    y, cache = conv2d_forward(
        x[None, None], np.zeros((1, 1, kh, kw)), stride=stride, dilation=dilation
    )
    if delta.shape != y.shape[2:]:
        raise ValueError(f"delta must have the output's shape {y.shape[2:]}; got {delta.shape}")
    if not (0 <= u < kh and 0 <= v < kw):
        raise ValueError(f"tap (u, v) = ({u}, {v}) is outside the {kh}x{kw} kernel")
    dk = conv2d_backward(delta[None, None], cache)[1][0, 0]
    rows, cols = np.arange(delta.shape[0]) * sh + u * dh, np.arange(delta.shape[1]) * sw + v * dw
    return KernelTapTerms(rows, cols, x[np.ix_(rows, cols)] * delta, dk)


def kernel_tap_figure(x, delta, u, v, *, kernel_size, stride=1, dilation=1) -> Figure:
    """How the gradient of one kernel weight, dL/dK[u,v], is built (see `kernel_tap_terms`).

    Four panels: the input with the pixels tap (u, v) reads outlined, delta, their products,
    and the whole dL/dK with (u, v) outlined; the last title states the sum.

    Parameters
    ----------
    x, delta, u, v, kernel_size, stride, dilation
        As in `kernel_tap_terms`.

    Returns
    -------
    Figure
    """
    t = kernel_tap_terms(x, delta, u, v, kernel_size=kernel_size, stride=stride, dilation=dilation)
    x, delta = np.asarray(x, float), np.asarray(delta, float)
    fig = Figure(figsize=(13.0, 3.6), layout="constrained")
    widths = [x.shape[1], delta.shape[1], delta.shape[1], max(t.dk.shape[1], 2)]
    ax_x, ax_d, ax_p, ax_k = fig.subplots(1, 4, width_ratios=widths)
    plot_matrix(
        x, title=f"X: pixels tap ({u},{v}) reads", ax=ax_x, cmap=IMAGE_CMAP, symmetric=False
    )
    ii, jj = np.meshgrid(t.rows, t.cols, indexing="ij")
    ax_x.scatter(
        jj.ravel(),
        ii.ravel(),
        s=300,
        marker="s",
        facecolors="none",
        edgecolors="tab:orange",
        linewidths=2,
    )
    plot_matrix(delta, title="δ = dL/dY", ax=ax_d, symmetric=True)
    plot_matrix(t.products, title="X[those pixels] · δ[i,j]", ax=ax_p, symmetric=True)
    plot_matrix(
        t.dk,
        title=f"dL/dK[{u},{v}] = Σ = {t.products.sum():.3g}",
        ax=ax_k,
        labels=("u", "v"),
        symmetric=True,
    )
    ax_k.add_patch(
        Rectangle((v - 0.5, u - 0.5), 1, 1, fill=False, edgecolor="tab:orange", linewidth=3)
    )
    return fig
