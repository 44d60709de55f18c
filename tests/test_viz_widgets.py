"""The kernel-gradient explorer: every state it can reach is valid and shows the core's answer."""

import functools
import itertools
import re

import numpy as np
import pytest
from conftest import run_python

from cnnbp_core import functional as F
from cnnbp_core import viz

# The topic modules themselves: they hold every name used here, re-exported or not.
from cnnbp_core.explain import conv as explain
from cnnbp_core.viz.plots import conv as plots_conv
from cnnbp_core.viz.widgets import conv as widgets_conv


def test_importing_the_explorers_does_not_import_ipywidgets():
    code = """
import sys
import cnnbp_core.viz.widgets.conv
print("ipywidgets" in sys.modules)
"""
    assert run_python(code).strip() == "False"


def controls_of(explorer):
    """The explorer's controls by their (stable) descriptions."""
    return {c.description: c for box in explorer.children[0].children for c in box.children}


def test_the_view_shows_the_terms_and_the_cores_answer():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 1, 2, kernel_size=3, stride=2)
    t = explain.kernel_tap_terms(x, explain.explorer_delta((3, 3)), 1, 2, kernel_size=3, stride=2)
    assert "Y has shape (3, 3)" in html and f">{t.products.sum():.4g}</b>" in html
    assert f'data-dk="{float(t.products.sum())!r}"' in html
    # outlined: the pixels read, and (u, v) in dL/dK; nothing else is orange
    assert html.count(viz.OUTLINE) == t.rows.size * t.cols.size + 1


def test_invalid_arguments_give_a_message_not_a_traceback():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 0, 0, kernel_size=4, dilation=3)
    assert "No picture for this combination" in html and "does not fit" in html
    html = viz.kernel_tap_html(x, 3, 0, kernel_size=3)
    assert "outside the 3x3 kernel" in html
    assert "kind must be one of" in viz.kernel_tap_html(x, 0, 0, delta_kind="ones")


def test_padding_is_hatched_and_the_read_pixels_index_xp():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 0, 0, kernel_size=3, padding=2)
    assert "X<sub>p</sub> is X with 2 rows and columns of zeros" in html and "11x12" in html
    assert html.count(widgets_conv.HATCHED) == 11 * 12 - 7 * 8
    assert "X<sub>p</sub>[i, j]" in html  # stride 1, tap (0, 0): written plainly
    assert widgets_conv.HATCHED not in viz.kernel_tap_html(x, 0, 0)  # no padding: no hatching


def test_stride_shows_dilated_delta_and_states_the_correlation():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 1, 2, kernel_size=3, stride=2, dilation=2)
    t = explain.kernel_tap_terms(
        x, explain.explorer_delta((2, 2)), 1, 2, kernel_size=3, stride=2, dilation=2
    )
    assert "(X ⋆ dilate<sub>2</sub>(δ))[1·2, 2·2] = (X ⋆ dilate<sub>2</sub>(δ))[2, 4]" in html
    assert f'data-dilated="{t.via_dilated!r}">{t.via_dilated:.4g}</b>' in html
    assert np.isclose(t.via_dilated, t.dk[1, 2])
    assert html.count(widgets_conv.HATCHED) == 3 * 3 - 2 * 2  # the zeros dilate_2 inserted
    assert "dilate" not in viz.kernel_tap_html(x, 1, 2, kernel_size=3)  # stride 1: no panel


def test_one_hot_and_all_ones_deltas_say_what_dk_is():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 0, 1, kernel_size=(2, 3), stride=2, delta_kind="one-hot")
    assert "δ is one-hot at (1,1)" in html and "exactly the patch" in html and "equal ✓" in html
    assert html.count(f"2px dashed {viz.OUTLINE}") == 2 * 3 - 1  # the patch, but the tap's pixel
    html = viz.kernel_tap_html(x, 1, 1, kernel_size=3, delta_kind="all ones")
    t = explain.kernel_tap_terms(x, np.ones((5, 6)), 1, 1, kernel_size=3)
    box = x[1:6, 1:7].sum()
    assert t.dk[1, 1] == box and f"a box sum: <b>{box:.4g}</b>" in html and "30 pixels" in html


def test_each_update_of_the_largest_view_is_right():
    """Driven through the widget (callback, ranges, compute, HTML). Its speed is measured by
    `make bench` (tools/bench.py), never asserted here."""
    explorer = viz.kernel_gradient_explorer()
    view, c = explorer.children[1], controls_of(explorer)
    c["kernel KH"].value, c["kernel KW"].value, c["padding p"].value = 4, 4, 2  # the largest view
    c["stride s"].value = 2
    moves = [("tap u", 1), ("tap u", 3), ("tap v", 2), ("dilation d", 3), ("tap v", 0)]
    moves += [(DELTA, "one-hot"), ("kernel KH", 3), ("dilation d", 1), (DELTA, "all ones")]
    moves += [("kernel KW", 2), ("tap u", 0), ("stride s", 3), (DELTA, "random")]
    for name, value in moves:
        before = view.value
        c[name].value = value
        shown, state = view.value, (name, value)
        assert shown != before and "No picture" not in shown, state
        assert f"dL/dK[{c['tap u'].value},{c['tap v'].value}]" in shown, state
        assert ("dilate<sub>" in shown) == (c["stride s"].value > 1), state


def test_tap_and_dilation_ranges_follow_the_kernel_and_the_padding():
    explorer = viz.kernel_gradient_explorer()
    c = controls_of(explorer)
    assert set(c) == set(widgets_conv.CONTROL_DESCRIPTIONS.values())
    assert (c["tap u"].max, c["tap v"].max, c["dilation d"].max) == (2, 2, 3)
    c["tap u"].value = 2
    c["kernel KH"].value = 1  # tap u is clamped to 0 and disabled; the view follows at once
    assert (c["tap u"].value, c["tap u"].max, c["tap u"].disabled) == (0, 0, True)
    assert "dL/dK[0,0]" in explorer.children[1].value
    c["kernel KH"].value, c["kernel KW"].value = 4, 2
    assert (c["tap u"].max, c["tap v"].max, c["tap u"].disabled) == (3, 1, False)
    assert c["dilation d"].max == 2  # 3*(4-1)+1 = 10 rows would not fit the 7 rows of X
    c["padding p"].value = 2
    c["dilation d"].value = 3  # fits the 11 rows of X_p
    c["padding p"].value = 0  # no longer fits: the dilation steps down with its maximum
    assert (c["dilation d"].value, c["dilation d"].max) == (2, 2)
    assert "No picture" not in explorer.children[1].value
    c["δ = dL/dY"].value = "one-hot"
    assert "exactly the patch" in explorer.children[1].value
    # A 1x1 kernel reads one pixel whatever the dilation: the dilation slider steps down to 1
    # and is disabled, like the taps; a wider kernel enables it again.
    c["kernel KH"].value, c["kernel KW"].value = 1, 1
    slider = c["dilation d"]
    assert (slider.value, slider.max, slider.disabled) == (1, 1, True)
    assert c["tap u"].disabled and c["tap v"].disabled
    assert not (c["kernel KH"].disabled or c["kernel KW"].disabled or c["stride s"].disabled)
    c["kernel KW"].value = 2
    assert (slider.max, slider.disabled, c["tap v"].disabled) == (3, False, False)


def test_a_custom_input_gets_ranges_that_fit_it():
    explorer = viz.kernel_gradient_explorer(np.arange(10).reshape(2, 5))
    c = controls_of(explorer)
    assert (c["kernel KH"].max, c["kernel KH"].value, c["kernel KW"].max) == (2, 2, 4)
    assert "Y has shape (1, 3)" in explorer.children[1].value
    disabled = {name for name, control in c.items() if control.disabled}
    assert disabled == {"dilation d"}  # a 2-row kernel on 2 rows: no room to dilate it


def test_a_slider_with_a_single_value_is_disabled():
    explorer = viz.kernel_gradient_explorer(np.arange(5.0).reshape(1, 5))  # one row: KH is 1
    c = controls_of(explorer)
    assert (c["kernel KH"].min, c["kernel KH"].max, c["kernel KH"].disabled) == (1, 1, True)
    assert c["tap u"].disabled and not c["tap v"].disabled and not c["kernel KW"].disabled
    assert "Y has shape (1, 3)" in explorer.children[1].value
    explorer = viz.kernel_gradient_explorer(np.ones((1, 1)))  # one pixel: nothing to move but
    disabled = {name for name, control in controls_of(explorer).items() if control.disabled}
    assert disabled == {"kernel KH", "kernel KW", "tap u", "tap v", "dilation d"}  # s, p, delta
    assert "dL/dK[0,0]" in explorer.children[1].value


# The enumeration below drives the real ipywidgets objects through every state a reader can
# reach: each control is set to every value its current range allows, in this order (later
# ranges depend only on earlier controls), re-reading the ranges after every change.
ORDER = ["kernel KH", "kernel KW", "padding p", "dilation d", "stride s", "tap u", "tap v"]
DELTA = "δ = dL/dY"


def choices(control):
    options = getattr(control, "options", None)
    return list(options) if options is not None else list(range(control.min, control.max + 1))


def walk(controls, names, visit):
    if not names:
        visit()
        return
    control = controls[names[0]]
    for value in choices(control):
        control.value = value
        walk(controls, names[1:], visit)


def valid_states():
    """Every valid state, counted from the geometry alone (independent of the explorer).

    A 1x1 kernel reads one pixel whatever its dilation, so only d = 1 counts for it (the
    explorer disables the dilation slider there rather than offer a control that does nothing).
    """
    count = 0
    for kh, kw, p, d, s in itertools.product(
        range(1, 5), range(1, 5), range(3), (1, 2, 3), (1, 2, 3)
    ):
        if (kh, kw) == (1, 1) and d > 1:
            continue
        try:
            F.conv2d_output_shape(7, 8, (kh, kw), stride=s, padding=p, dilation=d)
        except ValueError:
            continue
        count += kh * kw * len(explain.DELTA_KINDS)
    return count


def test_every_reachable_state_of_the_explorer_is_valid_and_shows_the_cores_answer():
    explorer = viz.kernel_gradient_explorer()
    view, controls = explorer.children[1], controls_of(explorer)
    x = explain.explorer_input()
    seen = set()

    @functools.cache
    def core_answer(kh, kw, p, d, s, kind):
        """Output shape and dL/dK by the core itself, for the explorer's X and delta."""
        out_hw = F.conv2d_output_shape(7, 8, (kh, kw), stride=s, padding=p, dilation=d)
        delta = explain.explorer_delta(out_hw, kind=kind)
        _, cache = F.conv2d_forward(
            x[None, None], np.zeros((1, 1, kh, kw)), stride=s, padding=p, dilation=d
        )
        return out_hw, F.conv2d_backward(delta[None, None], cache)[1][0, 0]

    def visit():
        state = {name: controls[name].value for name in [*ORDER, DELTA]}
        kh, kw, p, d, s, u, v, kind = state.values()
        seen.add(tuple(state.values()))
        for name in ORDER:  # a slider is disabled exactly when it has a single value
            assert controls[name].disabled == (controls[name].min == controls[name].max), state
        shown = view.value
        assert "No picture" not in shown, state
        assert u < kh and v < kw, state
        out_hw, dk = core_answer(kh, kw, p, d, s, kind)
        summed = float(re.search(r'data-dk="([^"]+)">([^<]+)</b>', shown)[1])
        assert np.isclose(summed, dk[u, v], rtol=1e-12, atol=1e-12), state
        assert f"(the core's conv2d_backward: {dk[u, v]:.4g})" in shown, state
        assert f"Y has shape {out_hw}" in shown and f"dL/dK[{u},{v}]" in shown, state
        assert ("dilate<sub>" in shown) == (s > 1), state
        if s > 1:
            via = float(re.search(r'data-dilated="([^"]+)"', shown)[1])
            assert np.isclose(via, dk[u, v], rtol=1e-12, atol=1e-12), state
        inserted = s > 1 and max(out_hw) > 1  # dilate_s puts zeros between entries
        assert (widgets_conv.HATCHED in shown) == (p > 0 or inserted), state
        assert ("exactly the patch" in shown) == (kind == "one-hot"), state
        assert ("box sum" in shown) == (kind == "all ones"), state

    for kind in choices(controls[DELTA]):
        controls[DELTA].value = kind
        walk(controls, ORDER, visit)
    assert len(seen) == valid_states()  # every valid state was reached, each once


def test_matrix_html_rejects_wrong_ndim_and_shows_no_negative_zero():
    with pytest.raises(ValueError, match="a must be 2-D"):
        viz.matrix_html(np.zeros(3))
    assert ">-0<" not in viz.matrix_html(np.array([[-0.0, 1.0]]))


def test_matrix_html_escapes_the_title_and_scales_unsigned_data_min_to_max():
    table = viz.matrix_html(np.array([[2.0, 5.0]]), title="<X>")
    assert "&lt;X&gt;" in table and "<X>" not in table
    backgrounds = re.findall(r"background:([^;]+);", table)
    assert backgrounds == ["#440154", "#fde725"]  # viridis, from the minimum to the maximum
    gray = re.findall(r"background:([^;]+);", viz.matrix_html([[2.0, 5.0]], cmap=viz.IMAGE_CMAP))
    assert gray == ["#000000", "#ffffff"]
    with pytest.raises(ValueError, match="a must not be empty"):
        viz.matrix_html(np.zeros((0, 3)))


def test_row_html_places_blocks_side_by_side():
    assert viz.row_html("<i>a</i>", "<i>b</i>").count("display:flex") == 1


# ----------------------------------------------------------------------------- the static twin:
# kernel_tap_figure and dilated_delta_figure show the explorer's panels for one state


def hatched(ax):
    """The hatched cells of a panel, as (row, col)."""
    return {(round(p.get_y() + 0.5), round(p.get_x() + 0.5)) for p in ax.patches if p.get_hatch()}


def test_the_figure_of_a_strided_padded_state_adds_the_dilated_delta_panel():
    x, delta = explain.explorer_data(kernel_size=(2, 3), stride=2, padding=1)
    fig = viz.kernel_tap_figure(x, delta, 1, 2, kernel_size=(2, 3), stride=2, padding=1)
    t = explain.kernel_tap_terms(x, delta, 1, 2, kernel_size=(2, 3), stride=2, padding=1)
    assert len(fig.axes) == 5  # X_p, delta, products, dL/dK, then dilate_s(delta)
    ax_x, ax_d, ax_p, ax_k, ax_z = fig.axes
    np.testing.assert_array_equal(ax_x.images[0].get_array(), t.xp)
    assert hatched(ax_x) == {(i, j) for i, j in np.ndindex(9, 10) if not (0 < i < 8 and 0 < j < 9)}
    ii, jj = np.meshgrid(t.rows, t.cols, indexing="ij")  # outlined: what the tap reads, in X_p
    np.testing.assert_array_equal(ax_x.collections[0].get_offsets(), np.c_[jj.ravel(), ii.ravel()])
    np.testing.assert_array_equal(ax_z.images[0].get_array(), F.dilate2d(delta, 2))
    assert hatched(ax_z) == {(i, j) for i, j in np.ndindex(7, 7) if i % 2 or j % 2}
    assert ax_z.get_title().splitlines()[1] == (
        f"dL/dK[1,2] = (X_p ⋆ dilate_2(δ))[1,2] = {t.via_dilated:.3g}"
    )
    assert ax_x.get_position().x0 < ax_d.get_position().x0 < ax_z.get_position().x0
    assert ax_z.get_position().x0 < ax_p.get_position().x0 < ax_k.get_position().x0
    np.testing.assert_array_equal(ax_k.images[0].get_array(), t.dk)
    assert ax_x.get_title() == "X_p (padding 1): pixels tap (1,2) reads" and not fig.get_suptitle()


def test_the_figure_says_what_a_one_hot_or_all_ones_delta_makes_of_dk():
    x, delta = explain.explorer_data(kernel_size=3, stride=2, delta_kind="one-hot")
    fig = viz.kernel_tap_figure(x, delta, 0, 0, kernel_size=3, stride=2)
    assert fig.get_suptitle().startswith("δ is one-hot at (1,1): dL/dK is exactly the patch of X")
    dashed = [p for p in fig.axes[0].patches if p.get_linestyle() == "--"]
    assert {(round(p.get_y() + 0.42), round(p.get_x() + 0.42)) for p in dashed} == {
        (2 + a, 2 + b) for a, b in np.ndindex(3, 3)
    }
    x, delta = explain.explorer_data(kernel_size=3, padding=2, delta_kind="all ones")
    fig = viz.kernel_tap_figure(x, delta, 0, 0, kernel_size=3, padding=2)
    assert "box sum of X_p" in fig.get_suptitle() and len(fig.axes) == 4
    dk = fig.axes[3].images[0].get_array()
    assert dk[0, 0] == np.pad(x, 2)[:9, :10].sum() == 248  # tap (0, 0) reads rows 0..8, cols 0..9
    assert [t.get_text() for t in fig.axes[3].texts] == [
        f"{v:.0f}" for v in dk.ravel()
    ]  # not 2.5e+02


def test_the_default_state_figure_keeps_its_four_panels():
    x, delta = explain.explorer_data()
    fig = viz.kernel_tap_figure(x, delta, 0, 0, kernel_size=3)
    assert len(fig.axes) == 4 and not fig.get_suptitle() and not hatched(fig.axes[0])
    assert fig.axes[0].get_title() == "X: pixels tap (0,0) reads"


def test_dilated_delta_figure_shows_delta_beside_its_dilation():
    delta = explain.explorer_delta((3, 2))
    fig = plots_conv.dilated_delta_figure(delta, (2, 3))
    ax_d, ax_z = fig.axes
    np.testing.assert_array_equal(ax_d.images[0].get_array(), delta)
    np.testing.assert_array_equal(ax_z.images[0].get_array(), F.dilate2d(delta, (2, 3)))
    assert hatched(ax_z) == {(i, j) for i, j in np.ndindex(5, 4) if i % 2 or j % 3}
    assert ax_d.get_title() == "δ (3x2)"
    assert ax_z.get_title() == "dilate_(2,3)(δ) (5x4): 1 / 2 zeros between rows / columns"
    fig = plots_conv.dilated_delta_figure(delta, 3)
    assert fig.axes[1].get_title() == "dilate_3(δ) (7x4): 2 zeros between neighbours"
    assert not hatched(plots_conv.dilated_delta_figure(delta, 1).axes[1])
    with pytest.raises(ValueError, match="stride must be >= 1"):
        plots_conv.dilated_delta_figure(delta, 0)
    with pytest.raises(ValueError, match="delta must be 2-D"):
        plots_conv.dilated_delta_figure(np.zeros((1, 2, 2)), 2)


def tables(view):
    """The cells of each table in a view, as (style that colours it, text), table by table."""
    cell = r'<td style="(background:[^;]+;color:[^;]+);[^"]*">([^<]*)</td>'
    return [re.findall(cell, table) for table in view.split("<table")[1:]]


def test_the_explorers_tables_colour_cells_exactly_as_matrix_html():
    """X (grey, min to max), delta, the products and dL/dK (centred on 0), as matrix_html."""
    rng = np.random.default_rng(0)
    for k in range(120):
        x = np.round(rng.standard_normal(tuple(rng.integers(1, 7, 2))) * 10 ** (k % 3 - 1), k % 3)
        x = np.abs(x) if k % 4 == 0 else x
        kernel = (min(2, x.shape[0]), min(2, x.shape[1]))
        kind = explain.DELTA_KINDS[k % 3]
        view = viz.kernel_tap_html(x, 0, 0, kernel_size=kernel, delta_kind=kind, seed=k)
        _, delta = explain.explorer_data(kernel_size=kernel, delta_kind=kind, seed=k, x=x)
        t = explain.kernel_tap_terms(x, delta, 0, 0, kernel_size=kernel)
        theirs = [viz.matrix_html(x, symmetric=False, cmap=viz.IMAGE_CMAP)]
        theirs += [viz.matrix_html(a, symmetric=True) for a in (delta, t.products, t.dk)]
        ours = tables(view)
        assert len(ours) == 4, k  # stride 1, no padding: X, delta, products, dL/dK
        for panel, (mine, reference) in enumerate(zip(ours, (tables(h)[0] for h in theirs))):
            assert [paint for paint, _ in mine] == [paint for paint, _ in reference], (k, panel)
        assert ours[2] == tables(theirs[2])[0], k  # the products: the same text ("{:.2g}") too


def test_hatched_cells_are_left_out_of_the_colour_scale():
    """Padding (zeros) must not stretch X's scale: the unpadded cells span it, min to max."""
    x = explain.explorer_input() + 5  # 5..14: a zero of padding would darken every cell
    padded, plain = (viz.kernel_tap_html(x, 0, 0, padding=p) for p in (1, 0))
    coloured = [c for c in tables(padded)[0] if not widgets_conv.HATCHED.startswith(c[0])]
    assert coloured == tables(plain)[0]  # hatched cells have no colour of their own
    assert padded.count(widgets_conv.HATCHED) == 9 * 10 - 7 * 8
