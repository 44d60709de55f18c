"""Importing the core has no side effects, and each layer imports only what it may.

Every module is found by walking the package, so a new chapter's module is covered the day it
is added. Each numpy-only module is imported in a fresh interpreter (a module imported earlier
in the same process would hide what it pulls in).
"""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cnnbp_core

HEAVY = {"matplotlib", "ipywidgets", "IPython", "tqdm", "sympy"}
# display and the book's helpers may import anything; the symbolic mirror may import SymPy
ALLOWED = {"viz": HEAVY, "book": HEAVY, "symbolic": {"sympy"}}
# what each layer of the core may import from the core (the README's Architecture table)
INTERNAL = {
    "validation": set(),
    "geometry": {"validation"},
    "functional": {"geometry", "validation"},
    "gradcheck": {"validation"},
    "symbolic": {"geometry", "validation"},
    "nn": {"functional", "validation"},
    "data": {"validation"},
    "explain": {"functional", "geometry", "validation"},
    "viz": {"explain", "nn", "data", "functional", "geometry", "validation"},
    "book": {"viz", "explain", "nn", "data", "functional", "geometry", "validation", "symbolic",
             "gradcheck"},
}  # fmt: skip
MODULES = sorted(m.name for m in pkgutil.walk_packages(cnnbp_core.__path__, prefix="cnnbp_core."))


def layer(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout, done.stderr  # (stderr too: importing must print nothing anywhere)


def test_the_walk_finds_every_layer():
    layers = {layer(m) for m in MODULES}
    expected = set(INTERNAL)
    assert expected <= layers


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) not in {"viz", "book"}])
def test_module_imports_only_what_its_layer_may(module):
    out, _ = run(f"import sys, {module}\nprint(' '.join(sys.modules))")
    loaded = {name.split(".")[0] for name in out.split()} & HEAVY
    assert loaded <= ALLOWED.get(layer(module), set()), f"{module} imported {sorted(loaded)}"


def test_importing_every_module_prints_nothing_seeds_nothing_and_keeps_rcparams():
    imports = "\n".join(f"import {name}" for name in MODULES)
    code = f"""
import numpy as np, matplotlib
state = np.random.get_state()[1].copy()
rc = dict(matplotlib.rcParams)
{imports}
assert (np.random.get_state()[1] == state).all(), "the global NumPy seed changed"
changed = [k for k in rc if rc[k] != matplotlib.rcParams[k]]
assert not changed, changed
"""
    out, err = run(code)
    assert out == "" and err == ""


def test_no_module_imports_another_modules_private_names():
    root = Path(cnnbp_core.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (
                node.level or "cnnbp_core" in (node.module or "")
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private or any(p.startswith("_") for p in (node.module or "").split(".")):
                    offenders.append(
                        f"{path.relative_to(root)}: from {node.module} import {private}"
                    )
    assert not offenders, offenders


def core_imports(path, module):
    """The core modules that ``module`` (at ``path``) imports, as absolute dotted names."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            names = [f"{target}.{a.name}" for a in node.names]
            yield from (n for n in [target, *names] if n.startswith("cnnbp_core."))
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("cnnbp_core."))


def test_each_layer_imports_only_the_layers_below_it():
    root = Path(cnnbp_core.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        here = layer(module)
        for target in core_imports(path, module):
            there = layer(target)
            if (
                there
                and there != here
                and there not in INTERNAL.get(here, set())
                and there in INTERNAL
            ):
                offenders.append(f"{module} imports {target}")
    assert not offenders, offenders
