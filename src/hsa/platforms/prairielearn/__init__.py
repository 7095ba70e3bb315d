"""PrairieLearn's side: the external grader's entry point (``python -I -m
hsa.platforms.prairielearn``) and the question's files (``files/``)."""
