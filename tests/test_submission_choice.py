"""Which of a student's files is graded (on both paths alike), and what an unreadable
submission is told."""

import os
import zipfile

from types import SimpleNamespace

import nbformat
import pytest

from hsa.exceptions import InvalidSubmission
from hsa.grade import layouts
from hsa.platforms.core import choose_upload
from hsa.outcomes import SetAsideReason as Reason
from hsa.trusted import choice, submission
from hsa.trusted.choice import Expected, Choice, Handed, choose
from hsa.trusted.result import SetAside
from hsa.trusted.submission import code_cells, read_bytes

NAME = "lab"
FUNCTIONS = ["alpha", "beta"]
ASSIGNMENT = Expected(NAME, tuple(FUNCTIONS))
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


def handed(*paths, **platform):
    return [Handed(p, p.name, **platform) for p in paths]


def chosen_name(files):
    return choose(handed(*files), ASSIGNMENT).chosen.file.name


def reasons(choice):
    return {(a.path, a.reason) for a in choice.set_aside}


# ------------------------------------------------------------------ choose
def test_an_untouched_stub_loses_then_the_name_decides(tmp_path):
    exact = stub(tmp_path / f"{NAME}.ipynb")
    copy = filled(tmp_path / f"Copy of {NAME}.ipynb")
    other = filled(tmp_path / "mywork.ipynb")
    choice = choose(handed(other, copy, exact), ASSIGNMENT)
    assert choice.chosen.file == copy and choice.problem is None
    assert reasons(choice) == {(exact.name, Reason.FEWER_FUNCTIONS), (other.name, Reason.NOT_PREFERRED)}
    details = {a.path: a.detail for a in choice.set_aside}
    assert details == {exact.name: f"fills in 0 graded function(s) where {copy.name} fills in 2",
                       other.name: f"a notebook; {copy.name} was graded instead"}


def test_the_exact_name_with_some_work_beats_a_more_complete_copy(tmp_path):
    exact = filled(tmp_path / f"{NAME}.ipynb", names=["alpha"])
    copy = filled(tmp_path / f"{NAME} (1).ipynb")
    choice = choose(handed(copy, exact), ASSIGNMENT)
    assert choice.chosen.file == exact and reasons(choice) == {(copy.name, Reason.NOT_PREFERRED)}


def test_among_copies_the_filled_in_one_beats_a_newer_stub(tmp_path):
    old_work = filled(tmp_path / f"{NAME} (1).ipynb", mtime=1000)
    new_stub = stub(tmp_path / f"Copy of {NAME}.ipynb", mtime=2000)
    assert chosen_name([new_stub, old_work]) == old_work.name


def test_more_functions_filled_in_wins(tmp_path):
    one = filled(tmp_path / "a.ipynb", names=["alpha"], mtime=2000)
    both = filled(tmp_path / "b.ipynb", mtime=1000)
    assert chosen_name([one, both]) == "b.ipynb"


def test_equal_files_with_nothing_to_order_them_are_ambiguous_whatever_their_times(tmp_path):
    older = filled(tmp_path / "a.ipynb", mtime=1000)
    newer = filled(tmp_path / "b.ipynb", mtime=2000)
    choice = choose(handed(older, newer), ASSIGNMENT)
    assert choice.chosen is None and choice.ambiguous
    assert reasons(choice) == {("a.ipynb", Reason.AMBIGUOUS), ("b.ipynb", Reason.AMBIGUOUS)}
    assert choice.problem == ("2 files, each a notebook and filling in 2 graded function(s), and "
                              "nothing says which is the latest: a.ipynb, b.ipynb")


def test_beside_two_equal_files_the_others_are_told_what_ranks_higher_not_what_was_graded(tmp_path):
    first, second = filled(tmp_path / f"{NAME}.ipynb"), filled(tmp_path / f"{NAME}-1.ipynb")
    other = filled(tmp_path / "other.ipynb")
    choice = choose(handed(first, second, other), ASSIGNMENT)
    assert choice.chosen is None
    assert [str(a) for a in choice.set_aside if a.path == "other.ipynb"] == [
        f"other.ipynb (not_preferred: a notebook; {NAME}.ipynb ranks higher)"]


def test_equal_files_the_latest_upload_wins(tmp_path):
    first, second = filled(tmp_path / "a.ipynb"), filled(tmp_path / "b.ipynb")
    choice = choose([Handed(first, "a.ipynb", uploaded=9010), Handed(second, "b.ipynb", uploaded=9001)],
                    ASSIGNMENT)
    assert choice.chosen.file == first
    assert [str(a) for a in choice.set_aside] == ["b.ipynb (older: uploaded before a.ipynb)"]


def test_only_the_latest_submission_counts_even_when_it_fills_in_less(tmp_path):
    old_work = filled(tmp_path / f"{NAME}.ipynb")
    new_work = filled(tmp_path / "new.ipynb", names=["alpha"])
    choice = choose([Handed(old_work, "1/old", submitted=1), Handed(new_work, "2/new", submitted=2)],
                    ASSIGNMENT)
    assert choice.chosen.file == new_work
    assert [str(a) for a in choice.set_aside] == ["1/old (older: an earlier submission than 2/new)"]


def test_submission_dates_are_ignored_when_one_is_unknown(tmp_path):
    old_work = filled(tmp_path / "old.ipynb")
    new_work = filled(tmp_path / "new.ipynb", names=["alpha"])
    choice = choose([Handed(old_work, "old", submitted=None), Handed(new_work, "new", submitted=2)],
                    ASSIGNMENT)
    assert choice.chosen.file == old_work and reasons(choice) == {("new", Reason.FEWER_FUNCTIONS)}


def test_a_named_copy_beats_an_export_zip_which_beats_other_notebooks(tmp_path):
    work = filled(tmp_path / "work.ipynb")
    archive = export_zip(tmp_path / "export.zip", work)
    other = filled(tmp_path / "scratch.ipynb")
    assert chosen_name([other, archive]) == "export.zip"
    copy = filled(tmp_path / f"{NAME} (2).ipynb")
    assert chosen_name([other, archive, copy]) == copy.name


def test_a_filled_in_zip_beats_a_stub_zip(tmp_path):
    stub_zip = export_zip(tmp_path / "b.zip", stub(tmp_path / "s.ipynb"))
    work_zip = export_zip(tmp_path / "a_older.zip", filled(tmp_path / "f.ipynb"))
    assert chosen_name([stub_zip, work_zip]) == "a_older.zip"


def test_an_unreadable_notebook_counts_as_filling_in_nothing(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    work = filled(tmp_path / "work.ipynb")
    assert chosen_name([broken, work]) == "work.ipynb"


def test_no_notebook_means_nothing_chosen_and_every_file_explained(tmp_path):
    files = [tmp_path / "notes.md", tmp_path / "data.csv"]
    for path in files:
        path.write_text("x")
    choice = choose(handed(*files), ASSIGNMENT)
    assert choice.chosen is None and not choice.ambiguous
    assert choice.set_aside == tuple(SetAside(p.name, Reason.NOT_GRADABLE, "not a notebook or an export zip")
                                     for p in files)
    assert choice.problem == ("nothing to grade: notes.md (not a notebook or an export zip); "
                              "data.csv (not a notebook or an export zip)")
    assert choose([], ASSIGNMENT) == Choice(None, (), "nothing to grade: no file was handed in")


def test_other_files_are_listed_as_not_notebooks(tmp_path):
    work = filled(tmp_path / f"{NAME}.ipynb")
    notes = tmp_path / "notes.md"
    notes.write_text("x")
    assert choose(handed(notes, work), ASSIGNMENT) == Choice(
        Handed(work, work.name), (SetAside("notes.md", Reason.NOT_GRADABLE, "not a notebook or an export zip"),))


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
    assert choice._filled_in(path, ["alpha"]) == int(filled_in)


# ------------------------------------------- the same choice on both paths
def both_paths(tmp_path, make):
    """(Gradescope's choice, hsa grade's record) for the same files: uploaded to Gradescope's
    autograder, and in a Moodle download's folder for one student."""
    upload = tmp_path / "autograder" / "submission"
    moodle = tmp_path / "moodle" / "Ann Lee_123_assignsubmission_file"
    for folder in (upload, moodle):
        folder.mkdir(parents=True)
        make(folder)
    gradescope = choose_upload(upload, SimpleNamespace(expected=ASSIGNMENT))
    [record] = layouts.read_submissions([tmp_path / "moodle"], workdir=tmp_path / "work",
                                        assignment=ASSIGNMENT)
    return gradescope, record


def stub_beside_work(folder):
    stub(folder / f"{NAME}.ipynb")
    filled(folder / f"{NAME} (1).ipynb")
    (folder / "notes.md").write_text("x")


def two_equal_notebooks(folder):
    filled(folder / "mine.ipynb", mtime=1000)
    filled(folder / "scratch.ipynb", mtime=2000)


def zip_and_notebooks(folder):
    export_zip(folder / "export.zip", filled(folder / "scratch.ipynb"))
    filled(folder / "other.ipynb", names=["alpha"])


@pytest.mark.parametrize("make, graded", [(stub_beside_work, f"{NAME} (1).ipynb"),
                                          (two_equal_notebooks, None),
                                          (zip_and_notebooks, "export.zip")])
def test_gradescope_and_hsa_grade_choose_the_same_file(tmp_path, make, graded):
    gradescope, record = both_paths(tmp_path, make)
    assert (gradescope.chosen.path if gradescope.chosen else None) == graded
    assert (record.file.name if record.file else None) == graded
    here = {(a.path, a.reason, a.detail) for a in gradescope.set_aside}
    there = {(a.path.rsplit("/", 1)[-1], a.reason, a.detail.replace(record.path, graded or ""))
             for a in record.set_aside}
    assert here == there and here


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
