"""Fail early, with a clear message, on a Python the pinned lock does not cover.

``python tools/check_python.py`` exits 1 naming the supported versions when the running Python
is not one of them; ``python tools/check_python.py --list`` prints them ("3.11 3.12 ..."), the
one list `make check-wheels` and CI read. tests/test_pins.py keeps it equal to pyproject.toml's
``requires-python``. Kept to syntax every Python 3 parses, so an old one gets the message.
"""

import sys

# Every CPython upstream still supports that the pinned packages have wheels for.
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14))


def dotted(version):
    return ".".join(str(part) for part in version)


def main(argv):
    if argv == ["--list"]:
        print(" ".join(dotted(v) for v in SUPPORTED))
        return 0
    if tuple(sys.version_info[:2]) in SUPPORTED:
        return 0
    names = ", ".join(dotted(v) for v in SUPPORTED)
    found = dotted(sys.version_info[:3])
    sys.stderr.write(
        "error: cnnbp supports Python " + names + "; found " + found + ".\n"
        "       Use one of them, e.g. make PYTHON=python" + dotted(SUPPORTED[-1]) + " ...\n"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
