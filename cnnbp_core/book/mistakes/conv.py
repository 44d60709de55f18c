r"""Wrong answers for the kernel gradient dL/dK: the catalogue that chapter 04's checks reject.

The right answer, for the forward pass ``Y[n,f,i,j] = b[f] + sum_{c,u,v} K[f,c,u,v] *
Xp[n, c, i*s + u*d, j*s + v*d]`` (PyTorch's conv2d, a cross-correlation), is

    dK[f,c,u,v] = sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s + u*d, j*s + v*d]

(`cnnbp_core.symbolic.kernel_gradient_closed_form`). Each `Mistake` below computes what a reader
who makes one classic slip computes instead, with the same signature,

    mistake(xp, delta, kernel_hw, *, stride=1, dilation=1) -> dK, shape (C_out, C_in, KH, KW)

on float arrays (it returns float64) and on object arrays of SymPy symbols alike (it returns
expressions). So chapter 04 can prove each one wrong exactly, with
``gradient_identity_holds(..., closed_form=mistake)``, and the exercise checkers can recognise a
reader's answer ("this is the flipped answer"). Every mistake is a small change around the right
closed form: a flip, a division, a transpose, a shifted or reshaped read; nothing float-only.

Some shipped in public code; each entry's ``shipped`` says what kind of project it shipped in.
An exercise asks `Mistake.applies` whether a wrong answer is a possible slip on its problem (a
padding slip needs padding; a batch mean, a batch).

Examples
--------
>>> from cnnbp_core.symbolic import gradient_identity_holds
>>> m = KERNEL_GRADIENT_MISTAKES["delta_not_dilated"]
>>> m.example
{'x_shape': (1, 1, 5, 5), 'w_shape': (1, 1, 2, 2), 'stride': 2}
>>> gradient_identity_holds(**m.example, closed_form=m)
False
>>> gradient_identity_holds(**m.example)  # the right closed form, on the same configuration
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ...geometry import output_size, pad, rot180, window
from ...symbolic import kernel_gradient_closed_form
from ...validation import is_numeric, kernel_gradient_args, subset_of

FEATURES = ("batch", "stride", "padding", "2-D")
# what a problem may have that some wrong answers need: N > 1, stride > 1, padding > 0, H > 1


class DoesNotFit(ValueError):
    """Raised by a wrong answer whose sums do not fit a problem's shapes: no answer there."""


@dataclass(frozen=True, eq=False)
class Mistake:
    """One wrong answer for dL/dK: a closed form with the right signature and a wrong formula.

    Call it like `cnnbp_core.symbolic.kernel_gradient_closed_form`.

    Attributes
    ----------
    name : str
        Its key in `KERNEL_GRADIENT_MISTAKES`.
    description : str
        The mistake in one line, in the words of a reader who makes it.
    diagnosis : str
        What an exercise checker tells a reader whose answer is this one.
    compute : callable
        The wrong formula, ``compute(xp, delta, kernel_hw, stride, dilation)`` on object arrays
        with (h, w) pairs; calling the `Mistake` checks and converts the arguments first.
    needs : str
        When this wrong answer has dK's shape and differs from the right one ("" when always).
    shipped : str or None
        The kind of public project this slip shipped in, when known.
    example : dict
        A small configuration (keyword arguments of `gradient_identity_holds`) on which the
        exact identity rejects it.
    requires : tuple of str
        What a problem must have for an exercise to look for this slip in it, from `FEATURES`
        (``"batch"``: N > 1, ``"stride"``: s > 1, ``"padding"``: p > 0, ``"2-D"``: more than one
        input row): a padding slip needs padding to miscount, a shifted row needs rows. See
        `applies`.

    Examples
    --------
    >>> from cnnbp_core.symbolic import tensor
    >>> m = KERNEL_GRADIENT_MISTAKES["batch_mean"]
    >>> xp, delta = tensor("X", (2, 1, 1, 1)), tensor("d", (2, 1, 1, 1))
    >>> print(m(xp, delta, 1)[0, 0, 0, 0])
    X_{0,0,0,0}*d_{0,0,0,0}/2 + X_{1,0,0,0}*d_{1,0,0,0}/2
    >>> m(np.ones((2, 1, 1, 1)), np.ones((2, 1, 1, 1)), 1)  # floats in, float64 out
    array([[[[1.]]]])
    """

    name: str
    description: str
    diagnosis: str
    compute: Callable = field(repr=False)
    needs: str = ""
    shipped: str | None = None
    example: dict = field(default_factory=dict, repr=False)
    requires: tuple = ()

    def __post_init__(self):
        subset_of(self.requires, "requires", FEATURES)

    def __call__(self, xp, delta, kernel_hw, *, stride=1, dilation=1):
        numeric = is_numeric(xp) and is_numeric(delta)
        args = kernel_gradient_args(xp, delta, kernel_hw, stride, dilation)
        dk = np.asarray(self.compute(*args), dtype=object)
        return dk.astype(np.float64) if numeric else dk

    def applies(self, features) -> bool:
        """Whether this slip is possible on a problem with these `FEATURES`.

        >>> m = KERNEL_GRADIENT_MISTAKES["batch_mean"]
        >>> m.applies({"batch", "2-D"}), m.applies({"stride", "2-D"})
        (True, False)
        """
        return set(self.requires) <= subset_of(features, "features", FEATURES)


# --- the wrong formulas: each a small change around the right one -------------------------------


def _right(xp, delta, kernel_hw, stride, dilation):
    """The book's closed form: sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s + u*d, j*s + v*d]."""
    return kernel_gradient_closed_form(xp, delta, kernel_hw, stride=stride, dilation=dilation)


def _flipped_delta(xp, delta, kernel_hw, stride, dilation):
    # X * delta, a true convolution, is X correlated with delta turned half a turn
    return _right(xp, rot180(delta), kernel_hw, stride, dilation)


def _operands_swapped(xp, delta, kernel_hw, stride, dilation):
    # delta slid over X from the other end: the lags (u, v) count backwards
    return rot180(_right(xp, delta, kernel_hw, stride, dilation))


def _rotated_90(xp, delta, kernel_hw, stride, dilation):
    # X * rot90(delta) (a true convolution) = X correlated with rot180(rot90(delta))
    quarter = np.rot90(delta, axes=(2, 3))  # (N, C_out, W_out, H_out)
    most = output_size(xp.shape[2:], kernel_hw, stride, (0, 0), dilation)
    if quarter.shape[2] > most[0] or quarter.shape[3] > most[1]:
        raise DoesNotFit(
            f"delta turned a quarter turn, {quarter.shape}, has more output pixels than the "
            f"{most[0]}x{most[1]} windows of a {kernel_hw[0]}x{kernel_hw[1]} kernel on xp "
            f"{xp.shape}: its sums do not fit K's taps"
        )
    return _right(xp, rot180(quarter), kernel_hw, stride, dilation)


def _batch_mean(xp, delta, kernel_hw, stride, dilation):
    return _right(xp, delta, kernel_hw, stride, dilation) / xp.shape[0]


def _channels_swapped(xp, delta, kernel_hw, stride, dilation):
    # (C_out, C_in, KH, KW) -> (C_in, C_out, KH, KW): K's shape only when C_in == C_out
    return _right(xp, delta, kernel_hw, stride, dilation).transpose(1, 0, 2, 3)


def _delta_not_dilated(xp, delta, kernel_hw, stride, dilation):
    # reads Xp[i + u*d] for output pixel i instead of Xp[i*s + u*d]
    return _right(xp, delta, kernel_hw, (1, 1), dilation)


def _padding_plus_one(xp, delta, kernel_hw, stride, dilation):
    # Xp padded once more: every read lands one pixel up and to the left
    return _right(pad(xp, (1, 1), 0), delta, kernel_hw, stride, dilation)


def _padding_minus_one(xp, delta, kernel_hw, stride, dilation):
    # one ring fewer: every read lands one pixel down and to the right; past the edge reads 0
    h, w = xp.shape[2:]
    return _right(pad(xp, (1, 1), 0)[..., 2 : h + 2, 2 : w + 2], delta, kernel_hw, stride, dilation)


def _leftover_rows_first(xp, delta, kernel_hw, stride, dilation):
    # the r rows (columns) no window reaches skipped at the top (left) instead of the bottom
    (kh, kw), (h, w) = kernel_hw, xp.shape[2:]
    rows, cols = window(kh - 1, kw - 1, delta.shape[2:], stride, dilation)  # the last tap's reads
    rh, rw = h - rows.stop, w - cols.stop  # rows (columns) after the last one any window reads
    return _right(xp[..., rh:, rw:], delta, kernel_hw, stride, dilation)


def _last_row_dropped(xp, delta, kernel_hw, stride, dilation):
    return _right(xp, delta[..., :-1, :-1], kernel_hw, stride, dilation)


def _ceil_output_size(xp, delta, kernel_hw, stride, dilation):
    # delta's H_out*W_out numbers (row-major, as in memory) read into a ceil-sized grid. The
    # output size is the wrong rule on purpose, so it is written here (geometry.output_size floors)
    (n, f, ho, wo), (h, w) = delta.shape, xp.shape[2:]
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_hw, stride, dilation
    span_h, span_w = dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1
    hc, wc = -(-(h - span_h) // sh) + 1, -(-(w - span_w) // sw) + 1  # ceil where conv2d floors
    flat = np.zeros((n, f, hc * wc), dtype=object)  # past the end of delta: 0
    flat[..., : ho * wo] = delta.reshape(n, f, ho * wo)
    rows, cols = window(kh - 1, kw - 1, (hc, wc), stride, dilation)  # the last tap's reads
    grid = np.zeros((*xp.shape[:2], rows.stop, cols.stop), dtype=object)
    grid[..., :h, :w] = xp  # the extra window reads past the input: 0
    return _right(grid, flat.reshape(n, f, hc, wc), kernel_hw, stride, dilation)


# --- the catalogue ------------------------------------------------------------------------------

# stride 2 leaving one row and one column that no window reaches; padding 1
_STRIDE_2 = {"x_shape": (1, 1, 5, 5), "w_shape": (1, 1, 2, 2), "stride": 2}
_PADDED = {"x_shape": (1, 1, 3, 3), "w_shape": (1, 1, 2, 2), "padding": 1}

_MISTAKES = (
    Mistake(
        "flipped_delta",
        "δ flipped: X convolved with δ (a true convolution, np.convolve, MATLAB conv2) instead "
        "of correlated",
        "This is the flipped answer: you convolved X with δ, and a true convolution turns δ half "
        "a turn. The forward pass is a cross-correlation, so correlate X with δ: nothing is "
        "flipped.",
        _flipped_delta,
        example={"x_shape": (1, 1, 3, 4), "w_shape": (1, 1, 2, 2)},
    ),
    Mistake(
        "operands_swapped",
        "X and δ swapped in the correlation, np.correlate(delta, x) instead of "
        "np.correlate(x, delta): the same sums with the lags counted from the other end, "
        "rot180(X ⋆ δ) (also the answer for a true-convolution forward pass)",
        "This is the right answer turned half a turn: the correlation's operands are swapped "
        "(np.correlate(delta, x) rather than np.correlate(x, delta)), or this is the kernel "
        "gradient of a true-convolution forward pass (MATLAB conv2). Slide δ over X: "
        "dK[u, v] = Σ δ[i, j]·X[i + u, j + v].",
        _operands_swapped,
        example={"x_shape": (1, 1, 3, 4), "w_shape": (1, 1, 2, 2)},
    ),
    Mistake(
        "rotated_90",
        "rotated by 90° instead of 180°: X ∗ rot90(δ) where X ∗ rot180(δ) = X ⋆ δ is right",
        "δ is turned a quarter turn (np.rot90), where the convolution form X ∗ rot180(δ) "
        "needs a half turn, and correlating X ⋆ δ needs none.",
        _rotated_90,
        needs="H_out = W_out: a quarter turn swaps δ's height and width, so otherwise its sums "
        "do not fit K's taps (this function raises ValueError); that is how it shows on a "
        "non-square kernel over a square input: the whole valid convolution X ∗ rot90(δ) comes "
        "out KW×KH, K's shape transposed",
        shipped="a related slip, rotating a non-square kernel wrongly, shipped in a C++ "
        "machine-learning library",
        example={"x_shape": (1, 1, 3, 4), "w_shape": (1, 1, 2, 3)},
        requires=("2-D",),
    ),
    Mistake(
        "batch_mean",
        "batch averaged: the sum over the batch divided by N",
        "Off by a factor N: you averaged over the batch. Sum over it: δ = dL/dY already "
        "carries the loss's 1/N, and each example adds its own term to dL/dK.",
        _batch_mean,
        needs="N > 1",
        example={"x_shape": (2, 1, 2, 2), "w_shape": (1, 1, 1, 1)},
        requires=("batch",),
    ),
    Mistake(
        "channels_swapped",
        "input and output channel axes swapped: dK[c, f] where dK[f, c] belongs; it has K's "
        "shape (C_out, C_in, KH, KW) only when C_in = C_out",
        "The channel axes are swapped: dK has K's shape (C_out, C_in, KH, KW), and dK[f, c] "
        "pairs output channel f of δ with input channel c of X.",
        _channels_swapped,
        needs="C_in = C_out (otherwise the shape (C_in, C_out, KH, KW) gives it away)",
        example={"x_shape": (1, 2, 2, 2), "w_shape": (2, 2, 1, 1)},
    ),
    Mistake(
        "delta_not_dilated",
        "stride forgotten: δ not dilated, so output pixel i reads X[i + u] instead of X[i·s + u]",
        "The stride is missing: with stride s, output pixel (i, j) reads X[i·s + u, j·s + v], "
        "so δ must be spread out (dilated by s, s - 1 zeros between its entries) before the "
        "correlation.",
        _delta_not_dilated,
        needs="stride > 1",
        shipped="stride missing in a course's conv backward, shipped in a popular solutions "
        "repository",
        example=_STRIDE_2,
        requires=("stride",),
    ),
    Mistake(
        "padding_plus_one",
        "padding off by one: X padded with p + 1 rings of zeros, so every read lands one pixel "
        "up and to the left",
        "Every read is one pixel off: your padded input has one ring of zeros too many. The "
        "forward pass pads p rings; read Xp[i·s + u·d, j·s + v·d] in that same array.",
        _padding_plus_one,
        example=_PADDED,
        requires=("padding",),
    ),
    Mistake(
        "padding_minus_one",
        "padding off by one: X padded with p - 1 rings of zeros, so every read lands one pixel "
        "down and to the right (reads past the edge count as 0)",
        "Every read is one pixel off: your padded input has one ring of zeros too few. The "
        "forward pass pads p rings; read Xp[i·s + u·d, j·s + v·d] in that same array.",
        _padding_minus_one,
        example=_PADDED,
        requires=("padding",),
    ),
    Mistake(
        "leftover_rows_first",
        "leftover rows at the wrong end: the rows (columns) a floored output size leaves unread "
        "skipped at the top (left) instead of the bottom (right), every window shifted to the "
        "far edge",
        "The leftover rows are at the wrong end: when the windows do not tile the padded input "
        "exactly, the rows and columns no window reaches are the last ones (bottom, right); "
        "window (i, j) starts at row i·s, column j·s.",
        _leftover_rows_first,
        needs="stride > 1 with leftover rows or columns",
        example=_STRIDE_2,
        requires=("stride",),
    ),
    Mistake(
        "last_row_dropped",
        "output size one too small: the last row and column of δ dropped (e.g. "
        "(H + 2p - KH) // s without the + 1)",
        "The last row and column of δ are missing from your sums: the output has "
        "H_out = floor((H + 2p - d(KH - 1) - 1) / s) + 1 rows, every one of which reads X.",
        _last_row_dropped,
        example=_PADDED,
        requires=("2-D",),
    ),
    Mistake(
        "ceil_output_size",
        "output size rounded up where conv2d floors: δ's H_out·W_out numbers read row by row "
        "into a ceil-sized grid, so its rows slide and the extra window reads past the input",
        "Your output size is rounded up: conv2d floors, H_out = floor((H + 2p - d(KH - 1) - 1) "
        "/ s) + 1, and the leftover rows no window reaches produce no output. Read δ with its "
        "own shape.",
        _ceil_output_size,
        needs="stride > 1 with a leftover column: W_out rounded up changes the length of δ's "
        "rows (leftover rows alone only add a row of zeros)",
        shipped="a wrong output-size formula with stride shipped in a CUDA teaching project",
        example=_STRIDE_2,
        requires=("stride",),
    ),
)

KERNEL_GRADIENT_MISTAKES: Mapping[str, Mistake] = MappingProxyType({m.name: m for m in _MISTAKES})
# name -> Mistake, in the order chapter 04 shows them; each one is rejected by the exact identity
