"""`hsa grade` on a folder: one row per submission, resumable, with feedback and a report."""

import base64
import csv
import html
import json
import os
import pathlib
import re
import shutil
import statistics
import sys
import zipfile

import nbformat
import pytest

from conftest import TOTAL, TOTAL_TEXT

from hsa.cli import main
from hsa.project import DEFAULT
from hsa.trusted.autograder import read_config
from hsa_dev.variants import STUDENT, variant

HSA = str(pathlib.Path(sys.executable).with_name("hsa"))
SIGMOID_LOOPS = "def sigmoid(z):\n    while True:\n        pass\n"
QUESTIONS = read_config().questions

pytestmark = [pytest.mark.sandbox, pytest.mark.bwrap]  # hsa grade refuses without bubblewrap


def rows(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A class folder: valid, wrong, broken and hostile submissions."""
    folder = tmp_path_factory.mktemp("class")
    master = pathlib.Path(__file__).resolve().parents[1] / "solutions" / "hidden_state_activation.ipynb"
    shutil.copy(master, folder / "valid.ipynb")
    variant(folder / "wrong.ipynb", {"sigmoid": "def sigmoid(z):\n    return np.tanh(z)\n"})
    variant(folder / "raises.ipynb", append=["raise RuntimeError('oops')"])
    variant(folder / "exits.ipynb", append=["import os\nos._exit(3)"])
    variant(folder / "loops.ipynb", append=["while True:\n    pass"])
    variant(folder / "slow_call.ipynb", {"sigmoid": SIGMOID_LOOPS})
    (folder / "not_a_notebook.ipynb").write_text("{ not json")
    with zipfile.ZipFile(folder / "exported.zip", "w") as archive:
        archive.write(STUDENT, "hidden_state_activation.ipynb")
    (folder / "empty.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return folder


@pytest.fixture(scope="module")
def graded(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    assert main(["grade", str(batch), "--out", str(out), "--seed", "11", "--timeout", "4"]) == 0
    return out


def test_one_row_per_submission_with_the_right_status(batch, graded, isolation):
    book = rows(graded)
    expected = {"valid": ("graded", TOTAL_TEXT), "wrong": ("graded", "9"), "raises": ("error", TOTAL_TEXT),
                "exits": ("killed", TOTAL_TEXT), "loops": ("timeout", TOTAL_TEXT),
                "not_a_notebook": ("invalid", "0"), "exported": ("graded", "0"),
                "empty": ("invalid", "0")}
    assert {k: (v["status"], v["score"]) for k, v in book.items() if k in expected} == expected
    assert book["slow_call"]["status"] == "timeout"
    assert float(book["slow_call"]["score"]) == TOTAL - 3 - 3, "sigmoid, and hidden_state which calls it"
    assert len(book) == len(list(batch.iterdir()))
    assert "raised RuntimeError at line 1: oops" in book["raises"]["message"]
    assert "budget" in book["loops"]["message"]
    for row in book.values():
        assert row["seed"] == "11" and row["isolation"] == str(isolation)  # bwrap+zygote here
        assert set(QUESTIONS) <= set(row)


def test_each_submission_gets_results_json_and_feedback(graded):
    results = json.loads((graded / "wrong" / "results.json").read_text())
    assert sum(t["score"] for t in results["tests"]) == 9 == results["extra_data"]["score"]
    assert {"name", "score", "max_score", "output", "visibility"} <= set(results["tests"][0])
    assert results["extra_data"]["provenance"]["seed"] == 11
    feedback = (graded / "wrong" / "feedback.md").read_text()
    assert "tanh" in feedback and "`sigmoid`: 3 point(s) lost" in feedback
    assert "ran past" in (graded / "loops" / "feedback.md").read_text()


def test_report_is_self_contained_with_its_histogram(graded):
    """The histogram's bars, inline SVG, one per score (the batch's nine rows); no link out,
    no script."""
    html = (graded / "report.html").read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html
    chart = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r"<title>(\d+) submission\(s\) scored (\d+)</title>", chart)
    # valid, raises, exits, loops: full marks; wrong and slow_call: sigmoid and hidden_state
    # lost (6 points); exported (the stub): 0; not_a_notebook and empty are invalid: no score
    assert {int(score): int(n) for n, score in bars} == {TOTAL: 4, TOTAL - 6: 2, 0: 1}


def test_rerun_skips_unchanged_and_force_regrades(batch, graded, capsys):
    stamps = {p: p.stat().st_mtime_ns for p in graded.glob("*/results.json")}
    assert main(["grade", str(batch), "--out", str(graded), "--timeout", "4"]) == 0
    assert "submission(s), 9 unchanged and skipped" in capsys.readouterr().err
    assert stamps == {p: p.stat().st_mtime_ns for p in graded.glob("*/results.json")}
    assert main(["grade", str(batch / "valid.ipynb"), "--out", str(graded), "--force"]) == 0
    assert "1 submission(s), 0 unchanged" in capsys.readouterr().err


def test_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_no_submissions_found_is_a_clear_error(tmp_path, capsys):
    assert main(["grade", str(tmp_path)]) == 2
    assert "no .ipynb or .zip" in capsys.readouterr().err


# ------------------------------------------------ class downloads, keyed by student
from test_layouts import (CORRECT, STUB, canvas_download, gradescope,  # noqa: E402,F401
                          moodle_folders, nbgrader_course)

# The score each example earns: alice_correct, bob_partial (its math.exp sigmoid raises on
# a single number far from 0 too), erin_export.
SCORE_CORRECT, SCORE_PARTIAL, SCORE_EXPORT = TOTAL_TEXT, "4", "9"


def grade_download(path, tmp_path, *more):
    out = tmp_path / "out"
    assert main(["grade", str(path), "--out", str(out), "--seed", "11", *more]) == 0
    with open(out / "gradebook.csv", newline="") as handle:
        return out, list(csv.DictReader(handle))


def test_canvas_download_graded_per_student_and_imported_back(canvas_download, tmp_path):
    out, book = grade_download(canvas_download, tmp_path, "--canvas-assignment-id", "777")
    students = {row["student_id"]: row for row in book if row["student_id"]}
    assert set(students) == {"4242", "4343", "4444", "4545", "4646", "anon_ab12c"}
    assert {sid: row["score"] for sid, row in students.items()} == {
        "4242": SCORE_CORRECT, "4343": SCORE_PARTIAL, "4444": SCORE_CORRECT, "4545": SCORE_EXPORT, "4646": "0",
        "anon_ab12c": SCORE_CORRECT}
    assert [(row["path"], row["status"], row["score"]) for row in book if not row["student_id"]] == [
        ("readme.txt", "invalid", "0")]
    assert students["4242"]["student_name"] == "ñúñezzoë" and students["4242"]["late"] == "no"
    assert students["4242"]["set_aside"] == (  # the stub she uploaded first fills in nothing
        "ñúñezzoë_4242_9001_hidden_state_activation.ipynb (fewer_functions: fills in 0 graded "
        "function(s) where ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb fills in 6)")
    assert students["4343"]["late"] == "yes"
    assert students["4646"]["status"] == "invalid" and "2 notebooks" in students["4646"]["message"]
    with open(out / "canvas-import.csv", newline="", encoding="utf-8") as handle:
        imported = list(csv.reader(handle))
    assert imported[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert imported[0][5] == "Hidden State Activation (777)"
    scores = {row[1]: row[5] for row in imported[2:]}
    assert scores["4242"] == students["4242"]["score"] and "anon_ab12c" not in scores
    assert "4646" not in scores, "nothing graded: no row, so Canvas keeps its grade"


def test_gradescope_export_a_row_per_submitter(gradescope, tmp_path):
    out, book = grade_download(gradescope, tmp_path)
    students = {row["student_id"]: row for row in book if row["student_id"]}
    assert {sid: (row["status"], row["score"]) for sid, row in students.items()} == {
        "0001": ("graded", SCORE_CORRECT), "0002": ("error", SCORE_PARTIAL), "3": ("error", SCORE_PARTIAL),  # a group
        "0004": ("graded", SCORE_EXPORT), "0005": ("invalid", "0"),  # a folder missing from the export
        "0006": ("graded", SCORE_CORRECT),  # the later of two submissions
        "0007": ("error", SCORE_PARTIAL)}  # two at once: the one that fills in more than the stub
    assert sorted(row["status"] for row in book if not row["student_id"]) == ["invalid", "invalid"]
    assert all((out / row["submission"] / "feedback.md").exists() for row in book)
    report = (out / "report.html").read_text()
    assert "Roster" in report and "Needs a look" in report and "feedback.html" in report


def test_moodle_and_nbgrader_rows_keep_who_it_was(moodle_folders, nbgrader_course, tmp_path):
    for download, expected in ((moodle_folders, {"123456": ("Zoë Ñúñez", TOTAL_TEXT),
                                                 "123457": ("Bob Lee", SCORE_PARTIAL)}),
                               (nbgrader_course, {"alice": ("", TOTAL_TEXT), "zoe.nunez": ("", SCORE_PARTIAL)})):
        _out, book = grade_download(download, tmp_path / download.name)
        students = {row["student_id"]: row for row in book if row["student_id"]}
        for student, (name, score) in expected.items():
            row = students[student]
            assert (row["student_name"], row["score"]) == (name, score), row
            assert row["path"].endswith("hidden_state_activation.ipynb")


def test_summary_on_the_terminal_and_report_as_text(canvas_download, tmp_path, capsys):
    out, book = grade_download(canvas_download, tmp_path)
    err = capsys.readouterr().err
    # Seven rows (see test_canvas_download_graded_per_student_and_imported_back): three correct,
    # the partial one (a cell raises), the export zip, a zip of two notebooks and a stray file.
    # The two invalid files have no score: they are not zeros in the mean.
    scores = [float(s) for s in (SCORE_CORRECT, SCORE_CORRECT, SCORE_CORRECT, SCORE_PARTIAL, SCORE_EXPORT)]
    assert "hsa grade: 7 submission(s): 4 graded, 1 error, 2 invalid." in err
    assert (f"score: mean {statistics.mean(scores):.2f}, median {statistics.median(scores):g} "
            f"(of {TOTAL_TEXT}), over the 5 graded; 2 not graded left out") in err
    look = {row["submission"]: row for row in book if row["status"] != "graded"}
    assert sorted(row["status"] for row in look.values()) == ["error", "invalid", "invalid"]
    assert "needs a look (3):" in err
    for name, row in look.items():
        assert f"  {name}: {row['status']}, {row['score']}/{TOTAL_TEXT}: " in err
    assert "canvas-import.csv -> Canvas: Grades, Import (4 student(s); 3 left out: " in err
    assert "per student: 4 get their grade and feedback back, 3 not all of it:" in err
    assert "readme-txt: nothing back: names no student" in err and "wrote " in err
    report = (out / "report.html").read_text()
    assert "Needs a look first (3)" in report
    assert report.count('/feedback.html"') == len(book)  # a link per student
    for row in book:
        assert html.escape(row["path"]) in report


def test_regrading_after_the_autograder_changed_lists_changed_scores(tmp_path, capsys):
    """One hidden test of formula_2 is made worth 2 points instead of 1: every submission is
    regraded into the same --out, and the summary and the report say whose score changed."""
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(CORRECT, folder / "alice.ipynb")
    shutil.copy(STUB, folder / "carol.ipynb")
    out = tmp_path / "out"
    assert main(["grade", str(folder), "--out", str(out), "--seed", "3"]) == 0
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(DEFAULT.zip) as source, zipfile.ZipFile(changed, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "tests/formula_2.py":
                data = data.replace(b"@test_case(points=1, hidden=True)", b"@test_case(points=2, hidden=True)", 1)
            target.writestr(item, data)
    capsys.readouterr()
    assert main(["grade", str(folder), "--out", str(out), "--seed", "3",
                 "--autograder", str(changed)]) == 0
    err = capsys.readouterr().err
    assert "the autograder changed since the last run" in err and "regrading 2 submission(s)" in err
    assert "scores changed with the new autograder (1):" in err and f"alice: {TOTAL_TEXT} -> {TOTAL + 1:g}" in err
    assert "carol:" not in err.split("scores changed")[1]  # 0 -> 0: unchanged
    report = (out / "report.html").read_text()
    assert "Score changes with the new autograder" in report and ">16<" in report


def test_a_notebook_with_100_mb_of_saved_output_is_graded(tmp_path):
    notebook = nbformat.read(CORRECT, as_version=4)
    image = base64.b64encode(os.urandom(78 * 1024 * 1024)).decode()  # ~104 MB as base64
    notebook.cells[2].outputs = [nbformat.v4.new_output(
        "display_data", data={"image/png": image, "text/plain": "<Figure>"})]
    big = tmp_path / "big" / "hidden_state_activation.ipynb"
    big.parent.mkdir()
    nbformat.write(notebook, big)
    assert big.stat().st_size > 100 * 1024 * 1024
    _out, book = grade_download(big, tmp_path)
    assert (book[0]["status"], book[0]["score"]) == ("graded", TOTAL_TEXT), book[0]["message"]
