"""Small synthetic images for teaching: bars, step edges and a labelled set of oriented bars.

Images are ``(H, W)`` float64 in [0, 1]; `pattern_dataset` returns the book's NCHW layout,
``(N, 1, H, W)`` with int64 labels.
"""

from __future__ import annotations

import numpy as np

from .. import validation as V

PATTERN_CLASSES = ("horizontal", "vertical", "diagonal", "anti-diagonal")
"""Class names of ``pattern_dataset``: label k is ``PATTERN_CLASSES[k]``."""
PATTERN_ANGLES = (0.0, 90.0, 45.0, 135.0)
"""Bar orientation of each class of ``pattern_dataset``, in degrees (see ``bars``)."""


def _coordinates(size, angle_deg, name="angle_deg"):
    """Pixel-centre coordinates relative to the image centre, along and across a direction.

    The direction makes ``angle_deg`` degrees counter-clockwise with the horizontal as the
    image is displayed (rows grow downwards, so "up" is -row).
    Returns (t, d): position along the direction, and signed distance to its left.
    """
    h, w = V.pair(size, "size", 2)
    theta = np.deg2rad(V.as_real(angle_deg, name, finite=True))
    # Snap cos/sin of multiples of 90 degrees to exact zeros, so axis-aligned patterns are exact.
    c, s = (0.0 if abs(t) < 1e-12 else float(t) for t in (np.cos(theta), np.sin(theta)))
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    u = cols - (w - 1) / 2.0  # to the right
    v = (h - 1) / 2.0 - rows  # upwards
    along = u * c + v * s
    left = -u * s + v * c
    return along, left


def bars(size, angle_deg: float = 0.0, *, width: float = 1.0, offset: float = 0.0, length=None):
    """An image of one bright bar on a dark background.

    Parameters
    ----------
    size : int or (H, W)
        Image size in pixels (each at least 2).
    angle_deg : float
        Orientation, counter-clockwise from horizontal as displayed: 0 horizontal, 90 vertical,
        45 rising to the right, 135 falling to the right.
    width : float
        Bar thickness in pixels (> 0).
    offset : float
        Shift of the bar from the image centre, in pixels, to the left of its direction
        (for a horizontal bar: upwards).
    length : float, optional
        Bar length in pixels (> 0); default: it crosses the whole image.

    Returns
    -------
    ndarray, shape (H, W), float64
        1 on the bar, 0 off it, with a one-pixel linear ramp at its borders (anti-aliased).

    Examples
    --------
    >>> bars(4, 90)  # vertical, through the centre: the ramp half-lights the two middle columns
    array([[0. , 0.5, 0.5, 0. ],
           [0. , 0.5, 0.5, 0. ],
           [0. , 0.5, 0.5, 0. ],
           [0. , 0.5, 0.5, 0. ]])
    >>> bars((3, 5), 0, length=3)  # horizontal, 3 pixels long
    array([[0., 0., 0., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 0., 0., 0.]])
    """
    width = V.positive(width, "width")
    offset = V.as_real(offset, "offset", finite=True)
    along, left = _coordinates(size, angle_deg)
    img = np.clip(width / 2 + 0.5 - np.abs(left - offset), 0.0, 1.0)
    if length is not None:
        length = V.positive(length, "length")
        img *= np.clip(length / 2 + 0.5 - np.abs(along), 0.0, 1.0)
    return img


def edges(size, angle_deg: float = 0.0, *, offset: float = 0.0) -> np.ndarray:
    """An image of a step edge: bright on one side of a line, dark on the other.

    Parameters
    ----------
    size : int or (H, W)
        Image size in pixels (each at least 2).
    angle_deg : float
        Direction of the edge line, counter-clockwise from horizontal as displayed; the bright
        side is to the left of that direction: 0 bright above, 90 bright on the left,
        180 bright below, 270 bright on the right.
    offset : float
        Shift of the line from the image centre, in pixels, towards the bright side.

    Returns
    -------
    ndarray, shape (H, W), float64
        Values in [0, 1] with a one-pixel linear ramp across the line.

    Examples
    --------
    >>> edges(4, 0)  # bright above
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.]])
    """
    offset = V.as_real(offset, "offset", finite=True)
    _, left = _coordinates(size, angle_deg)
    return np.clip(0.5 + left - offset, 0.0, 1.0)


def pattern_dataset(
    n_per_class: int, *, size: int = 8, rng: np.random.Generator, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """A small labelled set of oriented bars, for training a tiny CNN in seconds.

    Class k is ``PATTERN_CLASSES[k]``, a bar at ``PATTERN_ANGLES[k]`` degrees: 0 horizontal,
    1 vertical, 2 diagonal (rising to the right), 3 anti-diagonal (falling to the right).
    Each example draws a random width in [1, 2] pixels and a random offset of up to a quarter
    of the image from the centre, then adds Gaussian pixel noise of standard deviation
    ``noise`` and clips to [0, 1].

    Parameters
    ----------
    n_per_class : int
        Examples per class (>= 1).
    size : int
        Image height and width (>= 4).
    rng : numpy.random.Generator
        Source of randomness (required).
    noise : float
        Standard deviation of the additive pixel noise (>= 0).

    Returns
    -------
    images : ndarray, shape (4 * n_per_class, 1, size, size), float64, in [0, 1]
    labels : ndarray, shape (4 * n_per_class,), int64
        Shuffled, so classes are interleaved.

    Examples
    --------
    >>> x, y = pattern_dataset(3, size=6, rng=np.random.default_rng(0))
    >>> x.shape, np.bincount(y).tolist(), [PATTERN_CLASSES[k] for k in range(2)]
    ((12, 1, 6, 6), [3, 3, 3, 3], ['horizontal', 'vertical'])
    """
    n = V.as_int(n_per_class, "n_per_class", 1)
    size = V.as_int(size, "size", 4)
    rng = V.generator(rng)
    noise = V.as_real(noise, "noise", minimum=0)
    labels = np.repeat(np.arange(len(PATTERN_CLASSES), dtype=np.int64), n)
    labels = rng.permutation(labels)
    widths = rng.uniform(1.0, 2.0, size=len(labels))
    offsets = rng.uniform(-size / 4, size / 4, size=len(labels))
    images = np.stack(
        [
            bars(size, PATTERN_ANGLES[k], width=wd, offset=off)
            for k, wd, off in zip(labels, widths, offsets, strict=True)
        ]
    )
    images += noise * rng.standard_normal(images.shape)
    return np.clip(images, 0.0, 1.0)[:, np.newaxis, :, :], labels
