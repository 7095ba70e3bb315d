"""Canvas's side of a hand-back, replayed from its source (canvas-lms, cited per function),
so that a test can feed it what hsa writes and see what Canvas would do.

* ``Canvas.import_gradebook``: ``lib/gradebook_importer.rb`` (``GradebookImporter``): the
  delimiter guess (``identify_delimiter``), the cell converters (``decimal_comma_to_period``),
  the header (``row_has_student_headers?``, ``update_column_count``), the assignment
  columns (``parse_assignments``, ``Assignment.title_and_id``), the rows that are no
  student's (``check_for_non_student_row``), the student by ID (``process_student``), the
  cell stripped (``process_submissions``), and what counts as a change
  (``no_change_to_value?``, ``no_score?``): a blank against a score is one.
* ``Canvas.reupload``: ``app/models/assignment.rb`` ``generate_comments_from_files`` and
  ``infer_comment_context_from_filename``: the assignment's group names (``sanitize_user_name``)
  removed, ``LATE`` dropped, ``anon_<anonymous id>_<attachment id>`` or the first two
  all-digit parts; the attachment must be one of that submission's; each member of the
  group gets the file, under the attachment's ``display_name``.

Independent of hsa's own code on purpose: a test that used hsa's parser to check hsa's
files would check nothing.
"""

from __future__ import annotations

import csv
import io
import pathlib
import re
import zipfile
from dataclasses import dataclass, field

REMOVED = "<removed>"


@dataclass
class Canvas:
    """One course's assignment: students, their current scores, the submission files."""
    assignment_id: int
    scores: dict            # user id (int) -> current score (str as Canvas holds it, "EX", or None)
    attachments: dict       # attachment id (int) -> (user id, display name)
    anonymous_ids: dict = field(default_factory=dict)  # anonymous id -> user id
    groups: dict = field(default_factory=dict)         # group name -> [user ids]
    title: str = "Hidden State Activation"

    # --------------------------------------------------------- Grades > Import
    def import_gradebook(self, path: pathlib.Path) -> dict:
        """The changes Canvas's import preview lists for this assignment: user id -> new
        grade (REMOVED for a blank against a score)."""
        text = path.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text.splitlines()[:3])))
        rows = [[_converted(c) for c in r] for r in rows if not re.fullmatch(r"^[;, ]+$", ",".join(r) or ",")]
        header = rows[0]
        header[0] = header[0].lstrip("\ufeff")
        assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "InvalidHeaderRow"
        column = next(i for i, h in enumerate(header)  # parse_assignments: by id, else the title
                      if _title_and_id(h)[1] == str(self.assignment_id) or h == self.title)
        changes = {}
        for row in rows[1:]:
            if "Points Possible" in (row[0] or "") or all(
                    re.match(r"^\s*(Muted|Manual Posting.*)?\s*$", c, re.I) for c in row if c):
                continue
            user = int(row[1])  # process_student: the ID column
            assert user in self.scores, f"Canvas does not know user {user}"
            grade = (row[column] if column < len(row) else "").strip()
            current = self.scores[user]
            if not _no_change(grade, current):
                changes[user] = grade if grade else REMOVED
        return changes

    # --------------------------------------------------------- Re-Upload Submissions
    def reupload(self, path: pathlib.Path) -> tuple[dict, list]:
        """(user id -> [(display name, bytes)] attached to their submission, ignored files)."""
        attached, ignored = {}, []
        group_names = [_sanitize_user_name(g) for g in self.groups]
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                context = self._context(info.filename, group_names)
                if context is None:
                    ignored.append(info.filename)
                    continue
                user, display = context
                for member in self._members(user):
                    attached.setdefault(member, []).append((display, archive.read(info)))
        return attached, ignored

    def _context(self, fullpath: str, group_names: list) -> tuple[int, str] | None:
        filename = pathlib.PurePosixPath(fullpath).name
        for group in group_names:
            filename = filename.replace(f"{group}_", "", 1)
        split = [p for p in filename.split("_") if p != "LATE"]
        if split and split[0] == "anon":
            anon, attachment = split[1], split[2]
            user = self.anonymous_ids.get(anon)
        else:
            ids = [p for p in split if re.fullmatch(r"\d+", p)][:2]
            user, attachment = (int(ids[0]), ids[1]) if len(ids) == 2 else (None, None)
        if split and split[-1].startswith("link") or filename.startswith("._"):
            attachment = None
        found = self.attachments.get(int(attachment)) if attachment else None
        if user is None or found is None or found[0] != user:
            return None
        return user, found[1]

    def _members(self, user: int) -> list:
        return next((members for members in self.groups.values() if user in members), [user])


def _delimiter(lines: list) -> str:
    """identify_delimiter: the separator giving the same field count on every line, ';'
    when it gives more fields than ','."""
    counts = {}
    for separator in (";", ","):
        sizes = {len(next(csv.reader([line], delimiter=separator))) for line in lines}
        counts[separator] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def _converted(field: str) -> str:
    """decimal_comma_to_period."""
    if re.match(r"^-?[0-9.,]+%?$", field):
        parts = re.split(r"[,.]", field)
        last = parts.pop()
        return f"{''.join(parts)}.{last}" if parts else last
    return field


def _title_and_id(header: str) -> tuple[str, str | None]:
    match = re.match(r"\A(.*) \((\d+)\)\Z", header, re.S)
    return (match[1], match[2]) if match else (header, None)


def _no_score(value) -> bool:
    return value is None or str(value).strip() == "" or value == "-"


def _no_change(new: str, current) -> bool:
    """no_change_to_value?(consider_excused: true), at the exporter's two decimals."""
    if new == current or (_no_score(current) and _no_score(new)):
        return True
    if _no_score(current) or _no_score(new):
        return False
    if "EX" in (str(new).upper(), str(current).upper()):
        return str(new).upper() == str(current).upper()
    return f"{float(new):.2f}" == f"{float(current):.2f}"


def _sanitize_user_name(name: str) -> str:
    """Assignment#sanitize_user_name (the group names removed before reading ids)."""
    return re.sub(r"_(\d+)_", r"\1", name).lower()
