"""``canvas-import.csv``: the grades of a Canvas download, in the form Canvas's gradebook imports.

The form is that of Canvas's own gradebook export (lib/gradebook_exporter.rb in
canvas-lms), which its importer (lib/gradebook_importer.rb) reads back:

* a header row ``Student, ID, SIS User ID, SIS Login ID, Section`` and then one
  column per assignment, titled ``<title> (<assignment id>)``; the importer
  matches the column to the assignment by that id, else by the title, else it
  creates a new assignment;
* a second row whose first cell holds ``Points Possible`` and, under each
  assignment, its points (the importer reads it as the points of a new
  assignment);
* one row per student, matched by the Canvas user ID in ``ID`` (SIS ids and the
  name only when the ID is missing). A blank score leaves Canvas's grade as it is.

Only students known by their Canvas user id (a Canvas download that is not
anonymous) can be matched; the others are returned as unmatched, for the
summary to list.
"""

import csv
import io
import pathlib

from ..project import DEFAULT
from ..outcomes import Layout

TITLE = DEFAULT.title
HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_ROW_LABEL = "    Points Possible"  # as Canvas writes it; its importer looks for the words
FILE_NAME = "canvas-import.csv"


def column_title(title=TITLE, assignment_id=None):
    """``Hidden State Activation (123)`` when Canvas's assignment id is known, else the title."""
    return f"{title} ({assignment_id})" if assignment_id else title


def matchable(submission):
    """Can Canvas match this record to a student (a Canvas user id, not an anonymous one)?"""
    return submission.layout == Layout.CANVAS and submission.student_id.isdigit()


def canvas_import_csv(graded, *, title=TITLE, assignment_id=None, points_possible):
    """The CSV text for ``graded``: (Submission, score or None) pairs; None leaves a blank.

    One row per Canvas user id, in the order given; records Canvas cannot
    match (see ``unmatched``) are left out.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER + (column_title(title, assignment_id),))
    writer.writerow((POINTS_ROW_LABEL, "", "", "", "", _number(points_possible)))
    seen = set()
    for submission, score in graded:
        if not matchable(submission) or submission.student_id in seen:
            continue
        seen.add(submission.student_id)
        writer.writerow((_name(submission.student_name), submission.student_id, "", "", "",
                         "" if score is None else _number(score)))
    return out.getvalue()


def unmatched(graded):
    """The records of ``graded`` that canvas-import.csv leaves out (no Canvas user id)."""
    return [s for s, _ in graded if not matchable(s)]


def write_canvas_import(folder, graded, **options):
    """Write ``folder/canvas-import.csv``; returns its path and the records left out."""
    path = pathlib.Path(folder) / FILE_NAME
    path.write_text(canvas_import_csv(graded, **options), encoding="utf-8", newline="")
    return path, unmatched(graded)


def _number(value):
    """12 and 12.5 as Canvas writes them (at most two decimals, no trailing zeros)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _name(name):
    """A name starting with ``=`` quoted, as Canvas does, so a spreadsheet runs no formula."""
    return f'="{name}"' if name.lstrip().startswith("=") else name
