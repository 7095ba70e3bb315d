"""Hidden checks for the Hidden State Activation assignment (autograder only).

Every hidden test in the master notebook is one call into this module. Inputs
are drawn at random, with shapes and values that come from the grading seed,
so hard-coding the lecture's numbers earns nothing, and the same seed
reproduces a grade exactly. A wrong answer is compared with the results of
known mistakes, so the student reads which mistake it is and how to fix it,
never the hidden inputs or the expected values.

Tolerance (relative): a result passes when its largest absolute error is at
most ``RTOL`` (1e-6) times the largest magnitude of the expected result, or
times 1 when that magnitude is below 1 (sigmoid values lie in (0, 1)). That
accepts every correct way to compute a result (another summation order,
einsum, loops, a tanh-based or numerically stable sigmoid, float32 results)
and rejects every known mistake, which is off by far more. Results must be
finite: nan or inf never passes.

Warnings (such as overflow in ``np.exp`` for a naive sigmoid with large
inputs) never fail a check: the student's functions run with numpy's
floating-point warnings silenced and Python warnings ignored.

Hints never show a hidden input or an expected value: expected shapes are
written in symbols such as ``(n_h, m)``, numbers in the student's own error
messages are masked, and the only concrete numbers a hidden hint may show are
those of the shape the student's own function returned.
"""

import os
import secrets
import warnings
import zlib

import numpy as np

from public_checks import (SHAPE_HINTS, call, describe, expect_array, expect_value, fail,
                           lecture_data, transposed_hint)

RTOL = 1e-6

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
# Each entry: (function it belongs to, wrong result computed from the inputs, hint).
MISTAKES = [
    ("join_weights", lambda w_hh, w_hx: np.hstack((w_hx, w_hh)),
     "The blocks are in the wrong order: W_h = [W_hh | W_hx], W_hh first."),
    ("join_state_and_input", lambda h, x: np.vstack((x, h)),
     "The blocks are in the wrong order: h_t_prev goes on top, x_t below it."),
    ("formula_1", lambda w_hh, w_hx, h, x: np.hstack((w_hx, w_hh)) @ np.vstack((h, x)),
     "The weight blocks and the state/input blocks are in different orders: W_hh pairs "
     "with h_t_prev and W_hx with x_t, so join both in the order (h, x)."),
    ("formula_1", lambda w_hh, w_hx, h, x: np.hstack((w_hh, w_hx)) @ np.vstack((x, h)),
     "The state and the input are joined in the wrong order: [W_hh | W_hx] multiplies "
     "[h_t_prev; x_t], h_t_prev on top. If formula_1 calls join_state_and_input, fix that "
     "function first."),
    ("formula_2", lambda w_hh, w_hx, h, x: w_hh @ h,
     "Only the W_hh h_t_prev term is there: add W_hx x_t."),
    ("formula_2", lambda w_hh, w_hx, h, x: w_hx @ x,
     "Only the W_hx x_t term is there: add W_hh h_t_prev."),
    ("formula_2", lambda w_hh, w_hx, h, x: w_hh @ h - w_hx @ x,
     "The two products are subtracted: formula 2 adds W_hh h_t_prev and W_hx x_t."),
    ("formula_1", lambda w_hh, w_hx, h, x: w_hh @ h,
     "Only the W_hh h_t_prev part is there: multiply the whole W_h by the whole [h; x]."),
    ("sigmoid", lambda z: ref_sigmoid(-np.asarray(z, dtype=float)),
     "The sign is flipped: sigmoid(z) = 1 / (1 + np.exp(-z)), with a minus before z."),
    ("sigmoid", lambda z: np.tanh(z),
     "That is tanh, not the sigmoid: sigmoid(z) = 1 / (1 + np.exp(-z))."),
    ("sigmoid", lambda z: 1.0 + np.exp(-np.asarray(z, dtype=float)),
     "Check the parentheses: 1 / 1 + np.exp(-z) divides 1 by 1 first; write 1 / (1 + np.exp(-z))."),
    ("hidden_state", lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x)) + b,
     "The bias is added after the sigmoid: add b_h inside, sigmoid(W_h [h; x] + b_h)."),
    ("hidden_state", lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x)),
     "The bias b_h is missing: sigmoid(W_h [h; x] + b_h)."),
    ("hidden_state", lambda w_hh, w_hx, h, x, b: ref_formula_1(w_hh, w_hx, h, x) + b,
     "The sigmoid is missing: apply sigmoid to W_h [h; x] + b_h."),
    ("hidden_state", lambda w_hh, w_hx, h, x, b: np.tanh(ref_formula_1(w_hh, w_hx, h, x) + b),
     "That is tanh; this hidden state uses the sigmoid: sigmoid(W_h [h; x] + b_h)."),
    ("hidden_state", lambda w_hh, w_hx, h, x, b: ref_sigmoid(ref_formula_1(w_hh, w_hx, h, x) - b),
     "The bias is subtracted: add it, sigmoid(W_h [h; x] + b_h)."),
]


def close(value, expected):
    """Relative closeness: max error within RTOL of the expected result's scale."""
    value = np.asarray(value, dtype=float)
    if value.shape != np.shape(expected) or not np.all(np.isfinite(value)):
        return False
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return float(np.max(np.abs(value - expected), initial=0.0)) <= RTOL * scale


def diagnose(function, args, value):
    """Name the known mistake that ``value`` matches, if any."""
    for name, wrong, hint in MISTAKES:
        if name != function:
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected_wrong = wrong(*[a.copy() for a in args])
            except ValueError:
                continue
        if expected_wrong is not None and close(value, expected_wrong):
            return hint
    return None


def lecture_answer(function):
    """The lecture's result for ``function`` (what a hard-coded answer returns)."""
    w_hh, w_hx, h, x = lecture_data()
    args = {"join_weights": (w_hh, w_hx), "join_state_and_input": (h, x),
            "sigmoid": (np.zeros((3, 1)),), "hidden_state": (w_hh, w_hx, h, x, np.zeros((3, 1)))}
    return REFERENCES[function](*args.get(function, (w_hh, w_hx, h, x)))


# --------------------------------------------------------------- the checker
def check_call(function, f, args):
    """Call ``f`` on ``args`` and fail with a named hint unless it is right."""
    saved = [a.copy() for a in args]
    value = call(function, f, *args, hidden=True)
    for arg, before in zip(args, saved):
        if not np.array_equal(arg, before):
            fail(f"{function} changes its arguments in place (e.g. with +=, *= or [:] =). "
                 "Build a new array instead, such as z = a + b, and leave the inputs as they were.")
    if isinstance(value, np.ndarray) and np.shape(value) == np.shape(lecture_answer(function)) \
            and np.array_equal(value, lecture_answer(function)):
        fail(f"{function} returns the lecture's result whatever its inputs: it hard-codes "
             "numbers, or uses variables from other cells (such as w_h, ax or output_1) "
             "instead of its arguments. Compute the result from the function's arguments only.")
    expected = REFERENCES[function](*saved)
    expect_array(value, function, expected.shape, SYMBOLIC_SHAPES[function])
    if value.ndim == 2 and not close(value, expected) and close(value.T, expected):
        fail(transposed_hint(function, value, SYMBOLIC_SHAPES[function]))  # a square result
    if not close(value, expected):
        hint = diagnose(function, saved, value)
        if hint is None and not np.all(np.isfinite(value)):
            hint = "Some results are nan or inf. For large inputs, compute 1 / (1 + np.exp(-z))."
        fail(f"{function} returned the right shape but wrong values. "
             + (hint or f"Check the formula against the lecture. {SHAPE_HINTS[function]}"))
    return value


def draw_problem(test, m, integers=False):
    """Random RNN sizes and data: ``w_hh, w_hx, h_t_prev, x_t, b_h``.

    n_h and n_x differ (so a wrong axis or order cannot pass by chance). Float
    weights are scaled by 1 / sqrt(n_h + n_x), as in a real RNN, so that the
    pre-activations are of order 1: the sigmoid is then far from saturated and
    a missing bias or a wrong activation changes the result visibly.
    """
    rng = rng_for(test)
    n_h, n_x = (int(n) for n in rng.choice(np.arange(2, 8), size=2, replace=False))
    def draw(shape, scale=1.0):
        if integers:
            return rng.integers(-9, 10, size=shape)
        return rng.standard_normal(shape) * rng.uniform(0.5, 1.5) * scale

    weight = 1 / np.sqrt(n_h + n_x)
    return (draw((n_h, n_h), weight), draw((n_h, n_x), weight), draw((n_h, m)), draw((n_x, m)),
            draw((n_h, 1)))


def batch_size(test):
    return int(rng_for(test + "/m").integers(2, 6))


ARITY = {"join_weights": (0, 1), "join_state_and_input": (2, 3), "formula_1": (0, 1, 2, 3),
         "formula_2": (0, 1, 2, 3), "hidden_state": (0, 1, 2, 3, 4)}


def check_values(function, f, m=1, integers=False):
    """Hidden value check for ``function`` on one random problem with m columns."""
    test = f"{function}/m={m}/int={integers}"
    problem = draw_problem(test, m if m else batch_size(test), integers)
    args = [problem[i] for i in ARITY[function]]
    if m == 1 or function == "join_weights":
        return check_call(function, f, args)
    originals = [a.copy() for a in args]  # the call may change ``args`` in place
    try:
        return check_call(function, f, args)
    except AssertionError:
        # Right on the first column alone? Then the batch is the problem; if not,
        # this raises the single column's own, more specific hint.
        check_call(function, f, [a[:, :1].copy() if i in (2, 3) else a
                                 for i, a in zip(ARITY[function], originals)])
        fail(f"{function} is right for one column but not for a batch of m columns "
             "(h_t_prev and x_t may hold m examples side by side). Don't flatten, index "
             "[:, 0] or assume one column; numpy's stacking and matmul handle m columns.")


def check_batch(function, f):
    return check_values(function, f, m=0)


def check_sigmoid_values(sigmoid):
    rng = rng_for("sigmoid/values")
    for ndim in (1, 2, 3):
        shape = tuple(int(n) for n in rng.integers(1, 5, size=ndim))
        check_call("sigmoid", sigmoid, [rng.standard_normal(shape) * 4])


def check_sigmoid_scalar(sigmoid):
    z = float(rng_for("sigmoid/scalar").uniform(-3, 3))
    value = call("sigmoid", sigmoid, z, hidden=True)
    expect_value(value, "sigmoid", "sigmoid of a single number")
    if not isinstance(value, (float, np.floating, np.ndarray)) or np.ndim(value) != 0:
        fail(f"sigmoid of a single number returned {describe(value)}; it should return a "
             "number. Use np.exp, which handles numbers and arrays alike.")
    if not close(value, ref_sigmoid(z)):
        hint = diagnose("sigmoid", [np.asarray(z)], value)
        fail("sigmoid of a single number is wrong. "
             + (hint or "sigmoid(z) = 1 / (1 + np.exp(-z))."))


def check_sigmoid_extremes(sigmoid):
    """Large inputs: the result must be finite and saturate at 0 and 1."""
    rng = rng_for("sigmoid/extremes")
    z = np.array([[-1000.0, -750.0, -50.0], [50.0, 750.0, 1000.0]]) * rng.uniform(1.0, 1.2)
    value = check_call("sigmoid", sigmoid, [z])
    return value


def check_formulas_agree(formula_1, formula_2):
    """The lecture's point: both formulas give the same result on the same batch."""
    problem = draw_problem("agree", batch_size("agree"))
    one = check_call("formula_1", formula_1, list(problem[:4]))
    two = check_call("formula_2", formula_2, list(problem[:4]))
    if not close(one, two):
        fail("formula_1 and formula_2 give different results; they should agree.")


def check_activations_agree(sigmoid, formula_1, formula_2):
    """With a bias and the sigmoid, both formulas still agree."""
    problem = draw_problem("activations", batch_size("activations"))
    b_h = problem[4]
    one = check_call("formula_1", formula_1, list(problem[:4]))
    two = check_call("formula_2", formula_2, list(problem[:4]))
    check_call("sigmoid", sigmoid, [one + b_h])
    if not close(call("sigmoid", sigmoid, one + b_h, hidden=True),
                 call("sigmoid", sigmoid, two + b_h, hidden=True)):
        fail("sigmoid(formula_1 + b_h) and sigmoid(formula_2 + b_h) differ; they should agree.")
