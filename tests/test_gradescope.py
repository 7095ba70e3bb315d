"""The committed autograder zip, run as Gradescope runs it: its setup.sh, then run_autograder."""

import os
import pathlib
import shutil
import subprocess
import tempfile

import jsonschema
import pytest

from hsa.harness import SYSTEM_PYTHON, Harness, find_pythons, minor_version
from variants import MASTER, ROOT, STUDENT, variant

ZIP = ROOT / "autograder" / "hidden_state_activation-autograder.zip"

# Gradescope's results.json, as its autograder specification describes it.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "tests", "extra_data"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "output", "visibility"],
            "properties": {
                "name": {"type": "string"}, "score": {"type": "number"},
                "max_score": {"type": "number"}, "output": {"type": "string"},
                "status": {"enum": ["passed", "failed"]}, "visibility": VISIBILITY,
            },
        }},
    },
}
PROVENANCE = {"autograder_content_sha256", "package_version", "submission_sha256", "seed",
              "isolation", "wall_time_seconds", "timestamp"}


SANDBOX_UID = 60999  # the uid setup.sh checks with, one of hsa.sandbox.SANDBOX_UIDS
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


@pytest.mark.parametrize("without_bwrap", [False, True], ids=["bwrap", "no-namespaces"])
def test_master_full_marks_stub_zero_hostile_honest(harness, hostile, without_bwrap):
    expected_isolation = "process-user" if without_bwrap else "bwrap"
    for notebook, score in ((MASTER, 15), (STUDENT, 0), (hostile, 0)):
        results, _ = harness.run(notebook, without_bwrap=without_bwrap)
        jsonschema.validate(results, RESULTS_SCHEMA)
        assert results["score"] == score, (notebook.name, results["output"][:2000])
        provenance = results["extra_data"]["provenance"]
        assert PROVENANCE <= set(provenance)
        assert provenance["isolation"] == expected_isolation
        assert len(provenance["autograder_content_sha256"]) == 64
        assert results["extra_data"]["status"] in ("graded", "error")
        text = results["output"] + results["extra_data"]["output"]
        assert "def ref_formula_1" not in text, "the hidden checks leaked into the output"


def test_visibility_follows_the_masters_config(harness):
    results, _ = harness.run(STUDENT)
    hidden = [t for t in results["tests"] if "(hidden)" in t["name"]]
    public = [t for t in results["tests"] if "(public)" in t["name"]]
    assert hidden and public
    assert {t["visibility"] for t in hidden} == {"after_published"}
    assert {t["visibility"] for t in public} == {"visible"}
    assert results["output_format"] == "md" and "# Feedback" in results["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs the autograder as root; the "
                    "fallback isolation and setup.sh's checks need root")
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
            isolation = results["extra_data"]["provenance"]["isolation"]
            scores[notebook.parent.name, isolation] = results["score"], results["extra_data"]["status"]
    assert scores == {("solutions", "bwrap"): (15, "graded"),
                      ("solutions", "process-user"): (15, "graded"),
                      ("assignments", "bwrap"): (0, "graded"),
                      ("assignments", "process-user"): (0, "graded")}


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
