"""Data sets for the book, all available offline; imports only NumPy.

- `load_digits` (`digits`): the 8x8 handwritten digits (1,797 images) shipped inside the package.
- `train_test_split` (`split`): a stratified, seeded split of any labelled set.
- `load_mnist_idx` (`mnist`): a reader for MNIST-style IDX files the reader already has (it never
  downloads anything).
- `sample_photo` (`photo`): a real photograph (Grace Hopper), shipped as an array.
- `bars`, `edges`, `pattern_dataset` (`patterns`): small synthetic images for teaching.

The data files and their origin and licence are in ``cnnbp_core/data/files/`` (see its
README.md). Images follow the book's NCHW layout: a set of images is ``(N, 1, H, W)`` float64 in
[0, 1] and labels are ``(N,)`` int64. Every name is re-exported here, so ``data.load_digits()``
works after ``from cnnbp_core import data``.
"""

from .digits import load_digits
from .kernels import (
    BOX_BLUR,
    GAUSSIAN_BLUR,
    IDENTITY,
    KERNEL_LABELS,
    KERNEL_NAMES,
    KERNELS,
    LAPLACIAN,
    SHARPEN,
    SOBEL_X,
    SOBEL_Y,
    hand_kernel,
)
from .mnist import load_mnist_idx
from .patterns import PATTERN_ANGLES, PATTERN_CLASSES, bars, edges, pattern_dataset
from .photo import photo_patches, sample_photo
from .split import train_test_split

__all__ = [
    "PATTERN_ANGLES",
    "PATTERN_CLASSES",
    "bars",
    "edges",
    "load_digits",
    "load_mnist_idx",
    "pattern_dataset",
    "photo_patches",
    "sample_photo",
    "train_test_split",
    "BOX_BLUR",
    "GAUSSIAN_BLUR",
    "IDENTITY",
    "KERNELS",
    "KERNEL_LABELS",
    "KERNEL_NAMES",
    "LAPLACIAN",
    "SHARPEN",
    "SOBEL_X",
    "SOBEL_Y",
    "hand_kernel",
]
