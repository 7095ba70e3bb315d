"""The command lines that start the worker: resource limits, bubblewrap, dropping to a uid.

Pure functions of their arguments: they start nothing and change no file.
"""

import os
import pathlib
import sys
from dataclasses import dataclass

from ..outcomes import Isolation
from ..settings import Settings
from ..untrusted import FILES as WORKER_FILES, WORKER

PRIVATE_TMP = ("/tmp", "/var/tmp")  # made private without bubblewrap, where root can
INSIDE = "/sandbox"  # where the worker's two files are mounted inside bubblewrap
SCRATCH = "/scratch"  # the worker's writable folder inside bubblewrap
ZYGOTE_FILES = WORKER_FILES + ("zygote.py",)  # what a zygote needs of hsa.untrusted
PYTHON = [sys.executable, "-E", "-s"]
# A zygote's processes besides its child's: itself, bwrap's init, the setup child C and P1
# while they start, and room for a child still being reaped.
ZYGOTE_PROCESSES = 8
# What a root zygote keeps in bubblewrap: to make its children's namespaces and mounts
# (SYS_ADMIN), to empty their bounding sets (SETPCAP), to give them their uids.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1024 * 1024 * 1024  # each process's address space
    cpu_seconds: int = 120
    processes: int = 16  # without a cgroup, also bounds a submission: processes x memory_bytes
    file_bytes: int = 16 * 1024 * 1024
    scratch_bytes: int = 32 * 1024 * 1024
    max_output: int = 64 * 1024
    submission_memory: int = Settings().submission_memory_bytes  # all of a submission's processes (cgroup)


def python_mounts() -> list[str]:
    """Read-only paths the worker's Python needs: the interpreter and site-packages."""
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}
    return sorted(p for p in paths if os.path.exists(p))


def bwrap(uid: int | None, scratch_bytes: int = Limits.scratch_bytes,
          caps: tuple[str, ...] = ("CAP_SETUID", "CAP_SETGID"), seccomp_fd: int | None = None,
          disable_userns: bool = False) -> list[str]:
    """bwrap's options. The private /tmp comes before the Python mounts, so that a Python
    installed under /tmp (a virtual environment there, say) is mounted on top of it, not
    hidden by it. As root (``uid`` given) the sandbox keeps ``caps``, to drop to ``uid``.
    ``seccomp_fd``: a filter bubblewrap loads in its PID 1 and in the command it starts;
    ``disable_userns`` (its own user namespace only, where bubblewrap has the option): no
    user namespace can be made inside."""
    argv = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if uid is None:
        argv += ["--unshare-user"] + (["--disable-userns"] if disable_userns else [])
    else:
        argv += ["--cap-add", ",".join(caps)]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    for path in ("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"):
        argv += ["--ro-bind-try", path, path]
    argv += ["--perms", "01777", "--size", str(scratch_bytes), "--tmpfs", "/tmp"]
    for path in python_mounts():
        for parent in reversed(pathlib.PurePath(path).parents):
            if str(parent) != "/":
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    return argv


def setpriv(uid: int) -> list[str]:
    """Drop to ``uid`` with no groups and no capabilities (as root only)."""
    return ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"]


def prlimit(limits: Limits, extra_processes: int = 0) -> list[str]:
    """``prlimit`` wrapper: limits that bind the worker and all it starts.

    (``prlimit`` rather than ``preexec_fn``, which is unsafe in a threaded grader.)
    """
    return ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
            f"--fsize={limits.file_bytes}", "--core=0",
            f"--nproc={limits.processes + extra_processes}", "--"]


def worker(isolation: Isolation, uid: int | None, worker_dir: pathlib.Path,
           channel_fd: int, limits: Limits = Limits(), private_namespaces: bool = False,
           filter_fd: int | None = None, disable_userns: bool = False) -> list[str]:
    """The whole command line for one worker of ``isolation``.

    ``worker_dir`` holds the worker's files (``WORKER_FILES``): mounted at ``INSIDE`` under
    bubblewrap, run in place otherwise. ``uid`` is the sandbox's own user, or None.
    ``private_namespaces``: without bubblewrap, start it with a network of its own and a
    private, size-limited ``/tmp`` (see :func:`private_namespaces_prefix`).
    ``filter_fd``: the seccomp filter (:mod:`.seccomp`), which bubblewrap loads, or else the
    worker itself before it reads a cell; ``disable_userns``: see :func:`bwrap`.
    -E -s: ignore PYTHON* variables and the user's site-packages (not -I: the worker
    imports protocol.py from its own folder).
    """
    _check(isolation)
    if isolation is Isolation.BWRAP:
        argv = bwrap(uid, limits.scratch_bytes, seccomp_fd=filter_fd,
                     disable_userns=disable_userns and uid is None)
        argv += _inside(worker_dir, limits, WORKER_FILES)
        return argv + (setpriv(uid) if uid is not None else []) + PYTHON + [
            f"{INSIDE}/{WORKER}", str(channel_fd)]
    drop: list[str] = []
    if isolation is Isolation.PROCESS_USER:
        if uid is None:  # never run as the grader's own user where a uid of its own was meant
            raise ValueError("process-user isolation runs the worker as a uid of its own "
                             "(claimed as root): none was given")
        drop = setpriv(uid)
    own_filter = [] if filter_fd is None else [str(filter_fd)]
    argv = drop + PYTHON + [str(worker_dir / WORKER), str(channel_fd), *own_filter]
    return private_namespaces_prefix(limits.scratch_bytes) + argv if private_namespaces else argv


def _inside(worker_dir: pathlib.Path, limits: Limits, files: tuple[str, ...]) -> list[str]:
    """bwrap's options after :func:`bwrap`: ``files`` of ``worker_dir`` at ``INSIDE``, the
    scratch folder, and the end of bwrap's own options."""
    argv = ["--perms", "0755", "--dir", INSIDE]
    for name in files:
        argv += ["--ro-bind", str(worker_dir / name), f"{INSIDE}/{name}"]
    return argv + ["--perms", "01777", "--size", str(limits.scratch_bytes), "--tmpfs", SCRATCH,
                   "--chdir", SCRATCH, "--"]


def zygote(isolation: Isolation, root: bool, worker_dir: pathlib.Path, channel_fd: int,
           limits: Limits = Limits(), extra_processes: int = 0,
           filter_fd: int | None = None) -> list[str]:
    """The whole command line that starts a zygote (:mod:`hsa.untrusted.zygote`) for the
    warm ``isolation``, its socket at ``channel_fd`` (and the seccomp filter that it loads in
    each child at ``filter_fd``, when given: never in itself, which makes namespaces).

    As ``root`` (design R of the study) the zygote stays root in bubblewrap with only
    ``ZYGOTE_CAPS``, so that each child can make its namespaces, mount its own /proc and
    become a uid of its own; otherwise (design U) bubblewrap gives it a user namespace of its
    own. Its process limit leaves room for one child's ``limits.processes`` and its own.
    Without bubblewrap (root only) it runs in ``worker_dir``, where its files were staged.
    """
    _check(isolation)
    prefix = prlimit(limits, ZYGOTE_PROCESSES + extra_processes)
    own_filter = [] if filter_fd is None else [str(filter_fd)]
    if isolation is Isolation.BWRAP_ZYGOTE:
        sandbox = bwrap(0 if root else None, limits.scratch_bytes, ZYGOTE_CAPS)
        return prefix + sandbox + _inside(worker_dir, limits, ZYGOTE_FILES) + PYTHON + [
            f"{INSIDE}/zygote.py", str(channel_fd), *own_filter]
    if isolation is Isolation.PROCESS_USER_ZYGOTE:
        return prefix + PYTHON + [str(worker_dir / "zygote.py"), str(channel_fd), *own_filter]
    raise ValueError(f"no zygote for isolation {isolation}")


def private_namespaces_prefix(tmp_bytes: int = Limits.scratch_bytes) -> list[str]:
    """As root, without bubblewrap: a network namespace of its own (no way out, not even to
    the host's loopback) and a mount namespace whose ``/tmp`` and ``/var/tmp`` are private
    size-limited tmpfs, then ``exec`` the rest of the command line."""
    mounts = " && ".join(f"mount -t tmpfs -o size={tmp_bytes},mode=1777 tmpfs {path}"
                         for path in PRIVATE_TMP)
    return ["unshare", "--net", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", f'{mounts} && exec "$@"', "sh"]


def _check(isolation: object) -> None:
    """Refuse anything but an :class:`Isolation` (parsed once, where a session starts): the
    string "bwrap" compares unequal by identity and would fall through to no sandbox."""
    if not isinstance(isolation, Isolation):
        raise TypeError(f"an Isolation is needed here, not {isolation!r}")
