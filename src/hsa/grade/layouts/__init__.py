"""The class downloads graders get from their platform, read into one record per student.

``hsa grade FOLDER|ZIP`` detects which platform a download comes from (or is
told, ``--layout``), and keeps who each student is, so each row of the
gradebook says whose work it was and the grades can go back where they came
from:

* Gradescope "Export Submissions": ``submission_metadata.yml`` beside
  ``submission_<id>/`` folders; the metadata (YAML written by Ruby, keys like
  ``:submitters:``) names each folder's submitters, several for a group.
* Canvas "Download Submissions": flat files
  ``<name>[_LATE]_<user id>_<attachment id>_<file name>`` (Canvas's
  ``ContentZipper``); a re-uploaded file name gets ``-1``, ``-2`` before its
  extension.
* Moodle "Download submissions": ``<Full Name>_<participant id>_assignsubmission_file[_]/``
  folders, or flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``.
* nbgrader: ``submitted/<student id>/<assignment>/<notebook>.ipynb`` (or
  ``autograded/``), with nbgrader's ``timestamp.txt``.
* A plain folder: every notebook and export zip below it is a submission, its
  path the identity.

Here: the entry points and unpacking a zipped download; beside them a module
per platform's reader, ``metadata`` (Gradescope's YAML), ``detection`` and
``records`` (what every reader makes). Which of a student's files is graded is
:mod:`hsa.trusted.choice`'s rule, the same as on Gradescope's autograder; a
reader only says what the platform knows of each file (when its submission was
made, the order of uploads, lateness).

Bad input never raises: a folder that names no student, a metadata entry whose
folder is missing, a zip of several notebooks, two equally good files and no
way to tell the latest... each gives a record with a ``problem`` and is not
graded, while every other student is. Only what makes the whole input unreadable
(a path that does not exist, a forced layout that does not fit, a zip too large
to unpack) raises LayoutError, whose message says what to do.
"""

import contextlib
import dataclasses
import os
import pathlib
import tempfile
import zipfile

from ...exceptions import LayoutError
from ...outcomes import Layout
from .. import names, safezip
from . import canvas, gradescope, moodle, nbgrader, plain
from .canvas import CANVAS_FILE
from .detection import detect, unwrap
from .gradescope import METADATA
from .moodle import MOODLE_FILE, MOODLE_FOLDER
from .nbgrader import NBGRADER_STEPS, TIMESTAMP
from .plain import plain_record
from .records import ASSIGNMENT, Submission

DOWNLOAD_PREFIX = "hsa-download-"  # then the pid of the grader that unpacked it

__all__ = ["ASSIGNMENT", "Layout", "LayoutError", "Submission", "detect", "opened", "read_submissions",
           "unwrap"]


# ------------------------------------------------------------------ entry points
@contextlib.contextmanager
def opened(paths, layout=None, assignment=ASSIGNMENT, set_aside=None):
    """The submissions under ``paths``; zips are unpacked to a temporary folder kept until exit."""
    with tempfile.TemporaryDirectory(prefix=f"{DOWNLOAD_PREFIX}{os.getpid()}-") as workdir:
        yield read_submissions(paths, layout, workdir=workdir, assignment=assignment,
                               set_aside=set_aside)


def read_submissions(paths, layout=None, *, workdir, assignment=ASSIGNMENT, set_aside=None):
    """One Submission per student (per file, for a plain folder) under ``paths``, uniquely named.

    ``paths``: folders or zips downloaded from a platform, notebooks, export
    zips. ``layout``: a Layout (or its name) to force, else each is detected.
    Zip downloads are unpacked below ``workdir``, which must outlive grading; the members
    of a download that could not be unpacked safely (no student's) are added to
    ``set_aside``, a list, as "path (why)".
    """
    layout, set_aside = _layout(layout), [] if set_aside is None else set_aside
    paths = [pathlib.Path(p) for p in paths]
    records = []
    for index, given in enumerate(paths):
        if not given.exists():
            raise LayoutError(f"{given} does not exist; pass the folder or zip your platform "
                              "gave you, or notebooks and export zips")
        if given.is_file() and given.suffix.lower() == ".zip" and _is_download(given, layout):
            records += _read_download(given, layout, pathlib.Path(workdir) / str(index),
                                      f"{given.name}/", assignment, set_aside)
        elif given.is_file():
            records.append(plain_record(given, given.name, names.hint(given.stem)))
        else:  # paths are relative to the folder; to the folder's parent when there are several
            prefix = f"{given.name}/" if len(paths) > 1 else ""
            records += _read_folder(given, layout, given, prefix, assignment)
    return [dataclasses.replace(r, name=n)
            for r, n in zip(records, names.unique(r.name for r in records))]


def _layout(name):
    if name is None or isinstance(name, Layout):
        return name
    try:
        return Layout(name)
    except ValueError:
        raise LayoutError(f"unknown layout {name!r}; use one of "
                          f"{', '.join(x.value for x in Layout)}") from None


# ------------------------------------------------------------------ inputs
def _is_download(archive, layout):
    """Is this zip a class download (to unpack), rather than one student's export zip?"""
    if layout not in (None, Layout.PLAIN):
        return True
    members = safezip.member_names(archive)
    if members is None:
        return False  # no zip at all: graded as a submission, and the grader says why it is invalid
    if sum(1 for m in members if m.lower().endswith(".ipynb")) >= 2:
        return True
    return any(_marks_a_download(m.split("/")) for m in members)


def _marks_a_download(parts):
    if parts[-1] == METADATA or any(p in NBGRADER_STEPS for p in parts[:-1]):
        return True
    if len(parts) == 1:
        return bool(CANVAS_FILE.match(parts[0]) or MOODLE_FILE.match(parts[0]))
    return bool(MOODLE_FOLDER.match(parts[0]))


def _read_download(archive, layout, destination, prefix, assignment, set_aside):
    """The download's records; members that could not be unpacked safely go to ``set_aside``
    (no student's), a member too large to unpack makes its student's record invalid."""
    try:
        unpacked = safezip.extract(archive, destination, keep=(METADATA, TIMESTAMP))
    except (zipfile.BadZipFile, OSError) as error:
        raise LayoutError(f"{archive} could not be unzipped ({error}); download it again") from None
    set_aside += [f"{prefix}{s.member} ({s.reason})" for s in unpacked.skipped]
    layout = layout or detect(destination)
    too_large = {prefix + path: why for path, why in unpacked.too_large.items()}
    return [_too_large(r, too_large) for r in
            _read_folder(destination, layout, destination, prefix, assignment)]


def _too_large(record, too_large):
    """``record``, invalid when its file (or, with nothing else to grade, a file it set
    aside) was too large to unpack."""
    why = too_large.get(record.path) or next(
        (too_large[a.path] for a in record.set_aside if a.path in too_large and record.file is None),
        None)
    return dataclasses.replace(record, file=None, problem=why) if why else record


def _read_folder(folder, layout, base, prefix, assignment):
    """The records of one folder; paths are ``prefix`` + the path below ``base``."""
    layout = layout or detect(folder)

    def rel(path):
        return prefix + path.relative_to(base).as_posix()

    root = folder if layout is Layout.PLAIN else unwrap(folder)
    return READERS[layout](root, rel, assignment)


READERS = {Layout.GRADESCOPE: gradescope.read, Layout.CANVAS: canvas.read,
           Layout.MOODLE: moodle.read, Layout.NBGRADER: nbgrader.read, Layout.PLAIN: plain.read}
