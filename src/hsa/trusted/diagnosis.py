"""What is wrong with each function that lost points, named from the master's own mutants.

The trusted side never runs student code. What it has is data: for every graded call,
the inputs a check sent and what came back from the sandbox (a value, or an error's
type and message), and the worker's records of the graded calls that call made inside
(their inputs and what they returned: :class:`hsa.untrusted.worker.Reach`). What it may
run is instructor code: the master's solution, and its mutants
(:mod:`.mutants`). So, for a function ``f`` that went wrong:

1. *Through its callees?* The solution's ``f`` is run on each of the student's inputs,
   with every graded function it calls answered by what the student's own function
   returned there (the worker's record for those inputs; the solution's where there is
   none). When that reproduces everything the student's ``f`` returned, ``f`` is right
   given what it was handed: its lost points are its callees' (``THROUGH``), or, where it
   only raised an error a callee had raised, it never got past that call (``STOPPED``:
   nothing is known yet about the rest of it).
2. *Its own mistake.* Otherwise ``f`` is wrong on its own (``OWN``), even if a callee is
   wrong too. Each mutant of ``f`` is run the same way; the first one that returns what
   the student's ``f`` returned on every call (the same values within 1e-6, or the same
   error and message) names the mistake. Then pairs of edits. A mutant that gives the
   solution's results on every one of these inputs is an equivalent rewrite, never a
   mistake: it is dropped (and its calls with the student's callees count as step 1).

Mutant results on the hidden inputs are cached by the inputs' bytes: every submission
graded with a seed gets the same hidden inputs, so each is computed once per seed (per
process), and a submission costs comparisons. What the sandbox reports can be forged by
the student's code; like ``reached``, what is found here changes wording only: every
score stays the checks'.
"""

import functools
import hashlib
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..outcomes import Verdict
from ..sandbox.session import GradedCall
from ..untrusted import protocol
from . import mutants
from .result import Finding

if TYPE_CHECKING:
    from .autograder import Autograder

RTOL = 1e-6  # the same values: within this of the larger magnitude (at least 1)
SAME_INPUT = 1e-9  # a recorded call answers one of the solution's when its inputs are this close
CACHE_LIMIT = 200_000
MAX_SAID = 3  # slips said together at most, where several fit a student's results
Function = Callable[..., object]  # the solution's, or a mutant
Args = Sequence[object]


class Numbers(NamedTuple):
    """An outcome's value read once as numbers, for quick comparisons."""

    array: np.ndarray  # as floats
    finite: bool  # every entry finite
    scale: float  # the largest magnitude, at least 1 (where finite)
    whole: bool | None  # a single number: is it a whole number? (None for an array)


@dataclass(frozen=True)
class Outcome:
    """What a call came to: a value, or an error as ``"Type: message"`` (``stopped``: an
    error a function it calls had raised, re-raised from the worker's record)."""

    value: object = None
    raised: str | None = None
    stopped: bool = False

    @functools.cached_property
    def numbers(self) -> Numbers | None:
        """The value as numbers, or None where it is not numbers (a list, a string...)."""
        return _numbers(self.value)


def _numbers(value: object) -> Numbers | None:
    if value is None or isinstance(value, (list, tuple, str, bytes)):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    finite = bool(np.isfinite(array).all())
    scale = max(1.0, float(np.max(np.abs(array), initial=0.0))) if finite else 1.0
    whole = np.asarray(value).dtype.kind in "biu" if array.ndim == 0 else None
    return Numbers(array, finite, scale, whole)


class Recorded(Exception):
    """A callee's error, as the worker recorded it, raised again in an instructor call."""


def last_line(text: object) -> str:
    lines = str(text).strip().splitlines()
    return (lines[-1] if lines else "")[:500]


def run(function: Function, args: Args) -> Outcome:
    """Call instructor code on copies of ``args``; its Outcome."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Outcome(function(*[_copy(a) for a in args]))
    except Recorded as error:
        return Outcome(raised=str(error), stopped=True)
    except Exception as error:  # the mutant's own error: compared with the student's
        return Outcome(raised=f"{type(error).__name__}: {last_line(error)}")


def _copy(value: object) -> object:
    return value.copy() if isinstance(value, np.ndarray) else value


def student_outcome(call: GradedCall) -> Outcome:
    """What the student's call came to, as the sandbox reported it."""
    if call.raised is not None:
        return Outcome(raised=f"{call.raised.type}: {call.raised.message}")
    return Outcome(call.value)


def agrees(student: Outcome, mine: Outcome) -> bool:
    """Do two outcomes say the same: the same error and message, or the same numbers (the
    same shape, every entry within RTOL of the larger magnitude; nan and inf where the other
    has them; a single whole number is not a float: 1 is not 1.0)?"""
    if student.raised is not None or mine.raised is not None:
        return student.raised == mine.raised
    a, b = student.numbers, mine.numbers
    if a is None or b is None or a.array.shape != b.array.shape or a.whole != b.whole:
        return False
    if a.finite and b.finite:
        return float(np.max(np.abs(a.array - b.array), initial=0.0)) <= RTOL * b.scale
    return _close(a.array, b.array, RTOL)


def _close(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """Float arrays of one shape: the same non-finite entries, and the rest within
    ``tolerance`` of the larger magnitude (at least 1)."""
    finite = np.isfinite(b)
    if not np.array_equal(finite, np.isfinite(a)) or not np.array_equal(a[~finite], b[~finite],
                                                                       equal_nan=True):
        return False
    scale = max(1.0, float(np.max(np.abs(b[finite]), initial=0.0)))
    return float(np.max(np.abs(a[finite] - b[finite]), initial=0.0)) <= tolerance * scale


def digest(args: Args) -> bytes:
    """The inputs' identity: their types, shapes, dtypes and bytes."""
    h = hashlib.blake2b(digest_size=16)
    for arg in args:
        array = np.asarray(arg) if isinstance(arg, (np.ndarray, np.generic, int, float)) else None
        if array is None or array.dtype == object:
            h.update(repr(arg).encode()[:1000])
            continue
        h.update(f"{type(arg).__name__}{array.dtype.str}{array.shape}".encode())
        h.update(np.ascontiguousarray(array).tobytes())
    return h.digest()


class Record:
    """A graded call the student's call made inside it, as the worker recorded it: read
    (decoded) only when asked, arguments first. A record that cannot be read has no
    arguments and answers nothing."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.name, self._entry = str(entry["call"]), entry

    @functools.cached_property
    def args(self) -> tuple[object, ...] | None:
        try:
            return tuple(protocol.decode(a) for a in self._entry["args"])
        except (protocol.ProtocolError, KeyError, TypeError):
            return None

    @functools.cached_property
    def outcome(self) -> Outcome | None:
        try:
            if "value" in self._entry:
                return Outcome(protocol.decode(self._entry["value"]))
            raised = protocol.Raised.read(self._entry["error"])
        except (protocol.ProtocolError, KeyError, TypeError):
            return None
        return Outcome(raised=f"{raised.type}: {raised.message}")


def records(call: GradedCall) -> list[Record]:
    """The worker's records of ``call``'s inner graded calls that can be read."""
    return [r for r in map(Record, call.nested) if r.args is not None and r.outcome is not None]


def _lazy_records(call: GradedCall) -> list[Record]:
    """The same, each read only when asked (what answering a callee needs)."""
    return [Record(entry) for entry in call.nested]


def _same_args(recorded: Args, given: Args) -> bool:
    return len(recorded) == len(given) and all(
        _same_input(a, b) for a, b in zip(recorded, given))


def _same_input(recorded: object, given: object) -> bool:
    if not isinstance(given, np.ndarray):
        return type(recorded) is type(given) and recorded == given
    if not isinstance(recorded, np.ndarray) or recorded.shape != given.shape:
        return False
    if np.array_equal(recorded, given):
        return True
    try:
        return _close(recorded.astype(float), given.astype(float), SAME_INPUT)
    except (TypeError, ValueError):
        return False


class Memo:
    """What one submission's diagnosis reads once: each call's inputs' digest, the worker's
    records decoded, and the namespace answering the student's callees."""

    def __init__(self) -> None:
        self._digests: dict[int, bytes] = {}
        self._records: dict[int, list[Record]] = {}
        self._namespaces: dict[int, dict[str, object]] = {}

    def digest(self, call: GradedCall) -> bytes:
        if id(call) not in self._digests:
            self._digests[id(call)] = digest(call.args)
        return self._digests[id(call)]

    def records(self, call: GradedCall) -> list[Record]:
        return [r for r in self._lazy(call) if r.args is not None and r.outcome is not None]

    def _lazy(self, call: GradedCall) -> list[Record]:
        if id(call) not in self._records:
            self._records[id(call)] = _lazy_records(call)
        return self._records[id(call)]

    def namespace(self, call: GradedCall, solution: mutants.Solution) -> dict[str, object]:
        """The solution's globals with each graded function answered by the student's own,
        as the worker recorded it in ``call`` (else by the solution's, in the same
        namespace)."""
        if id(call) not in self._namespaces:
            namespace = dict(solution.namespace)
            found = self._lazy(call)
            for name in solution.graded:
                namespace[name] = _answered(name, found, _rebound(solution.reference(name),
                                                                  namespace))
            self._namespaces[id(call)] = namespace
        return self._namespaces[id(call)]


class Diagnoser:
    """The master's solution and its mutants, and their results cached by input."""

    def __init__(self, source: str, names: Iterable[str]) -> None:
        self.solution = mutants.load_solution(source, names)
        self._singles: dict[str, list[mutants.Mutant]] = {}
        self._pairs: dict[str, list[mutants.Mutant]] = {}
        self._results: dict[tuple[int, bytes], Outcome] = {}
        self._same: dict[tuple[int, bytes], bool] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ mutants and results
    def singles(self, name: str) -> list[mutants.Mutant]:
        with self._lock:
            if name not in self._singles:
                self._singles[name] = mutants.single(self.solution, name)
            return self._singles[name]

    def pairs(self, name: str) -> list[mutants.Mutant]:
        singles = self.singles(name)
        with self._lock:
            if name not in self._pairs:
                self._pairs[name] = mutants.pairs(self.solution, name, singles)
            return self._pairs[name]

    def cached(self, function: Function, args: Args, key: bytes | None = None) -> Outcome:
        """``function`` (the solution's or a mutant, with the solution's callees) on
        ``args`` (whose digest is ``key``), computed once per distinct input."""
        index = (id(function), digest(args) if key is None else key)
        found = self._results.get(index)
        if found is None:
            if len(self._results) > CACHE_LIMIT:
                self._results.clear()
                self._same.clear()
            found = self._results[index] = run(function, args)
        return found

    def reference(self, name: str, args: Args, key: bytes | None = None) -> Outcome:
        return self.cached(self.solution.reference(name), args, key)

    def _equivalent(self, mutant: mutants.Mutant, call: GradedCall, memo: Memo) -> bool:
        """Does ``mutant`` give the solution's result on ``call``'s inputs? (Once per input.)"""
        index = (id(mutant.compiled), memo.digest(call))
        found = self._same.get(index)
        if found is None:
            found = self._same[index] = agrees(
                self.cached(mutant.compiled, call.args, memo.digest(call)),
                self.reference(mutant.function, call.args, memo.digest(call)))
        return found

    def callees_right(self, call: GradedCall, memo: Memo) -> bool:
        """Did every graded call ``call`` made inside return the solution's result?"""
        return all(agrees(r.outcome, self.reference(r.name, r.args))
                   for r in memo.records(call) if r.name in self.solution.graded
                   and r.outcome is not None and r.args is not None)

    def went_wrong(self, name: str, calls: Iterable[GradedCall], memo: Memo) -> bool:
        """Did the student's ``name`` return other than the solution on one of ``calls``?"""
        return any(not agrees(student_outcome(c), self.reference(name, c.args, memo.digest(c)))
                   for c in calls if c.returned)

    def composed(self, function: types.FunctionType, call: GradedCall, memo: Memo) -> Outcome:
        """``function`` (the solution's or a mutant) run on ``call``'s inputs with each graded
        function it calls answered by the student's own, as the worker recorded it there."""
        return run(_rebound(function, memo.namespace(call, self.solution)), call.args)

    # ------------------------------------------------------------ the verdict
    def diagnose(self, name: str, calls: Iterable[GradedCall], memo: Memo | None = None,
                 callees_wrong: bool | None = None, say: bool = True) -> Finding | None:
        """The Finding for the student's ``name`` from its ``calls`` (GradedCall), or None
        when it returned the solution's results on every one of them. ``callees_wrong``:
        did a function it calls go wrong in this submission (None: read the worker's
        records to find out)? ``memo`` keeps what is read once per submission. ``say``:
        look for the mistake's sentence (else the verdict alone: no hint would show it)."""
        memo = Memo() if memo is None else memo
        made = [c for c in calls if c.returned]
        outcomes = [student_outcome(c) for c in made]
        agreeing = [agrees(s, self.reference(name, c.args, memo.digest(c)))
                    for s, c in zip(outcomes, made)]
        if all(agreeing):
            return None
        if any(s.raised is None and s.numbers is None for s in outcomes):
            return Finding(name, Verdict.OWN)  # None, a list...: no mutant returns one
        order = sorted(range(len(made)), key=lambda i: agreeing[i])  # the wrong calls first
        calls = [made[i] for i in order]
        student = [outcomes[i] for i in order]
        right = [agreeing[i] for i in order]
        plain = not callees_wrong if callees_wrong is not None else all(
            self.callees_right(c, memo) for c in calls)
        if plain and not say:
            return Finding(name, Verdict.OWN)
        singles = self.singles(name)
        equivalent = [m for m in singles if all(self._equivalent(m, c, memo) for c in calls)]
        if not plain:
            finding = self._through(name, equivalent, calls, student, memo)
            if finding is not None:
                return finding
        if not say:
            return Finding(name, Verdict.OWN)
        values = any(s.raised is None for s, ok in zip(student, right) if not ok)
        found = self._named([m for m in singles if m not in equivalent], calls, student,
                            memo, not plain, values)
        if found is None and values:  # (on errors alone, pairs would only guess more)
            kept = {m.source for m in equivalent}
            found = self._named([p for p in self.pairs(name) if not set(p.parts) & kept],
                                calls, student, memo, not plain, values)
        return Finding(name, Verdict.OWN, found or "")

    def _through(self, name: str, equivalent: list[mutants.Mutant], calls: list[GradedCall],
                 student: list[Outcome], memo: Memo) -> Finding | None:
        """A THROUGH or STOPPED Finding where the solution (or an equivalent rewrite) with
        the student's callees gives what the student's function gave; else None."""
        for function in [self.solution.reference(name)] + [m.compiled for m in equivalent]:
            outcomes = [self.composed(function, c, memo) for c in calls]
            if not all(agrees(s, o) for s, o in zip(student, outcomes)):
                continue
            if not any(o.stopped for o in outcomes):
                return Finding(name, Verdict.THROUGH)
            raisers = {r.name for c, s in zip(calls, student) for r in memo.records(c)
                       if s.raised is not None and r.outcome is not None
                       and r.outcome.raised == s.raised}
            return Finding(name, Verdict.STOPPED, stopped_at=sorted(raisers))
        return None

    def _named(self, candidates: list[mutants.Mutant], calls: list[GradedCall],
               student: list[Outcome], memo: Memo, composed: bool, values: bool) -> str | None:
        """What the candidate mutants that give what the student's function gave on every
        call say (the wrong calls are tried first, so most fail at once); None where none
        fits. ``composed``: run each with the student's callees answering (else every
        callee returned the solution's results, and results cached per input do). Several
        that fit are said together (parameters left out, in one sentence). Where only
        errors went wrong (``values`` False), an error and its message are weaker evidence:
        more than ``MAX_SAID`` different sentences say nothing."""
        def outcome(mutant: mutants.Mutant, call: GradedCall) -> Outcome:
            if composed:
                return self.composed(mutant.compiled, call, memo)
            return self.cached(mutant.compiled, call.args, memo.digest(call))
        fitting = [mutant for mutant in candidates
                   if all(agrees(s, outcome(mutant, c)) for s, c in zip(student, calls))]
        return said(fitting, values)


def said(fitting: list[mutants.Mutant], values: bool) -> str | None:
    """The sentence for the mutants that fit a student's results: None for none, or, on
    errors alone (not ``values``), for more than ``MAX_SAID`` different ones."""
    sentences = list(dict.fromkeys(m.sentence for m in fitting))
    left_out = [e.left_out for m in fitting for e in m.edits]
    if len(sentences) > 1 and all(left_out) and len(left_out) == len(fitting):
        return mutants.left_out_sentence(list(dict.fromkeys(left_out)))
    if not sentences or (len(sentences) > MAX_SAID and not values):
        return None
    if len(sentences) == 1:
        return sentences[0]
    return "What your function did fits each of these slips: " + " Or: ".join(sentences[:MAX_SAID])


def _rebound(function: types.FunctionType, namespace: dict[str, object]) -> types.FunctionType:
    """``function`` with ``namespace`` as its globals (the graded names it calls resolved
    there)."""
    return types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)


def _answered(name: str, found: list[Record], otherwise: Function) -> Function:
    """A stand-in for graded function ``name`` that returns what the student's returned on
    the same inputs (or raises its error again), else calls ``otherwise``."""
    mine = [r for r in found if r.name == name]

    def answer(*args: object) -> object:
        for record in mine:
            if record.args is not None and _same_args(record.args, args) \
                    and record.outcome is not None:
                if record.outcome.raised is not None:
                    raise Recorded(record.outcome.raised)
                return _copy(record.outcome.value)
        return otherwise(*args)
    return answer


# ------------------------------------------------------------------ per submission
_diagnosers: dict[str, Diagnoser] = {}


def diagnoser_for(autograder: "Autograder") -> Diagnoser | None:
    """The Diagnoser of ``autograder``'s solution (one per solution, kept), or None for a
    zip without one."""
    if not autograder.solution:
        return None
    key = hashlib.sha256(autograder.solution.encode()).hexdigest()
    if key not in _diagnosers:
        _diagnosers[key] = Diagnoser(autograder.solution, autograder.graded_functions)
    return _diagnosers[key]
