"""What a grade is written as: gradebook.csv, feedback.md (full and public-only) and
Gradescope's results.json, from Results built by hand."""

import csv
import dataclasses
import io
import json

import jsonschema
import pytest

from gradescope_schema import RESULTS_SCHEMA
from hsa.grade import report
from hsa.project import EXAMPLES
from hsa.grade.summary import Summary
from hsa.writers.atomic import write_atomic
from hsa.writers.feedback import feedback_md
from hsa.writers.gradebook import PROVENANCE_COLUMNS, gradebook_row, write_gradebook
from hsa.writers.results import read_result, results_json, summary_line
from hsa.writers.wording import GRADER_FAILED_TEXT, PUBLIC_ONLY_TEXT
from hsa.outcomes import HintKind, SetAsideReason, Status
from hsa.untrusted.protocol import Raised
from hsa.outcomes import CellProblem
from hsa.trusted.result import Identity, Provenance, QuestionScore, Result, SetAside
from hsa.trusted.result import TestResult as Check  # not named Test*: pytest would collect it
from hsa.writers.graded import Graded
from hsa.settings import Visibility

QUESTIONS = ["alpha", "beta"]
VISIBILITY = Visibility("visible", "after_published")


def gradebook(results):
    """gradebook.csv's text for ``results``, each row made as the journal makes it."""
    buffer = io.StringIO()
    rows = sorted((gradebook_row(Graded.of(r), QUESTIONS) for r in results), key=lambda row: str(row[0]))
    write_gradebook(buffer, rows, QUESTIONS)
    return buffer.getvalue()


HIDDEN_HINT = "alpha returned the transpose: check the order of the axes"
PUBLIC_HINT = "alpha returned None. Replace each `None` with your code"
PROVENANCE = {"seed": 11, "isolation": "bwrap", "submission_sha256": "ab" * 32,
              "autograder_sha256": None, "autograder_content_sha256": "cd" * 32,
              "package_version": "0.1.0", "wall_time_seconds": 1.25,
              "timestamp": "2026-01-02T03:04:05+00:00", "network_reachable": False}


def checks(alpha_public="", alpha_hidden="", beta_hidden=""):
    return [Check("alpha", "alpha - 1", False, 0.0, 0.0, alpha_public),
            Check("alpha", "alpha - 2", True, 0.0 if alpha_hidden else 2.0, 2.0, alpha_hidden),
            Check("beta", "beta - 1", True, 0.0 if beta_hidden else 3.0, 3.0, beta_hidden)]


def make(name="ann", status=Status.GRADED, tests_=None, message="", **fields):
    tests_ = checks() if tests_ is None else tests_
    questions = {q: [sum(t.score for t in tests_ if t.question == q),
                     sum(t.max_score for t in tests_ if t.question == q)] for q in QUESTIONS}
    return Result(name, status, sum(t.score for t in tests_), 5.0, message, questions, tests_,
                  provenance=Provenance(**PROVENANCE), **fields)


COPY_SET_ASIDE = SetAside("Copy of ann.ipynb", SetAsideReason.FEWER_FUNCTIONS,
                          "fills in 1 graded function(s) where ann.ipynb fills in 2")


def partial():
    """Lost the hidden alpha test (2 points) and passed the rest."""
    return make(tests_=checks(alpha_hidden=HIDDEN_HINT))


# ------------------------------------------------------------ gradebook.csv
def read_csv(text):
    return list(csv.reader(io.StringIO(text)))


def test_gradebook_columns_in_order():
    header = read_csv(gradebook([]))[0]
    assert header == ["submission", "student_id", "student_name", "email", "path", "late",
                      "status", "score", "max_score", "alpha", "beta", "lost_through_dependency",
                      "message", "set_aside", *PROVENANCE_COLUMNS]
    assert PROVENANCE_COLUMNS == ("seed", "isolation", "network_reachable", "submission_cap",
                                  "budgets_count", "syscall_filter", "submission_sha256", "autograder_sha256",
                                  "autograder_content_sha256", "package_version",
                                  "wall_time_seconds", "timestamp")


def test_gradebook_rows_sorted_by_submission_with_plain_values():
    results = [make("zoe", Status.TIMEOUT, message="code cell 3 ran past"), partial(),
               make("bob", Status.INVALID, tests_=[], message="not graded: damaged")]
    rows = [dict(zip(rows_[0], row)) for rows_ in [read_csv(gradebook(results))]
            for row in rows_[1:]]
    assert [r["submission"] for r in rows] == ["ann", "bob", "zoe"]
    ann, bob, zoe = rows
    assert (ann["status"], ann["score"], ann["max_score"], ann["alpha"], ann["beta"]) == \
        ("graded", "3", "5", "0", "3")
    assert (bob["status"], bob["score"], bob["alpha"], bob["message"]) == \
        ("invalid", "0", "0", "not graded: damaged")
    assert zoe["status"] == "timeout" and zoe["message"] == "code cell 3 ran past"
    assert (ann["seed"], ann["isolation"], ann["wall_time_seconds"]) == ("11", "bwrap", "1.25")
    assert ann["submission_sha256"] == "ab" * 32 and ann["autograder_content_sha256"] == "cd" * 32
    assert ann["autograder_sha256"] == "" and ann["timestamp"] == PROVENANCE["timestamp"]
    assert ann["network_reachable"] == "False"


def test_gradebook_scores_are_short_numbers():
    result = make(tests_=[Check("alpha", "a", True, 1.5, 2.0, "x"),
                          Check("beta", "b", True, 1 / 3, 3.0, "y")])
    row = read_csv(gradebook([result]))[1]
    assert row[7:11] == [f"{1.5 + 1 / 3:g}", "5", "1.5", f"{1 / 3:g}"]


def test_gradebook_question_missing_from_a_result_is_zero():
    result = make()
    del result.questions["beta"]
    assert read_csv(gradebook([result]))[1][9:11] == ["2", "0"]


# -------------------------------------------------------------- feedback.md
def test_full_feedback_shows_score_per_question_and_hidden_hints():
    text = feedback_md(Graded.of(partial()))
    assert text.startswith("# Feedback on ann\n")
    assert "**Score: 3 / 5**" in text
    assert "| `alpha` | 0 / 2 |" in text and "| `beta` | 3 / 3 |" in text
    assert "### `alpha`: 2 point(s) lost" in text and f"- {HIDDEN_HINT}" in text
    assert "All checks passed" not in text


def test_public_only_feedback_has_no_hidden_hint_and_no_score():
    result = make(tests_=checks(alpha_public=PUBLIC_HINT, alpha_hidden=HIDDEN_HINT,
                               beta_hidden="beta is wrong on the hidden inputs"))
    text = feedback_md(Graded.of(result), public_only=True)
    assert HIDDEN_HINT not in text and "hidden inputs" not in text
    assert "Score" not in text and "point(s) lost" not in text and " / 5" not in text
    assert "| `alpha` | failed |" in text and "| `beta` | none |" in text
    assert "### `alpha`: public check failed" in text and f"- {PUBLIC_HINT}" in text
    assert PUBLIC_ONLY_TEXT in text


def test_public_only_feedback_when_only_hidden_tests_failed():
    text = feedback_md(Graded.of(partial()), public_only=True)
    assert HIDDEN_HINT not in text
    assert "| `alpha` | passed |" in text
    assert "All public checks passed." in text and "All checks passed" not in text


def test_all_checks_passed_only_with_full_marks():
    assert "All checks passed. Well done!" in feedback_md(Graded.of(make()))
    assert "All checks passed" not in feedback_md(Graded.of(partial()))
    short = make()
    short.score = 4.0  # no hint, yet short of full marks: nothing to praise
    assert "All checks passed" not in feedback_md(Graded.of(short))
    assert "All checks passed" not in feedback_md(Graded.of(make(tests_=[])))


def test_the_same_advice_is_given_once():
    same = "\n".join(["alpha returned the wrong shape", HIDDEN_HINT])
    result = make(tests_=[Check("alpha", "a1", True, 0.0, 1.0, HIDDEN_HINT),
                          Check("alpha", "a2", True, 0.0, 1.0, same)])
    assert feedback_md(Graded.of(result)).count(HIDDEN_HINT) == 1


@pytest.mark.parametrize("public_only", [False, True])
def test_grader_failed_feedback_says_so_and_shows_no_score(public_only):
    result = make(status=Status.GRADER_FAILED, tests_=[],
                  message="the grader failed: /srv/hsa/venv is unreadable")
    text = feedback_md(Graded.of(result), public_only=public_only)
    assert GRADER_FAILED_TEXT in text
    assert "Score" not in text and "/srv/hsa" not in text, "the operator's message is not the student's"


@pytest.mark.parametrize("public_only", [False, True])
def test_invalid_feedback_says_what_to_resubmit(public_only):
    result = make(status=Status.INVALID, tests_=[],
                  message="not graded: the file is not a Jupyter notebook: its text is not a notebook's")
    text = feedback_md(Graded.of(result), public_only=public_only)
    assert "could not be graded: the file is not a Jupyter notebook: its text is not a notebook's." in text
    assert "not graded: not graded" not in text
    assert "Resubmit the notebook (.ipynb)" in text
    assert ("**Score: 0 / 5**" in text) is not public_only
    assert "Your notebook ran" not in text


def test_cell_problems_undefined_functions_and_set_aside_files():
    result = make(status=Status.KILLED,
                  cells=[CellProblem(3, "import os", Status.KILLED, "exited with code 3"),
                         CellProblem(5, "while True:", Status.TIMEOUT, "ran past its 10 s budget"),
                         CellProblem(6, "x = 1 / 0", Status.ERROR, "ZeroDivisionError: division by zero")],
                  undefined=["beta"], set_aside=[COPY_SET_ASIDE], identity=Identity(path="ann.ipynb"))
    for text in (feedback_md(Graded.of(result)), feedback_md(Graded.of(result), public_only=True)):
        assert "- Code cell 3 (`import os`) stopped the process (exited with code 3) and was skipped." in text
        assert "- Code cell 5 (`while True:`) ran past its 10 s budget." in text
        assert "- Code cell 6 (`x = 1 / 0`) raised ZeroDivisionError: division by zero." in text
        assert "their tests could not pass: `beta`" in text
        assert "Graded: `ann.ipynb`. Not graded:\n\n- `Copy of ann.ipynb`: fills in 1 graded function(s) where ann.ipynb fills in 2\n" in text
    row = dict(zip(*read_csv(gradebook([result]))))
    assert row["set_aside"] == "Copy of ann.ipynb (fewer_functions: fills in 1 graded function(s) where ann.ipynb fills in 2)"


def test_feedback_footer_names_the_version_and_isolation_but_never_the_seed():
    text = feedback_md(Graded.of(make()))
    assert text.rstrip().endswith("Graded by hsa 0.1.0 at 2026-01-02T03:04:05+00:00, isolation bwrap.")
    assert "seed" not in text and "seed" not in feedback_md(Graded.of(make()), public_only=True)


# ------------------------------------------------------------- results.json
def test_results_json_has_no_top_level_score_and_is_plain_json():
    data = json.loads(json.dumps(results_json(Graded.of(partial()), VISIBILITY)))
    assert "score" not in data
    assert sum(t["score"] for t in data["tests"]) == 3
    assert data["extra_data"]["status"] == "graded"
    assert (data["output_format"], data["visibility"], data["stdout_visibility"]) == \
        ("md", "visible", "hidden")


@pytest.mark.parametrize("status", [Status.GRADED, Status.ERROR, Status.INVALID])
def test_results_json_follows_gradescopes_schema(status):
    result = partial() if status is not Status.INVALID else make(status=status, tests_=[])
    result.status = status
    jsonschema.validate(json.loads(json.dumps(results_json(Graded.of(result), VISIBILITY))), RESULTS_SCHEMA)


@pytest.mark.parametrize("wall_time, expected", [(1.25, 1.25), (None, 0.0), (0, 0.0)])
def test_execution_time_is_always_a_number(wall_time, expected):
    result = partial()
    result.provenance = dataclasses.replace(result.provenance, wall_time_seconds=wall_time)
    assert results_json(Graded.of(result), VISIBILITY)["execution_time"] == expected
    result.provenance = None  # nothing graded: no provenance at all
    assert results_json(Graded.of(result), VISIBILITY)["execution_time"] == 0.0


@pytest.mark.parametrize("visibility", [VISIBILITY, Visibility("after_due_date", "hidden")])
def test_tests_carry_the_configured_visibility(visibility):
    data = results_json(Graded.of(partial()), visibility)
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["alpha - 1 (public)"]["visibility"] == visibility.public
    assert by_name["alpha - 2 (hidden)"]["visibility"] == visibility.hidden
    assert by_name["beta - 1 (hidden)"]["visibility"] == visibility.hidden
    feedback = by_name["Feedback on the whole notebook"]
    assert feedback["visibility"] == visibility.hidden
    assert (feedback["score"], feedback["max_score"]) == (0, 0)


def test_results_json_tests_and_outputs():
    data = results_json(Graded.of(partial()), VISIBILITY)
    by_name = {t["name"]: t for t in data["tests"]}
    hidden = by_name["alpha - 2 (hidden)"]
    assert (hidden["score"], hidden["max_score"], hidden["status"], hidden["output"]) == \
        (0.0, 2.0, "failed", HIDDEN_HINT)
    assert (by_name["beta - 1 (hidden)"]["status"], by_name["beta - 1 (hidden)"]["output"]) == \
        ("passed", "Passed.")
    assert data["output"] == feedback_md(Graded.of(partial()), public_only=True)
    assert by_name["Feedback on the whole notebook"]["output"] == feedback_md(Graded.of(partial()))
    assert HIDDEN_HINT not in data["output"]


def test_read_result_gives_back_the_result(tmp_path):
    result = make(status=Status.ERROR, tests_=checks(alpha_hidden=HIDDEN_HINT),
                  cells=[CellProblem(2, "raise X", Status.ERROR, "X: y")], set_aside=[COPY_SET_ASIDE])
    path = tmp_path / "results.json"
    write_atomic(path, json.dumps(results_json(Graded.of(result), VISIBILITY)))
    back = read_result(path)
    assert back == result
    assert back.status is Status.ERROR and back.cells[0].status is Status.ERROR
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"], "no temporary file left"


def test_summary_line():
    assert summary_line(partial()) == "ann: graded, 3 / 5."
    assert summary_line(make(status=Status.ERROR, message="cell 2 raised")) == \
        "ann: error, 5 / 5. cell 2 raised"


# ------------------------------------------------------------- report.html
def test_report_leaves_what_was_not_graded_out_of_the_scores(tmp_path, monkeypatch):
    """A grader failure and an invalid file are no score: each is counted as a status, not as
    a 0 in the histogram or the mean."""
    drawn = []
    monkeypatch.setattr(report.histogram, "score_histogram_svg",
                        lambda scores, top: drawn.append((scores, top)) or "<svg></svg>")
    results = [make("a"), partial(), make("c", Status.GRADER_FAILED, tests_=[], message="broke"),
               make("d", Status.INVALID, tests_=[], message="not graded: not a notebook")]
    summary = Summary(results, [])
    report.write_report(tmp_path / "report.html", summary, QUESTIONS, "Lab", map(Graded.of, results))
    html = (tmp_path / "report.html").read_text()
    assert drawn == [([5.0, 3.0], 5.0)]
    assert ("4 submission(s): 2 graded, 1 invalid, 1 grader_failed. Mean score 4.00, median 4, "
            "of 5, over the 2 graded (2 not graded left out).") in html
    assert "score: mean 4.00, median 4 (of 5), over the 2 graded; 2 not graded left out" in summary.lines()


def test_gradebook_and_report_tell_a_dependency_from_a_mistake_of_its_own(tmp_path):
    """alpha is wrong; beta is right but lost its point through alpha, which it calls."""
    result = make("dep", tests_=[Check("alpha", "a", True, 0.0, 2.0, "alpha is wrong")])
    beta = Check("beta", "b", True, 0.0, 3.0, "beta raised ValueError")
    beta.calls, beta.reached = ["beta"], {"beta": ["alpha"]}
    result.tests[0].calls = ["alpha"]
    result.tests.append(beta)
    result.questions = {"alpha": QuestionScore(0.0, 2.0), "beta": QuestionScore(0.0, 3.0)}
    row = dict(zip(*read_csv(gradebook([result]))))
    assert row["lost_through_dependency"] == "beta 3"
    report.write_report(tmp_path / "report.html", Summary([result], []), QUESTIONS, "Lab", [Graded.of(result)])
    html = (tmp_path / "report.html").read_text()
    alpha_row = html.split("<code>alpha</code>")[1].split("</tr>")[0]
    beta_row = html.split("<code>beta</code>")[1].split("</tr>")[0]
    assert alpha_row.count('<td class="num">1</td>') == 1  # wrong on its own: 1 submission
    assert beta_row.count('<td class="num">1</td>') == 1 and "0 / 1" in beta_row


def test_not_attempted_is_the_checks_kind_of_hint_not_its_words(tmp_path):
    """A check that says its failure is a placeholder left in counts as not attempted,
    whatever its words; a hint that only mentions None does not."""
    stubbed = make("stub", tests_=[Check("alpha", "a", True, 0.0, 2.0, "any words at all",
                                         kind=HintKind.NOT_ATTEMPTED),
                                   Check("beta", "b", True, 0.0, 3.0, "beta returned None.")])
    report.write_report(tmp_path / "report.html", Summary([stubbed], []), QUESTIONS, "Lab", [Graded.of(stubbed)])
    html = (tmp_path / "report.html").read_text()
    alpha_row = html.split("<code>alpha</code>")[1].split("</tr>")[0]
    beta_row = html.split("<code>beta</code>")[1].split("</tr>")[0]
    assert alpha_row.endswith('<td class="num">0</td><td class="num">0</td><td class="num">1</td>')
    assert beta_row.endswith('<td class="num">1</td><td class="num">0</td><td class="num">0</td>')
    mistakes = html.split("Mistakes the hidden tests recognised")[1]
    assert "beta returned None." in mistakes and "any words at all" not in mistakes


def test_a_cells_error_is_told_from_its_data_line_and_missing_module_included():
    raised = Raised("ModuleNotFoundError", "No module named 'scipy'", 2, "scipy")
    result = make(status=Status.ERROR, cells=[CellProblem(4, "import scipy", Status.ERROR, str(raised), raised)])
    text = feedback_md(Graded.of(result))
    assert ("- Code cell 4 (`import scipy`) raised ModuleNotFoundError at line 2: No module named "
            "'scipy'. Grading does not have `scipy`:") in text
    worded_alike = Raised("ValueError", "No module named 'scipy'", None, "scipy")
    result.cells = [CellProblem(4, "x", Status.ERROR, str(worded_alike), worded_alike)]
    assert "raised ValueError: No module named 'scipy'." in feedback_md(Graded.of(result))
    assert "Grading does not have" not in feedback_md(Graded.of(result))


def test_a_call_the_sandbox_refused_is_explained():
    """A library's flock works on the student's machine and gets EPERM here: the feedback says
    why, and says nothing of the sort for another PermissionError (a file without access)."""
    refused = Raised("PermissionError", "[Errno 1] Operation not permitted", 4, None)
    result = make(status=Status.ERROR, cells=[CellProblem(1, "import fcntl", Status.ERROR,
                                                          str(refused), refused)])
    assert ("- Code cell 1 (`import fcntl`) raised PermissionError at line 4: [Errno 1] Operation "
            "not permitted. Grading refuses some system calls that graded code does not need "
            "(file locks such as `fcntl.flock`,") in feedback_md(Graded.of(result))
    denied = Raised("PermissionError", "[Errno 13] Permission denied: '/etc/shadow'", 2, None)
    result.cells = [CellProblem(1, "open", Status.ERROR, str(denied), denied)]
    assert "Grading refuses" not in feedback_md(Graded.of(result))


def test_grading_a_class_of_version_4_notebooks_never_imports_nbformat(tmp_path):
    """nbformat (and its validator's schemas, 10 MB of the trusted process's peak) is loaded
    only where a notebook must be upgraded or written: not by grading current notebooks."""
    import subprocess
    import sys
    code = ("import sys; from hsa.cli import main; "
            f"code = main(['grade', {str(EXAMPLES / 'alice_correct.ipynb')!r}, '--out', {str(tmp_path / 'out')!r}]); "
            "print(code, 'nbformat' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.split()[-2:] == ["0", "False"], done.stderr[-2000:]


def test_the_reports_mistakes_show_code_as_code(tmp_path):
    """A hint's `code` (a mutant's sentence quotes code) reads as code in report.html, as in
    feedback.html, not with its backticks."""
    result = make("slip", tests_=[Check("beta", "b", True, 0.0, 3.0, "`b_h` is added after `sigmoid`")])
    report.write_report(tmp_path / "report.html", Summary([result], []), QUESTIONS, "Lab", [Graded.of(result)])
    mistakes = (tmp_path / "report.html").read_text().split("Mistakes the hidden tests recognised")[1]
    assert "<code>b_h</code> is added after <code>sigmoid</code>" in mistakes and "`" not in mistakes
