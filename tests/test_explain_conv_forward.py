"""Chapter 03's numbers: hand-set kernels, the convolution matrix, convolution arithmetic, feature
maps, the 1-D flip and the kernel chapter 04 learns; each checked against the core or brute force.
"""

import itertools

import numpy as np
import pytest
import sympy as sp
from conftest import fits, noisy_sobel, per_axis

from cnnbp_core import functional as F
from cnnbp_core import geometry
from cnnbp_core.data import kernels as kernel_data
from cnnbp_core.data.photo import photo_patches, sample_photo
from cnnbp_core.explain import conv_arithmetic as arithmetic
from cnnbp_core.explain import feature_maps
from cnnbp_core.explain.flip import flip_1d
from cnnbp_core.explain.toeplitz import conv_matrix, conv_matrix_blocks, conv_matrix_taps

# Awkward geometry: H != W, KH != KW, strides with leftover rows, padding, dilation, and a
# different stride, padding and dilation per axis (so that swapping the axes anywhere fails).
IN_HW = [(3, 4), (5, 3), (1, 4), (6, 6)]
KERNELS = [(1, 1), (2, 3), (3, 2), (3, 3)]
HYPER = list(itertools.product((1, 2, 3), (0, 1, 2), (1, 2))) + [  # stride, padding, dilation
    ((1, 2), (0, 1), (2, 1)),
    ((2, 1), (1, 0), (1, 2)),
    ((3, 1), (2, 0), (1, 1)),
    ((1, 3), (0, 2), (1, 2)),
    ((2, 3), (2, 1), (2, 1)),
]


def valid_cases():
    for in_hw, kernel, (s, p, d) in itertools.product(IN_HW, KERNELS, HYPER):
        if fits(in_hw, kernel, s, p, d):
            yield in_hw, kernel, s, p, d


# ----------------------------------------------------------------------------- hand-set kernels


def test_the_kernels_are_read_only_float64_and_hand_kernel_copies_them():
    assert kernel_data.KERNEL_NAMES == tuple(kernel_data.KERNELS)
    assert set(kernel_data.KERNEL_LABELS) == set(kernel_data.KERNELS)
    for name, k in kernel_data.KERNELS.items():
        assert k.dtype == np.float64 and k.shape == (3, 3) and not k.flags.writeable, name
        original = k.copy()
        copy = kernel_data.hand_kernel(name, -2)
        assert copy.flags.writeable and np.array_equal(copy, -2 * k), name
        copy[...] = 7.0  # changing the copy leaves the kernel alone
        np.testing.assert_array_equal(kernel_data.KERNELS[name], original)
    with pytest.raises(TypeError):
        kernel_data.KERNELS["mine"] = np.ones((3, 3))
    with pytest.raises(ValueError, match="scale must be finite"):
        kernel_data.hand_kernel("identity", np.inf)
    with pytest.raises(TypeError, match="name must be a str"):
        kernel_data.hand_kernel(3)


def test_each_kernel_does_what_its_name_says_under_cross_correlation():
    rows, cols = np.mgrid[0:6, 0:7].astype(float)
    ramp_right, ramp_down = 2.0 * cols, 3.0 * rows  # brighter to the right, downwards
    flat = np.full((6, 7), 0.4)

    def y(image, name):
        return feature_maps.feature_map(image, kernel_data.KERNELS[name]).values

    np.testing.assert_array_equal(y(ramp_right, "sobel_x"), np.full((4, 5), 8 * 2.0))
    np.testing.assert_array_equal(y(ramp_down, "sobel_x"), 0.0)
    np.testing.assert_array_equal(y(ramp_down, "sobel_y"), np.full((4, 5), 8 * 3.0))
    np.testing.assert_array_equal(kernel_data.SOBEL_Y, kernel_data.SOBEL_X.T)
    np.testing.assert_allclose(y(ramp_right + ramp_down, "laplacian"), 0.0, atol=1e-12)
    for name in ("box_blur", "gaussian_blur", "sharpen", "identity"):  # sum 1: flat stays flat
        np.testing.assert_allclose(y(flat, name), 0.4, rtol=1e-14)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 7))
    np.testing.assert_array_equal(y(x, "identity"), x[1:-1, 1:-1])
    np.testing.assert_allclose(
        y(x, "box_blur"), F.avgpool2d_forward(x[None, None], 3, stride=1)[0][0, 0]
    )


def test_photo_patches_are_standardised_reproducible_and_checked():
    x = photo_patches(5, 9, downsample=3, seed=2)
    assert x.shape == (5, 1, 9, 9) and x.dtype == np.float64
    np.testing.assert_allclose(x.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=(2, 3)), 1, rtol=1e-12)
    np.testing.assert_array_equal(x, photo_patches(5, 9, downsample=3, seed=2))
    assert not np.array_equal(x, photo_patches(5, 9, downsample=3, seed=3))
    photo = sample_photo(3)  # every patch is a standardised window of the photo
    windows = np.lib.stride_tricks.sliding_window_view(photo, (9, 9)).reshape(-1, 81)
    windows = (windows - windows.mean(1, keepdims=True)) / windows.std(1, keepdims=True)
    for patch in x[:, 0]:
        assert np.abs(windows - patch.ravel()).max(axis=1).min() < 1e-12
    with pytest.raises(ValueError, match="size must be at most 64 for a 75x64 photo; got 65"):
        photo_patches(1, 65, downsample=8)
    with pytest.raises(ValueError, match="count must be >= 1"):
        photo_patches(0)


# ----------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize(("in_hw", "kernel", "s", "p", "d"), list(valid_cases()))
def test_conv_matrix_is_the_cores_forward_and_its_transpose_the_cores_input_gradient(
    in_hw, kernel, s, p, d
):
    rng = np.random.default_rng([*in_hw, *kernel, *per_axis(s), *per_axis(p), *per_axis(d)])
    x, k = rng.standard_normal(in_hw), rng.standard_normal(kernel)
    m = conv_matrix(in_hw, k, stride=s, padding=p, dilation=d)
    y, cache = F.conv2d_forward(x[None, None], k[None, None], stride=s, padding=p, dilation=d)
    assert m.shape == (y[0, 0].size, x.size)
    np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)
    delta = rng.standard_normal(y.shape)  # chapter 05's use: dL/dvec(X) = Mᵀ vec(δ)
    np.testing.assert_allclose(
        m.T @ delta.ravel(), F.conv2d_backward(delta, cache)[0].ravel(), rtol=1e-12, atol=1e-12
    )


def test_the_multi_channel_matrix_is_a_grid_of_one_channel_matrices():
    rng = np.random.default_rng(3)
    for (c_out, c_in), (s, p, d) in [((2, 3), (2, 1, 1)), ((3, 1), (1, 2, 2)), ((1, 2), (3, 0, 1))]:
        x, w = rng.standard_normal((c_in, 5, 4)), rng.standard_normal((c_out, c_in, 2, 3))
        m = conv_matrix((5, 4), w, stride=s, padding=p, dilation=d)
        y, _ = F.conv2d_forward(x[None], w, stride=s, padding=p, dilation=d)
        np.testing.assert_allclose(m @ x.ravel(), y.ravel(), rtol=1e-12, atol=1e-12)
        rows, cols = y[0, 0].size, 20
        for f, c in np.ndindex(c_out, c_in):
            block = m[f * rows : (f + 1) * rows, c * cols : (c + 1) * cols]
            one = conv_matrix((5, 4), w[f, c], stride=s, padding=p, dilation=d)
            np.testing.assert_array_equal(block, one)


def test_a_symbolic_kernel_gives_a_matrix_of_its_symbols_and_exact_zeros():
    k = np.array(sp.symbols("k00 k01 k10 k11")).reshape(2, 2)
    m = conv_matrix((3, 3), k, padding=1, stride=2)
    assert m.dtype == object and m.shape == (4, 9)
    assert {e for e in m.ravel() if e != 0} == set(k.ravel())
    assert all(type(e) is int for e in m.ravel() if not isinstance(e, sp.Basic))
    values = np.array([1.0, -2.0, 0.5, 3.0])
    numeric = np.array(sp.Matrix(m).subs(dict(zip(k.ravel(), values))), dtype=float)
    np.testing.assert_array_equal(
        numeric, conv_matrix((3, 3), values.reshape(2, 2), padding=1, stride=2)
    )


@pytest.mark.parametrize(("in_hw", "kernel", "s", "p", "d"), list(valid_cases())[::5])
def test_taps_and_blocks_describe_the_matrix_entry_by_entry(in_hw, kernel, s, p, d):
    taps = conv_matrix_taps(in_hw, kernel, s, p, d)
    b = conv_matrix_blocks(in_hw, kernel, s, p, d)
    (h, w), (kh, kw) = in_hw, kernel
    (sh, sw), (ph, pw), (dh, dw) = per_axis(s), per_axis(p), per_axis(d)
    ho, wo = F.conv2d_output_shape(h, w, kernel, stride=s, padding=p, dilation=d)
    for (i, j, r, c), tap in np.ndenumerate(taps.reshape(ho, wo, h, w)):
        reading = [
            (u, v)
            for u, v in np.ndindex(kh, kw)
            if (i * sh + u * dh - ph, j * sw + v * dw - pw) == (r, c)
        ]  # brute force: the taps of output (i, j) that land on input (r, c)
        assert tap == (reading[0][0] * kw + reading[0][1] if reading else -1)
        both = b.grid[i, r] >= 0 and b.inner[j, c] >= 0
        assert tap == (b.grid[i, r] * kw + b.inner[j, c] if both else -1)
    assert b.nonzero + b.zero == ho * h and b.block_shape == (wo, w) and b.stride == (sh, sw)
    # Toeplitz: entry (a, b) depends only on b - a, which stride 1 guarantees
    assert b.toeplitz == (toeplitz(b.grid), toeplitz(b.inner))
    assert (sh > 1 or b.toeplitz[0]) and (sw > 1 or b.toeplitz[1])


def toeplitz(a):
    """Brute force: every pair of entries on one diagonal is equal."""
    return all(
        a[i, j] == a[i2, j2]
        for (i, j), (i2, j2) in itertools.product(np.ndindex(a.shape), repeat=2)
        if j - i == j2 - i2
    )


def test_the_block_summary_names_the_structure():
    assert "doubly-block Toeplitz" in conv_matrix_blocks((4, 5), (2, 3)).summary()
    text = conv_matrix_blocks((5, 5), 3, stride=2, padding=1).summary()
    assert "3x5 grid of 3x5 blocks (strided blocks in a strided grid)" in text
    assert "7 blocks hold a kernel row, 8 are zero" in text


TRIVIAL_ROW = "a grid trivially Toeplitz ({}) at stride {}"
TRIVIAL_COLUMN = "blocks trivially Toeplitz ({}) at stride {}"


@pytest.mark.parametrize(
    ("in_hw", "kernel", "s", "p", "kind"),
    [
        ((4, 5), (2, 3), 1, 0, "doubly-block Toeplitz"),
        ((1, 1), 1, 1, 0, "doubly-block Toeplitz"),  # one pixel: stride 1 all the same
        ((5, 5), 3, 2, 1, "strided blocks in a strided grid"),
        ((4, 5), (2, 2), (1, 2), 0, "strided blocks in a Toeplitz grid"),
        ((5, 4), (2, 2), (2, 1), 0, "Toeplitz blocks in a strided grid"),
        (
            (3, 5),
            (3, 2),
            (2, 1),
            0,
            "Toeplitz blocks in " + TRIVIAL_ROW.format("one output row", 2),
        ),
        ((1, 4), 1, (2, 1), (1, 0), "Toeplitz blocks in " + TRIVIAL_ROW.format("one input row", 2)),
        (
            (2, 4),
            1,
            (3, 1),
            (1, 0),
            "Toeplitz blocks in "  # both output rows read padding: every block is zero
            + TRIVIAL_ROW.format("only zeros repeat along its diagonals", 3),
        ),
        (
            (5, 3),
            (2, 3),
            (1, 3),
            0,
            TRIVIAL_COLUMN.format("one output column", 3) + " in a Toeplitz grid",
        ),
        (
            (4, 1),
            1,
            (1, 2),
            (0, 1),
            TRIVIAL_COLUMN.format("one input column", 2) + " in a Toeplitz grid",
        ),
        ((4, 4), 1, 2, 0, "strided blocks in a strided grid"),  # 1x1 kernel: still strided
        (
            (1, 1),
            1,
            (3, 2),
            0,
            TRIVIAL_COLUMN.format("one output column", 2)
            + " in "
            + TRIVIAL_ROW.format("one output row", 3),
        ),
    ],
)
def test_every_label_of_the_block_structure_is_pinned(in_hw, kernel, s, p, kind):
    """Each label, word for word, on a case that has it: swapping any two labels fails here."""
    b = conv_matrix_blocks(in_hw, kernel, stride=s, padding=p)
    assert b.kind == kind
    assert f"blocks ({kind}): block (i, r)" in b.summary()


def test_only_stride_1_is_called_doubly_block_toeplitz_and_a_strided_axis_only_trivially():
    """Stride 1 always gives "doubly-block Toeplitz", and nothing else does. A stride > 1 along an
    axis breaks that axis's Toeplitz pattern whenever a diagonal holds two entries that are not
    both zero; otherwise it holds only trivially (one output row, one input row, or only zeros
    repeating), and the label says "trivially" and the stride."""
    strided = trivially = 0
    for h, w, kh, kw, sh, sw, p, d in itertools.product(
        range(1, 7), range(1, 7), (1, 2, 3), (1, 2), (1, 2, 3), (1, 2), (0, 1, 2), (1, 2)
    ):
        if not fits((h, w), (kh, kw), (sh, sw), p, d):
            continue
        b = conv_matrix_blocks((h, w), (kh, kw), (sh, sw), p, d)
        said = "doubly-block Toeplitz" in b.summary()
        assert said == ((sh, sw) == (1, 1)), (h, w, kh, kw, sh, sw, p, d)
        axes = ((sh, b.grid, b.toeplitz[0], "grid"), (sw, b.inner, b.toeplitz[1], "blocks"))
        for s, a, toeplitz_axis, noun in axes:
            repeated = [np.diagonal(a, k) for k in range(1 - a.shape[0], a.shape[1])]
            nontrivial = any(len(diag) > 1 and (diag >= 0).any() for diag in repeated)
            if s > 1 and nontrivial:
                strided += 1
                assert not toeplitz_axis, (h, w, kh, kw, sh, sw, p, d)
            if s > 1:
                trivial_label = f"{noun} trivially Toeplitz (" in b.kind
                assert trivial_label == toeplitz_axis, (h, w, kh, kw, sh, sw, p, d)
                assert not toeplitz_axis or f") at stride {s}" in b.kind
                trivially += toeplitz_axis
    assert strided > 1000 and trivially > 100  # the claims were tested, not skipped


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "needle"),
    [
        (((3, 3), np.ones((4, 4))), {}, ValueError, "does not fit padded input 3x3"),
        (
            ((3, 3), np.ones((2, 2, 2))),
            {},
            ValueError,
            r"kernel must be 2-D .* got shape \(2, 2, 2\)",
        ),
        (((3, 3), np.ones((2, 2), bool)), {}, TypeError, "real numbers or SymPy"),
        (((3, 0), np.ones((2, 2))), {}, ValueError, "in_hw must hold positive ints"),
        (((3, 3), np.ones((2, 2))), {"stride": 0}, ValueError, "stride must be >= 1"),
        (((3, 3), np.ones((2, 0, 2, 2))), {}, ValueError, r"C_in, KH, KW >= 1; .*\(2, 0, 2, 2\)"),
        (((3, 3), np.ones((0, 2, 2, 2))), {}, ValueError, r"kernel must have at least one .*\(0,"),
        (((3, 3), np.ones((0, 2))), {}, ValueError, r"kernel must have at least one tap"),
        (((3, 3), [[1.0], [1.0, 2.0]]), {}, ValueError, "kernel must be a rectangular array"),
        (((3, 3), [["a", "b"]]), {}, TypeError, "real numbers or SymPy"),
    ],
)
def test_conv_matrix_names_the_rule_broken(args, kwargs, exc, needle):
    with pytest.raises(exc, match=needle):
        conv_matrix(*args, **kwargs)


# ----------------------------------------------------------------------------- arithmetic


def test_output_size_terms_count_the_windows_and_what_is_left():
    for n, k, s, p, d in itertools.product(
        range(1, 9), range(1, 5), range(1, 7), range(3), (1, 2, 3)
    ):  # strides up to 6: more rows left over than padding and X together
        if not fits((n, 1), (k, 1), s, p, d):
            with pytest.raises(ValueError, match="does not fit"):
                arithmetic.output_size_terms(n, k, s, p, d)
            continue
        t = arithmetic.output_size_terms(n, k, s, p, d)
        starts = [i * s for i in range(n + 2 * p) if i * s + d * (k - 1) < n + 2 * p]
        last_read = starts[-1] + d * (k - 1)  # the last row any window reads
        assert (
            t.out
            == len(starts)
            == F.conv2d_output_shape(n, 1, (k, 1), stride=s, padding=p, dilation=d)[0]
        )
        assert (t.padded, t.span, t.room) == (
            n + 2 * p,
            d * (k - 1) + 1,
            n + 2 * p - d * (k - 1) - 1,
        )
        assert t.steps == t.out - 1 and t.leftover == n + 2 * p - 1 - last_read
        assert t.unread_below == sum(1 for r in range(last_read + 1, n + 2 * p) if p <= r < p + n)
        assert 0 <= t.unread_below <= min(t.leftover, n)


def test_the_unread_rows_of_x_are_never_reads_rows_split_by_source():
    sources = set()
    for n, k, s, p, d in itertools.product(
        range(1, 10), range(1, 5), range(1, 7), range(3), (1, 2, 3)
    ):
        if not fits((n, 1), (k, 1), s, p, d):
            continue
        t = arithmetic.output_size_terms(n, k, s, p, d)
        rows = t.unread_rows()
        unread = arithmetic.never_read((n, 1), (k, 1), (s, 1), (p, 0), (d, 1))[:, 0]
        assert rows.rows == tuple(r for r in np.flatnonzero(unread) if p <= r < p + n)
        assert len(rows.rows) == len(rows.below + rows.between_windows + rows.between_taps)
        windows = [range(i * s, i * s + d * (k - 1) + 1) for i in range(t.out)]  # their spans
        last = windows[-1][-1]  # the last window's last tap
        for r in rows.rows:
            spanned = any(r in window for window in windows)
            assert (r in rows.below) == (r > last)
            assert (r in rows.between_windows) == (r < last and not spanned)
            assert (r in rows.between_taps) == spanned
        # the leftover rows end with p of padding; above those at most the n rows of X
        assert len(rows.below) == t.unread_below == min(max(t.leftover - p, 0), n)
        assert not rows.between_windows or s > t.span  # gaps need a stride beyond the span
        assert not rows.between_taps or d > 1  # holes need a dilation
        sources |= {name for name, found in rows._asdict().items() if found}
    assert sources == {"below", "between_windows", "between_taps"}


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "expected"),
    [
        (8, 3, 2, 1, 1, ((), (), ())),  # remainder 1, but it is padding: all of X is read
        (8, 2, 3, 0, 1, ((), (2, 5), ())),  # remainder 0, rows skipped between windows
        (8, 3, 3, 0, 2, ((), (), (1, 6))),  # remainder 0, holes of the dilated kernel
        (10, 3, 3, 0, 2, ((8, 9), (), (1, 6))),  # and two rows left over at the bottom
        (1, 1, 5, 2, 1, ((2,), (), ())),  # 4 rows left over: X's one row between the padding
    ],
)
def test_the_unread_rows_of_the_chapters_cases(n, k, s, p, d, expected):
    t = arithmetic.output_size_terms(n, k, s, p, d)
    assert tuple(t.unread_rows()) == expected and t.unread_below == len(expected[0])


def test_unread_below_never_counts_more_rows_than_x_has():
    t = arithmetic.output_size_terms(1, 1, stride=5, padding=2)  # X_p: pad, pad, X, pad, pad
    assert (t.out, t.leftover, t.unread_below) == (1, 4, 1)
    t = arithmetic.output_size_terms(2, 1, stride=6, padding=2)  # rows 1-5 left over: 2 of X
    assert (t.leftover, t.unread_below) == (5, 2)


@pytest.mark.parametrize(("in_hw", "kernel", "s", "p", "d"), list(valid_cases())[::3])
def test_reads_and_never_read_agree_with_the_forward_rule(in_hw, kernel, s, p, d):
    ho, wo = F.conv2d_output_shape(*in_hw, kernel, stride=s, padding=p, dilation=d)
    (sh, sw), (ph, pw), (dh, dw) = per_axis(s), per_axis(p), per_axis(d)
    hp, wp = in_hw[0] + 2 * ph, in_hw[1] + 2 * pw
    pad = np.ones((hp, wp), bool)  # brute force: X sits inside p_h rows, p_w columns of zeros
    pad[ph : ph + in_hw[0], pw : pw + in_hw[1]] = False
    read = np.zeros((hp, wp), bool)
    for i, j in np.ndindex(ho, wo):
        r = arithmetic.output_reads(
            i, j, in_hw=in_hw, kernel_size=kernel, stride=s, padding=p, dilation=d
        )
        expected = [(u, v, i * sh + u * dh, j * sw + v * dw) for u, v in np.ndindex(*kernel)]
        assert list(r.cells()) == expected
        for u, v, row, col in r.cells():
            assert r.in_padding[u, v] == pad[row, col]
            read[row, col] = True
    np.testing.assert_array_equal(arithmetic.never_read(in_hw, kernel, s, p, d), ~read)
    state = arithmetic.arithmetic_state(in_hw, kernel, stride=s, padding=p, dilation=d)
    np.testing.assert_array_equal(state.is_padding, pad)
    np.testing.assert_array_equal(state.unread, ~read)
    assert [t.out for t in state.terms] == [ho, wo] and state.geometry.out_hw == (ho, wo)


def test_output_reads_rejects_a_pixel_outside_the_output():
    with pytest.raises(ValueError, match=r"\(i, j\) = \(3, 0\) is outside the 3x3 output"):
        arithmetic.output_reads(3, 0, in_hw=(5, 5), kernel_size=3, stride=2, padding=1)
    with pytest.raises(TypeError, match="i must be an int"):
        arithmetic.output_reads(0.0, 0, in_hw=(5, 5), kernel_size=3)


def measured_receptive_field(layers, size=(41, 47)):
    """Backpropagate a one-hot from the centre of the last layer through all-ones kernels: the
    input pixels that receive gradient are those the output pixel sees (no cancellations)."""
    x = np.zeros((1, 1, *size))
    caches, y = [], x
    for layer in layers:
        w = np.ones((1, 1, *np.broadcast_to(layer["kernel_size"], 2)))
        y, cache = F.conv2d_forward(y, w, **{k: v for k, v in layer.items() if k != "kernel_size"})
        caches.append(cache)
    delta = np.zeros(y.shape)
    delta[0, 0, y.shape[2] // 2, y.shape[3] // 2] = 1.0
    for cache in reversed(caches):
        delta = F.conv2d_backward(delta, cache)[0]
    rows, cols = np.nonzero(delta[0, 0])
    assert 0 < rows.min() and rows.max() < size[0] - 1
    assert 0 < cols.min() and cols.max() < size[1] - 1
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def test_receptive_fields_match_backpropagation_through_the_core():
    """Random stacks, each hyper-parameter an int or an (h, w) pair of different values."""
    rng = np.random.default_rng(5)

    def hyper(low, high):
        h, w = (int(n) for n in rng.integers(low, high, 2))
        return h if rng.random() < 0.3 else (h, w)

    for _ in range(40):
        layers = []
        for _ in range(int(rng.integers(1, 4))):
            k = tuple(int(n) for n in rng.integers(1, 4, 2))
            layers.append(
                {
                    "kernel_size": k,
                    "stride": hyper(1, 3),
                    "padding": hyper(0, 2),
                    "dilation": hyper(1, 3),
                }  # fmt: skip
            )
        fields = arithmetic.receptive_field(layers)
        assert fields[-1].size == measured_receptive_field(layers), layers
        jump = np.cumprod([per_axis(layer["stride"]) for layer in layers], axis=0)
        assert [f.jump for f in fields] == [tuple(int(n) for n in j) for j in jump]


def test_receptive_field_names_bad_layers():
    with pytest.raises(ValueError, match="at least one layer"):
        arithmetic.receptive_field([])
    with pytest.raises(ValueError, match=r"layers\[0\] must have a 'kernel_size'"):
        arithmetic.receptive_field([{"stride": 2}])
    with pytest.raises(ValueError, match=r"got keys \['kernel', 'kernel_size'\]"):
        arithmetic.receptive_field([{"kernel_size": 3, "kernel": 3}])
    with pytest.raises(TypeError, match=r"layers\[0\] must be a dict"):
        arithmetic.receptive_field([3])


def test_parameter_counts_are_the_kernel_and_the_dense_matrix():
    rng = np.random.default_rng(6)
    for (c_in, h, w), c_out, k, s, p in [((1, 5, 4), 2, (2, 3), 1, 1), ((3, 6, 6), 4, 3, 2, 0)]:
        count = arithmetic.parameter_count((c_in, h, w), c_out, k, stride=s, padding=p)
        weights = rng.standard_normal((c_out, c_in, *np.broadcast_to(k, 2)))
        m = conv_matrix((h, w), weights, stride=s, padding=p)  # one entry per dense weight
        assert count.conv == weights.size + c_out
        assert (
            count.dense == m.size + m.shape[0]
            and count.out_shape[0] * np.prod(count.out_shape[1:]) == m.shape[0]
        )
        plain = arithmetic.parameter_count((c_in, h, w), c_out, k, stride=s, padding=p, bias=False)
        assert (plain.conv, plain.dense) == (weights.size, m.size)
        assert count.ratio == count.dense / count.conv


def test_the_arithmetic_explorers_ranges_admit_every_valid_state_and_no_other():
    limits = arithmetic.ARITHMETIC_LIMITS
    for h, w in itertools.product(range(1, limits["input"] + 1), repeat=2):
        for kh, kw in itertools.product(range(1, min(5, h) + 1), range(1, min(5, w) + 1)):
            for p in range(limits["padding"] + 1):
                r = arithmetic.arithmetic_ranges((h, w), (kh, kw), padding=p)
                assert r["kernel_h"] == (1, min(5, h)) and r["kernel_w"] == (1, min(5, w))
                top = r["dilation"][1]
                for d, s in itertools.product(range(1, limits["dilation"] + 1), (1, 3)):
                    ok = fits((h, w), (kh, kw), s, p, d) and ((kh, kw) != (1, 1) or d == 1)
                    assert ok == (d <= top), (h, w, kh, kw, p, d, s)
                    if ok:
                        ho, wo = F.conv2d_output_shape(
                            h, w, (kh, kw), stride=s, padding=p, dilation=d
                        )
                        r = arithmetic.arithmetic_ranges(
                            (h, w), (kh, kw), stride=s, padding=p, dilation=d
                        )
                        assert (r["i"], r["j"]) == ((0, ho - 1), (0, wo - 1))


def test_a_stride_or_padding_beyond_the_explorers_limits_is_refused_not_clamped():
    limits = arithmetic.ARITHMETIC_LIMITS
    assert arithmetic.arithmetic_ranges((9, 9), 1, stride=3, padding=2)["i"] == (0, 4)
    with pytest.raises(ValueError, match=r"stride must be at most 3 .*got \(4, 1\)"):
        arithmetic.arithmetic_ranges((9, 9), 1, stride=(4, 1))
    with pytest.raises(ValueError, match=r"padding must be at most 2 .*got \(0, 3\)"):
        arithmetic.arithmetic_ranges((9, 9), 1, padding=(0, limits["padding"] + 1))


def test_an_out_of_range_state_is_clamped_in_order_before_the_next_range():
    # kernel 5 on 2 rows becomes 2; then d = 3 no longer fits 2 rows and becomes 1
    r = arithmetic.arithmetic_ranges((2, 9), (5, 3), stride=1, padding=0, dilation=3)
    assert r["kernel_h"] == (1, 2) and r["dilation"] == (1, 1)
    assert (r["i"], r["j"]) == ((0, 0), (0, 6))  # 2x3 kernel, d = 1: a 1x7 output
    with pytest.raises(ValueError, match="in_hw must lie in 1..9"):
        arithmetic.arithmetic_ranges((10, 3), 3)
    with pytest.raises(ValueError, match="in_hw must hold positive ints"):
        arithmetic.arithmetic_ranges((0, 3), 1)
    start = arithmetic.ARITHMETIC_START
    r = arithmetic.arithmetic_ranges((start["h"], start["w"]), 3, stride=2, padding=1)
    assert all(r[name][0] <= value <= r[name][1] for name, value in start.items())


# ----------------------------------------------------------------------------- feature maps


def test_feature_map_is_the_cores_output_with_a_scale_for_its_picture():
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (9, 11))
    for name, s, p, d in [("sobel_x", 1, 0, 1), ("box_blur", 2, 1, 1), ("laplacian", 3, 2, 2)]:
        k = kernel_data.KERNELS[name]
        m = feature_maps.feature_map(x, k, stride=s, padding=p, dilation=d)
        y, _ = F.conv2d_forward(x[None, None], k[None, None], stride=s, padding=p, dilation=d)
        np.testing.assert_array_equal(m.values, y[0, 0])
        assert (m.low, m.high, m.shape) == (y.min(), y.max(), y.shape[2:])
        assert m.kernel_sum == k.sum() and np.array_equal(m.kernel, k)  # no noise to remove
        assert m.centred == (k.sum() <= 0)
        if m.centred:
            q = np.percentile(np.abs(y), feature_maps.SCALE_PERCENTILE)
            assert m.scale == (-q, q)
        else:
            assert m.scale == tuple(np.percentile(y, [1, 99]))
        assert m.scale_note == feature_maps.SCALE_NOTES[m.centred, "percentile"]
    zero = feature_maps.feature_map(x, np.zeros((2, 2)))
    assert zero.centred and zero.scale == (-1.0, 1.0)  # all zeros still draws
    assert zero.scale_note == "Y is all zeros"
    with pytest.raises(TypeError, match="image must have a floating dtype"):
        feature_maps.feature_map(np.ones((4, 4), int), np.ones((2, 2)))


def test_a_map_that_is_mostly_zero_is_scaled_to_its_extremes_not_to_1():
    """The 99th percentile of |Y| is 0 when fewer than 1% of the pixels are not: the scale then
    ends at max |Y| (Y's own extremes when not centred), and the note says so."""
    x = np.zeros((40, 40))
    x[20, 20] = 5.0  # Y is 0 but for 2 (an edge) or 4 (a 2x2 box) of its 1521 or more pixels
    edges = feature_maps.feature_map(x, np.array([[1.0, -1.0]]))
    assert np.percentile(np.abs(edges.values), 99) == 0 and edges.centred
    assert edges.scale == (-5.0, 5.0) and edges.scale_note.startswith("max |Y|")
    small = feature_maps.feature_map(1e-3 * x, np.array([[1.0, -1.0]]))  # all below 1
    assert small.scale == (-5e-3, 5e-3)
    box = feature_maps.feature_map(x, np.ones((2, 2)))
    assert np.percentile(box.values, [1, 99]).tolist() == [0.0, 0.0] and not box.centred
    assert box.scale == (0.0, 5.0) and box.scale_note.startswith("the min and max of Y")
    flat = feature_maps.feature_map(np.full((4, 4), 0.5), np.ones((2, 2)))
    assert flat.scale == (2.0, 3.0) and flat.scale_note == "Y is constant: a scale of width 1"


@pytest.mark.parametrize("where", ["image", "kernel"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_feature_map_names_a_value_that_is_not_finite(where, bad):
    image, kernel = np.ones((5, 5)), np.ones((2, 2))
    (image if where == "image" else kernel)[1, 0] = bad
    with pytest.raises(ValueError, match=rf"{where} must be finite; got {bad} at index \(1, 0\)"):
        feature_maps.feature_map(image, kernel)


def test_rounding_noise_is_zero_relative_to_the_scale_and_never_minus_zero():
    k = np.array([[2.0, -2e-9, 2.0000001e-9], [-0.0, 1e-300, -4.0]])
    shown = feature_maps.without_noise(k, 2.0)  # noise: |v| <= 1e-9 * 2
    np.testing.assert_array_equal(shown, [[2.0, 0.0, 2.0000001e-9], [0.0, 0.0, -4.0]])
    assert not np.signbit(shown[shown == 0]).any()
    assert feature_maps.without_noise(5e-10, 0.0) == 5e-10  # against 0 nothing is noise
    assert feature_maps.without_noise(0.0, 0.0) == 0.0
    with pytest.raises(ValueError, match="scale must be >= 0"):
        feature_maps.without_noise(k, -1.0)
    with pytest.raises(TypeError, match="values must be a numeric array"):
        feature_maps.without_noise("1", 1.0)
    m = feature_maps.feature_map(np.ones((4, 4)), np.array([[1.0, -1.0 + 1e-12]]))
    assert m.kernel_sum == 0.0 and m.centred  # 1e-12 of Σ|K| = 2: rounding noise
    m = feature_maps.feature_map(np.ones((4, 4)), np.array([[1.0, -1.0 + 1e-6]]))
    assert m.kernel_sum == pytest.approx(1e-6) and not m.centred  # a real (small) sum


def test_a_kernel_with_rounding_noise_is_drawn_as_the_edge_detector_it_is():
    k = noisy_sobel()  # -Sobel x + 1e-12 · pattern: what a learned kernel looks like
    assert k.sum() != 0 and abs(k.sum()) < 1e-9 * np.abs(k).sum()  # rounding noise, not 0
    assert (k[:, 1] > 0).any() and (k[:, 1] < 0).any()  # noise of both signs, not exact zeros
    x = sample_photo(4)
    m = feature_maps.feature_map(x, k)
    sobel = feature_maps.feature_map(x, -kernel_data.SOBEL_X)  # rot180(Sobel x) = -Sobel x
    assert m.kernel_sum == 0.0 and m.centred and sobel.centred  # the same, signed scale
    np.testing.assert_array_equal(m.kernel[:, 1], 0.0)
    assert not np.signbit(m.kernel[:, 1]).any()
    np.testing.assert_array_equal(m.kernel[:, [0, 2]], k[:, [0, 2]])  # the weights stay exact
    np.testing.assert_allclose(m.scale, sobel.scale, rtol=1e-8)


def test_the_learned_kernel_is_drawn_as_sobel_is(learned_kernel):
    """Whatever rounding noise chapter 04's run leaves, its kernel's map is Sobel's."""
    x = sample_photo(4)
    m, sobel = (feature_maps.feature_map(x, k) for k in (learned_kernel, -kernel_data.SOBEL_X))
    assert m.kernel_sum == 0.0 and m.centred and sobel.centred
    np.testing.assert_array_equal(m.kernel[:, 1], 0.0)  # Sobel's zeros: any noise is shown as 0
    np.testing.assert_allclose(m.scale, sobel.scale, rtol=1e-8)


def test_feature_map_ranges_keep_every_kernel_inside_the_image():
    shapes = [(3, 3), (2, 5)]
    r = feature_maps.feature_map_ranges((9, 13), shapes)
    assert r["stride"] == (1, 4) and r["padding"] == (0, 3)
    top = r["dilation"][1]
    assert top == 3  # 2x5: 3*4+1 = 13 columns fit 13, 4*4+1 do not (3x3 would allow 4)
    for (kh, kw), d in itertools.product(shapes, range(1, top + 1)):
        assert fits((9, 13), (kh, kw), 1, 0, d)  # every kernel, every offered dilation
    assert not all(fits((9, 13), k, 1, 0, top + 1) for k in shapes)
    assert feature_maps.feature_map_ranges((300, 256), shapes)["dilation"] == (1, 4)  # the limit
    with pytest.raises(ValueError, match="does not fit"):
        feature_maps.feature_map_ranges((2, 2), [(3, 3)])


@pytest.mark.parametrize(
    ("image_hw", "shapes", "exc", "needle"),
    [
        ((9, 9), [3], ValueError, r"kernel_shapes\[0\] must have 2 entries \(KH, KW\); got \(3,\)"),
        ((9, 9), None, TypeError, "kernel_shapes must be a sequence of .* got None"),
        ((9, 9), [(3, 3), (0, 2)], ValueError, r"kernel_shapes\[1\] must hold positive ints"),
        ((9, 9), [(3, 3), "ab"], TypeError, r"kernel_shapes\[1\] must be an int or a tuple"),
        ((0, 9), [(3, 3)], ValueError, "image_hw must hold positive ints"),
    ],
)
def test_feature_map_ranges_name_bad_shapes(image_hw, shapes, exc, needle):
    with pytest.raises(exc, match=needle):
        feature_maps.feature_map_ranges(image_hw, shapes)


@pytest.mark.parametrize(
    ("shape", "needle"),
    [
        ((2, 3, 8, 8), r"x must have shape \(2, 1, 8, 8\) \(one channel: \(N, 1, H, W\)\)"),
        ((0, 1, 8, 8), r"x must be a non-empty batch"),
    ],
)
def test_learn_kernel_names_x_for_a_bad_batch(shape, needle):
    with pytest.raises(ValueError, match=needle):
        feature_maps.learn_kernel(np.ones(shape), np.ones((2, 2)))


def test_chapter_04s_experiment_recovers_its_hidden_kernel():
    x = photo_patches()  # chapter 04's data: 16 standardised 12x12 patches of the photo
    hidden = geometry.rot180(kernel_data.SOBEL_X)  # chapter 04's K_true
    np.testing.assert_array_equal(hidden, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    learned = feature_maps.learn_kernel(x, hidden)
    np.testing.assert_allclose(learned.kernel, hidden, atol=1e-9)
    assert learned.losses[-1] < 1e-20 and np.all(np.diff(learned.losses) < 0)
    assert 100 < learned.steps < 5000 and learned.steps == len(learned.losses) - 1
    short = feature_maps.learn_kernel(x, hidden, max_steps=10)
    assert short.steps == 10 and np.abs(short.kernel - hidden).max() > 0.01
    np.testing.assert_array_equal(short.losses, learned.losses[:11])
    with pytest.raises(ValueError, match="lr must be > 0"):
        feature_maps.learn_kernel(x, hidden, lr=0)


def mse_of(x, hidden, k):
    """The loss learn_kernel reports for kernel k, computed by hand."""
    y, goal = (F.conv2d_forward(x, kk[None, None])[0] for kk in (k, hidden))
    return float(np.mean((y - goal) ** 2))


def test_a_learning_rate_that_diverges_is_an_error_naming_lr():
    x = photo_patches(4, 8, seed=1)
    hidden = geometry.rot180(kernel_data.SOBEL_X)
    with pytest.raises(ValueError, match=r"lr = 10 is too large .* raised the loss from [\d.]+ to"):
        feature_maps.learn_kernel(x, hidden, lr=10)


def test_when_the_loss_stops_falling_the_best_kernel_is_returned():
    """Just below the largest stable rate the loss falls, then rounding makes it bounce: the
    step that raised it is undone, so the kernel returned is the one with the lowest loss."""
    x = photo_patches(4, 8, seed=1)
    hidden = np.array([[1.0, 0.5], [-2.0, 0.25]])
    for lr in (0.1, 0.3, 0.5, 0.7):
        try:
            learned = feature_maps.learn_kernel(x, hidden, lr=lr, tol=1e-300)
        except ValueError:
            continue
        losses = learned.losses
        assert np.all(np.diff(losses) < 0), lr  # every step kept lowered the loss
        assert mse_of(x, hidden, learned.kernel) == losses[-1] == losses.min(), lr


# ----------------------------------------------------------------------------- the flip


def test_flip_1d_is_numpys_correlate_and_convolve():
    rng = np.random.default_rng(8)
    for length, taps in [(8, 3), (5, 5), (6, 1), (7, 4)]:
        x, k = rng.standard_normal(length), rng.standard_normal(taps)
        for at in range(length - taps + 1):
            f = flip_1d(x, k, at)
            np.testing.assert_allclose(f.correlation, np.correlate(x, k, "valid"), rtol=1e-12)
            np.testing.assert_allclose(f.convolution, np.convolve(x, k, "valid"), rtol=1e-12)
            assert np.isclose(f.correlation[at], k @ x[f.correlation_reads])
            assert np.isclose(f.convolution[at], k @ x[f.convolution_reads])
    with pytest.raises(ValueError, match=r"at must be an output index in \[0, 6\)"):
        flip_1d(np.ones(8), np.ones(3), 6)
    with pytest.raises(ValueError, match="does not fit"):
        flip_1d(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"k must not be empty; got shape \(0,\)"):
        flip_1d(np.ones(3), np.ones(0))
