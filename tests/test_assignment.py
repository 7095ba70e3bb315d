"""The assignment itself: master, student notebook, autograder zip, and their regeneration."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import TOTAL
from nbclient import NotebookClient

from hsa.assign import PLATFORM_FOLDERS, regenerate
from hsa.project import CONSTRAINTS, DEFAULT, ROOT
from hsa.trusted.autograder import read_config
from hsa_dev.variants import MASTER, STUDENT

ZIP = DEFAULT.zip
GRADED = read_config().questions

pytestmark = pytest.mark.sandbox


def execute(path, tmp_path):
    """Run a notebook top to bottom in a fresh kernel, in a copy of the student's folder."""
    shutil.copytree(ROOT / "assignments", tmp_path, dirs_exist_ok=True)
    (tmp_path / STUDENT.name).write_bytes(pathlib.Path(path).read_bytes())
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook


def outputs(notebook):
    text = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text.append(output.get("text", "") or json.dumps(output.get("data", {})))
    return "\n".join(text)


def test_master_gets_full_marks_and_stub_zero(grade):
    master, stub = grade(MASTER), grade(STUDENT)
    assert (master.status, master.score, master.max_score) == ("graded", TOTAL, TOTAL)
    assert (stub.status, stub.score) == ("graded", 0)
    assert all(t.hint for t in stub.tests), "every check must fail on the stub"


@pytest.mark.parametrize("notebook, expected", [(MASTER, TOTAL), (STUDENT, 0.0)], ids=["master", "stub"])
def test_otter_run_with_committed_zip(tmp_path, notebook, expected):
    otter = pathlib.Path(sys.executable).with_name("otter")
    done = subprocess.run([str(otter), "run", "-a", str(ZIP), str(notebook), "-o", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    scored = [t for t in results["tests"] if "score" in t]
    assert sorted(t["name"] for t in scored) == sorted(GRADED)
    assert sum(t["score"] for t in scored) == expected
    assert sum(t["max_score"] for t in scored) == TOTAL


def test_regeneration_matches_committed_files(tmp_path):
    """Regenerating from the master gives the committed files, byte for byte."""
    notebook, archive = regenerate(MASTER, tmp_path, run_tests=False)
    assert archive.read_bytes() == ZIP.read_bytes(), "autograder zip drifted: run `hsa assign`"
    committed = sorted(p.relative_to(ROOT / "assignments") for p in (ROOT / "assignments").rglob("*") if p.is_file())
    generated = sorted(p.relative_to(tmp_path / "assignments") for p in (tmp_path / "assignments").rglob("*") if p.is_file())
    assert generated == committed
    for relative in committed:
        assert (tmp_path / "assignments" / relative).read_bytes() == (ROOT / "assignments" / relative).read_bytes(), \
            f"assignments/{relative} drifted from the master: run `hsa assign`"
    for platform in PLATFORM_FOLDERS:  # Coursera's and PrairieLearn's folders, modes included
        assert tree(tmp_path / "autograder" / platform) == tree(ROOT / "autograder" / platform), \
            f"autograder/{platform}/ drifted from the master: run `hsa assign`"


def tree(folder):
    """Every file under ``folder``: relative path -> (bytes, executable)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), os.access(p, os.X_OK))
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_shipped_grading_requirements_are_those_of_constraints_txt():
    """The package carries what grading needs, pinned (hsa assign finds it wherever hsa is
    installed); it must say what constraints.txt and the installed metadata say."""
    from hsa_dev.requirements import SHIPPED, grading_requirements
    assert SHIPPED.read_text() == grading_requirements(CONSTRAINTS), \
        "run .venv/bin/python -m hsa_dev.requirements"


def test_stub_runs_top_to_bottom_without_raising(tmp_path):
    notebook = execute(STUDENT, tmp_path)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert "returned None" in outputs(notebook), "the public checks should say what to fill in"


def test_master_shows_the_lectures_245s(tmp_path):
    notebook = execute(MASTER, tmp_path)
    text = outputs(notebook)
    assert text.count("[[245]\n [245]\n [245]]") == 2, "both formulas print [[245], [245], [245]]"
    assert "Results are the same : True" in text
    assert "Results after activation are the same : True" in text
