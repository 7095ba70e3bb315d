"""Coursera's side: the custom grader's entry point (``python -I -m hsa.platforms.coursera``)
and the image's files (``files/``: the Dockerfile and ``grade``)."""
