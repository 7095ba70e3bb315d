"""Every way a step of hsa can fail, as a named exception (in the spirit of nbclient's).

Three families, by whose fault it is:

* the submission's: :class:`InvalidSubmission` (not a notebook we can read),
  :class:`MetadataError` (a download's metadata we cannot read);
* the student's code, as seen from the trusted side: :class:`StudentError`
  (their function raised), :class:`BudgetExceeded`, :class:`ProcessLost`, and the
  sandbox's failures :class:`SandboxTimedOut`, :class:`SandboxDied`,
  :class:`ProtocolViolation` (all :class:`SandboxFailure`);
* the grader's own: :class:`GraderFailure` and its kinds. A grader failure is never
  charged to a student: it becomes the status ``grader_failed``, not a score; and the
  developer tools': :class:`HarnessError`.

(``hsa.untrusted.protocol.ProtocolError`` stays beside the protocol: the sandboxed
worker imports that module and nothing else of the package.)
"""


class InvalidSubmission(ValueError):
    """The file is not a notebook we can grade; the message says what to do."""


class MetadataError(ValueError):
    """A download's submission_metadata.yml (Gradescope's) cannot be read: its students'
    records say so, and the rest of the download is graded."""


# ------------------------------------------------------------ the sandbox
class SandboxFailure(Exception):
    """The student's process stopped answering as it should."""


class SandboxTimedOut(SandboxFailure):
    """It ran past the deadline of what it was doing (a cell, a call, the submission)."""


class SandboxDied(SandboxFailure):
    """It exited, was killed (memory, CPU time) or closed its channel."""


class ProtocolViolation(SandboxFailure):
    """It sent a malformed or out-of-turn message: student code wrote to the channel."""


# ------------------------------------------- calls of the student's functions
class StudentError(Exception):
    """An exception raised by the student's code, rebuilt under the same class name."""


class BudgetExceeded(Exception):
    """A call or the whole submission ran past its time budget."""


class ProcessLost(Exception):
    """The student's process died during a call (exit, crash, memory)."""


# ------------------------------------------------------------- the grader
class GraderFailure(RuntimeError):
    """The grader itself cannot do its job; the message tells the operator what to do."""


class SandboxUnavailable(GraderFailure):
    """No sandbox of the level asked for can be started on this machine."""


class ZygoteUnavailable(SandboxUnavailable):
    """A warm zygote cannot start, or cannot give a child its namespaces, here (the grader
    then falls back to a fresh sandbox per submission)."""


class ZygoteDied(GraderFailure):
    """A warm zygote died while its child ran, and not at the child's doing (its cgroup's
    cap was not reached): the grader's. The submission is graded again once from a new
    zygote; a second death is a grader failure."""


class FilterUnavailable(SandboxUnavailable):
    """No system-call filter for student code can be built or loaded here (no libseccomp2, a
    kernel without seccomp filters); the message says why and what to install."""


class SandboxBroken(GraderFailure):
    """The sandbox could not start the worker at all (before any student code ran)."""


class AutograderMissing(GraderFailure):
    """No autograder zip (or unpacked folder) where one was expected."""


class AssignError(GraderFailure):
    """``hsa assign`` could not build the assignment from the master."""


class SettingsError(AssignError):
    """An assignment's settings (``hsa.yml``, or the autograder's copy of them) break their
    declaration in :mod:`hsa.settings`; the message names the setting and what it may be."""


class GradingError(GraderFailure):
    """``hsa grade`` cannot run (not a problem with one submission)."""


class LayoutError(GradingError):
    """The paths given to ``hsa grade`` cannot be read as asked (the whole input, not one
    student: a path that does not exist, a forced layout that does not fit, a download
    too large to unpack); the message says what to do."""


class RosterError(GradingError):
    """``--roster``'s file is not a platform's export hsa can fill in, or does not fit the
    class or the assignment (checked before anyone is graded)."""


class DownloadTooLarge(LayoutError):
    """A class download would unpack to more than the bounds allow."""


class HarnessError(RuntimeError):
    """The local Gradescope (hsa_dev.harness) could not build or run the autograder."""


class OutputUnusable(GradingError):
    """``hsa grade``'s output folder cannot take the run: a file, unwritable, or too full."""


class OutputBusy(GradingError):
    """Another ``hsa grade`` is writing into the same output folder."""


class DiskFull(GradingError):
    """The output folder's disk filled during the run; the rows finished before are kept."""
