"""Weight penalties for regularization: value and gradient in one call (chapter 09).

    L2:  R = lam/2 * sum w**2     dR/dw = lam * w
    L1:  R = lam * sum |w|        a subgradient: lam * sign(w), 0 at w = 0

The L2 convention (the 1/2) makes the gradient ``lam * w``, which is exactly what PyTorch's
SGD ``weight_decay=lam`` adds to each parameter's gradient. Some texts write ``lam * sum w**2``
(gradient ``2 lam w``); halve their lam to compare. Both functions accept one array or a list
of arrays (e.g. every weight of a network; biases are usually left out).
"""

from __future__ import annotations

import numpy as np

from ..validation import as_float_array, as_real


def _weights(w):
    """One array or a list of arrays, checked; also whether a list was given."""
    if isinstance(w, (list, tuple)) and any(np.ndim(item) > 0 for item in w):
        return [as_float_array(item, f"w[{i}]") for i, item in enumerate(w)], True
    return [as_float_array(w, "w")], False


def l2_penalty(w, lam):
    """L2 penalty ``R = lam/2 * sum w**2`` and its gradient ``lam * w``.

    Parameters
    ----------
    w : array_like or list of array_like, floating dtype
    lam : float >= 0
        Strength (PyTorch's ``weight_decay``).

    Returns
    -------
    value : float
        R, summed over every array.
    grad : ndarray or list of ndarray
        dR/dw, shaped like `w` (a list when `w` is a list).

    Examples
    --------
    >>> r, grad = l2_penalty(np.array([1.0, -2.0]), 0.1)
    >>> round(float(r), 4), grad
    (0.25, array([ 0.1, -0.2]))
    """
    arrays, is_list = _weights(w)
    lam = as_real(lam, "lam (the penalty strength)", minimum=0)
    value = sum(lam / 2 * float(np.sum(a * a)) for a in arrays)
    grads = [lam * a for a in arrays]
    return value, grads if is_list else grads[0]


def l1_penalty(w, lam):
    """L1 penalty ``R = lam * sum |w|`` and the subgradient ``lam * sign(w)`` (0 where w = 0).

    Parameters
    ----------
    w : array_like or list of array_like, floating dtype
    lam : float >= 0

    Returns
    -------
    value : float
        R, summed over every array.
    subgrad : ndarray or list of ndarray
        ``lam * sign(w)``, shaped like `w` (a list when `w` is a list).

    Examples
    --------
    >>> r, grad = l1_penalty(np.array([1.0, -2.0, 0.0]), 0.1)
    >>> round(float(r), 4), grad  # lam * sign(w), 0 at 0
    (0.3, array([ 0.1, -0.1,  0. ]))
    """
    arrays, is_list = _weights(w)
    lam = as_real(lam, "lam (the penalty strength)", minimum=0)
    value = sum(lam * float(np.sum(np.abs(a))) for a in arrays)
    grads = [lam * np.sign(a) for a in arrays]
    return value, grads if is_list else grads[0]
