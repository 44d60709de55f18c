"""The book's helpers: check rows, show_source, and the exercise checkers (by topic).

- `checks`: `check` (one visible pass/fail row, raising on failure) and `show_source`.
- `exercises`: one module per topic, e.g. `exercises.conv`.

The names a chapter calls are re-exported here: ``from cnnbp_core.book import check``.
"""

from .checks import check, show_source
from .exercises.conv import (
    check_exercise_kernel_gradient_1d,
    check_exercise_strided_kernel_gradient,
)

__all__ = [
    "check",
    "check_exercise_kernel_gradient_1d",
    "check_exercise_strided_kernel_gradient",
    "show_source",
]
