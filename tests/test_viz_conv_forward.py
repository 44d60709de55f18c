"""Chapter 03's explorers and figures: every reachable state is valid, and the view, read back
through its classes and data attributes, shows the core's numbers."""

import base64
import html
import itertools
import re
from io import BytesIO

import numpy as np
import pytest
from conftest import fits, noisy_sobel, per_axis, run_python
from matplotlib import colormaps
from matplotlib.image import imread

from cnnbp_core import functional as F
from cnnbp_core.data import kernels as kernel_data
from cnnbp_core.data.photo import sample_photo
from cnnbp_core.explain import conv_arithmetic as arithmetic
from cnnbp_core.explain import feature_maps
from cnnbp_core.explain.toeplitz import conv_matrix_taps
from cnnbp_core.viz import DIVERGING_CMAP, IMAGE_CMAP, save_figure
from cnnbp_core.viz.plots import conv_forward as plots
from cnnbp_core.viz.widgets import conv_arithmetic as arithmetic_widget
from cnnbp_core.viz.widgets import feature_maps as maps_widget


def test_importing_the_explorers_does_not_import_ipywidgets():
    code = """
import sys
import cnnbp_core.viz.widgets.conv_arithmetic, cnnbp_core.viz.widgets.feature_maps
print("ipywidgets" in sys.modules)
"""
    assert run_python(code).strip() == "False"


# ----------------------------------------------------------------------------- reading views back


CELL = re.compile(
    r'<td class="cell ([^"]+)" data-row="(\d+)" data-col="(\d+)"( data-tap="([^"]+)")?'
)


def xp_cells(view):
    """{(row, col): (set of classes, tap or None)} of the X_p table."""
    table = view.split('<table class="grid xp"')[1].split("</table>")[0]
    return {
        (int(r), int(c)): (set(kind.split()), tap or None)
        for kind, r, c, _, tap in CELL.findall(table)
    }


def y_cells(view):
    table = view.split('<table class="grid y"')[1].split("</table>")[0]
    return {(int(r), int(c)): set(kind.split()) for kind, r, c, _, _ in CELL.findall(table)}


def formula(view, axis):
    out = re.search(rf'<div class="formula" data-axis="{axis}" data-value="(\d+)"', view)[1]
    terms = view.split(f'<div class="terms" data-axis="{axis}"')[1].split("</div>")[0]
    return int(out), {
        k: int(v) for k, v in re.findall(r'data-term="(\w+)" data-value="(\d+)"', terms)
    }


def unread_sources(view, axis):
    """{source: tuple of X_p rows (or columns)} of the view's ``div.unread`` for one axis."""
    found = re.search(
        rf'<div class="unread" data-axis="{axis}" data-below="([\d ]*)" '
        r'data-between-windows="([\d ]*)" data-between-taps="([\d ]*)"',
        view,
    )
    names = ("below", "between_windows", "between_taps")
    return {name: tuple(map(int, value.split())) for name, value in zip(names, found.groups())}


MINUS_ZERO = re.compile(r"(?<![\d.])[-−]0(?:\.0*)?(?![\d.]*[1-9])")  # "-0", "-0.00", not "-0.5"


def check_counts_agree_with_their_nouns(text):
    """No "1 pixels" or "rows 3": a noun is singular exactly when its count is 1."""
    assert not re.search(r"\b1 (pixels|rows|columns|steps|zeros)\b", text), text
    assert not re.search(r"\b([02-9]|\d\d+) (pixel|row|column|step)\b(?!s)", text), text
    for noun, numbers in re.findall(r"\b(rows?|columns?) (\d+(?:, \d+)*)", text):
        assert noun.endswith("s") == ("," in numbers), (noun, numbers)


def check_arithmetic_view(view, in_hw, kernel, s, p, d, at):
    """The view against the core's output shape and the forward rule, cell by cell; s, p and d
    are ints or (h, w) pairs."""
    assert "No picture" not in view
    ho, wo = F.conv2d_output_shape(*in_hw, kernel, stride=s, padding=p, dilation=d)
    assert f'data-out-h="{ho}" data-out-w="{wo}"' in view
    cells = xp_cells(view)
    (sh, sw), (ph, pw), (dh, dw) = per_axis(s), per_axis(p), per_axis(d)
    hp, wp = in_hw[0] + 2 * ph, in_hw[1] + 2 * pw
    assert set(cells) == set(np.ndindex(hp, wp))
    pad = np.ones((hp, wp), bool)  # X sits inside p_h rows and p_w columns of zeros
    pad[ph : ph + in_hw[0], pw : pw + in_hw[1]] = False
    (i, j), (kh, kw) = at, kernel
    taps = {(i * sh + u * dh, j * sw + v * dw): f"{u},{v}" for u, v in np.ndindex(kh, kw)}
    ever = {(a * sh + u * dh, b * sw + v * dw) for a, b, u, v in np.ndindex(ho, wo, kh, kw)}
    rows_read, cols_read = {r for r, _ in ever}, {c for _, c in ever}
    for (r, c), (kind, tap) in cells.items():
        assert ("pad" in kind) == pad[r, c] and ("x" in kind) != pad[r, c], (r, c)
        assert tap == taps.get((r, c)) and ("read" in kind) == ((r, c) in taps), (r, c)
        unread = r not in rows_read or c not in cols_read  # read ⇔ some output reads it
        assert ("unread" in kind) == unread == ((r, c) not in ever), (r, c)
    out = y_cells(view)
    assert set(out) == set(np.ndindex(ho, wo))
    assert [rc for rc, kind in out.items() if "chosen" in kind] == [(i, j)]
    along = (("H", in_hw[0], kh, ho, sh, ph, dh), ("W", in_hw[1], kw, wo, sw, pw, dw))
    for axis, n, k, n_out, s_axis, p_axis, d_axis in along:
        value, terms = formula(view, axis)
        expected = arithmetic.output_size_terms(n, k, s_axis, p_axis, d_axis)
        assert value == n_out and terms == {t: getattr(expected, t) for t in terms}
        assert len(terms) == 7
        # the unread rows (columns) of X by source, against the forward rule's reads
        sources = unread_sources(view, axis)
        assert sources == expected.unread_rows()._asdict()
        size, read = (hp, rows_read) if axis == "H" else (wp, cols_read)
        assert sorted(sum(sources.values(), ())) == sorted(set(range(p_axis, size - p_axis)) - read)
    check_counts_agree_with_their_nouns(re.sub(r"<[^>]+>", " ", view))


@pytest.mark.parametrize(
    ("in_hw", "kernel", "s", "p", "d", "at"),
    [
        ((5, 5), (3, 3), 2, 1, 1, (0, 0)),
        ((7, 6), (3, 2), 3, 1, 2, (1, 1)),
        ((9, 4), (5, 1), 1, 2, 2, (4, 7)),
        ((1, 1), (1, 1), 3, 2, 1, (1, 1)),
        ((6, 8), (2, 4), 2, 0, 1, (2, 1)),
        # a different stride, padding and dilation per axis: swapping the axes anywhere fails
        ((7, 6), (3, 2), (1, 3), (2, 0), (1, 2), (4, 1)),
        ((5, 9), (2, 3), (3, 1), (0, 2), (2, 1), (0, 6)),
        ((6, 6), (3, 3), (2, 1), (1, 2), (1, 3), (2, 3)),
    ],
)
def test_the_arithmetic_view_shows_the_forward_rule_cell_by_cell(in_hw, kernel, s, p, d, at):
    view = arithmetic_widget.conv_arithmetic_html(
        in_hw, kernel, stride=s, padding=p, dilation=d, at=at
    )
    check_arithmetic_view(view, in_hw, kernel, s, p, d, at)


def test_the_arithmetic_view_substitutes_the_numbers_into_the_formula():
    view = arithmetic_widget.conv_arithmetic_html((7, 6), (3, 2), stride=3, padding=1, dilation=2)
    assert (
        "H_out = ⌊(H + 2p − d(KH − 1) − 1) / s⌋ + 1 = ⌊(7 + 2·1 − 2·(3 − 1) − 1) / 3⌋ + 1" in view
    )
    assert "⌊5 / 3⌋ + 1 = 2" in view  # columns: 6 + 2 - 2 - 1 = 5
    assert "leaving 2 columns of X_p right of the last window (1 in X, 1 padding)" in view
    assert "rows 0, 2, 4, columns 0, 2 (6 pixels, 4 of them padding zeros)" in view
    # columns 0, 2 and 3, 5 are read: 1 and 4 fall between taps, 6 (of X) after the last window
    assert (
        "Columns of X read by no output: X_p columns 1, 4, between the taps of the dilated "
        "kernel (d = 2); X_p column 6, right of the last window"
    ) in view


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "says"),
    [
        (8, 3, 2, 1, 1, "Every row of X is read by some output"),  # the leftover row: padding
        (8, 2, 3, 0, 1, "X_p rows 2, 5, between windows (s = 3 &gt; d(KH − 1) + 1 = 2)"),
        (8, 3, 3, 0, 2, "X_p rows 1, 6, between the taps of the dilated kernel (d = 2)"),
        (7, 1, 3, 0, 1, "X_p rows 1, 2, 4, 5, between windows"),
        (
            8,
            1,
            3,
            0,
            1,
            "1, 2, 4, 5, between windows (s = 3 &gt; d(KH − 1) + 1 = 1); X_p row 7, below",
        ),
    ],
)
def test_the_view_says_why_each_unread_row_of_x_is_unread(n, k, s, p, d, says):
    view = arithmetic_widget.conv_arithmetic_html(
        (n, 5), (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1)
    )
    assert says in view.split('<div class="unread" data-axis="H"')[1].split("</div>")[0]
    fig = plots.conv_arithmetic_figure(
        (n, 5), (k, 1), stride=(s, 1), padding=(p, 0), dilation=(d, 1)
    )
    assert html.unescape(says) in fig.get_supxlabel()


def test_counts_and_their_nouns_agree_with_a_1x1_kernel():
    view = arithmetic_widget.conv_arithmetic_html((1, 1), 1, stride=3, padding=2, at=(1, 1))
    assert "row 3, column 3 (1 pixel, a padding zero)" in view
    assert (
        "it can move 4 rows: 1 step of 3 (3 rows) fits, leaving 1 row of X_p below the last window"
    ) in view
    assert "X_p row 2, between windows" in view
    check_counts_agree_with_their_nouns(re.sub(r"<[^>]+>", " ", view))
    title = plots.conv_arithmetic_figure((3, 3), 1, stride=1, padding=0).axes[0].get_title()
    assert title.endswith("output (0,0) reads 1 pixel, in X")


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "says"),
    [
        (5, 3, 2, 1, "it can move 4 rows: 2 steps of 2 (4 rows) fit, leaving 0 rows"),
        (8, 3, 2, 1, "it can move 7 rows: 3 steps of 2 (6 rows) fit, leaving 1 row"),
        (4, 1, 5, 0, "it can move 3 rows: 0 steps of 5 (0 rows) fit, leaving 3 rows"),
        (
            1,
            1,
            5,
            2,
            "it can move 4 rows: 0 steps of 5 (0 rows) fit, leaving 4 rows of X_p below "
            "the last window (1 in X, 3 padding)",
        ),  # fmt: skip
    ],
)
def test_the_output_size_words_say_how_far_the_window_moves_and_what_is_left(n, k, s, p, says):
    """The room, the steps that fit and the rows they cover, and the rows left over: true with
    and without a remainder (the words once said "it moves 7 rows in 3 steps of 2")."""
    t = arithmetic.output_size_terms(n, k, s, p)
    words = plots.output_size_text(t)[1]
    assert says in words
    numbers = r"move (\d+) rows: (\d+) steps? of \d+ \((\d+) rows?\) fits?, leaving (\d+)"
    room, steps, covered, left = map(int, re.search(numbers, words).groups())
    assert (room, steps, left) == (t.room, t.steps, t.leftover)
    assert covered == steps * s and covered + left == room


def test_the_text_helpers_refuse_what_is_not_output_size_terms():
    for helper in (plots.output_size_text, plots.unread_text):
        with pytest.raises(TypeError, match="terms must be an OutputSizeTerms"):
            helper((5, 3, 2, 1, 1))


def test_every_view_says_no_picture_the_same_way():
    """One helper (viz.html.no_picture_html) writes the message of all three explorers' views."""
    from cnnbp_core.explain.conv import explorer_input
    from cnnbp_core.viz.html import no_picture_html
    from cnnbp_core.viz.widgets import conv as gradient_widget

    views = [
        gradient_widget.kernel_tap_html(explorer_input(), 0, 0, kernel_size=4, dilation=3),
        arithmetic_widget.conv_arithmetic_html((3, 3), 4, padding=0),
        maps_widget.feature_map_html("sobel"),
    ]
    head = no_picture_html(ValueError("why")).split("why")[0]
    assert head.startswith('<div class="no-picture"')
    for view in views:
        assert view.startswith(head) and view.endswith("</div>") and view.count("<div") == 1


def test_arguments_with_no_answer_give_a_message_not_a_traceback():
    assert "does not fit" in arithmetic_widget.conv_arithmetic_html((3, 3), 4, padding=0)
    assert "outside the 3x3 output" in arithmetic_widget.conv_arithmetic_html(at=(3, 0))
    assert "stride must be &gt;= 1" in arithmetic_widget.conv_arithmetic_html(stride=0)


# ----------------------------------------------------------------------------- the explorer


def controls_of(explorer):
    return {c.description: c for box in explorer.children[0].children for c in box.children}


NAMES = arithmetic_widget.CONTROL_DESCRIPTIONS


def state_of(controls):
    return {name: controls[label].value for name, label in NAMES.items()}


def check_explorer_state(explorer):
    controls = controls_of(explorer)
    c = state_of(controls)
    for label, control in controls.items():
        assert control.min <= control.value <= control.max, (label, c)
        assert control.disabled == (control.min == control.max), (label, c)
    in_hw, kernel = (c["h"], c["w"]), (c["kernel_h"], c["kernel_w"])
    ho, wo = F.conv2d_output_shape(
        *in_hw, kernel, stride=c["stride"], padding=c["padding"], dilation=c["dilation"]
    )
    assert controls[NAMES["i"]].max == ho - 1 and controls[NAMES["j"]].max == wo - 1, c
    limits = arithmetic.ARITHMETIC_LIMITS
    assert controls[NAMES["kernel_h"]].max == min(limits["kernel"], c["h"]), c
    top = controls[NAMES["dilation"]].max  # the largest dilation that fits (1 for a 1x1 K)
    assert fits(in_hw, kernel, padding=c["padding"], dilation=top), c
    if kernel == (1, 1):
        assert top == 1, c
    else:
        assert top == limits["dilation"] or not fits(
            in_hw, kernel, padding=c["padding"], dilation=top + 1
        ), c
    view = explorer.children[1].value
    check_arithmetic_view(
        view, in_hw, kernel, c["stride"], c["padding"], c["dilation"], (c["i"], c["j"])
    )
    return c


def test_the_arithmetic_explorer_starts_at_its_starting_state():
    explorer = arithmetic_widget.conv_arithmetic_explorer()
    assert check_explorer_state(explorer) == arithmetic.ARITHMETIC_START
    assert set(controls_of(explorer)) == set(NAMES.values())
    explorer = arithmetic_widget.conv_arithmetic_explorer(h=7, kernel_w=2, i=2)
    assert check_explorer_state(explorer)["i"] == 2
    with pytest.raises(ValueError, match="start may only set"):
        arithmetic_widget.conv_arithmetic_explorer(kernel=3)
    with pytest.raises(ValueError, match=r"i = 5 must lie in \[0, 2\]"):
        arithmetic_widget.conv_arithmetic_explorer(i=5)


def test_a_random_walk_through_the_arithmetic_explorer_only_meets_valid_states():
    """Each move sets one slider to any value of its current range (the ends more often)."""
    explorer = arithmetic_widget.conv_arithmetic_explorer()
    controls = controls_of(explorer)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(600):
        control = controls[list(NAMES.values())[rng.integers(len(NAMES))]]
        if control.disabled:
            continue
        ends = (control.min, control.max)
        control.value = int(
            rng.choice(ends) if rng.random() < 0.4 else rng.integers(*ends, endpoint=True)
        )
        seen.add(tuple(check_explorer_state(explorer).values()))
    assert len(seen) > 300  # the walk went places


def test_shrinking_the_input_clamps_the_kernel_dilation_and_output_pixel_in_order():
    explorer = arithmetic_widget.conv_arithmetic_explorer()
    controls = controls_of(explorer)
    for name, value in [("h", 9), ("kernel_h", 5), ("padding", 2), ("dilation", 3), ("stride", 1)]:
        controls[NAMES[name]].value = value
    controls[NAMES["i"]].value = controls[NAMES["i"]].max
    controls[NAMES["padding"]].value = 0  # 3*(5-1)+1 = 13 rows no longer fit 9: d drops to 2
    assert controls[NAMES["dilation"]].value == 2
    controls[NAMES["h"]].value = 3  # KH drops to 3, then d to 1, then i to 0
    c = check_explorer_state(explorer)
    assert (c["kernel_h"], c["dilation"], c["i"]) == (3, 1, 0)
    assert controls[NAMES["i"]].disabled
    controls[NAMES["h"]].value, controls[NAMES["w"]].value = 1, 1  # one pixel: K is 1x1
    c = check_explorer_state(explorer)
    assert controls[NAMES["kernel_h"]].disabled and controls[NAMES["dilation"]].disabled


# ----------------------------------------------------------------------------- the feature maps


def decode(uri):
    """The PNG's pixels as RGB in [0, 1] (a grey image is stored with one channel)."""
    pixels = imread(BytesIO(base64.b64decode(uri.split(",", 1)[1])), format="png")
    return np.stack([pixels] * 3, axis=-1) if pixels.ndim == 2 else pixels[..., :3]


def images(view):
    found = re.findall(
        r'<figure class="(\w+)".*?<img class="image" data-shape="(\d+)x(\d+)" src="([^"]+)"', view
    )
    return {cls: ((int(h), int(w)), decode(uri)) for cls, h, w, uri in found}


def test_the_feature_map_view_shows_the_kernel_and_the_cores_map():
    rng = np.random.default_rng(1)
    photo = rng.uniform(0, 1, (23, 30))
    for name, s, p, d, scale in [
        ("sobel_x", 1, 0, 1, 1.0),
        ("gaussian_blur", 2, 3, 2, -0.5),
        ("laplacian", 3, 1, 4, 2.0),
    ]:
        view = maps_widget.feature_map_html(
            name, stride=s, padding=p, dilation=d, scale=scale, photo=photo
        )
        k = kernel_data.KERNELS[name] * scale
        y, _ = F.conv2d_forward(photo[None, None], k[None, None], stride=s, padding=p, dilation=d)
        y = y[0, 0]
        weights = re.findall(
            r'<td class="weight" data-u="(\d)" data-v="(\d)" data-value="([^"]+)"', view
        )
        assert [(int(u), int(v)) for u, v, _ in weights] == list(np.ndindex(3, 3))
        assert [float(w) for _, _, w in weights] == k.ravel().tolist()
        summary = re.search(
            r'data-shape="(\d+)x(\d+)" data-low="([^"]+)" data-high="([^"]+)"', view
        )
        assert (int(summary[1]), int(summary[2])) == y.shape
        assert (float(summary[3]), float(summary[4])) == (y.min(), y.max())
        shown = images(view)
        assert shown["photo"][0] == photo.shape and shown["photo"][1].shape[:2] == photo.shape
        assert shown["map"][0] == y.shape and shown["map"][1].shape[:2] == y.shape
        m = feature_maps.feature_map(photo, k, stride=s, padding=p, dilation=d)
        cmap = colormaps[DIVERGING_CMAP if m.centred else IMAGE_CMAP]
        (low, high) = m.scale  # every pixel coloured by the map's scale, the ends saturating
        expected = cmap(np.clip((y - low) / (high - low), 0, 1))[..., :3]
        np.testing.assert_allclose(shown["map"][1][..., :3], expected, atol=1.01 / 255)
        assert f'data-kernel="{name}"' in view and ("blue negative" in view) == m.centred


def test_a_kernel_with_rounding_noise_is_shown_and_drawn_as_the_edge_detector_it_is():
    noisy = noisy_sobel()  # -Sobel x + 1e-12 · pattern: what a learned kernel looks like
    assert 0 < noisy.sum() < 1e-9 * np.abs(noisy).sum()  # noise above 0
    assert (noisy[:, 1] < 0).any()  # a weight of Sobel's zero column that would show as "-0"
    photo = sample_photo(4)
    kernels = {"learned": noisy, "sobel": -kernel_data.SOBEL_X}
    learned, sobel = (
        maps_widget.feature_map_html(name, photo=photo, kernels=kernels) for name in kernels
    )
    assert 'data-sum="0.0"' in learned and "weights summing to 0." in learned
    shown = re.findall(r'<td class="weight"[^>]*data-value="([^"]+)"[^>]*>([^<]*)</td>', learned)
    assert [float(exact) for exact, _ in shown] == noisy.ravel().tolist()
    assert [text for _, text in shown] == ["1", "0", "-1", "2", "0", "-2", "1", "0", "-1"]
    assert "blue negative" in learned and "blue negative" in sobel  # the same, signed scale
    assert images(learned)["map"][1].shape[-1] == 3  # drawn in colour (a grey map: 1 channel)
    np.testing.assert_allclose(images(learned)["map"][1], images(sobel)["map"][1], atol=1.01 / 255)
    fig = plots.feature_map_gallery(photo, kernels)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + [
        ax.get_title() for ax in fig.axes
    ]
    assert not [t for t in texts if MINUS_ZERO.search(t)]
    assert [t.get_text() for t in fig.axes[1].texts][1::3] == ["0.00", "0.00", "0.00"]
    assert fig.axes[2].images[0].get_cmap().name == DIVERGING_CMAP


def test_the_learned_kernel_is_shown_as_sobel_is(learned_kernel):
    """Whatever rounding noise chapter 04's run leaves, its view is Sobel's."""
    photo = sample_photo(4)
    kernels = {"learned": learned_kernel, "sobel": -kernel_data.SOBEL_X}
    learned, sobel = (
        maps_widget.feature_map_html(name, photo=photo, kernels=kernels) for name in kernels
    )
    assert 'data-sum="0.0"' in learned and "blue negative" in learned
    np.testing.assert_allclose(images(learned)["map"][1], images(sobel)["map"][1], atol=1.01 / 255)


def test_the_photo_in_the_view_is_the_photo():
    photo = np.linspace(0, 1, 12 * 14).reshape(12, 14)
    shown = images(maps_widget.feature_map_html("identity", photo=photo))["photo"][1]
    grey = colormaps[IMAGE_CMAP](photo)[..., :3]  # min to max: the photo runs from 0 to 1
    np.testing.assert_allclose(shown[..., :3], grey, atol=1.01 / 255)


def test_the_feature_map_view_takes_extra_kernels_and_names_bad_arguments():
    learned = np.array([[1.0, -1.0], [0.5, 0.0]])
    view = maps_widget.feature_map_html(
        "learned", kernels={"learned": learned}, photo=np.ones((5, 6))
    )
    assert "K = learned" in view and view.count('class="weight"') == 4
    assert "name must be one of" in maps_widget.feature_map_html("sobel")
    assert "does not fit" in maps_widget.feature_map_html("sobel_x", photo=np.ones((2, 2)))
    assert "kernels must be a dict" in maps_widget.feature_map_html(kernels=[learned])
    nan_photo = np.ones((9, 9))
    nan_photo[2, 3] = np.nan
    view = maps_widget.feature_map_html(photo=nan_photo)
    assert "image must be finite; got nan at index (2, 3)" in view and "scale" not in view


def test_the_map_that_is_mostly_zero_says_what_its_scale_is():
    photo = np.zeros((40, 40))
    photo[20, 20] = 5.0
    kernels = {"edge": np.array([[1.0, -1.0]]), "box": np.ones((2, 2)), "zero": np.zeros((2, 2))}
    edge, box, zero = (
        maps_widget.feature_map_html(name, photo=photo, kernels=kernels) for name in kernels
    )
    assert "saturating at ±5 (max |Y|, as the 99th percentile of |Y| is 0)." in edge
    assert "Grey from 0 (black) to 5 (white), the min and max of Y, as its 1st" in box
    assert "saturating at ±1 (Y is all zeros)." in zero
    assert "99th percentile of |Y|)" not in edge + zero  # the percentile is not the scale here
    view = maps_widget.feature_map_html("sobel_x", photo=sample_photo(4))
    assert "saturating at ±" in view and "(the 99th percentile of |Y|)." in view


def test_the_explorer_names_a_bad_kernel():
    for kernel, exc, needle in [
        ("abc", TypeError, r"kernels\['bad'\] must have a floating dtype"),
        (np.ones(3), ValueError, r"kernels\['bad'\] must be 2-D"),
    ]:
        with pytest.raises(exc, match=needle):
            maps_widget.feature_map_explorer(
                kernels={"sobel_x": kernel_data.SOBEL_X, "bad": kernel}
            )


@pytest.mark.parametrize(
    ("a", "scale", "exc", "needle"),
    [
        (np.ones(3), (0.0, 1.0), ValueError, r"a must be 2-D; got shape \(3,\)"),
        (np.ones((2, 2)), (1.0, 1.0), ValueError, r"vmin < vmax; got \(1.0, 1.0\)"),
        (np.ones((2, 2)), (2.0, 1.0), ValueError, "vmin < vmax"),
        (np.ones((2, 2)), (0.0, np.inf), ValueError, "scale must be finite"),
        (np.ones((2, 2)), 1.0, TypeError, "scale must be a .vmin, vmax. pair"),
        (np.ones((2, 2)), (0.0, 1.0, 2.0), ValueError, "scale must be a .vmin, vmax. pair"),
        (np.array([["a"]]), (0.0, 1.0), TypeError, "a must be a numeric array"),
    ],
)
def test_png_data_uri_names_its_bad_arguments(a, scale, exc, needle):
    with pytest.raises(exc, match=needle):
        maps_widget.png_data_uri(a, centred=False, scale=scale)


def test_every_state_of_the_feature_map_explorer_is_valid():
    """All kernels, strides, paddings and dilations (scale 1), then every scale: on a small photo,
    so that walking all of them stays quick."""
    photo = np.random.default_rng(2).uniform(0, 1, (13, 17))
    explorer = maps_widget.feature_map_explorer(photo=photo)
    controls = {c.description: c for c in explorer.children[0].children}
    label = maps_widget.CONTROL_DESCRIPTIONS
    sliders = [controls[label[n]] for n in ("stride", "padding", "dilation")]
    assert [(s.min, s.max) for s in sliders] == [(1, 4), (0, 3), (1, 4)]  # 3*4+1 = 13 rows
    values = [range(s.min, s.max + 1) for s in sliders]
    count = 0
    for name, *state in itertools.product(kernel_data.KERNEL_NAMES, *values):
        controls[label["name"]].value = name
        for slider, value in zip(sliders, state):
            slider.value = value
        s, p, d = state
        out_hw = F.conv2d_output_shape(13, 17, 3, stride=s, padding=p, dilation=d)
        view = explorer.children[1].value
        assert "No picture" not in view and f'data-shape="{out_hw[0]}x{out_hw[1]}"' in view
        count += 1
    assert count == len(kernel_data.KERNEL_NAMES) * 4 * 4 * 4
    for scale in maps_widget.SCALES:
        controls[label["scale"]].value = scale
        assert "No picture" not in explorer.children[1].value


def test_the_explorer_dilation_stops_where_the_largest_kernel_still_fits():
    explorer = maps_widget.feature_map_explorer(
        photo=np.ones((9, 20)),
        kernels={"wide": np.ones((5, 2)), **kernel_data.KERNELS},
        name="wide",
    )
    controls = {c.description: c for c in explorer.children[0].children}
    assert controls["dilation d"].max == 2  # 5 rows: 2*4+1 = 9 fit, 3*4+1 do not


# ----------------------------------------------------------------------------- static figures


def test_the_arithmetic_figure_marks_the_same_cells_as_the_view():
    fig = plots.conv_arithmetic_figure((7, 6), (3, 2), stride=3, padding=1, dilation=2, at=(1, 1))
    ax_x, ax_y = fig.axes
    texts = [t.get_text() for t in ax_x.texts]
    view = arithmetic_widget.conv_arithmetic_html(
        (7, 6), (3, 2), stride=3, padding=1, dilation=2, at=(1, 1)
    )
    cells = xp_cells(view)
    taps = [re.fullmatch(r"\$K_\{(\d+),(\d+)\}\$", t) for t in texts if t.startswith("$K")]
    assert sorted(f"{m[1]},{m[2]}" for m in taps) == sorted(tap for _, tap in cells.values() if tap)
    assert re.findall(r"K<sub>(\d+,\d+)</sub>", view.split("</table>")[0]) == [
        tap for _, tap in cells.values() if tap
    ]  # the view labels the same taps the same way
    assert texts.count("×") == sum("unread" in kind for kind, _ in cells.values())
    assert len(texts) == len(taps) + texts.count("×")
    assert [t.get_text() for t in ax_y.texts] == ["0,0", "0,1", "1,0", "1,1"]  # Y is 2x2
    label = fig.get_supxlabel()
    for axis in "HW":
        terms = arithmetic.output_size_terms(*((7, 3, 3, 1, 2) if axis == "H" else (6, 2, 3, 1, 2)))
        for line in (*plots.output_size_text(terms, axis), plots.unread_text(terms, axis)):
            assert line in label
    legend = [t.get_text() for t in fig.legends[0].texts]
    assert legend == [
        "a pixel of X",
        "padding (zeros)",
        "$K_{u,v}$: read by output (1,1) through tap (u, v)",
        "read by no output",
    ]
    assert ax_x.get_title().endswith("output (1,1) reads 6 pixels, none of them padding")


def test_the_gallery_shows_the_photo_and_one_map_per_kernel():
    photo = np.random.default_rng(3).uniform(0, 1, (20, 24))
    fig = plots.feature_map_gallery(photo)
    n = len(kernel_data.KERNELS)
    assert len(fig.axes) == 1 + 2 * n  # the photo, then a kernel and its map per kernel
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "X: the photo, 20x24"
    assert titles[1::2] == [kernel_data.KERNEL_LABELS[k] for k in kernel_data.KERNELS]
    for ax, name in zip(fig.axes[2::2], kernel_data.KERNELS):
        m = feature_maps.feature_map(photo, kernel_data.KERNELS[name])
        np.testing.assert_array_equal(ax.images[0].get_array(), m.values)
        assert ax.images[0].get_clim() == m.scale
    for text in [t.get_text() for ax in fig.axes for t in ax.texts] + titles:
        assert not MINUS_ZERO.search(text), text
    tiny = plots.feature_map_gallery(photo, {"k": np.array([[0.5, -0.001], [-0.499, 0.0]])})
    assert [t.get_text() for t in tiny.axes[1].texts] == ["0.50", "0.00", "-0.50", "0.00"]
    with pytest.raises(ValueError, match="kernels is empty"):
        plots.feature_map_gallery(photo, {})
    with pytest.raises(TypeError, match=r"kernels\['k'\] must have a floating dtype"):
        plots.feature_map_gallery(photo, {"k": "abc"})
    with pytest.raises(TypeError, match="photo must be a numeric array"):
        plots.feature_map_gallery("abc")


def test_the_flip_figure_lays_the_kernel_both_ways():
    fig = plots.flip_figure([0.0, 1.0, 5.0, 2.0], [1.0, 2.0], at=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:5] == ["x", "0", "1", "5", "2"]
    assert "k[0]=1" in texts and "k[1]=2" in texts
    assert fig.axes[0].get_title() == (
        "output 1: correlation Σ k[u]·x[1+u] = 11, convolution Σ k[u]·x[2−u] = 7"
    )
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        plots.flip_figure("abcd", [1.0, 2.0])
    with pytest.raises(TypeError, match="k must have a floating dtype"):
        plots.flip_figure([0.0, 1.0, 5.0], "ab")


def test_the_matrix_figure_labels_every_nonzero_entry_with_its_tap():
    for args, kwargs in [(((3, 4), 2), {}), (((4, 4), 3), {"stride": 2, "padding": 1})]:
        fig = plots.conv_matrix_figure(*args, **kwargs)
        taps = conv_matrix_taps(*args, **kwargs)
        kw = np.broadcast_to(args[1], 2)[1]
        labels = sorted(t.get_text() for t in fig.axes[0].texts)
        assert labels == sorted(f"K{t // kw}{t % kw}" for t in taps.ravel() if t >= 0)
    title = plots.conv_matrix_figure((4, 5), 3, stride=(2, 1), padding=1).axes[0].get_title()
    assert "stride (2,1), padding 1" in title and "Toeplitz blocks in a strided grid" in title


def test_the_matrix_figure_refuses_an_input_too_large_to_read():
    assert plots.MATRIX_FIGURE_MAX_COLUMNS == 100
    for in_hw in [(11, 10), (1, 101), (50, 50)]:
        with pytest.raises(ValueError, match=r"draws at most 100, a labelled cell per entry"):
            plots.conv_matrix_figure(in_hw, 1)


def test_the_figures_save_byte_identically(tmp_path):
    for k, fig_of in enumerate(
        [plots.conv_arithmetic_figure, plots.flip_figure, plots.conv_matrix_figure]
    ):
        first = save_figure(fig_of(), f"f{k}", directory=tmp_path).read_bytes()
        assert save_figure(fig_of(), f"f{k}", directory=tmp_path).read_bytes() == first
