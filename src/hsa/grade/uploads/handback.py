"""What every platform's writer gets: the run's output folder, each row's status, the
roster when there is one, and each student's result read from disk when wanted.

Results are read one at a time from results.json and not kept, and upload files are
written as they go (:mod:`.zipout`): the end of a run holds a few strings per student,
whatever the size of the class.
"""

from __future__ import annotations

import datetime
import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...outcomes import NotBack
from ...trusted.result import Result
from ...writers.atomic import write_atomic
from ...writers.feedback_html import FILE_NAME as FEEDBACK_HTML, feedback_html
from ...writers.feedback_notebook import SUFFIX as NOTEBOOK_SUFFIX
from ...writers.graded import Graded
from ...writers.results import read_result
from ..layouts import Submission
from ..roster import Roster
from ..rows import Row
from .ledger import Ledger


@dataclass
class HandBack:
    out: pathlib.Path
    assignment: str                   # the assignment's name: its notebook is <name>.ipynb
    rows: Mapping[str, Row]           # submission -> what the summary keeps of its result
    roster: Roster | None = None
    notebooks: bool = False           # --feedback-notebook: copies in each folder, and in the zips
    downloaded: datetime.datetime | None = None  # when the download was saved, where known
    team_download: bool = False       # a Moodle team assignment's (layouts.moodle.is_team_download)
    ledger: Ledger = field(default_factory=Ledger)

    def result(self, record: Submission) -> Result:
        return read_result(self.out / record.name / "results.json")

    def graded(self, record: Submission) -> Graded:
        """``record``'s result as the writers take it (its causes traced once)."""
        return Graded.of(self.result(record))

    def withheld(self, record: Submission) -> NotBack | None:
        """Why ``record``'s feedback and grade are not handed back (None when they are).
        Where nothing was graded a person decides first: a grader failure is graded
        again, and an invalid submission's reason may be for the grader."""
        status = self.rows[record.name].status
        if not status.is_students:
            return NotBack.GRADER_FAILED
        if not status.code_graded:
            return NotBack.NOTHING_GRADED
        return None

    def score(self, record: Submission) -> float:
        return self.rows[record.name].score

    def feedback_page(self, record: Submission) -> bytes:
        """The student's feedback.html, as written beside their results (written now when
        an earlier run, or an older hsa, left none)."""
        path = self.out / record.name / FEEDBACK_HTML
        try:
            return path.read_bytes()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, feedback_html(self.graded(record)))
            return path.read_bytes()

    @property
    def notebook_name(self) -> str:
        """The name of the student's notebook, feedback written in, in their folder."""
        return f"{self.assignment}{NOTEBOOK_SUFFIX}"

    def notebook_copy(self, record: Submission) -> pathlib.Path:
        """Where ``--feedback-notebook`` writes the student's notebook, feedback written in."""
        return self.out / record.name / self.notebook_name


def who(record: Submission) -> str:
    """A student as the summary names them: their name and the platform's id for them."""
    if record.student_name and record.student_id:
        return f"{record.student_name} ({record.student_id})"
    return record.student_name or record.student_id or record.name
