"""Convolution as a matrix: the doubly-block Toeplitz matrix M with vec(Y) = M vec(X).

A cross-correlation is linear in its input, so for a fixed kernel it is a matrix. With vec
row-major (NumPy's ``ravel``), row ``i*W_out + j`` of M is output pixel (i, j) and column
``r*W + c`` is input pixel (r, c); entry (row, column) is the kernel weight K[u, v] whose tap
reads that pixel,

    M[i*W_out + j, r*W + c] = K[u, v]   where  r + p_h = i*s_h + u*d_h,  c + p_w = j*s_w + v*d_w,

and 0 where no tap of (i, j) reads (r, c), in particular for every tap that reads padding
(padding is zeros: it adds nothing, so it has no column). Cut M into an H_out x H grid of
W_out x W blocks: block (i, r) holds the one kernel row u that output row i reads input row r
with (zero when none does), and inside a block the same rule picks the kernel column.
With stride 1 each block is Toeplitz (constant along its diagonals) and so is the grid of
blocks, hence "doubly-block Toeplitz"; with stride s the pattern shifts by s per row instead of
by one, and an axis stays Toeplitz only trivially (one output row, say). Chapter 05 reads the
input gradient off Mᵀ: dL/dvec(X) = Mᵀ vec(δ).

`conv_matrix_taps` builds the pattern once (which tap, if any, each entry holds), `conv_matrix`
fills it with a kernel (floats, or SymPy symbols in an object array), and `conv_matrix_blocks`
names the block structure for a figure. NumPy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import check_kernel, is_numeric
from .conv_arithmetic import conv_geometry


def _axis_taps(n_out, n_in, k, s, p, d) -> np.ndarray:
    """(n_out, n_in): the tap along one axis with which output index i reads input index r, or -1.

    Tap u of output i reads padded index i*s + u*d, that is input index i*s + u*d - p.
    """
    taps = np.full((n_out, n_in), -1, dtype=np.int64)
    for u in range(k):
        rows = np.arange(n_out) * s + u * d - p  # input index read through tap u, per output
        inside = (rows >= 0) & (rows < n_in)  # the others read padding
        taps[np.arange(n_out)[inside], rows[inside]] = u
    return taps


def conv_matrix_taps(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Which kernel tap each entry of the convolution matrix M holds: ``u*KW + v``, or -1 for 0.

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W).
    kernel_hw, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    ndarray of int64, shape (H_out*W_out, H*W)
        Entry ``[i*W_out + j, r*W + c]`` is the flat index ``u*KW + v`` of the tap with which
        output pixel (i, j) reads input pixel (r, c), and -1 where no tap does.

    Raises
    ------
    ValueError
        When the (dilated) kernel does not fit the padded input.

    Examples
    --------
    >>> conv_matrix_taps((3, 3), 2)  # output (0, 0) reads (0,0), (0,1), (1,0), (1,1)
    array([[ 0,  1, -1,  2,  3, -1, -1, -1, -1],
           [-1,  0,  1, -1,  2,  3, -1, -1, -1],
           [-1, -1, -1,  0,  1, -1,  2,  3, -1],
           [-1, -1, -1, -1,  0,  1, -1,  2,  3]])
    """
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = conv_geometry(
        in_hw, kernel_hw, stride, padding, dilation
    )
    rows = _axis_taps(ho, h, kh, sh, ph, dh)  # (H_out, H): kernel row u, or -1
    cols = _axis_taps(wo, w, kw, sw, pw, dw)  # (W_out, W): kernel column v, or -1
    # entry [(i, j), (r, c)] = u*KW + v when both axes read, else -1: (H_out, W_out, H, W)
    both = (rows[:, None, :, None] >= 0) & (cols[None, :, None, :] >= 0)
    flat = rows[:, None, :, None] * kw + cols[None, :, None, :]
    return np.where(both, flat, -1).reshape(ho * wo, h * w)


def conv_matrix(in_hw, kernel, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The explicit matrix M of a cross-correlation: ``M @ x.ravel() == conv2d(x).ravel()``.

    Parameters
    ----------
    in_hw : (int, int)
        The input's (H, W).
    kernel : array_like, shape (KH, KW) or (C_out, C_in, KH, KW)
        Numbers, or SymPy expressions (then M is an object array with exact zeros).
    stride, padding, dilation : int or (h, w) pair
        As in `cnnbp_core.functional.conv2d_forward` (zero padding per side, 1 = no gaps).

    Returns
    -------
    ndarray, shape (H_out*W_out, H*W), or (C_out*H_out*W_out, C_in*H*W) for a 4-D kernel
        float64 for numbers, object for symbols. With a 4-D kernel, M is a C_out x C_in grid of
        one-channel matrices, block (f, c) built from K[f, c]: then
        ``M @ x.ravel() == conv2d(x[None], K)[0].ravel()`` for x of shape (C_in, H, W).

    Raises
    ------
    ValueError
        When the kernel is ragged, not 2-D or 4-D, has no tap or channel, or does not fit the
        padded input.
    TypeError
        When the kernel holds neither real numbers nor SymPy expressions.

    Examples
    --------
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> k = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> m = conv_matrix(x.shape, k, stride=2, padding=1)
    >>> m.shape
    (6, 12)
    >>> (m @ x.ravel()).reshape(2, 3)  # the same numbers as the core's conv2d_forward
    array([[ 0., 11.,  9.],
           [40., 84., 40.]])
    >>> conv_matrix((2, 2), np.ones((1, 3, 2, 2))).shape  # C_out = 1, C_in = 3
    (1, 12)
    """
    k, numeric = _kernel_array(kernel)
    taps = conv_matrix_taps(in_hw, k.shape[-2:], stride, padding, dilation)
    if k.ndim == 2:
        return _fill(taps, k.ravel(), numeric)
    return np.block([[_fill(taps, kfc.ravel(), numeric) for kfc in kf] for kf in k])


def _kernel_array(kernel) -> tuple[np.ndarray, bool]:
    """The kernel as float64 (numbers) or object (SymPy) array, 2-D or 4-D with every axis >= 1."""
    try:
        raw = np.asarray(kernel)
    except ValueError:  # NumPy refuses ragged nested lists
        raise ValueError(
            "kernel must be a rectangular array, (KH, KW) or (C_out, C_in, KH, KW); got nested "
            "sequences of different lengths"
        ) from None
    numeric = is_numeric(raw)
    if not numeric and raw.dtype.kind != "O":  # bools, complex, strings
        raise TypeError(
            f"kernel must hold real numbers or SymPy expressions; got dtype {raw.dtype}"
        )
    if raw.ndim not in (2, 4):
        raise ValueError(
            f"kernel must be 2-D (KH, KW) or 4-D (C_out, C_in, KH, KW); got shape {raw.shape}"
        )
    if raw.ndim == 4:
        check_kernel(raw.shape)  # C_in, KH, KW >= 1, the core's rule for w
    if 0 in raw.shape:  # C_out, or a 2-D kernel's KH or KW
        raise ValueError(f"kernel must have at least one tap and channel; got shape {raw.shape}")
    return (raw.astype(np.float64) if numeric else raw), numeric


def _fill(taps, weights, numeric: bool) -> np.ndarray:
    """The matrix whose entry is ``weights[tap]`` where ``taps >= 0`` and 0 elsewhere."""
    if numeric:
        return np.where(taps >= 0, weights[np.maximum(taps, 0)], 0.0)
    out = np.zeros(taps.shape, dtype=object)  # exact integer zeros beside the symbols
    out[taps >= 0] = weights[taps[taps >= 0]]
    return out


class MatrixBlocks(NamedTuple):
    """The block structure of a convolution matrix M (see `conv_matrix_blocks`)."""

    grid: np.ndarray  # (H_out, H) int: the kernel row u block (i, r) holds, or -1 (a zero block)
    inner: np.ndarray  # (W_out, W) int: kernel column v at entry (j, c) of every block, or -1
    block_shape: tuple[int, int]  # (W_out, W)
    toeplitz: tuple[bool, bool]  # (the grid of blocks, each block): constant along diagonals
    stride: tuple[int, int]  # (s_h, s_w): the grid's stride, then the blocks'

    @property
    def nonzero(self) -> int:
        """Number of blocks that hold a kernel row."""
        return int((self.grid >= 0).sum())

    @property
    def zero(self) -> int:
        """Number of blocks that are all zeros."""
        return int((self.grid < 0).sum())

    @property
    def kind(self) -> str:
        """The structure's name: "doubly-block Toeplitz" at stride 1, else each axis described.

        At stride s > 1 an axis is Toeplitz only trivially (one output or input row, or only
        zeros repeating along its diagonals), and its label says so; a strided axis whose
        pattern shifts by s per row is "strided".
        """
        if self.stride == (1, 1):
            return "doubly-block Toeplitz"
        (sh, sw), (grid_ok, blocks_ok) = self.stride, self.toeplitz
        if sw == 1:
            blocks = "Toeplitz blocks"
        elif blocks_ok:
            blocks = (
                f"blocks trivially Toeplitz ({_trivially(self.inner, 'column')}) at stride {sw}"
            )
        else:
            blocks = "strided blocks"
        if sh == 1:
            grid = "a Toeplitz grid"
        elif grid_ok:
            grid = f"a grid trivially Toeplitz ({_trivially(self.grid, 'row')}) at stride {sh}"
        else:
            grid = "a strided grid"
        return f"{blocks} in {grid}"

    def summary(self) -> str:
        """The structure in one sentence, for a figure's title or a chapter's text."""
        (ho, h), (wo, w), kind = self.grid.shape, self.block_shape, self.kind
        return (
            f"M is a {ho}x{h} grid of {wo}x{w} blocks ({kind}): block (i, r) holds kernel "
            f"row u where output row i reads input row r through tap u; "
            f"{self.nonzero} blocks hold a kernel row, {self.zero} are zero"
        )


def conv_matrix_blocks(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> MatrixBlocks:
    """Name the block structure of the convolution matrix M, for a figure.

    Block (i, r) of M (rows ``i*W_out .. i*W_out + W_out - 1``, columns ``r*W .. r*W + W - 1``)
    is output row i against input row r. It is zero unless a kernel row u reads input row r for
    output row i (``r + p_h = i*s_h + u*d_h``); then it is the W_out x W matrix built from that
    one kernel row K[u, :], whose entry (j, c) is K[u, v] for ``c + p_w = j*s_w + v*d_w``. That
    pattern of v is the same in every nonzero block (`inner`): only the kernel row changes from
    block to block.

    Parameters
    ----------
    in_hw : (int, int)
    kernel_hw, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    MatrixBlocks
        ``toeplitz`` says whether the grid of blocks (stride 1 along rows) and each block
        (stride 1 along columns) are Toeplitz: entry (a, b) depends only on b - a; ``stride``
        is (s_h, s_w), which `MatrixBlocks.kind` names the structure by.

    Examples
    --------
    >>> b = conv_matrix_blocks((3, 4), 2)
    >>> b.grid  # output row i reads input rows i (kernel row 0) and i + 1 (kernel row 1)
    array([[ 0,  1, -1],
           [-1,  0,  1]])
    >>> b.inner
    array([[ 0,  1, -1, -1],
           [-1,  0,  1, -1],
           [-1, -1,  0,  1]])
    >>> b.summary()
    'M is a 2x3 grid of 3x4 blocks (doubly-block Toeplitz): block (i, r) holds kernel row u where output row i reads input row r through tap u; 4 blocks hold a kernel row, 2 are zero'
    >>> m = conv_matrix((3, 4), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> m[0:3, 4:8]  # block (0, 1): a 3x4 matrix built from kernel row u = 1 alone
    array([[3., 4., 0., 0.],
           [0., 3., 4., 0.],
           [0., 0., 3., 4.]])
    >>> b = conv_matrix_blocks((5, 5), 3, stride=2, padding=1)
    >>> b.toeplitz, b.stride, b.kind
    ((False, False), (2, 2), 'strided blocks in a strided grid')
    >>> conv_matrix_blocks((3, 5), (3, 2), stride=(2, 1)).kind  # Y has one row
    'Toeplitz blocks in a grid trivially Toeplitz (one output row) at stride 2'
    """  # noqa: E501
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = conv_geometry(
        in_hw, kernel_hw, stride, padding, dilation
    )
    grid, inner = _axis_taps(ho, h, kh, sh, ph, dh), _axis_taps(wo, w, kw, sw, pw, dw)
    toeplitz = (_is_toeplitz(grid), _is_toeplitz(inner))
    return MatrixBlocks(grid, inner, (wo, w), toeplitz, (sh, sw))


def _is_toeplitz(a) -> bool:
    """Every diagonal constant: a[i, j] == a[i + 1, j + 1] wherever both exist."""
    return bool(np.array_equal(a[1:, 1:], a[:-1, :-1]))


def _trivially(a, unit: str) -> str:
    """Why a strided axis's (n_out, n_in) pattern is Toeplitz all the same: no kernel tap meets
    a different one along a diagonal, for lack of a second row or column, or of taps."""
    if a.shape[0] == 1:
        return f"one output {unit}"
    if a.shape[1] == 1:
        return f"one input {unit}"
    return "only zeros repeat along its diagonals"
