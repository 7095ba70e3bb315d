"""Statuses and isolation levels are enums that write as plain strings, on every Python
the package supports (3.12 changed how ``format()`` treats mixed-in enums)."""

import csv
import io
import json

import pytest

from hsa.outcomes import PROBLEMS, Isolation, Status

MEMBERS = [*Status, *Isolation]


@pytest.mark.parametrize("member", MEMBERS, ids=str)
def test_members_write_as_their_plain_value(member):
    value = member.value
    assert str(member) == value and f"{member}" == value and "%s" % member == value
    assert f"{member:>15}" == f"{value:>15}" and format(member) == value
    assert json.dumps(member) == json.dumps(value)
    assert json.dumps({"status": member}) == json.dumps({"status": value})
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([member])
    assert buffer.getvalue() == f"{value}\n"


@pytest.mark.parametrize("member", MEMBERS, ids=str)
def test_members_equal_and_parse_from_their_strings(member):
    assert member == member.value and type(member)(member.value) is member
    assert json.loads(json.dumps(member)) == member


def test_the_values():
    assert [s.value for s in Status] == ["graded", "error", "timeout", "killed", "invalid",
                                         "grader_failed"]
    assert [i.value for i in Isolation] == ["bwrap+zygote", "bwrap", "process-user+zygote",
                                            "process-user", "process"]
    with pytest.raises(ValueError):
        Status("passed")


def test_only_a_grader_failure_is_not_the_students():
    assert [s for s in Status if not s.is_students] == [Status.GRADER_FAILED]
    assert [s for s in Status if not s.needs_a_look] == [Status.GRADED]


def test_problems_are_worst_first():
    assert PROBLEMS == (Status.KILLED, Status.TIMEOUT, Status.ERROR)


def test_code_graded_is_false_only_where_nothing_of_the_students_code_was_judged():
    from hsa.outcomes import Status
    assert {s for s in Status if not s.code_graded} == {Status.INVALID, Status.GRADER_FAILED}
    assert {s for s in Status if not s.is_students} == {Status.GRADER_FAILED}
