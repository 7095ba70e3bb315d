"""What the Coursera and PrairieLearn adapters write for a Result, within each platform's
size limit (fast: no sandbox, no container; tests/test_platform_containers.py runs them)."""

import json

from hsa.outcomes import Status
from hsa.platforms.core import clear_for_output
from hsa.platforms.coursera.run import coursera_feedback
from hsa.platforms.limits import COURSERA_FEEDBACK_BYTES, PlatformLimits, coursera, prairielearn
from hsa.settings import Settings
from hsa.platforms.prairielearn.run import prairielearn_results
from hsa.trusted.result import NOT_GRADED, Result
from hsa.trusted.result import TestResult as Case  # (not a pytest class)
from hsa.writers.graded import Graded

QUESTIONS = {"join_weights": (0.0, 2.0), "sigmoid": (3.0, 3.0)}


def result(status=Status.GRADED, hint="", output=""):
    tests = [Case("join_weights", f"join_weights {i}", hidden=bool(i % 2), score=0.0, max_score=1.0,
                  hint=f"{hint}join_weights case {i} is wrong.", calls=["join_weights"]) for i in range(2)]
    tests.append(Case("sigmoid", "sigmoid 0", hidden=False, score=3.0, max_score=3.0))
    return Result("alice.ipynb", status, score=3.0, max_score=5.0, questions=dict(QUESTIONS),
                  tests=tests, output=output)


def test_coursera_scores_a_fraction_with_html_feedback():
    feedback, page, shortened = coursera_feedback(Graded.of(result()))
    assert feedback["fractionalScore"] == 0.6 and feedback["feedbackType"] == "HTML"
    assert not shortened and "<h1>Feedback on alice.ipynb</h1>" in page
    assert "join_weights case 0 is wrong." in page and "join_weights case 0 is wrong." in feedback["feedback"]


def test_coursera_shortens_feedback_over_64_kb_and_says_where_the_rest_is():
    big = result(hint="x" * 50_000)
    feedback, page, shortened = coursera_feedback(Graded.of(big))
    assert shortened and len(page.encode()) <= COURSERA_FEEDBACK_BYTES
    assert "This feedback is shortened" in page and "can read the whole of it in this grading" in page
    assert "x" * 2000 + " …" in page, "each hint keeps its start"
    assert len(feedback["feedback"].encode()) <= COURSERA_FEEDBACK_BYTES
    assert feedback["fractionalScore"] == 0.6, "shortening changes wording, never the score"


def test_an_unreadable_file_scores_0_on_coursera_and_is_not_gradable_on_prairielearn():
    invalid = Result("notes.ipynb", Status.INVALID, max_score=5.0, questions=dict(QUESTIONS),
                     message=f"{NOT_GRADED}the file is not a Jupyter notebook; submit the .ipynb file")
    feedback, _, _ = coursera_feedback(Graded.of(invalid))
    assert feedback["fractionalScore"] == 0.0
    assert feedback["feedback"] == "Not graded: the file is not a Jupyter notebook; submit the .ipynb file."
    results = prairielearn_results(invalid)
    assert results["gradable"] is False and "score" not in results
    assert results["format_errors"] == ["the file is not a Jupyter notebook; submit the .ipynb file."]


def test_prairielearn_gives_a_test_per_question_with_its_points():
    results = prairielearn_results(result(output="printed\n"))
    assert results["gradable"] is True and results["score"] == 0.6 and results["output"] == "printed\n"
    assert [(t["name"], t["points"], t["max_points"]) for t in results["tests"]] == \
        [("join_weights", 0.0, 2.0), ("sigmoid", 3.0, 3.0)]
    assert results["tests"][0]["message"] == "join_weights case 0 is wrong.\njoin_weights case 1 is wrong."
    assert results["tests"][1]["message"] == "Passed."
    assert results["hsa_result"]["output"] == "", "the student's output is written once"


def test_prairielearn_results_stay_within_1_mb():
    results = prairielearn_results(result(output="y" * 3_000_000))
    assert len(json.dumps(results).encode()) <= 1024 * 1024
    assert results["output"].endswith("(cut to fit PrairieLearn's 1 MB)") and results["score"] == 0.6


def test_a_submission_budget_fits_inside_the_platforms_timeout():
    """Three budgets (re-runs after a skipped cell) and the start-up fit in the timeout."""
    assert coursera(Settings()).submission_budget(60, 10) == 60
    default = Settings().prairielearn.timeout_seconds
    assert prairielearn(default).submission_budget(60, 10) == 5.0  # (30 - 10 - 5) / 3
    assert prairielearn(120).submission_budget(60, 10) == 35.0  # (120 - 10 - 5) / 3
    assert PlatformLimits(2048, 0.9, 600).submission_budget(60, 10) == 60
    assert PlatformLimits(2048, 0.9, 12).submission_budget(60, 10) == 1.0  # never below 1 s


def test_what_student_code_planted_where_the_output_goes_is_removed(tmp_path):
    (tmp_path / "feedback.json").mkdir()
    (tmp_path / "feedback.json" / "x").write_text("planted")
    (tmp_path / "htmlFeedback.html").symlink_to("/etc/passwd")
    clear_for_output(tmp_path / "feedback.json", tmp_path / "htmlFeedback.html", tmp_path / "absent")
    assert list(tmp_path.iterdir()) == []
