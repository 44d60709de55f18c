"""Hand-set 3x3 kernels (卷积核) for feature maps: edge detectors, blurs, sharpening, identity.

Each kernel is for the book's forward pass, a cross-correlation (as in every deep-learning
library and OpenCV's ``filter2D``): ``Y[i,j] = sum_{u,v} K[u,v] * X[i + u, j + v]``. So
`SOBEL_X` is positive where the image gets brighter from left to right and `SOBEL_Y` where it
gets brighter from top to bottom. (Texts that write the Sobel operator for a true convolution
print it turned half a turn: ``rot180(SOBEL_X)``, the kernel chapter 04 hides and learns back.)

The module-level arrays are read-only, so no reader changes them by accident; `hand_kernel`
returns a fresh, writable copy (optionally scaled). Imports only NumPy and `validation`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from ..validation import as_real, choice


def _frozen(rows, divisor=1.0) -> np.ndarray:
    """A read-only float64 kernel."""
    kernel = np.array(rows, dtype=np.float64) / divisor
    kernel.setflags(write=False)
    return kernel


IDENTITY = _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
"""Copies the input: Y[i,j] = X[i+1, j+1] (the centre tap alone)."""
BOX_BLUR = _frozen([[1, 1, 1], [1, 1, 1], [1, 1, 1]], 9)
"""The mean of the 3x3 window: weights 1/9, summing to 1 (keeps flat regions as they are)."""
GAUSSIAN_BLUR = _frozen([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16)
"""A binomial approximation of a Gaussian: ``[1, 2, 1]ᵀ [1, 2, 1] / 16``, summing to 1."""
SHARPEN = _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
"""Identity minus the Laplacian: boosts each pixel against its four neighbours; sums to 1."""
LAPLACIAN = _frozen([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
"""Second differences along rows and columns: 0 on flat regions and ramps; sums to 0."""
SOBEL_X = _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
"""Horizontal derivative (vertical edges): right column minus left, centre row weighted 2."""
SOBEL_Y = _frozen([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
"""Vertical derivative (horizontal edges): bottom row minus top; `SOBEL_X` transposed."""

KERNELS = MappingProxyType(
    {
        "identity": IDENTITY,
        "box_blur": BOX_BLUR,
        "gaussian_blur": GAUSSIAN_BLUR,
        "sharpen": SHARPEN,
        "laplacian": LAPLACIAN,
        "sobel_x": SOBEL_X,
        "sobel_y": SOBEL_Y,
    }
)
"""Every hand-set kernel by name (a read-only mapping of read-only (3, 3) float64 arrays)."""
KERNEL_NAMES = tuple(KERNELS)
"""The names of `KERNELS`, in the order the book shows them."""
KERNEL_LABELS = MappingProxyType(
    {
        "identity": "identity",
        "box_blur": "box blur",
        "gaussian_blur": "Gaussian blur",
        "sharpen": "sharpen",
        "laplacian": "Laplacian",
        "sobel_x": "Sobel x (vertical edges)",
        "sobel_y": "Sobel y (horizontal edges)",
    }
)
"""A short label for each kernel name, for figure titles and dropdowns."""


def hand_kernel(name: str, scale=1.0) -> np.ndarray:
    """A fresh, writable copy of the hand-set kernel ``name``, times ``scale``.

    Parameters
    ----------
    name : str
        One of `KERNEL_NAMES`.
    scale : float
        A real factor (finite); the feature map scales with it, since Y is linear in K.

    Returns
    -------
    ndarray of float64, shape (3, 3)

    Examples
    --------
    >>> hand_kernel("sobel_x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> float(hand_kernel("gaussian_blur").sum()), float(hand_kernel("laplacian", 2).sum())
    (1.0, 0.0)
    >>> hand_kernel("sobel")
    Traceback (most recent call last):
    ValueError: name must be one of ('identity', 'box_blur', 'gaussian_blur', 'sharpen', 'laplacian', 'sobel_x', 'sobel_y'); got 'sobel'
    """  # noqa: E501
    name = choice(name, "name", KERNEL_NAMES)
    return KERNELS[name] * as_real(scale, "scale", finite=True)
