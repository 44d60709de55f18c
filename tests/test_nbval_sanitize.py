"""The nbval sanitizer hides only rounding-level digits of the checkers' output, never a verdict.

Those digits differ between BLAS kernels: the stored chapters were re-run with OpenBLAS forced to
other kernels (Haswell, Sandybridge) and only these fields changed.
"""

import configparser
import re
from pathlib import Path

import numpy as np

from cnnbp_core import gradcheck
from cnnbp_core.book.checks import check

CONFIG = Path(__file__).resolve().parent / "nbval_sanitize.cfg"


def sanitize(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(CONFIG)
    for section in parser.sections():
        text = re.sub(parser[section]["regex"], parser[section]["replace"], text)
    return text


def test_check_rows_keep_name_verdict_and_count(capsys):
    check([1.0, 2.0], [1.0, 2.0 + 3e-15], "dL/dK")
    line = sanitize(capsys.readouterr().out)
    assert line == "PASS  dL/dK  (max abs err ERR, max rel err ERR, 2 elements)\n"


def test_report_keeps_names_shapes_and_verdicts():
    x = np.array([[1.0, -2.0, 0.5]])
    report = gradcheck.check_gradients(
        lambda x: x**3, [x], [3 * x**2], np.ones((1, 3)), names=["X"]
    )
    text, html = sanitize(str(report)), sanitize(report._repr_html_())
    assert re.search(r"^X +\(1, 3\) ERR ERR IDX PASS$", text, re.M)
    assert "<td>X</td><td>(1, 3)</td><td>ERR</td><td>ERR</td><td>IDX</td><td>PASS</td>" in html


def test_other_numbers_are_left_alone():
    text = "loss 12 -> below 1e-20; differ by up to 3.679; lr 1.5e-02"
    assert sanitize(text) == text
