"""What a run keeps of each result (a :class:`Row`), and what the summary and the report
judge of a result: a blank stub handed in, a function not attempted, why a row needs a look.

Apart from :mod:`.summary` and :mod:`.report`, which both read it, and from the uploads,
which carry a Row per student: none of them imports another for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..outcomes import HintKind, Status
from ..trusted.result import Identity, Result, TestResult

BLANK_STUB = ("every function is still the placeholder handed out: a blank notebook, perhaps the "
              "wrong file")


@dataclass(frozen=True, slots=True)
class Row:
    """What the summary needs of one result (a run keeps only this in memory)."""

    submission: str
    status: Status
    score: float
    max_score: float
    message: str
    identity: Identity  # who, for the report's "needs a look"
    blank_stub: bool  # every graded function left as handed out (:func:`blank_stub`)

    @classmethod
    def of(cls, result: Result) -> Row:
        return cls(result.submission, result.status, result.score, result.max_score,
                   result.message, result.identity, blank_stub(result))


def is_placeholder(test: TestResult) -> bool:
    """The check said the function was not attempted (a placeholder, or no function)."""
    return test.kind == HintKind.NOT_ATTEMPTED


def not_attempted(result: Result, question: str) -> bool:
    tests = [t for t in result.tests if t.question == question]
    return bool(tests) and all(is_placeholder(t) for t in tests)


def blank_stub(result: Result) -> bool:
    """True when every graded function was left as handed out (a blank stub handed in,
    often the wrong file): it needs a look even when its status is ``graded``."""
    return bool(result.questions) and all(not_attempted(result, q) for q in result.questions)


def look_reason(row: Row) -> str:
    """Why a submission (a summary Row) needs a look, in one line of text."""
    if row.blank_stub and not row.message:
        return BLANK_STUB
    return row.message
