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
from dataclasses import dataclass, field
from typing import Callable

WALL_FACTOR = 3.0
"""A budget counted in CPU time also ends after this many times its seconds of wall time."""

Meter = Callable[[], "float | None"]  # CPU seconds a sandbox's processes have used, or None


READ_EVERY = 0.01
"""Seconds of wall time a meter's reading is used for before it is read again (Throttled)."""


class Throttled:
    """``meter``, read at most once every :data:`READ_EVERY` seconds: a budget starts (or is
    checked) on a reading at most that old, which moves it by at most that much CPU time,
    against budgets of seconds. Each cell and each graded call starts a budget: reading the
    cgroup's counter for each (100 a submission, a sum over every CPU) cost the trusted side
    more than any other step of a warm submission."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self._value: float | None = None
        self._at = -READ_EVERY

    def __call__(self) -> float | None:
        now = time.monotonic()
        if now - self._at >= READ_EVERY:
            self._value, self._at = self.meter(), now
        return self._value


@dataclass
class Reading:
    """A meter's last reading: ``used`` CPU seconds at ``at`` (``time.monotonic()``)."""

    used: float
    at: float


@dataclass(frozen=True)
class Deadline:
    """When a budget ends: at ``wall`` (``time.monotonic()``) in any case, and, where
    ``meter`` counts CPU time, once it reads ``cpu``.

    At one CPU at most (:data:`.cgroup.CPU_QUOTA`), CPU time grows no faster than wall time,
    so a reading bounds the CPU used until the wall time since could have spent what is
    left: the meter (a read of the cgroup's counter, which sums every CPU's) is read only
    then. Reading it at every look cost the trusted side 4 ms a submission (200 reads)."""

    wall: float
    cpu: float | None = None
    meter: Meter | None = None
    reading: Reading | None = field(default=None, compare=False)

    @classmethod
    def after(cls, seconds: float, meter: Meter | None = None) -> "Deadline":
        """A budget of ``seconds`` from now: CPU seconds where ``meter`` reads CPU time
        (then WALL_FACTOR times as much wall time at most), else wall seconds."""
        used = meter() if meter is not None else None
        now = time.monotonic()
        if used is None:
            return cls(now + seconds)
        return cls(now + WALL_FACTOR * seconds, used + seconds, meter, Reading(used, now))

    def left(self) -> float:
        """Wall seconds to wait before looking again; 0 or less once it has passed. (What is
        left of a CPU budget is wall time too: at one CPU at most, CPU time grows no faster.)"""
        now = time.monotonic()
        wall = self.wall - now
        if self.cpu is None or self.meter is None:
            return wall
        if self.reading is not None:
            least = self.cpu - (self.reading.used + now - self.reading.at)
            if least > 0:
                return min(wall, least)
        used = self.meter()
        if used is None:
            return wall
        if self.reading is not None:
            self.reading.used, self.reading.at = used, now
        return min(wall, self.cpu - used)

    def _used(self) -> float | None:
        """The CPU seconds on its meter now, where it counts CPU time."""
        return self.meter() if self.cpu is not None and self.meter is not None else None

    def passed(self) -> bool:
        return self.left() <= 0

    def sooner(self, other: "Deadline") -> "Deadline":
        """The deadline that ends at whichever of the two comes first (one meter)."""
        cpus = [d.cpu for d in (self, other) if d.cpu is not None]
        readings = [d.reading for d in (self, other) if d.reading is not None]
        return Deadline(min(self.wall, other.wall), min(cpus) if cpus else None,
                        self.meter or other.meter, max(readings, key=lambda r: r.at, default=None))

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
