"""``hsa grade``: every submission under some paths, graded in parallel, resumably.

Each finished submission is written at once (its folder, then the gradebook,
both atomically), so an interrupted run loses no finished row, and a re-run
skips every submission whose bytes and autograder are unchanged.
"""

import concurrent.futures
import json
import os
import pathlib
import secrets
import sys

from ..exceptions import GraderFailure, GradingError
from ..hashing import sha256_file
from ..outcomes import Status
from ..project import EXAMPLES
from ..sandbox.isolation import choose_isolation
from ..sandbox.preflight import preflight
from ..trusted import autograder as autograders
from ..trusted.grader import grade_file
from ..trusted.result import new_result
from ..trusted.submission import find_submissions
from .outputs import feedback_md, gradebook_csv, read_result, results_json, write_atomic
from .report import write_report
from .summary import Summary, changes

DEFAULT_OUT = pathlib.Path("grading-output")


def discover(paths):
    """Submission files under ``paths``, each with a unique output-folder name."""
    files = []
    for path in map(pathlib.Path, paths):
        if path.is_dir():
            files += find_submissions(path)
        elif path.is_file():
            files.append(path)
        else:
            raise GradingError(f"{path} does not exist; pass notebooks, export zips or folders")
    named, taken = [], set()
    for file in files:
        name = file.stem if file.stem not in taken else f"{file.stem}-{file.suffix[1:]}"
        while name in taken:
            name += "_"
        taken.add(name)
        named.append((file, name))
    return named


def run(args):
    autograder = autograders.load(args.autograder)
    isolation = choose_isolation(args.allow_unsandboxed)
    preflight(isolation)
    submissions = discover(args.paths or [EXAMPLES])
    if not submissions:
        raise GradingError("no .ipynb or .zip submissions found under " + " ".join(args.paths))
    out = pathlib.Path(args.out) if args.out else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    results, todo, earlier = {}, [], {}
    for file, name in submissions:
        previous = _previous(out / name / "results.json")
        if previous and not args.force and _unchanged(previous, file, autograder):
            results[name] = previous
            continue
        todo.append((file, name))
        if previous and previous.provenance.get("autograder_sha256") != autograder.sha256:
            earlier[name] = previous
    if earlier:
        say(f"the autograder changed since the last run into {out}: regrading "
            f"{len(earlier)} submission(s) graded with the old one")
    say(f"{len(submissions)} submission(s), {len(results)} unchanged and skipped, "
        f"seed {seed}, isolation {isolation}, {args.jobs} job(s)")
    book = Gradebook(out, autograder, results)
    try:
        _grade_all(todo, autograder, seed, isolation, args, book)
    except KeyboardInterrupt:
        book.flush()
        print(f"\nhsa grade: interrupted; {len(book.results)} row(s) saved in {out}. "
              "Run the same command again to grade the rest.", file=sys.stderr)
        sys.stderr.flush()
        os._exit(130)  # the sandboxes die with us (--die-with-parent)
    summary = Summary(list(book.results.values()), changes(earlier, book.results.values()))
    book.flush(summary)
    for line in summary.lines():
        say(line)
    say(f"wrote {out / 'gradebook.csv'}, {out / 'report.html'} and a folder per submission "
        "(results.json, feedback.md)")
    return 0


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
    with _progress(len(todo)) as advance, \
            concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = {pool.submit(grade_file, file, name, autograder, seed, isolation, args.timeout): name
                   for file, name in todo}
        for future in concurrent.futures.as_completed(futures):
            try:
                result = future.result()
            except Exception as error:  # a grader bug must still leave a row, not a zero
                result = new_result(futures[future], autograder, Status.GRADER_FAILED,
                                    _grader_failure_message(error))
            book.add(result)
            advance(result)


def _grader_failure_message(error):
    if isinstance(error, GraderFailure):
        return f"the grader failed: {error}"
    return (f"the grader failed ({type(error).__name__}: {error}); this is a bug in hsa, not "
            "the student's doing: run `hsa grade` again on this file, and report it if it "
            "happens again")


class Gradebook:
    def __init__(self, out, autograder, results):
        self.out, self.autograder, self.results = out, autograder, dict(results)

    def add(self, result):
        folder = self.out / result.submission
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "feedback.md", feedback_md(result))
        write_atomic(folder / "results.json",
                     json.dumps(results_json(result, self.autograder.visibility), indent=2) + "\n")
        self.results[result.submission] = result
        self.flush()

    def flush(self, summary=None):
        """Write the gradebook; with the run's ``summary``, the report too."""
        questions = self.autograder.questions
        write_atomic(self.out / "gradebook.csv", gradebook_csv(self.results.values(), questions))
        if summary is not None:
            write_report(self.out / "report.html", summary, questions, self.autograder.name)


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
