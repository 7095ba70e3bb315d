"""The committed autograder zip, run as Gradescope runs it: its setup.sh, then run_autograder."""

import os
import pathlib
import shutil
import subprocess
import tempfile
import zipfile

import jsonschema
import pytest

from conftest import TOTAL
from gradescope_schema import RESULTS_SCHEMA
from hsa.project import DEFAULT, ROOT
from hsa.sandbox.uids import PROBE_UID
from hsa.exceptions import HarnessError
from hsa_dev.harness import SYSTEM_PYTHON, Harness, find_pythons, minor_version
from hsa_dev.variants import MASTER, STUDENT, variant
from hsa.writers.graded import Graded

ZIP = DEFAULT.zip

pytestmark = pytest.mark.sandbox

NO_NAMESPACES = [  # Gradescope as bubblewrap finds it, and as a container without namespaces
    pytest.param(False, id="bwrap", marks=pytest.mark.bwrap),
    pytest.param(True, id="no-namespaces", marks=pytest.mark.root(
        "without namespaces, Gradescope's fallback runs the worker as a user of its own, "
        "which only root can do")),
]

PROVENANCE = {"autograder_content_sha256", "package_version", "submission_sha256", "seed",
              "isolation", "wall_time_seconds", "timestamp"}
LEAK = "def ref_formula_1"  # a line of the hidden checks that the hostile notebook prints


def test_the_leak_probe_is_in_the_hidden_checks():
    with zipfile.ZipFile(ZIP) as archive:
        assert LEAK in archive.read("files/hidden_checks.py").decode()


SANDBOX_UID = PROBE_UID  # the uid setup.sh checks with (60999), never a submission's
WHICH = "import os, sys; print(sys.version, sys.prefix, os.__file__)"
PYTHONS = find_pythons()


def as_sandbox_user(*argv):
    """Run ``argv`` as the sandbox's unprivileged user, as the process-user isolation does."""
    return subprocess.run(["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}",
                           "--clear-groups", *map(str, argv)], capture_output=True, text=True,
                          cwd="/")


def readable_by_sandbox_user(python):
    """Can the sandbox's user read this interpreter's standard library?"""
    stdlib_file = subprocess.run([str(python), "-c", "import os; print(os.__file__)"],
                                 capture_output=True, text=True, check=True).stdout.strip()
    return as_sandbox_user("cat", stdlib_file).returncode == 0


@pytest.fixture(scope="module")
def set_up():
    """setup.sh, run once per Python under its own temporary Gradescope root, shared by the
    tests. The roots lie in a folder that, like /autograder, every user can traverse
    (pytest's own tmp_path is root-only, which would hide the venv from the fallback
    sandbox's unprivileged user)."""
    top = pathlib.Path(tempfile.mkdtemp(prefix="hsa-harness-"))
    os.chmod(top, 0o755)
    harnesses = {}

    def harness_for(python):
        if python not in harnesses:
            harnesses[python] = Harness(ZIP, top / f"root-{len(harnesses)}", python)
            harnesses[python].setup()
        return harnesses[python]

    yield harness_for
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def harness(set_up):
    return set_up(SYSTEM_PYTHON if SYSTEM_PYTHON.exists() else None)


@pytest.fixture(scope="module")
def hostile(harness, tmp_path_factory):
    """The stub plus a cell that forges the results, reads the hidden checks and patches numpy."""
    results, source = harness.root / "results", harness.root / "source"
    cell = f"""
import json, os, glob, numpy as np
for path in ["{results}/results.json", "/autograder/results/results.json"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        json.dump({{"score": 100, "tests": []}}, open(path, "w"))
    except OSError as error:
        print("forge failed:", error)
for path in glob.glob("{source}/**/*.py", recursive=True):
    try:
        print(open(path).read())
    except OSError as error:
        print("read failed:", error)
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
"""
    return variant(tmp_path_factory.mktemp("hostile") / "hostile.ipynb", append=[cell], base=STUDENT)


@pytest.fixture(scope="module")
def filtered_only(tmp_path_factory):
    """The master, whose sigmoid goes wrong unless the system-call filter refuses a file lock:
    full marks prove the filter on the child as Gradescope runs it (the provenance only says
    what the grader meant to load)."""
    cell = """
import fcntl, tempfile
_sigmoid = sigmoid
try:
    with tempfile.TemporaryFile() as f:
        fcntl.flock(f, fcntl.LOCK_EX)
    def sigmoid(z):  # no filter here: cost this notebook its points
        return _sigmoid(z) + 1
except PermissionError:
    pass
"""
    return variant(tmp_path_factory.mktemp("filtered") / "filtered.ipynb", append=[cell], base=MASTER)


@pytest.mark.parametrize("without_bwrap", NO_NAMESPACES)
def test_master_full_marks_stub_zero_hostile_honest(harness, hostile, filtered_only, without_bwrap):
    expected_isolation = "process-user" if without_bwrap else "bwrap+zygote"
    for notebook, score in ((MASTER, TOTAL), (STUDENT, 0), (hostile, 0), (filtered_only, TOTAL)):
        results, _ = harness.run(notebook, without_bwrap=without_bwrap)
        jsonschema.validate(results, RESULTS_SCHEMA)
        assert total(results) == score, (notebook.name, results["output"][:2000])
        provenance = results["extra_data"]["provenance"]
        assert PROVENANCE <= set(provenance)
        assert provenance["isolation"] == expected_isolation
        assert provenance["network_reachable"] is without_bwrap  # no namespace at all there
        assert provenance["syscall_filter"].startswith("seccomp, EPERM for keyrings")
        assert len(provenance["autograder_content_sha256"]) == 64
        assert results["extra_data"]["status"] == "graded", results["extra_data"]["message"]
        text = results["output"] + results["extra_data"]["output"]
        assert LEAK not in text, "the hidden checks leaked into the output"


def test_visibility_follows_the_masters_config(harness):
    results, _ = harness.run(STUDENT)
    hidden = [t for t in results["tests"] if "(hidden)" in t["name"]]
    public = [t for t in results["tests"] if "(public)" in t["name"]]
    assert hidden and public
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in public} == {"visible"}
    assert results["output_format"] == "md" and "# Feedback" in results["output"]


def total(results):
    """The score Gradescope shows: the top-level score, else the sum of the tests'."""
    return results.get("score", sum(t["score"] for t in results["tests"]))


# ------------------------------------------------------------- what a student sees
def seen_by_student(results, published):
    """The text and scores Gradescope shows a student, before or after publication
    (stdout is hidden; a test shows when its visibility allows)."""
    shown = {"visible"} | ({"after_published"} if published else set())
    tests = [t for t in results["tests"] if t.get("visibility", "visible") in shown]
    text = "\n".join([results.get("output", "")] + [t["output"] for t in tests])
    return text, [t["score"] for t in tests]


def test_student_sees_no_hidden_hint_nor_score_before_publication(grade, autograder):
    from hsa.writers.results import results_json
    result = grade(ROOT / "examples" / "submissions" / "bob_partial.ipynb")
    results = results_json(Graded.of(result), autograder.visibility)
    # Whole hints: a hidden test's advice line may be the public check's (the same mistake
    # reads the same before and after submission); what it says beyond that must not show.
    public_hints = {t.hint.strip() for t in result.tests if not t.hidden and t.hint}
    hidden_hints = {t.hint.strip() for t in result.tests if t.hidden and t.hint} - public_hints
    assert hidden_hints, "the example must fail hidden tests for this test to mean anything"
    before, scores = seen_by_student(results, published=False)
    assert [h for h in hidden_hints if h in before] == []
    assert set(scores) == {0} and "Score:" not in before and "score" not in results
    assert results["stdout_visibility"] == "hidden"
    after, scores = seen_by_student(results, published=True)
    assert hidden_hints <= {h for h in hidden_hints if h in after}
    assert sum(scores) == result.score == 4 and f"**Score: {result.score:g} / {TOTAL:g}**" in after


def test_several_files_grade_the_one_named_like_the_assignment(harness):
    results, _ = harness.run(MASTER, (STUDENT, "Copy of hidden_state_activation.ipynb"),
                             (ROOT / "README.md", "notes.md"))
    assert total(results) == TOTAL
    feedback = next(t["output"] for t in results["tests"] if t["name"].startswith("Feedback"))
    assert "Graded: `hidden_state_activation.ipynb`" in feedback
    assert ("`Copy of hidden_state_activation.ipynb`: fills in 0 graded function(s) where "
            "hidden_state_activation.ipynb fills in 6") in feedback
    assert "`notes.md`: not a notebook" in feedback


@pytest.mark.root("the worker must run as a user of its own, one that cannot read a folder "
                  "closed to others; an ordinary user's sandbox runs as that user")
@pytest.mark.parametrize("without_bwrap", NO_NAMESPACES)
def test_a_broken_sandbox_is_the_graders_failure_not_a_zero(harness, without_bwrap):
    """With a Python the sandbox user cannot read, run_autograder fails (Gradescope shows
    the instructor a failed run) and writes no results.json: no 0 for the student."""
    venv = harness.root / "venv"
    mode = venv.stat().st_mode
    os.chmod(venv, 0o700)
    try:
        with pytest.raises(HarnessError) as failed:
            harness.run(MASTER, without_bwrap=without_bwrap)
    finally:
        os.chmod(venv, mode)
    assert "preflight failed" in str(failed.value) and "readable" in str(failed.value)
    assert not (harness.root / "results" / "results.json").exists()


CHAIN = "import os, time\nwhile True:\n    time.sleep(0.002)\n    if os.fork():\n        os._exit(0)\n"
LEFTOVERS = '''
import os, subprocess, sys
subprocess.Popen(["sleep", "300", "{marker}"], start_new_session=True)  # detached
subprocess.Popen([sys.executable, "-c", {chain!r}, "{marker}"], start_new_session=True)
open("/tmp/hsa-leftover-{marker}", "w").write("x")
try:  # there is no /var inside bubblewrap
    os.makedirs("/var/tmp/hsa-leftover-{marker}", exist_ok=True)
except OSError:
    pass
'''


@pytest.mark.parametrize("without_bwrap", NO_NAMESPACES)
def test_nothing_outlives_run_autograder(harness, tmp_path, without_bwrap):
    """A fork chain (a new child every 2 ms, its parent exits), a detached process and
    files in the shared temporary folders: none is left once run_autograder returns."""
    marker = f"m{os.getpid()}x{int(without_bwrap)}"
    notebook = variant(tmp_path / "hidden_state_activation.ipynb",
                       append=[LEFTOVERS.format(marker=marker, chain=CHAIN)])
    results, _ = harness.run(notebook, without_bwrap=without_bwrap)
    assert results["extra_data"]["cells"] == [], "the cell must run, else it tests nothing"
    assert processes_with(marker) == []
    assert [p for p in ("/tmp", "/var/tmp") for name in os.listdir(p) if marker in name] == []


def processes_with(marker):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.root("Gradescope runs the autograder as root; the fallback isolation and "
                  "setup.sh's checks need root")
@pytest.mark.parametrize("python", PYTHONS, ids=lambda p: f"{minor_version(p)}:{p}")
def test_every_python_builds_and_grades(set_up, python):
    """On every Python found, setup.sh builds an image the sandbox's user can run (copying an
    interpreter that user cannot read), with only what grading needs; the master gets full
    marks and the stub 0, with bubblewrap and in the process-user fallback."""
    readable = readable_by_sandbox_user(python)
    if str(python).startswith("/root/"):  # pyenv's, say: the case this test must cover
        assert not readable, f"{python} is readable by the sandbox's user: /root is not closed"
    harness = set_up(python)

    venv_python = harness.root / "venv" / "bin" / "python"
    copy = harness.root / "python"
    assert copy.exists() is not readable, "setup.sh must copy exactly the unreadable interpreters"
    if not readable:
        assert f"home = {copy}/bin" in (harness.root / "venv" / "pyvenv.cfg").read_text()
    as_root = subprocess.run([str(venv_python), "-E", "-s", "-c", WHICH + "; import numpy"],
                             capture_output=True, text=True, check=True).stdout
    assert as_sandbox_user(venv_python, "-E", "-s", "-c", WHICH + "; import numpy").stdout == as_root

    check = subprocess.run([str(venv_python), "-m", "pip", "check"], capture_output=True, text=True)
    broken = [line for line in check.stdout.splitlines() if line.strip()
              and not line.startswith(("otter-grader ", "hidden-state-activation "))]
    assert broken == [], "requirements.txt is not a complete dependency closure"
    installed = subprocess.run([str(venv_python), "-m", "pip", "list", "--format=freeze"],
                               capture_output=True, text=True, check=True).stdout.lower()
    assert "pandas==" not in installed and "sphinx==" not in installed

    scores = {}
    for notebook in (MASTER, STUDENT):
        for without_bwrap in (False, True):
            results, _ = harness.run(notebook, without_bwrap=without_bwrap)
            provenance = results["extra_data"]["provenance"]
            assert provenance["syscall_filter"].startswith("seccomp, EPERM for keyrings")
            isolation = provenance["isolation"]
            scores[notebook.parent.name, isolation] = total(results), results["extra_data"]["status"]
    assert scores == {("solutions", "bwrap+zygote"): (TOTAL, "graded"),
                      ("solutions", "process-user"): (TOTAL, "graded"),
                      ("assignments", "bwrap+zygote"): (0, "graded"),
                      ("assignments", "process-user"): (0, "graded")}


@pytest.mark.root("pyenv's Pythons live under /root")
def test_ci_covers_gradescopes_default_python():
    """CI runs the test above on Python 3.10 (python3 of Gradescope's default image, Ubuntu
    22.04) and on at least one interpreter that the sandbox's user cannot read."""
    if not os.environ.get("CI"):
        pytest.skip("CI only: there, pyenv provides Python 3.10 to 3.13")
    assert "3.10" in {minor_version(p) for p in PYTHONS}, (
        f"no Python 3.10 among {PYTHONS}: install it (pyenv install 3.10) so that the zip is "
        "tested on the Python of Gradescope's default image")
    assert not all(map(readable_by_sandbox_user, PYTHONS)), (
        "every Python here is readable by the sandbox's user, so setup.sh's copy of an "
        "unreadable interpreter is not tested")
