"""A user of its own for each sandbox (when grading as root), and killing its processes.

The process limit counts processes per uid, and a uid's processes may signal each
other, so two sandboxes must never share one, even across grader processes.
"""

import fcntl
import os
import pathlib
import random
import shutil
import subprocess
import tempfile
import time

from ..exceptions import SandboxUnavailable
from . import command

SANDBOX_UIDS = range(60000, 61000)
PROBE_UID = 60999  # used only to test whether a sandbox can start, never for a submission
LOCKS = pathlib.Path(tempfile.gettempdir()) / "hsa-sandbox-uids"
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")


class Claim:
    """A claimed uid; the flock on its lock file holds the claim until :meth:`release`."""

    def __init__(self, uid: int, lock_fd: int) -> None:
        self.uid, self._lock = uid, lock_fd

    def release(self) -> None:
        """Kill every process of the uid, delete its files in the shared temporary
        folders, then give the uid back."""
        kill_user(self.uid)
        remove_files_of(self.uid)
        self.give_back()

    def give_back(self) -> None:
        """Give the uid back as it is: only once nothing of it can be left (a warm child's
        pid namespace reaped, its files on tmpfs mounts that are gone with it)."""
        os.close(self._lock)


def claim() -> Claim:
    """Claim a sandbox uid that no live sandbox uses.

    A uid that still owns a process (say, one a previous grader left behind) is skipped.
    """
    LOCKS.mkdir(mode=0o700, exist_ok=True)
    busy = process_owners()
    start = random.randrange(len(SANDBOX_UIDS) - 1)
    for offset in range(len(SANDBOX_UIDS) - 1):
        uid = SANDBOX_UIDS[(start + offset) % (len(SANDBOX_UIDS) - 1)]  # never PROBE_UID
        if uid in busy:
            continue
        lock = os.open(LOCKS / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return Claim(uid, lock)
        except BlockingIOError:
            os.close(lock)
    raise SandboxUnavailable(f"all {len(SANDBOX_UIDS)} sandbox uids are in use; "
                             "wait for other graders to finish")


def kill_user(uid: int, wait: float = 5.0) -> list[int]:
    """SIGKILL every process of ``uid`` until none is left (at most ``wait`` seconds).

    The signal is sent by a process running *as* ``uid`` with ``kill(-1, SIGKILL)``: the
    kernel delivers that to every process of the uid while holding the task list, so a
    fork chain cannot slip a new child past it, and a process that re-parented itself
    to init (detached, reaped or not) is reached all the same. Killing bwrap tears its
    PID namespace down asynchronously; waiting here means no student process outlives
    the grade, and the uid is free before another sandbox claims it. Returns the pids
    still alive (none, unless ``wait`` ran out).
    """
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid in pids() if owner(pid) == uid]
        if not alive or time.monotonic() >= deadline:
            return alive
        subprocess.run(command.setpriv(uid) + ["/bin/kill", "-9", "-1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.02)


def remove_files_of(uid: int, folders: tuple[str, ...] = SHARED_TMP) -> None:
    """Delete what ``uid`` left in the shared temporary folders (without namespaces the
    sandbox can write there). Run after :func:`kill_user`, so nothing writes meanwhile."""
    for folder in folders:
        for path in _owned(pathlib.Path(folder), uid):
            try:
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            except OSError:
                pass


def _owned(folder: pathlib.Path, uid: int) -> list[pathlib.Path]:
    """Top-level entries of ``folder`` owned by ``uid`` (a folder of theirs goes whole)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    owned = []
    for path in entries:
        try:
            if path.lstat().st_uid == uid:
                owned.append(path)
        except OSError:
            pass
    return owned


def process_owners() -> set[int]:
    """Every uid that owns a process (zombies included), from the owners of /proc's
    folders: one stat each, where reading every status file cost 29 ms a claim."""
    owners: set[int] = set()
    for pid in pids():
        try:
            owners.add(os.stat(f"/proc/{pid}").st_uid)
        except OSError:
            pass
    return owners


def pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


USER_GROWTH = 256
"""Tasks the grader's own user may add while a sandbox it started lives (another job's
sandbox, a kernel, a browser's threads): see :func:`room_for_user`."""


def room_for_user() -> int:
    """What a sandbox started as an ordinary user (no uid of its own) must add to its process
    limit: RLIMIT_NPROC counts every task (thread) of the user, its own and the grader's,
    not only the sandbox's, and a zygote lives for many submissions. A submission's own
    limit is set inside its own user namespace, which the kernel counts apart."""
    me, tasks = os.getuid(), 0
    for pid in pids():
        try:
            if os.stat(f"/proc/{pid}").st_uid == me:
                tasks += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:  # gone meanwhile
            continue
    return tasks + USER_GROWTH


def owner(pid: int) -> int | None:
    """The real uid of a live (not zombie) process, else None."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    if "State:\tZ" in status:
        return None
    return int(status.split("Uid:", 1)[1].split()[0])
