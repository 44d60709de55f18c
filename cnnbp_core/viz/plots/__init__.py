"""Figures, by topic: pure functions that return a new matplotlib ``Figure``.

``base`` holds the building blocks every topic shares (argument checks, cell labels, grids);
``matrix`` annotated heatmaps; ``conv`` feature maps, kernels and the kernel-tap figure;
``training`` loss curves and the confusion matrix; ``graphs`` computational graphs and
``gradcheck`` finite-difference error curves (chapter 01). A pooling chapter adds ``pooling.py``.
"""
