"""Checkers for the convolution exercises (chapter 04, the kernel gradient dL/dK).

The reader writes a function, a checker gradchecks it. Each checker draws random problems
(awkward sizes, random upstream gradients), compares the reader's function with finite
differences of the core's forward pass, prints one pass/fail row per problem and raises
``AssertionError`` on the first failure.
"""

from __future__ import annotations

import numpy as np

from ...functional import conv2d_forward
from ...gradcheck import numerical_vjp
from ..checks import check


def check_exercise_kernel_gradient_1d(fn, *, rng=None, trials=4):
    """Check ``fn(x, delta) -> dk``: the kernel gradient of a valid 1-D cross-correlation.

    The forward pass is ``y[i] = sum_u k[u] * x[i + u]`` with x of length L and k of length KL,
    so y and delta have length L - KL + 1 and ``fn`` must return an array of length KL.

    Parameters
    ----------
    fn : callable
        ``fn(x, delta)``, x shape (L,), delta shape (L - KL + 1,), returning shape (KL,).
    rng : numpy.random.Generator, optional
        Source of the random problems (default: seeded, so the rows are reproducible).
    trials : int
        Number of random problems.

    Examples
    --------
    >>> def kernel_gradient(x, delta):  # dL/dk[u] = sum_i delta[i] * x[i + u]
    ...     return np.correlate(x, delta, mode="valid")
    >>> check_exercise_kernel_gradient_1d(kernel_gradient, trials=1)  # doctest: +ELLIPSIS
    PASS  dL/dk for L=..., KL=...  (max abs err ...)
    """
    rng = np.random.default_rng(2024) if rng is None else rng
    for _ in range(trials):
        length, taps = int(rng.integers(4, 10)), int(rng.integers(1, 4))
        x, k = rng.standard_normal(length), rng.standard_normal(taps)
        delta = rng.standard_normal(length - taps + 1)

        def forward(k, x=x):
            return conv2d_forward(x[None, None, None], k[None, None, None])[0][0, 0, 0]

        (expected,) = numerical_vjp(forward, [k], delta)
        got = np.asarray(fn(x.copy(), delta.copy()), dtype=float)
        check(got, expected, f"dL/dk for L={length}, KL={taps}", atol=1e-7, rtol=1e-6)


def check_exercise_strided_kernel_gradient(fn, *, rng=None, trials=4):
    """Check ``fn(x, delta, kernel_size, stride) -> dK`` for one channel with stride s.

    The forward pass is ``Y[i,j] = sum_{u,v} K[u,v] * X[i*s + u, j*s + v]`` (no padding, no
    dilation); some problems leave remainder rows that no window reaches.

    Parameters
    ----------
    fn : callable
        ``fn(x, delta, kernel_size, stride)`` with x (H, W), delta (H_out, W_out), kernel_size
        and stride ints; returns dK of shape (kernel_size, kernel_size).
    rng : numpy.random.Generator, optional
    trials : int

    Examples
    --------
    A wrong answer (the stride forgotten: X correlated with delta as if s = 1) fails loudly:

    >>> def no_stride(x, delta, kernel_size, stride):
    ...     h, w = delta.shape
    ...     return np.array([[np.sum(x[u : u + h, v : v + w] * delta)
    ...                       for v in range(kernel_size)] for u in range(kernel_size)])
    >>> check_exercise_strided_kernel_gradient(no_stride, trials=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: dL/dK for X ...
    """
    rng = np.random.default_rng(2025) if rng is None else rng
    for _ in range(trials):
        k, s = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k + 2, 10)), int(rng.integers(k + 2, 10))
        x, kernel = rng.standard_normal((h, w)), rng.standard_normal((k, k))

        def forward(kernel, x=x, s=s):
            return conv2d_forward(x[None, None], kernel[None, None], stride=s)[0][0, 0]

        delta = rng.standard_normal(forward(kernel).shape)
        (expected,) = numerical_vjp(forward, [kernel], delta)
        got = np.asarray(fn(x.copy(), delta.copy(), k, s), dtype=float)
        check(got, expected, f"dL/dK for X {h}x{w}, K {k}x{k}, stride {s}", atol=1e-7, rtol=1e-6)
