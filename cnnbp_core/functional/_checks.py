"""Argument checks shared by the functional layers.

Every check raises a ``ValueError`` or ``TypeError`` that names the argument, the offending shape
or value and the rule it broke, so a reader never meets a raw NumPy broadcasting error.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert an array-like to a floating ndarray, keeping a float dtype as it is.

    Parameters
    ----------
    a : array_like
        The value to convert (nested lists are fine).
    name : str
        The argument's name, used in error messages.
    ndim : int, optional
        Required number of dimensions.

    Returns
    -------
    ndarray
        ``a`` as an array of a floating dtype (not copied when it already is one).
    """
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as err:  # ragged nested lists, for instance
        raise TypeError(f"{name} must be an array of floats; could not convert it: {err}") from None
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must have a floating dtype (float32 or float64); got dtype {arr.dtype}. "
            f"Convert integer or boolean data explicitly, e.g. {name}.astype(np.float64)."
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape} ({arr.ndim}-D)")
    return arr


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """Read an int or an (h, w) pair of ints, each at least ``minimum``.

    Parameters
    ----------
    value : int or tuple of two ints
    name : str
        The argument's name, used in error messages.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    tuple of two ints
    """
    items = value if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{name} must be an int or an (h, w) pair; got {value!r}")
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
        if item < minimum:
            raise ValueError(f"{name} must be >= {minimum}; got {value!r}")
    return int(items[0]), int(items[1])


def check_shape(arr: np.ndarray, expected: tuple[int, ...], name: str, rule: str) -> None:
    """Raise a ValueError when ``arr.shape`` differs from ``expected``."""
    if arr.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)} ({rule}); got {arr.shape}")


def check_grad(dout, expected_shape: tuple[int, ...], dtype) -> np.ndarray:
    """Check an upstream gradient against the forward output's shape; return it in ``dtype``."""
    dout = as_float_array(dout, "dout")
    check_shape(dout, expected_shape, "dout", "the shape of the forward output")
    return dout.astype(dtype, copy=False)


def as_real(value, name: str) -> float:
    """Read a real number (an int or a float, not a bool) as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    return float(value)


def as_flag(value, name: str) -> bool:
    """Read a bool (Python or NumPy); anything else is a TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def scalar_grad(value, name: str, dtype) -> np.ndarray:
    """Check the upstream gradient of a scalar (a loss): a real number or a 0-d float array."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return np.asarray(value, dtype=dtype)
    arr = as_float_array(value, name)
    check_shape(arr, (), name, "the upstream gradient of a scalar loss is a scalar")
    return arr.astype(dtype, copy=False)
