"""Before the first submission: can the sandbox start Python as a submission's would?

A sandbox that cannot start (an interpreter its user cannot read, a missing
library) would otherwise fail every submission in turn; this finds it once,
and stops with a message for the operator instead of grading anybody.
"""

from ..exceptions import SandboxBroken
from .session import Budgets, Session

ADVICE = ("Make the Python that grades (its installation and site-packages) readable by every "
          "user: the zip's setup.sh copies an unreadable interpreter to /autograder/python; "
          "with hsa grade, use a Python outside a private home folder.")


# A warm worker never starts the interpreter itself (the zygote did, as the grader's
# user): check that the sandbox's user could, as a submission's subprocess would.
CAN_RUN_PYTHON = ("import os, sys\n"
                  "if not os.access(sys.executable, os.X_OK):\n"
                  "    raise PermissionError(f'the sandbox cannot run {sys.executable}')\n")


def preflight(isolation):
    """Start the worker of ``isolation`` on a notebook that checks that its user can run the
    interpreter (the worker imports numpy first); raise SandboxBroken, with what to do,
    when it cannot."""
    session = Session([CAN_RUN_PYTHON], [], isolation, Budgets())
    try:
        session.start()
        for event in session.events.values():
            raise SandboxBroken(event.message)
    except SandboxBroken as broken:
        raise SandboxBroken(f"preflight failed with isolation {isolation}: {broken} {ADVICE}") from None
    finally:
        session.stop()
