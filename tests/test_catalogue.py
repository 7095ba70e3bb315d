"""The hidden tests are right: every known mistake loses points with a hint that
names it, every valid alternative gets full marks, hints reveal no hidden
input, and the grading seed alone decides the hidden inputs."""

import re
import types

import numpy as np
import pytest

from conftest import SEED
from hsa_dev import catalogue
from hsa_dev.catalogue import Case, grade_cases, judge, load_cases
from hsa_dev.variants import split_source, variant

CASES = load_cases()
MISTAKES = [c for c in CASES if c.kind == "mistakes"]
ALTERNATIVES = [c for c in CASES if c.kind == "alternatives"]
CASCADES = [c for c in CASES if c.kind == "cascades"]
OTHER_SEED = SEED + 1
# The only concrete shape a hidden hint may show: the one the student's function returned.
OWN_SHAPE = re.compile(r"returned a numpy array of shape \(\d+(?:, \d+)*,?\)")


@pytest.fixture(scope="module")
def graded(autograder, isolation):
    """Every case graded under two seeds: {seed: {name: (case, result, ok, detail)}}."""
    return {seed: {row[0].name: row for row in grade_cases(CASES, seed, autograder, isolation)}
            for seed in (SEED, OTHER_SEED)}


def test_catalogues_are_large_enough():
    assert len(MISTAKES) >= 15 and len(ALTERNATIVES) >= 8
    questions = {c.question for c in MISTAKES}
    assert questions == {"join_weights", "join_state_and_input", "formula_1", "formula_2",
                         "sigmoid", "hidden_state"}
    assert {c.root for c in CASCADES} >= {"join_weights", "join_state_and_input", "sigmoid"}


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in MISTAKES])
def test_mistake_is_caught_on_its_question_with_its_hint(graded, name, seed):
    case, result, ok, detail = graded[seed][name]
    score, possible = result.questions[case.question]
    assert score < possible, f"{name}: lost no points on {case.question}"
    assert ok, f"{name}: {detail}"


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in ALTERNATIVES])
def test_valid_alternative_gets_full_marks(graded, name, seed):
    _case, result, ok, detail = graded[seed][name]
    assert result.score == result.max_score == 15 and ok, f"{name}: {detail}"


@pytest.mark.parametrize("seed", [SEED, OTHER_SEED])
@pytest.mark.parametrize("name", [c.name for c in CASCADES])
def test_cascade_is_traced_to_its_root_and_said_once(graded, name, seed):
    """A wrong function used by right ones: the feedback names the root cause once and
    points each dependent there, and the score is the one graded before causes were
    traced (the case's ``# score:``)."""
    case, result, ok, detail = graded[seed][name]
    assert "score" in case.meta and ok, f"{name}: {detail}"


def visible_text(hint):
    """The hint without the student's own returned shape."""
    return OWN_SHAPE.sub("returned a numpy array of shape <own>", hint)


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


def test_split_source_cuts_one_cell_per_function():
    source = "import math\n\n\ndef sigmoid(z):\n    return z\n\n\ndef helper():\n    pass\n\n\n" \
             "def formula_2(a):\n    return helper()\n\nx = 1\n"
    replace, append = split_source(source, ["sigmoid", "formula_2"])
    assert replace["sigmoid"].startswith("import math") and "helper" not in replace["sigmoid"]
    assert replace["formula_2"].startswith("def helper") and "x = 1" not in replace["formula_2"]
    assert append == ["x = 1"]


def test_judge_rejects_a_lost_point_and_a_missing_hint():
    from hsa.trusted.result import Result, TestResult
    result = Result("x", "graded", 14.0, 15.0, questions={"sigmoid": [2.0, 3.0]},
                    tests=[TestResult("sigmoid", "sigmoid - 2", True, 0.0, 1.0, "use np.exp")])
    assert judge(Case("a", "alternatives", ""), result)[0] is False
    assert judge(Case("m", "mistakes", "", {"question": "sigmoid", "hint": "np.exp"}), result)[0]
    assert not judge(Case("m", "mistakes", "", {"question": "sigmoid", "hint": "tanh"}), result)[0]


def test_command_exit_code(monkeypatch, capsys):
    right = Case("master", "alternatives", "x = 1\n")
    caught = next(c for c in MISTAKES if c.name == "sigmoid_tanh")
    missed = Case("master_as_mistake", "mistakes", "x = 1\n", {"question": "sigmoid", "hint": "np"})
    for cases, code in (([caught, right], 0), ([caught, missed, right], 1)):
        monkeypatch.setattr(catalogue, "load_cases", lambda cases=cases: cases)
        assert catalogue.main(types.SimpleNamespace(seed=SEED)) == code
    out = capsys.readouterr().out
    assert "mistakes caught 1/1" in out and "mistakes caught 1/2" in out
    assert "valid alternatives accepted 1/1" in out
