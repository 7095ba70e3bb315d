"""Canvas: every student's feedback in one zip for *Re-Upload Submissions*, each file one
that opens under the name Canvas gives it.

Canvas (canvas-lms ``app/models/assignment.rb``, ``generate_comments_from_files``) reads
each file's name with ``infer_comment_context_from_filename``: it removes the name of
each of the assignment's groups followed by ``_``, then ``LATE``; a name that starts
``anon_<anonymous id>_<attachment id>`` is an anonymous submission's, else the first two
all-digit parts are the user id and the attachment id. The attachment must be one of that
submission's files. Canvas then attaches the file to a comment ("See attached file") on
the submission of each member of the student's group, under the attachment's own
``display_name`` (``FileInContext.attach(…, display_name: g[:display_name])``): the
student sees a file named like the one they handed in. So the entry for a notebook
submission is their notebook with the feedback written in (:mod:`.notebooks`); for an
export zip, a zip of that notebook and feedback.html.

Each entry is named ``<key>_<file>``, the key as the download wrote it (``<name>[_LATE]_<user
id>_<attachment id>`` or ``[LATE_]anon_<anonymous id>_<attachment id>``); a key whose name
has an all-digit part (a group named ``7``), which Canvas before its group-name rule would
read as the user, loses its name: ``4646_9011_<file>`` reads the same in every version.
"""

from __future__ import annotations

import pathlib
import zipfile

from ...outcomes import NotBack
from ...trusted.submission import notebook_entries
from ...writers.feedback_html import FILE_NAME as FEEDBACK_HTML
from ..layouts import Submission
from ..layouts.canvas import DIGITS, LATE, canvas_name
from .handback import HandBack, who
from .notebooks import student_notebook
from .upload import Upload
from .zipout import zip_bytes, zip_out

FILE_NAME = "canvas-feedback.zip"
WHERE = "Canvas: Grades, the assignment's menu, Re-Upload Submissions"


def write(hand_back: HandBack, records: list[Submission]) -> list[Upload]:
    written, left_out = 0, []
    with zip_out(hand_back.out / FILE_NAME) as add:
        for record in records:
            name = entry_name(record)
            why = (NotBack.NAMES_NO_STUDENT if not record.student_id else
                   hand_back.withheld(record) or (None if name else NotBack.NO_IDS))
            if why or not name:  # no name: why is NO_IDS
                hand_back.ledger.feedback(record.name, who(record), why=why)
                left_out.append(f"{record.name} ({why})")
                continue
            add(name, entry(hand_back, record))
            hand_back.ledger.feedback(record.name, who(record), file=_shown_as(record))
            written += 1
    return [Upload(hand_back.out / FILE_NAME, WHERE, written, tuple(left_out))]


def entry_name(record: Submission) -> str | None:
    """The entry's name, read by Canvas as this student's graded attachment, or None."""
    parts = canvas_name(record.key + "_x") if record.key else None
    if parts is None or parts.user != record.student_id:
        return None
    file = _shown_as(record)
    if canvas_reads(f"{record.key}_{file}") == (parts.user, parts.attachment):
        return f"{record.key}_{file}"
    late = [LATE] if parts.late else []
    return "_".join([*late, parts.user, parts.attachment, file])  # the name dropped


def canvas_reads(file_name: str) -> tuple[str, str] | None:
    """What infer_comment_context_from_filename takes from a name (its groups' names aside):
    ``("anon_<id>", attachment)`` or ``(user id, attachment id)``."""
    parts = [p for p in file_name.split("_") if p != LATE]
    if parts and parts[0] == "anon" and len(parts) > 2:
        return f"anon_{parts[1]}", parts[2]
    ids = [p for p in parts if DIGITS.fullmatch(p)][:2]
    return (ids[0], ids[1]) if len(ids) == 2 else None


def entry(hand_back: HandBack, record: Submission) -> bytes:
    """What the student gets: their notebook with the feedback in it, or for an export zip
    a zip of that notebook (named as in their zip) and feedback.html."""
    notebook = student_notebook(hand_back, record)
    if pathlib.Path(record.path).suffix.lower() != ".zip":
        return notebook
    return zip_bytes([(_notebook_name(record, hand_back.assignment), notebook),
                      (FEEDBACK_HTML, hand_back.feedback_page(record))])


def _shown_as(record: Submission) -> str:
    """The attachment's name as the download wrote it: the name Canvas shows ours under."""
    parts = canvas_name(pathlib.PurePosixPath(record.path).name)
    return parts.file if parts else pathlib.PurePosixPath(record.path).name


def _notebook_name(record: Submission, assignment: str) -> str:
    if record.file is not None:  # a record handed back was graded: it has a file
        try:
            with zipfile.ZipFile(record.file) as archive:
                return pathlib.PurePosixPath(notebook_entries(archive)[0].filename).name
        except (OSError, zipfile.BadZipFile, IndexError):
            pass
    return f"{assignment}.ipynb"




