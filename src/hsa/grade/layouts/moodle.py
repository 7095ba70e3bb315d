"""Moodle's "Download submissions": ``<Full Name>_<participant id>_assignsubmission_file[_]/``
folders, or flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``.

A team assignment's download names each team the same way, ``<group name>_<group id>_…``
(moodle ``mod/assign/classes/downloader.php``, ``get_student_prefix``): nothing in the
download tells a group id from a participant id. The record keeps the folder's
``<name>_<id>`` as its ``key``; Moodle's grading worksheet (``--roster``) says which it
is (:mod:`hsa.grade.roster.moodle`).
"""

import re

from ...outcomes import Layout
from ...trusted.result import Identity
from ...trusted.submission import files_under
from .records import File, entries_of, nobody, record

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$",
                           re.DOTALL)
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                         r"_(?P<file>.+)$", re.DOTALL)


def read(root, rel, assignment):
    students, records = {}, []
    for entry in entries_of(root):
        folder = entry.is_dir()
        match = (MOODLE_FOLDER if folder else MOODLE_FILE).match(entry.name)
        if match is None:
            records.append(nobody(Layout.MOODLE, rel(entry), "not named the way Moodle names a "
                                   "download (<Full Name>_<participant id>_assignsubmission_...): "
                                   "no student to credit"))
            continue
        slot = students.setdefault(match["id"], {"who": Identity(match["id"], match["name"]),
                                                 "files": [], "path": rel(entry)})
        key = f"{match['name']}_{match['id']}"  # a participant's, or a team's: the roster says
        slot["files"] += [File(p, rel(p), key=key)
                          for p in (files_under(entry) if folder else [entry])]
    return [record(Layout.MOODLE, s["who"], s["files"], assignment, s["path"])
            for s in students.values()] + records
