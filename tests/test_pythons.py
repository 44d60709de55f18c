"""tools/pythons.py finds each supported Python that runs, skipping shims that do not."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def pythons():
    spec = importlib.util.spec_from_file_location("pythons", ROOT / "tools/pythons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def link(path, target=sys.executable):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    return str(path)


def test_a_python_on_path_is_found_when_it_reports_its_version(tmp_path):
    found = link(tmp_path / "bin" / f"python{HERE}")
    assert pythons().find(HERE, path=str(tmp_path / "bin"), pyenv_root=tmp_path) == found


def test_a_shim_that_fails_is_skipped_for_pyenv_s_newest_install(tmp_path):
    shim = tmp_path / "bin" / f"python{HERE}"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'pyenv: command not found' >&2; exit 127\n")
    shim.chmod(0o755)
    versions = tmp_path / "pyenv" / "versions"
    link(versions / f"{HERE}.2" / "bin" / f"python{HERE}")
    newest = link(versions / f"{HERE}.10" / "bin" / f"python{HERE}")
    module = pythons()
    assert module.candidates(HERE, str(shim.parent), tmp_path / "pyenv")[:2] == [str(shim), newest]
    assert module.find(HERE, path=str(shim.parent), pyenv_root=tmp_path / "pyenv") == newest


def test_a_python_reporting_another_version_or_none_found_is_not_taken(tmp_path):
    link(tmp_path / "bin" / "python3.99")
    assert pythons().find("3.99", path=str(tmp_path / "bin"), pyenv_root=tmp_path) is None


def test_the_script_prints_one_line_per_supported_version():
    env = os.environ | {"PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(
        [sys.executable, ROOT / "tools/pythons.py"], capture_output=True, text=True, env=env
    )
    lines = [line.split(" ", 1) for line in done.stdout.splitlines()]
    assert [v for v, _ in lines] == [".".join(map(str, v)) for v in pythons().SUPPORTED]
    assert all(exe == "-" or Path(exe).exists() for _, exe in lines)
