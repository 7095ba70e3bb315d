"""Which of a student's files is graded, and what an unreadable submission is told."""

import os
import zipfile

import nbformat
import pytest

from hsa.exceptions import InvalidSubmission
from hsa.trusted import submission
from hsa.trusted.submission import choose, code_cells, read_bytes

NAME = "lab"
FUNCTIONS = ["alpha", "beta"]
STUB = "def {name}(x):\n    ### START CODE HERE ###\n    y = None\n    ### END CODE HERE ###\n    return y\n"
FILLED = "def {name}(x):\n    ### START CODE HERE ###\n    y = x + 1\n    ### END CODE HERE ###\n    return y\n"


def notebook(path, *sources, mtime=None):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lab")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def stub(path, **kw):
    return notebook(path, *(STUB.format(name=n) for n in FUNCTIONS), **kw)


def filled(path, names=FUNCTIONS, **kw):
    return notebook(path, *((FILLED if n in names else STUB).format(name=n) for n in FUNCTIONS), **kw)


def export_zip(path, member_path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(member_path, f"{NAME}.ipynb")
    return path


def chosen_name(files):
    chosen, _ = choose(files, NAME, FUNCTIONS)
    return chosen.name


# ------------------------------------------------------------------ choose
def test_the_exact_name_beats_a_copy_and_a_stub(tmp_path):
    exact = stub(tmp_path / f"{NAME}.ipynb", mtime=1000)
    copy = filled(tmp_path / f"Copy of {NAME}.ipynb", mtime=2000)
    other = filled(tmp_path / "mywork.ipynb", mtime=3000)
    chosen, set_aside = choose([other, copy, exact], NAME, FUNCTIONS)
    assert chosen == exact
    assert sorted(set_aside) == sorted([(copy, f"set aside: {NAME}.ipynb was graded instead"),
                                        (other, f"set aside: {NAME}.ipynb was graded instead")])


def test_among_copies_the_filled_in_one_beats_a_newer_stub(tmp_path):
    old_work = filled(tmp_path / f"{NAME} (1).ipynb", mtime=1000)
    new_stub = stub(tmp_path / f"Copy of {NAME}.ipynb", mtime=2000)
    assert chosen_name([new_stub, old_work]) == old_work.name


def test_more_functions_filled_in_wins(tmp_path):
    one = filled(tmp_path / "a.ipynb", names=["alpha"], mtime=2000)
    both = filled(tmp_path / "b.ipynb", mtime=1000)
    assert chosen_name([one, both]) == "b.ipynb"


def test_equally_filled_in_the_newest_wins(tmp_path):
    older = filled(tmp_path / "a.ipynb", mtime=1000)
    newer = filled(tmp_path / "b.ipynb", mtime=2000)
    assert chosen_name([older, newer]) == "b.ipynb"


def test_a_named_copy_beats_an_export_zip_which_beats_other_notebooks(tmp_path):
    work = filled(tmp_path / "work.ipynb")
    archive = export_zip(tmp_path / "export.zip", work)
    os.utime(archive, (1, 1))  # older than the notebook it loses to
    other = filled(tmp_path / "scratch.ipynb")
    assert chosen_name([other, archive]) == "export.zip"
    copy = stub(tmp_path / f"{NAME} (2).ipynb", mtime=1)
    assert chosen_name([other, archive, copy]) == copy.name


def test_a_filled_in_zip_beats_a_stub_zip(tmp_path):
    stub_zip = export_zip(tmp_path / "b.zip", stub(tmp_path / "s.ipynb"))
    work_zip = export_zip(tmp_path / "a_older.zip", filled(tmp_path / "f.ipynb"))
    os.utime(work_zip, (1, 1))
    assert chosen_name([stub_zip, work_zip]) == "a_older.zip"


def test_an_unreadable_notebook_counts_as_filling_in_nothing(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    os.utime(broken, (9000, 9000))
    work = filled(tmp_path / "work.ipynb", mtime=1)
    assert chosen_name([broken, work]) == "work.ipynb"


def test_no_notebook_means_nothing_chosen_and_every_file_explained(tmp_path):
    files = [tmp_path / "notes.md", tmp_path / "data.csv"]
    for path in files:
        path.write_text("x")
    assert choose(files, NAME, FUNCTIONS) == (None, [(p, "not a notebook or an export zip") for p in files])
    assert choose([], NAME, FUNCTIONS) == (None, [])


def test_other_files_are_listed_as_not_notebooks(tmp_path):
    work = filled(tmp_path / f"{NAME}.ipynb")
    notes = tmp_path / "notes.md"
    notes.write_text("x")
    assert choose([notes, work], NAME, FUNCTIONS) == (work, [(notes, "not a notebook or an export zip")])


@pytest.mark.parametrize("source, filled_in", [
    (STUB.format(name="alpha"), False),
    (FILLED.format(name="alpha"), True),
    ("def alpha(x):\n    ### START CODE HERE ###\n    # y = x + 1\n    y = None\n    ### END CODE HERE ###\n", False),
    ("def alpha(x):\n    return x + 1\n", True),  # no markers: the whole cell counts
    ("def alphabet(x):\n    return x + 1\n", False),  # another function
    ("    def alpha(x):\n        return x + 1\n", False),  # not at top level
])
def test_what_counts_as_filled_in(tmp_path, source, filled_in):
    path = notebook(tmp_path / "n.ipynb", source)
    assert submission._filled_in(path, ["alpha"]) == int(filled_in)


# ------------------------------------------------------- unreadable inputs
def test_read_bytes_of_a_notebook_and_of_its_export_zip(tmp_path):
    path = filled(tmp_path / f"{NAME}.ipynb")
    assert read_bytes(path) == path.read_bytes()
    assert read_bytes(export_zip(tmp_path / "e.zip", path)) == path.read_bytes()


def test_a_damaged_zip_is_invalid(tmp_path):
    path = tmp_path / "e.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InvalidSubmission, match="damaged or not a zip"):
        read_bytes(path)


@pytest.mark.parametrize("members, count", [([], 0), (["a.ipynb", "b/c.ipynb"], 2), (["notes.txt"], 0)])
def test_a_zip_must_hold_exactly_one_notebook(tmp_path, members, count):
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for member in members:
            archive.writestr(member, "{}")
    with pytest.raises(InvalidSubmission, match=f"holds {count} notebooks"):
        read_bytes(path)


def test_a_zips_checkpoints_and_macos_litter_are_not_notebooks(tmp_path):
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("lab.ipynb", "real")
        archive.writestr(".ipynb_checkpoints/lab-checkpoint.ipynb", "old")
        archive.writestr("__MACOSX/._lab.ipynb", "litter")
    assert read_bytes(path) == b"real"


def test_oversized_notebooks_are_invalid(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MAX_NOTEBOOK_BYTES", 1 << 20)
    big = tmp_path / "big.ipynb"
    with open(big, "wb") as handle:  # sparse
        handle.truncate(submission.MAX_NOTEBOOK_BYTES + 1)
    with pytest.raises(InvalidSubmission, match="larger than 1 MB"):
        read_bytes(big)
    path = tmp_path / "e.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lab.ipynb", b"\0" * (submission.MAX_NOTEBOOK_BYTES + 1))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(InvalidSubmission, match="larger than 1 MB"):
        read_bytes(path)


NOT_TEXT = "it is not text (a binary file, or text saved in another encoding)"
NOT_JSON = "its text is not a notebook's (empty, cut short, damaged, or another kind of file)"
NOT_CELLS = ("it holds data, but not a notebook's cells in a format Jupyter knows (it may have "
             "been edited by hand or saved by another program)")
NOT_DATA = "it holds data, but not a notebook's"


@pytest.mark.parametrize("data, why", [
    (b"{ not json", NOT_JSON),
    (b"This is my homework.\n", NOT_JSON),
    (b"\xff\xfe\x00", NOT_TEXT),
    (b"", NOT_JSON),
    (b"{}", NOT_CELLS),
    (b"[]", NOT_DATA),
    (b"null", NOT_DATA),
    (b'{"nbformat": 99, "nbformat_minor": 0, "metadata": {}, "cells": []}', NOT_CELLS),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 5}', NOT_CELLS),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": ["x"]}', NOT_CELLS),
    (b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "its text nests too deeply to be a notebook"),
    (b'{"a": 1}', NOT_CELLS),
])
def test_what_is_not_a_notebook_is_invalid_in_plain_words(data, why):
    with pytest.raises(InvalidSubmission) as invalid:
        code_cells(data)
    assert str(invalid.value) == (f"the file is not a Jupyter notebook: {why}; submit the .ipynb "
                                  "file you worked in")


def test_code_cells_are_the_code_cells_sources_in_order(tmp_path):
    path = notebook(tmp_path / "n.ipynb", "a = 1", "b = 2\nc = 3")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_raw_cell("raw"))
    nbformat.write(nb, path)
    assert code_cells(path.read_bytes()) == ["a = 1", "b = 2\nc = 3"]


def test_files_under_leaves_litter_out(tmp_path):
    for folder in (".ipynb_checkpoints", "sub", "__MACOSX"):
        (tmp_path / folder).mkdir()
    for name in ("b.ipynb", "a.zip", "sub/c.ipynb", ".ipynb_checkpoints/b-checkpoint.ipynb",
                 "notes.md", "__MACOSX/._b.ipynb", "sub/.DS_Store"):
        (tmp_path / name).write_text("x")
    (tmp_path / "folder.ipynb").mkdir()
    assert [p.relative_to(tmp_path).as_posix() for p in submission.files_under(tmp_path)] == \
        ["a.zip", "b.ipynb", "notes.md", "sub/c.ipynb"]
