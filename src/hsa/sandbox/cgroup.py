"""A cap on each submission as a whole: its memory and its number of processes, together;
and a fair share of the CPU, with the CPU time it used measured.

The per-process limits (``prlimit``: 1 GiB of address space, 16 processes) let one
submission take 16 GiB; two jobs could ask for more than the machine has, and the
kernel's OOM killer might then pick the grader. Where the grader may make a cgroup (as
root, a child of its own cgroup: v1's memory, pids, cpu and cpuacct hierarchies, or v2
with those controllers delegated), each zygote gets one of its own (:class:`Cgroup`), in
two parts beneath it:

* ``zygote/`` holds the zygote, moved there once it has started (its memory so far stays
  charged where it was);
* ``submission/`` holds the child the zygote serves (one at a time) and everything it
  forks: the setup child joins it before it forks anything (v1: it writes ``0`` to the
  ``tasks`` files the grader opened for it; v2: the zygote forks it there with
  ``clone3(CLONE_INTO_CGROUP)``), so the cap is the submission's: ``Limits.submission_memory``
  bytes (swap included) and ``Limits.processes`` processes. The kernel's OOM killer then
  chooses only among the submission's processes, never the zygote.

Moving a process by pid (``cgroup.procs``) waits for an RCU grace period (11-19 ms here);
a thread moving itself through v1's ``tasks``, or a fork into v2's cgroup, does not
(0.03 ms, 2 ms). The whole (the zygote's cgroup) has the same caps plus the zygote's room
(:data:`ZYGOTE_MEMORY`), an equal share of the CPU and at most one CPU
(:data:`CPU_SHARES`, :data:`CPU_QUOTA`): a neighbour that forks busy processes, each in a
session of its own, takes no more than its one CPU. v1's OOM notification (an eventfd the
grader waits on beside the worker's channel) stops the submission at once; on v2
``memory.oom.group`` kills all of it at the cap, seen when the worker dies.

Where it may not (a container whose cgroup filesystem is read-only, as on Gradescope; an
ordinary user), :func:`fallback_processes` sizes the per-process limits instead, so that
``jobs`` submissions at their worst fit in the machine's memory, and budgets count wall
time. The provenance records which (:func:`describe`).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import pathlib
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..outcomes import Isolation
    from .command import Limits

ROOT = pathlib.Path("/sys/fs/cgroup")
V1_HIERARCHIES = ("memory", "pids", "cpu", "cpuacct")
V1_OPTIONAL = frozenset({"cpu", "cpuacct"})  # without them: no CPU share, budgets in wall time
V2_CONTROLLERS = ("memory", "pids", "cpu")
ZYGOTE, SUBMISSION = "zygote", "submission"  # the two parts of a zygote's cgroup

ZYGOTE_MEMORY = 256 << 20
"""Bytes the zygote's cgroup allows beyond its submission's cap: the zygote's own growth
after it moved in (a few pages per child). Its submission reaches its own cap first."""

SETUP_PROCESSES = 1
"""Processes of a submission's cgroup besides ``Limits.processes``: the setup child, until
the zygote reaps it."""

ZYGOTE_IN_CGROUP = 2
"""The zygote itself and a setup child, besides a submission's processes."""

CPU_SHARES = 1024
"""Each zygote's cgroup's share of the CPU (v1 ``cpu.shares``; v2 ``cpu.weight`` 100): the
same for every zygote, so two jobs split a busy machine evenly."""

CPU_PERIOD_US = 100_000
CPU_QUOTA = 1.0
"""CPUs a zygote's cgroup may use at most (v1 ``cpu.cfs_quota_us``, v2 ``cpu.max``): a
submission's CPU time then grows no faster than wall time."""

_counter = itertools.count()


def _own(hierarchy: str) -> str | None:
    """This process's cgroup path in ``hierarchy`` ("" for v2), from /proc/self/cgroup."""
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if hierarchy in controllers.split(",") or (hierarchy == "" and number == "0"):
            return path
    return None


def _write(path: pathlib.Path | str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def kind() -> str | None:
    """"v1", "v2" or None: how submissions can be capped here (tried once, by making one)."""
    return _probe()[0]


def counts_cpu() -> bool:
    """True when a submission's cgroup measures the CPU time it uses and caps it at one CPU
    here: its budgets then count CPU time (:mod:`.clock`)."""
    return _probe()[1]


@functools.lru_cache(maxsize=None)
def _probe() -> tuple[str | None, bool]:
    """(kind, counts CPU) of a cgroup made and removed here, or (None, False)."""
    if os.geteuid() != 0:
        return None, False
    for candidate in ("v1", "v2"):
        try:
            probe = Cgroup(candidate, 64 << 20, 4)
        except OSError:
            continue
        probe.remove()
        for parent in {folder.parent for folder in probe.dirs}:
            sweep(parent)
        return candidate, probe.counts_cpu
    return None, False


def sweep(parent: pathlib.Path) -> None:
    """Remove the empty cgroups that graders no longer alive left in ``parent`` (one that
    ended with ``os._exit`` or a signal leaves its zygotes' cgroups behind)."""
    for folder in parent.glob("hsa-*-*"):
        try:
            os.kill(int(folder.name.split("-")[1]), 0)
        except ProcessLookupError:
            try:
                for part in (ZYGOTE, SUBMISSION):
                    if (folder / part).is_dir():
                        (folder / part).rmdir()
                folder.rmdir()
            except OSError:  # still holds a process: leave it
                pass
        except (ValueError, PermissionError):
            pass


def capped_by_cgroup(isolation: Isolation) -> bool:
    """True when each submission of ``isolation`` gets a cgroup here (warm sandboxes)."""
    return isolation.warm and kind() is not None


def cpu_counted(isolation: Isolation) -> bool:
    """True when a submission of ``isolation`` is given its share of the CPU here and its
    budgets count the CPU time it used (:mod:`.clock`)."""
    return capped_by_cgroup(isolation) and counts_cpu()


def submission_limits(limits: Limits, isolation: Isolation, jobs: int | None = None) -> Limits:
    """``limits`` as a submission of ``isolation`` gets them here: without a cgroup, the
    process limit sized by :func:`fallback_processes` for ``jobs`` (default: one per CPU, one
    where the number of CPUs cannot be told)."""
    if capped_by_cgroup(isolation):
        return limits
    jobs = jobs or os.cpu_count() or 1
    return dataclasses.replace(limits, processes=fallback_processes(limits, jobs))


def describe(limits: Limits, isolation: Isolation) -> str:
    """What caps a submission as a whole here, for the provenance."""
    if capped_by_cgroup(isolation):
        return (f"cgroup {kind()}: {limits.submission_memory >> 20} MiB and {limits.processes} "
                "processes")
    return f"rlimits: {limits.processes} processes x {limits.memory_bytes >> 20} MiB"


def fallback_processes(limits: Limits, jobs: int, total: int | None = None) -> int:
    """Without a cgroup: the process limit that keeps ``jobs`` submissions, each of
    ``processes`` x ``memory_bytes`` at worst, within the machine's memory (at least 4)."""
    total = total or os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    fits = total // (max(1, jobs) * limits.memory_bytes)
    return max(4, min(limits.processes, fits))


class Cgroup:
    """One zygote's cgroup, with ``zygote/`` and ``submission/`` beneath it: in each v1
    hierarchy (v1) or in the one (v2). See the module's docstring."""

    def __init__(self, version: str, memory: int, processes: int) -> None:
        self.version = version
        name = f"hsa-{os.getpid()}-{next(_counter)}"
        self.tops = self._tops(version, name)
        self.dirs = list(dict.fromkeys(self.tops.values()))
        self.alarm: int | None = None  # v1: the eventfd told of the submission's OOM
        self.counts_cpu = False
        try:
            self._make(memory, processes)
        except OSError:
            self.remove()
            raise

    @staticmethod
    def _tops(version: str, name: str) -> dict[str, pathlib.Path]:
        """{controller: the zygote's cgroup folder}; co-mounted v1 hierarchies share one."""
        if version == "v2":
            own = _own("")
            if own is None or not (ROOT / "cgroup.controllers").exists():
                raise OSError("no cgroup v2 hierarchy at /sys/fs/cgroup")
            return dict.fromkeys(V2_CONTROLLERS, ROOT / own.lstrip("/") / name)
        tops = {}
        for hierarchy in V1_HIERARCHIES:
            own = _own(hierarchy)
            if own is None or not (ROOT / hierarchy).is_dir():
                if hierarchy in V1_OPTIONAL:
                    continue
                raise OSError(f"no cgroup v1 {hierarchy} hierarchy here")
            tops[hierarchy] = (ROOT / hierarchy).resolve() / own.lstrip("/") / name
        return tops

    def part(self, controller: str, which: str = SUBMISSION) -> pathlib.Path:
        return self.tops[controller] / which

    def _make(self, memory: int, processes: int) -> None:
        for folder in self.dirs:
            folder.mkdir()
        if self.version == "v2":
            self._enable_v2_controllers()
        for folder in self.dirs:
            for which in (ZYGOTE, SUBMISSION):
                (folder / which).mkdir()
        _write(self.tops["pids"] / "pids.max", str(processes + ZYGOTE_IN_CGROUP))
        _write(self.part("pids") / "pids.max", str(processes + SETUP_PROCESSES))
        self._cap_memory(self.tops["memory"], memory + ZYGOTE_MEMORY)
        self._cap_memory(self.part("memory"), memory)
        if self.version == "v1":
            self._watch_oom()
        else:
            _write(self.part("memory") / "memory.oom.group", "1")  # the cap ends it all
        self.counts_cpu = self._share_cpu()

    def _enable_v2_controllers(self) -> None:
        """v2: memory and pids for the parts (required), cpu where delegated."""
        top = self.tops["memory"]
        _write(top / "cgroup.subtree_control", "+memory +pids")
        try:
            _write(top / "cgroup.subtree_control", "+cpu")
        except OSError:
            del self.tops["cpu"]

    def _cap_memory(self, folder: pathlib.Path, memory: int) -> None:
        if self.version == "v2":
            _write(folder / "memory.max", str(memory))
            if (folder / "memory.swap.max").exists():  # where swap is accounted at all
                _write(folder / "memory.swap.max", "0")
            return
        _write(folder / "memory.limit_in_bytes", str(memory))
        swap = folder / "memory.memsw.limit_in_bytes"
        if swap.exists():  # memory and swap together: no way around the cap by swapping
            _write(swap, str(memory))

    def _share_cpu(self) -> bool:
        """An equal share and one CPU at most for the whole; True when the submission's CPU
        time can be read too."""
        if "cpu" not in self.tops:
            return False
        top, quota = self.tops["cpu"], int(CPU_QUOTA * CPU_PERIOD_US)
        if self.version == "v2":
            _write(top / "cpu.weight", str(CPU_SHARES * 100 // 1024))
            _write(top / "cpu.max", f"{quota} {CPU_PERIOD_US}")
            return True
        _write(top / "cpu.shares", str(CPU_SHARES))
        _write(top / "cpu.cfs_period_us", str(CPU_PERIOD_US))
        _write(top / "cpu.cfs_quota_us", str(quota))
        return "cpuacct" in self.tops

    def _watch_oom(self) -> None:
        """v1: an eventfd that becomes readable when the submission reaches its cap."""
        self.alarm = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        folder = self.part("memory")
        control = os.open(folder / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _write(folder / "cgroup.event_control", f"{self.alarm} {control}")
        finally:
            os.close(control)

    def take_alarm(self) -> bool:
        """True when the cap was reached since the last call (v1: reads the eventfd)."""
        if self.alarm is None:
            return False
        try:
            return os.eventfd_read(self.alarm) > 0
        except BlockingIOError:
            return False

    def attach(self, pid: int) -> None:
        """Move the zygote (by its pid here) into its part: once per zygote."""
        for folder in self.dirs:
            _write(folder / ZYGOTE / "cgroup.procs", str(pid))

    def entry(self) -> tuple[str, list[int]]:
        """How a setup child enters the submission's part, and the descriptors it needs
        (opened here, by the grader: the kernel checks the opener's rights): v1 ``"tasks"``,
        each hierarchy's ``tasks`` file, where the child writes ``0`` (itself); v2
        ``"clone"``, the folder the zygote forks it into."""
        if self.version == "v2":
            return "clone", [os.open(self.part("memory"), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)]
        return "tasks", [os.open(folder / SUBMISSION / "tasks", os.O_WRONLY | os.O_CLOEXEC)
                         for folder in self.dirs]

    def oom_kills(self) -> int:
        """How many of the submission's processes the kernel killed at its cap."""
        try:
            if self.version == "v1":
                text = (self.part("memory") / "memory.oom_control").read_text()
                fields = dict(line.split() for line in text.splitlines())
                return int(fields.get("oom_kill", 0))
            text = (self.part("memory") / "memory.events").read_text()
            return int(dict(line.split() for line in text.splitlines()).get("oom_kill", 0))
        except (OSError, ValueError):
            return 0

    def cpu_seconds(self) -> float | None:
        """CPU seconds every process of the submission's part has used since it was made
        (the zygote's next submissions included: take differences); None where unmeasured."""
        if not self.counts_cpu:
            return None
        try:
            if self.version == "v1":
                return int((self.part("cpuacct") / "cpuacct.usage").read_text()) / 1e9
            text = (self.part("cpu") / "cpu.stat").read_text()
            return int(dict(line.split() for line in text.splitlines())["usage_usec"]) / 1e6
        except (OSError, ValueError, KeyError):
            return None

    def remove(self) -> None:
        """Remove the cgroup (its processes must be gone: reaped)."""
        if self.alarm is not None:
            os.close(self.alarm)
            self.alarm = None
        for folder in self.dirs:
            for each in (folder / SUBMISSION, folder / ZYGOTE, folder):
                _rmdir(each)


def _rmdir(folder: pathlib.Path) -> None:
    for _ in range(100):  # the last of its processes may still be exiting
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def outer_pid(pidfd: int) -> int:
    """The pid, in this process's pid namespace, of the process a pidfd refers to."""
    for line in pathlib.Path(f"/proc/self/fdinfo/{pidfd}").read_text().splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise OSError(f"no Pid in the fdinfo of pidfd {pidfd}")
