"""The numbers behind chapter 04's kernel-gradient figure and explorer (NumPy only).

One kernel weight's gradient is a sum over the output pixels,

    dL/dK[u,v] = sum_{i,j} delta[i,j] * Xp[i*s_h + u*d_h, j*s_w + v*d_w],

one term per pixel of delta, where Xp is the input X with p rows and columns of zeros on each
side. `kernel_tap_terms` lists those terms, the same number read off the correlation of Xp with
dilate_s(delta), and the whole dL/dK from the core's `conv2d_backward`, so a picture can show
that the three agree; with them, the geometry that picture marks (the padding, the inserted
zeros, the patch a one-hot delta copies), so that a figure or widget only draws.
`explorer_input`, `explorer_delta` and `explorer_data` are the explorer's reproducible data (a
random, one-hot or all-ones delta); `explorer_ranges` gives the range of each of its controls,
chosen so that every reachable combination is a valid convolution.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..geometry import (
    conv2d_output_shape,
    dilate2d,
    inserted_mask,
    largest_dilation,
    output_window,
    padding_mask,
    window,
)
from ..validation import (
    as_float_array,
    as_int,
    check_shape,
    conv_hyper,
    in_interval,
    one_of,
    pair,
    shape_tuple,
)

EXPLORER_INPUT_SHAPE = (7, 8)  # H != W on purpose
"""Shape (H, W) of `explorer_input`."""

DELTA_KINDS = ("random", "one-hot", "all ones")
"""The upstream gradients the explorer offers (`explorer_delta`'s ``kind``)."""

EXPLORER_LIMITS = {"kernel": 4, "stride": 3, "padding": 2, "dilation": 3}
"""Largest kernel height/width, stride, padding and dilation the explorer offers."""


class KernelTapTerms(NamedTuple):
    """The terms of ``dL/dK[u,v] = sum_{i,j} delta[i,j] * Xp[i*s + u*d, j*s + v*d]``.

    Rows and columns index the padded input Xp (the same as X's when there is no padding).
    Besides the numbers, it carries the geometry a picture of them needs: which cells of Xp are
    padding, which entries of dilate_s(delta) are inserted zeros, and, for a one-hot delta, the
    cells of Xp its output pixel reads.

    Examples
    --------
    >>> t = kernel_tap_terms(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), 1, 0, kernel_size=2,
    ...                      stride=2, padding=1)
    >>> t.rows, t.cols, float(t.products.sum()), float(t.dk[1, 0])  # X[0,1] + X[2,1] = 1 + 7
    (array([1, 3]), array([0, 2]), 8.0, 8.0)
    >>> t.is_padding.astype(int)
    array([[1, 1, 1, 1, 1],
           [1, 0, 0, 0, 1],
           [1, 0, 0, 0, 1],
           [1, 0, 0, 0, 1],
           [1, 1, 1, 1, 1]])
    >>> t.inserted.astype(int)  # dilate_2(delta): the zeros put between delta's entries
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 1, 0]])
    >>> t.hot, t.patch_cells  # delta is not one-hot: no patch
    (None, ())
    """

    rows: np.ndarray  # (H_out,) rows of Xp the tap reads: i*s_h + u*d_h
    cols: np.ndarray  # (W_out,) columns of Xp: j*s_w + v*d_w
    products: np.ndarray  # (H_out, W_out) Xp[rows[i], cols[j]] * delta[i, j]
    dk: np.ndarray  # (KH, KW) the whole kernel gradient, from the core's conv2d_backward
    xp: np.ndarray  # (H + 2p_h, W + 2p_w) the padded input Xp
    padding: tuple[int, int]  # (p_h, p_w): where X sits inside Xp
    dilated_delta: np.ndarray  # dilate_s(delta): s - 1 zeros between neighbouring entries
    via_dilated: float  # (Xp ⋆ dilate_s(delta))[u*d_h, v*d_w], computed from dilated_delta
    hot: tuple[int, int] | None  # (i, j) when delta is one-hot (a single 1, zeros elsewhere)
    patch: np.ndarray | None  # (KH, KW) the window of Xp output pixel `hot` reads; equals dk
    stride: tuple[int, int]  # (s_h, s_w)
    dilation: tuple[int, int]  # (d_h, d_w)
    is_padding: np.ndarray  # bool, shaped like xp: True on the padding, False on X
    inserted: np.ndarray  # bool, shaped like dilated_delta: True on the zeros dilate_s inserted
    patch_cells: tuple[tuple[int, int], ...]  # (row, col) of Xp in `patch`, row by row; or ()


def kernel_tap_terms(
    x, delta, u, v, *, kernel_size, stride=1, padding=0, dilation=1
) -> KernelTapTerms:
    """Split one kernel weight's gradient into its terms, for one channel.

    Parameters
    ----------
    x : ndarray of floats, shape (H, W)
        One input channel X (unpadded: ``padding`` pads it with zeros, as the core does).
    delta : ndarray of floats, shape (H_out, W_out)
        Upstream gradient dL/dY, shaped like the convolution's output.
    u, v : int
        The kernel tap, ``0 <= u < KH``, ``0 <= v < KW``.
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    KernelTapTerms
        In float64; ``products.sum()``, ``via_dilated`` and ``dk[u, v]`` are equal: the picture,
        the strided correlation and the core agree. When delta is one-hot at (i, j), ``hot`` is
        (i, j), ``patch`` (equal to ``dk``) the window of Xp that output pixel reads and
        ``patch_cells`` where that window lies in Xp.

    Raises
    ------
    ValueError
        When the kernel does not fit x, delta has the wrong shape, or (u, v) is outside the kernel.
    TypeError
        When x or delta is not a float array, as in the core's `conv2d_forward`.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> t = kernel_tap_terms(x, np.ones((2, 2)), 0, 1, kernel_size=2, stride=2)
    >>> t.rows, t.cols
    (array([0, 2]), array([1, 3]))
    >>> float(t.products.sum()), t.via_dilated, float(t.dk[0, 1])
    (24.0, 24.0, 24.0)
    >>> one_hot = explorer_delta((3, 5), kind="one-hot", at=(0, 1))
    >>> t = kernel_tap_terms(x, one_hot, 0, 0, kernel_size=2, stride=(2, 1), padding=1)
    >>> t.xp.shape, t.hot, bool(np.array_equal(t.patch, t.dk)), t.patch_cells
    ((6, 6), (0, 1), True, ((0, 1), (0, 2), (1, 1), (1, 2)))
    """
    x, delta, kernel, cache = _one_channel_convolution(
        x, delta, kernel_size, stride, padding, dilation
    )
    u, v = _checked_tap(u, v, kernel)
    stride, dilation = cache.stride, cache.dilation
    xp = cache.x_padded[0, 0]
    rows, cols = window(u, v, cache.out_hw, stride, dilation)  # what tap (u, v) reads, as slices
    dilated = dilate2d(delta, stride)
    hot = _one_hot_at(delta)
    patch, patch_cells = _patch(xp, hot, kernel, stride, dilation)
    return KernelTapTerms(
        rows=np.arange(xp.shape[0])[rows],
        cols=np.arange(xp.shape[1])[cols],
        products=xp[rows, cols] * delta,  # (H_out, W_out)
        dk=F.conv2d_backward(delta[None, None], cache)[1][0, 0],  # (KH, KW)
        xp=xp,
        padding=cache.padding,
        dilated_delta=dilated,
        via_dilated=_via_dilated(xp, dilated, u * dilation[0], v * dilation[1]),
        hot=hot,
        patch=patch,
        stride=stride,
        dilation=dilation,
        is_padding=padding_mask(xp.shape, cache.padding),
        inserted=inserted_mask(dilated.shape, stride),
        patch_cells=patch_cells,
    )


def _one_channel_convolution(x, delta, kernel_size, stride, padding, dilation):
    """Check the arguments (x and delta as float64) and run the core's forward pass on x.

    Returns x, delta, the kernel's (KH, KW) and the forward cache (its checked stride, padding
    and dilation, the padded input, the output shape), which delta must match.
    """
    # float64 whatever the input's float dtype, so the terms print like the core's float64 dK
    x = as_float_array(x, "x", ndim=2).astype(np.float64, copy=False)
    delta = as_float_array(delta, "delta", ndim=2).astype(np.float64, copy=False)
    kernel = pair(kernel_size, "kernel_size", 1)
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    _, cache = F.conv2d_forward(
        x[None, None],
        np.zeros((1, 1, *kernel)),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    check_shape(delta, cache.out_hw, "delta", "the convolution output's shape (H_out, W_out)")
    return x, delta, kernel, cache


def _checked_tap(u, v, kernel) -> tuple[int, int]:
    """(u, v) as ints, inside the KH x KW kernel."""
    u, v = as_int(u, "u"), as_int(v, "v")
    if not (0 <= u < kernel[0] and 0 <= v < kernel[1]):
        raise ValueError(f"tap (u, v) = ({u}, {v}) is outside the {kernel[0]}x{kernel[1]} kernel")
    return u, v


def _via_dilated(xp, dilated, top: int, left: int) -> float:
    """(Xp ⋆ dilated)[top, left]: the tap's sum, read off the correlation with dilate_s(delta)."""
    under = xp[top : top + dilated.shape[0], left : left + dilated.shape[1]]
    return float(np.sum(under * dilated))


def _patch(xp, hot, kernel, stride, dilation):
    """The window of Xp output pixel ``hot`` reads, and its cells (row, col) row by row.

    (None, ()) when there is no such pixel (delta is not one-hot).
    """
    if hot is None:
        return None, ()
    rows, cols = output_window(*hot, kernel, stride, dilation)
    cells = tuple(
        (int(r), int(c)) for r in np.arange(xp.shape[0])[rows] for c in np.arange(xp.shape[1])[cols]
    )
    return xp[rows, cols], cells


def _one_hot_at(delta) -> tuple[int, int] | None:
    """(i, j) when delta is a single 1 with zeros elsewhere, else None."""
    nonzero = np.argwhere(delta != 0)
    if len(nonzero) == 1 and delta[tuple(nonzero[0])] == 1:
        i, j = (int(k) for k in nonzero[0])
        return i, j
    return None


def explorer_input(seed=0) -> np.ndarray:
    """The explorer's default input X: small integers (as floats), easy to multiply by eye.

    Parameters
    ----------
    seed : int
        Seed of the draw.

    Returns
    -------
    ndarray of float64, shape `EXPLORER_INPUT_SHAPE` = (7, 8)

    Examples
    --------
    >>> x = explorer_input()
    >>> x.shape, x.dtype.name, float(x.min()) >= 0, float(x.max()) <= 9
    ((7, 8), 'float64', True, True)
    """
    return np.random.default_rng(seed).integers(0, 10, EXPLORER_INPUT_SHAPE).astype(float)


def explorer_delta(out_hw, seed=0, *, kind="random", at=None) -> np.ndarray:
    """A reproducible upstream gradient delta for an output of shape ``out_hw``.

    Parameters
    ----------
    out_hw : (int, int)
        (H_out, W_out).
    seed : int
        Seed of the random delta, drawn with the shape, so that each output shape the explorer
        reaches gets its own fixed delta.
    kind : {"random", "one-hot", "all ones"}
        ``"random"``: values in [-1, 1] rounded to one decimal. ``"one-hot"``: a single 1 at
        ``at``, zeros elsewhere (then dL/dK is one patch of the input). ``"all ones"``: every
        entry 1 (then each dL/dK[u,v] is a plain sum of the pixels tap (u, v) reads).
    at : (int, int), optional
        Where the one-hot delta has its 1; default the centre pixel
        ``((H_out - 1) // 2, (W_out - 1) // 2)``. Ignored by the other kinds.

    Returns
    -------
    ndarray of float64, shape out_hw

    Examples
    --------
    >>> d = explorer_delta((2, 3))
    >>> d.shape, bool(np.all(np.abs(d) <= 1)), bool(np.array_equal(d, explorer_delta((2, 3))))
    ((2, 3), True, True)
    >>> explorer_delta((3, 3), kind="one-hot")
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    >>> explorer_delta((1, 2), kind="one-hot", at=(0, 2))
    Traceback (most recent call last):
    ValueError: at[1] (the one-hot column) must lie in [0, 2); got 2.0
    """
    out_hw = shape_tuple(out_hw, "out_hw", 2, "(H_out, W_out)")
    seed = as_int(seed, "seed", 0)
    kind = one_of(kind, "kind", DELTA_KINDS)
    if kind == "random":
        return np.round(np.random.default_rng([seed, *out_hw]).uniform(-1, 1, out_hw), 1)
    if kind == "all ones":
        return np.ones(out_hw)
    if at is None:
        at = ((out_hw[0] - 1) // 2, (out_hw[1] - 1) // 2)
    i, j = pair(at, "at", 0)
    in_interval(i, "at[0] (the one-hot row)", 0, out_hw[0])
    in_interval(j, "at[1] (the one-hot column)", 0, out_hw[1])
    delta = np.zeros(out_hw)
    delta[i, j] = 1.0
    return delta


def explorer_data(
    *,
    kernel_size=3,
    stride=1,
    padding=0,
    dilation=1,
    delta_kind="random",
    at=None,
    seed=0,
    x=None,
) -> tuple[np.ndarray, np.ndarray]:
    """The explorer's X and delta for one setting of its controls (for a static figure).

    Parameters
    ----------
    kernel_size, stride, padding, dilation : int or (h, w) pair
        The convolution; they fix the output shape, hence delta's.
    delta_kind : {"random", "one-hot", "all ones"}
        As `explorer_delta`'s ``kind`` (``at``: where a one-hot delta has its 1).
    at : (int, int), optional
    seed : int
        Seed of X and of the random delta, as in the explorer.
    x : ndarray of floats, shape (H, W), optional
        The input; default ``explorer_input(seed)``.

    Returns
    -------
    (x, delta) : two ndarrays of float64
        Ready for ``viz.kernel_tap_figure(x, delta, u, v, kernel_size=..., stride=...,
        padding=..., dilation=...)`` with the same settings.

    Raises
    ------
    ValueError
        When the dilated kernel does not fit the padded input.

    Examples
    --------
    >>> x, delta = explorer_data()  # the explorer's starting state: 3x3 kernel, stride 1
    >>> x.shape, delta.shape
    ((7, 8), (5, 6))
    >>> _, delta = explorer_data(kernel_size=(2, 3), stride=2, padding=1, delta_kind="all ones")
    >>> delta.shape, float(delta.sum())
    ((4, 4), 16.0)
    """
    x = explorer_input(seed) if x is None else as_float_array(x, "x", ndim=2)
    out_hw = conv2d_output_shape(
        *x.shape, kernel_size, stride=stride, padding=padding, dilation=dilation
    )
    return x.astype(np.float64, copy=False), explorer_delta(out_hw, seed, kind=delta_kind, at=at)


def explorer_ranges(kernel_size, padding, *, in_hw=EXPLORER_INPUT_SHAPE) -> dict:
    """The range of every control of the explorer, given its kernel size and padding.

    Every combination inside these ranges is a valid convolution: the taps lie in the kernel
    (u up to KH - 1, v up to KW - 1) and the dilated kernel, ``d*(K - 1) + 1`` pixels wide,
    fits the padded input (the dilation's maximum is the largest that fits, at most
    ``EXPLORER_LIMITS["dilation"]``: `cnnbp_core.geometry.largest_dilation`). A 1x1 kernel
    reads one pixel whatever its dilation, so its dilation range is (1, 1): a control that
    changes nothing is not offered. Any stride fits. The kernel's own maximum is the input
    size (at most ``EXPLORER_LIMITS["kernel"]``), so it fits without padding or dilation.

    Parameters
    ----------
    kernel_size : int or (KH, KW) pair
    padding : int or (h, w) pair
    in_hw : (int, int)
        The input's (H, W); default `EXPLORER_INPUT_SHAPE`.

    Returns
    -------
    dict of str to (int, int)
        Inclusive (min, max) of ``"kernel_h"``, ``"kernel_w"``, ``"u"``, ``"v"``,
        ``"stride"``, ``"padding"`` and ``"dilation"``.

    Raises
    ------
    ValueError
        When the kernel does not fit the padded input even without dilation.

    Examples
    --------
    >>> r = explorer_ranges((4, 2), 0)
    >>> r["u"], r["v"], r["dilation"]
    ((0, 3), (0, 1), (1, 2))
    >>> explorer_ranges((4, 2), 2)["dilation"]  # padding makes room for a wider dilated kernel
    (1, 3)
    >>> explorer_ranges(1, 0)["dilation"]
    (1, 1)
    """
    kernel = pair(kernel_size, "kernel_size", 1)
    padding = pair(padding, "padding", 0)
    in_hw = shape_tuple(in_hw, "in_hw", 2, "(H, W)")
    top = largest_dilation(in_hw, kernel, padding, EXPLORER_LIMITS["dilation"])
    if kernel == (1, 1):
        top = 1  # a single tap reads one pixel whatever its dilation: nothing to explore
    return {
        "kernel_h": (1, min(EXPLORER_LIMITS["kernel"], in_hw[0])),
        "kernel_w": (1, min(EXPLORER_LIMITS["kernel"], in_hw[1])),
        "u": (0, kernel[0] - 1),
        "v": (0, kernel[1] - 1),
        "stride": (1, EXPLORER_LIMITS["stride"]),
        "padding": (0, EXPLORER_LIMITS["padding"]),
        "dilation": (1, top),
    }
