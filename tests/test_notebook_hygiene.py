"""Guards strict nbval cannot give: it silently passes cells that were never executed.

Every committed chapter must have every code cell executed, in order, with no stored error;
only cells that display widgets may ignore their output.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ALLOWED_TAGS = {"nbval-ignore-output", "raises-exception", "check-symbolic", "check-numeric"}


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_ran_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path) if "".join(c["source"]).strip()]
    assert None not in counts, (
        f"{path.name}: unexecuted code cells at {[i for i, n in enumerate(counts) if n is None]}"
    )
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_errors_unless_meant(path):
    for i, cell in enumerate(code_cells(path)):
        meant = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert bool(errors) == meant, (
            f"{path.name} code cell {i}: stored error={bool(errors)}, "
            f"tagged raises-exception={meant}"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_widget_cells_ignore_output(path):
    for i, cell in enumerate(code_cells(path)):
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert tags <= ALLOWED_TAGS, (
            f"{path.name} code cell {i}: unexpected tags {tags - ALLOWED_TAGS}"
        )
        if "nbval-ignore-output" in tags:
            has_widget = any(WIDGET_MIME in o.get("data", {}) for o in cell["outputs"])
            assert has_widget, (
                f"{path.name} code cell {i}: nbval-ignore-output on a cell without a widget"
            )
        assert "NBVAL_IGNORE_OUTPUT" not in "".join(cell["source"]) and "NBVAL_SKIP" not in "".join(
            cell["source"]
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_machine_paths_in_outputs(path):
    text = path.read_text()
    found = re.findall(r"(?:/work/|/root/|/home/\w+|/tmp/)[\w./-]*", text)
    assert not found, f"{path.name} stores machine paths: {sorted(set(found))[:5]}"
