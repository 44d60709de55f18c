"""Which supported Pythons this machine has: a line "VERSION EXECUTABLE" or "VERSION -" each.

``python tools/pythons.py`` looks for each version of tools/check_python.py's SUPPORTED as
``pythonX.Y`` on PATH, then among pyenv's installs ($PYENV_ROOT or ~/.pyenv), and keeps the first
candidate that runs and reports that version (a pyenv shim of a version that is not selected
fails, so it is skipped). `make test-pythons` reads the lines.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_python import SUPPORTED, dotted  # noqa: E402 - a sibling script, not a package


def candidates(version, path=None, pyenv_root=None):
    """Executables that may be Python ``version`` ("3.12"), most likely first."""
    name = f"python{version}"
    found = [shutil.which(name, path=path)]
    root = Path(pyenv_root or os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installs = sorted(
        root.glob(f"versions/{version}.*/bin/{name}"),
        key=lambda p: [int(part) for part in p.parts[-3].split(".") if part.isdigit()],
        reverse=True,
    )
    return [str(p) for p in found + installs if p]


def reports(executable, version):
    """Whether ``executable`` runs and is Python ``version``."""
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        done = subprocess.run([executable, "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find(version, path=None, pyenv_root=None):
    """The first working executable of Python ``version``, or None."""
    for executable in candidates(version, path, pyenv_root):
        if reports(executable, version):
            return executable
    return None


def main():
    for version in map(dotted, SUPPORTED):
        print(version, find(version) or "-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
