"""`make book`: execute chapters in place, storing fresh outputs (and rewriting figures/).

Uses nbconvert with per-cell timing switched off, so a re-run of an unchanged chapter changes
nothing but widget model ids. Each run is wrapped in a hard timeout: a kernel that stalls must
not hang the build.
"""

import subprocess
import sys
from pathlib import Path

CELL_TIMEOUT = 600
NOTEBOOK_TIMEOUT = 1200


def run(path):
    command = [
        sys.executable, "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook", "--inplace",
        f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}",
        "--ExecutePreprocessor.record_timing=False",
        "--ExecutePreprocessor.kernel_name=python3",
        str(path),
    ]  # fmt: skip
    print(f"executing {path} ...", flush=True)
    subprocess.run(command, check=True, timeout=NOTEBOOK_TIMEOUT)


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        run(path)
