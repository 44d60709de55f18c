"""One colour style: a figure and an HTML table of the same matrix colour every cell alike."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb

from cnnbp_core import viz
from cnnbp_core.viz import style

# Values spread over the whole colour scale, so every text-colour threshold is crossed; the
# unsigned ones start above 0, so a scale from 0 (instead of from the minimum) would show.
MATRICES = {
    "signed": np.linspace(-3.0, 2.0, 48).reshape(6, 8),
    "unsigned": np.linspace(2.0, 9.0, 48).reshape(6, 8),
}


def html_cells(table: str) -> list[tuple[str, str]]:
    """(background, text colour) of each cell of a `matrix_html` table, row by row."""
    return re.findall(r"background:([^;]+);color:([^;]+);", table)


def figure_and_table(a, cmap=None):
    # Both pick their colormap by the same rule (style.default_cmap) unless told.
    return viz.plot_matrix(a, cmap=cmap), viz.matrix_html(a, cmap=cmap)


@pytest.mark.parametrize("kind", MATRICES)
def test_text_colours_agree_cell_by_cell(kind):
    a = MATRICES[kind]
    fig, table = figure_and_table(a)
    figure_ink = [to_hex(t.get_color()) for t in fig.axes[0].texts]
    table_ink = [to_hex(ink) for _, ink in html_cells(table)]
    assert len(figure_ink) == len(table_ink) == a.size
    assert figure_ink == table_ink
    assert {"#000000", "#ffffff"} <= set(figure_ink)  # both text colours occur


@pytest.mark.parametrize("kind", MATRICES)
def test_cell_backgrounds_agree_cell_by_cell(kind):
    a = MATRICES[kind]
    fig, table = figure_and_table(a)
    im = fig.axes[0].images[0]
    figure_colours = [to_hex(c) for c in im.to_rgba(a).reshape(-1, 4)]  # the image's own mapping
    assert figure_colours == [background for background, _ in html_cells(table)]


def test_the_drawn_pixels_are_the_tables_colours():
    """Render the figure and read each cell's colour near its corner (its centre holds text)."""
    a = MATRICES["signed"]
    fig, table = figure_and_table(a)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3] / 255.0
    ax, height = fig.axes[0], pixels.shape[0]
    backgrounds = iter(html_cells(table))
    for i, j in np.ndindex(a.shape):
        x, y = ax.transData.transform((j - 0.4, i - 0.4))
        drawn = pixels[int(round(height - y)), int(round(x))]
        expected = to_rgb(next(backgrounds)[0])
        np.testing.assert_allclose(drawn, expected, atol=2 / 255, err_msg=f"cell ({i}, {j})")


def test_outline_is_the_one_orange():
    assert to_hex("tab:orange") == viz.OUTLINE == style.OUTLINE
    assert viz.OUTLINE in viz.matrix_html(np.eye(2), highlight=[(0, 0)])


def test_green_is_the_one_green():
    # the colour of a learning rate right for its budget, in figures and explorers alike
    assert to_hex("tab:green") == style.GREEN


def test_ink_is_the_luma_rule():
    assert style.ink((1.0, 1.0, 1.0)) == "#000" and style.ink((0.0, 0.0, 0.0, 1.0)) == "#fff"
    # Pure green is light, pure blue dark: the weights, not a plain average, decide.
    assert style.ink((0.0, 0.75, 0.0)) == "#000" and style.ink((0.2, 0.2, 1.0)) == "#fff"
    assert style.ink((0.5, 0.2, 0.1, 0.0)) == "#000"  # transparent: the page shows through


def test_color_norm_rules():
    signed = style.color_norm([np.array([-1.0, 0.5]), np.array([2.0])], symmetric=True)
    assert (signed.vmin, signed.vmax) == (-2.0, 2.0)
    flat = style.color_norm([np.zeros((2, 2))], symmetric=True)
    assert (flat.vmin, flat.vmax) == (-1.0, 1.0)
    constant = style.color_norm([np.full(3, 4.0)], symmetric=False)
    assert (constant.vmin, constant.vmax) == (4.0, 5.0)
    with_nan = style.color_norm([np.array([1.0, np.nan, 3.0])], symmetric=False)
    assert (with_nan.vmin, with_nan.vmax) == (1.0, 3.0)


def test_non_finite_cells_are_transparent_with_black_text():
    table = viz.matrix_html(np.array([[np.nan, 1.0, -1.0]]))
    assert html_cells(table)[0] == ("transparent", "#000")
    fig = viz.plot_matrix(np.array([[np.nan, 1.0, -1.0]]))
    assert to_hex(fig.axes[0].texts[0].get_color()) == "#000000"


def test_an_image_colormap_asked_of_both_agrees_too():
    a = MATRICES["unsigned"]
    fig, table = figure_and_table(a, cmap=style.IMAGE_CMAP)
    im = fig.axes[0].images[0]
    figure_colours = [to_hex(c) for c in im.to_rgba(a).reshape(-1, 4)]
    assert figure_colours == [background for background, _ in html_cells(table)]
    assert figure_colours[0] == "#000000"  # gray: the minimum is black
