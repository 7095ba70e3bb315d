"""Class downloads laid out as each platform lays them out, read into one record per student.

Fast: nothing is graded. Each layout is built from the example submissions with
names that need care (spaces, accents, LATE, resubmissions, a group of two), and
every record's identity, chosen file, set-aside files, late flag and problem is
checked; then canvas-import.csv, safe unzipping, and bad input.
"""

import datetime
import pathlib
import re
import shutil
import zipfile

import pytest

from hsa.grade import layouts, names, safezip
from hsa.grade.layouts import Layout
from hsa.outcomes import SetAsideReason as Reason
from hsa.project import DEFAULT
from hsa.trusted.choice import Expected, Kind, kind_of

ASSIGNMENT = Expected(DEFAULT.name)  # the bundled assignment's name: what its downloads hold

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples" / "submissions"
CORRECT = EXAMPLES / "alice_correct.ipynb"
PARTIAL = EXAMPLES / "bob_partial.ipynb"
STUB = EXAMPLES / "carol_stub.ipynb"
RAISES = EXAMPLES / "dave_raises.ipynb"
EXPORT = EXAMPLES / "erin_export.zip"
NOTEBOOK = "hidden_state_activation.ipynb"
UTC = datetime.timezone.utc


def put(folder, relative, source=None, text=None):
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if source is not None:
        shutil.copyfile(source, path)
    else:
        path.write_text(text or "")
    return path


def zip_folder(folder, archive):
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder.parent).as_posix())
    return archive


def read(path, tmp_path, layout=None):
    return layouts.read_submissions([path], layout, workdir=tmp_path / "work", assignment=ASSIGNMENT)


def by_id(records):
    return {r.student_id: r for r in records if r.student_id}


def nobody(records):
    return [r for r in records if not r.student_id]


def aside(record):
    return {(a.path.rsplit("/", 1)[-1], a.reason) for a in record.set_aside}


def assert_names_safe(records):
    folded = [r.name.casefold() for r in records]
    assert len(set(folded)) == len(folded), folded
    for r in records:
        assert re.fullmatch(r"[\w-]+", r.name) and not r.name.startswith(("-", "_")), r.name


# ------------------------------------------------------------------ Gradescope
GRADESCOPE_METADATA = """\
---
submission_1001:
  :submitters:
  - :name: Alice Martin
    :sid: '0001'
    :email: alice@example.edu
  :created_at: 2026-11-20 10:00:00.123456000 Z
  :score: 0.0
  :status: processed
  :results: !ruby/hash:ActiveSupport::HashWithIndifferentAccess
    score: 0.0
    tests: []
  :history: []
submission_1002:
  :submitters:
  - :name: Zoë Ñúñez
    :sid: '0002'
    :email: zoe@example.edu
  - :name: Bob Lee
    :sid: 3
    :email: bob@example.edu
  :created_at: !ruby/object:ActiveSupport::TimeWithZone 2026-11-21 09:30:00 Z
  :history:
  - :submitters: []
    :created_at: 2026-11-19 08:00:00.000000000 Z
    :id: 999
submission_1003:
  :submitters:
  - :name: Erin O'Brien
    :sid: '0004'
  :created_at: 2026-11-21 11:00:00 Z
submission_1004:
  :submitters:
  - :name: Frank Missing
    :sid: '0005'
  :created_at: 2026-11-21 12:00:00 Z
submission_1005:
  :submitters:
  - :name: Carol Smith
    :sid: '0006'
  :created_at: 2026-11-20 08:00:00 Z
submission_1006:
  :submitters:
  - :name: Carol Smith
    :sid: '0006'
  :created_at: 2026-11-22 08:00:00 Z
submission_1007:
  :submitters:
  - :name: Dave Jones
    :sid: '0007'
  :created_at: 2026-11-22 09:00:00 Z
submission_1008:
  :submitters:
  - :name: Dave Jones
    :sid: '0007'
  :created_at: 2026-11-22 09:00:00 Z
submission_1009:
  :submitters: []
  :created_at: 2026-11-22 10:00:00 Z
"""


@pytest.fixture
def gradescope(tmp_path):
    """An unzipped Export Submissions, inside the folder its zip makes."""
    root = tmp_path / "download" / "assignment_4242_export"
    put(root, "submission_metadata.yml", text=GRADESCOPE_METADATA)
    put(root, f"submission_1001/{NOTEBOOK}", CORRECT)
    put(root, f"submission_1002/{NOTEBOOK}", PARTIAL)
    put(root, "submission_1002/notes.txt", text="our notes")
    put(root, "submission_1003/hidden_state_activation_2026_11_21T11_00_00.zip", EXPORT)
    put(root, "submission_1003/scratch.ipynb", RAISES)
    put(root, f"submission_1005/{NOTEBOOK}", STUB)
    put(root, f"submission_1006/{NOTEBOOK}", CORRECT)
    put(root, f"submission_1007/{NOTEBOOK}", STUB)
    put(root, f"submission_1008/{NOTEBOOK}", PARTIAL)
    put(root, f"submission_1009/{NOTEBOOK}", CORRECT)
    put(root, f"submission_1010/{NOTEBOOK}", CORRECT)
    return tmp_path / "download"


def check_gradescope(records, prefix):
    assert {r.layout for r in records} == {Layout.GRADESCOPE}
    students = by_id(records)
    assert set(students) == {"0001", "0002", "3", "0004", "0005", "0006", "0007"}

    alice = students["0001"]
    assert alice.gradable and alice.file.read_bytes() == CORRECT.read_bytes()
    assert alice.path == f"{prefix}submission_1001/{NOTEBOOK}"
    assert (alice.student_name, alice.email) == ("Alice Martin", "alice@example.edu")
    assert alice.name == "alice-martin-0001" and alice.late is None and alice.set_aside == ()

    zoe, bob = students["0002"], students["3"]  # a group of two: one row each, the same file
    assert zoe.file == bob.file and zoe.file.read_bytes() == PARTIAL.read_bytes()
    assert zoe.path == bob.path == f"{prefix}submission_1002/{NOTEBOOK}"
    assert (zoe.student_name, zoe.name, bob.name) == ("Zoë Ñúñez", "zoe-nunez-0002", "bob-lee-3")
    assert aside(zoe) == {("notes.txt", Reason.NOT_GRADABLE)}

    erin = students["0004"]  # an export zip is preferred to a notebook not named like the assignment
    assert erin.path.endswith("hidden_state_activation_2026_11_21T11_00_00.zip") and erin.gradable
    assert aside(erin) == {("scratch.ipynb", Reason.NOT_PREFERRED)}

    frank = students["0005"]
    assert frank.file is None and "no folder submission_1004" in frank.problem

    carol = students["0006"]  # two submissions: the later one is graded
    assert carol.path == f"{prefix}submission_1006/{NOTEBOOK}" and carol.gradable
    assert {(a.path, a.reason) for a in carol.set_aside} == {
        (f"{prefix}submission_1005/{NOTEBOOK}", Reason.OLDER)}

    dave = students["0007"]  # two submissions with the same timestamp: a human decides
    assert dave.file is None and "nothing says which is the latest" in dave.problem
    assert {a.reason for a in dave.set_aside} == {Reason.AMBIGUOUS} and len(dave.set_aside) == 2

    problems = {r.path.split("/")[-1]: r.problem for r in nobody(records)}
    assert set(problems) == {"submission_1009", "submission_1010"}
    assert "names no submitter" in problems["submission_1009"]
    assert "not in submission_metadata.yml" in problems["submission_1010"]
    assert all(r.file is None for r in nobody(records))
    assert_names_safe(records)


def test_gradescope_export_folder(gradescope, tmp_path):
    assert layouts.detect(gradescope) is Layout.GRADESCOPE
    check_gradescope(read(gradescope, tmp_path), "assignment_4242_export/")


def test_gradescope_export_zip_is_unpacked_and_read_the_same(gradescope, tmp_path):
    archive = zip_folder(gradescope / "assignment_4242_export", tmp_path / "export.zip")
    records = read(archive, tmp_path)
    check_gradescope(records, "export.zip/assignment_4242_export/")
    assert all(r.file is None or (tmp_path / "work") in r.file.parents for r in records)


def test_gradescope_metadata_is_never_executed(tmp_path):
    sentinel = tmp_path / "pwned"
    root = tmp_path / "export"
    put(root, "submission_metadata.yml",
        text=f'submission_1:\n  :submitters: !!python/object/apply:os.system ["touch {sentinel}"]\n')
    put(root, f"submission_1/{NOTEBOOK}", CORRECT)
    records = read(root, tmp_path)
    assert not sentinel.exists()
    [record] = records
    assert record.file is None and "submission_metadata.yml could not be read" in record.problem


def test_gradescope_layout_forced_on_a_folder_without_metadata(tmp_path):
    with pytest.raises(layouts.LayoutError, match="no submission_metadata.yml"):
        read(EXAMPLES, tmp_path, layout="gradescope")


# ------------------------------------------------------------------ Canvas
CANVAS_FILES = {
    f"ñúñezzoë_4242_9001_{NOTEBOOK}": STUB,
    "ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb": CORRECT,
    f"leebob_LATE_4343_9002_{NOTEBOOK}": PARTIAL,
    "martinalice_4444_9003_hidden_state_activation (1).ipynb": CORRECT,
    "martinalice_4444_9004_report.pdf": None,
    "smithcarol_4545_9005_my_work.ipynb": RAISES,
    "smithcarol_4545_9006_hidden_state_activation_2026.zip": EXPORT,
    "obriendave_4646_9007_all_my_work.zip": "two notebooks",
    f"anon_ab12c_9008_{NOTEBOOK}": CORRECT,
    "readme.txt": None,
}


@pytest.fixture
def canvas_download(tmp_path):
    root = tmp_path / "canvas"
    for name, source in CANVAS_FILES.items():
        if source == "two notebooks":
            root.mkdir(exist_ok=True)
            with zipfile.ZipFile(root / name, "w") as archive:
                archive.write(CORRECT, "a.ipynb")
                archive.write(PARTIAL, "b.ipynb")
        elif source is None:
            put(root, name, text="not a notebook")
        else:
            put(root, name, source)
    return root


def test_canvas_download(canvas_download, tmp_path):
    assert layouts.detect(canvas_download) is Layout.CANVAS
    records = read(canvas_download, tmp_path)
    students = by_id(records)
    assert set(students) == {"4242", "4343", "4444", "4545", "4646", "anon_ab12c"}
    assert {r.layout for r in records} == {Layout.CANVAS}

    zoe = students["4242"]  # resubmitted: hidden_state_activation-1.ipynb, the later attachment
    assert zoe.path == "ñúñezzoë_4242_9010_hidden_state_activation-1.ipynb" and zoe.gradable
    assert zoe.file.read_bytes() == CORRECT.read_bytes()
    assert (zoe.student_name, zoe.name, zoe.late) == ("ñúñezzoë", "nunezzoe-4242", False)
    assert aside(zoe) == {(f"ñúñezzoë_4242_9001_{NOTEBOOK}", Reason.OLDER)}

    bob = students["4343"]
    assert bob.late is True and bob.gradable and bob.student_name == "leebob"

    alice = students["4444"]  # "(1)" copy of the notebook, with a PDF beside it
    assert alice.path.endswith("hidden_state_activation (1).ipynb") and alice.gradable
    assert aside(alice) == {("martinalice_4444_9004_report.pdf", Reason.NOT_GRADABLE)}

    carol = students["4545"]  # the export zip beats a notebook not named like the assignment
    assert carol.path.endswith(".zip") and carol.gradable
    assert aside(carol) == {("smithcarol_4545_9005_my_work.ipynb", Reason.NOT_PREFERRED)}
    assert carol.set_aside[0].detail == f"a notebook; {carol.path} was graded instead"

    dave = students["4646"]  # a zip inside the download that is not an export zip
    assert dave.file is None and "zip holding 2 notebooks" in dave.problem
    assert dave.path == "obriendave_4646_9007_all_my_work.zip"

    anonymous = students["anon_ab12c"]
    assert anonymous.student_name == "" and anonymous.gradable

    [stray] = nobody(records)
    assert stray.path == "readme.txt" and "no student to credit" in stray.problem
    assert_names_safe(records)
    assert str(zoe.set_aside[0]) == (f"ñúñezzoë_4242_9001_{NOTEBOOK} (older: uploaded before "
                                     f"{zoe.path})")


# ------------------------------------------------------------------ Moodle
@pytest.fixture
def moodle_folders(tmp_path):
    root = tmp_path / "moodle"
    put(root, f"Zoë Ñúñez_123456_assignsubmission_file/{NOTEBOOK}", CORRECT)  # Moodle 4.1+
    put(root, f"Bob Lee_123457_assignsubmission_file_/{NOTEBOOK}", PARTIAL)  # Moodle 3.1-4.0
    put(root, "Bob Lee_123457_assignsubmission_onlinetext_/onlinetext.html", text="<p>hi</p>")
    put(root, "Carol Smith_123458_assignsubmission_file_/a.ipynb", RAISES)  # as filled in as b
    put(root, "Carol Smith_123458_assignsubmission_file_/b.ipynb", CORRECT)
    put(root, f"Dave Jones_123459_assignsubmission_file_/work/{NOTEBOOK}", RAISES)
    put(root, "Stray notes/todo.txt", text="x")
    return root


def test_moodle_download_in_folders(moodle_folders, tmp_path):
    assert layouts.detect(moodle_folders) is Layout.MOODLE
    records = read(moodle_folders, tmp_path)
    students = by_id(records)
    assert set(students) == {"123456", "123457", "123458", "123459"}

    zoe = students["123456"]
    assert (zoe.student_name, zoe.name, zoe.late) == ("Zoë Ñúñez", "zoe-nunez-123456", None)
    assert zoe.path == f"Zoë Ñúñez_123456_assignsubmission_file/{NOTEBOOK}" and zoe.gradable

    bob = students["123457"]
    assert bob.path == f"Bob Lee_123457_assignsubmission_file_/{NOTEBOOK}"
    assert aside(bob) == {("onlinetext.html", Reason.NOT_GRADABLE)}

    carol = students["123458"]  # two notebooks, neither named like the assignment, no timestamps
    assert carol.file is None and "a.ipynb" in carol.problem and "b.ipynb" in carol.problem

    assert students["123459"].path.endswith(f"_file_/work/{NOTEBOOK}")
    [stray] = nobody(records)
    assert stray.path == "Stray notes" and "no student to credit" in stray.problem
    assert_names_safe(records)


def test_moodle_download_flat(tmp_path):
    root = tmp_path / "moodle-flat"
    put(root, f"Zoë Ñúñez_123456_assignsubmission_file_{NOTEBOOK}", CORRECT)
    put(root, "Bob Lee_123457_assignsubmission_file_hidden_state_activation (1).ipynb", PARTIAL)
    put(root, "Bob Lee_123457_assignsubmission_onlinetext_onlinetext.html", text="<p>hi</p>")
    assert layouts.detect(root) is Layout.MOODLE
    students = by_id(read(root, tmp_path))
    assert students["123456"].gradable and students["123456"].student_name == "Zoë Ñúñez"
    bob = students["123457"]
    assert bob.path.endswith("(1).ipynb") and aside(bob) == {
        ("Bob Lee_123457_assignsubmission_onlinetext_onlinetext.html", Reason.NOT_GRADABLE)}


# ------------------------------------------------------------------ nbgrader
@pytest.fixture
def nbgrader_course(tmp_path):
    course = tmp_path / "course"
    put(course, f"source/hidden_state_activation/{NOTEBOOK}", CORRECT)
    put(course, f"submitted/alice/hidden_state_activation/{NOTEBOOK}", CORRECT)
    put(course, "submitted/alice/hidden_state_activation/timestamp.txt",
        text="2026-11-20 10:00:00.500000 UTC\n")
    put(course, f"submitted/zoe.nunez/hidden_state_activation/{NOTEBOOK}", PARTIAL)
    put(course, "submitted/bob/ps1/ps1.ipynb", STUB)
    (course / "submitted" / "carol").mkdir()
    return course


def test_nbgrader_exchange_layout(nbgrader_course, tmp_path):
    assert layouts.detect(nbgrader_course) is Layout.NBGRADER
    records = read(nbgrader_course, tmp_path)
    students = by_id(records)
    assert set(students) == {"alice", "zoe.nunez", "carol"}  # bob handed in another assignment
    alice = students["alice"]
    assert alice.path == f"submitted/alice/hidden_state_activation/{NOTEBOOK}" and alice.gradable
    assert alice.set_aside == ()  # nbgrader's timestamp.txt is not the student's
    assert layouts.nbgrader._nbgrader_time(alice.file.parent / "timestamp.txt") == datetime.datetime(
        2026, 11, 20, 10, 0, 0, 500000, tzinfo=UTC)
    assert students["zoe.nunez"].name == "zoe-nunez"
    assert students["carol"].file is None and "no assignment folder" in students["carol"].problem
    assert_names_safe(records)


def test_nbgrader_autograded_and_submitted_folder_itself(tmp_path):
    course = tmp_path / "course"
    put(course, f"autograded/alice/hidden_state_activation/{NOTEBOOK}", CORRECT)
    assert [r.student_id for r in read(course, tmp_path)] == ["alice"]
    assert [r.student_id for r in read(course / "autograded", tmp_path)] == ["alice"]


def test_nbgrader_with_several_assignments_and_none_named_like_this_one(tmp_path):
    course = tmp_path / "course"
    put(course, "submitted/alice/ps1/ps1.ipynb", CORRECT)
    put(course, "submitted/bob/ps2/ps2.ipynb", CORRECT)
    with pytest.raises(layouts.LayoutError, match="ps1, ps2"):
        read(course, tmp_path)


# ------------------------------------------------------------------ plain folders
def test_plain_examples_keep_their_names(tmp_path):
    records = read(EXAMPLES, tmp_path)
    assert layouts.detect(EXAMPLES) is Layout.PLAIN
    assert [r.name for r in records] == sorted(p.stem for p in EXAMPLES.iterdir())
    assert all(r.gradable and r.student_id == "" and r.late is None for r in records)
    assert [r.path for r in records] == sorted(p.name for p in EXAMPLES.iterdir())


def test_plain_nested_folders(tmp_path):
    root = tmp_path / "class"
    put(root, f"alice/{NOTEBOOK}", CORRECT)
    put(root, f"bob/{NOTEBOOK}", PARTIAL)
    put(root, f"Zoë Ñúñez/{NOTEBOOK}", CORRECT)
    put(root, "carol.ipynb", STUB)
    put(root, "Carol.zip", EXPORT)
    put(root, "deep/er/erin_export.zip", EXPORT)
    put(root, "alice/.ipynb_checkpoints/hidden_state_activation-checkpoint.ipynb", CORRECT)
    put(root, "alice/notes.pdf", text="pdf")
    records = read(root, tmp_path)
    assert {r.path: r.name for r in records} == {
        f"alice/{NOTEBOOK}": "alice", f"bob/{NOTEBOOK}": "bob", f"Zoë Ñúñez/{NOTEBOOK}": "zoe-nunez",
        "Carol.zip": "carol", "carol.ipynb": "carol-2", "deep/er/erin_export.zip": "deep-er-erin_export"}
    assert_names_safe(records)


def test_single_files_and_export_zips_are_submissions_themselves(tmp_path):
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"not a zip")
    records = layouts.read_submissions([EXPORT, empty, damaged, CORRECT], workdir=tmp_path / "w",
                                       assignment=ASSIGNMENT)
    assert [(r.name, r.file) for r in records] == [
        ("erin_export", EXPORT), ("empty", empty), ("damaged", damaged), ("alice_correct", CORRECT)]
    assert [r.path for r in records] == [
        "erin_export.zip", "empty.zip", "damaged.zip", "alice_correct.ipynb"]


def test_a_path_that_does_not_exist_or_an_unknown_layout(tmp_path):
    with pytest.raises(layouts.LayoutError, match="does not exist"):
        read(tmp_path / "nowhere", tmp_path)
    with pytest.raises(layouts.LayoutError, match="use one of gradescope, canvas, moodle"):
        read(EXAMPLES, tmp_path, layout="blackboard")


def test_forcing_a_layout_that_does_not_fit_gives_reasons_not_a_crash(tmp_path):
    records = read(EXAMPLES, tmp_path, layout=Layout.CANVAS)
    assert len(records) == len(list(EXAMPLES.iterdir()))
    assert all(r.file is None and "Canvas" in r.problem for r in records)
    assert_names_safe(records)


# ------------------------------------------------------------------ unzipping safely
def member(name, data=b"{}", mode=0o100644):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info, data


def test_unsafe_members_are_set_aside_not_made_rows(tmp_path):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"class/alice/{NOTEBOOK}", CORRECT.read_bytes())
        out.writestr(f"class/bob/{NOTEBOOK}", PARTIAL.read_bytes())
        for info, data in (member("../evil.ipynb"), member("/abs.ipynb"),
                           member("class/../../up.ipynb"), member("C:/windows.ipynb"),
                           member("class/link.ipynb", b"/etc/passwd", 0o120777),
                           member("__MACOSX/class/._x.ipynb")):
            out.writestr(info, data)
    aside = []
    records = layouts.read_submissions([archive], workdir=tmp_path / "work", set_aside=aside,
                                       assignment=ASSIGNMENT)
    assert [(r.path, r.gradable) for r in records] == [
        (f"class.zip/class/alice/{NOTEBOOK}", True), (f"class.zip/class/bob/{NOTEBOOK}", True)]
    assert aside == ["class.zip/../evil.ipynb (its path climbs out of the download (..))",
                     "class.zip//abs.ipynb (its path is absolute)",
                     "class.zip/class/../../up.ipynb (its path climbs out of the download (..))",
                     "class.zip/C:/windows.ipynb (its path is absolute)",
                     "class.zip/class/link.ipynb (it is a symbolic link)"]
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {"class.zip", f"work/0/class/alice/{NOTEBOOK}", f"work/0/class/bob/{NOTEBOOK}"}
    assert_names_safe(records)


def test_a_download_too_large_to_unpack(tmp_path, monkeypatch, gradescope):
    archive = zip_folder(gradescope / "assignment_4242_export", tmp_path / "export.zip")
    monkeypatch.setattr(safezip, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(layouts.LayoutError, match="unzip export.zip yourself"):
        read(archive, tmp_path)
    assert not (tmp_path / "work").exists()


def test_a_member_too_large_is_its_students_invalid_row_and_not_unpacked(tmp_path, monkeypatch):
    """The bound of a single notebook, per member; what is not graded is not unpacked."""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("alice.ipynb", CORRECT.read_bytes())
        out.writestr("bob.ipynb", PARTIAL.read_bytes())
        out.writestr("carol.ipynb", b" " * 300_000)
        out.writestr("bob-notes.csv", b"x" * 300_000)
    monkeypatch.setattr(safezip, "MAX_MEMBER_BYTES", 200_000)
    records = {r.name: r for r in read(archive, tmp_path)}
    assert {name: r.gradable for name, r in records.items()} == {
        "alice": True, "bob": True, "carol": False}  # a plain folder: notebooks and zips only
    assert records["carol"].problem == (
        "carol.ipynb would unpack to 0 MB, more than the 0 MB a notebook may be; clear its "
        "outputs (Edit > Clear All Outputs), save and submit again")
    sizes = {p.name: p.stat().st_size for p in (tmp_path / "work").rglob("*") if p.is_file()}
    assert sizes == {"alice.ipynb": CORRECT.stat().st_size, "bob.ipynb": PARTIAL.stat().st_size,
                     "carol.ipynb": 0, "bob-notes.csv": 0}


def test_zip_names_written_without_the_utf8_flag():
    info = zipfile.ZipInfo("Zoë Ñúñez_1_assignsubmission_file_/x.ipynb".encode().decode("cp437"))
    info.flag_bits = 0
    assert safezip.member_name(info) == "Zoë Ñúñez_1_assignsubmission_file_/x.ipynb"
    info = zipfile.ZipInfo("Zoë\\x.ipynb")
    info.flag_bits = 0x800
    assert safezip.member_name(info) == "Zoë/x.ipynb"


# ------------------------------------------------------------------ names
def test_names_are_readable_and_safe():
    assert names.hint("Zoë Ñúñez", "123456") == "zoe-nunez-123456"
    assert names.hint("Łukasz Straße", None) == "lukasz-strasse"
    assert names.hint("李雷", "7") == "李雷-7"
    assert names.hint("../../etc", "x/y") == "etc-x-y"
    assert names.hint("CON") == "con-" and names.hint(None, "") == "submission"
    assert len(names.hint("a" * 200, "123456")) <= names.MAX_LENGTH
    assert names.hint("a" * 200, "123456").endswith("-123456")
    assert names.unique(["a", "A", "a-2", "a"]) == ["a", "A-2", "a-2-2", "a-3"]


def test_kinds_of_files():
    assert kind_of(NOTEBOOK, ASSIGNMENT.name)[0] is Kind.NAMED
    assert kind_of("Hidden State Activation-2.ipynb", ASSIGNMENT.name)[0] is Kind.NAMED
    for copy in ("Copy of hidden_state_activation.ipynb", "hidden_state_activation (2).ipynb",
                 "hidden_state_activation-Copy1.ipynb"):
        assert kind_of(copy, ASSIGNMENT.name)[0] is Kind.COPY, copy
    assert kind_of(EXPORT, ASSIGNMENT.name)[0] is Kind.EXPORT
    assert kind_of("mine.ipynb", ASSIGNMENT.name)[0] is Kind.NOTEBOOK
    assert kind_of("report.pdf", ASSIGNMENT.name) == (None, "not a notebook or an export zip")


def test_canvas_names_read_as_canvas_writes_them():
    """canvas-lms lib/content_zipper.rb get_filename: [name, LATE, id].compact.join("_"), the
    name left out only for anonymous grading; a group's name may be all digits."""
    from hsa.grade.layouts.canvas import canvas_name, is_named_download
    cases = {
        "7_4646_9011_hidden_state_activation.ipynb": ("7", False, "4646", "9011",
                                                      "hidden_state_activation.ipynb", "7_4646_9011"),
        "7_LATE_4646_9012_hw_2_3.ipynb": ("7", True, "4646", "9012", "hw_2_3.ipynb", "7_LATE_4646_9012"),
        "12_b_4747_9013_x.ipynb": ("12_b", False, "4747", "9013", "x.ipynb", "12_b_4747_9013"),
        "leebob_LATE_4343_9002_a.zip": ("leebob", True, "4343", "9002", "a.zip", "leebob_LATE_4343_9002"),
        "anon_ab12c_9008_hidden_state_activation.ipynb": ("", False, "anon_ab12c", "9008",
                                                          "hidden_state_activation.ipynb", "anon_ab12c_9008"),
        "LATE_anon_x9Y_9009_a.ipynb": ("", True, "anon_x9Y", "9009", "a.ipynb", "LATE_anon_x9Y_9009"),
        "4646_9011_a.ipynb": ("", False, "4646", "9011", "a.ipynb", "4646_9011"),
    }
    for file_name, expected in cases.items():
        parts = canvas_name(file_name)
        assert (parts.name, parts.late, parts.user, parts.attachment, parts.file, parts.key) == expected
    # in an anonymous download nothing is a name: anon_ then the ids
    assert not is_named_download(["anon_ab12c_9008_a.ipynb", "LATE_anon_x9Y_9009_b.ipynb"])
    assert canvas_name("readme.txt") is None and canvas_name("a_b_c.ipynb") is None


def test_a_canvas_group_named_with_digits_is_not_read_as_a_user(tmp_path):
    root = tmp_path / "canvas-groups"
    put(root, f"7_4646_9011_{NOTEBOOK}", CORRECT)
    put(root, f"team8_LATE_4747_9012_{NOTEBOOK}", PARTIAL)
    students = by_id(read(root, tmp_path))
    assert set(students) == {"4646", "4747"}
    seven = students["4646"]
    assert (seven.student_name, seven.key, seven.late) == ("7", "7_4646_9011", False)
    assert (students["4747"].key, students["4747"].late) == ("team8_LATE_4747_9012", True)
