"""The rows of a run as they come: each result's files, then a line in an append-only journal.

A student's folder is written first (feedback.md and feedback.html, then results.json, the old
results.json removed before either, so a run stopped half-way leaves none and
the student is graded again), then the row's line is appended to the journal,
flushed and synced. gradebook.csv is made from the journal now and then and at
the end, so the bytes written grow with the class, not its square; memory holds
only what the summary needs (a :class:`~.rows.Row` per student).
"""

from __future__ import annotations

import json
import os
import pathlib
import time
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Literal

from ..writers.atomic import atomic_file, write_atomic
from ..writers.feedback import feedback_md
from ..writers.feedback_html import FILE_NAME as FEEDBACK_HTML, feedback_html
from ..writers.graded import Graded
from ..writers.gradebook import gradebook_row, write_gradebook
from ..writers.results import read_result, results_json
from .outdir import is_full
from .report import write_report
from .rows import Row
from .summary import Summary

if TYPE_CHECKING:
    from ..trusted.autograder import Autograder
    from ..trusted.result import Result

JOURNAL = ".hsa-journal.jsonl"
REWRITE_SECONDS = 30
"""gradebook.csv is rewritten from the journal at most this often during a run."""


class Gradebook:
    """The run's rows: a journal in ``out``, and gradebook.csv and report.html made from it."""

    def __init__(self, out: pathlib.Path, autograder: Autograder) -> None:
        self.out, self.autograder = out, autograder
        self.path = out / JOURNAL
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
        self._size = 0
        self._rows: dict[str, Row] = {}  # submission -> Row, in the order they came
        self._rewritten = time.monotonic()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        os.close(self._fd)
        return False

    @property
    def count(self) -> int:
        """Rows safely written (their files and their journal line)."""
        return len(self._rows)

    def rows(self) -> list[Row]:
        return list(self._rows.values())

    def add(self, result: Result) -> None:
        """Write ``result``'s folder, then its row."""
        folder = self.out / result.submission
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").unlink(missing_ok=True)
        graded = Graded.of(result)  # traced once, its blocks built once, for every writer
        write_atomic(folder / "feedback.md", feedback_md(graded))
        write_atomic(folder / FEEDBACK_HTML, feedback_html(graded))
        results = results_json(graded, self.autograder.visibility)
        write_atomic(folder / "results.json", json.dumps(results, indent=2) + "\n")
        self._append(graded)

    def keep(self, result: Result) -> None:
        """The row of a result an earlier run wrote, which still stands."""
        self._append(Graded.of(result))

    def _append(self, graded: Graded) -> None:
        result = graded.result
        row = gradebook_row(graded, self.autograder.questions)
        line = (json.dumps(row, default=str) + "\n").encode()
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(28, os.strerror(28))  # a short write: the disk is full
            os.fsync(self._fd)
        except BaseException:
            os.ftruncate(self._fd, self._size)  # no torn line
            raise
        self._size += len(line)
        self._rows[result.submission] = Row.of(result)
        if time.monotonic() - self._rewritten > REWRITE_SECONDS:
            self.write_gradebook()

    def write_gradebook(self, quiet: bool = False) -> None:
        """gradebook.csv from the journal; ``quiet``: as a last act, when the disk may be full.
        Streamed: only where each submission's last line starts is held, not the rows."""
        try:
            with atomic_file(self.out / "gradebook.csv") as handle, \
                    open(self.path, "rb") as journal:
                starts = self._last_lines(journal)
                write_gradebook(handle, self._rows_at(journal, starts), self.autograder.questions)
        except OSError as error:
            if not (quiet and is_full(error)):
                raise
        self._rewritten = time.monotonic()

    @staticmethod
    def _rows_at(journal: IO[bytes], starts: dict[str, int]) -> Iterator[list[object]]:
        """The rows at ``starts``, by submission, read one at a time."""
        for name in sorted(starts):
            journal.seek(starts[name])
            yield json.loads(journal.readline())

    @staticmethod
    def _last_lines(journal: IO[bytes]) -> dict[str, int]:
        """Where each submission's last line starts (a submission graded again: its last
        line stands). Only the name is parsed of each line."""
        starts: dict[str, int] = {}
        offset = 0
        for line in journal:
            starts[json.loads(line)[0]] = offset
            offset += len(line)
        return starts

    def finish(self, summary: Summary) -> None:
        """The run's end: gradebook.csv, and report.html from every result, read back one at
        a time."""
        self.write_gradebook()
        every = (Graded.of(read_result(self.out / name / "results.json")) for name in sorted(self._rows))
        write_report(self.out / "report.html", summary, self.autograder.questions,
                     self.autograder.title, every)
