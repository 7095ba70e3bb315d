"""The Linux calls the zygote needs and Python 3.10 to 3.13 lack: unshare, mount, capset,
prctl, sethostname, clone3 (ctypes on the C library; Linux only).

Runs inside the sandbox, beside ``zygote.py``; it holds no state and no data.
"""

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
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_SYS_CAPSET = 126  # x86_64 and the generic table disagree: see _capset_number()
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
LAST_CAPABILITY = 63  # beyond the kernel's last one, PR_CAPBSET_DROP says EINVAL


_SYS_CLONE3 = 435  # the same number on every architecture that has it
CLONE_INTO_CGROUP = 0x200000000
SIGCHLD = 17


class _CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack", "stack_size",
        "tls", "set_tid", "set_tid_size", "cgroup")]


def _check(result, what):
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def unshare(flags):
    _check(_libc.unshare(flags), "unshare")


def _bytes(text):
    return text.encode() if text is not None else None


def mount(source, target, fstype, flags=0, data=None):
    encode = _bytes
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)),
           f"mount {fstype or 'remount'} on {target}")


def prctl(option, arg=0):
    return _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl({option})")


def sethostname(name):
    _check(_libc.sethostname(name.encode(), len(name)), "sethostname")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _capset_number():
    machine = os.uname().machine
    return {"x86_64": 126, "aarch64": 91}.get(machine, _SYS_CAPSET)


def forbid_new_privileges():
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


def drop_every_capability():
    """:func:`forbid_new_privileges`, then empty the inheritable, permitted and effective
    sets: the process keeps no capability, even in its own user namespace (so it cannot
    unmount what covers the zygote's /proc and /tmp)."""
    forbid_new_privileges()
    header, data = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.syscall(_capset_number(), ctypes.byref(header), ctypes.byref(data)), "capset")


def effective_capabilities():
    """The effective capability mask (0 when none), from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    raise OSError(errno.ENOENT, "no CapEff line in /proc/self/status")


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
