"""gradebook.csv: a row per student, its identity, scores per question and provenance."""

import dataclasses
import io

from ..trusted.causes import trace
from ..trusted.result import Identity, Provenance
from .spreadsheet import SafeWriter

IDENTITY_COLUMNS = tuple(f.name for f in dataclasses.fields(Identity))
PROVENANCE_COLUMNS = tuple(f.name for f in dataclasses.fields(Provenance))


def gradebook_csv(results: list, questions: list, rows: dict | None = None) -> str:
    """The gradebook, a row per result sorted by submission. ``rows`` (submission -> the
    :func:`gradebook_row` already made) spares remaking each row at every rewrite."""
    rows = rows or {}
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\n")
    writer.writerow(columns(questions))
    for r in sorted(results, key=lambda r: r.submission):
        writer.writerow(rows.get(r.submission) or gradebook_row(r, questions))
    return buffer.getvalue()


def columns(questions):
    """The gradebook's header."""
    return ["submission", *IDENTITY_COLUMNS, "status", "score", "max_score", *questions,
            "lost_through_dependency", "message", "set_aside", *PROVENANCE_COLUMNS]


def gradebook_row(r, questions, traced=None):
    """One result's gradebook row (tracing its causes is the costly part: pass ``traced``
    when the caller has it)."""
    scores = [f"{r.questions.get(q, [0])[0]:g}" for q in questions]
    identity = [_cell(getattr(r.identity, c)) for c in IDENTITY_COLUMNS]
    return [r.submission, *identity, r.status, f"{r.score:g}", f"{r.max_score:g}", *scores,
            _through_dependency(r, traced or trace(r)), r.message, "; ".join(map(str, r.set_aside)),
            *(r.provenance.get(c, "") for c in PROVENANCE_COLUMNS)]


def _through_dependency(result, traced):
    """``formula_1 2; hidden_state 3``: points each question lost only because a function it
    uses was wrong (the rest of what it lost is its own); empty when none."""
    lost = traced.split()
    return "; ".join(f"{q} {lost[q][1]:g}" for q in result.questions
                     if q in lost and lost[q][1])


def _cell(value):
    """A gradebook cell: yes/no for a known lateness, empty for what the download does not say."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
