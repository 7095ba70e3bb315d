"""The command lines that start the worker: resource limits, bubblewrap, dropping to a uid.

Pure functions of their arguments: they start nothing and change no file.
"""

import os
import pathlib
import sys
from dataclasses import dataclass

from ..outcomes import Isolation
from ..untrusted import FILES as WORKER_FILES, WORKER

PRIVATE_TMP = ("/tmp", "/var/tmp")  # made private without bubblewrap, where root can
INSIDE = "/sandbox"  # where the worker's two files are mounted inside bubblewrap
SCRATCH = "/scratch"  # the worker's writable folder inside bubblewrap


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 120
    processes: int = 16  # also bounds the memory of a submission: processes x memory_bytes
    file_bytes: int = 16 * 1024 * 1024
    scratch_bytes: int = 32 * 1024 * 1024
    max_output: int = 64 * 1024


def python_mounts():
    """Read-only paths the worker's Python needs: the interpreter and site-packages."""
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}
    return sorted(p for p in paths if os.path.exists(p))


def bwrap(uid, scratch_bytes=Limits.scratch_bytes):
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
    argv += ["--perms", "01777", "--size", str(scratch_bytes), "--tmpfs", "/tmp"]
    for path in python_mounts():
        for parent in reversed(pathlib.PurePath(path).parents):
            if str(parent) != "/":
                argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    return argv


def setpriv(uid):
    """Drop to ``uid`` with no groups and no capabilities (as root only)."""
    return ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"]


def prlimit(limits, extra_processes=0):
    """``prlimit`` wrapper: limits that bind the worker and all it starts.

    (``prlimit`` rather than ``preexec_fn``, which is unsafe in a threaded grader.)
    """
    return ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
            f"--fsize={limits.file_bytes}", "--core=0",
            f"--nproc={limits.processes + extra_processes}", "--"]


def worker(isolation, uid, worker_dir, channel_fd, limits=Limits(), private_namespaces=False):
    """The whole command line for one worker of ``isolation``.

    ``worker_dir`` holds the worker's files (``WORKER_FILES``): mounted at ``INSIDE`` under
    bubblewrap, run in place otherwise. ``uid`` is the sandbox's own user, or None.
    ``private_namespaces``: without bubblewrap, start it with a network of its own and a
    private, size-limited ``/tmp`` (see :func:`private_namespaces_prefix`).
    -E -s: ignore PYTHON* variables and the user's site-packages (not -I: the worker
    imports protocol.py from its own folder).
    """
    isolation = Isolation(isolation)  # the string "bwrap" must not fall through to no sandbox
    python = [sys.executable, "-E", "-s"]
    if isolation is Isolation.BWRAP:
        mounts = [arg for name in WORKER_FILES
                  for arg in ("--ro-bind", str(worker_dir / name), f"{INSIDE}/{name}")]
        argv = bwrap(uid, limits.scratch_bytes) + ["--perms", "0755", "--dir", INSIDE, *mounts,
                                                   "--perms", "01777", "--size", str(limits.scratch_bytes),
                                                   "--tmpfs", SCRATCH, "--chdir", SCRATCH, "--"]
        return argv + (setpriv(uid) if uid is not None else []) + python + [
            f"{INSIDE}/{WORKER}", str(channel_fd)]
    drop = setpriv(uid) if isolation is Isolation.PROCESS_USER else []
    argv = drop + python + [str(worker_dir / WORKER), str(channel_fd)]
    return private_namespaces_prefix(limits.scratch_bytes) + argv if private_namespaces else argv


def private_namespaces_prefix(tmp_bytes=Limits.scratch_bytes):
    """As root, without bubblewrap: a network namespace of its own (no way out, not even to
    the host's loopback) and a mount namespace whose ``/tmp`` and ``/var/tmp`` are private
    size-limited tmpfs, then ``exec`` the rest of the command line."""
    mounts = " && ".join(f"mount -t tmpfs -o size={tmp_bytes},mode=1777 tmpfs {path}"
                         for path in PRIVATE_TMP)
    return ["unshare", "--net", "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", f'{mounts} && exec "$@"', "sh"]
