"""`hsa grade` on Canvas, Moodle and nbgrader downloads hands everything back in one upload
per platform: each student's feedback lands under their name, each grade in their row."""

import csv
import datetime
import html
import re
import shutil
import zipfile

import nbformat
import pytest

from conftest import TOTAL_TEXT
from hsa.cli import main
from test_layouts import (CORRECT, EXAMPLES, canvas_download,  # noqa: F401 (fixtures)
                          moodle_folders, nbgrader_course, put)
from test_uploads import canvas_reads, moodle_reads

pytestmark = pytest.mark.sandbox


def grade(path, out, capsys, *more):
    assert main(["grade", str(path), "--out", str(out), "--seed", "11", *more]) == 0
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), capsys.readouterr().err


def page(out, row):
    return (out / row["submission"] / "feedback.html").read_bytes()


def zip_members(path):
    """An upload zip's members, name -> bytes."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def says_score(data, row):
    return f"<strong>Score: {row['score']} / {TOTAL_TEXT}</strong>" in data.decode()


def test_canvas_feedback_zip_reaches_each_student(canvas_download, tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(canvas_download, out, capsys)
    by_id = {row["student_id"]: row for row in book}
    members = zip_members(out / "canvas-feedback.zip")
    assert sorted(members) == ["leebob_LATE_4343_9002_feedback.html",
                               "martinalice_4444_9003_feedback.html",
                               "smithcarol_4545_9006_feedback.html",
                               "ñúñezzoë_4242_9010_feedback.html"]
    for name, data in members.items():
        user, attachment = canvas_reads(name)
        row = by_id[user]
        assert f"_{user}_{attachment}_" in row["path"]  # the attachment graded
        assert data == page(out, row) and says_score(data, row)
    assert by_id["4646"]["status"] == "invalid"  # nothing graded: a person looks first
    assert (f"hsa grade:   {out / 'canvas-feedback.zip'} -> Canvas: Grades, the assignment's "
            "menu, Re-Upload Submissions (4 student(s); 3 left out: anon_ab12c (anonymous: no "
            "user id); obriendave-4646 (nothing graded, look first); readme-txt (names no "
            "student))") in err
    assert f"hsa grade:   {out / 'canvas-import.csv'} -> Canvas: Grades, Import (5 student(s))" in err
    report = (out / "report.html").read_text()
    assert f"<h2>Hand back</h2><ul><li>{html.escape(str(out / 'canvas-import.csv'))} -&gt; " \
        "Canvas: Grades, Import (5 student(s))</li>" in report


def test_moodle_feedback_zip_and_worksheet_reach_each_student(moodle_folders, tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(moodle_folders, out, capsys)
    by_id = {row["student_id"]: row for row in book}
    members = zip_members(out / "moodle-feedback.zip")
    assert sorted(members) == ["Bob Lee_123457_assignsubmission_file_feedback.html",
                               "Dave Jones_123459_assignsubmission_file_feedback.html",
                               "Zoë Ñúñez_123456_assignsubmission_file_feedback.html"]
    for name, data in members.items():
        participant, *_rest, file_name = moodle_reads(name)
        row = by_id[participant]
        assert name.startswith(row["student_name"] + "_") and file_name == "feedback.html"
        assert data == page(out, row) and says_score(data, row)
    with open(out / "moodle-grading-worksheet.csv", newline="", encoding="utf-8") as handle:
        sheet = list(csv.DictReader(handle))
    assert [r["Identifier"] for r in sheet] == ["Participant 123457", "Participant 123458",
                                                "Participant 123459", "Participant 123456"]
    for line in sheet:
        row = by_id[line["Identifier"].removeprefix("Participant ")]
        assert line["Full name"] == row["student_name"]
        assert line["Grade"] == ("" if row["status"] == "invalid" else row["score"])
        assert line["Maximum Grade"] == TOTAL_TEXT
        when = datetime.datetime.fromisoformat(line["Last modified (grade)"])  # PHP strtotime reads it
        assert when.tzinfo is not None and line["Last modified (grade)"] == (
            row["timestamp"] or line["Last modified (grade)"])  # graded: when; else now
        assert "\n" not in line["Feedback comments"]
    assert by_id["123458"]["status"] == "invalid"  # Carol: two notebooks, none known latest
    assert "hsa grade:   " + str(out / "moodle-grading-worksheet.csv") + " -> Moodle: View all " \
        "submissions, Grading action, Upload grading worksheet (4 student(s); 1 left out: " \
        "stray-notes (names no participant))" in err


@pytest.fixture
def nbgrader_with_secrets(nbgrader_course):
    """The nbgrader course, its submissions collected by nbgrader 0.7+ (a secret each), one
    student named with an accent and a space."""
    submitted = nbgrader_course / "submitted"
    shutil.copytree(submitted / "alice", submitted / "zoë ñ")
    for student, secret in (("alice", "s3cr3t-a"), ("zoe.nunez", "s3cr3t-z"), ("zoë ñ", "s3cr3t-ñ")):
        put(submitted, f"{student}/hidden_state_activation/submission_secret.txt", text=secret)
    put(submitted, "zoe.nunez/hidden_state_activation/timestamp.txt",
        text="2026-11-20 11:00:00.000000 UTC\n")
    return nbgrader_course


def test_nbgrader_feedback_tree_for_release_feedback(nbgrader_with_secrets, tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(nbgrader_with_secrets, out, capsys)
    by_id = {row["student_id"]: row for row in book}
    tree = out / "nbgrader-feedback" / "feedback"
    files = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
    assert files == [f"{student}/hidden_state_activation/{name}"
                     for student in ("alice", "zoe.nunez", "zoë ñ")
                     for name in ("hidden_state_activation.html", "submission_secret.txt",
                                  "timestamp.txt")]
    submitted = nbgrader_with_secrets / "submitted"
    for student in ("alice", "zoe.nunez", "zoë ñ"):
        folder = tree / student / "hidden_state_activation"
        data = (folder / "hidden_state_activation.html").read_bytes()
        assert data == page(out, by_id[student]) and says_score(data, by_id[student])
        for kept in ("submission_secret.txt", "timestamp.txt"):
            assert (folder / kept).read_bytes() == \
                (submitted / student / "hidden_state_activation" / kept).read_bytes()
    assert "nbgrader release_feedback (3 student(s); 1 left out: carol (nothing graded, " \
           "look first))" in err


def test_examples_list_the_blank_stub_under_needs_a_look(tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(EXAMPLES, out, capsys)
    carol = next(row for row in book if row["submission"] == "carol_stub")
    assert (carol["status"], carol["score"]) == ("graded", "0")
    assert (f"hsa grade:   carol_stub: graded, 0/{TOTAL_TEXT}: every function is still the placeholder "
            "handed out: a blank notebook, perhaps the wrong file") in err
    assert "needs a look (4):" in err and "hand back" not in err  # a plain folder: no platform
    report = (out / "report.html").read_text()
    assert "Needs a look first (4)" in report and html.escape("a blank notebook") in report
    assert re.search(r'href="carol_stub/feedback.html">carol_stub</a>', report)


def test_feedback_notebooks_go_back_in_the_zip_beside_the_page(moodle_folders, tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(moodle_folders, out, capsys, "--feedback-notebook")
    by_id = {row["student_id"]: row for row in book}
    with zipfile.ZipFile(out / "moodle-feedback.zip") as archive:
        notebooks = {name: archive.read(name) for name in archive.namelist()
                     if name.endswith("-feedback.ipynb")}
    assert sorted(notebooks) == [
        f"{who}_assignsubmission_file_hidden_state_activation-feedback.ipynb"
        for who in ("Bob Lee_123457", "Dave Jones_123459", "Zoë Ñúñez_123456")]
    for name, data in notebooks.items():
        row = by_id[moodle_reads(name)[0]]
        assert data == (out / row["submission"] / "hidden_state_activation-feedback.ipynb").read_bytes()
        copy = nbformat.reads(data.decode(), 4)
        nbformat.validate(copy)
        original = nbformat.read(moodle_folders / row["path"], 4)
        assert [c.source for c in copy.cells if not c.metadata.get("hsa_feedback")] == \
            [c.source for c in original.cells]  # the student's cells, as they were
        assert copy.cells[0].source.startswith(f"# Feedback on {row['submission']}\n\n"
                                               f"**Score: {row['score']} / {TOTAL_TEXT}**")
    assert f"{out / '<student>' / 'hidden_state_activation-feedback.ipynb'} -> each student's " \
        "own notebook with the feedback written in" in err
