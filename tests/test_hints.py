"""Hints from what a wrong result gets wrong: the properties public_checks.seen tests, the
sigmoid's probe, the public example shown, and a claim checked before it is made.

These call the check modules in this process on plain functions (no sandbox): the grader
calls the same code through its stand-ins. The texts are written out, as the student reads
them; tests/test_catalogue.py grades the same mistakes end to end.
"""

import math
import sys

import numpy as np
import pytest

from hsa.project import SOLUTIONS

SEED = 20261125


@pytest.fixture(scope="module")
def checks():
    """``(public_checks, hidden_checks)`` from solutions/, seeded."""
    sys.path.insert(0, str(SOLUTIONS))
    try:
        import hidden_checks
        import public_checks
    finally:
        sys.path.remove(str(SOLUTIONS))
    hidden_checks.set_seed(SEED)
    return public_checks, hidden_checks


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def join_weights(w_hh, w_hx):
    return np.concatenate((w_hh, w_hx), axis=1)


def join_state_and_input(h, x):
    return np.concatenate((h, x), axis=0)


def formula_1(w_hh, w_hx, h, x):
    return join_weights(w_hh, w_hx) @ join_state_and_input(h, x)


def failure(check, *args, **kwargs):
    with pytest.raises(AssertionError) as failed:
        check(*args, **kwargs)
    return str(failed.value)


def advice(text):
    """The hint's advice: its last line (what feedback keeps once per mistake)."""
    return text.strip().splitlines()[-1]


AT_0 = "sigmoid(0) returned 0.0; the sigmoid of 0 is 0.5."
RANGE = "sigmoid(2) returned 2.0, outside (0, 1): the sigmoid's values lie between 0 and 1."
FALLING = "sigmoid(-2) returned 0.0 and sigmoid(-1) returned 0.0: the sigmoid increases with z."
SYMMETRY = ("sigmoid(2) + sigmoid(-2) is 2.0; for the sigmoid it is 1, since "
            "sigmoid(-z) = 1 - sigmoid(z).")
LOST_FRACTION = ("Your values lost their fractional part: is something cast to int (int(...), "
                 ".astype(int), //)? Keep the floats numpy computes.")
OVERFLOW = ("math.exp raises OverflowError when its result is too large for a float, as it is "
            "for inputs far from 0; np.exp returns inf there instead (and 1 / (1 + inf) is 0), "
            "so write the sigmoid with np.exp.")

SIGMOID_MISTAKES = [
    ("relu", lambda z: np.maximum(0, z), " ".join((AT_0, RANGE, FALLING, SYMMETRY))),
    ("straight line", lambda z: 0.5 + z / 2,
     "sigmoid(2) returned 1.5, outside (0, 1): the sigmoid's values lie between 0 and 1."),
    ("abs", lambda z: sigmoid(np.abs(z)),
     "sigmoid(-2) returned 0.8808 and sigmoid(-1) returned 0.7311: the sigmoid increases with "
     "z. sigmoid(2) + sigmoid(-2) is 1.762; for the sigmoid it is 1, since "
     "sigmoid(-z) = 1 - sigmoid(z)."),
    ("sigmoid(2z)", lambda z: sigmoid(2 * z),
     "sigmoid(1) returned 0.8808; the sigmoid of 1 is 1 / (1 + e^-1) = 0.7311. Check what "
     "multiplies z."),
    ("cast to int", lambda z: sigmoid(z).astype(int), LOST_FRACTION),
]


@pytest.mark.parametrize("name, wrong, expected", SIGMOID_MISTAKES, ids=[m[0] for m in SIGMOID_MISTAKES])
def test_a_wrong_sigmoid_is_told_which_property_it_breaks(checks, name, wrong, expected):
    """Before submission (public check) and after (hidden test): the same advice."""
    public, hidden = checks
    assert advice(failure(public.public_check, "sigmoid", wrong)) == expected
    assert advice(failure(hidden.check_sigmoid_values, wrong)) == expected


def test_the_probe_is_one_extra_call_and_only_on_a_wrong_result(checks):
    public, hidden = checks
    calls = []

    def counted(f):
        def g(z):
            calls.append(np.array(z, copy=True))
            return f(z)
        return g

    hidden.check_sigmoid_values(counted(sigmoid))
    assert len(calls) == 4  # one per hidden input (3 float arrays, 1 integer array): no more
    calls.clear()
    failure(hidden.check_sigmoid_values, counted(lambda z: np.maximum(0, z)))
    assert len(calls) == 2 and np.array_equal(calls[1], public.SIGMOID_PROBE)


def test_a_sigmoid_that_raises_on_large_inputs_is_told_np_exp_does_not(checks):
    public, hidden = checks

    def vectorized(z):
        return np.vectorize(lambda v: 1 / (1 + math.exp(-v)))(z)
    hidden.check_sigmoid_values(vectorized)  # right on ordinary inputs
    assert advice(failure(hidden.check_sigmoid_extremes, vectorized)) == OVERFLOW
    assert "raised OverflowError on hidden inputs" in failure(hidden.check_sigmoid_extremes,
                                                              vectorized)
    assert advice(failure(public.public_check, "sigmoid", vectorized)) == OVERFLOW


HIDDEN_STATE_MISTAKES = [
    ("bias twice", lambda w_hh, w_hx, h, x, b: sigmoid(formula_1(w_hh, w_hx, h, x) + 2 * b),
     "The bias is added 2 times: add b_h once, sigmoid(W_h [h; x] + b_h)."),
    ("bias three times", lambda w_hh, w_hx, h, x, b: sigmoid(formula_1(w_hh, w_hx, h, x) + 3 * b),
     "The bias is added 3 times: add b_h once, sigmoid(W_h [h; x] + b_h)."),
    ("sigmoid twice", lambda w_hh, w_hx, h, x, b: sigmoid(sigmoid(formula_1(w_hh, w_hx, h, x) + b)),
     "The sigmoid is applied twice: apply it once, to W_h [h; x] + b_h."),
    ("no sigmoid, no bias", lambda w_hh, w_hx, h, x, b: formula_1(w_hh, w_hx, h, x),
     "The sigmoid is missing: apply sigmoid to W_h [h; x] + b_h."),
    ("bias outside, twice", lambda w_hh, w_hx, h, x, b: sigmoid(formula_1(w_hh, w_hx, h, x)) + 2 * b,
     "The bias is added after the sigmoid: add b_h inside, sigmoid(W_h [h; x] + b_h)."),
    ("relu", lambda w_hh, w_hx, h, x, b: np.maximum(0, formula_1(w_hh, w_hx, h, x) + b),
     "hidden_state returned values below 0 or above 1, but the sigmoid's values lie between "
     "0 and 1: check that the result is sigmoid(...) and that nothing is added after it."),
]


@pytest.mark.parametrize("name, wrong, expected", HIDDEN_STATE_MISTAKES,
                         ids=[m[0] for m in HIDDEN_STATE_MISTAKES])
def test_a_wrong_hidden_state_is_told_how_its_parts_are_put_together(checks, name, wrong, expected):
    public, hidden = checks
    assert advice(failure(public.public_check, "hidden_state", wrong)) == expected
    assert advice(failure(hidden.check_batch, "hidden_state", wrong)) == expected


FORMULA_MISTAKES = [
    ("cast to int", lambda w_hh, w_hx, h, x: formula_1(w_hh, w_hx, h, x).astype(int), LOST_FRACTION),
    ("negated", lambda w_hh, w_hx, h, x: -formula_1(w_hh, w_hx, h, x),
     "Every value has the wrong sign: your result is the expected one times -1."),
    ("halved", lambda w_hh, w_hx, h, x: formula_1(w_hh, w_hx, h, x) / 2,
     "Every value is the expected one times the same factor: look for a number that multiplies "
     "or divides the whole result."),
    ("zeros", lambda w_hh, w_hx, h, x: 0 * formula_1(w_hh, w_hx, h, x),
     "Every value is 0: return the array you computed, not one made with np.zeros or "
     "multiplied by 0."),
    ("plus one", lambda w_hh, w_hx, h, x: formula_1(w_hh, w_hx, h, x) + 1,
     "Every value is off by the same amount: your result is the expected one plus a constant. "
     "Look for a number added to or subtracted from the whole result."),
]


@pytest.mark.parametrize("name, wrong, expected", FORMULA_MISTAKES,
                         ids=[m[0] for m in FORMULA_MISTAKES])
def test_a_wrong_formula_is_told_how_its_result_relates_to_the_right_one(checks, name, wrong,
                                                                          expected):
    _public, hidden = checks
    assert advice(failure(hidden.check_values, "formula_2", wrong)) == expected
    assert advice(failure(hidden.check_batch, "formula_2", wrong)) == expected


def reversed_rows(w_hh, w_hx, h, x):
    return join_weights(w_hh, w_hx) @ join_state_and_input(h, x)[::-1]


def test_one_column_is_claimed_only_where_each_column_alone_is_right(checks):
    """Reversing the rows of [h; x] happens to give the right first column of the public
    example, but not the second: the hint shows that column, never "right for one column"."""
    public, _hidden = checks
    text = failure(public.public_check, "formula_1", reversed_rows)
    assert text == (
        "formula_1 returned the right shape but wrong values on a public example with one "
        "column (column 1). To see it: from public_checks import public_example; args, expected "
        "= public_example(\"formula_1\", column=1); formula_1(*args) returned [[13], [11]], "
        "expected [[-3], [19]]. First difference: entry [0, 0] is 13, expected -3 (off by 16)."
        "\nCheck the formula against the lecture. Multiply the joined "
        "weights (n_h, n_h + n_x) by the joined state and input (n_h + n_x, m) with a matrix "
        "product.")
    assert public.is_generic(text)

    def row_sums(w_hh, w_hx, h, x):  # right on each column alone, wrong on the batch
        return np.sum(formula_1(w_hh, w_hx, h, x), axis=1, keepdims=True) + 0 * h[:1]
    assert failure(public.public_check, "formula_1", row_sums).startswith(
        "formula_1 is right for one column but not for a batch of m columns")


def test_the_shown_example_is_what_public_example_gives(checks):
    public, _hidden = checks
    args, expected = public.public_example("formula_1", column=1)
    assert [a.tolist() for a in args[2:]] == [[[-2], [0]], [[1], [2], [5]]]
    assert expected.tolist() == [[-3], [19]]
    assert reversed_rows(*args).tolist() == [[13], [11]]


def test_a_wrong_result_that_breaks_no_property_gets_the_generic_advice(checks):
    public, hidden = checks
    text = failure(hidden.check_batch, "formula_1", reversed_rows)
    assert public.is_generic(text) and "right for one column" not in text


def test_close_rejects_an_infinite_expected_result(checks):
    """1 + exp(-z) is inf for z = -1000: no finite result is close to it."""
    public, _hidden = checks
    assert not public.close(np.array([0.0, 1.0]), np.array([np.inf, 1.0]))
    assert public.close(np.array([0.0, 1.0]), np.array([0.0, 1.0]))


def stand_in(function, source):
    """``function`` as the grader's stand-in carries it: with the student's code as text."""
    function.hsa_source = source
    return function


@pytest.mark.parametrize("source, advice_name", [
    ("def j(h, x):\n    return h * x\n", "broadcast_star"),
    ("def j(h, x):\n    return np.multiply(h, x)\n", "broadcast_star"),
    ("def j(h, x):\n    return h + x\n", "broadcast"),
    ("", "broadcast"),  # the code cannot be read: no claim about it
])
def test_the_star_advice_is_given_only_where_the_code_has_a_star(checks, source, advice_name):
    public, _hidden = checks
    raises = stand_in(lambda h, x: h + x, source)  # numpy's broadcasting error, either way
    text = failure(public.call, "join_state_and_input", raises, np.ones((2, 1)), np.ones((3, 1)))
    assert "operands could not be broadcast" in text and advice(text) == public.HINTS[advice_name]


@pytest.mark.parametrize("source, advice_name", [
    ("def s(z):\n    return 1 / (1 + np.e ** -z)\n", "power_overflow"),
    ("def s(z):\n    return 1 / (1 + np.exp(-z))\n", "float_overflow"),
])
def test_power_overflow_advice_needs_a_power_in_the_code(checks, source, advice_name):
    public, _hidden = checks
    overflows = stand_in(lambda z: 1 / (1 + np.e ** -z), source)
    assert advice(failure(public.call, "sigmoid", overflows, -800.0)) == public.HINTS[advice_name]


def test_in_place_advice_says_whose_array_it_changes(checks):
    public, _hidden = checks

    def local(z):
        z = z.copy()
        z += 0.5
        return z
    text = failure(public.call, "hidden_state", stand_in(local, "def h(z):\n    z = z.copy()\n"
                                                             "    z += 0.5\n    return z\n"),
                   np.ones((2, 1), dtype=int))
    assert advice(text) == public.HINTS["in_place_type"]
    argument = stand_in(local, "def h(z):\n    z += 0.5\n    return z\n")
    text = failure(public.call, "hidden_state", argument, np.ones((2, 1), dtype=int))
    assert advice(text) == public.HINTS["in_place_argument"]


def test_a_type_is_named_with_its_article(checks):
    public, _hidden = checks
    assert public.describe(np.int64(3)) == "an int64" and public.describe(2.0) == "a float"
