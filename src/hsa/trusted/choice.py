"""Which of a student's files is graded, and why each other one is set aside.

One rule, for ``hsa grade`` (every platform's download) and for Gradescope's
autograder alike, so that the same files are graded the same way on both paths:

1. only a notebook, or an export zip (a zip with one notebook, as
   ``grader.export()`` makes), can be graded;
2. where the platform dates each submission (Gradescope's ``created_at``,
   nbgrader's ``timestamp.txt``), only the latest submission's files count: a
   student who submitted again meant the new one;
3. a file with work in it (at least one graded function filled in) before an
   untouched stub: a fresh download saved beside the real work loses;
4. then the file named most like the assignment (:class:`Kind`): the name says
   what the student meant to hand in;
5. then the one that fills in the most graded functions;
6. then the latest upload, where the platform numbers uploads (Canvas's
   attachment ids).

Files still equal after that are **ambiguous**: none is graded, and a person
decides. File times are not used: unzipping a download and Gradescope's copy
of an upload both set them, so they say nothing about the student's work.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import os
import pathlib
import re
import zipfile
from typing import Iterable, NamedTuple, cast

from ..exceptions import InvalidSubmission
from ..outcomes import SetAsideReason as Reason
from .result import SetAside
from .submission import code_cells, notebook_entries, read_bytes

STUDENT_REGION = re.compile(r"### START CODE HERE ###(.*?)### END CODE HERE ###", re.S)


class Kind(enum.IntEnum):
    """How a gradable file is named; the lowest ranks first."""
    NAMED = 0     # hidden_state_activation.ipynb (also Canvas's hidden_state_activation-1.ipynb)
    COPY = 1      # "hidden_state_activation (1).ipynb", "Copy of ...", "...-Copy1.ipynb"
    EXPORT = 2    # a zip with one notebook, as grader.export() makes
    NOTEBOOK = 3  # any other notebook


KIND_TEXT = {Kind.NAMED: "named like the assignment",
             Kind.COPY: "a copy of the assignment's notebook",
             Kind.EXPORT: "an export zip", Kind.NOTEBOOK: "a notebook"}

_COPY_OF = (re.compile(r"^copy of (?P<base>.+)$", re.I),             # Google Drive, Colab
            re.compile(r"^(?P<base>.+?)\s*\(\d+\)$"),                # a browser's second download
            re.compile(r"^(?P<base>.+?)[-_ ]copy\d*$", re.I))         # Jupyter's -Copy1, "x copy"


@dataclasses.dataclass(frozen=True)
class Expected:
    """What a student's files are measured against: the assignment's name (its notebook is
    ``<name>.ipynb``) and the functions its tests grade."""
    name: str
    functions: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Handed:
    """A file a student handed in, with what the platform says of it."""
    file: pathlib.Path
    path: str                 # as people read it: relative to what was graded
    submitted: datetime.datetime | None = None  # when its submission was made; None where unsaid
    uploaded: int | None = None  # its number in the order of uploads; None where unsaid


@dataclasses.dataclass(frozen=True)
class Choice:
    """The file to grade (None when none can be), every other file with its reason, and
    what is wrong when nothing is graded."""
    chosen: Handed | None
    set_aside: tuple[SetAside, ...] = ()
    problem: str | None = None

    @property
    def ambiguous(self) -> bool:
        """True when nothing was graded because two files were equally good."""
        return any(a.reason is Reason.AMBIGUOUS for a in self.set_aside)


class Rank(NamedTuple):
    """Where a gradable file stands by the rule's steps 3 to 6 (:func:`choose`): tuples
    compare field by field, so the best file has the smallest rank."""
    untouched: bool   # step 3: no graded function filled in (a fresh stub)
    kind: Kind        # step 4: how it is named
    filled: int       # step 5: graded functions filled in, negated (more first)
    upload: int       # step 6: the platform's upload number, negated (latest first)



class Ranked(NamedTuple):
    rank: Rank
    handed: Handed


def name_key(text: str) -> str:
    """A file or folder name as compared with the assignment's: case, spaces, dots, dashes
    and underscores folded."""
    return re.sub(r"[\s._-]+", "_", text.casefold()).strip("_")


def kind_of(path: str | os.PathLike[str], assignment: str) -> tuple[Kind | None, str]:
    """(Kind, "") for a gradable file; (None, why not) otherwise. ``assignment``: its name."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        stem = re.sub(r"-\d+$", "", path.stem)  # Canvas renames a re-uploaded name x-1, x-2
        if name_key(stem) == name_key(assignment):
            return Kind.NAMED, ""
        if any((m := p.match(stem)) and name_key(m["base"]) == name_key(assignment) for p in _COPY_OF):
            return Kind.COPY, ""
        return Kind.NOTEBOOK, ""
    if suffix == ".zip":
        count = _notebooks_in_zip(path)
        if count is None:
            return None, "a .zip file that is no zip"
        if count == 1:
            return Kind.EXPORT, ""
        return None, (f"a zip holding {count} notebooks, not an export zip (grader.export() "
                      "makes a zip with one): unzip it and grade the right notebook by hand")
    return None, "not a notebook or an export zip"


def _notebooks_in_zip(path: pathlib.Path) -> int | None:
    """How many notebooks a zip holds (an export zip holds one); None if it is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return len(notebook_entries(archive))
    except (zipfile.BadZipFile, OSError):
        return None


def choose(files: Iterable[Handed], assignment: Expected) -> Choice:
    """The :class:`Choice` among one student's ``files`` (:class:`Handed`), by the rule above."""
    aside: list[SetAside] = []
    gradable: list[tuple[Handed, Kind]] = []
    for handed in files:
        kind, why = kind_of(handed.file, assignment.name)
        if kind is None:
            aside.append(SetAside(handed.path, Reason.NOT_GRADABLE, why))
        else:
            gradable.append((handed, kind))
    if not gradable:
        why = "; ".join(f"{a.path} ({a.detail})" for a in aside) or "no file was handed in"
        return Choice(None, tuple(aside), f"nothing to grade: {why}")
    left, older = _latest_submission(gradable)
    ranked = _ranked(left, assignment.functions)
    best = ranked[0].rank
    top = [r for r in ranked if r.rank == best]
    if len(top) > 1:
        names = ", ".join(r.handed.path for r in top)
        aside += [SetAside(r.handed.path, Reason.AMBIGUOUS, "as good as another, none known to be "
                           "the latest") for r in top]
        aside += [_beaten(r, best, top[0].handed.path, graded=False) for r in ranked[len(top):]]
        aside += [SetAside(h.path, Reason.OLDER, "handed in with an earlier submission")
                  for h, _ in older]
        return Choice(None, tuple(aside), f"{len(top)} files, each {KIND_TEXT[best.kind]} and "
                      f"filling in {-best.filled} graded function(s), and nothing says which is "
                      f"the latest: {names}")
    chosen = ranked[0].handed
    aside += [_beaten(r, best, chosen.path) for r in ranked[1:]]
    aside += [SetAside(h.path, Reason.OLDER, f"an earlier submission than {chosen.path}")
              for h, _ in older]
    return Choice(chosen, tuple(aside))


def _latest_submission(gradable: list[tuple[Handed, Kind]]
                       ) -> tuple[list[tuple[Handed, Kind]], list[tuple[Handed, Kind]]]:
    """(the files of the latest submission, the older ones) where every file's submission is
    dated; else all of them, none older."""
    dates = [h.submitted for h, _ in gradable]
    if len(set(dates)) <= 1 or None in dates:
        return gradable, []
    latest = max(cast("list[datetime.datetime]", dates))  # None is not among them
    return ([g for g in gradable if g[0].submitted == latest],
            [g for g in gradable if g[0].submitted != latest])


def _ranked(gradable: list[tuple[Handed, Kind]], functions: tuple[str, ...]) -> list[Ranked]:
    """Each file with its :class:`Rank`, best first. Files are read for the count only when
    there is a choice to make."""
    rows = []
    for handed, kind in gradable:
        filled = _filled_in(handed.file, functions) if len(gradable) > 1 else 0
        rows.append(Ranked(Rank(filled == 0, kind, -filled, -(handed.uploaded or 0)), handed))
    return sorted(rows, key=lambda r: r.rank)


def _beaten(row: Ranked, best: Rank, chosen_path: str, graded: bool = True) -> SetAside:
    """Why ``row`` lost to ``best`` (at ``chosen_path``; ``graded`` when it was graded):
    the first of the rule's steps where they differ."""
    rank, path = row.rank, row.handed.path
    if rank.untouched != best.untouched or (rank.kind == best.kind and rank.filled != best.filled):
        return SetAside(path, Reason.FEWER_FUNCTIONS, f"fills in {-rank.filled} graded "
                        f"function(s) where {chosen_path} fills in {-best.filled}")
    if rank.kind != best.kind:
        return SetAside(path, Reason.NOT_PREFERRED, f"{KIND_TEXT[rank.kind]}; {chosen_path} "
                        + ("was graded instead" if graded else "ranks higher"))
    return SetAside(path, Reason.OLDER, f"uploaded before {chosen_path}")


def _filled_in(path: pathlib.Path, functions: tuple[str, ...]) -> int:
    """How many of ``functions`` the file defines with code of their own (a ``def`` whose
    body is more than the stub's ``None`` placeholders); 0 for what cannot be read."""
    try:
        cells = code_cells(read_bytes(path))
    except (InvalidSubmission, OSError):
        return 0
    filled: set[str] = set()
    for source in cells:
        for name in functions:
            if re.search(rf"^def {re.escape(name)}\(", source, re.M) and _has_code(source):
                filled.add(name)
    return len(filled)


def _has_code(source: str) -> bool:
    """True when the code between the START/END CODE HERE markers (the whole cell when
    it has none) is more than ``None`` placeholders."""
    region = STUDENT_REGION.search(source)
    lines = (region.group(1) if region else source).splitlines()
    return any(line.strip() and not line.strip().startswith("#")
               and not line.strip().endswith("None") for line in lines)
