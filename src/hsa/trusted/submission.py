"""Read a submission (a notebook, or the zip ``grader.export()`` makes) into code cells."""

import json
import pathlib
import re
import zipfile

import nbformat

from ..exceptions import InvalidSubmission

MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024  # saved outputs (plots) make notebooks large
MAX_CODE_BYTES = 4 * 1024 * 1024  # what is graded: the code cells' sources, all together
SUFFIXES = (".ipynb", ".zip")
STUDENT_REGION = re.compile(r"### START CODE HERE ###(.*?)### END CODE HERE ###", re.S)
NOT_A_NOTEBOOK = "the file is not a Jupyter notebook ({}); submit the .ipynb file you worked in"


def read_bytes(path):
    """The notebook's bytes: the file itself, or the one notebook inside an export zip."""
    path = pathlib.Path(path)
    if path.suffix == ".zip":
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
        notebooks = [i for i in archive.infolist() if i.filename.endswith(".ipynb")
                     and "__MACOSX" not in i.filename and ".ipynb_checkpoints" not in i.filename]
        if len(notebooks) != 1:
            raise InvalidSubmission(f"the zip holds {len(notebooks)} notebooks; it should hold "
                                    "exactly one (the one grader.export() puts there)")
        _check_size(notebooks[0].file_size)
        with archive.open(notebooks[0]) as member:
            return member.read(MAX_NOTEBOOK_BYTES + 1)


def code_cells(data):
    """The code cells' sources, in order; InvalidSubmission if this is no notebook.

    Only the sources are kept: outputs (often most of the file) are dropped as soon as the
    JSON is parsed, and nbformat sees only what is left (it upgrades old formats).
    """
    try:
        notebook = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(type(error).__name__)) from None
    del data
    if not isinstance(notebook, dict):
        raise InvalidSubmission(NOT_A_NOTEBOOK.format("not a JSON object"))
    _drop_outputs(notebook)
    try:
        notebook = nbformat.reads(json.dumps(notebook), as_version=4)
    except Exception as error:
        raise InvalidSubmission(f"the notebook could not be read: {str(error)[:200]}") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise InvalidSubmission("the notebook has no list of cells")
    sources = [str(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    if sum(len(s.encode()) for s in sources) > MAX_CODE_BYTES:
        raise InvalidSubmission(f"the notebook's code is larger than {MAX_CODE_BYTES >> 20} MB; "
                                "submit the assignment's notebook, not generated code")
    return sources


def _drop_outputs(notebook):
    """Remove every cell's outputs (and attachments) in place, in any nbformat version."""
    sheets = notebook.get("worksheets") if isinstance(notebook.get("worksheets"), list) else []
    for holder in [notebook, *sheets]:
        for cell in holder.get("cells", []) if isinstance(holder, dict) else []:
            if isinstance(cell, dict):
                for key in ("outputs", "attachments"):
                    if key in cell:
                        cell[key] = [] if key == "outputs" else {}


def choose(files, assignment, functions):
    """The file to grade among one student's ``files``, and the others with the reason
    each was set aside: ``(chosen or None, [(path, reason), ...])``.

    First the notebook named like the assignment (``<assignment>.ipynb``), then one named
    like it by a browser or a copy (``<assignment> (1).ipynb``, ``Copy of ...``), then an
    export zip, then any notebook; within each, the one that fills in the most graded
    ``functions`` (a stub saved beside the real work loses), then the newest.
    """
    candidates = [p for p in files if p.suffix in SUFFIXES]
    if not candidates:
        return None, [(p, "not a notebook or export zip") for p in files]
    ranked = sorted(candidates, key=lambda p: _rank(p, assignment, functions))
    chosen = ranked[0]
    why = f"set aside: {chosen.name} was graded instead"
    return chosen, [(p, why) for p in ranked[1:]] + [
        (p, "not a notebook or export zip") for p in files if p not in candidates]


def _rank(path, assignment, functions):
    if path.name == f"{assignment}.ipynb":
        kind = 0
    elif path.suffix == ".ipynb" and assignment in path.stem:
        kind = 1
    else:
        kind = 2 if path.suffix == ".zip" else 3
    return kind, -_filled_in(path, functions), -_mtime(path), path.name


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


def find_submissions(folder):
    """Notebooks and export zips under ``folder``, sorted; Jupyter's checkpoints left out."""
    return sorted(p for p in pathlib.Path(folder).rglob("*") if p.suffix in SUFFIXES
                  and p.is_file() and ".ipynb_checkpoints" not in p.parts)
