"""PrairieLearn's entry point: ``python -I -m hsa.platforms.prairielearn TIMEOUT`` (the
image's ``/grader/grade``, the question's ``externalGradingOptions.entrypoint``).

PrairieLearn's grader host runs the question's image once per submission as the image's
user (root here), with no network, 2 GiB and 0.9 CPU, the job's folder at ``/grade``:
``student/`` (the uploaded files), ``serverFilesCourse/`` (the course's files the question
names: our autograder zip), ``data/data.json``; it reads ``/grade/results/results.json``
(at most 1 MB). ``gradable: false`` with ``format_errors`` marks a file that cannot be
graded, which costs the student no attempt; a job that exits non-zero, runs past its
timeout or writes no results is a failed job, which PrairieLearn does not hold against
the student. docs/platforms.md cites each fact.

This adapter maps that to the grading core (:mod:`hsa.platforms.core`), and does at least
what PrairieLearn's own Python grader does: the autograder is loaded, then deleted from
``/grade``, before any student code runs; ``/grade`` is root's alone while it runs (the
sandbox's user can neither read the tests nor write the results), and whatever
``results.json`` was there is removed before ours is written, after every process the
submission started has ended.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys
from typing import Any, Literal, TypedDict

from ...exceptions import AutograderMissing
from ...outcomes import Status
from ...trusted.result import NOT_GRADED, Result
from ...writers.atomic import write_atomic
from ...writers.feedback import feedback_md
from ...writers.graded import Graded
from ...writers.results import describe_test, lost_through, summary_line
from ..core import (clear_for_output, end_strays, grade_upload, harden, load_and_remove,
                    lock_down, seed_from_environment)
from ..limits import CONTAINER_START_UP_SECONDS, PRAIRIELEARN_RESULTS_BYTES, prairielearn

GRADE = pathlib.Path("/grade")


class Ungradable(TypedDict):
    """results.json for a file that cannot be graded: no attempt is spent."""
    gradable: Literal[False]
    format_errors: list[str]
    message: str
    hsa_result: dict[str, Any]  # Result.to_dict(): JSON of the grade, provenance included


class TestEntry(TypedDict):
    """A question as PrairieLearn shows a test: its points and what went wrong."""
    name: str
    points: float
    max_points: float
    message: str
    output: str


class Scored(TypedDict):
    """results.json for a graded file."""
    gradable: Literal[True]
    score: float  # a fraction of the points
    message: str
    output: str
    tests: list[TestEntry]
    hsa_result: dict[str, Any]  # as in Ungradable


Results = Ungradable | Scored


def main(timeout: str = "", root: str = str(GRADE)) -> int:
    """Grade ``/grade/student``; ``timeout``: the question's ``externalGradingOptions.timeout``
    (the entrypoint's argument, which the container is not told otherwise; else the
    assignment's setting)."""
    harden()
    job = pathlib.Path(root)
    results = job / "results"
    lock_down(job, results)
    clear_for_output(results / "results.json")
    autograder = load_and_remove(_the_zip(job / "serverFilesCourse"))
    for course_files in ("serverFilesCourse", "tests"):  # nothing of the question's is left
        shutil.rmtree(job / course_files, ignore_errors=True)
    limits = prairielearn(int(timeout) if timeout else autograder.settings.prairielearn.timeout_seconds)
    budget = limits.submission_budget(autograder.budgets.submission, CONTAINER_START_UP_SECONDS)
    result = grade_upload(job / "student", autograder, seed_from_environment(), budget)
    end_strays()
    print(summary_line(result), file=sys.stderr)
    if not result.status.is_students:
        # No results.json and a non-zero exit: a failed job, never a 0 for the student.
        print(f"hsa: the grader failed, so no results were written: {result.message}", file=sys.stderr)
        return 1
    clear_for_output(results / "results.json")
    write_atomic(results / "results.json", json.dumps(prairielearn_results(result)) + "\n")
    return 0


def _the_zip(server_files: pathlib.Path) -> pathlib.Path:
    """The one autograder zip among the course files the question copies in."""
    zips = sorted(server_files.rglob("*-autograder.zip")) if server_files.is_dir() else []
    if len(zips) != 1:
        raise AutograderMissing(f"expected one autograder zip under {server_files}, found "
                                f"{len(zips)}: the question's info.json must name the folder of "
                                "serverFilesCourse that holds it (hsa assign writes both)")
    return zips[0]


def prairielearn_results(result: Result, limit: int = PRAIRIELEARN_RESULTS_BYTES) -> Results:
    """results.json for a graded or ungradable ``result``: a test per question with its
    points, the feedback as ``message``, what the student's code printed as ``output``."""
    graded = Graded.of(result)
    if result.status is Status.INVALID:
        reason = result.message.removeprefix(NOT_GRADED)
        return {"gradable": False, "format_errors": [f"{reason}."], "message": feedback_md(graded),
                "hsa_result": result.to_dict()}
    through = lost_through(graded)
    tests: list[TestEntry] = []
    for question, (points, possible) in result.questions.items():
        said = [line for t in result.tests if t.question == question and not t.passed
                for line in describe_test(t, through.get(t.name)).splitlines()]
        tests.append({"name": question, "points": points, "max_points": possible,
                      "message": "\n".join(dict.fromkeys(said)) or "Passed.", "output": ""})
    data: Scored = {"gradable": True, "score": round(result.score / result.max_score, 6) if result.max_score else 0.0,
            "message": feedback_md(graded), "output": result.output, "tests": tests,
            "hsa_result": {**result.to_dict(), "output": ""}}  # the grade, provenance included
    return _within(data, limit)


def _within(data: Scored, limit: int) -> Scored:
    """``data`` with its longest texts cut until its JSON fits in ``limit`` bytes."""
    fields: tuple[Literal["output", "message"], ...] = ("output", "message")
    for field in fields:
        size = len(json.dumps(data).encode())
        if size <= limit:
            break
        text = data[field]
        keep = max(0, len(text.encode()) - (size - limit) - 200)
        data[field] = text.encode()[:keep].decode(errors="ignore") + "\n… (cut to fit PrairieLearn's 1 MB)"
    return data
