"""Every upload file of a run, platform by platform, and per student what goes back."""

from __future__ import annotations

from ...exceptions import RosterError
from ...outcomes import Layout
from ..layouts import Submission
from ..layouts.moodle import is_team_download
from . import (canvas_gradebook, canvas_reupload, moodle_feedback, moodle_worksheet,
               nbgrader_feedback, notebooks)
from .handback import HandBack
from .upload import Upload

UPLOADED = frozenset({Layout.CANVAS, Layout.MOODLE, Layout.NBGRADER})
"""The platforms whose downloads get upload files back (one writer each, below)."""


def write_uploads(hand_back: HandBack, records: list[Submission], *, title: str,
                  assignment_id: str | None, max_score: float) -> list[Upload]:
    """The upload files for the platforms among ``records`` (one per row of the run),
    written into ``hand_back.out``, in the order to upload them; each student's outcome
    goes into ``hand_back.ledger``. With ``hand_back.notebooks``, each student's notebook
    with their feedback written in goes into their folder first."""
    uploads = []
    if hand_back.notebooks:
        uploads.append(notebooks.write_copies(hand_back, records))
    mine = {layout: [r for r in records if r.layout is layout] for layout in UPLOADED}
    if mine[Layout.CANVAS]:
        uploads += canvas_gradebook.write(hand_back, mine[Layout.CANVAS], title=title,
                                          assignment_id=assignment_id, max_score=max_score)
        uploads += canvas_reupload.write(hand_back, mine[Layout.CANVAS])
    if mine[Layout.MOODLE]:
        hand_back.team_download = is_team_download([r.key for r in mine[Layout.MOODLE]])
        uploads += moodle_worksheet.write(hand_back, mine[Layout.MOODLE], max_score=max_score)
        uploads += moodle_feedback.write(hand_back, mine[Layout.MOODLE])
    if mine[Layout.NBGRADER]:
        uploads += nbgrader_feedback.write(hand_back, mine[Layout.NBGRADER])
    return uploads


def check_roster_fits(roster_layout: Layout, records: list[Submission], path: object) -> None:
    """A roster is the export of the platform the download came from (checked before
    anyone is graded)."""
    layouts = {r.layout for r in records}
    if roster_layout not in layouts:
        found = ", ".join(sorted(str(x) for x in layouts)) or "none"
        raise RosterError(f"--roster {path} is {roster_layout}'s export, but the submissions are "
                          f"a {found} download: give the export of the platform the download "
                          f"came from, or leave --roster out")
