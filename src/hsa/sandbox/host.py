"""What this host lets a sandbox do, asked once: can bubblewrap start here (and if not, which
setting refuses it and the ways on), has it ``--disable-userns``, can root give a process
namespaces of its own with ``unshare``.

Apart from :mod:`.isolation`, which chooses a level from these answers, so that the
sandbox's own modules (:mod:`.process`) can ask them without importing the choice.
"""

import functools
import os
import pathlib
import shutil
import subprocess
import sys

from . import command
from .uids import PROBE_UID


def bwrap_works() -> bool:
    """True when bubblewrap is installed and can create its namespaces here."""
    return bwrap_problem() is None


def bwrap_problem() -> str | None:
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


def refused(said: str) -> str:
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


def _sysctl(name: str) -> str | None:
    try:
        return pathlib.Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def namespaces_work() -> bool:
    """True when root can give a process a network and a ``/tmp`` of its own here (``unshare``,
    where bubblewrap cannot): then ``process-user`` runs the worker so, with no way out to
    the network and nothing written to the shared temporary folders."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(command.private_namespaces_prefix() + ["true"], capture_output=True,
                           timeout=60)
    return probe.returncode == 0
