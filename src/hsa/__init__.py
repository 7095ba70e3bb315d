"""hidden-state-activation: an auto-graded Jupyter assignment on a vanilla RNN's hidden state."""

import pathlib

__version__ = "0.1.0"

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[2]
"""The project folder (``solutions/``, ``assignments/``, ``autograder/``) when run from a clone."""
