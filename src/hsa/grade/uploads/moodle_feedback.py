"""Moodle: every student's feedback file in one zip (*Upload multiple feedback files in a zip*).

The importer (moodle ``mod/assign/feedback/file/importziplib.php``,
``is_valid_filename_for_import``) splits each path part at ``_`` into at most five pieces,
``<full name>_<participant id>_<plugin type>_<plugin name>_<rest>``: the participant id
picks the student, the plugin must exist, and ``<rest>`` becomes the feedback file's name.
So each entry is ``<Full Name>_<participant id>_assignsubmission_file_feedback.html`` (a
``_`` in the name written as a space, as Moodle's download does), one per participant: a
team's members each get theirs, named by the worksheet, never by the team's group id.
"""

from __future__ import annotations

from ...writers.feedback_html import FILE_NAME as FEEDBACK_HTML
from ..layouts import Submission
from .handback import HandBack
from .moodle_targets import Target, folder_who, targets
from .upload import Upload
from .zipout import zip_out

ZIP_NAME = "moodle-feedback.zip"
WHERE = ("Moodle: View all submissions, Grading action, Upload multiple feedback files in a "
         "zip (after the worksheet)")
PLUGIN = "assignsubmission_file"  # the submission plugin the download's folders name


def feedback_name(target: Target, fallback: str, file_name: str = FEEDBACK_HTML) -> str:
    """``Zoë Ñúñez_123456_assignsubmission_file_feedback.html``."""
    name = (target.name or fallback or "Participant").replace("_", " ").replace("/", " ")
    return f"{name}_{target.participant}_{PLUGIN}_{file_name}"


def write(hand_back: HandBack, records: list[Submission]) -> list[Upload]:
    written, left_out = set(), []
    with zip_out(hand_back.out / ZIP_NAME) as add:
        for record in records:
            found, why = targets(hand_back, record)
            why = why or hand_back.withheld(record)
            if why:
                left_out.append(f"{record.name} ({why})")
            for target in found if not why else []:
                files = [(FEEDBACK_HTML, hand_back.feedback_page(record))]
                if hand_back.notebooks and hand_back.notebook_copy(record).is_file():
                    copy = hand_back.notebook_copy(record)
                    files.append((copy.name, copy.read_bytes()))
                for file_name, data in files:
                    add(feedback_name(target, record.student_name, file_name), data)
                hand_back.ledger.feedback(target.key, target.who, file=FEEDBACK_HTML)
                written.add(target.participant)
            for target in found if why else []:
                hand_back.ledger.feedback(target.key, target.who, why=why)
            if why and not found:
                hand_back.ledger.feedback(record.name, folder_who(hand_back, record), why=why)
    return [Upload(hand_back.out / ZIP_NAME, WHERE, len(written), tuple(left_out))]
