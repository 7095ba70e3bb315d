"""What one ``hsa grade`` run is asked to do: the command line's options, as one record.

Kept apart from :mod:`.batch` (which imports the sandbox and the grader) so that the command
line reads its defaults without importing them.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib

DEFAULT_OUT = pathlib.Path("grading-output")


@dataclasses.dataclass(frozen=True)
class Options:
    """What one ``hsa grade`` run is asked to do (made by the command line, or by a caller)."""
    paths: tuple[str | os.PathLike[str], ...] = ()  # notebooks, zips, folders; () for the bundled examples
    out: pathlib.Path = DEFAULT_OUT
    layout: str | None = None      # a Layout's value to force, else detected
    jobs: int = 2
    timeout: float | None = None   # the budget of one submission's code (clock.py: what it counts)
    seed: int | None = None        # None: a fresh one, recorded
    force: bool = False            # regrade unchanged submissions
    autograder: str | None = None  # the autograder zip; None for the project's
    allow_unsandboxed: bool = False
    allow_weaker_sandbox: bool = False  # grade without the system-call filter where none works
    canvas_assignment_id: str | None = None
    roster: str | None = None      # the platform's export to fill in (Canvas gradebook, Moodle worksheet)
    wait: bool = False             # wait for another run into ``out`` instead of exiting
    feedback_notebook: bool = False  # also hand back each student's notebook, feedback written in
