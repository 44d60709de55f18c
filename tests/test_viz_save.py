"""Tests of cnnbp_core.viz.save: figures written byte-for-byte reproducibly."""

from __future__ import annotations

import os

import numpy as np
import pytest
from matplotlib.figure import Figure

from cnnbp_core import viz


def build_figure():
    rng = np.random.default_rng(7)
    return viz.kernel_grid(rng.standard_normal((2, 3, 3, 3)), title="K")


@pytest.mark.parametrize("ext", ["", ".png", ".svg", ".pdf"])
def test_save_figure_is_deterministic(tmp_path, ext):
    fig = build_figure()
    path = viz.save_figure(fig, "kernels" + ext, directory=tmp_path)
    assert path == tmp_path / ("kernels" + (ext or ".png"))
    first = path.read_bytes()
    assert len(first) > 1000
    # Saving the same figure again (to another file) and a freshly built figure: same bytes.
    again = viz.save_figure(fig, "again" + (ext or ".png"), directory=tmp_path).read_bytes()
    rebuilt = viz.save_figure(build_figure(), "rebuilt" + ext, directory=tmp_path / "new")
    assert again == first and rebuilt.read_bytes() == first
    if ext in ("", ".png"):
        assert first.startswith(b"\x89PNG") and b"Software" not in first
    elif ext == ".svg":
        assert b"<dc:date>" not in first and b"Matplotlib v" not in first
    else:
        assert first.startswith(b"%PDF") and b"CreationDate" not in first


def test_save_figure_does_not_rewrite_unchanged_file(tmp_path):
    path = viz.save_figure(build_figure(), "k", directory=tmp_path)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    viz.save_figure(build_figure(), "k.png", directory=str(tmp_path))
    assert path.stat().st_mtime == 1_000_000_000


def test_save_figure_default_directory_is_the_repository_figures_folder():
    assert viz.FIGURES_DIR.name == "figures"
    assert (viz.FIGURES_DIR.parent / "cnnbp_core" / "viz" / "save.py").is_file()
    assert (viz.FIGURES_DIR.parent / "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("fig", "name", "exc", "needle"),
    [
        (None, "a", TypeError, "fig must be a matplotlib Figure"),
        ("fig", "sub/a.png", ValueError, "bare file name"),
        ("fig", "", ValueError, "name must be a non-empty"),
        ("fig", "a.jpg", ValueError, "extension '.jpg'"),
    ],
)
def test_save_figure_bad_input(tmp_path, fig, name, exc, needle):
    fig = Figure() if fig == "fig" else fig
    with pytest.raises(exc, match=needle):
        viz.save_figure(fig, name, directory=tmp_path)


def test_the_environment_can_redirect_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBP_FIGURES_DIR", str(tmp_path / "elsewhere"))
    fig = Figure()
    fig.subplots().plot([0, 1])
    path = viz.save_figure(fig, "redirected")
    assert path == tmp_path / "elsewhere" / "redirected.png" and path.is_file()
