"""The book's checks bite: break the core's backward a little and the chapter's checks must fail.

Each fault replaces the core's backward, inside the chapter's kernel, with a wrapper that
corrupts one output slightly (a relative error of 1e-4, a flipped kernel, a batch averaged
instead of summed, or an error only when the layer is strided, dilated, or has as many input as
output channels). The wrapper is switched on only while a cell tagged ``check-numeric`` runs, so
every other cell runs with the true backward and must not fail; the fault must make one of the
tagged cells stop with an ``AssertionError``. So the test shows that the chapter's *numeric
checks themselves* bite, not that some earlier cell happened to notice. A control run with a
fault that changes nothing must run the chapter to its end.

Which faults each chapter must catch is listed here, not in the notebook, so a chapter cannot
excuse itself by editing its own metadata; the contract test holds the metadata to this list.
Figures from faulty runs go to a temporary folder (``CNNBP_FIGURES_DIR``), never to figures/.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

# fault name -> the corrupted return value of conv2d_backward, in terms of dx, dw, db and cache
FAULTS = {
    "dK scaled by 1 + 1e-4": "dx, dw * (1 + 1e-4), db",
    "dK kernel axes flipped": "dx, dw[..., ::-1, ::-1], db",
    "dK averaged over the batch": "dx, dw / cache.x_padded.shape[0], db",
    "dK off only when strided": "dx, dw * (1 + 1e-4) if cache.stride != (1, 1) else dw, db",
    "dK off only when dilated": "dx, dw * (1 + 1e-4) if cache.dilation != (1, 1) else dw, db",
    "dK channel axes swapped when C_in = C_out": (
        "dx, dw.transpose(1, 0, 2, 3) if dw.shape[0] == dw.shape[1] > 1 else dw, db"
    ),
}
EVERYWHERE = ["dK scaled by 1 + 1e-4", "dK kernel axes flipped", "dK averaged over the batch"]
# chapter -> (the gradients it derives, the faults its numeric checks must catch)
CHAPTERS = {
    "00_how_to_read": (["conv2d.dK"], EVERYWHERE),
    "04_kernel_gradient": (["conv2d.dK"], list(FAULTS)),
}

INJECTION = """\
import cnnbp_core.functional as _F
import cnnbp_core.functional.conv as _conv
_true, _fault_on = _conv.conv2d_backward, [False]
def _faulty(dout, cache):
    dx, dw, db = _true(dout, cache)
    return ({expression}) if _fault_on[0] else (dx, dw, db)
_F.conv2d_backward = _conv.conv2d_backward = _faulty
"""


def faulty_notebook(chapter, expression):
    """The chapter with the fault injected, switched on in its check-numeric cells only."""
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            tagged = "check-numeric" in cell.metadata.get("tags", [])
            cell.source = f"_fault_on[0] = {tagged}\n" + cell.source
    nb.cells.insert(0, nbformat.v4.new_code_cell(INJECTION.format(expression=expression)))
    return nb


def first_caught(nb, tmp_path, monkeypatch):
    """Run cell by cell; the index of the first check-numeric cell that fails, else None.

    Any other failure (an untagged cell, which runs with the true backward, or a tagged cell
    failing with anything but an AssertionError) fails the test.
    """
    monkeypatch.setenv("CNNBP_FIGURES_DIR", str(tmp_path))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )  # fmt: skip
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if not errors:
                continue
            tagged = "check-numeric" in cell.metadata.get("tags", [])
            assert tagged and errors[0].ename == "AssertionError", (
                f"cell {index} failed with {errors[0].ename} (tagged check-numeric: {tagged})"
            )
            return index
    return None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("chapter", "fault"),
    [(chapter, fault) for chapter, (_, faults) in CHAPTERS.items() for fault in faults],
)
def test_a_numeric_check_of_the_chapter_fails_when_its_gradient_is_wrong(
    chapter, fault, tmp_path, monkeypatch
):
    caught = first_caught(faulty_notebook(chapter, FAULTS[fault]), tmp_path, monkeypatch)
    assert caught is not None, f"{chapter} ran past every numeric check with '{fault}'"


@pytest.mark.slow
def test_a_fault_that_changes_nothing_lets_the_chapter_run_to_its_end(tmp_path, monkeypatch):
    nb = faulty_notebook("00_how_to_read", "dx, dw, db")
    assert first_caught(nb, tmp_path, monkeypatch) is None
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]
    assert not (ROOT / "figures" / "unused").exists()  # nothing written outside tmp_path
    assert any(tmp_path.iterdir()), "the chapter's figures went to CNNBP_FIGURES_DIR"


def test_every_chapter_that_derives_a_gradient_is_listed():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        derives = nbformat.read(path, as_version=4).metadata.get("cnnbp", {}).get("derives", [])
        listed = CHAPTERS.get(path.stem, ([], []))[0]
        assert derives == listed, f"{path.name} derives {derives}; this test lists {listed}"
