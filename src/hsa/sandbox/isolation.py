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
import shutil
import subprocess
import sys

from ..exceptions import SandboxUnavailable, ZygoteUnavailable
from ..outcomes import Isolation
from . import command
from .uids import PROBE_UID


def bwrap_works():
    """True when bubblewrap is installed and can create its namespaces here."""
    if not shutil.which("bwrap"):
        return False
    uid = PROBE_UID if os.geteuid() == 0 else None
    probe = subprocess.run(command.bwrap(uid) + ["--", sys.executable, "-c", "pass"],
                           capture_output=True, timeout=60)
    return probe.returncode == 0


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


def choose_isolation(allow_unsandboxed=False):
    """``bwrap``, or ``process`` when the operator accepts it; else SandboxUnavailable."""
    if bwrap_works():
        return warm_if_possible(Isolation.BWRAP)
    if allow_unsandboxed:
        return Isolation.PROCESS
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is missing or cannot create namespaces here, so student code "
        "cannot be isolated. Install it (Debian/Ubuntu: apt-get install bubblewrap) or, "
        "only if you accept running student code without isolation, pass --allow-unsandboxed."
    )


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
