"""The zygote: a warm interpreter that only forks, one fresh sandbox per submission.

Started once per grading job inside the sandbox (bubblewrap, or as the sandbox's user
where bubblewrap cannot run), it imports numpy, ``numpy.random`` and the worker, then
waits on a unix socket. It never runs student code and never holds a submission's data:
each request to start a submission carries the three pipe ends of that submission's
worker (messages in, output out, messages out) as SCM_RIGHTS descriptors, so cells and
results go straight between the grader and the child.

Per submission (C: the forked setup process; P1: its child, PID 1 of a new pid namespace):

* C enters the submission's cgroup before anything else, where the grader made one
  (:mod:`hsa.sandbox.cgroup`: the zygote forks it there, or it moves itself), and makes
  itself the OOM killer's first choice (``oom_score_adj`` 1000, which its processes
  inherit: where no cgroup caps the submission, the kernel kills it before the zygote);
  keeps only the worker's pipe ends; unshares user, mount, pid, network, IPC and UTS
  namespaces (one uid mapped); makes every inherited mount read-only; mounts fresh tmpfs
  over every writable place (``/tmp``, the scratch folder, ``/dev/shm``) and a fresh
  devpts; forks P1 and exits (P1 is then the zygote's child: it is a subreaper).
* P1 mounts its own ``/proc``, sets the per-process limits, drops every capability and
  sets no_new_privs, joins a fresh session keyring (it has no controlling terminal: the
  zygote started in a session of its own), and loads the seccomp filter the zygote was
  given at its start (never in the zygote itself, which makes namespaces and mounts); then
  it forks the worker and only reaps until the worker exits. (P1 is filtered too: the
  worker's uid could write to its memory through /proc.)
* The worker reseeds numpy's global RNG and runs ``worker.main()``.

Ending a submission is one SIGKILL to P1: the kernel then kills everything in its pid
namespace, and P1 is reaped only after all of it is gone.

Requests and replies are JSON objects, one per datagram (``op`` names what is asked).
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import select
import signal
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn  # typing: the worker it imports imports it

if TYPE_CHECKING:
    from . import kernel
else:
    try:
        from . import kernel  # the grader imports this module for the request names
    except ImportError:  # run as a script inside the sandbox, beside kernel.py
        import kernel

SPAWN, END, EXIT = "spawn", "end", "exit"  # the requests the zygote answers
CGROUP = "cgroup"  # once, where the grader made a cgroup: how children enter it, and fds
TASKS, CLONE = "tasks", "clone"  # v1: the child writes 0 to each tasks file; v2: clone3
MAX_FDS = 8  # descriptors a request may carry (PIPES, or one per v1 hierarchy)
READY = "ready"  # the zygote's first message, once its imports are done
# Per submission: messages in (the worker's fd 0), output (1 and 2), messages out (3).
PIPES = 3
CHILD_FDS = (0, 1, 3)
RESPONSES_FD = 3
REPORT_FD = 4  # C and P1 report their setup here; closed before the worker starts
MAX_REQUEST = 1 << 16
SIGNALLED = 128  # P1 exits with 128 + N when the worker was killed by signal N
SECCOMP_FILTERED = 2  # /proc/PID/status's Seccomp: once P1 loaded the filter


class SetupFailed(Exception):
    """A step of a child's setup failed; ``stage`` names it (the zygote carries on)."""

    def __init__(self, stage: str, error: OSError) -> None:
        super().__init__(f"{stage}: {error}")
        self.stage = stage


# ---------------------------------------------------------------- in the zygote
class ForkServer:
    """The zygote's own request loop, run inside the sandbox: it forks a child per request
    and never runs student code (the grader's handle on it is
    :class:`hsa.sandbox.warm.ZygoteProcess`). ``children`` holds the pids of the live P1s,
    nothing else; ``program`` is the seccomp filter each P1 loads (None: none was given)."""

    def __init__(self, sock: socket.socket, program: bytes | None = None) -> None:
        self.sock = sock
        self.children: set[int] = set()
        self.program = program
        self.entry: str | None = None  # how children enter their cgroup (CGROUP): TASKS, CLONE
        self.entry_fds: list[int] = []

    def serve(self) -> None:
        while True:
            message, fds, _, _ = socket.recv_fds(self.sock, MAX_REQUEST, MAX_FDS)
            if not message:
                return
            request = json.loads(message)
            op = request.get("op")
            if op == SPAWN and len(fds) == PIPES:
                reply = self.spawn(request, fds)
            elif op == CGROUP and request.get("how") in (TASKS, CLONE) and fds:
                _close(self.entry_fds)
                self.entry, self.entry_fds = request["how"], fds
                reply = {"entry": self.entry}
            elif op == END:
                reply = self.end(request.get("p1"), float(request.get("grace", 0)))
            elif op == EXIT:
                return
            else:
                _close(fds)
                reply = {"error": f"malformed request {op!r} with {len(fds)} descriptor(s)"}
            self.sock.send(json.dumps(reply).encode())

    def spawn(self, request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
        """Fork C for one submission; its reply once P1 is ready or the setup failed."""
        report_r, report_w = os.pipe()
        try:
            pid = kernel.fork_into(self.entry_fds[0]) if self.entry == CLONE else os.fork()
        except OSError as error:  # this uid's process limit, say
            _close([report_r, report_w, *fds])
            return {"error": f"fork: {error}", "stage": "fork"}
        if pid == 0:
            os.close(report_r)
            _child(request, fds, report_w, self.program,
                   self.entry_fds if self.entry == TASKS else [])  # never returns
        _close([report_w, *fds])
        reply = _read_reports(report_r)
        os.waitpid(pid, 0)
        if "p1" in reply:
            self.children.add(reply["p1"])
            if "error" in reply:  # P1 failed its setup: nothing may run in it
                self.end(reply["p1"])
        return reply

    def end(self, p1: int, grace: float = 0.0) -> dict[str, Any]:
        """SIGKILL P1 unless it ends within ``grace`` seconds, reap it; its wait status."""
        if p1 not in self.children:
            return {"error": f"no submission with P1 {p1!r}"}
        self.children.discard(p1)
        if grace > 0:
            pidfd = os.pidfd_open(p1)
            try:
                select.select([pidfd], [], [], grace)
            finally:
                os.close(pidfd)
        try:
            os.kill(p1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(p1, 0)
        return {"status": status}

    def end_all(self) -> None:
        for p1 in list(self.children):
            self.end(p1)


def _read_reports(report_r: int) -> dict[str, Any]:
    """Merge the JSON lines C and P1 wrote, until both closed the pipe."""
    chunks = []
    while chunk := os.read(report_r, 65536):
        chunks.append(chunk)
    os.close(report_r)
    reply: dict[str, Any] = {}
    for line in b"".join(chunks).decode("utf-8", "replace").splitlines():
        try:
            reply.update(json.loads(line))
        except ValueError:
            reply.setdefault("error", f"unreadable setup report {line[:200]!r}")
    if "p1" in reply and "ready" not in reply and "error" not in reply:
        reply["error"] = "P1 ended before it was ready"
    return reply


def _close(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _report(message: dict[str, Any], fd: int = REPORT_FD) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


# ------------------------------------------------------------ C: the setup child
def _child(request: dict[str, Any], fds: list[int], report_w: int, program: bytes | None,
           tasks: list[int]) -> NoReturn:
    """C: in the submission's cgroup (moved there through ``tasks`` on v1), the worker's
    descriptors only, new namespaces and mounts, then P1. Never returns."""
    try:
        _enter_cgroup(tasks)
    except SetupFailed as failed:  # before _keep_only: the report is still at report_w
        _report_failure(failed.stage, failed, report_w)
        os._exit(0)
    try:
        _keep_only(fds, report_w)
        _enter_namespaces(request)
        p1 = os.fork()
        if p1 == 0:
            _p1(request, program)  # never returns
        _report({"p1": p1})
    except SetupFailed as failed:
        _report_failure(failed.stage, failed)
    except BaseException as error:  # never fall back into the zygote's loop
        _report_failure("setup", error)
    os._exit(0)


def _report_failure(stage: str, error: BaseException, fd: int = REPORT_FD) -> None:
    try:
        _report({"error": f"{stage}: {error}", "stage": stage}, fd)
    except OSError:
        pass


def _enter_cgroup(tasks: list[int]) -> None:
    """Into the submission's cgroup through each v1 hierarchy's ``tasks`` file (this thread
    alone, which is the whole process: no grace period), where there is one; then the OOM
    killer's first choice."""
    for fd in tasks:
        _step("cgroup", os.write, fd, b"0")
    _step("oom score", _write_file, "/proc/self/oom_score_adj", "1000")


def _keep_only(fds: list[int], report_w: int) -> None:
    """Move the pipe ends to CHILD_FDS (output on 2 as well) and the report to 4; close
    every other descriptor (the zygote's socket, another child's pipes)."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (*fds, report_w)]
    for target, fd in zip((*CHILD_FDS, REPORT_FD), high):
        os.dup2(fd, target)
    os.dup2(1, 2)
    os.closerange(max(*CHILD_FDS, REPORT_FD) + 1, os.sysconf("SC_OPEN_MAX"))


def _step(stage: str, action: Callable[..., object], *args: object) -> object:
    try:
        return action(*args)
    except OSError as error:
        raise SetupFailed(stage, error) from None


def _enter_namespaces(request: dict[str, Any]) -> None:
    """New namespaces and mounts. With a ``uid`` of its own (a root zygote: design R of the
    study) the child keeps the zygote's user namespace, and P1 later becomes that uid;
    without one (design U) it gets a user namespace mapping only the zygote's uid."""
    uid, gid = os.getuid(), os.getgid()
    if request.get("uid") is None:
        _step("unshare", kernel.unshare, kernel.EVERY_NAMESPACE)
        _step("uid map", _map_one_uid, uid, gid)
    else:
        _step("unshare", kernel.unshare, kernel.EVERY_NAMESPACE & ~kernel.CLONE_NEWUSER)
    _step("private mounts", kernel.mount, None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
    _step("read-only mounts", _remount_read_only)
    kept = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in request["keep"]}
    for path in request["covers"]:
        _step(f"tmpfs on {path}", kernel.mount, "tmpfs", path, "tmpfs",
              kernel.MS_NOSUID | kernel.MS_NODEV, f"size={int(request['tmp_bytes'])},mode=1777")
    for path, fd in kept.items():
        _step(f"keep {path}", _bind_again, fd, path)
    _step("devpts", _fresh_devpts)
    _step("hostname", kernel.sethostname, "sandbox")


def _write_file(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _bind_again(fd: int, path: str) -> None:
    """Mount what ``fd`` is at ``path`` again, read-only: a Python installed under a folder
    that a fresh tmpfs now covers (a virtual environment in /tmp, say)."""
    os.makedirs(path, mode=0o755, exist_ok=True)
    kernel.mount(f"/proc/self/fd/{fd}", path, None, kernel.MS_BIND | kernel.MS_REC)
    kernel.mount(None, path, None, kernel.MS_REMOUNT | kernel.MS_BIND | kernel.MS_RDONLY
                 | kernel.MS_NOSUID | kernel.MS_NODEV)
    os.close(fd)


def _map_one_uid(uid: int, gid: int) -> None:
    """Inside, the child is uid and gid 1000; outside, the zygote's own (nothing more)."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"1000 {uid} 1"),
                       ("gid_map", f"1000 {gid} 1")):
        _write_file(f"/proc/self/{name}", text)


def _remount_read_only() -> None:
    """Every mount the zygote sees becomes read-only here, keeping its other flags (a child
    user namespace may add read-only but never clear it): the only writable places are the
    fresh tmpfs mounted after this, so nothing a child writes is seen by the next."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4].encode().decode("unicode_escape") for line in f]
    for path in dict.fromkeys(points):
        flags = os.statvfs(path).f_flag
        kept = sum(ms for st, ms in kernel.KEPT_ON_REMOUNT if flags & st)
        kernel.mount(None, path, None, kernel.MS_REMOUNT | kernel.MS_BIND | kernel.MS_RDONLY | kept)


def _fresh_devpts() -> None:
    """A devpts instance of the child's own: a pty one child opens is not in the next's.
    Where /dev/ptmx is a device node (no bubblewrap) it is pointed at the new instance."""
    if not os.path.isdir("/dev/pts"):
        return
    kernel.mount("devpts", "/dev/pts", "devpts", kernel.MS_NOSUID | kernel.MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=620")
    if os.path.exists("/dev/ptmx") and not os.path.islink("/dev/ptmx"):
        kernel.mount("/dev/pts/ptmx", "/dev/ptmx", None, kernel.MS_BIND)


# ------------------------------------------------------------- P1: the reaping init
def _p1(request: dict[str, Any], program: bytes | None) -> NoReturn:
    """P1: its own /proc, the limits, no capability, confined (:func:`kernel.confine`); then
    the worker, reaped until it ends."""
    try:
        _step("mount proc", kernel.mount, "proc", "/proc", "proc",
              kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC)
        _step("rlimits", _set_limits, request["limits"])
        _step("drop capabilities", _drop_privileges, request.get("uid"))
        _step("confine", kernel.confine, program)
        _report({"ready": True, **kernel.confinement()})
    except SetupFailed as failed:
        _report_failure(failed.stage, failed)
        os._exit(1)
    except BaseException as error:
        _report_failure("P1", error)
        os._exit(1)
    os.close(REPORT_FD)
    worker = os.fork()
    if worker == 0:
        _run_worker(request)  # never returns
    _close([0, 1, 2, RESPONSES_FD])
    _reap_until(worker)


def _drop_privileges(uid: int | None) -> None:
    """No capability left, no way to gain one; as ``uid`` when given (from root to another
    uid, the kernel clears every capability)."""
    if uid is None:
        kernel.drop_every_capability()
        return
    kernel.forbid_new_privileges()
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    # a change of uid makes the process undumpable, so /proc/self would stay root's; a
    # fresh worker, exec'd after setpriv, is dumpable: be the same (only this uid may trace)
    kernel.prctl(kernel.PR_SET_DUMPABLE, 1)


def _set_limits(limits: dict[str, int]) -> None:
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))


def _reap_until(worker: int) -> NoReturn:
    """Reap every orphan (zombies count against the process limit) until the worker
    ends; then exit with its code (128 + N when signal N killed it)."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if pid == worker:
            code = os.waitstatus_to_exitcode(status)
            os._exit(SIGNALLED - code if code < 0 else min(code, SIGNALLED - 1))


def _run_worker(request: dict[str, Any]) -> NoReturn:
    """The submission's process: PID 2, as the worker a fresh sandbox would start."""
    import io

    import numpy as np
    import worker
    try:
        np.random.seed()  # fork copies numpy's global RNG state: each child draws its own
        os.chdir(request["cwd"])
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = (  # type: ignore[misc]  # typeshed says Final
            sys.stdin, sys.stdout, sys.stderr)  # yet a fresh interpreter's are its own streams
        sys.argv = [worker.__file__, str(RESPONSES_FD)]
        worker.main()
        worker.flush_output()
        os._exit(0)
    except SystemExit as leaving:  # as a fresh interpreter would exit
        worker.flush_output()
        os._exit(leaving.code if isinstance(leaving.code, int) else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        worker.flush_output()
        os._exit(1)


# --------------------------------------------------------------------- start-up
def _read_program(extra: list[str]) -> bytes | None:
    """The seccomp filter handed over at the descriptor after the socket's, if any."""
    if not extra:
        return None
    with os.fdopen(int(extra[0]), "rb") as handed:
        return handed.read()


def main() -> None:
    """Import what every child needs, tell the grader, then serve requests."""
    import gc

    import numpy  # noqa: F401  paid once per zygote, not once per submission
    import numpy.random  # noqa: F401  numpy 2 imports it lazily: 13-15 ms a child otherwise
    import worker  # noqa: F401

    kernel.prctl(kernel.PR_SET_CHILD_SUBREAPER, 1)
    gc.freeze()  # fewer copy-on-write faults in the children
    sock = socket.socket(fileno=int(sys.argv[1]))
    zygote = ForkServer(sock, _read_program(sys.argv[2:]))
    me = os.pidfd_open(os.getpid())  # the grader's handle on the zygote, for its cgroup
    socket.send_fds(sock, [json.dumps({READY: True}).encode()], [me])
    os.close(me)
    try:
        zygote.serve()
    finally:
        zygote.end_all()


if __name__ == "__main__":
    main()
