"""Topic-free helpers of the SymPy mirror: arrays of symbols, their derivatives, exact identities.

A tensor here is a NumPy object array of SymPy Symbols (``X_{n,c,h,w}``), so NumPy indexing,
slicing and padding work on it unchanged. `as_matrix` shows a small one in a notebook; `evaluate`
substitutes numbers for its symbols, so a SymPy-derived gradient can be compared with the numeric
core's. `gradient` differentiates one expression by every symbol of an array, `one_hot` writes
labels as 0s and 1s, and `identical` (entry by entry: `entries_identical`) is the exact
comparison every proof of the book ends with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import sympy

from ..validation import (
    as_callable,
    as_int,
    as_object_array,
    check_shape,
    instance_of,
    int_labels,
    nonempty_str,
    shape_tuple,
)


def tensor(name, shape, *, real=True):
    r"""An object array of SymPy Symbols named ``name_{i,j,...}`` after their index.

    Parameters
    ----------
    name : str
        Base name, used verbatim in every symbol; use a LaTeX command for Greek letters
        (``r"\delta"``) so notebooks render the letter.
    shape : int or tuple of ints
        Shape of the array; an int means a 1-D array.
    real : bool, default True
        Declare every symbol real (keeps expressions free of conjugates); False declares nothing.

    Returns
    -------
    ndarray of object, shape ``shape``
        ``tensor("X", (1, 2, 3))[0, 1, 2]`` is ``Symbol("X_{0,1,2}")``; ``tensor("b", 4)[3]`` is
        ``Symbol("b_{3}")``. A shape of ``()`` gives a 0-d array holding ``Symbol(name)``.

    Examples
    --------
    >>> X = tensor("X", (1, 1, 2, 2))
    >>> X[0, 0]
    array([[X_{0,0,0,0}, X_{0,0,0,1}],
           [X_{0,0,1,0}, X_{0,0,1,1}]], dtype=object)
    >>> tensor("b", 2)[1].is_real
    True
    """
    _check_name(name)
    shape = shape_tuple(shape, "shape")
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

    Examples
    --------
    >>> as_matrix(tensor("K", (1, 1, 2, 2)))
    Matrix([
    [K_{0,0,0,0}, K_{0,0,0,1}],
    [K_{0,0,1,0}, K_{0,0,1,1}]])
    >>> as_matrix(tensor("b", 3)).shape
    (1, 3)
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

    Examples
    --------
    >>> x = tensor("x", 2)
    >>> evaluate([x[0] * x[1] + 1, x[1] ** 2], [(x, [2.0, 3.0])])
    array([7., 9.])
    >>> float(evaluate(x[0] - x[1], {x[0]: 1.0, x[1]: 0.25}))
    0.75
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


def _check_name(name):
    nonempty_str(name, "name")


def one_hot(labels, n_classes):
    """Integer labels as rows of 0s and 1s (SymPy Integers): row n has its 1 at column y_n.

    Parameters
    ----------
    labels : sequence of int, shape (N,)
        The classes y_n, each in [0, n_classes).
    n_classes : int >= 1
        K, the number of columns.

    Returns
    -------
    ndarray of object, shape (N, K)

    Examples
    --------
    >>> one_hot([2, 0], 3)
    array([[0, 0, 1],
           [1, 0, 0]], dtype=object)
    """
    k = as_int(n_classes, "n_classes", 1)
    y = int_labels(labels, "labels", n_classes=k)
    return np.array([[sympy.Integer(int(c == j)) for j in range(k)] for c in y], dtype=object)


def gradient(L, symbols):
    """``dL/ds`` for every symbol s of an array, by `sympy.diff`, in the array's shape.

    Parameters
    ----------
    L : sympy.Expr
        One expression (a scalar loss); for an array, differentiate entry by entry.
    symbols : array_like of SymPy Symbols

    Returns
    -------
    ndarray of object, shape of ``symbols``

    Examples
    --------
    >>> x = tensor("x", 2)
    >>> gradient(x[0] ** 2 * x[1], x)
    array([2*x_{0}*x_{1}, x_{0}**2], dtype=object)
    >>> gradient(x[0] * x[1], [x[0], 2])
    Traceback (most recent call last):
    TypeError: symbols[(1,)] must be a SymPy Symbol, e.g. an entry of tensor(...); got 2 (int)
    """
    instance_of(L, "L", sympy.Expr, "one SymPy expression (differentiate an array entry by entry)")
    symbols = as_object_array(symbols, "symbols")
    out = np.empty(symbols.shape, dtype=object)
    for idx in np.ndindex(symbols.shape):
        what = "a SymPy Symbol, e.g. an entry of tensor(...)"
        out[idx] = sympy.diff(L, instance_of(symbols[idx], f"symbols[{idx}]", sympy.Symbol, what))
    return out


def entries_identical(a, b, by=sympy.expand) -> np.ndarray:
    """Entry by entry, whether ``by(a - b)`` is exactly 0: an identity in the symbols.

    Parameters
    ----------
    a, b : array_like of SymPy expressions (or numbers), same shape
    by : callable
        What reduces a difference to 0: `sympy.expand` (sums of products) by default,
        `sympy.cancel` for ratios such as a softmax.

    Returns
    -------
    ndarray of bool, the shape of ``a``

    Examples
    --------
    >>> x = tensor("x", 2)
    >>> entries_identical([(x[0] + x[1]) ** 2, x[0]], [x[0]**2 + 2*x[0]*x[1] + x[1]**2, x[1]])
    array([ True, False])
    """
    by = as_callable(by, "by")
    a, b = as_object_array(a, "a"), as_object_array(b, "b")
    check_shape(b, a.shape, "b", "the shape of a: entries are compared one to one")
    same = [by(u - v) == 0 for u, v in zip(a.flat, b.flat, strict=True)]
    return np.array(same, dtype=bool).reshape(a.shape)


def identical(a, b, by=sympy.expand) -> bool:
    """Whether two arrays of expressions are equal entry by entry, exactly; False when their
    shapes differ.

    Parameters
    ----------
    a, b : array_like of SymPy expressions (or numbers)
    by : callable
        As in `entries_identical`.

    Returns
    -------
    bool

    Examples
    --------
    >>> x = tensor("x", 2)
    >>> identical([x[0] * (x[1] + 1)], [x[0] * x[1] + x[0]]), identical(x, [x[0]])
    (True, False)
    """
    a, b = as_object_array(a, "a"), as_object_array(b, "b")
    return a.shape == b.shape and bool(entries_identical(a, b, by).all())
