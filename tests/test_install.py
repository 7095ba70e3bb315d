"""hsa as an instructor installs it: ``pip install`` into a fresh virtual environment outside
the clone, or ``pipx install``, then a second lab (no hsa.yml) assigned, graded and handed
back from folders of the instructor's, with no file of the clone in reach and no message
pointing into the installed package."""

import csv
import os
import shlex
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


@pytest.fixture(scope="module", params=["pip", "pipx"])
def installed(request, tmp_path_factory):
    """hsa installed from a copy of the clone (not editable), by ``pip`` into a fresh virtual
    environment or by ``pipx``: the copy is deleted once installed, so nothing can reach back
    into a source tree. (hsa, its home folder.)"""
    home = tmp_path_factory.mktemp(f"instructor-{request.param}")
    source = home / "hsa-source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", "grading-output", "tests", "build"))
    # the pins keep the test's versions those of the suite; a plain install works too
    pins = ["--quiet", "--disable-pip-version-check", "-c", str(CONSTRAINTS)]
    if request.param == "pip":
        hsa = _venv(home / "venv", pins + [str(source)]) / "hsa"
    else:
        if sys.version_info < (3, 11):
            pytest.skip("pipx 1.18 needs Python 3.11 or newer (the pip case covers this Python)")
        pipx = _venv(home / "tools", pins + ["pipx"]) / "pipx"
        places = {"PIPX_HOME": home / "pipx", "PIPX_BIN_DIR": home / "bin", "PIPX_MAN_DIR": home / "man"}
        run([str(pipx), "install", "--pip-args", shlex.join(pins), str(source)], home,
            env=dict(os.environ, **{k: str(v) for k, v in places.items()}))
        hsa = home / "bin" / "hsa"
    shutil.rmtree(source)
    return home, hsa


def _venv(folder, install):
    """A fresh virtual environment at ``folder`` with ``install`` (pip's arguments); its bin/."""
    run([sys.executable, "-m", "venv", str(folder)], folder.parent)
    run([str(folder / "bin" / "python"), "-m", "pip", "install", *install], folder.parent)
    return folder / "bin"


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
