"""Gradescope's side: the entry point ``python -m hsa.gradescope`` and the zip's scripts."""
