"""The numbers behind the figures and widgets: correct, checked, and free of display libraries."""

import itertools

import numpy as np
import pytest
from conftest import fits

from cnnbp_core import functional as F
from cnnbp_core import geometry

# The topic module itself: it holds every name below, whether or not the package re-exports it.
from cnnbp_core.explain import conv as explain


def test_terms_sum_to_the_cores_kernel_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 8))
    for k, s, d in [(3, 1, 1), (2, 2, 1), (3, 2, 2), (1, 3, 1), ((2, 3), (1, 2), (2, 1))]:
        out_hw = F.conv2d_output_shape(7, 8, k, stride=s, dilation=d)
        delta = rng.standard_normal(out_hw)
        (kh, kw), (sh, sw), (dh, dw) = (np.broadcast_to(p, 2) for p in (k, s, d))
        for u, v in np.ndindex(kh, kw):
            t = explain.kernel_tap_terms(x, delta, u, v, kernel_size=k, stride=s, dilation=d)
            assert np.isclose(t.products.sum(), t.dk[u, v])
            np.testing.assert_array_equal(t.rows, np.arange(out_hw[0]) * sh + u * dh)
            np.testing.assert_array_equal(t.cols, np.arange(out_hw[1]) * sw + v * dw)
            np.testing.assert_array_equal(t.products, x[np.ix_(t.rows, t.cols)] * delta)


def test_terms_are_float64_and_dk_is_the_cores():
    rng = np.random.default_rng(1)
    x, delta = rng.standard_normal((5, 6)).astype(np.float32), rng.standard_normal((3, 4))
    t = explain.kernel_tap_terms(x, delta, 2, 1, kernel_size=3)
    assert t.products.dtype == t.dk.dtype == np.float64
    _, cache = F.conv2d_forward(x[None, None].astype(float), np.zeros((1, 1, 3, 3)))
    np.testing.assert_allclose(t.dk, F.conv2d_backward(delta[None, None], cache)[1][0, 0])


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "needle"),
    [
        (((7, 8), (5, 6), 3, 0), {"kernel_size": 3}, ValueError, "outside the 3x3 kernel"),
        (((7, 8), (5, 6), 0, -1), {"kernel_size": 3}, ValueError, r"tap \(u, v\) = \(0, -1\)"),
        (((7, 8), (5, 6), 0.0, 0), {"kernel_size": 3}, TypeError, "u must be an int"),
        (((7, 8), (4, 6), 0, 0), {"kernel_size": 3}, ValueError, r"delta must have shape \(5, 6\)"),
        (((4, 4), (1, 1), 0, 0), {"kernel_size": 3, "dilation": 2}, ValueError, "does not fit"),
        (((7, 8), (5, 6), 0, 0), {"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
        (((7, 8), (5, 6), 0, 0), {"kernel_size": 3, "stride": 0}, ValueError, "stride must be"),
        (((7,), (5, 6), 0, 0), {"kernel_size": 3}, ValueError, "x must be 2-D"),
    ],
)
def test_bad_arguments_name_the_rule(args, kwargs, exc, needle):
    x_shape, delta_shape, u, v = args
    with pytest.raises(exc, match=needle):
        explain.kernel_tap_terms(np.zeros(x_shape), np.zeros(delta_shape), u, v, **kwargs)


def test_integer_data_is_rejected_as_by_the_core():
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        explain.kernel_tap_terms(np.ones((4, 4), int), np.ones((2, 2)), 0, 0, kernel_size=3)


def test_explorer_data_is_reproducible():
    x = explain.explorer_input()
    assert x.shape == explain.EXPLORER_INPUT_SHAPE and x.dtype == np.float64
    assert np.array_equal(x, np.round(x)) and 0 <= x.min() and x.max() <= 9
    assert np.array_equal(x, explain.explorer_input()) and not np.array_equal(
        x, explain.explorer_input(1)
    )
    d = explain.explorer_delta((5, 6))
    assert d.shape == (5, 6) and np.array_equal(d, np.round(d, 1)) and np.abs(d).max() <= 1
    assert np.array_equal(d, explain.explorer_delta((5, 6)))
    assert not np.array_equal(d[:3, :3], explain.explorer_delta((3, 3)))  # per output shape


# ----------------------------------------------------------------------------- second edition:
# padding, dilate_s(delta), one-hot and all-ones deltas, the explorer's ranges

CONFIGS = [  # kernel_size, stride, padding, dilation
    (3, 1, 0, 1),
    (3, 2, 1, 1),
    ((2, 3), (1, 2), (2, 0), (2, 1)),
    (4, 3, 2, 2),
    (1, 2, 1, 3),
    ((4, 1), 3, (0, 2), (1, 3)),
]


def core_dk(x, delta, kernel, stride, padding, dilation):
    """dL/dK of one channel by the core, straight from conv2d_forward/backward."""
    kh, kw = np.broadcast_to(kernel, 2)
    _, cache = F.conv2d_forward(
        x[None, None], np.zeros((1, 1, kh, kw)), stride=stride, padding=padding, dilation=dilation
    )
    return F.conv2d_backward(delta[None, None], cache)[1][0, 0], cache


@pytest.mark.parametrize(("k", "s", "p", "d"), CONFIGS)
def test_padded_terms_read_xp_and_agree_with_the_dilated_correlation(k, s, p, d):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 8))
    out_hw = F.conv2d_output_shape(7, 8, k, stride=s, padding=p, dilation=d)
    delta = rng.standard_normal(out_hw)
    dk, cache = core_dk(x, delta, k, s, p, d)
    (sh, sw), (ph, pw), (dh, dw) = (tuple(np.broadcast_to(a, 2)) for a in (s, p, d))
    xp = np.pad(x, ((ph, ph), (pw, pw)))
    for u, v in np.ndindex(dk.shape):
        t = explain.kernel_tap_terms(x, delta, u, v, kernel_size=k, stride=s, padding=p, dilation=d)
        np.testing.assert_array_equal(t.xp, xp)
        assert t.padding == (ph, pw)
        np.testing.assert_array_equal(t.dk, dk)
        np.testing.assert_array_equal(t.rows, np.arange(out_hw[0]) * sh + u * dh)
        np.testing.assert_array_equal(t.cols, np.arange(out_hw[1]) * sw + v * dw)
        np.testing.assert_array_equal(t.products, xp[np.ix_(t.rows, t.cols)] * delta)
        np.testing.assert_array_equal(t.dilated_delta, F.dilate2d(delta, (sh, sw)))
        assert (t.stride, t.dilation) == ((sh, sw), (dh, dw))
        # the geometry a picture marks: padding (X_p's cells that are not X's), inserted zeros
        np.testing.assert_array_equal(
            t.is_padding, np.pad(np.zeros(x.shape), ((ph,), (pw,)), constant_values=1) == 1
        )
        np.testing.assert_array_equal(t.inserted, F.dilate2d(np.ones(out_hw), (sh, sw)) == 0)
        assert t.patch_cells == ()
        # (Xp ⋆ dilate_s(delta))[u*d, v*d], computed here as a full correlation, entry by entry
        big = t.dilated_delta
        corr = sum(
            xp[u * dh + a, v * dw + b] * big[a, b] for a, b in np.ndindex(big.shape) if big[a, b]
        )
        assert np.isclose(t.via_dilated, corr) and np.isclose(t.via_dilated, dk[u, v])
        assert np.isclose(t.products.sum(), dk[u, v])
        assert t.hot is None and t.patch is None  # a random delta is not one-hot


@pytest.mark.parametrize(("k", "s", "p", "d"), CONFIGS)
def test_a_one_hot_delta_makes_dk_one_patch_of_xp(k, s, p, d):
    x = explain.explorer_input()
    out_hw = F.conv2d_output_shape(7, 8, k, stride=s, padding=p, dilation=d)
    (sh, sw), (ph, pw), (dh, dw) = (tuple(np.broadcast_to(a, 2)) for a in (s, p, d))
    kh, kw = np.broadcast_to(k, 2)
    xp = np.pad(x, ((ph, ph), (pw, pw)))
    for i, j in np.ndindex(out_hw):
        delta = explain.explorer_delta(out_hw, kind="one-hot", at=(i, j))
        assert delta.sum() == 1 and delta[i, j] == 1
        t = explain.kernel_tap_terms(x, delta, 0, 0, kernel_size=k, stride=s, padding=p, dilation=d)
        patch = xp[
            i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw
        ]
        assert t.hot == (i, j)
        np.testing.assert_array_equal(t.patch, patch)
        cells = [(i * sh + a * dh, j * sw + b * dw) for a, b in np.ndindex(kh, kw)]
        assert t.patch_cells == tuple(cells)  # where that patch lies in X_p, row by row
        np.testing.assert_array_equal([xp[c] for c in cells], patch.ravel())
        np.testing.assert_array_equal(t.dk, patch)  # dL/dK is exactly that patch
    centre = explain.explorer_delta(out_hw, kind="one-hot")
    assert centre[(out_hw[0] - 1) // 2, (out_hw[1] - 1) // 2] == 1


@pytest.mark.parametrize(("k", "s", "p", "d"), CONFIGS)
def test_an_all_ones_delta_makes_each_entry_of_dk_a_box_sum(k, s, p, d):
    x = explain.explorer_input()
    out_hw = F.conv2d_output_shape(7, 8, k, stride=s, padding=p, dilation=d)
    delta = explain.explorer_delta(out_hw, kind="all ones")
    assert delta.shape == out_hw and np.all(delta == 1)
    kh, kw = np.broadcast_to(k, 2)
    for u, v in np.ndindex(kh, kw):
        t = explain.kernel_tap_terms(x, delta, u, v, kernel_size=k, stride=s, padding=p, dilation=d)
        assert t.dk[u, v] == t.xp[np.ix_(t.rows, t.cols)].sum()  # exact: small integers


def test_explorer_delta_kinds_and_their_errors():
    d = explain.explorer_delta((5, 6), kind="random")
    np.testing.assert_array_equal(d, explain.explorer_delta((5, 6)))  # the default kind
    assert explain.DELTA_KINDS == ("random", "one-hot", "all ones")
    with pytest.raises(ValueError, match="kind must be one of"):
        explain.explorer_delta((2, 2), kind="ones")
    with pytest.raises(ValueError, match=r"at\[0\] \(the one-hot row\) must lie in \[0, 2\)"):
        explain.explorer_delta((2, 2), kind="one-hot", at=(2, 0))
    with pytest.raises(ValueError, match="at must be >= 0"):
        explain.explorer_delta((2, 2), kind="one-hot", at=(0, -1))
    with pytest.raises(TypeError, match="at must be an int or an"):
        explain.explorer_delta((2, 2), kind="one-hot", at=(0.0, 1))
    with pytest.raises(ValueError, match="out_hw must have 2 entries"):
        explain.explorer_delta((2,))


def test_explorer_data_is_the_explorers_x_and_delta():
    x, delta = explain.explorer_data()
    np.testing.assert_array_equal(x, explain.explorer_input())
    np.testing.assert_array_equal(delta, explain.explorer_delta((5, 6)))
    x, delta = explain.explorer_data(
        kernel_size=(2, 4), stride=2, padding=1, dilation=2, delta_kind="one-hot", seed=3
    )
    np.testing.assert_array_equal(x, explain.explorer_input(3))
    out_hw = F.conv2d_output_shape(7, 8, (2, 4), stride=2, padding=1, dilation=2)
    np.testing.assert_array_equal(delta, explain.explorer_delta(out_hw, 3, kind="one-hot"))
    x, delta = explain.explorer_data(x=np.ones((3, 3)), kernel_size=2, delta_kind="all ones")
    assert x.shape == (3, 3) and delta.shape == (2, 2)
    with pytest.raises(ValueError, match="does not fit"):
        explain.explorer_data(kernel_size=4, dilation=3)


@pytest.mark.parametrize("in_hw", [explain.EXPLORER_INPUT_SHAPE, (3, 5), (1, 4)])
def test_explorer_ranges_admit_every_valid_state_and_no_other(in_hw):
    """Inside the ranges every state is valid; the dilation's maximum is the largest that fits."""
    limits = explain.EXPLORER_LIMITS
    kernels = itertools.product(range(1, min(4, in_hw[0]) + 1), range(1, min(4, in_hw[1]) + 1))
    for kh, kw in kernels:
        for p in range(limits["padding"] + 1):
            r = explain.explorer_ranges((kh, kw), p, in_hw=in_hw)
            assert r["kernel_h"] == (1, min(4, in_hw[0])) and r["kernel_w"] == (1, min(4, in_hw[1]))
            assert r["u"] == (0, kh - 1) and r["v"] == (0, kw - 1)
            assert r["stride"] == (1, 3) and r["padding"] == (0, 2)
            low, top = r["dilation"]
            assert low == 1 <= top <= limits["dilation"]
            if (kh, kw) == (1, 1):  # one tap reads one pixel whatever d: no dilation to explore
                assert top == 1
                continue
            for d in range(1, limits["dilation"] + 1):
                for s in range(1, limits["stride"] + 1):
                    try:
                        F.conv2d_output_shape(*in_hw, (kh, kw), stride=s, padding=p, dilation=d)
                        fits = True
                    except ValueError:
                        fits = False
                    assert fits == (d <= top), (kh, kw, p, d, s)
    with pytest.raises(ValueError, match="does not fit"):
        explain.explorer_ranges(4, 0, in_hw=(3, 5))


# ----------------------------------------------------------------------------- the geometry rules
# the explorer and its figure use (cnnbp_core.geometry), checked against brute force


@pytest.mark.parametrize("in_hw", [(7, 8), (3, 5), (1, 4)])
def test_largest_dilation_is_the_largest_that_fits(in_hw):
    for kh, kw, p in itertools.product(range(1, 5), range(1, 5), range(3)):
        if not fits(in_hw, (kh, kw), padding=p):
            with pytest.raises(ValueError, match="does not fit"):
                geometry.largest_dilation(in_hw, (kh, kw), (p, p), 5)
            continue
        top = geometry.largest_dilation(in_hw, (kh, kw), (p, p), 5)
        assert 1 <= top <= 5
        assert [fits(in_hw, (kh, kw), padding=p, dilation=d) for d in range(1, 6)] == [
            d <= top for d in range(1, 6)
        ]
    assert geometry.largest_dilation(in_hw, (1, 1), (0, 0), 7) == 7  # a single tap: no bound


def test_padding_and_inserted_masks_mark_what_pad_and_dilate2d_added():
    for padding in [(0, 0), (1, 2), (2, 0)]:
        xp = geometry.pad(np.ones((3, 4)), padding)
        np.testing.assert_array_equal(geometry.padding_mask(xp.shape, padding), xp == 0)
    for factor in [(1, 1), (2, 3), (3, 1)]:
        dilated = geometry.dilate2d(np.ones((3, 2)), factor)
        np.testing.assert_array_equal(geometry.inserted_mask(dilated.shape, factor), dilated == 0)


def test_output_window_is_every_taps_pixel_for_one_output_pixel():
    xp = np.arange(9 * 10).reshape(9, 10)
    for (kh, kw), (sh, sw), (dh, dw) in [((2, 3), (2, 1), (1, 2)), ((3, 1), (1, 3), (2, 1))]:
        out_hw = geometry.output_size((9, 10), (kh, kw), (sh, sw), (0, 0), (dh, dw))
        for i, j in np.ndindex(out_hw):
            rows, cols = geometry.output_window(i, j, (kh, kw), (sh, sw), (dh, dw))
            for u, v in np.ndindex(kh, kw):  # entry (u, v) is what tap (u, v) reads at (i, j)
                tap_rows, tap_cols = geometry.window(u, v, out_hw, (sh, sw), (dh, dw))
                assert xp[rows, cols][u, v] == xp[tap_rows, tap_cols][i, j]
