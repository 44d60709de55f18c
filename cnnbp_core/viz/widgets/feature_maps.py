"""Chapter 03's kernel explorer: a hand-set kernel's feature map (特征图) of the sample photo.

`feature_map_html` is the pure view (tested without a browser; bench it with a script): the
kernel's weights as a table coloured as `cnnbp_core.viz.matrix_html` colours them (each cell's
exact weight in ``data-value``), then the photo and its feature map Y = X ⋆ K (the core's
``conv2d_forward``, through `cnnbp_core.explain.feature_map`) as PNG images embedded in the
HTML, with the map's shape, value range and colour scale. A PNG of a few hundred pixels a side
encodes in a few milliseconds, far faster than a matplotlib redraw. Every element carries a
``class`` naming what it shows.
`feature_map_explorer` wires a kernel dropdown, stride, padding and dilation sliders and a
scale on the kernel to it; every state they reach is a valid convolution
(`cnnbp_core.explain.feature_map_ranges`). ipywidgets is imported when the explorer is built.
"""

from __future__ import annotations

import base64
import functools
import html
import struct
import zlib
from collections.abc import Mapping

import numpy as np

from ...data.kernels import KERNEL_LABELS, KERNELS
from ...data.photo import sample_photo
from ...explain.feature_maps import feature_map, feature_map_ranges
from ...validation import (
    as_flag,
    as_float_array,
    as_real,
    choice,
    increasing_pair,
    instance_of,
    numeric_array,
)
from ..html import no_picture_html
from ..style import DIVERGING_CMAP, MAP_CMAPS, cell_rgba, color_norm, ink
from .wiring import wire

PHOTO_DOWNSAMPLE = 2
"""The explorer's photo: `cnnbp_core.data.sample_photo` downsampled by 2, 300x256 pixels."""
SCALES = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)
"""The factors the explorer offers on the kernel: Y scales with K (a negative one flips it)."""
DISPLAY_WIDTH = 256
"""Width in CSS pixels of each image: the photo at its size, the map stretched to match."""
CONTROL_DESCRIPTIONS = {
    "name": "kernel K",
    "stride": "stride s",
    "padding": "padding p",
    "dilation": "dilation d",
    "scale": "scale on K",
}
"""The description (label) of each control of `feature_map_explorer`, by parameter name."""


@functools.lru_cache(maxsize=1)
def default_photo() -> np.ndarray:
    """The explorer's photo (read-only): ``sample_photo(PHOTO_DOWNSAMPLE)``.

    >>> default_photo().shape
    (300, 256)
    """
    photo = sample_photo(PHOTO_DOWNSAMPLE)
    photo.setflags(write=False)
    return photo


def png_data_uri(a, *, centred: bool, scale) -> str:
    """A 2-D array as a PNG data URI, coloured as the book colours maps (grey, or diverging).

    Parameters
    ----------
    a : ndarray, shape (H, W)
    centred : bool
        Diverging colours centred on 0 (`style.DIVERGING_CMAP`, an RGB image); else grey
        (`style.IMAGE_CMAP`, a one-channel image: a third of the bytes).
    scale : (float, float)
        (vmin, vmax), finite with vmin < vmax: values beyond them get the end colours.

    Returns
    -------
    str
        ``data:image/png;base64,...``, one image pixel per array entry.

    Raises
    ------
    ValueError
        When ``a`` is not a non-empty 2-D array or ``scale`` is not an increasing pair.
    TypeError
        When ``a`` is not numeric, or ``scale`` not a pair of real numbers.

    Examples
    --------
    >>> png_data_uri(np.eye(2), centred=False, scale=(0.0, 1.0))[:30]
    'data:image/png;base64,iVBORw0K'
    >>> png_data_uri(np.eye(2), centred=False, scale=(1.0, 1.0))
    Traceback (most recent call last):
    ValueError: scale must be (vmin, vmax) with vmin < vmax; got (1.0, 1.0)
    """
    a = numeric_array(a, "a", (2,)).astype(np.float64, copy=False)
    low, high = increasing_pair(scale, "scale")
    rgba = MAP_CMAPS[as_flag(centred, "centred")]((a - low) / (high - low), bytes=True)
    pixels = rgba[..., :3] if centred else rgba[..., 0]  # grey: R = G = B, one channel
    return "data:image/png;base64," + base64.b64encode(_png(pixels)).decode("ascii")


def _png(pixels) -> bytes:
    """A PNG file of 8-bit pixels, (H, W) grey or (H, W, 3) RGB, rows unfiltered, zlib level 1.

    Written out rather than through Pillow, whose adaptive row filters took three times as long
    on these maps (7 ms against 2 ms for 300x256) and gave a larger file.
    """
    h, w = pixels.shape[:2]
    colour = 2 if pixels.ndim == 3 else 0  # PNG colour types: 2 RGB, 0 grey
    rows = np.zeros((h, 1 + pixels[0].size), np.uint8)  # each row: filter byte 0 (none), bytes
    rows[:, 1:] = pixels.reshape(h, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)  # 8 bits, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=4)
def _photo_uri(key, shape) -> str:
    """The photo's PNG, encoded once per photo (``key`` is its bytes)."""
    photo = np.frombuffer(key).reshape(shape)
    norm = color_norm([photo], False)  # min to max (a flat photo gets a scale of width 1)
    return png_data_uri(photo, centred=False, scale=(norm.vmin, norm.vmax))


def _image_html(cls: str, uri: str, shape, caption: str) -> str:
    style = f"width:{DISPLAY_WIDTH}px;image-rendering:pixelated;border:1px solid #ccc"
    return (
        f'<figure class="{cls}" style="margin:0 18px 0 0">'
        f'<img class="image" data-shape="{shape[0]}x{shape[1]}" src="{uri}" style="{style}">'
        f'<figcaption class="caption" style="font:13px sans-serif">{caption}</figcaption></figure>'
    )


def _kernel_table(k, shown) -> str:
    """The weights, coloured as `matrix_html` colours a signed matrix; values in data-value.

    ``shown`` is K with its rounding noise set to 0 (`FeatureMap.kernel`): the cells show and
    colour it, and ``data-value`` keeps each exact weight.
    """
    rgba = cell_rgba(shown, DIVERGING_CMAP, color_norm([shown], True))
    fmt = "{:.0f}" if np.all(shown == np.round(shown)) else "{:.3g}"  # no -0.0 left to print
    rows = []
    for u in range(k.shape[0]):
        cells = []
        for v in range(k.shape[1]):
            r, g, b = (round(255 * c) for c in rgba[u, v, :3])
            style = (
                f"background:#{r:02x}{g:02x}{b:02x};color:{ink(rgba[u, v])};"
                "width:40px;height:34px;text-align:center;font:12px monospace;border:1px solid #ccc"
            )
            weight = float(k[u, v]) + 0.0  # + 0.0: no "-0"
            cells.append(
                f'<td class="weight" data-u="{u}" data-v="{v}" data-value="{weight!r}" '
                f'style="{style}">{fmt.format(float(shown[u, v]))}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="kernel" style="border-collapse:collapse">{"".join(rows)}</table>'


def feature_map_html(
    name="sobel_x", *, stride=1, padding=0, dilation=1, scale=1.0, photo=None, kernels=None
) -> str:
    """What the kernel explorer shows: the kernel, the photo and its feature map.

    Parameters
    ----------
    name : str
        A key of ``kernels``.
    stride, padding, dilation : int or (h, w) pair
    scale : float
        A factor on the kernel.
    photo : ndarray of floats, shape (H, W), optional
        The image X; default `default_photo` (the sample photo, 300x256).
    kernels : mapping of str to ndarray (KH, KW), optional
        Default `cnnbp_core.data.KERNELS`; a chapter may add its own (e.g. a learned one).

    Returns
    -------
    str
        HTML in a ``div.feature-maps`` with ``data-kernel``: a summary (``.summary``, the
        map's shape and range also in ``data-shape``, ``data-low`` and ``data-high``, the
        kernel's sum in ``data-sum``, 0 when it is rounding noise), the kernel
        (``table.kernel``, cells ``td.weight`` with ``data-u``, ``data-v`` and the exact weight
        in ``data-value``; the text shows rounding noise as 0), the photo (``figure.photo``)
        and the map (``figure.map``), each an ``img.image`` with ``data-shape``. Arguments
        with no answer give a ``div.no-picture`` message; the explorer's controls never reach
        one.

    Examples
    --------
    >>> view = feature_map_html("sobel_x", stride=2, padding=1)
    >>> 'data-shape="150x128"' in view, view.count('class="weight"')
    (True, 9)
    >>> "No picture" in feature_map_html("sobel")
    True
    """
    try:
        kernels = KERNELS if kernels is None else instance_of(kernels, "kernels", Mapping, "a dict")
        name = choice(name, "name", tuple(kernels))
        x = default_photo() if photo is None else as_float_array(photo, "photo", ndim=2)
        scale = as_real(scale, "scale", finite=True)
        k = as_float_array(kernels[name], f"kernels[{name!r}]", ndim=2) * scale
        m = feature_map(x, k, stride=stride, padding=padding, dilation=dilation)
    except (ValueError, TypeError) as err:
        return no_picture_html(err)
    label = html.escape(KERNEL_LABELS.get(name, name))
    times = "" if scale == 1 else f" × {scale:g}"
    low, high = m.shown_range
    summary = (
        f'<div class="summary" data-shape="{m.shape[0]}x{m.shape[1]}" data-low="{m.low!r}" '
        f'data-high="{m.high!r}" data-sum="{m.kernel_sum!r}" style="margin:4px 0">K = '
        f"{label}{times}, weights summing to {m.kernel_sum:.3g}. Y = X ⋆ K has shape "
        f"{m.shape} (X: {x.shape}); its values run from {low:.3g} to {high:.3g}. "
        f"{_scale_words(m)}</div>"
    )
    pictures = (
        f'<div class="kernel-panel" style="margin-right:18px"><div class="caption" '
        f'style="font:13px sans-serif;margin-bottom:4px">K ({k.shape[0]}x{k.shape[1]})</div>'
        f"{_kernel_table(k, m.kernel)}</div>"
        + _image_html(
            "photo",
            _photo_uri(np.ascontiguousarray(x, np.float64).tobytes(), x.shape),
            x.shape,
            f"X: {x.shape[0]}x{x.shape[1]}",
        )
        + _image_html(
            "map",
            png_data_uri(m.values, centred=m.centred, scale=m.scale),
            m.shape,
            f"Y = X ⋆ K: {m.shape[0]}x{m.shape[1]}",
        )
    )
    flex = "display:flex;flex-wrap:wrap;align-items:flex-start"
    return (
        f'<div class="feature-maps" data-kernel="{html.escape(name)}" '
        f'style="font:14px sans-serif">{summary}<div style="{flex}">{pictures}</div></div>'
    )


def _scale_words(m) -> str:
    """The colour scale in words, with what its ends are (`FeatureMap.scale_note`)."""
    if m.centred:
        return (
            f"Colours: blue negative, white 0, red positive, saturating at ±{m.scale[1]:.3g} "
            f"({m.scale_note})."
        )
    return f"Grey from {m.scale[0]:.3g} (black) to {m.scale[1]:.3g} (white), {m.scale_note}."


def feature_map_explorer(*, photo=None, kernels=None, name="sobel_x"):
    """A dropdown for the kernel, sliders for stride, padding, dilation and a scale on K.

    Parameters
    ----------
    photo : ndarray of floats, shape (H, W), optional
        Default `default_photo`.
    kernels : mapping of str to ndarray (KH, KW), optional
        Default `cnnbp_core.data.KERNELS`. Every kernel must fit the photo; the dilation
        slider stops where the largest one still fits (`cnnbp_core.explain.feature_map_ranges`),
        so every state is valid.
    name : str
        The kernel shown first.

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of controls (labelled by `CONTROL_DESCRIPTIONS`) and the HTML view.

    Examples
    --------
    >>> explorer = feature_map_explorer()
    >>> controls = {c.description: c for c in explorer.children[0].children}
    >>> controls["stride s"].value = 3
    >>> 'data-shape="100x85"' in explorer.children[1].value
    True
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    x = default_photo() if photo is None else as_float_array(photo, "photo", ndim=2)
    kernels = KERNELS if kernels is None else instance_of(kernels, "kernels", Mapping, "a dict")
    name = choice(name, "name", tuple(kernels))
    shapes = [as_float_array(k, f"kernels[{key!r}]", ndim=2).shape for key, k in kernels.items()]
    ranges = feature_map_ranges(x.shape, shapes)
    controls = _controls(widgets, kernels, name, ranges)
    view = widgets.HTML()

    def render():
        c = {key: control.value for key, control in controls.items()}
        return feature_map_html(
            c["name"],
            stride=c["stride"],
            padding=c["padding"],
            dilation=c["dilation"],
            scale=c["scale"],
            photo=x,
            kernels=kernels,
        )

    wire(controls, view, render)
    return widgets.VBox([widgets.VBox(list(controls.values())), view])


def _controls(widgets, kernels, name, ranges) -> dict:
    style = {"description_width": "initial"}
    controls = {
        "name": widgets.Dropdown(
            options=[(KERNEL_LABELS.get(key, key), key) for key in kernels],
            value=name,
            description=CONTROL_DESCRIPTIONS["name"],
            style=style,
        )
    }
    for key in ("stride", "padding", "dilation"):
        low, high = ranges[key]
        controls[key] = widgets.IntSlider(
            value=low,
            min=low,
            max=high,
            disabled=low == high,
            description=CONTROL_DESCRIPTIONS[key],
            style=style,
        )
    controls["scale"] = widgets.SelectionSlider(
        options=list(SCALES), value=1.0, description=CONTROL_DESCRIPTIONS["scale"], style=style
    )
    return controls
