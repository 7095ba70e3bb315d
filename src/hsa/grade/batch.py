"""``hsa grade``: every submission under some paths, graded in parallel, resumably.

Before anyone is graded: the sandbox starts (preflight), the output folder can
be written and has room (outdir), and no other run writes into it (lock).
Each finished submission is written at once (its folder, then its line in the
journal), so an interrupted run (Ctrl-C, SIGTERM, SIGHUP, a full disk) loses no
finished row, and a re-run skips every submission whose bytes and autograder
are unchanged.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import dataclasses
import datetime
import os
import pathlib
import signal
import sys
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal, NamedTuple

from ..exceptions import DiskFull, GraderFailure, GradingError
from ..hashing import sha256_file
from ..outcomes import Isolation, Status
from ..project import default_autograder, default_submissions
from ..sandbox import process
from ..sandbox.isolation import choose_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.grader import grade_file, new_result, seed_or_fresh
from ..trusted.result import NOT_GRADED, Identity, Result
from ..writers.results import read_result
from . import leftovers, lock, outdir
from .journal import Gradebook
from .options import Options
from .layouts import Submission, opened
from .roster import Roster, read_roster
from .summary import Summary, changes
from .uploads import HandBack, Returned, Upload, check_roster_fits, write_uploads

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: the run ends as it stands; ``signum`` gives the exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def run(options: Options) -> int:
    """Grade as ``options`` says; returns the exit code (GraderFailure: the operator's to fix)."""
    saved: list[Gradebook] = []  # the gradebook, once there is one: its row count for the message
    with _signals_end_the_run():
        try:
            return _prepare_and_grade(options, saved)
        except Interrupted as stop:
            rows = saved[0].count if saved else 0
            print(f"\nhsa grade: interrupted ({stop}); {rows} row(s) saved in {options.out}. "
                  "Run the same command again to grade the rest.", file=sys.stderr)
            return 128 + stop.signum


def _prepare_and_grade(options: Options, saved: list[Gradebook]) -> int:
    autograder = autograders.load(options.autograder or default_autograder())
    roster = _roster(options, autograder)  # a bad roster says so before anything starts
    isolation = choose_isolation(options.allow_unsandboxed, options.allow_weaker_sandbox)
    preflight(isolation, autograder.budgets)
    aside: list[str] = []  # download members unpacked for no one: unsafe paths
    with opened(options.paths or default_submissions(), options.layout, autograder.expected, aside) as submissions:
        if not submissions:
            raise GradingError("no .ipynb or .zip submissions found under "
                               + " ".join(map(str, options.paths)) + "; pass notebooks, export "
                               "zips, folders of them or a class download")
        outdir.check(options.out, outdir.unwritten(options.out, [s.name for s in submissions]))
        if roster is not None:
            check_roster_fits(roster.layout, submissions, options.roster)
        with lock.locked(options.out, options.wait, say):
            return _run(options, autograder, isolation, submissions, aside, saved, roster)


def _roster(options: Options, autograder: autograders.Autograder) -> Roster | None:
    """The platform's export given with --roster, read and checked before anyone is
    graded (RosterError says what to do), or None."""
    if options.roster is None:
        return None
    return read_roster(options.roster, title=autograder.title, max_score=autograder.max_score,
                       canvas_assignment_id=options.canvas_assignment_id)


class _Ending:
    """SIGINT, SIGTERM and SIGHUP raise Interrupted in the main thread, once (a second signal
    during the clean-up is ignored, so the clean-up finishes); while a row is being written
    (:meth:`held`), after it: a row is whole or absent."""

    def __init__(self) -> None:
        self.holding: bool = False
        self.pending: int | None = None

    def handler(self, signum: int, frame: types.FrameType | None) -> None:
        for ending in ENDING_SIGNALS:
            signal.signal(ending, signal.SIG_IGN)
        if self.holding:
            self.pending = signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending is not None:
            raise Interrupted(self.pending)


_ENDING = _Ending()


@contextlib.contextmanager
def _signals_end_the_run() -> Iterator[None]:
    _ENDING.holding, _ENDING.pending = False, None
    previous = {s: signal.signal(s, _ENDING.handler) for s in ENDING_SIGNALS}
    try:
        yield
    finally:
        for s, action in previous.items():
            signal.signal(s, action)


def _add(book: Gradebook, result: Result) -> None:
    with _ENDING.held():
        book.add(result)


def _run(options: Options, autograder: autograders.Autograder, isolation: Isolation,
         submissions: list[Submission], aside: list[str], saved: list[Gradebook],
         roster: Roster | None = None) -> int:
    out = options.out
    if removed := leftovers.sweep():  # after the lock: a run waited for may have been killed
        say(f"removed {removed} temporary folder(s) left by a grader that was killed")
    seed = seed_or_fresh(options.seed)
    kept, todo, earlier, unreadable = _plan(options, autograder, submissions)
    if earlier:
        say(f"the autograder changed since the last run into {out}: regrading "
            f"{len(earlier)} submission(s) graded with the old one")
    layouts = sorted({str(r.layout) for r in submissions})
    files = len(todo)  # a group shares one graded file
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
        hand_back = _hand_back(options, autograder, submissions, book, roster)
        summary = Summary(book.rows(), changes(earlier, book.rows()), aside, hand_back[0],
                          hand_back[1])
        book.finish(summary)
    for line in summary.lines():
        say(line)
    say(f"wrote {out / 'gradebook.csv'}, {out / 'report.html'} and a folder per submission "
        "(results.json, feedback.md, feedback.html)")
    return 0


def _hand_back(options: Options, autograder: autograders.Autograder, submissions: list[Submission],
               book: Gradebook, roster: Roster | None) -> tuple[list[Upload], list[Returned]]:
    """The upload files of the platforms the class came from (uploads.write_uploads),
    each student's result read from disk when a file needs it, and per student what goes
    back (the ledger's lines)."""
    hand_back = HandBack(options.out, autograder.name, {row.submission: row for row in book.rows()},
                         roster, options.feedback_notebook, _downloaded(options.paths))
    uploads = write_uploads(hand_back, submissions, title=autograder.title,
                            assignment_id=options.canvas_assignment_id,
                            max_score=autograder.max_score)
    return uploads, hand_back.ledger.entries()


def _downloaded(paths: tuple[str | os.PathLike[str], ...]) -> datetime.datetime | None:
    """When the download was saved (the earliest of the paths given), or None."""
    times = [pathlib.Path(p).stat().st_mtime for p in paths if pathlib.Path(p).exists()]
    return datetime.datetime.fromtimestamp(min(times), datetime.timezone.utc) if times else None


class _Plan(NamedTuple):
    kept: list[Result]                  # results that still stand
    todo: dict[pathlib.Path, list[Submission]]  # the records to grade, by file (a group shares one)
    earlier: dict[str, Result]          # earlier results under another autograder, by name
    unreadable: list[Result]            # rows for records with nothing to grade


def _plan(options: Options, autograder: autograders.Autograder,
          submissions: list[Submission]) -> _Plan:
    """What to keep, what to grade and what has nothing to grade (:class:`_Plan`)."""
    kept: list[Result] = []
    todo: dict[pathlib.Path, list[Submission]] = {}
    earlier: dict[str, Result] = {}
    unreadable: list[Result] = []
    for record in submissions:
        previous = _previous(options.out / record.name / "results.json")
        file = record.to_grade
        if file is None:
            unreadable.append(_for(record, new_result(
                record.name, autograder, Status.INVALID, f"{NOT_GRADED}{record.problem}")))
        elif previous and not options.force and _unchanged(previous, file, autograder):
            kept.append(previous)
        else:
            todo.setdefault(file, []).append(record)
            if previous and previous.provenance and previous.provenance.autograder_sha256 != autograder.sha256:
                earlier[record.name] = previous
    return _Plan(kept, todo, earlier, unreadable)


def _for(record: Submission, result: Result) -> Result:
    """``result`` as the row of ``record``: its folder name, who it is, the files set aside.
    (A group shares one graded file: each member but the last gets a copy of its result.)"""
    result.submission = record.name
    result.identity = Identity(**{f.name: getattr(record, f.name) for f in dataclasses.fields(Identity)})
    result.set_aside = list(record.set_aside)
    return result


def say(line: str) -> None:
    print(f"hsa grade: {line}", file=sys.stderr)


def _previous(path: pathlib.Path) -> Result | None:
    """The result an earlier run wrote at ``path``, or None."""
    try:
        return read_result(path)
    except Exception:  # missing, or written by an older hsa: grade again
        return None


def _unchanged(result: Result, file: pathlib.Path, autograder: autograders.Autograder) -> bool:
    """True when ``result`` still stands: same file, same autograder, a grade that stood."""
    return (result.status.is_students
            and result.provenance is not None
            and result.provenance.submission_sha256 == sha256_file(file)
            and result.provenance.autograder_sha256 == autograder.sha256)


def _grade_all(members: dict[pathlib.Path, list[Submission]], autograder: autograders.Autograder,
               seed: int, isolation: Isolation, options: Options, book: Gradebook) -> None:
    """Grade each distinct file once (a group shares one), in parallel; a row per record.
    Whatever stops the run (a signal, a full disk) ends every sandbox at once and starts no
    other; the rows written so far stay."""
    pool = concurrent.futures.ThreadPoolExecutor(max(1, options.jobs))
    try:
        with _progress(len(members)) as advance:
            futures = {pool.submit(grade_file, file, group[0].name, autograder, seed, isolation,
                                   options.timeout): file for file, group in members.items()}
            for future in concurrent.futures.as_completed(futures):
                # popped: a finished future holds its Result, and a class's worth adds up
                group = members[futures.pop(future)]
                result = _outcome(future, group[0].name, autograder)
                for index, record in enumerate(group):
                    shared = index < len(group) - 1  # a later member gets the result too
                    _add(book, _for(record, copy.deepcopy(result) if shared else result))
                advance(result)
    except BaseException:
        with process.all_stopped():
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


def _outcome(future: concurrent.futures.Future[Result], name: str,
             autograder: autograders.Autograder) -> Result:
    try:
        return future.result()
    except Exception as error:  # a grader bug must still leave a row, not a zero
        return new_result(name, autograder, Status.GRADER_FAILED, _grader_failure_message(error))


def _grader_failure_message(error: Exception) -> str:
    if isinstance(error, GraderFailure):
        return f"the grader failed: {error}"
    return (f"the grader failed ({type(error).__name__}: {error}); this is a bug in hsa, not "
            "the student's doing: run `hsa grade` again on this file, and report it if it "
            "happens again")


class _progress:
    """A rich progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[Result], None]:
        if sys.stderr.isatty() and self.total:
            from rich.progress import Progress
            self.bar = Progress(transient=False)
            self.bar.start()
            self.task: TaskID = self.bar.add_task("grading", total=self.total)
        return self.advance

    def advance(self, result: Result) -> None:
        if self.bar:
            self.bar.update(self.task, advance=1, description=f"{result.submission[:24]:24}")

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.bar:
            self.bar.stop()
        return False
