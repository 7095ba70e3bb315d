"""Each grading platform's contract, around one grading core.

:mod:`.core` grades what one student uploaded (the file chosen by
:mod:`hsa.trusted.choice`, in the strongest sandbox the machine allows) and hardens the
process that does it; each platform's package is a thin adapter from its inputs to that
core and from our Result to its output: ``gradescope/`` (the autograder zip),
``coursera/`` (a custom grader image) and ``prairielearn/`` (an external grader).
:mod:`.limits` holds what each platform gives a submission (memory, CPUs, time).
"""
