"""Canvas's gradebook export (Grades, Export, "Export Entire Gradebook"), read as its
importer reads it back and filled in for this assignment.

The export (canvas-lms ``lib/gradebook_exporter.rb``, ``csv_data``): a header ``Student``
(or ``LastName, FirstName``), ``ID``, [``SIS User ID``], ``SIS Login ID``, [``Integration
ID``], [``Root Account``], ``Section``, the custom columns, one column per assignment
titled ``<title> (<assignment id>)`` (``title_with_id``), then the totals; maybe a row of
``Manual Posting`` marks; a row ``    Points Possible``; a row per student, each score
written ``I18n.n(score, precision: 2)`` in the exporter's locale, ``EX`` when excused,
``N/A`` where the assignment is not the student's or its anonymous grades are hidden.
The delimiter is ``,`` or ``;`` and a byte-order mark may lead (``lib/csv_with_i18n.rb``).

The importer (``lib/gradebook_importer.rb``) finds a student by the ``ID`` column
(``process_student``), reads this assignment's cell stripped (``process_submissions``),
and takes a cell that differs from Canvas's grade as a change: a blank against a grade
is a removal (``no_change_to_value?``). So the copy hsa writes keeps every byte of the
export but this assignment's cells of the students graded; no cell of anyone else, no
other column, changes, and Canvas's preview shows only those grades.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterator, Mapping

from ...exceptions import RosterError
from ...outcomes import Layout
from ...writers.atomic import atomic_file
from .csvtext import Record, number_like, records, replaced, unsafe_cells

ASSIGNMENT_HEADER = re.compile(r"^(?P<title>.*) \((?P<id>\d+)\)$", re.DOTALL)
NON_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|"
                            "Final Grade|Override Score|Override Grade|Override Status")
"""The importer's NON_ASSIGNMENT_COLUMN_HEADERS, matched anywhere in a header as it does."""
STUDENT_INFO = ("Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID",
                "Integration ID", "Root Account", "Section")
POINTS_POSSIBLE = "Points Possible"
HIDDEN_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
NUMBER = re.compile(r"^-?[0-9.,]+%?$")  # the importer's decimal_comma_to_period converter
EXCUSED, NOT_APPLICABLE = "EX", "N/A"
HOW_TO_EXPORT = "In Canvas: Grades, Export, Export Entire Gradebook"


@dataclasses.dataclass(frozen=True)
class CanvasStudent:
    user_id: str
    name: str
    cell: str  # this assignment's cell, as exported


@dataclasses.dataclass(frozen=True)
class CanvasRoster:
    """A Canvas gradebook export and the column of this assignment in it."""
    path: pathlib.Path
    delimiter: str
    column: int
    header: str           # the column's title, ``<title> (<assignment id>)``
    points: str           # its Points Possible cell, as exported
    id_column: int
    name_columns: tuple[int, ...]
    layout = Layout.CANVAS

    def cell(self, score: float) -> str:
        """``score`` as the export writes its Points Possible (decimals, separator)."""
        return number_like(score, self.points)

    def rows(self) -> Iterator[tuple[Record, CanvasStudent | None]]:
        """Every record, in order, with its student (None: the header and the rows that
        are not a student's, as the importer's check_for_non_student_row tells them)."""
        for index, record in enumerate(records(self.path, self.delimiter)):
            yield record, (None if index == 0 or _not_a_student(record) else CanvasStudent(
                record.get(self.id_column).strip(), _name(record, self.name_columns),
                record.get(self.column)))

    def students(self) -> Iterator[CanvasStudent]:
        return (s for _, s in self.rows() if s is not None)

    def fill(self, target: pathlib.Path, cells: Mapping[str, str]) -> None:
        """The export with this column's cell of each user id in ``cells`` replaced, names
        neutralised against spreadsheet formulas (the importer matches by ID), every other
        byte kept."""
        with atomic_file(target) as out:
            for record, student in self.rows():
                changes = unsafe_cells(record, self.name_columns) if student else {}
                if student and student.user_id in cells and self.column < len(record.values):
                    changes[self.column] = cells[student.user_id]
                out.write(replaced(record, changes, self.delimiter) if changes else record.raw)


def is_canvas_header(values: tuple[str, ...]) -> bool:
    """The importer's row_has_student_headers."""
    return ((len(values) > 3 and "Student" in values[0] and "ID" in values[1])
            or (len(values) > 4 and "LastName" in values[0] and "FirstName" in values[1]
                and "ID" in values[2]))


def read_canvas(path: pathlib.Path, delimiter: str, *, title: str, assignment_id: str | None,
                max_score: float) -> CanvasRoster:
    """The export at ``path``, its column for this assignment chosen and checked;
    RosterError, saying what to do, when it cannot be filled in."""
    rows = records(path, delimiter)
    header = next(rows).values
    header = (header[0].lstrip("\ufeff"), *header[1:])
    first_last = header[0] == "LastName"
    column = _assignment_column(path, header, title, assignment_id)
    points = next((r for r in rows if POINTS_POSSIBLE in r.get(0)), None)
    if points is None:
        raise RosterError(f"{path} has no '{POINTS_POSSIBLE}' row under its header: it is not "
                          f"Canvas's gradebook export as Canvas wrote it. {HOW_TO_EXPORT}")
    roster = CanvasRoster(path, delimiter, column, header[column], points.get(column),
                          2 if first_last else 1, (0, 1) if first_last else (0,))
    _check_points(roster, max_score)
    return roster


def _assignment_column(path: pathlib.Path, header: tuple[str, ...], title: str,
                       assignment_id: str | None) -> int:
    columns = {i: m for i, h in enumerate(header)
               if h not in STUDENT_INFO and not NON_ASSIGNMENT.search(h)
               and (m := ASSIGNMENT_HEADER.match(h))}
    listed = "; ".join(f"'{header[i]}'" for i in columns) or "none"
    if assignment_id is not None:
        found = [i for i, m in columns.items() if m["id"] == str(assignment_id).strip()]
        why = f"no column of assignment {assignment_id}"
    else:
        found = [i for i, m in columns.items()
                 if " ".join(m["title"].split()).casefold() == " ".join(title.split()).casefold()]
        found = found or (list(columns) if len(columns) == 1 else [])
        why = (f"{len(found)} columns titled '{title}'" if found else f"no column titled '{title}'")
    if len(found) == 1:
        return found[0]
    raise RosterError(f"{path}: {why}; its assignment columns: {listed}. Say which with "
                      "--canvas-assignment-id ID (the number in the column's title, and at the end "
                      "of the assignment's address, .../assignments/ID)")


def _check_points(roster: CanvasRoster, max_score: float) -> None:
    text = roster.points.strip()
    if "read only" in text.casefold():
        raise RosterError(f"{roster.path}: the column '{roster.header}' is read only in Canvas "
                          f"('{text}'): choose another with --canvas-assignment-id")
    try:
        points = float(_period(text))
    except ValueError:
        raise RosterError(f"{roster.path}: the column '{roster.header}' has no points possible "
                          f"('{text}'); {HOW_TO_EXPORT}") from None
    if abs(points - max_score) > 1e-9:
        raise RosterError(f"{roster.path}: the assignment '{roster.header}' is worth {text} points "
                          f"in Canvas and hsa grades out of {max_score:g}: set its points to "
                          f"{max_score:g} in Canvas (the assignment's Edit page), export the "
                          "gradebook again, and run with that file")


def _period(text: str) -> str:
    """A number cell with its decimal comma made a period, as the importer's
    decimal_comma_to_period converter does (``1.234,5`` and ``1,234.5`` both 1234.5)."""
    if not NUMBER.match(text):
        return text
    parts = re.split(r"[,.]", text)
    last = parts.pop()
    return f"{''.join(parts)}.{last}" if parts else last


def _not_a_student(record: Record) -> bool:
    """The importer's check_for_non_student_row: Points Possible, and Manual Posting rows."""
    if POINTS_POSSIBLE in record.get(0):
        return True
    return all(HIDDEN_ROW.match(v) for v in record.values)


def _name(record: Record, columns: tuple[int, ...]) -> str:
    names = [record.get(i) for i in reversed(columns)]  # FirstName LastName
    return " ".join(n for n in names if n).strip()
