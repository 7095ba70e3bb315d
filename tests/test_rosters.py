"""``--roster``: the platforms' own exports, read as their importers read them and filled in
with only the graded students' cells changed, every other byte kept; the errors a grader
gets, before anyone is graded, when an export cannot be filled in. Fast: nothing is graded
(tests/test_handing_back.py grades the example classes and replays the importers)."""

import importlib.util
import pathlib

import pytest

from hsa.exceptions import RosterError
from hsa.grade.layouts import Layout
from hsa.grade.roster import CanvasRoster, MoodleRoster, read_roster
from hsa.grade.roster.csvtext import delimiter_of, number_like, parse, records, replaced

CLASSES = pathlib.Path(__file__).resolve().parents[1] / "examples" / "classes"
TITLE = "Hidden State Activation"


def roster(path, **more):
    return read_roster(path, title=TITLE, max_score=15, **more)


def write(tmp_path, text, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


CANVAS_SEMICOLONS = ("\ufeffStudent;ID;SIS Login ID;Section;Lab 1 (101);Hidden State Activation (777);"
                     "Current Score\r\n"
                     "    Points Possible;;;;10,00;15,00;(read only)\r\n"
                     "\"Ñúñez; Zoë\";4242;zoe;Sec 1;9,50;;95,00\r\n"
                     "=Bad;4343;bob;Sec 1;;12,50;83,33\r\n")


def test_the_platform_is_told_from_the_file():
    assert isinstance(roster(CLASSES / "canvas" / "gradebook-export.csv"), CanvasRoster)
    for name in ("grading-worksheet.csv", "grading-worksheet-de.csv"):
        found = roster(CLASSES / "moodle" / name)
        assert isinstance(found, MoodleRoster) and found.layout is Layout.MOODLE
    assert set(roster(CLASSES / "moodle" / "grading-worksheet-de.csv").participants) == {
        "123456", "123457", "123458", "123462", "123463", "123464"}


def test_a_canvas_export_with_semicolons_a_bom_and_decimal_commas_is_filled_in_byte_for_byte(tmp_path):
    path = write(tmp_path, CANVAS_SEMICOLONS)
    found = roster(path)
    assert delimiter_of(path) == ";" and found.column == 5 and found.points == "15,00"
    assert [(s.user_id, s.name, s.cell) for s in found.students()] == [
        ("4242", "Ñúñez; Zoë", ""), ("4343", "=Bad", "12,50")]
    found.fill(tmp_path / "filled.csv", {"4242": found.cell(12.5)})
    filled = (tmp_path / "filled.csv").read_bytes().decode("utf-8")
    assert filled == CANVAS_SEMICOLONS.replace(";9,50;;95,00", ";9,50;12,50;95,00").replace(
        "=Bad;", "'=Bad;")  # one cell written; a name that starts a formula neutralised


def test_which_canvas_column_is_this_assignment(tmp_path):
    two = write(tmp_path, "Student,ID,SIS Login ID,Section,Lab (1),Lab (2)\n"
                          "    Points Possible,,,,15,15\nA,1,a,s,,\n")
    with pytest.raises(RosterError, match=r"no column titled 'Hidden State Activation'; its "
                       r"assignment columns: 'Lab \(1\)'; 'Lab \(2\)'\. Say which with "
                       r"--canvas-assignment-id ID"):
        roster(two)
    assert roster(two, canvas_assignment_id="2").header == "Lab (2)"
    with pytest.raises(RosterError, match="no column of assignment 3"):
        roster(two, canvas_assignment_id="3")
    one = write(tmp_path, "Student,ID,SIS Login ID,Section,Lab (1),Current Score\n"
                          "    Points Possible,,,,15,(read only)\n", "one.csv")
    assert roster(one).header == "Lab (1)"  # the only assignment in the export


def test_a_canvas_column_worth_other_points_or_read_only_is_refused(tmp_path):
    other = write(tmp_path, "Student,ID,SIS Login ID,Section,Hidden State Activation (7)\n"
                            "    Points Possible,,,,100.00\n")
    with pytest.raises(RosterError, match="worth 100.00 points in Canvas and hsa grades out of 15"):
        roster(other)
    locked = write(tmp_path, "Student,ID,SIS Login ID,Section,Hidden State Activation (7)\n"
                             "    Points Possible,,,,(read only)\n", "locked.csv")
    with pytest.raises(RosterError, match="read only"):
        roster(locked)
    no_points = write(tmp_path, "Student,ID,SIS Login ID,Section,Hidden State Activation (7)\n"
                                "A,1,a,s,3\n", "none.csv")
    with pytest.raises(RosterError, match="no 'Points Possible' row"):
        roster(no_points)


def test_moodle_worksheets_in_any_language_and_their_errors(tmp_path):
    french = write(tmp_path, "Identifiant,Nom complet,Statut,Note,Note maximale,Modifiable\n"
                             "Participant123,Zoé,Remis,,\"15,00\",Oui\n"
                             "Participant124,Léo,Remis,\"9,00\",\"15,00\",Oui\n")
    found = roster(french)  # the grade column found by its place: before the maximum
    assert (found.grade_column, found.cell(12.5), found.name_column) == (3, "12,50", None)
    assert found.members("Zoé_123") == ([found.participants["123"]], None)
    scale = write(tmp_path, "Identifier,Status,Grade,Scale\nParticipant 1,x,,A\n", "scale.csv")
    with pytest.raises(RosterError, match="graded on a scale"):
        roster(scale)
    maximum = write(tmp_path, "Identifier,Status,Grade,Maximum grade\nParticipant 1,x,,100.00\n",
                    "max.csv")
    with pytest.raises(RosterError, match="maximum grade in Moodle is 100.00"):
        roster(maximum)
    with pytest.raises(RosterError, match="neither Canvas's gradebook export .* nor Moodle's"):
        roster(write(tmp_path, "name,score\nann,3\n", "other.csv"))
    with pytest.raises(RosterError, match="not UTF-8"):
        path = tmp_path / "latin.csv"
        path.write_bytes("Student,ID,SIS Login ID,Section\nZo\xeb,1,z,s\n".encode("latin-1"))
        roster(path)
    with pytest.raises(RosterError, match="no such file"):
        roster(tmp_path / "nowhere.csv")


def test_a_moodle_worksheet_changed_between_its_two_readings_says_so(tmp_path, monkeypatch):
    """The worksheet is read twice (its shape, then its rows): a row that stops being an
    Identifier in between is a clear RosterError, not a TypeError."""
    from hsa.grade.roster import moodle
    path = write(tmp_path, "Identifier,Full name,Status,Grade,Maximum grade\n"
                           "Participant 1,Zoé,x,,15.00\n")
    shape_read = moodle._grade_column

    def then_edited(*args):
        column = shape_read(*args)
        path.write_text("Identifier,Full name,Status,Grade,Maximum grade\nTotal,,,,15.00\n")
        return column

    monkeypatch.setattr(moodle, "_grade_column", then_edited)
    with pytest.raises(RosterError, match="changed while hsa read it; run hsa grade again"):
        roster(path)


def test_a_team_folder_is_its_members_and_a_group_id_is_never_a_participant_id():
    teams = roster(CLASSES / "moodle-teams" / "grading-worksheet.csv")
    members, why = teams.members("Team Rocket_123459")  # 123459 is Dave's participant id too
    assert [p.name for p in members] == ["Jessie Rocket", "James Rocket"] and why is None
    assert [p.name for p in teams.members("Default group")[0]] == ["Zoë Ñúñez"]
    assert [p.name for p in teams.members("Dave Jones_123459")[0]] == ["Dave Jones"]
    assert teams.members("Team Nobody_5")[1] is not None


def test_a_record_is_replaced_field_by_field_and_kept_otherwise():
    record = parse('a,"b, ""c""",,"multi\nline"\r\n', ",")
    assert record.values == ("a", 'b, "c"', "", "multi\nline")
    assert replaced(record, {2: "-3", 0: "@x"}, ",") == "'@x,\"b, \"\"c\"\"\",-3,\"multi\nline\"\r\n"
    assert number_like(12.5, "15.00") == "12.50" and number_like(12, "15") == "12"
    assert number_like(12.5, "15") == "12.5" and number_like(0.1, "15,00") == "0,10"


def test_records_are_read_one_at_a_time(tmp_path):
    path = write(tmp_path, 'h1,h2\n"x\ny",1\nz,2\n')
    assert [r.values for r in records(path, ",")] == [("h1", "h2"), ("x\ny", "1"), ("z", "2")]


def test_the_example_classes_are_what_make_classes_builds(tmp_path):
    """examples/classes/*/submissions.zip are made by make_classes.py, deterministically."""
    spec = importlib.util.spec_from_file_location("make_classes", CLASSES / "make_classes.py")
    make_classes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_classes)
    make_classes.build(tmp_path)
    for made in tmp_path.glob("*/submissions.zip"):
        committed = CLASSES / made.parent.name / made.name
        assert made.read_bytes() == committed.read_bytes(), f"run {CLASSES / 'make_classes.py'}"
    assert len(list(tmp_path.glob("*/submissions.zip"))) == 3
