"""Helpers shared by the tests: random problems, a fresh interpreter, the two im2col layouts,
Debian's Chromium for the browser tests."""

import functools
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cnnbp_core import functional as F

# Debian's chromium, driven by Playwright (its own browser download does not work here).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def conv_problem(x_shape, w_shape, rng, dtype=np.float64):
    """Random X (N, C_in, H, W), K (C_out, C_in, KH, KW) and b (C_out,) in ``dtype``."""
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, w_shape[0]))
    return x, w, b


def distinct(rng, shape):
    """Values at least 0.1 apart, shuffled, none within 0.05 of 0: no max-pool ties and no ReLU
    input at its kink, so finite differences are well defined."""
    size = int(np.prod(shape))
    values = rng.permutation(size) * 0.1 + 0.05 + rng.uniform(0, 0.01, size)
    return (values - np.round(values.mean(), 1)).reshape(shape)


def run_python(code):
    """Run ``code`` in a fresh interpreter (nothing imported yet); return what it printed."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(params=F.LAYOUTS)
def layout(request):
    """Each im2col layout of the fast conv pair in turn (an explicit argument, never patched)."""
    return request.param


@pytest.fixture
def conv_forward(layout):
    """``F.conv2d_forward`` with the im2col layout fixed to this run's `layout`."""
    return functools.partial(F.conv2d_forward, layout=layout)
