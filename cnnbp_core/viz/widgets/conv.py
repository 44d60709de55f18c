"""Convolution explorers: chapter 04's kernel-gradient explorer.

Each explorer has a pure ``*_html`` function that takes the controls' values and returns what is
shown, so it can be tested and timed (`make bench`) without a browser; the explorer itself only
wires controls to it and keeps their ranges valid (`cnnbp_core.explain.explorer_ranges`).
ipywidgets is imported when an explorer is built, never at import time.
"""

from __future__ import annotations

import html

import numpy as np
from matplotlib import colormaps

from ...explain.conv import (
    DELTA_KINDS,
    explorer_data,
    explorer_input,
    explorer_ranges,
    kernel_tap_terms,
)
from ...validation import conv_hyper, numeric_array
from ..html import row_html
from ..style import DIVERGING_CMAP, IMAGE_CMAP, OUTLINE, color_norm, ink

# Cells that are not data: the padding of X_p and the zeros dilate_s inserts into delta.
HATCHED = (
    "background:repeating-linear-gradient(135deg,#f4f4f4 0 3px,#d4d4d4 3px 6px);"
    "color:#777;font-style:italic"
)
# Looked up once: a colormap fetched by name is a fresh copy that rebuilds its lookup table.
_CMAPS = {True: colormaps[DIVERGING_CMAP], False: colormaps[IMAGE_CMAP]}
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


def _no_picture(err: ValueError) -> str:
    """A friendly message instead of a traceback, for arguments with no answer (direct calls)."""
    return (
        '<div style="font:14px sans-serif;padding:12px;background:#fff4e5;'
        f'border-left:4px solid {OUTLINE}">'
        f"No picture for this combination: {html.escape(str(err))}. "
        "Lower the dilation, the kernel size or the tap.</div>"
    )


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
    rgba = _CMAPS[bool(symmetric)]((a - norm.vmin) / (norm.vmax - norm.vmin))
    # matplotlib's to_hex: each channel rounded (half to even) to 0..255
    rgb = np.round(rgba[..., :3] * 255).astype(int).tolist()
    flat_rgba = rgba.reshape(-1, 4).tolist()
    solid, dashed = set(solid), set(dashed)
    tail = f"width:{cell_px}px;height:{cell_px}px;text-align:center;font:11px monospace;padding:0"
    rows = []
    for i, (row, row_rgb, row_hatched) in enumerate(zip(a.tolist(), rgb, hatched.tolist())):
        cells = []
        for j, (value, (r, g, b), hatch) in enumerate(zip(row, row_rgb, row_hatched)):
            if (i, j) in solid:
                edge = f"3px solid {OUTLINE}"
            elif (i, j) in dashed:
                edge = f"2px dashed {OUTLINE}"
            else:
                edge = "1px dashed #aaa" if hatch else "1px solid #ccc"
            if hatch:
                paint = HATCHED
            else:
                paint = (
                    f"background:#{r:02x}{g:02x}{b:02x};color:{ink(flat_rgba[i * a.shape[1] + j])}"
                )
            text = f"{value:g}" if hatch else fmt.format(value)  # padding, inserted: "0"
            cells.append(f'<td style="{paint};border:{edge};{tail}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f'<div style="font:13px sans-serif;margin-bottom:4px">{html.escape(title)}</div>'
    table = f'<table style="border-collapse:collapse">{"".join(rows)}</table>'
    return f'<div style="margin-right:18px">{caption}{table}</div>'


def _one(pair) -> str:
    """A per-axis hyper-parameter as text: ``2`` when both axes agree, else ``(1,2)``."""
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]},{pair[1]})"


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
        return _no_picture(err)
    (sh, sw), (ph, pw), (dil_h, dil_w) = conv_hyper(stride, padding, dilation)  # checked: as pairs
    out_hw, (hp, wp) = delta.shape, t.xp.shape
    total = float(t.products.sum())
    padded = (ph, pw) != (0, 0)
    xp_name = "X<sub>p</sub>" if padded else "X"
    described = {
        "random": "random (fixed for each output shape, one decimal)",
        "one-hot": f"one-hot, a single 1 at {t.hot}" if t.hot else "one-hot",
        "all ones": "all ones",
    }[delta_kind]
    shape_line = f"Y has shape {out_hw}. δ = dL/dY: {described}."
    if padded:
        rows = "row and column" if (ph, pw) == (1, 1) else "rows and columns"
        shape_line += (
            f" X<sub>p</sub> is X with {_one((ph, pw))} {rows} of zeros on each side (hatched),"
            f" {hp}x{wp}: a tap that reads them adds 0."
        )
    lines = [
        _line(shape_line),
        _line(
            f"dL/dK[{u},{v}] = Σ<sub>i,j</sub> δ[i,j] · "
            f"{xp_name}[{_term(sh, dil_h * u, 'i')}, {_term(sw, dil_w * v, 'j')}]"
            f' = <b data-dk="{total!r}">{total:.4g}</b>'
            f" (the core's conv2d_backward: {t.dk[u, v]:.4g})"
        ),
    ]
    strided = (sh, sw) != (1, 1)
    if strided:
        s = _one((sh, sw))
        lines.append(
            _line(
                f"Stride {s}: the same sum is a correlation of {xp_name} with δ dilated by "
                f"{s} (s − 1 zeros between neighbouring entries, hatched): dL/dK[{u},{v}] = "
                f"({xp_name} ⋆ dilate<sub>{s}</sub>(δ))[{u}·{dil_h}, {v}·{dil_w}] = "
                f"({xp_name} ⋆ dilate<sub>{s}</sub>(δ))[{u * dil_h}, {v * dil_w}] = "
                f'<b data-dilated="{t.via_dilated!r}">{t.via_dilated:.4g}</b>'
            )
        )
    patch_cells = []
    if delta_kind == "one-hot" and t.hot is not None:
        i, j = t.hot
        same = "equal ✓" if np.array_equal(t.patch, t.dk) else "they differ ✗"
        kh, kw = t.dk.shape
        patch_cells = [
            (i * sh + a * dil_h, j * sw + b * dil_w) for a in range(kh) for b in range(kw)
        ]
        lines.append(
            _line(
                f"δ is one-hot at ({i},{j}): every other term is 0, so dL/dK[u,v] = "
                f"{xp_name}[{sh}·{i}+u·{dil_h}, {sw}·{j}+v·{dil_w}] for every tap: "
                "dL/dK is exactly "
                f"the patch of {xp_name} that output pixel ({i},{j}) reads (dashed), a copy of "
                f"the input ({same})."
            )
        )
    elif delta_kind == "all ones":
        lines.append(
            _line(
                f"δ is all ones: each term is the pixel itself, so dL/dK[{u},{v}] is the plain "
                f"sum of {_count(t.products.size, 'pixel')} tap ({u},{v}) reads (outlined), "
                "a box sum: "
                f"<b>{total:.4g}</b>. Each entry of dL/dK is such a sum, for its own tap."
            )
        )
    marked = [(int(r), int(c)) for r in t.rows for c in t.cols]
    hatched = np.ones(t.xp.shape, bool)
    hatched[ph : hp - ph, pw : wp - pw] = False
    whole = bool(np.all(x == np.round(x)))
    x_title = (
        f"X_p ({hp}x{wp}: X padded by {_one((ph, pw))}): pixels tap ({u},{v}) reads"
        if padded
        else f"X ({hp}x{wp}): pixels tap ({u},{v}) reads"
    )
    panels = [
        _grid_html(
            t.xp,
            title=x_title,
            symmetric=False,
            fmt="{:.0f}" if whole else "{:.2g}",
            solid=marked,
            dashed=patch_cells,
            hatched=hatched,
        ),
        _grid_html(
            delta,
            title="δ = dL/dY",
            symmetric=True,
            fmt="{:.1f}" if delta_kind == "random" else "{:.0f}",
            solid=[t.hot] if delta_kind == "one-hot" and t.hot is not None else (),
        ),
    ]
    if strided:
        inserted = np.ones(t.dilated_delta.shape, bool)
        inserted[::sh, ::sw] = False
        panels.append(
            _grid_html(
                t.dilated_delta,
                title=f"dilate_{_one((sh, sw))}(δ): zeros inserted (hatched)",
                symmetric=True,
                fmt="{:.1f}" if delta_kind == "random" else "{:.0f}",
                hatched=inserted,
                cell_px=26,
            )
        )
    whole_dk = bool(np.all(t.dk == np.round(t.dk)))  # box sums and patches: 183, not 1.8e+02
    panels += [
        _grid_html(
            t.products,
            title=f"{'X_p' if padded else 'X'}[those pixels] · δ",
            symmetric=True,
            fmt="{:.2g}",
        ),
        _grid_html(
            t.dk,
            title="dL/dK",
            symmetric=True,
            fmt="{:.0f}" if whole_dk else "{:.2g}",
            solid=[(u, v)],
        ),
    ]
    return "".join(lines) + row_html(*panels)


def kernel_gradient_explorer(x=None, *, seed=0):
    """Controls for the kernel tap, kernel size, stride, padding, dilation and delta.

    Every combination the controls can reach is valid: the tap sliders' maxima follow the
    kernel (KH - 1, KW - 1), and the dilation's maximum follows the kernel and the padding so
    that the dilated kernel always fits the padded input (`cnnbp_core.explain.explorer_ranges`).
    Each control has a stable description (`CONTROL_DESCRIPTIONS`): ``"kernel KH"``,
    ``"kernel KW"``, ``"tap u"``, ``"tap v"``, ``"stride s"``, ``"padding p"``,
    ``"dilation d"``, and the dropdown ``"δ = dL/dY"`` (random, one-hot, all ones).

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
    ranges = explorer_ranges(kernel, 0, in_hw=x.shape)
    start = {"kernel_h": kernel[0], "kernel_w": kernel[1], "u": 0, "v": 0}
    style = {"description_width": "initial"}
    controls = {
        name: widgets.IntSlider(
            value=start.get(name, ranges[name][0]),
            min=ranges[name][0],
            max=ranges[name][1],
            description=CONTROL_DESCRIPTIONS[name],
            tooltip=_TOOLTIPS[name],
            style=style,
        )
        for name in ("kernel_h", "kernel_w", "u", "v", "stride", "padding", "dilation")
    }
    controls["delta_kind"] = widgets.Dropdown(
        options=list(DELTA_KINDS),
        value=DELTA_KINDS[0],
        description=CONTROL_DESCRIPTIONS["delta_kind"],
        tooltip=_TOOLTIPS["delta_kind"],
        style=style,
    )
    view = widgets.HTML()
    busy = [False]  # set while the ranges are adjusted: their clamped values redraw once, after

    def follow_ranges():
        new = explorer_ranges(
            (controls["kernel_h"].value, controls["kernel_w"].value),
            controls["padding"].value,
            in_hw=x.shape,
        )
        for name in ("u", "v", "dilation"):
            slider = controls[name]
            with slider.hold_sync():  # the new max and a clamped value reach the browser together
                slider.max = new[name][1]
                slider.disabled = slider.max == slider.min  # e.g. tap u of a 1-row kernel
        return new

    def redraw():
        c = {name: control.value for name, control in controls.items()}
        view.value = kernel_tap_html(
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

    def on_change(_change=None):
        if busy[0]:
            return
        busy[0] = True
        try:
            follow_ranges()
        finally:
            busy[0] = False
        redraw()

    for control in controls.values():
        control.observe(on_change, names="value")
    on_change()
    column = [["kernel_h", "kernel_w", "delta_kind"], ["u", "v"], ["stride", "padding", "dilation"]]
    boxes = widgets.HBox([widgets.VBox([controls[n] for n in names]) for names in column])
    return widgets.VBox([boxes, view])
