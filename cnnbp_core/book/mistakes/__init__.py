"""Catalogues of wrong answers, one module per topic: what the book's checks must reject.

- `conv`: the kernel gradient dL/dK (chapter 04), `KERNEL_GRADIENT_MISTAKES`; `DoesNotFit` is
  what a wrong answer raises on a problem whose shapes its sums do not fit.
- `dense`: the dense layer's three gradients and the softmax cross-entropy gradient (chapter 02),
  `LINEAR_BACKWARD_MISTAKES` and `SOFTMAX_CE_GRADIENT_MISTAKES`, with the exact tests
  `linear_identity_holds` and `softmax_ce_identity_holds`.

Each wrong answer is a function with the signature of the right closed form, working on SymPy
symbols (so a chapter proves it wrong exactly) and on floats (so an exercise checker recognises
it in a reader's answer).
"""

from .conv import FEATURES, KERNEL_GRADIENT_MISTAKES, DoesNotFit, Mistake
from .dense import (
    LINEAR_BACKWARD_MISTAKES,
    SOFTMAX_CE_GRADIENT_MISTAKES,
    LinearMistake,
    SoftmaxCEMistake,
    linear_identity_holds,
    softmax_ce_identity_holds,
)

__all__ = [
    "FEATURES",
    "KERNEL_GRADIENT_MISTAKES",
    "LINEAR_BACKWARD_MISTAKES",
    "SOFTMAX_CE_GRADIENT_MISTAKES",
    "DoesNotFit",
    "LinearMistake",
    "Mistake",
    "SoftmaxCEMistake",
    "linear_identity_holds",
    "softmax_ce_identity_holds",
]
