"""Handing back: feedback.html, the names each platform's upload reads, the worksheet and
import rows, the per-student lines, the needs-a-look rule for blank notebooks, from
records and results built by hand. (tests/test_handing_back.py grades real downloads end
to end and replays each platform's importer on what hsa writes.)"""

import csv
import io
import json
import pathlib
import re

import nbformat
import pytest

from hsa.exceptions import InvalidSubmission
from hsa.grade.layouts import Submission
from hsa.grade.rows import Row
from hsa.grade.summary import Summary
from hsa.grade.uploads import HandBack, Upload
from hsa.grade.uploads import canvas_gradebook, moodle_worksheet
from hsa.grade.uploads.canvas_reupload import entry_name
from hsa.grade.uploads.moodle_feedback import feedback_name
from hsa.grade.uploads.moodle_targets import Target
from hsa.outcomes import HintKind, Layout, NotBack, Status
from hsa.settings import Visibility
from hsa.writers.results import results_json
from hsa.outcomes import CellProblem
from hsa.trusted.result import TestResult as Check
from hsa.writers.document import inline_html
from hsa.writers.feedback import feedback_md, one_line
from hsa.writers import feedback_notebook as feedback_notebook_module
from hsa.writers.feedback_html import feedback_html
from hsa.writers.feedback_notebook import feedback_notebook
from hsa.writers.wording import NOT_GRADED_YET_TEXT
from hsa.writers.graded import Graded
from test_outputs import HIDDEN_HINT, make, partial


def canvas(path, user, key=None):
    from hsa.grade.layouts.canvas import canvas_name
    parts = canvas_name(pathlib.PurePosixPath(path).name)
    return Submission(name="x", layout=Layout.CANVAS, path=path, student_id=user,
                      student_name=parts.name if parts else "",
                      key=key if key is not None else parts.key if parts else "")


def hand_back_of(tmp_path, pairs, roster=None):
    """A HandBack over records and their results built by hand, results.json written as a
    run writes it."""
    out, rows = tmp_path / "out", {}
    for record, result in pairs:
        result.submission = record.name
        (out / record.name).mkdir(parents=True, exist_ok=True)
        (out / record.name / "results.json").write_text(
            json.dumps(results_json(Graded.of(result), Visibility())))
        rows[record.name] = Row.of(result)
    return HandBack(out, "hidden_state_activation", rows, roster)


def canvas_reads(name):
    """What canvas-lms reads from a re-uploaded file's name (Assignment#
    infer_comment_context_from_filename): the first two all-digit parts between `_`."""
    return tuple(p for p in name.split("_") if re.fullmatch("[0-9]+", p))[:2]


def moodle_reads(name):
    """What Moodle reads from a zipped feedback file's name (assignfeedback_file_zip_importer::
    is_valid_filename_for_import): explode('_', name, 5) -> id, plugin type and name, file."""
    info = name.split("_", 4)
    return info[1], info[2], info[3], info[4]


# ------------------------------------------------------------------ feedback.html
def test_inline_markdown_becomes_escaped_html():
    assert inline_html("**Fix `a<b>` first:** x & y\nz") == \
        "<strong>Fix <code>a&lt;b&gt;</code> first:</strong> x &amp; y<br>z"
    assert inline_html("`**not bold**` <script>") == \
        "<code>**not bold**</code> &lt;script&gt;"


def test_feedback_html_is_self_contained_and_says_what_feedback_md_says():
    result = make(tests_=[Check("alpha", "alpha - 2", True, 0.0, 2.0, HIDDEN_HINT + " <b>&"),
                          Check("beta", "beta - 1", True, 3.0, 3.0)],
                  cells=[CellProblem(4, "x = 1/0", Status.ERROR, "ZeroDivisionError: division by zero")])
    page = feedback_html(Graded.of(result))
    assert page.startswith("<!doctype html>") and 'name="viewport"' in page
    for outside in ("<script", "http://", "https://", "src=", "@import", "url("):
        assert outside not in page
    assert "<p><strong>Score: 3 / 5</strong></p>" in page
    assert "<tr><td><code>alpha</code></td><td>0 / 2</td></tr>" in page
    assert "<h3><code>alpha</code>: 2 point(s) lost</h3>" in page
    assert f"<li>{HIDDEN_HINT} &lt;b&gt;&amp;</li>" in page
    assert "<li>Code cell 4 (<code>x = 1/0</code>) raised ZeroDivisionError: division by zero.</li>" in page
    markdown = feedback_md(Graded.of(result))
    assert f"- {HIDDEN_HINT} <b>&" in markdown and "- Code cell 4 (`x = 1/0`) raised" in markdown


def test_one_line_comment():
    assert one_line(Graded.of(partial())) == ("Score 3 / 5. Fix first: alpha. The attached feedback file "
                                   "says what to fix.")
    assert one_line(Graded.of(make())) == "Score 5 / 5. All checks passed."
    assert one_line(Graded.of(make(status=Status.INVALID, tests_=[], message="not graded: 2 files"))) == \
        NOT_GRADED_YET_TEXT


# ------------------------------------------------------------------ Canvas
def test_canvas_reupload_names_are_read_back_as_the_student_and_the_graded_attachment():
    cases = {("ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb", "4242"):
             "ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb",
             ("dl.zip/leebob_LATE_4343_9002_hidden_state_activation.ipynb", "4343"):
             "leebob_LATE_4343_9002_hidden_state_activation.ipynb",
             ("smithcarol_4545_9006_hidden_state_activation_2026.zip", "4545"):
             "smithcarol_4545_9006_hidden_state_activation_2026.zip",
             ("anon_ab12c_9008_hidden_state_activation.ipynb", "anon_ab12c"):
             "anon_ab12c_9008_hidden_state_activation.ipynb",
             ("LATE_anon_ab12c_9008_a.ipynb", "anon_ab12c"): "LATE_anon_ab12c_9008_a.ipynb",
             # a group named with digits: Canvas before its group-name rule reads user 7
             ("7_4646_9011_hidden_state_activation.ipynb", "4646"):
             "4646_9011_hidden_state_activation.ipynb"}
    for (path, user), expected in cases.items():
        name = entry_name(canvas(path, user))
        assert name == expected
        assert canvas_reads(name) == canvas_reads(expected)


def test_canvas_reupload_leaves_out_what_canvas_cannot_match():
    assert entry_name(canvas("readme.txt", "")) is None
    assert entry_name(canvas("bob_4343_9002_x.ipynb", "9999")) is None  # not whose it says


def test_canvas_import_without_a_roster_has_a_row_for_each_student_graded_and_no_one_else(tmp_path):
    graded = make(tests_=[Check("alpha", "alpha - 1", True, 2.5, 2.0, "")])
    graded.score = 12.5
    records = [
        (canvas("ñúñezzoë_4242_9010_a.ipynb", "4242"), graded),
        (canvas("obriendave_4646_9007_all.zip", "4646"), make(status=Status.INVALID, tests_=[])),
        (canvas("anon_ab12c_9008_a.ipynb", "anon_ab12c"), make()),
        (canvas("x_4747_9009_a.ipynb", "4747"), make(status=Status.GRADER_FAILED, tests_=[])),
    ]
    records = [(Submission(**{**r.__dict__, "name": f"s{i}"}), result)
               for i, (r, result) in enumerate(records)]
    hand_back = hand_back_of(tmp_path, records)
    [upload] = canvas_gradebook.write(hand_back, [r for r, _ in records], title="Hidden State Activation",
                                      assignment_id="777",
                                      max_score=15)
    rows = list(csv.reader(io.StringIO((hand_back.out / "canvas-import.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Hidden State Activation (777)"]
    assert "Points Possible" in rows[1][0] and rows[1][5] == "15"
    assert rows[2:] == [["ñúñezzoë", "4242", "", "", "", "12.5"]]  # no blank cell for anyone
    assert upload.carried == 1
    lines = [e.line() for e in hand_back.ledger.entries()]
    assert lines == ["ñúñezzoë (4242): grade 12.5",
                     f"obriendave (4646): grade not back: {NotBack.NOTHING_GRADED}",
                     f"x (4747): grade not back: {NotBack.GRADER_FAILED}",
                     f"anon_ab12c: grade not back: {NotBack.ANONYMOUS}"]


# ------------------------------------------------------------------ Moodle
def test_moodle_feedback_names_are_read_back_as_the_participant():
    zoe = Target("123456", "Zoë Ñúñez")
    assert feedback_name(zoe, "") == "Zoë Ñúñez_123456_assignsubmission_file_feedback.html"
    assert moodle_reads(feedback_name(zoe, "")) == ("123456", "assignsubmission", "file", "feedback.html")
    ann = Target("7", "Ann_Marie")
    assert moodle_reads(feedback_name(ann, "")) == ("7", "assignsubmission", "file", "feedback.html")
    blind = Target("8", "")  # blind marking: the folder's name
    assert feedback_name(blind, "Participant") == "Participant_8_assignsubmission_file_feedback.html"


def test_moodle_worksheet_without_a_roster_has_a_row_for_each_student_graded(tmp_path):
    import datetime
    zoe = Submission(name="z", layout=Layout.MOODLE, path="p", student_id="123456",
                     student_name="Zoë Ñúñez")
    carol = Submission(name="c", layout=Layout.MOODLE, path="p", student_id="123458",
                       student_name="Carol Smith")
    hand_back = hand_back_of(tmp_path, [(zoe, partial()), (carol, make(status=Status.INVALID, tests_=[]))])
    hand_back.downloaded = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.timezone.utc)
    moodle_worksheet.write(hand_back, [zoe, carol], max_score=5)
    rows = list(csv.reader(io.StringIO((hand_back.out / "moodle-grading-worksheet.csv").read_text())))
    assert rows == [list(moodle_worksheet.HEADER), [
        "Participant 123456", "Zoë Ñúñez", "", "hsa: graded", "3", "5", "Yes", "",
        "2026-11-20T09:30:00+00:00",  # when the download was saved: a later edit in Moodle stays
        "Score 3 / 5. Fix first: alpha. The attached feedback file says what to fix."]]
    assert [e.line() for e in hand_back.ledger.entries()] == [
        "Zoë Ñúñez (123456): grade 3",
        f"Carol Smith (123458): grade not back: {NotBack.NOTHING_GRADED}"]


# ------------------------------------------------------------------ the summary
def test_upload_line_lists_the_first_students_left_out():
    upload = Upload(pathlib.Path("out/canvas-feedback.zip"), "Canvas: Re-Upload Submissions", 3,
                    tuple(f"s{i} (why)" for i in range(6)))
    assert upload.line() == ("out/canvas-feedback.zip -> Canvas: Re-Upload Submissions (3 "
                             "student(s); 6 left out: s0 (why); s1 (why); s2 (why); s3 (why); 2 more)")
    assert Upload(pathlib.Path("a.csv"), "there", 2).line() == "a.csv -> there (2 student(s))"


def test_a_blank_stub_handed_in_needs_a_look():
    unattempted = HintKind.NOT_ATTEMPTED  # what the checks say of a placeholder left in
    blank = [Check("alpha", "alpha - 1", False, 0.0, 0.0, "alpha returned None. Replace each None",
                   kind=unattempted),
             Check("alpha", "alpha - 2", True, 0.0, 2.0, "alpha returned None. Replace each None",
                   kind=unattempted),
             Check("beta", "beta - 1", True, 0.0, 3.0, "beta returned `...`: write it",
                   kind=unattempted)]
    stub, half = make("stub", tests_=blank), make("half", tests_=blank[:2] + [
        Check("beta", "beta - 1", True, 0.0, 3.0, "beta returned the transpose")])
    summary = Summary([stub, half, make("fine")], [])
    assert [r.submission for r in summary.needs_a_look] == ["stub"]
    assert "  stub: graded, 0/5: every function is still the placeholder handed out: a blank " \
           "notebook, perhaps the wrong file" in summary.lines()


# ------------------------------------------------------------------ the feedback notebook
def student_notebook(path, minor=5):
    notebook = nbformat.v4.new_notebook()
    notebook.nbformat_minor = minor
    notebook.cells = [nbformat.v4.new_markdown_cell("# My work"),
                      nbformat.v4.new_code_cell("def alpha(x):\n    return x.T"),
                      nbformat.v4.new_code_cell("x = 1/0"),
                      nbformat.v4.new_code_cell("def beta(x):\n    return x")]
    if minor < 5:
        for cell in notebook.cells:
            del cell["id"]
    path.write_text(nbformat.writes(notebook))
    return path


def test_feedback_notebook_writes_each_part_after_its_cell(tmp_path):
    path = student_notebook(tmp_path / "hw.ipynb")
    result = make(tests_=[Check("alpha", "alpha - 2", True, 0.0, 2.0, HIDDEN_HINT),
                          Check("beta", "beta - 1", True, 3.0, 3.0)],
                  cells=[CellProblem(2, "x = 1/0", Status.ERROR, "ZeroDivisionError: division by zero")])
    notebook = nbformat.reads(feedback_notebook(path, Graded.of(result)), 4)
    nbformat.validate(notebook)
    added = [c.metadata.get("hsa_feedback", False) for c in notebook.cells]
    assert added == [True, False, False, True, False, True, False]
    top, _, alpha, alpha_note, cell, cell_note, beta = notebook.cells
    assert top.source.startswith("# Feedback on ann\n\n**Score: 3 / 5**\n\n| Question | Score |")
    assert alpha.source == "def alpha(x):\n    return x.T" and beta.source == "def beta(x):\n    return x"
    assert alpha_note.source == (f"**Feedback**\n\n### `alpha`: 2 point(s) lost\n\n- {HIDDEN_HINT}\n")
    assert cell_note.source == ("**Feedback**\n\n- Code cell 2 (`x = 1/0`) raised "
                                "ZeroDivisionError: division by zero.\n")
    assert "### `alpha`" not in top.source and "Code cell 2" not in top.source


def outputs_of(text, source):
    return next(c.outputs for c in nbformat.reads(text, 4).cells if c.source == source)


def test_feedback_notebook_keeps_an_older_format_and_refuses_what_is_too_large(tmp_path, monkeypatch):
    path = student_notebook(tmp_path / "old.ipynb", minor=4)
    notebook = nbformat.reads(feedback_notebook(path, Graded.of(partial())), 4)
    nbformat.validate(notebook)
    assert notebook.nbformat_minor == 4 and all("id" not in c for c in notebook.cells)
    kept = nbformat.read(path, 4)
    kept.cells[2].outputs = [nbformat.v4.new_output("stream", text="a plot, say")]
    nbformat.write(kept, path)
    assert outputs_of(feedback_notebook(path, Graded.of(partial())), "x = 1/0")[0].text == "a plot, say"
    monkeypatch.setattr(feedback_notebook_module, "MAX_OUTPUT_BYTES", 10)  # outputs dropped
    assert outputs_of(feedback_notebook(path, Graded.of(partial())), "x = 1/0") == []
    monkeypatch.setattr(feedback_notebook_module, "MAX_BYTES", path.stat().st_size - 1)
    with pytest.raises(InvalidSubmission, match="larger than"):
        feedback_notebook(path, Graded.of(partial()))


# ------------------------------------------------------------------ spreadsheet formulas
def test_cells_that_start_a_formula_are_neutralised_and_numbers_are_not():
    from hsa.writers.spreadsheet import neutralised
    for text in ("=1+1", "+cmd", "-Ann", "@SUM(1+1)x.ipynb", "\tx", "\rx", "-1+1", '="x"'):
        assert neutralised(text) == "'" + text
    for text in ("-3", "+2.5", "-12,5", "15", "0.5", "1e3", "Zoë", "", "a=b"):
        assert neutralised(text) == text
    assert neutralised(None) == "" and neutralised(-3) == "-3" and neutralised(True) == "True"
