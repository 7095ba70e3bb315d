"""``hsa grade`` on an instructor's machine as it is: an output folder that cannot take the run,
a disk that fills, two runs at once, a run ended by a signal, a zip bomb in a class download,
and a system that refuses bubblewrap its namespaces. Each fault is made for real (a small
tmpfs, a read-only mount, two processes, signals); the message is what the user reads."""

import contextlib
import csv
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from hsa.grade.outdir import room_needed
from hsa.outcomes import Isolation

from hsa.project import ROOT
from hsa_dev.variants import MASTER, STUDENT, variant

HSA = str(pathlib.Path(sys.executable).with_name("hsa"))
REFUSED = "bwrap: setting up uid map: Permission denied"  # Ubuntu 24.04, AppArmor's default

pytestmark = pytest.mark.sandbox


def hsa_grade(*args, tmp, **popen):
    """``hsa grade`` in a process of its own, with a temporary folder of its own (``tmp``)."""
    env = {**os.environ, "TMPDIR": str(tmp), **popen.pop("env", {})}
    return subprocess.Popen([HSA, "grade", *map(str, args)], env=env, stderr=subprocess.PIPE,
                            text=True, **popen)


def finished(run, timeout=240):
    """(exit code, stderr's lines) of a run started by :func:`hsa_grade`."""
    _, err = run.communicate(timeout=timeout)
    return run.returncode, err.splitlines()


def rows(out):
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


def assert_files_agree_with_rows(out):
    """Every student's results.json and feedback.md were written with their row: same seed,
    same score."""
    book = rows(out)
    for name, row in book.items():
        extra = json.loads((out / name / "results.json").read_text())["extra_data"]
        assert (extra["provenance"]["seed"], extra["score"]) == (int(row["seed"]), float(row["score"]))
        assert f"**Score: {row['score']} / 15**" in (out / name / "feedback.md").read_text()


def leftovers(tmp):
    """What a run left in its temporary folder (the sandbox uids' claims are shared state, kept
    by design)."""
    return [name for name in os.listdir(tmp) if name.startswith(("hsa-download-", "hsa-scratch-"))]


@pytest.fixture
def tmp(tmp_path):
    """The runs' temporary folder: empty after every run, whatever ended it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


@contextlib.contextmanager
def tmpfs(where, size, *options):
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs",
                    str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def a_class(folder, count, *cells):
    """``count`` copies of the master, each with ``cells`` appended."""
    folder.mkdir(parents=True)
    for i in range(count):
        variant(folder / f"student{i}.ipynb", append=list(cells))
    return folder


# ------------------------------------------------------------------ the output folder
def test_an_output_folder_that_is_a_file(tmp_path, tmp):
    (tmp_path / "out").write_text("not a folder")
    code, err = finished(hsa_grade(MASTER, "--out", tmp_path / "out", tmp=tmp))
    assert (code, err) == (2, [f"hsa grade: the output folder {tmp_path / 'out'} is a file; pass "
                               "another --out, or move the file away"])


@pytest.mark.root("mounts a read-only tmpfs")
def test_an_output_folder_on_a_read_only_disk(tmp_path, tmp):
    with tmpfs(tmp_path / "ro", "1m", "ro") as disk:
        code, err = finished(hsa_grade(MASTER, "--out", disk / "out", tmp=tmp))
    assert (code, err) == (2, [f"hsa grade: the output folder {disk / 'out'} cannot be written "
                               "(Read-only file system); pass an --out on a disk you can write"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a 0555 folder; CI runs this as "
                    "its ordinary user (the read-only disk above is root's case)")
def test_an_output_folder_without_write_permission(tmp_path, tmp):
    out = tmp_path / "closed"
    out.mkdir(mode=0o555)
    code, err = finished(hsa_grade(MASTER, "--out", out, tmp=tmp))
    assert (code, err) == (2, [f"hsa grade: the output folder {out} cannot be written "
                               "(Permission denied); give yourself write permission there "
                               "(chmod u+w) or pass another --out"])


@pytest.mark.root("mounts a small tmpfs")
def test_a_disk_too_small_for_the_class_is_refused_before_grading(tmp_path, tmp):
    folder = a_class(tmp_path / "class", 3)
    with tmpfs(tmp_path / "small", "1m") as disk:
        code, err = finished(hsa_grade(folder, "--out", disk / "out", tmp=tmp))
        assert list((disk / "out").iterdir()) == []
    assert (code, err) == (2, [f"hsa grade: the output folder {disk / 'out'} has 1.0 MB free, "
                               "and grading 3 submission(s) needs about 2.2 MB; free some space "
                               "there or pass another --out"])


@pytest.mark.root("mounts a small tmpfs")
def test_a_disk_that_fills_stops_the_run_and_the_rerun_completes(tmp_path, tmp):
    folder = a_class(tmp_path / "class", 6)
    with tmpfs(tmp_path / "small", "4m") as disk:
        out = disk / "out"
        run = hsa_grade(folder, "--out", out, "--jobs", "1", tmp=tmp)
        wait_for(lambda: len(list(out.glob("*/results.json"))) >= 1)
        fill(disk / "filler")
        code, err = finished(run)
        safe = sorted(p.parent.name for p in out.glob("*/results.json"))
        assert code == 2 and 1 <= len(safe) < 6
        assert err[-1] == (f"hsa grade: the disk holding {out} is full, so grading stopped; "
                           f"{len(safe)} row(s) are safe in {out}. Free some space there and "
                           "run the same command again to grade the rest")
        assert not [p for p in out.rglob(".*") if p.name not in (".hsa-grade.lock", ".hsa-journal.jsonl")]
        assert len((out / ".hsa-journal.jsonl").read_text().splitlines()) == len(safe)
        leave_free(disk / "filler", room_needed(6 - len(safe)) + (16 << 10))  # room for the rest only
        code, err = finished(hsa_grade(folder, "--out", out, "--jobs", "1", tmp=tmp))
        assert code == 0 and f"6 submission(s), {len(safe)} unchanged and skipped" in err[0]
        assert sorted(rows(out)) == [f"student{i}" for i in range(6)]
        assert_files_agree_with_rows(out)
    assert leftovers(tmp) == []


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def leave_free(filler, free):
    """Shrink ``filler`` until its disk has ``free`` bytes free (less than a whole class needs)."""
    shrink_by = free - shutil.disk_usage(filler.parent).free
    assert shrink_by > 0
    os.truncate(filler, filler.stat().st_size - shrink_by)


def fill(path):
    with open(path, "wb") as handle:
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()


# ------------------------------------------------------------------ two runs at once
def test_two_runs_into_one_folder(tmp_path, tmp, isolation):
    """The second says who holds the folder and exits; with --wait it starts once the first
    is gone, even killed with SIGKILL."""
    loops = variant(tmp_path / "loops.ipynb", append=["while True:\n    pass"])
    out = tmp_path / "out"
    first = hsa_grade(loops, "--out", out, "--timeout", "120", tmp=tmp)
    wait_for(lambda: f"process {first.pid}," in _text(out / ".hsa-grade.lock"))
    code, err = finished(hsa_grade(MASTER, "--out", out, tmp=tmp))
    holder = (out / ".hsa-grade.lock").read_text().strip()
    assert (code, err) == (2, [f"hsa grade: {out} is being written by another hsa grade "
                               f"({holder}); wait for it to finish, or run again with --wait to "
                               "start after it"])
    said = tmp_path / "waiting.txt"
    with open(said, "w") as stderr:
        waiting = subprocess.Popen([HSA, "grade", MASTER, "--out", out, "--wait", "--seed", "3"],
                                   env={**os.environ, "TMPDIR": str(tmp)}, stderr=stderr)
        wait_for(lambda: "waiting" in said.read_text())
        time.sleep(1)
        assert waiting.poll() is None, "it must wait"
        first.kill()
        first.wait()
        assert waiting.wait(timeout=120) == 0
    said = said.read_text().splitlines()
    assert said[0] == (
        f"hsa grade: waiting for the other hsa grade writing into {out} ({holder}) to finish")
    # the killed run's download folder, and its scratch folder where each submission has one
    # on the host (a fresh sandbox; a warm child's scratch is a tmpfs of its own)
    folders = 1 + (not Isolation(isolation).warm)
    assert said[1] == f"hsa grade: removed {folders} temporary folder(s) left by a grader that was killed"
    assert leftovers(tmp) == [], "the killed run's hsa-download-* and hsa-scratch-*"
    assert list(rows(out)) == ["hidden_state_activation"]
    assert_files_agree_with_rows(out)


def _text(path):
    try:
        return path.read_text()
    except OSError:
        return ""


# ------------------------------------------------------------------ signals
@pytest.mark.parametrize("ending", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: s.name)
def test_a_signal_ends_the_run_keeping_its_rows(tmp_path, tmp, ending):
    folder = a_class(tmp_path / "class", 6, "import time\ntime.sleep(1.5)")
    out = tmp_path / "out"
    run = hsa_grade(folder, "--out", out, "--jobs", "1", tmp=tmp)
    wait_for(lambda: len(list(out.glob("*/results.json"))) >= 2)
    sent = time.monotonic()
    run.send_signal(ending)
    code, err = finished(run, timeout=30)
    took = time.monotonic() - sent
    saved = len(list(out.glob("*/results.json")))
    assert code == 128 + ending and took < 5, took
    assert err[-1] == (f"hsa grade: interrupted ({ending.name}); {saved} row(s) saved in {out}. "
                       "Run the same command again to grade the rest.")
    assert leftovers(tmp) == []
    assert len(rows(out)) == saved and 2 <= saved < 6
    assert_files_agree_with_rows(out)
    code, err = finished(hsa_grade(folder, "--out", out, tmp=tmp))
    assert code == 0 and f"6 submission(s), {saved} unchanged and skipped" in err[0]
    assert_files_agree_with_rows(out)
    assert leftovers(tmp) == []


# ------------------------------------------------------------------ a class download
BOMB_BYTES = 600 << 20  # more than the 512 MB a single notebook may be


@pytest.fixture(scope="module")
def class_zip(tmp_path_factory):
    """Two students, a zip bomb named like a third, and members whose paths leave the folder."""
    archive = tmp_path_factory.mktemp("download") / "class.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        out.write(MASTER, "alice.ipynb")
        out.write(STUDENT, "bob.ipynb")
        out.writestr("../evil.ipynb", MASTER.read_bytes())
        out.writestr("/etc/abs.ipynb", MASTER.read_bytes())
        with out.open("carol.ipynb", "w", force_zip64=True) as bomb:
            for _ in range(BOMB_BYTES >> 20):
                bomb.write(bytes(1 << 20))
    return archive


@pytest.mark.root("mounts a small tmpfs as the temporary folder")
def test_a_zip_bomb_in_a_class_download_is_one_invalid_row(class_zip, tmp_path):
    with tmpfs(tmp_path / "tmp", "64m") as tmp:
        code, err = finished(hsa_grade(class_zip, "--out", tmp_path / "out", "--seed", "1", tmp=tmp))
        assert leftovers(tmp) == []
    book = rows(tmp_path / "out")
    assert code == 0
    assert {name: (r["status"], r["score"]) for name, r in book.items()} == {
        "alice": ("graded", "15"), "bob": ("graded", "0"), "carol": ("invalid", "0")}
    assert book["carol"]["message"] == (
        "not graded: carol.ipynb would unpack to 600 MB, more than the 512 MB a notebook may "
        "be; clear its outputs (Edit > Clear All Outputs), save and submit again")
    at = err.index("hsa grade: set aside, not unpacked and no student's (2):")
    assert err[at + 1:at + 3] == [
        "hsa grade:   class.zip/../evil.ipynb (its path climbs out of the download (..))",
        "hsa grade:   class.zip//etc/abs.ipynb (its path is absolute)"]


# ------------------------------------------------------------------ no sandbox here
@pytest.fixture
def refusing_bwrap(tmp_path):
    """A PATH whose bwrap fails as Ubuntu 24.04's does for an ordinary user."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text(f"#!/bin/sh\necho '{REFUSED}' >&2\nexit 1\n")
    os.chmod(fake / "bwrap", 0o755)
    return {"PATH": f"{fake}:{os.environ['PATH']}"}


def test_user_namespaces_refused_says_what_to_do(refusing_bwrap, tmp):
    code, err = finished(hsa_grade(MASTER, tmp=tmp, env=refusing_bwrap))
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith(f"hsa grade: bubblewrap cannot start a sandbox here ({REFUSED}): ")
    for choice in ("sudo sysctl -w ", "run hsa grade as root", "pass --allow-unsandboxed, which "
                   "runs student code as you, without isolation"):
        assert choice in err[0]


def test_user_namespaces_refused_skips_the_sandbox_tests_saying_why(refusing_bwrap):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "tests/test_assignment.py::test_master_gets_full_marks_and_stub_zero"],
                          cwd=ROOT, env={**os.environ, **refusing_bwrap}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout
    assert f"bubblewrap cannot start a sandbox here ({REFUSED})" in done.stdout


def test_no_bubblewrap_says_where_hsa_grade_works(tmp_path, tmp):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, err = finished(hsa_grade(MASTER, tmp=tmp, env={"PATH": str(empty)}))
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("hsa grade: bubblewrap (bwrap) is not installed")
    assert "on Linux, in WSL2 on Windows, or in a Linux container" in err[0]
    assert "pass --allow-unsandboxed" in err[0]


# ------------------------------------------------------------------ plain words
@pytest.mark.root("process-user isolation runs the worker as a user of its own, with unshare")
def test_a_python_under_tmp_hidden_by_the_private_tmp_is_named(tmp_path):
    """The grading venv under /tmp: process-user's private /tmp hides it from the worker, and
    the preflight says so (not that the Python is unreadable)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3.*/site-packages"))
    (site / "hsa.pth").write_text("\n".join(p for p in sys.path if p.endswith(("site-packages", "src"))))
    done = subprocess.run([str(venv / "bin" / "python"), "-c", "from hsa.sandbox.preflight import "
                           "preflight; from hsa.trusted import autograder; "
                           "preflight('process-user', autograder.load().budgets)"], capture_output=True, text=True)
    assert str(venv).startswith("/tmp/") and done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith(
        "The Python that grades is under /tmp, which the sandbox replaces with a private /tmp of "
        "its own (process-user isolation with unshare), so the worker cannot see it: install it "
        "(or its venv) outside /tmp, say under /opt.")


def test_otters_output_is_quoted_from_the_start_of_a_line():
    from hsa.assign import tail
    text = "".join(f"line {i}: This test compares the hidden state\n" for i in range(200))
    quoted = tail(text, 1000)
    assert quoted.startswith("…\nline ") and text.endswith(quoted[2:]) and len(quoted) <= 1002
    assert tail("short\n") == "short\n"


DETACHED = ("import subprocess, sys\n"
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', '{marker}'],\n"
            "                 start_new_session=True)\n")


def test_a_detached_process_holding_the_output_does_not_hang_the_grader(tmp_path):
    """Where the worker shares the grader's uid (``process``: Coursera's container, or
    --allow-unsandboxed), a process it detached keeps the worker's output pipe open; ending
    the sandbox must not wait for it (it hung for good before: a close under the reader's lock)."""
    marker = f"hsa-detached-{os.getpid()}"
    notebook = variant(tmp_path / "detached.ipynb", append=[DETACHED.format(marker=marker)], base=STUDENT)
    done = subprocess.run([sys.executable, "-c", (
        "import sys; from hsa.trusted import autograder; from hsa.trusted.grader import grade_file\n"
        "from hsa.outcomes import Isolation\n"
        f"r = grade_file({str(notebook)!r}, 'x', autograder.load(), 1, Isolation.PROCESS)\n"
        "print(r.status, r.score)")], capture_output=True, text=True, timeout=120)
    try:
        assert done.stdout.split() == ["graded", "0.0"], done.stderr[-2000:]
    finally:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError):
                if marker.encode() in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(int(pid), signal.SIGKILL)
