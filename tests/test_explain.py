"""The numbers behind the figures and widgets: correct, checked, and free of display libraries."""

import subprocess
import sys

import numpy as np
import pytest

from cnnbp_core import explain
from cnnbp_core import functional as F


def test_explain_imports_no_display_library():
    code = """
import sys
import cnnbp_core.explain
print(sorted({"matplotlib", "ipywidgets", "IPython", "sympy", "tqdm"} & set(sys.modules)))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_terms_sum_to_the_cores_kernel_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 8))
    for k, s, d in [(3, 1, 1), (2, 2, 1), (3, 2, 2), (1, 3, 1), ((2, 3), (1, 2), (2, 1))]:
        out_hw = F.conv2d_output_shape(7, 8, k, stride=s, dilation=d)
        delta = rng.standard_normal(out_hw)
        (kh, kw), (sh, sw), (dh, dw) = (np.broadcast_to(p, 2) for p in (k, s, d))
        for u, v in np.ndindex(kh, kw):
            t = explain.kernel_tap_terms(x, delta, u, v, kernel_size=k, stride=s, dilation=d)
            assert np.isclose(t.products.sum(), t.dk[u, v])
            np.testing.assert_array_equal(t.rows, np.arange(out_hw[0]) * sh + u * dh)
            np.testing.assert_array_equal(t.cols, np.arange(out_hw[1]) * sw + v * dw)
            np.testing.assert_array_equal(t.products, x[np.ix_(t.rows, t.cols)] * delta)


def test_terms_are_float64_and_dk_is_the_cores():
    rng = np.random.default_rng(1)
    x, delta = rng.standard_normal((5, 6)).astype(np.float32), rng.standard_normal((3, 4))
    t = explain.kernel_tap_terms(x, delta, 2, 1, kernel_size=3)
    assert t.products.dtype == t.dk.dtype == np.float64
    _, cache = F.conv2d_forward(x[None, None].astype(float), np.zeros((1, 1, 3, 3)))
    np.testing.assert_allclose(t.dk, F.conv2d_backward(delta[None, None], cache)[1][0, 0])


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "needle"),
    [
        (((7, 8), (5, 6), 3, 0), {"kernel_size": 3}, ValueError, "outside the 3x3 kernel"),
        (((7, 8), (5, 6), 0, -1), {"kernel_size": 3}, ValueError, r"tap \(u, v\) = \(0, -1\)"),
        (((7, 8), (5, 6), 0.0, 0), {"kernel_size": 3}, TypeError, "u must be an int"),
        (((7, 8), (4, 6), 0, 0), {"kernel_size": 3}, ValueError, r"delta must have shape \(5, 6\)"),
        (((4, 4), (1, 1), 0, 0), {"kernel_size": 3, "dilation": 2}, ValueError, "does not fit"),
        (((7, 8), (5, 6), 0, 0), {"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
        (((7, 8), (5, 6), 0, 0), {"kernel_size": 3, "stride": 0}, ValueError, "stride must be"),
        (((7,), (5, 6), 0, 0), {"kernel_size": 3}, ValueError, "x must be 2-D"),
    ],
)
def test_bad_arguments_name_the_rule(args, kwargs, exc, needle):
    x_shape, delta_shape, u, v = args
    with pytest.raises(exc, match=needle):
        explain.kernel_tap_terms(np.zeros(x_shape), np.zeros(delta_shape), u, v, **kwargs)


def test_integer_data_is_rejected_as_by_the_core():
    with pytest.raises(TypeError, match="x must have a floating dtype"):
        explain.kernel_tap_terms(np.ones((4, 4), int), np.ones((2, 2)), 0, 0, kernel_size=3)


def test_explorer_data_is_reproducible():
    x = explain.explorer_input()
    assert x.shape == explain.EXPLORER_INPUT_SHAPE and x.dtype == np.float64
    assert np.array_equal(x, np.round(x)) and 0 <= x.min() and x.max() <= 9
    assert np.array_equal(x, explain.explorer_input()) and not np.array_equal(
        x, explain.explorer_input(1)
    )
    d = explain.explorer_delta((5, 6))
    assert d.shape == (5, 6) and np.array_equal(d, np.round(d, 1)) and np.abs(d).max() <= 1
    assert np.array_equal(d, explain.explorer_delta((5, 6)))
    assert not np.array_equal(d[:3, :3], explain.explorer_delta((3, 3)))  # per output shape
