"""The kernel-gradient explorer: what it shows is computed; bad slider values get a message."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core import plotting, widgets
from cnnbp_core.htmlview import matrix_html


def test_terms_sum_to_the_cores_kernel_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 8))
    for k, s, d in [(3, 1, 1), (2, 2, 1), (3, 2, 2), (1, 3, 1)]:
        out_hw = F.conv2d_output_shape(7, 8, k, stride=s, dilation=d)
        delta = rng.standard_normal(out_hw)
        for u, v in np.ndindex(k, k):
            t = plotting.kernel_tap_terms(x, delta, u, v, kernel_size=k, stride=s, dilation=d)
            assert np.isclose(t.products.sum(), t.dk[u, v])
            assert np.array_equal(t.rows, np.arange(out_hw[0]) * s + u * d)


def test_invalid_combinations_give_a_message_not_a_traceback():
    x = widgets.explorer_input()
    html = widgets.kernel_tap_html(x, 0, 0, kernel_size=4, dilation=3)
    assert "No picture for this combination" in html and "does not fit" in html
    html = widgets.kernel_tap_html(x, 3, 0, kernel_size=3)
    assert "outside the 3x3 kernel" in html


def test_explorer_redraws_when_a_slider_moves():
    explorer = widgets.kernel_gradient_explorer()
    view = explorer.children[1]
    sliders = [s for box in explorer.children[0].children for s in box.children]
    before = view.value
    sliders[0].value = 1
    assert view.value != before and "dL/dK[1,0]" in view.value
    sliders[3].value = 2  # stride
    assert "Y has shape (3, 3)" in view.value


def test_matrix_html_rejects_wrong_ndim_and_shows_no_negative_zero():
    with pytest.raises(ValueError, match="a must be 2-D"):
        matrix_html(np.zeros(3))
    assert ">-0<" not in matrix_html(np.array([[-0.0, 1.0]]))
