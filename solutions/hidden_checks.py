"""Hidden checks for the Hidden State Activation assignment (autograder only).

Every hidden test in the master notebook is one call into this module. Inputs
are drawn at random, with shapes and values that come from the grading seed,
so hard-coding the lecture's numbers earns nothing, and the same seed
reproduces a grade exactly. A wrong answer is compared with the results of
known mistakes, and when it matches none, tested for properties it breaks
(``public_checks.seen``), so the student reads which mistake it is, or what
the result gets wrong, and how to fix it, never the hidden inputs or the
expected values.

Tolerance (relative, ``public_checks.close``, shared with the public checks):
a result passes when its largest absolute error is at most ``RTOL`` (1e-6)
times the largest magnitude of the expected result, or times 1 when that
magnitude is below 1 (sigmoid values lie in (0, 1)). That
accepts every correct way to compute a result (another summation order,
einsum, loops, a tanh-based or numerically stable sigmoid, float32 results)
and rejects every known mistake, which is off by far more. Results must be
finite: nan or inf never passes.

Warnings (such as overflow in ``np.exp`` for a naive sigmoid with large
inputs) never fail a check: the student's functions run with numpy's
floating-point warnings silenced and Python warnings ignored.

Hints never show a hidden input or an expected value: expected shapes are
written in symbols such as ``(n_h, m)``, sizes and values in the student's own
error messages are masked (``public_checks.mask_hidden``), and the only
concrete numbers a hidden hint may show beyond numpy's axes and indices are
those of the shape the student's own function returned. Every hint text lives
in ``public_checks.HINTS``: a mistake found here reads as it does before
submission.
"""

import os
import secrets
import warnings
import zlib

import numpy as np

from public_checks import (GENERIC_VALUES, NAMED, NOT_ATTEMPTED, PROPERTY, SHAPE_HINTS, Hint, call, close,
                           expect_array, expect_number, fail, hint, number_wrong, same_as_lecture,
                           seen, transposed_hint, with_code_facts, wrong_values)

_seed = None


def set_seed(seed):
    """Fix the seed that draws every hidden input (the grader records it)."""
    global _seed
    _seed = int(seed)


def grading_seed():
    """The grading seed: set by the grader, else ``$HSA_SEED``, else fresh per process."""
    global _seed
    if _seed is None:
        _seed = int(os.environ.get("HSA_SEED") or secrets.randbelow(2**31))
    return _seed


def rng_for(test):
    return np.random.default_rng([grading_seed(), zlib.crc32(test.encode())])


# ---------------------------------------------------------------- references
def ref_join_weights(w_hh, w_hx):
    return np.concatenate((w_hh, w_hx), axis=1)


def ref_join_state_and_input(h_t_prev, x_t):
    return np.concatenate((h_t_prev, x_t), axis=0)


def ref_formula_1(w_hh, w_hx, h_t_prev, x_t):
    return ref_join_weights(w_hh, w_hx) @ ref_join_state_and_input(h_t_prev, x_t)


def ref_formula_2(w_hh, w_hx, h_t_prev, x_t):
    return w_hh @ h_t_prev + w_hx @ x_t


def ref_sigmoid(z):
    # all="ignore": under `otter run` these checks share the student's kernel, where
    # np.seterr(all="raise") would otherwise turn exp's underflow into an error.
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def ref_hidden_state(w_hh, w_hx, h_t_prev, x_t, b_h):
    return ref_sigmoid(ref_formula_1(w_hh, w_hx, h_t_prev, x_t) + b_h)


REFERENCES = {
    "join_weights": ref_join_weights,
    "join_state_and_input": ref_join_state_and_input,
    "formula_1": ref_formula_1,
    "formula_2": ref_formula_2,
    "sigmoid": ref_sigmoid,
    "hidden_state": ref_hidden_state,
}

SYMBOLIC_SHAPES = {
    "join_weights": "(n_h, n_h + n_x)",
    "join_state_and_input": "(n_h + n_x, m)",
    "formula_1": "(n_h, m)",
    "formula_2": "(n_h, m)",
    "sigmoid": "the shape of its input",
    "hidden_state": "(n_h, m)",
}

# ------------------------------------------------------------- known mistakes
# Each entry: (function it belongs to, name of its hint in public_checks.HINTS, the wrong
# result computed from the inputs). The public checks hold each one's result on their
# examples as numbers, under the same name.
MISTAKES = [
    ("join_weights", "join_weights_wrong_order", lambda w_hh, w_hx: np.hstack((w_hx, w_hh))),
    ("join_state_and_input", "join_state_and_input_wrong_order",
     lambda h, x: np.vstack((x, h))),
    ("formula_1", "formula_1_mixed_order",
     lambda w_hh, w_hx, h, x: np.hstack((w_hx, w_hh)) @ np.vstack((h, x))),
    ("formula_1", "formula_1_state_order",
     lambda w_hh, w_hx, h, x: np.hstack((w_hh, w_hx)) @ np.vstack((x, h))),
    ("formula_1", "formula_1_state_part_only", lambda w_hh, w_hx, h, x: w_hh @ h),
    ("formula_2", "formula_2_input_term_missing", lambda w_hh, w_hx, h, x: w_hh @ h),
    ("formula_2", "formula_2_state_term_missing", lambda w_hh, w_hx, h, x: w_hx @ x),
    ("formula_2", "formula_2_subtracted", lambda w_hh, w_hx, h, x: w_hh @ h - w_hx @ x),
    ("sigmoid", "sigmoid_sign_flipped", lambda z: ref_sigmoid(-np.asarray(z, dtype=float))),
    ("sigmoid", "sigmoid_tanh", lambda z: np.tanh(z)),
    ("sigmoid", "sigmoid_precedence", lambda z: 1.0 + np.exp(-np.asarray(z, dtype=float))),
    ("hidden_state", "hidden_state_bias_outside",
     lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x)) + b),
    ("hidden_state", "hidden_state_bias_missing",
     lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x))),
    ("hidden_state", "hidden_state_sigmoid_missing",
     lambda w_hh, w_hx, h, x, b: ref_formula_1(w_hh, w_hx, h, x) + b),
    ("hidden_state", "hidden_state_tanh",
     lambda w_hh, w_hx, h, x, b: np.tanh(ref_formula_1(w_hh, w_hx, h, x) + b)),
    ("hidden_state", "hidden_state_bias_subtracted",
     lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x) - b)),
]


def diagnose(function, args, value):
    """The hint of the known mistake that ``value`` matches, if any."""
    for owner, name, wrong in MISTAKES:
        if owner != function:
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected_wrong = wrong(*[a.copy() for a in args])
            except ValueError:
                continue
        if expected_wrong is not None and close(value, expected_wrong):
            return hint(name)
    return None


# --------------------------------------------------------------- the checker
def check_call(function: str, f: object, args: list) -> object:
    """Call ``f`` on ``args`` and fail with a named hint unless it is right."""
    try:
        return _check_call(function, f, args)
    except Hint as failed:
        raise with_code_facts(function, f, failed) from None


def _check_call(function: str, f: object, args: list) -> object:
    saved = [a.copy() for a in args]
    value = call(function, f, *args, hidden=True)
    if any(not np.array_equal(arg, before) for arg, before in zip(args, saved)):
        fail(hint("in_place", function), NAMED)
    if same_as_lecture(function, value):
        fail(hint("lecture_answer", function), NAMED)
    expected = REFERENCES[function](*saved)
    expect_array(value, function, expected.shape, SYMBOLIC_SHAPES[function])
    if value.ndim == 2 and not close(value, expected) and close(value.T, expected):
        fail(transposed_hint(function, value, SYMBOLIC_SHAPES[function]), PROPERTY)  # square
    if not close(value, expected):
        named = diagnose(function, saved, value)
        kind = NAMED if named else PROPERTY
        named = named or seen(function, value, expected, saved, f, hidden=True)
        kind = kind if named else ""
        fail(wrong_values(function, named or f"{GENERIC_VALUES}. {SHAPE_HINTS[function]}"),
             kind, values=True)
    return value


def draw_problem(test: str, m: int, integers: bool = False) -> tuple:
    """Random RNN sizes and data: ``w_hh, w_hx, h_t_prev, x_t, b_h``.

    n_h and n_x differ (so a wrong axis or order cannot pass by chance). Float
    weights are scaled by 1 / sqrt(n_h + n_x), as in a real RNN, so that the
    pre-activations are of order 1: the sigmoid is then far from saturated and
    a missing bias or a wrong activation changes the result visibly. With
    ``integers``, the weights, state and input are small integers, as the
    lecture's data are (``np.full(..., 1)``, ``np.full(..., 9)``), and the bias
    is a float, as the lecture's is (a random normal draw).
    """
    rng = rng_for(test)
    n_h, n_x = (int(n) for n in rng.choice(np.arange(2, 8), size=2, replace=False))
    def draw(shape: tuple, scale: float = 1.0) -> np.ndarray:
        if integers:  # no 0: a column of zeros would make some mistakes look right
            return rng.choice(np.r_[-3:0, 1:4], size=shape)
        return rng.standard_normal(shape) * rng.uniform(0.5, 1.5) * scale

    weight = 1 / np.sqrt(n_h + n_x)
    return (draw((n_h, n_h), weight), draw((n_h, n_x), weight), draw((n_h, m)), draw((n_x, m)),
            rng.standard_normal((n_h, 1)))


def batch_size(test):
    return int(rng_for(test + "/m").integers(2, 6))


ARITY = {"join_weights": (0, 1), "join_state_and_input": (2, 3), "formula_1": (0, 1, 2, 3),
         "formula_2": (0, 1, 2, 3), "hidden_state": (0, 1, 2, 3, 4)}


def check_values(function: str, f: object, m: int = 1, integers: bool = False) -> object:
    """Hidden value check for ``function`` on one random problem with m columns."""
    test = f"{function}/m={m}/int={integers}"
    problem = draw_problem(test, m if m else batch_size(test), integers)
    args = [problem[i] for i in ARITY[function]]
    if m == 1 or function == "join_weights":
        return check_call(function, f, args)
    originals = [a.copy() for a in args]  # the call may change ``args`` in place
    try:
        return check_call(function, f, args)
    except Hint as batch:
        # Right on each column alone? Then the batch is the problem. If not: where the
        # batch's values were wrong, its hint holds all a column's evidence and more; else
        # (an error, a wrong shape) the first wrong column's own hint may say more.
        columns = next(a.shape[1] for i, a in zip(ARITY[function], originals) if i == 2)
        for j in range(columns):
            column = outcome(function, f, [a[:, j:j + 1].copy() if i in (2, 3) else a
                                           for i, a in zip(ARITY[function], originals)])
            if column is not None:
                raise (batch if batch.values else column) from None
        fail(hint("one_column", function), NAMED)


def check_batch(function: str, f: object, integers: bool = False) -> object:
    return check_values(function, f, m=0, integers=integers)


def check_sigmoid_values(sigmoid: object) -> None:
    """Float arrays of 1, 2 and 3 dimensions, then an integer array (as the lecture's data
    are integers, the sigmoid's result must hold fractions all the same)."""
    rng = rng_for("sigmoid/values")
    for ndim in (1, 2, 3):
        shape = tuple(int(n) for n in rng.integers(1, 5, size=ndim))
        check_call("sigmoid", sigmoid, [rng.standard_normal(shape) * 4])
    shape = tuple(int(n) for n in rng.integers(2, 5, size=2))
    check_call("sigmoid", sigmoid, [rng.integers(-6, 7, size=shape)])


def check_sigmoid_scalar(sigmoid: object) -> None:
    """Single numbers: a Python float near 0, a Python float far below 0 (where Python's own
    float arithmetic overflows: the result must still be finite) and a numpy scalar far
    above 0."""
    rng = rng_for("sigmoid/scalar")
    near, far = float(rng.uniform(-3, 3)), float(rng.uniform(700, 1000))
    numbers = (near, -far, np.float64(far * rng.uniform(0.8, 1.0)))
    values = []
    for z in numbers:
        value = call("sigmoid", sigmoid, z, hidden=True)
        expect_number(value, "sigmoid")
        values.append(float(value))
    zs, values = np.array([float(z) for z in numbers]), np.array(values)
    expected = ref_sigmoid(zs)
    if not close(values, expected):
        named = diagnose("sigmoid", [zs], values)
        found = named or seen("sigmoid", values, expected, [zs], sigmoid, hidden=True)
        fail(number_wrong("sigmoid", found), NAMED if named else PROPERTY if found else "")


def check_sigmoid_extremes(sigmoid):
    """Large inputs: the result must be finite and saturate at 0 and 1."""
    rng = rng_for("sigmoid/extremes")
    z = np.array([[-1000.0, -750.0, -50.0], [50.0, 750.0, 1000.0]]) * rng.uniform(1.0, 1.2)
    value = check_call("sigmoid", sigmoid, [z])
    return value


def outcome(function, f, args):
    """The Hint of ``f``'s result on ``args``, or None when it is the reference result."""
    try:
        check_call(function, f, [a.copy() for a in args])  # each call gets its own copy
    except Hint as failed:
        return failed
    return None


def kind_of_all(problems):
    """A comparison's kind of hint: not attempted when every function that went wrong was."""
    kinds = {problem.kind for problem in problems.values() if problem}
    return NOT_ATTEMPTED if kinds == {NOT_ATTEMPTED} else ""


def disagreement(compared: str, problems: dict) -> str:
    """The hint of a comparison of formula_1 with formula_2 that failed because functions
    it uses are wrong.

    ``problems`` maps each function the comparison uses to its own hint, or to
    None when it gives the reference result. The first line says which side is
    wrong and that the comparison cost the point; each wrong function's own
    hint follows, so feedback that already shows it can say it once.
    """
    wrong = [name for name, problem in problems.items() if problem]
    right = [name for name in problems if name not in wrong]
    names = " and ".join(wrong)
    verb = "disagrees" if len(wrong) == 1 else "disagree"
    fine = f" ({' and '.join(right)} {'is' if len(right) == 1 else 'are'} right)" if right else ""
    result = "the two do not agree" if len(wrong) == 1 else \
        "the comparison cannot show that they agree"
    text = (f"This test compares {compared}: {names} {verb} with the reference result{fine}, "
            f"so {result}, and that cost this point. Fix {names}:")
    return "\n".join([text] + [str(problems[name]) for name in wrong])


def check_formulas_agree(formula_1, formula_2):
    """The lecture's point: both formulas give the same result on the same batch."""
    problem = draw_problem("agree", batch_size("agree"))[:4]
    problems = {"formula_1": outcome("formula_1", formula_1, problem),
                "formula_2": outcome("formula_2", formula_2, problem)}
    if any(problems.values()):
        fail(disagreement("formula_1 with formula_2 on the same inputs", problems),
             kind_of_all(problems))
