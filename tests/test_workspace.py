"""A reader's work is never lost: tools/workspace.py (`make lab`'s first step) in a real git clone.

The issue's scenario: a reader edits their copy of a chapter, pulls a change to that chapter (and
a new chapter), and `make lab` syncs the workspace: the edit is still there, the new version is
offered beside it, the new chapter is added, and the canonical notebooks are exactly upstream's,
so strict nbval passes on them.
"""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GIT = ["git", "-c", "user.name=cnnbp test", "-c", "user.email=test@example.invalid"]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def workspace_tool():
    spec = importlib.util.spec_from_file_location("workspace", ROOT / "tools/workspace.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ws = workspace_tool()


def chapter(text, code="print(1 + 1)", output="2\n"):
    """A small chapter as stored: a markdown cell and one executed code cell with its output."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    nb.cells = [nbformat.v4.new_markdown_cell(text), cell]
    return nbformat.writes(nb)


def git(repo, *args):
    return subprocess.run(
        [*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def commit(repo, files, message):
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def upstream_and_reader(tmp_path):
    """An upstream repository with two chapters and the project's .gitignore, and a clone."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    files = {
        ".gitignore": (ROOT / ".gitignore").read_text(),
        "notebooks/01_first.ipynb": chapter("# 01 · First"),
        "notebooks/02_second.ipynb": chapter("# 02 · Second"),
    }
    commit(upstream, files, "two chapters")
    reader = tmp_path / "reader"
    subprocess.run([*GIT, "clone", "-q", str(upstream), str(reader)], check=True)
    return upstream, reader


def sync(reader):
    return ws.sync(reader / "notebooks", reader / "workspace")


def test_an_edit_survives_a_pull_and_the_new_version_is_offered(upstream_and_reader):
    upstream, reader = upstream_and_reader
    assert [m.split(":")[0] for m in sync(reader)] == ["01_first.ipynb", "02_second.ipynb"]
    mine = reader / "workspace" / "01_first.ipynb"
    edited = chapter("# 01 · First", code="answer = 42  # my exercise", output="")
    mine.write_text(edited)
    assert git(reader, "status", "--porcelain") == ""  # the workspace is git-ignored

    commit(
        upstream,
        {
            "notebooks/01_first.ipynb": chapter("# 01 · First, corrected"),
            "notebooks/03_third.ipynb": chapter("# 03 · Third"),
        },
        "a fix to chapter 01, a new chapter 03",
    )
    git(reader, "pull", "-q", "--ff-only")  # no conflict: nothing of the reader's is tracked
    messages = sync(reader)

    assert mine.read_text() == edited
    offer = reader / "workspace" / "01_first.upstream.ipynb"
    assert offer.read_bytes() == (reader / "notebooks" / "01_first.ipynb").read_bytes()
    assert "First, corrected" in offer.read_text()
    assert messages[0].startswith("01_first.ipynb: changed upstream; your copy is untouched")
    assert "01_first.upstream.ipynb" in messages[0]
    assert messages[1] == "03_third.ipynb: copied into workspace/"
    assert (reader / "workspace" / "03_third.ipynb").read_bytes() == (
        reader / "notebooks" / "03_third.ipynb"
    ).read_bytes()
    # The canonical chapters are upstream's, byte for byte, and pass strict nbval.
    assert git(reader, "status", "--porcelain") == ""
    assert git(reader, "rev-parse", "HEAD") == git(upstream, "rev-parse", "HEAD")
    nbval = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "notebooks"],
        cwd=reader, capture_output=True, text=True,
    )  # fmt: skip
    assert nbval.returncode == 0, nbval.stdout[-2000:]
    assert "3 passed" in nbval.stdout  # the one code cell of each of the three chapters


def test_a_second_sync_changes_nothing_and_says_nothing(upstream_and_reader):
    _, reader = upstream_and_reader
    sync(reader)
    (reader / "workspace" / "02_second.ipynb").write_text(chapter("# 02 · mine"))
    before = {p.name: p.read_bytes() for p in (reader / "workspace").iterdir()}
    assert sync(reader) == []
    assert {p.name: p.read_bytes() for p in (reader / "workspace").iterdir()} == before


def test_a_copy_never_changed_follows_upstream(upstream_and_reader):
    upstream, reader = upstream_and_reader
    sync(reader)
    commit(upstream, {"notebooks/02_second.ipynb": chapter("# 02 · Second, v2")}, "v2")
    git(reader, "pull", "-q", "--ff-only")
    assert sync(reader) == ["02_second.ipynb: updated (you had not changed your copy)"]
    assert "v2" in (reader / "workspace" / "02_second.ipynb").read_text()
    assert not (reader / "workspace" / "02_second.upstream.ipynb").exists()


def test_taking_or_declining_an_offer_ends_it_until_upstream_changes_again(upstream_and_reader):
    upstream, reader = upstream_and_reader
    sync(reader)
    space = reader / "workspace"
    for name in ("01_first.ipynb", "02_second.ipynb"):
        (space / name).write_text(chapter(f"# {name}: my notes"))
    commit(
        upstream,
        {f"notebooks/{n}": chapter(f"# {n} v2") for n in ("01_first.ipynb", "02_second.ipynb")},
        "v2 of both",
    )
    git(reader, "pull", "-q", "--ff-only")
    assert len(sync(reader)) == 2
    (space / "01_first.upstream.ipynb").replace(space / "01_first.ipynb")  # taken
    (space / "02_second.upstream.ipynb").unlink()  # declined
    assert sync(reader) == []
    assert "v2" in (space / "01_first.ipynb").read_text()
    assert "my notes" in (space / "02_second.ipynb").read_text()
    assert sorted(p.name for p in space.glob("*.ipynb")) == ["01_first.ipynb", "02_second.ipynb"]

    commit(upstream, {"notebooks/02_second.ipynb": chapter("# 02 v3")}, "v3")
    git(reader, "pull", "-q", "--ff-only")
    assert [m.split(":")[0] for m in sync(reader)] == ["02_second.ipynb"]
    assert "v3" in (space / "02_second.upstream.ipynb").read_text()
    assert "my notes" in (space / "02_second.ipynb").read_text()


def test_an_offer_left_in_place_is_repeated_not_rewritten(upstream_and_reader):
    upstream, reader = upstream_and_reader
    sync(reader)
    space = reader / "workspace"
    (space / "01_first.ipynb").write_text(chapter("# 01: my notes"))
    commit(upstream, {"notebooks/01_first.ipynb": chapter("# 01 v2")}, "v2")
    git(reader, "pull", "-q", "--ff-only")
    first = sync(reader)
    (space / "01_first.upstream.ipynb").write_text(chapter("# 01 v2, my notes on the offer"))
    assert sync(reader) == first  # still offered, and the reader's notes on it are kept
    assert "my notes on the offer" in (space / "01_first.upstream.ipynb").read_text()


def test_a_deleted_copy_comes_back_fresh(upstream_and_reader):
    _, reader = upstream_and_reader
    sync(reader)
    copy = reader / "workspace" / "01_first.ipynb"
    copy.write_text(chapter("# 01: a mess"))
    copy.unlink()
    assert sync(reader) == ["01_first.ipynb: copied into workspace/"]
    assert copy.read_bytes() == (reader / "notebooks" / "01_first.ipynb").read_bytes()


def test_make_lab_syncs_first_then_serves_the_workspace_on_loopback_with_a_token():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "lab", "STAMP=Makefile"], cwd=ROOT, capture_output=True, text=True
    )
    lines = done.stdout.splitlines()
    sync_at = next(i for i, line in enumerate(lines) if "tools/workspace.py sync" in line)
    lab = next(line for line in lines if "jupyter lab" in line or "--ServerApp" in line)
    command = " ".join(lines[sync_at + 1 :])
    assert lines.index(lab) > sync_at
    assert "--ServerApp.ip=127.0.0.1" in command
    assert "--ServerApp.root_dir=workspace" in command
    assert "CNNBP_FIGURES_DIR=" in command and "workspace/figures" in command
    assert "token" not in command.lower()  # Jupyter's own random token stays on
