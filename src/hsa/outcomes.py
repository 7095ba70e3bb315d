"""Named outcomes: a grade's status, what became of a cell, the sandbox's isolation level, a
download's layout and why a student's file was set aside.

Both are ``str`` enums, so that the files they are written to (gradebook.csv,
results.json) hold the plain strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time this module imports nothing: setup.sh reads it without numpy
    from .untrusted.protocol import Raised


class NamedEnum(str, enum.Enum):
    """A str enum that writes as its plain value (files, f-strings), on Python 3.10+."""

    _value_: str

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Status(NamedEnum):
    """What became of one submission, from best to worst for the student."""

    GRADED = "graded"  # every cell ran and every check was judged
    ERROR = "error"  # a cell raised; the rest was graded
    TIMEOUT = "timeout"  # a cell or call ran past its budget; the rest was graded
    KILLED = "killed"  # the process was killed (exit, memory); the rest was graded
    INVALID = "invalid"  # not a notebook we can read: nothing graded
    GRADER_FAILED = "grader_failed"  # the grader's fault: no grade, never charged to the student

    @property
    def needs_a_look(self) -> bool:
        return self is not Status.GRADED

    @property
    def is_students(self) -> bool:
        """True when the outcome is the submission's doing (a score stands)."""
        return self is not Status.GRADER_FAILED

    @property
    def code_graded(self) -> bool:
        """True when the student's code ran and was judged (not for input that could not be
        read, nor a grader failure): what per-question figures and grade imports count."""
        return self not in (Status.INVALID, Status.GRADER_FAILED)


@dataclass
class CellProblem:
    """A code cell that did not run cleanly: what the session saw, what the feedback says."""

    index: int  # 1-based position among the notebook's code cells
    first_line: str
    status: Status  # ERROR, TIMEOUT or KILLED
    message: str
    raised: Raised | None = None  # what it raised (ERROR), as the worker reported it

    @classmethod
    def of(cls, position: int, source: str, status: Status, message: str,
           raised: Raised | None = None) -> CellProblem:
        """The problem of the code cell at 0-based ``position``, whose code is ``source``."""
        lines = [line.strip() for line in source.splitlines() if line.strip()]
        return cls(position + 1, (lines[0] if lines else "")[:80], status, message, raised)

    def describe(self) -> str:
        """What happened to the cell, as a phrase after its name."""
        if self.status is Status.TIMEOUT:
            return self.message
        if self.status is Status.KILLED:
            return f"stopped the process ({self.message}) and was skipped"
        if self.raised is None:
            return f"raised {self.message}"
        where = f" at line {self.raised.line}" if self.raised.line is not None else ""
        return f"raised {self.raised.type}{where}: {self.raised.message}"


# The statuses a problem in the student's code can cause, worst first.
PROBLEMS = (Status.KILLED, Status.TIMEOUT, Status.ERROR)


class Isolation(NamedEnum):
    """How the student's code is kept from the grader, strongest first."""

    BWRAP_ZYGOTE = "bwrap+zygote"  # bubblewrap's, each submission forked from a warm zygote
    BWRAP = "bwrap"  # bubblewrap: namespaces, no network, read-only Python only
    PROCESS_USER_ZYGOTE = "process-user+zygote"  # no bubblewrap, but namespaces per child
    PROCESS_USER = "process-user"  # no namespaces: an unprivileged user of its own (as root)
    PROCESS = "process"  # a plain child process: explicit opt-in only

    @property
    def warm(self) -> bool:
        """True when each submission is a child of a zygote (hsa.sandbox.warm)."""
        return self in (Isolation.BWRAP_ZYGOTE, Isolation.PROCESS_USER_ZYGOTE)

    @property
    def fresh(self) -> Isolation:
        """The same level with a fresh sandbox per submission (itself when not warm)."""
        return {Isolation.BWRAP_ZYGOTE: Isolation.BWRAP,
                Isolation.PROCESS_USER_ZYGOTE: Isolation.PROCESS_USER}.get(self, self)

    @property
    def zygote(self) -> Isolation | None:
        """The warm variant of this level, or None where there is none."""
        return {Isolation.BWRAP: Isolation.BWRAP_ZYGOTE,
                Isolation.PROCESS_USER: Isolation.PROCESS_USER_ZYGOTE}.get(self.fresh)


class Layout(NamedEnum):
    """Where a class download comes from."""
    GRADESCOPE = "gradescope"
    CANVAS = "canvas"
    MOODLE = "moodle"
    NBGRADER = "nbgrader"
    PLAIN = "plain"


class SetAsideReason(NamedEnum):
    """Why a student's file was not the one graded (see :mod:`hsa.trusted.choice`)."""
    NOT_GRADABLE = "not_gradable"        # not a notebook, nor a zip with one notebook
    OLDER = "older"                      # an earlier submission, or an earlier upload
    FEWER_FUNCTIONS = "fewer_functions"  # another file fills in more graded functions
    NOT_PREFERRED = "not_preferred"      # another file is named more like the assignment
    AMBIGUOUS = "ambiguous"              # as good as another, nothing says which is latest


class HintKind(NamedEnum):
    """What sort of failure a check's hint reports, where the check says (its ``Hint.kind``
    in solutions/public_checks.py, which cannot import this package: the values are the same)."""
    NOT_ATTEMPTED = "not_attempted"  # a placeholder left in, or the function never defined
    NAMED = "named"  # the check named the mistake itself: feedback keeps its words
    PROPERTY = "property"  # it names a property the result breaks: feedback keeps it too


class Verdict(NamedEnum):
    """What the trusted diagnosis found about a function that went wrong
    (:mod:`hsa.trusted.diagnosis`)."""
    OWN = "own"  # wrong on its own, whatever the functions it calls returned
    THROUGH = "through"  # right given what the functions it calls returned to it
    STOPPED = "stopped"  # it raised an error a function it calls raised: unchecked beyond


class NotBack(NamedEnum):
    """Why a student's grade or feedback does not go back to the platform (the hand-back
    summary says it, a line per student)."""
    GRADER_FAILED = "the grader failed: grade it again"
    NOTHING_GRADED = "nothing was graded: look first"
    NO_SUBMISSION = "submitted nothing"
    NOT_IN_ROSTER = "not in the roster"
    NAMES_NO_STUDENT = "names no student"
    NO_IDS = "its file name gives no user and attachment id Canvas can read"
    ANONYMOUS = ("anonymous: Canvas imports no grade of an anonymous assignment until its "
                 "grades are posted; enter it in SpeedGrader")
    EXCUSED = "excused in Canvas"
    NOT_ASSIGNED = "Canvas's export says N/A: the assignment is not theirs, or its grades are hidden"
    TEAM_NEEDS_ROSTER = ("a team assignment's: who is in each team is in Moodle's grading "
                         "worksheet (pass it with --roster)")
    NO_PARTICIPANT = "names no participant"
    NO_COMMENT_COLUMN = "the worksheet has no Feedback comments column"
    NBGRADER_NEEDS_FILES = ("no timestamp.txt or submission_secret.txt beside the notebook, "
                            "which release_feedback needs")
    NO_NOTEBOOK = "no notebook in submitted/<student>/<assignment>/"
    NO_GRADE_UPLOAD = "no grade upload for this platform: gradebook.csv holds it"
