"""Rows of a large class: per-submission time and peak memory of the gradebook path, at two sizes.

Feeds synthetic results (copies of the bundled examples' real results, renamed, so no
sandbox runs) through what ``hsa grade`` does after grading each submission: its folder
(feedback.md, results.json), its row, gradebook.csv and, at the end, report.html. Two
ways side by side, each size in a fresh process (peak RSS is per process):

* ``journal``: today's :class:`hsa.grade.journal.Gradebook` (a journal line per row,
  gradebook.csv from the journal at intervals and at the end);
* ``rewrite``: what it replaced (every Result kept, gradebook.csv rewritten after each).

Each process first writes 24 rows elsewhere (lazy imports, caches), so that the times compare
the class sizes, not a start-up.

    .venv/bin/python benchmarks/bench_journal.py --sizes 500 5000 --repeat 3
"""

import argparse
import copy
import json
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from hsa.grade.batch import Options, run
from hsa.grade.journal import Gradebook
from hsa.grade.summary import Summary
from hsa.project import EXAMPLES
from hsa.trusted import autograder as autograders
from hsa.writers.atomic import atomic_file
from hsa.writers.gradebook import gradebook_row, write_gradebook
from hsa.writers.results import read_result

CHUNK = 500


def examples(folder):
    """The examples' real results (graded once, in the sandbox)."""
    out = folder / "examples"
    assert run(Options(paths=(str(EXAMPLES),), out=out, seed=1)) == 0
    return [read_result(p) for p in sorted(out.glob("*/results.json"))]


class Rewrite(Gradebook):
    """Before the journal (as at df7fb99): every Result and its row in memory, the whole
    gradebook.csv rewritten after each row."""

    def __init__(self, out, autograder):
        super().__init__(out, autograder)
        self.results, self.made = {}, {}

    def _append(self, graded):
        super()._append(graded)
        result = graded.result
        self.results[result.submission] = copy.deepcopy(result)
        self.made[result.submission] = gradebook_row(graded, self.autograder.questions)
        with atomic_file(self.out / "gradebook.csv") as handle:
            write_gradebook(handle, [self.made[name] for name in sorted(self.made)],
                            self.autograder.questions)


def measure(way, size, seeds):
    """Seconds per row and peak RSS in MB, for ``size`` rows written the ``way`` given."""
    autograder = autograders.load()
    with tempfile.TemporaryDirectory(prefix="hsa-bench-") as folder:
        sources = [read_result(pathlib.Path(p)) for p in seeds]
        warm = pathlib.Path(folder) / "warm-up"  # lazy imports, caches: not the class's size
        warm.mkdir()
        with Gradebook(warm, autograder) as book:
            for result in sources * 4:
                book.add(result)
        out = pathlib.Path(folder) / "out"
        out.mkdir()
        start = time.perf_counter()
        chunks, mark = [], start  # ms per row, per CHUNK rows
        with {"journal": Gradebook, "rewrite": Rewrite}[way](out, autograder) as book:
            for i in range(size):
                result = sources[i % len(sources)]
                result.submission = f"student-{i:06d}"
                book.add(result)
                if (i + 1) % CHUNK == 0:
                    chunks.append(round((time.perf_counter() - mark) / CHUNK * 1000, 2))
                    mark = time.perf_counter()
            rows = time.perf_counter()
            book.finish(Summary(book.rows(), []))
        end = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (rows - start) / size, (end - rows) / size, peak, chunks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--ways", nargs="+", default=["journal", "rewrite"])
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest is "
                        "kept (a shared machine is noisy)")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # way size seeds-file
    args = parser.parse_args()
    if args.one:
        way, size, seeds = args.one
        print(json.dumps(measure(way, int(size), json.loads(pathlib.Path(seeds).read_text()))))
        return
    with tempfile.TemporaryDirectory(prefix="hsa-bench-") as folder:
        folder = pathlib.Path(folder)
        seeds = folder / "seeds.json"
        for i, result in enumerate(examples(folder)):
            (folder / f"seed{i}.json").write_text(json.dumps({"extra_data": result.to_dict()}))
        seeds.write_text(json.dumps([str(p) for p in sorted(folder.glob("seed*.json"))]))
        table = {}
        for way in args.ways:
            for size in args.sizes:
                table[way, size] = min(
                    (json.loads(subprocess.run(
                        [sys.executable, __file__, "--one", way, str(size), str(seeds)],
                        capture_output=True, text=True, check=True).stdout.splitlines()[-1])
                     for _ in range(args.repeat)), key=lambda m: m[0] + m[1])
                rows, end, peak, chunks = table[way, size]
                print(f"{way:8} {size:6} rows: {rows * 1000:7.2f} ms per row written, "
                      f"{(rows + end) * 1000:7.2f} ms with the end (gradebook.csv, report.html), "
                      f"peak RSS {peak:6.1f} MB; ms per row, by {CHUNK}: {chunks}", flush=True)
    small, large = min(args.sizes), max(args.sizes)
    for way in args.ways:
        (r1, e1, m1, _), (r2, e2, m2, _) = table[way, small], table[way, large]
        print(f"{way:8} {large} vs {small}: per row written x{r2 / r1:.3f}, with the end "
              f"x{(r2 + e2) / (r1 + e1):.3f}, peak RSS {m2 - m1:+.1f} MB")


if __name__ == "__main__":
    main()
