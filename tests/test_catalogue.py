"""The hidden tests are right: every known mistake loses points with a hint that
names it, every valid alternative gets full marks, hints reveal no hidden
input, and the grading seed alone decides the hidden inputs. The public checks
catch most mistakes before submission, with the same hints, and their expected
results are the reference solution's."""

import re
import sys
import types

import numpy as np
import pytest

from conftest import SEED, TOTAL, on_disk
from hsa.project import SOLUTIONS
from hsa_dev import catalogue
from hsa_dev.catalogue import (PUBLIC_MISSED, PUBLIC_NAMED, Case, grade_cases, judge_public,
                               load_cases)
from hsa_dev.variants import variant

CASES = load_cases()
MISTAKES = [c for c in CASES if c.kind == "mistakes"]
ALTERNATIVES = [c for c in CASES if c.kind == "alternatives"]
CASCADES = [c for c in CASES if c.kind == "cascades"]
OTHER_SEED = SEED + 1
# The only concrete shape a hidden hint may show: the one the student's function returned.
OWN_SHAPE = re.compile(r"returned a numpy array of shape \(\d+(?:, \d+)*,?\)")
# The only other numbers: what the student's sigmoid returned on the fixed public probe
# (public_checks.SIGMOID_PROBE, -2 to 2), and the sigmoid's own values at 0 and 1.
# numpy's names of types hold digits too ("Cannot cast ... dtype('float64') to dtype('int64')").
DTYPE_NAMES = re.compile(r"\b(?:u?int|float|complex)(?:8|16|32|64|128)\b")
PROBE_NUMBERS = re.compile(r"sigmoid\(-?\d\)(?: \+ sigmoid\(-?\d\))? (?:returned|is) [-+\w.]+"
                           r"|the sigmoid of 0 is 0\.5|1 / \(1 \+ e\^-1\) = 0\.7311")

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def graded(autograder, isolation):
    """Every case graded under two seeds: {seed: {name: (case, result, ok, detail)}}."""
    return {seed: {row[0].name: row for row in grade_cases(CASES, seed, autograder, isolation)}
            for seed in (SEED, OTHER_SEED)}


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in MISTAKES])
def test_mistake_is_caught_on_its_question_with_its_hint(graded, name, seed):
    case, result, ok, detail = graded[seed][name]
    score, possible = result.questions[case.question]
    assert score < possible, f"{name}: lost no points on {case.question}"
    assert ok, f"{name}: {detail}"


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
def test_public_checks_catch_mistakes_before_submission_with_the_same_hints(graded, seed):
    """Every mistake fails a public (0-point) check, each with the hint the hidden tests
    give; the hidden tests still catch every one and decide the grade."""
    verdicts = {name: judge_public(case, result) for name, (case, result, _ok, _detail)
                in graded[seed].items() if case.kind == "mistakes"}
    caught = [name for name, verdict in verdicts.items() if verdict != PUBLIC_MISSED]
    assert len(verdicts) == on_disk("mistakes")
    assert len(caught) == on_disk("mistakes"), f"caught before submission: {len(caught)}/{len(verdicts)}"
    assert [n for n in caught if verdicts[n] != PUBLIC_NAMED] == [], "public hint differs"
    assert all(graded[seed][name][2] for name in verdicts)
    for _case, result, _ok, _detail in graded[seed].values():
        assert all(t.max_score == 0 for t in result.tests if not t.hidden)


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
def test_every_lost_point_carries_a_named_hint(graded, autograder, seed):
    """Every point a catalogued mistake or cascade loses carries a hint that names what is
    wrong (or the root cause it was lost through), never only generic advice."""
    is_generic = autograder.check_modules["public_checks"].is_generic
    lost = {name: catalogue.named_losses(result, is_generic)
            for name, (case, result, _ok, _detail) in graded[seed].items()
            if case.kind != "alternatives"}
    assert all(points > 0 for _named, points in lost.values())
    generic = {name: [t.hint for t in graded[seed][name][1].tests if t.hint and is_generic(t.hint)]
               for name, (named, points) in lost.items() if named != points}
    assert generic == {}


@pytest.mark.parametrize("case, wrong, right, result", [
    ("formula_1_mixed_order", "formula_1", "(formula_2 ", "so the two do not agree"),
    ("formula_2_missing_term", "formula_2", "(formula_1 ", "so the two do not agree"),
])
def test_a_failed_comparison_names_the_wrong_side(graded, case, wrong, right, result):
    """formula_2's comparison of the two formulas says which function is wrong, that the
    comparison cost the point, and then that function's own hint."""
    hints = [t.hint for t in graded[SEED][case][1].tests if t.hint.startswith("This test compares")]
    assert len(hints) == 1, f"{case}: {hints}"
    for hint in hints:
        first, own = hint.splitlines()[:2]
        assert f": {wrong} disagrees with the reference result {right}" in first, hint
        assert result in first and "cost this point" in first, hint
        assert first.endswith(f"Fix {wrong}:") and own.startswith(wrong), hint


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in ALTERNATIVES])
def test_valid_alternative_gets_full_marks(graded, name, seed):
    _case, result, ok, detail = graded[seed][name]
    assert result.score == result.max_score == TOTAL and ok, f"{name}: {detail}"


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in CASCADES])
def test_cascade_is_traced_to_its_root_and_said_once(graded, name, seed):
    """A wrong function used by right ones: the feedback names the root cause once and
    points each dependent there, and the score is the one graded before causes were
    traced (the case's ``# score:``)."""
    case, result, ok, detail = graded[seed][name]
    assert "score" in case.meta and ok, f"{name}: {detail}"


def visible_text(hint):
    """The hint without the student's own returned shape, nor their sigmoid's results on
    the public probe."""
    hint = OWN_SHAPE.sub("returned a numpy array of shape <own>", hint)
    hint = DTYPE_NAMES.sub("<dtype>", hint)
    return PROBE_NUMBERS.sub("sigmoid(<probe>) returned <own>", hint)


@pytest.mark.parametrize("name", [c.name for c in MISTAKES])
def test_hidden_hints_reveal_no_hidden_input(graded, name):
    """Other seeds draw other sizes and values: a hint that showed any of them would
    change with the seed. Beyond the student's own shape, a hidden hint is the same
    text under both seeds, and holds no multi-digit or decimal number."""
    hints = {seed: [(t.name, visible_text(t.hint)) for t in graded[seed][name][1].tests
                    if t.hidden and t.hint] for seed in graded}
    assert hints[SEED], f"{name}: no hidden test failed"
    assert hints[SEED] == hints[OTHER_SEED]
    for _test, hint in hints[SEED]:
        assert not re.search(r"\d\.\d|\d\d", hint), hint


def test_seed_alone_decides_the_hidden_inputs(autograder):
    checks = autograder.check_modules["hidden_checks"]
    draws = {}
    for seed in (SEED, SEED, OTHER_SEED):
        checks.set_seed(seed)
        draws.setdefault(seed, []).append(checks.draw_problem("formula_1/m=0/int=False", 3))
    (first, again), (other,) = draws[SEED], draws[OTHER_SEED]
    assert len(first) == len(again) == len(other) > 0, "draw_problem drew no arrays"
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not any(a.shape == b.shape and np.allclose(a, b) for a, b in zip(first, other))


PARTLY_RIGHT = '''import numpy as np


def join_state_and_input(h_t_prev, x_t):
    # right for batches of at most 3 examples, so its grade depends on the hidden inputs
    return np.vstack((h_t_prev, x_t)) if h_t_prev.shape[1] <= 3 else np.vstack((x_t, h_t_prev))
'''


def test_same_seed_same_grade_other_seeds_other_inputs(grade, tmp_path):
    path = variant(tmp_path / "partly_right.ipynb", source=PARTLY_RIGHT)

    def outcome(seed):
        result = grade(path, seed=seed)
        return result.score, [(t.name, t.score, t.hint) for t in result.tests]

    first = outcome(SEED)
    assert outcome(SEED) == first
    scores = {outcome(seed)[0] for seed in range(1, 7)} | {first[0]}
    assert len(scores) > 1, "the hidden inputs never changed with the seed"


REVERSED_ROWS = """import numpy as np


def formula_1(w_hh, w_hx, h_t_prev, x_t):
    # reverses the rows of [h; x]: wrong, but it breaks none of the properties checked
    return np.matmul(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t)[::-1])
"""


def test_command_exit_code(monkeypatch, capsys):
    """Exit 1 on a missed mistake, and on a lost point whose hint is generic advice only."""
    right = Case("master", "alternatives", "x = 1\n")
    caught = next(c for c in MISTAKES if c.name == "sigmoid_tanh")
    missed = Case("master_as_mistake", "mistakes", "x = 1\n", {"question": "sigmoid", "hint": "np"})
    generic = Case("reversed_rows", "mistakes", REVERSED_ROWS,
                   {"question": "formula_1", "hint": "Check the formula against the lecture"})
    for cases, code in (([caught, right], 0), ([caught, missed, right], 1),
                        ([caught, generic, right], 1)):
        monkeypatch.setattr(catalogue, "load_cases", lambda cases=cases: cases)
        assert catalogue.main(types.SimpleNamespace(seed=SEED)) == code
    out = capsys.readouterr().out
    assert "caught by the hidden tests 1/1" in out and "caught by the hidden tests 1/2" in out
    assert "caught by the hidden tests 2/2" in out
    assert "caught before submission (public checks) 1/1" in out
    assert "caught before submission (public checks) 1/2" in out
    assert "valid alternatives accepted 1/1" in out
    # sigmoid_tanh: 3 points on sigmoid, 3 on hidden_state through it; reversed_rows: 2 on
    # formula_1 with generic advice, 4 elsewhere through formula_1.
    assert "lost points with a hint that names what is wrong 6/6 (generic advice only: 0)" in out
    assert "lost points with a hint that names what is wrong 10/12 (generic advice only: 2)" in out


# ------------------------------------------------------------ the public checks' numbers
def test_public_examples_hold_the_reference_results(autograder):
    """The numbers written into public_checks.py are what the reference solution and each
    named mistake give; every mistake the hidden tests name has its number there."""
    public, hidden = (autograder.check_modules[n] for n in ("public_checks", "hidden_checks"))
    for function, example in public.EXAMPLES.items():
        args = [a.copy() for a in example.args]
        assert public.close(example.expected, hidden.REFERENCES[function](*args)), function
        named = {name: wrong for owner, name, wrong in hidden.MISTAKES if owner == function}
        assert set(example.mistakes) == set(named), function
        for name, wrong in named.items():
            assert public.close(example.mistakes[name], wrong(*[a.copy() for a in args])), name
            assert not public.close(example.mistakes[name], example.expected), name
            assert name in public.HINTS
        if function in public.COLUMNS:
            h, x = (example.args[i] for i in public.COLUMNS[function])
            assert h.shape[1] > 1 and h.shape[0] != x.shape[0], "m > 1 and n_h != n_x"
    lecture = public.lecture_data()
    for function, result in public.LECTURE_RESULTS.items():
        args = {"join_weights": lecture[:2], "join_state_and_input": lecture[2:],
                "hidden_state": (*lecture, np.zeros((3, 1)))}.get(function, lecture)
        assert np.array_equal(result, hidden.REFERENCES[function](*args)), function
    number, expected = public.SIGMOID_OF_NUMBER
    assert public.close(expected, hidden.ref_sigmoid(number))
    extremes = public.SIGMOID_EXTREMES
    assert public.close(extremes.expected, hidden.ref_sigmoid(extremes.args[0]))


def test_public_checks_ship_numbers_not_the_solution():
    source = (SOLUTIONS / "public_checks.py").read_text()
    assert "def ref_" not in source and "REFERENCES" not in source
    for call in ("np.concatenate((w_hh", "np.hstack((w_hh", "np.matmul(w_hh", "w_hh @ h"):
        assert call not in source, call


# ------------------------------------------------------------ masking
def numpy_error(*arrays, axis):
    try:
        np.concatenate(arrays, axis=axis)
    except ValueError as error:
        return str(error)
    raise AssertionError("no error")


def test_masking_keeps_numpys_axes_and_indices_and_hides_sizes_and_values(autograder):
    public = autograder.check_modules["public_checks"]
    args = (np.ones((4, 6)), np.ones((7, 6)))
    text = numpy_error(*args, axis=1)
    masked = public.mask_hidden(text, args)
    assert "along dimension 0, the array at index 0 has size … and the array at index 1 " \
           "has size …" in masked, masked
    assert not re.search(r"[4-7]", masked)
    out_of_bounds = "index 4 is out of bounds for axis 0 with size 4"
    assert public.mask_hidden(out_of_bounds, (np.ones((4, 1)),)) == \
        "index … is out of bounds for axis 0 with size …"
    mixed = "got 0.734 and -12 in a 2-dimensional array of 12 items"
    assert public.mask_hidden(mixed, (np.ones((3, 4)),)) == \
        "got … and … in a 2-dimensional array of … items"
    integers = (np.array([[3, -8], [5, 2]]),)
    assert public.mask_hidden("value 8 (not 9), shape (2,1), at index 1", integers) == \
        "value … (not …), shape (…,1), at index 1"


# ------------------------------------------------------------ packages grading lacks
def notebook_function(source, name):
    """A function defined as a notebook cell defines it: in ``__main__``."""
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace[name]


def test_public_check_names_a_package_grading_lacks(autograder, monkeypatch):
    public = autograder.check_modules["public_checks"]
    outside = types.ModuleType("outside")  # a package grading lacks, such as scipy
    outside.special = types.ModuleType("outside.special")
    outside.special.expit = np.frompyfunc(lambda v: 1 / (1 + np.exp(-v)), 1, 1)  # no __module__
    monkeypatch.setitem(sys.modules, "outside", outside)
    monkeypatch.setitem(sys.modules, "outside.special", outside.special)
    uses = {
        "from outside.special import expit\n\ndef sigmoid(z):\n    return expit(z)\n",
        "def sigmoid(z):\n    import outside.special\n    return outside.special.expit(z)\n",
        "import outside as o\n\ndef helper(z):\n    return o.special.expit(z)\n\n"
        "def sigmoid(z):\n    return helper(z)\n",
    }
    for source in uses:
        sigmoid = notebook_function(source, "sigmoid")
        assert public.foreign_packages(sigmoid) == ["outside"], source
        with pytest.raises(AssertionError, match="Your code imports outside, which grading "
                           "does not have .*numpy's exp"):
            public.public_check("sigmoid", sigmoid)
    fine = notebook_function("import math\nimport numpy as np\n\ndef sigmoid(z):\n"
                             "    return 1 / (1 + np.exp(-z)) + 0 * math.pi\n", "sigmoid")
    assert public.foreign_packages(fine) == []
    public.public_check("sigmoid", fine)


def test_an_import_error_names_the_package(autograder):
    public = autograder.check_modules["public_checks"]

    def sigmoid(z):
        raise ModuleNotFoundError("No module named 'scipy'")
    with pytest.raises(AssertionError) as failed:
        public.call("sigmoid", sigmoid, np.ones((2, 3)), hidden=True)
    assert "Your code imports scipy, which grading does not have" in str(failed.value)
    assert "np.exp" in str(failed.value)


# ------------------------------------------------------------ the generator's own mistakes
HELD_OUT = SEED + 2  # neither seed the cases above are graded with


def test_the_generators_own_mistakes_are_caught_and_named_with_a_held_out_seed(autograder,
                                                                              isolation):
    """Every mutant of the master's solution, graded as a submission with a held-out seed:
    each mistake loses points on its question, every point its question loses carries a
    hint that names it, and each equivalent rewrite keeps full marks."""
    from hsa_dev.mutation import graded_mutants, unnamed_losses

    problems, graded = [], 0
    for mutant, equivalent, result in graded_mutants(autograder, HELD_OUT, isolation):
        graded += 1
        score, possible = result.questions[mutant.function]
        if equivalent and result.score != result.max_score:
            problems.append(f"rewrite rejected: {mutant.sentence}")
        elif not equivalent and score >= possible:
            problems.append(f"not killed: {mutant.sentence}")
        elif not equivalent and unnamed_losses(mutant, result):
            problems.append(f"not named: {mutant.sentence}: "
                            f"{[t.hint for t in unnamed_losses(mutant, result)]}")
    assert graded >= 150 and problems == []

