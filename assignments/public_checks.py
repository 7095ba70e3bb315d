"""Public checks for the Hidden State Activation assignment.

This file ships with the student notebook, so it holds no solution and no
hidden input: it only checks what a result *is* (a numpy array of the right
shape) and says in plain words what to fix. The hidden checks reuse these
helpers, so every type and shape rule is written once, here.
"""

import re
import warnings

import numpy as np


class Hint(AssertionError):
    """A check failed; the message is the hint the student reads."""


# Dummy data from the lecture: public by design, used by the public checks.
def lecture_data():
    """Return ``w_hh, w_hx, h_t_prev, x_t`` exactly as the lecture builds them."""
    return (np.full((3, 2), 1), np.full((3, 3), 9), np.full((2, 1), 1), np.full((3, 1), 9))


def fail(hint):
    raise Hint(hint)


def describe(value):
    """A short, safe description of a value's type (never its contents)."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    return f"a {type(value).__name__}"


def expect_value(value, function, label=None):
    """Fail with a hint if ``value`` is a placeholder, a list or a tuple, or holds objects.

    ``label`` names the call in the hint (default: the function's name).
    """
    label = label or function
    if value is None:
        fail(
            f"{label} returned None. Replace each `None` between ### START CODE HERE ### "
            "and ### END CODE HERE ### with your code, and make sure that every path through "
            "the function ends in `return` with a result."
        )
    if value is Ellipsis:
        fail(f"{label} returned `...`. Replace the `...` placeholder with your code.")
    if isinstance(value, (list, tuple)):
        fail(
            f"{label} returned {describe(value)}, not a numpy array. Build the result "
            "with numpy (np.concatenate, np.matmul, np.exp, ...) or wrap it in np.array(...)."
        )
    if isinstance(value, np.ndarray) and value.dtype == object:
        fail(f"{label} returned an array of Python objects; return an array of numbers.")


def expect_array(value, function, shape, shape_text=None):
    """Fail with a hint unless ``value`` is a numpy array of ``shape``.

    ``shape_text`` names the shape in symbols, so that hidden checks never
    reveal the size of a hidden input. The only concrete shape a hint shows is
    the one the student's own result has ("returned a numpy array of shape ...").
    """
    shape_text = shape_text or str(shape)
    expect_value(value, function)
    if not isinstance(value, np.ndarray):
        fail(f"{function} returned {describe(value)}; it should return a numpy array. "
             f"{NOT_ARRAY_HINTS.get(function, '')}".strip())
    if value.shape == shape:
        return
    returned = f"{function} returned {describe(value)}"
    if value.ndim != len(shape):
        fail(
            f"{returned}; it should have shape {shape_text}. Keep the column axis: don't "
            "flatten or ravel, and keep inputs as 2-D column vectors."
        )
    if value.shape == shape[::-1]:
        fail(transposed_hint(function, value, shape_text))
    fail(f"{returned}; it should have shape {shape_text}. {SHAPE_HINTS[function]}")


def transposed_hint(function, value, shape_text):
    return (f"{function} returned {describe(value)}, the transpose of the expected {shape_text}. "
            "Check the order of the operands and the axis you join along; don't transpose.")


NOT_ARRAY_HINTS = {
    "sigmoid": "Use np.exp, which works element by element on arrays (math.exp takes single "
    "numbers only).",
}


SHAPE_HINTS = {
    "join_weights": "W_hh and W_hx have the same number of rows: join them side by side "
    "(axis=1, np.hstack), W_hh first.",
    "join_state_and_input": "h_t_prev and x_t have the same number of columns: stack them "
    "one above the other (axis=0, np.vstack), h_t_prev first.",
    "formula_1": "Multiply the joined weights (n_h, n_h + n_x) by the joined state and input "
    "(n_h + n_x, m) with a matrix product.",
    "formula_2": "Add two matrix products: W_hh @ h_t_prev and W_hx @ x_t, each of shape (n_h, m).",
    "sigmoid": "sigmoid works element by element: its result has the same shape as its input.",
    "hidden_state": "The hidden state has one row per hidden unit and one column per example: "
    "(n_h, m).",
}


ERROR_HINTS = [
    # (text in the error message, what to do about it)
    ("NoneType", "A `None` placeholder is still in use: replace it with your code."),
    ("ellipsis", "A `...` placeholder is still in use: replace it with your code."),
    ("converted to Python scalars", "math.exp (and the math module) works on single numbers "
     "only; use np.exp, which works element by element on arrays."),
    ("could not be broadcast", "`*` multiplies element by element; the formulas need a "
     "matrix product: np.matmul(a, b), np.dot(a, b) or a @ b."),
    ("concatenation axis must match", "The arrays you join must agree on every axis but the "
     "one you join along. Weights share their rows (join along axis=1); the state and the "
     "input share their columns (join along axis=0)."),
    ("mismatch in its core dimension", "The matrix product's inner sizes don't match: the "
     "first operand needs as many columns as the second has rows. Check the order of the "
     "operands and how you stacked them."),
    ("non-broadcastable output operand", "An in-place operation (+=, *=, ...) tries to store "
     "a result of another shape in the array it changes. Build a new array instead, such as "
     "z = a + b, and leave the function's arguments as they were."),
    ("Cannot cast ufunc", "An in-place operation (+=, *=, ...) tries to store a result of "
     "another type in the array it changes. Build a new array instead, such as z = a + b, "
     "and leave the function's arguments as they were."),
    ("shapes", "The shapes of the operands don't fit together. Check the order of the "
     "operands and how you stacked them."),
    ("is not defined", "The function uses a name that is not defined when the notebook runs "
     "from top to bottom: a variable or function from a cell that was deleted, comes later or "
     "raised. Define what it needs inside the function (or in a cell above it that runs "
     "cleanly), then restart the kernel and run all cells to check."),
]


NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def call(function, f, *args, hidden=False):
    """Call the student's ``f``; turn an exception into a hint that names it.

    On ``hidden`` inputs the numbers in the error message (sizes, values) are
    masked, so that the hint never reveals a hidden input.
    """
    if not callable(f):
        fail(f"{function} is not defined as a function. Run its cell, and keep the name "
             f"`{function}` and the `def` line as given.")
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args)
    except Exception as error:  # the student's error becomes the student's hint
        last_line = (str(error).strip().splitlines() or [""])[-1][:300]
        hint = next((h for text, h in ERROR_HINTS if text in last_line), "Read the error and "
                    "fix the line it points to; run the cell again before checking.")
        where = ""
        if hidden:
            last_line = NUMBER.sub("…", last_line)
            where = " on hidden inputs (numbers masked as …)"
        fail(f"{function} raised {type(error).__name__}{where}: {last_line}\n{hint}")


def public_check(function, f):
    """Call ``f`` on the lecture's data and check the result's type and shape."""
    value = CALLS[function](lambda *args: call(function, f, *args), *lecture_data())
    expect_array(value, function, EXPECTED_SHAPES[function])


CALLS = {
    "join_weights": lambda f, w_hh, w_hx, h, x: f(w_hh, w_hx),
    "join_state_and_input": lambda f, w_hh, w_hx, h, x: f(h, x),
    "formula_1": lambda f, w_hh, w_hx, h, x: f(w_hh, w_hx, h, x),
    "formula_2": lambda f, w_hh, w_hx, h, x: f(w_hh, w_hx, h, x),
    "sigmoid": lambda f, w_hh, w_hx, h, x: f(np.array([[-2.0, 0.0, 2.0], [1.0, -1.0, 0.5]])),
    "hidden_state": lambda f, w_hh, w_hx, h, x: f(w_hh, w_hx, h, x, np.zeros((3, 1))),
}

EXPECTED_SHAPES = {
    "join_weights": (3, 5),
    "join_state_and_input": (5, 1),
    "formula_1": (3, 1),
    "formula_2": (3, 1),
    "sigmoid": (2, 3),
    "hidden_state": (3, 1),
}
