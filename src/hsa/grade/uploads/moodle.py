"""Moodle: every student's feedback.html in one zip, and every grade in one worksheet.

**Feedback files** (*Upload multiple feedback files in a zip*, the File feedback
plugin; moodle ``mod/assign/feedback/file/importziplib.php``,
``assignfeedback_file_zip_importer::is_valid_filename_for_import``): each path part
is split at ``_`` into at most five pieces, ``<full name>_<participant id>_<plugin
type>_<plugin name>_<rest>``; the participant id picks the student, the plugin must
exist, and ``<rest>`` becomes the feedback file's name. So each file here is
``<Full Name>_<participant id>_assignsubmission_file_feedback.html``, the name as the
download wrote it (Moodle writes ``_`` in a name as a space: ``downloader.php``).

**Grades** (*Upload grading worksheet*, the Offline grading worksheet plugin;
``mod/assign/feedback/offline/importgradeslib.php``,
``assignfeedback_offline_grade_importer::init`` and ``next``, and ``locallib.php``,
``process_import_grades``): the importer finds its columns by their English titles
(``Identifier``, ``Grade``, ``Last modified (grade)`` are required, ``Feedback
comments`` is read when that plugin is on), takes the participant id from
``Participant <id>``, skips a blank grade, and skips a grade changed in Moodle more
than a minute after ``Last modified (grade)`` unless told to ignore that date. The
other columns are those of Moodle's own worksheet (``gradingtable.php``) and are
not read back. A student with nothing graded gets a blank grade (Moodle keeps theirs)
and a comment that their instructor will look (the reason is the grader's to read,
in the gradebook); a grader failure gets no row at all, so nothing of theirs changes.
"""

import csv
import datetime
import io

from ...writers.atomic import write_atomic
from ...writers.feedback import one_line
from ...writers.graded import Graded
from . import Upload, feedback_files, withheld, write_zip

ZIP_NAME = "moodle-feedback.zip"
WORKSHEET_NAME = "moodle-grading-worksheet.csv"
PLUGIN = "assignsubmission_file"  # the submission plugin the download's folders name
HEADER = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
          "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
          "Feedback comments")
PARTICIPANT = "Participant "  # Moodle's hiddenuser string, before the participant id


def write(out, pairs, assignment, copies):
    known, unknown = [], []
    for submission, result in pairs:
        if (submission.student_id or "").isdigit():
            known.append((submission, result))
        else:
            unknown.append(f"{result.submission} (names no participant)")
    return [_feedback_zip(out, known, unknown, copies), _worksheet(out, known, unknown)]


def feedback_name(submission, file_name="feedback.html"):
    """``Zoë Ñúñez_123456_assignsubmission_file_feedback.html``."""
    name = (submission.student_name or "Participant").replace("_", " ").replace("/", " ")
    return f"{name}_{submission.student_id}_{PLUGIN}_{file_name}"


def _feedback_zip(out, pairs, left_out, copies):
    members, left_out, students = [], list(left_out), 0
    for submission, result in pairs:
        why = withheld(result)
        if why:
            left_out.append(f"{result.submission} ({why})")
            continue
        members += [(feedback_name(submission, name), data)
                    for name, data in feedback_files(out, result, copies)]
        students += 1
    path = out / ZIP_NAME
    write_zip(path, members)
    return Upload(path, "Moodle: View all submissions, Grading action, Upload multiple "
                  "feedback files in a zip", students, tuple(left_out))


def _worksheet(out, pairs, left_out):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    rows, left_out = 0, list(left_out)
    for submission, result in pairs:
        if not result.status.is_students:  # no row: nothing of theirs changes in Moodle
            left_out.append(f"{result.submission} ({withheld(result)})")
            continue
        writer.writerow(worksheet_row(submission, result))
        rows += 1
    path = out / WORKSHEET_NAME
    write_atomic(path, buffer.getvalue())
    return Upload(path, "Moodle: View all submissions, Grading action, Upload grading "
                  "worksheet", rows, tuple(left_out))


def worksheet_row(submission, result):
    graded = result.status.code_graded
    return (f"{PARTICIPANT}{submission.student_id}", submission.student_name or "",
            submission.email or "", f"hsa: {result.status}",
            f"{result.score:g}" if graded else "", f"{result.max_score:g}", "Yes", "",
            (result.provenance and result.provenance.timestamp) or _now(), one_line(Graded.of(result)))


def _now():
    """When a result records no time of grading (nothing was graded): now, so that Moodle
    does not take the row for older than its own grade and skip its comment."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
