"""Canvas's "Download Submissions": flat files ``<name>[_LATE]_<user id>_<attachment id>_<file>``
(Canvas's ``ContentZipper``); a re-uploaded file name gets ``-1``, ``-2`` before its extension."""

import re

from ...outcomes import Layout
from ...trusted.result import Identity
from .records import File, entries_of, nobody, record

CANVAS_FILE = re.compile(
    r"^(?:(?P<name>.*?)_)??(?:(?P<late>LATE)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)"
    r"_(?P<attachment>\d+)_(?P<file>.+)$", re.DOTALL)


def read(root, rel, assignment):
    students, records = {}, []
    for entry in entries_of(root):
        match = CANVAS_FILE.match(entry.name) if entry.is_file() else None
        if match is None:
            records.append(nobody(Layout.CANVAS, rel(entry), "not named the way Canvas names "
                                   "a download (<name>_<user id>_<attachment id>_<file>): no "
                                   "student to credit"))
            continue
        who = Identity(match["user"], match["name"] or "")
        slot = students.setdefault(who.student_id, {"who": who, "files": []})
        slot["files"].append(File(entry, rel(entry), uploaded=int(match["attachment"]),
                                   late=match["late"] is not None))
    return [record(Layout.CANVAS, s["who"], s["files"], assignment, s["files"][0].path)
            for s in students.values()] + records
