"""What a grader needs to know when ``hsa grade`` ends: counts, scores, what needs a look.

The same facts feed the terminal summary and the top of report.html.
"""

from __future__ import annotations

import collections
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping

from ..outcomes import Status
from .rows import Row, look_reason

if TYPE_CHECKING:
    from ..trusted.result import Result
    from .uploads import Returned, Upload


LISTED_IN_FULL = 60
"""Up to this many students, the summary lists each one's hand-back; beyond, only those
whose grade or feedback does not go back."""


@dataclass(frozen=True)
class Change:
    """A submission whose score changed because the autograder changed."""

    submission: str
    before: float
    after: float


@dataclass
class Summary:
    results: list[Row]  # Results given here are made into Rows
    changes: list[Change]  # empty unless the autograder changed since the last run
    set_aside: list[str] = field(default_factory=list)  # "path (why)": download members no one's
    uploads: list[Upload] = field(default_factory=list)  # what goes back where
    returned: list[Returned] = field(default_factory=list)  # per student, what goes back

    def __post_init__(self) -> None:
        self.results = [r if isinstance(r, Row) else Row.of(r) for r in self.results]

    @property
    def counts(self) -> dict[Status, int]:
        """Submissions per status, in the order of Status."""
        found = collections.Counter(r.status for r in self.results)
        return {status: found[status] for status in Status if found[status]}

    @property
    def scored(self) -> list[float]:
        """The scores of the submissions whose code was graded: an invalid file (nothing
        graded) and the grader's own failures are no score, so they are not in the mean."""
        return [r.score for r in self.results if r.status.code_graded]

    @property
    def mean(self) -> float | None:
        return statistics.mean(self.scored) if self.scored else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.scored) if self.scored else None

    @property
    def max_score(self) -> float:
        return max((r.max_score for r in self.results), default=0)

    @property
    def needs_a_look(self) -> list[Row]:
        """Every submission whose status is not ``graded``, worst first, then the blank
        notebooks handed in (:func:`~.report.look_reason` says why)."""
        order = {status: i for i, status in enumerate(reversed(list(Status)))}
        return sorted((r for r in self.results if r.status.needs_a_look or r.blank_stub),
                      key=lambda r: (order[r.status], r.submission))

    def lines(self) -> list[str]:
        """The terminal summary, one fact a line."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items())
        out = [f"{len(self.results)} submission(s): {counts}."]
        if self.scored:
            apart = len(self.results) - len(self.scored)
            out.append(f"score: mean {self.mean:.2f}, median {self.median:g} (of {self.max_score:g})"
                       + (f", over the {len(self.scored)} graded; {apart} not graded left out"
                          if apart else ""))
        if self.needs_a_look:
            out.append(f"needs a look ({len(self.needs_a_look)}):")
            out += [f"  {r.submission}: {r.status}, {r.score:g}/{r.max_score:g}: "
                    f"{_short(look_reason(r))}" for r in self.needs_a_look]
        if self.set_aside:
            out.append(f"set aside, not unpacked and no student's ({len(self.set_aside)}):")
            out += [f"  {member}" for member in self.set_aside]
        if self.changes:
            out.append(f"scores changed with the new autograder ({len(self.changes)}):")
            out += [f"  {c.submission}: {c.before:g} -> {c.after:g}" for c in self.changes]
        if self.uploads:
            out.append("hand back (upload each file where the arrow says, in this order):")
            out += [f"  {u.line()}" for u in self.uploads]
        return out + self.returned_lines()

    def returned_lines(self, listed: int = LISTED_IN_FULL) -> list[str]:
        """Per student, what goes back and what does not, and why: every student whose
        grade or feedback does not go back, and those whose both do while there are few
        (report.html lists everyone)."""
        if not self.returned:
            return []
        partial = [r for r in self.returned if not r.complete]
        complete = len(self.returned) - len(partial)
        shown = self.returned if len(self.returned) <= listed else partial
        out = [f"per student: {complete} get their grade and feedback back, "
               f"{len(partial)} not all of it:"]
        out += [f"  {r.line()}" for r in shown]
        if len(shown) < len(self.returned):
            out.append(f"  … and {complete} more whose grade and feedback go back (report.html "
                       "lists each)")
        return out


def changes(previous: Mapping[str, Result], results: Iterable[Row]) -> list[Change]:
    """Score changes between ``previous`` (name -> Result under another autograder) and now."""
    found = []
    for result in results:
        before = previous.get(result.submission)
        if before is not None and before.status.is_students and before.score != result.score:
            found.append(Change(result.submission, before.score, result.score))
    return sorted(found, key=lambda c: c.submission)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
