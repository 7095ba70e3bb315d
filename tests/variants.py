"""Build notebooks that differ from the master in a few places (for the test suite).

The builder lives in :mod:`hsa.variants`, shared with ``hsa catalogue``.
"""

from hsa.variants import MASTER, STUDENT, function_cell_index, split_source, variant

__all__ = ["MASTER", "STUDENT", "function_cell_index", "split_source", "variant"]
