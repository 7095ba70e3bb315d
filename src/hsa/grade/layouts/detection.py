"""Which platform a download comes from, and the folder it really starts at."""

import pathlib

from ...outcomes import Layout
from .canvas import CANVAS_FILE
from .gradescope import METADATA
from .moodle import MOODLE_FILE, MOODLE_FOLDER
from .nbgrader import NBGRADER_STEPS, nbgrader_root
from .records import entries_of


def detect(folder):
    """Which platform's download ``folder`` is (Layout.PLAIN when none)."""
    root = unwrap(pathlib.Path(folder))
    if (root / METADATA).is_file():
        return Layout.GRADESCOPE
    if nbgrader_root(root):
        return Layout.NBGRADER
    entries = entries_of(root)
    if not entries:
        return Layout.PLAIN
    moodle = sum(1 for e in entries if (MOODLE_FOLDER if e.is_dir() else MOODLE_FILE).match(e.name))
    if 2 * moodle >= len(entries):
        return Layout.MOODLE
    canvas = sum(1 for e in entries if e.is_file() and CANVAS_FILE.match(e.name))
    if 2 * canvas >= len(entries):
        return Layout.CANVAS
    return Layout.PLAIN


def unwrap(folder):
    """The folder a download really starts at: unzipping often adds a folder around it."""
    while True:
        entries = entries_of(folder)
        if ((folder / METADATA).is_file() or folder.name in NBGRADER_STEPS or len(entries) != 1
                or not entries[0].is_dir() or entries[0].name in NBGRADER_STEPS
                or MOODLE_FOLDER.match(entries[0].name)):
            return folder
        folder = entries[0]
