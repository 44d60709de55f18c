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
