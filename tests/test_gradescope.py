"""The committed autograder zip, run as Gradescope runs it: its setup.sh, then run_autograder."""

import os
import pathlib
import shutil
import tempfile

import jsonschema
import pytest

from hsa.harness import Harness
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


@pytest.fixture(scope="module")
def harness():
    """Gradescope's /autograder, under a temporary root that, like /autograder, every user
    can traverse (pytest's own tmp_path is root-only, which would hide the venv from the
    fallback sandbox's unprivileged user)."""
    top = pathlib.Path(tempfile.mkdtemp(prefix="hsa-harness-"))
    os.chmod(top, 0o755)
    harness = Harness(ZIP, top / "autograder")
    harness.setup()
    yield harness
    shutil.rmtree(top, ignore_errors=True)


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
