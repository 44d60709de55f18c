"""Helpers shared by the tests: conv problems and the two im2col layouts as a parameter."""

import functools

import numpy as np
import pytest

from cnnbp_core import functional as F


def conv_problem(x_shape, w_shape, rng, dtype=np.float64):
    """Random X (N, C_in, H, W), K (C_out, C_in, KH, KW) and b (C_out,) in ``dtype``."""
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape, w_shape[0]))
    return x, w, b


@pytest.fixture(params=F.LAYOUTS)
def layout(request):
    """Each im2col layout of the fast conv pair in turn (an explicit argument, never patched)."""
    return request.param


@pytest.fixture
def conv_forward(layout):
    """``F.conv2d_forward`` with the im2col layout fixed to this run's `layout`."""
    return functools.partial(F.conv2d_forward, layout=layout)
