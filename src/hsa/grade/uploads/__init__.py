"""What goes back to each platform in one upload: every student's feedback, their grade.

One module per platform, each writing files in that platform's own format, as its
own code parses them (docs/platforms.md cites the code):

* :mod:`.canvas`: ``canvas-feedback.zip`` for *Re-Upload Submissions* (and names
  ``canvas-import.csv``, which :mod:`hsa.grade.canvas` writes, for *Grades > Import*);
* :mod:`.moodle`: ``moodle-feedback.zip`` for *Upload multiple feedback files in a zip*
  and ``moodle-grading-worksheet.csv`` for *Upload grading worksheet*;
* :mod:`.nbgrader`: ``nbgrader-feedback/feedback/<student>/<assignment>/<notebook>.html``
  for ``nbgrader release_feedback``.

Each takes the run's (Submission record, Result) pairs of its layout and returns
:class:`Upload` entries: the file, where it goes, whom it carries, whom it leaves out
and why, for the terminal summary and report.html to say in one line each.
"""

import io
import zipfile
from dataclasses import dataclass, field

from ...exceptions import InvalidSubmission
from ...outcomes import Layout
from ...writers.atomic import write_atomic
from ...writers.feedback_html import FILE_NAME as FEEDBACK_HTML, feedback_html
from ...writers.feedback_notebook import SUFFIX as NOTEBOOK_SUFFIX, feedback_notebook
from ...writers.graded import Graded


@dataclass(frozen=True)
class Upload:
    """One file (or folder) to hand back, and where."""

    path: object  # pathlib.Path
    where: str  # where it goes, in the platform's words
    carried: int  # students whose feedback or grade it carries
    left_out: tuple = field(default_factory=tuple)  # "name: why" of students it leaves out

    def line(self, listed=4):
        """The summary's line: the file, where to upload it, whom it carries, and the first
        ``listed`` of those it leaves out (report.html lists them all)."""
        text = f"{self.path} -> {self.where} ({self.carried} student(s)"
        if self.left_out:
            more = len(self.left_out) - listed
            names = "; ".join(self.left_out[:listed]) + (f"; {more} more" if more > 0 else "")
            text += f"; {len(self.left_out)} left out: {names}"
        return text + ")"


UPLOADED = frozenset({Layout.CANVAS, Layout.MOODLE, Layout.NBGRADER})
"""The platforms whose downloads get upload files back (one writer each, below)."""


def write_uploads(out, pairs, assignment, notebooks=False):
    """Every upload file for the platforms among ``pairs`` ((Submission, Result), one per
    row of the run), written into ``out``; the Upload entries, in platform order. With
    ``notebooks``, each student's notebook with their feedback written in is written into
    their folder first, and the platforms' zips carry it beside feedback.html."""
    from . import canvas, moodle, nbgrader  # noqa: PLC0415 (the platforms need this module)
    copies, uploads = {}, []
    if notebooks:
        copies, upload = _notebook_copies(out, pairs, assignment)
        uploads.append(upload)
    writers = {Layout.CANVAS: canvas.write, Layout.MOODLE: moodle.write,
               Layout.NBGRADER: nbgrader.write}
    for layout, write in writers.items():
        mine = [(s, r) for s, r in pairs if s.layout is layout]
        if mine:
            uploads += write(out, mine, assignment, copies)
    return uploads


def feedback_files(out, result, copies):
    """(file name, bytes) of what goes back to the student: feedback.html, and their
    feedback notebook where one was made (``copies``: submission -> (name, bytes))."""
    files = [(FEEDBACK_HTML, feedback_page(out, result))]
    return files + ([copies[result.submission]] if result.submission in copies else [])


def _notebook_copies(out, pairs, assignment):
    """Each student's notebook with the feedback written in, into their folder, named
    ``<assignment>-feedback.ipynb`` whatever the platform named their file."""
    copies, left_out = {}, []
    for submission, result in pairs:
        why = withheld(result)
        if why is None:
            try:
                text = feedback_notebook(submission.file, Graded.of(result))
            except (InvalidSubmission, OSError) as error:
                why = f"notebook not copied: {error}"
        if why:
            left_out.append(f"{result.submission} ({why})")
            continue
        name = f"{assignment}{NOTEBOOK_SUFFIX}"
        write_atomic(out / result.submission / name, text)
        copies[result.submission] = (name, text.encode())
    example = out / "<student>" / f"{assignment}{NOTEBOOK_SUFFIX}"
    return copies, Upload(example, "each student's own notebook with the feedback written in "
                          "(the platform zips below carry it too)", len(copies), tuple(left_out))


def withheld(result):
    """Why ``result``'s feedback is not handed back (None when it is). Where nothing was
    graded, a person decides first: a grader failure is graded again, and an invalid
    submission's reason may be for the grader (two files, none known to be the latest)."""
    if not result.status.is_students:
        return "grader failed, grade it again"
    if not result.status.code_graded:
        return "nothing graded, look first"
    return None


def feedback_page(out, result):
    """The student's feedback.html, as written beside their results (written now when an
    earlier run, or an older hsa, left none)."""
    path = out / result.submission / FEEDBACK_HTML
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, feedback_html(Graded.of(result)))
        return path.read_bytes()


def write_zip(path, members):
    """A zip of ``members`` ((name, bytes), names UTF-8 flagged when not ASCII), written
    whole or not at all."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    write_atomic(path, buffer.getvalue())
