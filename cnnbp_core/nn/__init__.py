"""The training stack over `cnnbp_core.functional`: stateful layers, optimiser, loop, models.

One module per job, reached as attributes of this package (nothing is re-exported, so every
name is written where it lives)::

    from cnnbp_core import nn
    model = nn.layers.Sequential(nn.layers.Flatten(), nn.layers.Linear(64, 10, rng=rng))
    history = nn.train.train(model, x, y, epochs=3, batch_size=32,
                             optimizer=nn.optim.SGD(model, 0.1), rng=rng)

- `layers`: `Conv2d`, `MaxPool2d`, `Linear`, `BatchNorm2d`, `Dropout`, ... and `Sequential`;
- `optim`: `SGD` (momentum, weight decay, L1);
- `train`: `train`, `evaluate`, `predict`, `History`;
- `models`: `lenet`;
- `metrics`: `confusion_matrix`.

Imports only NumPy, `functional` and `validation` (tqdm only when a progress bar is shown).
"""

from . import layers, metrics, models, optim, train

__all__ = ["layers", "metrics", "models", "optim", "train"]
