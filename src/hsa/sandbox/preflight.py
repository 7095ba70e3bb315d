"""Before the first submission: can the sandbox start Python as a submission's would?

A sandbox that cannot start (an interpreter its user cannot read, a missing
library) would otherwise fail every submission in turn; this finds it once,
and stops with a message for the operator instead of grading anybody.
"""

import os
import sys

from ..exceptions import SandboxBroken
from ..outcomes import Isolation
from .command import PRIVATE_TMP
from .host import namespaces_work
from .session import Budgets, Session

ADVICE = ("Make the Python that grades (its installation and site-packages) readable by every "
          "user: the zip's setup.sh copies an unreadable interpreter to /autograder/python; "
          "with hsa grade, use a Python outside a private home folder.")


# A warm worker never starts the interpreter itself (the zygote did, as the grader's
# user): check that the sandbox's user could, as a submission's subprocess would.
CAN_RUN_PYTHON = ("import os, sys\n"
                  "if not os.access(sys.executable, os.X_OK):\n"
                  "    raise PermissionError(f'the sandbox cannot run {sys.executable}')\n")


def preflight(isolation: Isolation | str, budgets: Budgets) -> None:
    """Start the worker of ``isolation`` on a notebook that checks that its user can run the
    interpreter (the worker imports numpy first), within a submission's ``budgets``; raise
    SandboxBroken, with what to do, when it cannot."""
    isolation = Isolation(isolation)
    session = Session([CAN_RUN_PYTHON], [], isolation, budgets)
    try:
        session.start()
        for event in session.events.values():
            raise SandboxBroken(event.message)
    except SandboxBroken as broken:
        hidden = hidden_python(isolation)
        advice = (f"The Python that grades is under {hidden}, which the sandbox replaces with "
                  f"a private {hidden} of its own ({isolation} isolation with unshare), so the "
                  f"worker cannot see it: install it (or its venv) outside {hidden}, say under "
                  "/opt." if hidden else ADVICE)
        raise SandboxBroken(f"preflight failed with isolation {isolation}: {broken} {advice}") from None
    finally:
        session.stop()


def hidden_python(isolation: Isolation) -> str | None:
    """The private folder (``/tmp``) that hides the grading Python from ``isolation``'s worker,
    or None: process-user with unshare mounts a fresh /tmp over the shared one."""
    if isolation is not Isolation.PROCESS_USER or not namespaces_work():
        return None
    where = {sys.prefix, os.path.realpath(sys.executable)}
    return next((tmp for tmp in PRIVATE_TMP for path in where
                 if path == tmp or path.startswith(tmp + "/")), None)
