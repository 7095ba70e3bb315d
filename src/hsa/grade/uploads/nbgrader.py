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
``release_feedback`` would stop at it.
"""

import shutil

from ...writers.atomic import write_atomic
from . import Upload, feedback_page, withheld

FOLDER = "nbgrader-feedback"
KEPT = ("timestamp.txt", "submission_secret.txt")  # what release_feedback reads beside it
MAX_KEPT_BYTES = 4096  # both are a line; the student's folder may hold anything by those names


def write(out, pairs, assignment, copies):
    """(``copies``, the feedback notebooks, stay out: release_feedback hands out .html only.)"""
    root = out / FOLDER / "feedback"
    if root.exists():
        shutil.rmtree(root)  # a student regraded since must not keep an older page
    written, left_out = 0, []
    for submission, result in pairs:
        folder = assignment_folder(submission)
        why = withheld(result) or _why_not(submission, folder)
        if why:
            left_out.append(f"{result.submission} ({why})")
            continue
        target = root / submission.student_id / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            write_atomic(target / name, (folder / name).read_bytes())
        write_atomic(target / f"{submission.file.stem}.html", feedback_page(out, result))
        written += 1
    return [Upload(out / FOLDER / "feedback", "nbgrader: copy feedback/ into the course "
                   "folder, then run nbgrader release_feedback", written, tuple(left_out))]


def assignment_folder(submission):
    """``submitted/<student>/<assignment>/`` of the graded notebook, or None."""
    if submission.file is None:
        return None
    return next((p for p in submission.file.parents if p.parent.name == submission.student_id),
                None)


def _why_not(submission, folder):
    if folder is None or submission.file.suffix.lower() != ".ipynb":
        return "no notebook in submitted/<student>/<assignment>/"
    missing = [name for name in KEPT if not _small_file(folder / name)]
    if missing:  # release_feedback opens both; nbgrader 0.7 and later collect them
        return f"no {' or '.join(missing)}, which release_feedback needs"
    return None


def _small_file(path):
    """A plain file of a line or so: not a link (to /dev/zero, to a secret), nor a large file."""
    return (not path.is_symlink() and path.is_file()
            and path.stat().st_size <= MAX_KEPT_BYTES)
