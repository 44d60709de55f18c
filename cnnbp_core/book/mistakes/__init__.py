"""Catalogues of wrong answers, one module per topic: what the book's checks must reject.

- `conv`: the kernel gradient dL/dK (chapter 04), `KERNEL_GRADIENT_MISTAKES`; `DoesNotFit` is
  what a wrong answer raises on a problem whose shapes its sums do not fit.

Each wrong answer is a function with the signature of the right closed form, working on SymPy
symbols (so a chapter proves it wrong exactly) and on floats (so an exercise checker recognises
it in a reader's answer).
"""

from .conv import FEATURES, KERNEL_GRADIENT_MISTAKES, DoesNotFit, Mistake

__all__ = ["FEATURES", "KERNEL_GRADIENT_MISTAKES", "DoesNotFit", "Mistake"]
