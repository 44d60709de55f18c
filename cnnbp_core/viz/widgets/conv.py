"""Convolution explorers: chapter 04's kernel-gradient explorer.

Each explorer has a pure ``*_html`` function that takes the controls' values and returns what is
shown, so it can be tested and timed (`make bench`) without a browser; the explorer itself only
wires controls to it and keeps their ranges valid (`cnnbp_core.explain.explorer_ranges`).
ipywidgets is imported when an explorer is built, never at import time.
"""

from __future__ import annotations

import html

import numpy as np

from ...explain.conv import (
    DELTA_KINDS,
    explorer_data,
    explorer_input,
    explorer_ranges,
    kernel_tap_terms,
)
from ...validation import numeric_array
from ..html import no_picture_html, row_html
from ..plots.base import pair_text
from ..style import MAP_CMAPS, OUTLINE, color_norm, ink
from .wiring import wire

# Cells that are not data: the padding of X_p and the zeros dilate_s inserts into delta.
HATCHED = (
    "background:repeating-linear-gradient(135deg,#f4f4f4 0 3px,#d4d4d4 3px 6px);"
    "color:#777;font-style:italic"
)
CONTROL_DESCRIPTIONS = {
    "kernel_h": "kernel KH",
    "kernel_w": "kernel KW",
    "u": "tap u",
    "v": "tap v",
    "stride": "stride s",
    "padding": "padding p",
    "dilation": "dilation d",
    "delta_kind": "δ = dL/dY",
}
"""The description (label) of each control of `kernel_gradient_explorer`, by parameter name."""
_TOOLTIPS = {
    "kernel_h": "kernel height KH (the tap u runs over 0..KH-1)",
    "kernel_w": "kernel width KW (the tap v runs over 0..KW-1)",
    "u": "the kernel row u of the weight K[u,v] whose gradient is shown",
    "v": "the kernel column v of the weight K[u,v] whose gradient is shown",
    "stride": "stride s: output pixel (i, j) reads from row s*i, column s*j on",
    "padding": "padding p: rows and columns of zeros around X (hatched)",
    "dilation": "dilation d: taps d pixels apart (up to the largest that fits)",
    "delta_kind": "the upstream gradient delta = dL/dY",
}


def _grid_html(a, *, title, symmetric, fmt, solid=(), dashed=(), hatched=None, cell_px=34) -> str:
    """`matrix_html`'s table (the same colours and text), plus hatched cells and dashed outlines.

    Hatched cells are not data (padding, inserted zeros): the colour scale covers the others,
    so padding never stretches it. Built with the colours computed for all cells at once, it
    takes a fraction of `matrix_html`'s time, which keeps every update of the explorer fast.
    """
    a = np.asarray(a, dtype=float) + 0.0  # + 0.0 turns -0.0 into 0.0, so no "-0" is shown
    hatched = np.zeros(a.shape, bool) if hatched is None else hatched
    data = a[~hatched] if (~hatched).any() else a
    norm = color_norm([data], symmetric)
    # cell_rgba(a, cmap, norm) without its masked-array round trip (the data here are finite):
    # the same linear map onto [0, 1] and the same colormap lookup, hence the same colours
    rgba = MAP_CMAPS[bool(symmetric)]((a - norm.vmin) / (norm.vmax - norm.vmin))
    # matplotlib's to_hex: each channel rounded (half to even) to 0..255
    rgb = np.round(rgba[..., :3] * 255).astype(int).tolist()
    flat_rgba = rgba.reshape(-1, 4).tolist()
    solid, dashed = set(solid), set(dashed)
    tail = f"width:{cell_px}px;height:{cell_px}px;text-align:center;font:11px monospace;padding:0"
    rows = []
    for i, (row, row_rgb, row_hatched) in enumerate(zip(a.tolist(), rgb, hatched.tolist())):
        cells = []
        for j, (value, (r, g, b), hatch) in enumerate(zip(row, row_rgb, row_hatched)):
            edge = _edge((i, j), solid, dashed, hatch)
            if hatch:  # padding, inserted: a plain "0" on grey stripes
                paint, text = HATCHED, f"{value:g}"
            else:
                colour = ink(flat_rgba[i * a.shape[1] + j])
                paint, text = f"background:#{r:02x}{g:02x}{b:02x};color:{colour}", fmt.format(value)
            cells.append(f'<td style="{paint};border:{edge};{tail}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<div style="font:13px sans-serif;margin-bottom:4px">{html.escape(title)}</div>'
    table = f'<table style="border-collapse:collapse">{"".join(rows)}</table>'
    return f'<div style="margin-right:18px">{caption}{table}</div>'


def _edge(cell, solid, dashed, hatch: bool) -> str:
    """A cell's border: thick for ``solid`` cells, dashed for ``dashed`` ones, else thin."""
    if cell in solid:
        return f"3px solid {OUTLINE}"
    if cell in dashed:
        return f"2px dashed {OUTLINE}"
    return "1px dashed #aaa" if hatch else "1px solid #ccc"


def _term(step: int, offset: int, var: str) -> str:
    """An index such as "2i+3", written plainly: "i" for step 1 and offset 0."""
    head = var if step == 1 else f"{step}{var}"
    return head if offset == 0 else f"{head}+{offset}"


def _count(n: int, noun: str) -> str:
    """ "the 1 pixel" reads badly: "the pixel", "the 4 pixels"."""
    return f"the {noun}" if n == 1 else f"the {n} {noun}s"


def _line(text: str) -> str:
    return f'<div style="font:14px sans-serif;margin:4px 0">{text}</div>'


def kernel_tap_html(
    x,
    u,
    v,
    *,
    kernel_size=3,
    stride=1,
    padding=0,
    dilation=1,
    delta_kind="random",
    seed=0,
) -> str:
    """What the kernel-gradient explorer shows for one setting of its controls.

    Parameters
    ----------
    x : ndarray of floats, shape (H, W)
        The input channel (unpadded).
    u, v : int
        Kernel tap.
    kernel_size, stride, padding, dilation : int or (h, w) pair
    delta_kind : {"random", "one-hot", "all ones"}
        The upstream gradient delta (`cnnbp_core.explain.explorer_delta`): random (fixed per
        output shape, one decimal), a single 1 at the centre output pixel, or all ones.
    seed : int
        Seed of the random delta.

    Returns
    -------
    str
        HTML: a summary stating dL/dK[u,v] as a sum (in a ``data-dk`` attribute too, at full
        precision) beside the core's value; then the padded input X_p (padding hatched) with the
        pixels tap (u, v) reads outlined, delta, dilate_s(delta) when the stride is > 1 (with
        the statement dL/dK[u,v] = (X_p ⋆ dilate_s(delta))[u·d, v·d]), the products, and dL/dK
        with (u, v) outlined. A one-hot delta adds that dL/dK is exactly the patch of X_p its
        output pixel reads (dashed); all ones, that each dL/dK[u,v] is a box sum. Arguments
        with no answer (a tap outside the kernel, a kernel that does not fit) give a message
        instead; the explorer's controls never reach one.

    Examples
    --------
    >>> x = explorer_input()
    >>> "Y has shape (5, 6)" in kernel_tap_html(x, 1, 2, kernel_size=3)
    True
    >>> view = kernel_tap_html(x, 0, 1, kernel_size=(2, 3), stride=2, padding=1)
    >>> "dilate<sub>2</sub>(δ)" in view, "X<sub>p</sub> is X with 1" in view
    (True, True)
    >>> "exactly the patch" in kernel_tap_html(x, 0, 0, delta_kind="one-hot")
    True
    >>> "No picture for this combination" in kernel_tap_html(x, 0, 0, kernel_size=4, dilation=3)
    True
    """
    try:
        x, delta = explorer_data(
            kernel_size=kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            delta_kind=delta_kind,
            seed=seed,
            x=x,
        )
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
    except ValueError as err:
        return no_picture_html(err, "Lower the dilation, the kernel size or the tap.")
    return _summary_html(t, u, v, delta_kind) + row_html(*_panels(t, delta, u, v, delta_kind))


# ----------------------------------------------------------------------------- the summary


def _xp_name(t) -> str:
    """How the summary names the input the taps read: X_p when padded, else X."""
    return "X<sub>p</sub>" if t.padding != (0, 0) else "X"


def _summary_html(t, u, v, delta_kind) -> str:
    """The lines above the panels: shapes, the sum, and what stride and delta's kind add."""
    lines = [_shape_line(t, delta_kind), _sum_line(t, u, v)]
    if t.stride != (1, 1):
        lines.append(_strided_line(t, u, v))
    if delta_kind == "one-hot" and t.hot is not None:
        lines.append(_one_hot_line(t))
    elif delta_kind == "all ones":
        lines.append(_all_ones_line(t, u, v))
    return "".join(_line(text) for text in lines)


def _shape_line(t, delta_kind) -> str:
    """Y's shape, which delta this is, and (with padding) what X_p is."""
    described = {
        "random": "random (fixed for each output shape, one decimal)",
        "one-hot": f"one-hot, a single 1 at {t.hot}" if t.hot else "one-hot",
        "all ones": "all ones",
    }[delta_kind]
    text = f"Y has shape {t.products.shape}. δ = dL/dY: {described}."
    if t.padding != (0, 0):
        (hp, wp) = t.xp.shape
        rows = "row and column" if t.padding == (1, 1) else "rows and columns"
        text += (
            f" X<sub>p</sub> is X with {pair_text(t.padding)} {rows} of zeros on each side "
            f"(hatched), {hp}x{wp}: a tap that reads them adds 0."
        )
    return text


def _sum_line(t, u, v) -> str:
    """dL/dK[u,v] as a sum over the output pixels, its value, and the core's."""
    (sh, sw), (dil_h, dil_w), total = t.stride, t.dilation, float(t.products.sum())
    return (
        f"dL/dK[{u},{v}] = Σ<sub>i,j</sub> δ[i,j] · "
        f"{_xp_name(t)}[{_term(sh, dil_h * u, 'i')}, {_term(sw, dil_w * v, 'j')}]"
        f' = <b data-dk="{total!r}">{total:.4g}</b>'
        f" (the core's conv2d_backward: {t.dk[u, v]:.4g})"
    )


def _strided_line(t, u, v) -> str:
    """With stride s: the same sum as an entry of the correlation of X_p with dilate_s(delta)."""
    s, xp_name, (dil_h, dil_w) = pair_text(t.stride), _xp_name(t), t.dilation
    return (
        f"Stride {s}: the same sum is a correlation of {xp_name} with δ dilated by "
        f"{s} (s − 1 zeros between neighbouring entries, hatched): dL/dK[{u},{v}] = "
        f"({xp_name} ⋆ dilate<sub>{s}</sub>(δ))[{u}·{dil_h}, {v}·{dil_w}] = "
        f"({xp_name} ⋆ dilate<sub>{s}</sub>(δ))[{u * dil_h}, {v * dil_w}] = "
        f'<b data-dilated="{t.via_dilated!r}">{t.via_dilated:.4g}</b>'
    )


def _one_hot_line(t) -> str:
    """A one-hot delta: dL/dK is a copy of the patch of X_p its output pixel reads."""
    (i, j), (sh, sw), (dil_h, dil_w), xp_name = t.hot, t.stride, t.dilation, _xp_name(t)
    same = "equal ✓" if np.array_equal(t.patch, t.dk) else "they differ ✗"
    return (
        f"δ is one-hot at ({i},{j}): every other term is 0, so dL/dK[u,v] = "
        f"{xp_name}[{sh}·{i}+u·{dil_h}, {sw}·{j}+v·{dil_w}] for every tap: "
        "dL/dK is exactly "
        f"the patch of {xp_name} that output pixel ({i},{j}) reads (dashed), a copy of "
        f"the input ({same})."
    )


def _all_ones_line(t, u, v) -> str:
    """An all-ones delta: each entry of dL/dK is a box sum of the pixels its tap reads."""
    total = float(t.products.sum())
    return (
        f"δ is all ones: each term is the pixel itself, so dL/dK[{u},{v}] is the plain "
        f"sum of {_count(t.products.size, 'pixel')} tap ({u},{v}) reads (outlined), "
        "a box sum: "
        f"<b>{total:.4g}</b>. Each entry of dL/dK is such a sum, for its own tap."
    )


# ----------------------------------------------------------------------------- the panels


def _panels(t, delta, u, v, delta_kind) -> list[str]:
    """X_p, delta, dilate_s(delta) (stride > 1 only), the products and dL/dK, as tables."""
    panels = [_xp_panel(t, u, v, delta_kind), _delta_panel(t, delta, delta_kind)]
    if t.stride != (1, 1):
        panels.append(_dilated_panel(t, delta_kind))
    return [*panels, _products_panel(t), _dk_panel(t, u, v)]


def _xp_panel(t, u, v, delta_kind) -> str:
    """X_p, padding hatched, the pixels tap (u, v) reads outlined; a one-hot patch dashed."""
    (hp, wp), padded = t.xp.shape, t.padding != (0, 0)
    title = (
        f"X_p ({hp}x{wp}: X padded by {pair_text(t.padding)}): pixels tap ({u},{v}) reads"
        if padded
        else f"X ({hp}x{wp}): pixels tap ({u},{v}) reads"
    )
    return _grid_html(
        t.xp,
        title=title,
        symmetric=False,
        fmt="{:.0f}" if _whole(t.xp) else "{:.2g}",
        solid=[(int(r), int(c)) for r in t.rows for c in t.cols],
        dashed=t.patch_cells if delta_kind == "one-hot" else (),
        hatched=t.is_padding,
    )


def _delta_panel(t, delta, delta_kind) -> str:
    """delta, its one hot pixel (if any) outlined."""
    return _grid_html(
        delta,
        title="δ = dL/dY",
        symmetric=True,
        fmt=_delta_fmt(delta_kind),
        solid=[t.hot] if delta_kind == "one-hot" and t.hot is not None else (),
    )


def _dilated_panel(t, delta_kind) -> str:
    """dilate_s(delta), its inserted zeros hatched."""
    return _grid_html(
        t.dilated_delta,
        title=f"dilate_{pair_text(t.stride)}(δ): zeros inserted (hatched)",
        symmetric=True,
        fmt=_delta_fmt(delta_kind),
        hatched=t.inserted,
        cell_px=26,
    )


def _products_panel(t) -> str:
    """The terms X_p[pixels read] * delta, one per output pixel."""
    xp_name = "X_p" if t.padding != (0, 0) else "X"
    return _grid_html(
        t.products, title=f"{xp_name}[those pixels] · δ", symmetric=True, fmt="{:.2g}"
    )


def _dk_panel(t, u, v) -> str:
    """The whole dL/dK, (u, v) outlined."""
    return _grid_html(
        t.dk,
        title="dL/dK",
        symmetric=True,
        fmt="{:.0f}" if _whole(t.dk) else "{:.2g}",  # box sums and patches: 183, not 1.8e+02
        solid=[(u, v)],
    )


def _whole(a) -> bool:
    """Every entry is a whole number (then shown without decimals)."""
    return bool(np.all(a == np.round(a)))


def _delta_fmt(delta_kind) -> str:
    """A random delta has one decimal; one-hot and all-ones deltas are whole."""
    return "{:.1f}" if delta_kind == "random" else "{:.0f}"


# ----------------------------------------------------------------------------- the explorer


def kernel_gradient_explorer(x=None, *, seed=0):
    """Controls for the kernel tap, kernel size, stride, padding, dilation and delta.

    Every combination the controls can reach is valid: the tap sliders' maxima follow the
    kernel (KH - 1, KW - 1), and the dilation's maximum follows the kernel and the padding so
    that the dilated kernel always fits the padded input (`cnnbp_core.explain.explorer_ranges`).
    A slider whose range is a single value is disabled: a tap along a 1-tap axis, the dilation
    of a 1x1 kernel (it reads one pixel whatever d), the kernel size of a 1-pixel input. Each
    control has a stable description (`CONTROL_DESCRIPTIONS`): ``"kernel KH"``, ``"kernel KW"``,
    ``"tap u"``, ``"tap v"``, ``"stride s"``, ``"padding p"``, ``"dilation d"``, and the
    dropdown ``"δ = dL/dY"`` (random, one-hot, all ones).

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Input channel; default `cnnbp_core.explain.explorer_input`.
    seed : int
        Seed of the random upstream gradient.

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of controls and the HTML view `kernel_tap_html` fills.

    Examples
    --------
    >>> explorer = kernel_gradient_explorer()
    >>> type(explorer).__name__, "dL/dK[0,0]" in explorer.children[1].value
    ('VBox', True)
    >>> controls = {c.description: c for box in explorer.children[0].children for c in box.children}
    >>> controls["kernel KH"].value = 2
    >>> controls["tap u"].max
    1
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    x = explorer_input(seed) if x is None else numeric_array(x, "x", (2,)).astype(float)
    kernel = (min(3, x.shape[0]), min(3, x.shape[1]))
    start = {"kernel_h": kernel[0], "kernel_w": kernel[1], "u": 0, "v": 0}
    controls = _controls(widgets, explorer_ranges(kernel, 0, in_hw=x.shape), start)
    view = widgets.HTML()
    wire(
        controls,
        view,
        lambda: _view_html(controls, x, seed),
        lambda: _follow_ranges(controls, x.shape),
    )
    column = [["kernel_h", "kernel_w", "delta_kind"], ["u", "v"], ["stride", "padding", "dilation"]]
    boxes = widgets.HBox([widgets.VBox([controls[n] for n in names]) for names in column])
    return widgets.VBox([boxes, view])


_SLIDERS = ("kernel_h", "kernel_w", "u", "v", "stride", "padding", "dilation")
# the explorer's sliders, by parameter name (its last control is the delta dropdown)
_FOLLOWING = ("u", "v", "dilation")  # sliders whose range follows the kernel and the padding


def _controls(widgets, ranges, start) -> dict:
    """The sliders, each over its range (disabled when that is one value), and the dropdown."""
    style = {"description_width": "initial"}
    controls = {
        name: widgets.IntSlider(
            value=start.get(name, ranges[name][0]),
            min=ranges[name][0],
            max=ranges[name][1],
            disabled=ranges[name][0] == ranges[name][1],  # e.g. kernel KH of a 1-row input
            description=CONTROL_DESCRIPTIONS[name],
            tooltip=_TOOLTIPS[name],
            style=style,
        )
        for name in _SLIDERS
    }
    controls["delta_kind"] = widgets.Dropdown(
        options=list(DELTA_KINDS),
        value=DELTA_KINDS[0],
        description=CONTROL_DESCRIPTIONS["delta_kind"],
        tooltip=_TOOLTIPS["delta_kind"],
        style=style,
    )
    return controls


def _follow_ranges(controls, in_hw) -> None:
    """Give the tap and dilation sliders the ranges the kernel and the padding now allow."""
    new = explorer_ranges(
        (controls["kernel_h"].value, controls["kernel_w"].value),
        controls["padding"].value,
        in_hw=in_hw,
    )
    for name in _FOLLOWING:
        slider = controls[name]
        with slider.hold_sync():  # the new max and a clamped value reach the browser together
            slider.max = new[name][1]
            slider.disabled = slider.max == slider.min  # e.g. tap u of a 1-row kernel


def _view_html(controls, x, seed) -> str:
    """`kernel_tap_html` for the controls' current values."""
    c = {name: control.value for name, control in controls.items()}
    return kernel_tap_html(
        x,
        c["u"],
        c["v"],
        kernel_size=(c["kernel_h"], c["kernel_w"]),
        stride=c["stride"],
        padding=c["padding"],
        dilation=c["dilation"],
        delta_kind=c["delta_kind"],
        seed=seed,
    )
