"""Chapter 03's convolution-arithmetic explorer: which pixels an output reads, how many fit.

`conv_arithmetic_html` is the pure view (tested without a browser; bench it with a script): the
padded input X_p as a grid (padding hatched, the pixels the chosen output reads highlighted and
labelled with their kernel tap "K<sub>u,v</sub>", pixels no output ever reads crossed), the
output grid with the chosen pixel, the output-size formula for rows and columns with the
numbers substituted, and the rows and columns of X no output reads, by source
(`cnnbp_core.viz.plots.conv_forward.output_size_text` and ``unread_text``, the static
figure's words). Every element carries a ``class`` naming what it shows and every cell its
coordinates in ``data-row`` and ``data-col`` (and, when read, its tap in ``data-tap``), so
tests can read the view back.
`conv_arithmetic_explorer` wires nine sliders to it; their ranges follow each other
(`cnnbp_core.explain.arithmetic_ranges`), so every state they reach is a valid convolution.
ipywidgets is imported when the explorer is built.
"""

from __future__ import annotations

import html

from ...explain.conv_arithmetic import ARITHMETIC_START, arithmetic_ranges, arithmetic_state
from ..html import no_picture_html, row_html
from ..plots.base import pair_text
from ..plots.conv_forward import (
    READ_FILL,
    X_FILL,
    listed_text,
    output_size_text,
    reads_text,
    tap_label,
    unread_text,
)
from ..style import OUTLINE, RED
from .conv import HATCHED  # a padding zero: the kernel-gradient explorer's grey stripes
from .wiring import wire

CONTROL_DESCRIPTIONS = {
    "h": "input H",
    "w": "input W",
    "kernel_h": "kernel KH",
    "kernel_w": "kernel KW",
    "stride": "stride s",
    "padding": "padding p",
    "dilation": "dilation d",
    "i": "output row i",
    "j": "output column j",
}
"""The description (label) of each control of `conv_arithmetic_explorer`, by parameter name."""
_TOOLTIPS = {
    "h": "rows H of the input X",
    "w": "columns W of the input X",
    "kernel_h": "kernel rows KH (at most H)",
    "kernel_w": "kernel columns KW (at most W)",
    "stride": "stride s: neighbouring outputs read windows s pixels apart",
    "padding": "padding p: rows and columns of zeros around X (hatched)",
    "dilation": "dilation d: taps d pixels apart (up to the largest that fits)",
    "i": "the output pixel's row (0 .. H_out - 1)",
    "j": "the output pixel's column (0 .. W_out - 1)",
}
_CELL = "width:28px;height:28px;text-align:center;font:10px monospace;padding:0"


def conv_arithmetic_html(
    in_hw=(5, 5), kernel_size=3, *, stride=2, padding=1, dilation=1, at=(0, 0)
) -> str:
    """What the convolution-arithmetic explorer shows for one setting of its controls.

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W).
    kernel_size, stride, padding, dilation : int or (h, w) pair
    at : (int, int)
        The output pixel (i, j) whose reads are shown.

    Returns
    -------
    str
        HTML in a ``div.conv-arithmetic`` with ``data-out-h`` and ``data-out-w``: a summary
        (``.summary``), the grid of X_p (``table.xp``; cells ``td.cell`` with classes ``x`` or
        ``pad``, plus ``read`` and ``data-tap="u,v"`` when output ``at`` reads them, or
        ``unread`` when no output does), the output grid (``table.y``; ``td.cell.out``, the
        chosen one also ``chosen``), and per axis a ``div.formula`` (``data-axis``,
        ``data-value`` = the output size), a ``div.terms`` whose ``span.term`` carry
        ``data-term`` and ``data-value`` (`cnnbp_core.explain.OutputSizeTerms`), and a
        ``div.unread`` with the unread rows (or columns) of X by source in ``data-below``,
        ``data-between-windows`` and ``data-between-taps`` (X_p numbers, space-separated;
        `OutputSizeTerms.unread_rows`). Arguments with no answer give a ``div.no-picture``
        message; the explorer's controls never reach one.

    Examples
    --------
    >>> view = conv_arithmetic_html()
    >>> 'data-out-h="3"' in view, view.count('class="cell pad read"'), view.count(' read"')
    (True, 5, 9)
    >>> "⌊4 / 2⌋ + 1 = 3" in view, "(9 pixels, 5 of them padding zeros)" in view
    (True, True)
    >>> "X_p rows 2, 5, between windows" in conv_arithmetic_html((8, 8), 2, stride=3, padding=0)
    True
    >>> "No picture" in conv_arithmetic_html((3, 3), 4, padding=0)
    True
    """
    try:
        a = arithmetic_state(
            in_hw, kernel_size, stride=stride, padding=padding, dilation=dilation, at=at
        )
    except (ValueError, TypeError) as err:
        return no_picture_html(err)
    terms = a.terms
    grids = row_html(_xp_table(a.reads, a.is_padding, a.unread), _y_table(a.geometry.out_hw, a.at))
    formulas = "".join(_formula_html(t, axis) for t, axis in zip(terms, "HW"))
    return (
        f'<div class="conv-arithmetic" data-out-h="{terms[0].out}" data-out-w="{terms[1].out}" '
        'style="font:14px sans-serif">'
        f"{_summary_html(terms, a.reads, a.at)}{grids}{formulas}{_legend_html()}</div>"
    )


def _summary_html(terms, reads, at) -> str:
    """Shapes, and the rule output (i, j) reads by, with its numbers."""
    th, tw = terms
    (i, j), n_pad = at, int(reads.in_padding.sum())
    text = (
        f"X is {th.size}x{tw.size}; X<sub>p</sub>, padded by "
        f"{pair_text((th.padding, tw.padding))}, is {th.padded}x{tw.padded}. "
        f"K is {th.kernel}x{tw.kernel}; dilated by "
        f"{pair_text((th.dilation, tw.dilation))} it spans {th.span}x{tw.span}. "
        f"Y has shape ({th.out}, {tw.out}). Output ({i},{j}) reads X<sub>p</sub>[{i}·{th.stride}"
        f" + u·{th.dilation}, {j}·{tw.stride} + v·{tw.dilation}]: "
        f"{listed_text(reads.rows, 'row')}, {listed_text(reads.cols, 'column')}"
        f" ({reads_text(reads.in_padding.size, n_pad)})."
    )
    return f'<div class="summary" style="margin:4px 0">{text}</div>'


def _xp_table(reads, is_padding, unread) -> str:
    """X_p: X pale blue, padding hatched, read cells orange with their tap, unread crossed."""
    taps = {(r, c): (u, v) for u, v, r, c in reads.cells()}
    rows = []
    for r in range(is_padding.shape[0]):
        cells = []
        for c in range(is_padding.shape[1]):
            kind = "pad" if is_padding[r, c] else "x"
            paint = HATCHED if kind == "pad" else f"background:{X_FILL}"
            edge, text, extra = "1px solid #ccc", "", ""
            if (r, c) in taps:
                u, v = taps[(r, c)]
                kind += " read"
                edge, text, extra = (
                    f"3px solid {OUTLINE}",
                    tap_label(u, v, html=True),
                    f' data-tap="{u},{v}"',
                )
                paint = f"background:{READ_FILL}" if "x" in kind else paint
            elif unread[r, c]:
                kind += " unread"
                text = f'<span style="color:{RED}">×</span>'
            cells.append(
                f'<td class="cell {kind}" data-row="{r}" data-col="{c}"{extra} '
                f'style="{paint};border:{edge};{_CELL}">{text}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    hp, wp = is_padding.shape
    return _panel("xp", f"X_p ({hp}x{wp})", rows)


def _y_table(out_hw, at) -> str:
    """Y, the chosen output pixel outlined."""
    rows = []
    for r in range(out_hw[0]):
        cells = []
        for c in range(out_hw[1]):
            chosen = (r, c) == tuple(at)
            kind = "cell out chosen" if chosen else "cell out"
            paint = READ_FILL if chosen else X_FILL
            edge = f"3px solid {OUTLINE}" if chosen else "1px solid #ccc"
            cells.append(
                f'<td class="{kind}" data-row="{r}" data-col="{c}" '
                f'style="background:{paint};border:{edge};{_CELL}">{r},{c}</td>'
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return _panel("y", f"Y ({out_hw[0]}x{out_hw[1]})", rows)


def _panel(cls: str, title: str, rows) -> str:
    caption = f'<div class="caption" style="font:13px sans-serif;margin-bottom:4px">{title}</div>'
    table = f'<table class="grid {cls}" style="border-collapse:collapse">{"".join(rows)}</table>'
    return f'<div class="panel {cls}" style="margin:6px 18px 6px 0">{caption}{table}</div>'


_TERMS = ("padded", "span", "room", "steps", "out", "leftover", "unread_below")


def _formula_html(t, axis) -> str:
    """The formula with the numbers substituted, and its terms, each readable back."""
    formula, words = output_size_text(t, axis)
    terms = "".join(
        f'<span class="term" data-term="{name}" data-value="{getattr(t, name)}"></span>'
        for name in _TERMS
    )
    unread = t.unread_rows()
    sources = "".join(
        f' data-{name.replace("_", "-")}="{" ".join(map(str, rows))}"'
        for name, rows in unread._asdict().items()
    )
    return (
        f'<div class="formula" data-axis="{axis}" data-value="{t.out}" '
        f'style="font:14px monospace;margin-top:6px">{html.escape(formula)}</div>'
        f'<div class="terms" data-axis="{axis}" style="font:13px sans-serif;color:#333">'
        f"{html.escape(words)}{terms}</div>"
        f'<div class="unread" data-axis="{axis}"{sources} style="font:13px sans-serif;'
        f'color:#333">{html.escape(unread_text(t, axis))}</div>'
    )


def _legend_html() -> str:
    return (
        '<div class="legend" style="font:12px sans-serif;color:#555;margin-top:6px">'
        f'<span style="background:{X_FILL};padding:0 6px">X</span> '
        f'<span style="{HATCHED};padding:0 6px">padding</span> '
        f'<span style="background:{READ_FILL};border:2px solid {OUTLINE};padding:0 4px">'
        f"{tap_label('u', 'v', html=True)}</span> read by the chosen output through tap (u, v) "
        f'<span style="color:{RED}">×</span> read by no output</div>'
    )


# ----------------------------------------------------------------------------- the explorer

_ORDER = tuple(CONTROL_DESCRIPTIONS)  # h, w, kernel, stride, padding, dilation, i, j
_FOLLOWING = ("kernel_h", "kernel_w", "dilation", "i", "j")  # ranges that follow the others


def conv_arithmetic_explorer(**start):
    """Sliders for the input size, kernel size, stride, padding, dilation and output pixel.

    Each slider is labelled by `CONTROL_DESCRIPTIONS`. The kernel is at most the input, the
    dilation at most the largest that fits, the output pixel inside the output: after every
    change those ranges follow (`cnnbp_core.explain.arithmetic_ranges`, in that order) and the
    sliders clamp their values into them, so every reachable state is a valid convolution. A
    slider with a single value is disabled.

    Parameters
    ----------
    **start
        Starting values by parameter name (``h``, ``w``, ``kernel_h``, ``kernel_w``,
        ``stride``, ``padding``, ``dilation``, ``i``, ``j``); the rest from
        `cnnbp_core.explain.ARITHMETIC_START` (a 5x5 input, a 3x3 kernel, stride 2, padding 1).

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of three columns of sliders, and the HTML view.

    Examples
    --------
    >>> explorer = conv_arithmetic_explorer()
    >>> controls = {c.description: c for box in explorer.children[0].children
    ...             for c in box.children}
    >>> controls["input H"].value = 2  # the kernel, then the output row, follow
    >>> controls["kernel KH"].value, controls["output row i"].max  # X_p: 4 rows, 2 windows
    (2, 1)
    >>> 'data-out-h="2"' in explorer.children[1].value
    True
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    unknown = set(start) - set(ARITHMETIC_START)
    if unknown:
        raise ValueError(f"start may only set {tuple(ARITHMETIC_START)}; got {sorted(unknown)}")
    state = {**ARITHMETIC_START, **start}
    ranges = _ranges(state)
    for name, (low, high) in ranges.items():
        if not low <= state[name] <= high:
            raise ValueError(f"{name} = {state[name]} must lie in [{low}, {high}] here")
    controls = {name: _slider(widgets, name, ranges[name], state[name]) for name in _ORDER}
    view = widgets.HTML()
    wire(controls, view, lambda: _view_html(controls), lambda: _follow_ranges(controls))
    columns = [["h", "w", "kernel_h", "kernel_w"], ["stride", "padding", "dilation"], ["i", "j"]]
    boxes = widgets.HBox([widgets.VBox([controls[n] for n in names]) for names in columns])
    return widgets.VBox([boxes, view])


def _ranges(c) -> dict:
    return arithmetic_ranges(
        (c["h"], c["w"]),
        (c["kernel_h"], c["kernel_w"]),
        stride=c["stride"],
        padding=c["padding"],
        dilation=c["dilation"],
    )


def _slider(widgets, name, bounds, value):
    return widgets.IntSlider(
        value=value,
        min=bounds[0],
        max=bounds[1],
        disabled=bounds[0] == bounds[1],
        description=CONTROL_DESCRIPTIONS[name],
        tooltip=_TOOLTIPS[name],
        style={"description_width": "initial"},
    )


def _follow_ranges(controls) -> None:
    """Give the kernel, dilation and output sliders the ranges the others now allow, in order.

    `arithmetic_ranges` clamps the kernel and the dilation in this same order before it
    computes the next range, exactly as each slider clamps its value when its maximum drops.
    """
    new = _ranges({name: control.value for name, control in controls.items()})
    for name in _FOLLOWING:
        slider = controls[name]
        with slider.hold_sync():  # the new max and a clamped value reach the browser together
            slider.max = new[name][1]
            slider.disabled = slider.max == slider.min


def _view_html(controls) -> str:
    c = {name: control.value for name, control in controls.items()}
    return conv_arithmetic_html(
        (c["h"], c["w"]),
        (c["kernel_h"], c["kernel_w"]),
        stride=c["stride"],
        padding=c["padding"],
        dilation=c["dilation"],
        at=(c["i"], c["j"]),
    )
