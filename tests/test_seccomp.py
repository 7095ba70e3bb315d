"""The system-call filter on student code (hsa.sandbox.seccomp).

What its program decides is read here instruction by instruction, for this machine's
architecture (a small interpreter of the classic BPF that libseccomp emits); then, in a real
sandboxed child of every isolation level this machine allows, each refused call gets EPERM
(clone3 ENOSYS), the child keeps no capability, inherits none and leads its own session,
while numpy, threads, fork, subprocess, multiprocessing and tempfile work as they did
without the filter. Last, what ``hsa grade`` does where no filter can be had.
"""

import errno
import json
import os
import pathlib
import random
import struct
import subprocess
import sys
import time

import pytest

from hsa.exceptions import SandboxUnavailable
from hsa.outcomes import Isolation
from hsa.sandbox import command, isolation as isolations, seccomp, uids, warm
from hsa.sandbox.command import Limits
from hsa.sandbox.preflight import hidden_python
from hsa.untrusted import protocol

needs_filter = pytest.mark.skipif(seccomp.problem() is not None,
                                  reason=f"no system-call filter here: {seccomp.problem()}")

EPERM, ENOSYS = seccomp.act_errno(errno.EPERM), seccomp.act_errno(errno.ENOSYS)
ALLOW = seccomp.ACT_ALLOW
SIGCHLD = 17
THREAD_FLAGS = 0x3D0F00  # what pthread_create passes clone: VM, FS, FILES, SIGHAND, THREAD...
VFORK_FLAGS = 0x4000 | 0x100 | SIGCHLD  # CLONE_VFORK | CLONE_VM: posix_spawn, subprocess
DOCKERS_PERSONALITIES = (0, 8, 0x20000, 0x20008, 0xFFFFFFFF)
AUDIT_ARCH_I386 = 0x40000003
X32_SYSCALL_BIT = 0x40000000


# ------------------------------------------------------- the program, instruction by instruction
def decide(program: bytes, number: int, args: tuple = (), arch: int | None = None) -> int:
    """The action ``program`` returns for system call ``number`` with ``args`` (seccomp_data:
    nr, arch, instruction pointer, six arguments, in this machine's byte order)."""
    arch = seccomp.native_arch() if arch is None else arch
    data = struct.pack("=iIQ6Q", number, arch, 0, *(list(args) + [0] * 6)[:6])
    code = [struct.unpack_from("=HBBI", program, at) for at in range(0, len(program), 8)]
    a = x = pc = 0
    memory = [0] * 16
    while True:
        op, jt, jf, k = code[pc]
        pc += 1
        kind = op & 0x07
        if op == 0x20:  # LD word at an absolute offset of seccomp_data
            a = struct.unpack_from("=I", data, k)[0]
        elif op in (0x00, 0x60):  # LD an immediate, or from memory
            a = k if op == 0x00 else memory[k]
        elif op in (0x01, 0x61):  # LDX an immediate, or from memory
            x = k if op == 0x01 else memory[k]
        elif kind in (0x02, 0x03):  # ST, STX
            memory[k] = a if kind == 0x02 else x
        elif kind == 0x04:  # ALU on A with K or X
            a = _alu(op & 0xF0, a, x if op & 0x08 else k)
        elif kind == 0x05:  # JMP
            if op & 0xF0 == 0x00:
                pc += k
                continue
            value = x if op & 0x08 else k
            holds = {0x10: a == value, 0x20: a > value, 0x30: a >= value,
                     0x40: a & value != 0}[op & 0xF0]
            pc += jt if holds else jf
        elif kind == 0x06:  # RET K or A
            return a if op & 0x18 == 0x10 else k
        elif op in (0x87, 0x8F):  # TAX, TXA
            x, a = (a, a) if op == 0x87 else (x, x)
        else:
            raise AssertionError(f"an instruction this interpreter does not know: {op:#x}")


ALU = {0x00: int.__add__, 0x10: int.__sub__, 0x20: int.__mul__, 0x40: int.__or__,
       0x50: int.__and__, 0x60: lambda a, b: a << (b & 31), 0x70: int.__rshift__,
       0xA0: int.__xor__}


def _alu(op: int, a: int, b: int) -> int:
    return ALU[op](a, b) & 0xFFFFFFFF


def action(name: str, *args: int, arch: int | None = None) -> int:
    return decide(seccomp.program(), seccomp.syscall_number(name), args, arch)


def names_here(names: list[str]) -> list[str]:
    """Those of ``names`` this architecture has (none where libseccomp is missing)."""
    try:
        return [n for n in names if seccomp.syscall_number(n) is not None]
    except seccomp.FilterUnavailable:
        return []


@needs_filter
def test_every_class_is_refused_with_eperm():
    refused = [n for names in seccomp.REFUSED.values() for n in names]
    assert {n for n in refused if seccomp.syscall_number(n) is None} <= {
        "umount", "inotify_init"}  # what some architectures never had
    assert {name: action(name) for name in names_here(refused)} == {
        name: EPERM for name in names_here(refused)}


@needs_filter
def test_clone3_gets_enosys_so_the_c_library_falls_back_to_clone():
    assert action("clone3", 0, 0) == ENOSYS


@needs_filter
def test_clone_is_refused_a_namespace_and_allowed_a_fork_a_thread_or_a_vfork():
    at = seccomp.clone_flags_argument()

    def clone(flags):
        args = [0] * 5
        args[at] = flags
        return action("clone", *args)
    assert [clone(flag | SIGCHLD) for flag in seccomp.CLONE_NAMESPACES] == \
        [EPERM] * len(seccomp.CLONE_NAMESPACES)
    assert clone(THREAD_FLAGS | 0x10000000) == EPERM  # a thread in a new user namespace
    assert [clone(flags) for flags in (SIGCHLD, THREAD_FLAGS, VFORK_FLAGS)] == [ALLOW] * 3


@needs_filter
def test_keyctl_may_only_join_a_fresh_anonymous_session_keyring():
    assert action("keyctl", seccomp.KEYCTL_JOIN_SESSION_KEYRING, 0) == ALLOW
    assert action("keyctl", seccomp.KEYCTL_JOIN_SESSION_KEYRING, 0x7FFF0000) == EPERM  # by name
    assert action("keyctl", 1 | 1 << 32, 0) == EPERM  # the kernel would read 1: refused too
    for option in (0, 2, 5, 6, 8, 10, 11, 21):  # get id, update, setperm, describe, link...
        assert action("keyctl", option, -4 & 0xFFFFFFFFFFFFFFFF) == EPERM
    assert action("add_key") == EPERM and action("request_key") == EPERM


@needs_filter
@pytest.mark.parametrize("name", names_here(["fcntl", "fcntl64"]))
def test_fcntl_is_refused_locks_leases_and_notifications_only(name):
    assert [action(name, 3, cmd) for cmd in seccomp.FCNTL_REFUSED] == \
        [EPERM] * len(seccomp.FCNTL_REFUSED)
    assert action(name, 3, 1 << 32 | 6) == EPERM  # F_SETLK, whatever the upper half says
    everyday = (0, 1, 2, 3, 4, 5, 36, 1030, 1031, 1032, 1033, 1034)  # dup, flags, GETLK, pipes, seals
    assert [action(name, 3, cmd) for cmd in everyday] == [ALLOW] * len(everyday)


@needs_filter
def test_personality_is_refused_beyond_what_docker_allows():
    assert [action("personality", p) for p in DOCKERS_PERSONALITIES] == [ALLOW] * 5
    others = [1 << bit for bit in range(64) if bit not in (3, 17)]
    others += [0x0040000, 0xFFFDFFF7, 0xFFFDFFFF, 0xFFFFFFF7, 0x1_FFFFFFFF, 1 << 32 | 8]
    assert {hex(p) for p in others if action("personality", p) != EPERM} == set()
    rng = random.Random(24)
    for value in [rng.getrandbits(32) for _ in range(2000)] + [rng.getrandbits(64) for _ in range(200)]:
        expected = ALLOW if value in DOCKERS_PERSONALITIES else EPERM
        assert action("personality", value) == expected, hex(value)


@needs_filter
def test_typing_into_a_terminal_and_vsock_and_alg_sockets_are_refused():
    assert action("ioctl", 0, 0x5412) == EPERM and action("ioctl", 0, 0x541C) == EPERM
    assert [action("ioctl", 0, cmd) for cmd in (0x5401, 0x5413, 0x541B)] == [ALLOW] * 3
    assert [action("socket", family, 1) for family in (38, 40)] == [EPERM, EPERM]
    assert [action("socket", family, 1) for family in (1, 2, 10, 16)] == [ALLOW] * 4


@needs_filter
def test_everyday_calls_are_allowed():
    everyday = names_here(["read", "write", "openat", "close", "mmap", "mprotect", "munmap",
                           "futex", "getpid", "wait4", "execve", "pipe2", "prctl", "setsid",
                           "kill", "rt_sigaction", "clock_gettime", "getrandom", "madvise",
                           "sched_yield", "exit_group", "vfork", "fork", "shmget", "semop"])
    assert {name: action(name) for name in everyday} == {name: ALLOW for name in everyday}


@needs_filter
def test_another_architectures_calls_are_refused():
    """The 32-bit calls an x86-64 process can make (int 0x80) have a table of their own."""
    assert action("getpid", arch=AUDIT_ARCH_I386) == EPERM
    if os.uname().machine == "x86_64":  # x32's calls: the same table with bit 30 set
        number = seccomp.syscall_number("unshare") | X32_SYSCALL_BIT
        assert decide(seccomp.program(), number) == EPERM


# ----------------------------------------------------- a real child of each isolation level
def available() -> list:
    """The isolation levels this machine can start, with why each other one cannot."""
    levels = []
    for level in Isolation:
        reason = None
        if level.fresh is Isolation.BWRAP and isolations.bwrap_problem():
            reason = isolations.bwrap_problem()
        elif level.fresh is Isolation.PROCESS_USER and os.geteuid() != 0:
            reason = "process-user is a root grader's fallback"
        elif level is Isolation.PROCESS_USER and hidden_python(level):
            reason = (f"this Python is under {hidden_python(level)}, which process-user's private "
                      "/tmp hides from the worker (hsa grade's preflight names it: test_faults.py)")
        elif level is Isolation.PROCESS_USER_ZYGOTE and not isolations.namespaces_work():
            reason = "unshare cannot make namespaces here"
        elif level.warm:
            try:
                warm.ZygoteProcess(level, Limits()).close()
            except Exception as error:  # noqa: BLE001 - the reason is shown
                reason = f"no zygote of {level} here: {error}"
        levels.append(pytest.param(level, marks=pytest.mark.skipif(
            reason is not None, reason=str(reason))))
    return levels


LEVELS = available()

CALLS = {  # label -> (system call, arguments): harmless, each made in a child of its own
    "add_key": ("add_key", [b"user", b"hsa-probe", b"x", 1, -1]),  # into the thread keyring
    "request_key": ("request_key", [b"user", b"hsa-probe-none", 0, 0]),
    "keyctl read @s": ("keyctl", [11, -3, 0, 0]),
    "keyctl join by name": ("keyctl", [1, b"hsa-probe-session"]),
    "unshare(user)": ("unshare", [0x10000000]),
    "unshare(0)": ("unshare", [0]),
    "setns": ("setns", [-1, 0]),
    "clone(new user ns)": ("clone", "clone"),
    "clone3": ("clone3", [0, 0]),
    "mount": ("mount", [b"none", b"/tmp", b"tmpfs", 0, 0]),
    "umount2": ("umount2", [b"/tmp", 2]),
    "pivot_root": ("pivot_root", [b"/", b"/"]),
    "move_mount": ("move_mount", [-1, b"", -1, b"", 0]),
    "open_tree": ("open_tree", [-1, b"", 0]),
    "fsopen": ("fsopen", [b"tmpfs", 0]),
    "fsconfig": ("fsconfig", [-1, 0, 0, 0, 0]),
    "fsmount": ("fsmount", [-1, 0, 0]),
    "fspick": ("fspick", [-1, b"", 0]),
    "mount_setattr": ("mount_setattr", [-1, b"", 0, 0, 0]),
    "io_uring_setup": ("io_uring_setup", [4, "buffer"]),
    "io_uring_enter": ("io_uring_enter", [-1, 0, 0, 0, 0, 0]),
    "io_uring_register": ("io_uring_register", [-1, 0, 0, 0]),
    "userfaultfd": ("userfaultfd", [1]),
    "perf_event_open": ("perf_event_open", ["perf", 0, -1, -1, 0]),
    "bpf": ("bpf", [0, 0, 0]),
    "ptrace(TRACEME)": ("ptrace", [0, 0, 0, 0]),
    "process_vm_readv": ("process_vm_readv", ["self", "vec", 1, "vec", 1, 0]),
    "process_vm_writev": ("process_vm_writev", ["self", "vec", 1, "vec", 1, 0]),
    "pidfd_getfd": ("pidfd_getfd", [-1, 0, 0]),
    "kexec_load": ("kexec_load", [0, 0, 0, 0]),
    "kexec_file_load": ("kexec_file_load", [-1, -1, 0, 0, 0]),
    "init_module": ("init_module", [0, 0, b""]),
    "finit_module": ("finit_module", [-1, b"", 0]),
    "delete_module": ("delete_module", [b"hsa_probe", 0]),
    "reboot": ("reboot", [0, 0, 0, 0]),
    "swapon": ("swapon", [0, 0]),
    "swapoff": ("swapoff", [0]),
    "acct": ("acct", [0]),
    "quotactl": ("quotactl", [0, 0, 0, 0]),
    "quotactl_fd": ("quotactl_fd", [-1, 0, 0, 0]),
    "personality(ADDR_NO_RANDOMIZE)": ("personality", [0x0040000]),
    "flock": ("flock", ["shared", 6]),  # LOCK_EX | LOCK_NB on a file every sandbox shares
    "fcntl(F_SETLK)": ("fcntl", ["shared", 6, "lock"]),
    "fcntl(F_SETLKW)": ("fcntl", ["shared", 7, "lock"]),
    "fcntl(F_OFD_SETLK)": ("fcntl", ["shared", 37, "lock"]),
    "fcntl(F_OFD_SETLKW)": ("fcntl", ["shared", 38, "lock"]),
    "fcntl(F_SETLEASE)": ("fcntl", ["own", 1024, 0]),
    "fcntl(F_NOTIFY)": ("fcntl", ["folder", 1026, 1]),
    "inotify_init1": ("inotify_init1", [0]),
    "ioctl(TIOCSTI)": ("ioctl", [-1, 0x5412, "buffer"]),
    "socket(AF_VSOCK)": ("socket", [40, 1, 0]),
    "socket(AF_ALG)": ("socket", [38, 5, 0]),
}

PROBE = """
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
NUMBERS, CALLS = {numbers!r}, {calls!r}
buffer = ctypes.create_string_buffer(4096)
perf = ctypes.create_string_buffer(bytes([1, 0, 0, 0, 128]) + bytes(123), 128)
vec = (ctypes.c_long * 2)(ctypes.addressof(buffer), 8)
lock = ctypes.create_string_buffer(struct.pack("hhqqi4x", 0, 0, 0, 0, 0))
def arg(value, shared, own, folder):
    special = dict(buffer=ctypes.addressof(buffer), perf=ctypes.addressof(perf), self=os.getpid(),
                   vec=ctypes.addressof(vec), lock=ctypes.addressof(lock), shared=shared,
                   own=own, folder=folder)
    if isinstance(value, bytes):
        return value
    return ctypes.c_long(special[value] if isinstance(value, str) else value)
def errno_of(name, args):
    if args == "clone":  # the flags in the first argument (the second on s390)
        args = [0] * 5
        args[{flags_at}] = 0x10000000 | 17
    shared = os.open("/usr/bin/env", os.O_RDONLY)  # a file every sandbox sees, read-only
    own = os.open("probe-lease", os.O_RDONLY | os.O_CREAT, 0o600)
    folder = os.open(".", os.O_RDONLY)
    result = libc.syscall(ctypes.c_long(NUMBERS[name]), *[arg(a, shared, own, folder) for a in args])
    return 0 if result >= 0 else ctypes.get_errno()
def attempt(name, args):
    pid = os.fork()
    if pid == 0:
        os._exit(errno_of(name, args))
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
def probe():
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    seen = {{label: attempt(name, args) for label, (name, args) in CALLS.items()}}
    seen.update({{field: status[field].strip() for field in ("Seccomp", "NoNewPrivs", "CapInh",
                                                            "CapAmb", "CapEff", "CapPrm")}})
    try:
        open("/dev/tty", "rb")
        seen["/dev/tty"] = "opened"
    except OSError as error:
        seen["/dev/tty"] = error.errno
    with open("/proc/self/stat") as stat:
        seen["controlling terminal"] = stat.read().rsplit(")", 1)[1].split()[4]
    return sorted(f"{{key}}: {{value}}" for key, value in seen.items())
"""

WORKS = r"""
import fcntl, os, subprocess, sys, tempfile, threading
import numpy as np
def probe():
    done = {}
    def attempt(name, work):
        try:
            done[name] = work()
        except BaseException as error:
            done[name] = f"{type(error).__name__}: {error}"
    def pool():
        import multiprocessing
        with multiprocessing.Pool(2) as workers:
            return workers.map(abs, [-1, -2])
    def fork():
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    def threads():
        got = []
        started = [threading.Thread(target=got.append, args=(i,)) for i in range(4)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
        return sorted(got)
    def temporary():
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"x")
            f.flush()
            return [os.path.getsize(f.name), os.path.isdir(tempfile.mkdtemp())]
    def library_lock():
        with open(os.__file__) as f:
            fcntl.flock(f, fcntl.LOCK_EX)
    attempt("multiprocessing", pool)
    attempt("subprocess", lambda: subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                                 capture_output=True, text=True).stdout.strip())
    attempt("fork", fork)
    attempt("threads", threads)
    attempt("linalg", lambda: [np.linalg.solve([[2.0, 1.0], [1.0, 3.0]], [1.0, 2.0]).round(6).tolist(),
                               np.linalg.eigvalsh([[2.0, 1.0], [1.0, 2.0]]).round(6).tolist()])
    attempt("tempfile", temporary)
    attempt("flock", library_lock)
    return sorted(f"{key}: {value}" for key, value in done.items())
"""


def ask(level: Isolation, code: str) -> dict[str, str]:
    """What ``probe()`` returns in a real sandboxed child of ``level``."""
    sandbox = warm.open_sandbox(level, Limits())
    sandbox.start()
    try:
        sandbox.send({"cells": [code], "skip": [], "names": ["probe"]})
        while sandbox.receive(time.monotonic() + 60).get("event") != protocol.READY:
            pass
        sandbox.send({"call": "probe", "args": []})
        reply = sandbox.receive(time.monotonic() + 120)
        assert "error" not in reply, reply
        return dict(line.split(": ", 1) for line in protocol.decode(reply["value"]))
    finally:
        sandbox.kill()


@needs_filter
@pytest.mark.sandbox
@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_a_real_child_is_refused_each_call_and_keeps_no_capability(level):
    calls = {label: (name, args) for label, (name, args) in CALLS.items()
             if seccomp.syscall_number(name) is not None}
    numbers = {name: seccomp.syscall_number(name) for name, _ in calls.values()}
    seen = ask(level, PROBE.format(numbers=numbers, calls=calls,
                                   flags_at=seccomp.clone_flags_argument()))
    refused = {label: seen[label] for label in calls}
    expected = {label: str(errno.EPERM) for label in calls}
    expected["clone3"] = str(errno.ENOSYS)
    assert refused == expected
    assert (seen["Seccomp"], seen["NoNewPrivs"]) == ("2", "1")
    assert {seen[mask] for mask in ("CapInh", "CapAmb", "CapEff", "CapPrm")} == {"0" * 16}
    assert seen["/dev/tty"] == str(errno.ENXIO)  # no controlling terminal: nothing to type into
    assert seen["controlling terminal"] == "0"


# What each level did before the filter, measured at b7d1bc7 as root (Debian 12): bubblewrap's
# fresh /dev has a /dev/shm that a sandbox uid cannot write, so no multiprocessing there.
NO_SHM = "PermissionError: [Errno 13] Permission denied"


@needs_filter
@pytest.mark.sandbox
@pytest.mark.parametrize("level", LEVELS, ids=str)
def test_numpy_threads_processes_and_temporary_files_still_work(level):
    skip_where_python_is_out_of_reach(level)
    done = ask(level, WORKS)
    assert done["fork"] == "3" and done["threads"] == "[0, 1, 2, 3]"
    assert done["linalg"] == "[[0.2, 0.6], [1.0, 3.0]]"
    assert done["tempfile"] == "[1, True]" and done["subprocess"] == "42"
    assert done["flock"] == "PermissionError: [Errno 1] Operation not permitted"
    no_shm = level is Isolation.BWRAP and os.geteuid() == 0
    assert done["multiprocessing"] == (NO_SHM if no_shm else "[1, 2]")


def skip_where_python_is_out_of_reach(level: Isolation) -> None:
    """Without bubblewrap the sandbox's user sees the host's folders as they are: a Python in a
    private one (pyenv's under /root) is not its to read, so what a cell imports late fails
    with or without the filter (the Gradescope zip's setup.sh copies such a Python)."""
    if level.fresh is Isolation.PROCESS_USER and not sandbox_user_runs_python():
        pytest.skip(f"a sandbox uid cannot read {os.__file__}")


def sandbox_user_runs_python() -> bool:
    """Whether a sandbox uid may read the grading Python's standard library (not pyenv's
    under /root, which a Python started from there then finds elsewhere or not at all)."""
    check = f"import os; raise SystemExit(not os.access({os.__file__!r}, os.R_OK))"
    probe = command.setpriv(uids.PROBE_UID) + ["/usr/bin/env", "python3", "-c", check]
    return subprocess.run(probe, capture_output=True, cwd="/").returncode == 0


# ------------------------------------------------------------ where no filter can be had
@pytest.fixture
def no_libseccomp(tmp_path: pathlib.Path) -> dict:
    """An environment whose libseccomp.so.2 cannot be loaded (as on a system without it)."""
    fake = tmp_path / "lib"
    fake.mkdir()
    (fake / "libseccomp.so.2").write_bytes(b"not a library")
    return {**os.environ, "LD_LIBRARY_PATH": str(fake)}


def hsa_grade(env: dict, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hsa.cli", "grade", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.sandbox
@pytest.mark.bwrap
def test_grade_refuses_without_the_filter_and_says_what_to_install(tmp_path, no_libseccomp):
    refused = hsa_grade(no_libseccomp, "--out", tmp_path / "out")
    assert refused.returncode == 2
    said = " ".join(refused.stderr.split())
    assert said.startswith("hsa grade: student code would run without its system-call filter "
                           "here: libseccomp.so.2 cannot be loaded (")
    assert "install libseccomp2 (Debian/Ubuntu: sudo apt-get install libseccomp2;" in said
    assert "pass --allow-weaker-sandbox to grade without the filter" in said
    assert not (tmp_path / "out").exists()


@pytest.mark.sandbox
@pytest.mark.bwrap
def test_a_weaker_sandbox_is_graded_when_allowed_and_the_provenance_says_so(tmp_path, no_libseccomp):
    import catalogue
    notebook = catalogue.build(catalogue.BY_NAME["kernel-surface"], tmp_path / "surface.ipynb",
                               "hsaweaker")
    done = hsa_grade(no_libseccomp, notebook, "--allow-weaker-sandbox", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "out" / "surface" / "results.json").read_text())["extra_data"]
    assert result["provenance"]["syscall_filter"].startswith(
        "none (libseccomp.so.2 cannot be loaded (")
    assert (result["status"], result["score"]) == ("graded", 0)
    assert "unshare(user, net, mount): allowed" in result["output"]  # what the filter refuses
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text()
    assert "none (libseccomp.so.2 cannot be loaded" in gradebook


def test_the_refusal_and_its_way_around(monkeypatch):
    monkeypatch.setattr(isolations, "bwrap_problem", lambda: None)
    monkeypatch.setattr(isolations, "warm_if_possible", lambda fresh: fresh)
    monkeypatch.setattr(seccomp, "problem", lambda: "libseccomp.so.2 cannot be loaded (x)")
    with pytest.raises(SandboxUnavailable, match="--allow-weaker-sandbox"):
        isolations.choose_isolation()
    assert isolations.choose_isolation(allow_weaker_sandbox=True) is Isolation.BWRAP
    monkeypatch.setattr(isolations, "bwrap_problem", lambda: "bubblewrap is not installed")
    assert isolations.choose_isolation(allow_unsandboxed=True) is Isolation.PROCESS
