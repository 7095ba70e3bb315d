"""What every reader makes: a record per student (:class:`Submission`), from the files the
platform gave them (:class:`File`), the one to grade chosen by :mod:`hsa.trusted.choice`."""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import Callable
from typing import cast

from ...outcomes import Layout
from ...trusted.choice import Expected, Handed, choose
from ...trusted.result import Identity, SetAside
from ...trusted.submission import ignored
from .. import names

"""The default assignment (its notebook is ``<name>.ipynb``), with no graded functions named:
``hsa grade`` passes the autograder's."""

AMBIGUOUS_ADVICE = ". Grade the right one by hand, or remove the others and run hsa grade again"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Submission(Identity):
    """One student's submission: what to grade and who it belongs to.

    ``file`` is None when there is nothing to grade; then ``problem`` says why.
    A group on Gradescope gives one record per member, all with the same
    ``file``: the file is graded once and each member gets the result. Who it is
    (:class:`Identity`): ``path`` is the graded file (or the student's folder) below the
    input; ``late`` is None where the layout does not say (only Canvas does).
    """
    name: str                      # unique, safe output-folder name ("zoe-nunez-123456")
    layout: Layout
    file: pathlib.Path | None = None
    key: str = ""                  # the platform's own name for it (File.key of the graded file)
    set_aside: tuple[SetAside, ...] = ()  # the student's other files, and why
    problem: str | None = None

    @property
    def to_grade(self) -> pathlib.Path | None:
        """The file to grade; None when there is nothing to grade (``problem`` says why)."""
        return self.file if self.problem is None else None

    @property
    def gradable(self) -> bool:
        return self.to_grade is not None


@dataclasses.dataclass(frozen=True)
class File(Handed):
    """A file a student handed in, with what the layout says about it. ``key``: what the
    platform's own upload reads to find it again (Canvas: the download's file name up to
    the attachment id; Moodle: the folder's ``<name>_<participant id>``)."""
    late: bool | None = None
    key: str = ""


Reader = Callable[[pathlib.Path, Callable[[pathlib.Path], str], Expected], list[Submission]]
"""A platform's reader: (the download's root, the path people read for a file below it,
the assignment) to one record per student."""


@dataclasses.dataclass
class Gathered:
    """One student's files as a reader gathers them, before :func:`record` chooses among
    them. ``path``: the student's folder (or first file) as people read it; ``missing``:
    what the layout says is wrong."""
    who: Identity
    path: str
    files: list[File] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)


def entries_of(folder: pathlib.Path) -> list[pathlib.Path]:
    """The folder's entries, without dot-files and operating-system litter, sorted."""
    return sorted(e for e in folder.iterdir()
                  if not e.name.startswith(".") and not ignored([e.name]))


# ------------------------------------------------------------------ records
def record(layout: Layout, who: Identity, files: list[File], assignment: Expected,
           folder_path: str, missing: str | None = None) -> Submission:
    """The student's record: the file chosen among ``files``, or the problem.

    ``missing``: what the layout says is wrong (a folder the metadata names but
    the download lacks), reported when no file can be graded.
    """
    choice = choose(files, assignment)
    chosen = cast("File | None", choice.chosen)  # one of ``files``: choose picks, never makes
    problem = None
    if chosen is None:
        advice = AMBIGUOUS_ADVICE if choice.ambiguous else ""
        found = (choice.problem or "") + advice if files else None  # set when none is chosen
        problem = "; ".join(p for p in (found, missing) if p) or choice.problem
    late = chosen.late if chosen else next((f.late for f in files if f.late is not None), None)
    return Submission(
        name=names.hint(who.student_name or who.email, who.student_id), layout=layout,
        path=chosen.path if chosen else folder_path, file=chosen.file if chosen else None,
        key=chosen.key if chosen else next((f.key for f in files if f.key), ""),
        student_id=who.student_id, student_name=who.student_name, email=who.email,
        late=late, set_aside=choice.set_aside, problem=problem)


def nobody(layout: Layout, path: str, problem: str) -> Submission:
    """A record for input that names no student."""
    return Submission(name=names.hint(pathlib.PurePosixPath(path).name), layout=layout, path=path,
                      problem=problem)
