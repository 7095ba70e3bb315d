"""The feedback's blocks: the score per question, what to fix, what did not run.

Made once per row (a :class:`~.graded.Graded` holds them); :mod:`.document` renders them as
feedback.md and feedback.html, :mod:`.feedback_notebook` writes them into the student's
notebook. Every sentence of English is in :mod:`.wording`.
"""

from __future__ import annotations

from ..outcomes import Status
from ..trusted.causes import Traced
from ..trusted.result import NOT_GRADED, QuestionScore, Result
from .document import (Block, Bullets, Footer, Heading, Item, Paragraph, Part, Section, Table,
                       bullets)
from .wording import (GRADER_FAILED_TEXT, PUBLIC_ONLY_TEXT, distinct_advice, fix_first,
                      missing_package, pointers, refused_call)


def feedback_blocks(result: Result, traced: Traced, public_only: bool) -> list[Block]:
    """The student's feedback: score per question, what to fix, what did not run, as
    blocks (:mod:`.document`) that feedback.md, feedback.html and the feedback notebook
    render. Made once per row, by :class:`~.graded.Graded`.

    ``public_only``: what a student may read before grades are published: the public
    checks, their cells' errors and general advice; no hidden hint, no score.
    """
    blocks: list[Block] = [Heading(1, f"Feedback on {result.submission}")]
    if result.status is Status.GRADER_FAILED:
        return blocks + [Paragraph(GRADER_FAILED_TEXT)]
    if not public_only:
        blocks.append(Paragraph(f"**Score: {result.score:g} / {result.max_score:g}**"))
    if result.status is Status.INVALID:
        reason = result.message.removeprefix(NOT_GRADED)
        return blocks + [Paragraph(f"Your submission could not be graded: {reason}.\nResubmit "
                                   "the notebook (.ipynb) or the zip grader.export() makes.")]
    if public_only:
        blocks += [Paragraph(PUBLIC_ONLY_TEXT),
                   Table(("Question", "Public checks"),
                         tuple((f"`{q}`", _public_state(result, q)) for q in result.questions))]
    else:
        blocks.append(Table(("Question", "Score"), tuple(
            (f"`{q}`", f"{s:g} / {m:g}") for q, (s, m) in result.questions.items())))
    blocks += _fixes(result, traced, public_only) + _cell_problems(result)
    return blocks + _undefined(result) + _set_aside(result) + _footer(result)


def _public_state(result: Result, question: str) -> str:
    public = [t for t in result.tests if t.question == question and not t.hidden]
    if not public:
        return "none"
    return "passed" if all(t.passed for t in public) else "failed"


def _fixes(result: Result, traced: Traced, public_only: bool) -> list[Block]:
    """One part per question that failed a check. A mistake that other functions
    inherit is said once, at its cause; their parts point there instead."""
    causes = traced.of(public_only)
    sections = [q for q in result.questions if causes.losses_of(q)]
    sections += [r for r in causes.cascades if r not in sections]  # a root with no question
    parts: list[Part] = []
    for question in sections:
        score, possible = result.questions.get(question, QuestionScore(0.0, 0.0))
        lost = "public check failed" if public_only else f"{possible - score:g} point(s) lost"
        blocks: list[Block] = [Heading(3, f"`{question}`: {lost}")]
        if question in causes.cascades:
            blocks.append(Paragraph(fix_first(causes.cascades[question], public_only)))
        losses = causes.losses_of(question)
        advice = distinct_advice(loss.hint for loss in losses if loss.own)
        blocks.append(bullets(advice + pointers(question, losses, sections, public_only)))
        parts.append(Part(question, tuple(blocks)))
    if parts:
        return [Section("What to fix", tuple(parts))]
    if public_only and result.tests:
        return [Paragraph("All public checks passed.")]
    if result.tests and result.score >= result.max_score:
        return [Paragraph("All checks passed. Well done!")]
    return []


def _cell_problems(result: Result) -> list[Block]:
    if not result.cells:
        return []
    items = tuple(Item(f"Code cell {cell.index} (`{cell.first_line}`) {cell.describe()}."
                       + missing_package(cell.raised) + refused_call(cell.raised), cell.index)
                  for cell in result.cells)
    return [Section("Cells that did not run cleanly", (Bullets(items), Paragraph(
        "What a skipped or failing cell would have defined was not there when your functions "
        "were graded. Restart the kernel and run all cells (Kernel > Restart & Run All) to "
        "see the same thing.")))]


def _undefined(result: Result) -> list[Block]:
    if not result.undefined or not result.tests:
        return []
    names = ", ".join(f"`{n}`" for n in result.undefined)
    return [Section("Not graded", (Paragraph(
        f"These functions were not defined when your notebook ran, so their tests could not "
        f"pass: {names}. Check that each one's cell runs without an error and that its name "
        "and `def` line are as given."),))]


def _set_aside(result: Result) -> list[Block]:
    if not result.set_aside:
        return []
    graded = result.identity.path or result.submission
    files = bullets(f"`{a.path}`: {a.detail}" for a in result.set_aside)
    return [Section("Files not graded", (Paragraph(f"Graded: `{graded}`. Not graded:"), files))]


def _footer(result: Result) -> list[Block]:
    p = result.provenance
    if p is None:  # nothing was graded
        return []
    # No seed: it draws the hidden inputs, so it stays with the grader (gradebook, extra_data).
    return [Footer(f"Graded by hsa {p.package_version} at {p.timestamp}, isolation {p.isolation}.")]
