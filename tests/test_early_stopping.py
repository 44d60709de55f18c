"""The early-stopping rule of chapter 02: a pure function of a validation curve, checked against
a direct reading of its definition on random curves and on the edge cases."""

import numpy as np
import pytest

from cnnbp_core.nn import train
from cnnbp_core.nn.train import EarlyStop, early_stopping


def by_definition(losses, patience):
    """The first k at which the lowest loss so far (its first occurrence) is `patience` entries
    old, read off np.argmin of each prefix rather than by early_stopping's running best."""
    for k in range(len(losses)):
        best = int(np.argmin(losses[: k + 1]))
        if k - best >= patience:
            return k, best, True
    return len(losses) - 1, int(np.argmin(losses)), False


def test_random_curves_stop_where_the_definition_says():
    rng = np.random.default_rng(0)
    for _ in range(500):
        n = int(rng.integers(1, 30))
        # a noisy decreasing curve that turns up again, like a validation loss
        t = np.arange(n)
        losses = 1 / (1 + 0.3 * t) + 0.002 * (t - n / 2).clip(0) ** 2 + 0.03 * rng.random(n)
        losses = np.round(losses, 2)  # ties too
        patience = int(rng.integers(1, 6))
        got = early_stopping(losses, patience)
        assert (got.stop, got.best, got.stopped) == by_definition(losses, patience)
        assert got.best_loss == losses[got.best]
        assert got.best <= got.stop and (got.stop - got.best == patience or not got.stopped)


def test_min_delta_asks_for_a_real_improvement():
    losses = [1.0, 0.95, 0.9, 0.89, 0.88, 0.87]
    assert early_stopping(losses, 2) == EarlyStop(5, 5, 0.87, False)
    # steps of 0.05 count (0.95 and 0.9 each beat the best so far by more than 0.04), 0.01 not
    assert early_stopping(losses, 2, min_delta=0.04) == EarlyStop(4, 2, 0.9, True)
    # 0.9 is 0.1 below 1.0, not more than 0.11 below: nothing improves
    assert early_stopping(losses, 2, min_delta=0.11) == EarlyStop(2, 0, 1.0, True)


def test_the_edges():
    assert early_stopping([0.5], 3) == EarlyStop(0, 0, 0.5, False)
    assert early_stopping([1.0, 1.0, 1.0], 2) == EarlyStop(2, 0, 1.0, True)  # a tie is no gain
    assert early_stopping([3.0, 2.0, 1.0], 1) == EarlyStop(2, 2, 1.0, False)  # always improving
    assert early_stopping([1.0, 2.0, 0.5], 1) == EarlyStop(1, 0, 1.0, True)  # 0.5 comes too late
    assert early_stopping(np.array([1.0, 2.0, 0.5]), 2) == EarlyStop(2, 2, 0.5, False)


def test_it_reads_a_training_history():
    history = train.History(val_loss=[0.9, 0.6, 0.55, 0.58, 0.61, 0.57, 0.62])
    found = early_stopping(history.val_loss, patience=3)
    assert found == EarlyStop(stop=5, best=2, best_loss=0.55, stopped=True)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([],), {"patience": 1}, ValueError, "val_losses must not be empty"),
        (([[1.0]],), {"patience": 1}, ValueError, "val_losses must be 1-D"),
        (([1.0, np.inf],), {"patience": 1}, ValueError, "val_losses must be finite"),
        (([1.0],), {"patience": 0}, ValueError, "patience must be >= 1"),
        (([1.0],), {"patience": 1.5}, TypeError, "patience must be an int"),
        (([1.0],), {"patience": 1, "min_delta": -0.1}, ValueError, "min_delta must be >= 0"),
    ],
)
def test_bad_arguments_are_named(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        early_stopping(*args, **kwargs)
