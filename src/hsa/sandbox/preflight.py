"""Before the first submission: can the sandbox start Python as a submission's would?

A sandbox that cannot start (an interpreter its user cannot read, a missing
library) would otherwise fail every submission in turn; this finds it once,
and stops with a message for the operator instead of grading anybody.
"""

from ..exceptions import SandboxBroken
from .session import Session

ADVICE = ("Make the Python that grades (its installation and site-packages) readable by every "
          "user: the zip's setup.sh copies an unreadable interpreter to /autograder/python; "
          "with hsa grade, use a Python outside a private home folder.")


def preflight(isolation, budgets):
    """Start the worker of ``isolation`` on an empty notebook (it imports numpy first), within
    a submission's ``budgets``; raise SandboxBroken, with what to do, when it cannot."""
    session = Session([], [], isolation, budgets)
    try:
        session.start()
    except SandboxBroken as broken:
        raise SandboxBroken(f"preflight failed with isolation {isolation}: {broken} {ADVICE}") from None
    finally:
        session.stop()
