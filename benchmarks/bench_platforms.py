#!/usr/bin/env python
"""Time per submission on each platform's contract, side by side in one run.

Coursera and PrairieLearn: the committed images (built over the Debian base once, then
cached), each submission run as its platform runs it (hsa_dev.platform_runs); the time is
from the container's start to its output file written (feedback.json, results.json).
Gradescope: the zip's own run_autograder under the local harness (hsa_dev.harness, no
container), from its start to results.json written. Run as root, from the project folder:
``python benchmarks/bench_platforms.py --repeat 5``. Prints one Markdown row per platform.
"""

import argparse
import pathlib
import shutil
import statistics
import subprocess
import tempfile
import time

from hsa.project import DEFAULT, EXAMPLES
from hsa_dev.harness import Harness
from hsa_dev.platform_runs import on_coursera, on_prairielearn
from hsa_dev.variants import MASTER

NOTEBOOKS = (MASTER, EXAMPLES / "carol_stub.ipynb", EXAMPLES / "bob_partial.ipynb")


def container_times(platform, top: pathlib.Path, repeat: int) -> tuple[list, set, str]:
    """Seconds from each container's start to its output, the isolations seen, and how it ran."""
    times, isolations, how = [], set(), ""
    for round_ in range(repeat):
        for index, notebook in enumerate(NOTEBOOKS):
            work = top / f"{platform.__name__}-{round_}-{index}"
            work.mkdir(mode=0o755)
            graded = platform(notebook, work)
            assert graded.written_after is not None, graded.run.stderr[-2000:]
            times.append(graded.written_after)
            isolations.add(_isolation(graded))
            how = graded.run.how
    return times, isolations, how


def _isolation(graded) -> str:
    output = graded.output
    if "hsa_result" in output:
        return output["hsa_result"]["provenance"]["isolation"]
    return output["feedback"].rsplit("isolation ", 1)[-1].split(".")[0]


def gradescope_times(top: pathlib.Path, repeat: int) -> tuple[list, set, str]:
    harness = Harness(DEFAULT.zip, top / "gradescope")
    harness.setup()
    times, isolations = [], set()
    for _ in range(repeat):
        for notebook in NOTEBOOKS:
            start = time.time()
            results, _ = harness.run(notebook)
            times.append(round((harness.root / "results" / "results.json").stat().st_mtime - start, 3))
            isolations.add(results["extra_data"]["provenance"]["isolation"])
    return times, isolations, "run_autograder, no container"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three notebooks")
    args = parser.parse_args()
    top = pathlib.Path(tempfile.mkdtemp(prefix="hsa-bench-platforms-"))
    top.chmod(0o755)
    load = open("/proc/loadavg").read().split()[0]
    print(f"load average at the start: {load}; {args.repeat} x {len(NOTEBOOKS)} submissions each")
    print("| platform | isolation | start to output, median | min | max | how |")
    print("| --- | --- | --- | --- | --- | --- |")
    try:
        for name, measure in (("Gradescope", gradescope_times),
                              ("Coursera", lambda t, r: container_times(on_coursera, t, r)),
                              ("PrairieLearn", lambda t, r: container_times(on_prairielearn, t, r))):
            times, isolations, how = measure(top, args.repeat)
            print(f"| {name} | {', '.join(sorted(isolations))} | {statistics.median(times):.2f} s | "
                  f"{min(times):.2f} s | {max(times):.2f} s | {how} |", flush=True)
    finally:
        subprocess.run(["chmod", "-R", "u+rwX", str(top)], check=False)
        shutil.rmtree(top, ignore_errors=True)
    print(f"load average at the end: {open('/proc/loadavg').read().split()[0]}")


if __name__ == "__main__":
    main()
