"""Small ready-made networks built from `cnnbp_core.nn.layers`."""

from __future__ import annotations

from .. import validation as V
from . import layers as L


def lenet(*, rng, batch_norm=False, dropout=0.0, n_classes=10):
    """A LeNet-style CNN for the 8x8 digits (chapter 08).

    ``(N, 1, 8, 8)`` -> Conv 1->16, 3x3, pad 1 -> [BatchNorm] -> ReLU -> MaxPool 2 ``(N, 16, 4, 4)``
    -> Conv 16->32, 3x3, pad 1 -> [BatchNorm] -> ReLU -> MaxPool 2 ``(N, 32, 2, 2)``
    -> Flatten ``(N, 128)`` -> [Dropout] -> Linear 128->n_classes: logits ``(N, n_classes)``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Initialises the weights (He normal); the dropout layer gets a child stream of it.
    batch_norm : bool
        Batch normalisation after each convolution (whose bias is then dropped: beta does its job).
    dropout : float in [0, 1)
        Drop probability before the linear layer; 0 leaves the layer out.
    n_classes : int >= 1

    Returns
    -------
    Sequential

    Examples
    --------
    >>> import numpy as np
    >>> model = lenet(rng=np.random.default_rng(0))
    >>> model.num_parameters(), model(np.zeros((5, 1, 8, 8))).shape
    (6090, (5, 10))
    >>> [type(layer).__name__ for layer in lenet(rng=np.random.default_rng(0), dropout=0.5)][-2:]
    ['Dropout', 'Linear']
    """
    rng = V.generator(rng)
    batch_norm = V.as_flag(batch_norm, "batch_norm")
    dropout = V.probability(dropout, "dropout")
    n_classes = V.as_int(n_classes, "n_classes", 1)
    layers = []
    for c_in, c_out in ((1, 16), (16, 32)):
        layers.append(L.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm, rng=rng))
        if batch_norm:
            layers.append(L.BatchNorm2d(c_out))
        layers += [L.ReLU(), L.MaxPool2d(2)]
    layers.append(L.Flatten())
    if dropout:
        layers.append(L.Dropout(dropout, rng=rng.spawn(1)[0]))
    layers.append(L.Linear(32 * 2 * 2, n_classes, rng=rng))
    return L.Sequential(*layers)
