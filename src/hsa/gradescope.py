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
import secrets
import sys

from . import autograder as autograders
from .grader import grade_file, new_result
from .outputs import results_json, summary_line, write_atomic
from .sandbox import best_isolation
from .submission import find_submissions


def find_submission(folder):
    """The notebook Gradescope received (a notebook before an export zip), or None."""
    files = find_submissions(folder)
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    return (notebooks or files or [None])[0]


def lock_down(*folders):
    """Root-only access: the sandbox's unprivileged user can neither read nor write these."""
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)


def main(root="/autograder"):
    root = pathlib.Path(root)
    source, results = root / "source", root / "results"
    lock_down(source, results)
    autograder = autograders.load(source)
    seed = int(os.environ.get("HSA_SEED") or secrets.randbelow(2**31))
    submission = find_submission(root / "submission")
    if submission is None:
        result = new_result("(none)", autograder, status="invalid",
                            message="not graded: no .ipynb or .zip file was submitted; upload your notebook")
    else:
        result = grade_file(submission, submission.name, autograder, seed, best_isolation())
    data = results_json(result, autograder.config["visibility"])
    write_atomic(results / "results.json", json.dumps(data, indent=2) + "\n")
    print(summary_line(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
