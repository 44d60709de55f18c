"""Helpers shared by the tests: random problems, whether a convolution fits, the kernel chapter
04 learns, a fresh interpreter, the two im2col layouts, Debian's Chromium for the browser tests."""

import functools
import shutil
import subprocess
import sys

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core import geometry
from cnnbp_core.data import kernels as kernel_data
from cnnbp_core.data.photo import photo_patches
from cnnbp_core.explain import feature_maps

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


def fits(in_hw, kernel, stride=1, padding=0, dilation=1):
    """Whether the core accepts this convolution: the (dilated) kernel fits the padded input."""
    try:
        F.conv2d_output_shape(*in_hw, kernel, stride=stride, padding=padding, dilation=dilation)
    except ValueError:
        return False
    return True


def per_axis(value):
    """An int or an (h, w) pair, as an (h, w) pair: the tests' own reading of a hyper-parameter."""
    return (value, value) if isinstance(value, int) else tuple(value)


def noisy_sobel():
    """rot180(Sobel x) = -Sobel x plus rounding-level noise, built explicitly: 1e-12 times a fixed
    pattern whose sum is > 0 and whose middle column (Sobel's zeros) has both signs. It stands for
    the kernel chapter 04 learns, whose own noise is whatever the rounding happens to leave."""
    pattern = np.array([[1.0, -2.0, 1.0], [3.0, 1.0, -1.0], [-2.0, -1.0, 2.0]])  # sum 2
    return -kernel_data.SOBEL_X + 1e-12 * pattern


@pytest.fixture(scope="session")
def learned_kernel():
    """The kernel chapter 04 learns (~0.3 s): rot180(Sobel x) = -Sobel x up to rounding noise."""
    hidden = geometry.rot180(kernel_data.SOBEL_X)
    return feature_maps.learn_kernel(photo_patches(), hidden).kernel


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


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's tests; each test opens its own page or context."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
