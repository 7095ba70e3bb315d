"""Build notebooks that differ from the master in a few places (for the test suite).

The builder lives in :mod:`hsa.variants`, shared with ``hsa catalogue``.
"""

from hsa import PACKAGE_ROOT as ROOT
from hsa.variants import MASTER, STUDENT, function_cell_index, split_source, variant

__all__ = ["MASTER", "ROOT", "STUDENT", "function_cell_index", "split_source", "variant"]
