"""Feature maps (特征图) of one image under one kernel, and a kernel learned from feature maps.

`feature_map` runs the core's `conv2d_forward` on a single-channel image and reports what a
picture of the result needs: the map, its shape and value range, whether it is signed (then it
is drawn on a scale centred on 0), and the kernel with its rounding noise shown as 0
(`without_noise`). `learn_kernel` is chapter 04's experiment, which chapter 03 refers forward
to: full-batch gradient descent on an MSE loss, from K = 0, recovers a hidden kernel from its
feature maps alone, using the core's forward and backward passes. NumPy only; the photo and its
patches come from `cnnbp_core.data` (passed in, never loaded here).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..geometry import largest_dilation
from ..validation import (
    as_float_array,
    as_int,
    as_real,
    batch,
    check_shape,
    finite_array,
    instance_of,
    numeric_array,
    positive,
    positive_shape,
)

ROUNDING_NOISE = 1e-9
"""A number no larger than this fraction of its scale is rounding noise, treated and shown as 0:
a kernel's sum or weight against the sum of |weights| (the kernel chapter 04 learns misses
Sobel's zeros by about 1e-11 of it), a feature map's value against max |Y|."""


def without_noise(values, scale) -> np.ndarray:
    """``values`` with rounding noise set to 0: every entry with ``|v| <= ROUNDING_NOISE * scale``.

    Parameters
    ----------
    values : number or array of numbers, up to 2-D
    scale : float, >= 0
        What the values are small against, e.g. ``np.abs(kernel).sum()`` for a kernel.

    Returns
    -------
    ndarray of float64
        The shape of ``values``; the zeros are +0.0 (they print as 0, never as -0).

    Examples
    --------
    >>> k = np.array([[1.0, 5e-12], [-1e-10, -1.0]])
    >>> without_noise(k, np.abs(k).sum())
    array([[ 1.,  0.],
           [ 0., -1.]])
    >>> float(without_noise(k.sum(), np.abs(k).sum())), float(without_noise(-0.0, 1.0))
    (0.0, 0.0)
    """
    v = numeric_array(values, "values", (0, 1, 2)).astype(np.float64)
    scale = as_real(scale, "scale", minimum=0)
    return np.where(np.abs(v) <= ROUNDING_NOISE * scale, 0.0, v)


class FeatureMap(NamedTuple):
    """One image's feature map under one kernel, with what a picture of it needs."""

    values: np.ndarray  # (H_out, W_out) float64: Y = X ⋆ K, by the core's conv2d_forward
    low: float  # smallest value of Y
    high: float  # largest value of Y
    centred: bool  # draw on a scale centred on 0 (kernel_sum <= 0: an edge detector)
    scale: tuple[float, float]  # (vmin, vmax) of the picture; values beyond it saturate
    kernel: np.ndarray  # (KH, KW) float64: K as shown, weights that are rounding noise set to 0
    kernel_sum: float  # Σ K, 0.0 when it is rounding noise (|Σ K| <= ROUNDING_NOISE · Σ |K|)
    scale_note: str  # what the scale's ends are, in words (`SCALE_NOTES`)

    @property
    def shape(self) -> tuple[int, int]:
        """(H_out, W_out)."""
        return self.values.shape

    @property
    def shown_range(self) -> tuple[float, float]:
        """(low, high) as shown: either one 0.0 when it is rounding noise against max |Y|."""
        low, high = without_noise([self.low, self.high], max(-self.low, self.high, 0.0))
        return float(low), float(high)


SCALE_PERCENTILE = 99.0
"""A picture's colour scale ends at this percentile (of |Y| when centred, of Y at the top and
100 minus it at the bottom otherwise), so a few extreme pixels do not wash out the rest."""
SCALE_NOTES = {
    (True, "percentile"): "the 99th percentile of |Y|",
    (True, "extreme"): "max |Y|, as the 99th percentile of |Y| is 0",
    (True, "flat"): "Y is all zeros",
    (False, "percentile"): "the 1st and 99th percentiles of Y",
    (False, "extreme"): "the min and max of Y, as its 1st and 99th percentiles are equal",
    (False, "flat"): "Y is constant: a scale of width 1",
}
"""`FeatureMap.scale_note`, by (centred, rule): the percentiles when they differ, else the
extremes of Y, else (Y flat) a scale of width 1 so that the map still draws."""


def _picture_scale(y, centred: bool) -> tuple[tuple[float, float], str]:
    """The colour scale and its note: ±(percentile of |Y|) when centred, else a percentile range
    of Y; the extremes of Y when the percentiles leave no width; a width of 1 when Y is flat."""
    if centred:
        top, rule = float(np.percentile(np.abs(y), SCALE_PERCENTILE)), "percentile"
        if top == 0:  # most of Y is 0: a few pixels would saturate any colour
            top, rule = float(np.abs(y).max()), "extreme"
        if top == 0:  # an all-zero map still draws (white)
            top, rule = 1.0, "flat"
        return (-top, top), SCALE_NOTES[True, rule]
    low, high = (float(v) for v in np.percentile(y, [100.0 - SCALE_PERCENTILE, SCALE_PERCENTILE]))
    rule = "percentile"
    if not high > low:
        low, high, rule = float(y.min()), float(y.max()), "extreme"
    if not high > low:
        high, rule = low + 1.0, "flat"
    return (low, high), SCALE_NOTES[False, rule]


def feature_map(image, kernel, *, stride=1, padding=0, dilation=1) -> FeatureMap:
    """The feature map ``Y = X ⋆ K`` of a single-channel image, by the core's `conv2d_forward`.

    A kernel whose weights sum to S maps a flat region of brightness b to S·b. With S <= 0
    (edge detectors, the Laplacian: S = 0) Y is a signed difference, drawn on a scale centred
    on 0 (``centred``); with S > 0 (blurs, sharpening, the identity: S = 1) Y is an image of
    brightness, drawn grey. A sum within rounding noise of 0 (`without_noise`, e.g. a learned
    edge detector's) counts as 0. Either scale stops at the `SCALE_PERCENTILE` percentile, so that a
    few extreme pixels do not wash out the rest; where that leaves no width (most of Y is 0) it
    stops at the extremes of Y instead (``scale_note`` says which).

    Parameters
    ----------
    image : ndarray of floats, shape (H, W)
        The input X.
    kernel : ndarray of floats, shape (KH, KW)
        The kernel K (a cross-correlation, as everywhere in the book).
    stride, padding, dilation : int or (h, w) pair

    Returns
    -------
    FeatureMap
        In float64.

    Raises
    ------
    ValueError
        When the (dilated) kernel does not fit the padded image, or an array has the wrong
        number of axes or a value that is not finite (NaN, inf).
    TypeError
        When an array is not of floats, as in the core.

    Examples
    --------
    >>> m = feature_map(np.arange(20.0).reshape(4, 5), np.array([[-1.0, 1.0]]))
    >>> m.shape, m.low, m.high, m.centred, m.scale  # each pixel minus its left neighbour: 1
    ((4, 4), 1.0, 1.0, True, (-1.0, 1.0))
    >>> m = feature_map(np.arange(20.0).reshape(4, 5), np.array([[-1.0, 3e-12, 1.0 + 1e-11]]))
    >>> m.kernel, m.kernel_sum, m.centred  # the sum, 1.3e-11, is rounding noise against 2
    (array([[-1.,  0.,  1.]]), 0.0, True)
    >>> feature_map(np.ones((4, 5)), np.ones((3, 3)), stride=2, padding=1).values
    array([[4., 6., 4.],
           [6., 9., 6.]])
    >>> x = np.zeros((20, 20))
    >>> x[10, 10] = 5.0  # one bright pixel: Y is 0 but for two of its 380 pixels
    >>> m = feature_map(x, np.array([[1.0, -1.0]]))
    >>> m.scale, m.scale_note
    ((-5.0, 5.0), 'max |Y|, as the 99th percentile of |Y| is 0')
    """
    # floats as the core requires, then finite: a NaN would reach the picture's scale
    x = finite_array(as_float_array(image, "image", ndim=2), "image", (2,))
    k = finite_array(as_float_array(kernel, "kernel", ndim=2), "kernel", (2,))
    y, _ = F.conv2d_forward(
        x[None, None], k[None, None], stride=stride, padding=padding, dilation=dilation
    )
    y = y[0, 0] + 0.0  # + 0.0 turns -0.0 into 0.0
    size = float(np.abs(k).sum())
    total = float(without_noise(k.sum(), size))
    centred = total <= 0
    scale, note = _picture_scale(y, centred)
    return FeatureMap(
        y, float(y.min()), float(y.max()), centred, scale, without_noise(k, size), total, note
    )


class LearnedKernel(NamedTuple):
    """What gradient descent learned: the kernel, and the loss before every step and at the end."""

    kernel: np.ndarray  # (KH, KW) float64: K_steps, the kernel with the lowest loss
    losses: np.ndarray  # (steps + 1,) the MSE at K_0 = 0, K_1, ..., K_steps

    @property
    def steps(self) -> int:
        """Number of gradient-descent steps kept (a last step that raised the loss is undone)."""
        return len(self.losses) - 1


def learn_kernel(x, target, *, lr=0.1, tol=1e-20, max_steps=20_000) -> LearnedKernel:
    """Recover a hidden kernel from its feature maps by gradient descent (chapter 04).

    The targets are ``T = X ⋆ K_target``; starting from K = 0, each step computes
    ``Y = X ⋆ K``, the MSE ``L = mean((Y - T)^2)``, its kernel gradient dL/dK (the core's
    `mse_backward` and `conv2d_backward`), and ``K <- K - lr * dL/dK``, until the loss falls
    below ``tol`` or stops decreasing (that last step is undone), or after ``max_steps`` steps.
    A first step that raises the loss means ``lr`` is too large for these patches: gradient
    descent would diverge, so that is an error rather than a kernel. The loss is quadratic in K
    and, when the patches' receptive fields span all KH*KW directions, its only minimum is
    K_target: the learned kernel equals it up to the rounding the stopping rule allows.

    Parameters
    ----------
    x : ndarray of floats, shape (N, 1, H, W), N >= 1
        Input patches, e.g. ``cnnbp_core.data.photo_patches()``.
    target : ndarray of floats, shape (KH, KW)
        The hidden kernel, e.g. ``rot180(data.SOBEL_X)``, chapter 04's.
    lr : float, > 0
        Learning rate η.
    tol : float, > 0
        Stop once the loss is below it.
    max_steps : int, >= 0

    Returns
    -------
    LearnedKernel
        The kernel with the lowest loss (after the last step that lowered it), and the loss at
        every kernel up to it.

    Raises
    ------
    ValueError
        When ``lr`` is so large that the first step raises the loss, or ``x`` is empty or has
        more than one channel.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4, 1, 8, 8))
    >>> hidden = np.array([[1.0, 0.0], [-2.0, 0.5]])
    >>> learned = learn_kernel(x, hidden)
    >>> bool(np.allclose(learned.kernel, hidden, atol=1e-9)), bool(learned.losses[-1] < 1e-20)
    (True, True)
    >>> learn_kernel(x, hidden, max_steps=3).steps
    3
    >>> learn_kernel(x, hidden, lr=10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: lr = 10 is too large for these patches: the first step raised the loss from ...
    """
    x = batch(as_float_array(x, "x", ndim=4), "x").astype(np.float64, copy=False)
    check_shape(x, (len(x), 1, *x.shape[2:]), "x", "one channel: (N, 1, H, W)")
    target = as_float_array(target, "target", ndim=2).astype(np.float64, copy=False)
    lr, tol = positive(lr, "lr"), positive(tol, "tol")
    max_steps = as_int(max_steps, "max_steps", 0)
    goal, _ = F.conv2d_forward(x, target[None, None])  # T = X ⋆ K_target, (N, 1, H_out, W_out)
    k, losses = np.zeros((1, 1, *target.shape)), []
    previous = k  # the kernel before the last step, restored when that step raised the loss
    while True:
        y, cache = F.conv2d_forward(x, k)
        loss, loss_cache = F.mse_forward(y, goal)
        losses.append(float(loss))
        if len(losses) > 1 and losses[-1] >= losses[-2]:  # no longer decreasing: undo the step
            if len(losses) == 2 and losses[1] > losses[0]:
                raise ValueError(
                    f"lr = {lr:g} is too large for these patches: the first step raised the loss "
                    f"from {losses[0]:.3g} to {losses[1]:.3g}, so gradient descent diverges; "
                    "take a smaller lr"
                )
            return LearnedKernel(previous[0, 0], np.array(losses[:-1]))
        if loss < tol or len(losses) > max_steps:
            return LearnedKernel(k[0, 0], np.array(losses))
        _, dk, _ = F.conv2d_backward(F.mse_backward(1.0, loss_cache), cache)
        previous, k = k, k - lr * dk


FEATURE_MAP_LIMITS = {"stride": 4, "padding": 3, "dilation": 4}
"""Largest stride, padding and dilation the feature-map explorer offers."""


def feature_map_ranges(image_hw, kernel_shapes) -> dict:
    """The ranges of the feature-map explorer's sliders, valid for every kernel it offers.

    Any stride fits, and padding only makes room; the dilation goes up to the largest at which
    every kernel still fits the unpadded image (`cnnbp_core.geometry.largest_dilation`, at most
    ``FEATURE_MAP_LIMITS["dilation"]``), so every combination of kernel, stride, padding and
    dilation the explorer offers is a valid convolution.

    Parameters
    ----------
    image_hw : (int, int)
        The image's (H, W).
    kernel_shapes : sequence of (int, int)
        The (KH, KW) of every kernel offered.

    Returns
    -------
    dict of str to (int, int)
        Inclusive (min, max) of ``"stride"``, ``"padding"`` and ``"dilation"``.

    Raises
    ------
    ValueError
        When a kernel is larger than the image, or a shape does not hold two positive ints.
    TypeError
        When ``kernel_shapes`` is not a sequence of shapes.

    Examples
    --------
    >>> feature_map_ranges((300, 256), [(3, 3)])
    {'stride': (1, 4), 'padding': (0, 3), 'dilation': (1, 4)}
    >>> feature_map_ranges((8, 8), [(3, 3), (1, 4)])["dilation"]  # 1x4: 2*3+1 = 7 <= 8 < 3*3+1
    (1, 2)
    """
    image_hw = positive_shape(image_hw, "image_hw", 2, "(H, W)")
    instance_of(kernel_shapes, "kernel_shapes", Sequence, "a sequence of (KH, KW) pairs")
    top = FEATURE_MAP_LIMITS["dilation"]
    for n, shape in enumerate(kernel_shapes):
        kernel = positive_shape(shape, f"kernel_shapes[{n}]", 2, "(KH, KW)")
        top = largest_dilation(image_hw, kernel, (0, 0), top)
    return {
        "stride": (1, FEATURE_MAP_LIMITS["stride"]),
        "padding": (0, FEATURE_MAP_LIMITS["padding"]),
        "dilation": (1, top),
    }
