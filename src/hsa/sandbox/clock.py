"""What a submission's time budgets count: the CPU time its processes used, where its cgroup
counts it, with wall time as the outer bound; else wall time alone.

CPU time is what a neighbour cannot take. Each zygote's cgroup has an equal share of the
CPU and one CPU at most (:mod:`.cgroup`), so a submission graded beside one that keeps
every core busy runs slower in wall time, not in CPU time. A submission that sleeps, or
waits on something, uses no CPU: wall time ends it at :data:`WALL_FACTOR` times its
budget. Without a cgroup (an ordinary user, a read-only cgroup filesystem, a fresh
sandbox) budgets count wall time, which a neighbour's load can slow: the provenance says
which (:func:`describe`).
"""

import time
from dataclasses import dataclass
from typing import Callable

WALL_FACTOR = 3.0
"""A budget counted in CPU time also ends after this many times its seconds of wall time."""

Meter = Callable[[], "float | None"]  # CPU seconds a sandbox's processes have used, or None


@dataclass(frozen=True)
class Deadline:
    """When a budget ends: at ``wall`` (``time.monotonic()``) in any case, and, where
    ``meter`` counts CPU time, once it reads ``cpu``."""

    wall: float
    cpu: float | None = None
    meter: Meter | None = None

    @classmethod
    def after(cls, seconds: float, meter: Meter | None = None) -> "Deadline":
        """A budget of ``seconds`` from now: CPU seconds where ``meter`` reads CPU time
        (then WALL_FACTOR times as much wall time at most), else wall seconds."""
        used = meter() if meter is not None else None
        if used is None:
            return cls(time.monotonic() + seconds)
        return cls(time.monotonic() + WALL_FACTOR * seconds, used + seconds, meter)

    def left(self) -> float:
        """Wall seconds to wait before looking again; 0 or less once it has passed. (What is
        left of a CPU budget is wall time too: at one CPU at most, CPU time grows no faster.)"""
        wall = self.wall - time.monotonic()
        used = self._used()
        return wall if used is None or self.cpu is None else min(wall, self.cpu - used)

    def _used(self) -> float | None:
        """The CPU seconds on its meter now, where it counts CPU time."""
        return self.meter() if self.cpu is not None and self.meter is not None else None

    def passed(self) -> bool:
        return self.left() <= 0

    def sooner(self, other: "Deadline") -> "Deadline":
        """The deadline that ends at whichever of the two comes first (one meter)."""
        cpus = [d.cpu for d in (self, other) if d.cpu is not None]
        return Deadline(min(self.wall, other.wall), min(cpus) if cpus else None,
                        self.meter or other.meter)

    def counted(self) -> str:
        """What it counts, for a student: "CPU time" or "wall time"."""
        return "wall time" if self.cpu is None else "CPU time"

    def cpu_ran_out(self) -> bool:
        """True when it counts CPU time and that is what ran out (not its wall bound)."""
        used = self._used()
        return used is not None and self.cpu is not None and used >= self.cpu


def wall_until(deadline: "Deadline | float") -> Deadline:
    """``deadline``, or a bare ``time.monotonic()`` value as a wall-time Deadline."""
    return deadline if isinstance(deadline, Deadline) else Deadline(deadline)


def describe(counts_cpu: bool) -> str:
    """What a submission's budgets counted here, for the provenance."""
    if counts_cpu:
        return f"CPU time (cgroup), wall time {WALL_FACTOR:g}x at most"
    return ("wall time (no cgroup: a neighbour's load slows this submission's clock, and a "
            "busy neighbour can make it time out)")
