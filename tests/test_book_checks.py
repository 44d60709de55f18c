"""check() prints one honest row and fails loudly; show_source() shows the core's code."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.checks import check, show_source


def test_check_passes_and_prints_one_row(capsys):
    assert check([1.0, 2.0], [1.0, 2.0 + 1e-12], "close enough") is None
    out = capsys.readouterr().out
    assert out.startswith("PASS  close enough") and out.count("\n") == 1


def test_check_fails_loudly(capsys):
    with pytest.raises(AssertionError, match="wrong: max abs err 1.000e-03"):
        check([1.0, 2.0], [1.0, 2.001], "wrong")
    assert capsys.readouterr().out.startswith("FAIL  wrong")
    with pytest.raises(AssertionError, match="shape"):
        check(np.zeros(3), np.zeros(4), "shapes")


def test_relative_error_ignores_entries_that_are_zero_on_both_sides(capsys):
    check([1.0, 1e-12], [1.0, 0.0], "near zero", atol=1e-9)
    assert "max rel err 0.0e+00" in capsys.readouterr().out


def test_show_source_renders_the_core_function():
    code = show_source(F.conv2d_backward)
    assert "def conv2d_backward(dout, cache):" in code.data
    assert "<pre" in code._repr_html_()
