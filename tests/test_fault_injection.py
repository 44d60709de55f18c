"""The book's checks bite: break the core's backward a little and the chapter's checks must fail.

Each fault replaces the core's backward, inside the chapter's kernel, with a wrapper that
corrupts one output slightly (a relative error of 1e-4, a flipped kernel, a batch averaged
instead of summed, or an error only when the layer is strided, dilated, or has as many input as
output channels). The fault is switched on only while a cell tagged ``check-numeric`` runs, and
it must make one of the tagged cells stop with an ``AssertionError``. So the test shows that the
chapter's *numeric checks themselves* bite, not that some earlier cell happened to notice.

One kernel per chapter, so its costly cells run once and not once per fault: the chapter runs
with the true backward, every fault's wrapper installed and off; before each ``check-numeric``
cell, that cell's code is run once per fault not yet caught, each time in a forked copy of the
kernel (``os.fork``: the same variables, the same random state) with that fault on. A copy's
prints and displays go nowhere and it ends with the cell, so the chapter goes on in exactly the
state a reader's run reaches. Every cell must run without error with the faults off; under a
fault a tagged cell may fail only with an ``AssertionError``; and a control, the tagged cell run
in a copy with no fault on, must pass, so a copy cannot "catch" a fault by failing on its own.
Chapter 00 also runs to its end. Without ``os.fork`` (Windows) each fault gets a kernel of its
own, on in every tagged cell of that run.

Which faults each chapter must catch is listed here, not in the notebook, so a chapter cannot
excuse itself by editing its own metadata; the contract test holds the metadata to this list.
Figures from these runs go to a temporary folder (``CNNBP_FIGURES_DIR``), never to figures/.
"""

import json
import os
from dataclasses import dataclass, field
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
    "Y without its bias": (
        CONV_FORWARD, "forward(a[0], w, None, *a[3:], **k) if len(a) > 2 and a[2] is not None "
        "else (y, cache)"
    ),
    "Y from the kernel transposed when KH != KW": (
        CONV_FORWARD,
        "forward(a[0], w.swapaxes(2, 3), *a[2:], **k) if w.shape[2] != w.shape[3] else (y, cache)",
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

SWITCH = """\
import importlib as _importlib
import numpy as np
import cnnbp_core.functional as _F
_fault = [None]  # the name of the fault that is on; None: every wrapped function is true
"""
WRAPPER = """\
_module = _importlib.import_module({module!r})
_true_{n} = getattr(_module, {name!r})
def _faulty_{n}(*a, **k):
{branches}    return _true_{n}(*a, **k)
setattr(_module, {name!r}, _faulty_{n})
if hasattr(_F, {name!r}):
    setattr(_F, {name!r}, _faulty_{n})
"""
BRANCH = """\
    if _fault[0] == {fault!r}:
        {unpack}
        return {expression}
"""
# Runs in the kernel: a cell's code tried with each fault on, each in a forked copy of the kernel
# (or in place, for a kernel that runs one fault only).
TRIALS = """\
import io as _io, os as _os, select as _select, signal as _signal, sys as _sys, warnings as _w
def _fault_trials(source, faults, timeout, fork):
    shell = get_ipython()
    code = compile(shell.transform_cell(source), "<check-numeric cell>", "exec")
    return {f: (_fault_trial if fork else _fault_in_place)(shell, code, f, timeout) for f in faults}
def _fault_in_place(shell, code, fault, timeout=None):
    _fault[0] = fault
    try:
        exec(code, shell.user_ns)
        return "passed"
    except AssertionError:
        return "AssertionError"
    except BaseException as error:
        return f"{type(error).__name__}: {str(error)[:300]}"
    finally:
        _fault[0] = None
def _fault_trial(shell, code, fault, timeout):
    read, write = _os.pipe()
    with _w.catch_warnings():
        _w.simplefilter("ignore", DeprecationWarning)  # Python 3.12+ on forking with threads
        pid = _os.fork()
    if pid == 0:  # the copy: nothing it prints or shows reaches the front end
        _os.close(read)
        _sys.stdout = _sys.stderr = _io.StringIO()
        shell.display_pub.publish = lambda *a, **k: None
        _os.write(write, _fault_in_place(shell, code, fault).encode())
        _os._exit(0)
    _os.close(write)
    if _select.select([read], [], [], timeout)[0]:
        outcome = _os.read(read, 200).decode() or "no answer (the copy died)"
    else:
        _os.kill(pid, _signal.SIGKILL)
        outcome = f"no answer within {timeout} s"
    _os.close(read)
    _os.waitpid(pid, 0)
    return outcome
"""
TRIAL_TIMEOUT = 300
CAN_FORK = hasattr(os, "fork")


def injection(faults):
    """Kernel code installing every fault in ``faults`` at once, all off, and the trials."""
    targets = {}
    for fault in faults:
        target, expression = FAULTS[fault]
        targets.setdefault(target, []).append((fault, expression))
    code = [SWITCH]
    for n, ((module, name, unpack), branches) in enumerate(targets.items()):
        lines = [line.strip() for line in unpack.format(true=f"_true_{n}").splitlines()]
        body = "".join(
            BRANCH.format(fault=f, unpack="\n        ".join(lines), expression=e)
            for f, e in branches
        )
        code.append(WRAPPER.format(module=module, name=name, n=n, branches=body))
    return "".join(code) + TRIALS


@dataclass
class Outcome:
    """A chapter's run: for each fault, the check-numeric cell that caught it first (or None)."""

    caught: dict
    problems: list = field(default_factory=list)  # anything that fails every test of the chapter
    ran_to_end: bool = False


def execute(client, cell, index):
    """Execute one cell; the error it raised, as (name, value), or None."""
    client.execute_cell(cell, index)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else None


def run_code(client, code):
    """Execute code that is not part of the notebook; the cell it ran in, and its error."""
    cell = nbformat.v4.new_code_cell(code)
    client.nb.cells.append(cell)  # nbclient stores each executed cell at its index
    try:
        return cell, execute(client, cell, len(client.nb.cells) - 1)
    finally:
        client.nb.cells.pop()


def trials(client, source, faults, fork):
    """The cell's code run once per fault (None: the control); what each raised, or 'passed'."""
    call = f"_fault_trials({source!r}, {faults!r}, {TRIAL_TIMEOUT}, {fork})"
    cell, error = run_code(client, f"import json as _json\nprint(_json.dumps({call}))")
    assert error is None, f"the fault trials failed: {error}"
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    return dict(zip(faults, json.loads(text.strip().splitlines()[-1]).values()))


def run_chapter(chapter, faults, figures_dir, *, fork=CAN_FORK, to_end=False):
    """Run the chapter once, trying ``faults`` on each check-numeric cell; return an Outcome."""
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    outcome = Outcome(caught=dict.fromkeys(faults))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNNBP_FIGURES_DIR", str(figures_dir))
        with client.setup_kernel():
            error = run_code(client, injection(faults))[1]
            assert error is None, f"installing the faults failed: {error}"
            for index, cell in enumerate(nb.cells):
                pending = [f for f, at in outcome.caught.items() if at is None]
                if not (pending or to_end):
                    return outcome
                if cell.cell_type != "code":
                    continue
                if "check-numeric" in cell.metadata.get("tags", []) and pending:
                    tried = trials(client, cell.source, [*pending, None], fork)
                    for fault, result in tried.items():
                        if fault is not None and result == "AssertionError":
                            outcome.caught[fault] = index
                        elif result != "passed":
                            outcome.problems.append(
                                f"cell {index} (check-numeric) with {fault or 'no fault'} on "
                                f"failed with {result}, not an AssertionError"
                            )
                error = execute(client, cell, index)
                if error:
                    outcome.problems.append(f"cell {index} failed with every fault off: {error}")
                    return outcome
    outcome.ran_to_end = True
    return outcome


def run_each_fault_alone(chapter, faults, figures_dir, to_end):
    """Without os.fork: a kernel per fault, the fault on in every tagged cell of its run."""
    runs = [run_chapter(chapter, [f], figures_dir, fork=False) for f in faults]
    outcome = Outcome({f: run.caught[f] for f, run in zip(faults, runs)})
    outcome.problems = [p for run in runs for p in run.problems]
    if to_end:
        outcome.ran_to_end = run_chapter(chapter, [], figures_dir, to_end=True).ran_to_end
    return outcome


@pytest.fixture(scope="module")
def chapter_outcome(tmp_path_factory):
    """Each chapter's Outcome and figures folder, computed on first use."""
    outcomes = {}

    def get(chapter):
        if chapter not in outcomes:
            faults, to_end = CHAPTERS[chapter][1], chapter == "00_how_to_read"
            figures = tmp_path_factory.mktemp(f"figures-{chapter}")
            if CAN_FORK:
                outcome = run_chapter(chapter, faults, figures, to_end=to_end)
            else:
                outcome = run_each_fault_alone(chapter, faults, figures, to_end)
            outcomes[chapter] = (outcome, figures)
        return outcomes[chapter]

    return get


@pytest.mark.slow
@pytest.mark.parametrize(
    ("chapter", "fault"),
    [(chapter, fault) for chapter, (_, faults) in CHAPTERS.items() for fault in faults],
)
def test_a_numeric_check_of_the_chapter_fails_when_its_gradient_is_wrong(
    chapter, fault, chapter_outcome
):
    outcome, _ = chapter_outcome(chapter)
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.caught[fault] is not None, (
        f"{chapter} ran past every numeric check with '{fault}'"
    )


@pytest.mark.slow
def test_with_every_fault_off_the_chapter_runs_to_its_end(chapter_outcome):
    outcome, figures = chapter_outcome("00_how_to_read")
    assert not outcome.problems, "\n".join(outcome.problems)
    assert outcome.ran_to_end
    assert not (ROOT / "figures" / "unused").exists()  # nothing written outside tmp_path
    assert any(figures.iterdir()), "the chapter's figures went to CNNBP_FIGURES_DIR"


@pytest.mark.slow
@pytest.mark.parametrize("fork", [True, False] if CAN_FORK else [False])
def test_a_fault_caught_in_a_copy_is_caught_in_place_and_no_fault_passes(fork, tmp_path):
    """The trial machinery itself, on a tiny notebook: a check that sees the fault fails with an
    AssertionError, the control passes, and the kernel's own state is left as it was."""
    nb = nbformat.v4.new_notebook()
    check = (
        "y = F.conv2d_backward(d, cache)[1]\nassert np.allclose(y, w_true), 'dK wrong'\ncount += 1"
    )
    setup = (
        "import numpy as np\nfrom cnnbp_core import functional as F\ncount = 0\n"
        "x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))\n"
        "out, cache = F.conv2d_forward(x, w)\nd = np.ones_like(out)\n"
        "w_true = F.conv2d_backward(d, cache)[1]"
    )
    nb.cells = [nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(check)]
    nb.cells[1].metadata["tags"] = ["check-numeric"]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True)
    with client.setup_kernel():
        assert run_code(client, injection(CONV_FAULTS))[1] is None
        assert execute(client, nb.cells[0], 0) is None
        faults = ["dK scaled by 1 + 1e-4", "dK off only when strided", None]
        tried = trials(client, nb.cells[1].source, faults, fork)
        assert tried == dict(zip(faults, ["AssertionError", "passed", "passed"]))
        probe, _ = run_code(client, "print(count, _fault[0])")
    expected = "0 None" if fork else "2 None"  # a copy's work never reaches the kernel
    assert probe.outputs[0]["text"].strip() == expected


def test_every_chapter_that_derives_a_gradient_is_listed():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        derives = nbformat.read(path, as_version=4).metadata.get("cnnbp", {}).get("derives", [])
        listed = CHAPTERS.get(path.stem, ([], []))[0]
        assert derives == listed, f"{path.name} derives {derives}; this test lists {listed}"
