"""What goes back to each platform in one upload: every student's feedback, their grade.

A module per upload file, each written in that platform's own format, as its own code
parses it (docs/platforms.md cites the code): :mod:`.canvas_gradebook`
(``canvas-import.csv``, Grades > Import), :mod:`.canvas_reupload` (``canvas-feedback.zip``,
Re-Upload Submissions), :mod:`.moodle_worksheet` and :mod:`.moodle_feedback` (the grading
worksheet and the feedback-files zip; :mod:`.moodle_targets` says whom a folder is),
:mod:`.nbgrader_feedback` (the tree ``nbgrader release_feedback`` reads). Beside them:
:mod:`.writing` runs them, :mod:`.handback` is what each gets, :mod:`.ledger` records
per student what goes back and why not, :mod:`.notebooks` the feedback notebooks,
:mod:`.zipout` writes a zip as it goes.
"""

from .handback import HandBack
from .ledger import Ledger, Returned
from .upload import Upload
from .writing import UPLOADED, check_roster_fits, write_uploads

__all__ = ["UPLOADED", "HandBack", "Ledger", "Returned", "Upload", "check_roster_fits",
           "write_uploads"]
