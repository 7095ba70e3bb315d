"""`hsa grade` on Canvas, Moodle and nbgrader downloads hands everything back in one upload
per platform, checked by replaying each platform's own importer on what hsa writes
(tests/canvas_replay.py, tests/moodle_replay.py): every student graded gets exactly their
grade and a feedback file that opens, no other cell changes, nothing is left out
silently, and without --roster no grade is cleared.

The two classes are examples/classes/ (its README says who each student is)."""

import contextlib
import csv
import datetime
import html
import io
import pathlib
import re
import shutil
import zipfile

import nbformat
import pytest

from canvas_replay import REMOVED, Canvas
from conftest import TOTAL_TEXT
from hsa.cli import main
from moodle_replay import Grade, Moodle
from test_layouts import CORRECT, EXAMPLES, nbgrader_course, put  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.sandbox, pytest.mark.bwrap]  # hsa grade refuses without bubblewrap
CLASSES = pathlib.Path(__file__).resolve().parents[1] / "examples" / "classes"
CANVAS_CLASS, MOODLE_CLASS, MOODLE_TEAMS = (CLASSES / n for n in ("canvas", "moodle", "moodle-teams"))


def grade(path, out, capsys, *more):
    assert main(["grade", str(path), "--out", str(out), "--seed", "11", *more]) == 0
    return gradebook(out), capsys.readouterr().err


def graded_quietly(path, out, *more):
    """``hsa grade`` in a module-wide fixture (no capsys there): the rows and the terminal."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["grade", str(path), "--out", str(out), "--seed", "11", *more]) == 0
    return gradebook(out), err.getvalue()


def gradebook(out):
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hand_back_lines(err):
    """The terminal's hand-back lines, as the grader reads them."""
    lines = err.splitlines()
    start = next(i for i, line in enumerate(lines) if "hand back" in line)
    return [line for line in lines[start:] if not line.startswith("hsa grade: wrote")]


def opens_as(name, data):
    """The bytes open as the file's name says: a valid notebook, or a zip of one notebook
    with feedback.html; returns the notebook."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            assert "feedback.html" in names and len([n for n in names if n.endswith(".ipynb")]) == 1
            data = archive.read(next(n for n in names if n.endswith(".ipynb")))
    notebook = nbformat.reads(data.decode(), 4)
    nbformat.validate(notebook)
    return notebook


def page(out, row):
    return (out / row["submission"] / "feedback.html").read_bytes()


def zip_members(path):
    """An upload zip's members, name -> bytes."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def says_score(data, row):
    return f"<strong>Score: {row['score']} / {TOTAL_TEXT}</strong>" in data.decode()


@pytest.fixture
def nbgrader_with_secrets(nbgrader_course):
    """The nbgrader course, its submissions collected by nbgrader 0.7+ (a secret each), one
    student named with an accent and a space."""
    submitted = nbgrader_course / "submitted"
    shutil.copytree(submitted / "alice", submitted / "zoë ñ")
    for student, secret in (("alice", "s3cr3t-a"), ("zoe.nunez", "s3cr3t-z"), ("zoë ñ", "s3cr3t-ñ")):
        put(submitted, f"{student}/hidden_state_activation/submission_secret.txt", text=secret)
    put(submitted, "zoe.nunez/hidden_state_activation/timestamp.txt",
        text="2026-11-20 11:00:00.000000 UTC\n")
    return nbgrader_course


def test_nbgrader_feedback_tree_for_release_feedback(nbgrader_with_secrets, tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(nbgrader_with_secrets, out, capsys)
    by_id = {row["student_id"]: row for row in book}
    tree = out / "nbgrader-feedback" / "feedback"
    files = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file())
    assert files == [f"{student}/hidden_state_activation/{name}"
                     for student in ("alice", "zoe.nunez", "zoë ñ")
                     for name in ("hidden_state_activation.html", "submission_secret.txt",
                                  "timestamp.txt")]
    submitted = nbgrader_with_secrets / "submitted"
    for student in ("alice", "zoe.nunez", "zoë ñ"):
        folder = tree / student / "hidden_state_activation"
        data = (folder / "hidden_state_activation.html").read_bytes()
        assert data == page(out, by_id[student]) and says_score(data, by_id[student])
        for kept in ("submission_secret.txt", "timestamp.txt"):
            assert (folder / kept).read_bytes() == \
                (submitted / student / "hidden_state_activation" / kept).read_bytes()
    assert "nbgrader release_feedback (3 student(s); 1 left out: carol (nothing was graded: " \
           "look first))" in err
    assert "carol: nothing back: nothing was graded: look first" in err
    assert "alice: grade not back: no grade upload for this platform: gradebook.csv holds it; " \
           "feedback hidden_state_activation.html" in err


def test_examples_list_the_blank_stub_under_needs_a_look(tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(EXAMPLES, out, capsys)
    carol = next(row for row in book if row["submission"] == "carol_stub")
    assert (carol["status"], carol["score"]) == ("graded", "0")
    assert (f"hsa grade:   carol_stub: graded, 0/{TOTAL_TEXT}: every function is still the placeholder "
            "handed out: a blank notebook, perhaps the wrong file") in err
    assert "needs a look (4):" in err and "hand back" not in err  # a plain folder: no platform
    report = (out / "report.html").read_text()
    assert "Needs a look first (4)" in report and html.escape("a blank notebook") in report
    assert re.search(r'href="carol_stub/feedback.html">carol_stub</a>', report)




# ================================================================== Canvas
DOWNLOADED = {9001: (4242, "hidden_state_activation.ipynb"), 9010: (4242, "hidden_state_activation.ipynb"),
              9002: (4343, "hidden_state_activation.ipynb"), 9003: (4444, "hidden_state_activation.ipynb"),
              9006: (4545, "hidden_state_activation_2026.zip"), 9011: (4646, "hidden_state_activation.ipynb"),
              9007: (4747, "all_my_work.zip"), 9012: (4949, "hidden_state_activation.ipynb"),
              9008: (5151, "hidden_state_activation.ipynb")}
"""What Canvas holds of the example class's files: attachment id -> (user, display name)
(Canvas renames a re-uploaded name in the download only: hidden_state_activation-1.ipynb)."""


def canvas_course():
    """The Canvas course the example class was downloaded from, as its export says."""
    scores = {4242: None, 4343: None, 4444: "10.0", 4545: None, 4646: None, 4650: None,
              4747: "12.0", 4848: None, 4949: "EX", 5050: None, 5151: None}
    return Canvas(777, scores, dict(DOWNLOADED), anonymous_ids={"ab12c": 5151},
                  groups={"7": [4646, 4650]})


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory):
    """The Canvas class graded with its gradebook export, then again without it (each
    submission graded once: the second run only hands back)."""
    out = tmp_path_factory.mktemp("canvas") / "out"
    roster = CANVAS_CLASS / "gradebook-export.csv"
    book, err = graded_quietly(CANVAS_CLASS / "submissions.zip", out, "--roster", str(roster))
    mine = out / "mine"
    shutil.copytree(out, mine, ignore=shutil.ignore_patterns("mine"))
    _, own = graded_quietly(CANVAS_CLASS / "submissions.zip", mine)
    return {"out": out, "book": book, "err": err, "mine": mine, "own": own}


def canvas_graded(book):
    """user id -> score of each student whose code was graded, by the gradebook."""
    return {int(r["student_id"]): float(r["score"]) for r in book
            if r["status"] not in ("invalid", "grader_failed") and r["student_id"].isdigit()}


def test_canvas_import_with_the_roster_changes_exactly_the_grades_of_those_graded(canvas_class):
    out, book = canvas_class["out"], canvas_class["book"]
    changes = canvas_course().import_gradebook(out / "canvas-import.csv")
    expected = {u: s for u, s in canvas_graded(book).items() if u != 4949}  # Eve: EX kept
    assert {u: float(g) for u, g in changes.items()} == expected
    export = (CANVAS_CLASS / "gradebook-export.csv").read_text(encoding="utf-8").splitlines(True)
    filled = (out / "canvas-import.csv").read_text(encoding="utf-8").splitlines(True)
    assert len(filled) == len(export)
    for before, after in zip(export, filled):
        if before == after:
            continue
        cells_before, cells_after = next(csv.reader([before])), next(csv.reader([after]))
        differ = [i for i, (a, b) in enumerate(zip(cells_before, cells_after)) if a != b]
        user = int(cells_before[1])
        assert differ == ([6] if user in expected else []) + ([0] if user == 5050 else []), before
    assert "'-Ann,5050" in (out / "canvas-import.csv").read_text(encoding="utf-8")  # neutralised


def test_canvas_reupload_gives_each_student_a_file_that_opens_under_their_files_name(canvas_class):
    out, book = canvas_class["out"], canvas_class["book"]
    attached, ignored = canvas_course().reupload(out / "canvas-feedback.zip")
    assert ignored == []
    graded = {r["student_id"]: r for r in book if r["status"] not in ("invalid", "grader_failed")}
    users = {int(u) if u.isdigit() else 5151: r for u, r in graded.items()}
    assert set(attached) == set(users) | {4650}  # the group's other member gets it too
    for user, files in attached.items():
        [(display, data)] = files
        row = users[4646 if user == 4650 else user]
        notebook = opens_as(display, data)
        assert notebook.cells[0].source.startswith(f"# Feedback on {row['submission']}\n\n"
                                                   f"**Score: {row['score']} / {TOTAL_TEXT}**")
        attachment = [t for t in pathlib.PurePosixPath(row["path"]).name.split("_") if t.isdigit()][-1]
        assert display == DOWNLOADED[int(attachment)][1]  # the name of the file they handed in


def test_canvas_without_the_roster_clears_no_grade(canvas_class):
    mine, book = canvas_class["mine"], canvas_class["book"]
    changes = canvas_course().import_gradebook(mine / "canvas-import.csv")
    assert REMOVED not in changes.values()
    assert {u: float(g) for u, g in changes.items()} == canvas_graded(book)  # nobody else
    rows = list(csv.reader(io.StringIO((mine / "canvas-import.csv").read_text(encoding="utf-8"))))
    assert {row[1] for row in rows[2:]} == {str(u) for u in canvas_graded(book)}


def test_canvas_hand_back_lines_say_per_student_what_goes_back(canvas_class):
    lines = hand_back_lines(canvas_class["err"])
    said = "\n".join(lines)
    for expected in ("Ñúñez, Zoë (4242): grade 15.00; feedback hidden_state_activation-1.ipynb",
                     "Martin, Alice (4444): grade 15.00 (replaces 10.00)",
                     "O'Brien, Dave (4747): nothing back: nothing was graded: look first "
                     "(the platform keeps '12.00')",
                     "Roe, Frank (4848): grade not back: submitted nothing",
                     "Excused, Eve (4949): grade not back: excused in Canvas (the platform keeps 'EX')",
                     "anon_ab12c: grade not back: anonymous: Canvas imports no grade",
                     "Jones, Dave (4646): grade 15.00 (group '7'",
                     "Lee, Bob (4343): grade 4.00"):
        assert expected in said, said
    assert "per student: 5 get their grade and feedback back, 6 not all of it:" in said


# ================================================================== Moodle
NOW = int(datetime.datetime(2026, 11, 21, 12, 0, tzinfo=datetime.timezone.utc).timestamp())
GRADED_ON = int(datetime.datetime(2026, 11, 19, 10, 0, tzinfo=datetime.timezone.utc).timestamp())
PEOPLE = {123456: "Zoë Ñúñez", 123457: "Bob Lee", 123458: "Carol Smith", 123462: "Bea Blind",
          123463: "Frank Roe", 123464: "-Ann Minus"}


def moodle_site(language="en", edited_after_download=False):
    """The Moodle site the example class was downloaded from: Bob graded 9 and Carol 11
    before the download (their rows' Last modified (grade)); with ``edited_after_download``
    a teacher changed Bob's grade to 10 an hour after it."""
    bob = Grade(10.0, GRADED_ON + 3600) if edited_after_download else Grade(9.0, GRADED_ON)
    bob.comment = "<p>Good start.</p>" if language == "en" else "<p>Guter Anfang.</p>"
    return Moodle(dict(PEOPLE), {123457: bob, 123458: Grade(11.0, GRADED_ON + 300)}, 15.0, language)


@pytest.fixture(scope="module")
def moodle_class(tmp_path_factory):
    """The Moodle class graded with its worksheet, then with the German one, then without."""
    base = tmp_path_factory.mktemp("moodle")
    runs = {}
    for name, roster in (("en", "grading-worksheet.csv"), ("de", "grading-worksheet-de.csv"),
                         ("mine", None)):
        out = base / name
        if runs:
            shutil.copytree(runs["en"]["out"], out)  # graded once; each run hands back
        more = ["--roster", str(MOODLE_CLASS / roster)] if roster else []
        book, err = graded_quietly(MOODLE_CLASS / "submissions.zip", out, *more)
        runs[name] = {"out": out, "book": book, "err": err}
    return runs


def moodle_graded(book):
    """participant id -> score of each student whose code was graded."""
    return {int(r["student_id"]): float(r["score"]) for r in book
            if r["status"] not in ("invalid", "grader_failed")}


def test_moodle_worksheet_with_the_roster_sets_exactly_the_grades_of_those_graded(moodle_class):
    run = moodle_class["en"]
    site = moodle_site()
    assert site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW) == \
        moodle_graded(run["book"])
    assert site.grades[123458].grade == 11.0  # nothing graded: Moodle keeps hers
    assert "Score 15 / 15" in site.grades[123456].comment
    export = (MOODLE_CLASS / "grading-worksheet.csv").read_text(encoding="utf-8").splitlines(True)
    filled = (run["out"] / "moodle-grading-worksheet.csv").read_text(encoding="utf-8").splitlines(True)
    for before, after in zip(export, filled, strict=True):
        cells_before, cells_after = next(csv.reader([before])), next(csv.reader([after]))
        differ = [i for i, (a, b) in enumerate(zip(cells_before, cells_after, strict=True)) if a != b]
        participant = int(cells_before[0].removeprefix("Participant ")) if cells_before[0][-1].isdigit() else 0
        expected = [4, 9] if participant in moodle_graded(run["book"]) else []
        assert differ == ([1] if participant == 123464 else []) + expected, before  # -Ann neutralised


def test_moodle_keeps_a_grade_edited_after_the_download(moodle_class):
    run = moodle_class["en"]
    site = moodle_site(edited_after_download=True)
    updated = site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW)
    assert 123457 not in updated and site.grades[123457].grade == 10.0  # the teacher's edit
    assert updated == {p: s for p, s in moodle_graded(run["book"]).items() if p != 123457}
    assert "Bob Lee (123457): grade 4.00 (replaces 9.00; Moodle keeps a grade changed there after " \
           "Thursday, 19 November 2026, 10:00 AM)" in run["err"]


def test_moodle_feedback_zip_gives_each_student_their_page_after_the_worksheet(moodle_class):
    run = moodle_class["en"]
    site = moodle_site()
    site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW)
    got = site.import_feedback_zip(run["out"] / "moodle-feedback.zip", NOW)
    graded = moodle_graded(run["book"])
    assert got == {p: ["feedback.html"] for p in graded}
    by_id = {int(r["student_id"]): r for r in run["book"]}
    for participant in graded:
        page_ = site.files[participant]["feedback.html"]
        assert page_ == page(run["out"], by_id[participant]) and says_score(page_, by_id[participant])


def test_moodle_skips_the_worksheet_uploaded_after_the_feedback_zip(moodle_class):
    """Why the summary says which to upload first: the zip import makes each student's grade
    record, newer than the worksheet's dates."""
    run = moodle_class["en"]
    site = moodle_site()
    site.import_feedback_zip(run["out"] / "moodle-feedback.zip", NOW - 60)
    updated = site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW)
    assert updated == {123457: 4.0}  # only Bob, whose grade record was older than the zip
    assert "Upload grading worksheet (before the feedback zip)" in run["err"]


def test_a_german_worksheet_is_filled_in_as_moodle_wrote_it(moodle_class):
    run = moodle_class["de"]
    graded = moodle_graded(run["book"])
    site = moodle_site("de")  # Moodle cannot read its own German dates: Bob's row is stale
    updated = site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW)
    assert updated == {p: s for p, s in graded.items() if p != 123457}
    assert "tick 'Allow updating records that have been modified more recently in Moodle than in " \
           "the spreadsheet'" in run["err"]
    ticked = moodle_site("de")
    assert ticked.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW,
                                   ignoremodified=True) == graded
    text = (run["out"] / "moodle-grading-worksheet.csv").read_bytes().decode("utf-8")
    assert text.count("\r\n") == text.count("\n") == 7 and "Teilnehmer/in123456" in text
    assert ',"15,00","15,00",Ja,' in text  # the grade as the worksheet writes one
    english = moodle_site("de")  # hsa's own English worksheet on a German site: refused, not silent
    with pytest.raises(AssertionError, match="invalidgradeimport"):
        english.import_worksheet(moodle_class["mine"]["out"] / "moodle-grading-worksheet.csv", NOW)


def test_moodle_without_the_roster_clears_no_grade(moodle_class):
    run = moodle_class["mine"]
    site = moodle_site()
    updated = site.import_worksheet(run["out"] / "moodle-grading-worksheet.csv", NOW)
    assert updated == moodle_graded(run["book"]) and site.grades[123458].grade == 11.0
    rows = list(csv.reader(io.StringIO((run["out"] / "moodle-grading-worksheet.csv").read_text())))
    assert {r[0] for r in rows[1:]} == {f"Participant {p}" for p in moodle_graded(run["book"])}


def test_moodle_hand_back_lines_say_per_student_what_goes_back(moodle_class):
    said = "\n".join(hand_back_lines(moodle_class["en"]["err"]))
    for expected in ("Zoë Ñúñez (123456): grade 15.00; feedback feedback.html",
                     "Carol Smith (123458): nothing back: nothing was graded: look first "
                     "(the platform keeps '11.00')",
                     "Bea Blind (123462): grade 4.00; feedback feedback.html",
                     "Frank Roe (123463): grade not back: submitted nothing"):
        assert expected in said, said


# ================================================================== Moodle teams
@pytest.fixture(scope="module")
def moodle_teams(tmp_path_factory):
    base = tmp_path_factory.mktemp("teams")
    book, err = graded_quietly(MOODLE_TEAMS / "submissions.zip", base / "out", "--roster",
                               str(MOODLE_TEAMS / "grading-worksheet.csv"))
    shutil.copytree(base / "out", base / "mine")
    _, own = graded_quietly(MOODLE_TEAMS / "submissions.zip", base / "mine")
    return {"out": base / "out", "book": book, "err": err, "mine": base / "mine", "own": own}


def test_each_member_of_a_team_gets_its_grade_and_feedback_never_the_group_id(moodle_teams):
    out, book = moodle_teams["out"], moodle_teams["book"]
    score = {r["student_name"]: float(r["score"]) for r in book}
    team = {123459: "Team Meowth", 123460: "Team Rocket", 123461: "Team Rocket",
            123465: "Team Meowth", 123456: "Default group"}
    site = Moodle({p: "" for p in team}, {}, 15.0)
    expected = {p: score[t] for p, t in team.items()}  # Dave's id is Rocket's group id: Meowth's
    assert site.import_worksheet(out / "moodle-grading-worksheet.csv", NOW) == expected
    assert site.import_feedback_zip(out / "moodle-feedback.zip", NOW) == {p: ["feedback.html"] for p in team}
    assert "Dave Jones (123459): grade 15.00; feedback feedback.html" in moodle_teams["err"]


def test_without_the_roster_a_team_goes_back_to_no_one_and_says_why(moodle_teams):
    mine, own = moodle_teams["mine"], moodle_teams["own"]
    rows = list(csv.reader(io.StringIO((mine / "moodle-grading-worksheet.csv").read_text())))
    assert rows[1:] == [] and zipfile.ZipFile(mine / "moodle-feedback.zip").namelist() == []
    for team in ("team 'Default group'", "team 'Team Meowth' (group 77)",
                 "team 'Team Rocket' (group 123459)"):
        assert f"{team}: nothing back: a team assignment's: who is in each team is in Moodle's " \
               "grading worksheet (pass it with --roster)" in own, own


# ================================================================== spreadsheet formulas
def test_every_csv_hsa_writes_neutralises_formulas_and_keeps_numbers(tmp_path, capsys):
    """A student named -Ann and a file named @SUM(1+1)x.ipynb: in gradebook.csv and the
    Moodle worksheet each such cell starts with ', a score stays a number (OWASP's advice)."""
    root = tmp_path / "moodle"
    put(root, "-Ann Minus_123464_assignsubmission_file/@SUM(1+1)x.ipynb", CORRECT)
    put(root, "Bob Lee_123457_assignsubmission_file/hidden_state_activation.ipynb", EXAMPLES / "bob_partial.ipynb")
    plain = put(tmp_path / "plain", "@SUM(1+1)x.ipynb", CORRECT)
    out = tmp_path / "out"
    assert main(["grade", str(root), str(plain), "--out", str(out), "--seed", "11"]) == 0
    book = gradebook(out)
    assert next(r for r in book if r["path"].endswith("x.ipynb") and not r["student_id"])["path"] \
        == "'@SUM(1+1)x.ipynb"
    ann = next(r for r in book if r["student_id"] == "123464")
    assert ann["student_name"] == "'-Ann Minus"
    assert ann["path"] == "moodle/-Ann Minus_123464_assignsubmission_file/@SUM(1+1)x.ipynb"
    assert ann["score"] == TOTAL_TEXT
    for name in ("gradebook.csv", "moodle-grading-worksheet.csv"):
        with open(out / name, newline="", encoding="utf-8") as handle:
            cells = [c for row in csv.reader(handle) for c in row]
        risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
                 and not re.fullmatch(r"[+-]?\d+(\.\d+)?", c)]
        assert risky == [], (name, risky)
    sheet = (out / "moodle-grading-worksheet.csv").read_text(encoding="utf-8")
    assert "Participant 123464,'-Ann Minus," in sheet


def test_feedback_notebooks_go_back_in_the_moodle_zip_beside_the_page(tmp_path, capsys):
    out = tmp_path / "out"
    book, err = grade(MOODLE_CLASS / "submissions.zip", out, capsys, "--feedback-notebook")
    by_id = {row["student_id"]: row for row in book}
    with zipfile.ZipFile(out / "moodle-feedback.zip") as archive:
        notebooks = {name: archive.read(name) for name in archive.namelist()
                     if name.endswith("-feedback.ipynb")}
    assert sorted(notebooks) == [
        f"{who}_assignsubmission_file_hidden_state_activation-feedback.ipynb"
        for who in ("Bob Lee_123457", "Participant_123462", "Zoë Ñúñez_123456")]
    for name, data in notebooks.items():
        row = by_id[name.split("_")[1]]
        assert data == (out / row["submission"] / "hidden_state_activation-feedback.ipynb").read_bytes()
        copy = opens_as(name, data)
        assert copy.cells[0].source.startswith(f"# Feedback on {row['submission']}\n\n"
                                               f"**Score: {row['score']} / {TOTAL_TEXT}**")
    assert f"{out / '<student>' / 'hidden_state_activation-feedback.ipynb'} -> each student's " \
        "own notebook with the feedback written in" in err


def test_a_roster_that_does_not_fit_is_refused_before_anyone_is_graded(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["grade", str(CANVAS_CLASS / "submissions.zip"), "--out", str(out), "--roster",
                 str(MOODLE_CLASS / "grading-worksheet.csv")]) == 2
    err = capsys.readouterr().err
    assert "is moodle's export, but the submissions are a canvas download" in err
    assert not (out / "gradebook.csv").exists()
    assert main(["grade", str(CANVAS_CLASS / "submissions.zip"), "--out", str(out), "--roster",
                 str(CANVAS_CLASS / "gradebook-export.csv"), "--canvas-assignment-id", "5"]) == 2
    assert "no column of assignment 5; its assignment columns: 'Lab 1 (101)'; 'Hidden State " \
           "Activation (777)'. Say which with --canvas-assignment-id ID" in capsys.readouterr().err
