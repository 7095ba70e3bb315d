"""What every reader makes: a record per student (:class:`Submission`), from the files the
platform gave them (:class:`File`), the one to grade chosen by :mod:`hsa.trusted.choice`."""

import dataclasses
import pathlib

from ...outcomes import Layout
from ...trusted.choice import Handed, choose
from ...trusted.result import Identity
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
    set_aside: tuple = ()          # SetAside: the student's other files, and why
    problem: str | None = None

    @property
    def gradable(self):
        return self.file is not None and self.problem is None


@dataclasses.dataclass(frozen=True)
class File(Handed):
    """A file a student handed in, with what the layout says about it. ``key``: what the
    platform's own upload reads to find it again (Canvas: the download's file name up to
    the attachment id; Moodle: the folder's ``<name>_<participant id>``)."""
    late: bool | None = None
    key: str = ""


def entries_of(folder):
    """The folder's entries, without dot-files and operating-system litter, sorted."""
    return sorted(e for e in folder.iterdir()
                  if not e.name.startswith(".") and not ignored([e.name]))


# ------------------------------------------------------------------ records
def record(layout, who, files, assignment, folder_path, missing=None):
    """The student's record: the file chosen among ``files``, or the problem.

    ``missing``: what the layout says is wrong (a folder the metadata names but
    the download lacks), reported when no file can be graded.
    """
    choice = choose(files, assignment)
    chosen, problem = choice.chosen, None
    if chosen is None:
        advice = AMBIGUOUS_ADVICE if choice.ambiguous else ""
        found = choice.problem + advice if files else None
        problem = "; ".join(p for p in (found, missing) if p) or choice.problem
    late = chosen.late if chosen else next((f.late for f in files if f.late is not None), None)
    return Submission(
        name=names.hint(who.student_name or who.email, who.student_id), layout=layout,
        path=chosen.path if chosen else folder_path, file=chosen.file if chosen else None,
        key=chosen.key if chosen else next((f.key for f in files if f.key), ""),
        student_id=who.student_id, student_name=who.student_name, email=who.email,
        late=late, set_aside=choice.set_aside, problem=problem)


def nobody(layout, path, problem):
    """A record for input that names no student."""
    return Submission(name=names.hint(pathlib.PurePosixPath(path).name), layout=layout, path=path,
                      problem=problem)
