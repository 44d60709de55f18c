"""The training loop: shuffled minibatches, softmax cross-entropy, a history and a progress bar.

One step is the whole of chapter 08 in four lines:

    logits = model.forward(xb)                                   # forward, layer by layer
    loss, cache = F.softmax_cross_entropy_forward(logits, yb)    # the scalar L
    model.backward(F.softmax_cross_entropy_backward(1.0, cache)) # dL/d(every parameter)
    optimizer.step()                                             # w -= lr * (...)

`evaluate` and `predict` run the model in eval mode (batch norm on its running statistics,
dropout off) and put it back in the mode it was in.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field

import numpy as np
from tqdm.auto import tqdm

from . import functional as F

LOSSES = ("cross_entropy",)


@dataclass
class History:
    """Per-epoch curves; ``val_*`` stay empty when no validation set is given.

    ``train_loss``/``train_acc`` average the minibatches of each epoch as they were trained
    (in training mode, so with dropout active); ``val_loss``/``val_acc`` evaluate the whole
    validation set in eval mode after the epoch. Works with `plotting.plot_history`, and
    ``history["train_loss"]`` reads like a dict.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def __getitem__(self, key):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self):
        return self.__dataclass_fields__.keys()

    def as_dict(self) -> dict:
        return asdict(self)


def _int(value, name, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value}")
    return int(value)


def _data(x, y, x_name, y_name):
    x, y = np.asarray(x), np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise TypeError(f"{y_name} must be a 1-D array of integer labels; got {y.dtype} {y.shape}")
    if x.ndim < 2 or len(x) != len(y):
        raise ValueError(
            f"{x_name} must have one example per label along axis 0: {x_name} has shape "
            f"{x.shape}, {y_name} has shape {y.shape}"
        )
    if len(y) == 0:
        raise ValueError(f"{x_name} is empty")
    return x, y


def _batches(n, batch_size, order=None):
    order = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def _step(model, optimizer, xb, yb):
    """One minibatch: forward, loss, backward, update. Returns the loss and the #correct."""
    optimizer.zero_grad()
    logits = model.forward(xb)
    loss, cache = F.softmax_cross_entropy_forward(logits, yb)
    model.backward(F.softmax_cross_entropy_backward(1.0, cache))
    optimizer.step()
    return float(loss), int(np.sum(logits.argmax(axis=1) == yb))


def train(
    model,
    x_train,
    y_train,
    *,
    epochs,
    batch_size,
    optimizer,
    rng,
    x_val=None,
    y_val=None,
    loss="cross_entropy",
    progress=True,
):
    """Train a classifier with minibatch SGD on softmax cross-entropy.

    Parameters
    ----------
    model : Layer (e.g. `cnnbp_core.layers.Sequential`)
        Maps x (N, ...) to logits (N, K). Trained in place.
    x_train : ndarray, shape (N, ...)
    y_train : ndarray of int, shape (N,)
        Class labels in [0, K).
    epochs, batch_size : int >= 1
        Passes over the data and examples per step (the last batch may be smaller).
    optimizer : `cnnbp_core.optim.SGD` (anything with ``step()`` and ``zero_grad()``)
        Built over ``model.parameters()``.
    rng : numpy.random.Generator
        Shuffles the examples every epoch.
    x_val, y_val : ndarray, optional
        Validation set, evaluated after every epoch.
    loss : str
        ``"cross_entropy"`` (softmax cross-entropy of integer labels, mean over the batch).
    progress : bool
        Show a progress bar over epochs (in JupyterLab or a terminal); False prints nothing.

    Returns
    -------
    History
        One entry per epoch in each list. The model is left in training mode.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
    x_train, y_train = _data(x_train, y_train, "x_train", "y_train")
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together")
    if x_val is not None:
        x_val, y_val = _data(x_val, y_val, "x_val", "y_val")
    epochs, batch_size = _int(epochs, "epochs"), _int(batch_size, "batch_size")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False; got {progress!r}")

    history, n = History(), len(y_train)
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        model.train()
        total_loss, correct = 0.0, 0
        for idx in _batches(n, batch_size, rng.permutation(n)):
            batch_loss, batch_correct = _step(model, optimizer, x_train[idx], y_train[idx])
            total_loss += batch_loss * len(idx)
            correct += batch_correct
        history.train_loss.append(total_loss / n)
        history.train_acc.append(correct / n)
        postfix = {"loss": f"{history.train_loss[-1]:.4f}"}
        if x_val is not None:
            val_loss, val_acc = evaluate(model, x_val, y_val, batch_size=max(batch_size, 256))
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            postfix |= {"val_loss": f"{val_loss:.4f}", "val_acc": f"{val_acc:.3f}"}
        bar.set_postfix(postfix)
    bar.close()
    model.train()
    return history


def _logits(model, x, batch_size):
    """Logits of every example, in eval mode; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        return np.concatenate([model.forward(x[idx]) for idx in _batches(len(x), batch_size)])
    finally:
        if was_training:
            model.train()


def evaluate(model, x, y, *, batch_size=256):
    """Mean softmax cross-entropy and accuracy of `model` on (x, y), in eval mode.

    Returns
    -------
    loss : float
    accuracy : float in [0, 1]
    """
    x, y = _data(x, y, "x", "y")
    logits = _logits(model, x, _int(batch_size, "batch_size"))
    loss, _ = F.softmax_cross_entropy_forward(logits, y)
    return float(loss), float(np.mean(logits.argmax(axis=1) == y))


def predict(model, x, *, batch_size=256):
    """Predicted class of every example (argmax of the logits, eval mode), int64 of shape (N,)."""
    x = np.asarray(x)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"x must be a non-empty batch (N, ...); got shape {x.shape}")
    return _logits(model, x, _int(batch_size, "batch_size")).argmax(axis=1).astype(np.int64)
