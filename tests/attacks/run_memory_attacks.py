"""Grade each memory attack of the catalogue N times at the default cap, each run followed by
a correct submission, in one grader (one pool of zygotes, as ``hsa grade --jobs 1``); print
the count of each outcome and what the student reads.

    .venv/bin/python tests/attacks/run_memory_attacks.py [--runs 50] [--only NAME ...]

Exit status 0 when every attack run ended ``killed`` at the cap (or, for the nested tmpfs
where the sandbox refuses its namespaces, with that refusal) and every correct submission
after it got full marks.
"""

import argparse
import collections
import pathlib
import sys
import tempfile
import time

import catalogue  # this script's folder is first on sys.path
import probe


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", nargs="*", help="attack names (default: every memory attack)")
    args = parser.parse_args(argv)

    from hsa.sandbox.isolation import choose_isolation
    from hsa.trusted import autograder as autograders
    from hsa.trusted.grader import grade_file
    from hsa.writers.feedback import feedback_md
    from hsa.writers.graded import Graded
    autograder, isolation = autograders.load(), choose_isolation(allow_unsandboxed=False)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="hsa-memory-attacks-"))
    honest = catalogue.build(catalogue.Attack("honest", "", "pass\n", "last", base="master"),
                             folder / "honest.ipynb", probe.new_marker())
    good = True
    for name in args.only or catalogue.MEMORY_ATTACKS:
        path = catalogue.build(catalogue.BY_NAME[name], folder / f"{name}.ipynb", probe.new_marker())
        outcomes, after, said, started = collections.Counter(), collections.Counter(), set(), time.monotonic()
        for _ in range(args.runs):
            result = grade_file(path, name, autograder, 20261125, isolation)
            outcomes[(str(result.status), result.message)] += 1
            said |= {line for line in feedback_md(Graded.of(result)).splitlines() if "Code cell" in line}
            again = grade_file(honest, "honest", autograder, 20261125, isolation)
            after[f"{again.status} {again.score:g}/{again.max_score:g}"] += 1
        print(f"{name}: {args.runs} runs, {(time.monotonic() - started) / args.runs:.1f} s a run "
              f"with the correct submission after it")
        for (status, message), count in outcomes.most_common():
            print(f"    {count:3} x {status}: {message}")
        print(f"    next submission: {dict(after)}")
        for line in sorted(said):
            print(f"    feedback: {line}")
        good &= all(status == "killed" and "memory cap" in message for status, message in outcomes) \
            or name == "memory-nested-tmpfs" and all("Operation not permitted" in m for _, m in outcomes)
        good &= set(after) == {f"graded {catalogue.FULL_MARKS}/{catalogue.FULL_MARKS}"}
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
