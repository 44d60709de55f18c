"""Every argument check of the core, written once.

Each check raises a ``ValueError`` (wrong value or shape) or ``TypeError`` (wrong kind) whose
message names the argument, shows what it got and states the rule it broke, so a reader never
meets a raw NumPy broadcasting error and never gets a silently wrong answer. The functional
pairs, the layers, the training loop, the data helpers and the symbolic mirror all call these,
so one mistake always gets the same message wherever it is made.

Imports only NumPy.
"""

from __future__ import annotations

import numbers

import numpy as np


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


# --- scalars ------------------------------------------------------------------------------------


def as_int(value, name: str, minimum: int | None = None) -> int:
    """Read an int (not a bool), at least ``minimum`` when given.

    >>> as_int(3, "epochs", 1)
    3
    >>> as_int(True, "epochs")
    Traceback (most recent call last):
    TypeError: epochs must be an int; got True (bool)
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """Read an int or an (h, w) pair of ints, each at least ``minimum``.

    >>> pair(2, "stride", 1), pair((1, 3), "stride", 1)
    ((2, 2), (1, 3))
    >>> pair(0, "stride", 1)
    Traceback (most recent call last):
    ValueError: stride must be >= 1; got 0
    """
    items = value if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"{name} must be an int or an (h, w) pair; got {value!r}")
    for item in items:
        if not _is_int(item):
            raise TypeError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
        if item < minimum:
            raise ValueError(f"{name} must be >= {minimum}; got {value!r}")
    return int(items[0]), int(items[1])


def as_real(value, name: str, *, minimum: float | None = None, finite: bool = False) -> float:
    """Read a real number (an int or a float, not a bool) as a float.

    >>> as_real(0.5, "lr", minimum=0)
    0.5
    >>> as_real(-1, "lam", minimum=0)
    Traceback (most recent call last):
    ValueError: lam must be >= 0; got -1.0
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    value = float(value)
    if (finite or minimum is not None) and not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    if minimum is not None and not value >= minimum:
        raise ValueError(f"{name} must be >= {minimum:g}; got {value}")
    return value


def positive(value, name: str) -> float:
    """Read a finite real number > 0 (a learning rate, a width, an epsilon).

    >>> positive(0.1, "lr")
    0.1
    >>> positive(0, "lr")
    Traceback (most recent call last):
    ValueError: lr must be > 0 and finite; got 0.0
    """
    value = as_real(value, name)
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be > 0 and finite; got {value}")
    return value


_BRACKETS = {"left": "[)", "both": "[]", "neither": "()"}


def in_interval(value, name: str, low: float, high: float, *, closed: str = "left") -> float:
    """Read a real number in an interval: [low, high) by default, or [low, high] or (low, high).

    >>> in_interval(0.9, "momentum", 0, 1)
    0.9
    >>> in_interval(1, "test_fraction", 0, 1, closed="neither")
    Traceback (most recent call last):
    ValueError: test_fraction must lie in (0, 1); got 1.0
    """
    value = as_real(value, name)
    left, right = _BRACKETS[closed]
    above = value >= low if left == "[" else value > low
    below = value <= high if right == "]" else value < high
    if not (above and below):
        raise ValueError(f"{name} must lie in {left}{low:g}, {high:g}{right}; got {value}")
    return value


def probability(value, name: str = "p") -> float:
    """Read a drop probability in [0, 1).

    >>> probability(0.25)
    0.25
    >>> probability(1.0)
    Traceback (most recent call last):
    ValueError: p (the drop probability) must lie in [0, 1); got 1.0
    """
    return in_interval(value, f"{name} (the drop probability)", 0, 1)


def one_of(value, name: str, allowed) -> object:
    """Require ``value`` to be one of ``allowed`` (a tuple of choices).

    >>> one_of("cross_entropy", "loss", ("cross_entropy",))
    'cross_entropy'
    >>> one_of("hinge", "loss", ("cross_entropy",))
    Traceback (most recent call last):
    ValueError: loss must be one of ('cross_entropy',); got 'hinge'
    """
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}; got {value!r}")
    return value


def subset_of(values, name: str, allowed) -> set:
    """Require every item of ``values`` to be one of ``allowed``; return them as a set.

    >>> sorted(subset_of(("K", "b"), "wrt", ("X", "K", "b")))
    ['K', 'b']
    """
    values = set(values)
    if not values <= set(allowed):
        raise ValueError(f"{name} may only name {tuple(allowed)}; got {sorted(values)}")
    return values


def as_callable(value, name: str = "fn"):
    """Require a function (the reader's solution, a forward pass), not the result of calling it.

    >>> as_callable(3)
    Traceback (most recent call last):
    TypeError: fn must be a function itself (pass my_function, not my_function(...)); got int
    """
    if not callable(value):
        raise TypeError(
            f"{name} must be a function itself (pass my_function, not my_function(...)); "
            f"got {type(value).__name__}"
        )
    return value


def nonempty_str(value, name: str) -> str:
    """Require a non-empty string.

    >>> nonempty_str("", "name")
    Traceback (most recent call last):
    TypeError: name must be a non-empty str; got ''
    """
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str; got {value!r}")
    return value


def as_flag(value, name: str) -> bool:
    """Read a bool (Python or NumPy); anything else is a TypeError.

    >>> as_flag(np.True_, "training")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r} ({type(value).__name__})")
    return bool(value)


def generator(rng, name: str = "rng") -> np.random.Generator:
    """Require a ``numpy.random.Generator`` (every random function of the core takes one).

    >>> generator(np.random.default_rng(0)).__class__.__name__
    'Generator'
    >>> generator(0)
    Traceback (most recent call last):
    TypeError: rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); got int
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng


# --- arrays -------------------------------------------------------------------------------------


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

    Examples
    --------
    >>> as_float_array([[1.0, 2.0]], "x", ndim=2).shape
    (1, 2)
    >>> as_float_array([1, 2], "x")
    Traceback (most recent call last):
    TypeError: x must have a floating dtype (float32 or float64); got dtype int64. Convert integer or boolean data explicitly, e.g. x.astype(np.float64).
    """  # noqa: E501
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


def as_object_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """An array of Python objects (SymPy expressions or numbers) with ``ndim`` dimensions.

    >>> as_object_array([[1, 2]], "x", ndim=2).dtype
    dtype('O')
    >>> as_object_array([1, 2], "x", ndim=4)
    Traceback (most recent call last):
    ValueError: x must be 4-D; got shape (2,) (1-D)
    """
    arr = np.asarray(a, dtype=object)  # ragged nested lists become 1-D arrays of lists
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape} ({arr.ndim}-D)")
    return arr


def is_numeric(a) -> bool:
    """True when ``a`` converts to an array of ints or floats (not of objects, e.g. SymPy terms).

    Functions that work on numbers and on SymPy symbols alike ask it whether to return float64
    or expressions. A ragged nested list is not numeric (the caller's conversion reports it).

    >>> is_numeric([[1.0, 2.0]]), is_numeric(np.arange(3)), is_numeric(np.array([1], dtype=object))
    (True, True, False)
    >>> is_numeric([[1.0], [1.0, 2.0]])  # ragged
    False
    """
    try:
        return np.asarray(a).dtype.kind in "iuf"
    except (TypeError, ValueError):  # ragged: left for as_object_array to report
        return False


def numeric_array(a, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    """A non-empty array of booleans, integers or floats with one of the allowed ``ndims``.

    Display code takes counts and masks as well as floats, which `as_float_array` rejects.

    >>> numeric_array([1, 2], "a", (1, 2)).shape
    (2,)
    >>> numeric_array(np.zeros((2, 2, 2)), "a", (1, 2))
    Traceback (most recent call last):
    ValueError: a must be 1-D or 2-D; got shape (2, 2, 2) (3-D)
    """
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array; could not convert it: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want}; got shape {arr.shape} ({arr.ndim}-D)")
    check_nonempty(arr, name)
    return arr


def batch(x, name: str = "x") -> np.ndarray:
    """A non-empty batch of examples along axis 0, each at least 1-D: shape (N, ...), N >= 1.

    >>> batch(np.zeros((0, 3)))
    Traceback (most recent call last):
    ValueError: x must be a non-empty batch (N, ...); got shape (0, 3)
    """
    x = np.asarray(x)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty batch (N, ...); got shape {x.shape}")
    return x  # (one rule: at least 2-D and N >= 1; at_least_2d alone allows N = 0)


def check_shape(arr, expected: tuple[int, ...], name: str, rule: str) -> None:
    """Raise a ValueError when ``arr.shape`` differs from ``expected``, stating ``rule``.

    >>> check_shape(np.zeros(3), (4,), "b", "one bias per output channel")
    Traceback (most recent call last):
    ValueError: b must have shape (4,) (one bias per output channel); got (3,)
    """
    if arr.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)} ({rule}); got {arr.shape}")


def check_grad(dout, expected_shape: tuple[int, ...], dtype) -> np.ndarray:
    """Check an upstream gradient against the forward output's shape; return it in ``dtype``.

    >>> check_grad(np.ones((2, 3)), (2, 3), np.float32).dtype
    dtype('float32')
    """
    dout = as_float_array(dout, "dout")
    check_shape(dout, expected_shape, "dout", "the shape of the forward output")
    return dout.astype(dtype, copy=False)


def scalar_grad(value, name: str, dtype) -> np.ndarray:
    """Check the upstream gradient of a scalar (a loss): a real number or a 0-d float array.

    >>> float(scalar_grad(1, "dloss", np.float64))
    1.0
    """
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return np.asarray(value, dtype=dtype)
    arr = as_float_array(value, name)
    check_shape(arr, (), name, "the upstream gradient of a scalar loss is a scalar")
    return arr.astype(dtype, copy=False)


def int_labels(labels, name: str = "labels", *, n: int | None = None, n_classes=None):
    """Read class labels: a 1-D integer array, one per example, each in [0, n_classes).

    Parameters
    ----------
    labels : array_like
    name : str
    n : int, optional
        Required number of labels (the batch size of the logits they go with).
    n_classes : int, optional
        Number of classes K; labels must lie in [0, K). Without it, labels must be >= 0.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> int_labels([2, 0, 1], n_classes=3)
    array([2, 0, 1])
    >>> int_labels([0.0, 1.0])
    Traceback (most recent call last):
    TypeError: labels must be integer class indices (dtype int); got dtype float64. Boolean and float labels are rejected rather than silently cast.
    """  # noqa: E501
    arr = np.asarray(labels)
    if arr.size and arr.dtype.kind not in "iu" or arr.dtype.kind == "b":
        raise TypeError(
            f"{name} must be integer class indices (dtype int); got dtype {arr.dtype}. "
            "Boolean and float labels are rejected rather than silently cast."
        )
    if n is not None:
        check_shape(arr, (n,), name, "one class index per example")
    elif arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one class label per example); got shape {arr.shape}")
    top = np.inf if n_classes is None else n_classes
    if arr.size and (arr.min() < 0 or arr.max() >= top):
        bad = arr[(arr < 0) | (arr >= top)]
        rule = "be >= 0" if n_classes is None else f"lie in [0, {n_classes}) for K={n_classes}"
        raise ValueError(f"{name} must {rule}; got out-of-range values {bad[:5].tolist()}")
    return arr.astype(np.int64)


def shape_tuple(shape, name: str, ndim: int | None = None, layout: str = "") -> tuple[int, ...]:
    """Read a shape: an int (1-D) or a tuple of non-negative ints, of length ``ndim`` if given.

    >>> shape_tuple(3, "shape"), shape_tuple((1, 2), "shape", 2)
    ((3,), (1, 2))
    """
    shape = (shape,) if _is_int(shape) else shape
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints; got {shape!r}") from None
    if not all(_is_int(n) for n in shape):
        raise TypeError(f"{name} must be an int or a tuple of ints; got {shape!r}")
    if any(n < 0 for n in shape):
        raise ValueError(f"{name} must hold non-negative ints; got {shape!r}")
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"{name} must have {ndim} entries {layout}; got {shape!r}")
    return tuple(int(n) for n in shape)


def check_fan_in(x_shape, w_shape) -> None:
    """Axis 1 of the input must match axis 1 of the weights: C_in for conv, ``in`` for linear.

    >>> check_fan_in((2, 3, 5, 5), (4, 1, 3, 3))
    Traceback (most recent call last):
    ValueError: channel mismatch: x has C_in=3 channels (shape (2, 3, 5, 5)) but w expects C_in=1 (shape (4, 1, 3, 3)); w must have shape (C_out, C_in, KH, KW)
    >>> check_fan_in((2, 3), (4, 5))
    Traceback (most recent call last):
    ValueError: feature mismatch: x has in=3 features (shape (2, 3)) but w expects in=5 (shape (4, 5)); w must have shape (out, in)
    """  # noqa: E501
    if x_shape[1] == w_shape[1]:
        return
    what, sym, layout = (
        ("channel", "C_in", "(C_out, C_in, KH, KW)")
        if len(w_shape) == 4
        else ("feature", "in", "(out, in)")
    )
    raise ValueError(
        f"{what} mismatch: x has {sym}={x_shape[1]} {what}s (shape {tuple(x_shape)}) but w "
        f"expects {sym}={w_shape[1]} (shape {tuple(w_shape)}); w must have shape {layout}"
    )


def check_nonempty(arr, name: str) -> None:
    """Reject an array with no elements (a mean over nothing, a batch of nothing).

    >>> check_nonempty(np.zeros((0, 3)), "pred")
    Traceback (most recent call last):
    ValueError: pred must not be empty; got shape (0, 3)
    """
    if np.size(arr) == 0:
        raise ValueError(f"{name} must not be empty; got shape {np.shape(arr)}")


def at_least_2d(a, name: str, layout: str = "(..., H, W)") -> np.ndarray:
    """An array with at least two axes (images, batches of rows).

    >>> at_least_2d(np.zeros(3), "a")
    Traceback (most recent call last):
    ValueError: a must be at least 2-D (..., H, W); got shape (3,)
    """
    a = np.asarray(a)
    if a.ndim < 2:
        raise ValueError(f"{name} must be at least 2-D {layout}; got shape {a.shape}")
    return a


def both_or_neither(a, b, names: str) -> None:
    """Two optional arguments that only make sense together.

    >>> both_or_neither(None, 1, "x_val and y_val")
    Traceback (most recent call last):
    ValueError: x_val and y_val must both be given or both be None
    """
    if (a is None) != (b is None):
        raise ValueError(f"{names} must both be given or both be None")


# --- hyper-parameters of a layer: the functional pair and the layer's constructor call these ----


def check_kernel(w_shape) -> None:
    """A kernel bank (C_out, C_in, KH, KW) needs at least one input channel and one tap.

    >>> check_kernel((2, 1, 0, 3))
    Traceback (most recent call last):
    ValueError: w must have C_in, KH, KW >= 1; got shape (2, 1, 0, 3)
    """
    if 0 in tuple(w_shape)[1:]:
        raise ValueError(f"w must have C_in, KH, KW >= 1; got shape {tuple(w_shape)}")


def conv_hyper(stride, padding, dilation):
    """Check a convolution's stride (>= 1), padding (>= 0) and dilation (>= 1; 1 = no gaps).

    >>> conv_hyper(2, 1, (1, 2))
    ((2, 2), (1, 1), (1, 2))
    """
    return pair(stride, "stride", 1), pair(padding, "padding", 0), pair(dilation, "dilation", 1)


def kernel_gradient_args(xp, delta, kernel_hw, stride, dilation):
    """Check and convert the arguments of a closed form of dL/dK (the right one or a wrong one).

    Parameters
    ----------
    xp : array_like, 4-D (N, C_in, H + 2p_h, W + 2p_w)
    delta : array_like, 4-D (N, C_out, H_out, W_out)
    kernel_hw, stride, dilation : int or (h, w) pair, each >= 1

    Returns
    -------
    (xp, delta, kernel_hw, stride, dilation)
        The arrays as object arrays (of numbers or SymPy terms), the rest as (h, w) pairs.

    Examples
    --------
    >>> xp, delta, *rest = kernel_gradient_args(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)),
    ...                                         2, 1, (1, 1))
    >>> xp.dtype, rest
    (dtype('O'), [(2, 2), (1, 1), (1, 1)])
    >>> kernel_gradient_args(np.zeros((3, 3)), np.zeros((1, 1, 2, 2)), 2, 1, 1)
    Traceback (most recent call last):
    ValueError: xp must be 4-D; got shape (3, 3) (2-D)
    """
    return (
        as_object_array(xp, "xp", ndim=4),
        as_object_array(delta, "delta", ndim=4),
        pair(kernel_hw, "kernel_hw", 1),
        pair(stride, "stride", 1),
        pair(dilation, "dilation", 1),
    )


def pool_hyper(kernel_size, stride, padding):
    """Check a pooling window: size, stride (default: the size) and padding (at most half).

    >>> pool_hyper(3, None, 1)
    ((3, 3), (3, 3), (1, 1))
    >>> pool_hyper(2, 1, 2)
    Traceback (most recent call last):
    ValueError: padding (2, 2) must be at most half the kernel size 2x2 in each direction, so that no window lies entirely in the padding (PyTorch's rule)
    """  # noqa: E501
    kernel = pair(kernel_size, "kernel_size", 1)
    stride = kernel if stride is None else pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"padding {padding} must be at most half the kernel size {kernel[0]}x{kernel[1]} "
            "in each direction, so that no window lies entirely in the padding (PyTorch's rule)"
        )
    return kernel, stride, padding


def batchnorm_hyper(momentum, eps):
    """Check batch norm's running-average momentum (in [0, 1]) and its epsilon (> 0).

    >>> batchnorm_hyper(0.1, 1e-5)
    (0.1, 1e-05)
    """
    return in_interval(momentum, "momentum", 0, 1, closed="both"), positive(eps, "eps")


# --- kinds, choices and arrays of reals (chapter 01's explain and viz modules call these) -------


def instance_of(value, name: str, types, what: str | None = None):
    """Require an instance of ``types`` (a type or a tuple of types); a TypeError otherwise.

    ``what`` says in words what is expected (default: the types' names).

    >>> instance_of({"a": 1}, "graph", dict)
    {'a': 1}
    >>> instance_of([1], "graph", dict, "a dict name -> (op, *inputs)")
    Traceback (most recent call last):
    TypeError: graph must be a dict name -> (op, *inputs); got [1] (list)
    """
    if not isinstance(value, types):
        if what is None:
            names = [t.__name__ for t in (types if isinstance(types, tuple) else (types,))]
            what = "a " + " or ".join(names)
        raise TypeError(f"{name} must be {what}; got {value!r} ({type(value).__name__})")
    return value


def choice(value, name: str, allowed) -> str:
    """Require a str among ``allowed``: `one_of` for names, safe against arrays and lists.

    A non-str value (an array, a list, a number) is a TypeError naming the choices, never
    NumPy's "truth value of an array is ambiguous".

    >>> choice("float32", "precision", ("float64", "float32"))
    'float32'
    >>> choice(np.array(["sin"]), "name", ("sin", "exp"))
    Traceback (most recent call last):
    TypeError: name must be a str, one of ('sin', 'exp'); got array(['sin'], dtype='<U3') (ndarray)
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str, one of {tuple(allowed)}; got {value!r} ({type(value).__name__})"
        )
    return one_of(value, name, tuple(allowed))


def choices(values, name: str, allowed) -> tuple[str, ...]:
    """Read one choice (a str) or a non-empty sequence of them, each among ``allowed``.

    >>> choices("float32", "precisions", ("float64", "float32"))
    ('float32',)
    >>> choices((), "precisions", ("float64", "float32"))
    Traceback (most recent call last):
    ValueError: precisions must name at least one of ('float64', 'float32'); got ()
    """
    if isinstance(values, str):
        values = (values,)
    instance_of(values, name, (tuple, list), f"a str or a tuple of them, from {tuple(allowed)}")
    if not values:
        raise ValueError(f"{name} must name at least one of {tuple(allowed)}; got {values!r}")
    return tuple(choice(v, name, allowed) for v in values)


def int_between(value, name: str, low: int, high: int) -> int:
    """Read an int (not a bool) in [low, high].

    >>> int_between(3, "high", -307, 308)
    3
    >>> int_between(400, "high", -307, 308)
    Traceback (most recent call last):
    ValueError: high must lie in [-307, 308]; got 400
    """
    value = as_int(value, name)
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}]; got {value}")
    return value


def finite_array(a, name: str, ndims: tuple[int, ...] = (0, 1), *, positive: bool = False):
    """A non-empty float64 array of finite real numbers (each > 0 when ``positive``).

    Accepts ints and floats, with one of the allowed ``ndims`` (0 for one number); rejects
    strings, booleans and empty arrays.

    >>> finite_array([1e-3, 1.0], "steps", positive=True)
    array([0.001, 1.   ])
    >>> finite_array([1e-3, 0.0], "steps", positive=True)
    Traceback (most recent call last):
    ValueError: steps must be > 0 and finite; got 0.0 at index (1,) of shape (2,)
    >>> finite_array("0.5", "x")
    Traceback (most recent call last):
    TypeError: x must be a number or an array of numbers, 0-D or 1-D; got '0.5' (str)
    """
    if isinstance(a, str):
        want = " or ".join(f"{d}-D" for d in ndims)
        got = f"got {a!r} ({type(a).__name__})"
        raise TypeError(f"{name} must be a number or an array of numbers, {want}; {got}")
    arr = numeric_array(a, name, ndims)  # numeric, one of ndims, not empty
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold numbers, not booleans; got dtype bool")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr <= 0) if positive else ~np.isfinite(arr)
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        rule = "> 0 and finite" if positive else "finite"
        raise ValueError(
            f"{name} must be {rule}; got {arr[where]} at index {where} of shape {arr.shape}"
        )
    return arr


def positive_normal(a, name: str, dtype) -> np.ndarray:
    """Round positive finite numbers to ``dtype``; each must stay a positive *normal* number.

    What is checked is the value a computation in that precision uses: 1e-300 rounds to 0 and
    1e39 to inf in float32, and a subnormal keeps only a few significant bits.

    >>> positive_normal(np.array([1e-3]), "steps", np.float32)
    array([0.001], dtype=float32)
    >>> positive_normal(np.array(1e-300), "steps", np.float32)
    Traceback (most recent call last):
    ValueError: steps must be a normal float32 number after rounding to float32, in [1.2e-38, 3.4e+38]; got 1e-300 (shape ()), which rounds to 0.0
    """  # noqa: E501
    info = np.finfo(dtype)
    arr = np.asarray(a)
    with np.errstate(over="ignore", under="ignore"):  # 1e39 -> inf is what this reports
        out = arr.astype(dtype)
    bad = ~np.isfinite(out) | (out < info.tiny)
    if np.any(bad):
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be a normal {info.dtype} number after rounding to {info.dtype}, in "
            f"[{float(info.tiny):.2g}, {float(info.max):.2g}]; got {float(arr[where])!r} "
            f"(shape {arr.shape}), which rounds to {float(out[where])!r}"
        )
    return out


def positive_shape(shape, name: str, ndim: int, layout: str = "") -> tuple[int, ...]:
    """Read a shape of ``ndim`` ints, each >= 1 (`shape_tuple` allows zeros): an input's sizes.

    >>> positive_shape((5, 7), "in_hw", 2, "(H, W)")
    (5, 7)
    >>> positive_shape((3, 0), "in_hw", 2, "(H, W)")
    Traceback (most recent call last):
    ValueError: in_hw must hold positive ints (H, W); got (3, 0)
    """
    shape = shape_tuple(shape, name, ndim, layout)
    if min(shape, default=1) < 1:
        raise ValueError(f"{name} must hold positive ints {layout}".rstrip() + f"; got {shape!r}")
    return shape


def increasing_pair(value, name: str) -> tuple[float, float]:
    """Read a (low, high) pair of finite real numbers with low < high: a colour scale's ends.

    >>> increasing_pair((0, 1.5), "scale")
    (0.0, 1.5)
    >>> increasing_pair((1.0, 1.0), "scale")
    Traceback (most recent call last):
    ValueError: scale must be (vmin, vmax) with vmin < vmax; got (1.0, 1.0)
    """
    instance_of(value, name, (tuple, list), "a (vmin, vmax) pair of numbers")
    if len(value) != 2:
        raise ValueError(f"{name} must be a (vmin, vmax) pair; got {value!r}")
    low, high = (as_real(v, name, finite=True) for v in value)
    if not low < high:
        raise ValueError(f"{name} must be (vmin, vmax) with vmin < vmax; got {(low, high)}")
    return low, high
