"""Which platform a download comes from, and the folder it really starts at."""

from __future__ import annotations

import pathlib

from ...outcomes import Layout
from .. import safezip
from .canvas import CANVAS_FILE
from .gradescope import METADATA
from .moodle import DEFAULT_TEAM, MOODLE_FILE, MOODLE_FOLDER
from .nbgrader import NBGRADER_STEPS, nbgrader_root
from .records import entries_of


def detect(folder: str | pathlib.Path) -> Layout:
    """Which platform's download ``folder`` is (Layout.PLAIN when none)."""
    root = unwrap(pathlib.Path(folder))
    if (root / METADATA).is_file():
        return Layout.GRADESCOPE
    if nbgrader_root(root):
        return Layout.NBGRADER
    entries = entries_of(root)
    if not entries:
        return Layout.PLAIN
    moodle = sum(1 for e in entries if (MOODLE_FOLDER.match(e.name) or DEFAULT_TEAM.match(e.name)
                                        if e.is_dir() else MOODLE_FILE.match(e.name)))
    if 2 * moodle >= len(entries):
        return Layout.MOODLE
    canvas = sum(1 for e in entries if e.is_file() and CANVAS_FILE.match(e.name))
    if 2 * canvas >= len(entries):
        return Layout.CANVAS
    return Layout.PLAIN


def unwrap(folder: pathlib.Path) -> pathlib.Path:
    """The folder a download really starts at: unzipping often adds a folder around it."""
    while True:
        entries = entries_of(folder)
        if ((folder / METADATA).is_file() or folder.name in NBGRADER_STEPS or len(entries) != 1
                or not entries[0].is_dir() or entries[0].name in NBGRADER_STEPS
                or MOODLE_FOLDER.match(entries[0].name) or DEFAULT_TEAM.match(entries[0].name)):
            return folder
        folder = entries[0]


def is_download(archive: pathlib.Path, layout: Layout | None) -> bool:
    """Is this zip a class download (to unpack), rather than one student's export zip?"""
    if layout not in (None, Layout.PLAIN):
        return True
    members = safezip.member_names(archive)
    if members is None:
        return False  # no zip at all: graded as a submission, and the grader says why it is invalid
    if sum(1 for m in members if m.lower().endswith(".ipynb")) >= 2:
        return True
    return any(_marks_a_download(m.split("/")) for m in members)


def _marks_a_download(parts: list[str]) -> bool:
    if parts[-1] == METADATA or any(p in NBGRADER_STEPS for p in parts[:-1]):
        return True
    if len(parts) == 1:
        return bool(CANVAS_FILE.match(parts[0]) or MOODLE_FILE.match(parts[0]))
    return bool(MOODLE_FOLDER.match(parts[0]))
