"""Symbolic tensors and a symbolic conv2d that mirrors `cnnbp_core.functional.conv` exactly.

A tensor here is a NumPy object array of SymPy Symbols (``X_{n,c,h,w}``), so NumPy indexing,
slicing and padding work on it unchanged. `conv2d` writes the forward index formula

    Y[n,f,i,j] = b[f] + sum_{c,u,v} K[f,c,u,v] * Xp[n, c, i*s_h + u*d_h, j*s_w + v*d_w]

with the numeric core's geometry (same output-size rule, same error messages), and
`conv2d_gradients` differentiates ``L = sum(delta * Y)`` with `sympy.diff`: the gradients it
returns are derived by SymPy, not by the book. `gradient_identity_holds` then proves a closed form
equal to them exactly, and `symbolic_matches_numeric` compares them with `conv2d_backward`.

Imports only NumPy, SymPy and the numeric core's geometry helpers; no display code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sympy

from .functional._checks import check_shape, pair
from .functional.conv import _hyper, conv2d_backward, conv2d_forward, conv2d_output_shape

# --------------------------------------------------------------------------------------------
# Symbolic tensors


def tensor(name, shape, *, real=True):
    """An object array of SymPy Symbols named ``name_{i,j,...}`` after their index.

    Parameters
    ----------
    name : str
        Base name, used verbatim in every symbol; use a LaTeX command for Greek letters
        (``r"\\delta"``) so notebooks render the letter.
    shape : int or tuple of ints
        Shape of the array; an int means a 1-D array.
    real : bool, default True
        Declare every symbol real (keeps expressions free of conjugates); False declares nothing.

    Returns
    -------
    ndarray of object, shape ``shape``
        ``tensor("X", (1, 2, 3))[0, 1, 2]`` is ``Symbol("X_{0,1,2}")``; ``tensor("b", 4)[3]`` is
        ``Symbol("b_{3}")``. A shape of ``()`` gives a 0-d array holding ``Symbol(name)``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str; got {name!r}")
    shape = _shape_tuple(shape, "shape")
    assumptions = {"real": True} if real else {}  # real=False means no assumption, not "complex"
    arr = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        label = f"{name}_{{{','.join(map(str, idx))}}}" if idx else name
        arr[idx] = sympy.Symbol(label, **assumptions)
    return arr


def as_matrix(arr):
    """A `sympy.Matrix` of a small array, for pretty rendering in a notebook.

    Parameters
    ----------
    arr : array_like, shape (R, C), (1, ..., 1, R, C) or (C,)
        A 2-D array, an array whose leading axes all have length 1 (one image of a batch,
        e.g. shape (1, 1, H, W)), or a 1-D array, shown as one row.

    Returns
    -------
    sympy.Matrix, shape (R, C)
    """
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim > 2 and all(n == 1 for n in arr.shape[:-2]):
        arr = arr.reshape(arr.shape[-2:])
    elif arr.ndim != 2:
        raise ValueError(
            f"arr must be 2-D, or have length-1 leading axes such as (1, 1, H, W); got shape "
            f"{arr.shape}: pick one image first, e.g. arr[n, c]"
        )
    return sympy.Matrix(arr.tolist())


# --------------------------------------------------------------------------------------------
# Forward operations


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
    """
    x = _as_object_array(x, "x", "(N, C_in, H, W)")
    w = _as_object_array(w, "w", "(C_out, C_in, KH, KW)")
    _check_channels(x.shape, w.shape)
    stride, padding, dilation = _hyper(stride, padding, dilation)
    out_hw = conv2d_output_shape(
        x.shape[2], x.shape[3], w.shape[2:], stride=stride, padding=padding, dilation=dilation
    )
    (ph, pw) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=sympy.S.Zero)
    y = _correlate(xp, w, out_hw, stride, dilation)
    if b is None:
        return y
    b = _as_object_array(b, "b", "(C_out,)", ndim=None)
    check_shape(b, (w.shape[0],), "b", "one bias per output channel, C_out of w")
    return y + b[None, :, None, None]


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
    """
    x = _as_object_array(x, "x", "(L,)", ndim=1)
    k = _as_object_array(k, "k", "(KL,)", ndim=1)
    _check_fits(x.shape, k.shape, "x", "k")
    return conv2d(x[None, None, None, :], k[None, None, None, :])[0, 0, 0]


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
    """
    numeric = _is_numeric(a) and _is_numeric(b)
    a = _as_object_array(a, "a", "(HA, WA)", ndim=2)
    b = _as_object_array(b, "b", "(HB, WB)", ndim=2)
    _check_fits(a.shape, b.shape, "a", "b")
    out_hw = (a.shape[0] - b.shape[0] + 1, a.shape[1] - b.shape[1] + 1)
    out = _correlate(a[None, None], b[None, None], out_hw, (1, 1), (1, 1))[0, 0]
    return out.astype(np.float64) if numeric else out


def _correlate(xp, w, out_hw, stride, dilation):
    """The forward index formula as loops over object arrays (xp is already padded)."""
    (sh, sw), (dh, dw) = stride, dilation
    c_, kh, kw = w.shape[1:]
    y = np.empty((xp.shape[0], w.shape[0], *out_hw), dtype=object)
    for n, f, i, j in np.ndindex(y.shape):
        # one Add of all terms: summing pairwise would re-flatten the growing sum at every step
        y[n, f, i, j] = sympy.Add(
            *(
                w[f, c, u, v] * xp[n, c, i * sh + u * dh, j * sw + v * dw]
                for c, u, v in np.ndindex(c_, kh, kw)
            )
        )
    return y


# --------------------------------------------------------------------------------------------
# Gradients derived by SymPy


class Conv2dGradients(NamedTuple):
    """Symbols, forward expressions and SymPy-derived gradients of one conv2d configuration."""

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
    """
    wrt = set(wrt)
    if not wrt <= {"X", "K", "b"}:
        raise ValueError(f"wrt may only name 'X', 'K' and 'b'; got {sorted(wrt)}")
    x_shape = _shape_tuple(x_shape, "x_shape", "(N, C_in, H, W)", ndim=4)
    w_shape = _shape_tuple(w_shape, "w_shape", "(C_out, C_in, KH, KW)", ndim=4)
    _check_channels(x_shape, w_shape)
    X, K = tensor("X", x_shape), tensor("K", w_shape)
    b = tensor("b", w_shape[0]) if bias else None
    Y = conv2d(X, K, b, stride=stride, padding=padding, dilation=dilation)
    delta = tensor(r"\delta", Y.shape)
    L = sympy.Add(*(delta * Y).flat)
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


# --------------------------------------------------------------------------------------------
# Numbers in, numbers out


def evaluate(expr_array, values):
    """Substitute numbers for symbols and return float64 values.

    Parameters
    ----------
    expr_array : array_like of SymPy expressions, any shape
        E.g. ``g.dK`` from `conv2d_gradients`, or a single expression.
    values : mapping or iterable of pairs
        Each key is a Symbol or an object array of Symbols, each value a number or numeric array
        of the same shape. NumPy arrays cannot be dict keys (they are unhashable), so bind arrays
        as pairs: ``[(g.X, x), (g.K, w), (g.delta, dout)]`` or ``g.bind(x=x, w=w, dout=dout)``.
        A dict is fine for Symbol keys: ``{X[0, 0, 1, 2]: 0.5}``.

    Returns
    -------
    ndarray of float64, shape of ``expr_array``

    Raises
    ------
    ValueError
        When a value's shape differs from its symbols' (the message names the array), a symbol is
        bound twice, or an expression contains a symbol without a value.
    """
    exprs = np.asarray(expr_array, dtype=object)
    symbols, numbers = _bindings(values)
    free = set().union(*(sympy.sympify(e).free_symbols for e in exprs.flat))
    missing = sorted(map(str, free - set(symbols)))
    if missing:
        shown = ", ".join(missing[:4]) + (", ..." if len(missing) > 4 else "")
        raise ValueError(f"no value given for {len(missing)} symbol(s): {shown}")
    value_of = dict(zip(symbols, numbers.tolist(), strict=True))
    out = [_to_float(sympy.sympify(e), value_of) for e in exprs.flat]
    return np.asarray(out, dtype=np.float64).reshape(exprs.shape)


def _to_float(expr, value_of):
    """Evaluate an expression in float64 by walking its tree.

    The book's expressions are sums of products, and a walk costs about a microsecond per node;
    `sympy.lambdify` spends seconds re-substituting every argument into every expression of a
    conv's gradient before it compiles. Other nodes (exp, Piecewise, ...) go through `subs`.
    """
    if expr.is_Symbol:
        return value_of[expr]
    if expr.is_Number:
        return float(expr)
    if expr.is_Add:
        return sum(_to_float(arg, value_of) for arg in expr.args)
    if expr.is_Mul:
        return math.prod(_to_float(arg, value_of) for arg in expr.args)
    if expr.is_Pow:
        return _to_float(expr.base, value_of) ** _to_float(expr.exp, value_of)
    return float(expr.subs({s: value_of[s] for s in expr.free_symbols}))


def _bindings(values):
    """Flatten ``values`` into a list of distinct Symbols and a matching float64 vector."""
    pairs = values.items() if isinstance(values, Mapping) else values
    symbols, numbers = [], []
    for key, value in pairs:
        keys = np.asarray(key, dtype=object)
        name = _array_name(keys)
        if not all(isinstance(s, sympy.Symbol) for s in keys.flat):
            raise TypeError(f"the symbols bound to values must be SymPy Symbols; {name} is not")
        try:
            nums = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise TypeError(f"the value for {name} must be numeric: {err}") from None
        if nums.shape != keys.shape:
            raise ValueError(
                f"the value for {name} has shape {nums.shape} but the symbols {name} have shape "
                f"{keys.shape}"
            )
        symbols.extend(keys.flat)
        numbers.extend(nums.flat)
    if len(set(symbols)) != len(symbols):
        raise ValueError("a symbol is bound to a value twice; bind each array once")
    return symbols, np.asarray(numbers, dtype=np.float64)


def _array_name(keys):
    """``X`` for an array of X_{...} symbols, the symbol's name for a single Symbol."""
    first = next(iter(keys.flat), None)
    return str(first).split("_{")[0] if isinstance(first, sympy.Symbol) else repr(first)


# --------------------------------------------------------------------------------------------
# The checks chapter 04 runs over a grid of configurations


@dataclass(frozen=True)
class GradientComparison:
    """Largest absolute differences between symbolic and numeric results; true when all pass."""

    max_abs_diff: dict  # {"Y": ..., "dX": ..., "dK": ..., "db": ...} (no "db" without bias)
    atol: float

    @property
    def ok(self):
        return all(diff <= self.atol for diff in self.max_abs_diff.values())

    def __bool__(self):
        return self.ok


def symbolic_matches_numeric(
    x_shape, w_shape, *, rng, bias=True, stride=1, padding=0, dilation=1, atol=1e-12
):
    """Compare SymPy's Y and gradients with `conv2d_forward`/`conv2d_backward` at random numbers.

    Draws X, K, b and a random upstream gradient dout (standard normal, float64, from ``rng``),
    evaluates the symbolic Y, dL/dX, dL/dK, dL/db there and runs the numeric core on the same
    numbers.

    Parameters
    ----------
    x_shape : tuple of 4 ints
        (N, C_in, H, W).
    w_shape : tuple of 4 ints
        (C_out, C_in, KH, KW).
    rng : numpy.random.Generator
    bias : bool, default True
    stride, padding, dilation : int or (h, w) pair
    atol : float
        Largest allowed absolute difference (both sides are float64 sums of a few products).

    Returns
    -------
    GradientComparison
        Truthy when every difference is within ``atol``; ``max_abs_diff`` holds the numbers.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, e.g. default_rng(0); got {rng!r}")
    hyper = {"stride": stride, "padding": padding, "dilation": dilation}
    g = conv2d_gradients(x_shape, w_shape, bias=bias, **hyper)
    x, w = rng.standard_normal(g.X.shape), rng.standard_normal(g.K.shape)
    b = rng.standard_normal(g.b.shape) if bias else None
    dout = rng.standard_normal(g.Y.shape)
    y, cache = conv2d_forward(x, w, b, **hyper)
    numeric = dict(zip(("dX", "dK", "db"), conv2d_backward(dout, cache), strict=True))
    numeric["Y"] = y
    bound = g.bind(x=x, w=w, b=b, dout=dout)
    symbolic = {"Y": g.Y, "dX": g.dX, "dK": g.dK, "db": g.db}
    diffs = {
        name: float(np.max(np.abs(evaluate(expr, bound) - numeric[name]), initial=0.0))
        for name, expr in symbolic.items()
        if expr is not None
    }
    return GradientComparison(diffs, atol)


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
    """
    xp = _as_object_array(xp, "xp", "(N, C_in, Hp, Wp)")
    delta = _as_object_array(delta, "delta", "(N, C_out, H_out, W_out)")
    if xp.shape[0] != delta.shape[0]:
        raise ValueError(f"xp {xp.shape} and delta {delta.shape} must have the same batch size N")
    (kh, kw) = pair(kernel_hw, "kernel_hw", 1)
    (sh, sw), (dh, dw) = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
    n_, f_, ho, wo = delta.shape
    dk = np.empty((f_, xp.shape[1], kh, kw), dtype=object)
    for f, c, u, v in np.ndindex(dk.shape):
        dk[f, c, u, v] = sympy.Add(
            *(
                delta[n, f, i, j] * xp[n, c, i * sh + u * dh, j * sw + v * dw]
                for n, i, j in np.ndindex(n_, ho, wo)
            )
        )
    return dk


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
    """
    closed_form = kernel_gradient_closed_form if closed_form is None else closed_form
    stride, padding, dilation = _hyper(stride, padding, dilation)
    hyper = {"stride": stride, "padding": padding, "dilation": dilation}
    g = conv2d_gradients(x_shape, w_shape, bias=bias, wrt=("K",), **hyper)
    (ph, pw) = padding
    xp = np.pad(g.X, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=sympy.S.Zero)
    candidate = np.asarray(
        closed_form(xp, g.delta, g.K.shape[2:], stride=stride, dilation=dilation), dtype=object
    )
    check_shape(candidate, g.K.shape, "closed_form(...)", "the shape of K, (C_out, C_in, KH, KW)")
    return all(sympy.expand(d - c) == 0 for d, c in zip(g.dK.flat, candidate.flat, strict=True))


# --------------------------------------------------------------------------------------------
# Argument checks (the messages follow functional/_checks.py)


def _as_object_array(a, name, layout, ndim=4):
    arr = np.asarray(a, dtype=object)  # ragged nested lists become 1-D arrays of lists
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D {layout}; got shape {arr.shape} ({arr.ndim}-D)")
    return arr


def _is_numeric(a):
    try:
        return np.asarray(a).dtype.kind in "iuf"
    except (TypeError, ValueError):  # ragged: left for _as_object_array to report
        return False


def _check_channels(x_shape, w_shape):
    if x_shape[1] != w_shape[1]:
        raise ValueError(
            f"channel mismatch: x has C_in={x_shape[1]} channels (shape {tuple(x_shape)}) but w "
            f"expects C_in={w_shape[1]} (shape {tuple(w_shape)}); w must have shape "
            f"(C_out, C_in, KH, KW)"
        )


def _check_fits(big, small, big_name, small_name):
    if any(s > b for s, b in zip(small, big, strict=True)):
        raise ValueError(
            f"{small_name} (shape {small}) must fit inside {big_name} (shape {big}) for a valid "
            f"correlation"
        )


def _shape_tuple(shape, name, layout="", ndim=None):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints; got {shape!r}") from None
    if any(isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) for n in shape):
        raise TypeError(f"{name} must be an int or a tuple of ints; got {shape!r}")
    if any(n < 0 for n in shape):
        raise ValueError(f"{name} must hold non-negative ints; got {shape!r}")
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"{name} must have {ndim} entries {layout}; got {shape!r}")
    return tuple(int(n) for n in shape)
