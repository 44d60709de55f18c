"""Checkers for the chapters' code exercises, one module per topic.

- `conv`: the kernel gradient dL/dK, in 1-D and with stride (chapter 04).

A new chapter's exercise checker goes in the module of its topic (pooling, batchnorm, ...).
"""
