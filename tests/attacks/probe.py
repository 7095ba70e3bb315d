"""Watch the grading host while an attack runs: connections, escaped files, leftovers."""

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
    for folder in ("/autograder/results", "/autograder"):  # made by the forge attack
        try:
            os.rmdir(folder)
        except OSError:
            pass
