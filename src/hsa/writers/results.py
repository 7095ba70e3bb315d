"""Gradescope's results.json, and reading one back.

Gradescope's shape: ``score``, ``execution_time``, ``output``, ``tests`` (each
with ``name``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``) and ``extra_data``, which here holds the whole result with
its provenance, so a gradebook can be rebuilt from the results files alone.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Literal, Sequence, TypedDict

from ..settings import Visibility
from ..trusted.result import Result, TestResult
from .feedback import feedback_md
from .graded import Graded
from .wording import quoted


class _Test(TypedDict):
    name: str
    score: float
    max_score: float
    output: str
    visibility: str  # one of Gradescope's visibilities (settings.VISIBILITIES)


class GradescopeTest(_Test, total=False):
    """One entry of results.json's ``tests``."""
    status: Literal["passed", "failed"]  # a check's; the whole feedback's entry has none
    output_format: Literal["md"]  # the whole feedback's entry: its output is Markdown


class ResultsJson(TypedDict):
    """results.json, as Gradescope reads it."""
    execution_time: float
    output: str
    output_format: Literal["md"]
    visibility: str
    stdout_visibility: str
    tests: list[GradescopeTest]
    extra_data: dict[str, Any]  # Result.to_dict(): the whole result, as JSON (read_result)


def results_json(graded: Graded, visibility: Visibility) -> ResultsJson:
    """Gradescope's results.json. Whatever a student may see before grades are published
    (the top-level ``output``, the public tests) holds public checks, their own cells'
    errors and general advice only. There is no top-level ``score``: Gradescope sums the
    tests' scores, so the hidden share of the score shows only with the hidden tests, and
    the full feedback is one more test, shown with them. A test lost through another
    function's mistake says so first (from the public checks alone, for a public test)."""
    result = graded.result
    through = lost_through(graded)
    tests: list[GradescopeTest] = [{
        "name": f"{t.name} ({'hidden' if t.hidden else 'public'})",
        "score": t.score, "max_score": t.max_score,
        "status": "passed" if t.passed else "failed",
        "output": describe_test(t, through.get(t.name)),
        "visibility": visibility.hidden if t.hidden else visibility.public,
    } for t in result.tests]
    tests.append({"name": "Feedback on the whole notebook", "score": 0, "max_score": 0,
                  "output": feedback_md(graded), "output_format": "md",
                  "visibility": visibility.hidden})
    return {
        "execution_time": float(result.provenance.wall_time_seconds or 0.0) if result.provenance else 0.0,
        "output": feedback_md(graded, public_only=True),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": result.to_dict(),
    }


def lost_through(graded: Graded) -> dict[str, Sequence[str]]:
    """Test name -> the functions its points were lost through (a public test's from the
    public checks alone, a hidden test's from all), for the tests that lost any so."""
    hidden = {t.name for t in graded.result.tests if t.hidden}
    return {loss.test: loss.roots for public_only in (True, False)
            for loss in graded.traced.of(public_only).losses
            if (loss.test in hidden) != public_only}


def describe_test(test: TestResult, roots: Sequence[str] | None) -> str:
    """What one test says: "Passed.", or its hint, after the functions it lost through."""
    if not test.hint:
        return "Passed."
    if not roots:
        return test.hint
    that = "that" if len(roots) == 1 else "those"
    return f"Lost through {quoted(roots)}: fix {that} first (see the feedback).\n{test.hint}"


def read_result(path: str | os.PathLike[str]) -> Result:
    return Result.from_dict(json.loads(pathlib.Path(path).read_text())["extra_data"])


def summary_line(result: Result) -> str:
    text = f"{result.submission}: {result.status}, {result.score:g} / {result.max_score:g}."
    return f"{text} {result.message}" if result.message else text


