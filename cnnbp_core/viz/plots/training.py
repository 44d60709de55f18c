"""Training: loss and accuracy curves, and the confusion matrix of a classifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ...nn.metrics import confusion_matrix
from ...validation import numeric_array
from ..style import COUNT_CMAP
from .base import check_ax, root_figure
from .matrix import plot_matrix

_HISTORY_KEYS = {
    "loss": (("train_loss", "train"), ("val_loss", "validation")),
    "accuracy": (("train_acc", "train"), ("val_acc", "validation")),
}


def _history_series(history, key: str):
    if isinstance(history, Mapping):
        value = history.get(key)
    else:
        value = getattr(history, key, None)
    if value is None or (np.ndim(value) == 1 and len(value) == 0):
        return None  # a missing or empty series is simply not drawn
    return numeric_array(value, f"history[{key!r}]", (1,))


def plot_history(history, *, title: str | None = None, log_loss: bool = False) -> Figure:
    """Loss and accuracy per epoch, training and validation.

    Parameters
    ----------
    history : mapping (or object with these attributes) of lists, one value per epoch
        Keys ``train_loss``, ``val_loss``, ``train_acc``, ``val_acc``; any of them may be
        missing or empty (a panel is drawn when its train or val series exists).
    title : str, optional
    log_loss : bool
        Log scale for the loss axis.

    Returns
    -------
    Figure
        One Axes for the loss and one for the accuracy (when present).

    Examples
    --------
    >>> fig = plot_history({"train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "train_acc": []})
    >>> [ax.get_title() for ax in fig.axes], len(fig.axes[0].lines)
    (['loss'], 2)
    """
    panels = {}
    for panel, keys in _HISTORY_KEYS.items():
        series = [(label, _history_series(history, key)) for key, label in keys]
        series = [(label, s) for label, s in series if s is not None]
        if series:
            panels[panel] = series
    if not panels:
        found = list(history) if isinstance(history, Mapping) else type(history).__name__
        raise ValueError(
            "history has no series to plot: expected non-empty 'train_loss', 'val_loss', "
            f"'train_acc' or 'val_acc'; got {found}"
        )
    fig = Figure(figsize=(4.2 * len(panels) + 0.4, 3.2), layout="constrained")
    for k, (panel, series) in enumerate(panels.items()):
        ax = fig.add_subplot(1, len(panels), k + 1)
        for label, s in series:
            epochs = np.arange(1, len(s) + 1)
            ax.plot(epochs, s, marker="o" if len(s) <= 30 else None, ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss L" if panel == "loss" else "accuracy")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if panel == "loss" and log_loss:
            ax.set_yscale("log")
        ax.set_title(panel)
        ax.grid(alpha=0.3)
        ax.legend()
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_loss_curve(
    losses,
    *,
    log: bool = True,
    title: str | None = None,
    xlabel: str = "step",
    ax: Axes | None = None,
) -> Figure:
    """One loss series against its step (iteration or epoch).

    Parameters
    ----------
    losses : array_like, shape (T,)
    log : bool
        Log-scaled loss axis (then every loss must be > 0).
    title : str, optional
    xlabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = plot_loss_curve([1.0, 0.1, 0.01], title="SGD")
    >>> fig.axes[0].get_yscale(), fig.axes[0].get_title()
    ('log', 'SGD')
    """
    check_ax(ax)
    arr = numeric_array(losses, "losses", (1,)).astype(np.float64)
    if log and np.any(arr <= 0):
        raise ValueError(
            f"losses must all be > 0 for a log scale; got minimum {arr.min():g}. Pass log=False."
        )
    if ax is None:
        fig = Figure(figsize=(4.8, 3.2), layout="constrained")
        ax = fig.add_subplot()
    steps = np.arange(len(arr))
    ax.plot(steps, arr, marker="o" if len(arr) <= 30 else None, ms=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss L")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        ax.set_yscale("log")
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    return root_figure(ax)


def confusion_matrix_plot(
    y_true,
    y_pred,
    *,
    n_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The confusion matrix with its counts written in the cells (rows: true class).

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
    n_classes : int, optional
        Default ``max label + 1``.
    class_names : sequence of str, optional
        Tick labels, one per class.
    title : str, optional
        Default: the accuracy and N.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = confusion_matrix_plot([0, 1, 1], [0, 1, 0], class_names=["cat", "dog"])
    >>> fig.axes[0].get_title(), [t.get_text() for t in fig.axes[0].texts]
    ('accuracy 66.7% (N = 3)', ['1', '0', '1', '1'])
    """
    counts = confusion_matrix(y_true, y_pred, n_classes)
    k = counts.shape[0]
    if k == 0:
        raise ValueError("y_true and y_pred are empty; there is nothing to plot")
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if len(class_names) != k:
            raise ValueError(
                f"class_names must have {k} entries (one per class); got {len(class_names)}"
            )
    n = int(counts.sum())
    if title is None:
        title = f"accuracy {np.trace(counts) / n:.1%} (N = {n})" if n else "N = 0"
    fig = plot_matrix(
        counts,
        title=title,
        fmt="{:d}",
        cmap=COUNT_CMAP,
        symmetric=False,
        labels=("true class", "predicted class"),
    )
    ax = fig.axes[0]
    if class_names is not None:
        ax.set_xticks(range(k), class_names, rotation=45 if max(map(len, class_names)) > 2 else 0)
        ax.set_yticks(range(k), class_names)
    return fig
