"""The student's feedback as a reader gets it from a :class:`~.graded.Graded`: feedback.md,
and the same in one line for a platform's comment box.

Its blocks are made in :mod:`.feedback_blocks` (once per row, held by the Graded); every
sentence of English is in :mod:`.wording`.
"""

from __future__ import annotations

from ..outcomes import Status
from .document import markdown
from .graded import Graded
from .wording import GRADER_FAILED_TEXT, NOT_GRADED_YET_TEXT


def feedback_md(graded: Graded, public_only: bool = False) -> str:
    """The student's feedback as Markdown (see :func:`~.feedback_blocks.feedback_blocks`)."""
    return markdown(graded.feedback(public_only))


def one_line(graded: Graded) -> str:
    """The feedback in one line, for a platform's comment box (Moodle's worksheet): the
    score, the functions to fix first, the cells that did not run; the attached feedback
    file says the rest. Plain text: no Markdown. Where nothing was graded it says only
    that the instructor will look (the reason is for the grader, who decides first)."""
    result = graded.result
    if result.status is Status.GRADER_FAILED:
        return GRADER_FAILED_TEXT
    if not result.status.code_graded:
        return NOT_GRADED_YET_TEXT
    parts = [f"Score {result.score:g} / {result.max_score:g}."]
    causes = graded.traced.full
    fix = causes.roots or [q for q, c in causes.questions.items() if c.own]
    if fix:
        parts.append(f"Fix first: {', '.join(fix)}.")
    elif result.tests and result.score >= result.max_score:
        parts.append("All checks passed.")
    if result.cells:
        parts.append("Code cells that did not run cleanly: "
                     f"{', '.join(str(c.index) for c in result.cells)}.")
    if result.score < result.max_score or result.cells:
        parts.append("The attached feedback file says what to fix.")
    return " ".join(parts)
