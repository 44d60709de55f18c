"""The offline site's vendored assets: fetch them again, pinned and verified, or check them.

`tools/site/assets.json` names every vendored file: the npm package and version it comes from
(its registry tarball and the tarball's npm integrity hash), where it goes under
`tools/site/assets/`, and its SHA-256. The files are committed, so `make site` needs no network;
this script makes them reproducible:

    python tools/fetch_site_assets.py           # fetch from the npm registry, verify, write
    python tools/fetch_site_assets.py --check   # verify the committed copies (no network)
    python tools/fetch_site_assets.py --pin     # after changing a version: record the new hashes

A fetch fails, writing nothing, if a tarball's integrity or a file's SHA-256 differs from the
manifest. One file is not on npm: html-manager's licence, which is ipywidgets' (the npm package
ships none); it is copied from the pinned ipywidgets installed in the venv.
"""

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from importlib import metadata
from pathlib import Path

SITE = Path(__file__).resolve().parent / "site"
MANIFEST = SITE / "assets.json"
ASSETS = SITE / "assets"
OWN = "cnnbp"  # assets/cnnbp/ holds the project's own files, not vendored ones


def sha256(data):
    """Hex SHA-256 of ``data`` (bytes).

    Examples
    --------
    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def check_integrity(data, integrity):
    """Raise ValueError unless ``data`` matches the npm ``integrity`` string (``sha512-<base64>``).

    Examples
    --------
    >>> check_integrity(b"x", "sha512-" + base64.b64encode(hashlib.sha512(b"x").digest()).decode())
    >>> check_integrity(b"y", "sha512-AAAA")
    Traceback (most recent call last):
    ...
    ValueError: tarball integrity: expected sha512-AAAA, got sha512-...
    """
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise ValueError(f"integrity: expected a sha512-... string, got {integrity!r}")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != expected:
        raise ValueError(f"tarball integrity: expected {integrity}, got sha512-{got[:16]}...")


def package_files(package):
    """The bytes of each of ``package``'s files, by destination, from npm or the venv."""
    if "python_dist" in package:
        dist = metadata.distribution(package["python_dist"])
        if dist.version != package["version"]:
            raise ValueError(
                f"{package['python_dist']}: the venv has {dist.version}, the manifest pins "
                f"{package['version']}"
            )
        # The licence is in the distribution's metadata folder, NAME-VERSION.dist-info/.
        found = {p.as_posix().split(".dist-info/", 1)[-1]: p for p in dist.files}
        return {f["to"]: found[f["from"]].locate().read_bytes() for f in package["files"]}
    print(f"fetching {package['tarball']}", flush=True)
    with urllib.request.urlopen(package["tarball"], timeout=120) as response:
        data = response.read()
    check_integrity(data, package["integrity"])
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {f["to"]: tar.extractfile(f["from"]).read() for f in package["files"]}


def fetch(manifest, pin=False):
    """Fetch every file, verify it and write it under ASSETS; with ``pin``, record new hashes."""
    fetched = {}
    for package in manifest["packages"]:
        for f, (to, data) in zip(package["files"], package_files(package).items()):
            if pin:
                f["sha256"] = sha256(data)
            elif f.get("sha256") != sha256(data):
                raise ValueError(
                    f"{to}: SHA-256 {sha256(data)} differs from the manifest's "
                    f"{f.get('sha256')} (a changed version needs --pin)"
                )
            fetched[to] = data
    for to, data in fetched.items():
        (ASSETS / to).parent.mkdir(parents=True, exist_ok=True)
        (ASSETS / to).write_bytes(data)
    if pin:
        MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return sorted(fetched)


def check(manifest, assets=ASSETS):
    """Problems with the assets in ``assets``: missing, changed or unlisted files (no network)."""
    listed = {f["to"]: f.get("sha256") for p in manifest["packages"] for f in p["files"]}
    problems = []
    for to, expected in sorted(listed.items()):
        path = assets / to
        if not path.is_file():
            problems.append(f"{to}: missing")
        elif sha256(path.read_bytes()) != expected:
            problems.append(f"{to}: SHA-256 differs from the manifest")
    for path in sorted(assets.rglob("*")):
        name = path.relative_to(assets).as_posix()
        if path.is_file() and name not in listed and not name.startswith(f"{OWN}/"):
            problems.append(f"{name}: not in the manifest")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify the committed copies")
    mode.add_argument("--pin", action="store_true", help="fetch and record new SHA-256s")
    args = parser.parse_args(argv)
    manifest = json.loads(MANIFEST.read_text())
    if args.check:
        problems = check(manifest)
        print("\n".join(problems) or f"{MANIFEST.name}: every asset present and verified")
        return 1 if problems else 0
    for name in fetch(manifest, pin=args.pin):
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
