"""Gradescope's side: the entry point ``python -m hsa.platforms.gradescope`` and the zip's
scripts (``files/``)."""
