"""Per student, what goes back to the platform and what does not, and why: a line each in
the terminal summary and report.html, so that nothing is left out silently."""

from __future__ import annotations

from dataclasses import dataclass

from ...outcomes import NotBack


@dataclass
class Returned:
    """One student: the grade cell written (and the platform's before it), the feedback
    file they get, or the reason for each that does not go back."""
    who: str
    grade: str | None = None
    was: str | None = None
    grade_why: NotBack | None = None
    note: str | None = None  # what else to know of the grade (a group's, a hand edit kept)
    feedback: str | None = None
    feedback_why: NotBack | None = None

    @property
    def complete(self) -> bool:
        """Both the grade (where the platform takes one) and the feedback go back."""
        return self.grade_why in (None, NotBack.NO_GRADE_UPLOAD) and self.feedback_why is None

    def line(self) -> str:
        if self.grade_why and self.grade_why == self.feedback_why:
            return f"{self.who}: nothing back: {self.grade_why}{self._kept()}"
        parts = []
        if self.grade is not None:
            was = (self.was or "").strip()
            said = [f"replaces {was}"] if was not in ("", self.grade) else []
            said += [self.note] if self.note else []
            parts.append(f"grade {self.grade}" + (f" ({'; '.join(said)})" if said else ""))
        elif self.grade_why:
            parts.append(f"grade not back: {self.grade_why}{self._kept()}")
        if self.feedback is not None:
            parts.append(f"feedback {self.feedback}")
        elif self.feedback_why:
            parts.append(f"feedback not back: {self.feedback_why}")
        return f"{self.who}: {'; '.join(parts)}"

    def _kept(self) -> str:
        return f" (the platform keeps '{self.was.strip()}')" if self.was and self.was.strip() else ""


class Ledger:
    """Every student's Returned, in the order first met (a few strings each)."""

    def __init__(self) -> None:
        self._entries: dict[str, Returned] = {}

    def find(self, key: str) -> Returned | None:
        return self._entries.get(key)

    def entry(self, key: str, who: str) -> Returned:
        return self._entries.setdefault(key, Returned(who))

    def grade(self, key: str, who: str, cell: str | None = None, why: NotBack | None = None,
              was: str | None = None, note: str | None = None) -> None:
        entry = self.entry(key, who)
        entry.grade, entry.grade_why, entry.was, entry.note = cell, why, was, note

    def feedback(self, key: str, who: str, file: str | None = None,
                 why: NotBack | None = None) -> None:
        entry = self.entry(key, who)
        entry.feedback, entry.feedback_why = file, why

    def entries(self) -> list[Returned]:
        return list(self._entries.values())
