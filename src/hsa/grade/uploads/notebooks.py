"""The student's own notebook with their feedback written in, as the platforms get it.

``--feedback-notebook`` writes one into each student's folder, ``<assignment>-feedback.ipynb``
whatever the platform named their file, and the Moodle zip carries it beside
feedback.html. Canvas always gets it: Canvas attaches a re-uploaded file under the name
of the student's own file (:mod:`.canvas_reupload`), so what it attaches must be a
notebook. A notebook that cannot be read (or is too large) gets, in its place, a
notebook holding the feedback alone: what Canvas attaches still opens in Jupyter.
"""

from __future__ import annotations

from ...exceptions import InvalidSubmission
from ...outcomes import NotBack
from ...writers.atomic import write_atomic
from ...writers.feedback import feedback_md
from ...writers.feedback_notebook import MARK, feedback_notebook
from ..layouts import Submission
from .handback import HandBack
from .upload import Upload


def write_copies(hand_back: HandBack, records: list[Submission]) -> Upload:
    """Each graded student's feedback notebook, into their folder."""
    written, left_out = 0, []
    for record in records:
        why: NotBack | str | None = hand_back.withheld(record)
        if why is None:
            try:
                text = _written_in(hand_back, record)
            except (InvalidSubmission, OSError) as error:
                why = f"notebook not copied: {error}"
        if why:
            left_out.append(f"{record.name} ({why})")
            continue
        write_atomic(hand_back.notebook_copy(record), text)
        written += 1
    return Upload(hand_back.out / "<student>" / hand_back.notebook_name, "each student's own notebook with the feedback written in (the "
                  "platform zips below carry it too)", written, tuple(left_out))


def student_notebook(hand_back: HandBack, record: Submission) -> bytes:
    """The notebook to hand back for ``record``: the copy in their folder, or made now;
    the feedback alone in a notebook when theirs cannot be read."""
    copy = hand_back.notebook_copy(record)
    if hand_back.notebooks and copy.is_file():  # written this run
        return copy.read_bytes()
    try:
        return _written_in(hand_back, record).encode()
    except (InvalidSubmission, OSError):
        return feedback_only(hand_back, record)


def _written_in(hand_back: HandBack, record: Submission) -> str:
    """The student's notebook with their feedback written in (InvalidSubmission, OSError
    when it cannot be read; a record handed back was graded, so it has a file)."""
    if record.file is None:
        raise InvalidSubmission("no file was graded")
    return feedback_notebook(record.file, hand_back.graded(record))


def feedback_only(hand_back: HandBack, record: Submission) -> bytes:
    """A notebook of one markdown cell: the student's feedback.md."""
    path = hand_back.out / record.name / "feedback.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else feedback_md(hand_back.graded(record))
    import nbformat  # here only: see hsa.writers.feedback_notebook
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata.update(MARK)
    notebook = nbformat.v4.new_notebook(cells=[cell])
    return (nbformat.writes(notebook) + "\n").encode()
