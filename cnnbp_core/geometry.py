"""Window geometry shared by convolution, pooling and the symbolic mirror, written once.

A window (a kernel or a pooling window) of size KH x KW, with dilation d (1 = no gaps), slides
over the padded input Xp in steps of s. Output pixel (i, j) reads, through tap (u, v), the
padded pixel ``(i*s_h + u*d_h, j*s_w + v*d_w)``. From that one rule follow

* the output size ``H_out = floor((H + 2p - d(KH - 1) - 1) / s) + 1`` (`output_size`),
* the slice of Xp that tap (u, v) reads for every output pixel at once (`window`), and the
  window of Xp that one output pixel reads through every tap (`output_window`),
* the largest dilation at which a kernel still fits (`largest_dilation`),
* zero (or -inf) padding and cropping it off again (`pad`, `crop`), and which cells of Xp
  are padding (`padding_mask`),
* the zeros inserted between the entries of delta for a strided gradient (`dilate2d`,
  `inserted_mask`),
* and the half turn that tells a convolution from a cross-correlation (`rot180`).

Works on float arrays and on object arrays of SymPy symbols alike. Imports only NumPy and
`validation`.
"""

from __future__ import annotations

import numpy as np

from .validation import as_int, at_least_2d, conv_hyper, pair


def output_size(in_hw, kernel_hw, stride, padding, dilation) -> tuple[int, int]:
    """Spatial output size of a window sliding over a padded input; checks that it fits.

    Parameters
    ----------
    in_hw, kernel_hw, stride, padding, dilation : (h, w) pairs of ints, already checked

    Returns
    -------
    (H_out, W_out)

    Examples
    --------
    >>> output_size((7, 8), (3, 3), (2, 2), (1, 1), (1, 1))
    (4, 4)
    >>> output_size((4, 4), (3, 3), (1, 1), (0, 0), (2, 2))
    Traceback (most recent call last):
    ValueError: kernel 3x3 (dilated 5x5) does not fit padded input 4x4 (input 4x4, padding (0, 0)): every window must lie inside the padded input
    """  # noqa: E501
    (h, w), (kh, kw), (sh, sw), (ph, pw) = in_hw, kernel_hw, stride, padding
    (dil_h, dil_w) = dilation
    span_h, span_w = dil_h * (kh - 1) + 1, dil_w * (kw - 1) + 1  # extent of the dilated window
    hp, wp = h + 2 * ph, w + 2 * pw
    if span_h > hp or span_w > wp:
        dilated = f" (dilated {span_h}x{span_w})" if (span_h, span_w) != (kh, kw) else ""
        raise ValueError(
            f"kernel {kh}x{kw}{dilated} does not fit padded input {hp}x{wp} "
            f"(input {h}x{w}, padding {(ph, pw)}): every window must lie inside the padded input"
        )
    return (hp - span_h) // sh + 1, (wp - span_w) // sw + 1


def check_delta_fits(xp_shape, delta_shape, kernel_hw, stride, dilation) -> None:
    """An upstream gradient may not have more output pixels than there are windows in Xp.

    (Fewer is allowed: a closed form may be handed a cropped delta on purpose.)

    >>> check_delta_fits((1, 1, 4, 4), (1, 1, 3, 3), (3, 3), (1, 1), (1, 1))
    Traceback (most recent call last):
    ValueError: delta (1, 1, 3, 3) has more output pixels than the 2x2 windows of a 3x3 kernel (stride (1, 1), dilation (1, 1)) on xp (1, 1, 4, 4)
    """  # noqa: E501
    if xp_shape[0] != delta_shape[0]:
        raise ValueError(f"xp {xp_shape} and delta {delta_shape} must have the same batch size N")
    most = output_size(xp_shape[2:], kernel_hw, stride, (0, 0), dilation)
    if delta_shape[2] > most[0] or delta_shape[3] > most[1]:
        raise ValueError(
            f"delta {delta_shape} has more output pixels than the {most[0]}x{most[1]} windows of "
            f"a {kernel_hw[0]}x{kernel_hw[1]} kernel (stride {stride}, dilation {dilation}) on "
            f"xp {xp_shape}"
        )


def conv2d_output_shape(h, w, kernel_size, *, stride=1, padding=0, dilation=1):
    """Spatial output size ``(H_out, W_out)`` of a convolution or pooling window.

    ``H_out = floor((H + 2p - d(KH - 1) - 1) / s) + 1``, likewise for W.

    Parameters
    ----------
    h, w : int
        Input height and width.
    kernel_size, stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    tuple of two ints

    Raises
    ------
    ValueError
        When the dilated kernel does not fit the padded input.

    Examples
    --------
    >>> conv2d_output_shape(28, 28, 5, stride=2, padding=2)
    (14, 14)
    """
    stride, padding, dilation = conv_hyper(stride, padding, dilation)
    kernel = pair(kernel_size, "kernel_size", 1)
    return output_size((as_int(h, "h", 0), as_int(w, "w", 0)), kernel, stride, padding, dilation)


def tap(offset: int, step: int, count: int) -> slice:
    """The slice along one axis that offset ``offset`` of ``count`` windows (step ``step``) reads.

    >>> list(range(10)[tap(1, 3, 3)])
    [1, 4, 7]
    """
    return slice(offset, offset + step * (count - 1) + 1, step)


def window(u: int, v: int, out_hw, stride, dilation) -> tuple[slice, slice]:
    """Rows and columns of Xp that kernel tap (u, v) reads, for every output pixel at once.

    ``Xp[..., rows, cols]`` has shape (..., H_out, W_out): entry (i, j) is
    ``Xp[..., i*s_h + u*d_h, j*s_w + v*d_w]``.

    >>> xp = np.arange(25).reshape(5, 5)
    >>> rows, cols = window(1, 0, (2, 2), (2, 2), (1, 1))
    >>> xp[rows, cols]
    array([[ 5,  7],
           [15, 17]])
    """
    (ho, wo), (sh, sw), (dil_h, dil_w) = out_hw, stride, dilation
    return tap(u * dil_h, sh, ho), tap(v * dil_w, sw, wo)


def output_window(i: int, j: int, kernel_hw, stride, dilation) -> tuple[slice, slice]:
    """Rows and columns of Xp that output pixel (i, j) reads, through every tap at once.

    ``Xp[..., rows, cols]`` has shape (..., KH, KW): entry (u, v) is
    ``Xp[..., i*s_h + u*d_h, j*s_w + v*d_w]``, the same pixel `window` gives tap (u, v).

    >>> xp = np.arange(25).reshape(5, 5)
    >>> rows, cols = output_window(1, 0, (2, 2), (2, 1), (1, 2))
    >>> xp[rows, cols]
    array([[10, 12],
           [15, 17]])
    """
    (kh, kw), (sh, sw), (dil_h, dil_w) = kernel_hw, stride, dilation
    return tap(i * sh, dil_h, kh), tap(j * sw, dil_w, kw)


def largest_dilation(in_hw, kernel_hw, padding, limit: int) -> int:
    """The largest dilation d <= ``limit`` (one d for both axes) at which the kernel still fits.

    The dilated kernel spans ``d*(K - 1) + 1`` pixels along an axis, which must not exceed the
    padded input's ``H + 2p``. An axis with a single tap spans 1 pixel whatever d, so it sets
    no bound: a 1x1 kernel gets ``limit``.

    Parameters
    ----------
    in_hw, kernel_hw, padding : (h, w) pairs of ints, already checked
    limit : int, >= 1

    Returns
    -------
    int, between 1 and ``limit``

    Raises
    ------
    ValueError
        When the kernel does not fit the padded input even undilated.

    Examples
    --------
    >>> largest_dilation((7, 8), (4, 2), (0, 0), 3)  # 3*(4-1)+1 = 10 rows would not fit 7
    2
    >>> largest_dilation((7, 8), (1, 1), (0, 0), 3)
    3
    """
    output_size(in_hw, kernel_hw, (1, 1), padding, (1, 1))  # the undilated kernel must fit
    top = limit
    for k, size, p in zip(kernel_hw, in_hw, padding):
        if k > 1:
            top = min(top, (size + 2 * p - 1) // (k - 1))  # largest d with d*(k-1)+1 <= size+2p
    return top


def padded_shape(shape, padding) -> tuple[int, ...]:
    """Shape of an (..., H, W) array after `pad`.

    >>> padded_shape((2, 3, 5, 6), (1, 2))
    (2, 3, 7, 10)
    """
    (ph, pw) = padding
    return (*shape[:-2], shape[-2] + 2 * ph, shape[-1] + 2 * pw)


def pad(x, padding, value=0):
    """``x`` with ``p`` copies of ``value`` on each side of its last two axes (Xp).

    Returns ``x`` itself when there is nothing to pad. Works on object arrays (SymPy) too.

    >>> pad(np.ones((1, 2)), (1, 0))
    array([[0., 0.],
           [1., 1.],
           [0., 0.]])
    """
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return x
    xp = np.full(padded_shape(x.shape, padding), value, dtype=x.dtype)
    xp[..., ph : ph + x.shape[-2], pw : pw + x.shape[-1]] = x
    return xp


def padding_mask(padded_hw, padding) -> np.ndarray:
    """Which cells of an Xp of shape ``padded_hw`` are padding (True) rather than X (False).

    >>> padding_mask((3, 4), (1, 1)).astype(int)
    array([[1, 1, 1, 1],
           [1, 0, 0, 1],
           [1, 1, 1, 1]])
    """
    (hp, wp), (ph, pw) = padded_hw, padding
    mask = np.ones((hp, wp), bool)
    mask[ph : hp - ph, pw : wp - pw] = False
    return mask


def crop(xp, padding):
    """Undo `pad`: drop ``p`` rows and columns on each side of the last two axes (dX from dXp).

    >>> crop(np.arange(12.0).reshape(3, 4), (1, 1))
    array([[5., 6.]])
    """
    (ph, pw) = padding
    if ph == 0 and pw == 0:
        return xp
    return np.ascontiguousarray(xp[..., ph : xp.shape[-2] - ph, pw : xp.shape[-1] - pw])


def rot180(a):
    """Turn the last two axes half a turn: ``rot180(K)[..., u, v] = K[..., KH-1-u, KW-1-v]``.

    The flip that separates a true convolution from a cross-correlation. Works on object arrays
    (SymPy) too, and returns a view.

    >>> rot180(np.array([[1, 2, 3], [4, 5, 6]]))
    array([[6, 5, 4],
           [3, 2, 1]])
    """
    return at_least_2d(a, "a")[..., ::-1, ::-1]


def dilate2d(a, factor):
    """Insert ``factor - 1`` zeros between neighbouring entries along the last two axes.

    Chapter 04 uses it to state the strided kernel gradient as a correlation: with stride s,
    ``dL/dK[u,v] = (Xp ⋆ dilate2d(delta, s))[u*d, v*d]``. Works on object arrays (SymPy) too.

    Parameters
    ----------
    a : ndarray, shape (..., H, W)
    factor : int or (h, w) pair, >= 1

    Returns
    -------
    ndarray, shape (..., (H - 1) * factor_h + 1, (W - 1) * factor_w + 1)
        Same dtype as ``a``; inserted entries are ``0`` (an exact integer 0 in object arrays).

    Examples
    --------
    >>> dilate2d(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])
    """
    a = at_least_2d(a, "a")
    fh, fw = pair(factor, "factor", 1)
    h, w = a.shape[-2:]
    size_h, size_w = (h - 1) * fh + 1 if h else 0, (w - 1) * fw + 1 if w else 0
    out = np.zeros((*a.shape[:-2], size_h, size_w), dtype=a.dtype)
    out[..., ::fh, ::fw] = a
    return out


def inserted_mask(dilated_hw, factor) -> np.ndarray:
    """Which cells of ``dilate2d(a, factor)``, of shape ``dilated_hw``, are inserted zeros (True).

    Parameters
    ----------
    dilated_hw : (h, w) pair of ints
        The dilated array's shape.
    factor : (h, w) pair of ints, already checked

    Returns
    -------
    ndarray of bool, shape dilated_hw
        False on the entries of ``a`` (every ``factor``-th row and column), True elsewhere.

    Examples
    --------
    >>> inserted_mask((3, 5), (2, 2)).astype(int)
    array([[0, 1, 0, 1, 0],
           [1, 1, 1, 1, 1],
           [0, 1, 0, 1, 0]])
    """
    (fh, fw) = factor
    mask = np.ones(tuple(dilated_hw), bool)
    mask[::fh, ::fw] = False
    return mask
