"""Which isolation this machine allows, strongest first (the one used is recorded).

* ``bwrap``: bubblewrap with no network, a read-only view of the Python
  installation only (no project files, no tests, no other submission), its own
  PID namespace (nothing it starts outlives it), a size-limited private
  scratch directory as the only writable place, and an unprivileged user of
  its own when the grader runs as root.
* ``process-user``: where bubblewrap cannot create namespaces but the grader
  is root (Gradescope's containers), a child process as an unprivileged user
  of its own, with the same limits; it can still reach the network and read
  world-readable files.
* ``process``: a plain child process with the same resource limits. Only with an
  explicit opt-in (``--allow-unsandboxed``), since the student's code can then read
  what the grader's user can read.
"""

import functools
import os
import pathlib
import shutil
import subprocess
import sys

from ..exceptions import SandboxUnavailable, ZygoteUnavailable
from ..outcomes import Isolation
from . import command, seccomp
from .uids import PROBE_UID


def bwrap_works():
    """True when bubblewrap is installed and can create its namespaces here."""
    return bwrap_problem() is None


def bwrap_problem():
    """None when bubblewrap starts a sandbox here; else why not, as a sentence with what to do
    (missing, or refused its namespaces)."""
    if not shutil.which("bwrap"):
        return MISSING
    uid = PROBE_UID if os.geteuid() == 0 else None
    probe = subprocess.run(command.bwrap(uid) + ["--", sys.executable, "-c", "pass"],
                           capture_output=True, timeout=60)
    if probe.returncode == 0:
        return None
    said = probe.stderr.decode("utf-8", "replace").strip().splitlines()
    return refused(said[-1] if said else f"exit code {probe.returncode}")


MISSING = ("bubblewrap (bwrap) is not installed, so student code cannot be isolated. hsa grade "
           "isolates it on Linux, in WSL2 on Windows, or in a Linux container (Docker, Podman) "
           "on macOS: install it there (Debian/Ubuntu: sudo apt-get install bubblewrap). "
           "Elsewhere, or only if you accept running student code as yourself (it can then "
           "read your files and reach the network), pass --allow-unsandboxed.")

USERNS_SETTINGS = (  # (sysctl, the value that refuses, the value that allows), most specific first
    ("kernel.apparmor_restrict_unprivileged_userns", "1", "0"),  # Ubuntu 23.10 and later
    ("kernel.unprivileged_userns_clone", "0", "1"),              # older Debian
    ("user.max_user_namespaces", "0", "15000"),
)


def refused(said):
    """The operator's message when bubblewrap fails with ``said``: which setting refuses user
    namespaces here, and the three ways on."""
    setting = next((s for s in USERNS_SETTINGS if _sysctl(s[0]) == s[1]), None)
    if setting is None:
        cause = ("this system refuses the user namespaces bubblewrap needs (a container "
                 "without them, or a kernel setting)")
        change = ("allow unprivileged user namespaces (Ubuntu 24.04: sudo sysctl -w "
                  "kernel.apparmor_restrict_unprivileged_userns=0)")
    else:
        name, _, allow = setting
        cause = f"{name} = {_sysctl(name)} refuses the user namespaces bubblewrap needs"
        change = f"allow them with: sudo sysctl -w {name}={allow}"
    return (f"bubblewrap cannot start a sandbox here ({said}): {cause}. Either {change}; or "
            "run hsa grade as root (bubblewrap then runs each submission as a user of its own); "
            "or pass --allow-unsandboxed, which runs student code as you, without isolation "
            "(it can read your files and reach the network).")


@functools.lru_cache(maxsize=None)
def bwrap_disables_userns() -> bool:
    """Whether the installed bubblewrap has ``--disable-userns`` (0.8.0 and later): then a
    fresh sandbox in bubblewrap's own user namespace cannot make another one inside."""
    if not shutil.which("bwrap"):
        return False
    said = subprocess.run(["bwrap", "--help"], capture_output=True, timeout=60)
    return b"--disable-userns" in said.stdout + said.stderr


def _sysctl(name):
    try:
        return pathlib.Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def namespaces_work():
    """True when root can give a process a network and a ``/tmp`` of its own here (``unshare``,
    where bubblewrap cannot): then ``process-user`` runs the worker so, with no way out to
    the network and nothing written to the shared temporary folders."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(command.private_namespaces_prefix() + ["true"], capture_output=True,
                           timeout=60)
    return probe.returncode == 0


def network_reachable(isolation):
    """Whether student code under ``isolation`` can reach a network here (recorded)."""
    isolation = Isolation(isolation)
    if isolation is Isolation.BWRAP or isolation.warm:  # a network namespace of its own
        return False
    return not (isolation is Isolation.PROCESS_USER and namespaces_work())


def best_isolation():
    """The strongest isolation that works here (Gradescope: never refuses).

    Without namespaces, root can still run the worker as an unprivileged user of
    its own (``process-user``); anyone else only as themselves (``process``).
    """
    if bwrap_works():
        return warm_if_possible(Isolation.BWRAP)
    if os.geteuid() == 0:
        return warm_if_possible(Isolation.PROCESS_USER)
    return Isolation.PROCESS


def choose_isolation(allow_unsandboxed: bool = False,
                     allow_weaker_sandbox: bool = False) -> Isolation:
    """``bwrap``, or ``process`` when the operator accepts it; else SandboxUnavailable saying
    what is wrong and the ways on. Without the system-call filter (:mod:`.seccomp`), only
    when the operator accepts a weaker sandbox (``process`` is weaker already)."""
    problem = bwrap_problem()
    if problem is not None:
        if allow_unsandboxed:
            return Isolation.PROCESS
        raise SandboxUnavailable(problem)
    unfiltered = seccomp.problem()
    if unfiltered is not None and not allow_weaker_sandbox:
        raise SandboxUnavailable(no_filter(unfiltered))
    return warm_if_possible(Isolation.BWRAP)


def no_filter(reason: str) -> str:
    """The operator's message when student code cannot get the system-call filter here."""
    return (f"student code would run without its system-call filter here: {reason}. Without "
            "it, a submission can reach the kernel's keyrings (a channel to other submissions "
            "and to your own keys), make namespaces and mounts, and use io_uring, ptrace and "
            "file locks. Fix that, or pass --allow-weaker-sandbox to grade without the filter "
            "(each grade's provenance then says syscall_filter: none).")


ZYGOTE_SWITCH = "HSA_ZYGOTE"  # set to "off": a fresh sandbox per submission (to compare)


def warm_if_possible(fresh):
    """``fresh``'s warm variant (a zygote per job, :mod:`.warm`) where a zygote starts here
    and gives a child every namespace with no capability left; else ``fresh`` itself,
    which is the fallback (Docker's default seccomp profile, say, refuses ``unshare``)."""
    if os.environ.get(ZYGOTE_SWITCH, "").lower() == "off" or fresh.zygote is None:
        return fresh
    if fresh is Isolation.PROCESS_USER and not namespaces_work():  # as unshare(1) says
        return fresh
    from . import warm  # warm imports process, which imports this module
    try:
        warm.probe(fresh.zygote)
    except (ZygoteUnavailable, OSError):
        return fresh
    return fresh.zygote
