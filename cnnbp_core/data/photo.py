"""A real photograph (Grace Hopper), shipped as an array file, so no image decoder is needed.

``data/files/grace_hopper.npz`` holds the uint8 RGB pixels of the JPEG matplotlib ships in its
sample data, decoded once; origin and licence: ``cnnbp_core/data/files/README.md``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .. import validation as V

_FILE = "grace_hopper.npz"
_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights of R, G, B


def sample_photo(downsample: int = 1) -> np.ndarray:
    """A real photograph (Grace Hopper, 600x512) as a grayscale image.

    Parameters
    ----------
    downsample : int
        Integer factor f >= 1: each output pixel is the mean of an f x f block (rows and columns
        that do not fill a whole block are dropped).

    Returns
    -------
    ndarray, shape (600 // f, 512 // f), float64
        Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601) in [0, 1].

    Examples
    --------
    >>> photo = sample_photo()
    >>> photo.shape, photo.dtype, sample_photo(downsample=8).shape
    ((600, 512), dtype('float64'), (75, 64))
    """
    f = V.as_int(downsample, "downsample", 1)
    with resources.files(__package__).joinpath("files", _FILE).open("rb") as file:
        with np.load(file) as npz:
            rgb = npz["rgb"].astype(np.float64)  # (600, 512, 3), 0..255
    rgb /= 255.0
    gray = rgb @ _LUMA
    h, w = gray.shape
    if f > min(h, w):
        raise ValueError(f"downsample must be at most {min(h, w)} for a {h}x{w} photo; got {f}")
    gray = gray[: h - h % f, : w - w % f]
    gray = gray.reshape(h // f, f, w // f, f).mean(axis=(1, 3))
    return np.clip(gray, 0.0, 1.0)


def photo_patches(count: int = 16, size: int = 12, *, downsample: int = 4, seed: int = 0):
    """Square patches of `sample_photo`, each standardised to mean 0 and variance 1.

    The inputs of chapter 04's experiment, in which gradient descent recovers a hidden kernel
    from its feature maps alone. The corners are drawn uniformly (with replacement) from a
    generator seeded with ``seed``, so the same arguments give the same patches.

    Parameters
    ----------
    count : int, >= 1
        Number of patches N.
    size : int, >= 2
        Side of each patch, in pixels of the downsampled photo.
    downsample : int, >= 1
        As in `sample_photo`.
    seed : int
        Seed of the corners.

    Returns
    -------
    ndarray of float64, shape (count, 1, size, size)
        NCHW, ready for ``conv2d_forward``.

    Raises
    ------
    ValueError
        When a patch is larger than the downsampled photo, or is flat (it cannot be
        standardised).

    Examples
    --------
    >>> x = photo_patches(3, 12)
    >>> x.shape, bool(np.allclose(x.mean(axis=(2, 3)), 0)), bool(np.allclose(x.std(axis=(2, 3)), 1))
    ((3, 1, 12, 12), True, True)
    >>> bool(np.array_equal(x, photo_patches(3, 12)))
    True
    """
    count, size = V.as_int(count, "count", 1), V.as_int(size, "size", 2)
    seed = V.as_int(seed, "seed", 0)
    photo = sample_photo(downsample)
    h, w = photo.shape
    if size > min(h, w):
        raise ValueError(f"size must be at most {min(h, w)} for a {h}x{w} photo; got {size}")
    corners = np.random.default_rng(seed).integers(0, [h - size + 1, w - size + 1], (count, 2))
    x = np.stack([photo[r : r + size, c : c + size] for r, c in corners])[:, None]
    spread = x.std(axis=(2, 3), keepdims=True)  # (N, 1, 1, 1)
    if np.any(spread == 0):
        raise ValueError("a patch is flat (all pixels equal) and cannot be standardised")
    return (x - x.mean(axis=(2, 3), keepdims=True)) / spread
