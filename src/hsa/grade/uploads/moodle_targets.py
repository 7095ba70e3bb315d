"""Whom a Moodle download's folder stands for: a participant, or each member of a team.

Moodle names a team submission's folder ``<group name>_<group id>_…`` and a student's
``<full name>_<participant id>_…`` (``mod/assign/classes/downloader.php``,
``get_student_prefix``); only the grading worksheet (``--roster``) tells them apart and
names a team's members (its Group column). Moodle's team grading gives each member the
team's grade and feedback; so does hsa, a row and a feedback file per member. Without a
worksheet, a team download (one with the default team's folder: see
:mod:`hsa.grade.layouts.moodle`) hands nothing back, and the summary says why; any other
folder is taken for a participant's, as Moodle's own zip import takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...outcomes import NotBack
from ..layouts import Submission
from ..roster import MoodleRoster
from .handback import HandBack, who


@dataclass(frozen=True)
class Target:
    participant: str  # the participant id Moodle's importers read
    name: str         # the full name ("" under blind marking: the folder's name instead)

    @property
    def key(self) -> str:
        return f"moodle:{self.participant}"

    @property
    def who(self) -> str:
        return f"{self.name} ({self.participant})" if self.name else f"participant {self.participant}"


def targets(hand_back: HandBack, record: Submission) -> tuple[list[Target], NotBack | None]:
    """The participants ``record``'s grade and feedback go to, or why none."""
    roster = hand_back.roster
    if isinstance(roster, MoodleRoster):
        if not record.key:
            return [], NotBack.NAMES_NO_STUDENT
        members, why = roster.members(record.key)
        return [Target(p.id, p.name or record.student_name) for p in members], why
    if hand_back.team_download:
        return [], NotBack.TEAM_NEEDS_ROSTER
    if not record.student_id.isdigit():
        return [], NotBack.NO_PARTICIPANT
    return [Target(record.student_id, record.student_name)], None


def folder_who(hand_back: HandBack, record: Submission) -> str:
    """A folder that goes back to no one, as the summary names it: a team's as a team."""
    if hand_back.team_download and record.key:
        number = f" (group {record.student_id})" if record.student_id else ""
        return f"team '{record.student_name}'{number}"
    return who(record)
