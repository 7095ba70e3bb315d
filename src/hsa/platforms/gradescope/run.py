"""Gradescope's entry point: ``python -m hsa.platforms.gradescope /autograder``.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the
student's files in ``/autograder/submission`` and reads
``/autograder/results/results.json``. This grades the one notebook (or export
zip) found there with the grading core (:mod:`hsa.platforms.core`), the same
trusted, sandboxed grader as ``hsa grade``. Before any student code runs, the
source and results folders are made readable by root only, so a sandbox that
falls back to an unprivileged user cannot read the hidden tests or write the results.
"""

import json
import pathlib
import sys

from ...trusted import autograder as autograders
from ...writers.atomic import write_atomic
from ...writers.graded import Graded
from ...writers.results import results_json, summary_line
from ..core import grade_upload, lock_down, seed_from_environment


def main(root: str = "/autograder") -> int:
    folder = pathlib.Path(root)
    source, results = folder / "source", folder / "results"
    lock_down(source, results)
    autograder = autograders.load(source)
    result = grade_upload(folder / "submission", autograder, seed_from_environment())
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
