"""The sandboxed side: runs a student's cells, then answers calls to their functions.

This file runs inside the sandbox, next to ``protocol.py``, with nothing else of
the package. It trusts nothing and is trusted for nothing: the grader judges
every value it sends back, and enforces every budget from outside.

Messages in (stdin): ``{"cells": [...], "skip": [...], "names": [...]}`` once,
then ``{"call": name, "args": [...]}`` per call. Messages out (the response
fd): ``start``/``done`` per cell, ``ready`` with the names defined, then one
``result`` per call, with ``reached``: the other graded functions the call went
through, and ``nested``: what each of those calls was given and returned (see
:class:`Reach`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
import os
import re
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any  # typing: protocol imports it already

import numpy as np

if TYPE_CHECKING:
    from . import protocol
else:  # run as a script inside the sandbox, beside protocol.py
    import protocol

MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)


class _NoOpGrader:
    """Stands in for ``otter.Notebook``: the student's check and export cells do nothing here."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def install_otter_stub() -> None:
    """Otter, and the notebook's set-up import ``from public_checks import grader``: neither
    file is in the sandbox, and the checks run on the trusted side."""
    otter = types.ModuleType("otter")
    setattr(otter, "Notebook", _NoOpGrader)  # a module made here: setattr, as mypy cannot know it
    sys.modules["otter"] = otter
    public_checks = types.ModuleType("public_checks")
    setattr(public_checks, "grader", _NoOpGrader())
    sys.modules["public_checks"] = public_checks


def run_cells(cells: list[str], skip: set[int], env: dict[str, Any],
              send: Callable[[protocol.Message], None]) -> None:
    for index, source in enumerate(cells):
        if index in skip:
            continue
        send({"event": protocol.START, "cell": index})
        error = None
        try:
            code = compile(MAGIC.sub(r"\1pass", source), _cell_name(index), "exec")
            exec(code, env)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            error = error_report(exc, index)
        flush_output()
        send({"event": protocol.DONE, "cell": index, "error": error, "background": _background()})


def _background() -> bool:
    """True when a thread or child process outlives the cell: such a cell may still
    write to the grader's channel later, and is the one blamed if something does."""
    try:
        if len(os.listdir("/proc/self/task")) > 1:
            return True
        me = str(os.getpid())
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[1] == me:
                    return True
    except (OSError, IndexError):
        pass
    return False


def flush_output() -> None:
    """Push what the student printed into the pipe now: the grader kills this process
    with SIGKILL, which would drop whatever still sat in the buffers."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:  # sys.__stdout__ is None where Python started without one
                stream.flush()
        except BaseException:  # a student's replacement stream may raise anything
            pass


def _cell_name(index: int) -> str:
    return f"<code cell {index + 1}>"


def error_report(exc: BaseException, cell: int | None = None) -> dict[str, Any]:
    """What the student's code raised, as plain data (a :class:`protocol.Raised`); with
    ``cell`` (the index of the cell that ran), the line of that cell it came from."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if cell is not None and tb.tb_frame.f_code.co_filename == _cell_name(cell):
            line = tb.tb_lineno  # the innermost line of this cell's own code
        tb = tb.tb_next
    # the cell did not compile (Python's own error, not a subclass of the student's making)
    syntax = exc if isinstance(exc, SyntaxError) and type(exc) in (
        SyntaxError, IndentationError, TabError) else None
    if syntax is not None and cell is not None and syntax.filename == _cell_name(cell):
        line = syntax.lineno
    try:  # the student's exception may misbehave in its __str__ or its name
        name = getattr(exc, "name", None) if isinstance(exc, (NameError, ImportError)) else None
        lines = str(syntax.msg if syntax is not None else exc).strip().splitlines()
    except BaseException:
        name, lines = None, ["(its message could not be read)"]
    message = (lines[-1] if lines else "")[:500]
    return vars(protocol.Raised(type(exc).__name__, message, line,
                                name if isinstance(name, str) else None))


class Reach:
    """Which graded functions a call goes through, and what each of them was given and
    returned there, for feedback that names the root cause.

    After the cells ran, each graded function in the student's namespace is replaced by
    a wrapper that notes its name and calls it: the student's functions look each other
    up there when they run, so ``formula_1`` calling ``join_weights`` is seen. Only plain
    Python functions are wrapped, not classes, builtins or callable objects, which may
    behave in ways a wrapper would change. The wrapper keeps ``__name__``, ``__doc__``
    and the rest, and ``__wrapped__``, and otherwise changes nothing. Inside a graded
    call, each graded call it makes (at any depth, the first ``MAX_NESTED``) is recorded
    as plain data: its arguments as they came in, what it returned or raised. The
    grader uses the report for wording only, never for a score.
    """

    MAX_NESTED = 32
    MAX_BYTES = 64 * 1024  # a larger array is recorded by its type only (an opaque value)

    def __init__(self, env: dict[str, Any], names: list[str]) -> None:
        self.names = set(names)
        self.seen: set[str] = set()
        self.nested: list[dict[str, Any]] = []  # records of nested calls, as plain data
        self.depth = 0
        self.wrappers: set[int] = set()  # the ids of the wrappers put in env
        for name in names:
            if isinstance(env.get(name), types.FunctionType):
                try:
                    env[name] = self._recorded(name, env[name])
                    self.wrappers.add(id(env[name]))
                except Exception:  # a __dict__ of the student's own making: leave it be
                    pass

    def _recorded(self, name: str, function: types.FunctionType) -> Callable[..., object]:
        @functools.wraps(function)
        def recorded(*args: object, **kwargs: object) -> object:
            self.seen.add(name)
            entry = self._entry(name, args) if self.depth > 0 else None
            self.depth += 1
            try:
                value = function(*args, **kwargs)
            except BaseException as exc:
                if entry is not None:
                    entry["error"] = error_report(exc)
                raise
            finally:
                self.depth -= 1
            if entry is not None:
                entry["value"] = self._small(value)
            return value
        return recorded

    def _small(self, value: object) -> dict[str, Any]:
        if isinstance(value, np.ndarray) and value.nbytes > self.MAX_BYTES:
            return protocol.encode(protocol.opaque("large_array"))
        return protocol.encode(value)

    def _entry(self, name: str, args: tuple[object, ...]) -> dict[str, Any] | None:
        """A nested call's record, its arguments encoded now (before it may change them)."""
        if len(self.nested) >= self.MAX_NESTED:
            return None
        entry = {"call": name, "args": [self._small(a) for a in args]}
        self.nested.append(entry)
        return entry

    def begin(self, function: object) -> None:
        """A graded call starts: what it calls is nested in it (the called function's own
        wrapper, where there is one, counts as the call itself)."""
        self.nested, self.depth = [], 0 if id(function) in self.wrappers else 1

    def missed(self, exc: BaseException) -> None:
        """Note a graded function the call tried to use but the notebook never defined."""
        name = getattr(exc, "name", None) if isinstance(exc, NameError) else None
        if isinstance(name, str) and name in self.names:  # a student's may be anything
            self.seen.add(name)

    def report(self, called: str) -> list[str]:
        """The graded functions reached since the last report, besides ``called`` itself."""
        reached, self.seen = sorted(self.seen - {called}), set()
        return reached


def serve_calls(env: dict[str, Any], names: list[str],
                receive: Callable[[], protocol.Message | None],
                send: Callable[[protocol.Message], None]) -> None:
    send({"event": protocol.READY, "defined": {n: _kind(env.get(n)) for n in names}})
    reach = Reach(env, names)
    while True:
        request = receive()
        if request is None:
            return
        function = env.get(request["call"])
        args = [protocol.decode(a) for a in request["args"]]
        before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        reply: protocol.Message = {"event": protocol.RESULT}
        reach.begin(function)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if function is None:  # deleted since READY (by another graded call, say)
                    raise NameError(f"name {request['call']!r} is not defined", name=request["call"])
                reply["value"] = protocol.encode(function(*args))
        except BaseException as exc:
            reply["error"] = error_report(exc)
            reach.missed(exc)
        flush_output()
        reply["reached"] = reach.report(request["call"])
        reply["nested"] = [e for e in reach.nested if "value" in e or "error" in e]
        reply["args_after"] = [
            protocol.encode(a) if isinstance(a, np.ndarray) and not np.array_equal(a, b) else None
            for a, b in zip(args, before)
        ]
        send(reply)


def _kind(value: object) -> str:
    if value is None:
        return protocol.MISSING
    return protocol.FUNCTION if callable(value) else type(value).__name__


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    incoming = sys.stdin

    def send(message: protocol.Message) -> None:
        out.write(protocol.dumps(message))
        out.flush()

    def receive() -> protocol.Message | None:
        line = incoming.readline()
        return protocol.loads(line) if line else None

    setup = receive()
    if setup is None:
        raise SystemExit("the grader closed the channel before it sent the cells")
    install_otter_stub()
    env = {"__name__": "__main__", "__builtins__": __builtins__}
    run_cells(setup["cells"], set(setup["skip"]), env, send)
    serve_calls(env, setup["names"], receive, send)


def confine_from_argv() -> None:
    """A fresh worker (no zygote) confines itself before it reads a cell: a session keyring
    and no controlling terminal, no capability, and the seccomp filter when the grader passed one
    (the descriptor after the channel's; under bubblewrap, bubblewrap loaded it already)."""
    program = None
    if len(sys.argv) > 2:
        fd = int(sys.argv[2])
        with os.fdopen(fd, "rb") as handed:
            program = handed.read()
        del sys.argv[2:]
    if sys.platform.startswith("linux"):
        import kernel
        kernel.confine(program)
    elif program is not None:
        raise OSError(f"a seccomp filter was passed on {sys.platform}")


if __name__ == "__main__":
    confine_from_argv()
    main()
