"""Interactive explorers, by topic: thin ipywidgets wrappers over pure ``*_html`` functions.

``conv`` holds chapter 04's kernel-gradient explorer, ``gradcheck`` chapter 01's
finite-difference explorer; a pooling chapter adds ``pooling.py``.
Nothing here imports ipywidgets at import time: an explorer imports it when it is built.
"""
