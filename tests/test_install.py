"""hsa as an instructor installs it: ``pip install`` into a fresh virtual environment outside
the clone, then a second lab (no hsa.yml) assigned, graded and handed back from folders of
the instructor's, with no file of the clone in reach and no message pointing into the
installed package."""

import csv
import shutil
import subprocess
import sys
import zipfile

import pytest

from hsa.assign import SETTINGS_NAME
from hsa.project import CONSTRAINTS, ROOT, SOLUTIONS

pytestmark = [pytest.mark.sandbox, pytest.mark.bwrap]

NAME = "rnn_lab"


def run(command, cwd, **kwargs):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with hsa installed from a copy of the clone (not editable): the
    copy is deleted once installed, so nothing can reach back into a source tree."""
    home = tmp_path_factory.mktemp("instructor")
    source = home / "hsa-source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", "grading-output", "tests", "build"))
    venv = home / "venv"
    run([sys.executable, "-m", "venv", str(venv)], home)
    # the pins keep the test's versions those of the suite; a plain `pip install` works too
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(CONSTRAINTS), str(source)], home)
    shutil.rmtree(source)
    return home, venv / "bin" / "hsa"


@pytest.fixture(scope="module")
def lab(installed):
    """``course/solutions/rnn_lab.ipynb`` (the master renamed, no hsa.yml), assigned by the
    installed hsa from another folder."""
    home, hsa = installed
    solutions = home / "course" / "solutions"
    solutions.mkdir(parents=True)
    for source in SOLUTIONS.iterdir():
        if source.is_file() and source.name != SETTINGS_NAME:
            target = solutions / source.name.replace("hidden_state_activation", NAME)
            target.write_text(source.read_text())
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    said = run([str(hsa), "assign", str(solutions / f"{NAME}.ipynb")], elsewhere)
    assert "site-packages" not in said
    return home / "course", hsa, said


def test_assign_writes_the_lab_beside_its_master(lab):
    course, _, said = lab
    student = course / "assignments" / f"{NAME}.ipynb"
    archive = course / "autograder" / f"{NAME}-autograder.zip"
    assert f"wrote {student}" in said and f"wrote {archive}" in said
    for platform in ("coursera", "prairielearn"):
        assert f"wrote {course / 'autograder' / platform}/" in said
        assert (course / "autograder" / platform).is_dir()
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
    assert {"setup.sh", "run_autograder", "requirements.txt", "hsa_config.json"} <= set(names)
    assert any(n.endswith(".whl") for n in names)


def test_grade_and_hand_back_from_the_course_folder(lab, tmp_path):
    """In the course folder, ``hsa grade`` finds ./autograder/'s zip by itself; a Canvas
    download gets its grades and feedback back."""
    course, hsa, _ = lab
    download = tmp_path / "submissions"
    download.mkdir()
    shutil.copy(course / "solutions" / f"{NAME}.ipynb", download / f"ann_11_101_{NAME}.ipynb")
    shutil.copy(course / "assignments" / f"{NAME}.ipynb", download / f"bob_12_102_{NAME}.ipynb")
    out = tmp_path / "out"
    said = run([str(hsa), "grade", str(download), "--out", str(out), "--seed", "3"], course)
    assert "site-packages" not in said
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert (rows["11"]["status"], rows["11"]["score"]) == ("graded", "15")
    assert (rows["12"]["status"], rows["12"]["score"]) == ("graded", "0")
    with zipfile.ZipFile(out / "canvas-feedback.zip") as handed:
        assert len(handed.namelist()) == 2


def test_without_a_zip_or_submissions_it_says_what_to_pass(lab, tmp_path):
    course, hsa, _ = lab
    archive = course / "autograder" / f"{NAME}-autograder.zip"
    for command, words in ((["grade", "x.ipynb"], "pass --autograder PATH"),
                           (["grade", "--autograder", str(archive)], "name what to grade"),
                           (["assign"], "name the master notebook")):
        done = subprocess.run([str(hsa), *command], cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode != 0 and words in done.stderr, done.stderr
        assert "site-packages" not in done.stderr and "Traceback" not in done.stderr
