"""gradebook.csv: a row per student, its identity, scores per question and provenance."""

from __future__ import annotations

import dataclasses
from typing import IO, Iterable, Sequence

from ..trusted.causes import Traced
from ..trusted.result import Identity, Provenance, Result
from .graded import Graded
from .spreadsheet import SafeWriter

IDENTITY_COLUMNS = tuple(f.name for f in dataclasses.fields(Identity))
PROVENANCE_COLUMNS = tuple(f.name for f in dataclasses.fields(Provenance))


def write_gradebook(handle: IO[str], rows: Iterable[Sequence[object]], questions: Sequence[str]) -> None:
    """gradebook.csv into ``handle``: its header, then ``rows`` (:func:`gradebook_row`'s, in
    the order given: the journal gives them sorted), every cell neutralised, one at a time."""
    writer = SafeWriter(handle, lineterminator="\n")
    writer.writerow(columns(questions))
    for row in rows:
        writer.writerow(row)


def columns(questions: Sequence[str]) -> list[str]:
    """The gradebook's header."""
    return ["submission", *IDENTITY_COLUMNS, "status", "score", "max_score", *questions,
            "lost_through_dependency", "message", "set_aside", *PROVENANCE_COLUMNS]


def gradebook_row(graded: Graded, questions: Sequence[str]) -> list[object]:
    """One result's gradebook row."""
    r = graded.result
    scores = [f"{r.questions[q].score:g}" if q in r.questions else "0" for q in questions]
    identity = [_cell(getattr(r.identity, c)) for c in IDENTITY_COLUMNS]
    return [r.submission, *identity, r.status, f"{r.score:g}", f"{r.max_score:g}", *scores,
            _through_dependency(r, graded.traced), r.message, "; ".join(map(str, r.set_aside)),
            *_provenance(r.provenance)]


def _provenance(provenance: Provenance | None) -> list[object]:
    """The provenance's cells: empty where the result has none (nothing was graded)."""
    if provenance is None:
        return [""] * len(PROVENANCE_COLUMNS)
    return [getattr(provenance, c) for c in PROVENANCE_COLUMNS]


def _through_dependency(result: Result, traced: Traced) -> str:
    """``formula_1 2; hidden_state 3``: points each question lost only because a function it
    uses was wrong (the rest of what it lost is its own); empty when none."""
    lost = traced.split()
    return "; ".join(f"{q} {lost[q][1]:g}" for q in result.questions
                     if q in lost and lost[q][1])


def _cell(value: str | bool | None) -> str:
    """A gradebook cell: yes/no for a known lateness, empty for what the download does not say."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
