"""Feedback within a platform's size limit: the whole page where it fits, else the same
page with long texts cut and a sentence that says so (:func:`~hsa.writers.wording.shortened_text`)."""

import copy
import dataclasses

from ..trusted.result import Result
from ..writers.document import Paragraph
from ..writers.feedback_html import feedback_html, html_page
from ..writers.graded import Graded
from ..writers.wording import shortened_text

CUTS = (2000, 400, 80, 0)
"""The characters each hint and each cell's message keeps, tried in turn until the page fits."""
ELLIPSIS = " …"


def fitted_html(graded: Graded, limit: int) -> tuple[str, bool]:
    """feedback.html for ``graded`` in at most ``limit`` bytes (UTF-8), and whether it was
    shortened to fit."""
    page = feedback_html(graded)
    full = len(page.encode())
    if full <= limit:
        return page, False
    for keep in CUTS:
        blocks = list(Graded.of(_cut(graded.result, keep)).blocks)
        blocks.insert(2, Paragraph(shortened_text(full, limit)))
        page = html_page(f"Feedback on {graded.result.submission}", blocks)
        if len(page.encode()) <= limit:
            return page, True
    raise ValueError(f"the feedback does not fit in {limit} bytes even with every text cut")


def _cut(result: Result, keep: int) -> Result:
    """A copy of ``result`` whose hints and cell messages keep ``keep`` characters each."""
    short = copy.deepcopy(result)
    short.tests = [dataclasses.replace(t, hint=_clip(t.hint, keep)) for t in short.tests]
    for cell in short.cells:
        cell.message = _clip(cell.message, keep)
        if cell.raised is not None:
            cell.raised = dataclasses.replace(cell.raised, message=_clip(cell.raised.message, keep))
    short.set_aside = short.set_aside[:20]
    return short


def _clip(text: str, keep: int) -> str:
    return text if len(text) <= keep else text[:keep].rstrip() + ELLIPSIS
