"""Interactive explorers, by topic: thin ipywidgets wrappers over pure ``*_html`` functions.

``gradcheck`` holds chapter 01's finite-difference explorer, ``sgd`` chapter 02's
gradient-descent explorer, ``conv_arithmetic`` and ``feature_maps`` chapter 03's, ``conv``
chapter 04's kernel-gradient explorer; a pooling chapter adds ``pooling.py``. ``wiring.wire``
connects every explorer's controls to its view.
Nothing here imports ipywidgets at import time: an explorer imports it when it is built.
"""
