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

# fault name -> (the core function it breaks, its corrupted return value), written in terms of
# the true return values (dx, dw, db; dp; dz; grads) and the backward's cache.
CONV_BACKWARD = (
    "cnnbp_core.functional.conv",
    "conv2d_backward",
    "dx, dw, db = {true}(*a, **k)\n    cache = a[1]",
)
NUMERICAL_VJP = ("cnnbp_core.gradcheck", "numerical_vjp", "grads = {true}(*a, **k)")
CONV_FORWARD = (
    "cnnbp_core.functional.conv",
    "conv2d_forward",
    "y, cache = {true}(*a, **k)\n    w, forward = np.asarray(a[1]), {true}",
)
LINEAR_BACKWARD = (
    "cnnbp_core.functional.linear",
    "linear_backward",
    "dx, dw, db = {true}(*a, **k)\n    cache = a[1]",
)
MSE_BACKWARD = (
    "cnnbp_core.functional.losses",
    "mse_backward",
    "dp = {true}(*a, **k)\n    cache = a[1]",
)
CE_BACKWARD = (
    "cnnbp_core.functional.losses",
    "softmax_cross_entropy_backward",
    "dz = {true}(*a, **k)\n    cache = a[1]",
)
FAULTS = {
    "dK scaled by 1 + 1e-4": (CONV_BACKWARD, "dx, dw * (1 + 1e-4), db"),
    "dK kernel axes flipped": (CONV_BACKWARD, "dx, dw[..., ::-1, ::-1], db"),
    "dK averaged over the batch": (CONV_BACKWARD, "dx, dw / cache.x_padded.shape[0], db"),
    "dK off only when strided": (
        CONV_BACKWARD, "dx, dw * (1 + 1e-4) if cache.stride != (1, 1) else dw, db"
    ),
    "dK off only when dilated": (
        CONV_BACKWARD, "dx, dw * (1 + 1e-4) if cache.dilation != (1, 1) else dw, db"
    ),
    "dK channel axes swapped when C_in = C_out": (
        CONV_BACKWARD, "dx, dw.transpose(1, 0, 2, 3) if dw.shape[0] == dw.shape[1] > 1 else dw, db"
    ),
    "Y scaled by 1 + 1e-4": (CONV_FORWARD, "y * (1 + 1e-4), cache"),
    "Y from the flipped kernel (a true convolution)": (
        CONV_FORWARD, "forward(a[0], w[..., ::-1, ::-1], *a[2:], **k)"
    ),
    "Y off only when strided": (
        CONV_FORWARD, "(y * (1 + 1e-4) if cache.stride != (1, 1) else y), cache"
    ),
    "Y off only when padded": (
        CONV_FORWARD, "(y * (1 + 1e-4) if cache.padding != (0, 0) else y), cache"
    ),
    "Y off only when dilated": (
        CONV_FORWARD, "(y * (1 + 1e-4) if cache.dilation != (1, 1) else y), cache"
    ),
    "Y with the kernel's channel axes swapped when C_in = C_out": (
        CONV_FORWARD,
        "forward(a[0], w.transpose(1, 0, 2, 3), *a[2:], **k) if w.shape[0] == w.shape[1] > 1 "
        "else (y, cache)",
    ),
    "dW scaled by 1 + 1e-4": (LINEAR_BACKWARD, "dx, dw * (1 + 1e-4), db"),
    "dX scaled by 1 + 1e-4": (LINEAR_BACKWARD, "dx * (1 + 1e-4), dw, db"),
    "db averaged over the batch": (
        LINEAR_BACKWARD, "dx, dw, None if db is None else db / cache.x.shape[0]"
    ),
    "dW off only in its first row": (
        LINEAR_BACKWARD, "dx, np.concatenate([dw[:1] * (1 + 1e-4), dw[1:]]), db"
    ),
    "dW transposed when in = out": (
        LINEAR_BACKWARD, "dx, dw.T if dw.shape[0] == dw.shape[1] > 1 else dw, db"
    ),
    "dX = δWᵀ when in = out": (
        LINEAR_BACKWARD,
        "np.asarray(a[0]) @ cache.w.T if cache.w.shape[0] == cache.w.shape[1] > 1 else dx, dw, db",
    ),
    "MSE gradient scaled by 1 + 1e-4": (MSE_BACKWARD, "dp * (1 + 1e-4)"),
    "MSE averaged over rows, not entries": (
        MSE_BACKWARD, "dp * cache.diff.size / cache.diff.shape[0] if cache.diff.ndim > 1 else dp"
    ),
    "CE gradient scaled by 1 + 1e-4": (CE_BACKWARD, "dz * (1 + 1e-4)"),
    "CE gradient summed, not averaged, over the batch": (CE_BACKWARD, "dz * cache.probs.shape[0]"),
    "CE gradient missing the one-hot": (
        CE_BACKWARD,
        "dz + np.eye(cache.probs.shape[1])[cache.labels] * np.asarray(a[0]) / cache.probs.shape[0]",
    ),
    "finite differences scaled by 1 + 1e-4": (NUMERICAL_VJP, "[g * (1 + 1e-4) for g in grads]"),
    "finite differences with the wrong sign": (NUMERICAL_VJP, "[-g for g in grads]"),
    "finite differences missing their largest entry": (
        NUMERICAL_VJP, "[np.where(np.abs(g) == np.abs(g).max(), 0.0, g) for g in grads]"
    ),
}  # fmt: skip
EVERYWHERE = ["dK scaled by 1 + 1e-4", "dK kernel axes flipped", "dK averaged over the batch"]
CONV_FAULTS = [name for name, (target, _) in FAULTS.items() if target is CONV_BACKWARD]
FORWARD_FAULTS = [name for name, (target, _) in FAULTS.items() if target is CONV_FORWARD]
DENSE_FAULTS = [
    name for name, (target, _) in FAULTS.items()
    if target in (LINEAR_BACKWARD, MSE_BACKWARD, CE_BACKWARD)
]  # fmt: skip
GRADCHECK_FAULTS = [name for name, (target, _) in FAULTS.items() if target is NUMERICAL_VJP]
# chapter -> (the gradients it derives, the faults its numeric checks must catch)
CHAPTERS = {
    "00_how_to_read": (["conv2d.dK"], EVERYWHERE),
    "01_chain_rule": ([], GRADCHECK_FAULTS),
    "02_dense_losses": (
        ["linear.dX", "linear.dW", "linear.db", "mse.dP", "softmax_cross_entropy.dZ"],
        DENSE_FAULTS,
    ),
    "03_conv_forward": (["conv2d.forward"], FORWARD_FAULTS),
    "04_kernel_gradient": (["conv2d.dK"], CONV_FAULTS),
}

INJECTION = """\
import importlib as _importlib
import numpy as np
import cnnbp_core.functional as _F
_module = _importlib.import_module({module!r})
_true, _fault_on = getattr(_module, {name!r}), [False]
def _faulty(*a, **k):
    if not _fault_on[0]:
        return _true(*a, **k)
    {unpack}
    return {expression}
setattr(_module, {name!r}, _faulty)
if hasattr(_F, {name!r}):
    setattr(_F, {name!r}, _faulty)
"""


def injection(fault):
    (module, name, unpack), expression = FAULTS[fault]
    return INJECTION.format(
        module=module, name=name, unpack=unpack.format(true="_true"), expression=expression
    )


def faulty_notebook(chapter, code):
    """The chapter with the fault injected, switched on in its check-numeric cells only."""
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            tagged = "check-numeric" in cell.metadata.get("tags", [])
            cell.source = f"_fault_on[0] = {tagged}\n" + cell.source
    nb.cells.insert(0, nbformat.v4.new_code_cell(code))
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
    caught = first_caught(faulty_notebook(chapter, injection(fault)), tmp_path, monkeypatch)
    assert caught is not None, f"{chapter} ran past every numeric check with '{fault}'"


@pytest.mark.slow
def test_a_fault_that_changes_nothing_lets_the_chapter_run_to_its_end(tmp_path, monkeypatch):
    nb = faulty_notebook(
        "00_how_to_read", injection("dK scaled by 1 + 1e-4").replace("(1 + 1e-4)", "1")
    )
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
