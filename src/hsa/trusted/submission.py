"""Read a submission (a notebook, or the zip ``grader.export()`` makes) into code cells."""

import enum
import json
import pathlib
import re
import zipfile

import nbformat

from ..exceptions import InvalidSubmission

MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024  # saved outputs (plots) make notebooks large
MAX_CODE_BYTES = 4 * 1024 * 1024  # what is graded: the code cells' sources, all together
IGNORED_PARTS = frozenset({"__MACOSX", ".ipynb_checkpoints"})
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
STUDENT_REGION = re.compile(r"### START CODE HERE ###(.*?)### END CODE HERE ###", re.S)
NOT_A_NOTEBOOK = "the file is not a Jupyter notebook: {}; submit the .ipynb file you worked in"
WHY_NOT = {  # what each way of failing to read a notebook means, in a student's words
    UnicodeDecodeError: "it is not text (a binary file, or text saved in another encoding)",
    ValueError: "its text is not a notebook's (empty, cut short, damaged, or another kind of file)",
    RecursionError: "its text nests too deeply to be a notebook",
}


def read_bytes(path):
    """The notebook's bytes: the file itself, or the one notebook inside an export zip."""
    path = pathlib.Path(path)
    if path.suffix.lower() == ".zip":
        return _notebook_from_zip(path)
    _check_size(path.stat().st_size)
    return path.read_bytes()


def _check_size(size):
    if size > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"the notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB even "
                                "with its outputs; clear the outputs (Edit > Clear All Outputs), "
                                "save and submit again")


def _notebook_from_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InvalidSubmission("the .zip file is damaged or not a zip; re-run "
                                "grader.export() and submit the zip it makes") from None
    with archive:
        notebooks = _notebook_entries(archive)
        if len(notebooks) != 1:
            raise InvalidSubmission(f"the zip holds {len(notebooks)} notebooks; it should hold "
                                    "exactly one (the one grader.export() puts there)")
        _check_size(notebooks[0].file_size)
        with archive.open(notebooks[0]) as member:
            return member.read(MAX_NOTEBOOK_BYTES + 1)


def _notebook_entries(archive):
    return [i for i in archive.infolist() if i.filename.lower().endswith(".ipynb")
            and not ignored([p for p in i.filename.split("/") if p])]


def code_cells(data):
    """The code cells' sources, in order; InvalidSubmission if this is no notebook.

    Only the sources are kept: outputs (often most of the file) are dropped as soon as the
    JSON is parsed, and nbformat sees only what is left (it upgrades old formats; it is not
    asked to validate, which would only log).
    """
    try:
        notebook = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(WHY_NOT[_kind(error)])) from None
    del data
    if not isinstance(notebook, dict):
        raise InvalidSubmission(NOT_A_NOTEBOOK.format("it holds data, but not a notebook's"))
    _drop_outputs(notebook)
    try:  # nbformat.reads would also validate, only to log: 14 MB and 3 ms for nothing here
        notebook = nbformat.convert(nbformat.from_dict(notebook), 4)
    except Exception:  # nbformat's words ("converted from version 1 to ...") are not a student's
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(NO_CELLS)) from None
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(NO_CELLS))
    sources = [_text(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    if sum(len(s.encode()) for s in sources) > MAX_CODE_BYTES:
        raise InvalidSubmission(f"the notebook's code is larger than {MAX_CODE_BYTES >> 20} MB; "
                                "submit the assignment's notebook, not generated code")
    return sources


NO_CELLS = ("it holds data, but not a notebook's cells in a format Jupyter knows (it may have "
            "been edited by hand or saved by another program)")


def _kind(error):
    return next(kind for kind in WHY_NOT if isinstance(error, kind))


def _text(source):
    """A cell's source: on disk it is often a list of lines."""
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return str(source)


def _drop_outputs(notebook):
    """Remove every cell's outputs (and attachments) in place, in any nbformat version."""
    sheets = notebook.get("worksheets") if isinstance(notebook.get("worksheets"), list) else []
    for holder in [notebook, *sheets]:
        cells = holder.get("cells") if isinstance(holder, dict) else None
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, dict):
                for key in ("outputs", "attachments"):
                    if key in cell:
                        cell[key] = [] if key == "outputs" else {}


class Kind(enum.IntEnum):
    """How a gradable file stands; the lowest is graded."""
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


def name_key(text):
    """A file or folder name as compared with the assignment's: case, spaces, dots, dashes
    and underscores folded."""
    return re.sub(r"[\s._-]+", "_", text.casefold()).strip("_")


def kind_of(path, assignment):
    """(Kind, "") for a gradable file; (None, why not) otherwise."""
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


def _notebooks_in_zip(path):
    """How many notebooks a zip holds (an export zip holds one); None if it is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return len(_notebook_entries(archive))
    except (zipfile.BadZipFile, OSError):
        return None


def choose(files, assignment, functions):
    """The file to grade among one student's ``files``, and the others with the reason
    each was set aside: ``(chosen or None, [(path, reason), ...])``.

    By :class:`Kind` (named like the assignment, a copy of it, an export zip, any
    notebook), then the one that fills in the most graded ``functions`` (a stub saved
    beside the real work loses), then the newest.
    """
    kinds = {p: kind_of(p, assignment) for p in files}
    candidates = [p for p in files if kinds[p][0] is not None]
    if not candidates:
        return None, [(p, kinds[p][1]) for p in files]
    ranked = sorted(candidates, key=lambda p: (kinds[p][0], -_filled_in(p, functions),
                                               -_mtime(p), p.name))
    chosen = ranked[0]
    why = f"set aside: {chosen.name} was graded instead"
    return chosen, [(p, why) for p in ranked[1:]] + [
        (p, kinds[p][1]) for p in files if p not in candidates]


def _filled_in(path, functions):
    """How many of ``functions`` the file defines with code of their own (a ``def`` whose
    body is more than the stub's ``None`` placeholders); 0 for what cannot be read."""
    try:
        cells = code_cells(read_bytes(path))
    except (InvalidSubmission, OSError):
        return 0
    filled = set()
    for source in cells:
        for name in functions:
            if re.search(rf"^def {re.escape(name)}\(", source, re.M) and _has_code(source):
                filled.add(name)
    return len(filled)


def _has_code(source):
    """True when the code between the START/END CODE HERE markers (the whole cell when
    it has none) is more than ``None`` placeholders."""
    region = STUDENT_REGION.search(source)
    lines = (region.group(1) if region else source).splitlines()
    return any(line.strip() and not line.strip().startswith("#")
               and not line.strip().endswith("None") for line in lines)


def _mtime(path):
    try:
        return path.stat().st_mtime
    except OSError:
        return 0


def files_under(folder):
    """Every file a student handed in below ``folder``, sorted: operating-system litter
    (``__MACOSX``, Jupyter's checkpoints, ``.DS_Store``) left out."""
    folder = pathlib.Path(folder)
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not ignored(p.relative_to(folder).parts))


def ignored(parts):
    """Operating-system litter (``__MACOSX``, ``.DS_Store``, checkpoints): not anyone's work."""
    return any(p in IGNORED_PARTS for p in parts) or bool(parts and parts[-1] in IGNORED_NAMES)