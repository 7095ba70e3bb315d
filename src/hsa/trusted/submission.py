"""Read a submission (a notebook, or the zip ``grader.export()`` makes) into code cells.

Which of a student's files is the submission is :mod:`.choice`'s to decide."""

from __future__ import annotations

import json
import os
import pathlib
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any


from ..exceptions import InvalidSubmission
from ..untrusted import protocol

MAX_NOTEBOOK_BYTES = 512 * 1024 * 1024  # saved outputs (plots) make notebooks large
MAX_CODE_BYTES = 4 * 1024 * 1024
"""What is graded, the code cells' sources all together, as they are sent to be run
(:func:`hsa.untrusted.protocol.encoded_bytes`): well inside the worker's first message's
bound (``protocol.MAX_MESSAGE_BYTES``), whatever characters the code holds."""
IGNORED_PARTS = frozenset({"__MACOSX", ".ipynb_checkpoints"})
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
NOT_A_NOTEBOOK = "the file is not a Jupyter notebook: {}; submit the .ipynb file you worked in"
WHY_NOT: dict[type[Exception], str] = {  # what each way of failing to read a notebook means, in a student's words
    UnicodeDecodeError: "it is not text (a binary file, or text saved in another encoding)",
    ValueError: "its text is not a notebook's (empty, cut short, damaged, or another kind of file)",
    RecursionError: "its text nests too deeply to be a notebook",
}


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The notebook's bytes: the file itself, or the one notebook inside an export zip."""
    path = pathlib.Path(path)
    if path.suffix.lower() == ".zip":
        return _notebook_from_zip(path)
    _check_size(path.stat().st_size)
    return path.read_bytes()


def _check_size(size: int) -> None:
    if size > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"the notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB even "
                                "with its outputs; clear the outputs (Edit > Clear All Outputs), "
                                "save and submit again")


def _notebook_from_zip(path: pathlib.Path) -> bytes:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InvalidSubmission("the .zip file is damaged or not a zip; re-run "
                                "grader.export() and submit the zip it makes") from None
    with archive:
        notebooks = notebook_entries(archive)
        if len(notebooks) != 1:
            raise InvalidSubmission(f"the zip holds {len(notebooks)} notebooks; it should hold "
                                    "exactly one (the one grader.export() puts there)")
        _check_size(notebooks[0].file_size)
        with archive.open(notebooks[0]) as member:
            return member.read(MAX_NOTEBOOK_BYTES + 1)


def notebook_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip's notebooks, operating-system litter (:func:`ignored`) left out."""
    return [i for i in archive.infolist() if i.filename.lower().endswith(".ipynb")
            and not ignored([p for p in i.filename.split("/") if p])]


def code_cells(data: bytes) -> list[str]:
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
    drop_outputs(notebook)
    if notebook.get("nbformat") != 4:
        notebook = _upgraded(notebook)
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(NO_CELLS))
    sources = [_text(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]
    _check_code_size(sources)
    return sources


def _check_code_size(sources: list[str]) -> None:
    """InvalidSubmission when the code cells take more than MAX_CODE_BYTES as they are sent
    to be run (measured as written: its text first, which bounds the work of encoding it)."""
    written = sum(len(s.encode("utf-8", "surrogatepass")) for s in sources)
    if written > MAX_CODE_BYTES:
        raise InvalidSubmission(f"the notebook's code is larger than {MAX_CODE_BYTES >> 20} MB; "
                                "submit the assignment's notebook, not generated code")
    sent = protocol.encoded_bytes(sources)
    if sent > MAX_CODE_BYTES:
        raise InvalidSubmission(
            f"the notebook's code takes {sent / 2**20:.1f} MB as it is sent to be run, more than "
            f"the {MAX_CODE_BYTES >> 20} MB a notebook's code may take (control characters "
            "and characters outside ASCII take 6 bytes each there): a cell holds a very long "
            "string of them; remove it, save and submit again")


def _upgraded(notebook: dict[str, Any]) -> dict[str, Any]:
    """An older notebook (nbformat 1 to 3) as nbformat 4. nbformat is imported here only: a
    class of version 4 notebooks never needs it, and importing it (with its validator's
    schemas) is 10 MB of the trusted process's peak."""
    import nbformat
    try:  # nbformat.reads would also validate, only to log: 14 MB and 3 ms for nothing here
        upgraded: dict[str, Any] = nbformat.convert(nbformat.from_dict(notebook), 4)
    except Exception:  # nbformat's words ("converted from version 1 to ...") are not a student's
        raise InvalidSubmission(NOT_A_NOTEBOOK.format(NO_CELLS)) from None
    return upgraded


NO_CELLS = ("it holds data, but not a notebook's cells in a format Jupyter knows (it may have "
            "been edited by hand or saved by another program)")


def _kind(error: Exception) -> type[Exception]:
    return next(kind for kind in WHY_NOT if isinstance(error, kind))


def _text(source: object) -> str:
    """A cell's source: on disk it is often a list of lines. A lone surrogate (which JSON
    can hold and no UTF-8 file can) becomes U+FFFD, as an editor would show it."""
    if isinstance(source, list):
        source = "".join(str(line) for line in source)
    return str(protocol.without_surrogates(str(source)))  # a str stays a str there


def drop_outputs(notebook: dict[str, Any]) -> None:  # the student's JSON, any shape
    """Remove every cell's outputs (and attachments) in place, in any nbformat version."""
    worksheets = notebook.get("worksheets")  # nbformat 3 kept its cells in worksheets
    sheets = worksheets if isinstance(worksheets, list) else []
    for holder in [notebook, *sheets]:
        cells = holder.get("cells") if isinstance(holder, dict) else None
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, dict):
                for key in ("outputs", "attachments"):
                    if key in cell:
                        cell[key] = [] if key == "outputs" else {}


def files_under(folder: str | os.PathLike[str]) -> list[pathlib.Path]:
    """Every file a student handed in below ``folder``, sorted: operating-system litter
    (``__MACOSX``, Jupyter's checkpoints, ``.DS_Store``) left out."""
    folder = pathlib.Path(folder)
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not ignored(p.relative_to(folder).parts))


def ignored(parts: Sequence[str]) -> bool:
    """Operating-system litter (``__MACOSX``, ``.DS_Store``, checkpoints): not anyone's work."""
    return any(p in IGNORED_PARTS for p in parts) or bool(parts and parts[-1] in IGNORED_NAMES)


def function_sources(cells: Iterable[str], names: Iterable[str]) -> dict[str, str]:
    """The source text of each function in ``names`` that the cells define at the top level
    (the last definition of each, as running them in order would keep): its ``def`` line
    and the lines after it that are indented or blank. Text only (never run, nor parsed
    here: a check that needs its syntax parses it, where a hint depends on it)."""
    wanted = re.compile(r"^(?:async\s+)?def\s+(" + "|".join(map(re.escape, names)) + r")\s*\(",
                        re.MULTILINE)
    sources: dict[str, str] = {}
    for cell in cells:
        for match in wanted.finditer(cell):
            lines = cell[match.start():].split("\n")
            end = next((i for i, line in enumerate(lines[1:], 1)
                        if line.strip() and not line[:1].isspace() and not line.startswith("#")),
                       len(lines))
            sources[match.group(1)] = "\n".join(lines[:end]).rstrip()
    return sources
