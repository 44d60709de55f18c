"""Convolution explorers: chapter 04's kernel-gradient explorer.

Each explorer has a pure ``*_html`` function that takes the slider values and returns what is
shown, so it can be tested and timed (`make bench`) without a browser; the explorer itself only
wires sliders to it. ipywidgets is imported when an explorer is built, never at import time.
"""

from __future__ import annotations

import html

import numpy as np

from ...explain.conv import explorer_delta, explorer_input, kernel_tap_terms
from ...geometry import conv2d_output_shape
from ..html import matrix_html, row_html
from ..style import OUTLINE


def _no_picture(err: ValueError) -> str:
    """A friendly message instead of a traceback, for a combination of sliders with no answer."""
    return (
        '<div style="font:14px sans-serif;padding:12px;background:#fff4e5;'
        f'border-left:4px solid {OUTLINE}">'
        f"No picture for this combination: {html.escape(str(err))}. "
        "Lower the dilation, the kernel size or the tap.</div>"
    )


def kernel_tap_html(x, u, v, *, kernel_size=3, stride=1, dilation=1, seed=0) -> str:
    """What the kernel-gradient explorer shows for one setting of its sliders.

    Parameters
    ----------
    x : ndarray of floats, shape (H, W)
        The input channel.
    u, v : int
        Kernel tap.
    kernel_size, stride, dilation : int
    seed : int
        Seed of the upstream gradient delta (drawn per output shape, `explorer_delta`).

    Returns
    -------
    str
        HTML: the input with the pixels tap (u, v) reads outlined, delta, their products, and
        dL/dK with (u, v) outlined; or a friendly message when the combination is invalid.

    Examples
    --------
    >>> x = explorer_input()
    >>> "Y has shape (5, 6)" in kernel_tap_html(x, 1, 2, kernel_size=3)
    True
    >>> "No picture for this combination" in kernel_tap_html(x, 0, 0, kernel_size=4, dilation=3)
    True
    """
    try:
        out_hw = conv2d_output_shape(*x.shape, kernel_size, stride=stride, dilation=dilation)
        delta = explorer_delta(out_hw, seed)
        t = kernel_tap_terms(
            x, delta, u, v, kernel_size=kernel_size, stride=stride, dilation=dilation
        )
    except ValueError as err:
        return _no_picture(err)
    marked = [(r, c) for r in t.rows for c in t.cols]
    summary = (
        f'<div style="font:14px sans-serif;margin:6px 0">Y has shape {out_hw}. '
        f"dL/dK[{u},{v}] = Σ<sub>i,j</sub> δ[i,j] · "
        f"X[{stride}i+{dilation * u}, {stride}j+{dilation * v}]"
        f" = <b>{t.products.sum():.4g}</b> (the core's conv2d_backward: {t.dk[u, v]:.4g})</div>"
    )
    panels = row_html(
        matrix_html(
            x,
            title=f"X ({x.shape[0]}x{x.shape[1]}): pixels tap ({u},{v}) reads",
            highlight=marked,
            fmt="{:.0f}",
        ),
        matrix_html(delta, title="δ = dL/dY", symmetric=True, fmt="{:.1f}"),
        matrix_html(t.products, title="X[those pixels] · δ", symmetric=True),
        matrix_html(t.dk, title="dL/dK", symmetric=True, highlight=[(u, v)]),
    )
    return summary + panels


def kernel_gradient_explorer(x=None, *, seed=0):
    """Sliders for the kernel tap (u, v), kernel size, stride and dilation over a fixed input.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Input channel; default `explorer_input`.
    seed : int
        Seed of the upstream gradient.

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of sliders and the HTML view `kernel_tap_html` fills.

    Examples
    --------
    >>> explorer = kernel_gradient_explorer()
    >>> type(explorer).__name__, "dL/dK[0,0]" in explorer.children[1].value
    ('VBox', True)
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    x = explorer_input(seed) if x is None else np.asarray(x, dtype=float)
    style = {"description_width": "initial"}
    sliders = {
        "u": widgets.IntSlider(value=0, min=0, max=3, description="tap u", style=style),
        "v": widgets.IntSlider(value=0, min=0, max=3, description="tap v", style=style),
        "kernel_size": widgets.IntSlider(
            value=3, min=1, max=4, description="kernel K", style=style
        ),
        "stride": widgets.IntSlider(value=1, min=1, max=3, description="stride s", style=style),
        "dilation": widgets.IntSlider(value=1, min=1, max=3, description="dilation d", style=style),
    }
    view = widgets.HTML()

    def redraw(_change=None):
        values = {name: s.value for name, s in sliders.items()}
        view.value = kernel_tap_html(x, values.pop("u"), values.pop("v"), seed=seed, **values)

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    controls = widgets.HBox(
        [widgets.VBox(list(sliders.values())[:2]), widgets.VBox(list(sliders.values())[2:])]
    )
    return widgets.VBox([controls, view])
