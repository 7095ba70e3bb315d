"""The master as an Otter user meets it: stock ``otter assign`` and ``otter run``, without hsa.

``otter assign`` (Otter 7.0.0, as its documentation says to call it) makes the student
notebook and Otter's own autograder zip from a copy of ``solutions/``; ``otter run`` grades
with that zip in the student's kernel, without our sandbox: the master gets 15, the stub 0,
and a catalogue mistake loses the points of the tests it fails.
"""

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from hsa.project import SOLUTIONS
from hsa_dev.catalogue import build, read_case
from hsa_dev.variants import MASTER

pytestmark = pytest.mark.sandbox  # runs otter assign (every test against the master) and otter run

OTTER = str(pathlib.Path(sys.executable).with_name("otter"))
CATALOGUE = pathlib.Path(__file__).parent / "catalogue" / "mistakes"
FULL = {"join_weights": 2, "join_state_and_input": 2, "formula_1": 2, "formula_2": 3,
        "sigmoid": 3, "hidden_state": 3}  # the master's points per question, 15 in all


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """What stock ``otter assign`` writes for a copy of ``solutions/``."""
    work = tmp_path_factory.mktemp("otter-assign")
    shutil.copytree(SOLUTIONS, work / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([OTTER, "assign", "-v", f"solutions/{MASTER.name}", "dist"], cwd=work,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "All autograder tests passed" in done.stderr  # -v: it says it ran them on the master
    return work / "dist"


def otter_run(dist, notebook, out):
    """``otter run`` with stock Otter's zip: the points per question in its results.json."""
    (archive,) = (dist / "autograder").glob("*-autograder_*.zip")
    out.mkdir()
    done = subprocess.run([OTTER, "run", "-a", str(archive), str(notebook), "-o", str(out)],
                          capture_output=True, text=True, cwd=out, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    tests = json.loads((out / "results.json").read_text())["tests"]
    return {t["name"]: t["score"] for t in tests if "score" in t}


def test_otter_assign_accepts_the_master_and_ships_the_checks(dist):
    autograder = {p.name for p in (dist / "autograder").iterdir()}
    assert {"public_checks.py", "hidden_checks.py"} <= autograder
    assert {p.name for p in (dist / "student").iterdir()} == {MASTER.name, "public_checks.py"}
    (archive,) = (dist / "autograder").glob("*-autograder_*.zip")
    listed = set(subprocess.run(["unzip", "-Z1", str(archive)], capture_output=True, text=True,
                                check=True).stdout.split())
    assert {"files/public_checks.py", "files/hidden_checks.py"} <= listed
    assert {f"tests/{question}.py" for question in FULL} <= listed


def test_otter_run_gives_the_master_15_and_the_stub_0(dist, tmp_path):
    assert otter_run(dist, MASTER, tmp_path / "master") == FULL
    assert otter_run(dist, dist / "student" / MASTER.name, tmp_path / "stub") == \
        dict.fromkeys(FULL, 0)


def test_otter_run_takes_a_catalogue_mistake_s_points(dist, tmp_path):
    """The bias added after the sigmoid fails all three of hidden_state's hidden tests
    (values, a batch, a batch of the lecture's integers with a float bias)."""
    notebook = build(read_case(CATALOGUE / "hidden_state_bias_outside.py", "mistakes"), tmp_path)
    assert otter_run(dist, notebook, tmp_path / "mistake") == {**FULL, "hidden_state": 0}
