"""Importing the core has no side effects, and the maths stays free of display libraries."""

import subprocess
import sys

MODULES = [
    "functional", "gradcheck", "symbolic", "layers", "optim", "train", "models", "data",
    "metrics", "plotting", "htmlview", "widgets", "nbtools", "exercises",
]  # fmt: skip


def run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout, done.stderr


def test_importing_every_module_prints_nothing_seeds_nothing_and_keeps_rcparams():
    imports = "\n".join(f"import cnnbp_core.{name}" for name in MODULES)
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


def test_the_maths_imports_only_numpy():
    code = """
import sys
import cnnbp_core.functional, cnnbp_core.gradcheck, cnnbp_core.layers, cnnbp_core.optim
heavy = {"matplotlib", "ipywidgets", "IPython", "sympy"} & set(sys.modules)
print(sorted(heavy))
"""
    out, _ = run(code)
    assert out.strip() == "[]"
