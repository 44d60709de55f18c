"""Tests of cnnbp_core.viz.plots (and the confusion-matrix helper in cnnbp_core.nn.metrics)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # headless; the package itself never picks a backend

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import run_python
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from cnnbp_core import explain, viz
from cnnbp_core.nn.metrics import confusion_matrix


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def texts(ax):
    return [t.get_text() for t in ax.texts]


# ----------------------------------------------------------------------------- no side effects


def test_import_and_use_touch_nothing_global():
    code = """
import matplotlib, sys
before = dict(matplotlib.rcParams)
import numpy as np
from cnnbp_core import explain, viz
assert "ipywidgets" not in sys.modules, "importing viz imported ipywidgets"
viz.plot_matrix(np.eye(2)); viz.kernel_grid(np.ones((1, 1, 2, 2)))
viz.kernel_tap_figure(np.eye(4), np.ones((3, 3)), 0, 0, kernel_size=2)
assert dict(matplotlib.rcParams) == before, "rcParams changed"
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
"""
    run_python(code)


# ----------------------------------------------------------------------------- plot_matrix


def test_plot_matrix_annotates_every_cell(rng):
    a = rng.standard_normal((3, 5))  # rows != cols
    fig = viz.plot_matrix(a, title="K")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title() == "K"
    assert texts(ax) == [f"{v + 0.0:.2g}" for v in a.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "1", "2"]
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("i", "j")


def test_plot_matrix_signed_data_is_centred_on_zero():
    fig = viz.plot_matrix(np.array([[-1.0, 3.0]]))
    im = fig.axes[0].images[0]
    assert (im.norm.vmin, im.norm.vmax) == (-3.0, 3.0)
    assert im.cmap.name == viz.DIVERGING_CMAP
    im = viz.plot_matrix(np.array([[1.0, 3.0]])).axes[0].images[0]
    assert (im.norm.vmin, im.norm.vmax) == (1.0, 3.0) and im.cmap.name == viz.SEQUENTIAL_CMAP
    im = viz.plot_matrix(np.array([[1.0, 3.0]]), symmetric=True).axes[0].images[0]
    assert (im.norm.vmin, im.norm.vmax) == (-3.0, 3.0)


def test_plot_matrix_options():
    fig = viz.plot_matrix(np.arange(6).reshape(2, 3), annotate=True)  # integers: "{:d}"
    assert texts(fig.axes[0]) == ["0", "1", "2", "3", "4", "5"]
    fig = viz.plot_matrix([0.5, -0.0], fmt="{:.1f}", labels=None, colorbar=True)  # 1-D: one row
    assert texts(fig.axes[0]) == ["0.5", "0.0"]
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == ""
    fig = viz.plot_matrix(np.ones((2, 2)), annotate=False, fmt=lambda v: "x")
    assert texts(fig.axes[0]) == []
    fig = viz.plot_matrix(np.ones((1, 2)), fmt=lambda v: "x")
    assert texts(fig.axes[0]) == ["x", "x"]


def test_plot_matrix_into_given_axes():
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert viz.plot_matrix(np.eye(2), ax=ax2, title="right") is fig
    assert ax2.get_title() == "right" and len(ax1.images) == 0 and len(fig.axes) == 2
    sub = Figure().subfigures(1, 2)[0]
    ax = sub.add_subplot()
    assert viz.plot_matrix(np.eye(2), ax=ax) is ax.get_figure(root=True)


@pytest.mark.parametrize(
    ("kwargs", "exc", "needle"),
    [
        ({"a": np.zeros((2, 2, 2))}, ValueError, r"a must be 1-D or 2-D; got shape \(2, 2, 2\)"),
        ({"a": np.zeros((0, 3))}, ValueError, "a must not be empty"),
        ({"a": np.array([["x"]])}, TypeError, "a must be a numeric array"),
        ({"a": np.eye(2), "ax": "left"}, TypeError, "ax must be"),
        ({"a": np.eye(2), "labels": "ij"}, ValueError, "labels"),
        ({"a": np.eye(2), "fmt": 3}, TypeError, "fmt"),
    ],
)
def test_plot_matrix_bad_input(kwargs, exc, needle):
    a = kwargs.pop("a")
    with pytest.raises(exc, match=needle):
        viz.plot_matrix(a, **kwargs)


# ----------------------------------------------------------------------------- gradient_heatmap


def test_gradient_heatmap(rng):
    g = rng.standard_normal((4, 6))
    fig = viz.gradient_heatmap(g, title="dL/dX")
    assert len(fig.axes) == 2  # heatmap + colour bar
    ax = fig.axes[0]
    assert ax.get_title() == "dL/dX" and len(ax.texts) == 24
    m = np.abs(g).max()
    im = ax.images[0]
    assert (im.norm.vmin, im.norm.vmax) == (-m, m) and im.cmap.name == viz.DIVERGING_CMAP
    # Non-negative gradients are still drawn centred on 0; large ones are not annotated.
    fig = viz.gradient_heatmap(np.abs(rng.standard_normal((9, 9))))
    assert fig.axes[0].images[0].norm.vmin < 0 and len(fig.axes[0].texts) == 0
    with pytest.raises(ValueError, match="grad must be 2-D"):
        viz.gradient_heatmap(np.zeros((1, 1, 3, 3)))


# ----------------------------------------------------------------------------- confusion matrix


def test_confusion_matrix_counts():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    m = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert m.dtype == np.int64
    assert confusion_matrix(y_true, y_pred, 5).shape == (5, 5)
    assert confusion_matrix([], [], 3).sum() == 0
    rng = np.random.default_rng(3)
    t, p = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    m = confusion_matrix(t, p, 7)
    assert m.sum() == 500 and np.trace(m) == np.sum(t == p)
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(t, minlength=7))


@pytest.mark.parametrize(
    ("args", "exc", "needle"),
    [
        (([0, 1], [0]), ValueError, r"y_pred must have shape \(2,\) \(one class index per"),
        (([[0, 1]], [[0, 1]]), ValueError, "y_true must be 1-D"),
        (([0, 1], [0.0, 1.0]), TypeError, "y_pred must be integer class indices"),
        (([0, -1], [0, 1]), ValueError, r"y_true must be >= 0; got out-of-range values \[-1\]"),
        (([0, 3], [0, 1], 3), ValueError, r"y_true must lie in \[0, 3\) for K=3"),
        (([0, 1], [0, 1], 0), ValueError, "n_classes must be >= 1"),
        (([0, 1], [0, 1], 2.0), TypeError, "n_classes must be an int"),
    ],
)
def test_confusion_matrix_bad_input(args, exc, needle):
    with pytest.raises(exc, match=needle):
        confusion_matrix(*args)


def test_confusion_matrix_plot():
    fig = viz.confusion_matrix_plot([0, 0, 1, 2], [0, 1, 1, 2], n_classes=4)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert texts(ax) == [
        "1",
        "1",
        "0",
        "0",
        "0",
        "1",
        "0",
        "0",
        "0",
        "0",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
    ]
    assert ax.get_title() == "accuracy 75.0% (N = 4)"
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("true class", "predicted class")
    fig = viz.confusion_matrix_plot([0, 1], [1, 1], class_names=["cat", "dog"], title="pets")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    assert ax.get_title() == "pets"
    with pytest.raises(ValueError, match="class_names must have 2 entries"):
        viz.confusion_matrix_plot([0, 1], [1, 1], class_names=["cat"])
    with pytest.raises(ValueError, match="y_true must be 1-D"):
        viz.confusion_matrix_plot(np.zeros((2, 2), int), [0, 1])


# ----------------------------------------------------------------------------- maps and kernels


def test_feature_map_grid(rng):
    maps = rng.standard_normal((5, 6, 9))
    fig = viz.feature_map_grid(maps, titles=[f"c = {c}" for c in range(5)], suptitle="Y")
    assert len(fig.axes) == 5
    assert [ax.get_title() for ax in fig.axes] == [f"c = {c}" for c in range(5)]
    assert fig.get_suptitle() == "Y"
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 3)  # ceil(sqrt(5)) columns
    for ax, m in zip(fig.axes, maps, strict=True):  # own scale per map, centred on 0
        assert ax.images[0].norm.vmax == np.abs(m).max() == -ax.images[0].norm.vmin
    fig = viz.feature_map_grid(maps, ncols=5, share_scale=True)
    assert len(fig.axes) == 6  # + colour bar
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (1, 5)
    assert {ax.images[0].norm.vmax for ax in fig.axes[:5]} == {np.abs(maps).max()}


def test_feature_map_grid_list_of_maps():
    fig = viz.feature_map_grid([np.ones((4, 4)), np.zeros((2, 3)), np.arange(6.0).reshape(2, 3)])
    assert len(fig.axes) == 3 and all(ax.get_title() == "" for ax in fig.axes)
    assert fig.axes[2].images[0].cmap.name == viz.IMAGE_CMAP


@pytest.mark.parametrize(
    ("maps", "kwargs", "exc", "needle"),
    [
        (np.zeros((4, 4)), {}, ValueError, r"maps must be a \(C, H, W\) array"),
        (np.zeros((1, 2, 4, 4)), {}, ValueError, r"x\[0\]"),
        ([np.zeros((3, 3)), np.zeros(3)], {}, ValueError, r"maps\[1\] must be 2-D"),
        ([], {}, ValueError, "maps is empty"),
        ("maps", {}, TypeError, "maps must be"),
        (np.zeros((2, 3, 3)), {"titles": ["a"]}, ValueError, "titles must have one entry"),
        (np.zeros((2, 3, 3)), {"ncols": 0}, ValueError, "ncols"),
        (np.zeros((2, 3, 3)), {"ncols": 1.5}, TypeError, "ncols must be an int"),
    ],
)
def test_feature_map_grid_bad_input(maps, kwargs, exc, needle):
    with pytest.raises(exc, match=needle):
        viz.feature_map_grid(maps, **kwargs)


def test_kernel_grid(rng):
    w = rng.standard_normal((3, 2, 3, 5))  # KH != KW
    fig = viz.kernel_grid(w)
    assert len(fig.axes) == 3 * 2 + 1  # kernels + colour bar
    kernel_axes = fig.axes[:6]
    assert [ax.get_title() for ax in kernel_axes] == ["c_in = 0", "c_in = 1", "", "", "", ""]
    assert [ax.get_ylabel() for ax in kernel_axes[::2]] == ["c_out = 0", "c_out = 1", "c_out = 2"]
    assert all(len(ax.texts) == 15 for ax in kernel_axes)
    m = np.abs(w).max()
    assert all((ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (-m, m) for ax in kernel_axes)
    np.testing.assert_array_equal(kernel_axes[3].images[0].get_array(), w[1, 1])
    assert "(3, 2, 3, 5)" in fig.get_suptitle()
    fig = viz.kernel_grid(rng.standard_normal((8, 4, 3, 3)), title="K after training")
    assert fig.get_suptitle() == "K after training" and len(fig.axes[0].texts) == 0  # 32 kernels
    with pytest.raises(ValueError, match=r"w must be 4-D; got shape \(2, 3, 3\)"):
        viz.kernel_grid(np.zeros((2, 3, 3)))


def test_feature_maps_per_layer(rng):
    acts = {
        "conv1": rng.standard_normal((6, 10, 12)),
        "relu1": np.maximum(rng.standard_normal((6, 10, 12)), 0),
        "pool1": rng.random((3, 5, 6)),
    }
    fig = viz.feature_maps_per_layer(acts, max_maps=4)
    assert len(fig.axes) == 4 + 4 + 3
    ylabels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert ylabels == ["conv1\n6x10x12", "relu1\n6x10x12", "pool1\n3x5x6"]
    assert fig.axes[0].images[0].cmap.name == viz.DIVERGING_CMAP
    assert fig.axes[4].images[0].cmap.name == viz.IMAGE_CMAP
    # One colour scale per layer (over the maps shown).
    assert {ax.images[0].norm.vmax for ax in fig.axes[4:8]} == {acts["relu1"][:4].max()}
    with pytest.raises(ValueError, match=r"activations\['x'\] must be 3-D.*act\[0\]"):
        viz.feature_maps_per_layer({"x": np.zeros((1, 2, 3, 3))})
    with pytest.raises(ValueError, match="activations is empty"):
        viz.feature_maps_per_layer({})
    with pytest.raises(TypeError, match="activations must be a mapping"):
        viz.feature_maps_per_layer([np.zeros((2, 3, 3))])
    with pytest.raises(ValueError, match="max_maps"):
        viz.feature_maps_per_layer(acts, max_maps=0)


# ----------------------------------------------------------------------------- curves


def test_plot_history():
    full = {
        "train_loss": [2.0, 1.0, 0.5],
        "val_loss": [2.1, 1.2, 0.8],
        "train_acc": [0.3, 0.6, 0.8],
        "val_acc": [0.3, 0.5, 0.7],
    }
    fig = viz.plot_history(full, title="LeNet on digits")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(fig.axes[1].lines[1].get_ydata(), full["val_acc"])
    assert fig.get_suptitle() == "LeNet on digits"
    # Missing or empty validation series, a missing accuracy panel, an object with attributes.
    fig = viz.plot_history({"train_loss": [1.0, 0.5], "val_loss": [], "train_acc": [0.5, 0.7]})
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]
    fig = viz.plot_history(SimpleNamespace(train_loss=[1.0, 0.5], val_loss=[1.1, 0.9]))
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 2
    assert viz.plot_history({"val_acc": [0.1]}).axes[0].get_title() == "accuracy"
    fig = viz.plot_history({"train_loss": [1.0, 0.1]}, log_loss=True)
    assert fig.axes[0].get_yscale() == "log"


def test_plot_history_bad_input():
    with pytest.raises(ValueError, match="history has no series.*'loss'"):
        viz.plot_history({"loss": [1.0]})
    with pytest.raises(ValueError, match=r"history\['train_loss'\] must be 1-D"):
        viz.plot_history({"train_loss": [[1.0, 2.0]]})


def test_plot_loss_curve():
    losses = np.exp(-np.arange(50) / 10)
    fig = viz.plot_loss_curve(losses, title="SGD")
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and ax.get_yscale() == "log" and ax.get_title() == "SGD"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), losses)
    fig = viz.plot_loss_curve([1.0, 0.0, -0.5], log=False, xlabel="epoch")
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[0].get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="losses must all be > 0.*log=False"):
        viz.plot_loss_curve([1.0, 0.0])
    with pytest.raises(ValueError, match="losses must be 1-D"):
        viz.plot_loss_curve(np.ones((2, 2)))


# ----------------------------------------------------------------------------- one kernel tap


def test_kernel_tap_figure_outlines_the_pixels_the_tap_reads(rng):
    x, delta = rng.standard_normal((7, 8)), rng.standard_normal((3, 3))  # k 3, s 2, d 1
    fig = viz.kernel_tap_figure(x, delta, 1, 2, kernel_size=3, stride=2)
    ax_x, ax_d, ax_p, ax_k = fig.axes[:4]
    terms = explain.kernel_tap_terms(x, delta, 1, 2, kernel_size=3, stride=2)
    ii, jj = np.meshgrid(terms.rows, terms.cols, indexing="ij")
    marks = ax_x.collections[0]
    np.testing.assert_array_equal(marks.get_offsets(), np.c_[jj.ravel(), ii.ravel()])
    assert to_hex(marks.get_edgecolor()[0]) == viz.OUTLINE
    (box,) = ax_k.patches  # the outlined weight (u, v) = (1, 2)
    assert box.get_xy() == (1.5, 0.5) and to_hex(box.get_edgecolor()) == viz.OUTLINE
    np.testing.assert_array_equal(ax_p.images[0].get_array(), terms.products)
    np.testing.assert_array_equal(ax_d.images[0].get_array(), delta)
    assert ax_k.get_title() == f"dL/dK[1,2] = Σ = {terms.products.sum():.3g}"
    # Integer pictures are drawn too (the terms themselves want floats, like the core).
    fig = viz.kernel_tap_figure(
        np.arange(16).reshape(4, 4), np.ones((3, 3), int), 0, 1, kernel_size=2
    )
    assert fig.axes[3].get_title() == "dL/dK[0,1] = Σ = 54"
    with pytest.raises(ValueError, match=r"x must be 2-D"):
        viz.kernel_tap_figure(np.zeros((1, 4, 4)), np.ones((3, 3)), 0, 0, kernel_size=2)


def test_matrices_figure_draws_one_titled_panel_per_matrix_and_refuses_bad_panels():
    from cnnbp_core.viz import matrices_figure

    fig = matrices_figure([(np.eye(2), "I"), (np.array([1.0, -2.0, 3.0]), "row")])
    assert [ax.get_title() for ax in fig.axes] == ["I", "row"]
    assert [t.get_text() for t in fig.axes[1].texts] == ["1", "-2", "3"]
    for bad in ([], None, [np.eye(2)], [(np.eye(2), "a", "b")]):
        with pytest.raises(ValueError, match="pairs"):
            matrices_figure(bad)
    with pytest.raises(ValueError, match=r"panels\[1\] is an array of shape \(2, 2\)"):
        matrices_figure([(np.eye(2), "I"), np.eye(2)])
    with pytest.raises(ValueError, match=r"panels\[1\]'s matrix must be 1-D or 2-D"):
        matrices_figure([(np.eye(2), "I"), (np.zeros((2, 2, 2)), "cube")])


def test_matrices_figure_formats_every_panel_and_takes_list_pairs():
    from cnnbp_core.viz import matrices_figure

    fig = matrices_figure([[np.eye(2), "I"], ([0.5, -2.0], "row")], fmt="{:+.1f}")
    assert [ax.get_title() for ax in fig.axes] == ["I", "row"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["+1.0", "+0.0", "+0.0", "+1.0"]
    assert [t.get_text() for t in fig.axes[1].texts] == ["+0.5", "-2.0"]
    fig = matrices_figure([(np.arange(3), "n")], fmt=lambda v: f"<{v}>")
    assert [t.get_text() for t in fig.axes[0].texts] == ["<0>", "<1>", "<2>"]
