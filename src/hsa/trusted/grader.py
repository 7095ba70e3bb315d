"""Grade one submission: student code in the sandbox, every check in this trusted process.

The checks are Otter's own test files from the autograder zip. Each test case
function is called here with an environment of stand-ins for the graded
functions (see :class:`hsa.sandbox.session.Session`), so the grade never
depends on code the student controls: their code only ever answers calls, and
this process judges every answer.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Callable

from .. import __version__
from ..exceptions import GraderFailure, InvalidSubmission, ZygoteDied
from ..hashing import sha256_file
from ..outcomes import PROBLEMS, CellProblem, Isolation, Status
from ..sandbox import cgroup, clock, seccomp
from ..sandbox.command import Limits
from ..sandbox.isolation import network_reachable
from ..sandbox.session import Budgets, GradedCall, Session
from ..untrusted import protocol
from .autograder import Autograder
from .findings import Tested, add_findings
from .result import NOT_GRADED, Provenance, QuestionScore, Result, TestResult
from .submission import code_cells, function_sources, read_bytes

if TYPE_CHECKING:
    from otter.test_files.abstract_test import TestCase
    from otter.test_files.exception_test import ExceptionTestFile

# A stand-in for a graded function: it forwards the call to the sandbox and returns what the
# student's function returned (student data, of any type).
StandIn = Callable[..., Any]


def new_result(name: str, autograder: Autograder, status: Status = Status.GRADED,
               message: str = "") -> Result:
    """A result with nothing scored yet: every question at 0 of its points."""
    return Result(submission=name, status=status, message=message,
                  max_score=autograder.max_score,
                  questions={t.name: QuestionScore(0.0, t.possible) for t in autograder.tests})


def seed_or_fresh(seed: int | None = None) -> int:
    """``seed`` for the hidden inputs, or a fresh one when none is given (then recorded in
    the grade's provenance, so that it can be given back to reproduce the grade)."""
    return seed if seed is not None else secrets.randbelow(2**31)


def grade_file(path: pathlib.Path | str, name: str, autograder: Autograder, seed: int,
               isolation: Isolation, timeout: float | None = None) -> Result:
    """Grade the notebook (or export zip) at ``path``; always returns a Result."""
    started = time.monotonic()
    result = new_result(name, autograder)
    try:
        cells = code_cells(read_bytes(path))
    except (InvalidSubmission, OSError) as error:
        result.status, result.message = Status.INVALID, f"{NOT_GRADED}{error}"
        cells = None
    if cells is not None:
        result = _graded(name, cells, autograder, seed, isolation,
                         Budgets.of(autograder.settings, timeout))
    result.provenance = Provenance(
        seed=seed, isolation=isolation, network_reachable=network_reachable(isolation),
        submission_cap=cgroup.describe(_limits(autograder, isolation), isolation),
        budgets_count=clock.describe(cgroup.cpu_counted(isolation)),
        syscall_filter=seccomp.describe(),
        submission_sha256=_sha256_or_empty(path), autograder_sha256=autograder.sha256,
        autograder_content_sha256=autograder.content_sha256, package_version=__version__,
        wall_time_seconds=round(time.monotonic() - started, 3),
        timestamp=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    return result


def _limits(autograder: Autograder, isolation: Isolation) -> Limits:
    """The limits of a submission graded with ``autograder`` under ``isolation`` here."""
    return cgroup.submission_limits(Limits(submission_memory=autograder.settings.submission_memory_bytes), isolation)


def _graded(name: str, cells: list[str], autograder: Autograder, seed: int,
            isolation: Isolation, budgets: Budgets) -> Result:
    """The result of grading ``cells``: graded again once, from a new zygote, when the
    zygote under the first try died not at the submission's doing (ZygoteDied); a second
    death, or any other failure of the grader's, is ``grader_failed``."""
    message = ""
    for _attempt in (1, 2):
        result = new_result(name, autograder)
        try:
            _grade_cells(result, cells, autograder, seed, isolation, budgets,
                         _limits(autograder, isolation))
            return result
        except ZygoteDied as died:
            message = f"{died} (twice: a new zygote died too)"
        except GraderFailure as failure:
            return new_result(name, autograder, Status.GRADER_FAILED, str(failure))
    return new_result(name, autograder, Status.GRADER_FAILED, message)


def _grade_cells(result: Result, cells: list[str], autograder: Autograder, seed: int,
                 isolation: Isolation, budgets: Budgets, limits: Limits) -> None:
    session = Session(cells, autograder.graded_functions, isolation, budgets, limits,
                      autograder.settings.zygote_restart_every)
    try:
        session.start()
        autograder.activate(seed)
        env = _stand_ins(session, cells)
        tested: Tested = []
        for test_file in autograder.tests:
            for case in test_file.test_cases:
                first = len(session.calls)
                tested.append((run_case(test_file, case, env, session.calls),
                               session.calls[first:]))
        result.tests = [test for test, _calls in tested]
    finally:
        session.stop()
    add_findings(result, tested, autograder)
    result.questions = {q: QuestionScore(sum(t.score for t in result.tests if t.question == q), possible)
                        for q, (_, possible) in result.questions.items()}
    result.score = round(sum(t.score for t in result.tests), 6)
    result.cells = [session.events[index] for index in sorted(session.events)]
    result.output = session.output.decode("utf-8", "replace")
    result.undefined = [n for n in autograder.graded_functions
                        if session.defined.get(n) != protocol.FUNCTION]
    result.status, result.message = _status(result.cells, session.call_problems, budgets)


def _stand_ins(session: Session, cells: list[str]) -> dict[str, StandIn]:
    """A stand-in per function the notebook defined, each carrying the source text of the
    student's definition as ``hsa_source`` (data: a check may parse it, to say only what
    the code holds, as ``public_checks.source_of`` does)."""
    sources = function_sources(cells, session.names)
    env: dict[str, StandIn] = {}
    for name, kind in session.defined.items():
        if kind == protocol.FUNCTION:
            env[name] = session.proxy(name)
            # a function's attribute of hsa's own, which no type of a callable knows of
            setattr(env[name], "hsa_source", sources.get(name, ""))
    return env


def _sha256_or_empty(path: str | os.PathLike[str]) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def run_case(test_file: ExceptionTestFile, case: TestCase, env: Mapping[str, StandIn],
             log: list[GradedCall] | None = None) -> TestResult:
    """Call one Otter test case function with ``env``; its AssertionError is the hint.

    ``log`` is the session's list of graded calls (:class:`hsa.sandbox.session.GradedCall`),
    which the stand-ins in ``env`` append to: the calls this test made are recorded on
    its result, for feedback that names root causes. They never change the score.
    """
    log = [] if log is None else log
    first = len(log)
    hint = kind = ""
    try:
        case.body.call_func(env)
    except GraderFailure:  # the sandbox broke: the grader's fault, never a lost point
        raise
    except AssertionError as failure:  # a check's hint (public_checks.Hint), with its kind
        hint = str(failure) or "The check failed."
        kind = getattr(failure, "kind", "")
    except Exception as error:  # a stand-in's own error that no check turned into a hint
        hint = f"{type(error).__name__}: {error}"
    points = case.points or 0
    calls, reached = _calls_made(log[first:], case, env)
    return TestResult(test_file.name, case.name, case.hidden, 0.0 if hint else points, points,
                      hint, calls, reached, kind=kind if isinstance(kind, str) else "")


def _calls_made(log: Sequence[GradedCall], case: TestCase, env: Mapping[str, StandIn]
                ) -> tuple[list[str], dict[str, list[str]]]:
    """``(calls, reached)`` of one test: the graded functions it called directly, in order
    (one it takes that the notebook never defined counts as called: that call is what
    failed), and for each, the other graded functions its calls reached."""
    calls: list[str] = []
    reached: dict[str, list[str]] = {}
    for call in log:
        if call.name not in calls:
            calls.append(call.name)
        if call.reached:
            reached[call.name] = sorted(set(reached.get(call.name, [])) | set(call.reached))
    missing = [name for name in case.body._get_func_params() if name != "env" and name not in env]
    return calls + [name for name in missing if name not in calls], reached


def _status(cells: Sequence[CellProblem], call_problems: Sequence[Status],
            budgets: Budgets) -> tuple[Status, str]:
    """The worst problem the student's code had (else GRADED), and what happened."""
    problems = {c.status for c in cells} | set(call_problems)
    status = next((s for s in PROBLEMS if s in problems), Status.GRADED)
    if status is Status.GRADED:
        return status, ""
    notes = [f"code cell {c.index} ({c.first_line!r}): {c.describe()}" for c in cells]
    if call_problems:
        notes.append(f"{len(call_problems)} graded call(s) ran past {budgets.call:g} s or "
                     "crashed the process")
    return status, "; ".join(notes)
