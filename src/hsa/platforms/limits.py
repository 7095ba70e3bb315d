"""What each platform gives one grading run: memory, CPUs, processes and time.

What an instructor may change is a setting (:class:`hsa.settings.Coursera`,
:class:`~hsa.settings.PrairieLearn`, in ``hsa.yml``, with the platforms' documented defaults:
docs/graders.md cites each); the rest is the platform's own and fixed here. They size the
containers our tests run and the time left to a submission's own code inside the
platform's timeout.
"""

from dataclasses import dataclass

from ..sandbox.session import HARD_LIMIT_FACTOR
from ..settings import Settings


@dataclass(frozen=True)
class PlatformLimits:
    """One platform's limits for one grading run (a container)."""

    memory_mib: int  # the container's memory, swap included (none beyond it)
    cpus: float  # CPU time per second of wall time
    timeout_seconds: int  # from the container's start; past it the platform kills it
    pids: int | None = None  # processes in the container; None where the platform sets none

    def submission_budget(self, wanted: float, start_up: float) -> float:
        """The wall time a submission's code may take (``wanted``, the master's
        ``submission_budget_seconds``), cut so that the grader still writes its output, a
        timeout row included, before the platform's timeout kills the container: the
        container's ``start_up`` and a margin come off it, and the rest is shared by the
        HARD_LIMIT_FACTOR submission budgets a submission may take in all (re-runs after a
        skipped cell, the graded calls)."""
        left = self.timeout_seconds - start_up - OUTPUT_MARGIN_SECONDS
        return max(1.0, min(wanted, left / HARD_LIMIT_FACTOR))


OUTPUT_MARGIN_SECONDS = 5.0
"""Kept back from a platform's timeout for writing the output after the last cell."""

CONTAINER_START_UP_SECONDS = 10.0
"""Kept back for the container's start and the grader's own start-up (loading the
autograder, the sandbox's preflight): measured under 3 s here (docs/platforms.md)."""

def coursera(settings: Settings) -> PlatformLimits:
    """Coursera's limits for a custom grader, as the settings ask (its defaults: 1 vCPU,
    4096 MiB, 1200 s, from coursera_autograder's README.rst and update_resource_limits.py;
    1, 2 or 4 vCPUs, 4096 to 16384 MiB and 300 to 1800 s may be asked for)."""
    asked = settings.coursera
    return PlatformLimits(memory_mib=asked.memory_mib, cpus=float(asked.cpus),
                          timeout_seconds=asked.timeout_seconds)


def prairielearn(timeout_seconds: int) -> PlatformLimits:
    """PrairieLearn's grader host: 2 GiB with no swap, 0.9 CPU (a quota of 90000 µs per
    100000), 1024 processes (apps/grader-host/src/lib/config.ts), and the question's
    ``externalGradingOptions.timeout`` (:class:`hsa.settings.PrairieLearn`), at most 600 s
    (docs/externalGrading.md)."""
    return PlatformLimits(memory_mib=2048, cpus=0.9, pids=1024, timeout_seconds=timeout_seconds)

COURSERA_FEEDBACK_BYTES = 64 * 1024
"""Coursera cuts a grader's feedback to 64 KB before a learner sees it."""

PRAIRIELEARN_RESULTS_BYTES = 1024 * 1024
"""PrairieLearn's grader host refuses a results.json over 1 MB (a failed job)."""
