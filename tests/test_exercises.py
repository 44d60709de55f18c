"""The exercise checkers accept right answers and reject the classic wrong ones."""

import numpy as np
import pytest

from cnnbp_core import functional as F
from cnnbp_core.book.exercises import conv as exercises


def kernel_gradient_1d(x, delta):
    return np.correlate(x, delta, mode="valid")


def strided_kernel_gradient(x, delta, kernel_size, stride):
    big = F.dilate2d(delta, stride)
    h, w = big.shape
    return np.array(
        [
            [np.sum(x[u : u + h, v : v + w] * big) for v in range(kernel_size)]
            for u in range(kernel_size)
        ]
    )


def test_right_answers_pass(capsys):
    exercises.check_exercise_kernel_gradient_1d(kernel_gradient_1d)
    exercises.check_exercise_strided_kernel_gradient(strided_kernel_gradient)
    out = capsys.readouterr().out
    assert out.count("PASS") == 8 and "FAIL" not in out


def test_flipped_kernel_gradient_fails():
    with pytest.raises(AssertionError):
        exercises.check_exercise_kernel_gradient_1d(lambda x, d: np.convolve(x, d, mode="valid"))


def test_forgetting_the_stride_fails():
    def undilated(x, delta, kernel_size, stride):
        return strided_kernel_gradient(x, delta, kernel_size, 1)[:kernel_size, :kernel_size]

    with pytest.raises(AssertionError):
        exercises.check_exercise_strided_kernel_gradient(undilated)
