"""Canvas: every student's feedback.html in one zip for *Re-Upload Submissions*.

Canvas reads each file's name as its own download named it
(canvas-lms ``app/models/assignment.rb``, ``Assignment#generate_comments_from_files``
and ``infer_comment_context_from_filename``): the name is split at ``_``, and the
first two parts that are all digits are the user id and the attachment id; the
attachment must be one of that user's submission's files. The file is then attached
to the submission as a comment ("See attached file"). So each file here is named
``<name>[_LATE]_<user id>_<attachment id>_feedback.html`` from the file Canvas gave
us for that student. Anonymous downloads (``anon_<id>``) name no user id and cannot go
back this way.

The grades go back as ``canvas-import.csv`` (:mod:`hsa.grade.canvas`, *Grades >
Import*), named here so that the summary says where both go.
"""

import pathlib
import re

from .. import canvas as gradebook_import
from . import Upload, feedback_files, withheld, write_zip

FILE_NAME = "canvas-feedback.zip"
DIGITS = re.compile(r"[0-9]+")  # Ruby's /^\d+$/: ASCII digits only


def reupload_name(submission, file_name="feedback.html"):
    """The name Canvas reads as a file about this student's graded attachment, or None."""
    parts = pathlib.PurePosixPath(submission.path).name.split("_")
    numbers = [i for i, part in enumerate(parts) if DIGITS.fullmatch(part)][:2]
    if len(numbers) < 2 or parts[numbers[0]] != submission.student_id:
        return None
    return "_".join(parts[:numbers[1] + 1]) + "_" + file_name


def write(out, pairs, assignment, copies):
    members, left_out = [], []
    for submission, result in pairs:
        why = withheld(result)
        if reupload_name(submission) is None:
            left_out.append(f"{result.submission} ({_unnamed(submission)})")
        elif why:
            left_out.append(f"{result.submission} ({why})")
        else:
            members += [(reupload_name(submission, name), data)
                        for name, data in feedback_files(out, result, copies)]
    return [Upload(out / gradebook_import.FILE_NAME, "Canvas: Grades, Import",
                   sum(1 for s, _ in pairs if gradebook_import.matchable(s))),
            _zip(out, members, left_out)]


def _zip(out, members, left_out):
    path = out / FILE_NAME
    write_zip(path, members)
    students = len({canvas_reads(name) for name, _ in members})
    return Upload(path, "Canvas: Grades, the assignment's menu, Re-Upload Submissions",
                  students, tuple(left_out))


def canvas_reads(name):
    """The user and attachment ids Canvas reads from a file name."""
    return tuple(p for p in name.split("_") if DIGITS.fullmatch(p))[:2]


def _unnamed(submission):
    if (submission.student_id or "").startswith("anon_"):
        return "anonymous: no user id"
    return "no user and attachment id in its name" if submission.student_id else "names no student"
