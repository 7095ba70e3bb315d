"""``hsa grade``: every submission under some paths, graded in parallel, resumably.

Before anyone is graded: the sandbox starts (preflight), the output folder can
be written and has room (outdir), and no other run writes into it (lock).
Each finished submission is written at once (its folder, then its line in the
journal), so an interrupted run (Ctrl-C, SIGTERM, SIGHUP, a full disk) loses no
finished row, and a re-run skips every submission whose bytes and autograder
are unchanged.
"""

import concurrent.futures
import contextlib
import copy
import dataclasses
import signal
import sys

from ..exceptions import DiskFull, GraderFailure, GradingError
from ..hashing import sha256_file
from ..outcomes import Layout, Status
from ..project import default_autograder, default_submissions
from ..sandbox import process
from ..sandbox.isolation import choose_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.grader import grade_file, seed_or_fresh
from ..trusted.result import NOT_GRADED, Identity, new_result
from ..writers.results import read_result
from . import canvas, leftovers, lock, outdir
from .journal import Gradebook
from .options import Options
from .layouts import opened
from .summary import Summary, changes
from .uploads import UPLOADED, write_uploads

ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: the run ends as it stands; ``signum`` gives the exit code."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def run(options: Options) -> int:
    """Grade as ``options`` says; returns the exit code (GraderFailure: the operator's to fix)."""
    saved = []  # the gradebook, once there is one: its row count for the message
    with _signals_end_the_run():
        try:
            return _prepare_and_grade(options, saved)
        except Interrupted as stop:
            rows = saved[0].count if saved else 0
            print(f"\nhsa grade: interrupted ({stop}); {rows} row(s) saved in {options.out}. "
                  "Run the same command again to grade the rest.", file=sys.stderr)
            return 128 + stop.signum


def _prepare_and_grade(options, saved):
    autograder = autograders.load(options.autograder or default_autograder())
    isolation = choose_isolation(options.allow_unsandboxed)
    preflight(isolation, autograder.budgets)
    aside = []  # download members unpacked for no one: unsafe paths
    with opened(options.paths or default_submissions(), options.layout, autograder.expected, aside) as submissions:
        if not submissions:
            raise GradingError("no .ipynb or .zip submissions found under "
                               + " ".join(map(str, options.paths)) + "; pass notebooks, export "
                               "zips, folders of them or a class download")
        outdir.check(options.out, len(submissions))
        with lock.locked(options.out, options.wait, say):
            return _run(options, autograder, isolation, submissions, aside, saved)


class _Ending:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted in the main thread, once (a second signal
    during the clean-up is ignored, so the clean-up finishes); while a row is being written
    (:meth:`held`), after it: a row is whole or absent."""

    def __init__(self):
        self.holding, self.pending = False, None

    def handler(self, signum, frame):
        for ending in ENDING_SIGNALS:
            signal.signal(ending, signal.SIG_IGN)
        if self.holding:
            self.pending = signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self):
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending is not None:
            raise Interrupted(self.pending)


_ENDING = _Ending()


@contextlib.contextmanager
def _signals_end_the_run():
    _ENDING.holding, _ENDING.pending = False, None
    previous = {s: signal.signal(s, _ENDING.handler) for s in ENDING_SIGNALS}
    try:
        yield
    finally:
        for s, action in previous.items():
            signal.signal(s, action)


def _add(book, result):
    with _ENDING.held():
        book.add(result)


def _run(options, autograder, isolation, submissions, aside, saved):
    out = options.out
    if removed := leftovers.sweep():  # after the lock: a run waited for may have been killed
        say(f"removed {removed} temporary folder(s) left by a grader that was killed")
    seed = seed_or_fresh(options.seed)
    kept, todo, earlier, unreadable = _plan(options, autograder, submissions)
    if earlier:
        say(f"the autograder changed since the last run into {out}: regrading "
            f"{len(earlier)} submission(s) graded with the old one")
    layouts = sorted({str(r.layout) for r in submissions})
    files = len({r.file for r in todo})  # a group shares one graded file
    grading = (f"seed {seed}, isolation {isolation}, {min(options.jobs, files)} job(s)" if files
               else "nothing to grade again")
    say(f"{len(submissions)} submission(s), {len(kept)} unchanged and skipped, "
        f"{len(unreadable)} with nothing to grade; {', '.join(layouts)} layout, {grading}")
    with Gradebook(out, autograder) as book:
        saved.append(book)
        try:
            for result in kept:
                book.keep(result)
            for result in unreadable:
                _add(book, result)
            _grade_all(todo, autograder, seed, isolation, options, book)
        except BaseException as error:
            book.write_gradebook(quiet=True)
            if outdir.is_full(error):
                raise DiskFull(f"the disk holding {out} is full, so grading stopped; "
                               f"{book.count} row(s) are safe in {out}. Free some space there "
                               "and run the same command again to grade the rest") from None
            raise
        handed_back = _hand_back(options, autograder, submissions)
        summary = Summary(book.rows(), changes(earlier, book.rows()), aside, handed_back)
        book.finish(summary)
    for line in summary.lines():
        say(line)
    written = [out / "gradebook.csv", out / "report.html"]
    if any(r.layout is Layout.CANVAS for r in submissions):
        written.append(_write_canvas(out, submissions, book, autograder, options))
    say(f"wrote {', '.join(map(str, written))} and a folder per submission "
        "(results.json, feedback.md, feedback.html)")
    return 0


def _hand_back(options, autograder, submissions):
    """The upload files of the platforms the class came from (uploads.write_uploads), from
    each row's results.json read back: only a platform's students are read."""
    wanted = [r for r in submissions if options.feedback_notebook or r.layout in UPLOADED]
    pairs = [(r, read_result(options.out / r.name / "results.json")) for r in wanted]
    return write_uploads(options.out, pairs, autograder.name, options.feedback_notebook)


def _plan(options, autograder, submissions):
    """(results that still stand, records to grade, earlier results under another autograder
    by name, rows for records with nothing to grade)."""
    kept, todo, earlier, unreadable = [], [], {}, []
    for record in submissions:
        previous = _previous(options.out / record.name / "results.json")
        if not record.gradable:
            unreadable.append(_for(record, new_result(
                record.name, autograder, Status.INVALID, f"{NOT_GRADED}{record.problem}")))
        elif previous and not options.force and _unchanged(previous, record.file, autograder):
            kept.append(previous)
        else:
            todo.append(record)
            if previous and previous.provenance and previous.provenance.autograder_sha256 != autograder.sha256:
                earlier[record.name] = previous
    return kept, todo, earlier, unreadable


def _write_canvas(out, submissions, book, autograder, options):
    """canvas-import.csv; a submission with nothing graded (invalid, grader_failed) gets a
    blank cell, which leaves its Canvas grade as it is until a person decides."""
    rows = {row.submission: row for row in book.rows()}
    graded = [(r, _score_to_import(rows[r.name])) for r in submissions if r.layout is Layout.CANVAS]
    path, unmatched = canvas.write_canvas_import(
        out, graded, title=autograder.title, assignment_id=options.canvas_assignment_id,
        points_possible=max(row.max_score for row in rows.values()))
    if unmatched:
        say(f"canvas-import.csv leaves out {len(unmatched)} submission(s) with no Canvas user "
            "id: " + ", ".join(r.path for r in unmatched))
    return path


def _score_to_import(row):
    return row.score if row.status.code_graded else None


def _for(record, result):
    """``result`` as the row of ``record``: its folder name, who it is, the files set aside.
    (A group shares one graded file: each member gets a copy of the same result.)"""
    result = copy.deepcopy(result)
    result.submission = record.name
    result.identity = Identity(**{f.name: getattr(record, f.name) for f in dataclasses.fields(Identity)})
    result.set_aside = list(record.set_aside)
    return result


def say(line):
    print(f"hsa grade: {line}", file=sys.stderr)


def _previous(path):
    """The result an earlier run wrote at ``path``, or None."""
    try:
        return read_result(path)
    except Exception:  # missing, or written by an older hsa: grade again
        return None


def _unchanged(result, file, autograder):
    """True when ``result`` still stands: same file, same autograder, a grade that stood."""
    return (result.status.is_students
            and result.provenance is not None
            and result.provenance.submission_sha256 == sha256_file(file)
            and result.provenance.autograder_sha256 == autograder.sha256)


def _grade_all(todo, autograder, seed, isolation, options, book):
    """Grade each distinct file once (a group shares one), in parallel; a row per record.
    Whatever stops the run (a signal, a full disk) ends every sandbox at once and starts no
    other; the rows written so far stay."""
    members = {}
    for record in todo:
        members.setdefault(record.file, []).append(record)
    pool = concurrent.futures.ThreadPoolExecutor(max(1, options.jobs))
    try:
        with _progress(len(members)) as advance:
            futures = {pool.submit(grade_file, file, group[0].name, autograder, seed, isolation,
                                   options.timeout): file for file, group in members.items()}
            for future in concurrent.futures.as_completed(futures):
                group = members[futures[future]]
                result = _outcome(future, group[0].name, autograder)
                for record in group:
                    _add(book, _for(record, result))
                advance(result)
    except BaseException:
        with process.all_stopped():
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


def _outcome(future, name, autograder):
    try:
        return future.result()
    except Exception as error:  # a grader bug must still leave a row, not a zero
        return new_result(name, autograder, Status.GRADER_FAILED, _grader_failure_message(error))


def _grader_failure_message(error):
    if isinstance(error, GraderFailure):
        return f"the grader failed: {error}"
    return (f"the grader failed ({type(error).__name__}: {error}); this is a bug in hsa, not "
            "the student's doing: run `hsa grade` again on this file, and report it if it "
            "happens again")


class _progress:
    """A rich progress bar on a terminal; silent otherwise."""

    def __init__(self, total):
        self.total = total
        self.bar = None

    def __enter__(self):
        if sys.stderr.isatty() and self.total:
            from rich.progress import Progress
            self.bar = Progress(transient=False)
            self.bar.start()
            self.task = self.bar.add_task("grading", total=self.total)
        return self.advance

    def advance(self, result):
        if self.bar:
            self.bar.update(self.task, advance=1, description=f"{result.submission[:24]:24}")

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()
        return False
