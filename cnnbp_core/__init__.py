"""cnnbp_core: the NumPy core shared by the chapters of cnnbp.

Importing it has no side effects: no seeding, no rcParams changes, no printing.
"""

__version__ = "0.1.0"
