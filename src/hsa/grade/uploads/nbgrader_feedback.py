"""nbgrader: every student's feedback.html where ``nbgrader release_feedback`` finds it.

``release_feedback`` (nbgrader ``nbgrader/exchange/default/release_feedback.py``,
``ExchangeReleaseFeedback.copy_files``) releases every
``feedback/<student>/<assignment>/<notebook>.html`` below the course folder; beside
it, it reads ``timestamp.txt`` and ``submission_secret.txt`` (nbgrader's
``generate_feedback`` copies both from the submission: ``converters/base.py``,
``init_assignment``) and files the page under a hash of the secret and the notebook's
name, which is how ``fetch_feedback`` gives each student theirs
(``exchange/default/fetch_feedback.py``, ``utils.notebook_hash``). So the tree here
is ``nbgrader-feedback/feedback/<student>/<assignment>/<notebook>.html``, the
notebook named as the student handed it in, with those two files copied from the
submission. A submission without them (collected by nbgrader before 0.7) is left out:
``release_feedback`` would stop at it. Grades stay in gradebook.csv (``student_id`` is
nbgrader's): nothing here writes nbgrader's own gradebook.
"""

from __future__ import annotations

import pathlib
import shutil

from ...outcomes import NotBack
from ...writers.atomic import write_atomic
from ..layouts import Submission
from .handback import HandBack, who
from .upload import Upload

FOLDER = "nbgrader-feedback"
WHERE = "nbgrader: copy feedback/ into the course folder, then run nbgrader release_feedback"
KEPT = ("timestamp.txt", "submission_secret.txt")  # what release_feedback reads beside it
MAX_KEPT_BYTES = 4096  # both are a line; the student's folder may hold anything by those names


def write(hand_back: HandBack, records: list[Submission]) -> list[Upload]:
    """(The feedback notebooks stay out: release_feedback hands out .html only.)"""
    root = hand_back.out / FOLDER / "feedback"
    if root.exists():
        shutil.rmtree(root)  # a student regraded since must not keep an older page
    written, left_out = 0, []
    for record in records:
        folder = assignment_folder(record)
        why = hand_back.withheld(record) or _why_not(record, folder)
        hand_back.ledger.grade(record.name, who(record), why=why or NotBack.NO_GRADE_UPLOAD)
        if why or folder is None or record.file is None:  # the last two: why is NO_NOTEBOOK
            hand_back.ledger.feedback(record.name, who(record), why=why)
            left_out.append(f"{record.name} ({why})")
            continue
        target = root / record.student_id / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            write_atomic(target / name, (folder / name).read_bytes())
        page = f"{record.file.stem}.html"
        write_atomic(target / page, hand_back.feedback_page(record))
        hand_back.ledger.feedback(record.name, who(record), file=page)
        written += 1
    return [Upload(hand_back.out / FOLDER / "feedback", WHERE, written, tuple(left_out))]


def assignment_folder(record: Submission) -> pathlib.Path | None:
    """``submitted/<student>/<assignment>/`` of the graded notebook, or None."""
    if record.file is None:
        return None
    return next((p for p in record.file.parents if p.parent.name == record.student_id), None)


def _why_not(record: Submission, folder: pathlib.Path | None) -> NotBack | None:
    if folder is None or record.file is None or record.file.suffix.lower() != ".ipynb":
        return NotBack.NO_NOTEBOOK
    if not all(_small_file(folder / name) for name in KEPT):
        return NotBack.NBGRADER_NEEDS_FILES  # nbgrader 0.7 and later collect both
    return None


def _small_file(path: pathlib.Path) -> bool:
    """A plain file of a line or so: not a link (to /dev/zero, to a secret), nor a large file."""
    return (not path.is_symlink() and path.is_file()
            and path.stat().st_size <= MAX_KEPT_BYTES)
