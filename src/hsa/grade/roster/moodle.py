"""Moodle's grading worksheet (View all submissions, Grading action, Download grading
worksheet), read as its importer reads it back and filled in.

The worksheet (moodle ``mod/assign/gradingtable.php``, downloading): ``Identifier``
(``col_recordid``: the language's ``hiddenuser`` string then the participant id, in any
language: ``Participant 123``, ``Teilnehmer/in123``), the full name and identity fields
unless blind marking hides them, ``Status``, [``Group`` for team submissions], ``Grade``
(``format_float(grade, decimals)`` in the site's language, blank when ungraded),
``Maximum grade``, …, ``Last modified (grade)`` (``userdate`` of the grade's last change,
``-`` when there is none), then one column per feedback plugin's text (``Feedback
comments``). Every title is in the language of the person who downloaded it.

The importer (``mod/assign/feedback/offline/importgradeslib.php``) finds its columns by
those titles in the uploader's language and the participant by cutting ``hiddenuser``'s
length off the identifier; ``process_import_grades`` (``…/offline/locallib.php``) skips a
blank grade, an unchanged one, and any row whose grade changed in Moodle more than 60 s
after its ``Last modified (grade)``. So the copy hsa writes keeps every title,
identifier and date as the worksheet has them (a grade edited by hand after the download
is then kept by Moodle's own check) and changes only the grade and comment cells of the
students graded.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import pathlib
import re
import unicodedata
from collections.abc import Iterator, Mapping

from ...exceptions import RosterError
from ...outcomes import Layout, NotBack
from ...writers.atomic import atomic_file
from ..layouts.moodle import KEY
from .csvtext import Record, number_like, records, replaced, unsafe_cells

IDENTIFIER = re.compile(r"^(?P<prefix>\D*?)(?P<id>\d+)$")
NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
# Titles in the languages hsa knows (Moodle's strings: core grade and fullname,
# assign's maxgrade, scale, submissionteam, lastmodifiedgrade, assignfeedback_comments'
# pluginname); the grade column is also found by its place when the language is another.
GRADE_TITLES = frozenset({"Grade", "Bewertung"})
MAX_TITLES = frozenset({"Maximum grade", "Maximum Grade", "Bestwertung"})
SCALE_TITLES = frozenset({"Scale", "Skala"})
NAME_TITLES = frozenset({"Full name", "Vollständiger Name"})
TEAM_TITLES = frozenset({"Group", "Gruppe"})
COMMENT_TITLES = frozenset({"Feedback comments", "Feedback als Kommentar"})
MODIFIED_TITLES = frozenset({"Last modified (grade)", "Zuletzt geändert (Bewertung)"})
HOW_TO_DOWNLOAD = "In Moodle: View all submissions, Grading action, Download grading worksheet"
FILE_NAME_DROPPED = str.maketrans("", "", '\\/:*?"<>|')  # what clean_filename drops from a name


@dataclasses.dataclass(frozen=True)
class Participant:
    id: str
    name: str   # "" under blind marking
    team: str   # "" unless team submissions
    grade: str  # as exported
    modified: str


@dataclasses.dataclass(frozen=True)
class MoodleRoster:
    """A grading worksheet: its columns and its participants (a few strings each)."""
    path: pathlib.Path
    delimiter: str
    grade_column: int
    maximum: str               # the Maximum grade cell, as exported
    name_column: int | None
    team_column: int | None
    comment_column: int | None
    participants: Mapping[str, Participant]
    layout = Layout.MOODLE

    def cell(self, score: float) -> str:
        """``score`` as the worksheet writes a grade: like its Maximum grade."""
        return number_like(score, self.maximum)

    def unreadable_dates(self) -> int:
        """Participants with a grade date PHP's strtotime cannot read (Moodle writes them
        in the site's language; its importer reads them with strtotime): Moodle takes
        each of those rows for changed since, and skips it unless told to ignore dates."""
        return sum(1 for p in self.participants.values()
                   if p.modified.strip() not in ("", "-") and php_date(p.modified) is None)

    def members(self, key: str) -> tuple[list[Participant], NotBack | None]:
        """Whom a download's folder ``<name>_<id>`` is: the participant of that id and name,
        or every member of the team of that name (a team's id is a group id, never taken
        for a participant's); a reason when neither."""
        found = KEY.match(key)  # the default team's folder has no id
        name, number = (found["name"], found["id"]) if found else (key, None)
        person = self.participants.get(number) if number else None
        team = [p for p in self.participants.values() if p.team and _same(p.team, name)]
        if person and (not team or not self.name_column or _same(person.name, name)):
            return [person], None
        if team:
            return team, None
        return [], NotBack.NOT_IN_ROSTER

    def rows(self) -> Iterator[tuple[Record, Participant | None]]:
        for index, record in enumerate(records(self.path, self.delimiter)):
            match = IDENTIFIER.match(record.get(0).strip()) if index else None
            yield record, self.participants.get(match["id"]) if match else None

    def fill(self, target: pathlib.Path, cells: Mapping[str, Mapping[int, str]]) -> None:
        """The worksheet with the cells in ``cells`` (participant id -> column -> text)
        replaced, names neutralised against spreadsheet formulas (Moodle does not read
        them), every other byte kept."""
        names = (self.name_column,) if self.name_column is not None else ()
        with atomic_file(target) as out:
            for record, person in self.rows():
                changes = {**unsafe_cells(record, names), **cells.get(person.id, {})} if person else {}
                out.write(replaced(record, changes, self.delimiter) if changes else record.raw)


def read_moodle(path: pathlib.Path, delimiter: str, *, max_score: float) -> MoodleRoster:
    """The worksheet at ``path``; RosterError, saying what to do, when it cannot be filled in.
    Read twice, a record at a time: its shape (which column is the grade), then a few
    strings per participant."""
    header = next(records(path, delimiter)).values
    header = (header[0].lstrip("\ufeff"), *header[1:])
    grade = _grade_column(path, header, _Shape.of(path, delimiter, len(header)))
    name, team, comment, modified = (_column(header, titles) for titles in (
        NAME_TITLES, TEAM_TITLES, COMMENT_TITLES, MODIFIED_TITLES))
    people, maximum = {}, ""
    for record in itertools.islice(records(path, delimiter), 1, None):
        values = record.values
        number = _participant_id(path, values[0])
        people[number] = Participant(number, _get(values, name), _get(values, team),
                                     _get(values, grade), _get(values, modified))
        maximum = maximum or _get(values, grade + 1).strip()
    if people and abs(float(maximum.replace(",", ".")) - max_score) > 1e-9:
        raise RosterError(f"{path}: the assignment's maximum grade in Moodle is {maximum} and hsa "
                          f"grades out of {max_score:g}; Moodle skips a grade above its maximum. "
                          f"Set its Maximum grade to {max_score:g} (the assignment's settings, "
                          f"Grade), then download the worksheet again. {HOW_TO_DOWNLOAD}")
    return MoodleRoster(path, delimiter, grade, maximum, name, team, comment, people)


@dataclasses.dataclass
class _Shape:
    """What the rows say of each column, gathered a row at a time: the identifiers' word
    before the id, the columns holding only numbers (or nothing), the distinct values of
    each (two at most are kept)."""
    prefixes: set[str | None]  # None: a row whose first cell is no identifier
    numeric: list[bool]
    values: list[set[str]]
    rows: int = 0

    @classmethod
    def of(cls, path: pathlib.Path, delimiter: str, width: int) -> _Shape:
        shape = cls(set(), [True] * width, [set() for _ in range(width)])
        for record in itertools.islice(records(path, delimiter), 1, None):
            match = IDENTIFIER.match(record.get(0).strip())
            shape.prefixes.add(match["prefix"] if match else None)
            for i in range(width):
                cell = record.get(i).strip()
                shape.numeric[i] &= not cell or bool(NUMBER.match(cell))
                if len(shape.values[i]) < 2:
                    shape.values[i].add(cell)
            shape.rows += 1
        return shape

    def is_grade(self, i: int) -> bool:
        """Numbers or nothing, followed by one and the same number in every row."""
        maximum = self.values[i + 1]
        return (self.rows > 0 and self.numeric[i] and len(maximum) == 1
                and bool(NUMBER.match(next(iter(maximum)))))


def _participant_id(path: pathlib.Path, cell: str) -> str:
    """The id in an Identifier cell, every row's checked by :func:`_grade_column` in the
    first reading (RosterError when the file changed since)."""
    match = IDENTIFIER.match(cell.strip())
    if match is None:
        raise RosterError(f"{path} changed while hsa read it; run hsa grade again once it is saved")
    return match["id"]


def _column(header: tuple[str, ...], titles: frozenset[str]) -> int | None:
    return next((i for i, title in enumerate(header) if title.strip() in titles), None)


def _get(values: tuple[str, ...], index: int | None) -> str:
    return values[index] if index is not None and index < len(values) else ""


def is_moodle_worksheet(header: tuple[str, ...], first: tuple[str, ...] | None) -> bool:
    """A worksheet: its first column holds ``hiddenuser`` + a participant id (or it has no
    rows, and Moodle's titles)."""
    if first is None:
        return bool(GRADE_TITLES & {h.strip() for h in header})
    return bool(IDENTIFIER.match(first[0].strip())) and len(header) >= 4


def _grade_column(path: pathlib.Path, header: tuple[str, ...], shape: _Shape) -> int:
    """The Grade column: titled so and followed by Maximum grade, or else the one column
    followed by a column that holds one and the same number in every row."""
    if None in shape.prefixes or len(shape.prefixes) > 1:
        raise RosterError(f"{path}: the first column is not Moodle's Identifier in every row "
                          f"('Participant 123', the same word before each id). {HOW_TO_DOWNLOAD}")
    for i, title in enumerate(header[:-1]):
        if title.strip() in GRADE_TITLES and header[i + 1].strip() in SCALE_TITLES:
            raise RosterError(f"{path}: the assignment is graded on a scale in Moodle; hsa "
                              "grades in points: set the assignment's Grade type to Point")
        if title.strip() in GRADE_TITLES and header[i + 1].strip() in MAX_TITLES:
            return i
    found = [i for i in range(1, len(header) - 1) if shape.is_grade(i)]
    if len(found) == 1:
        return found[0]
    raise RosterError(f"{path}: hsa cannot tell which column is the grade (no column titled "
                      f"{' or '.join(sorted(GRADE_TITLES))} before the maximum grade). "
                      f"{HOW_TO_DOWNLOAD}, with the site in English or German")


def _same(a: str, b: str) -> bool:
    """Two names alike as Moodle's download writes them (``_`` as a space, what
    clean_filename drops dropped, case and spacing aside)."""
    def norm(text: str) -> str:
        text = unicodedata.normalize("NFC", text.replace("_", " ").translate(FILE_NAME_DROPPED))
        return " ".join(text.split()).casefold()
    return norm(a) == norm(b)


def php_date(text: str) -> datetime.datetime | None:
    """``text`` read as PHP's strtotime reads the dates Moodle writes in English
    (``userdate``: ``Thursday, 19 November 2026, 10:00 AM``) or ISO 8601; None for the
    other languages' dates, which it cannot read (``Donnerstag, 19. November 2026, 10:00``)."""
    for form in ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M"):
        try:
            return datetime.datetime.strptime(text.strip(), form)
        except ValueError:
            pass
    try:
        return datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
