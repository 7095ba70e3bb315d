"""nbgrader's exchange: ``submitted/<student id>/<assignment>/<notebook>.ipynb`` (or
``autograded/``), with nbgrader's ``timestamp.txt``."""

from __future__ import annotations

import datetime
import pathlib
import re
from collections.abc import Callable

from ...exceptions import LayoutError
from ...outcomes import Layout
from ...trusted.choice import Expected, name_key
from ...trusted.result import Identity
from ...trusted.submission import files_under
from .metadata import parse_time
from .records import File, Submission, entries_of, nobody, record

NBGRADER_STEPS = ("submitted", "autograded")
TIMESTAMP = "timestamp.txt"


def nbgrader_root(folder: pathlib.Path) -> pathlib.Path | None:
    if folder.name in NBGRADER_STEPS:
        return folder
    return next((folder / s for s in NBGRADER_STEPS if (folder / s).is_dir()), None)


def read(root: pathlib.Path, rel: Callable[[pathlib.Path], str],
         assignment: Expected) -> list[Submission]:
    root = nbgrader_root(root) or root
    students = [e for e in entries_of(root) if e.is_dir()]
    records = [nobody(Layout.NBGRADER, rel(e), f"a file directly in {root.name}/, where nbgrader "
                       "keeps one folder per student: no student to credit")
               for e in entries_of(root) if e.is_file()]
    wanted = _nbgrader_assignment(root, students, assignment)
    for student in students:
        folders = [a for a in entries_of(student) if a.is_dir()]
        if not folders:
            records.append(record(Layout.NBGRADER, Identity(student.name), [], assignment,
                                   rel(student), "no assignment folder: nbgrader keeps "
                                   "submitted/<student>/<assignment>/<notebook>.ipynb"))
            continue
        for folder in (a for a in folders if a.name == wanted):
            when = _nbgrader_time(folder / TIMESTAMP)
            files = [File(p, rel(p), submitted=when)
                     for p in files_under(folder) if p.relative_to(folder).as_posix() != TIMESTAMP]
            records.append(record(Layout.NBGRADER, Identity(student.name), files, assignment,
                                   rel(folder)))
    return records


def _nbgrader_assignment(root: pathlib.Path, students: list[pathlib.Path],
                         assignment: Expected) -> str | None:
    """The assignment folder's name: the one named like the assignment, or the only one there."""
    found = sorted({a.name for s in students for a in entries_of(s) if a.is_dir()})
    named = [a for a in found if name_key(a) == name_key(assignment.name)]
    if named or len(found) <= 1:
        candidates = named or found
        return candidates[0] if candidates else None
    raise LayoutError(f"{root} holds the assignments {', '.join(found)} and none is named "
                      f"{assignment.name}; point hsa grade at a folder with only this assignment's "
                      "submissions")


def _nbgrader_time(path: pathlib.Path) -> datetime.datetime | None:
    """nbgrader's timestamp.txt ("2020-01-30 10:30:47.524219 UTC"), or None."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()[:64]
    except OSError:
        return None
    return parse_time(re.sub(r"\s*UTC$", "Z", text)) if text else None
