"""SGD against PyTorch's update rule written out, the training loop, and the digits quality bar."""

import time

import numpy as np
import pytest

from cnnbp_core.data import load_digits, train_test_split
from cnnbp_core.nn import layers as L
from cnnbp_core.nn import optim
from cnnbp_core.nn import train as T
from cnnbp_core.nn.models import lenet
from cnnbp_core.viz.plots.training import plot_history


# ------------------------------------------------------------------ SGD
def torch_sgd_by_hand(w, grads, lr, momentum, weight_decay, l1):
    """torch.optim.SGD's step (dampening 0, nesterov False), written out, plus an L1 term:
    d = g + weight_decay*w (+ l1*sign(w)); buf = d on the first step, momentum*buf + d after;
    w = w - lr*buf (w - lr*d without momentum)."""
    w, buf, trajectory = w.copy(), None, []
    for g in grads:
        d = g + weight_decay * w + l1 * np.sign(w)
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + d
            d = buf
        w = w - lr * d
        trajectory.append(w.copy())
    return trajectory


@pytest.mark.parametrize(
    ("momentum", "weight_decay", "l1"),
    [(0.0, 0.0, 0.0), (0.9, 0.0, 0.0), (0.0, 0.01, 0.0), (0.8, 0.05, 0.0), (0.9, 0.01, 0.02)],
)
def test_sgd_matches_pytorch_update_formulas(momentum, weight_decay, l1):
    rng = np.random.default_rng(0)
    layer = L.Linear(4, 3, rng=rng)
    layer.params["b"][:] = [0.5, 0.0, -0.2]  # includes w = 0, where sign(w) = 0
    start = {name: p.copy() for name, p, _ in layer.parameters()}
    grads = {name: [rng.standard_normal(p.shape) for _ in range(4)] for name, p in start.items()}
    expected = {
        name: torch_sgd_by_hand(start[name], grads[name], 0.1, momentum, weight_decay, l1)
        for name in start
    }
    w_array = layer.params["w"]
    opt = optim.SGD(layer.parameters(), 0.1, momentum=momentum, weight_decay=weight_decay, l1=l1)
    for t in range(4):
        for name in start:
            layer.grads[name][...] = grads[name][t]
        opt.step()
        for name in start:
            np.testing.assert_allclose(layer.params[name], expected[name][t], rtol=1e-13, atol=0)
    assert layer.params["w"] is w_array  # updated in place, on the layer's own array


def test_zero_grad_and_model_argument():
    rng = np.random.default_rng(0)
    model = L.Sequential(L.Linear(3, 2, rng=rng))
    opt = optim.SGD(model, 0.1)  # a model is accepted too
    model.forward(rng.standard_normal((4, 3)))
    model.backward(np.ones((4, 2)))
    assert np.abs(model[0].grads["w"]).sum() > 0
    opt.zero_grad()
    assert all(not g.any() for _, _, g in model.parameters())
    assert "SGD(lr=0.1" in repr(opt)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"lr": 0.0}, ValueError, "lr"),
        ({"lr": "0.1"}, TypeError, "lr"),
        ({"lr": 0.1, "momentum": 1.0}, ValueError, "momentum"),
        ({"lr": 0.1, "momentum": -0.1}, ValueError, "momentum"),
        ({"lr": 0.1, "weight_decay": -1e-4}, ValueError, "weight_decay"),
        ({"lr": 0.1, "l1": -1e-4}, ValueError, "l1"),
    ],
)
def test_sgd_validates_hyperparameters(kwargs, error, name):
    model = L.Sequential(L.Linear(3, 2, rng=np.random.default_rng(0)))
    with pytest.raises(error, match=name):
        optim.SGD(model.parameters(), **kwargs)


def test_sgd_rejects_bad_params():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD(L.Sequential(L.ReLU()).parameters(), 0.1)
    with pytest.raises(TypeError, match="triples"):
        optim.SGD([np.zeros(3)], 0.1)


# ------------------------------------------------------------------ the training loop
@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return train_test_split(x, y, test_fraction=0.2, rng=np.random.default_rng(0))


def small_run(digits, *, progress=False, seed=0, epochs=4):
    x_train, y_train, x_test, y_test = digits
    rng = np.random.default_rng(seed)
    model = L.Sequential(L.Flatten(), L.Linear(64, 10, rng=rng))
    opt = optim.SGD(model.parameters(), 0.1, momentum=0.9)
    history = T.train(
        model,
        x_train[:400],
        y_train[:400],
        epochs=epochs,
        batch_size=32,
        optimizer=opt,
        rng=rng,
        x_val=x_test[:100],
        y_val=y_test[:100],
        progress=progress,
    )
    return model, history


def test_train_reduces_the_loss_and_fills_history(digits):
    model, history = small_run(digits)
    assert history.epochs == 4
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert len(history[key]) == 4 and all(isinstance(v, float) for v in history[key])
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_acc[-1] > 0.8
    assert all(0 <= a <= 1 for a in history.train_acc + history.val_acc)
    _, _, x_test, y_test = digits
    assert (history.val_loss[-1], history.val_acc[-1]) == T.evaluate(
        model, x_test[:100], y_test[:100]
    )
    assert set(history.as_dict()) == {"train_loss", "train_acc", "val_loss", "val_acc"}
    fig = plot_history(history)  # the plotting helper reads it as it is
    assert len(fig.axes) == 2


def test_train_is_reproducible(digits):
    assert small_run(digits, seed=3)[1] == small_run(digits, seed=3)[1]
    assert small_run(digits, seed=3)[1] != small_run(digits, seed=4)[1]


def test_no_validation_set_leaves_val_empty(digits):
    x_train, y_train, *_ = digits
    model = L.Sequential(L.Flatten(), L.Linear(64, 10, rng=np.random.default_rng(0)))
    opt = optim.SGD(model.parameters(), 0.1)
    history = T.train(
        model,
        x_train[:100],
        y_train[:100],
        epochs=2,
        batch_size=30,
        optimizer=opt,
        rng=np.random.default_rng(0),
        progress=False,
    )
    assert len(history.train_loss) == 2 and history.val_loss == [] and history.val_acc == []


def test_progress_false_prints_nothing_and_true_shows_a_bar(digits, capsys):
    small_run(digits, progress=False)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    small_run(digits, progress=True)
    captured = capsys.readouterr()
    assert "training" in captured.err and "4/4" in captured.err and "val_acc" in captured.err


def test_evaluate_and_predict_restore_the_mode(digits):
    _, _, x_test, y_test = digits
    model = lenet(rng=np.random.default_rng(0), batch_norm=True, dropout=0.5)
    labels = T.predict(model, x_test, batch_size=50)
    assert labels.shape == y_test.shape and labels.dtype == np.int64
    assert model.training  # was training: restored
    model.eval()
    loss, acc = T.evaluate(model, x_test, y_test, batch_size=100)
    assert not model.training
    assert acc == np.mean(labels == y_test)
    np.testing.assert_array_equal(T.predict(model, x_test), labels)  # batch size is irrelevant


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"rng": 0}, TypeError, "rng"),
        ({"loss": "mse"}, ValueError, "loss"),
        ({"x_val": np.zeros((3, 1, 8, 8))}, ValueError, "x_val and y_val"),
        ({"y_train": np.zeros(10)}, TypeError, "y_train"),
    ],
)
def test_train_validates_arguments(kwargs, error, name):
    model = L.Sequential(L.Flatten(), L.Linear(64, 10, rng=np.random.default_rng(0)))
    args = {
        "x_train": np.zeros((10, 1, 8, 8)),
        "y_train": np.zeros(10, dtype=int),
        "epochs": 1,
        "batch_size": 4,
        "optimizer": optim.SGD(model.parameters(), 0.1),
        "rng": np.random.default_rng(0),
        "progress": False,
    } | kwargs
    x_train, y_train = args.pop("x_train"), args.pop("y_train")
    with pytest.raises(error, match=name):
        T.train(model, x_train, y_train, **args)


# ------------------------------------------------------------------ the quality bar
def test_lenet_reaches_97_percent_on_digits(digits):
    """LeNet-style CNN, float64, seeded stratified split, 15 epochs of SGD with momentum."""
    x_train, y_train, x_test, y_test = digits
    model = lenet(rng=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), 0.05, momentum=0.9)
    start = time.perf_counter()
    T.train(
        model,
        x_train,
        y_train,
        epochs=15,
        batch_size=64,
        optimizer=opt,
        rng=np.random.default_rng(0),
        progress=False,
    )
    seconds = time.perf_counter() - start
    loss, accuracy = T.evaluate(model, x_test, y_test)
    print(f"LeNet on digits: test accuracy {accuracy:.4f}, loss {loss:.4f}, {seconds:.1f} s")
    assert x_train.dtype == np.float64 and len(y_test) == 359
    assert accuracy >= 0.97


def test_lenet_with_batchnorm_and_dropout_learns(digits):
    x_train, y_train, x_test, y_test = digits
    model = lenet(rng=np.random.default_rng(1), batch_norm=True, dropout=0.2)
    opt = optim.SGD(model.parameters(), 0.05, momentum=0.9, weight_decay=1e-4)
    T.train(
        model,
        x_train,
        y_train,
        epochs=3,
        batch_size=64,
        optimizer=opt,
        rng=np.random.default_rng(1),
        progress=False,
    )
    assert T.evaluate(model, x_test, y_test)[1] > 0.9
