"""Start the worker in a sandbox and talk to it, enforcing every limit from outside.

Isolation levels, strongest first (the one used is recorded with each grade):

* ``bwrap``: bubblewrap with no network, a read-only view of the Python
  installation only (no project files, no tests, no other submission), its own
  PID namespace (nothing it starts outlives it), a size-limited private
  scratch directory as the only writable place, and an unprivileged user of
  its own when the grader runs as root.
* ``process-user``: where bubblewrap cannot create namespaces but the grader
  is root (Gradescope's containers), a child process as an unprivileged user
  of its own, with the same limits; it can still reach the network and read
  world-readable files (see :func:`best_isolation`).
* ``process``: a plain child process with the same resource limits, for
  machines where bubblewrap cannot create namespaces. Only with an explicit
  opt-in (``--allow-unsandboxed``), since the student's code can then read
  what the grader's user can read.

Resource limits in all: address space, CPU time, processes, file size; and
output beyond ``max_output`` bytes is dropped. Wall time is enforced by the
caller through the deadlines of :meth:`Sandbox.receive`.
"""

import fcntl
import os
import pathlib
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from . import protocol

HERE = pathlib.Path(__file__).resolve().parent
INSIDE = "/sandbox"
SANDBOX_UIDS = range(60000, 61000)
UID_LOCKS = pathlib.Path(tempfile.gettempdir()) / "hsa-sandbox-uids"


class SandboxUnavailable(RuntimeError):
    """No sandbox of the level asked for can be started on this machine."""


class SandboxDied(Exception):
    """The worker exited, broke the protocol, or ran past its deadline."""

    def __init__(self, reason, timed_out=False, protocol=False):
        super().__init__(reason)
        self.timed_out = timed_out
        self.protocol = protocol  # a malformed or out-of-turn message, not a death


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 120
    processes: int = 16  # also bounds the memory of a submission: processes x memory_bytes
    file_bytes: int = 16 * 1024 * 1024
    scratch_bytes: int = 32 * 1024 * 1024
    max_output: int = 64 * 1024


def bwrap_works():
    """True when bubblewrap is installed and can create its namespaces here."""
    if not shutil.which("bwrap"):
        return False
    uid = 60999 if os.geteuid() == 0 else None
    probe = subprocess.run(_bwrap_argv(uid) + ["--", sys.executable, "-c", "pass"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


def best_isolation():
    """The strongest isolation that works here (Gradescope: never refuses).

    Without namespaces, root can still run the worker as an unprivileged user of
    its own (``process-user``); anyone else only as themselves (``process``).
    """
    if bwrap_works():
        return "bwrap"
    return "process-user" if os.geteuid() == 0 else "process"


def choose_isolation(allow_unsandboxed=False):
    if bwrap_works():
        return "bwrap"
    if allow_unsandboxed:
        return "process"
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is missing or cannot create namespaces here, so student code "
        "cannot be isolated. Install it (Debian/Ubuntu: apt-get install bubblewrap) or, "
        "only if you accept running student code without isolation, pass --allow-unsandboxed."
    )


def claim_uid():
    """A sandbox uid no live sandbox uses, and the open lock file that holds it.

    The process limit counts processes per uid, and a uid's processes may signal each
    other, so two sandboxes must never share one, even across grader processes. An
    flock held while the sandbox lives claims the uid; a uid that still owns a process
    (say, one a previous grader left behind) is skipped.
    """
    UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    busy = _uids_in_use()
    start = random.randrange(len(SANDBOX_UIDS))
    for offset in range(len(SANDBOX_UIDS)):
        uid = SANDBOX_UIDS[(start + offset) % len(SANDBOX_UIDS)]
        if uid in busy:
            continue
        lock = os.open(UID_LOCKS / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, lock
        except BlockingIOError:
            os.close(lock)
    raise SandboxUnavailable(f"all {len(SANDBOX_UIDS)} sandbox uids are in use")


def _uids_in_use():
    return {_owner(pid) for pid in _pids()}


def _python_mounts():
    """Read-only paths the worker's Python needs: the interpreter and site-packages."""
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}
    return sorted(p for p in paths if os.path.exists(p))


def _bwrap_argv(uid, tmp_bytes=Limits.scratch_bytes):
    """bwrap's options. The private /tmp comes before the Python mounts, so that a Python
    installed under /tmp (a virtual environment there, say) is mounted on top of it, not
    hidden by it."""
    argv = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if uid is None:
        argv += ["--unshare-user"]
    else:
        argv += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
    for path in ("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"):
        argv += ["--ro-bind-try", path, path]
    argv += ["--perms", "01777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    for path in _python_mounts():
        for parent in reversed(pathlib.PurePath(path).parents):
            if str(parent) != "/":
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    return argv


def _setpriv(uid):
    """Drop to ``uid`` with no groups and no capabilities (as root only)."""
    return ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"]


def _kill_user(uid, wait=2.0):
    """SIGKILL every process of ``uid`` until none is left (at most ``wait`` seconds).

    Killing bwrap tears its PID namespace down, but the kernel does so asynchronously;
    waiting here means no student process outlives the grade, and the uid is free
    before another sandbox claims it.
    """
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        pids = [pid for pid in _pids() if _owner(pid) == uid]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def _pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _owner(pid):
    """The real uid of a live (not zombie) process, else None."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    if "State:\tZ" in status:
        return None
    return int(status.split("Uid:", 1)[1].split()[0])


class Sandbox:
    """One worker process; call :meth:`start` once and :meth:`kill` when done."""

    def __init__(self, isolation, limits=Limits()):
        self.isolation = isolation
        self.limits = limits
        self.process = None
        self.uid = None  # the sandbox's own user (grading as root), see claim_uid()
        self._uid_lock = None
        self.output = bytearray()
        self.dropped = 0  # bytes of output beyond max_output
        self._buffer = b""

    # -------------------------------------------------------------- lifecycle
    def start(self):
        self._scratch = tempfile.mkdtemp(prefix="hsa-scratch-")
        read_fd, write_fd = os.pipe()
        self._responses = read_fd
        self.process = subprocess.Popen(
            self._limits_prefix() + self._argv(write_fd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, pass_fds=(write_fd,), env=self._env(),
            cwd=self._scratch, start_new_session=True,
        )
        os.close(write_fd)
        threading.Thread(target=self._drain, daemon=True).start()

    def _argv(self, write_fd):
        # -E -s: ignore PYTHON* variables and the user's site-packages (not -I: the worker
        # imports protocol.py from its own folder).
        if os.geteuid() == 0 and self.isolation != "process":
            self.uid, self._uid_lock = claim_uid()
        uid = self.uid
        if self.isolation == "process-user":
            os.chown(self._scratch, uid, uid)
            return _setpriv(uid) + [sys.executable, "-E", "-s", str(self._staged_worker()),
                                    str(write_fd)]
        if self.isolation == "process":
            return [sys.executable, "-E", "-s", str(self._staged_worker()), str(write_fd)]
        argv = _bwrap_argv(uid, self.limits.scratch_bytes) + [
            "--perms", "0755", "--dir", INSIDE,
            "--ro-bind", str(HERE / "worker.py"), f"{INSIDE}/worker.py",
            "--ro-bind", str(HERE / "protocol.py"), f"{INSIDE}/protocol.py",
            "--perms", "01777", "--size", str(self.limits.scratch_bytes), "--tmpfs", "/scratch",
            "--chdir", "/scratch", "--",
        ]
        if uid is not None:
            argv += _setpriv(uid)
        return argv + [sys.executable, "-E", "-s", f"{INSIDE}/worker.py", str(write_fd)]

    def _staged_worker(self):
        for name in ("worker.py", "protocol.py"):
            shutil.copy(HERE / name, self._scratch)
        return pathlib.Path(self._scratch) / "worker.py"

    def _env(self):
        scratch = "/scratch" if self.isolation == "bwrap" else self._scratch
        return {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}

    def _limits_prefix(self):
        """``prlimit`` wrapper: limits that bind the worker and all it starts.

        (``prlimit`` rather than ``preexec_fn``, which is unsafe in a threaded grader.)
        """
        limits = self.limits
        processes = limits.processes
        if os.geteuid() != 0:  # as root, the sandbox's own uid carries the process count
            processes += sum(1 for p in os.listdir("/proc") if p.isdigit())
        return ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
                f"--fsize={limits.file_bytes}", "--core=0", f"--nproc={processes}", "--"]

    def _drain(self):
        """Keep the first ``max_output`` bytes of what the student printed; drop the rest."""
        stream = self.process.stdout
        while True:
            try:
                chunk = stream.read1(65536)
            except (OSError, ValueError):  # closed by kill()
                return
            if not chunk:
                return
            room = max(0, self.limits.max_output - len(self.output))
            self.output += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def kill(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        os.close(self._responses)
        shutil.rmtree(self._scratch, ignore_errors=True)
        self.process = None
        if self.uid is not None:
            _kill_user(self.uid)
            os.close(self._uid_lock)
            self.uid = self._uid_lock = None

    # ------------------------------------------------------------- messages
    def send(self, message):
        try:
            self.process.stdin.write(protocol.dumps(message).encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise SandboxDied("the student's process stopped reading") from None

    def receive(self, deadline):
        """The next message, or SandboxDied when the worker dies or the deadline passes."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SandboxDied("ran past its time budget", timed_out=True)
            ready, _, _ = select.select([self._responses], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._responses, 1 << 20)
            if not chunk:
                raise SandboxDied(self._exit_reason())
            self._buffer += chunk
            if len(self._buffer) > protocol.MAX_MESSAGE_BYTES:
                raise SandboxDied("sent a message larger than the grader accepts", protocol=True)
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return protocol.loads(line.decode("utf-8", "replace"))
        except protocol.ProtocolError as error:
            raise SandboxDied(f"broke the grading protocol ({error})", protocol=True) from None

    def _exit_reason(self):
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "closed its connection to the grader"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGKILL": " (often: out of memory or CPU time)", "SIGXCPU": " (CPU time)",
                    "SIGXFSZ": " (file size)", "SIGSEGV": " (crashed)"}.get(name, "")
            return f"was killed by {name}{hint}"
        return f"exited with code {code} (os._exit or a crash ends the grading process)"

