"""The Linux calls the zygote and the worker need and Python 3.10 to 3.13 lack: unshare,
mount, capset, prctl, sethostname, clone3 into a cgroup, keyctl and loading a seccomp filter
(ctypes on the C library; Linux only).

Runs inside the sandbox, beside ``zygote.py`` and ``worker.py``; it holds no state and no data.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]
_libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_libc.syscall.restype = ctypes.c_long
# the same library, called with the GIL held (as os.fork calls fork): for clone3
_libc_holding_gil = ctypes.PyDLL(_libc._name, use_errno=True)
_libc_holding_gil.syscall.restype = ctypes.c_long

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
EVERY_NAMESPACE = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                   | CLONE_NEWUTS)

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
# statvfs's f_flag bit -> the mount flag that keeps it on a remount (a locked flag may not
# be cleared by a remount in a child user namespace, so each must be repeated)
KEPT_ON_REMOUNT = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                   (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                   (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))

PR_SET_DUMPABLE = 4
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_SYS_CAPSET = 126  # x86_64 and the generic table disagree: see _capset_number()
_SYS_KEYCTL = 219  # the generic table's (aarch64, riscv64, loongarch64); x86_64: 250
KEYCTL_JOIN_SESSION_KEYRING = 1
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
LAST_CAPABILITY = 63  # beyond the kernel's last one, PR_CAPBSET_DROP says EINVAL


_SYS_CLONE3 = 435  # the same number on every architecture that has it
CLONE_INTO_CGROUP = 0x200000000
SIGCHLD = 17


class _CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
        "tls", "set_tid", "set_tid_size", "cgroup")]


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _bytes(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    encode = _bytes
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
           f"mount {fstype or 'remount'} on {target}")


def prctl(option: int, arg: int = 0, arg3: int = 0) -> int:
    return _check(_libc.prctl(option, arg, arg3, 0, 0), f"prctl({option})")


def sethostname(name: str) -> None:
    _check(_libc.sethostname(name.encode(), len(name)), "sethostname")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _capset_number() -> int:
    machine = os.uname().machine
    return {"x86_64": 126, "aarch64": 91}.get(machine, _SYS_CAPSET)


def forbid_new_privileges() -> None:
    """Empty the bounding and ambient sets and set no_new_privs: nothing this process runs
    later can gain a capability (file capabilities, setuid bits, uid 0's exec rule)."""
    for cap in range(LAST_CAPABILITY + 1):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError as error:
            if error.errno != errno.EINVAL:
                raise
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def drop_every_capability() -> None:
    """:func:`forbid_new_privileges`, then empty the inheritable, permitted and effective
    sets: the process keeps no capability, even in its own user namespace (so it cannot
    unmount what covers the zygote's /proc and /tmp)."""
    forbid_new_privileges()
    clear_capabilities()


def clear_capabilities() -> None:
    """Empty the ambient, inheritable, permitted and effective sets (allowed to anyone)."""
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    header, data = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.syscall(_capset_number(), ctypes.byref(header), ctypes.byref(data)), "capset")


def _status(field: str) -> str:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return line.split()[1]
    raise OSError(errno.ENOENT, f"no {field} line in /proc/self/status")


# ------------------------------------------------------- confining a process for good
class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _keyctl_number() -> int:
    return {"x86_64": 250, "aarch64": 219}.get(os.uname().machine, _SYS_KEYCTL)


def join_session_keyring() -> None:
    """A fresh anonymous session keyring of this process's own, as runc and crun give each
    container: the keyring it inherited (the grader's, an operator's login session's) is no
    longer its own. A kernel without keyrings has nothing to leave."""
    result = _libc.syscall(ctypes.c_long(_keyctl_number()),
                           ctypes.c_long(KEYCTL_JOIN_SESSION_KEYRING), ctypes.c_void_p(None))
    if result < 0 and ctypes.get_errno() != errno.ENOSYS:
        _check(result, "keyctl(KEYCTL_JOIN_SESSION_KEYRING)")


def leave_terminal() -> None:
    """No controlling terminal (nothing to type into with TIOCSTI): a session of its own if it
    still has one. Every sandbox starts in a new session already (bubblewrap's --new-session,
    a setsid'd zygote or worker), and setsid can cost milliseconds (a new autogroup)."""
    with open("/proc/self/stat") as stat:
        terminal = int(stat.read().rsplit(")", 1)[1].split()[4])  # tty_nr
    if terminal:
        os.setsid()


def load_filter(program: bytes) -> None:
    """Set no_new_privs and load ``program`` (a classic BPF program, 8 bytes an instruction)
    as this process's seccomp filter: it and everything it starts keep it for good. Only a
    process with one thread: another thread would stay unfiltered."""
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise OSError(errno.EBUSY, f"cannot filter a process with {threads} threads")
    if not program or len(program) % 8:
        raise OSError(errno.EINVAL, f"a seccomp program of {len(program)} bytes")
    code = ctypes.create_string_buffer(bytes(program), len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(code, ctypes.c_void_p))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


def confine(program: bytes | None = None) -> None:
    """Before any student code: a fresh session keyring, no capability in any set, no
    controlling terminal, then (given one) the seccomp filter, which also refuses keyring
    calls (but for joining a fresh session keyring) and TIOCSTI."""
    join_session_keyring()
    clear_capabilities()
    leave_terminal()
    if program is not None:
        load_filter(program)


def seccomp_mode() -> int:
    """0: no filter; 2: a seccomp filter is in place."""
    return int(_status("Seccomp"))


def confinement() -> dict[str, int]:
    """What :func:`confine` left, as the grader checks it: the seccomp mode and the
    inheritable, ambient and effective capability masks."""
    masks = {"inheritable": "CapInh", "ambient": "CapAmb", "capabilities": "CapEff"}
    return {"seccomp": seccomp_mode(),
            **{name: int(_status(field), 16) for name, field in masks.items()}}


def fork_into(cgroup_fd: int) -> int:
    """``os.fork()``, the child born in the cgroup v2 folder ``cgroup_fd`` is open on
    (``clone3`` with ``CLONE_INTO_CGROUP``): no process is moved, so no RCU grace period is
    waited for. 0 in the child, its pid in the parent; Python's fork hooks run as for
    ``os.fork`` (the zygote is single-threaded)."""
    args = _CloneArgs(flags=CLONE_INTO_CGROUP, exit_signal=SIGCHLD, cgroup=cgroup_fd)
    ctypes.pythonapi.PyOS_BeforeFork()
    pid = _libc_holding_gil.syscall(_SYS_CLONE3, ctypes.byref(args), ctypes.sizeof(args))
    if pid == 0:
        ctypes.pythonapi.PyOS_AfterFork_Child()
        return 0
    err = ctypes.get_errno()
    ctypes.pythonapi.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(err, f"clone3 into a cgroup: {os.strerror(err)}")
    return pid
