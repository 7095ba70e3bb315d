"""The entry points: the submissions under the paths ``hsa grade`` was given, downloads
unzipped to a temporary folder and read by their platform's reader."""

from __future__ import annotations

import collections.abc
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
from .detection import detect, is_download, unwrap
from .gradescope import METADATA
from .nbgrader import TIMESTAMP
from ...trusted.choice import Expected
from .records import Reader, Submission

DOWNLOAD_PREFIX = "hsa-download-"  # then the pid of the grader that unpacked it

READERS: dict[Layout, Reader] = {Layout.GRADESCOPE: gradescope.read, Layout.CANVAS: canvas.read,
           Layout.MOODLE: moodle.read, Layout.NBGRADER: nbgrader.read, Layout.PLAIN: plain.read}


@contextlib.contextmanager
def opened(paths: collections.abc.Sequence[str | os.PathLike[str]], layout: Layout | str | None,
           assignment: Expected, set_aside: list[str] | None = None) -> collections.abc.Iterator[list[Submission]]:
    """The submissions under ``paths``; zips are unpacked to a temporary folder kept until exit."""
    with tempfile.TemporaryDirectory(prefix=f"{DOWNLOAD_PREFIX}{os.getpid()}-") as workdir:
        yield read_submissions(paths, layout, workdir=workdir, assignment=assignment,
                               set_aside=set_aside)


def read_submissions(paths: collections.abc.Sequence[str | os.PathLike[str]],
                     layout: Layout | str | None = None, *,
                     workdir: str | os.PathLike[str], assignment: Expected,
                     set_aside: list[str] | None = None) -> list[Submission]:
    """One Submission per student (per file, for a plain folder) under ``paths``, uniquely named.

    ``paths``: folders or zips downloaded from a platform, notebooks, export
    zips. ``layout``: a Layout (or its name) to force, else each is detected.
    Zip downloads are unpacked below ``workdir``, which must outlive grading; the members
    of a download that could not be unpacked safely (no student's) are added to
    ``set_aside``, a list, as "path (why)".
    """
    layout, set_aside = _layout(layout), [] if set_aside is None else set_aside
    folders = [pathlib.Path(p) for p in paths]
    records: list[Submission] = []
    for index, given in enumerate(folders):
        if not given.exists():
            raise LayoutError(f"{given} does not exist; pass the folder or zip your platform "
                              "gave you, or notebooks and export zips")
        if given.is_file() and given.suffix.lower() == ".zip" and is_download(given, layout):
            records += _read_download(given, layout, pathlib.Path(workdir) / str(index),
                                      f"{given.name}/", assignment, set_aside)
        elif given.is_file():
            records.append(plain.plain_record(given, given.name, names.hint(given.stem)))
        else:  # paths are relative to the folder; to the folder's parent when there are several
            prefix = f"{given.name}/" if len(folders) > 1 else ""
            records += _read_folder(given, layout, given, prefix, assignment)
    return [dataclasses.replace(r, name=n)
            for r, n in zip(records, names.unique(r.name for r in records))]


def _layout(name: Layout | str | None) -> Layout | None:
    if name is None or isinstance(name, Layout):
        return name
    try:
        return Layout(name)
    except ValueError:
        raise LayoutError(f"unknown layout {name!r}; use one of "
                          f"{', '.join(x.value for x in Layout)}") from None


def _read_download(archive: pathlib.Path, layout: Layout | None, destination: pathlib.Path,
                   prefix: str, assignment: Expected, set_aside: list[str]) -> list[Submission]:
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


def _too_large(record: Submission, too_large: collections.abc.Mapping[str, str]) -> Submission:
    """``record``, invalid when its file (or, with nothing else to grade, a file it set
    aside) was too large to unpack."""
    why = too_large.get(record.path) or next(
        (too_large[a.path] for a in record.set_aside if a.path in too_large and record.file is None),
        None)
    return dataclasses.replace(record, file=None, problem=why) if why else record


def _read_folder(folder: pathlib.Path, layout: Layout | None, base: pathlib.Path, prefix: str,
                 assignment: Expected) -> list[Submission]:
    """The records of one folder; paths are ``prefix`` + the path below ``base``."""
    layout = layout or detect(folder)

    def rel(path: pathlib.Path) -> str:
        return prefix + path.relative_to(base).as_posix()

    root = folder if layout is Layout.PLAIN else unwrap(folder)
    return READERS[layout](root, rel, assignment)
