"""``--roster FILE``: which platform's export FILE is, told from the file itself."""

from __future__ import annotations

import itertools
import pathlib

from ...exceptions import RosterError
from .canvas import CanvasRoster, is_canvas_header, read_canvas
from .csvtext import delimiter_of, records
from .moodle import MoodleRoster, is_moodle_worksheet, read_moodle

Roster = CanvasRoster | MoodleRoster


def read_roster(path: str | pathlib.Path, *, title: str, max_score: float,
                canvas_assignment_id: str | None = None) -> Roster:
    """The platform's export at ``path``: Canvas's gradebook export or Moodle's grading
    worksheet, in any language and with either delimiter; RosterError saying what to do
    when it is neither, or does not fit this assignment."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise RosterError(f"--roster {path}: no such file; give the CSV your platform exported "
                          "(Canvas: Grades, Export; Moodle: Download grading worksheet)")
    delimiter = delimiter_of(path)
    head = list(itertools.islice(records(path, delimiter), 2))
    if not head:
        raise RosterError(f"--roster {path} is empty")
    header = (head[0].values[0].lstrip("\ufeff"), *head[0].values[1:])
    if is_canvas_header(header):
        return read_canvas(path, delimiter, title=title, assignment_id=canvas_assignment_id,
                           max_score=max_score)
    if is_moodle_worksheet(header, head[1].values if len(head) > 1 else None):
        return read_moodle(path, delimiter, max_score=max_score)
    raise RosterError(f"--roster {path} is neither Canvas's gradebook export (a header "
                      "'Student, ID, …' and a 'Points Possible' row: Grades, Export) nor "
                      "Moodle's grading worksheet (a first column of 'Participant <id>': View all "
                      "submissions, Grading action, Download grading worksheet)")
