"""What each platform gives one grading run: memory, CPUs, processes and time.

Defaults are the platforms' documented defaults (docs/platforms.md cites each); they
size the containers our tests run and the time left to a submission's own code inside
the platform's timeout. Instructors who raise a platform's limit raise it here too.
"""

from dataclasses import dataclass

from ..sandbox.session import HARD_LIMIT_FACTOR


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

COURSERA = PlatformLimits(memory_mib=4096, cpus=1.0, timeout_seconds=1200)
"""Coursera's defaults for a custom grader: 1 vCPU, 4096 MiB, 1200 s (coursera_autograder's
README.rst and update_resource_limits.py); 1, 2 or 4 vCPUs, 4096 to 16384 MiB and 300 to
1800 s may be asked for with ``coursera_autograder update_resource_limits``."""

PRAIRIELEARN = PlatformLimits(memory_mib=2048, cpus=0.9, timeout_seconds=30, pids=1024)
"""PrairieLearn's grader host: 2 GiB with no swap, 0.9 CPU (a quota of 90000 µs per
100000), 1024 processes (apps/grader-host/src/lib/config.ts), and a question's
``externalGradingOptions.timeout``, 30 s unless set, at most 600 s (docs/externalGrading.md)."""

PRAIRIELEARN_MAX_TIMEOUT_SECONDS = 600
"""The longest ``timeout`` PrairieLearn accepts for a question (docs/externalGrading.md)."""

COURSERA_FEEDBACK_BYTES = 64 * 1024
"""Coursera cuts a grader's feedback to 64 KB before a learner sees it."""

PRAIRIELEARN_RESULTS_BYTES = 1024 * 1024
"""PrairieLearn's grader host refuses a results.json over 1 MB (a failed job)."""
