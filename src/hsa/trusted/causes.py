"""Root causes: whose mistake cost each lost point.

A student's functions call each other: ``formula_1`` calls ``join_weights``,
``hidden_state`` calls ``formula_1`` and ``sigmoid``, and some checks compare two
functions (``formula_2``'s "formulas agree" check calls ``formula_1`` too). So
one wrong ``join_weights`` fails the tests of right functions as well. This
module traces every failed test to the function whose mistake it shows, from
each test's :attr:`~hsa.trusted.result.TestResult.calls` (what the test called:
the grader's own stand-ins saw it) and
:attr:`~hsa.trusted.result.TestResult.reached` (what those calls went through:
the sandbox reports it, see :class:`hsa.untrusted.worker.Reach`).

The rules, for the failed tests:

* A graded function is *broken* when a test that calls it alone fails, and
  *wrong on its own* (a root cause) when one of those failures reached no other
  broken function, or when the notebook never defined it.
* A failed test is lost *through* the root causes among the functions it called
  and reached, unless its own question's function is one of them: then the
  question lost it on its own. A failed test that involved no root cause is lost
  on its own too.

A function that has a mistake of its own *and* calls a wrong function fails the
same tests as a right one that calls it. The trusted diagnosis tells them apart
(:mod:`.diagnosis`, its verdicts in ``result.findings``): a function found wrong
on its own (``Verdict.OWN``) is a root cause too, and its checks are its own.

"Fixing X alone could bring back N points" counts a check lost through X only
where every other function it involved that went wrong was found right given
what X returned to it (``Verdict.THROUGH``): one that only raised X's error
(``Verdict.STOPPED``) has not been checked beyond it, so it is named instead.

The sandbox's report can be forged by the student's code, so what this module
works out shapes wording and counts only: every score stays the grader's.
Questions are named after the function they grade; a question's "own function"
is the graded function of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..outcomes import Verdict
from .result import Finding, Result, TestResult


@dataclass
class Loss:
    """One failed test, and what cost it."""

    question: str
    test: str
    points: float  # what the test was worth (0 for a public check)
    hint: str
    roots: tuple[str, ...] = ()  # the root causes it was lost through; () when lost on its own
    # root -> the functions the test called that are that root or reached it
    via: dict[str, tuple[str, ...]] = field(default_factory=dict)
    checked: bool = False  # every other function it involved that went wrong was found
    #                        right given what the roots returned to it

    @property
    def own(self) -> bool:
        return not self.roots


@dataclass
class QuestionCauses:
    """How a question's lost points split between its own mistakes and its dependencies'."""

    question: str
    own: float = 0.0  # points lost on its own mistakes
    dependency: float = 0.0  # points lost through another function's mistake (each test once)
    through: dict[str, float] = field(default_factory=dict)  # root -> points lost through it


@dataclass
class Cascade:
    """What one root cause cost the other questions."""

    root: str
    own: float = 0.0  # the points the root's own question lost on its own
    # question -> points lost through the root by questions whose function calls it
    callers: dict[str, float] = field(default_factory=dict)
    # question -> points lost in checks that use other functions (``via``) that call it
    users: dict[str, float] = field(default_factory=dict)
    # question in users -> the functions it used
    via: dict[str, tuple[str, ...]] = field(default_factory=dict)
    alone: float = 0.0  # points lost through this root and no other, where that was checked
    stopped: list[str] = field(default_factory=list)  # functions that only raised the root's error


@dataclass
class Causes:
    roots: list[str]  # functions wrong on their own, in question order
    losses: list[Loss]  # a Loss per failed test, in the result's order
    questions: dict[str, QuestionCauses]  # question -> QuestionCauses, for every question
    cascades: dict[str, Cascade]  # root -> Cascade, for the roots that cost other questions points or checks

    def losses_of(self, question: str) -> list[Loss]:
        return [loss for loss in self.losses if loss.question == question]


def analyse(result: Result, public_only: bool = False) -> Causes:
    """The root causes of ``result``'s failed tests.

    ``public_only``: look at the public checks only (what a student may read before the
    grades are published), so that nothing here depends on a hidden test.
    """
    tests = [t for t in result.tests if not (public_only and t.hidden)]
    failed = [t for t in tests if not t.passed]
    order = _order(result, failed)
    findings = {f.function: f for f in result.findings if f.public == public_only}
    involved: set[str] = set().union(*map(_involved, failed)) if failed else set()
    roots = _roots(failed, set(result.undefined)) | {
        name for name, f in findings.items() if f.verdict is Verdict.OWN and name in involved}
    broken = _broken(failed)
    losses = [_loss(t, sorted(roots, key=order.index), broken, findings) for t in failed]
    questions = {q: QuestionCauses(q) for q in result.questions}
    for loss in losses:
        causes = questions.setdefault(loss.question, QuestionCauses(loss.question))
        if loss.own:
            causes.own += loss.points
        else:
            causes.dependency += loss.points
            for root in loss.roots:
                _add(causes.through, root, loss.points)
    return Causes(sorted(roots, key=order.index), losses, questions,
                  _cascades(losses, roots, order, findings))


@dataclass(frozen=True)
class Traced:
    """A result's causes, traced once and handed to every writer: from all its checks
    (``full``) and from its public checks alone (``public``: what a student may read
    before the grades are published)."""

    full: Causes
    public: Causes

    def of(self, public_only: bool) -> Causes:
        return self.public if public_only else self.full

    def split(self) -> dict[str, tuple[float, float]]:
        """``{question: (points lost on its own, points lost through a dependency)}``, for
        the gradebook and the report (an instructor sees which function really trips
        students)."""
        return {q: (c.own, c.dependency) for q, c in self.full.questions.items()}


def trace(result: Result) -> Traced:
    """Trace ``result``'s causes once, for every writer."""
    return Traced(analyse(result), analyse(result, public_only=True))


# ------------------------------------------------------------------ the rules
def _through(test: TestResult) -> set[str]:
    """The graded functions the test's calls reached, besides those it called."""
    return {name for names in test.reached.values() for name in names}


def _involved(test: TestResult) -> set[str]:
    return set(test.calls) | _through(test)


def _alone(test: TestResult) -> str | None:
    """The function a test calls alone, else None."""
    return test.calls[0] if len(set(test.calls)) == 1 else None


def _broken(failed: list[TestResult]) -> set[str]:
    """The functions that failed a test calling them alone."""
    return {name for name in map(_alone, failed) if name is not None}


def _roots(failed: list[TestResult], undefined: set[str]) -> set[str]:
    """The functions wrong on their own (see the module's docstring)."""
    broken = _broken(failed)
    roots = {f for f in broken if f in undefined
             or any(_alone(t) == f and not (_through(t) & broken) - {f} for t in failed)}
    # Functions that only fail through each other (a cycle) are each wrong on their own.
    stranded = {f for f in broken - roots
                if any(_alone(t) == f and not _involved(t) & roots for t in failed)}
    return roots | stranded


def _loss(test: TestResult, roots: list[str], broken: set[str],
          findings: Mapping[str, Finding]) -> Loss:
    """What cost ``test`` (failed), given the root causes (in section order), the functions
    that failed a check of their own (``broken``) and the diagnosis' findings."""
    involved = [root for root in roots if root in _involved(test)]
    if not involved or test.question in involved:
        return Loss(test.question, test.name, test.max_score, test.hint)
    via = {root: tuple(c for c in test.calls if c == root or root in test.reached.get(c, ()))
           for root in involved}
    others = (_involved(test) - set(involved)) & broken
    checked = all(name in findings and findings[name].verdict is Verdict.THROUGH
                  for name in others)
    return Loss(test.question, test.name, test.max_score, test.hint, tuple(via), via, checked)


def _order(result: Result, failed: list[TestResult]) -> list[str]:
    """Question order, then any other function by name: the order sections appear in."""
    names = list(result.questions)
    others = sorted({n for t in failed for n in _involved(t)} - set(names))
    return names + others


def _cascades(losses: list[Loss], roots: set[str], order: list[str],
              findings: Mapping[str, Finding]) -> dict[str, Cascade]:
    cascades: dict[str, Cascade] = {}
    for loss in losses:
        if loss.own and loss.question in roots:
            cascades.setdefault(loss.question, Cascade(loss.question)).own += loss.points
    for loss in (each for each in losses if not each.own):
        for root in loss.roots:
            cascade = cascades.setdefault(root, Cascade(root))
            cascade.alone += loss.points if loss.roots == (root,) and loss.checked else 0.0
            cascade.stopped += [v for v in loss.via[root] if v not in cascade.stopped
                                and _stopped_by(v, root, findings)]
            if loss.question in loss.via[root]:
                _add(cascade.callers, loss.question, loss.points)
            else:
                _add(cascade.users, loss.question, loss.points)
                known = cascade.via.get(loss.question, ())
                cascade.via[loss.question] = known + tuple(
                    v for v in loss.via[root] if v not in known)
    kept = {root: c for root, c in cascades.items() if c.callers or c.users}
    for cascade in kept.values():  # users that also call the root count as callers
        for question in [q for q in cascade.users if q in cascade.callers]:
            cascade.callers[question] += cascade.users.pop(question)
            cascade.via.pop(question, None)
    return {root: kept[root] for root in sorted(kept, key=order.index)}


def _stopped_by(name: str, root: str, findings: Mapping[str, Finding],
               seen: tuple[str, ...] = ()) -> bool:
    """Did ``name`` stop at an error that comes from ``root``: one ``root`` raised, or one
    that a function right given ``root`` (or itself stopped by it) raised?"""
    finding = findings.get(name)
    if finding is None or finding.verdict is not Verdict.STOPPED or name in seen:
        return False
    return any(callee == root or (callee in findings and (
        findings[callee].verdict is Verdict.THROUGH
        or _stopped_by(callee, root, findings, (*seen, name)))) for callee in finding.stopped_at)


def _add(totals: dict[str, float], key: str, points: float) -> None:
    totals[key] = totals.get(key, 0.0) + points
