"""pyproject.toml, requirements.lock and environment.yml agree on every direct dependency."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
