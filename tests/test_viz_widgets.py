"""The kernel-gradient explorer: what it shows is computed; bad slider values get a message."""

import re
import subprocess
import sys

import numpy as np
import pytest

from cnnbp_core import explain, viz


def test_importing_the_explorers_does_not_import_ipywidgets():
    code = """
import sys
import cnnbp_core.viz.widgets.conv
print("ipywidgets" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_view_shows_the_terms_and_the_cores_answer():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 1, 2, kernel_size=3, stride=2)
    t = explain.kernel_tap_terms(x, explain.explorer_delta((3, 3)), 1, 2, kernel_size=3, stride=2)
    assert "Y has shape (3, 3)" in html and f"<b>{t.products.sum():.4g}</b>" in html
    assert html.count(viz.OUTLINE) == t.rows.size * t.cols.size + 1  # read pixels + (u, v)


def test_invalid_combinations_give_a_message_not_a_traceback():
    x = explain.explorer_input()
    html = viz.kernel_tap_html(x, 0, 0, kernel_size=4, dilation=3)
    assert "No picture for this combination" in html and "does not fit" in html
    html = viz.kernel_tap_html(x, 3, 0, kernel_size=3)
    assert "outside the 3x3 kernel" in html


def test_explorer_redraws_when_a_slider_moves():
    explorer = viz.kernel_gradient_explorer()
    view = explorer.children[1]
    sliders = [s for box in explorer.children[0].children for s in box.children]
    before = view.value
    sliders[0].value = 1
    assert view.value != before and "dL/dK[1,0]" in view.value
    sliders[3].value = 2  # stride
    assert "Y has shape (3, 3)" in view.value


def test_matrix_html_rejects_wrong_ndim_and_shows_no_negative_zero():
    with pytest.raises(ValueError, match="a must be 2-D"):
        viz.matrix_html(np.zeros(3))
    assert ">-0<" not in viz.matrix_html(np.array([[-0.0, 1.0]]))


def test_matrix_html_escapes_the_title_and_scales_unsigned_data_min_to_max():
    table = viz.matrix_html(np.array([[2.0, 5.0]]), title="<X>")
    assert "&lt;X&gt;" in table and "<X>" not in table
    backgrounds = re.findall(r"background:([^;]+);", table)
    assert backgrounds == ["#000000", "#ffffff"]  # grey from the minimum to the maximum
    assert viz.matrix_html(np.zeros((0, 3))).count("<td") == 0


def test_row_html_places_blocks_side_by_side():
    assert viz.row_html("<i>a</i>", "<i>b</i>").count("display:flex") == 1
