"""Gradescope's entry point: ``python -m hsa.gradescope /autograder``.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the
student's files in ``/autograder/submission`` and reads
``/autograder/results/results.json``. This grades the one notebook (or export
zip) found there with the same trusted, sandboxed grader as ``hsa grade``.
Before any student code runs, the source and results folders are made
readable by root only, so a sandbox that falls back to an unprivileged user
cannot read the hidden tests or write the results.
"""

import json
import os
import pathlib
import sys

from ..exceptions import GraderFailure
from ..writers.atomic import write_atomic
from ..writers.graded import Graded
from ..writers.results import results_json, summary_line
from ..outcomes import Status
from ..sandbox.isolation import best_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.grader import grade_file, seed_or_fresh
from ..trusted.result import NOT_GRADED, new_result
from ..trusted.choice import Handed, choose
from ..trusted.submission import files_under


def lock_down(*folders):
    """Root-only access: the sandbox's unprivileged user can neither read nor write these."""
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


def choose_upload(folder, autograder):
    """Which of the files the student uploaded is graded (:mod:`hsa.trusted.choice`'s rule,
    the same as ``hsa grade``'s): Gradescope says nothing of their order."""
    folder = pathlib.Path(folder)
    files = [Handed(p, p.relative_to(folder).as_posix()) for p in files_under(folder)]
    return choose(files, autograder.expected)


def grade_submission(root, autograder, seed):
    """The Result for what the student uploaded under ``root / "submission"``."""
    choice = choose_upload(root / "submission", autograder)
    chosen = choice.chosen
    if chosen is None:
        advice = "; upload only the notebook you want graded" if choice.ambiguous else ""
        result = new_result("(none)", autograder, Status.INVALID,
                            f"{NOT_GRADED}{choice.problem}{advice}")
    else:
        isolation = best_isolation()
        try:
            preflight(isolation, autograder.budgets)
        except GraderFailure as failure:
            result = new_result(chosen.path, autograder, Status.GRADER_FAILED, str(failure))
        else:
            result = grade_file(chosen.file, chosen.path, autograder, seed, isolation)
    result.set_aside = list(choice.set_aside)
    return result


def main(root="/autograder"):
    root = pathlib.Path(root)
    source, results = root / "source", root / "results"
    lock_down(source, results)
    autograder = autograders.load(source)
    seed = seed_or_fresh(int(os.environ["HSA_SEED"]) if os.environ.get("HSA_SEED") else None)
    result = grade_submission(root, autograder, seed)
    print(summary_line(result))
    if not result.status.is_students:
        # No results.json: Gradescope then shows the instructor a failed run to rerun,
        # never a score of 0 that the student did not earn.
        print(f"hsa: the autograder failed, so no grade was written: {result.message}",
              file=sys.stderr)
        return 1
    data = results_json(Graded.of(result), autograder.visibility)
    write_atomic(results / "results.json", json.dumps(data, indent=2) + "\n")
    return 0
