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

import os

from ..exceptions import SandboxUnavailable, ZygoteUnavailable
from ..outcomes import Isolation
from . import seccomp, warm
from .host import bwrap_problem, bwrap_works, namespaces_work


def network_reachable(isolation: Isolation) -> bool:
    """Whether student code under ``isolation`` can reach a network here (recorded)."""
    if isolation is Isolation.BWRAP or isolation.warm:  # a network namespace of its own
        return False
    return not (isolation is Isolation.PROCESS_USER and namespaces_work())


def best_isolation() -> Isolation:
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


def warm_if_possible(fresh: Isolation) -> Isolation:
    """``fresh``'s warm variant (a zygote per job, :mod:`.warm`) where a zygote starts here
    and gives a child every namespace with no capability left; else ``fresh`` itself,
    which is the fallback (Docker's default seccomp profile, say, refuses ``unshare``)."""
    if os.environ.get(ZYGOTE_SWITCH, "").lower() == "off" or fresh.zygote is None:
        return fresh
    if fresh is Isolation.PROCESS_USER and not namespaces_work():  # as unshare(1) says
        return fresh
    try:
        warm.probe(fresh.zygote)
    except (ZygoteUnavailable, OSError):
        return fresh
    return fresh.zygote
