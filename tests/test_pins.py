"""pyproject.toml, requirements.lock and environment.yml agree on every direct dependency."""

import importlib.util
import io
import re
from pathlib import Path
from types import SimpleNamespace

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def check_python():
    spec = importlib.util.spec_from_file_location("check_python", ROOT / "tools/check_python.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def supported_pythons():
    """tools/check_python.py's SUPPORTED: the versions `make`, check-wheels and CI accept."""
    return check_python().SUPPORTED


def pyproject_pins():
    text = (ROOT / "pyproject.toml").read_text()
    pins = {}
    for block in re.findall(r"(?ms)^(?:dependencies|test) = \[(.*?)^\]", text):
        for name, version in re.findall(r'"([A-Za-z0-9_.-]+)==([^"]+)"', block):
            pins[name.lower()] = version
    return pins


def lock_pins():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)(\s*;[^#]*)?", line)
        if m:
            pins.setdefault(m[1].lower(), set()).add(m[2])
    return pins


def conda_pins():
    text = (ROOT / "environment.yml").read_text()
    return {
        m[0].lower(): m[1]
        for m in re.findall(r"^\s+- ([A-Za-z0-9_.-]+)=([0-9][^\s#]*)", text, re.M)
    }


def test_every_direct_dependency_is_pinned_exactly():
    text = (ROOT / "pyproject.toml").read_text()
    blocks = re.findall(r"(?ms)^(?:dependencies|test) = \[(.*?)^\]", text)
    specs = [spec for block in blocks for spec in re.findall(r'"([^"]+)"', block)]
    assert specs and all("==" in spec for spec in specs), specs
    assert len(pyproject_pins()) == len(specs) == 12


def test_lock_has_the_same_single_version_of_each_direct_dependency():
    lock = lock_pins()
    for name, version in pyproject_pins().items():
        assert lock.get(name) == {version}, f"{name}: pyproject {version}, lock {lock.get(name)}"


def test_environment_yml_pins_the_same_versions():
    conda = conda_pins()
    for name, version in pyproject_pins().items():
        assert conda.get(name) == version, (
            f"{name}: pyproject {version}, environment.yml {conda.get(name)}"
        )
    assert set(conda) - {"python"} == set(pyproject_pins())


def test_lock_pins_every_package_exactly():
    lines = [
        ln for ln in (ROOT / "requirements.lock").read_text().splitlines() if ln and ln[0].isalnum()
    ]
    assert lines and all("==" in ln for ln in lines)


def test_the_lock_holds_one_version_of_every_package_for_every_python():
    # One set for every reader (the same stored outputs), and what makes `make check-wheels`
    # sound: pip evaluates the lock's markers against the Python running it, not the target.
    split = {name: versions for name, versions in lock_pins().items() if len(versions) > 1}
    assert not split, f"versions split by environment markers: {split}"


def test_supported_pythons_are_what_pyproject_requires():
    requires = re.search(
        r'^requires-python = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M
    )
    accepted = [(3, minor) for minor in range(30) if f"3.{minor}" in SpecifierSet(requires[1])]
    assert accepted == list(supported_pythons())


def test_the_lock_is_resolved_from_the_oldest_supported_python():
    makefile = (ROOT / "Makefile").read_text()
    oldest = ".".join(map(str, supported_pythons()[0]))
    assert f"uv pip compile pyproject.toml --extra test --universal --python-version {oldest} " in (
        makefile
    )
    conda_python = re.search(r"^\s+- python=(\S+)", (ROOT / "environment.yml").read_text(), re.M)
    assert tuple(map(int, conda_python[1].split("."))) in supported_pythons()


def test_an_unsupported_python_is_told_which_ones_are_supported(monkeypatch, capsys):
    module = check_python()
    stderr = io.StringIO()
    monkeypatch.setattr(module, "sys", SimpleNamespace(version_info=(3, 10, 13), stderr=stderr))
    assert module.main([]) == 1
    assert "supports Python 3.11, 3.12, 3.13, 3.14; found 3.10.13" in stderr.getvalue()
    monkeypatch.setattr(module, "sys", SimpleNamespace(version_info=(3, 14, 0), stderr=stderr))
    assert module.main([]) == 0
    assert module.main(["--list"]) == 0
    assert capsys.readouterr().out == "3.11 3.12 3.13 3.14\n"
