"""Writing figures to the repository's figures/ folder, byte-for-byte reproducibly."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

DPI = 150
"""Resolution of raster files written by `save_figure`."""
FIGURES_DIR = Path(__file__).resolve().parents[2] / "figures"  # cnnbp_core/viz/save.py -> root
"""Default folder of `save_figure`: ``figures/`` at the root of the repository checkout."""

_SAVE_OPTIONS = {
    # Drop everything that varies between runs or versions: PNG's "Software" (the matplotlib
    # version), SVG's date and creator, PDF's dates and producer. SVG's random element ids are
    # fixed by ``svg.hashsalt`` below.
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def _file_name(name) -> tuple[str, str]:
    """The file name to write (``.png`` added when there is no extension) and its format."""
    if not isinstance(name, str) or not name or name in {".", ".."}:
        raise ValueError(f"name must be a non-empty file name; got {name!r}")
    if "/" in name or "\\" in name:
        raise ValueError(
            f"name must be a bare file name, not a path; got {name!r} (use directory=)"
        )
    suffix = Path(name).suffix.lower()
    if suffix == "":
        return name + ".png", "png"
    if suffix[1:] in _SAVE_OPTIONS:
        return name, suffix[1:]
    raise ValueError(f"name has extension {suffix!r}; use .png, .svg or .pdf (or none, for .png)")


FIGURES_ENV = "CNNBP_FIGURES_DIR"
"""Environment variable that redirects `save_figure`'s default folder (the fault-injection test
runs chapters with it, so a deliberately broken run never writes into ``figures/``)."""


def _default_directory() -> Path:
    if os.environ.get(FIGURES_ENV):
        return Path(os.environ[FIGURES_ENV])
    if not (FIGURES_DIR.parent / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"save_figure writes to the repository's figures/ folder by default, but "
            f"cnnbp_core is not running from a checkout (no pyproject.toml in "
            f"{str(FIGURES_DIR.parent)!r}); pass directory="
        )
    return FIGURES_DIR


def save_figure(fig: Figure, name: str, *, directory=None, dpi: int = DPI) -> Path:
    """Write ``fig`` to a file, reproducibly: re-running leaves the file byte-identical.

    Timestamps and version strings are left out of the file and SVG ids use a fixed salt, so
    the bytes depend only on the figure. A figure with an automatic layout (constrained, tight)
    is laid out once and then frozen (its layout engine set to "none"), because each
    re-layout can move elements by a fraction of a pixel. The file is only rewritten when its
    bytes change, so an unchanged figure keeps its modification time too.

    Parameters
    ----------
    fig : Figure
    name : str
        File name, with or without extension: ``.png`` (default), ``.svg`` or ``.pdf``.
        A bare name, not a path.
    directory : str or path-like, optional
        Target folder (created if missing); default the folder named by the environment
        variable ``CNNBP_FIGURES_DIR`` when set, else `FIGURES_DIR`, the repository's
        ``figures/`` folder.
    dpi : int
        Resolution of PNG files.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_figure(Figure(figsize=(1, 1)), "blank", directory=folder)
    ...     path.name, path.read_bytes()[:4]
    ('blank.png', b'\\x89PNG')
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}")
    name, fmt = _file_name(name)
    directory = _default_directory() if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # Constrained layout starts from the current positions, so each draw can move things by a
    # hair. Lay the figure out once, then freeze it: every later save gives the same bytes.
    if fig.get_layout_engine() is not None and not isinstance(
        fig.get_layout_engine(), PlaceHolderLayoutEngine
    ):
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    buf = BytesIO()
    with rc_context({"svg.hashsalt": "cnnbp", "svg.fonttype": "path"}):
        fig.savefig(
            buf,
            format=fmt,
            dpi=dpi,
            metadata=_SAVE_OPTIONS[fmt],
            bbox_inches="tight",
            pad_inches=0.05,
        )
    path = directory / name
    content = buf.getvalue()
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)
    return path
