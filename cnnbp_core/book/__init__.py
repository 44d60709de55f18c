"""The book's helpers: check rows, show_source, exercise feedback, checkers and wrong answers.

- `checks`: `check` (one visible pass/fail row, raising on failure), `prove` (its exact,
  symbolic counterpart) and `show_source`.
- `feedback`: `ExerciseResult` (a verdict that confirms without revealing, the wrong entries as
  a heat map, a diagnosis) and `grade`, which every exercise checker calls (`Recorder` and
  `finish` for a checker that reviews the trials after grading).
- `exercises`: the checkers, one module per topic, e.g. `exercises.conv`, `exercises.chain`.
- `mistakes`: catalogues of classic wrong answers, one module per topic, e.g.
  `mistakes.conv.KERNEL_GRADIENT_MISTAKES`; the chapters prove them wrong, the checkers name them.

The names a chapter calls are re-exported here: ``from cnnbp_core.book import check``.
"""

from .checks import check, prove, show_source
from .exercises.chain import (
    check_exercise_fd_jacobian,
    check_exercise_forward_difference_optimum,
    check_exercise_quadratic_form_gradient,
    check_exercise_unbroadcast,
)
from .exercises.conv import (
    check_exercise_bias_gradient,
    check_exercise_input_gradient_1d,
    check_exercise_kernel_gradient,
    check_exercise_kernel_gradient_1d,
    check_exercise_mse_hessian,
    check_exercise_output_jacobian,
    check_exercise_strided_kernel_gradient,
)
from .exercises.conv_forward import (
    check_exercise_conv2d_forward,
    check_exercise_conv_matrix,
    check_exercise_output_size,
    check_exercise_receptive_field,
)
from .exercises.dense import (
    check_exercise_linear_backward,
    check_exercise_logsumexp,
    check_exercise_sgd_stability,
    check_exercise_soft_label_gradient,
    check_exercise_softmax_ce_gradient,
)
from .feedback import ExerciseResult
from .mistakes import (
    KERNEL_GRADIENT_MISTAKES,
    LINEAR_BACKWARD_MISTAKES,
    SOFTMAX_CE_GRADIENT_MISTAKES,
    Mistake,
    linear_identity_holds,
    softmax_ce_identity_holds,
)

__all__ = [
    "KERNEL_GRADIENT_MISTAKES",
    "ExerciseResult",
    "Mistake",
    "check",
    "check_exercise_bias_gradient",
    "check_exercise_fd_jacobian",
    "check_exercise_forward_difference_optimum",
    "check_exercise_input_gradient_1d",
    "check_exercise_kernel_gradient",
    "check_exercise_mse_hessian",
    "check_exercise_kernel_gradient_1d",
    "check_exercise_output_jacobian",
    "check_exercise_quadratic_form_gradient",
    "check_exercise_strided_kernel_gradient",
    "check_exercise_unbroadcast",
    "prove",
    "show_source",
    "LINEAR_BACKWARD_MISTAKES",
    "SOFTMAX_CE_GRADIENT_MISTAKES",
    "linear_identity_holds",
    "softmax_ce_identity_holds",
    "check_exercise_linear_backward",
    "check_exercise_logsumexp",
    "check_exercise_sgd_stability",
    "check_exercise_soft_label_gradient",
    "check_exercise_softmax_ce_gradient",
    "check_exercise_conv2d_forward",
    "check_exercise_conv_matrix",
    "check_exercise_output_size",
    "check_exercise_receptive_field",
]
