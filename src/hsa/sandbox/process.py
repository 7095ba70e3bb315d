"""One worker process in its sandbox, and the channel to it.

Every limit is enforced from outside: resource limits by ``prlimit`` (see
:mod:`.command`), output beyond ``max_output`` bytes is dropped, and wall time
by the deadlines the caller gives :meth:`Sandbox.receive`.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, cast

from .. import untrusted
from ..exceptions import ProtocolViolation, SandboxDied, SandboxTimedOut
from ..outcomes import Isolation
from ..untrusted import protocol
from . import command, seccomp, uids
from .clock import Deadline, wall_until
from .host import bwrap_disables_userns, namespaces_work

if TYPE_CHECKING:
    from .cgroup import Cgroup

WORKER_DIR = pathlib.Path(untrusted.__file__).resolve().parent
PROCESS_USER_SCRATCH = pathlib.Path("/var/lib/hsa-scratch")
SCRATCH_PREFIX = "hsa-scratch-"  # then the pid of the grader that made it
_LIVE: set[Sandbox] = set()  # every started Sandbox of this process, for stop_all()
_LIVE_LOCK = threading.Lock()
_STOPPED = threading.Event()
SIGNAL_HINTS = {"SIGKILL": " (often: out of memory or CPU time)", "SIGXCPU": " (CPU time)",
                "SIGXFSZ": " (file size)", "SIGSEGV": " (crashed)"}


class Sandbox:
    """One worker process; call :meth:`start` once and :meth:`kill` when done."""

    def __init__(self, isolation: Isolation, limits: command.Limits = command.Limits()) -> None:
        self.isolation = isolation
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None  # messages to the worker
        self._stdout: io.BufferedReader | None = None  # what it prints
        # the cgroup that caps the submission, where one is made (warm only)
        self.cgroup: Cgroup | None = None
        self.claim: uids.Claim | None = None  # the sandbox's own user (as root), see uids.claim()
        self.output = bytearray()
        self.dropped = 0  # bytes of output beyond max_output
        self._buffer = bytearray()  # received, not yet returned; no newline before _scanned
        self._scanned = 0

    @property
    def uid(self) -> int | None:
        return self.claim.uid if self.claim else None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> None:
        refuse_if_ending()
        if os.geteuid() == 0 and self.isolation is not Isolation.PROCESS:
            self.claim = uids.claim()
        self._scratch = pathlib.Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-",
                                                      dir=self._scratch_base()))
        worker_dir = WORKER_DIR if self.isolation is Isolation.BWRAP else self._stage_worker()
        read_fd, write_fd = os.pipe()
        self._responses = read_fd
        private = self.isolation is Isolation.PROCESS_USER and namespaces_work()
        filter_fd = seccomp.program_fd() if seccomp.problem() is None else None
        argv = command.worker(self.isolation, self.uid, worker_dir, write_fd, self.limits,
                              private, filter_fd, bwrap_disables_userns())
        env = self._env(tmp="/tmp" if private else None)
        try:
            self.process = subprocess.Popen(
                command.prlimit(self.limits, self._processes_already_counted()) + argv,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(write_fd, *([] if filter_fd is None else [filter_fd])), env=env,
                cwd=self._scratch, start_new_session=True,
            )
        finally:
            os.close(write_fd)
            if filter_fd is not None:
                os.close(filter_fd)
        # with bufsize -1, Popen's stdout is a BufferedReader (typeshed: any IO[bytes])
        self._stdin, self._stdout = self.process.stdin, cast(io.BufferedReader, self.process.stdout)
        self._enter()
        self._start_drain()

    def _scratch_base(self) -> pathlib.Path | None:
        """Where the scratch folder goes: outside /tmp for ``process-user``, whose worker may
        get a private /tmp of its own (then the shared one is out of its sight)."""
        if self.isolation is not Isolation.PROCESS_USER:
            return None
        PROCESS_USER_SCRATCH.mkdir(mode=0o711, parents=True, exist_ok=True)
        return PROCESS_USER_SCRATCH

    def _stage_worker(self) -> pathlib.Path:
        """Without bubblewrap there is nothing to mount: copy the worker's two files into
        the scratch folder, which becomes the sandbox user's (only) own folder."""
        for name in untrusted.FILES:
            shutil.copy(WORKER_DIR / name, self._scratch)
        if self.uid is not None:
            os.chown(self._scratch, self.uid, self.uid)
        return self._scratch

    def _processes_already_counted(self) -> int:
        """As root, the sandbox's own uid carries the process count; otherwise the limit
        counts every task of the grader's user, so make room for those."""
        if self.uid is not None:
            return 0
        return uids.room_for_user()

    def _env(self, tmp: str | None = None) -> dict[str, str]:
        scratch = command.SCRATCH if self.isolation is Isolation.BWRAP else str(self._scratch)
        return worker_env(scratch, tmp)

    def _start_drain(self) -> None:
        """Read what the student prints (:meth:`_drain`) in a thread of its own, which
        :meth:`_close_channel` stops through a pipe of its own before closing the output."""
        self._stop_drain = os.pipe()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        """Keep the first ``max_output`` bytes of what the student printed; drop the rest.
        Ends at the output's end, or when told to stop: a process the worker detached may
        hold the output open after the worker's end (where it shares the grader's uid)."""
        stream, stop = self._stdout, self._stop_drain[0]
        if stream is None:  # never started
            return
        watched: list[io.BufferedReader | int] = [stream, stop]
        while True:
            try:
                if stop in select.select(watched, [], [])[0]:
                    return
                chunk = stream.read1(65536)
            except (OSError, ValueError):  # closed under it
                return
            if not chunk:
                return
            room = max(0, self.limits.max_output - len(self.output))
            self.output += chunk[:room]
            self.dropped += max(0, len(chunk) - room)

    def kill(self) -> None:
        if self.process is None:
            return
        self._leave()
        kill_group(self.process)
        self.process.kill()
        self.process.wait()
        self._close_channel()
        self.process = None
        if self.claim is not None:
            self.claim.release()
            self.claim = None
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _enter(self) -> None:
        """Count this sandbox among the live ones, which :func:`all_stopped` ends; end it at
        once when all_stopped() took its list while this one was starting."""
        with _LIVE_LOCK:
            _LIVE.add(self)
        if _STOPPED.is_set():
            self._end_now()

    def _leave(self) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def _end_now(self) -> None:
        """SIGKILL the sandbox from another thread; the thread using it then cleans up."""
        kill_group(self.process)

    def _close_channel(self) -> None:
        """Close the worker's pipes, the drain thread stopped first: where the worker shared
        the grader's uid (``process``), a process it detached may still hold the output open,
        and closing the output under a drain blocked in its read waits for the reader's lock
        for good (measured: a Coursera grader hung 15 min so). Closing the file alone would
        free its number for the next sandbox's pipes while the drain may still read it."""
        stop_read, stop_write = self._stop_drain
        os.write(stop_write, b"x")
        self._drainer.join()
        for stream in (self._stdin, self._stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        for fd in (self._responses, stop_read, stop_write):
            os.close(fd)

    # ------------------------------------------------------------- messages
    def send(self, message: protocol.Message) -> None:
        assert self._stdin is not None, "send() before start()"
        try:
            self._stdin.write(protocol.dumps(message).encode())
            self._stdin.flush()
        except BrokenPipeError:  # it died (or closed its end): say how, as on its channel
            raise SandboxDied(self._exit_reason()) from None
        except (OSError, ValueError):
            raise SandboxDied("the student's process stopped reading") from None

    def receive(self, deadline: Deadline | float) -> protocol.Message:
        """The next message; a SandboxFailure when the worker dies, breaks the protocol or
        ``deadline`` passes (a :class:`~.clock.Deadline`, or a ``time.monotonic()`` value)."""
        deadline = wall_until(deadline)
        while (end := self._buffer.find(b"\n", self._scanned)) < 0:
            self._scanned = len(self._buffer)  # search only new bytes: a flood costs O(n)
            remaining = deadline.left()
            if remaining <= 0:
                raise SandboxTimedOut("ran past its time budget")
            cap = self.cgroup
            alarms = [cap.alarm] if cap is not None and cap.alarm is not None else []
            ready, _, _ = select.select([self._responses, *alarms], [], [], remaining)
            if not ready:
                continue
            if cap is not None and alarms and alarms[0] in ready and cap.take_alarm():
                raise SandboxDied(self.capped())
            if self._responses not in ready:
                continue
            chunk = os.read(self._responses, 1 << 20)
            if not chunk:
                raise SandboxDied(self._exit_reason())
            self._buffer += chunk
            if len(self._buffer) > protocol.MAX_MESSAGE_BYTES:
                raise ProtocolViolation("sent a message larger than the grader accepts")
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 1]
        self._scanned = 0
        try:
            return protocol.loads(line.decode("utf-8", "replace"))
        except protocol.ProtocolError as error:
            raise ProtocolViolation(f"broke the grading protocol ({error})") from None

    def cpu_seconds(self) -> float | None:
        """CPU seconds the submission's processes have used, where a cgroup counts them
        (a warm sandbox's); None here."""
        return None

    def capped(self) -> str:
        """The reason to give when the submission reached its memory cap."""
        return (f"went over the submission's memory cap of "
                f"{self.limits.submission_memory >> 20} MiB, all its processes together")

    def _exit_reason(self) -> str:
        assert self.process is not None, "a reason asked before start()"
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "closed its connection to the grader"
        return describe_exit(code)


def describe_exit(code: int) -> str:
    """How the worker ended, from its exit code (negative: killed by that signal)."""
    if code < 0:
        name = signal.Signals(-code).name
        return f"was killed by {name}{SIGNAL_HINTS.get(name, '')}"
    return f"exited with code {code} (os._exit or a crash ends the grading process)"


def worker_env(scratch: str, tmp: str | None = None) -> dict[str, str]:
    """The worker's whole environment. ``TMPDIR`` is its private scratch folder, or ``tmp``
    (a private, size-limited /tmp of its own) when it has one."""
    return {"PATH": "/usr/bin:/bin", "HOME": scratch, "TMPDIR": tmp or scratch, "LANG": "C.UTF-8",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


def kill_group(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the process group of ``process`` (started in a session of its own), if any."""
    if process is not None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def ending() -> bool:
    """True while :func:`all_stopped` ends the run's sandboxes."""
    return _STOPPED.is_set()


def refuse_if_ending() -> None:
    """Start no sandbox while :func:`all_stopped` ends the run's."""
    if ending():
        raise SandboxDied("the grading run is ending: no sandbox is started any more")


@contextlib.contextmanager
def all_stopped() -> Iterator[None]:
    """End every sandbox of this process at once, and start none until the block ends (a run
    that is stopping, interrupted or its disk full, waits there for its threads). Each
    sandbox's own thread then removes its scratch folder."""
    _STOPPED.set()
    try:
        with _LIVE_LOCK:
            live = list(_LIVE)
        for sandbox in live:
            sandbox._end_now()
        yield
    finally:
        _STOPPED.clear()
