r"""Symbolic 2-D convolution: the numeric core's formula in SymPy symbols, and its gradients.

Same notation and semantics as `cnnbp_core.functional.conv`. The forward pass is

    Y[n,f,i,j] = b[f] + sum_{c,u,v} K[f,c,u,v] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]

`conv2d` writes it with symbols; its geometry (output size, padding, the slice each tap reads) and
its error messages come from `cnnbp_core.geometry` and `cnnbp_core.validation`, as the numeric
core's do. `conv2d_gradients` differentiates ``L = sum(delta * Y)`` with `sympy.diff`, so the
gradients it returns are derived by SymPy, not by the book, and `gradient_identity_holds` proves a
closed form of dL/dK equal to them exactly; by default the book's `kernel_gradient_closed_form`

    dL/dK[f,c,u,v] = sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]

Chapter 00 uses `conv1d`; chapter 04 the rest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import sympy

from ..geometry import check_delta_fits, output_size, pad, rot180, window
from ..validation import (
    as_object_array,
    check_fan_in,
    check_kernel,
    check_shape,
    conv_hyper,
    is_numeric,
    kernel_gradient_args,
    shape_tuple,
    subset_of,
)
from .tensors import identical, tensor

# --- forward ------------------------------------------------------------------------------------


def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """Symbolic 2-D cross-correlation, with the semantics of `functional.conv2d_forward`.

    Parameters
    ----------
    x : array_like of SymPy expressions or numbers, shape (N, C_in, H, W)
        Input X, e.g. ``tensor("X", (N, C_in, H, W))``.
    w : array_like, shape (C_out, C_in, KH, KW)
        Kernels K.
    b : array_like, shape (C_out,), optional
        Bias, one per output channel.
    stride, padding, dilation : int or (h, w) pair
        As in `functional.conv2d_forward`: padding adds zeros on each side, dilation 1 is an
        ordinary kernel.

    Returns
    -------
    ndarray of object, shape (N, C_out, H_out, W_out)
        Y, with ``H_out = floor((H + 2p - d(KH - 1) - 1) / s) + 1`` (likewise W_out). Products
        with padding zeros vanish, so each entry lists only the pixels it really reads.

    Examples
    --------
    >>> X, K, b = tensor("X", (1, 1, 2, 2)), tensor("K", (1, 1, 1, 2)), tensor("b", 1)
    >>> Y = conv2d(X, K, b)
    >>> Y.shape
    (1, 1, 2, 1)
    >>> print(Y[0, 0, 1, 0])
    K_{0,0,0,0}*X_{0,0,1,0} + K_{0,0,0,1}*X_{0,0,1,1} + b_{0}
    >>> conv2d(X, K, padding=(0, 1))[0, 0, 0, 0] == K[0, 0, 0, 1] * X[0, 0, 0, 0]  # 0 * K vanishes
    True
    """
    x = as_object_array(x, "x", ndim=4)
    w = as_object_array(w, "w", ndim=4)
    check_kernel(w.shape)
    check_fan_in(x.shape, w.shape)
    if b is not None:
        b = as_object_array(b, "b")
        check_shape(b, (w.shape[0],), "b", "one bias per output channel, C_out of w")
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    out_hw = output_size(x.shape[2:], w.shape[2:], stride, padding, dilation)
    y = _correlate(pad(x, padding, sympy.S.Zero), w, out_hw, stride, dilation)
    return y if b is None else y + b[None, :, None, None]  # + (1, C_out, 1, 1)


def conv1d(x, k):
    """Valid 1-D cross-correlation ``y[i] = sum_u k[u] * x[i + u]`` (chapter 00's first example).

    Parameters
    ----------
    x : array_like, shape (L,)
    k : array_like, shape (KL,)
        Kernel, no longer than x.

    Returns
    -------
    ndarray of object, shape (L - KL + 1,)

    Examples
    --------
    >>> x, k = tensor("x", 3), tensor("k", 2)
    >>> print(conv1d(x, k)[1])
    k_{0}*x_{1} + k_{1}*x_{2}
    """
    x = as_object_array(x, "x", ndim=1)
    k = as_object_array(k, "k", ndim=1)
    return conv2d(x[None, None, None, :], k[None, None, None, :])[0, 0, 0]  # as a 1 x L image


def correlate2d_valid(a, b):
    """Valid 2-D cross-correlation ``out[i,j] = sum_{u,v} a[i+u, j+v] * b[u,v]``.

    Chapter 04 states the kernel gradient with it: for stride 1 and dilation 1,
    ``dL/dK[f,c] = sum_n correlate2d_valid(Xp[n,c], delta[n,f])``.

    Parameters
    ----------
    a : array_like, shape (HA, WA)
        The array slid over (e.g. one channel of the padded input Xp).
    b : array_like, shape (HB, WB)
        The window (e.g. one channel of delta), no larger than a.

    Returns
    -------
    ndarray, shape (HA - HB + 1, WA - WB + 1)
        Object array of SymPy expressions, or float64 when both a and b are numeric.

    Examples
    --------
    >>> correlate2d_valid(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    >>> X, delta = tensor("X", (2, 2)), tensor("delta", (2, 2))
    >>> correlate2d_valid(X, delta)[0, 0] == sum(X * delta).sum()
    True
    """
    numeric = is_numeric(a) and is_numeric(b)
    a = as_object_array(a, "a", ndim=2)
    b = as_object_array(b, "b", ndim=2)
    out_hw = output_size(a.shape, b.shape, (1, 1), (0, 0), (1, 1))
    out = _correlate(a[None, None], b[None, None], out_hw, (1, 1), (1, 1))[0, 0]
    return out.astype(np.float64) if numeric else out


def convolve2d_valid(a, b):
    """Valid 2-D true convolution ``out[i,j] = sum_{u,v} a[i+u, j+v] * b[HB-1-u, WB-1-v]``.

    What MATLAB's ``conv2(a, b, 'valid')`` and ``scipy.signal.convolve2d(a, b, 'valid')``
    compute: the window is turned half a turn before it slides, so
    ``convolve2d_valid(a, b) == correlate2d_valid(a, rot180(b))``.

    Parameters
    ----------
    a : array_like, shape (HA, WA)
    b : array_like, shape (HB, WB), no larger than a

    Returns
    -------
    ndarray, shape (HA - HB + 1, WA - WB + 1)
        Object array of SymPy expressions, or float64 when both a and b are numeric.

    Examples
    --------
    >>> convolve2d_valid(np.arange(6.0).reshape(2, 3), np.array([[1.0, 0.0]]))
    array([[1., 2.],
           [4., 5.]])
    """
    return correlate2d_valid(a, rot180(_as_2d(b, "b")))


def correlate2d_full(a, b):
    """Full ("wide") 2-D cross-correlation: `correlate2d_valid` of a padded with HB-1, WB-1 zeros.

    Every placement of b that overlaps a at least one entry contributes, so the output is
    larger than a: shape (HA + HB - 1, WA + WB - 1). Chapter 05 states the input gradient with
    it: for stride 1, ``dL/dX[n,c] = sum_f correlate2d_full(delta[n,f], rot180(K[f,c]))``.

    Examples
    --------
    >>> correlate2d_full(np.array([[1.0, 2.0]]), np.array([[1.0, 10.0]]))
    array([[10., 21.,  2.]])
    """
    a, b = _as_2d(a, "a"), _as_2d(b, "b")
    zero = 0.0 if a.dtype != object else sympy.S.Zero
    return correlate2d_valid(pad(a, (b.shape[0] - 1, b.shape[1] - 1), zero), b)


def _as_2d(a, name):
    """A 2-D float64 array when ``a`` is numeric, else a 2-D object array (of SymPy terms)."""
    numeric = is_numeric(a)
    a = as_object_array(a, name, ndim=2)
    return a.astype(np.float64) if numeric else a


def _correlate(xp, w, out_hw, stride, dilation):
    """``Y[n,f,i,j] = sum_{c,u,v} K[f,c,u,v] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]``.

    Tap (u, v) of every kernel reads one slice of Xp for all output pixels at once (`window`),
    so the loops over (n, f, i, j) become array products; xp is already padded.
    """
    (n, c_in), (c_out, _, kh, kw) = xp.shape[:2], w.shape
    terms = np.empty((n, c_out, *out_hw, c_in, kh, kw), dtype=object)
    for u, v in np.ndindex(kh, kw):
        rows, cols = window(u, v, out_hw, stride, dilation)
        # (N, 1, C_in, H_out, W_out) * (1, C_out, C_in, 1, 1) -> (N, C_out, C_in, H_out, W_out)
        taps = xp[:, None, :, rows, cols] * w[None, :, :, u, v, None, None]
        terms[..., u, v] = np.moveaxis(taps, 2, -1)  # -> (N, C_out, H_out, W_out, C_in)
    return _sum_last(terms, 3)  # sum over (c, u, v) -> (N, C_out, H_out, W_out)


def _sum_last(terms, k):
    """Sum an object array over its last ``k`` axes, with one `sympy.Add` per entry.

    Adding the term arrays one after another would re-flatten every growing sum at each step.
    """
    kept = terms.shape[:-k]
    rows = terms.reshape(math.prod(kept), math.prod(terms.shape[-k:]))  # (entries, terms)
    out = np.empty(len(rows), dtype=object)
    for e, row in enumerate(rows):
        out[e] = sympy.Add(*row)
    return out.reshape(kept)


# --- gradients derived by SymPy -----------------------------------------------------------------


class Conv2dGradients(NamedTuple):
    r"""Symbols, forward expressions and SymPy-derived gradients of one conv2d configuration.

    Examples
    --------
    >>> g = conv2d_gradients((1, 1, 2, 2), (1, 1, 1, 1), wrt=("b",))
    >>> g.Y.shape, g.dX is None
    ((1, 1, 2, 2), True)
    >>> print(g.db[0])
    \delta_{0,0,0,0} + \delta_{0,0,0,1} + \delta_{0,0,1,0} + \delta_{0,0,1,1}
    """

    X: np.ndarray  # (N, C_in, H, W) symbols X_{n,c,h,w}
    K: np.ndarray  # (C_out, C_in, KH, KW) symbols K_{f,c,u,v}
    b: np.ndarray | None  # (C_out,) symbols b_{f}; None without bias
    delta: np.ndarray  # (N, C_out, H_out, W_out) symbols \delta_{n,f,i,j}, the upstream dL/dY
    Y: np.ndarray  # (N, C_out, H_out, W_out) expressions
    L: sympy.Expr  # sum(delta * Y): its gradient is the vector-Jacobian product with delta
    dX: np.ndarray | None  # (N, C_in, H, W) dL/dX; None when not requested
    dK: np.ndarray | None  # (C_out, C_in, KH, KW) dL/dK; None when not requested
    db: np.ndarray | None  # (C_out,) dL/db; None without bias or when not requested

    def bind(self, x=None, w=None, b=None, dout=None):
        """Pair each given numeric array with its symbols, ready for `evaluate`.

        Parameters
        ----------
        x : array_like, shape (N, C_in, H, W), optional
        w : array_like, shape (C_out, C_in, KH, KW), optional
        b : array_like, shape (C_out,), optional
        dout : array_like, shape (N, C_out, H_out, W_out), optional
            Numeric upstream gradient, bound to ``delta``.

        Returns
        -------
        list of (symbol array, numeric array) pairs

        Examples
        --------
        >>> from cnnbp_core.symbolic import evaluate
        >>> g = conv2d_gradients((1, 1, 2, 2), (1, 1, 1, 1), wrt=("K",))
        >>> x, dout = np.arange(4.0).reshape(1, 1, 2, 2), np.ones((1, 1, 2, 2))
        >>> evaluate(g.dK, g.bind(x=x, dout=dout))  # dL/dK = sum of delta * X = 0 + 1 + 2 + 3
        array([[[[6.]]]])
        """
        if b is not None and self.b is None:
            raise ValueError("b was given but these gradients were derived without a bias")
        given = ((self.X, x), (self.K, w), (self.b, b), (self.delta, dout))
        return [(symbols, value) for symbols, value in given if value is not None]


def conv2d_gradients(
    x_shape, w_shape, *, bias=True, stride=1, padding=0, dilation=1, wrt=("X", "K", "b")
):
    """Derive dL/dX, dL/dK and dL/db of a conv2d by differentiating with `sympy.diff`.

    With symbols for X, K, b and for the upstream gradient delta = dL/dY, the loss
    ``L = sum_{n,f,i,j} delta[n,f,i,j] * Y[n,f,i,j]`` has exactly the gradients a backward pass
    must return for upstream gradient delta; every entry is ``sympy.diff(L, symbol)``.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        (N, C_in, H, W).
    w_shape : tuple of 4 ints
        (C_out, C_in, KH, KW).
    bias : bool, default True
        Whether the layer has a bias b of shape (C_out,).
    stride, padding, dilation : int or (h, w) pair
        As in `conv2d`.
    wrt : iterable of {"X", "K", "b"}
        Which gradients to derive (each costs one `sympy.diff` per entry); the others are None.

    Returns
    -------
    Conv2dGradients
        Fields X, K, b, delta (symbols), Y (N, C_out, H_out, W_out), L, and dX (shape x_shape),
        dK (shape w_shape), db (C_out,) as object arrays of expressions.

    Examples
    --------
    >>> g = conv2d_gradients((1, 1, 2, 2), (1, 1, 1, 1))
    >>> g.dK[0, 0, 0, 0] == sum(g.delta[0, 0, i, j] * g.X[0, 0, i, j] for i, j in np.ndindex(2, 2))
    True
    >>> g.dX[0, 0, 1, 0] == g.delta[0, 0, 1, 0] * g.K[0, 0, 0, 0]
    True
    """
    wrt = subset_of(wrt, "wrt", ("X", "K", "b"))
    x_shape = shape_tuple(x_shape, "x_shape", 4, "(N, C_in, H, W)")
    w_shape = shape_tuple(w_shape, "w_shape", 4, "(C_out, C_in, KH, KW)")
    check_fan_in(x_shape, w_shape)
    X, K = tensor("X", x_shape), tensor("K", w_shape)
    b = tensor("b", w_shape[0]) if bias else None
    Y = conv2d(X, K, b, stride=stride, padding=padding, dilation=dilation)
    delta = tensor(r"\delta", Y.shape)
    L = sympy.Add(*(delta * Y).flat)  # sum_{n,f,i,j} delta[n,f,i,j] * Y[n,f,i,j]
    requested = [arr if name in wrt else None for name, arr in (("X", X), ("K", K), ("b", b))]
    dX, dK, db = _gradients(L, requested)
    return Conv2dGradients(X, K, b, delta, Y, L, dX, dK, db)


def _gradients(L, arrays):
    """``sympy.diff(L, s)`` for every symbol s of each array (None stays None).

    By linearity dL/ds is the sum of d(term)/ds over the terms of L that contain s. Expanding L
    once into monomials delta*K*X and indexing which monomials hold each symbol spares every diff
    a walk through all of L; each derivative is still `sympy.diff`'s.
    """
    holders = defaultdict(list)
    for term in sympy.Add.make_args(sympy.expand(L)):
        for s in term.free_symbols:
            holders[s].append(term)

    def grad(symbols):
        out = np.empty(symbols.shape, dtype=object)
        for idx in np.ndindex(symbols.shape):
            s = symbols[idx]
            out[idx] = sympy.Add(*(sympy.diff(term, s) for term in holders[s]))
        return out

    return [None if symbols is None else grad(symbols) for symbols in arrays]


# --- the exact identity chapter 04 proves over a grid of configurations -------------------------


def kernel_gradient_closed_form(xp, delta, kernel_hw, *, stride=1, dilation=1):
    """The book's closed form of dL/dK, written as the index formula.

    ``dK[f,c,u,v] = sum_{n,i,j} delta[n,f,i,j] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]``

    Parameters
    ----------
    xp : array_like, shape (N, C_in, H + 2p_h, W + 2p_w)
        The padded input Xp.
    delta : array_like, shape (N, C_out, H_out, W_out)
        Upstream gradient dL/dY.
    kernel_hw : int or (KH, KW) pair
        Kernel size (not recoverable from the shapes when stride leaves remainder rows).
    stride, dilation : int or (h, w) pair

    Returns
    -------
    ndarray of object, shape (C_out, C_in, KH, KW)

    Examples
    --------
    >>> X, delta = tensor("X", (1, 1, 2, 2)), tensor("delta", (1, 1, 1, 2))
    >>> dK = kernel_gradient_closed_form(X, delta, (2, 1))
    >>> dK.shape
    (1, 1, 2, 1)
    >>> print(dK[0, 0, 1, 0])
    X_{0,0,1,0}*delta_{0,0,0,0} + X_{0,0,1,1}*delta_{0,0,0,1}
    """
    xp, delta, kernel_hw, stride, dilation = kernel_gradient_args(
        xp, delta, kernel_hw, stride, dilation
    )
    check_delta_fits(xp.shape, delta.shape, kernel_hw, stride, dilation)
    (n, c_in), c_out, out_hw = xp.shape[:2], delta.shape[1], delta.shape[2:]
    terms = np.empty((c_out, c_in, *kernel_hw, n, *out_hw), dtype=object)
    for u, v in np.ndindex(kernel_hw):
        rows, cols = window(u, v, out_hw, stride, dilation)
        # (N, C_out, 1, H_out, W_out) * (N, 1, C_in, H_out, W_out) -> (N, C_out, C_in, H_out, W_out)
        taps = delta[:, :, None] * xp[:, None, :, rows, cols]
        terms[:, :, u, v] = np.moveaxis(taps, 0, 2)  # -> (C_out, C_in, N, H_out, W_out)
    return _sum_last(terms, 3)  # sum over (n, i, j) -> (C_out, C_in, KH, KW)


def gradient_identity_holds(
    x_shape,
    w_shape,
    *,
    bias=True,
    stride=1,
    padding=0,
    dilation=1,
    closed_form: Callable | None = None,
):
    """Prove exactly, with no numbers, that SymPy's dL/dK equals a closed form.

    Every entry of ``sympy.diff(L, K[f,c,u,v])`` minus the closed form must expand to 0.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        (N, C_in, H, W).
    w_shape : tuple of 4 ints
        (C_out, C_in, KH, KW).
    bias : bool, default True
        The bias must not leak into dL/dK; keeping it in checks that too.
    stride, padding, dilation : int or (h, w) pair
    closed_form : callable, optional
        ``closed_form(xp, delta, kernel_hw, *, stride, dilation)`` returning the candidate
        dL/dK, shape (C_out, C_in, KH, KW), as `kernel_gradient_closed_form` (the default) does.
        It receives the padded symbolic input, the delta symbols, (KH, KW), and stride and
        dilation as (h, w) pairs.

    Returns
    -------
    bool
        True when the identity holds for every entry.

    Examples
    --------
    >>> gradient_identity_holds((1, 2, 4, 3), (2, 2, 2, 2), stride=2, padding=1)
    True
    >>> def forgot_the_stride(xp, delta, kernel_hw, *, stride, dilation):
    ...     return kernel_gradient_closed_form(xp, delta, kernel_hw, stride=1, dilation=dilation)
    >>> gradient_identity_holds((1, 1, 5, 5), (1, 1, 2, 2), stride=2, closed_form=forgot_the_stride)
    False
    """
    closed_form = kernel_gradient_closed_form if closed_form is None else closed_form
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    hyper = {"stride": stride, "padding": padding, "dilation": dilation}
    g = conv2d_gradients(x_shape, w_shape, bias=bias, wrt=("K",), **hyper)
    xp = pad(g.X, padding, sympy.S.Zero)  # (N, C_in, H + 2p_h, W + 2p_w)
    candidate = np.asarray(
        closed_form(xp, g.delta, g.K.shape[2:], stride=stride, dilation=dilation), dtype=object
    )
    check_shape(candidate, g.K.shape, "closed_form(...)", "the shape of K, (C_out, C_in, KH, KW)")
    return identical(g.dK, candidate)
