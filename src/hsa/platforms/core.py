"""The one grading core every platform's adapter calls, and the hardening around it.

:func:`grade_upload` grades what one student uploaded: the file chosen by
:mod:`hsa.trusted.choice` (the same rule as ``hsa grade``'s), graded by the trusted
grader with the strongest isolation that works here, after a preflight of it; a sandbox
that cannot start is the grader's failure, never the student's.

A platform's container may forbid every namespace (Docker's default seccomp profile does:
``unshare`` needs CAP_SYS_ADMIN) and run the grader as a user who shares its uid with
the student's code (Coursera). What still keeps the grade the grader's own there:
:func:`harden` (no other process of the uid may read or trace the grader's memory),
:func:`load_and_remove` (the hidden tests are in memory, and gone from the disk, before
any student code runs), :func:`end_strays` (no student process is left to forge the
output once it is written) and :func:`clear_for_output` (whatever was planted where the
output goes is removed).
"""

import contextlib
import ctypes
import os
import pathlib
import shutil
import signal

from ..exceptions import GraderFailure
from ..outcomes import Status
from ..sandbox.isolation import best_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.autograder import Autograder
from ..trusted.choice import Choice, Handed, choose
from ..trusted.grader import grade_file, new_result, seed_or_fresh
from ..trusted.result import NOT_GRADED, Result
from ..trusted.submission import files_under

SEED_VARIABLE = "HSA_SEED"  # a fixed seed for the hidden inputs (tests); else a fresh one
PR_SET_DUMPABLE = 4  # prctl(2)


def choose_upload(folder: pathlib.Path, autograder: Autograder) -> Choice:
    """Which of the files the student uploaded is graded (:mod:`hsa.trusted.choice`'s rule,
    the same as ``hsa grade``'s): no platform says anything of their order."""
    folder = pathlib.Path(folder)
    files = [Handed(p, p.relative_to(folder).as_posix()) for p in files_under(folder)]
    return choose(files, autograder.expected)


def grade_upload(folder: pathlib.Path, autograder: Autograder, seed: int,
                 timeout: float | None = None) -> Result:
    """The Result for what the student uploaded to ``folder``; ``timeout`` caps the wall time
    of the submission's code (the master's ``submission_budget_seconds`` otherwise)."""
    choice = choose_upload(folder, autograder)
    chosen = choice.chosen
    if chosen is None:
        advice = "; upload only the notebook you want graded" if choice.ambiguous else ""
        result = new_result("(none)", autograder, Status.INVALID,
                            f"{NOT_GRADED}{choice.problem}{advice}")
    else:
        isolation = best_isolation()
        try:
            preflight(isolation, autograder.budgets)
        except GraderFailure as failure:
            result = new_result(chosen.path, autograder, Status.GRADER_FAILED, str(failure))
        else:
            result = grade_file(chosen.file, chosen.path, autograder, seed, isolation, timeout)
    result.set_aside = list(choice.set_aside)
    return result


def seed_from_environment() -> int:
    """``HSA_SEED`` where set (to reproduce a grade), else a fresh seed (recorded)."""
    value = os.environ.get(SEED_VARIABLE)
    return seed_or_fresh(int(value) if value else None)


def lock_down(*folders: pathlib.Path) -> None:
    """Root-only access: a sandbox's unprivileged user can neither read nor write these."""
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


def harden() -> None:
    """Make this process undumpable: its ``/proc/<pid>`` files (memory, file descriptors,
    environment) become root's, and no process of the same uid may ptrace it. Where the
    student's code runs as the grader's uid (``process`` isolation, as on Coursera), this
    is what keeps the loaded hidden tests, the seed and the score out of its reach."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise GraderFailure(f"prctl(PR_SET_DUMPABLE, 0) failed: {os.strerror(ctypes.get_errno())}")


def load_and_remove(path: pathlib.Path) -> Autograder:
    """Load the autograder (its zip or folder) into this process, then delete it from the
    disk, so that no student code run afterwards can read the hidden tests, whatever its
    uid (PrairieLearn's own Python grader deletes its tests the same way). A copy that
    cannot be deleted is the grader's failure: grading on would expose the tests."""
    path = pathlib.Path(path)
    autograder = autograders.load(path)
    try:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError as error:
        raise GraderFailure(f"the autograder at {path} could not be removed after loading "
                            f"({error}), so student code could read the hidden tests; make its "
                            "folder writable by the grader's user") from None
    return autograder


def end_strays() -> bool:
    """As a container's PID 1, kill every other process in it and reap them: nothing the
    student's code started (a detached daemon, say) is left to overwrite the output once
    it is written. ``kill(-1)`` reaches every process this uid may signal and is delivered
    atomically. False where this process is not PID 1 (not in a container of its own):
    there the sandbox's own clean-up is all there is."""
    if os.getpid() != 1:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)
    return True


def clear_for_output(*paths: pathlib.Path) -> None:
    """Remove whatever is at ``paths`` (a file, a link or a folder planted by student code
    that could write there), so that the grader's own output takes their place."""
    for path in map(pathlib.Path, paths):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
