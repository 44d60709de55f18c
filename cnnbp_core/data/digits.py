"""The 8x8 handwritten digits, shipped inside the package (``data/files/digits.npz``).

Origin, licence and how the file was made: ``cnnbp_core/data/files/README.md``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

_FILE = "digits.npz"


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

    Examples
    --------
    >>> x, y = load_digits()
    >>> x.shape, x.dtype, y[:10].tolist()
    ((1797, 1, 8, 8), dtype('float64'), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    with resources.files(__package__).joinpath("files", _FILE).open("rb") as f:
        with np.load(f) as npz:
            pixels, labels = npz["images"], npz["labels"]
    images = (pixels.astype(np.float64) / 16.0)[:, np.newaxis, :, :]
    return images, labels.astype(np.int64)
