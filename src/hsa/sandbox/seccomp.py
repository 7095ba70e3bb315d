"""The system-call filter on every process that runs student code (seccomp, as Docker's).

Compiled here, on the trusted side, once per grader, with libseccomp (``libseccomp.so.2``,
which Debian and Ubuntu ship: apt depends on it) for this machine's architecture, and
handed to the sandbox as a classic BPF program: to ``bwrap --seccomp FD`` (a fresh
sandbox, which loads it in its PID 1 and in the worker), to each zygote once at its start
(which loads it in every child's PID 1, before the worker is forked), or to the worker
itself where there is no bubblewrap. Whoever loads it first joins a fresh session keyring
and clears the inheritable and ambient capabilities (:func:`hsa.untrusted.kernel.confine`).

What it refuses, by class, with ``EPERM`` (an ordinary ``PermissionError`` in Python, never
a kill): see :data:`REFUSED` and the conditional rules below; ``clone3`` gets ``ENOSYS``,
as from Docker, because its flags are in a struct that a filter cannot read: the C library
then falls back to ``clone``, whose namespace flags the filter sees. Everything else is
allowed: numpy, threads, ``fork``, ``subprocess``, ``multiprocessing`` and ``tempfile``
work as before. A system call of another architecture (the 32-bit ``int 0x80`` on
x86-64) gets ``EPERM`` too.

Where libseccomp is missing or the kernel refuses the filter, :func:`problem` says so (and
what to install); ``hsa grade`` then refuses to start without ``--allow-weaker-sandbox``
and the grade's provenance records ``syscall_filter: none (...)``.
"""

import ctypes
import errno
import functools
import os
import subprocess
import sys

from ..exceptions import FilterUnavailable

# ------------------------------------------------------------------ what is refused
REFUSED = {  # class -> the calls refused outright (names this architecture lacks are skipped)
    "keyrings": ("add_key", "request_key"),  # keyctl: below (a fresh session keyring only)
    "namespaces": ("unshare", "setns"),  # clone: below, by its flags; clone3: ENOSYS
    "mounts": ("mount", "umount", "umount2", "pivot_root", "move_mount", "open_tree",
               "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"),
    "io_uring": ("io_uring_setup", "io_uring_enter", "io_uring_register"),
    "userfaultfd": ("userfaultfd",),
    "perf_event_open": ("perf_event_open",),
    "bpf": ("bpf",),
    "tracing": ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"),
    "the machine's administration": (
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd"),
    "file locks": ("flock",),  # fcntl's locks, leases and notifications: below
    # a shared read-only file's opens and reads, seen by any other submission's watch
    "inotify": ("inotify_init", "inotify_init1"),
}
ENOSYS_CALLS = ("clone3",)
CLONE_NAMESPACES = (0x00020000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000,
                    0x02000000)  # NEWNS, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWCGROUP
# F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_NOTIFY
FCNTL_REFUSED = (6, 7, 37, 38, 1024, 1026)
IOCTL_REFUSED = (0x5412, 0x541C)  # TIOCSTI (type into a terminal), TIOCLINUX
# AF_ALG (the kernel's crypto API) and AF_VSOCK (host and guest sockets: not bound by a
# network namespace), as Docker refuses them
SOCKET_FAMILIES_REFUSED = (38, 40)
KEYCTL_JOIN_SESSION_KEYRING = 1
# personality(2): only what Docker allows, 0, UNAME26 (8), PER_LINUX32 (0x20000), both, and
# the query 0xffffffff (see _personality_rules)
PERSONALITY_KEPT_BITS = (3, 17)
PERSONALITY_QUERY = 0xFFFFFFFF

# libseccomp's constants (seccomp.h)
ACT_ALLOW = 0x7FFF0000
_ACT_ERRNO = 0x00050000
CMP_NE, CMP_GT, CMP_EQ, CMP_MASKED_EQ = 1, 6, 4, 7
FLTATR_ACT_BADARCH = 2
FLTATR_CTL_OPTIMIZE = 8
LOW_32 = 0xFFFFFFFF  # an int argument: the kernel reads its low 32 bits only

Comparison = tuple[int, int, int, int]  # (argument, op, a, b), as libseccomp's scmp_arg_cmp
Rule = tuple[int, str, tuple[Comparison, ...]]  # (action, system call, all must hold)


def act_errno(code: int) -> int:
    return _ACT_ERRNO | (code & 0xFFFF)


class _Compare(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


INSTALL = ("install libseccomp2 (Debian/Ubuntu: sudo apt-get install libseccomp2; Fedora: "
           "sudo dnf install libseccomp)")


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    if not sys.platform.startswith("linux"):
        raise FilterUnavailable("seccomp filters exist on Linux only")
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError as error:
        raise FilterUnavailable(f"libseccomp.so.2 cannot be loaded ({error}): {INSTALL}") from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_Compare)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_arch_native.restype = ctypes.c_uint32
    return lib


def native_arch() -> int:
    """This machine's architecture as the filter sees it (an AUDIT_ARCH_* value)."""
    return _library().seccomp_arch_native()


def syscall_number(name: str) -> int | None:
    """The number of system call ``name`` on this machine's architecture, or None where it
    has none (FilterUnavailable without libseccomp)."""
    number = _library().seccomp_syscall_resolve_name(name.encode())
    return number if number >= 0 else None


def clone_flags_argument() -> int:
    """Which argument of clone(2) holds its flags: the second on s390, the first elsewhere."""
    return 1 if os.uname().machine.startswith("s390") else 0


def rules() -> list[Rule]:
    """Every rule of the filter, as (action, system call, comparisons); a rule holds when all
    its comparisons do (each ``(argument, op, a, b)`` as libseccomp's), and a call is refused
    when any of its rules holds."""
    eperm = act_errno(errno.EPERM)
    found: list[Rule] = [(eperm, name, ()) for names in REFUSED.values() for name in names]
    found += [(act_errno(errno.ENOSYS), name, ()) for name in ENOSYS_CALLS]
    # keyctl: only KEYCTL_JOIN_SESSION_KEYRING with no name (a fresh anonymous keyring)
    found += [(eperm, "keyctl", ((0, CMP_NE, KEYCTL_JOIN_SESSION_KEYRING, 0),)),
              (eperm, "keyctl", ((1, CMP_NE, 0, 0),))]
    flags = clone_flags_argument()
    found += [(eperm, "clone", ((flags, CMP_MASKED_EQ, flag, flag),)) for flag in CLONE_NAMESPACES]
    found += [(eperm, name, ((1, CMP_MASKED_EQ, LOW_32, cmd),))
              for name in ("fcntl", "fcntl64") for cmd in FCNTL_REFUSED]
    found += [(eperm, "ioctl", ((1, CMP_MASKED_EQ, LOW_32, cmd),)) for cmd in IOCTL_REFUSED]
    found += [(eperm, "socket", ((0, CMP_MASKED_EQ, LOW_32, family),))
              for family in SOCKET_FAMILIES_REFUSED]
    return found + [(eperm, "personality", (compare,)) for compare in _personality_rules()]


def _personality_rules() -> list[Comparison]:
    """personality(2) is refused unless its argument is one Docker allows: 0, 8, 0x20000,
    0x20008 or 0xffffffff. libseccomp takes one comparison per argument in a rule, so the
    complement is written as a union: any upper bit set; any of the other 30 bits set with
    the next of them (in a cycle) clear, which holds for every mix of them but none and all;
    and the three values with all 30 set but not the query."""
    others = [bit for bit in range(32) if bit not in PERSONALITY_KEPT_BITS]
    found = [(0, CMP_GT, LOW_32, 0)]
    for bit, after in zip(others, others[1:] + others[:1]):
        mask = (1 << bit) | (1 << after)
        found.append((0, CMP_MASKED_EQ, mask, 1 << bit))
    all_others = sum(1 << bit for bit in others)
    kept = [sum(1 << b for b, on in zip(PERSONALITY_KEPT_BITS, bits) if on)
            for bits in ((0, 0), (1, 0), (0, 1), (1, 1))]
    found += [(0, CMP_EQ, all_others | k, 0) for k in kept if all_others | k != PERSONALITY_QUERY]
    return found


# ------------------------------------------------------------------- building it
@functools.lru_cache(maxsize=None)
def program() -> bytes:
    """The filter as a classic BPF program for this machine's architecture (bytes, 8 per
    instruction); FilterUnavailable when libseccomp cannot build it."""
    lib = _library()
    context = lib.seccomp_init(ACT_ALLOW)
    if not context:
        raise FilterUnavailable(f"libseccomp could not start a filter: {INSTALL}")
    try:
        _check(lib.seccomp_attr_set(context, FLTATR_ACT_BADARCH, act_errno(errno.EPERM)),
               "another architecture's calls")
        lib.seccomp_attr_set(context, FLTATR_CTL_OPTIMIZE, 2)  # a binary tree (2.5 and later)
        for action, name, compares in rules():
            number = syscall_number(name)
            if number is None:
                continue
            array = (_Compare * max(1, len(compares)))(*[_Compare(*c) for c in compares])
            _check(lib.seccomp_rule_add_array(context, action, number, len(compares), array),
                   f"the rule for {name}")
        return _export(lib, context)
    finally:
        lib.seccomp_release(context)


def _export(lib: ctypes.CDLL, context: int) -> bytes:
    fd = os.memfd_create("hsa-seccomp-export", os.MFD_CLOEXEC)
    try:
        _check(lib.seccomp_export_bpf(context, fd), "exporting the filter")
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _check(result: int, what: str) -> None:
    if result < 0:
        raise FilterUnavailable(f"libseccomp refused {what} ({os.strerror(-result)}); "
                                f"{INSTALL} (version 2.4 or later)")


def program_fd() -> int:
    """A file descriptor holding :func:`program`, read from its start (for ``bwrap --seccomp``
    and a zygote); the caller passes it on (``pass_fds``) and closes it. Not a pipe: a user
    with many pipes gets 4 KiB buffers, and the program may be larger."""
    fd = os.memfd_create("hsa-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program())
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd


# -------------------------------------------------------------- can it be used here
# Loads the filter in a fresh interpreter as the sandbox does, then checks that a refused call
# is refused and that an allowed one still works.
_LOAD_CHECK = """
import ctypes, os, sys
sys.path.insert(0, sys.argv[1])
import kernel
kernel.confine(os.read(0, 1 << 20))
if kernel.seccomp_mode() != 2:
    sys.exit("the filter is not in place")
try:
    kernel.unshare(0)
    sys.exit("unshare was not refused")
except PermissionError:
    pass
if os.fork() == 0:
    os._exit(7)
print(os.waitstatus_to_exitcode(os.wait()[1]))
"""


@functools.lru_cache(maxsize=None)
def problem() -> str | None:
    """None when the filter can be built and loaded here; else why not, with what to do."""
    try:
        compiled = program()
    except FilterUnavailable as unavailable:
        return str(unavailable)
    from ..untrusted import kernel
    folder = os.path.dirname(kernel.__file__)
    done = subprocess.run([sys.executable, "-E", "-s", "-c", _LOAD_CHECK, folder],
                          input=compiled, capture_output=True, timeout=60)
    if done.returncode == 0 and done.stdout.strip() == b"7":
        return None
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
    return (f"this kernel does not apply the system-call filter ({said[-1] if said else done.returncode}): "
            "grade on a Linux kernel with seccomp filters (CONFIG_SECCOMP_FILTER), or in a "
            "container that allows the seccomp() call")


def describe() -> str:
    """The provenance's ``syscall_filter``: what filters student code's system calls here."""
    reason = problem()
    if reason is not None:
        return f"none ({reason})"
    classes = list(REFUSED) + ["clone3 (ENOSYS)", "new namespaces by clone", "fcntl locks",
                               "TIOCSTI", "AF_ALG and AF_VSOCK sockets", "personality"]
    return f"seccomp, EPERM for {', '.join(classes)}"
