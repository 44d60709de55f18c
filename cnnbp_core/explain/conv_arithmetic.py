"""Convolution arithmetic: which pixels an output reads, the output size term by term, receptive
fields and parameter counts, and the ranges of chapter 03's arithmetic explorer. NumPy only.

Output pixel (i, j) reads, through tap (u, v), the pixel ``(i*s_h + u*d_h, j*s_w + v*d_w)`` of
the padded input X_p (`cnnbp_core.geometry`). Along one axis, X_p has ``H + 2p`` rows and the
dilated kernel spans ``d(K - 1) + 1`` of them (its effective size); the window can move
``H + 2p - d(K - 1) - 1`` rows down from the top, in steps of s, so it takes
``floor((H + 2p - d(K - 1) - 1) / s) + 1`` positions, and the rows left over at the bottom
(``(H + 2p - d(K - 1) - 1) mod s`` of them) are read by no output. `output_size_terms` names
each of those numbers. Rows of X itself go unread in three ways (`OutputSizeTerms.unread_rows`):
below the last window, beyond the padding; between windows, when s > d(K - 1) + 1; and between
the taps of a dilated kernel, where no window's tap lands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..geometry import largest_dilation, output_size, output_window, padded_shape, padding_mask
from ..validation import as_flag, as_int, conv_hyper, instance_of, pair, positive_shape

# ----------------------------------------------------------------------------- the output size


class UnreadRows(NamedTuple):
    """The rows of X (not padding) that no output reads, by why; numbered as rows of X_p."""

    below: tuple[int, ...]  # below the last window's last tap (the leftover, beyond the padding)
    between_windows: tuple[int, ...]  # after one window's span, before the next one starts
    between_taps: tuple[int, ...]  # inside some window's span, but no window's tap lands there

    @property
    def rows(self) -> tuple[int, ...]:
        """Every unread row of X, in order."""
        return tuple(sorted(self.below + self.between_windows + self.between_taps))


class OutputSizeTerms(NamedTuple):
    """Every term of ``n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1`` along one axis."""

    size: int  # n: input rows (H) or columns (W)
    kernel: int  # k: kernel rows (KH) or columns (KW)
    stride: int  # s
    padding: int  # p, per side
    dilation: int  # d (1 = no gaps)
    padded: int  # n + 2p: rows of X_p
    span: int  # d(k - 1) + 1: the effective kernel size, rows one window covers
    room: int  # n + 2p - d(k - 1) - 1 = padded - span: how far the window can move
    steps: int  # floor(room / s): moves of s rows that fit
    out: int  # steps + 1: output rows (the first position, then one per move)
    leftover: int  # room - steps*s = room mod s: rows of X_p below the last window
    unread_below: int  # min(max(leftover - p, 0), n): of those, rows of X itself (not padding)

    def unread_rows(self) -> UnreadRows:
        """The rows of X that no output reads, by source, numbered as rows of X_p.

        Window i covers rows ``i*s .. i*s + span - 1`` of X_p and reads rows ``i*s + u*d``. A
        row of X (``p <= row < p + n``) that no tap reads lies below the last window (there are
        `unread_below` of those), or between two windows (only when ``s > span``), or inside a
        window's span between its taps (only when ``d > 1``).

        Returns
        -------
        UnreadRows

        Examples
        --------
        >>> output_size_terms(8, 2, stride=3).unread_rows()  # span 2 < s = 3: gaps
        UnreadRows(below=(), between_windows=(2, 5), between_taps=())
        >>> output_size_terms(8, 3, stride=3, dilation=2).unread_rows()  # taps 0,2,4 and 3,5,7
        UnreadRows(below=(), between_windows=(), between_taps=(1, 6))
        >>> output_size_terms(8, 3, stride=2, padding=1).unread_rows().rows  # leftover: padding
        ()
        """
        rows = np.arange(self.padded)
        read = _axis_read(*self[:5], self.out)
        starts = np.arange(self.out) * self.stride
        spanned = np.zeros(self.padded, bool)
        spanned[(starts[:, None] + np.arange(self.span)[None, :]).ravel()] = True
        unread = ~read & (rows >= self.padding) & (rows < self.padding + self.size)
        last = self.padded - 1 - self.leftover  # the last row any tap reads

        def where(mask):
            return tuple(int(r) for r in np.flatnonzero(unread & mask))

        return UnreadRows(where(rows > last), where(~spanned & (rows <= last)), where(spanned))


def output_size_terms(size, kernel, stride=1, padding=0, dilation=1) -> OutputSizeTerms:
    """The output size along one axis, with every term of the formula named.

    Parameters
    ----------
    size : int, >= 1
        Input rows H (or columns W).
    kernel : int, >= 1
        Kernel rows KH (or columns KW).
    stride, padding, dilation : int
        s >= 1, p >= 0 per side, d >= 1.

    Returns
    -------
    OutputSizeTerms

    Raises
    ------
    ValueError
        When the dilated kernel does not fit the padded input.

    Examples
    --------
    >>> t = output_size_terms(8, 3, stride=2, padding=1)
    >>> t.padded, t.span, t.room, t.steps, t.out, t.leftover, t.unread_below
    (10, 3, 7, 3, 4, 1, 0)
    >>> output_size_terms(10, 3, stride=3, dilation=2)[5:]  # span 5: rows 8 and 9 left over
    (10, 5, 5, 1, 2, 2, 2)
    >>> output_size_terms(1, 1, stride=5, padding=2)[-2:]  # X_p rows 1-4 left: X's one row, 2
    (4, 1)
    """
    n, k = as_int(size, "size", 1), as_int(kernel, "kernel", 1)
    s, p = as_int(stride, "stride", 1), as_int(padding, "padding", 0)
    d = as_int(dilation, "dilation", 1)
    out = output_size((n, 1), (k, 1), (s, 1), (p, 0), (d, 1))[0]  # checks that it fits
    padded, span = n + 2 * p, d * (k - 1) + 1
    room = padded - span
    leftover = room - (out - 1) * s
    # the leftover rows end with the p rows of bottom padding; above those, at most n rows of X
    unread_below = min(max(leftover - p, 0), n)
    return OutputSizeTerms(n, k, s, p, d, padded, span, room, out - 1, out, leftover, unread_below)


# ----------------------------------------------------------------------------- the geometry


class ConvGeometry(NamedTuple):
    """The checked hyper-parameters of a one-channel convolution, and its output shape."""

    in_hw: tuple[int, int]  # (H, W)
    kernel: tuple[int, int]  # (KH, KW)
    stride: tuple[int, int]  # (s_h, s_w)
    padding: tuple[int, int]  # (p_h, p_w), per side
    dilation: tuple[int, int]  # (d_h, d_w)
    out_hw: tuple[int, int]  # (H_out, W_out)

    def terms(self) -> tuple[OutputSizeTerms, OutputSizeTerms]:
        """`output_size_terms` along the rows and along the columns."""
        return tuple(
            output_size_terms(*axis)
            for axis in zip(self.in_hw, self.kernel, self.stride, self.padding, self.dilation)
        )


def conv_geometry(in_hw, kernel_size, stride=1, padding=0, dilation=1) -> ConvGeometry:
    """Check a one-channel convolution's sizes and hyper-parameters; compute its output shape.

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W), each >= 1.
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    ConvGeometry
        Every size as an (h, w) pair of ints.

    Raises
    ------
    ValueError
        When a size is not positive or the dilated kernel does not fit the padded input.

    Examples
    --------
    >>> g = conv_geometry((5, 7), (3, 2), stride=2, padding=1)
    >>> g.kernel, g.out_hw, g.terms()[1].leftover
    ((3, 2), (3, 4), 1)
    """
    in_hw = positive_shape(in_hw, "in_hw", 2, "(H, W)")
    kernel = pair(kernel_size, "kernel_size", 1)
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    out_hw = output_size(in_hw, kernel, stride, padding, dilation)
    return ConvGeometry(in_hw, kernel, stride, padding, dilation, out_hw)


# ----------------------------------------------------------------------------- what is read


class OutputReads(NamedTuple):
    """The pixels of X_p that one output pixel reads, tap by tap (see `output_reads`)."""

    rows: np.ndarray  # (KH,) row of X_p read by kernel row u: i*s_h + u*d_h
    cols: np.ndarray  # (KW,) column of X_p read by kernel column v: j*s_w + v*d_w
    in_padding: np.ndarray  # (KH, KW) bool: tap (u, v) reads a padding zero

    def cells(self) -> tuple[tuple[int, int, int, int], ...]:
        """(u, v, row, col) for every tap, row by row: tap (u, v) reads X_p[row, col]."""
        return tuple(
            (u, v, int(r), int(c)) for u, r in enumerate(self.rows) for v, c in enumerate(self.cols)
        )


def output_reads(i, j, *, in_hw, kernel_size, stride=1, padding=0, dilation=1) -> OutputReads:
    """Which pixels of the padded input X_p output pixel (i, j) reads, through which tap.

    Parameters
    ----------
    i, j : int
        The output pixel, ``0 <= i < H_out``, ``0 <= j < W_out``.
    in_hw : (int, int)
        The input's (H, W), unpadded.
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    OutputReads
        Coordinates in X_p (the input's own are ``row - p_h``, ``col - p_w``).

    Raises
    ------
    ValueError
        When the kernel does not fit or (i, j) is not an output pixel.

    Examples
    --------
    >>> r = output_reads(0, 1, in_hw=(5, 5), kernel_size=3, stride=2, padding=1)
    >>> r.rows, r.cols
    (array([0, 1, 2]), array([2, 3, 4]))
    >>> r.in_padding.astype(int)  # the top row of X_p is padding
    array([[1, 1, 1],
           [0, 0, 0],
           [0, 0, 0]])
    >>> r.cells()[:2]
    ((0, 0, 0, 2), (0, 1, 0, 3))
    """
    in_hw, kernel, stride, padding, dilation, (ho, wo) = conv_geometry(
        in_hw, kernel_size, stride, padding, dilation
    )
    i, j = as_int(i, "i"), as_int(j, "j")
    if not (0 <= i < ho and 0 <= j < wo):
        raise ValueError(f"output pixel (i, j) = ({i}, {j}) is outside the {ho}x{wo} output")
    row_slice, col_slice = output_window(i, j, kernel, stride, dilation)
    hp, wp = padded_shape(in_hw, padding)
    rows, cols = np.arange(hp)[row_slice], np.arange(wp)[col_slice]
    mask = padding_mask((hp, wp), padding)
    return OutputReads(rows, cols, mask[np.ix_(rows, cols)])


def never_read(in_hw, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Which pixels of X_p no output pixel reads (True), through any tap.

    Output (i, j) reads rows ``i*s_h + u*d_h`` and columns ``j*s_w + v*d_w``, every row with
    every column, so the pixels read are all pairs of a row some output reads with a column
    some output reads: a pixel is unread when its row or its column is. Rows are unread below
    the last window, between windows and between a dilated kernel's taps
    (`OutputSizeTerms.unread_rows`).

    Parameters
    ----------
    in_hw : (int, int)
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    ndarray of bool, shape (H + 2p_h, W + 2p_w)

    Examples
    --------
    >>> never_read((6, 5), 2, stride=3).astype(int)  # rows 2 and 5, column 2
    array([[0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0],
           [1, 1, 1, 1, 1],
           [0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0],
           [1, 1, 1, 1, 1]])
    """
    in_hw, kernel, stride, padding, dilation, out_hw = conv_geometry(
        in_hw, kernel_size, stride, padding, dilation
    )
    rows, cols = (
        _axis_read(*axis) for axis in zip(in_hw, kernel, stride, padding, dilation, out_hw)
    )
    return ~(rows[:, None] & cols[None, :])


def _axis_read(n, k, s, p, d, n_out) -> np.ndarray:
    """(n + 2p,) bool: the rows of X_p some output reads, ``i*s + u*d`` for every i and u."""
    read = np.zeros(n + 2 * p, bool)
    read[(np.arange(n_out)[:, None] * s + np.arange(k)[None, :] * d).ravel()] = True
    return read


class ArithmeticState(NamedTuple):
    """Everything the arithmetic explorer and its figure show, for one state (`conv_arithmetic`)."""

    geometry: ConvGeometry  # the checked sizes and the output shape
    at: tuple[int, int]  # the chosen output pixel (i, j)
    reads: OutputReads  # what (i, j) reads, tap by tap, in X_p
    is_padding: np.ndarray  # (H + 2p_h, W + 2p_w) bool: the padding of X_p
    unread: np.ndarray  # (H + 2p_h, W + 2p_w) bool: pixels of X_p no output reads
    terms: tuple[OutputSizeTerms, OutputSizeTerms]  # the output size, rows then columns


def arithmetic_state(
    in_hw, kernel_size, *, stride=1, padding=0, dilation=1, at=(0, 0)
) -> ArithmeticState:
    """The arithmetic of one convolution: what output ``at`` reads, what no output reads, the
    output size term by term (`output_reads`, `never_read`, `output_size_terms`).

    Parameters
    ----------
    in_hw : (int, int)
    kernel_size, stride, padding, dilation : int or (h, w) pair
    at : (int, int)
        The output pixel (i, j).

    Returns
    -------
    ArithmeticState

    Raises
    ------
    ValueError
        When the kernel does not fit or ``at`` is not an output pixel.

    Examples
    --------
    >>> a = arithmetic_state((5, 5), 3, stride=2, padding=1)
    >>> a.geometry.out_hw, int(a.reads.in_padding.sum()), int(a.unread.sum()), a.terms[0].room
    ((3, 3), 5, 0, 4)
    """
    g = conv_geometry(in_hw, kernel_size, stride, padding, dilation)
    i, j = pair(at, "at", 0)
    reads = output_reads(
        i,
        j,
        in_hw=g.in_hw,
        kernel_size=g.kernel,
        stride=g.stride,
        padding=g.padding,
        dilation=g.dilation,
    )
    unread = never_read(g.in_hw, g.kernel, g.stride, g.padding, g.dilation)
    is_padding = padding_mask(padded_shape(g.in_hw, g.padding), g.padding)
    return ArithmeticState(g, (i, j), reads, is_padding, unread, g.terms())


# ----------------------------------------------------------------------------- stacks and counts


class ReceptiveField(NamedTuple):
    """After one layer of a stack: how many input pixels one output pixel sees, and how far apart
    (in input pixels) neighbouring output pixels are."""

    size: tuple[int, int]  # (h, w): the receptive field's extent in the stack's input
    jump: tuple[int, int]  # (h, w): product of the strides so far


_LAYER_KEYS = ("kernel_size", "stride", "padding", "dilation")


def receptive_field(layers) -> tuple[ReceptiveField, ...]:
    """The receptive field (感受野) of each layer of a stack of convolutions (or pooling windows).

    With ``r_0 = 1`` and ``j_0 = 1``, layer l (kernel k, stride s, dilation d) gives
    ``r_l = r_(l-1) + d(k - 1) j_(l-1)`` and ``j_l = j_(l-1) s``: its kernel spans d(k - 1) + 1
    pixels of the layer below, and neighbouring pixels there are j_(l-1) input pixels apart.
    Padding moves the field but does not change its size.

    Parameters
    ----------
    layers : sequence of mappings
        One per layer, input first, with ``"kernel_size"`` and optionally ``"stride"``,
        ``"padding"`` (ignored) and ``"dilation"``, each an int or an (h, w) pair: the keyword
        arguments of the layer's `conv2d_forward`.

    Returns
    -------
    tuple of ReceptiveField
        One per layer: the field of one output pixel of that layer in the stack's input.

    Examples
    --------
    >>> [rf.size for rf in receptive_field([{"kernel_size": 3}] * 3)]  # three 3x3: one 7x7
    [(3, 3), (5, 5), (7, 7)]
    >>> receptive_field([{"kernel_size": 3, "stride": 2}, {"kernel_size": (3, 1), "dilation": 2}])
    (ReceptiveField(size=(3, 3), jump=(2, 2)), ReceptiveField(size=(11, 3), jump=(2, 2)))
    """
    instance_of(layers, "layers", Sequence, "a sequence of dicts, one per layer")
    if isinstance(layers, str) or not layers:
        raise ValueError(f"layers must hold at least one layer (a dict); got {layers!r}")
    size, jump, out = (1, 1), (1, 1), []
    for n, layer in enumerate(layers):
        instance_of(layer, f"layers[{n}]", Mapping, "a dict such as {'kernel_size': 3}")
        unknown = set(layer) - set(_LAYER_KEYS)
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"layers[{n}] must have a 'kernel_size' and may have {_LAYER_KEYS[1:]}; "
                f"got keys {sorted(layer)}"
            )
        k = pair(layer["kernel_size"], f"layers[{n}]['kernel_size']", 1)
        s, _, d = conv_hyper(
            layer.get("stride", 1), layer.get("padding", 0), layer.get("dilation", 1)
        )
        size = tuple(r + dd * (kk - 1) * jj for r, dd, kk, jj in zip(size, d, k, jump))
        jump = tuple(jj * ss for jj, ss in zip(jump, s))
        out.append(ReceptiveField(size, jump))
    return tuple(out)


class ParameterCount(NamedTuple):
    """Parameters of a conv layer, and of a dense layer with the same input and output sizes."""

    conv: int  # C_out*C_in*KH*KW (+ C_out with a bias)
    dense: int  # (C_in*H*W) * (C_out*H_out*W_out) (+ C_out*H_out*W_out with a bias)
    out_shape: tuple[int, int, int]  # (C_out, H_out, W_out)

    @property
    def ratio(self) -> float:
        """dense / conv: how many times more weights the dense layer needs."""
        return self.dense / self.conv


def parameter_count(
    in_chw, out_channels, kernel_size, *, stride=1, padding=0, dilation=1, bias=True
) -> ParameterCount:
    """Count the weights of a conv layer against a dense layer on the same input and output.

    The conv layer shares one C_in x KH x KW kernel per output channel over every output pixel
    (weight sharing, 权值共享); the dense layer has one weight per (input entry, output entry)
    pair. Its matrix is `conv_matrix` with each entry a free weight instead of a shared one.

    Parameters
    ----------
    in_chw : (int, int, int)
        The input's (C_in, H, W).
    out_channels : int
        C_out.
    kernel_size, stride, padding, dilation : int or (h, w) pair
    bias : bool
        Count one bias per output channel (conv) and per output entry (dense).

    Returns
    -------
    ParameterCount

    Examples
    --------
    >>> p = parameter_count((1, 28, 28), 6, 5, padding=2)  # LeNet's first layer
    >>> p.conv, p.dense, p.out_shape, round(p.ratio)
    (156, 3692640, (6, 28, 28), 23671)
    """
    c_in, h, w = positive_shape(in_chw, "in_chw", 3, "(C_in, H, W)")
    c_out = as_int(out_channels, "out_channels", 1)
    _, (kh, kw), _, _, _, (ho, wo) = conv_geometry((h, w), kernel_size, stride, padding, dilation)
    bias = as_flag(bias, "bias")
    n_in, n_out = c_in * h * w, c_out * ho * wo
    conv = c_out * c_in * kh * kw + (c_out if bias else 0)
    dense = n_in * n_out + (n_out if bias else 0)
    return ParameterCount(conv, dense, (c_out, ho, wo))


# ----------------------------------------------------------------------------- the explorer

ARITHMETIC_LIMITS = {"input": 9, "kernel": 5, "stride": 3, "padding": 2, "dilation": 3}
"""Largest input height/width, kernel height/width, stride, padding and dilation the
arithmetic explorer offers."""
ARITHMETIC_START = {
    "h": 5,
    "w": 5,
    "kernel_h": 3,
    "kernel_w": 3,
    "stride": 2,
    "padding": 1,
    "dilation": 1,
    "i": 0,
    "j": 0,
}
"""The arithmetic explorer's starting state: a 5x5 input, a 3x3 kernel, stride 2, padding 1
(a classic figure of Dumoulin and Visin's guide), output pixel (0, 0)."""


def arithmetic_ranges(in_hw, kernel_size, stride=1, padding=0, dilation=1) -> dict:
    """The range of every control of the arithmetic explorer, for its current state.

    The controls depend on each other in one order: the input size bounds the kernel (at most
    the input, at most ``ARITHMETIC_LIMITS["kernel"]``, so it fits without padding or
    dilation); the kernel and the padding bound the dilation (the largest at which the dilated
    kernel fits: `cnnbp_core.geometry.largest_dilation`; a 1x1 kernel reads one pixel
    whatever its dilation, so it gets (1, 1)); all of them fix the output shape, which bounds
    the output pixel (i, j). A state outside these ranges is first clamped into them in that
    order (kernel, then dilation) before the next range is computed, as the explorer's
    sliders clamp their values; so every state the explorer reaches is a valid convolution.

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W), each in 1 .. ``ARITHMETIC_LIMITS["input"]``.
    kernel_size, stride, padding, dilation : int or (h, w) pair
        The current values. The kernel and the dilation may lie outside their new ranges (they
        are clamped); the stride and the padding, whose ranges never change, may not.

    Returns
    -------
    dict of str to (int, int)
        Inclusive (min, max) of ``"h"``, ``"w"``, ``"kernel_h"``, ``"kernel_w"``,
        ``"stride"``, ``"padding"``, ``"dilation"``, ``"i"`` and ``"j"``, in that order.

    Raises
    ------
    ValueError
        When the input, the stride or the padding exceeds its limit in `ARITHMETIC_LIMITS`.

    Examples
    --------
    >>> r = arithmetic_ranges((5, 5), 3, stride=2, padding=1)
    >>> r["dilation"], r["i"], r["j"]
    ((1, 3), (0, 2), (0, 2))
    >>> r = arithmetic_ranges((2, 7), (4, 3), dilation=3)  # KH clamped to 2, d to 1 along H
    >>> r["kernel_h"], r["dilation"], r["i"], r["j"]
    ((1, 2), (1, 1), (0, 0), (0, 4))
    """
    limits = ARITHMETIC_LIMITS
    h, w = positive_shape(in_hw, "in_hw", 2, "(H, W)")
    if max(h, w) > limits["input"]:
        raise ValueError(f"in_hw must lie in 1..{limits['input']} on each axis; got {(h, w)}")
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    for name, value in (("stride", stride), ("padding", padding)):
        if max(value) > limits[name]:
            raise ValueError(
                f"{name} must be at most {limits[name]} (ARITHMETIC_LIMITS[{name!r}], the "
                f"explorer's largest); got {value}"
            )
    k_top = (min(limits["kernel"], h), min(limits["kernel"], w))
    kernel = tuple(min(k, top) for k, top in zip(pair(kernel_size, "kernel_size", 1), k_top))
    d_top = 1 if kernel == (1, 1) else largest_dilation((h, w), kernel, padding, limits["dilation"])
    d = min(max(dilation), d_top)  # one dilation for both axes, as the explorer's slider
    ho, wo = output_size((h, w), kernel, stride, padding, (d, d))
    return {
        "h": (1, limits["input"]),
        "w": (1, limits["input"]),
        "kernel_h": (1, k_top[0]),
        "kernel_w": (1, k_top[1]),
        "stride": (1, limits["stride"]),
        "padding": (0, limits["padding"]),
        "dilation": (1, d_top),
        "i": (0, ho - 1),
        "j": (0, wo - 1),
    }
