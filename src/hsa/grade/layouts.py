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

Bad input never raises: a folder that names no student, a metadata entry whose
folder is missing, a zip of several notebooks, two equally good files and no
way to tell the latest... each gives a record with a ``problem`` and is not
graded, while every other student is. Only what makes the whole input unreadable
(a path that does not exist, a forced layout that does not fit, a zip too large
to unpack) raises LayoutError, whose message says what to do.
"""

import contextlib
import dataclasses
import datetime
import os
import pathlib
import re
import tempfile
import zipfile

import yaml

from ..exceptions import LayoutError
from ..outcomes import Layout, NamedEnum
from ..project import DEFAULT
from ..trusted.submission import KIND_TEXT, files_under, ignored, kind_of, name_key
from . import names, safezip

ASSIGNMENT = DEFAULT.name
"""The default assignment's name: its notebook is ``<ASSIGNMENT>.ipynb``."""

METADATA = "submission_metadata.yml"
MAX_METADATA_BYTES = 64 << 20
NBGRADER_STEPS = ("submitted", "autograded")
TIMESTAMP = "timestamp.txt"
DOWNLOAD_PREFIX = "hsa-download-"  # then the pid of the grader that unpacked it

CANVAS_FILE = re.compile(
    r"^(?:(?P<name>.*?)_)??(?:(?P<late>LATE)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)"
    r"_(?P<attachment>\d+)_(?P<file>.+)$", re.DOTALL)
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$",
                           re.DOTALL)
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                         r"_(?P<file>.+)$", re.DOTALL)
class Reason(NamedEnum):
    """Why a student's file was not the one graded."""
    OLDER = "older"                  # an earlier upload or submission of the same standing
    NOT_PREFERRED = "not_preferred"  # a file named more like the assignment was graded
    NOT_GRADABLE = "not_gradable"    # not a notebook, nor a zip with one notebook
    AMBIGUOUS = "ambiguous"          # as good as another, nothing says which is latest


@dataclasses.dataclass(frozen=True)
class SetAside:
    """A file of the student's that is not the one graded."""
    path: str
    reason: Reason
    detail: str

    def __str__(self):
        return f"{self.path} ({self.detail})"


@dataclasses.dataclass(frozen=True)
class Submission:
    """One student's submission: what to grade and who it belongs to.

    ``file`` is None when there is nothing to grade; then ``problem`` says why.
    A group on Gradescope gives one record per member, all with the same
    ``file`` and ``group``: grade the file once and give each member the result.
    """
    name: str                      # unique, safe output-folder name ("zoe-nunez-123456")
    layout: Layout
    path: str                      # the graded file (or the student's folder), below the input
    file: pathlib.Path | None = None
    student_id: str | None = None  # Canvas user id, Moodle participant id, Gradescope SID...
    student_name: str | None = None
    email: str | None = None
    late: bool | None = None       # None where the layout does not say (only Canvas does)
    submitted_at: datetime.datetime | None = None
    set_aside: tuple[SetAside, ...] = ()
    problem: str | None = None
    group: str | None = None       # Gradescope's submission folder, shared by a group

    @property
    def gradable(self):
        return self.file is not None and self.problem is None

    @property
    def label(self):
        """Who this is, for people: "Zoë Ñúñez (123456)", or the path when nobody is known."""
        if self.student_name and self.student_id and self.student_name != self.student_id:
            return f"{self.student_name} ({self.student_id})"
        return self.student_name or self.student_id or self.email or self.path

    def note(self):
        """The set-aside files, as a sentence for the gradebook's message ("" when none)."""
        if not self.set_aside:
            return ""
        return "Not graded: " + "; ".join(map(str, self.set_aside)) + "."


@dataclasses.dataclass(frozen=True)
class _File:
    """A file a student handed in, with what the layout says about it."""
    file: pathlib.Path
    path: str
    recency: tuple | None = None   # larger is later; None where the layout does not say
    late: bool | None = None
    submitted_at: datetime.datetime | None = None
    group: str | None = None


@dataclasses.dataclass(frozen=True)
class _Who:
    student_id: str | None = None
    student_name: str | None = None
    email: str | None = None


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
            records.append(_plain_record(given, given.name, names.hint(given.stem)))
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


def detect(folder):
    """Which platform's download ``folder`` is (Layout.PLAIN when none)."""
    root = unwrap(pathlib.Path(folder))
    if (root / METADATA).is_file():
        return Layout.GRADESCOPE
    if _nbgrader_root(root):
        return Layout.NBGRADER
    entries = _entries(root)
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
        entries = _entries(folder)
        if ((folder / METADATA).is_file() or folder.name in NBGRADER_STEPS or len(entries) != 1
                or not entries[0].is_dir() or entries[0].name in NBGRADER_STEPS
                or MOODLE_FOLDER.match(entries[0].name)):
            return folder
        folder = entries[0]


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


def _entries(folder):
    """The folder's entries, without dot-files and operating-system litter, sorted."""
    return sorted(e for e in folder.iterdir()
                  if not e.name.startswith(".") and not ignored([e.name]))


# ------------------------------------------------------------------ choosing a student's file
def _choose(files, assignment):
    """(the file to grade or None, the files set aside, the problem or None)."""
    aside, ranked = [], []
    for f in files:
        kind, why = kind_of(f.file, assignment)
        if kind is None:
            aside.append(SetAside(f.path, Reason.NOT_GRADABLE, why))
        else:
            ranked.append((kind, f))
    if not ranked:
        return None, tuple(aside), "nothing to grade: " + "; ".join(map(str, aside))
    best = min(kind for kind, _ in ranked)
    top = [f for kind, f in ranked if kind == best]
    chosen = _latest(top)
    problem = None
    if chosen is None:
        problem = (f"{len(top)} files, each {KIND_TEXT[best]}, and nothing says which is the "
                   f"latest: {', '.join(f.path for f in top)}. Grade the right one by hand, or "
                   "remove the others and run hsa grade again")
        aside += [SetAside(f.path, Reason.AMBIGUOUS, "as good as another, none known to be latest")
                  for f in top]
    else:
        aside += [SetAside(f.path, Reason.OLDER, f"older than {chosen.path}")
                  for f in top if f is not chosen]
    preferred = f"{chosen.path} was graded instead" if chosen else "another file ranks higher"
    aside += [SetAside(f.path, Reason.NOT_PREFERRED, f"{KIND_TEXT[kind]}; {preferred}")
              for kind, f in ranked if kind != best]
    return chosen, tuple(aside), problem


def _latest(files):
    if len(files) == 1:
        return files[0]
    if any(f.recency is None for f in files):
        return None
    newest = max(f.recency for f in files)
    winners = [f for f in files if f.recency == newest]
    return winners[0] if len(winners) == 1 else None


def _record(layout, who, files, assignment, folder_path, missing=None):
    """The student's record: the file chosen among ``files``, or the problem.

    ``missing``: what the layout says is wrong (a folder the metadata names but
    the download lacks), reported when no file can be graded.
    """
    chosen, aside, problem = _choose(files, assignment) if files else (None, (), None)
    if chosen is None:
        problem = "; ".join(p for p in (problem, missing) if p) or (
            "nothing to grade: no file was handed in")
    late = chosen.late if chosen else next((f.late for f in files if f.late is not None), None)
    return Submission(
        name=names.hint(who.student_name or who.email, who.student_id), layout=layout,
        path=chosen.path if chosen else folder_path, file=chosen.file if chosen else None,
        student_id=who.student_id, student_name=who.student_name, email=who.email,
        late=late, submitted_at=chosen.submitted_at if chosen else None,
        set_aside=aside, problem=problem, group=chosen.group if chosen else None)


def _nobody(layout, path, problem):
    """A record for input that names no student."""
    return Submission(name=names.hint(pathlib.PurePosixPath(path).name), layout=layout, path=path,
                      problem=problem)


# ------------------------------------------------------------------ Gradescope
class MetadataError(ValueError):
    """submission_metadata.yml cannot be read."""


class _RubyLoader(yaml.SafeLoader):
    """YAML's safe loader, reading Ruby's local tags (``!ruby/object:...``) as plain data.

    Gradescope writes the metadata with Ruby, which may tag a value with its
    class. A tag constructs nothing here: the node is read as the mapping,
    list or string it is. Standard tags stay those of SafeLoader, so
    ``!!python/object`` and its kin are refused, never run.
    """


def _untagged(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_RubyLoader.add_multi_constructor("!", _untagged)


def read_gradescope_metadata(path):
    """``{folder: entry}`` with Ruby's ``:key`` written ``key``; MetadataError when unreadable."""
    path = pathlib.Path(path)
    if path.stat().st_size > MAX_METADATA_BYTES:
        raise MetadataError(f"it is larger than {MAX_METADATA_BYTES >> 20} MB")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_RubyLoader)  # noqa: S506 (safe)
        data = _unsymbol(data, {})
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        raise MetadataError(f"{type(error).__name__}: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise MetadataError("it is not a mapping from submission folders to their submitters")
    return {str(k): v for k, v in data.items()}


def _unsymbol(value, seen):
    """Ruby symbols as keys (``:submitters``) to plain keys, everywhere; shared nodes once."""
    if not isinstance(value, (dict, list)):
        return value
    if id(value) in seen:
        return seen[id(value)]
    if isinstance(value, list):
        seen[id(value)] = out = []
        out.extend(_unsymbol(v, seen) for v in value)
        return out
    seen[id(value)] = out = {}
    for k, v in value.items():
        out[k[1:] if isinstance(k, str) and k.startswith(":") else k] = _unsymbol(v, seen)
    return out


def _text(value):
    """A metadata value as stripped text; None when absent or blank."""
    if value is None:
        return None
    return str(value).strip() or None


def _when(value):
    """A Gradescope ``created_at`` as an aware datetime, or None."""
    if isinstance(value, str):
        text = re.sub(r"\s*Z$", "+00:00", value.strip()).replace(" ", "T", 1)
        try:
            value = datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text))
        except ValueError:
            return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    return None


def _submitters(entry):
    found = []
    for s in entry.get("submitters") or []:
        if isinstance(s, dict):
            who = _Who(_text(s.get("sid")), _text(s.get("name")), _text(s.get("email")))
            if who != _Who():
                found.append(who)
    return found


def _read_gradescope(root, rel, assignment):
    if not (root / METADATA).is_file():
        raise LayoutError(f"--layout gradescope: there is no {METADATA} in {root}; use "
                          "Gradescope's Export Submissions and point hsa grade at its zip")
    folders = {e.name: e for e in _entries(root) if e.is_dir()}
    strays = [_nobody(Layout.GRADESCOPE, rel(e), f"not a submission folder of the export: "
                      f"{METADATA} knows nothing of it") for e in _entries(root)
              if e.is_file() and e.name != METADATA]
    try:
        metadata = read_gradescope_metadata(root / METADATA)
    except MetadataError as error:
        why = f"{METADATA} could not be read ({error}); download the export again"
        return [_nobody(Layout.GRADESCOPE, rel(f), why) for f in folders.values()] + strays
    students, records = {}, []
    for key in sorted(metadata):
        entry, folder = metadata[key], folders.get(key)
        if not isinstance(entry, dict):
            records.append(_nobody(Layout.GRADESCOPE, rel(root / key),
                                   f"{METADATA} has no submitters for {key}"))
            continue
        who_all = _submitters(entry)
        if not who_all:
            records.append(_nobody(Layout.GRADESCOPE, rel(root / key), f"{METADATA} names no "
                                   f"submitter for {key}: nobody to credit"))
            continue
        when = _when(entry.get("created_at"))
        files = [] if folder is None else [
            _File(p, rel(p), recency=(when,) if when else None, submitted_at=when, group=key)
            for p in files_under(folder)]
        for who in who_all:
            slot = students.setdefault(who.student_id or who.email or who.student_name,
                                       {"who": who, "files": [], "missing": [], "folder": key})
            slot["files"] += files
            if folder is None:
                slot["missing"].append(f"{METADATA} names {key}, but the download has no folder "
                                       f"{key}: download the export again")
    for slot in students.values():
        records.append(_record(Layout.GRADESCOPE, slot["who"], slot["files"], assignment,
                               rel(root / slot["folder"]), "; ".join(slot["missing"]) or None))
    records += [_nobody(Layout.GRADESCOPE, rel(f), f"{key} is not in {METADATA}: no student to "
                        "credit") for key, f in folders.items() if key not in metadata]
    return records + strays


# ------------------------------------------------------------------ Canvas
def _read_canvas(root, rel, assignment):
    students, records = {}, []
    for entry in _entries(root):
        match = CANVAS_FILE.match(entry.name) if entry.is_file() else None
        if match is None:
            records.append(_nobody(Layout.CANVAS, rel(entry), "not named the way Canvas names "
                                   "a download (<name>_<user id>_<attachment id>_<file>): no "
                                   "student to credit"))
            continue
        who = _Who(match["user"], match["name"] or None)
        slot = students.setdefault(who.student_id, {"who": who, "files": []})
        slot["files"].append(_File(entry, rel(entry), recency=(int(match["attachment"]),),
                                   late=match["late"] is not None))
    return [_record(Layout.CANVAS, s["who"], s["files"], assignment, s["files"][0].path)
            for s in students.values()] + records


# ------------------------------------------------------------------ Moodle
def _read_moodle(root, rel, assignment):
    students, records = {}, []
    for entry in _entries(root):
        folder = entry.is_dir()
        match = (MOODLE_FOLDER if folder else MOODLE_FILE).match(entry.name)
        if match is None:
            records.append(_nobody(Layout.MOODLE, rel(entry), "not named the way Moodle names a "
                                   "download (<Full Name>_<participant id>_assignsubmission_...): "
                                   "no student to credit"))
            continue
        slot = students.setdefault(match["id"], {"who": _Who(match["id"], match["name"]),
                                                 "files": [], "path": rel(entry)})
        slot["files"] += [_File(p, rel(p)) for p in (files_under(entry) if folder else [entry])]
    return [_record(Layout.MOODLE, s["who"], s["files"], assignment, s["path"])
            for s in students.values()] + records


# ------------------------------------------------------------------ nbgrader
def _nbgrader_root(folder):
    if folder.name in NBGRADER_STEPS:
        return folder
    return next((folder / s for s in NBGRADER_STEPS if (folder / s).is_dir()), None)


def _read_nbgrader(root, rel, assignment):
    root = _nbgrader_root(root) or root
    students = [e for e in _entries(root) if e.is_dir()]
    records = [_nobody(Layout.NBGRADER, rel(e), f"a file directly in {root.name}/, where nbgrader "
                       "keeps one folder per student: no student to credit")
               for e in _entries(root) if e.is_file()]
    wanted = _nbgrader_assignment(root, students, assignment)
    for student in students:
        folders = [a for a in _entries(student) if a.is_dir()]
        if not folders:
            records.append(_record(Layout.NBGRADER, _Who(student.name), [], assignment,
                                   rel(student), "no assignment folder: nbgrader keeps "
                                   "submitted/<student>/<assignment>/<notebook>.ipynb"))
            continue
        for folder in (a for a in folders if a.name == wanted):
            when = _nbgrader_time(folder / TIMESTAMP)
            files = [_File(p, rel(p), recency=(when,) if when else None, submitted_at=when)
                     for p in files_under(folder) if p.relative_to(folder).as_posix() != TIMESTAMP]
            records.append(_record(Layout.NBGRADER, _Who(student.name), files, assignment,
                                   rel(folder)))
    return records


def _nbgrader_assignment(root, students, assignment):
    """The assignment folder's name: the one named like the assignment, or the only one there."""
    found = sorted({a.name for s in students for a in _entries(s) if a.is_dir()})
    named = [a for a in found if name_key(a) == name_key(assignment)]
    if named or len(found) <= 1:
        return (named or found or [None])[0]
    raise LayoutError(f"{root} holds the assignments {', '.join(found)} and none is named "
                      f"{assignment}; point hsa grade at a folder with only this assignment's "
                      "submissions")


def _nbgrader_time(path):
    """nbgrader's timestamp.txt ("2020-01-30 10:30:47.524219 UTC"), or None."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()[:64]
    except OSError:
        return None
    return _when(re.sub(r"\s*UTC$", "Z", text)) if text else None


# ------------------------------------------------------------------ plain folder
def _plain_record(file, path, hint):
    return Submission(name=hint, layout=Layout.PLAIN, path=path, file=file)


def _read_plain(root, rel, assignment):
    """Every notebook and export zip below ``root``; the path is the identity."""
    records = []
    for p in files_under(root):
        if p.suffix not in (".ipynb", ".zip"):
            continue
        parts = list(p.relative_to(root).with_suffix("").parts)
        if len(parts) > 1 and name_key(parts[-1]) == name_key(assignment):
            parts.pop()  # alice/hidden_state_activation.ipynb is alice's
        records.append(_plain_record(p, rel(p), names.hint("-".join(parts))))
    return records


READERS = {Layout.GRADESCOPE: _read_gradescope, Layout.CANVAS: _read_canvas,
           Layout.MOODLE: _read_moodle, Layout.NBGRADER: _read_nbgrader, Layout.PLAIN: _read_plain}
