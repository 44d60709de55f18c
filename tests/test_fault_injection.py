"""The book's checks bite: break the core's backward a little and the chapter must fail.

For every chapter whose metadata says it derives a gradient (``"derives": ["conv2d.dK"]``),
each fault of that gradient is injected into the running kernel before the chapter's first
cell, by replacing the core's backward with a wrapper that corrupts one output. The chapter is
then executed top to bottom; it must stop with an ``AssertionError`` (a failed check row or
assert), not run to the end and not fail for any other reason. The faults are small on purpose:
a relative error of 1e-4, a flipped kernel, a batch averaged instead of summed.

figures/ is restored after each run, so a faulty run can never leave a damaged figure behind.
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# topic -> {fault name: expression of the corrupted gradient, in terms of dx, dw, db, cache}
FAULTS = {
    "conv2d.dK": {
        "dK scaled by 1 + 1e-4": "dx, dw * (1 + 1e-4), db",
        "dK kernel axes flipped": "dx, dw[..., ::-1, ::-1], db",
        "dK averaged over the batch": "dx, dw / cache.x_padded.shape[0], db",
    },
}
BACKWARD = {"conv2d.dK": ("cnnbp_core.functional.conv", "conv2d_backward")}

INJECTION = """\
import importlib as _importlib
import cnnbp_core.functional as _F
_module = _importlib.import_module({module!r})
_true = getattr(_module, {name!r})
def _faulty(dout, cache):
    dx, dw, db = _true(dout, cache)
    return {expression}
setattr(_module, {name!r}, _faulty)
setattr(_F, {name!r}, _faulty)
"""


def cases():
    for path in NOTEBOOKS:
        meta = json.loads(path.read_text())["metadata"].get("cnnbp", {})
        for topic in meta.get("derives", []):
            for fault in FAULTS[topic]:
                yield pytest.param(path, topic, fault, id=f"{path.stem}: {fault}")


@pytest.fixture
def figures_restored(tmp_path):
    saved = tmp_path / "figures"
    shutil.copytree(ROOT / "figures", saved)
    yield
    shutil.rmtree(ROOT / "figures")
    shutil.copytree(saved, ROOT / "figures")


@pytest.mark.slow
@pytest.mark.parametrize(("path", "topic", "fault"), list(cases()))
def test_chapter_fails_when_its_gradient_is_wrong(path, topic, fault, figures_restored):
    module, name = BACKWARD[topic]
    code = INJECTION.format(module=module, name=name, expression=FAULTS[topic][fault])
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(code))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with pytest.raises(CellExecutionError) as failure:
        client.execute()
    assert failure.value.ename == "AssertionError", (
        f"{path.name} with '{fault}' failed for another reason: {failure.value.ename}"
    )


def test_every_topic_a_chapter_derives_has_faults():
    for path in NOTEBOOKS:
        for topic in json.loads(path.read_text())["metadata"].get("cnnbp", {}).get("derives", []):
            assert topic in FAULTS, f"{path.name} derives {topic}, which has no faults to inject"
