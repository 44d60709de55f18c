"""A reader's own copies of the chapters: `make lab`'s first step.

``python tools/workspace.py sync [--notebooks DIR] [--workspace DIR]`` brings the workspace
(default ``workspace/``, git-ignored) up to date with the chapters in ``notebooks/``, never
losing what a reader wrote:

- a chapter with no copy yet (new upstream, first use, or a copy the reader deleted to start
  again) is copied in;
- a copy the reader never changed follows upstream: it is replaced by the new version;
- a copy the reader changed is never overwritten: a new upstream version is written beside it
  as ``NN_slug.upstream.ipynb`` and a line says so. Renaming that file over the copy takes it;
  deleting it declines it (until upstream changes again).

What each copy was made from is kept in ``workspace/.upstream.json`` (a sha256 per chapter).
The canonical ``notebooks/`` are only read, so ``make test`` and the site always see them as
committed. The chapters' saved figures go to ``workspace/figures`` (`make lab` sets
``CNNBP_FIGURES_DIR``); their data comes from the installed package.
"""

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ".upstream.json"
OFFER_SUFFIX = ".upstream.ipynb"


def digest(path):
    """The sha256 of a file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def chapters(notebooks):
    """The canonical chapters, NN_slug.ipynb, in order."""
    return sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))


def load_record(workspace):
    path = Path(workspace) / RECORD
    return json.loads(path.read_text()) if path.is_file() else {}


def save_record(workspace, record):
    (Path(workspace) / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def sync_chapter(source, workspace, entry):
    """Bring one chapter's copy up to date; return (the new record entry, a message or None).

    ``entry`` holds what the copy was made from ("base") and the version last offered beside
    it ("offered"), both sha256 digests.
    """
    copy = Path(workspace) / source.name
    offer = copy.with_name(copy.stem + OFFER_SUFFIX)
    upstream = digest(source)
    if not copy.exists():
        shutil.copyfile(source, copy)
        return {"base": upstream}, f"{copy.name}: copied into {Path(workspace).name}/"
    mine = digest(copy)
    if upstream == entry.get("base"):
        return entry, None
    if mine == upstream:  # the reader took the new version (or made the same change)
        offer.unlink(missing_ok=True)
        return {"base": upstream}, None
    if mine == entry.get("base"):  # never changed by the reader: nothing of theirs to keep
        shutil.copyfile(source, copy)
        offer.unlink(missing_ok=True)
        return {"base": upstream}, f"{copy.name}: updated (you had not changed your copy)"
    if entry.get("offered") == upstream and not offer.exists():  # declined
        return {"base": upstream}, None
    if entry.get("offered") != upstream or not offer.exists():
        shutil.copyfile(source, offer)
    message = (
        f"{copy.name}: changed upstream; your copy is untouched and the new version is "
        f"{offer.name} beside it (rename it over your copy to take it, delete it to keep yours)"
    )
    return {"base": entry.get("base"), "offered": upstream}, message


def sync(notebooks, workspace):
    """Bring every chapter's copy in ``workspace`` up to date; return the messages, in order."""
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    record, messages = load_record(workspace), []
    for source in chapters(notebooks):
        record[source.name], message = sync_chapter(source, workspace, record.get(source.name, {}))
        if message:
            messages.append(message)
    save_record(workspace, record)
    return messages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["sync"])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--workspace", type=Path, default=ROOT / "workspace")
    args = parser.parse_args(argv)
    for message in sync(args.notebooks, args.workspace):
        print(message)
    print(f"Your copies of the chapters are in {args.workspace}/ (git-ignored; yours to edit).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
