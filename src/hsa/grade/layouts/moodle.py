"""Moodle's "Download submissions": ``<Full Name>_<participant id>_assignsubmission_file[_]/``
folders, or flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``.

A team assignment's download names each team the same way, ``<group name>_<group id>_…``
(moodle ``mod/assign/classes/downloader.php``, ``get_student_prefix``): nothing in such a
folder's name tells a group id from a participant id. One folder does: the students in
no group share the default team's submission, named ``<Default group>_…`` with no id at
all (``get_string('defaultteam')``, ``$groupinfo = ''``); a download that has it is a
team assignment's. The record keeps the folder's ``<name>_<id>`` (or the default team's
name) as its ``key``; Moodle's grading worksheet (``--roster``) says whose it is
(:mod:`hsa.grade.roster.moodle`).
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Callable

from ...outcomes import Layout
from ...trusted.result import Identity
from ...trusted.submission import files_under
from ...trusted.choice import Expected
from .records import File, Gathered, Submission, entries_of, nobody, record

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$",
                           re.DOTALL)
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                         r"_(?P<file>.+)$", re.DOTALL)
DEFAULT_TEAM = re.compile(r"^(?P<name>[^_]+)_assignsubmission_(?P<plugin>[a-z]+)_?$", re.DOTALL)
"""The default team's folder: a name (written with no ``_``) and no id."""
KEY = re.compile(r"^(?P<name>.*)_(?P<id>\d+)$", re.DOTALL)


def is_team_download(keys: list[str]) -> bool:
    """A download holds the default team's folder (a key with no id): a team assignment's."""
    return any(key and not KEY.match(key) for key in keys)


def read(root: pathlib.Path, rel: Callable[[pathlib.Path], str], assignment: Expected) -> list[Submission]:
    students: dict[str, Gathered] = {}
    records: list[Submission] = []
    for entry in entries_of(root):
        folder = entry.is_dir()
        match = ((MOODLE_FOLDER.match(entry.name) or DEFAULT_TEAM.match(entry.name)) if folder
                 else MOODLE_FILE.match(entry.name))
        if match is None:
            records.append(nobody(Layout.MOODLE, rel(entry), "not named the way Moodle names a "
                                   "download (<Full Name>_<participant id>_assignsubmission_...): "
                                   "no student to credit"))
            continue
        number = match.groupdict().get("id") or ""
        key = f"{match['name']}_{number}" if number else match["name"]  # the roster says whose
        slot = students.setdefault(key, Gathered(Identity(number, match["name"]), rel(entry)))
        slot.files += [File(p, rel(p), key=key)
                       for p in (files_under(entry) if folder else [entry])]
    return [record(Layout.MOODLE, s.who, s.files, assignment, s.path)
            for s in students.values()] + records
