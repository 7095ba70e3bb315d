"""Moodle's side of a hand-back, replayed from its source (moodle, cited per function), so
that a test can feed it what hsa writes and see what Moodle would do.

* ``Moodle.import_worksheet``: ``mod/assign/feedback/offline/importgradeslib.php``
  (``assignfeedback_offline_grade_importer::init``: the columns found by their titles in the
  uploader's language, ``get_string('grade')``, ``recordid``, ``lastmodifiedgrade`` and each
  feedback plugin's field; ``::next``: the participant id is the identifier with
  ``strlen(get_string('hiddenuser'))`` bytes cut off, ``strtotime`` of the date) and
  ``…/offline/locallib.php`` ``process_import_grades`` (``unformat_float``; skip a grade
  unchanged, blank or negative, out of range, or changed in Moodle more than 60 s after
  the row's date unless ``ignoremodified``; a comment that differs is written unless the row
  is stale).
* ``Moodle.import_feedback_zip``: ``mod/assign/feedback/file/importziplib.php``
  (``is_valid_filename_for_import``: ``explode('_', $part, 5)``, a numeric participant id
  among the participants, an existing plugin; ``import_zip_files``: the grade record made
  with ``get_user_grade($user->id, true)``, the file stored under the rest of the name).

The language strings are those of Moodle's English pack and of the German pack
(``hiddenuser`` ``Teilnehmer/in``, ``recordid`` ``ID``, core ``grade`` ``Bewertung``,
``lastmodifiedgrade`` ``Zuletzt geändert (Bewertung)``, assignfeedback_comments
``pluginname`` ``Feedback als Kommentar``, ``decsep`` ``,``).
"""

from __future__ import annotations

import csv
import datetime
import io
import pathlib
import zipfile
from dataclasses import dataclass, field

LANGUAGES = {
    "en": {"recordid": "Identifier", "grade": "Grade", "lastmodifiedgrade": "Last modified (grade)",
           "hiddenuser": "Participant ", "comments": "Feedback comments", "decsep": "."},
    "de": {"recordid": "ID", "grade": "Bewertung", "lastmodifiedgrade": "Zuletzt geändert (Bewertung)",
           "hiddenuser": "Teilnehmer/in", "comments": "Feedback als Kommentar", "decsep": ","},
}
PLUGINS = {("assignsubmission", "file"), ("assignfeedback", "file"), ("assignfeedback", "comments")}


@dataclass
class Grade:
    grade: float | None
    timemodified: int
    comment: str = ""


@dataclass
class Moodle:
    """One assignment: participant ids, grade records, the site's language."""
    participants: dict                     # participant id (int) -> user name
    grades: dict                           # participant id -> Grade (only those with a record)
    maximum: float
    language: str = "en"
    files: dict = field(default_factory=dict)  # participant id -> {file name: bytes}

    def import_worksheet(self, path: pathlib.Path, now: int, ignoremodified: bool = False) -> dict:
        """Apply the worksheet; participant id -> the grade set (the others unchanged)."""
        strings = LANGUAGES[self.language]
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header = rows[0]
        index = {title: header.index(strings[key]) for key, title in
                 (("recordid", "id"), ("grade", "grade"), ("lastmodifiedgrade", "modified"))
                 if strings[key] in header}
        assert len(index) == 3, "invalidgradeimport: the columns are not titled in this language"
        comments = header.index(strings["comments"]) if strings["comments"] in header else None
        updated = {}
        for row in rows[1:]:
            cut = len(strings["hiddenuser"].encode())
            number = row[index["id"]].encode()[cut:].decode(errors="replace")
            if not number.isdigit() or int(number) not in self.participants:
                continue
            pid = int(number)
            grade = _unformat_float(row[index["grade"]], strings["decsep"])
            modified = _strtotime(row[index["modified"]])
            current = self.grades.get(pid)
            stale = current is not None and current.timemodified > modified + 60
            skip = ((current is not None and current.grade == grade) or grade is None or grade < 0
                    or (not ignoremodified and stale) or grade > self.maximum)
            if not skip:
                self.grades[pid] = Grade(grade, now, current.comment if current else "")
                updated[pid] = grade
            if comments and (ignoremodified or not stale):  # !empty($details['index'])
                record = self.grades.get(pid)
                if row[comments] != (record.comment if record else ""):
                    record = self.grades.setdefault(pid, Grade(None, now))
                    record.comment = row[comments]
        return updated

    def import_feedback_zip(self, path: pathlib.Path, now: int) -> dict:
        """Apply the zip; participant id -> names of the feedback files it got."""
        got = {}
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                found = self._valid_filename(info.filename)
                if found is None:
                    continue
                pid, name = found
                self.grades.setdefault(pid, Grade(None, now))  # get_user_grade($user->id, true)
                self.files.setdefault(pid, {})[name] = archive.read(info)
                got.setdefault(pid, []).append(name)
        return got

    def _valid_filename(self, path: str) -> tuple[int, str] | None:
        name = path.rsplit("/", 1)[-1]
        if name.startswith((".", "~")):
            return None
        parts = path.split("/")
        while parts:
            info = parts.pop(0).split("_", 4)
            if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in self.participants:
                continue
            if (info[2], info[3]) not in PLUGINS:
                continue
            return int(info[1]), "/".join([info[4] if len(info) == 5 else "", *parts])
        return None


def _unformat_float(text: str, decsep: str) -> float | None:
    """unformat_float: blank is null; the language's decimal separator made a period."""
    text = text.strip()
    if text == "":
        return None
    return float(text.replace(" ", "").replace(decsep, "."))


def _strtotime(text: str) -> int:
    """PHP strtotime on what Moodle's userdate writes: the English forms read, the others
    (German) not: false, which PHP takes for 0 in ``$modified + 60``."""
    for form in ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M"):
        try:
            return int(datetime.datetime.strptime(text.strip(), form).replace(
                tzinfo=datetime.timezone.utc).timestamp())
        except ValueError:
            pass
    try:
        return int(datetime.datetime.fromisoformat(text.strip()).timestamp())
    except ValueError:
        return 0
