"""The master's mutants: made mechanically from any master's solution code, each with a
sentence that says what is wrong, and the solution code that hsa assign puts in the zip.

These run the generator in this process on instructor code only (no sandbox):
tests/test_diagnosis.py judges submissions with them, tests/test_catalogue.py grades them.
"""

import ast
import copy

import nbformat
import numpy as np
import pytest

from conftest import SEED
from hsa.assign import _support_modules, solution_code
from hsa.project import DEFAULT
from hsa.trusted import mutants
from hsa.trusted.autograder import read_config

QUESTIONS = list(read_config().questions)


@pytest.fixture(scope="module")
def solution():
    master = DEFAULT.master
    source = solution_code(nbformat.read(master, as_version=4), _support_modules(master.parent))
    return mutants.load_solution(source, QUESTIONS)


def sentences(solution, name):
    return [m.sentence for m in mutants.single(solution, name)]


def test_the_zip_holds_the_solution_functions_without_prompts(solution):
    assert list(solution.graded) == QUESTIONS
    assert "BEGIN" not in solution.source and "None" not in solution.source
    assert "import numpy as np" in solution.source and "public_checks" not in solution.source
    lecture = (np.full((3, 2), 1), np.full((3, 3), 9), np.full((2, 1), 1), np.full((3, 1), 9))
    assert solution.reference("formula_1")(*lecture).tolist() == [[245], [245], [245]]
    assert solution.calls("hidden_state") == {"formula_1", "join_weights",
                                              "join_state_and_input", "sigmoid"}


def test_each_mutant_is_one_change_that_compiles_with_its_sentence(solution):
    for name in QUESTIONS:
        found = mutants.single(solution, name)
        assert len(found) >= 15, name
        sources = [m.source for m in found]
        assert len(set(sources)) == len(sources), "each mutant once"
        original = ast.unparse(solution.definitions[name])
        for mutant in found:
            assert mutant.source != original and len(mutant.edits) == 1
            assert mutant.sentence.endswith(".") and mutant.function_in(solution.namespace)


@pytest.mark.parametrize("name, sentence", [
    ("join_state_and_input", "`h_t_prev` and `x_t` are added instead of joined: "
                             "`np.concatenate((h_t_prev, x_t), axis=0)`."),
    ("join_state_and_input", "`h_t_prev` and `x_t` are joined in the wrong order: "
                             "`h_t_prev` comes first."),
    ("join_weights", "`w_hh` and `w_hx` are joined one above the other (along axis 0); the "
                     "formula joins them side by side (along axis 1): "
                     "`np.concatenate((w_hh, w_hx), axis=1)`."),
    ("join_weights", "`np.hstack` takes the arrays in one tuple, not as separate arguments as "
                     "in `np.hstack(w_hh, w_hx)`; the join is `np.concatenate((w_hh, w_hx), "
                     "axis=1)`."),
    ("formula_1", "`join_weights(w_hh, w_hx)` and `join_state_and_input(h_t_prev, x_t)` are "
                  "multiplied element by element (`*`); they should be matrix-multiplied: "
                  "`np.matmul(join_weights(w_hh, w_hx), join_state_and_input(h_t_prev, x_t))`."),
    ("formula_2", "`w_hh` is transposed; the formula uses it as it is."),
    ("formula_2", "`np.matmul(w_hh, h_t_prev)` and `np.matmul(w_hx, x_t)` are subtracted; they "
                  "should be added: `np.matmul(w_hh, h_t_prev) + np.matmul(w_hx, x_t)`."),
    ("sigmoid", "`z` lost its minus sign: the formula has `-z`."),
    ("sigmoid", "`1 + np.exp(-z)` needs its parentheses in `1 / (1 + np.exp(-z))`: without "
                "them it computes `1 / 1 + np.exp(-z)`."),
    ("hidden_state", "`b_h` is added after `sigmoid`, outside it; it belongs inside: "
                     "`sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)`."),
    ("hidden_state", "`sigmoid` is applied twice: "
                     "`sigmoid(formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)`."),
    ("hidden_state", "`formula_2` is called where `formula_1` belongs: "
                     "`formula_1(w_hh, w_hx, h_t_prev, x_t)`."),
    # the slips only the lecture's integers, or a single number far from 0, show
    ("hidden_state", "`b_h` is added in place, into the array of `formula_1(w_hh, w_hx, "
                     "h_t_prev, x_t)` (as `z += ...` does): an array of integers cannot take a "
                     "float result; write `formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h`."),
    ("sigmoid", "`np.e ** (-z)` is written for `np.exp(-z)`: on a single number far from 0 it "
                "raises OverflowError, where np.exp gives inf."),
    ("sigmoid", "The result is stored into `np.zeros_like(z)`, which has the type of `z`: "
                "integers for integer inputs, so every value is cut to a whole number."),
])
def test_the_sentences_say_the_mistake_in_plain_words(solution, name, sentence):
    assert sentence in sentences(solution, name)


def test_a_mutant_computes_what_its_sentence_says(solution):
    by_sentence = {m.sentence: m.function_in(solution.namespace)
                   for m in mutants.single(solution, "formula_2")}
    w_hh, w_hx = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [-1.0]])
    h, x = np.array([[1.0], [2.0]]), np.array([[3.0]])
    transposed = by_sentence["`w_hh` is transposed; the formula uses it as it is."]
    assert np.array_equal(transposed(w_hh, w_hx, h, x), w_hh.T @ h + w_hx @ x)
    left_out = by_sentence[mutants.left_out_sentence(["x_t"])]
    assert np.array_equal(left_out(w_hh, w_hx, h, x), w_hh @ h)


def test_pairs_change_two_separate_places(solution):
    singles = mutants.single(solution, "formula_1")
    found = mutants.pairs(solution, "formula_1", singles)
    assert found and all(len(m.edits) == 2 for m in found)
    for mutant in found:
        first, second = (edit.path for edit in mutant.edits)
        assert first[:len(second)] != second and second[:len(first)] != first
    assert ("`w_hh` is used where `w_hx` belongs. `h_t_prev` is used where `x_t` belongs."
            in {m.sentence for m in found})


ANOTHER_MASTER = '''import numpy as np


def scale(x, k):
    """A docstring is never mutated."""
    total = np.sum(x, axis=0)
    return total * k


def spread(x, k):
    return scale(x, k) - np.mean(x)
'''


def test_any_master_gets_its_own_mutants():
    """Nothing in the generator knows this assignment: another master's functions get
    theirs, with sentences from their own code."""
    other = mutants.load_solution(ANOTHER_MASTER, ["scale", "spread"])
    said = [m.sentence for m in mutants.single(other, "scale")]
    assert "`np.sum` runs over every entry: `axis` is missing from `np.sum(x, axis=0)`." in said
    assert "`total` and `k` are added; they should be multiplied element by element (`*`): " \
           "`total * k`." in said
    assert not any("docstring" in m.source.split('"""')[0] for m in mutants.single(other, "scale"))
    spread = [m.sentence for m in mutants.single(other, "spread")]
    assert "`scale(x, k)` and `np.mean(x)` are added; they should be subtracted: " \
           "`scale(x, k) - np.mean(x)`." in spread
    assert not any("`spread` is called" in s for s in said), "no call to a function that calls it"


# ------------------------------------------------------------ the mutation score
LECTURE_ONLY = ("is added in place", "is written for `np.exp", "is stored into `np.zeros_like")


@pytest.mark.sandbox  # loads the autograder (no sandbox is started)
def test_the_hidden_tests_kill_every_mutant_that_is_a_mistake(autograder):
    """Among them the slips that only the lecture's integers or a single number far from 0
    show: they differ from the solution on the public checks' inputs, so they are mistakes,
    and the hidden tests of their questions catch them."""
    from hsa_dev.mutation import scores

    found = scores(autograder, [SEED, SEED + 1])
    assert [s.function for s in found] == QUESTIONS
    assert [m.sentence for s in found for m in s.survivors] == []
    killed = {m.sentence for s in found for m in mutants_of(autograder, s.function)} - {
        m.sentence for s in found for m in s.equivalent}
    assert all(any(words in sentence for sentence in killed) for words in LECTURE_ONLY)
    assert sum(s.killed for s in found) == sum(s.mistakes for s in found) >= 180


def mutants_of(autograder, name):
    from hsa.trusted.diagnosis import diagnoser_for
    return diagnoser_for(autograder).singles(name)


@pytest.mark.sandbox
def test_a_gap_in_the_hidden_tests_is_a_survivor(autograder):
    """Without hidden_state's test on the lecture's integers (as before it was added), the
    mutant that adds the bias in place survives, and is listed with its code."""
    from hsa_dev.mutation import report, scores

    gap = copy.copy(autograder)
    gap.tests = [copy.copy(t) for t in autograder.tests]
    for test_file in gap.tests:
        # its last case: the one on the lecture's integers (the master's cell 76)
        test_file.test_cases = [c for c in test_file.test_cases if c.name != "hidden_state - 4"]
    found = {s.function: s for s in scores(gap, [SEED])}
    assert [m.sentence.split(",")[0] for m in found["hidden_state"].survivors] == \
        ["`b_h` is added in place"]
    printed = "\n".join(report(list(found.values()), [SEED]))
    assert "SURVIVED hidden_state: `b_h` is added in place" in printed
    assert "np.add((_kept := formula_1(w_hh, w_hx, h_t_prev, x_t)), b_h, out=_kept)" in printed

