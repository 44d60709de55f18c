"""The training loop: shuffled minibatches, softmax cross-entropy, a history and a progress bar.

One step is the whole of chapter 08 in four lines:

    logits = model.forward(xb)                                   # forward, layer by layer
    loss, cache = F.softmax_cross_entropy_forward(logits, yb)    # the scalar L
    model.backward(F.softmax_cross_entropy_backward(1.0, cache)) # dL/d(every parameter)
    optimizer.step()                                             # w -= lr * (...)

`evaluate` and `predict` run the model in eval mode (batch norm on its running statistics,
dropout off) and put it back in the mode it was in. `early_stopping` reads a validation curve
(`History.val_loss`) and says where chapter 02's stopping rule stops and which epoch to keep.
The progress bar (tqdm) is imported only when one is asked for, so importing this module loads
no display library.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np

from .. import functional as F
from .. import validation as V

LOSSES = ("cross_entropy",)


@dataclass
class History:
    """Per-epoch curves; ``val_*`` stay empty when no validation set is given.

    ``train_loss``/``train_acc`` average the minibatches of each epoch as they were trained
    (in training mode, so with dropout active); ``val_loss``/``val_acc`` evaluate the whole
    validation set in eval mode after the epoch. The plotting helper ``plot_history`` reads it
    as it is, and ``history["train_loss"]`` reads like a dict.

    Examples
    --------
    >>> h = History(train_loss=[0.9, 0.5], train_acc=[0.6, 0.8])
    >>> h.epochs, h["train_loss"], h.val_loss
    (2, [0.9, 0.5], [])
    >>> sorted(h.as_dict())
    ['train_acc', 'train_loss', 'val_acc', 'val_loss']
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def __getitem__(self, key):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def keys(self):
        """The four curve names, as a dict's keys."""
        return self.__dataclass_fields__.keys()

    def as_dict(self) -> dict:
        """The curves as a plain dict of lists."""
        return asdict(self)


def _data(x, y, x_name, y_name):
    """Examples and their integer labels, one label per example."""
    x = V.batch(x, x_name)
    return x, V.int_labels(y, y_name, n=len(x))


def _batches(n, batch_size, order=None):
    order = np.arange(n) if order is None else order
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def _progress_bar(epochs):
    """A tqdm bar over the epochs (in JupyterLab or a terminal)."""
    from tqdm.auto import tqdm  # here, not at the top: no display library unless a bar is shown

    return tqdm(total=epochs, desc="training", unit="epoch")


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
    model : Layer (e.g. `cnnbp_core.nn.layers.Sequential`)
        Maps x (N, ...) to logits (N, K). Trained in place.
    x_train : ndarray, shape (N, ...)
    y_train : ndarray of int, shape (N,)
        Class labels in [0, K).
    epochs, batch_size : int >= 1
        Passes over the data and examples per step (the last batch may be smaller).
    optimizer : `cnnbp_core.nn.optim.SGD` (anything with ``step()`` and ``zero_grad()``)
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

    Examples
    --------
    >>> from cnnbp_core.nn.layers import Linear
    >>> from cnnbp_core.nn.optim import SGD
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((20, 3))
    >>> y = (x[:, 0] > 0).astype(int)  # the sign of the first feature
    >>> model = Linear(3, 2, rng=rng)
    >>> history = train(model, x, y, epochs=5, batch_size=4, optimizer=SGD(model, 0.5),
    ...                 rng=rng, progress=False)
    >>> history.epochs, history.train_loss[-1] < history.train_loss[0]
    (5, True)
    """
    V.one_of(loss, "loss", LOSSES)
    x_train, y_train = _data(x_train, y_train, "x_train", "y_train")
    V.both_or_neither(x_val, y_val, "x_val and y_val")
    if x_val is not None:
        x_val, y_val = _data(x_val, y_val, "x_val", "y_val")
    epochs, batch_size = V.as_int(epochs, "epochs", 1), V.as_int(batch_size, "batch_size", 1)
    rng, progress = V.generator(rng), V.as_flag(progress, "progress")

    history, n = History(), len(y_train)
    bar = _progress_bar(epochs) if progress else None
    for _ in range(epochs):
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
        if bar is not None:
            bar.set_postfix(postfix, refresh=False)
            bar.update()
    if bar is not None:
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

    Parameters
    ----------
    model : Layer
    x : ndarray, shape (N, ...)
    y : ndarray of int, shape (N,)
    batch_size : int >= 1
        Examples per forward pass (the result does not depend on it).

    Returns
    -------
    loss : float
    accuracy : float in [0, 1]

    Examples
    --------
    >>> from cnnbp_core.nn.layers import Linear
    >>> model = Linear(2, 2, rng=np.random.default_rng(0))
    >>> model.params["w"][...] = [[1.0, 0.0], [0.0, 1.0]]  # logits = x
    >>> loss, acc = evaluate(model, np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([0, 0]))
    >>> round(loss, 4), acc
    (1.1269, 0.5)
    """
    x, y = _data(x, y, "x", "y")
    logits = _logits(model, x, V.as_int(batch_size, "batch_size", 1))
    loss, _ = F.softmax_cross_entropy_forward(logits, y)
    return float(loss), float(np.mean(logits.argmax(axis=1) == y))


def predict(model, x, *, batch_size=256):
    """Predicted class of every example (argmax of the logits, eval mode), int64 of shape (N,).

    Examples
    --------
    >>> from cnnbp_core.nn.layers import Linear
    >>> model = Linear(2, 2, rng=np.random.default_rng(0))
    >>> model.params["w"][...] = [[1.0, 0.0], [0.0, 1.0]]  # logits = x
    >>> predict(model, np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 3.0]]))
    array([0, 1, 1])
    """
    x = V.batch(x, "x")
    return _logits(model, x, V.as_int(batch_size, "batch_size", 1)).argmax(axis=1).astype(np.int64)


class EarlyStop(NamedTuple):
    """Where the early-stopping rule stops on a validation curve (`early_stopping`).

    Indices count the entries of the curve from 0 (entry k is epoch k + 1 of a `History`).

    Examples
    --------
    >>> early_stopping([0.9, 0.7, 0.6, 0.65, 0.62, 0.61], patience=2)
    EarlyStop(stop=4, best=2, best_loss=0.6, stopped=True)
    """

    stop: int  # the last entry looked at: where the rule stopped (the last entry if it never did)
    best: int  # the entry with the lowest loss up to `stop` (its weights are the ones to keep)
    best_loss: float
    stopped: bool  # True when patience ran out before the curve ended


def early_stopping(val_losses, patience, *, min_delta=0.0) -> EarlyStop:
    """Stop once the validation loss has not improved for ``patience`` entries in a row.

    The rule of chapter 02: train while the loss keeps improving, or until the step budget (the
    curve's length) runs out. An entry improves when it is below the best loss so far by more
    than ``min_delta``; training stops at the first entry ``patience`` entries after the best
    one, and the weights to keep are the best entry's. A pure function of the curve, so it can
    be applied to a finished run (`History.val_loss`) to see where it would have stopped.

    Parameters
    ----------
    val_losses : 1-D array_like of finite floats
        The validation loss after each epoch (or evaluation), in order; not empty.
    patience : int >= 1
        How many entries without improvement to allow.
    min_delta : float >= 0
        The smallest decrease that counts as an improvement.

    Returns
    -------
    EarlyStop

    Raises
    ------
    ValueError
        When ``val_losses`` is empty or holds a NaN or an infinity, naming the entry.

    Examples
    --------
    >>> early_stopping([1.0, 0.8, 0.7, 0.71, 0.69], patience=2)  # 0.69 arrives in time
    EarlyStop(stop=4, best=4, best_loss=0.69, stopped=False)
    >>> early_stopping([1.0, 0.8, 0.7, 0.71, 0.69], patience=2, min_delta=0.05)
    EarlyStop(stop=4, best=2, best_loss=0.7, stopped=True)
    """
    losses = V.finite_array(val_losses, "val_losses", (1,))
    patience = V.as_int(patience, "patience", 1)
    min_delta = V.as_real(min_delta, "min_delta", minimum=0)
    best = 0
    for k in range(1, len(losses)):
        if losses[k] < losses[best] - min_delta:
            best = k
        elif k - best >= patience:
            return EarlyStop(k, best, float(losses[best]), True)
    return EarlyStop(len(losses) - 1, best, float(losses[best]), False)
