"""``canvas-import.csv``: the grades of a Canvas download, for *Grades > Import*.

With ``--roster``, it is Canvas's own gradebook export filled in
(:class:`~hsa.grade.roster.CanvasRoster`): this assignment's cell of each student graded
holds their score; everyone else's cell, every other column and row, stays byte for byte
as Canvas exported it, so its importer (``lib/gradebook_importer.rb``) sees only those
grades change.

Without one, it has the form of Canvas's export (``lib/gradebook_exporter.rb``): a header
``Student, ID, SIS User ID, SIS Login ID, Section`` and one column titled ``<title>
(<assignment id>)`` (matched by the id, else by the title, else a new assignment is
made); a ``Points Possible`` row; then a row for each student graded, matched by the
Canvas user id in ``ID``. A student with nothing graded has no row: in Canvas a blank cell
against a grade is a change (``no_change_to_value?``: the preview shows the grade removed),
so nothing hsa writes can clear a grade. Anonymous downloads carry no user id, and
Canvas imports no grade of an anonymous assignment until its grades are posted
(``gradeable?``: ``unposted_anonymous_submissions?``).
"""

from __future__ import annotations

import re

from ...outcomes import Layout, NotBack
from ...writers.atomic import atomic_file
from ...writers.spreadsheet import SafeWriter
from ..layouts import Submission
from ..roster import CanvasRoster, CanvasStudent
from ..roster.canvas import EXCUSED, NOT_APPLICABLE
from .handback import HandBack, who
from .upload import Upload

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_ROW_LABEL = "    Points Possible"  # as Canvas writes it; its importer looks for the words
FILE_NAME = "canvas-import.csv"
WHERE = "Canvas: Grades, Import"


def column_title(title: str, assignment_id: str | None = None) -> str:
    """``Hidden State Activation (123)`` when Canvas's assignment id is known, else the title."""
    return f"{title} ({assignment_id})" if assignment_id else title


def matchable(submission: Submission) -> bool:
    """Can Canvas match this record to a student (a Canvas user id, not an anonymous one)?"""
    return submission.layout == Layout.CANVAS and submission.student_id.isdigit()


def write(hand_back: HandBack, records: list[Submission], *, title: str,
          assignment_id: str | None = None, max_score: float) -> list[Upload]:
    """canvas-import.csv; which grades go back is recorded in the ledger, per student
    (in the roster's order, then those the roster does not hold)."""
    students, others = _students(hand_back, records)
    if isinstance(hand_back.roster, CanvasRoster):
        carried = _fill_roster(hand_back, hand_back.roster, students)
    else:
        carried = _write_own(hand_back, students, title, assignment_id, max_score)
    for record, why in others:
        hand_back.ledger.grade(record.name, who(record), why=why)
    left_out = tuple(f"{e.who} ({e.grade_why})" for e in hand_back.ledger.entries()
                     if e.grade is None and e.grade_why not in (None, NotBack.NO_SUBMISSION))
    return [Upload(hand_back.out / FILE_NAME, WHERE, carried, left_out)]


Graded = dict[str, tuple[Submission, float | None]]
"""user id -> (record, its score; None when nothing of it goes back)"""


def _students(hand_back: HandBack, records: list[Submission]) -> tuple[Graded, list]:
    """Each Canvas user's record and score, and (record, why) of the others."""
    students, others = {}, []
    for record in records:
        why = hand_back.withheld(record)
        if not record.student_id:
            others.append((record, NotBack.NAMES_NO_STUDENT))
        elif not matchable(record):
            others.append((record, why or NotBack.ANONYMOUS))
        elif record.student_id not in students:
            students[record.student_id] = (record, None if why else hand_back.score(record))
    return students, others


def _fill_roster(hand_back: HandBack, roster: CanvasRoster, students: Graded) -> int:
    cells, seen = {}, set()
    for student in roster.students():
        seen.add(student.user_id)
        record, score = students.get(student.user_id, (None, None))
        key, name, kept = (record.name if record else f"canvas:{student.user_id}",
                           f"{student.name} ({student.user_id})", student.cell.strip())
        if record is None:
            hand_back.ledger.grade(key, name, why=NotBack.NO_SUBMISSION, was=student.cell)
        elif score is None:
            hand_back.ledger.grade(key, name, why=hand_back.withheld(record), was=student.cell)
        elif kept in (EXCUSED, NOT_APPLICABLE):
            why = NotBack.EXCUSED if kept == EXCUSED else NotBack.NOT_ASSIGNED
            hand_back.ledger.grade(key, name, why=why, was=student.cell)
        else:
            cells[student.user_id] = roster.cell(score)
            hand_back.ledger.grade(key, name, cells[student.user_id], was=student.cell,
                                   note=_group_note(record, student))
    for user, (record, _) in students.items():
        if user not in seen:
            hand_back.ledger.grade(record.name, who(record), why=NotBack.NOT_IN_ROSTER)
    roster.fill(hand_back.out / FILE_NAME, cells)
    return len(cells)


def _group_note(record: Submission, student: CanvasStudent) -> str | None:
    """A group's submission: its download names the group, not the student (Canvas writes
    a student's sortable name there, lower case, letters and digits only: content_zipper.rb
    sanitize_user_name, sanitize_file_name). Canvas's export names no group."""
    if not record.student_name or sortable(student.name) == record.student_name:
        return None
    return (f"group '{record.student_name}': only this member's row is filled in, Canvas's export "
            "naming no group; each member gets the feedback")


def sortable(name: str) -> str:
    """A name as Canvas writes it in a download's file name."""
    return re.sub(r"\W", "", re.sub(r"_(\d+)_", r"\1", name).lower())


def _write_own(hand_back: HandBack, students: Graded, title: str, assignment_id: str | None,
               max_score: float) -> int:
    with atomic_file(hand_back.out / FILE_NAME) as handle:
        writer = SafeWriter(handle, lineterminator="\r\n")
        writer.writerow(HEADER + (column_title(title, assignment_id),))
        writer.writerow((POINTS_ROW_LABEL, "", "", "", "", _number(max_score)))
        graded = 0
        for user, (record, score) in students.items():
            if score is None:  # no row: a blank cell would clear their grade
                hand_back.ledger.grade(record.name, who(record), why=hand_back.withheld(record))
                continue
            writer.writerow((record.student_name, user, "", "", "", _number(score)))
            hand_back.ledger.grade(record.name, who(record), _number(score))
            graded += 1
    return graded


def _number(value: float) -> str:
    """12 and 12.5 as Canvas writes them (at most two decimals, no trailing zeros)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
