#!/usr/bin/env python
"""Benchmark ``hsa grade`` against ``otter run`` on a realistic batch of submissions.

What it measures
----------------
1. It writes N student notebooks (default 200) into a temporary folder, all
   built from the student notebook (``assignments/``) with ``tests/variants.py``
   and deterministic from ``--seed``:

   * correct  (~35%): all six functions filled in, each with one of several
     valid implementations (``np.concatenate``/``np.hstack``/``@``/``np.dot``...);
   * partial  (~30%): correct, except one to three functions with a typical
     mistake (blocks in the wrong order, a missing term, ``tanh``, ...);
   * failing  (~20%): mostly correct, plus a cell that raises (a trailing
     scratch cell, a broken self-check, a syntax error, a missing import);
   * stub     (~15%): the untouched stub, or the stub with a few functions done.

2. It grades them three ways, one after the other in the same run:

   a. ``otter run`` sequentially, one subprocess per notebook;
   b. ``otter run`` two at a time (``--otter-jobs``);
   c. ``hsa grade --jobs 2 --force`` (sandbox on) on the whole folder.

   ``otter run`` costs about 3.5 s per notebook, so ``--otter-sample K`` times
   (a) and (b) on K notebooks only (spread over the four kinds) and
   extrapolates their wall time to N linearly; the output says so. ``hsa grade``
   always grades all N. Every ``otter run`` gets ``HSA_SEED`` equal to the
   ``hsa grade --seed``, so both draw the same hidden inputs.

3. For every notebook graded both ways it compares the total score from
   ``otter run`` (sum of "score" over the questions in results.json) with the
   ``score`` column of hsa's gradebook.csv. Any disagreement is listed by
   name, and the script exits with status 1. (Per-question differences are
   listed too, as extra detail.)

4. It prints the wall time, throughput (notebooks/s) and the ratios
   sequential-otter / hsa and parallel-otter / hsa, and memory:

   A thread samples /proc every ``--interval`` seconds (default 0.02) while
   anything is being graded. Each sample reads /proc/<pid>/stat of every
   process (parent pid, RSS) to rebuild the process trees.

   * hsa, trusted process: peak RSS of the ``hsa grade`` process itself
     (max of the samples and of the kernel's VmHWM read from
     /proc/<pid>/status while it ran).
   * hsa, sandbox: each direct child of ``hsa grade`` is one sandbox (prlimit
     execs bwrap; bwrap forks its PID-namespace init, which runs setpriv,
     which execs the worker python). Its RSS is the sum over that whole tree
     at one sample; the sandbox's peak is the max over samples; the figure
     reported is the max over all sandboxes. As a cross-check, the sum of the
     per-process VmHWM of the tree is shown too (an upper bound: the processes
     need not peak at the same moment).
   * per worker = trusted peak / jobs + max sandbox peak (each of the ``jobs``
     workers owns one sandbox at a time and a share of the trusted process).
   * otter run: the same tree sum for one ``otter run`` process tree (the
     otter process plus its Jupyter kernel), max over the sequential runs.

   A child that a Python process has forked but not yet exec'd (inside
   subprocess.Popen) shows its parent's whole RSS, all shared copy-on-write
   pages; such a child (same exe and command line as its Python parent) is
   not counted, else one unlucky sample would add the trusted process's
   memory to a sandbox. RSS still counts shared pages (libraries) in every
   process that maps them, so the sums overstate what the machine really
   spends. The make-up of the peak sample is printed. 1 MB = 10^6 bytes.

Targets printed next to the measurements: hsa at least 30x faster than the
sequential otter loop, and under 150 MB per worker. Missing a target is
reported but does not change the exit status (only a score disagreement, or a
grader that cannot run, does).

Exit status: 0 all scores agree; 1 some score disagrees; 2 a grader failed to run.

Keep N small (6..10) on a busy machine: the otter loops dominate the run time.
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

from hsa.project import DEFAULT, ROOT
from hsa_dev.variants import STUDENT, variant

AUTOGRADER = DEFAULT.zip
QUESTIONS = ["join_weights", "join_state_and_input", "formula_1", "formula_2", "sigmoid",
             "hidden_state"]
TARGET_SPEEDUP = 30.0
TARGET_WORKER_MB = 150.0
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
ARGS = {
    "join_weights": "w_hh, w_hx",
    "join_state_and_input": "h_t_prev, x_t",
    "formula_1": "w_hh, w_hx, h_t_prev, x_t",
    "formula_2": "w_hh, w_hx, h_t_prev, x_t",
    "sigmoid": "z",
    "hidden_state": "w_hh, w_hx, h_t_prev, x_t, b_h",
}

CORRECT = {
    "join_weights": ["np.concatenate((w_hh, w_hx), axis=1)", "np.hstack((w_hh, w_hx))",
                     "np.block([w_hh, w_hx])", "np.concatenate([w_hh, w_hx], 1)"],
    "join_state_and_input": ["np.concatenate((h_t_prev, x_t), axis=0)", "np.vstack((h_t_prev, x_t))",
                             "np.block([[h_t_prev], [x_t]])", "np.r_[h_t_prev, x_t]"],
    "formula_1": ["np.matmul(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t))",
                  "join_weights(w_hh, w_hx) @ join_state_and_input(h_t_prev, x_t)",
                  "np.dot(np.hstack((w_hh, w_hx)), np.vstack((h_t_prev, x_t)))"],
    "formula_2": ["np.matmul(w_hh, h_t_prev) + np.matmul(w_hx, x_t)", "w_hh @ h_t_prev + w_hx @ x_t",
                  "np.dot(w_hh, h_t_prev) + np.dot(w_hx, x_t)"],
    "sigmoid": ["1 / (1 + np.exp(-z))", "1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))",
                "0.5 * (1 + np.tanh(np.asarray(z) / 2))"],
    "hidden_state": ["sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)",
                     "sigmoid(formula_2(w_hh, w_hx, h_t_prev, x_t) + b_h)",
                     "sigmoid(join_weights(w_hh, w_hx) @ join_state_and_input(h_t_prev, x_t) + b_h)"],
}

WRONG = {
    "join_weights": {"swapped": "np.hstack((w_hx, w_hh))", "axis0": "np.concatenate((w_hh, w_hx), axis=0)",
                     "none": "None"},
    "join_state_and_input": {"swapped": "np.vstack((x_t, h_t_prev))",
                             "axis1": "np.concatenate((h_t_prev, x_t), axis=1)", "none": "None"},
    "formula_1": {"only_whh": "w_hh @ h_t_prev",
                  "swapped": "np.hstack((w_hx, w_hh)) @ np.vstack((h_t_prev, x_t))",
                  "elementwise": "join_weights(w_hh, w_hx) * join_state_and_input(h_t_prev, x_t)"},
    "formula_2": {"only_whh": "w_hh @ h_t_prev", "only_whx": "w_hx @ x_t",
                  "minus": "w_hh @ h_t_prev - w_hx @ x_t"},
    "sigmoid": {"sign": "1 / (1 + np.exp(z))", "tanh": "np.tanh(z)", "parens": "1 / 1 + np.exp(-z)"},
    "hidden_state": {"bias_outside": "sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t)) + b_h",
                     "no_sigmoid": "formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h",
                     "no_bias": "sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t))"},
}

KINDS = [("correct", 0.35), ("partial", 0.30), ("failing", 0.20), ("stub", 0.15)]


def function_source(name, expression, before="", after=""):
    return (f"{before}def {name}({ARGS[name]}):\n"
            f"    ### START CODE HERE ###\n"
            f"    result = {expression}\n"
            f"    ### END CODE HERE ###\n"
            f"    return result\n{after}")


def kind_counts(n):
    """Largest-remainder split of n over KINDS, so small n still gets every kind it can."""
    exact = [(kind, n * share) for kind, share in KINDS]
    counts = {kind: int(value) for kind, value in exact}
    leftover = n - sum(counts.values())
    for kind, value in sorted(exact, key=lambda kv: kv[1] - int(kv[1]), reverse=True)[:leftover]:
        counts[kind] += 1
    return counts


def plan_submission(kind, rng):
    """(replace, append, description) for one submission of ``kind``."""
    replace = {q: function_source(q, rng.choice(CORRECT[q])) for q in QUESTIONS}
    notes = []
    append = [f"# scratch cell of student {rng.randrange(10**6):06d}\nprint('done')"]

    def break_some(k):
        for q in rng.sample(QUESTIONS, k):
            mistake = rng.choice(sorted(WRONG[q]))
            replace[q] = function_source(q, WRONG[q][mistake])
            notes.append(f"{q}={mistake}")

    if kind == "partial":
        break_some(rng.choice([1, 1, 2, 3]))
    elif kind == "failing":
        if rng.random() < 0.3:
            break_some(1)
        q = rng.choice(QUESTIONS)
        how = rng.choice(["append_raise", "append_nameerror", "bad_self_check", "syntax_error",
                          "missing_import"])
        expression = rng.choice(CORRECT[q])
        if how == "append_raise":
            append.append("raise RuntimeError('unfinished scratch work')")
        elif how == "append_nameerror":
            append.append("print(h_t_next)")
        elif how == "bad_self_check":  # the function is defined, then the cell raises
            replace[q] = function_source(q, expression, after=f"\n{q}()\n")
        elif how == "syntax_error":  # the whole cell fails: the function is never defined
            replace[q] = function_source(q, expression + ")")
        else:  # the cell stops at the import: the function is never defined
            replace[q] = function_source(q, expression, before="import rnn_helpers\n\n")
        notes.append(how if how.startswith("append") else f"{how}@{q}")
    elif kind == "stub":
        done = rng.choice([0, 0, 1, 2, 3])
        replace = {q: replace[q] for q in rng.sample(QUESTIONS, done)}
        notes.append(f"{done} done" + (": " + ",".join(replace) if replace else ""))
    return replace, append, "; ".join(notes)


def make_submissions(folder, n, seed):
    """Write n notebooks into ``folder``; returns [(name, kind, description)] in name order."""
    rng = random.Random(seed)
    kinds = [kind for kind, count in kind_counts(n).items() for _ in range(count)]
    rng.shuffle(kinds)
    made = []
    for index, kind in enumerate(kinds):
        replace, append, description = plan_submission(kind, rng)
        name = f"s{index:03d}_{kind}"
        variant(folder / f"{name}.ipynb", replace=replace, append=append, base=STUDENT)
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


def counted(tree, procs):
    """The processes of ``tree`` to count, with their comm: {pid: comm}.

    A child that a Python process has forked but not yet exec'd (subprocess.Popen
    between fork and exec) reports the whole RSS of its parent, all of it shared
    copy-on-write pages; sampled in that instant it would add the parent's memory to
    the child's tree. Such a child (same exe and command line as its Python parent)
    is left out. Everything else is counted, bwrap's own forks included.
    """
    ids = {p: read_identity(p) for p in tree}
    keep = {}
    for p in tree:
        me, parent = ids[p], ids.get(procs[p][0]) or read_identity(procs[p][0])
        if me is None:
            continue
        if parent and me[1:] == parent[1:] and os.path.basename(me[2]).startswith("python"):
            continue
        keep[p] = me[0]
    return keep


class Watch:
    """Peaks of one watched process tree.

    split=False: the tree as a whole (root plus all descendants): ``tree_peak``,
    ``tree_hwm`` ({pid: VmHWM}).
    split=True: the root alone (``root_peak``, ``root_hwm``), and each direct child's
    subtree separately (``subtrees``: key -> Peak).
    """

    def __init__(self, pid, split):
        self.pid, self.split = pid, split
        self.root_peak = self.root_hwm = 0
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
        if not self.split:
            self.whole.update(_descendants(self.pid, children), procs)
            return
        self.root_peak = max(self.root_peak, procs[self.pid][1])
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
        total = sum(procs[p][1] for p in keep)
        if total > self.peak:
            self.peak, self.parts = total, [(keep[p], procs[p][1]) for p in tree if p in keep]
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


def hsa_grade(folder, out, seed, jobs, sampler):
    command = [_bin("hsa"), "grade", str(folder), "--out", str(out), "--jobs", str(jobs),
               "--seed", str(seed), "--force"]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watch = sampler.watch(process.pid, split=True)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.unwatch(watch)
    if process.returncode != 0:
        sys.stdout.write(stdout.decode(errors="replace"))
        sys.stderr.write(stderr.decode(errors="replace"))
        return elapsed, None, watch, f"hsa grade exited with status {process.returncode}"
    rows = {}
    with open(out / "gradebook.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["submission"]] = row
    return elapsed, rows, watch, None


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
        return run(args, work)
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
    made = make_submissions(subs, n, args.seed)
    counts = kind_counts(n)
    print(f"bench_grade: {n} submissions ({', '.join(f'{counts[k]} {k}' for k, _ in KINDS)}), "
          f"seed {args.seed}, written in {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sample = otter_sample(made, args.otter_sample) if args.otter_sample else made
    k = len(sample)
    extrapolated = k < n
    paths = [subs / f"{name}.ipynb" for name, _, _ in sample]
    info = {name: (kind, description) for name, kind, description in made}

    sampler = Sampler(args.interval)
    sampler.start()
    print(f"\n(c) hsa grade --jobs {args.jobs} --force on {n} notebooks ...", flush=True)
    hsa_time, rows, hsa_watch, hsa_error = hsa_grade(subs, work / "hsa-out", args.seed, args.jobs, sampler)
    print(f"    {hsa_time:.1f} s")
    print(f"(a) otter run, sequential, on {k} notebooks ...", flush=True)
    seq_time, seq_results = otter_loop(paths, work / "otter-seq", args.seed, sampler, 1)
    print(f"    {seq_time:.1f} s")
    print(f"(b) otter run, {args.otter_jobs} at a time, on {k} notebooks ...", flush=True)
    par_time, par_results = otter_loop(paths, work / "otter-par", args.seed, sampler, args.otter_jobs)
    print(f"    {par_time:.1f} s")
    sampler.stop()

    if hsa_error:
        print(f"\nbench_grade: {hsa_error}; no comparison possible", file=sys.stderr)
        return 2

    # ------------------------------------------------------------ agreement
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
            differing = [f"{q} otter {scores.get(q, 0):g} / hsa {row[q]}" for q in QUESTIONS
                         if abs(scores.get(q, 0.0) - float(row[q] or 0)) > 1e-9]
            if differing and label == "sequential":
                detail.append(f"{name}: " + ", ".join(differing))

    # --------------------------------------------------------------- report
    scale = n / k
    seq_n, par_n = seq_time * scale, par_time * scale
    note = f"  (extrapolated: measured {{:.1f}} s on {k} of {n} notebooks x {scale:.2f})" if extrapolated else ""
    print(f"\n=== Wall time for {n} notebooks ===")
    print(f"(a) otter run, sequential     {seq_n:8.1f} s  {n / seq_n:6.2f} notebooks/s"
          + note.format(seq_time))
    print(f"(b) otter run, {args.otter_jobs} at a time     {par_n:8.1f} s  {n / par_n:6.2f} notebooks/s"
          + note.format(par_time))
    print(f"(c) hsa grade --jobs {args.jobs}        {hsa_time:8.1f} s  {n / hsa_time:6.2f} notebooks/s"
          "  (measured on all notebooks, includes process start-up)")
    speedup = seq_n / hsa_time
    print(f"sequential otter / hsa  {speedup:6.1f}x   target >= {TARGET_SPEEDUP:g}x: "
          f"{'MET' if speedup >= TARGET_SPEEDUP else 'MISSED'}")
    print(f"parallel otter / hsa    {par_n / hsa_time:6.1f}x")
    if extrapolated:
        print(f"NOTE: the otter figures are EXTRAPOLATED from {k} notebooks "
              f"(per notebook: {seq_time / k:.2f} s sequential, {par_time / k:.2f} s parallel).")

    sandboxes = list(hsa_watch.subtrees.values())
    biggest = max(sandboxes, key=lambda peak: peak.peak, default=Peak())
    sandbox_hwm = max((sum(peak.hwm.values()) for peak in sandboxes), default=0)
    trusted = max(hsa_watch.root_peak, hsa_watch.root_hwm)
    per_worker = trusted / args.jobs + biggest.peak
    otter_watches = [w for _, _, _, w in seq_results]
    otter_biggest = max((w.whole for w in otter_watches), key=lambda peak: peak.peak)
    otter_hwm = max(sum(w.tree_hwm.values()) for w in otter_watches)
    print(f"\n=== Peak memory (RSS; {sampler.samples} samples every {args.interval * 1000:g} ms) ===")
    print(f"hsa trusted process        {fmt_mb(trusted)}   (max of sampled RSS "
          f"{hsa_watch.root_peak / MB:.1f} MB and kernel VmHWM {hsa_watch.root_hwm / MB:.1f} MB)")
    print(f"hsa sandbox tree, max      {fmt_mb(biggest.peak)}   = {parts(biggest.parts)}, one sample; "
          f"max over {len(sandboxes)} sandboxes (incl. hsa's start-up probe if sampled); "
          f"max over sandboxes of the sum of per-process VmHWM: {sandbox_hwm / MB:.1f} MB")
    print(f"hsa per worker             {fmt_mb(per_worker)}   = trusted {trusted / MB:.1f} / {args.jobs} jobs "
          f"+ max sandbox {biggest.peak / MB:.1f}   target < {TARGET_WORKER_MB:g} MB: "
          f"{'MET' if per_worker < TARGET_WORKER_MB * MB else 'MISSED'}")
    print(f"otter run tree, max        {fmt_mb(otter_biggest.peak)}   = {parts(otter_biggest.parts)}, one "
          f"sample; max over {len(otter_watches)} sequential runs; max of the sum of per-process "
          f"VmHWM: {otter_hwm / MB:.1f} MB")

    print(f"\n=== Scores: otter run vs hsa grade on {k} notebooks (x2: sequential and parallel) ===")
    by_kind = {}
    for name, row in rows.items():
        by_kind.setdefault(info.get(name, ("?",))[0], []).append(float(row["score"]))
    print("hsa mean score by kind: " + ", ".join(
        f"{kind} {sum(v) / len(v):.1f}/15 (n={len(v)})" for kind, v in sorted(by_kind.items())))
    for line in detail:
        print(f"  per-question difference: {line}")
    if disagreements:
        print(f"DISAGREEMENT on {len(disagreements)} grading(s):")
        for line in disagreements:
            print(f"  {line}")
        return 1
    print(f"all {2 * k} otter totals agree with hsa grade")
    return 0


if __name__ == "__main__":
    sys.exit(main())
