"""The class downloads graders get from their platform, read into one record per student.

``hsa grade FOLDER|ZIP`` detects which platform a download comes from (or is
told, ``--layout``), and keeps who each student is, so each row of the
gradebook says whose work it was and the grades can go back where they came
from:

* Gradescope "Export Submissions": ``submission_metadata.yml`` beside
  ``submission_<id>/`` folders; the metadata (YAML written by Ruby, keys like
  ``:submitters:``) names each folder's submitters, several for a group.
* Canvas "Download Submissions": flat files
  ``<name>[_LATE]_<user id>_<attachment id>_<file name>`` (Canvas's
  ``ContentZipper``); a re-uploaded file name gets ``-1``, ``-2`` before its
  extension.
* Moodle "Download submissions": ``<Full Name>_<participant id>_assignsubmission_file[_]/``
  folders, or flat ``<Full Name>_<participant id>_assignsubmission_file_<file>``.
* nbgrader: ``submitted/<student id>/<assignment>/<notebook>.ipynb`` (or
  ``autograded/``), with nbgrader's ``timestamp.txt``.
* A plain folder: every notebook and export zip below it is a submission, its
  path the identity.

Here only the names other packages use; :mod:`.reading` holds the entry points and
unpacking a zipped download, beside it a module per platform's reader, ``metadata``
(Gradescope's YAML), ``detection`` and ``records`` (what every reader makes). Which of a student's files is graded is
:mod:`hsa.trusted.choice`'s rule, the same as on Gradescope's autograder; a
reader only says what the platform knows of each file (when its submission was
made, the order of uploads, lateness).

Bad input never raises: a folder that names no student, a metadata entry whose
folder is missing, a zip of several notebooks, two equally good files and no
way to tell the latest... each gives a record with a ``problem`` and is not
graded, while every other student is. Only what makes the whole input unreadable
(a path that does not exist, a forced layout that does not fit, a zip too large
to unpack) raises LayoutError, whose message says what to do.
"""

from ...exceptions import LayoutError
from ...outcomes import Layout
from . import canvas, gradescope, moodle, nbgrader, plain
from .detection import detect, unwrap
from .reading import DOWNLOAD_PREFIX, opened, read_submissions
from .records import Submission

__all__ = ["DOWNLOAD_PREFIX", "Layout", "LayoutError", "Submission", "canvas",
           "detect", "gradescope", "moodle", "nbgrader", "opened", "plain", "read_submissions",
           "unwrap"]
