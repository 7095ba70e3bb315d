"""Read a submission (a notebook, or the zip ``grader.export()`` makes) into code cells."""

import hashlib
import io
import json
import pathlib
import zipfile

import nbformat

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
SUFFIXES = (".ipynb", ".zip")


class InvalidSubmission(ValueError):
    """The file is not a notebook we can grade; the message says what to do."""


def read_bytes(path):
    """The notebook's bytes: the file itself, or the one notebook inside an export zip."""
    path = pathlib.Path(path)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES and path.suffix != ".zip":
        raise InvalidSubmission(f"the notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    if path.suffix == ".zip":
        return _notebook_from_zip(path)
    return path.read_bytes()


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
        if notebooks[0].file_size > MAX_NOTEBOOK_BYTES:
            raise InvalidSubmission(f"the notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
        with archive.open(notebooks[0]) as member:
            return member.read(MAX_NOTEBOOK_BYTES + 1)


def code_cells(data):
    """The code cells' sources, in order; InvalidSubmission if this is no notebook."""
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        raise InvalidSubmission(f"the file is not a Jupyter notebook ({type(error).__name__}); "
                                "submit the .ipynb file you worked in") from None
    except Exception as error:
        raise InvalidSubmission(f"the notebook could not be read: {str(error)[:200]}") from None
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise InvalidSubmission("the notebook has no list of cells")
    return [str(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]


def find_submissions(folder):
    """Notebooks and export zips under ``folder``, sorted; Jupyter's checkpoints left out."""
    return sorted(p for p in pathlib.Path(folder).rglob("*") if p.suffix in SUFFIXES
                  and p.is_file() and ".ipynb_checkpoints" not in p.parts)


def file_sha256(path):
    """The sha256 of the file as submitted (streamed: the file may be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):  # hashlib.file_digest is 3.11+
            digest.update(block)
    return digest.hexdigest()
