"""Fail when running the notebooks changed figures/: committed figures are what the code makes.

``python tools/figures_guard.py snapshot`` records a hash of every file in figures/;
``python tools/figures_guard.py check`` compares with that record and exits 1 on any change.
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
RECORD = ROOT / ".figures_snapshot.json"


def hashes():
    return {
        p.relative_to(FIGURES).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(FIGURES.rglob("*"))
        if p.is_file() and p.name != ".gitkeep"
    }


def main(command):
    if command == "snapshot":
        RECORD.write_text(json.dumps(hashes(), indent=1))
        return 0
    before, after = json.loads(RECORD.read_text()), hashes()
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    for label, names in (("changed", changed), ("new", added), ("deleted", removed)):
        for name in names:
            print(f"figures/{name}: {label} by executing the notebooks")
    if changed or added or removed:
        print("Committed figures must be what the code makes: run `make book` and commit figures/.")
        return 1
    print(f"figures/: {len(after)} files unchanged by executing the notebooks")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in {"snapshot", "check"}:
        sys.exit("usage: figures_guard.py snapshot|check")
    sys.exit(main(sys.argv[1]))
