"""The session's bookkeeping, with a scripted stand-in for the sandbox: which events may
come when, which cell is blamed and skipped, what each failure is recorded as."""

import numpy as np
import pytest

from hsa.exceptions import (BudgetExceeded, GraderFailure, ProcessLost, ProtocolViolation,
                            SandboxBroken, SandboxDied, SandboxTimedOut, StudentError)
from hsa.outcomes import Status
from hsa.sandbox import clock as clocks, session as sessions
from hsa.sandbox.session import HARD_LIMIT_FACTOR, Budgets, Session, _culprit, _expect_in_order
from hsa.settings import Settings
from hsa.trusted.autograder import read_config
from hsa.untrusted.protocol import Raised
from hsa.untrusted import protocol

CELLS = 3
BUDGETS = Budgets.of(read_config().settings)  # the master's, as the autograder holds them


# ------------------------------------------------------------ event order
LEGAL = [
    ({"event": "start", "cell": 0}, None),
    ({"event": "start", "cell": CELLS - 1}, None),
    ({"event": "done", "cell": 1}, 1),
    ({"event": "done", "cell": 0, "error": {"type": "E", "message": "m"}}, 0),
    ({"event": "ready", "defined": {}}, None),
]
ILLEGAL = [
    ({"event": "start", "cell": 1}, 0),  # a start inside a running cell
    ({"event": "start", "cell": -1}, None),
    ({"event": "start", "cell": CELLS}, None),
    ({"event": "start", "cell": 999}, None),
    ({"event": "start", "cell": "1"}, None),
    ({"event": "start", "cell": 1.0}, None),
    ({"event": "start"}, None),
    ({"event": "done", "cell": 0}, None),  # a done with no cell running
    ({"event": "done", "cell": 2}, 1),  # the done of another cell
    ({"event": "done"}, 1),
    ({"event": "ready", "defined": {}}, 2),  # ready while a cell runs
    ({"event": "result", "value": {"t": "plain", "v": 1}}, None),
    ({"event": "result", "value": {"t": "plain", "v": 1}}, 1),
    ({"event": None}, None),
    ({}, None),
    ({"event": "START", "cell": 0}, None),
]


@pytest.mark.parametrize("message, current", LEGAL)
def test_legal_events_are_accepted(message, current):
    assert _expect_in_order(message, current, CELLS) == message["event"]


@pytest.mark.parametrize("message, current", ILLEGAL)
def test_out_of_turn_or_forged_events_are_protocol_violations(message, current):
    with pytest.raises(ProtocolViolation, match="grader's channel"):
        _expect_in_order(message, current, CELLS)


# ---------------------------------------------------------------- culprit
DIED = SandboxDied("exited with code 3")
FORGED = ProtocolViolation("wrote to the grader's channel itself")


@pytest.mark.parametrize("died, current, last, suspect, expected, words", [
    (DIED, 2, 2, None, 2, "exited with code 3"),  # death during a cell: that cell
    (DIED, None, 1, None, 1, "after it had finished"),  # between cells: the last one
    (DIED, None, 2, 0, 0, "left running"),  # between cells, a cell left a thread: that cell
    (DIED, 2, 2, 0, 2, "exited with code 3"),  # a death during a cell is the running cell's
    (FORGED, 2, 2, 0, 0, "left running"),  # a forgery during a cell: the one that left a thread
    (FORGED, 2, 2, None, 2, "grader's channel"),  # ... else the running cell
    (FORGED, 1, 1, 1, 1, "grader's channel"),  # the running cell is the suspect itself
    (FORGED, None, 1, None, 1, "after it had finished"),
    (DIED, None, None, None, None, "exited with code 3"),  # before any cell: nobody's
])
def test_culprit(died, current, last, suspect, expected, words):
    culprit, reason = _culprit(died, current, last, suspect)
    assert culprit == expected
    assert words in reason and str(died) in reason
    assert ("left running" in reason) == (words == "left running")


# ---------------------------------------------------------------- budgets
def test_a_config_without_budgets_grades_with_the_default_budgets():
    """An autograder whose settings leave the budgets out (or empty) gets the defaults, the
    same as a master without hsa.yml."""
    assert Budgets.of(Settings.from_mapping({}, "test")) == Budgets(cell=10, call=5, submission=60)
    partial = Settings.from_mapping({"cell_budget_seconds": 1, "call_budget_seconds": None}, "test")
    assert Budgets.of(partial) == Budgets(cell=1, call=5, submission=60)


def test_budgets_come_from_the_settings():
    settings = Settings(cell_budget_seconds=7, call_budget_seconds=2.5, submission_budget_seconds=90)
    assert Budgets.of(settings) == Budgets(cell=7.0, call=2.5, submission=90.0)


def test_timeout_overrides_the_submission_budget_and_caps_cell_and_call():
    settings = Settings(cell_budget_seconds=7, call_budget_seconds=3, submission_budget_seconds=90)
    assert Budgets.of(settings, timeout=30) == Budgets(cell=7, call=3, submission=30)
    assert Budgets.of(settings, timeout=4) == Budgets(cell=4, call=3, submission=4)
    assert Budgets.of(settings, timeout=2) == Budgets(cell=2, call=2, submission=2)


def test_no_cell_or_call_gets_more_than_the_submission():
    settings = Settings(cell_budget_seconds=100, call_budget_seconds=50, submission_budget_seconds=20)
    assert Budgets.of(settings) == Budgets(cell=20, call=20, submission=20)


# ------------------------------------------------------- student exceptions
def test_student_exceptions_keep_the_name_and_are_never_the_graders():
    error = sessions.student_exception(Raised("ValueError", "bad shape"))
    assert type(error).__name__ == "ValueError" and str(error) == "bad shape"
    assert isinstance(error, StudentError) and not isinstance(error, ValueError)
    assert type(sessions.student_exception(Raised("ValueError", "again"))) is type(error)
    for name in ("AssertionError", "SandboxBroken", "GraderFailure", "KeyboardInterrupt"):
        forged = sessions.student_exception(Raised(name, "x"))
        assert isinstance(forged, StudentError)
        assert not isinstance(forged, (AssertionError, GraderFailure, KeyboardInterrupt))


@pytest.mark.parametrize("type_name, name", [("Foo<Bar>.baz", "FooBarbaz"), ("", "Error"),
                                             ("!!", "Error"), (None, "None"), (42, "42"),
                                             ("x" * 100, "x" * 60)])
def test_student_exception_names_are_sanitised(type_name, name):
    assert type(sessions.student_exception(Raised.read({"type": type_name}))).__name__ == name


def test_student_exception_messages_are_capped():
    assert len(str(sessions.student_exception(Raised.read({"message": "m" * 5000})))) == 500


@pytest.mark.parametrize("error, expected", [
    ({"type": "ValueError", "message": "bad", "line": 3, "name": None}, Raised("ValueError", "bad", 3)),
    ({"type": "ModuleNotFoundError", "message": "No module named 'scipy'", "line": 1, "name": "scipy"},
     Raised("ModuleNotFoundError", "No module named 'scipy'", 1, "scipy")),
    ({"type": "E" * 100, "message": "m" * 900}, Raised("E" * 60, "m" * 500)),
    ({}, Raised("None", "None")),
    ({"type": ["a"], "message": {"b": 1}, "line": True, "name": 5}, Raised("['a']", "{'b': 1}")),
    ({"type": "E", "message": "m", "line": "3", "name": "n" * 300}, Raised("E", "m", None, "n" * 200)),
    ("boom", Raised("Error", "boom")),
    ("b" * 900, Raised("Error", "b" * 500)),
    (["x", 1], Raised("Error", "['x', 1]")),
    (7, Raised("Error", "7")),
    (True, Raised("Error", "True")),
])
def test_a_reported_error_of_any_shape_is_read_as_data(error, expected):
    assert Raised.read(error) == expected


# --------------------------------------------- a session against a script
class Scripted:
    """Stands in for a Sandbox: each boot replays the next script (messages to receive,
    exceptions to raise, or ``("advance", seconds)`` to move the clock first)."""

    def __init__(self, scripts, clock, output=b""):
        self.scripts, self.clock, self.output = list(scripts), clock, output
        self.boots = []
        self.cpu = None  # the CPU seconds its sandboxes report (None: wall time is counted)

    def __call__(self, isolation, limits=None, restart_every=None):
        script = list(self.scripts.pop(0))
        outer = self

        class Fake:
            dropped = 0

            def __init__(self):
                self.sent, self.output = [], bytearray(outer.output)

            def start(self):
                pass

            def send(self, message):
                self.sent.append(protocol.loads(protocol.dumps(message)))

            def receive(self, deadline):
                item = script.pop(0)
                while isinstance(item, tuple):  # ("advance", wall seconds) or ("cpu", seconds)
                    if item[0] == "cpu":
                        outer.cpu += item[1]
                    else:
                        outer.clock.now += item[1]
                    item = script.pop(0)
                if isinstance(item, Exception):
                    raise item
                return item

            def kill(self):
                pass

            def cpu_seconds(self):
                return outer.cpu

        fake = Fake()
        self.boots.append(fake)
        return fake


def start(i):
    return {"event": "start", "cell": i}


def done(i, error=None, background=False):
    return {"event": "done", "cell": i, "error": error, "background": background}


READY = {"event": "ready", "defined": {"f": "function", "g": "missing", "other": "function"}}


def run(monkeypatch, clock, *scripts, output=b"", cells=CELLS, budgets=BUDGETS):
    sandbox = Scripted(scripts, clock, output)
    monkeypatch.setattr(sessions, "open_sandbox", sandbox)
    session = Session(["x = 1"] * cells, ["f", "g"], "bwrap", budgets)
    session.start()
    return session, sandbox


def test_a_clean_run_records_cell_errors_and_what_is_defined(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock, [
        start(0), done(0), start(1), done(1, {"type": "NameError", "message": "x"}),
        start(2), done(2), READY])
    assert sandbox.boots[0].sent == [{"cells": ["x = 1"] * CELLS, "skip": [], "names": ["f", "g"]}]
    assert session.restarts == 0
    assert {i: (e.status, e.message) for i, e in session.events.items()} == {
        1: (Status.ERROR, "NameError: x")}
    assert session.defined == {"f": "function", "g": "missing"}


@pytest.mark.parametrize("failure, status, words", [
    (SandboxDied("exited with code 3"), Status.KILLED, "exited with code 3"),
    (ProtocolViolation("broke the grading protocol"), Status.KILLED, "grading protocol"),
    (SandboxTimedOut("ran past its time budget"), Status.TIMEOUT, f"ran past its {BUDGETS.cell:g} s budget"),
])
def test_a_cell_that_fails_the_sandbox_is_skipped_and_the_rest_run_again(monkeypatch, clock,
                                                                            failure, status, words):
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0), start(1), failure],
                           [start(0), done(0), start(2), done(2), READY])
    assert sandbox.boots[1].sent[0]["skip"] == [1]
    assert session.restarts == 1
    assert list(session.events) == [1]
    assert session.events[1].status is status and words in session.events[1].message
    assert session.defined == {"f": "function", "g": "missing"}


def test_a_forgery_is_blamed_on_the_cell_that_left_a_thread_running(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0, background=True), start(1), done(1), start(2),
                            {"event": "ready", "defined": {}}],
                           [start(1), done(1), start(2), done(2), READY])
    assert sandbox.boots[1].sent[0]["skip"] == [0]
    assert session.events[0].status is Status.KILLED
    assert "left running" in session.events[0].message
    assert 2 not in session.events


def test_a_death_between_cells_is_blamed_on_the_last_cell(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0), start(1), done(1), SandboxDied("exited")],
                           [start(0), done(0), start(2), done(2), READY])
    assert sandbox.boots[1].sent[0]["skip"] == [1]
    assert "after it had finished" in session.events[1].message


def test_a_malformed_ready_is_a_protocol_violation(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0), {"event": "ready", "defined": ["f", "function"]}],
                           [READY], cells=1)
    assert sandbox.boots[1].sent[0]["skip"] == [0]
    assert "malformed ready" in session.events[0].message


def test_a_sandbox_that_dies_before_any_cell_is_the_graders_failure(monkeypatch, clock):
    with pytest.raises(SandboxBroken, match="libz.so: cannot open") as broken:
        run(monkeypatch, clock, [SandboxDied("exited with code 127")],
            output=b"python: error while loading libz.so: cannot open shared object\n")
    assert isinstance(broken.value, GraderFailure)
    assert "exited with code 127" in str(broken.value)


def test_the_notebooks_budget_skips_the_running_cell_and_those_after_it(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0), start(1), ("advance", BUDGETS.submission + 1),
                            SandboxTimedOut("late")],
                           [start(0), done(0), READY], cells=4)
    assert sandbox.boots[1].sent[0]["skip"] == [1, 2, 3]
    assert session.events[1].status is Status.TIMEOUT
    assert f"notebook's {BUDGETS.submission:g} s budget" in session.events[1].message
    assert list(session.events) == [1]


def test_past_the_hard_deadline_grading_stops(monkeypatch, clock):
    session, sandbox = run(monkeypatch, clock, [start(0), ("advance", HARD_LIMIT_FACTOR * BUDGETS.submission + 1),
                                                SandboxTimedOut("late")])
    assert len(sandbox.boots) == 1 and session.out_of_time()
    assert session.events[0].status is Status.TIMEOUT
    assert "submission's time budget" in session.events[0].message
    with pytest.raises(BudgetExceeded, match="not run"):
        session.call("f", (1,))


def test_a_call_whose_rerun_of_the_cells_uses_up_the_time_is_not_run(monkeypatch, clock):
    """A call timed out; the cells run again for the next one and the hard deadline passes
    meanwhile: that call is not run (BudgetExceeded), where it read the stopped sandbox and
    raised AttributeError, which a test turned into the hint "'NoneType' object has no
    attribute 'send'" (found by mypy)."""
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0), READY, SandboxTimedOut("late")],
                           [start(0), ("advance", HARD_LIMIT_FACTOR * BUDGETS.submission + 1),
                            SandboxTimedOut("late")], cells=1)
    with pytest.raises(BudgetExceeded, match="did not return"):
        session.call("f", (1,))
    with pytest.raises(BudgetExceeded, match="not run: the submission used up its time budget"):
        session.call("f", (1,))
    assert len(sandbox.boots) == 2 and session.sandbox is None and session.out_of_time()


# ------------------------------------------------------------------ calls
def result(value=None, error=None, args_after=None):
    reply = {"event": "result", "args_after": args_after or []}
    if error is not None:
        reply["error"] = error
    else:
        reply["value"] = protocol.encode(value)
    return reply


def ready_session(monkeypatch, clock, *replies):
    return run(monkeypatch, clock, [READY, *replies], cells=0)


def test_a_call_returns_the_decoded_value(monkeypatch, clock):
    session, sandbox = ready_session(monkeypatch, clock, result(np.eye(2)))
    value = session.proxy("f")(np.ones(2), 3)
    np.testing.assert_array_equal(value, np.eye(2))
    request = sandbox.boots[0].sent[-1]
    assert request["call"] == "f"
    assert [protocol.decode(a) for a in request["args"]][1] == 3


def test_a_call_that_raised_raises_the_students_exception(monkeypatch, clock):
    session, _ = ready_session(monkeypatch, clock,
                               result(error={"type": "ZeroDivisionError", "message": "division by zero"}))
    with pytest.raises(StudentError, match="division by zero") as raised:
        session.call("f", ())
    assert type(raised.value).__name__ == "ZeroDivisionError"
    assert session.call_problems == []


@pytest.mark.parametrize("reply, problem, raised, words", [
    (SandboxTimedOut("late"), Status.TIMEOUT, BudgetExceeded, f"did not return within {BUDGETS.call:g} s"),
    (SandboxDied("was killed by SIGKILL"), Status.KILLED, ProcessLost, "SIGKILL"),
    ({"event": "ready", "defined": {}}, Status.KILLED, ProcessLost, "unexpected message"),
])
def test_a_call_that_fails_the_sandbox_is_recorded_and_restarts_it(monkeypatch, clock, reply,
                                                                     problem, raised, words):
    session, sandbox = run(monkeypatch, clock, [READY, reply], [READY, result(7)], cells=0)
    with pytest.raises(raised, match=words):
        session.call("f", ())
    assert session.call_problems == [problem] and session.sandbox is None
    assert session.call("f", ()) == 7  # the next call starts a fresh sandbox
    assert session.restarts == 1 and len(sandbox.boots) == 2


def test_a_forged_reply_while_a_cells_thread_runs_blames_that_cell_not_the_call(monkeypatch, clock):
    """A thread that outlives its cell (the protocol-flood attack, on a loaded machine) may
    write into a call's reply: the cell that left it running is skipped and the call made
    again without it, as when the forgery lands while the cells run; the call costs nothing."""
    forged = {"event": "start", "cell": 999}
    session, sandbox = run(monkeypatch, clock,
                           [start(0), done(0, background=True), start(1), done(1), READY, forged],
                           [start(1), done(1), READY, result(7)], cells=2)
    assert session.call("f", ()) == 7
    assert sandbox.boots[1].sent[0]["skip"] == [0] and session.skip == {0}
    assert session.events[0].status is Status.KILLED and "left running" in session.events[0].message
    assert session.call_problems == [] and [c.name for c in session.calls] == ["f"]
    with pytest.raises(ProcessLost):  # once blamed, a cell is not blamed again: the call is
        run(monkeypatch, clock, [READY, forged], cells=0)[0].call("f", ())


def test_an_unreadable_value_loses_the_call_without_a_recorded_problem(monkeypatch, clock):
    session, _ = ready_session(monkeypatch, clock,
                               {"event": "result", "value": {"t": "ndarray", "npy": "!!"}})
    with pytest.raises(ProcessLost, match="could not be read"):
        session.call("f", ())


def test_in_place_changes_to_array_arguments_are_mirrored():
    a, b, frozen, small = np.zeros(3), np.zeros(2), np.zeros(2), np.zeros(2)
    frozen.flags.writeable = False
    after = [protocol.encode(np.array([1.0, 2.0, 3.0])), None,
             protocol.encode(np.ones(2)), protocol.encode(np.ones(3))]
    Session._write_back([a, b, frozen, small], after)
    np.testing.assert_array_equal(a, [1, 2, 3])
    assert not b.any() and not frozen.any() and not small.any()
    scalar = 5
    Session._write_back([scalar], [protocol.encode(np.ones(1))])
    assert scalar == 5


# ------------------------------------------------------------- the clock
def test_a_cpu_budget_outlasts_a_neighbours_load_and_wall_time_bounds_it(clock):
    """Counted in CPU time, 10 s of budget is not over after 20 s of wall time in which the
    submission got 1 s of CPU (a busy neighbour); it is over at 10 s of CPU, and at 30 s of
    wall time whatever the CPU (a submission that sleeps)."""
    cpu = [0.0]
    deadline = clocks.Deadline.after(10, lambda: cpu[0])
    clock.now, cpu[0] = clock.now + 20, 1.0
    assert not deadline.passed() and deadline.left() == 9.0
    clock.now, cpu[0] = clock.now + 9.5, 10.5  # at one CPU at most, 9.5 s of CPU take 9.5 s
    assert deadline.passed() and deadline.counted() == "CPU time"
    sleeper = clocks.Deadline.after(10, lambda: 0.0)
    clock.now += 30.5
    assert sleeper.passed() and not sleeper.cpu_ran_out()


def test_without_a_cgroup_budgets_count_wall_time(clock):
    deadline = clocks.Deadline.after(10, lambda: None)
    assert (deadline.cpu, deadline.counted()) == (None, "wall time")
    clock.now += 10.5
    assert deadline.passed()
    assert clocks.wall_until(clock.now + 1).left() == 1.0


def test_the_sooner_of_two_deadlines_ends_at_either(clock):
    cpu = [0.0]
    cell, notebook = clocks.Deadline.after(10, lambda: cpu[0]), clocks.Deadline.after(60, lambda: cpu[0])
    both = cell.sooner(notebook).sooner(clocks.Deadline.after(100))
    assert (both.cpu, both.wall) == (10.0, clock.now + 30)


@pytest.mark.parametrize("spent, told", [
    # CPU time takes wall time (one CPU at most): the busy cell's clock moves with it
    ([("advance", BUDGETS.cell + 0.1), ("cpu", BUDGETS.cell + 0.1)],
     f"ran past its {BUDGETS.cell:g} s budget of CPU time and was skipped"),
    ([("advance", 3 * BUDGETS.cell + 0.1)], f"ran past its {BUDGETS.cell:g} s budget ({3 * BUDGETS.cell:g} s "
     "of wall time, the most a budget of CPU time allows) and was skipped"),
])
def test_a_cell_past_its_cpu_budget_or_its_wall_bound_is_told_which(monkeypatch, clock, spent, told):
    scripts = Scripted([[start(0), *spent, SandboxTimedOut("late")], [READY]], clock)
    scripts.cpu = 0.0
    monkeypatch.setattr(sessions, "open_sandbox", scripts)
    session = Session(["x = 1"], ["f", "g"], "bwrap", BUDGETS)
    session.start()
    assert session.events[0].message == told
