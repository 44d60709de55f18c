"""Fail early, with a clear message, on a Python the pinned lock does not cover."""

import sys

if not ((3, 10) <= sys.version_info[:2] <= (3, 13)):
    found = ".".join(map(str, sys.version_info[:3]))
    sys.exit(
        f"error: cnnbp needs Python 3.10 to 3.13; found {found}. Try: make PYTHON=python3.12 ..."
    )
