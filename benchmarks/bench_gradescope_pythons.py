#!/usr/bin/env python
"""The Gradescope zip on every Python 3.10 to 3.13 found: setup.sh's time, and the scores.

For each Python that :func:`hsa_dev.harness.find_pythons` finds (pyenv's, then
``/usr/bin/python3``), it unpacks the committed zip under a temporary root, runs
its ``setup.sh`` (timed) and ``run_autograder`` on the master and on the student
stub, with bubblewrap and with a ``bwrap`` that cannot create namespaces (the
``process-user`` fallback), and prints one Markdown table row per Python. Run as
root, from the project folder: ``python benchmarks/bench_gradescope_pythons.py``.
(``tests/test_gradescope.py`` asserts the scores; this only reports them.)
"""

import os
import pathlib
import shutil
import sys
import tempfile
import time

from hsa.project import DEFAULT, EXAMPLES
from hsa_dev.harness import Harness, find_pythons, minor_version
from hsa_dev.variants import MASTER, STUDENT

ZIP = DEFAULT.zip


def row(python, top):
    harness = Harness(ZIP, top / f"root-{minor_version(python)}-{python.parent.parent.name}", python)
    start = time.monotonic()
    harness.setup()
    setup_seconds = time.monotonic() - start
    copied = "copied" if (harness.root / "python").exists() else "as is"
    cells = []
    for notebook in (MASTER, STUDENT, EXAMPLES / "bob_partial.ipynb"):
        scores = []
        for without_bwrap in (False, True):
            results, _ = harness.run(notebook, without_bwrap=without_bwrap)
            score = sum(t["score"] for t in results["tests"])  # Gradescope's total: no top-level score
            scores.append(f"{score:g} ({results['extra_data']['provenance']['isolation']})")
        cells.append(" / ".join(scores))
    return f"| {python} ({minor_version(python)}) | {setup_seconds:.0f} s, interpreter {copied} | " \
           + " | ".join(cells) + " |"


def main():
    top = pathlib.Path(tempfile.mkdtemp(prefix="hsa-bench-pythons-"))
    os.chmod(top, 0o755)  # the sandbox's user must traverse it, as /autograder
    try:
        print("| Python | setup.sh | master (bwrap / process-user) | stub (bwrap / process-user) | bob_partial (bwrap / process-user) |")
        print("|---|---|---|---|---|")
        for python in find_pythons():
            print(row(python, top), flush=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
