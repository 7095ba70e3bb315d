"""Coursera's entry point: ``python -I -m hsa.platforms.coursera`` (the image's ``/grader/grade``).

Coursera runs the custom grader's image once per submission, as a user of its own with no
network, with the learner's file in ``/shared/submission/`` and ``partId``, ``filename``
and ``userId`` as environment variables (the Dockerfile's own ENV lines are wiped); it
shows the learner ``/shared/feedback.json``'s ``fractionalScore`` and, with
``"feedbackType": "HTML"``, ``/shared/htmlFeedback.html``, cut at 64 KB. Its tool
``coursera_autograder grade local`` reads the last line of stdout as that JSON, so stdout
carries that line alone; everything else goes to stderr, the log only course staff see.

This adapter maps that to the grading core (:mod:`hsa.platforms.core`): the autograder
zip built into the image is loaded and deleted before any student code runs, the process
is made undumpable, and as the container's PID 1 it ends every process the submission left
before it writes. A failure of the grader itself writes no feedback.json and exits 1:
Coursera then reports a failed grading, not a score. docs/platforms.md cites each fact.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys
from typing import Literal, TypedDict

from ...exceptions import AutograderMissing
from ...outcomes import Status
from ...trusted.result import NOT_GRADED, Identity
from ...writers.atomic import write_atomic
from ...writers.feedback import feedback_md
from ...writers.feedback_html import feedback_html
from ...writers.graded import Graded
from ...writers.results import summary_line
from ..core import (clear_for_output, end_strays, grade_upload, harden, load_and_remove,
                    seed_from_environment)
from ..feedback_size import fitted_html
from ..limits import CONTAINER_START_UP_SECONDS, COURSERA_FEEDBACK_BYTES, coursera

SHARED = pathlib.Path("/shared")
AUTOGRADER = pathlib.Path("/grader/secret")  # the image's copy of the autograder zip, in a folder every uid may empty
FEEDBACK_JSON, FEEDBACK_HTML = "feedback.json", "htmlFeedback.html"


class Feedback(TypedDict):
    """feedback.json: what Coursera shows the learner (the HTML page's text in ``feedback``)."""
    fractionalScore: float
    feedback: str
    feedbackType: Literal["HTML"]


def main(shared: str = str(SHARED), autograder_folder: str = str(AUTOGRADER)) -> int:
    harden()
    out = pathlib.Path(shared)
    autograder = load_and_remove(_the_zip(pathlib.Path(autograder_folder)))
    budget = coursera(autograder.settings).submission_budget(autograder.budgets.submission,
                                                             CONTAINER_START_UP_SECONDS)
    result = grade_upload(out / "submission", autograder, seed_from_environment(), budget)
    # Coursera renames the file to the part's suggested name: the learner knows it by theirs.
    result.submission = os.environ.get("filename", "") or result.submission
    result.identity = Identity(student_id=os.environ.get("userId", ""), path=result.submission)
    end_strays()
    print(f"hsa: part {os.environ.get('partId', '(none)')}: {summary_line(result)}\n"
          f"hsa: provenance {json.dumps(result.to_dict()['provenance'])}", file=sys.stderr)
    if not result.status.is_students:
        print(f"hsa: the grader failed, so no feedback was written: {result.message}", file=sys.stderr)
        return 1
    graded = Graded.of(result)
    feedback, page, shortened = coursera_feedback(graded)
    if shortened:  # the whole page, for course staff: the learner's says where it is
        print("hsa: the full feedback, shortened for the learner:\n" + feedback_html(graded),
              file=sys.stderr)
    clear_for_output(out / FEEDBACK_JSON, out / FEEDBACK_HTML)
    line = json.dumps(feedback)
    for name, text in ((FEEDBACK_HTML, page), (FEEDBACK_JSON, line + "\n")):
        write_atomic(out / name, text)
        os.chmod(out / name, 0o644)  # for whoever collects it, whatever its uid
    print(line)
    return 0


def _the_zip(folder: pathlib.Path) -> pathlib.Path:
    """The one autograder zip the Dockerfile copied into ``folder``."""
    zips = sorted(folder.glob("*-autograder.zip"))
    if len(zips) != 1:
        raise AutograderMissing(f"expected one autograder zip in {folder}, found {len(zips)}; "
                                "rebuild the image from autograder/coursera/ (hsa assign)")
    return zips[0]


def coursera_feedback(graded: Graded, limit: int = COURSERA_FEEDBACK_BYTES) -> tuple[Feedback, str, bool]:
    """feedback.json's content, the HTML page (within ``limit``) and whether the page was
    shortened. A file that cannot be graded scores 0, with what to upload instead."""
    result = graded.result
    page, shortened = fitted_html(graded, limit)
    score = result.score / result.max_score if result.status.code_graded and result.max_score else 0.0
    if result.status is Status.INVALID:
        text = f"Not graded: {result.message.removeprefix(NOT_GRADED)}."
    else:
        text = feedback_md(graded)
    return ({"fractionalScore": round(min(1.0, max(0.0, score)), 6),
             "feedback": _clip_bytes(text, limit), "feedbackType": "HTML"}, page, shortened)


def _clip_bytes(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[:limit - 4].decode(errors="ignore") + " …"
