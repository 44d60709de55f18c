"""A reader for MNIST-style IDX files the reader already has; it never downloads anything."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

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

    Examples
    --------
    Two 1x3 images and their labels, written as IDX files (header: magic number, then sizes):

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     images, labels = Path(folder, "images"), Path(folder, "labels")
    ...     sizes = b"".join(n.to_bytes(4, "big") for n in (2, 1, 3))
    ...     _ = images.write_bytes(bytes([0, 0, 8, 3]) + sizes + bytes([0, 51, 102, 153, 204, 255]))
    ...     _ = labels.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 1]))
    ...     x, y = load_mnist_idx(images, labels)
    >>> x.shape, x[1, 0, 0].tolist(), y.tolist()
    ((2, 1, 1, 3), [0.6, 0.8, 1.0], [7, 1])
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
