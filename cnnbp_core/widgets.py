"""Interactive explorers: thin ipywidgets wrappers over pure functions that compute and draw.

Each explorer has a pure ``*_html`` function that takes the slider values and returns what is
shown, so it can be tested and timed (`make bench`) without a browser. Invalid combinations of
sliders produce a friendly message instead of a traceback.
"""

from __future__ import annotations

import html

import numpy as np

from .functional import conv2d_output_shape
from .htmlview import matrix_html, row_html
from .plotting import kernel_tap_terms

EXPLORER_INPUT_SHAPE = (7, 8)  # H != W on purpose


def explorer_input(seed=0):
    """The explorer's default input: small integers, easy to multiply by eye. Shape (7, 8)."""
    return np.random.default_rng(seed).integers(0, 10, EXPLORER_INPUT_SHAPE).astype(float)


def explorer_delta(out_hw, seed=0):
    """A reproducible upstream gradient delta for an output of shape ``out_hw`` (one decimal)."""
    return np.round(np.random.default_rng([seed, *out_hw]).uniform(-1, 1, out_hw), 1)


def kernel_tap_html(x, u, v, *, kernel_size=3, stride=1, dilation=1, seed=0) -> str:
    """What the kernel-gradient explorer shows for one setting of its sliders.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        The input channel.
    u, v : int
        Kernel tap.
    kernel_size, stride, dilation : int
    seed : int
        Seed of the upstream gradient delta (drawn per output shape).

    Returns
    -------
    str
        HTML: the input with the pixels tap (u, v) reads outlined, delta, their products, and
        dL/dK with (u, v) outlined; or a friendly message when the combination is invalid.
    """
    try:
        out_hw = conv2d_output_shape(*x.shape, kernel_size, stride=stride, dilation=dilation)
        delta = explorer_delta(out_hw, seed)
        t = kernel_tap_terms(
            x, delta, u, v, kernel_size=kernel_size, stride=stride, dilation=dilation
        )
    except ValueError as err:
        return (
            '<div style="font:14px sans-serif;padding:12px;background:#fff4e5;'
            'border-left:4px solid #ff7f0e">'
            f"No picture for this combination: {html.escape(str(err))}. "
            "Lower the dilation, the kernel size or the tap.</div>"
        )
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
    x : ndarray, shape (H, W), optional
        Input channel; default `explorer_input`.
    seed : int
        Seed of the upstream gradient.

    Returns
    -------
    ipywidgets.VBox
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
