"""Build the two example classes' downloads from examples/submissions/: a Canvas class and a
Moodle class, each zipped as its platform zips a download, beside the platform's own
export of its gradebook (written by hand as the platform writes it, committed).

    python examples/classes/make_classes.py     # rewrites canvas/submissions.zip, moodle/submissions.zip

The zips are deterministic (fixed dates), so a test checks the committed ones are what
this script makes. examples/classes/README.md says who each student is and what they test.
"""

from __future__ import annotations

import pathlib
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
SUBMISSIONS = HERE.parent / "submissions"
CORRECT, PARTIAL, STUB, RAISES, EXPORT = (SUBMISSIONS / f for f in (
    "alice_correct.ipynb", "bob_partial.ipynb", "carol_stub.ipynb", "dave_raises.ipynb",
    "erin_export.zip"))
NOTEBOOK = "hidden_state_activation.ipynb"
STAMP = (2026, 11, 20, 9, 0, 0)

CANVAS = {  # canvas-lms lib/content_zipper.rb: <name>[_LATE]_<user id>_<attachment id>_<file>
    f"ñúñezzoë_4242_9001_{NOTEBOOK}": PARTIAL,             # an accented name, resubmitted:
    "ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb": CORRECT,  # the later attachment
    f"leebob_LATE_4343_9002_{NOTEBOOK}": PARTIAL,           # a late file
    f"martinalice_4444_9003_{NOTEBOOK}": CORRECT,           # a grade in Canvas already (10)
    "smithcarol_4545_9006_hidden_state_activation_2026.zip": EXPORT,  # an export zip
    f"7_4646_9011_{NOTEBOOK}": RAISES,                      # group "7", Dave Jones for it
    "obriendave_4747_9007_all_my_work.zip": (CORRECT, PARTIAL),  # two notebooks: nothing graded
    f"excusedeve_4949_9012_{NOTEBOOK}": CORRECT,            # excused in Canvas (EX)
    f"anon_ab12c_9008_{NOTEBOOK}": CORRECT,                 # anonymous grading
}
MOODLE = {  # moodle mod/assign/classes/downloader.php: <prefix>_assignsubmission_file/<file>
    f"Zoë Ñúñez_123456_assignsubmission_file/{NOTEBOOK}": CORRECT,     # an accented name
    f"Bob Lee_123457_assignsubmission_file/{NOTEBOOK}": PARTIAL,       # late; graded 9.00 before
    "Carol Smith_123458_assignsubmission_file/a.ipynb": RAISES,       # two notebooks alike:
    "Carol Smith_123458_assignsubmission_file/b.ipynb": CORRECT,      # nothing graded (11.00 kept)
    f"Participant_123462_assignsubmission_file/{NOTEBOOK}": PARTIAL,  # blind marking
}
MOODLE_TEAMS = {  # a team assignment: a folder per team, <group name>_<group id>
    f"Team Rocket_123459_assignsubmission_file/{NOTEBOOK}": RAISES,   # group id 123459: also the
    f"Team Meowth_77_assignsubmission_file/{NOTEBOOK}": CORRECT,      # participant id of Dave,
    f"Default group_assignsubmission_file/{NOTEBOOK}": PARTIAL,       # a Meowth; no group: no id
}


def write_zip(path: pathlib.Path, members: dict[str, object]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in members.items():
            if isinstance(source, tuple):  # a zip of several notebooks
                inner = path.with_suffix(".inner.zip")
                with zipfile.ZipFile(inner, "w") as nested:
                    for i, notebook in enumerate(source):
                        nested.writestr(zipfile.ZipInfo(f"{'ab'[i]}.ipynb", STAMP), notebook.read_bytes())
                data = inner.read_bytes()
                inner.unlink()
            else:
                data = source.read_bytes()
            archive.writestr(zipfile.ZipInfo(name, STAMP), data, zipfile.ZIP_DEFLATED)


def build(into: pathlib.Path = HERE) -> None:
    for name, members in (("canvas", CANVAS), ("moodle", MOODLE), ("moodle-teams", MOODLE_TEAMS)):
        (into / name).mkdir(parents=True, exist_ok=True)
        write_zip(into / name / "submissions.zip", members)


if __name__ == "__main__":
    build()
