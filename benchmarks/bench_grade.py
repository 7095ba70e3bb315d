#!/usr/bin/env python
"""Benchmark ``hsa grade`` against ``otter run`` on a realistic batch of submissions.

What it measures
----------------
1. It writes N notebooks (default 200) into a temporary folder, deterministic
   from ``--seed``. Nothing in them is typed out here: the questions come from
   the autograder's config, the code from the master notebook and from the
   catalogue of known mistakes and valid alternatives (``tests/catalogue/``,
   read with ``hsa_dev.catalogue.load_cases``, cut into cells with
   ``hsa_dev.variants.split_source``):

   * correct  (~35%): the master with one to three valid alternatives that
     define different functions (``np.block``, ``np.einsum``, plain loops, a
     stable sigmoid...; one that changes global state, such as warnings made
     errors, is used alone);
   * partial  (~30%): the master with one to three catalogue mistakes, each of
     another question (blocks in the wrong order, a missing bias, ``math.exp``...);
   * failing  (~20%): a correct one plus a cell that raises (a trailing cell
     that raises or uses an undefined name, a function cell that calls its
     function without arguments, has a syntax error or imports a missing module);
   * stub     (~15%): the student notebook, with zero to three functions
     taken from the master.

   Every notebook also gets a scratch cell of its own, so no two are the same
   file. A "correct" submission below full marks is listed after the scores
   (the mix would be wrong, not the grader).

2. It grades them four ways, one after the other in the same run:

   w. ``hsa grade --jobs 2 --force`` (sandbox on) on the whole folder, warm: each
      submission forked from a zygote per job (isolation ``bwrap+zygote`` where it works);
   f. the same with ``HSA_ZYGOTE=off``: a fresh sandbox per submission (``bwrap``);
   a. ``otter run`` sequentially, one subprocess per notebook;
   b. ``otter run`` two at a time (``--otter-jobs``).

   ``otter run`` costs 3.5 to 5 s per notebook, so ``--otter-sample K`` times
   (a) and (b) on K notebooks only (spread over the four kinds) and
   extrapolates their wall time to N linearly; the output says so. ``hsa grade``
   always grades all N. Every ``otter run`` gets ``HSA_SEED`` equal to the
   ``hsa grade --seed``, so both draw the same hidden inputs.

3. For every notebook graded both ways it compares the total score from
   ``otter run`` (sum of "score" over the questions in results.json) with the
   ``score`` column of hsa's gradebook.csv (the warm run's), and every one of the N
   submissions' status, score and per-question scores between the warm and the fresh
   run. Any disagreement is listed by name, and the script exits with status 1.
   (Per-question differences with otter are listed too, as extra detail.)

4. It prints the wall time, throughput (notebooks/s) and the ratios
   sequential-otter / hsa and parallel-otter / hsa, fresh and warm side by side, and
   memory (for each hsa run):

   A thread samples /proc every ``--interval`` seconds (default 0.02) while
   anything is being graded. Each sample reads /proc/<pid>/stat of every
   process (parent pid, RSS) to rebuild the process trees.

   * hsa, trusted process: peak RSS of the ``hsa grade`` process itself
     (max of the samples and of the kernel's VmHWM read from
     /proc/<pid>/status while it ran); and the same peak over the samples
     taken while it had a child (a sandbox), which leaves out the report
     written at the end.
   * hsa, sandbox: each direct child of ``hsa grade`` is one sandbox (prlimit
     execs bwrap; bwrap forks its PID-namespace init, which runs setpriv,
     which execs the worker python), or, warm, one zygote with its current child
     (the zygote, then the child's PID 1 and worker, forks that never exec: counted
     with their private memory, see below). Its RSS is the sum over that whole tree
     at one sample; the sandbox's peak is the max over samples; the figure
     reported is the max over all sandboxes. As a cross-check, the sum of the
     per-process VmHWM of the tree is shown too (an upper bound: the processes
     need not peak at the same moment).
   * per worker = trusted peak / jobs + max sandbox peak (each of the ``jobs``
     workers owns one sandbox at a time and a share of the trusted process):
     the figure the target is about, an upper bound. The whole ``hsa grade``
     tree (trusted process and every sandbox) at one sample, divided by jobs,
     is shown beside it as what was really in use at once.
   * otter run: the same tree sum for one ``otter run`` process tree (the
     otter process plus its Jupyter kernel), max over the sequential runs.

   A child that a Python process has forked but not exec'd (inside
   subprocess.Popen, or a zygote's child) shows its parent's whole RSS, mostly
   shared copy-on-write pages; such a child (same exe and command line as its
   Python parent) counts with its private pages only (smaps_rollup), else one
   unlucky sample would add the trusted process's memory to a sandbox. A process's RSS is read between two reads of its
   identity, and left out of the sample when it exec'd in between (else the
   clone's RSS, read just before the exec, would count under the new
   program's name). RSS still counts shared pages (libraries) in every
   process that maps them, so the sums overstate what the machine really
   spends. The make-up of the peak sample is printed. 1 MB = 10^6 bytes.

   The load average is printed before and after the graders run: on a shared
   machine the wall times, and so the ratios, move with the other load.

5. ``--split K`` (default 24): K of the notebooks graded one at a time in this
   process, fresh and warm, with the session's and the sandbox's methods wrapped to
   time each phase of a submission: start (the sandbox's start to the worker's first
   message), cells (to its ``ready``), calls (the graded calls, both sides), stop, and
   the trusted side (the rest of ``grade_file``).

6. The system-call filter's cost (``hsa.sandbox.seccomp``), measured in this process: in
   each of 200 forked children (as each warm child's PID 1 does), the time to confine it
   (a fresh session keyring, no capability, a session of its own) with and without loading
   the filter, the difference being the filter's; and the time of a system call in a child
   with and without it (``getppid``, whose verdict the kernel caches, and ``fcntl(F_GETFL)``,
   which runs the filter's program). With ``--split``, a third column grades the same
   notebooks warm with no filter at all (the filter switched off in this process only).

7. ``--class-sizes A B`` (instead of 1-6): the same mix of submissions at two class sizes
   (A and B notebooks, the same seed), each graded by ``hsa grade --jobs`` warm in a process
   of its own, one after the other; for each, the wall time per submission, the trusted
   process's CPU per submission and its peak RSS (max of the samples and VmHWM, the report and
   uploads at the end included). The peak at B should be within 40 MB of the peak at A: the
   end of a run streams its rows from the journal rather than holding them.

Targets printed next to the measurements: warm hsa at least 60x faster than the
sequential otter loop, and under 100 MB per worker at ``--jobs 2``, with the
sandbox on and all scores agreeing. Missing a target is reported but does not
change the exit status (only a score disagreement, or a grader that cannot
run, does).

Exit status: 0 all scores agree; 1 some score disagrees; 2 a grader failed to run.

The otter loops dominate the run time: on a busy machine use ``--otter-sample K``
(or a small N).
"""

import argparse
import concurrent.futures
import csv
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import nbformat

from hsa.project import CATALOGUE, DEFAULT, ROOT
from hsa.sandbox.isolation import ZYGOTE_SWITCH
from hsa.trusted import autograder as autograders
from hsa_dev.catalogue import load_cases
from hsa_dev.variants import MASTER, STUDENT, function_cell_index, split_source, variant

AUTOGRADER = DEFAULT.zip
TARGET_SPEEDUP = 60.0
TARGET_WORKER_MB = 100.0
MB = 1e6
PAGE = os.sysconf("SC_PAGE_SIZE")


def _bin(name):
    for folder in (pathlib.Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        sys.exit(f"bench_grade: cannot find the {name!r} command (use the project's venv)")
    return found


# ------------------------------------------------------------------ submissions
KINDS = [("correct", 0.35), ("partial", 0.30), ("failing", 0.20), ("stub", 0.15)]
FAILURES = ("append_raise", "append_nameerror", "bad_self_check", "syntax_error", "missing_import")


@dataclass(frozen=True)
class Piece:
    """One catalogue case cut into notebook cells (see hsa_dev.variants.split_source)."""

    name: str
    question: str  # the question a mistake is about; "" for an alternative
    cells: dict  # graded function -> the source of its cell
    append: tuple  # cells after the last function (global state the case sets up)


@dataclass(frozen=True)
class Pieces:
    """What the submissions are made of: nothing here is typed out by the benchmark."""

    questions: list  # from the autograder's config, in its order
    master: dict  # question -> the master's cell for it
    alternatives: list  # Pieces: valid code for one or more functions
    mistakes: dict  # question -> [Piece]: wrong code for that question


def load_pieces(autograder_path):
    """The questions from the autograder, the master's function cells, and the catalogue
    (tests/catalogue: mistakes and valid alternatives) cut into cells."""
    questions = autograders.load(autograder_path).questions
    notebook = nbformat.read(MASTER, as_version=4)
    master = {q: notebook.cells[function_cell_index(notebook, q)].source for q in questions}
    alternatives, mistakes = [], {}
    for case in load_cases():
        cells, append = split_source(case.source, questions)
        piece = Piece(case.name, case.question, cells, tuple(append))
        if case.kind == "alternatives":
            alternatives.append(piece)
        else:
            mistakes.setdefault(case.question, []).append(piece)
    if not alternatives or not mistakes:
        sys.exit(f"bench_grade: the catalogue ({CATALOGUE}) has no alternatives or no mistakes")
    return Pieces(questions, master, alternatives, mistakes)


def kind_counts(n):
    """Largest-remainder split of n over KINDS, so small n still gets every kind it can."""
    exact = [(kind, n * share) for kind, share in KINDS]
    counts = {kind: int(value) for kind, value in exact}
    leftover = n - sum(counts.values())
    for kind, value in sorted(exact, key=lambda kv: kv[1] - int(kv[1]), reverse=True)[:leftover]:
        counts[kind] += 1
    return counts


def combine(candidates, want, rng):
    """Up to ``want`` pieces from ``candidates`` (in a random order) that define different
    functions, so that none undoes another. A piece that appends cells (global state, such
    as warnings turned into errors) is used alone: it was checked with the master only."""
    chosen, used = [], set()
    for piece in rng.sample(candidates, len(candidates)):
        if len(chosen) == want or (chosen and chosen[0].append):
            break
        if piece.cells.keys() & used or (chosen and piece.append):
            continue
        chosen.append(piece)
        used |= piece.cells.keys()
    replace = {name: cell for piece in chosen for name, cell in piece.cells.items()}
    append = [cell for piece in chosen for cell in piece.append]
    return replace, append, [piece.name for piece in chosen]


def with_failure(replace, append, question, how, pieces):
    """Add one of the FAILURES to a submission (``replace`` and ``append`` are changed)."""
    cell = replace.get(question, pieces.master[question])
    if how == "append_raise":
        append.append("raise RuntimeError('unfinished scratch work')")
    elif how == "append_nameerror":
        append.append("print(h_t_next)")
    elif how == "bad_self_check":  # the function is defined, then the cell raises
        replace[question] = f"{cell}\n\n\n{question}()\n"
    elif how == "syntax_error":  # the whole cell fails: the function is never defined
        replace[question] = f"{cell}\n    )"
    else:  # missing_import: the cell stops at the import, the function is never defined
        replace[question] = f"import rnn_helpers\n\n{cell}"
    return how if how.startswith("append") else f"{how}@{question}"


def plan_submission(kind, rng, pieces):
    """(base notebook, replace, append, description) for one submission of ``kind``.

    correct: the master with one to three valid alternatives from the catalogue;
    partial: the master with one to three catalogue mistakes, of different questions;
    failing: a correct submission plus a cell that raises (one of FAILURES);
    stub:    the student notebook with zero to three functions taken from the master.
    """
    scratch = f"# scratch cell of student {rng.randrange(10**6):06d}\nprint('done')"
    base, notes = MASTER, []
    if kind in ("correct", "failing"):
        replace, append, names = combine(pieces.alternatives, rng.choice([1, 1, 2, 3]), rng)
        notes.append("+".join(names))
        if kind == "failing":
            notes.append(with_failure(replace, append, rng.choice(pieces.questions),
                                      rng.choice(FAILURES), pieces))
    elif kind == "partial":
        wrong = [rng.choice(pieces.mistakes[q]) for q in sorted(pieces.mistakes)]
        replace, append, names = combine(wrong, rng.choice([1, 1, 2, 3]), rng)
        notes.append("+".join(names))
    else:
        base, append = STUDENT, []
        done = rng.sample(pieces.questions, rng.choice([0, 0, 1, 2, 3]))
        replace = {q: pieces.master[q] for q in done}
        notes.append(f"{len(done)} done" + (": " + ",".join(done) if done else ""))
    return base, replace, [scratch, *append], "; ".join(notes)


def make_submissions(folder, n, seed, pieces):
    """Write n notebooks into ``folder``; returns [(name, kind, description)] in name order."""
    rng = random.Random(seed)
    kinds = [kind for kind, count in kind_counts(n).items() for _ in range(count)]
    rng.shuffle(kinds)
    made = []
    for index, kind in enumerate(kinds):
        base, replace, append, description = plan_submission(kind, rng, pieces)
        name = f"s{index:03d}_{kind}"
        variant(folder / f"{name}.ipynb", replace=replace, append=append, base=base)
        made.append((name, kind, description))
    return made


def otter_sample(made, k):
    """k submissions spread over the kinds (round-robin), in name order."""
    by_kind = {}
    for item in made:
        by_kind.setdefault(item[1], []).append(item)
    queues = [by_kind[kind] for kind, _ in KINDS if kind in by_kind]
    picked = []
    while len(picked) < k and any(queues):
        for queue in queues:
            if queue and len(picked) < k:
                picked.append(queue.pop(0))
    return sorted(picked)


# ----------------------------------------------------------------------- memory
def read_procs():
    """{pid: (ppid, rss_bytes, starttime)} for every process now in /proc."""
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2:].split()
        procs[int(entry)] = (int(fields[1]), int(fields[21]) * PAGE, int(fields[19]))
    return procs


def read_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def read_identity(pid):
    """(comm, cmdline, exe) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/comm") as f:
            comm = f.read().strip()
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return comm, cmdline, exe


def read_rss(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return int(data[data.rfind(b")") + 2:].split()[21]) * PAGE


def read_private(pid):
    """Private (not shared) resident bytes of a process, from smaps_rollup."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return sum(int(line.split()[1]) * 1024 for line in f
                       if line.startswith(("Private_Clean:", "Private_Dirty:")))
    except (OSError, ValueError, IndexError):
        return None


def counted(tree, procs):
    """The processes of ``tree`` to count, with their comm and RSS: {pid: (comm, rss)}.

    A child that a Python process has forked and not exec'd (subprocess.Popen between
    fork and exec; a zygote's children, which never exec) reports the whole RSS of its
    parent, most of it shared copy-on-write pages already counted in the parent. Such a
    child (same exe and command line as its Python parent) counts with its private
    memory only (Private_Clean + Private_Dirty of smaps_rollup): what it adds to the
    machine. Everything else is counted with its RSS, bwrap's own forks included.

    The RSS is read again between two reads of the identity, and a process whose
    identity changed in between (it exec'd) is left out of this sample: else the RSS
    of the clone, read just before its exec, would be counted under the new program's
    name (a 70 MB "prlimit").
    """
    ids = {p: read_identity(p) for p in tree}
    keep = {}
    for p in tree:
        me, parent = ids[p], ids.get(procs[p][0]) or read_identity(procs[p][0])
        if me is None:
            continue
        clone = parent and me[1:] == parent[1:] and os.path.basename(me[2]).startswith("python")
        rss = read_private(p) if clone else read_rss(p)
        if rss is None or read_identity(p) != me:
            continue
        keep[p] = (me[0], rss)
    return keep


class Watch:
    """Peaks of one watched process tree.

    split=False: the tree as a whole (root plus all descendants): ``tree_peak``,
    ``tree_hwm`` ({pid: VmHWM}).
    split=True: the root alone (``root_peak``, ``root_hwm``; ``root_peak_busy``: only
    samples where it had a child, i.e. while a sandbox ran), each direct child's subtree
    separately (``subtrees``: key -> Peak), and the whole tree at one sample as well.
    """

    def __init__(self, pid, split):
        self.pid, self.split = pid, split
        self.root_peak = self.root_hwm = self.root_peak_busy = 0
        self.whole = Peak()
        self.subtrees = {}

    @property
    def tree_peak(self):
        return self.whole.peak

    @property
    def tree_hwm(self):
        return self.whole.hwm

    def update(self, procs, children):
        if self.pid not in procs:
            return
        self.whole.update(_descendants(self.pid, children), procs)
        if not self.split:
            return
        self.root_peak = max(self.root_peak, procs[self.pid][1])
        if children.get(self.pid):
            self.root_peak_busy = max(self.root_peak_busy, procs[self.pid][1])
        self.root_hwm = max(self.root_hwm, read_hwm(self.pid))
        for child in children.get(self.pid, ()):
            key = (child, procs[child][2])
            self.subtrees.setdefault(key, Peak()).update(_descendants(child, children), procs)


class Peak:
    """Max over samples of the summed RSS of a process tree, its make-up, and VmHWMs."""

    def __init__(self):
        self.peak, self.parts, self.hwm = 0, [], {}

    def update(self, tree, procs):
        keep = counted(tree, procs)
        total = sum(rss for _, rss in keep.values())
        if total > self.peak:
            self.peak, self.parts = total, [keep[p] for p in tree if p in keep]
        for p in keep:
            self.hwm[p] = max(self.hwm.get(p, 0), read_hwm(p))


def _descendants(pid, children):
    tree, stack = [], [pid]
    while stack:
        p = stack.pop()
        tree.append(p)
        stack.extend(children.get(p, ()))
    return tree


class Sampler(threading.Thread):
    def __init__(self, interval):
        super().__init__(daemon=True)
        self.interval = interval
        self.watches = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.samples = 0

    def watch(self, pid, split=False):
        w = Watch(pid, split)
        with self.lock:
            self.watches[pid] = w
        return w

    def unwatch(self, watch):
        with self.lock:
            self.watches.pop(watch.pid, None)

    def run(self):
        while not self.stopping.is_set():
            with self.lock:
                watches = list(self.watches.values())
            if watches:
                procs = read_procs()
                children = {}
                for pid, (ppid, _, _) in procs.items():
                    children.setdefault(ppid, []).append(pid)
                for w in watches:
                    w.update(procs, children)
                self.samples += 1
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()


# ---------------------------------------------------------------------- graders
def otter_one(path, out_root, seed, sampler):
    """Grade one notebook with ``otter run``; returns (name, scores or None, error, watch)."""
    out = out_root / path.stem
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HSA_SEED=str(seed))
    process = subprocess.Popen([_bin("otter"), "run", "-a", str(AUTOGRADER), str(path), "-o", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    watch = sampler.watch(process.pid)
    output = process.communicate()[0]
    sampler.unwatch(watch)
    try:
        tests = json.loads((out / "results.json").read_text())["tests"]
        scores = {t["name"]: float(t["score"]) for t in tests if "score" in t}
        return path.stem, scores, None, watch
    except (OSError, ValueError, KeyError, TypeError) as error:
        tail = output.decode(errors="replace").strip().splitlines()[-1:] or [""]
        return path.stem, None, f"otter run exit {process.returncode}, no usable results.json " \
                                f"({type(error).__name__}): {tail[0][:200]}", watch


def otter_loop(paths, out_root, seed, sampler, jobs):
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda p: otter_one(p, out_root, seed, sampler), paths))
    return time.perf_counter() - start, results


# Runs ``hsa grade`` and writes the CPU seconds of that process alone (not of its sandboxes,
# which are its children) to the file named by its first argument: the trusted side's cost.
TRUSTED_CPU = """\
import resource, sys
from hsa.cli import main
try:
    code = main(sys.argv[2:])
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(sys.argv[1], "w") as f:
        f.write(f"{usage.ru_utime + usage.ru_stime:.3f}")
sys.exit(code)
"""


def hsa_grade(folder, out, seed, jobs, sampler, warm=True):
    """``hsa grade`` on ``folder``, warm (a zygote per job, where it works) or fresh: (wall
    time, gradebook rows or None, memory watch, error or None, the trusted process's own CPU
    seconds)."""
    cpu_file = out.parent / f"trusted-cpu-{out.name}.txt"
    command = [sys.executable, "-c", TRUSTED_CPU, str(cpu_file), "grade", str(folder),
               "--out", str(out), "--jobs", str(jobs), "--seed", str(seed), "--force"]
    env = dict(os.environ)
    if warm:
        env.pop(ZYGOTE_SWITCH, None)
    else:
        env[ZYGOTE_SWITCH] = "off"
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    watch = sampler.watch(process.pid, split=True)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.unwatch(watch)
    if process.returncode != 0:
        sys.stdout.write(stdout.decode(errors="replace"))
        sys.stderr.write(stderr.decode(errors="replace"))
        return elapsed, None, watch, f"hsa grade exited with status {process.returncode}", None
    rows = {}
    with open(out / "gradebook.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["submission"]] = row
    return elapsed, rows, watch, None, float(cpu_file.read_text())


# ------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Time otter run (sequential and parallel) against hsa grade on N generated "
                    "submissions, check that their scores agree, and report peak memory. "
                    "See the module docstring for how each figure is measured.")
    parser.add_argument("--n", type=int, default=200, help="number of submissions (default 200)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for the submission mix and the hidden inputs (default 0)")
    parser.add_argument("--jobs", type=int, default=2, help="hsa grade --jobs (default 2)")
    parser.add_argument("--otter-jobs", type=int, default=2,
                        help="otter run processes at once in the parallel loop (default 2)")
    parser.add_argument("--otter-sample", type=int, default=None, metavar="K",
                        help="run the otter loops on K of the N notebooks only and extrapolate "
                             "their time to N (default: all N)")
    parser.add_argument("--interval", type=float, default=0.02,
                        help="memory sampling interval in seconds (default 0.02)")
    parser.add_argument("--split", type=int, default=24, metavar="K",
                        help="time the phases of a submission on K notebooks, fresh and warm, "
                             "one at a time in this process (default 24; 0: skip)")
    parser.add_argument("--class-sizes", type=int, nargs=2, metavar=("A", "B"),
                        help="instead of the comparison with otter: grade the mix at A and at B "
                             "submissions and print time and the trusted process's peak memory "
                             "at each (see 7. in the module docstring)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print it")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    if args.otter_sample is not None and not 1 <= args.otter_sample <= args.n:
        parser.error("--otter-sample must be between 1 and --n")
    return args


def parts(items):
    return " + ".join(f"{comm} {rss / MB:.1f}" for comm, rss in items) or "nothing sampled"


def fmt_mb(value):
    return f"{value / MB:7.1f} MB"


def main(argv=None):
    args = parse_args(argv)
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        return class_sizes(args, work) if args.class_sizes else run(args, work)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    n = args.n
    subs = work / "submissions"
    subs.mkdir()
    t0 = time.perf_counter()
    pieces = load_pieces(AUTOGRADER)
    made = make_submissions(subs, n, args.seed, pieces)
    counts = kind_counts(n)
    print(f"bench_grade: {n} submissions ({', '.join(f'{counts[k]} {k}' for k, _ in KINDS)}), "
          f"seed {args.seed}, written in {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sample = otter_sample(made, args.otter_sample) if args.otter_sample else made
    k = len(sample)
    paths = [subs / f"{name}.ipynb" for name, _, _ in sample]
    info = {name: (kind, description) for name, kind, description in made}

    sampler = Sampler(args.interval)
    sampler.start()
    runs = {}
    for label, warm in (("warm", True), ("fresh", False)):
        print(f"\n({label}) hsa grade --jobs {args.jobs} --force on {n} notebooks"
              f"{'' if warm else f' ({ZYGOTE_SWITCH}=off)'} ...", flush=True)
        runs[label] = hsa_grade(subs, work / f"hsa-{label}", args.seed, args.jobs, sampler, warm)
        print(f"    {runs[label][0]:.1f} s, isolation {isolation_of(runs[label][1])}")
    print(f"(a) otter run, sequential, on {k} notebooks ...", flush=True)
    seq_time, seq_results = otter_loop(paths, work / "otter-seq", args.seed, sampler, 1)
    print(f"    {seq_time:.1f} s")
    print(f"(b) otter run, {args.otter_jobs} at a time, on {k} notebooks ...", flush=True)
    par_time, par_results = otter_loop(paths, work / "otter-par", args.seed, sampler, args.otter_jobs)
    print(f"    {par_time:.1f} s")
    sampler.stop()
    print(f"machine: load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    failed = [f"{label}: {r[3]}" for label, r in runs.items() if r[3]]
    if failed:
        print(f"\nbench_grade: {'; '.join(failed)}; no comparison possible", file=sys.stderr)
        return 2
    rows = runs["warm"][1]
    disagreements, detail = compare_with_otter(rows, seq_results, par_results, pieces, info)
    disagreements += compare_runs(rows, runs["fresh"][1], pieces)

    report_times(args, n, k, seq_time, par_time, runs)
    report_filter_cost()
    report_memory(args, runs, seq_results, sampler)
    if args.split:
        report_split(subs, made, args)
    return report_scores(rows, info, k, detail, disagreements)


TARGET_CLASS_GROWTH_MB = 40


def class_sizes(args, work):
    """Section 7: the trusted process's time and peak memory at two class sizes."""
    pieces = load_pieces(AUTOGRADER)
    print(f"bench_grade: class sizes {' and '.join(map(str, args.class_sizes))}, seed {args.seed}, "
          f"hsa grade --jobs {args.jobs}, warm")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sampler = Sampler(args.interval)
    sampler.start()
    peaks = {}
    for size in args.class_sizes:
        subs = work / f"class-{size}"
        subs.mkdir()
        make_submissions(subs, size, args.seed, pieces)
        elapsed, rows, watch, error, cpu = hsa_grade(subs, work / f"hsa-{size}", args.seed,
                                                     args.jobs, sampler)
        if error:
            print(f"bench_grade: {size} submissions: {error}", file=sys.stderr)
            return 2
        peaks[size] = max(watch.root_peak, watch.root_hwm)
        print(f"{size:6d} submissions  {1000 * elapsed / size:6.1f} ms each (wall)  trusted CPU "
              f"{1000 * cpu / size:5.1f} ms each  trusted peak {fmt_mb(peaks[size])}  "
              f"({len(rows)} rows in gradebook.csv)", flush=True)
        shutil.rmtree(subs, ignore_errors=True)
    sampler.stop()
    small, large = args.class_sizes
    growth = (peaks[large] - peaks[small]) / MB
    print(f"peak at {large} - peak at {small}: {growth:+.1f} MB   target <= "
          f"{TARGET_CLASS_GROWTH_MB} MB: {'MET' if growth <= TARGET_CLASS_GROWTH_MB else 'MISSED'}")
    print(f"machine: load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def isolation_of(rows):
    return ", ".join(sorted({row["isolation"] for row in (rows or {}).values()})) or "?"


def compare_with_otter(rows, seq_results, par_results, pieces, info):
    """Every otter run total against the warm hsa grade's; per-question detail."""
    disagreements, detail = [], []
    for label, results in (("sequential", seq_results), ("parallel", par_results)):
        for name, scores, error, _ in results:
            row = rows.get(name)
            if row is None:
                disagreements.append(f"{name} [{label}]: missing from hsa's gradebook.csv")
                continue
            if scores is None:
                disagreements.append(f"{name} [{label}]: {error}; hsa {row['score']}")
                continue
            otter_total, hsa_total = sum(scores.values()), float(row["score"])
            if abs(otter_total - hsa_total) > 1e-9:
                disagreements.append(f"{name} [{label}]: otter {otter_total:g}, hsa {hsa_total:g} "
                                     f"(hsa status {row['status']}; {info[name][1] or info[name][0]})")
            differing = [f"{q} otter {scores.get(q, 0):g} / hsa {row[q]}" for q in pieces.questions
                         if abs(scores.get(q, 0.0) - float(row[q] or 0)) > 1e-9]
            if differing and label == "sequential":
                detail.append(f"{name}: " + ", ".join(differing))
    return disagreements, detail


def compare_runs(warm, fresh, pieces):
    """Every submission's status, score and per-question scores, warm against fresh."""
    found = []
    for name in sorted(set(warm) | set(fresh)):
        a, b = warm.get(name), fresh.get(name)
        if a is None or b is None:
            found.append(f"{name}: graded {'warm' if a else 'fresh'} only")
            continue
        keys = ["status", "score", *pieces.questions]
        if [a[q] for q in keys] != [b[q] for q in keys]:
            found.append(f"{name}: warm {[a[q] for q in keys]} / fresh {[b[q] for q in keys]}")
    print(f"\nwarm and fresh hsa grade: {len(warm) - len(found)} of {len(warm)} submissions "
          "agree on status, score and every question")
    return found


def report_times(args, n, k, seq_time, par_time, runs):
    scale = n / k
    seq_n, par_n = seq_time * scale, par_time * scale
    note = f"  (extrapolated: measured {{:.1f}} s on {k} of {n} notebooks x {scale:.2f})" if k < n else ""
    print(f"\n=== Wall time for {n} notebooks ===")
    print(f"(a) otter run, sequential       {seq_n:8.1f} s  {n / seq_n:6.2f} notebooks/s"
          + note.format(seq_time))
    print(f"(b) otter run, {args.otter_jobs} at a time       {par_n:8.1f} s  {n / par_n:6.2f} notebooks/s"
          + note.format(par_time))
    for label in ("fresh", "warm"):
        elapsed = runs[label][0]
        print(f"({label[0]}) hsa grade --jobs {args.jobs}, {label:5}  {elapsed:8.1f} s  "
              f"{n / elapsed:6.2f} notebooks/s  (all notebooks, start-up included; "
              f"{isolation_of(runs[label][1])})")
    print(f"{'':32}{'fresh':>8}  {'warm':>8}")
    print(f"sequential otter / hsa          {seq_n / runs['fresh'][0]:7.1f}x  "
          f"{seq_n / runs['warm'][0]:7.1f}x   target >= {TARGET_SPEEDUP:g}x warm: "
          f"{'MET' if seq_n / runs['warm'][0] >= TARGET_SPEEDUP else 'MISSED'}")
    print(f"parallel otter / hsa            {par_n / runs['fresh'][0]:7.1f}x  "
          f"{par_n / runs['warm'][0]:7.1f}x")
    print(f"fresh / warm hsa grade          {runs['fresh'][0] / runs['warm'][0]:7.2f}x")
    print(f"trusted process CPU per notebook{1000 * runs['fresh'][4] / n:6.1f} ms  "
          f"{1000 * runs['warm'][4] / n:6.1f} ms  (hsa grade's own user + system time, start-up "
          "and report included, sandboxes not)")
    if k < n:
        print(f"NOTE: the otter figures are EXTRAPOLATED from {k} notebooks "
              f"(per notebook: {seq_time / k:.2f} s sequential, {par_time / k:.2f} s parallel).")


def report_memory(args, runs, seq_results, sampler):
    print(f"\n=== Peak memory (RSS; {sampler.samples} samples every {args.interval * 1000:g} ms) ===")
    for label in ("fresh", "warm"):
        watch = runs[label][2]
        sandboxes = list(watch.subtrees.values())
        biggest = max(sandboxes, key=lambda peak: peak.peak, default=Peak())
        sandbox_hwm = max((sum(peak.hwm.values()) for peak in sandboxes), default=0)
        trusted = max(watch.root_peak, watch.root_hwm)
        per_worker = trusted / args.jobs + biggest.peak
        print(f"[{label}] hsa trusted process   {fmt_mb(trusted)}   (max of sampled RSS "
              f"{watch.root_peak / MB:.1f} MB and VmHWM {watch.root_hwm / MB:.1f} MB; "
              f"{watch.root_peak_busy / MB:.1f} MB while a sandbox ran)")
        print(f"[{label}] sandbox tree, max     {fmt_mb(biggest.peak)}   = {parts(biggest.parts)}, one "
              f"sample; max over {len(sandboxes)} trees; sum of per-process VmHWM "
              f"{sandbox_hwm / MB:.1f} MB")
        print(f"[{label}] per worker            {fmt_mb(per_worker)}   = trusted {trusted / MB:.1f} / "
              f"{args.jobs} jobs + max sandbox {biggest.peak / MB:.1f}   target < {TARGET_WORKER_MB:g} MB: "
              f"{'MET' if per_worker < TARGET_WORKER_MB * MB else 'MISSED'}")
        print(f"[{label}] whole tree, max       {fmt_mb(watch.tree_peak)}   = "
              f"{watch.tree_peak / args.jobs / MB:.1f} MB per job, measured at one sample")
    otter_watches = [w for _, _, _, w in seq_results]
    otter_biggest = max((w.whole for w in otter_watches), key=lambda peak: peak.peak)
    otter_hwm = max(sum(w.tree_hwm.values()) for w in otter_watches)
    print(f"otter run tree, max           {fmt_mb(otter_biggest.peak)}   = {parts(otter_biggest.parts)}, "
          f"one sample; max over {len(otter_watches)} sequential runs; sum of per-process VmHWM "
          f"{otter_hwm / MB:.1f} MB")


def report_scores(rows, info, k, detail, disagreements):
    print(f"\n=== Scores: otter run vs hsa grade on {k} notebooks (x2: sequential and parallel) ===")
    by_kind = {}
    for name, row in rows.items():
        by_kind.setdefault(info.get(name, ("?",))[0], []).append(float(row["score"]))
    possible = max((float(row["max_score"]) for row in rows.values()), default=0.0)
    print("hsa mean score by kind: " + ", ".join(
        f"{kind} {sum(v) / len(v):.1f}/{possible:g} (n={len(v)})" for kind, v in sorted(by_kind.items())))
    short = [f"{name} {float(row['score']):g} ({info[name][1]})" for name, row in sorted(rows.items())
             if info.get(name, ("?",))[0] == "correct" and float(row["score"]) < possible]
    if short:  # the mix is wrong, not the grader: a combination of alternatives lost points
        print(f"NOTE: {len(short)} 'correct' submission(s) below full marks: " + "; ".join(short))
    for line in detail:
        print(f"  per-question difference: {line}")
    if disagreements:
        print(f"DISAGREEMENT on {len(disagreements)} grading(s):")
        for line in disagreements:
            print(f"  {line}")
        return 1
    print(f"all {2 * k} otter totals agree with hsa grade, and warm with fresh on all {len(rows)}")
    return 0


# ------------------------------------------------------------ the system-call filter
FILTER_ROUNDS = 200
CALLS_PER_ROUND = 200_000
# Run in a Python like a zygote (numpy imported, one BLAS thread, the worker's environment):
# each of ROUNDS forked children times kernel.confine (as each warm child's PID 1 runs it) with
# the filter and without, then the time of one system call with it and without.
FILTER_COST = """
import fcntl, json, os, sys, time
import numpy
import kernel
program, rounds, calls = sys.stdin.buffer.read(), int(sys.argv[1]), int(sys.argv[2])
def in_a_child(measure):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, json.dumps(measure()).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        value = json.loads(reader.read())
    os.waitpid(pid, 0)
    return value
def confining(with_filter):
    began = time.perf_counter()
    kernel.confine(program if with_filter else None)
    return time.perf_counter() - began
def calling(call, with_filter):
    kernel.confine(program if with_filter else None)
    began = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - began) / calls
each = {"getppid()": os.getppid, "fcntl(F_GETFL)": lambda: fcntl.fcntl(0, fcntl.F_GETFL)}
print(json.dumps({
    "with": [in_a_child(lambda: confining(True)) for _ in range(rounds)],
    "without": [in_a_child(lambda: confining(False)) for _ in range(rounds)],
    "calls": {name: [in_a_child(lambda: calling(call, True)), in_a_child(lambda: calling(call, False))]
              for name, call in each.items()}}))
"""


def report_filter_cost() -> None:
    """What the system-call filter costs a submission (see the module docstring, 6)."""
    from hsa import untrusted
    from hsa.sandbox import seccomp
    from hsa.sandbox.process import worker_env
    if seccomp.problem() is not None:
        print(f"\n=== System-call filter: none here ({seccomp.problem()}) ===")
        return
    program = seccomp.program()
    done = subprocess.run([sys.executable, "-E", "-s", "-c", FILTER_COST, str(FILTER_ROUNDS),
                           str(CALLS_PER_ROUND)], input=program, capture_output=True, check=True,
                          cwd=untrusted.__path__[0], env=worker_env(tempfile.gettempdir()))
    cost = json.loads(done.stdout)
    own = median(cost["with"]) - median(cost["without"])
    print(f"\n=== System-call filter ({len(program) // 8} BPF instructions): its cost per "
          f"submission, in {FILTER_ROUNDS} children forked as a zygote forks them ===")
    for label, key in (("confine a child, with the filter", "with"),
                       ("confine a child, without it", "without")):
        print(f"{label:41}{1e6 * median(cost[key]):8.1f} us median  (mean "
              f"{1e6 * mean(cost[key]):.1f}, max {1e6 * max(cost[key]):.1f})")
    print(f"{'the filter itself (medians)':41}{1e6 * own:8.1f} us per submission   expected well "
          f"under 1 ms: {'MET' if own < 1e-3 else 'MISSED'}")
    for name, (filtered, plain) in cost["calls"].items():
        print(f"one {name:37}{1e9 * filtered:8.0f} ns with it, {1e9 * plain:.0f} ns without")


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def unfiltered(measure: Callable[[], dict]) -> dict:
    """``measure()`` with the filter switched off in this process (zygotes started anew)."""
    from hsa.sandbox import seccomp, warm
    switched = seccomp.problem
    warm.POOL.close_all()
    seccomp.problem = lambda: "switched off by bench_grade to compare"
    try:
        return measure()
    finally:
        seccomp.problem = switched
        warm.POOL.close_all()


# ------------------------------------------------------------ a submission's time
PHASES = ("start", "cells", "calls", "stop", "trusted")


def report_split(subs, made, args):
    """Where one submission's time goes, fresh and warm, graded one at a time here."""
    names = [name for name, _, _ in otter_sample(made, min(args.split, len(made)))]
    paths = [subs / f"{name}.ipynb" for name in names]
    from hsa.sandbox.isolation import choose_isolation
    warm = choose_isolation()
    columns = {str(warm.fresh): split_times(paths, warm.fresh, args.seed),
               str(warm): split_times(paths, warm, args.seed)}
    if warm.warm:
        columns[f"{warm}, no filter"] = unfiltered(lambda: split_times(paths, warm, args.seed))
    print(f"\n=== Split of one submission's time: {len(paths)} notebooks graded one at a time "
          "in this process (mean ms per submission) ===")
    print(f"{'phase':10}" + "".join(f"{label:>22}" for label in columns))
    for phase in (*PHASES, "total"):
        print(f"{phase:10}" + "".join(f"{col[phase] * 1000:20.1f}ms" for col in columns.values()))
    print("start: sandbox start to the worker's first message; cells: to its ready; calls: the "
          "graded calls, both sides; stop: ending the sandbox; trusted: the rest of grade_file "
          "(reading the notebook, the checks' own work, the result)")


def split_times(paths, isolation, seed):
    """Mean seconds per phase (PHASES) over ``paths``, measured by wrapping the session's
    and the sandbox's methods in this process."""
    from hsa.sandbox import process, session as sessions, warm
    from hsa.trusted.grader import grade_file
    autograder = autograders.load(AUTOGRADER)
    spent = dict.fromkeys((*PHASES, "total"), 0.0)
    marks = {}
    originals = []

    def patch(owner, name, wrapper):
        original = owner.__dict__[name]
        originals.append((owner, name, original))
        setattr(owner, name, wrapper(original))

    def starting(original):
        def start(self):
            marks[id(self)] = time.perf_counter()
            return original(self)
        return start

    def receiving(original):
        def receive(self, deadline):
            message = original(self, deadline)
            now, began = time.perf_counter(), marks.pop(id(self), None)
            if began is not None:
                spent["start"] += now - began
                marks[("cells", id(self))] = now
            if message.get("event") == "ready" and ("cells", id(self)) in marks:
                spent["cells"] += now - marks.pop(("cells", id(self)))
            return message
        return receive

    def timing(phase):
        def wrapper(original):
            def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return original(*a, **k)
                finally:
                    spent[phase] += time.perf_counter() - t
            return timed
        return wrapper

    patch(process.Sandbox, "start", starting)
    patch(warm.WarmSandbox, "start", starting)
    patch(process.Sandbox, "receive", receiving)
    patch(sessions.Session, "call", timing("calls"))
    patch(sessions.Session, "stop", timing("stop"))
    try:
        grade_file(paths[0], "warm-up", autograder, seed, isolation)
        spent.update(dict.fromkeys(spent, 0.0))
        for path in paths:
            t = time.perf_counter()
            grade_file(path, path.stem, autograder, seed, isolation)
            spent["total"] += time.perf_counter() - t
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    spent["trusted"] = spent["total"] - sum(spent[p] for p in PHASES if p != "trusted")
    return {phase: value / len(paths) for phase, value in spent.items()}


if __name__ == "__main__":
    sys.exit(main())
