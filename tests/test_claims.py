"""No false hint: every claim the feedback makes about a catalogued mistake is checked against
that submission.

A hint may claim something of the student's code ("`*` multiplies element by element", "a
global kept between calls"), of their results (a named slip: "your results are what this
mutant gives"; "the first difference is entry [0, 0]: 4.5397868702434395e-05"), or of what a
fix would do ("fixing X alone could bring back N points"). Each is checked here the way a
person would: the code is read (ast), the public example is run on the student's function in
this test process, and the fix is made and graded again (the culprit replaced by the master's
own cell, the student's function by the named mutant).
"""

import ast
import re

import nbformat
import numpy as np
import pytest

from conftest import SEED
from hsa.trusted import mutants
from hsa.trusted.diagnosis import diagnoser_for
from hsa.writers.feedback import feedback_md
from hsa.writers.graded import Graded
from hsa_dev.catalogue import load_cases
from hsa_dev.variants import MASTER, function_cell_index, graded_functions, split_source, variant

pytestmark = pytest.mark.sandbox

CASES = [c for c in load_cases() if c.kind in ("mistakes", "cascades")]
ALONE = re.compile(r"Fixing `(\w+)` alone could bring back (at least )?(\d+) points?")
FIRST_DIFFERENCE = re.compile(r'public_example\("(\w+)"(?:, column=(\d))?\).*? First difference: '
                              r"entry \[([\d, ]+)\] is (\S+), expected (\S+) \(off by (\S+)\)\.")


@pytest.fixture(scope="module")
def graded(autograder, isolation):
    """Every mistake and cascade of the catalogue, graded once: {name: (case, result)}."""
    from hsa_dev.catalogue import grade_cases
    return {case.name: (case, result) for case, result, _ok, _detail
            in grade_cases(CASES, SEED, autograder, isolation)}


def definition(source, name):
    """The student's definition of ``name`` in a case's source (the last one), or None."""
    found = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name]
    return found[-1] if found else None


def code_has(source, name, *kinds):
    """Does the student's ``name`` hold a node of one of ``kinds`` (an ast class, an
    operator class, or the name of a function it calls)?"""
    node = definition(source, name)
    return node is not None and any(
        isinstance(n, tuple(k for k in kinds if isinstance(k, type))) or (
            isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, tuple(
                k for k in kinds if isinstance(k, type))))
        or (isinstance(n, ast.Call) and getattr(n.func, "attr", getattr(n.func, "id", None))
            in kinds) for n in ast.walk(node))


def blocks(result, function):
    """(test, the lines of its hint's blocks about ``function``) for the failed tests."""
    for test in result.tests:
        lines, mine = test.hint.splitlines(), False
        for line in lines:
            if re.match(r"\w+ ", line) and line.split(" ", 1)[0] in result.questions:
                mine = line.startswith(function + " ")
            if mine:
                yield test, line


def regrade(grade, tmp_path, case, replace):
    """The case with some functions' cells replaced, graded again."""
    names = graded_functions(nbformat.read(MASTER, as_version=4))
    cells, extra = split_source(case.source, names)
    cells.update(replace)
    return grade(variant(tmp_path / f"{case.name}-fixed.ipynb", replace=cells, append=extra))


def master_cell(name):
    notebook = nbformat.read(MASTER, as_version=4)
    return notebook.cells[function_cell_index(notebook, name)].source


CODE_CLAIMS = [  # (words of a hint, what the code of the function it is about must hold)
    ("is written for `np.exp", (ast.Pow,)),
    ("keeps a value from one call to the next", (ast.Global, ast.Nonlocal)),
    ("is added in place", (ast.AugAssign, "add")),
    ("np.zeros_like(z) (and empty_like, ones_like", ("zeros_like", "empty_like", "ones_like",
                                                     "full_like")),
]


@pytest.mark.parametrize("words, kinds", CODE_CLAIMS, ids=[c[0] for c in CODE_CLAIMS])
def test_a_claim_about_the_code_is_made_only_where_the_code_holds_it(graded, words, kinds):
    said = 0
    for name, (case, result) in graded.items():
        for function in result.questions:
            for _test, line in blocks(result, function):
                if words in line:
                    said += 1
                    assert code_has(case.source, function, *kinds), f"{name}: {function}: {line}"
    assert said, f"no catalogued mistake gets {words!r}: the check above checks nothing"


def test_the_star_hint_never_reaches_code_without_a_star(graded):
    """The issue's case: h_t_prev + x_t raises numpy's broadcasting error, in code with
    no `*` at all."""
    case, result = graded["join_state_and_input_added"]
    assert not code_has(case.source, "join_state_and_input", ast.Mult)
    assert "`*` multiplies" not in feedback_md(Graded.of(result))


def test_a_shown_first_difference_is_what_the_students_function_returns(graded, autograder):
    """Run the student's function on the public example the hint names (here, in the test):
    the entry, its value at full precision and the difference are what it returns."""
    public = autograder.check_modules["public_checks"]
    checked = 0
    for name, (case, result) in graded.items():
        for test in result.tests:
            for function, column, where, value, expected, off in FIRST_DIFFERENCE.findall(test.hint):
                env = {}
                exec(autograder.solution + "\n" + case.source, env)  # test code: the student's
                args, want = public.public_example(function, None if column == "" else int(column))
                got = np.asarray(env[function](*args))
                index = tuple(int(i) for i in where.split(","))
                assert repr(got[index].item()) == value and repr(want[index].item()) == expected
                assert off == f"{abs(float(value) - float(expected)):.3g}", name
                checked += 1
    assert checked >= 10


def test_fixing_a_cause_alone_brings_back_what_the_feedback_promises(graded, grade, tmp_path):
    """"Fixing X alone could bring back N points": replace X by the master's own cell and
    grade again; the score goes up by N ("at least N" where a function that only raised X's
    error is named: its own code is checked only then)."""
    promised = 0
    for name, (case, result) in graded.items():
        for culprit, at_least, points in ALONE.findall(feedback_md(Graded.of(result))):
            fixed = regrade(grade, tmp_path, case, {culprit: master_cell(culprit)})
            gained = fixed.score - result.score
            assert gained >= int(points) if at_least else gained == int(points), \
                f"{name}: fixing {culprit} brought back {gained:g}, not {points}"
            promised += 1
    assert promised >= 5


def test_a_named_slip_gives_what_the_students_function_gave(graded, grade, tmp_path, autograder):
    """Where a hint names a slip the master's mutants make, put that mutant in place of the
    student's function and grade again: its question's checks pass and fail as the
    student's did."""
    diagnoser = diagnoser_for(autograder)
    named = 0
    for name, (case, result) in graded.items():
        for finding in (f for f in result.findings if f.sentence and not f.public):
            mutant = _mutant(diagnoser, finding)
            if mutant is None:
                continue
            again = regrade(grade, tmp_path, case, {finding.function: mutant.source})
            outcome = [(t.name, t.passed) for t in result.tests if t.question == finding.function]
            assert outcome == [(t.name, t.passed) for t in again.tests
                               if t.question == finding.function], f"{name}: {finding.sentence}"
            named += 1
    assert named >= 10


def _mutant(diagnoser, finding):
    """The mutant a finding's sentence names (its first, where several fit)."""
    first = finding.sentence.removeprefix("What your function did fits each of these slips: ")
    first = first.split(" Or: ")[0]
    candidates = diagnoser.singles(finding.function) + diagnoser.pairs(finding.function)
    for mutant in candidates:
        left_out = [e.left_out for e in mutant.edits]
        if mutant.sentence == first or (all(left_out) and first.startswith(
                mutants.left_out_sentence(left_out).split(" is left out")[0])):
            return mutant
    return None


def test_stopped_functions_raised_the_error_of_the_function_named(graded):
    checked = 0
    for name, (_case, result) in graded.items():
        for finding in (f for f in result.findings if f.stopped_at and not f.public):
            errors = {re.search(r"raised (\w+)", line).group(1)
                      for culprit in finding.stopped_at for _t, line in blocks(result, culprit)
                      if re.search(r"raised (\w+)", line)}
            mine = {re.search(r"raised (\w+)", line).group(1)
                    for _t, line in blocks(result, finding.function)
                    if re.search(r"raised (\w+)", line)}
            assert mine <= errors, f"{name}: {finding.function} raised {mine}, its callees {errors}"
            checked += 1
    assert checked >= 3


def test_the_same_advice_is_said_once_per_function(graded):
    """In each function's section, no line of advice is said twice (several checks that
    found the same mistake give one bullet, or their own observations and one advice)."""
    for name, (_case, result) in graded.items():
        for section in feedback_md(Graded.of(result)).split("\n### ")[1:]:
            body = section.split("\n## ")[0].splitlines()[1:]
            advice = [line for line in body if line.strip() and not line.startswith(("- ", "**"))]
            assert len(advice) == len(set(advice)), f"{name}: {section.splitlines()[0]}"
