"""Checkers for the chapters' code exercises, one module per topic.

- `chain`: the gradient of a quadratic form (a variable used twice), the gradient of a
  broadcast bias, a Jacobian by centered differences and the forward difference's best step
  (chapter 01).
- `conv`: the kernel gradient dL/dK in 1-D, with stride, with batch and channels, the
  Jacobian dY/dK, the Hessian of an MSE loss in K and the bias gradient (chapter 04); the input
  gradient dL/dx in 1-D (chapter 00).
- `conv_forward`: the output-size formula, a loop cross-correlation and the convolution matrix
  (chapter 03).
- `dense`: the dense layer's backward pass, the softmax cross-entropy gradient, a stable
  log-sum-exp and the largest stable learning rate of a line fit (chapter 02).

Each checker poses a few problems, computes their right answers by finite differences of the
core's forward pass, and returns `cnnbp_core.book.feedback.grade`'s `ExerciseResult`. A new
chapter's checker goes in the module of its topic (pooling, batchnorm, ...), its wrong answers in
the same topic's module of `cnnbp_core.book.mistakes`.
"""
