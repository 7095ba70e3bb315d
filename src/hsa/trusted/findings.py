"""A graded result's findings: the diagnosis of each function that went wrong, said in its
hints.

:mod:`.diagnosis` finds, from a submission's recorded calls, whether each function that
went wrong is wrong on its own (and names the mistake where a mutant of the solution
explains it) or only through what the functions it calls returned. This module runs it
twice per submission, on every check's calls and on the public checks' calls alone (what
a student may read before grades are published depends on nothing hidden), records the
findings on the result, and says each named mistake in the hints of the checks it cost.

A hint is written by the master's checks as blocks: a line that begins with a graded
function's name says what that function did ("formula_1 returned the right shape but
wrong values."), and the lines after it, up to the next such line, are the advice. A
named mistake replaces that advice, unless the check named the mistake itself
(``HintKind.NAMED``) or a property the result breaks (``HintKind.PROPERTY``): those
words stay, as the student read them before submitting. Wording only: no score changes
here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..outcomes import HintKind, Verdict
from ..sandbox.session import GradedCall
from .diagnosis import Diagnoser, Memo, diagnoser_for
from .result import Result, TestResult

if TYPE_CHECKING:
    from .autograder import Autograder

Tested = list[tuple[TestResult, list[GradedCall]]]  # each check, and the graded calls it made


def add_findings(result: Result, tested: Tested, autograder: Autograder) -> None:
    """Diagnose ``result``'s failed checks; ``tested`` pairs each TestResult with the
    graded calls it made (:class:`hsa.sandbox.session.GradedCall`). Wording only: where
    the diagnosis itself fails, the grade stands with the checks' own hints, and a warning
    says so (the grader's fault is never the student's)."""
    diagnoser = diagnoser_for(autograder)
    if diagnoser is None or all(test.passed for test, _calls in tested):
        return
    hints = [test.hint for test in result.tests]
    try:
        _diagnose(result, tested, diagnoser)
    except Exception as error:  # a bug here must not cost a grade: wording only
        result.findings = []
        for test, hint in zip(result.tests, hints):
            test.hint = hint
        warnings.warn(f"hsa: the diagnosis of {result.submission} failed ({error!r}); its "
                      "feedback keeps the checks' own hints", RuntimeWarning, stacklevel=2)


def _diagnose(result: Result, tested: Tested, diagnoser: Diagnoser) -> None:
    names, memo = list(diagnoser.solution.graded), Memo()
    for public in (False, True):
        scope = [(test, calls) for test, calls in tested if not (public and test.hidden)]
        by_name: dict[str, list[GradedCall]] = {}
        for _test, calls in scope:
            for call in calls:
                by_name.setdefault(call.name, []).append(call)
        wrong = {name for name in names if diagnoser.went_wrong(name, by_name.get(name, ()), memo)}
        for name in _went_wrong(scope, names):
            finding = diagnoser.diagnose(name, by_name.get(name, []), memo,
                                         callees_wrong=bool(diagnoser.solution.calls(name) & wrong),
                                         say=_unsaid(scope, name))
            if finding is not None:
                finding.public = public
                result.findings.append(finding)
    say_findings(result, names)


def _unsaid(scope: Tested, name: str) -> bool:
    """Does a failed check of ``scope`` about ``name`` leave its mistake unsaid (its hint
    neither names the mistake, nor a property, nor a placeholder left in)? Only then is a
    sentence looked for: the verdict alone serves the rest."""
    return any(not test.passed and name in (test.question, *test.calls)
               and test.kind not in (HintKind.NAMED, HintKind.PROPERTY, HintKind.NOT_ATTEMPTED)
               for test, _calls in scope)


def _went_wrong(scope: Tested, names: list[str]) -> list[str]:
    """The graded functions a failed check of ``scope`` called, in question order."""
    involved = {name for test, _calls in scope if not test.passed
                for name in [test.question, *test.calls]}
    return [name for name in names if name in involved]


def say_findings(result: Result, names: list[str]) -> None:
    """Put each named mistake in the hints of the failed checks that show its function."""
    named = _named_advice(result.tests)
    for test in result.tests:
        if test.passed:
            continue
        for finding in result.findings:
            if finding.public == (not test.hidden) and finding.verdict is Verdict.OWN \
                    and finding.sentence:
                test.hint = rewrite(test.hint, finding.function, finding.sentence, names,
                                    named.get(finding.function, set()))


def _named_advice(tests: list[TestResult]) -> dict[str, set[str]]:
    """Per function, the advice lines of checks that named its mistake, or a property its
    result breaks, themselves."""
    named: dict[str, set[str]] = {}
    for test in tests:
        if test.kind in (HintKind.NAMED, HintKind.PROPERTY) and not test.passed:
            named.setdefault(test.question, set()).update(test.hint.splitlines()[1:])
    return named


def rewrite(hint: str, function: str, sentence: str, names: list[str],
            keep: Iterable[str] = frozenset()) -> str:
    """``hint`` with the advice of each block about ``function`` replaced by ``sentence``
    (a block whose advice holds a line of ``keep`` stays as it is; a one-line block has
    no advice to replace)."""
    lines, out, index = hint.split("\n"), [], 0
    while index < len(lines):
        line = lines[index]
        end = index + 1
        while end < len(lines) and _owner(lines[end], names) is None:
            end += 1
        advice = lines[index + 1:end]
        out.append(line)
        if _owner(line, names) == function and advice and not set(advice) & set(keep):
            out.append(sentence)
        else:
            out += advice
        index = end
    return "\n".join(out)


def _owner(line: str, names: list[str]) -> str | None:
    """The graded function a hint's line is about, if it begins with one's name."""
    return next((name for name in names if line.startswith(name + " ")), None)
