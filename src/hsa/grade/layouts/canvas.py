"""Canvas's "Download Submissions": flat files ``<name>[_LATE]_<user id>_<attachment id>_<file>``,
or ``[LATE_]anon_<anonymous id>_<attachment id>_<file>`` when grading is anonymous
(canvas-lms ``lib/content_zipper.rb``, ``get_filename`` and ``add_upload_submission``); a
re-uploaded file name gets ``-1``, ``-2`` before its extension.

``<name>`` is the student's sortable name, or for a group assignment the group's name,
with every character but letters, digits and ``_`` removed: a group named ``7`` gives
``7_4646_9011_…``. Canvas writes a name in every file of a download that is not
anonymous (``users_name`` is left out only when ``anonymize_students?``), so in such a
download the ids are the first two all-digit parts after at least one part of name:
``7`` is the group, 4646 the user. (Canvas's own Re-Upload reads the first two all-digit
parts of the name left after removing its groups' names: see :mod:`..uploads.canvas_reupload`.)
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Callable

from ...outcomes import Layout
from ...trusted.result import Identity
from ...trusted.choice import Expected
from .records import File, Gathered, Submission, entries_of, nobody, record

CANVAS_FILE = re.compile(
    r"^(?:(?P<name>.*?)_)??(?:(?P<late>LATE)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)"
    r"_(?P<attachment>\d+)_(?P<file>.+)$", re.DOTALL)
"""Any name of the form, whatever the download: what detection counts."""
DIGITS = re.compile(r"[0-9]+")  # Ruby's /^\d+$/ on one part: ASCII digits only
ANONYMOUS = re.compile(r"^(?:LATE_)?anon_[A-Za-z0-9]+_[0-9]+_.")
LATE = "LATE"


@dataclasses.dataclass(frozen=True)
class CanvasName:
    """What a download's file name says: whose, which attachment, the file's own name."""
    name: str        # the student's (a group's) name as Canvas wrote it; "" when none
    late: bool
    user: str        # the Canvas user id, or ``anon_<anonymous id>``
    attachment: str
    file: str        # the attachment's name as the student uploaded it (sanitised)
    key: str         # the name up to the attachment id: what Re-Upload Submissions reads


def canvas_name(file_name: str, named: bool = True) -> CanvasName | None:
    """The parts of a download's file name, or None. ``named``: the download is not
    anonymous, so every file carries a name (a group's may be all digits)."""
    parts = file_name.split("_")
    if named and (found := _ids_after(parts, 1)):
        return found
    if ANONYMOUS.match(file_name):
        at = parts.index("anon")
        return _named(parts, at, "_".join(parts[at:at + 2]), parts[at + 2], at + 3)
    return _ids_after(parts, 0)


def _ids_after(parts: list[str], first: int) -> CanvasName | None:
    """The first two consecutive all-digit parts from ``first`` on, with a file after them."""
    for at in range(first, len(parts) - 2):
        if DIGITS.fullmatch(parts[at]) and DIGITS.fullmatch(parts[at + 1]):
            return _named(parts, at, parts[at], parts[at + 1], at + 2)
    return None


def _named(parts: list[str], at: int, user: str, attachment: str, file_at: int) -> CanvasName:
    before = parts[:at]
    late = bool(before) and before[-1] == LATE
    name = "_".join(before[:-1] if late else before)
    return CanvasName(name, late, user, attachment, "_".join(parts[file_at:]),
                      "_".join(parts[:file_at]))


def is_named_download(names: list[str]) -> bool:
    """A download is anonymous when every file of it is named the anonymous way."""
    return not names or not all(ANONYMOUS.match(n) for n in names)


def read(root: pathlib.Path, rel: Callable[[pathlib.Path], str], assignment: Expected) -> list[Submission]:
    entries = entries_of(root)
    named = is_named_download([e.name for e in entries if e.is_file() and CANVAS_FILE.match(e.name)])
    students: dict[str, Gathered] = {}  # path: the student's first file
    records: list[Submission] = []
    for entry in entries:
        parts = canvas_name(entry.name, named) if entry.is_file() else None
        if parts is None:
            records.append(nobody(Layout.CANVAS, rel(entry), "not named the way Canvas names "
                                   "a download (<name>_<user id>_<attachment id>_<file>): no "
                                   "student to credit"))
            continue
        who = Identity(parts.user, parts.name)
        slot = students.setdefault(who.student_id, Gathered(who, rel(entry)))
        slot.files.append(File(entry, rel(entry), uploaded=int(parts.attachment),
                               late=parts.late, key=parts.key))
    return [record(Layout.CANVAS, s.who, s.files, assignment, s.path)
            for s in students.values()] + records
