"""Warm sandboxes: children of one zygote cannot reach each other, nor the next child.

Each test probes one of the study's seven requirements (../shared/studies/warm-sandbox):
without that requirement, the probe gets through. A child here is a WarmSandbox whose
cells define ``probe``; calling it returns what the child saw. Children of one zygote
are siblings (a pool of that one zygote); "the next child" starts after one was ended.
Run for each warm level this machine allows (as root: bwrap+zygote and
process-user+zygote; as a user: bwrap+zygote where unprivileged user namespaces work).
"""

import functools
import os
import pathlib
import signal
import threading
import time

import pytest

import catalogue
import probe
from conftest import SEED
from hsa.exceptions import ZygoteUnavailable
from hsa.outcomes import Isolation, Status
from hsa.sandbox import cgroup, command, warm
from hsa.sandbox.command import Limits
from hsa.sandbox.session import Budgets, Session
from hsa.trusted.autograder import read_config
from hsa.trusted.grader import grade_file
from hsa.untrusted import protocol

pytestmark = pytest.mark.sandbox
BUDGETS = Budgets.of(read_config().settings)  # the master's, as the autograder holds them


@functools.lru_cache(maxsize=None)
def unavailable(isolation):
    """Why a zygote of ``isolation`` cannot be used here (None when it can)."""
    if isolation is Isolation.PROCESS_USER_ZYGOTE and os.geteuid() != 0:
        return "process-user+zygote is the fallback of a root grader"
    try:
        zygote = warm.ZygoteProcess(isolation, Limits())
    except (ZygoteUnavailable, OSError) as error:
        return f"no zygote of {isolation} here: {error}"
    zygote.close()
    return None


LEVELS = [pytest.param(level, marks=pytest.mark.skipif(unavailable(level) is not None,
                                                       reason=str(unavailable(level))))
          for level in (Isolation.BWRAP_ZYGOTE, Isolation.PROCESS_USER_ZYGOTE)]


class OneZygote:
    """A pool that gives the same zygote to every sandbox: its children are siblings."""

    def __init__(self, zygote):
        self.zygote = zygote

    def take(self, isolation, limits):
        return self.zygote

    def give(self, zygote, restart_every):
        pass


@pytest.fixture(params=LEVELS, ids=str)
def family(request):
    """``start(code)``: a started child of one zygote, running ``code`` as its only cell."""
    zygote = warm.ZygoteProcess(request.param, Limits())
    pool, children = OneZygote(zygote), []

    def start(code):
        child = warm.WarmSandbox(request.param, Limits(), pool=pool)
        child.start()
        children.append(child)
        child.send({"cells": [code], "skip": [], "names": ["probe"]})
        while child.receive(time.monotonic() + 30).get("event") != "ready":
            pass
        return child
    yield start
    for child in children:
        child.kill()
    zygote.close()


def call(child, *args):
    """What ``probe(*args)`` returned in ``child``."""
    child.send({"call": "probe", "args": [protocol.encode(a) for a in args]})
    reply = child.receive(time.monotonic() + 30)
    assert "error" not in reply, reply
    return protocol.decode(reply["value"])


LISTS = """
import os
def probe(*folders):
    return sorted(f"{d}/{n}" for d in folders for n in os.listdir(d))
"""

WRITES = LISTS + """
for folder in ("/tmp", "/dev/shm", os.getcwd()):
    with open(f"{folder}/secret-of-a", "w") as f:
        f.write("a's")
"""


def grading_python_in_tmp():
    """What of the grader's own Python shows in a child's fresh /tmp: the folder on the way
    to it, mounted again read-only, when the grader runs from under /tmp (a clone there, as
    CI's may be). It is the grader's, the same in every child, and nobody's files."""
    return sorted({"/tmp/" + path.split("/")[2]
                   for path in warm.under(command.python_mounts(), ["/tmp"])})


def test_a_siblings_and_a_predecessors_files_are_out_of_sight(family):
    """Fresh tmpfs on /tmp, /dev/shm and the scratch folder in every child."""
    own = grading_python_in_tmp()
    a = family(WRITES)
    assert call(a, "/tmp", "/dev/shm", ".") == sorted(
        ["./secret-of-a", "/dev/shm/secret-of-a", "/tmp/secret-of-a", *own])
    sibling = family(LISTS)
    assert call(sibling, "/tmp", "/dev/shm", ".") == own
    a.kill()
    assert call(family(LISTS), "/tmp", "/dev/shm", ".") == own


PTY = """
import os
def probe():
    return sorted(os.listdir("/dev/pts"))
"""


def test_a_siblings_pty_is_out_of_sight(family):
    """A devpts instance of its own: the pty another child holds open is not listed."""
    a = family(PTY + "\nheld = os.openpty()\n")
    assert call(a) == ["0", "ptmx"]
    assert call(family(PTY)) == ["ptmx"]


REMOUNT = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def probe():
    MS_REMOUNT, MS_BIND = 32, 4096
    code = libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND, None)
    errno = ctypes.get_errno() if code else 0
    try:
        open("/planted", "w").close()
        planted = True
    except OSError:
        planted = False
    read_only = bool(os.statvfs("/").f_flag & os.ST_RDONLY)
    return [code, errno, planted, read_only, sorted(os.listdir("/"))]
"""


def test_no_child_can_remount_the_root_or_plant_a_file_there(family):
    """Every inherited mount read-only, every capability dropped, no_new_privs."""
    code, errno, planted, read_only, listing = call(family(REMOUNT))
    assert (code, errno, planted, read_only) == (-1, 1, False, True)  # EPERM
    assert "planted" not in listing
    assert "planted" not in call(family(REMOUNT))[4]


CHAIN = """
import os, time
def chain(depth):
    # each link forks the next and exits unwaited: orphans, reaped only by PID 1 (a link
    # waits a little for the reaper when the limit is reached for a moment)
    try:
        for _ in range(depth):
            for _ in range(100):
                try:
                    if os.fork():
                        os._exit(0)
                    break
                except BlockingIOError:
                    time.sleep(0.01)
    finally:
        os._exit(0)
def zombies():
    found = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found += "State:\\tZ" in open(f"/proc/{pid}/status").read()
        except OSError:
            pass
    return found
def probe():
    for _ in range(6):
        pid = os.fork()
        if pid == 0:
            chain(10)
        os.waitpid(pid, 0)
    time.sleep(0.3)
    forked = 0
    for _ in range(10):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        forked += 1
    return [zombies(), forked, os.getpid()]
"""


def test_a_reaping_pid_1_leaves_no_zombie_to_use_up_the_process_limit(family):
    """60 orphans from fork chains, with a limit of 16 processes: all reaped, the worker
    can still fork, and it runs as PID 2 of a pid namespace of its own."""
    assert call(family(CHAIN)) == [0, 10, 2]


BOMB = """
import os, time
def probe():
    children = 0
    while children < 200:
        try:
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        except OSError:
            break
        children += 1
    return children
"""

FORKS = """
import os
def probe():
    pids = []
    for _ in range(5):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return len(pids)
"""


def test_a_fork_bomb_stops_at_its_own_limit_and_stops_no_other_submission(family, request):
    """The limit of 16 processes is set inside each child (and, as root, by the zygote's
    cgroup, which holds one submission at a time): a bomb stops another job's submission
    no more than the next one of its own zygote."""
    bomb = family(BOMB)
    assert call(bomb) == Limits().processes - 2  # P1 and the worker count too
    level = request.node.callspec.params["family"]
    other_job = warm.ZygoteProcess(level, Limits())
    try:
        beside = warm.WarmSandbox(level, Limits(), pool=OneZygote(other_job))
        beside.start()
        beside.send({"cells": [FORKS], "skip": [], "names": ["probe"]})
        while beside.receive(time.monotonic() + 30).get("event") != "ready":
            pass
        assert call(beside) == 5
        beside.kill()
    finally:
        other_job.close()
    bomb.kill()
    assert call(family(FORKS)) == 5


DAEMON = """
import os, signal, time
def probe():
    return os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with open("/proc/self/comm", "w") as comm:
            comm.write("hsawarmdaemon")
        time.sleep(60)
    os._exit(0)
"""


def test_ending_a_child_kills_the_daemon_it_left(family):
    """One SIGKILL to P1, waited for until reaped: nothing of the child is left."""
    child = family(DAEMON)
    deadline = time.monotonic() + 10
    while not daemons() and time.monotonic() < deadline:  # it starts after the cell ends
        time.sleep(0.02)
    assert daemons() != [], "the daemon did not start"
    child.kill()
    assert daemons() == []


def daemons():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if pathlib.Path(f"/proc/{pid}/comm").read_text().strip() == "hsawarmdaemon":
                found.append(pid)
        except OSError:
            pass
    return found


RNG = """
import numpy as np
def probe():
    return [float(x) for x in np.random.random(3)]
"""


def test_each_child_draws_its_own_random_numbers(family):
    """numpy's global RNG is copied by fork: each child reseeds it."""
    draws = [call(family(RNG)) for _ in range(3)]
    assert len({tuple(d) for d in draws}) == 3


HOG = """
import os, time
import numpy as np
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = np.ones(900_000_000 // 8)  # 900 MB, every page touched
        time.sleep(10)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""


@pytest.mark.skipif(cgroup.kind() is None, reason="no cgroup can be made here (not root, or a "
                    "read-only cgroup filesystem): rlimits bound each submission instead")
def test_a_submission_is_stopped_at_its_memory_cap_and_the_next_is_graded(autograder, tmp_path):
    """Six children of 900 MB each: 5.4 GB without the cap; with it, the cell is stopped at
    2 GiB for all of them together, and the rest of the notebook is graded."""
    isolation = Isolation.BWRAP_ZYGOTE
    hog = catalogue.build(catalogue.Attack("hog", "", HOG, "last", base="master"),
                          tmp_path / "hog.ipynb", probe.new_marker())
    result = grade_file(hog, "hog", autograder, SEED, isolation)
    assert result.status is Status.KILLED
    assert "went over the submission's memory cap of 2048 MiB, all its processes together" in result.message
    assert result.provenance.submission_cap == f"cgroup {cgroup.kind()}: 2048 MiB and 16 processes"
    assert result.provenance.budgets_count == "CPU time (cgroup), wall time 3x at most"
    honest = catalogue.build(catalogue.Attack("honest", "", "pass\n", "last", base="master"),
                             tmp_path / "honest.ipynb", probe.new_marker())
    again = grade_file(honest, "honest", autograder, SEED, isolation)
    assert (again.status, again.score) == (Status.GRADED, catalogue.FULL_MARKS)


@pytest.fixture
def pool(monkeypatch):
    """The grader's pool of zygotes, empty for this test and emptied after it."""
    fresh = warm.Pool()
    monkeypatch.setattr(warm, "POOL", fresh)
    yield fresh
    fresh.close_all()


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_a_cell_that_kills_its_worker_restarts_from_the_same_zygote(pool, level):
    session = Session(["import os\nos._exit(3)\n", "def probe():\n    return 7\n"], ["probe"], level,
                      BUDGETS)
    try:
        session.start()
        assert session.call("probe", []) == 7
    finally:
        session.stop()
    assert session.restarts == 1
    assert session.events[0].status is Status.KILLED and "exited with code 3" in session.events[0].message
    assert [zygote.served for zygote in pool._idle] == [2]


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_a_zygote_is_replaced_after_restart_every_submissions(pool, level):
    pids = []
    for _ in range(3):
        session = Session(["x = 1\n"], [], level, BUDGETS, restart_every=2)
        session.start()
        pids.append(session.sandbox.zygote.process.pid)
        session.stop()
    assert pids[0] == pids[1] != pids[2]
    assert [zygote.served for zygote in pool._idle] == [1]


@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_a_dead_zygote_is_replaced_and_nothing_is_charged(pool, level):
    """bwrap's --die-with-parent ends a zygote with the thread that started it (a job's
    thread, between two runs of hsa grade in one process): the next submission gets a new one."""
    first = Session(["x = 1\n"], [], level, BUDGETS)
    first.start()
    zygote = first.sandbox.zygote
    first.stop()
    os.killpg(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait()
    second = Session(["x = 1\n"], [], level, BUDGETS)
    try:
        second.start()
        assert second.sandbox.zygote is not zygote and second.events == {}
    finally:
        second.stop()


@pytest.mark.skipif(cgroup.kind() is None, reason="no cgroup can be made here (not root, or a "
                    "read-only cgroup filesystem)")
def test_cgroups_left_by_a_grader_that_is_gone_are_swept():
    """A grader that ends with os._exit (Ctrl-C) leaves its zygotes' cgroups; the next
    grader removes the empty ones whose grader is gone, and only those."""
    import subprocess
    gone = subprocess.Popen(["true"])
    gone.wait()
    mine = cgroup.Cgroup(cgroup.kind(), 64 << 20, 4)
    parent = mine.tops["memory"].parent
    left = parent / f"hsa-{gone.pid}-0"
    for folder in (left, left / cgroup.ZYGOTE, left / cgroup.SUBMISSION):
        folder.mkdir()
    try:
        cgroup.sweep(parent)
        assert not left.exists() and mine.tops["memory"].exists()
    finally:
        mine.remove()
        for folder in (left / cgroup.ZYGOTE, left / cgroup.SUBMISSION, left):
            if folder.exists():
                folder.rmdir()


def test_a_python_under_a_covered_folder_is_mounted_again_by_its_folders(tmp_path):
    """A venv under /tmp whose interpreter is a file there (the Gradescope harness's copy):
    what a child mounts again is folders only, none inside another."""
    home = tmp_path / "python"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "python3.11").write_text("")
    site = home / "lib" / "site-packages"
    site.mkdir(parents=True)
    paths = [str(home), str(home / "bin" / "python3.11"), str(site), "/usr/lib/python3"]
    assert warm.under(paths, ["/tmp"]) == [str(home)]
    assert warm.under([str(home / "bin" / "python3.11")], ["/tmp"]) == [str(home / "bin")]


@pytest.mark.skipif(os.geteuid() == 0, reason="as root each child has a uid of its own: the "
                    "grader's own threads count only against an ordinary user")
@pytest.mark.parametrize("level", LEVELS[:1], ids=str)
def test_an_ordinary_users_own_threads_leave_room_for_a_zygote(level):
    """RLIMIT_NPROC counts every thread of the user: 300 of the grader's own (a browser's,
    a kernel's) once stopped bubblewrap from starting a zygote ("Creating new namespace
    failed: Resource temporarily unavailable")."""
    stop = threading.Event()
    threads = [threading.Thread(target=stop.wait) for _ in range(300)]
    for thread in threads:
        thread.start()
    try:
        zygote = warm.ZygoteProcess(level, Limits())
        zygote.close()
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def cgroup2_mount():
    """Where a cgroup v2 hierarchy is mounted here (alone, or beside v1's), or None."""
    for line in pathlib.Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split(" - ")
        if len(fields) == 2 and fields[1].split()[0] == "cgroup2":
            return pathlib.Path(fields[0].split()[4])
    return None


@pytest.mark.root("makes a cgroup")
@pytest.mark.skipif(cgroup2_mount() is None, reason="no cgroup v2 hierarchy is mounted here")
def test_a_child_forked_into_a_v2_cgroup_is_born_there():
    """What a zygote does on v2 (clone3 with CLONE_INTO_CGROUP, through ctypes): the child
    runs Python as after os.fork, and is in the cgroup from its first instruction."""
    from hsa.untrusted import kernel
    own = next(line.split(":", 2)[2] for line in pathlib.Path("/proc/self/cgroup").read_text()
               .splitlines() if line.startswith("0::"))
    folder = cgroup2_mount() / own.lstrip("/") / f"hsa-test-{os.getpid()}"
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        pid = kernel.fork_into(fd)
        if pid == 0:
            inside = pathlib.Path("/proc/self/cgroup").read_text().endswith(f"/{folder.name}\n")
            os._exit(0 if inside else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
        folder.rmdir()


def test_a_zygote_that_resets_or_cuts_its_reply_short_is_unavailable_never_an_exception():
    """What the grader saw when the OOM killer took a zygote: recv on its socket raised
    ConnectionResetError (the zygote died with a request unread). That, a reply cut short
    and a closed socket are each ZygoteUnavailable, which the sandbox turns into the
    child's outcome or a new zygote."""
    import socket
    import tempfile
    zygote = warm.ZygoteProcess.__new__(warm.ZygoteProcess)  # its socket and log only: no process
    zygote.sock, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    zygote._log = tempfile.TemporaryFile()
    try:
        peer.send(b'{"status": 9')
        with pytest.raises(ZygoteUnavailable, match="unreadable"):
            zygote._receive(1)
        zygote.sock.send(b'{"op": "end"}')  # a request the zygote never reads
        peer.close()
        with pytest.raises(ZygoteUnavailable, match="Connection reset by peer"):
            zygote._receive(1)
        with pytest.raises(ZygoteUnavailable, match="stopped answering"):
            zygote._receive(1)
    finally:
        zygote.sock.close()
        zygote._log.close()
