"""`make book`: execute chapters in place, storing fresh outputs (and rewriting figures/).

Each chapter runs in its own process (a hard timeout: a kernel that stalls must not hang the
build) through nbclient, with per-cell timing off and consecutive stream outputs merged, so a
re-run of an unchanged chapter changes nothing but widget model ids. (The nbconvert command
line cannot switch the merging on, and without it a kernel's flush timer splits printed text
into a different number of output blocks on every run.)
"""

import subprocess
import sys
from pathlib import Path

CELL_TIMEOUT = 600
NOTEBOOK_TIMEOUT = 1200


def execute(path):
    """Run one chapter in this process and write it back with its outputs."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(nb, path)


def run(path):
    print(f"executing {path} ...", flush=True)
    command = [sys.executable, __file__, "--one", str(path)]
    subprocess.run(command, check=True, timeout=NOTEBOOK_TIMEOUT)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        execute(Path(sys.argv[2]))
    else:
        paths = [Path(p) for p in sys.argv[1:]]
        for path in paths or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb")):
            run(path)
