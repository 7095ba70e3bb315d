"""``hsa grade``: every submission under some paths, graded in parallel, resumably.

Each finished submission is written at once (its folder, then the gradebook,
both atomically), so an interrupted run loses no finished row, and a re-run
skips every submission whose bytes and autograder are unchanged.
"""

import concurrent.futures
import copy
import dataclasses
import json
import os
import pathlib
import sys

from ..exceptions import GraderFailure, GradingError
from ..hashing import sha256_file
from ..outcomes import Status
from ..project import EXAMPLES
from ..sandbox.isolation import choose_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.grader import grade_file, seed_or_fresh
from ..trusted.result import NOT_GRADED, Identity, new_result
from . import canvas
from ..outcomes import Layout
from .layouts import opened
from ..trusted.causes import trace
from ..writers.atomic import write_atomic
from ..writers.feedback import feedback_md
from ..writers.feedback_html import FILE_NAME as FEEDBACK_HTML, feedback_html
from ..writers.gradebook import gradebook_csv, gradebook_row
from ..writers.results import read_result, results_json
from .report import write_report
from .summary import Summary, changes
from .uploads import write_uploads

DEFAULT_OUT = pathlib.Path("grading-output")


def run(args):
    autograder = autograders.load(args.autograder)
    isolation = choose_isolation(args.allow_unsandboxed)
    preflight(isolation, autograder.budgets)
    with opened(args.paths or [EXAMPLES], args.layout, autograder.expected) as submissions:
        if not submissions:
            raise GradingError("no .ipynb or .zip submissions found under "
                               + " ".join(args.paths) + "; pass notebooks, export zips, "
                               "folders of them or a class download")
        return _run(args, autograder, isolation, submissions)


def _run(args, autograder, isolation, submissions):
    out = pathlib.Path(args.out) if args.out else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    seed = seed_or_fresh(args.seed)
    results, todo, earlier, unreadable = {}, [], {}, []
    for record in submissions:
        previous = _previous(out / record.name / "results.json")
        if not record.gradable:
            unreadable.append(_for(record, new_result(
                record.name, autograder, Status.INVALID, f"{NOT_GRADED}{record.problem}")))
        elif previous and not args.force and _unchanged(previous, record.file, autograder):
            results[record.name] = previous
        else:
            todo.append(record)
            if previous and previous.provenance.get("autograder_sha256") != autograder.sha256:
                earlier[record.name] = previous
    if earlier:
        say(f"the autograder changed since the last run into {out}: regrading "
            f"{len(earlier)} submission(s) graded with the old one")
    layouts = sorted({str(r.layout) for r in submissions})
    say(f"{len(submissions)} submission(s), {len(results)} unchanged and skipped, "
        f"{len(unreadable)} with nothing to grade; {', '.join(layouts)} layout, seed {seed}, "
        f"isolation {isolation}, {args.jobs} job(s)")
    book = Gradebook(out, autograder, results)
    for result in unreadable:
        book.add(result)
    try:
        _grade_all(todo, autograder, seed, isolation, args, book)
    except KeyboardInterrupt:
        book.flush()
        print(f"\nhsa grade: interrupted; {len(book.results)} row(s) saved in {out}. "
              "Run the same command again to grade the rest.", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)  # the sandboxes die with us (--die-with-parent)
    handed_back = write_uploads(out, [(r, book.results[r.name]) for r in submissions],
                                autograder.name, args.feedback_notebook)
    summary = Summary(list(book.results.values()), changes(earlier, book.results.values()),
                      handed_back)
    book.flush(summary)
    for line in summary.lines():
        say(line)
    written = [out / "gradebook.csv", out / "report.html"]
    if any(r.layout is Layout.CANVAS for r in submissions):
        written.append(_write_canvas(out, submissions, book, autograder, args))
    say(f"wrote {', '.join(map(str, written))} and a folder per submission "
        "(results.json, feedback.md, feedback.html)")
    return 0


def _write_canvas(out, submissions, book, autograder, args):
    """canvas-import.csv; a submission with nothing graded (invalid, grader_failed) gets a
    blank cell, which leaves its Canvas grade as it is until a person decides."""
    graded = [(r, _score_to_import(book.results[r.name]))
              for r in submissions if r.layout is Layout.CANVAS]
    path, unmatched = canvas.write_canvas_import(
        out, graded, title=autograder.title, assignment_id=args.canvas_assignment_id,
        points_possible=max(r.max_score for r in book.results.values()))
    if unmatched:
        say(f"canvas-import.csv leaves out {len(unmatched)} submission(s) with no Canvas user "
            "id: " + ", ".join(r.path for r in unmatched))
    return path


def _score_to_import(result):
    return result.score if result.status.code_graded else None


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
            and result.provenance.get("submission_sha256") == sha256_file(file)
            and result.provenance.get("autograder_sha256") == autograder.sha256)


def _grade_all(todo, autograder, seed, isolation, args, book):
    """Grade each distinct file once (a group shares one), in parallel; a row per record."""
    members = {}
    for record in todo:
        members.setdefault(record.file, []).append(record)
    with _progress(len(members)) as advance, \
            concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = {pool.submit(grade_file, file, group[0].name, autograder, seed, isolation,
                               args.timeout): file for file, group in members.items()}
        for future in concurrent.futures.as_completed(futures):
            group = members[futures[future]]
            try:
                result = future.result()
            except Exception as error:  # a grader bug must still leave a row, not a zero
                result = new_result(group[0].name, autograder, Status.GRADER_FAILED,
                                    _grader_failure_message(error))
            for record in group:
                book.add(_for(record, result))
            advance(result)


def _grader_failure_message(error):
    if isinstance(error, GraderFailure):
        return f"the grader failed: {error}"
    return (f"the grader failed ({type(error).__name__}: {error}); this is a bug in hsa, not "
            "the student's doing: run `hsa grade` again on this file, and report it if it "
            "happens again")


class Gradebook:
    """Every row so far, rewritten (atomically) after each result, so that an interrupted run
    keeps what it finished. Each row is made once, when its result arrives."""

    def __init__(self, out, autograder, results):
        self.out, self.autograder, self.results = out, autograder, dict(results)
        self.rows = {name: gradebook_row(r, autograder.questions) for name, r in self.results.items()}

    def add(self, result):
        folder = self.out / result.submission
        folder.mkdir(parents=True, exist_ok=True)
        traced = trace(result)  # once, for every writer
        feedback = feedback_md(result, traced=traced)
        write_atomic(folder / "feedback.md", feedback)
        write_atomic(folder / FEEDBACK_HTML, feedback_html(result, traced))
        results = results_json(result, self.autograder.visibility, traced, feedback)
        write_atomic(folder / "results.json", json.dumps(results, indent=2) + "\n")
        self.results[result.submission] = result
        self.rows[result.submission] = gradebook_row(result, self.autograder.questions, traced)
        self.flush()

    def flush(self, summary=None):
        """Write the gradebook; with the run's ``summary``, the report too."""
        questions = self.autograder.questions
        write_atomic(self.out / "gradebook.csv",
                     gradebook_csv(self.results.values(), questions, self.rows))
        if summary is not None:
            write_report(self.out / "report.html", summary, questions, self.autograder.title)


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
