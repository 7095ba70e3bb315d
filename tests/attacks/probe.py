"""Watch the grading host while an attack runs: connections, escaped files, leftovers."""

import ctypes
import os
import pathlib
import socket
import threading
import time
import uuid

from catalogue import escape_paths, forged_paths

SANDBOX_UIDS = range(60000, 61000)


class Listener:
    """A TCP listener on every interface of the host; counts who connects."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("0.0.0.0", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        self.socket.close()


def host_address():
    """This host's address on its main interface (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def new_marker():
    """A word short enough for /proc/PID/comm (15 characters)."""
    return "hsa" + uuid.uuid4().hex[:10]


def processes_with(marker):
    """PIDs whose command line or name holds ``marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
            comm = pathlib.Path(f"/proc/{pid}/comm").read_bytes()
            state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline + comm and state != "Z":
            found.append(int(pid))
    return found


def leftovers(marker, grace=1.0):
    """Marked processes still alive after ``grace`` seconds (SIGKILL is asynchronous)."""
    deadline = time.monotonic() + grace
    while True:
        found = processes_with(marker)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def keys_with(marker: str) -> list[str]:
    """Keys anybody can see (as the keyring attacks open theirs) whose name holds ``marker``:
    /proc/keys lists every key its reader may view, whoever owns it."""
    return [line.strip() for line in pathlib.Path("/proc/keys").read_text().splitlines()
            if marker in line]


def key_users() -> dict[int, int]:
    """uid -> how many keys it owns, every user's (/proc/key-users)."""
    counts = {}
    for line in pathlib.Path("/proc/key-users").read_text().splitlines():
        uid, count = line.split()[:2]
        counts[int(uid.rstrip(":"))] = int(count)
    return counts


def keys_grown(before: dict[int, int], uids: set[int], grace: float = 10.0) -> dict:
    """The uids among ``uids`` that own more keys than ``before`` said, after ``grace``
    seconds at most (the kernel frees an ended process's keyrings a little later, later
    still on a loaded machine). A sandbox uid that has a live process is left out: another
    grader on this machine may be running a submission under it, whose own session keyring
    is alive with it. (As an ordinary user the sandbox's uid is one's own, always live: it
    is counted.)"""
    from hsa.sandbox.uids import process_owners
    deadline = time.monotonic() + grace
    while True:
        now, live = key_users(), process_owners()
        grown = {uid: (before.get(uid, 0), now[uid]) for uid in now
                 if uid in uids and (uid == os.getuid() or uid not in live)
                 and now[uid] > before.get(uid, 0)}
        if not grown or time.monotonic() > deadline:
            return grown
        time.sleep(0.1)


_KEYCTL_INVALIDATE = 21


def _syscall(name: str, *args: int | bytes) -> int:
    """System call ``name`` with integer or bytes arguments; its result (OSError on failure)."""
    from hsa.sandbox.seccomp import syscall_number
    libc = ctypes.CDLL(None, use_errno=True)
    values = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = libc.syscall(ctypes.c_long(syscall_number(name)), *values)
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


def add_key(name: str, payload: bytes, keyring: int) -> int:
    """A user key ``name`` in ``keyring`` (-4: this process's user keyring); its serial."""
    return _syscall("add_key", b"user", name.encode(), payload, len(payload), keyring)


def remove_keys_with(marker: str) -> None:
    """Invalidate every visible key named with ``marker`` (an attack opened them to all)."""
    for line in keys_with(marker):
        try:
            _syscall("keyctl", _KEYCTL_INVALIDATE, int(line.split()[0], 16))
        except OSError:
            pass


def escaped_files(marker):
    """Host files an attack wrote: the escape targets, their ``-leak`` twins, and forged
    results files that hold the marker."""
    paths = escape_paths(marker)
    found = [p for p in paths + [p + "-leak" for p in paths] if os.path.exists(p)]
    return found + [p for p in forged_paths() if _holds(p, marker)]


def _holds(path, marker):
    try:
        return marker.encode() in pathlib.Path(path).read_bytes()
    except OSError:
        return False


def clean_up(marker):
    """Remove what an attack left on the host (needed after ``otter run``)."""
    for pid in processes_with(marker):
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    for path in escaped_files(marker):
        os.remove(path)
    remove_keys_with(marker)
    for folder in ("/autograder/results", "/autograder"):  # made by the forge attack
        try:
            os.rmdir(folder)
        except OSError:
            pass
