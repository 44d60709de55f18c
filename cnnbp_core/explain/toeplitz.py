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
by one. Chapter 05 reads the input gradient off Mᵀ: dL/dvec(X) = Mᵀ vec(δ).

`conv_matrix_taps` builds the pattern once (which tap, if any, each entry holds), `conv_matrix`
fills it with a kernel (floats, or SymPy symbols in an object array), and `conv_matrix_blocks`
names the block structure for a figure. NumPy only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import as_object_array, is_numeric
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
        When the kernel is not 2-D or 4-D, or does not fit the padded input.

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
    numeric = is_numeric(kernel)
    k = np.asarray(kernel, dtype=np.float64) if numeric else as_object_array(kernel, "kernel")
    if not numeric and np.asarray(kernel).dtype.kind != "O":  # bools, complex, strings
        raise TypeError(
            "kernel must hold real numbers or SymPy expressions; "
            f"got dtype {np.asarray(kernel).dtype}"
        )
    if k.ndim not in (2, 4):
        raise ValueError(
            f"kernel must be 2-D (KH, KW) or 4-D (C_out, C_in, KH, KW); got shape {k.shape}"
        )
    taps = conv_matrix_taps(in_hw, k.shape[-2:], stride, padding, dilation)
    if k.ndim == 2:
        return _fill(taps, k.ravel(), numeric)
    return np.block([[_fill(taps, kfc.ravel(), numeric) for kfc in kf] for kf in k])


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

    @property
    def nonzero(self) -> int:
        """Number of blocks that hold a kernel row."""
        return int((self.grid >= 0).sum())

    @property
    def zero(self) -> int:
        """Number of blocks that are all zeros."""
        return int((self.grid < 0).sum())

    def summary(self) -> str:
        """The structure in one sentence, for a figure's title or a chapter's text."""
        (ho, h), (wo, w) = self.grid.shape, self.block_shape
        kind = {
            (True, True): "doubly-block Toeplitz",
            (True, False): "block Toeplitz, with strided blocks",
            (False, True): "Toeplitz blocks in a strided grid",
            (False, False): "strided blocks in a strided grid",
        }[self.toeplitz]
        return (
            f"M is a {ho}x{h} grid of {wo}x{w} blocks ({kind}): block (i, r) holds kernel "
            f"row u where output row i reads input row r through tap u; "
            f"{self.nonzero} blocks hold a kernel row, {self.zero} are zero"
        )


def conv_matrix_blocks(in_hw, kernel_hw, stride=1, padding=0, dilation=1) -> MatrixBlocks:
    """Name the block structure of the convolution matrix M, for a figure.

    Block (i, r) of M (rows ``i*W_out .. i*W_out + W_out - 1``, columns ``r*W .. r*W + W - 1``)
    is output row i against input row r. It is zero unless a kernel row u reads input row r for
    output row i (``r + p_h = i*s_h + u*d_h``); then it is the one-row matrix of K[u, :], whose
    entry (j, c) is K[u, v] for ``c + p_w = j*s_w + v*d_w``. That pattern of v is the same in
    every nonzero block (`inner`): only the kernel row changes from block to block.

    Parameters
    ----------
    in_hw : (int, int)
    kernel_hw, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    MatrixBlocks
        ``toeplitz`` says whether the grid of blocks (stride 1 along rows) and each block
        (stride 1 along columns) are Toeplitz: entry (a, b) depends only on b - a.

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
    >>> conv_matrix_blocks((5, 5), 3, stride=2, padding=1).toeplitz
    (False, False)
    """  # noqa: E501
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = conv_geometry(
        in_hw, kernel_hw, stride, padding, dilation
    )
    grid, inner = _axis_taps(ho, h, kh, sh, ph, dh), _axis_taps(wo, w, kw, sw, pw, dw)
    return MatrixBlocks(grid, inner, (wo, w), (_is_toeplitz(grid), _is_toeplitz(inner)))


def _is_toeplitz(a) -> bool:
    """Every diagonal constant: a[i, j] == a[i + 1, j + 1] wherever both exist."""
    return bool(np.array_equal(a[1:, 1:], a[:-1, :-1]))
