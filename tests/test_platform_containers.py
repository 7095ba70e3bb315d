"""Coursera's and PrairieLearn's contracts, run here before release: each committed image
built over a Debian base (no Docker daemon, no registry) and run as its platform runs it
(hsa_dev.platform_runs), on the example submissions, a looping one and a hostile one.

Where podman cannot run (an ordinary user), the same image's filesystem runs under
bubblewrap; each run's ``how`` says which, and the isolation expected follows it.
"""

import json
import os
import re
import shutil

import pytest

from conftest import SEED, TOTAL
from hsa.project import EXAMPLES
from hsa.platforms.limits import COURSERA_FEEDBACK_BYTES, PRAIRIELEARN_RESULTS_BYTES
from hsa.writers.feedback import feedback_md
from hsa.writers.graded import Graded
from hsa_dev.platform_runs import PRAIRIELEARN_FOLDER, on_coursera, on_prairielearn
from hsa_dev.variants import MASTER, STUDENT, variant

pytestmark = [pytest.mark.sandbox, pytest.mark.container]

LOOP = "while True:\n    pass\n"
LEAK = "def ref_formula_1"  # a line of the hidden checks
PROBE = r'''
import ctypes, glob, json, subprocess, sys
found = {"secret": sorted(glob.glob("/grader/secret/*") + glob.glob("/grade/tests/*")
                          + glob.glob("/grade/serverFilesCourse/**/*", recursive=True))}
for path in ("/proc/1/mem", "/proc/1/environ", "/grade/results/results.json"):
    try:
        open(path, "rb").read(16)
        found[path] = "read"
    except OSError as error:
        found[path] = type(error).__name__
found["ptrace"] = ctypes.CDLL(None, use_errno=True).ptrace(16, 1, 0, 0) == 0  # PTRACE_ATTACH
import fcntl, tempfile
try:
    with tempfile.TemporaryFile() as f:
        fcntl.flock(f, fcntl.LOCK_EX)
    found["flock"] = "allowed"
except OSError as error:
    found["flock"] = type(error).__name__
FORGED = '{"fractionalScore": 1.0, "feedback": "forged", "gradable": true, "score": 1.0}'
FORGE = """
import time
while True:
    for path in ("/shared/feedback.json", "/shared/htmlFeedback.html", "/grade/results/results.json"):
        try:
            open(path, "w").write(FORGED)
        except OSError:
            pass
    time.sleep(0.005)
"""
subprocess.Popen([sys.executable, "-c", "FORGED = " + repr(FORGED) + FORGE], start_new_session=True)
raise RuntimeError("PROBE " + json.dumps(found))
'''


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    return {"master": MASTER, "stub": EXAMPLES / "carol_stub.ipynb",
            "partial": EXAMPLES / "bob_partial.ipynb",
            "unreadable": EXAMPLES / "frank_not_a_notebook.ipynb",
            "loop": variant(folder / "loops.ipynb", append=[LOOP]),
            "hostile": variant(folder / "hostile.ipynb", append=[PROBE], base=STUDENT)}


def _graded(platform, submissions, tmp_path_factory):
    runs = {}
    for name, notebook in submissions.items():
        work = tmp_path_factory.mktemp(f"{platform.__name__}-{name}")
        os.chmod(work, 0o755)  # the container's user must reach its mounts
        runs[name] = platform(notebook, work, env={"HSA_SEED": str(SEED)})
    return runs


@pytest.fixture(scope="module")
def coursera(submissions, tmp_path_factory):
    return _graded(on_coursera, submissions, tmp_path_factory)


@pytest.fixture(scope="module")
def prairielearn(submissions, tmp_path_factory):
    return _graded(on_prairielearn, submissions, tmp_path_factory)


def expected_isolation(run, as_root):
    """bubblewrap cannot start in either container (Docker's profile refuses its namespaces):
    a root grader runs the student's code as a user of its own, a user's grader as itself."""
    return "process-user" if as_root and run.how == "podman" else "process"


def without_footer(markdown):
    return markdown.split("\n---\n")[0]


def probe(text):
    return json.loads(re.search(r"PROBE (\{.*?\})(?:\.|\n|$)", text).group(1))


@pytest.fixture(scope="module")
def local(submissions, autograder, isolation):
    """What ``hsa grade`` gives the same files with the same seed."""
    from hsa.trusted.grader import grade_file
    return {name: grade_file(path, path.name, autograder, SEED, isolation)
            for name, path in submissions.items() if name in ("master", "stub", "partial")}


def test_coursera_scores_each_submission_as_hsa_grade_does(coursera, local):
    for name, graded in coursera.items():
        assert graded.run.returncode == 0, (name, graded.run.how, graded.run.stderr[-2000:])
        assert graded.run.stdout.strip().splitlines()[-1] == json.dumps(graded.output), \
            "stdout must carry the feedback JSON alone, as its last line"
        assert len(graded.html.encode()) <= COURSERA_FEEDBACK_BYTES
        assert graded.output["feedbackType"] == "HTML"
    for name, result in local.items():
        feedback = coursera[name].output
        assert feedback["fractionalScore"] == round(result.score / TOTAL, 6), name
        assert without_footer(feedback["feedback"]) == without_footer(feedback_md(Graded.of(result))), \
            f"{name}: the feedback (root causes included) must be hsa grade's"
    assert [coursera[n].output["fractionalScore"] for n in ("master", "stub", "partial")] == \
        [1.0, 0.0, round(4 / TOTAL, 6)]
    unreadable = coursera["unreadable"].output
    assert unreadable["fractionalScore"] == 0.0
    assert unreadable["feedback"].startswith("Not graded: the file is not a Jupyter notebook")
    assert "submit the .ipynb file you worked in" in unreadable["feedback"]


def test_prairielearn_scores_each_submission_as_hsa_grade_does(prairielearn, local):
    for name, graded in prairielearn.items():
        assert graded.run.returncode == 0, (name, graded.run.how, graded.run.stderr[-2000:])
        assert len(json.dumps(graded.output).encode()) <= PRAIRIELEARN_RESULTS_BYTES
    for name, result in local.items():
        results = prairielearn[name].output
        assert results["gradable"] is True and results["score"] == round(result.score / TOTAL, 6)
        assert {t["name"]: [t["points"], t["max_points"]] for t in results["tests"]} == \
            {question: list(points) for question, points in result.questions.items()}
        assert without_footer(results["message"]) == without_footer(feedback_md(Graded.of(result))), name
    partial = {t["name"]: t for t in prairielearn["partial"].output["tests"]}
    assert partial["formula_1"]["message"].startswith("Lost through `join_state_and_input`")
    unreadable = prairielearn["unreadable"].output
    assert unreadable["gradable"] is False and "score" not in unreadable
    assert unreadable["format_errors"][0].startswith("the file is not a Jupyter notebook")


@pytest.mark.parametrize("platform", ["coursera", "prairielearn"])
def test_a_loop_gets_its_timeout_row_within_the_platforms_timeout(platform, request):
    graded = request.getfixturevalue(platform)["loop"]
    text, score = said(platform, graded)
    assert "ran past" in text and "while True:" in text, text[-1500:]
    assert score == 1.0, "the other cells are graded as usual"


def said(platform, graded):
    """The feedback a student reads on ``platform``, and the score it gives."""
    if platform == "coursera":
        return graded.output["feedback"], graded.output["fractionalScore"]
    return graded.output["message"], graded.output["score"]


@pytest.mark.parametrize("platform", ["coursera", "prairielearn"])
def test_hostile_code_neither_reads_the_tests_nor_forges_the_output(platform, request):
    graded = request.getfixturevalue(platform)["hostile"]
    text, score = said(platform, graded)
    found = probe(text)
    assert found["secret"] == [], "the autograder must be gone before student code runs"
    assert found["/proc/1/mem"] != "read" and found["/proc/1/environ"] != "read"
    assert found["ptrace"] is False, "the grader must not be traceable by the student's code"
    assert found["flock"] == "PermissionError", "the system-call filter must hold in the container"
    assert found["/grade/results/results.json"] != "read"
    assert score == 0.0 and "forged" not in json.dumps(graded.output)
    assert LEAK not in json.dumps(graded.output) + (graded.html or "")
    if platform == "coursera":
        assert "Feedback on" in graded.html and "forged" not in graded.html


@pytest.mark.parametrize("platform", ["coursera", "prairielearn"])
def test_the_container_gets_the_isolation_its_platform_allows(platform, request):
    graded = request.getfixturevalue(platform)["master"]
    as_root = platform == "prairielearn"
    isolation = (graded.output["hsa_result"]["provenance"]["isolation"] if as_root else
                 re.search(r"isolation ([\w+-]+)\.", graded.output["feedback"]).group(1))
    assert isolation == expected_isolation(graded.run, as_root), graded.run.how
    assert graded.written_after is not None and graded.written_after <= graded.run.seconds


def test_prairielearn_grader_failure_is_a_failed_job_not_a_zero(tmp_path):
    """Without the autograder (the question names no serverFilesCourse), the job fails:
    no results.json and a non-zero exit, which PrairieLearn does not count against anyone."""
    question = tmp_path / "question"
    for part in ("image", "questions"):
        shutil.copytree(PRAIRIELEARN_FOLDER / part, question / part)
    info = next((question / "questions").iterdir()) / "info.json"
    data = json.loads(info.read_text())
    data["externalGradingOptions"]["serverFilesCourse"] = []
    info.write_text(json.dumps(data))
    os.chmod(tmp_path, 0o755)
    graded = on_prairielearn(MASTER, tmp_path / "work", folder=question)
    assert graded.run.returncode not in (0, None) and graded.output is None
    assert "expected one autograder zip" in graded.run.stderr
