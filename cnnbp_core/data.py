"""Data sets for the book, all available offline.

- ``load_digits``: the 8x8 handwritten digits (1,797 images) shipped inside the package
  (``cnnbp_core/datasets/digits.npz``; origin, licence and how the file was made are in
  ``cnnbp_core/datasets/README.md``).
- ``load_mnist_idx``: a reader for MNIST-style IDX files the reader already has (it never
  downloads anything).
- ``sample_photo``: a real photograph (Grace Hopper) from matplotlib's bundled sample data.
- ``bars``, ``edges``, ``pattern_dataset``: small synthetic images for teaching.

Images follow the book's NCHW layout: a set of images is ``(N, 1, H, W)`` float64 in [0, 1] and
labels are ``(N,)`` int64.
"""

from __future__ import annotations

import gzip
import numbers
import os
from importlib import resources
from pathlib import Path

import numpy as np

PATTERN_CLASSES = ("horizontal", "vertical", "diagonal", "anti-diagonal")
"""Class names of ``pattern_dataset``: label k is ``PATTERN_CLASSES[k]``."""
PATTERN_ANGLES = (0.0, 90.0, 45.0, 135.0)
"""Bar orientation of each class of ``pattern_dataset``, in degrees (see ``bars``)."""

_DIGITS_FILE = "digits.npz"


# ----------------------------------------------------------------------------- argument checks
def _positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _real(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r} ({type(value).__name__})")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}")
    return float(value)


def _size_pair(size, name: str = "size") -> tuple[int, int]:
    items = size if isinstance(size, (tuple, list)) else (size, size)
    if len(items) != 2:
        raise ValueError(f"{name} must be an int or an (H, W) pair; got {size!r}")
    return _positive_int(items[0], name, 2), _positive_int(items[1], name, 2)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}"
        )
    return rng


# ----------------------------------------------------------------------------- digits
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: 1,797 images, labels 0-9.

    The UCI "Optical Recognition of Handwritten Digits" test set (Alpaydin and Kaynak, 1998,
    CC BY 4.0), the same images scikit-learn's ``load_digits`` returns, stored in the package.

    Returns
    -------
    images : ndarray, shape (1797, 1, 8, 8), float64
        Pixel counts 0..16 divided by 16, so values lie in [0, 1].
    labels : ndarray, shape (1797,), int64
        The digit, 0..9.
    """
    with resources.files("cnnbp_core").joinpath("datasets").joinpath(_DIGITS_FILE).open("rb") as f:
        with np.load(f) as npz:
            pixels, labels = npz["images"], npz["labels"]
    images = (pixels.astype(np.float64) / 16.0)[:, np.newaxis, :, :]
    return images, labels.astype(np.int64)


def train_test_split(x, y, *, test_fraction: float = 0.2, rng: np.random.Generator):
    """Split a labelled set into a training and a test part, stratified by class.

    Within every class, ``round(test_fraction * count)`` examples (half rounded up) go to the
    test part, chosen at random, so both parts keep the class proportions. Each part is then
    shuffled, so neither is sorted by class.

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        Examples (the first axis indexes them).
    y : array_like of int, shape (N,)
        Class labels.
    test_fraction : float
        Share of each class put in the test part, strictly between 0 and 1.
    rng : numpy.random.Generator
        Source of randomness (required: the split is reproducible from the seed).

    Returns
    -------
    x_train, y_train, x_test, y_test : ndarray
        Subsets of ``x`` and ``y`` (copies), ``y`` as int64.
    """
    rng = _check_rng(rng)
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim < 1:
        raise ValueError(f"x must have at least one axis (examples first); got shape {x.shape}")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per example); got shape {y.shape}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels; got dtype {y.dtype}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got len(x)={len(x)}, len(y)={len(y)}")
    test_fraction = _real(test_fraction, "test_fraction")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1; got {test_fraction}")

    train_parts, test_parts = [], []
    for label in np.unique(y):  # sorted, so the draws from rng happen in a fixed order
        members = rng.permutation(np.flatnonzero(y == label))
        n_test = int(np.floor(test_fraction * len(members) + 0.5))
        test_parts.append(members[:n_test])
        train_parts.append(members[n_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    y = y.astype(np.int64)
    return x[train], y[train], x[test], y[test]


# ----------------------------------------------------------------------------- MNIST IDX files
_IDX_UBYTE = 0x08


def _read_idx(path, name: str, ndim: int) -> np.ndarray:
    """Read an unsigned-byte IDX file (plain or gzip-compressed) with ``ndim`` dimensions."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or path-like; got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{name}: no such file {str(path)!r}. load_mnist_idx reads IDX files you already "
            f"have (for example train-images-idx3-ubyte.gz); it never downloads them."
        )
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # the gzip magic number, whatever the file is called
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(
                f"{name} {str(path)!r}: corrupt or truncated gzip data ({err})"
            ) from None
    if len(raw) < 4:
        raise ValueError(f"{name} {str(path)!r}: too short for an IDX header ({len(raw)} bytes)")
    zero, dtype_code, file_ndim = raw[:2], raw[2], raw[3]
    magic = int.from_bytes(raw[:4], "big")
    expected_magic = (_IDX_UBYTE << 8) | ndim
    if zero != b"\x00\x00" or dtype_code != _IDX_UBYTE or file_ndim != ndim:
        raise ValueError(
            f"{name} {str(path)!r}: bad magic number 0x{magic:08X}; expected "
            f"0x{expected_magic:08X} (unsigned bytes, {ndim}-D). Is this the right file, "
            f"e.g. images vs labels?"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name} {str(path)!r}: truncated header ({len(raw)} of {header} bytes)")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and (dims[1] == 0 or dims[2] == 0):
        raise ValueError(f"{name} {str(path)!r}: images of size {dims[1]}x{dims[2]}")
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{name} {str(path)!r}: {what}: header says dimensions {dims}, i.e. "
            f"{expected} bytes in all, but the (decompressed) file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_mnist_idx(images_path, labels_path) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST-format images and labels from IDX files (plain or gzip-compressed).

    Reads files you already have, such as ``train-images-idx3-ubyte.gz`` and
    ``train-labels-idx1-ubyte.gz`` (also Fashion-MNIST, KMNIST and other sets in the same
    format); it never downloads anything.

    Parameters
    ----------
    images_path : str or path-like
        IDX file of unsigned bytes, magic number 0x00000803, dimensions (N, rows, cols).
    labels_path : str or path-like
        IDX file of unsigned bytes, magic number 0x00000801, dimension (N,).

    Returns
    -------
    images : ndarray, shape (N, 1, rows, cols), float64
        Pixel values divided by 255, in [0, 1].
    labels : ndarray, shape (N,), int64

    Raises
    ------
    FileNotFoundError
        A path does not name an existing file.
    ValueError
        Bad magic number, truncated or over-long data, corrupt gzip data, or a different number
        of images and labels. The message names the path and what was wrong.
    """
    pixels = _read_idx(images_path, "images_path", ndim=3)
    labels = _read_idx(labels_path, "labels_path", ndim=1)
    if len(pixels) != len(labels):
        raise ValueError(
            f"images_path {str(images_path)!r} holds {len(pixels)} images but labels_path "
            f"{str(labels_path)!r} holds {len(labels)} labels; they must match"
        )
    images = (pixels.astype(np.float64) / 255.0)[:, np.newaxis, :, :]
    return images, labels.astype(np.int64)


# ----------------------------------------------------------------------------- a real photograph
def sample_photo(downsample: int = 1) -> np.ndarray:
    """A real photograph (Grace Hopper, 600x512) as a grayscale image.

    The JPEG ships with matplotlib's sample data, so no download is needed.

    Parameters
    ----------
    downsample : int
        Integer factor f >= 1: each output pixel is the mean of an f x f block (rows and columns
        that do not fill a whole block are dropped).

    Returns
    -------
    ndarray, shape (600 // f, 512 // f), float64
        Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601) in [0, 1].
    """
    f = _positive_int(downsample, "downsample")
    # Imported here, not at module level: the module layering says nothing below plotting
    # imports matplotlib, and only this one function needs it (to find and decode the JPEG).
    from matplotlib import cbook
    from matplotlib import image as mimage

    rgb = np.asarray(mimage.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    rgb = rgb[..., :3].astype(np.float64)
    if rgb.max() > 1.0:  # JPEGs decode to uint8 0..255
        rgb /= 255.0
    gray = rgb @ np.array([0.299, 0.587, 0.114])
    h, w = gray.shape
    if f > min(h, w):
        raise ValueError(f"downsample must be at most {min(h, w)} for a {h}x{w} photo; got {f}")
    gray = gray[: h - h % f, : w - w % f]
    gray = gray.reshape(h // f, f, w // f, f).mean(axis=(1, 3))
    return np.clip(gray, 0.0, 1.0)


# ----------------------------------------------------------------------------- synthetic patterns
def _coordinates(size, angle_deg, name="angle_deg"):
    """Pixel-centre coordinates relative to the image centre, along and across a direction.

    The direction makes ``angle_deg`` degrees counter-clockwise with the horizontal as the
    image is displayed (rows grow downwards, so "up" is -row).
    Returns (t, d): position along the direction, and signed distance to its left.
    """
    h, w = _size_pair(size)
    theta = np.deg2rad(_real(angle_deg, name))
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
    """
    width = _real(width, "width")
    if width <= 0:
        raise ValueError(f"width must be > 0; got {width}")
    offset = _real(offset, "offset")
    along, left = _coordinates(size, angle_deg)
    img = np.clip(width / 2 + 0.5 - np.abs(left - offset), 0.0, 1.0)
    if length is not None:
        length = _real(length, "length")
        if length <= 0:
            raise ValueError(f"length must be > 0; got {length}")
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
    """
    offset = _real(offset, "offset")
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
    """
    n = _positive_int(n_per_class, "n_per_class")
    size = _positive_int(size, "size", 4)
    rng = _check_rng(rng)
    noise = _real(noise, "noise")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
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
