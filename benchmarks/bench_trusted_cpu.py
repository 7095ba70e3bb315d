#!/usr/bin/env python
"""The trusted side's CPU per submission, this tree against an earlier revision, side by side.

Issues 25 and 26 bound what the trusted process (``hsa grade`` itself, not its sandboxes)
may spend per submission against the round's start. Both trees grade the same generated
notebooks (bench_grade's mix) with ``--jobs 2``, each with its own autograder zip, in runs
that alternate (``--rounds`` of each), so that a change in the machine's load falls on both.
The figure is ``hsa grade``'s own user and system time over the number of notebooks (the
snippet ``bench_grade.TRUSTED_CPU``). The earlier revision is checked out with
``git worktree`` into a temporary folder and imported from its ``src`` with this venv's
packages. Run from the project folder:
``python benchmarks/bench_trusted_cpu.py --against b7d1bc7 --rounds 8``.
"""

import argparse
import contextlib
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

from bench_grade import TRUSTED_CPU, load_pieces, make_submissions
from hsa.project import DEFAULT, ROOT


@contextlib.contextmanager
def checked_out(revision: str):
    """A worktree of ``revision`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-trusted-") as tmp:
        tree = pathlib.Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                        str(tree), revision], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False)


def trusted_ms(tree: pathlib.Path, autograder: pathlib.Path, notebooks: pathlib.Path,
               count: int, seed: int) -> float:
    """Milliseconds of ``hsa grade``'s own CPU per notebook, the package taken from ``tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu = pathlib.Path(tmp) / "cpu"
        command = [sys.executable, "-c", TRUSTED_CPU, str(cpu), "grade", str(notebooks),
                   "--autograder", str(autograder), "--out", f"{tmp}/out", "--jobs", "2",
                   "--seed", str(seed), "--force"]
        done = subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(tree / "src")),
                              cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"bench_trusted_cpu: hsa grade from {tree} failed:\n{done.stderr[-2000:]}")
        return float(cpu.read_text()) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="b7d1bc7", help="the earlier revision (default b7d1bc7)")
    parser.add_argument("--rounds", type=int, default=4, help="runs of each tree (default 4)")
    parser.add_argument("--n", type=int, default=200, help="notebooks (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="mix and grading seed (default 0)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-trusted-notebooks-") as tmp, \
            checked_out(args.against) as earlier:
        notebooks = pathlib.Path(tmp)
        make_submissions(notebooks, args.n, args.seed, load_pieces(DEFAULT.zip))
        trees = {args.against: (earlier, earlier / DEFAULT.zip.relative_to(ROOT)),
                 "this tree": (ROOT, DEFAULT.zip)}
        times: dict[str, list[float]] = {label: [] for label in trees}
        for round_ in range(1, args.rounds + 1):
            for label, (tree, autograder) in trees.items():
                times[label].append(trusted_ms(tree, autograder, notebooks, args.n, args.seed))
            print(f"round {round_}: " + ", ".join(f"{label} {t[-1]:.1f} ms"
                                                  for label, t in times.items()), flush=True)
    means = {label: statistics.mean(t) for label, t in times.items()}
    for label, t in times.items():
        print(f"{label:>12}: {means[label]:.1f} ms a notebook (mean of {len(t)}; "
              f"{min(t):.1f} to {max(t):.1f})")
    before, now = means[args.against], means["this tree"]
    print(f"this tree / {args.against}: {now / before:.3f}x ({now - before:+.1f} ms a notebook)")


if __name__ == "__main__":
    main()
