"""Moodle: every grade in one grading worksheet (*Upload grading worksheet*).

With ``--roster``, it is Moodle's own worksheet filled in (:class:`~hsa.grade.roster.MoodleRoster`):
the Grade and Feedback comments cells of each participant graded; every title,
identifier and ``Last modified (grade)`` as Moodle wrote them, in its language. Moodle's
importer (``mod/assign/feedback/offline/importgradeslib.php``, ``locallib.php``
``process_import_grades``) then finds its columns by its own titles, reads each
participant id as it wrote it, skips the rows left as they were, and skips a grade that
changed in Moodle more than a minute after the download: a hand edit made since is kept.

Without one, the worksheet has the English titles of Moodle's (``Identifier``, ``Full
name``, …, ``Last modified (grade)``, ``Feedback comments``: ``gradingtable.php``), a row
per participant graded and none for anyone else (a blank grade is skipped by Moodle, but
no row is the same rule as Canvas's: nothing written can clear a grade). Its ``Last
modified (grade)`` is when the download was saved (the zip's or folder's time), so a
grade changed in Moodle after that is kept by the same check. A site in another
language titles its columns otherwise and writes another ``hiddenuser``: use --roster.

Upload the worksheet before the feedback zip: importing feedback files creates each
student's grade record (``importziplib.php``, ``get_user_grade($user->id, true)``), and a
record newer than the worksheet's date makes Moodle skip that row.
"""

from __future__ import annotations

import datetime

from ...outcomes import NotBack
from ...writers.atomic import atomic_file
from ...writers.feedback import one_line
from ...writers.spreadsheet import SafeWriter
from ..layouts import Submission
from ..roster import MoodleRoster
from .handback import HandBack
from .moodle_targets import Target, folder_who, targets
from .upload import Upload

WORKSHEET_NAME = "moodle-grading-worksheet.csv"
WHERE = ("Moodle: View all submissions, Grading action, Upload grading worksheet (before "
         "the feedback zip)")
HEADER = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
          "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
          "Feedback comments")
PARTICIPANT = "Participant "  # Moodle's English hiddenuser string, before the participant id


Graded = dict[str, tuple[Target, Submission]]  # participant id -> whom, and whose result


def write(hand_back: HandBack, records: list[Submission], *, max_score: float) -> list[Upload]:
    """The worksheet; per participant, in the worksheet's order, what goes back and why not."""
    graded: Graded = {}
    withheld: dict[str, tuple[Target, NotBack]] = {}
    others: list[tuple[Submission, NotBack | None]] = []  # targets says why when it finds no one
    for record in records:
        found, why = targets(hand_back, record)
        why = why or hand_back.withheld(record)
        if not found:
            others.append((record, why))
        for target in found:
            if why:
                withheld.setdefault(target.participant, (target, why))
            else:
                graded.setdefault(target.participant, (target, record))
    if isinstance(hand_back.roster, MoodleRoster):
        where = _where(hand_back.roster)
        carried = _fill_roster(hand_back, hand_back.roster, graded, withheld)
    else:
        where = WHERE + "; English titles: a site in another language needs --roster"
        carried = _write_own(hand_back, graded, withheld, max_score)
    for record, why in others:
        hand_back.ledger.grade(record.name, folder_who(hand_back, record), why=why)
    left_out = tuple(f"{e.who} ({e.grade_why})" for e in hand_back.ledger.entries()
                     if e.grade is None and e.grade_why not in (None, NotBack.NO_SUBMISSION))
    return [Upload(hand_back.out / WORKSHEET_NAME, where, carried, left_out)]


def _where(roster: MoodleRoster) -> str:
    where = WHERE
    if roster.comment_column is None:
        where += "; it has no Feedback comments column, so no comment goes"
    if unreadable := roster.unreadable_dates():
        where += (f"; tick 'Allow updating records that have been modified more recently in "
                  f"Moodle than in the spreadsheet': Moodle cannot read back the dates it wrote "
                  f"in this language (PHP's strtotime) and would skip the {unreadable} row(s) "
                  "graded before")
    return where


def _fill_roster(hand_back: HandBack, roster: MoodleRoster, graded: Graded,
                 withheld: dict[str, tuple[Target, NotBack]]) -> int:
    cells = {}
    for person in roster.participants.values():
        target = Target(person.id, person.name)
        if person.id in withheld:
            hand_back.ledger.grade(target.key, target.who, why=withheld[person.id][1],
                                   was=person.grade)
        elif person.id not in graded:  # nobody's folder names them
            hand_back.ledger.grade(target.key, target.who, why=NotBack.NO_SUBMISSION,
                                   was=person.grade)
        else:
            record = graded[person.id][1]
            score = roster.cell(hand_back.score(record))
            cells[person.id] = {roster.grade_column: score}
            if roster.comment_column is not None:
                cells[person.id][roster.comment_column] = one_line(hand_back.graded(record))
            kept = (f"Moodle keeps a grade changed there after {person.modified.strip()}"
                    if person.modified.strip() not in ("", "-") else None)
            hand_back.ledger.grade(target.key, target.who, score, was=person.grade, note=kept)
    roster.fill(hand_back.out / WORKSHEET_NAME, cells)
    return len(cells)


def _write_own(hand_back: HandBack, graded: Graded, withheld: dict[str, tuple[Target, NotBack]],
               max_score: float) -> int:
    when = (hand_back.downloaded or datetime.datetime.now(datetime.timezone.utc))
    with atomic_file(hand_back.out / WORKSHEET_NAME) as handle:
        writer = SafeWriter(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for target, record in graded.values():
            score = f"{hand_back.score(record):g}"
            writer.writerow((f"{PARTICIPANT}{target.participant}", target.name, "",
                             "hsa: graded", score, f"{max_score:g}", "Yes", "",
                             when.isoformat(timespec="seconds"), one_line(hand_back.graded(record))))
            hand_back.ledger.grade(target.key, target.who, score)
    for target, why in withheld.values():  # no row: nothing written can clear their grade
        hand_back.ledger.grade(target.key, target.who, why=why)
    return len(graded)
