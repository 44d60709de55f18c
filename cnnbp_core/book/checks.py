"""What every chapter uses: a visible pass/fail row per check, and the core's source on the page.

IPython is imported only inside `show_source`, so importing this module loads no display library.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..gradcheck import relative_error
from ..validation import as_callable


def check(actual, expected, name, *, atol=1e-10, rtol=1e-8):
    """Print one pass/fail row comparing two arrays, and raise ``AssertionError`` on failure.

    Parameters
    ----------
    actual, expected : array_like
        Must have the same shape. Booleans and exact integers compare exactly.
    name : str
        What is being checked, e.g. ``"dL/dK: conv2d_backward vs SymPy"``.
    atol, rtol : float
        An element passes when ``|actual - expected| <= atol + rtol * |expected|``.

    Returns
    -------
    None
        Nothing, so a check on a cell's last line shows only its row. (Semicolons do not
        silence a value under nbval, whose kernel keeps no input history.)

    Examples
    --------
    >>> check([1.0, 2.0], [1.0, 2.0], "two numbers")
    PASS  two numbers  (max abs err 0.0e+00, max rel err 0.0e+00, 2 elements)
    >>> check([1.0], [1.5], "off by a half")
    Traceback (most recent call last):
    AssertionError: off by a half: max abs err 5.000e-01 exceeds atol=1e-10, rtol=1e-08
    """
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if actual.shape != expected.shape:
        print(f"FAIL  {name}: shape {actual.shape} != expected {expected.shape}")
        raise AssertionError(f"{name}: shape {actual.shape} != expected {expected.shape}")
    diff = np.abs(actual - expected)
    max_abs = float(diff.max(initial=0.0))
    # entries where both sides are within atol of zero carry no relative information
    tiny = np.maximum(np.abs(actual), np.abs(expected)) <= atol
    max_rel = float(np.where(tiny, 0.0, relative_error(actual, expected)).max(initial=0.0))
    passed = bool(np.all(diff <= atol + rtol * np.abs(expected)))
    print(
        f"{'PASS' if passed else 'FAIL'}  {name}  "
        f"(max abs err {max_abs:.1e}, max rel err {max_rel:.1e}, {actual.size} elements)"
    )
    if not passed:
        raise AssertionError(f"{name}: max abs err {max_abs:.3e} exceeds atol={atol}, rtol={rtol}")


def prove(name, derived, closed_form, *, by=None):
    """Print one exact pass/fail row: every entry of ``derived - closed_form`` must reduce to 0.

    The exact counterpart of `check`: the entries are SymPy expressions (or numbers), and a PASS
    holds for every value of the symbols. Raises ``AssertionError`` on failure.

    Parameters
    ----------
    name : str
        The statement proved, e.g. ``"dL/dK == X ⋆ δ"``.
    derived, closed_form : array_like of SymPy expressions
        Same shape.
    by : callable, optional
        What reduces each difference to 0: `sympy.expand` by default (sums of products), or
        e.g. `sympy.cancel` for ratios of exponentials such as a softmax; its name is printed.
        The function itself (``by=sympy.cancel``), not its name.

    Returns
    -------
    None

    Examples
    --------
    >>> import sympy
    >>> a, b = sympy.symbols("a b")
    >>> prove("(a + b)^2 expanded", [(a + b) ** 2], [a**2 + 2 * a * b + b**2])
    PASS  (a + b)^2 expanded  (exact: 1 of 1 entries identical)
    >>> z = sympy.symbols("z0:2")
    >>> p0 = sympy.exp(z[0]) / (sympy.exp(z[0]) + sympy.exp(z[1]))
    >>> prove("dp0/dz0 == p0 (1 - p0)", [p0.diff(z[0])], [p0 * (1 - p0)], by=sympy.cancel)
    PASS  dp0/dz0 == p0 (1 - p0)  (exact: 1 of 1 entries identical, by cancel)
    >>> prove("a wrong identity", [(a + b) ** 2], [a**2 + b**2])
    Traceback (most recent call last):
    AssertionError: a wrong identity: 1 entries differ
    """
    import sympy  # imported here: only the exact rows need SymPy

    from ..symbolic.tensors import entries_identical

    reduce = sympy.expand if by is None else as_callable(by, "by")
    derived = np.asarray(derived, dtype=object)
    closed_form = np.asarray(closed_form, dtype=object)
    if derived.shape != closed_form.shape:
        print(f"FAIL  {name}  (shapes {derived.shape} and {closed_form.shape} differ)")
        raise AssertionError(f"{name}: shapes {derived.shape} and {closed_form.shape} differ")
    same = int(entries_identical(derived, closed_form, reduce).sum())
    verdict = "PASS" if same == derived.size else "FAIL"
    how = "" if by is None else f", by {getattr(by, '__name__', by)}"
    print(f"{verdict}  {name}  (exact: {same} of {derived.size} entries identical{how})")
    if verdict == "FAIL":
        raise AssertionError(f"{name}: {derived.size - same} entries differ")


def show_source(obj):
    """Render the source code of a core function or class in a notebook (syntax-highlighted).

    Parameters
    ----------
    obj : function, class or module

    Returns
    -------
    IPython.display.Code
        Displays as highlighted HTML in JupyterLab and as plain text elsewhere.

    Examples
    --------
    >>> code = show_source(check)
    >>> type(code).__name__, code.data.splitlines()[0]
    ('Code', 'def check(actual, expected, name, *, atol=1e-10, rtol=1e-8):')
    """
    from IPython.display import Code  # imported here: the maths modules never need IPython

    return Code(inspect.getsource(obj), language="python")
