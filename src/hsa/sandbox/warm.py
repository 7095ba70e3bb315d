"""Warm sandboxes: each submission a fresh child of a zygote that only forks.

A zygote (:mod:`hsa.untrusted.zygote`) is started inside the sandbox once per grading
job and kept in :data:`POOL`; a :class:`WarmSandbox` asks one for a child, hands it the
worker's pipe ends, and talks to the worker exactly as :class:`Sandbox` does to a fresh one. The zygote never sees a cell or a result. Ending a submission is one SIGKILL
to the child's PID 1, waited for until it is reaped; a cell that kills its worker or runs
past its budget restarts from the zygote. A zygote is replaced after
``zygote_restart_every`` submissions (:class:`~hsa.settings.Settings`), which draws a new
address-space layout and hash seed.
"""

from __future__ import annotations

import atexit
import json
import os
import pathlib
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from typing import Any

from ..exceptions import SandboxBroken, ZygoteDied, ZygoteUnavailable
from ..outcomes import Isolation
from ..settings import Settings
from ..untrusted.zygote import CGROUP, END, EXIT, PIPES, READY, SECCOMP_FILTERED, SIGNALLED, SPAWN
from . import cgroup, command, seccomp, uids
from .process import (PROCESS_USER_SCRATCH, WORKER_DIR, Sandbox, describe_exit, ending,
                      kill_group, refuse_if_ending, worker_env)

START_SECONDS = 60  # a zygote's imports, on a loaded machine
REPLY_SECONDS = 30
DIED_GRACE_SECONDS = 5  # after the worker's channel closed: time for it to be reaped
BWRAP_COVERS = ("/tmp", command.SCRATCH, "/dev/shm")  # fresh tmpfs in every child
HOST_COVERS = ("/tmp", "/var/tmp", "/dev/shm")  # without bubblewrap, and the scratch folder


class ZygoteProcess:
    """One zygote, seen from the grader: the process (its loop is
    :class:`hsa.untrusted.zygote.ForkServer`) and the socket to it; one request at a time."""

    def __init__(self, isolation: Isolation, limits: command.Limits) -> None:
        self.isolation, self.limits = isolation, limits
        self.served = 0
        self._lock = threading.Lock()
        self.root = os.geteuid() == 0
        self.stage = None if self.isolation is Isolation.BWRAP_ZYGOTE else self._stage()
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile()
        extra = 0 if self.root else uids.room_for_user()  # the user's own tasks count too
        self.filtered = seccomp.problem() is None
        filter_fd = seccomp.program_fd() if self.filtered else None
        handed = [theirs.fileno(), *([] if filter_fd is None else [filter_fd])]
        with theirs:
            argv = command.zygote(self.isolation, self.root, self.stage or WORKER_DIR,
                                  theirs.fileno(), self.limits, extra, filter_fd)
            try:
                self.process = subprocess.Popen(
                    argv, pass_fds=handed, stdin=subprocess.DEVNULL, stdout=self._log,
                    stderr=subprocess.STDOUT, env=worker_env(self.scratch, self.tmp),
                    cwd=self.stage or "/", start_new_session=True)
            finally:
                if filter_fd is not None:
                    os.close(filter_fd)
        ready, pidfds = self._receive_with_fds(START_SECONDS)
        try:
            if not ready.get(READY) or len(pidfds) != 1:
                raise ZygoteUnavailable(f"the zygote answered {ready!r} instead of being ready")
            self._cap(pidfds[0])
        finally:
            for fd in pidfds:
                os.close(fd)

    def _cap(self, pidfd: int) -> None:
        """Where a cgroup can be made, one for this zygote (:class:`cgroup.Cgroup`): the
        zygote moves into its ``zygote`` part once, and tells each child it forks from now
        on how to enter the ``submission`` part, whose cap is that submission's (it serves
        one at a time; its own memory was charged before it moved in)."""
        self.cgroup: cgroup.Cgroup | None = None
        version = cgroup.kind()
        if version:
            self.cgroup = cgroup.Cgroup(version, self.limits.submission_memory,
                                        self.limits.processes)
            self.cgroup.attach(cgroup.outer_pid(pidfd))
            how, fds = self.cgroup.entry()
            try:
                reply = self._ask({"op": CGROUP, "how": how}, fds)
            finally:
                for fd in fds:
                    os.close(fd)
            if reply.get("entry") != how:
                raise ZygoteUnavailable(f"the zygote could not take its cgroup: {reply}")

    def _stage(self) -> pathlib.Path:
        """Without bubblewrap: the zygote's files in a folder of root's that its user may
        read, and below it the scratch folder that each child covers with a tmpfs."""
        PROCESS_USER_SCRATCH.mkdir(mode=0o711, parents=True, exist_ok=True)
        stage = pathlib.Path(tempfile.mkdtemp(prefix="hsa-zygote-", dir=PROCESS_USER_SCRATCH))
        os.chmod(stage, 0o755)
        for name in command.ZYGOTE_FILES:
            shutil.copy(WORKER_DIR / name, stage / name)
            os.chmod(stage / name, 0o644)
        (stage / "scratch").mkdir(mode=0o755)
        return stage

    @property
    def scratch(self) -> str:
        return command.SCRATCH if self.stage is None else str(self.stage / "scratch")

    @property
    def tmp(self) -> str | None:
        return None if self.stage is None else "/tmp"

    @property
    def covers(self) -> list[str]:
        if self.stage is None:
            return list(BWRAP_COVERS)
        return [p for p in HOST_COVERS if os.path.isdir(p)] + [self.scratch]

    def _receive(self, timeout: float) -> dict[str, Any]:
        """The zygote's reply (any descriptor it carries closed): see :meth:`_receive_with_fds`."""
        reply, fds = self._receive_with_fds(timeout)
        for fd in fds:
            os.close(fd)
        return reply

    def _receive_with_fds(self, timeout: float) -> tuple[dict[str, Any], list[int]]:
        """The zygote's reply and the descriptors it carries; ZygoteUnavailable however it
        fails to come (no answer in ``timeout`` seconds, the connection reset or closed: it
        died; a reply cut short)."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        try:
            message, fds = socket.recv_fds(self.sock, 1 << 16, 1)[:2] if ready else (b"", [])
        except OSError as error:  # ConnectionResetError: it died with a request unread
            raise ZygoteUnavailable(f"the zygote is gone ({error}){self.log_tail()}") from None
        try:
            if not message:
                raise ZygoteUnavailable(f"the zygote stopped answering{self.log_tail()}")
            reply = _read_reply(message)
        except ZygoteUnavailable:
            for fd in fds:
                os.close(fd)
            raise
        return reply, fds

    def log_tail(self) -> str:
        """What the zygote printed (its interpreter's complaint), for the operator."""
        try:
            self._log.seek(0)
            text = self._log.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""
        return f"; it printed: {text[-400:]}" if text else ""

    def _ask(self, request: dict[str, Any], fds: Sequence[int] = ()) -> dict[str, Any]:
        with self._lock:
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], list(fds))
            except OSError as error:  # it died (bwrap dies with the thread that started it)
                raise ZygoteUnavailable(f"the zygote is gone ({error}){self.log_tail()}") from None
            return self._receive(REPLY_SECONDS)

    def spawn(self, fds: list[int], uid: int | None = None) -> int:
        """A child for one submission, given its pipe ends (and, from a root zygote, the uid
        it runs as); its P1's pid in the zygote."""
        self.served += 1
        request = {"op": SPAWN, "uid": uid, "covers": self.covers,
                   "keep": under(command.python_mounts(), self.covers),
                   "cwd": self.scratch, "tmp_bytes": self.limits.scratch_bytes,
                   "limits": per_process_limits(self.limits)}
        reply = self._ask(request, fds)
        if "error" in reply or not self._confined(reply):
            raise ZygoteUnavailable(f"the zygote could not start a submission: "
                                    f"{reply.get('error') or reply}")
        return reply["p1"]

    def _confined(self, reply: dict[str, Any]) -> bool:
        """Whether the child's P1 says it keeps no capability, inherits none and (when this
        zygote was given the filter) is filtered: else no student code may run in it."""
        masks = [reply.get(name) for name in ("capabilities", "inheritable", "ambient")]
        filter_in_place = reply.get("seccomp") == SECCOMP_FILTERED
        return masks == [0, 0, 0] and (filter_in_place or not self.filtered)

    def end(self, p1: int, grace: float = 0.0) -> int:
        """Kill the child's PID 1 (after ``grace`` seconds) and reap it; its wait status."""
        reply = self._ask({"op": END, "p1": p1, "grace": grace})
        if "status" not in reply:
            raise ZygoteUnavailable(f"the zygote could not end a submission: {reply}")
        return reply["status"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the zygote (its children die with it) and remove its staged files."""
        process = getattr(self, "process", None)
        if process is not None:
            try:
                socket.send_fds(self.sock, [json.dumps({"op": EXIT}).encode()], [])
                process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                kill_group(process)
                process.wait()
            self.sock.close()
            self._log.close()
        made = getattr(self, "cgroup", None)  # None, or not yet asked for
        if made is not None:
            made.remove()
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)


def _read_reply(message: bytes) -> dict[str, Any]:
    """A reply of the zygote's: one JSON object, else ZygoteUnavailable (cut short, say)."""
    try:
        reply = json.loads(message)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        raise ZygoteUnavailable(f"the zygote's reply is unreadable: {message[:200]!r}")
    return reply


def under(paths: list[str], folders: list[str]) -> list[str]:
    """The folders to mount again for ``paths`` inside one of ``folders``, which a child's
    fresh tmpfs would hide: each path's own folder (a file's, such as the interpreter, is
    the folder holding it), none inside another, outermost first."""
    inside = {p if os.path.isdir(p) else os.path.dirname(p) for p in paths
              if any(p.startswith(f.rstrip("/") + "/") for f in folders)}
    outermost = [p for p in inside if not any(p.startswith(q + "/") for q in inside)]
    return sorted(outermost, key=len)


def per_process_limits(limits: command.Limits) -> dict[str, int]:
    """The limits P1 sets for the worker and everything it starts."""
    return {"as": limits.memory_bytes, "cpu": limits.cpu_seconds, "fsize": limits.file_bytes,
            "core": 0, "nproc": limits.processes}


class Pool:
    """The zygotes of this grader: one per job at a time, kept idle between submissions.
    (:data:`POOL` is the grader's; a test may make its own.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[ZygoteProcess] = []

    def take(self, isolation: Isolation, limits: command.Limits) -> ZygoteProcess:
        """An idle zygote of ``isolation`` and ``limits``, else a new one. (bwrap's
        --die-with-parent ends a zygote with the thread that started it: a dead one found
        here is closed.)"""
        with self._lock:
            dead = [zygote for zygote in self._idle if not zygote.alive]
            found = next((z for z in self._idle if z.alive and (z.isolation, z.limits)
                          == (isolation, limits)), None)
            self._idle = [z for z in self._idle if z.alive and z is not found]
        for zygote in dead:
            zygote.close()
        return found or ZygoteProcess(isolation, limits)

    def give(self, zygote: ZygoteProcess, restart_every: int = Settings.zygote_restart_every) -> None:
        """Keep ``zygote`` for the next submission, or replace it after ``restart_every``."""
        if zygote.alive and zygote.served < restart_every:
            with self._lock:
                self._idle.append(zygote)
        else:
            zygote.close()

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for zygote in idle:
            zygote.close()


POOL = Pool()
atexit.register(POOL.close_all)


class WarmSandbox(Sandbox):
    """A worker forked from a zygote; :class:`Sandbox`'s channel, its own start and end."""

    def __init__(self, isolation: Isolation, limits: command.Limits = command.Limits(),
                 restart_every: int = Settings.zygote_restart_every, pool: Pool | None = None) -> None:
        super().__init__(isolation, limits)
        self.restart_every = restart_every
        self.pool = pool or POOL
        self.zygote: ZygoteProcess | None = None
        self.p1: int | None = None  # the child's PID 1, in the zygote's pid namespace
        self.status: int | None = None  # its wait status, once ended
        self._oom_before = 0  # the cgroup's counts when this child was forked
        self._cpu_before: float | None = None

    def start(self) -> None:
        """A child of a zygote; a zygote that fails is replaced once (a new one may work:
        say, the old one was killed), then the failure is the grader's."""
        refuse_if_ending()
        try:
            self._spawn()
        except ZygoteUnavailable:
            try:
                self._spawn()
            except ZygoteUnavailable as failed:
                raise SandboxBroken(str(failed)) from None
        self._enter()

    def _spawn(self) -> None:
        self.zygote = zygote = self.pool.take(self.isolation, self.limits)
        if zygote.root and self.claim is None:
            self.claim = uids.claim()
        (in_r, in_w), (out_r, out_w), (res_r, res_w) = [os.pipe() for _ in range(PIPES)]
        self.cgroup = zygote.cgroup
        if self.cgroup is not None:  # a cap reached after the last submission's last message
            self.cgroup.take_alarm()
        self._oom_before = self.cgroup.oom_kills() if self.cgroup else 0
        self._cpu_before = self.cgroup.cpu_seconds() if self.cgroup else None
        try:
            self.p1 = zygote.spawn([in_r, out_w, res_w], self.uid)
        except ZygoteUnavailable:
            for fd in (in_w, out_r, res_r):
                os.close(fd)
            zygote.close()
            self.zygote = self.cgroup = None
            raise
        finally:
            for fd in (in_r, out_w, res_w):
                os.close(fd)
        self._stdin, self._stdout = os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb")
        self._responses = res_r
        self._start_drain()

    def cpu_seconds(self) -> float | None:
        """CPU seconds this child's processes have used (its cgroup's count since it was
        forked), or None where no cgroup measures them."""
        if self.cgroup is None or self._cpu_before is None:
            return None
        now = self.cgroup.cpu_seconds()
        return None if now is None else now - self._cpu_before

    def _end(self, grace: float = 0.0) -> int | None:
        """End the child, once; its wait status (None: no child was started)."""
        if self.p1 is not None and self.zygote is not None:
            self.status, self.p1 = self.zygote.end(self.p1, grace), None
        return self.status

    def kill(self) -> None:
        """End the child (SIGKILL to its P1, reaped), then give back its zygote, cgroup and
        uid. Where the zygote could not confirm the end (it died), every process of the uid
        is killed instead (``Claim.release``)."""
        self._leave()
        clean = True
        zygote = self.zygote
        if zygote is not None:
            try:
                self._end()
            except ZygoteUnavailable:
                clean = False
            finally:
                if self._stdin is not None:
                    self._close_channel()
                    self._stdin = None
                if clean:
                    self.pool.give(zygote, self.restart_every)
                else:  # dead, or past trusting: never another child
                    zygote.close()
                self.zygote = None
        self.cgroup = None  # the zygote's, kept for its next submission
        if self.claim is not None:  # a reaped pid namespace leaves nothing of the uid
            reaped = clean and self.status is not None
            self.claim.give_back() if reaped else self.claim.release()
            self.claim = None

    def _end_now(self) -> None:
        """From another thread (:func:`~.process.all_stopped`): SIGKILL the zygote, whose pid
        namespace takes this child with it; the thread using the sandbox then finds the child
        gone and, the zygote unable to confirm it, kills every process of its uid."""
        kill_group(getattr(self.zygote, "process", None))

    def _exit_reason(self) -> str:
        """How the worker ended: P1 exits with its code (128 + N for signal N); P1 killed by
        us means the worker was still alive but had closed its channel. A zygote that cannot
        say (it died meanwhile) is the child's doing only where its cap was reached; else
        ZygoteDied: the grader's, and the submission is graded again from a new zygote."""
        try:
            status = self._end(DIED_GRACE_SECONDS)
        except ZygoteUnavailable as gone:
            if self._reached_cap():
                return self.capped()
            if ending():  # all_stopped() killed it on purpose
                raise
            raise ZygoteDied(f"the zygote died while a submission ran, not at its doing "
                             f"({gone})") from None
        if self._reached_cap():
            return self.capped()
        assert status is not None, "a child's channel was read, so a child was started"
        if os.WIFSIGNALED(status):
            return "closed its connection to the grader"
        code = os.waitstatus_to_exitcode(status)
        return describe_exit(code - 128 if code > SIGNALLED else code)


    def _reached_cap(self) -> bool:
        """True when the kernel killed one of this child's processes at its memory cap."""
        return self.cgroup is not None and self.cgroup.oom_kills() > self._oom_before


def open_sandbox(isolation: Isolation, limits: command.Limits = command.Limits(),
                 restart_every: int = Settings.zygote_restart_every) -> Sandbox:
    """A sandbox of ``isolation``, not started: warm from a zygote, or fresh."""
    if isolation.warm:
        return WarmSandbox(isolation, limits, restart_every)
    return Sandbox(isolation, limits)


def probe(isolation: Isolation, limits: command.Limits = command.Limits()) -> None:
    """Start a zygote of ``isolation`` and one child with every namespace and no capability
    (kept in :data:`POOL` for the first submission); ZygoteUnavailable when it cannot."""
    zygote = POOL.take(isolation, limits)
    pipes = [os.pipe() for _ in range(PIPES)]
    try:
        p1 = zygote.spawn([pipes[0][0], pipes[1][1], pipes[2][1]],
                          uids.PROBE_UID if zygote.root else None)
        zygote.end(p1)
    except BaseException:
        zygote.close()
        raise
    finally:
        for fd in (fd for pair in pipes for fd in pair):
            os.close(fd)
    zygote.served = 0
    POOL.give(zygote)
