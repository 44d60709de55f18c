"""Layers over functional: gradients, modes, initialisation, errors, and a whole CNN gradchecked."""

import numpy as np
import pytest
from conftest import distinct

from cnnbp_core import functional as F
from cnnbp_core.gradcheck import assert_gradients
from cnnbp_core.nn import layers as L
from cnnbp_core.nn.models import lenet

EPS = 1e-6


def check_layer(layer, x, rng, reset=None):
    """Backward of `layer` at x (random upstream gradient) vs finite differences, for x and every
    parameter. `reset()` runs before every forward (e.g. to replay a dropout mask)."""
    names = list(layer.params)

    def fn(x, *values):
        for name, v in zip(names, values):
            layer.params[name][...] = v
        if reset is not None:
            reset()
        return layer.forward(x)

    params = [layer.params[name].copy() for name in names]
    out = fn(x, *params)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    analytic = [dx, *(layer.grads[name].copy() for name in names)]
    assert dx.shape == x.shape
    assert_gradients(fn, [x, *params], analytic, dout, names=["x", *names], eps=EPS)


# ------------------------------------------------------------- each layer vs finite differences
LAYERS = {
    "conv": (
        lambda rng: L.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), rng=rng),
        (2, 2, 7, 6),
    ),
    "conv-dilated-nobias": (
        lambda rng: L.Conv2d(3, 2, 2, dilation=2, padding=1, bias=False, rng=rng),
        (2, 3, 5, 6),
    ),
    "maxpool": (lambda rng: L.MaxPool2d(3, stride=2, padding=1), (2, 2, 7, 6)),
    "avgpool": (lambda rng: L.AvgPool2d((2, 3), stride=(1, 2)), (2, 2, 5, 7)),
    "relu": (lambda rng: L.ReLU(), (3, 2, 4, 5)),
    "leaky_relu": (lambda rng: L.LeakyReLU(0.2), (3, 7)),
    "sigmoid": (lambda rng: L.Sigmoid(), (3, 2, 4, 5)),
    "tanh": (lambda rng: L.Tanh(), (4, 6)),
    "flatten": (lambda rng: L.Flatten(), (3, 2, 4, 5)),
    "linear": (lambda rng: L.Linear(7, 4, rng=rng), (5, 7)),
    "linear-nobias": (lambda rng: L.Linear(7, 4, bias=False, rng=rng), (5, 7)),
    "batchnorm2d": (lambda rng: L.BatchNorm2d(3), (4, 3, 3, 5)),
    "batchnorm1d": (lambda rng: L.BatchNorm1d(5), (6, 5)),
}


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("kind", list(LAYERS))
def test_layer_backward_matches_finite_differences(kind, mode):
    rng = np.random.default_rng(0)
    make, shape = LAYERS[kind]
    layer = make(rng)
    for name in layer.params:  # batch norm: gamma != 1, beta != 0, so no term hides
        layer.params[name][...] = rng.standard_normal(layer.params[name].shape)
    if isinstance(layer, (L.BatchNorm1d, L.BatchNorm2d)):
        layer.running_mean = rng.standard_normal(layer.num_features)
        layer.running_var = rng.uniform(0.5, 2.0, layer.num_features)
    getattr(layer, mode)()
    check_layer(layer, distinct(rng, shape), rng)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_dropout_backward_matches_finite_differences(mode):
    rng = np.random.default_rng(0)
    layer = getattr(L.Dropout(0.4, rng=np.random.default_rng(1)), mode)()

    def replay():  # the same mask on every forward pass
        layer.rng = np.random.default_rng(7)

    check_layer(layer, rng.standard_normal((4, 3, 5)), rng, reset=replay)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        L.ReLU().backward(np.zeros(3))


def test_backward_overwrites_grads_in_place():
    rng = np.random.default_rng(0)
    layer = L.Linear(3, 2, rng=rng)
    gw = layer.grads["w"]
    x = rng.standard_normal((4, 3))
    for _ in range(2):  # twice: overwritten, not accumulated
        layer.forward(x)
        layer.backward(np.ones((4, 2)))
    assert layer.grads["w"] is gw
    np.testing.assert_allclose(gw, np.ones((4, 2)).T @ x)


# ------------------------------------------------------------------ modes
def test_dropout_is_identity_in_eval_and_random_in_train():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 40))
    layer = L.Dropout(0.5, rng=np.random.default_rng(1))
    out = layer.forward(x)
    kept = out != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(out[kept], 2 * x[kept])  # inverted dropout: kept values scaled
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)
    # the same seed gives the same mask
    again = L.Dropout(0.5, rng=np.random.default_rng(1)).forward(x)
    np.testing.assert_array_equal(again, out)


def test_batchnorm_updates_running_stats_in_train_and_uses_them_in_eval():
    rng = np.random.default_rng(0)
    layer = L.BatchNorm2d(3, momentum=0.25)
    x = 2.0 + 3.0 * rng.standard_normal((8, 3, 4, 5))
    out = layer.forward(x)
    mu, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(layer.running_mean, 0.25 * mu)
    np.testing.assert_allclose(layer.running_var, 0.75 + 0.25 * var)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)  # batch statistics
    layer.eval()
    stats = layer.running_mean.copy(), layer.running_var.copy()
    out = layer.forward(x)
    np.testing.assert_array_equal(layer.running_mean, stats[0])  # eval: no update
    expected = (x - stats[0][None, :, None, None]) / np.sqrt(stats[1][None, :, None, None] + 1e-5)
    np.testing.assert_allclose(out, expected)


def test_batchnorm_rejects_wrong_rank():
    with pytest.raises(ValueError, match="4-D"):
        L.BatchNorm2d(3).forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="2-D"):
        L.BatchNorm1d(3).forward(np.zeros((4, 3, 2, 2)))


def test_sequential_train_eval_propagate():
    model = lenet(rng=np.random.default_rng(0), batch_norm=True, dropout=0.3)
    assert model.eval() is model
    assert not model.training and not any(layer.training for layer in model)
    model.train()
    assert model.training and all(layer.training for layer in model)


# ------------------------------------------------------------------ init, repr, parameters
def test_he_init_seeded_and_reproducible():
    a = L.Conv2d(4, 64, 3, rng=np.random.default_rng(5))
    b = L.Conv2d(4, 64, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.params["w"], b.params["w"])
    np.testing.assert_array_equal(a.params["b"], 0)
    assert abs(a.params["w"].std() / np.sqrt(2 / 36) - 1) < 0.1  # std = sqrt(2 / fan_in)
    lin = L.Linear(200, 300, rng=np.random.default_rng(5))
    assert abs(lin.params["w"].std() / np.sqrt(2 / 200) - 1) < 0.02
    m1, m2 = (lenet(rng=np.random.default_rng(3), dropout=0.5) for _ in range(2))
    for (n1, p1, _), (n2, p2, _) in zip(m1.parameters(), m2.parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(p1, p2)


def test_sequential_repr_and_parameter_count():
    model = lenet(rng=np.random.default_rng(0))
    text = repr(model)
    assert text.splitlines()[0] == "Sequential("
    assert "(0): Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in text
    assert "(2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))" in text
    assert "(7): Linear(in_features=128, out_features=10)" in text
    assert "1,290 parameters" in text
    n = (16 * 9 + 16) + (32 * 16 * 9 + 32) + (128 * 10 + 10)
    assert model.num_parameters() == n == 6090
    assert text.splitlines()[-1] == ")  total 6,090 parameters"
    names = [name for name, _, _ in model.parameters()]
    assert names == ["0.w", "0.b", "3.w", "3.b", "7.w", "7.b"]
    bn = lenet(rng=np.random.default_rng(0), batch_norm=True, dropout=0.5)
    assert "BatchNorm2d(16, eps=1e-05, momentum=0.1)" in repr(bn)
    assert "Dropout(p=0.5)" in repr(bn)
    assert "bias=False" in repr(bn)
    assert bn.num_parameters() == n - 16 - 32 + 2 * (16 + 32)
    for name, p, g in bn.parameters():
        assert g.shape == p.shape, name


def test_nested_sequential_names():
    rng = np.random.default_rng(0)
    model = L.Sequential(L.Sequential(L.Linear(3, 4, rng=rng), L.ReLU()), L.Linear(4, 2, rng=rng))
    assert [n for n, _, _ in model.parameters()] == ["0.0.w", "0.0.b", "1.w", "1.b"]
    assert "(0): Sequential(" in repr(model)


# ------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize(
    ("make", "error", "name"),
    [
        (lambda: L.Conv2d(0, 4, 3, rng=np.random.default_rng()), ValueError, "in_channels"),
        (lambda: L.Conv2d(1, 2.0, 3, rng=np.random.default_rng()), TypeError, "out_channels"),
        (lambda: L.Conv2d(1, 2, 0, rng=np.random.default_rng()), ValueError, "kernel_size"),
        (lambda: L.Conv2d(1, 2, 3, stride=0, rng=np.random.default_rng()), ValueError, "stride"),
        (lambda: L.Conv2d(1, 2, 3, padding=-1, rng=np.random.default_rng()), ValueError, "padding"),
        (
            lambda: L.Conv2d(1, 2, 3, dilation=(1, 2, 3), rng=np.random.default_rng()),
            ValueError,
            "dilation",
        ),
        (lambda: L.Conv2d(1, 2, 3, rng=0), TypeError, "rng"),
        (lambda: L.Conv2d(1, 2, 3, bias=1, rng=np.random.default_rng()), TypeError, "bias"),
        (lambda: L.Linear(3, 0, rng=np.random.default_rng()), ValueError, "out_features"),
        (lambda: L.Linear(3, 2, rng=None), TypeError, "rng"),
        (lambda: L.MaxPool2d(2, padding=2), ValueError, "padding"),
        (lambda: L.AvgPool2d(2, stride=0), ValueError, "stride"),
        (lambda: L.LeakyReLU("0.1"), TypeError, "negative_slope"),
        (lambda: L.BatchNorm2d(0), ValueError, "num_features"),
        (lambda: L.BatchNorm1d(3, eps=0), ValueError, "eps"),
        (lambda: L.BatchNorm1d(3, momentum=1.5), ValueError, "momentum"),
        (lambda: L.Dropout(1.0, rng=np.random.default_rng()), ValueError, "p"),
        (lambda: L.Dropout(0.5, rng=np.random.RandomState(0)), TypeError, "rng"),
        (lambda: L.Sequential(L.ReLU(), np.tanh), TypeError, r"layers\[1\]"),
        (lambda: lenet(rng=np.random.default_rng(), dropout=1.0), ValueError, "p"),
    ],
)
def test_bad_arguments_name_the_argument(make, error, name):
    with pytest.raises(error, match=name):
        make()


def test_conv_requires_rng():
    with pytest.raises(TypeError, match="rng"):
        L.Conv2d(1, 2, 3)


# ------------------------------------------------------------------ a whole CNN, end to end
def tiny_cnn(rng, batch_norm):
    """conv-[bn]-relu-pool-conv-[bn]-relu-pool-flatten-linear on (N, 2, 8, 6) inputs."""
    layers = [L.Conv2d(2, 3, 3, padding=1, bias=not batch_norm, rng=rng)]
    layers += [L.BatchNorm2d(3)] if batch_norm else []
    layers += [
        L.ReLU(),
        L.MaxPool2d(2),
        L.Conv2d(3, 4, (3, 2), padding=1, bias=not batch_norm, rng=rng),
    ]
    layers += [L.BatchNorm2d(4)] if batch_norm else []
    layers += [L.ReLU(), L.MaxPool2d(2), L.Flatten(), L.Linear(4 * 2 * 2, 5, rng=rng)]
    model = L.Sequential(*layers)
    for layer in model:
        if isinstance(layer, L.BatchNorm2d):  # gamma != 1, beta != 0
            layer.params["gamma"][...] = rng.uniform(0.5, 1.5, layer.num_features)
            layer.params["beta"][...] = rng.uniform(-0.5, 0.5, layer.num_features)
        if isinstance(layer, L.Conv2d) and "b" in layer.params:
            layer.params["b"][...] = rng.uniform(-0.1, 0.1, layer.out_channels)
    return model


def margins(model, x):
    """Smallest |ReLU input| and smallest gap between a max-pool window's top two values.

    A finite difference with step eps is exact only when no ReLU input lies within about eps
    of its kink at 0 and no max-pool window's winner can change; both margins must be >> eps.
    The pools here follow ReLUs, so a window of zeros (all its ReLU inputs negative, which the
    ReLU margin keeps away from 0) stays zero under small steps and is skipped.
    """
    relu_margin = pool_margin = np.inf
    for layer in model:
        if isinstance(layer, L.ReLU):
            relu_margin = min(relu_margin, np.abs(x).min())
        if isinstance(layer, L.MaxPool2d):
            (kh, kw), (n, c, h, w) = layer.kernel_size, x.shape
            windows = x[:, :, : h // kh * kh, : w // kw * kw].reshape(
                n, c, h // kh, kh, w // kw, kw
            )
            top2 = np.sort(windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // kh, w // kw, -1))
            alive = top2[..., -1] > 0  # all-zero windows (every ReLU input < 0) stay 0
            gaps = (top2[..., -1] - top2[..., -2])[alive]
            pool_margin = min(pool_margin, gaps.min(initial=np.inf))
        x = layer.forward(x)
    return relu_margin, pool_margin


@pytest.mark.parametrize("batch_norm", [False, True], ids=["plain", "batchnorm"])
def test_whole_cnn_gradients_match_finite_differences(batch_norm):
    for seed in range(20):  # reseed until no ReLU input or max-pool gap lies near a kink
        rng = np.random.default_rng(seed)
        model = tiny_cnn(rng, batch_norm)
        x = rng.standard_normal((3, 2, 8, 6))
        labels = rng.integers(0, 5, 3)
        if min(margins(model, x)) > 1e-3:
            break
    else:
        pytest.fail("no seed gave inputs away from every kink")

    names = [name for name, _, _ in model.parameters()]
    params = {name: p for name, p, _ in model.parameters()}

    def loss(x, *values):
        for name, v in zip(names, values):
            params[name][...] = v
        return F.softmax_cross_entropy_forward(model.forward(x), labels)[0]

    start = [params[name].copy() for name in names]
    value, cache = F.softmax_cross_entropy_forward(model.forward(x), labels)
    dx = model.backward(F.softmax_cross_entropy_backward(1.0, cache))
    analytic = [dx, *(g.copy() for _, _, g in model.parameters())]
    report = assert_gradients(loss, [x, *start], analytic, names=["x", *names], eps=EPS)
    assert len(report.rows) == len(names) + 1
    expected = {"0.w", "1.gamma", "1.beta"} if batch_norm else {"0.w", "0.b"}
    assert expected <= set(names)
    # no vacuous check: every parameter array receives a non-zero gradient
    assert all(np.abs(g).max() > 1e-8 for g in analytic)


def test_batchnorm_layer_names_a_channel_mismatch():
    with pytest.raises(ValueError, match=r"num_features=3 but x has 2 features/channels"):
        L.BatchNorm2d(3)(np.zeros((2, 2, 4, 4)))
