"""Named outcomes: a grade's status, the sandbox's isolation level, a download's layout
and why a student's file was set aside.

Both are ``str`` enums, so that the files they are written to (gradebook.csv,
results.json) hold the plain strings.
"""

import enum


class NamedEnum(str, enum.Enum):
    """A str enum that writes as its plain value (files, f-strings), on Python 3.10+."""

    def __str__(self):
        return self.value

    def __format__(self, spec):
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
    def needs_a_look(self):
        return self is not Status.GRADED

    @property
    def is_students(self):
        """True when the outcome is the submission's doing (a score stands)."""
        return self is not Status.GRADER_FAILED

    @property
    def code_graded(self):
        """True when the student's code ran and was judged (not for input that could not be
        read, nor a grader failure): what per-question figures and grade imports count."""
        return self not in (Status.INVALID, Status.GRADER_FAILED)


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
    def warm(self):
        """True when each submission is a child of a zygote (hsa.sandbox.warm)."""
        return self in (Isolation.BWRAP_ZYGOTE, Isolation.PROCESS_USER_ZYGOTE)

    @property
    def fresh(self):
        """The same level with a fresh sandbox per submission (itself when not warm)."""
        return {Isolation.BWRAP_ZYGOTE: Isolation.BWRAP,
                Isolation.PROCESS_USER_ZYGOTE: Isolation.PROCESS_USER}.get(self, self)

    @property
    def zygote(self):
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
