"""A cap on each submission as a whole: its memory and its number of processes, together.

The per-process limits (``prlimit``: 1 GiB of address space, 16 processes) let one
submission take 16 GiB; two jobs could ask for more than the machine has, and the
kernel's OOM killer might then pick the grader. Where the grader may make a cgroup (as
root, a child of its own cgroup: v1's memory and pids hierarchies, or v2 with both
controllers delegated), each zygote is moved into one of its own once it has started (its
memory so far stays charged where it was), so every child it forks is counted there; it
serves one submission at a time, so the cgroup caps that submission: ``Limits.submission_memory``
bytes (swap included) and ``Limits.processes`` processes. (One move per zygote: moving each
submission's PID 1 cost 4-15 ms of waiting for an RCU grace period after the forks.) v1's
OOM notification (an eventfd the grader waits on beside the worker's channel) stops the
submission at once; on v2 (untested here) a kill at the cap is seen when the worker dies.

Where it may not (a container whose cgroup filesystem is read-only, as on Gradescope),
:func:`fallback_processes` sizes the per-process limits instead, so that ``jobs``
submissions at their worst fit in the machine's memory. The provenance records which
(:func:`describe`).
"""

import dataclasses
import functools
import itertools
import os
import pathlib
import time

V1 = pathlib.Path("/sys/fs/cgroup")
_counter = itertools.count()


def _own(hierarchy):
    """This process's cgroup path in ``hierarchy`` ("" for v2), from /proc/self/cgroup."""
    for line in pathlib.Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if controllers.split(",") == [hierarchy] or (hierarchy == "" and number == "0"):
            return path
    return None


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


@functools.lru_cache(maxsize=None)
def kind():
    """"v1", "v2" or None: how submissions can be capped here (tried once, by making one)."""
    if os.geteuid() != 0:
        return None
    for candidate in ("v1", "v2"):
        try:
            probe = Cgroup(candidate, 64 << 20, 4)
        except OSError:
            continue
        probe.remove()
        for parent in {folder.parent for folder in probe.dirs}:
            sweep(parent)
        return candidate
    return None


def sweep(parent):
    """Remove the empty cgroups that graders no longer alive left in ``parent`` (one that
    ended with ``os._exit`` or a signal leaves its zygotes' cgroups behind)."""
    for folder in parent.glob("hsa-*-*"):
        try:
            os.kill(int(folder.name.split("-")[1]), 0)
        except ProcessLookupError:
            try:
                folder.rmdir()
            except OSError:  # still holds a process: leave it
                pass
        except (ValueError, PermissionError):
            pass


def capped_by_cgroup(isolation):
    """True when each submission of ``isolation`` gets a cgroup here (warm sandboxes)."""
    return isolation.warm and kind() is not None


def submission_limits(limits, isolation, jobs=None):
    """``limits`` as a submission of ``isolation`` gets them here: without a cgroup, the
    process limit sized by :func:`fallback_processes` for ``jobs`` (default: one per CPU)."""
    if capped_by_cgroup(isolation):
        return limits
    return dataclasses.replace(limits, processes=fallback_processes(limits, jobs or os.cpu_count()))


def describe(limits, isolation):
    """What caps a submission as a whole here, for the provenance."""
    if capped_by_cgroup(isolation):
        return (f"cgroup {kind()}: {limits.submission_memory >> 20} MiB and {limits.processes} "
                "processes")
    return f"rlimits: {limits.processes} processes x {limits.memory_bytes >> 20} MiB"


def fallback_processes(limits, jobs, total=None):
    """Without a cgroup: the process limit that keeps ``jobs`` submissions, each of
    ``processes`` x ``memory_bytes`` at worst, within the machine's memory (at least 4)."""
    total = total or os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    fits = total // (max(1, jobs) * limits.memory_bytes)
    return max(4, min(limits.processes, fits))


class Cgroup:
    """One submission's cgroup (v1: one in the memory and one in the pids hierarchy)."""

    def __init__(self, version, memory, processes):
        self.version = version
        name = f"hsa-{os.getpid()}-{next(_counter)}"
        if version == "v1":
            self.memory_dir = V1 / "memory" / _own("memory").lstrip("/") / name
            self.pids_dir = V1 / "pids" / _own("pids").lstrip("/") / name
        else:
            self.memory_dir = self.pids_dir = V1 / _own("").lstrip("/") / name
        self.dirs = list(dict.fromkeys((self.memory_dir, self.pids_dir)))
        self.alarm = None
        try:
            self._make(memory, processes)
        except OSError:
            self.remove()
            raise

    def _make(self, memory, processes):
        for folder in self.dirs:
            folder.mkdir()
        _write(self.pids_dir / "pids.max", str(processes))
        if self.version == "v1":
            _write(self.memory_dir / "memory.limit_in_bytes", str(memory))
            swap = self.memory_dir / "memory.memsw.limit_in_bytes"
            if swap.exists():  # memory and swap together: no way around the cap by swapping
                _write(swap, str(memory))
            self._watch_oom()
        else:
            _write(self.memory_dir / "memory.max", str(memory))
            _write(self.memory_dir / "memory.swap.max", "0")

    def _watch_oom(self):
        """v1: an eventfd that becomes readable when the cgroup reaches its cap."""
        self.alarm = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        control = os.open(self.memory_dir / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        try:
            _write(self.memory_dir / "cgroup.event_control", f"{self.alarm} {control}")
        finally:
            os.close(control)

    def take_alarm(self):
        """True when the cap was reached since the last call (v1: reads the eventfd)."""
        if self.alarm is None:
            return False
        try:
            return os.eventfd_read(self.alarm) > 0
        except BlockingIOError:
            return False

    def attach(self, pid):
        for folder in self.dirs:
            _write(folder / "cgroup.procs", str(pid))

    def oom_kills(self):
        """How many processes the kernel killed at the cap (and whether it was reached)."""
        try:
            if self.version == "v1":
                text = (self.memory_dir / "memory.oom_control").read_text()
                fields = dict(line.split() for line in text.splitlines())
                return int(fields.get("oom_kill", 0))
            events = dict(line.split() for line in (self.memory_dir / "memory.events").read_text().splitlines())
            return int(events.get("oom_kill", 0))
        except (OSError, ValueError):
            return 0

    def remove(self):
        """Remove the cgroup (its processes must be gone: reaped)."""
        if self.alarm is not None:
            os.close(self.alarm)
            self.alarm = None
        for folder in self.dirs:
            for _ in range(100):  # the last of its processes may still be exiting
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


def outer_pid(pidfd):
    """The pid, in this process's pid namespace, of the process a pidfd refers to."""
    for line in pathlib.Path(f"/proc/self/fdinfo/{pidfd}").read_text().splitlines():
        if line.startswith("Pid:"):
            return int(line.split()[1])
    raise OSError(f"no Pid in the fdinfo of pidfd {pidfd}")
