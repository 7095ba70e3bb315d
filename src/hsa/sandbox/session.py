"""A student's notebook running in the sandbox, seen from the trusted side.

The session runs the code cells one by one, each within its budget. A cell
that runs past its budget, or takes the process down with it (``os._exit``,
out of memory), is recorded and skipped: the worker is restarted and the
other cells run again without it, so grading goes on with what they define.
Each graded call has a budget too; past it the worker is restarted in the
same way for the next call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import (BudgetExceeded, ProcessLost, ProtocolViolation,
                          SandboxBroken, SandboxFailure, SandboxTimedOut, StudentError)
from ..outcomes import CellProblem, Isolation, Status
from ..untrusted import protocol
from . import cgroup
from .clock import WALL_FACTOR, Deadline, Throttled
from .command import Limits
from ..settings import Settings
from .warm import open_sandbox

if TYPE_CHECKING:
    from .process import Sandbox

_classes: dict[str, type[StudentError]] = {}  # one class per name a student's error had


def student_exception(raised: protocol.Raised) -> StudentError:
    """The student's error (a :class:`protocol.Raised`) as an exception of the same class
    name, for the checks to turn into a hint."""
    name = "".join(c for c in raised.type if c.isalnum() or c == "_")[:60] or "Error"
    cls = _classes.setdefault(name, type(name, (StudentError,), {}))
    return cls(raised.message)


def _culprit(died: SandboxFailure, current: int | None, last: int | None,
             suspect: int | None) -> tuple[int | None, str]:
    """The cell to skip after the worker died or broke the protocol, and why.

    A forged message may come from the running cell, or from a thread or process that an
    earlier cell left running (``suspect``, the last such cell); a death between cells is
    blamed on the suspect, else on the last cell that ran.
    """
    if suspect is not None and (current is None or isinstance(died, ProtocolViolation)):
        if suspect != current:
            return suspect, f"{died}, from a thread or process it left running"
    if current is None and last is not None:
        return last, f"{died} after it had finished"
    return current, str(died)


def _expect_in_order(message: protocol.Message, current: int | None, cells: int) -> str:
    """The message's event, if the worker may send it now; else ProtocolViolation.

    The worker sends ``START`` and ``DONE`` around each cell and ``READY`` after the last
    one. Anything else, or these out of turn, means the student's code wrote to the
    grader's channel itself; the cell that did it is then skipped like a crashing one.
    """
    event, cell = message.get("event"), message.get("cell")
    if event == protocol.START and current is None and isinstance(cell, int) and 0 <= cell < cells:
        return event
    if event == protocol.DONE and current is not None and cell == current:
        return event
    if event == protocol.READY and current is None:
        return event
    raise ProtocolViolation("wrote to the grader's channel itself (a forged or out-of-order "
                            "message)")


def _read_reached(reached: object, names: list[str]) -> tuple[str, ...]:
    """The graded functions a call reached, as the worker reports them: a list of known
    names, else nothing. Student code can forge it, so it only ever shapes wording."""
    if not isinstance(reached, list) or len(reached) > len(names):
        return ()
    if not all(isinstance(n, str) and n in names for n in reached):
        return ()
    return tuple(sorted(set(reached)))


MAX_NESTED = 32  # records of the graded calls one call made, kept at most (the worker's cap)


def _read_nested(nested: object, names: list[str]) -> tuple[dict[str, Any], ...]:
    """The worker's records of the graded calls a call made: those shaped as the worker
    writes them (``{"call": a graded name, "args": [...], "value" or "error"}``), left
    encoded until read. Student code can forge them: they only ever shape wording."""
    if not isinstance(nested, list):
        return ()
    return tuple(entry for entry in nested[:MAX_NESTED]
                 if isinstance(entry, dict) and entry.get("call") in names
                 and isinstance(entry.get("args"), list) and len(entry["args"]) <= 16
                 and ("value" in entry or isinstance(entry.get("error"), dict)))


@dataclass(frozen=True)
class GradedCall:
    """One call of a graded function: what it was given, what came back (``returned``:
    a value or an error, not a timeout nor a crash), and the other graded functions it
    reached, with the worker's records of those calls (``nested``, still encoded)."""

    name: str
    reached: tuple[str, ...] = ()
    args: tuple[object, ...] = ()  # copies of the arguments, as sent
    value: object = None
    raised: protocol.Raised | None = None
    returned: bool = False
    nested: tuple[dict[str, Any], ...] = ()  # each as the worker wrote it (plain data)


HARD_LIMIT_FACTOR = 3  # re-runs and graded calls may take this many submission budgets in all
# (counted as every budget is: CPU time, with WALL_FACTOR times as much wall time at most)


@dataclass(frozen=True)
class Budgets:
    """Time budgets in seconds, as the assignment's settings set them
    (:class:`~hsa.settings.Settings`, ``*_budget_seconds``): CPU time where the submission's
    cgroup counts it, with wall time as the outer bound, else wall time (:mod:`.clock`)."""

    cell: float
    call: float
    submission: float

    @classmethod
    def of(cls, settings: Settings, timeout: float | None = None) -> Budgets:
        """The settings' budgets; ``timeout`` overrides the submission's, and no cell or call
        may have more than the submission."""
        submission = float(timeout or settings.submission_budget_seconds)
        return cls(cell=min(settings.cell_budget_seconds, submission),
                   call=min(settings.call_budget_seconds, submission), submission=submission)


def _budget(seconds: float, deadline: Deadline) -> str:
    """A budget in a student's words: "10 s budget", "10 s budget of CPU time"..."""
    return f"{seconds:g} s budget{_counted(seconds, deadline)}"


def _seconds(seconds: float, deadline: Deadline) -> str:
    """"5 s", "5 s of CPU time"..."""
    return f"{seconds:g} s{_counted(seconds, deadline)}"


def _counted(seconds: float, deadline: Deadline) -> str:
    """What ran out, where budgets count CPU time: the CPU time, or its bound in wall time."""
    if deadline.cpu is None:  # wall time, as a student takes seconds to be
        return ""
    if deadline.cpu_ran_out():
        return " of CPU time"
    return f" ({WALL_FACTOR * seconds:g} s of wall time, the most a budget of CPU time allows)"


@dataclass
class Session:
    cells: list[str]
    names: list[str]
    isolation: Isolation  # a string is parsed in __post_init__: the sandbox's edge
    budgets: Budgets
    limits: Limits = field(default_factory=Limits)
    restart_every: int = Settings.zygote_restart_every  # submissions per zygote, for a warm isolation
    events: dict[int, CellProblem] = field(default_factory=dict)  # 0-based cell index -> problem
    defined: dict[str, str] = field(default_factory=dict)  # graded name -> FUNCTION, MISSING, a type
    restarts: int = 0
    call_problems: list[Status] = field(default_factory=list)  # Status.TIMEOUT/KILLED in calls
    calls: list[GradedCall] = field(default_factory=list)  # per graded call, in order

    def __post_init__(self) -> None:
        # The submission budget bounds each run of the notebook's cells; the hard deadline
        # bounds everything (re-runs after a skipped cell and the graded calls included).
        self.isolation = Isolation(self.isolation)  # the sandbox's edge: parsed once, here
        self.sandbox: Sandbox | None = None
        self._cpu_spent = 0.0  # CPU seconds of this session's ended sandboxes (where counted)
        self._meter = Throttled(self._cpu_used)
        counted = cgroup.cpu_counted(self.isolation)
        self.hard_deadline = Deadline.after(HARD_LIMIT_FACTOR * self.budgets.submission,
                                            self._meter if counted else None)
        self.skip: set[int] = set()
        self.suspect: int | None = None  # the last cell of this run that left a thread or process running
        self.output = b""  # what the student's code printed (capped), from the last run

    # ------------------------------------------------------------ cells
    def start(self) -> None:
        """Run the cells until every one has finished, failed or been skipped."""
        while not self._boot():
            self.restarts += 1

    def _boot(self) -> bool:
        """One attempt to run the cells; False when a cell had to be skipped."""
        self.stop()
        self.sandbox = sandbox = open_sandbox(self.isolation, self.limits, self.restart_every)
        sandbox.start()
        run_until = self._deadline(self.budgets.submission)
        current: int | None = None
        last: int | None = None
        suspect: int | None = None
        try:
            sandbox.send({"cells": self.cells, "skip": sorted(self.skip), "names": self.names})
            while True:
                budget = self.budgets.cell if current is not None else self.budgets.cell + 20
                cell_until = self._deadline(budget)
                message = sandbox.receive(cell_until.sooner(run_until))
                event = _expect_in_order(message, current, len(self.cells))
                if event == protocol.START:
                    current = last = int(message["cell"])
                elif event == protocol.DONE:
                    self._record_done(message)
                    suspect = current if message.get("background") is True else suspect
                    current = None
                else:
                    self.defined = self._read_defined(message.get("defined"))
                    self.suspect = suspect
                    return True
        except SandboxFailure as died:
            self.stop()
            ceiling = run_until.passed()
            if self.out_of_time():
                self._record(current, Status.TIMEOUT, "ran past the submission's time budget")
                return True
            if ceiling and current is not None:  # the whole notebook's budget ran out here
                self._record(current, Status.TIMEOUT, f"ran past the notebook's "
                             f"{_budget(self.budgets.submission, run_until)}; it and the cells "
                             "after it were skipped")
                self.skip |= set(range(current, len(self.cells)))
                return False
            culprit, reason = _culprit(died, current, last, suspect)
            if culprit is None:  # before any cell ran: the sandbox itself failed
                raise SandboxBroken(f"the sandbox could not start the student's code: its "
                                    f"worker {died}{self._startup_output()}") from None
            timed_out = isinstance(died, SandboxTimedOut)
            if timed_out:
                reason = f"ran past its {_budget(self.budgets.cell, cell_until)} and was skipped"
            self._record(culprit, Status.TIMEOUT if timed_out else Status.KILLED, reason)
            self.skip.add(culprit)
            return False

    def _startup_output(self) -> str:
        """What the worker printed before any student code ran (the interpreter's own
        complaint, such as a library it cannot load), for the operator."""
        text = self.output.decode("utf-8", "replace").strip()
        return f". It printed: {text[-400:]}" if text else ""

    def _read_defined(self, defined: object) -> dict[str, str]:
        """What the worker says each graded name is (``FUNCTION``, ``MISSING``, a type)."""
        if not isinstance(defined, dict):
            raise ProtocolViolation("broke the grading protocol (a malformed ready message)")
        return {name: str(defined[name]) for name in self.names if name in defined}

    def _record_done(self, message: protocol.Message) -> None:
        if message.get("error"):
            raised = protocol.Raised.read(message["error"])
            self._record(message["cell"], Status.ERROR, str(raised), raised)

    def _record(self, index: int | None, status: Status, text: str,
                raised: protocol.Raised | None = None) -> None:
        if index is not None:
            self.events[index] = CellProblem.of(index, self.cells[index], status, str(text)[:500], raised)

    def _deadline(self, budget: float) -> Deadline:
        """``budget`` seconds from now, on the running sandbox's clock, within the hard
        deadline."""
        return Deadline.after(budget, self._meter).sooner(self.hard_deadline)

    def _cpu_used(self) -> float | None:
        """CPU seconds all of this session's sandboxes have used (one count across re-runs,
        which the hard deadline needs), or None where the running sandbox's are not counted."""
        now = self.sandbox.cpu_seconds() if self.sandbox is not None else 0.0
        return None if now is None else self._cpu_spent + now

    def out_of_time(self) -> bool:
        return self.hard_deadline.passed()

    def stop(self) -> None:
        if self.sandbox is not None:
            self._cpu_spent += self.sandbox.cpu_seconds() or 0.0
            self.sandbox.kill()
            self.output = bytes(self.sandbox.output)
            if self.sandbox.dropped:
                self.output += f"\n[{self.sandbox.dropped} more bytes of output dropped]\n".encode()
            self.sandbox = None

    # ------------------------------------------------------------ calls
    def proxy(self, name: str) -> Callable[..., Any]:
        """A stand-in for the student's function ``name`` that forwards calls to the sandbox
        (what it returns is the student's value, decoded: any plain value or array)."""
        def call(*args: object) -> Any:
            return self.call(name, args)
        call.__name__ = name
        return call

    def call(self, name: str, args: tuple[object, ...] | list[object]) -> Any:
        """Call the student's ``name`` in the sandbox; its value, or its error raised here."""
        sent = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
        self.calls.append(GradedCall(name, args=sent))
        if self.out_of_time():
            raise BudgetExceeded("not run: the submission used up its time budget")
        if self.sandbox is None:
            self.restarts += 1
            self.start()
        sandbox = self.sandbox
        if sandbox is None:  # the cells' re-run used up the submission's time: none is left
            raise BudgetExceeded("not run: the submission used up its time budget")
        try:
            sandbox.send({"call": name, "args": [protocol.encode(a) for a in args]})
            until = self._deadline(self.budgets.call)
            reply = sandbox.receive(until)
            if reply.get("event") != protocol.RESULT:
                raise ProtocolViolation("sent an unexpected message")
            reached = _read_reached(reply.get("reached"), self.names)
            self.calls[-1] = GradedCall(name, tuple(n for n in reached if n != name), sent)
            value = protocol.decode(reply["value"]) if "value" in reply else None
            raised = protocol.Raised.read(reply["error"]) if reply.get("error") else None
            self.calls[-1] = GradedCall(name, self.calls[-1].reached, sent, value, raised, True,
                                        _read_nested(reply.get("nested"), self.names))
            after = reply.get("args_after")
            self._write_back(args, after if isinstance(after, list) else [])
        except SandboxFailure as died:
            self.stop()
            if isinstance(died, ProtocolViolation) and self._blame_background(died):
                self.calls.pop()
                return self.call(name, args)  # again, without the cell that wrote
            timed_out = isinstance(died, SandboxTimedOut)
            self.call_problems.append(Status.TIMEOUT if timed_out else Status.KILLED)
            if timed_out:
                raise BudgetExceeded(f"did not return within {_seconds(self.budgets.call, until)} "
                                     "(does it loop forever?)") from None
            raise ProcessLost(f"the process running it {died}") from None
        except protocol.ProtocolError as error:
            raise ProcessLost(f"its result could not be read ({error})") from None
        if raised is not None:
            raise student_exception(raised)
        return value

    def _blame_background(self, died: SandboxFailure) -> bool:
        """A message forged during a call while a cell's thread or process was still running
        (a flood that outlived its cell, on a loaded machine): that cell is blamed and
        skipped, as it would be had the message come while the cells ran, and the call is
        made again without it rather than charged for it. False when no cell left anything
        running (the function itself wrote to the channel: the call is the culprit)."""
        if self.suspect is None or self.suspect in self.skip:
            return False
        self._record(self.suspect, Status.KILLED, f"{died}, from a thread or process it left running")
        self.skip.add(self.suspect)
        self.suspect = None
        return True

    @staticmethod
    def _write_back(args: tuple[object, ...] | list[object], after: list[object]) -> None:
        """Mirror in-place changes the student's function made to its array arguments."""
        for arg, changed in zip(args, after):
            if changed is None or not isinstance(arg, np.ndarray):
                continue
            new = protocol.decode(changed)
            if isinstance(new, np.ndarray) and new.shape == arg.shape and arg.flags.writeable:
                np.copyto(arg, new, casting="unsafe")
