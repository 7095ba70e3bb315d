"""Public checks for the Hidden State Activation assignment.

This file ships with the student notebook, so it holds no solution and no
hidden input. On the lecture's data it checks what a result *is* (a numpy
array of the right shape); on a few fixed public examples of other sizes
(``EXAMPLES``: several columns, n_h != n_x, distinct entries) it checks what
the result *holds*. The expected results are written below as numbers: they
were computed once with the reference solution, which does not ship. A wrong
result is compared with what each known mistake gives on the same example, so
the student reads the same named hint (``HINTS``) before submitting as the
hidden tests give after grading. The hidden checks reuse these helpers and
hints, so every rule and every hint is written once, here.
"""

import ast
import dis
import functools
import inspect
import re
import sys
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Optional

import numpy as np


NOT_ATTEMPTED = "not_attempted"  # a Hint's kind: a placeholder left in, or no function at all
NAMED = "named"  # a Hint's kind: the check named the mistake itself (the grader keeps its words)
PROPERTY = "property"  # a Hint's kind: it names a property the result breaks (the grader keeps it)


class Hint(AssertionError):
    """A check failed; the message is the hint the student reads, and ``kind`` (where the
    check knows it) what sort of failure it is, for the grader's report. ``values``: the
    result had the right type and shape, and its values were wrong."""

    def __init__(self, text: str, kind: str = "", values: bool = False) -> None:
        super().__init__(text)
        self.kind = kind
        self.values = values


# Dummy data from the lecture: public by design, used by the public checks.
def lecture_data():
    """Return ``w_hh, w_hx, h_t_prev, x_t`` exactly as the lecture builds them."""
    return (np.full((3, 2), 1), np.full((3, 3), 9), np.full((2, 1), 1), np.full((3, 1), 9))


# What the lecture prints for each function on its data (hidden_state with b_h = 0): a
# function that returns these whatever its inputs hard-codes them or reads other cells.
LECTURE_RESULTS = {
    "join_weights": np.array([[1, 1, 9, 9, 9], [1, 1, 9, 9, 9], [1, 1, 9, 9, 9]]),
    "join_state_and_input": np.array([[1], [1], [9], [9], [9]]),
    "formula_1": np.array([[245], [245], [245]]),
    "formula_2": np.array([[245], [245], [245]]),
    "hidden_state": np.array([[1.0], [1.0], [1.0]]),
}


# ------------------------------------------------------------------- hints
# Every named hint, for the public checks and the hidden tests alike. A hint names one
# mistake and its fix; ``{function}`` is filled in with the graded function's name.
HINTS = {
    "join_weights_wrong_order":
        "The blocks are in the wrong order: W_h = [W_hh | W_hx], W_hh first.",
    "join_state_and_input_wrong_order":
        "The blocks are in the wrong order: h_t_prev goes on top, x_t below it.",
    "formula_1_mixed_order":
        "The weight blocks and the state/input blocks are in different orders: W_hh pairs "
        "with h_t_prev and W_hx with x_t, so join both in the order (h, x).",
    "formula_1_state_order":
        "The state and the input are joined in the wrong order: [W_hh | W_hx] multiplies "
        "[h_t_prev; x_t], h_t_prev on top. If formula_1 calls join_state_and_input, fix that "
        "function first.",
    "formula_1_state_part_only":
        "Only the W_hh h_t_prev part is there: multiply the whole W_h by the whole [h; x].",
    "formula_2_input_term_missing": "Only the W_hh h_t_prev term is there: add W_hx x_t.",
    "formula_2_state_term_missing": "Only the W_hx x_t term is there: add W_hh h_t_prev.",
    "formula_2_subtracted":
        "The two products are subtracted: formula 2 adds W_hh h_t_prev and W_hx x_t.",
    "sigmoid_sign_flipped":
        "The sign is flipped: sigmoid(z) = 1 / (1 + np.exp(-z)), with a minus before z.",
    "sigmoid_tanh": "That is tanh, not the sigmoid: sigmoid(z) = 1 / (1 + np.exp(-z)).",
    "sigmoid_precedence":
        "Check the parentheses: 1 / 1 + np.exp(-z) divides 1 by 1 first; write "
        "1 / (1 + np.exp(-z)).",
    "hidden_state_bias_outside":
        "The bias is added after the sigmoid: add b_h inside, sigmoid(W_h [h; x] + b_h).",
    "hidden_state_bias_missing": "The bias b_h is missing: sigmoid(W_h [h; x] + b_h).",
    "hidden_state_sigmoid_missing": "The sigmoid is missing: apply sigmoid to W_h [h; x] + b_h.",
    "hidden_state_tanh":
        "That is tanh; this hidden state uses the sigmoid: sigmoid(W_h [h; x] + b_h).",
    "hidden_state_bias_subtracted": "The bias is subtracted: add it, sigmoid(W_h [h; x] + b_h).",
    # Mistakes that are not one formula: the same text wherever a check finds them.
    "in_place":
        "{function} changes its arguments in place (e.g. with +=, *= or [:] =). Build a new "
        "array instead, such as z = a + b, and leave the inputs as they were.",
    "lecture_answer":
        "{function} returns the lecture's result whatever its inputs: it hard-codes numbers, "
        "or uses variables from other cells (such as w_h, ax or output_1) instead of its "
        "arguments. Compute the result from the function's arguments only.",
    "one_column":
        "{function} is right for one column but not for a batch of m columns (h_t_prev and "
        "x_t may hold m examples side by side). Don't flatten, index [:, 0] or assume one "
        "column; numpy's stacking and matmul handle m columns.",
    "not_finite": "Some results are nan or inf. For large inputs, compute 1 / (1 + np.exp(-z)).",
    "keeps_state":
        "{function} keeps a value from one call to the next (it assigns a global variable), so "
        "what it returns depends on an earlier call: compute everything from its arguments, on "
        "every call.",
    "sigmoid_clipped":
        "Your sigmoid stops changing beyond some distance from 0 (is z clipped, as with "
        "np.clip?): for large inputs it must keep approaching 0 and 1. 1 / (1 + np.exp(-z)) "
        "needs no clipping: where np.exp(-z) overflows to inf, 1 / (1 + inf) is 0.",
    # What a wrong result shows when it matches no mistake above: each names the property
    # the result breaks (see ``seen``). ``{value}`` and the like are filled in by ``hint``.
    "lost_fraction":
        "Your values lost their fractional part: is something cast to int (int(...), "
        ".astype(int), //)? Keep the floats numpy computes.",
    "lost_fraction_like":
        "Your values lost their fractional part: np.zeros_like(z) (and empty_like, ones_like, "
        "full_like) makes an array of z's own type, integers for integer inputs, and what is "
        "stored into it is cut to whole numbers. Give it dtype=float, or compute the result "
        "directly.",
    "negated": "Every value has the wrong sign: your result is the expected one times -1.",
    "scaled":
        "Every value is the expected one times the same factor: look for a number that "
        "multiplies or divides the whole result.",
    "all_zeros":
        "Every value is 0: return the array you computed, not one made with np.zeros or "
        "multiplied by 0.",
    "offset":
        "Every value is off by the same amount: your result is the expected one plus a "
        "constant. Look for a number added to or subtracted from the whole result.",
    "out_of_range":
        "{function} returned values below 0 or above 1, but the sigmoid's values lie between "
        "0 and 1: check that the result is sigmoid(...) and that nothing is added after it.",
    "hidden_state_bias_times":
        "The bias is added {times} times: add b_h once, sigmoid(W_h [h; x] + b_h).",
    "hidden_state_sigmoid_twice":
        "The sigmoid is applied twice: apply it once, to W_h [h; x] + b_h.",
    "sigmoid_at_0": "sigmoid(0) returned {value}; the sigmoid of 0 is 0.5.",
    "sigmoid_at_1":
        "sigmoid(1) returned {value}; the sigmoid of 1 is 1 / (1 + e^-1) = 0.7311. Check "
        "what multiplies z.",
    "sigmoid_range":
        "sigmoid({z}) returned {value}, outside (0, 1): the sigmoid's values lie between 0 "
        "and 1.",
    "sigmoid_not_increasing":
        "sigmoid({a}) returned {at_a} and sigmoid({b}) returned {at_b}: the sigmoid increases "
        "with z.",
    "sigmoid_not_symmetric":
        "sigmoid({z}) + sigmoid(-{z}) is {value}; for the sigmoid it is 1, since "
        "sigmoid(-z) = 1 - sigmoid(z).",
    "math_overflow":
        "math.exp raises OverflowError when its result is too large for a float, as it is "
        "for inputs far from 0; np.exp returns inf there instead (and 1 / (1 + inf) is 0), "
        "so write the sigmoid with np.exp.",
    "power_overflow":
        "A Python number raised to a large power with ** (np.e ** -z, for a single number z "
        "far below 0) raises OverflowError; np.exp returns inf there instead (and "
        "1 / (1 + inf) is 0), so write np.exp(-z).",
    "float_overflow":
        "A calculation on a single Python number overflowed (Python raises OverflowError "
        "where numpy returns inf); compute with numpy, such as np.exp(-z), which returns inf "
        "there (and 1 / (1 + inf) is 0).",
    "broadcast_star":
        "`*` multiplies element by element; the formulas need a matrix product: "
        "np.matmul(a, b), np.dot(a, b) or a @ b.",
    "broadcast":
        "An element-wise operation (+, -, * or /) got two arrays whose shapes do not fit "
        "together. To join arrays, stack them (np.concatenate); to multiply matrices, use a "
        "matrix product (np.matmul or @).",
    "in_place_argument":
        "An in-place operation (+=, *=, ...) tries to store a result of another type in the "
        "array it changes. Build a new array instead, such as z = a + b, and leave the "
        "function's arguments as they were.",
    "in_place_type":
        "An in-place operation (+=, *=, ...) tries to store a result of another type in the "
        "array it changes: a float result in an array of integers (the lecture's data are "
        "integers). Build a new array instead: z = z + b, not z += b.",
    "try_example":
        "To see it: from public_checks import public_example; args, expected = "
        "public_example(\"{function}\"{column}); {function}(*args) returned {value}, "
        "expected {expected}.",
    "foreign_package":
        "Your code imports {package}, which grading does not have (graded code may use numpy "
        "and Python's standard library only): {instead}",
}

# What to use instead of a package that grading does not have, per graded function.
INSTEAD = {
    "sigmoid": "write the sigmoid with numpy's exp, 1 / (1 + np.exp(-z)).",
}
INSTEAD_DEFAULT = "use numpy instead (np.concatenate, np.hstack, np.matmul, np.exp, ...)."


def hint(name, function=None, **values):
    """The named hint, for ``function`` (left as ``{function}`` when None), with ``values``
    filled in."""
    text = HINTS[name] if function is None else HINTS[name].replace("{function}", function)
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def number_wrong(function, named=None):
    """The hint for a wrong result for a single number."""
    return (f"{function} of a single number is wrong.\n"
            + (named or "sigmoid(z) = 1 / (1 + np.exp(-z))."))


def wrong_values(function, named, where="", shown=""):
    """The hint for a result of the right shape whose values are wrong: what was seen
    (``shown``: a public example's result), then on a line of its own the advice."""
    return f"{function} returned the right shape but wrong values{where}.{shown}\n{named}"


def fail(text: str, kind: str = "", values: bool = False) -> None:
    raise Hint(text, kind, values)


def describe(value: object) -> str:
    """A short, safe description of a value's type (never its contents)."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def expect_value(value: object, function: str, label: Optional[str] = None) -> None:
    """Fail with a hint if ``value`` is a placeholder, a list or a tuple, or holds objects.

    ``label`` names the call in the hint (default: the function's name).
    """
    label = label or function
    if value is None:
        fail(
            f"{label} returned None. Replace each `None` between ### START CODE HERE ### "
            "and ### END CODE HERE ### with your code, and make sure that every path through "
            "the function ends in `return` with a result.", NOT_ATTEMPTED
        )
    if value is Ellipsis:
        fail(f"{label} returned `...`. Replace the `...` placeholder with your code.", NOT_ATTEMPTED)
    if isinstance(value, (list, tuple)):
        fail(
            f"{label} returned {describe(value)}, not a numpy array.\nBuild the result "
            "with numpy (np.concatenate, np.matmul, np.exp, ...) or wrap it in np.array(...)."
        )
    if isinstance(value, np.ndarray) and value.dtype == object:
        fail(f"{label} returned an array of Python objects; return an array of numbers.")


def expect_number(value: object, function: str) -> None:
    """Fail with a hint unless ``value``, the result for a single number, is a number."""
    label = f"{function} of a single number"
    expect_value(value, function, label)
    if not isinstance(value, (float, np.floating, np.ndarray)) or np.ndim(value) != 0:
        fail(f"{label} returned {describe(value)}; it should return a number.\nUse np.exp, "
             "which handles numbers and arrays alike.")


def expect_array(value: object, function: str, shape: tuple,
                 shape_text: Optional[str] = None) -> None:
    """Fail with a hint unless ``value`` is a numpy array of ``shape``.

    ``shape_text`` names the shape in symbols, so that hidden checks never
    reveal the size of a hidden input. The only concrete shape a hidden hint
    shows is the one the student's own result has ("returned a numpy array of shape ...").
    """
    shape_text = shape_text or str(shape)
    expect_value(value, function)
    if not isinstance(value, np.ndarray):
        fail(f"{function} returned {describe(value)}; it should return a numpy array.\n"
             f"{NOT_ARRAY_HINTS.get(function, '')}".strip())
    if value.shape == shape:
        return
    returned = f"{function} returned {describe(value)}"
    if value.ndim != len(shape):
        fail(
            f"{returned}; it should have shape {shape_text}.\nKeep the column axis: don't "
            "flatten or ravel, and keep inputs as 2-D column vectors.", PROPERTY
        )
    if value.shape == shape[::-1]:
        fail(transposed_hint(function, value, shape_text), PROPERTY)
    fail(f"{returned}; it should have shape {shape_text}.\n{SHAPE_HINTS[function]}")


def transposed_hint(function: str, value: np.ndarray, shape_text: str) -> str:
    return (f"{function} returned {describe(value)}, the transpose of the expected {shape_text}."
            "\nCheck the order of the operands and the axis you join along; don't transpose.")


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
    ("math range error", HINTS["math_overflow"]),
    ("NoneType", "A `None` placeholder is still in use: replace it with your code."),
    ("ellipsis", "A `...` placeholder is still in use: replace it with your code."),
    ("converted to Python scalars", "math.exp (and the math module) works on single numbers "
     "only; use np.exp, which works element by element on arrays."),
    ("could not be broadcast",
     lambda f: HINTS["broadcast_star"] if code_has(f, "star") else HINTS["broadcast"]),
    ("Numerical result out of range",
     lambda f: HINTS["power_overflow"] if code_has(f, "power") else HINTS["float_overflow"]),
    ("concatenation axis must match", "The arrays you join must agree on every axis but the "
     "one you join along. Weights share their rows (join along axis=1); the state and the "
     "input share their columns (join along axis=0)."),
    ("mismatch in its core dimension", "The matrix product's inner sizes don't match: the "
     "first operand needs as many columns as the second has rows. Check the order of the "
     "operands and how you stacked them."),
    ("non-broadcastable output operand", "An in-place operation (+=, *=, ...) tries to store "
     "a result of another shape in the array it changes. Build a new array instead, such as "
     "z = a + b, and leave the function's arguments as they were."),
    ("Cannot cast ufunc", lambda f: HINTS["in_place_type"] if code_has(f, "local_in_place")
     else HINTS["in_place_argument"]),
    ("shapes", "The shapes of the operands don't fit together. Check the order of the "
     "operands and how you stacked them."),
    ("is not defined", "The function uses a name that is not defined when the notebook runs "
     "from top to bottom: a variable or function from a cell that was deleted, comes later or "
     "raised. Define what it needs inside the function (or in a cell above it that runs "
     "cleanly), then restart the kernel and run all cells to check."),
]


# ------------------------------------------------------------ packages
# What graded code may import: numpy and Python's standard library (the notebook should say
# the same).
GRADING_PACKAGES = frozenset({"numpy", "__main__"}) | frozenset(sys.stdlib_module_names)
NO_MODULE = re.compile(r"No module named '([^'.]+)")


def package_hint(function, package):
    return HINTS["foreign_package"].format(package=package,
                                           instead=INSTEAD.get(function, INSTEAD_DEFAULT))


def foreign_packages(f, seen=None):
    """Packages beyond ``GRADING_PACKAGES`` that ``f`` imports or uses, sorted.

    Only for a function defined in the notebook (``__main__``); helpers it calls
    that are defined there too are followed. In the grader ``f`` is a stand-in
    for the student's function and this finds nothing: there, a missing package
    shows as the ModuleNotFoundError that :func:`call` turns into the same hint.
    """
    code = getattr(f, "__code__", None)
    if code is None or getattr(f, "__module__", None) != "__main__":
        return []
    seen = set() if seen is None else seen
    if code in seen:
        return []
    seen.add(code)
    found = set()
    for each in _code_objects(code):
        for instruction in dis.get_instructions(each):
            name = instruction.argval
            if not isinstance(name, str):
                continue
            if instruction.opname == "IMPORT_NAME":
                found.add(name.split(".")[0])
            elif instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME") and name in f.__globals__:
                found |= _packages_of(f.__globals__[name], seen)
    return sorted(p for p in found if p and p not in GRADING_PACKAGES)


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if inspect.iscode(const):
            yield from _code_objects(const)


def _packages_of(value, seen):
    if inspect.ismodule(value):
        return {value.__name__.split(".")[0]}
    if inspect.isfunction(value) and value.__module__ == "__main__":
        return set(foreign_packages(value, seen))
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and module:
        return {module.split(".")[0]}
    if callable(value):  # e.g. a ufunc from another package, which names no module
        for name, loaded in list(sys.modules.items()):
            top = name.split(".")[0]
            if top not in GRADING_PACKAGES and loaded is not None and \
                    any(v is value for v in list(getattr(loaded, "__dict__", {}).values())):
                return {top}
    return set()


# ------------------------------------------------------------ the function's own code
# A hint that says something about the student's code ("`*` multiplies element by element")
# says it only where the code holds it. The code is read as text with ast.parse, never run:
# in the notebook inspect finds the function's cell; in the grader each stand-in carries the
# student's definition as ``hsa_source``. Where neither is there, no such claim is made.
def source_of(f: object) -> Optional[str]:
    """The source text of ``f``'s definition, or None where it cannot be read."""
    text = getattr(f, "hsa_source", None)
    if isinstance(text, str):
        return text or None
    try:
        return inspect.getsource(f)
    except (OSError, TypeError):
        return None


def _names(node: ast.AST) -> Optional[str]:
    """The name a call or attribute ends in (``np.multiply`` -> ``multiply``)."""
    func = node.func if isinstance(node, ast.Call) else node
    return getattr(func, "attr", None) or getattr(func, "id", None)


def _in_place_targets(tree: ast.Module) -> Iterator[tuple]:
    """``(target name, is an argument)`` for each ``x += ...`` of the function (a parameter
    the function assigns anew, as ``z = z.copy()``, is its own array)."""
    definition = next((n for n in tree.body if isinstance(n, ast.FunctionDef)), None)
    assigned = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                for t in n.targets if isinstance(t, ast.Name)}
    parameters = {a.arg for a in definition.args.args} - assigned if definition else set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign):
            target = node.target
            while isinstance(target, (ast.Subscript, ast.Attribute)):
                target = target.value
            if isinstance(target, ast.Name):
                yield target.id, target.id in parameters


def _operators(tree: ast.Module, op: type) -> bool:
    return any(isinstance(n, (ast.BinOp, ast.AugAssign)) and isinstance(n.op, op)
               for n in ast.walk(tree))


def _calls(tree: ast.Module, *names: str) -> bool:
    return any(isinstance(n, ast.Call) and _names(n) in names for n in ast.walk(tree))


CODE_FACTS = {  # fact: (words the code must hold to be worth parsing, what its syntax must hold)
    "star": (("*", "multiply"), lambda tree: _operators(tree, ast.Mult)
             or _calls(tree, "multiply")),
    "power": (("**", "pow"), lambda tree: _operators(tree, ast.Pow)
              or _calls(tree, "power", "pow")),
    "global": (("global", "nonlocal"), lambda tree: any(isinstance(n, (ast.Global, ast.Nonlocal))
                                                        for n in ast.walk(tree))),
    "like": (("_like",), lambda tree: _calls(tree, "zeros_like", "empty_like", "ones_like",
                                             "full_like")),
    "local_in_place": (("=",), lambda tree: any(not own for _name, own
                                                in _in_place_targets(tree))),
}


def code_has(f: object, fact: str) -> bool:
    """Does ``f``'s code hold ``fact`` (a key of ``CODE_FACTS``)? False where it cannot be
    read."""
    text = source_of(f)
    words, holds = CODE_FACTS[fact]
    if not text or not any(word in text for word in words):
        return False
    tree = _parsed(text)
    return tree is not None and holds(tree)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> Optional[ast.Module]:
    try:
        return ast.parse(textwrap.dedent(text))
    except (SyntaxError, ValueError, RecursionError):
        return None


def with_code_facts(function: str, f: object, failed: Hint) -> Hint:
    """``failed`` (a Hint), its advice replaced by what ``f``'s code shows to be the cause,
    where it shows one: a value kept from one call to the next."""
    if failed.kind == NOT_ATTEMPTED or not code_has(f, "global"):
        return failed
    return Hint(str(failed).split("\n")[0] + "\n" + hint("keeps_state", function), NAMED,
                failed.values)


# The advice where nothing more specific is known: for a wrong result that breaks no property
# ``seen`` checks, and for an error no ``ERROR_HINTS`` entry explains. ``hsa catalogue``
# counts the lost points whose hint is only this.
GENERIC_VALUES = "Check the formula against the lecture"
GENERIC_ERROR = "Read the error and fix the line it points to"


def is_generic(text):
    """Does the hint ``text`` give only generic advice (no property, mistake or cause)?"""
    return GENERIC_VALUES in text or GENERIC_ERROR in text


# ------------------------------------------------------------ calling
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
INTEGER = re.compile(r"[-+]?\d+")
# A number right after one of these words, or right before "-dimensional", names an axis,
# an index or a number of dimensions: numpy's wording, not an input's size or value.
AXIS_BEFORE = re.compile(r"(?:axis|dimension|dim|index|argument|operand)\s+$", re.I)
AXIS_AFTER = re.compile(r"-dim|-D\b")


def hidden_numbers(args):
    """The integers that could reveal a hidden input: sizes (and their sums and products)
    and integer values. 0 and 1 are left out: no hidden size is below 2."""
    arrays = [np.asarray(a) for a in args]
    sizes = {int(n) for a in arrays for n in a.shape} | {int(a.size) for a in arrays}
    sizes |= {a + b for a in sizes for b in sizes} | {a * b for a in sizes for b in sizes}
    values = {abs(int(v)) for a in arrays if a.dtype.kind in "iub" for v in a.ravel()}
    return (sizes | values) - {0, 1}


def mask_hidden(text, args):
    """Mask what may carry a hidden input: every decimal number, every integer that equals
    a hidden size or value, and every other integer above 1 except axes and indices."""
    secret = hidden_numbers(args)

    def mask(match):
        token = match.group(0)
        if not INTEGER.fullmatch(token):
            return "…"
        number = abs(int(token))
        if number in secret:
            return "…"
        if number <= 1 or AXIS_BEFORE.search(text[:match.start()]) \
                or AXIS_AFTER.match(text, match.end()):
            return token
        return "…"

    return NUMBER.sub(mask, text)


def call(function: str, f: object, *args: object, hidden: bool = False) -> object:
    """Call the student's ``f``; turn an exception into a hint that names it.

    On ``hidden`` inputs, what in the error message may reveal them (sizes and
    values) is masked; numpy's wording, axes and indices are kept.
    """
    if not callable(f):
        fail(f"{function} is not defined as a function. Run its cell, and keep the name "
             f"`{function}` and the `def` line as given. If its cell raises an error (such as "
             "ModuleNotFoundError for a package that grading does not have), fix that first.",
             NOT_ATTEMPTED)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(*args)
    except Exception as error:  # the student's error becomes the student's hint
        last_line = (str(error).strip().splitlines() or [""])[-1][:300]
        missing = NO_MODULE.search(last_line)
        if missing:
            advice = package_hint(function, missing.group(1))
        else:
            advice = next((h(f) if callable(h) else h for text, h in ERROR_HINTS
                           if text in last_line),
                          f"{GENERIC_ERROR}; run the cell again before checking.")
        where = your_line(error)
        if hidden:
            last_line = mask_hidden(last_line, args)
            where += " on hidden inputs (sizes and values masked as …)"
        fail(f"{function} raised {type(error).__name__}{where}: {last_line}\n{advice}")


NOTEBOOK_CODE = ("ipykernel_", "<ipython-input", "<code cell")  # how kernels name a cell's code


def your_line(error):
    """Where in the student's own cell the error arose (" at line 3 of the cell that defines
    `join_weights`"), so that they need not read Otter's "Error at line N in test ..."
    (a line of Otter's test file). Empty where no frame is the notebook's: in the grader,
    the student's code runs in another process and only its message comes back."""
    frame, traceback = None, error.__traceback__
    while traceback is not None:
        if any(mark in traceback.tb_frame.f_code.co_filename for mark in NOTEBOOK_CODE):
            frame = traceback
        traceback = traceback.tb_next
    if frame is None or frame.tb_frame.f_code.co_name.startswith("<"):
        return ""
    return (f" at line {frame.tb_lineno} of the cell that defines "
            f"`{frame.tb_frame.f_code.co_name}`")


# ------------------------------------------------------------ comparing
RTOL = 1e-6


def close(value, expected):
    """Relative closeness: max error within RTOL of the expected result's scale.

    The scale is the largest magnitude of the expected result, or 1 when that is
    below 1 (sigmoid values lie in (0, 1)). Both must be finite (an infinite scale
    would make every finite result close).
    """
    value, expected = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if value.shape != expected.shape or not np.all(np.isfinite(value)) \
            or not np.all(np.isfinite(expected)):
        return False
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return float(np.max(np.abs(value - expected), initial=0.0)) <= RTOL * scale


def same_as_lecture(function, value):
    """Is ``value`` exactly what the lecture prints for ``function``?"""
    lecture = LECTURE_RESULTS.get(function)
    return lecture is not None and isinstance(value, np.ndarray) \
        and value.shape == lecture.shape and np.array_equal(value, lecture)


# ------------------------------------------------------------ what a wrong result shows
# A wrong result that matches no named mistake is tested for properties it breaks, so that
# its hint names what was seen. These rules read arrays only: the result, the expected
# result and the inputs. Only the sigmoid's needs one more call (on ``SIGMOID_PROBE``, a
# fixed public input, so its numbers may be shown even in a hidden test's hint).
def seen(function: str, value: object, expected: np.ndarray, args: Sequence,
         f: object = None, hidden: bool = False) -> Optional[str]:
    """The hint naming a property that ``value``, a wrong result of the right shape, breaks;
    None when it breaks none of them."""
    integers = np.asarray(value).dtype.kind in "biu"
    value, expected = np.asarray(value, dtype=float), np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(value)):
        return hint("not_finite")
    found = _lost_fraction(value, expected, integers)
    if found and code_has(f, "like"):
        found = hint("lost_fraction_like")
    if not found and function == "sigmoid" and f is not None:
        found = probe_sigmoid(f, hidden)  # its own numbers say more than any array rule
    for rule in (*FUNCTION_RULES.get(function, ()), _negated, _scaled, _offset):
        found = found or rule(value, expected, args)
    return found.replace("{function}", function) if found else None


def _lost_fraction(value, expected, integers):
    """Whole numbers where the expected ones have fractions: a result of integer type, or
    the expected one cut to whole numbers (all zeros only if of integer type: a float 0
    is more likely an array never filled in)."""
    if np.array_equal(expected, np.round(expected)):
        return None  # whole numbers: a cast to int loses nothing here
    cut = any(np.array_equal(value, cut(expected)) for cut in (np.trunc, np.floor, np.round))
    if integers or (cut and np.any(value)):
        return hint("lost_fraction")
    return None


def _negated(value, expected, args):
    return hint("negated") if close(value, -expected) else None


def _spread(expected):
    """Do the expected values differ? (On one value, every wrong result is scaled and
    offset, which says nothing.)"""
    return expected.size > 1 and np.ptp(expected) > RTOL


def _scaled(value, expected, args):
    if not _spread(expected):
        return None
    factor = float(np.sum(value * expected) / np.sum(expected * expected))
    if not close(value, factor * expected):
        return None
    return hint("all_zeros") if abs(factor) < RTOL else hint("scaled")


def _offset(value, expected, args):
    shift = value - expected
    if _spread(expected) and close(shift, np.full_like(shift, np.mean(shift))):
        return hint("offset")
    return None


def _out_of_range(value: np.ndarray, expected: np.ndarray, args: Sequence) -> Optional[str]:
    """Values the sigmoid never takes: below 0 or above 1. (Exactly 0 or 1 it does take: in
    floats it saturates for large inputs, and a wrong pre-activation gets large ones.)"""
    return hint("out_of_range") if np.any((value < 0) | (value > 1)) else None


def _logistic(z):
    with np.errstate(all="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _clipped(value: np.ndarray, expected: np.ndarray, args: Sequence) -> Optional[str]:
    """A sigmoid of z clipped to [lo, hi]: its values at the largest and smallest z give
    lo and hi; the rest must follow."""
    z = np.asarray(args[0], dtype=float)
    if z.shape != value.shape or z.size < 2 or not np.all((value > 0) & (value < 1)):
        return None
    logit = np.log(value / (1 - value))
    lo, hi = float(logit.flat[np.argmin(z)]), float(logit.flat[np.argmax(z)])
    if not (np.min(z) < lo - 1e-6 or np.max(z) > hi + 1e-6):
        return None  # nothing was cut off
    return hint("sigmoid_clipped") if close(value, _logistic(np.clip(z, lo, hi))) else None


def _bias_relations(value, expected, args):
    """hidden_state = sigmoid(W_h [h; x] + b_h): is the result built from the same parts,
    the bias added k times, the sigmoid left out or applied twice, the bias outside it?"""
    if not np.all((expected > 0) & (expected < 1)):
        return None
    bias = np.broadcast_to(np.asarray(args[4], dtype=float), expected.shape)
    weighted = np.log(expected / (1 - expected)) - bias  # W_h [h; x], from the expected result
    if close(value, _logistic(expected)):
        return hint("hidden_state_sigmoid_twice")
    for times in range(10):
        if close(value, weighted + times * bias):
            return hint("hidden_state_sigmoid_missing")
        if times != 1 and close(value, _logistic(weighted) + times * bias):
            return hint("hidden_state_bias_outside")
        if times > 1 and close(value, _logistic(weighted + times * bias)):
            return hint("hidden_state_bias_times", times=times)
    return None


FUNCTION_RULES = {
    "sigmoid": (_clipped, _out_of_range),
    "hidden_state": (_bias_relations, _out_of_range),
}

# A fixed public input for the sigmoid's properties: its value at 0, its range, that it
# increases, and that sigmoid(-z) = 1 - sigmoid(z).
SIGMOID_PROBE = np.array([[-2.0, -1.0, 0.0, 1.0, 2.0]])
SIGMOID_OF_1 = 0.7310585786300049


def probe_sigmoid(f, hidden=False):
    """Call ``f`` on ``SIGMOID_PROBE``; the hint naming each property it breaks, or None
    (also when the call fails or returns something else than an array of its shape)."""
    try:
        value = call("sigmoid", f, SIGMOID_PROBE.copy(), hidden=hidden)
    except Hint:
        return None
    if not isinstance(value, np.ndarray) or value.shape != SIGMOID_PROBE.shape \
            or value.dtype.kind not in "biuf":
        return None
    z, s = SIGMOID_PROBE[0], value[0].astype(float)
    broken = []
    if not close(s[2], 0.5):
        broken.append(hint("sigmoid_at_0", value=_number(s[2])))
    outside = [i for i in range(len(z)) if not 0 <= s[i] <= 1]
    if outside:
        broken.append(hint("sigmoid_range", z=f"{z[outside[-1]]:g}",
                           value=_number(s[outside[-1]])))
    falling = [i for i in range(len(z) - 1) if not s[i] < s[i + 1]]
    if falling:
        i = falling[0]
        broken.append(hint("sigmoid_not_increasing", a=f"{z[i]:g}", at_a=_number(s[i]),
                           b=f"{z[i + 1]:g}", at_b=_number(s[i + 1])))
    if not close(s[-1] + s[0], 1.0):
        broken.append(hint("sigmoid_not_symmetric", z=f"{z[-1]:g}",
                           value=_number(s[-1] + s[0])))
    if not broken and not close(s[3], SIGMOID_OF_1):
        broken.append(hint("sigmoid_at_1", value=_number(s[3])))
    return " ".join(broken) or None


def _number(x):
    """A number as a hint shows it: 4 significant digits, a whole number as 2.0."""
    text = f"{float(x):.4g}"
    return text if any(c in text for c in ".ein") else text + ".0"


def _array(a: object) -> str:
    """An array as a hint shows it, on one line: [[7, -3], [-11, 19]] (floats to 4
    significant digits, so that 4.54e-05 does not read as 0.0)."""
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return str(a.tolist())
    return str(np.vectorize(lambda x: float(f"{x:.4g}"), otypes=[float])(a).tolist())


def first_difference(value: object, expected: np.ndarray) -> str:
    """The first entry where ``value`` is not ``expected``, at full precision, and by how
    much: " First difference: entry [1, 0] is 4.5397868702434395e-05, expected 0.0 (off by
    4.54e-05)." ("" where no entry differs)."""
    value, expected = np.asarray(value), np.asarray(expected)
    scale = max(1.0, float(np.max(np.abs(expected.astype(float)), initial=0.0)))
    wrong = np.argwhere(~(np.abs(value.astype(float) - expected.astype(float)) <= RTOL * scale))
    if value.shape != expected.shape or not len(wrong):
        return ""
    where = tuple(int(i) for i in wrong[0])
    got, want = value[where].item(), expected[where].item()
    return (f" First difference: entry {list(where)} is {got!r}, expected {want!r} (off by "
            f"{abs(float(got) - float(want)):.3g}).")


# ------------------------------------------------------------ public examples
@dataclass
class Example:
    """Fixed public inputs, the expected result, and each named mistake's result on them."""
    args: tuple
    expected: np.ndarray
    mistakes: dict = field(default_factory=dict)  # hint name -> wrong result
    where: str = " on a public example"
    column: int = None  # which column of EXAMPLES[function] this one is, if only one
    inline: bool = False  # shown with its input written out (not one of EXAMPLES)

    def one_column(self, positions, j):
        """The same example with only column ``j`` of the arguments at ``positions``."""
        args = tuple(a[:, j:j + 1] if i in positions else a for i, a in enumerate(self.args))
        mistakes = {name: wrong[:, j:j + 1] for name, wrong in self.mistakes.items()}
        return Example(args, self.expected[:, j:j + 1], mistakes,
                       f" on a public example with one column (column {j})", j)


# Integer examples: n_h = 2, n_x = 3, m = 4.
W_HH = np.array([[2, -1], [4, 3]])
W_HX = np.array([[1, 5, -2], [-3, 0, 6]])
H_T_PREV = np.array([[1, -2, 3, 0], [2, 0, -1, 4]])
X_T = np.array([[3, 1, -1, 2], [0, 2, 4, -3], [-2, 5, 1, 1]])
# Float examples, for formula_2 (whose result has fractions, which a cast to int would lose)
# and hidden_state (pre-activations of order 1, so that the sigmoid is far from saturated).
F_W_HH = np.array([[0.5, -0.3], [0.2, 0.4]])
F_W_HX = np.array([[0.1, -0.6, 0.3], [-0.2, 0.5, 0.7]])
F_H_T_PREV = np.array([[0.9, -0.4, 0.1, -1.2], [0.3, 0.8, -0.7, 0.5]])
F_X_T = np.array([[1.0, -0.5, 0.6, 0.2], [-0.8, 0.3, 1.1, -0.4], [0.4, -1.0, -0.2, 0.9]])
F_B_H = np.array([[0.25], [-0.4]])
Z = np.array([[-3.0, -1.5, -0.5, 0.0], [0.25, 1.0, 2.0, 4.0]])

# The expected results and the mistakes' results below are numbers, computed once with the
# reference solution (tests/test_catalogue.py checks them against it).
EXAMPLES = {
    "join_weights": Example(
        (W_HH, W_HX),
        np.array([[2, -1, 1, 5, -2], [4, 3, -3, 0, 6]]),
        {"join_weights_wrong_order":
         np.array([[1, 5, -2, 2, -1], [-3, 0, 6, 4, 3]])}),
    "join_state_and_input": Example(
        (H_T_PREV, X_T),
        np.array([[1, -2, 3, 0], [2, 0, -1, 4], [3, 1, -1, 2], [0, 2, 4, -3], [-2, 5, 1, 1]]),
        {"join_state_and_input_wrong_order":
         np.array([[3, 1, -1, 2], [0, 2, 4, -3], [-2, 5, 1, 1], [1, -2, 3, 0], [2, 0, -1, 4]])}),
    "formula_1": Example(
        (W_HH, W_HX, H_T_PREV, X_T),
        np.array([[7, -3, 24, -19], [-11, 19, 18, 12]]),
        {"formula_1_mixed_order":
         np.array([[7, -5, 7, 9], [9, 35, 4, 3]]),
         "formula_1_state_order":
         np.array([[5, -5, 12, 0], [30, -5, -1, 20]]),
         "formula_1_state_part_only":
         np.array([[0, -4, 7, -4], [10, -8, 9, 12]])}),
    "formula_2": Example(
        (F_W_HH, F_W_HX, F_H_T_PREV, F_X_T),
        np.array([[1.06, -0.97, -0.4, -0.22], [-0.02, -0.21, 0.03, 0.35]]),
        {"formula_2_input_term_missing":
         np.array([[0.36, -0.44, 0.26, -0.75], [0.3, 0.24, -0.26, -0.04]]),
         "formula_2_state_term_missing":
         np.array([[0.7, -0.53, -0.66, 0.53], [-0.32, -0.45, 0.29, 0.39]]),
         "formula_2_subtracted":
         np.array([[-0.34, 0.09, 0.92, -1.28], [0.62, 0.69, -0.55, -0.43]])}),
    "sigmoid": Example(
        (Z,),
        np.array([[0.04742587317756678, 0.18242552380635635, 0.3775406687981454, 0.5],
                  [0.5621765008857981, 0.7310585786300049, 0.8807970779778823,
                   0.9820137900379085]]),
        {"sigmoid_sign_flipped":
         np.array([[0.9525741268224334, 0.8175744761936437, 0.6224593312018546, 0.5],
                   [0.43782349911420193, 0.2689414213699951, 0.11920292202211755,
                    0.01798620996209156]]),
         "sigmoid_tanh":
         np.array([[-0.9950547536867305, -0.9051482536448665, -0.46211715726000974, 0.0],
                   [0.24491866240370913, 0.7615941559557649, 0.9640275800758169,
                    0.999329299739067]]),
         "sigmoid_precedence":
         np.array([[21.085536923187668, 5.4816890703380645, 2.648721270700128, 2.0],
                   [1.778800783071405, 1.3678794411714423, 1.1353352832366128,
                    1.0183156388887342]])}),
    "hidden_state": Example(
        (F_W_HH, F_W_HX, F_H_T_PREV, F_X_T, F_B_H),
        np.array([[0.7875131558774608, 0.32739298293223956, 0.46257015465625045,
                   0.5074994375506203],
                  [0.3965167501352737, 0.35205919791934975, 0.40854102156721994,
                   0.4875026035157896]]),
        {"hidden_state_bias_outside":
         np.array([[0.9926905453026857, 0.5248805022101769, 0.651312339887548,
                    0.6952207648927853],
                   [0.09500016666000027, 0.047692090425674794, 0.1074994375506203,
                    0.1866175789173301]]),
         "hidden_state_bias_missing":
         np.array([[0.7426905453026857, 0.2748805022101769, 0.401312339887548,
                    0.4452207648927852],
                   [0.4950001666600003, 0.4476920904256748, 0.5074994375506203,
                    0.5866175789173301]]),
         "hidden_state_sigmoid_missing":
         np.array([[1.31, -0.72, -0.15000000000000002, 0.03],
                   [-0.42000000000000004, -0.61, -0.37, -0.0500000000000001]]),
         "hidden_state_tanh":
         np.array([[0.864275412846011, -0.616909302877065, -0.14888503362331798,
                    0.029991003238820143],
                   [-0.39693043200507755, -0.5441270988535675, -0.35399171247704597,
                    -0.04995837495788007]]),
         "hidden_state_bias_subtracted":
         np.array([[0.6921095043017882, 0.22793645057321624, 0.34298953732650117,
                    0.38461624360881785],
                   [0.5938731029341427, 0.5473576181430894, 0.6058736684317606,
                    0.679178699175393]])}),
}
# Where h_t_prev and x_t sit among each function's arguments (the ones that have columns).
COLUMNS = {"join_state_and_input": (0, 1), "formula_1": (2, 3), "formula_2": (2, 3),
           "hidden_state": (2, 3)}
SIGMOID_OF_NUMBER = (0.75, 0.679178699175393)
# Single numbers far from 0 (a Python float, a numpy scalar): finite results, no OverflowError.
SIGMOID_FAR = ((-800.0, 0.0), (np.float64(750.0), 1.0))
SIGMOID_EXTREMES = Example((np.array([[-1000.0, -750.0], [750.0, 1000.0]]),),
                           np.array([[0.0, 0.0], [1.0, 1.0]]), where=" for large inputs",
                           inline=True)
# The lecture's data are integers: the sigmoid of an integer array holds fractions.
SIGMOID_INTEGERS = Example((np.array([[-4, -1, 0, 3]]),),
                           np.array([[0.01798620996209156, 0.2689414213699951, 0.5,
                                      0.9525741268224334]]),
                           where=" for integer inputs", inline=True)


def public_example(function, column=None):
    """The public example for ``function``: ``(arguments, expected result)``, to try yourself;
    with ``column``, only that column of h_t_prev and x_t (and of the result)."""
    example = EXAMPLES[function]
    if column is not None:
        example = example.one_column(COLUMNS[function], column)
    return tuple(a.copy() for a in example.args), example.expected.copy()


def check_example(function: str, f: object, example: Example) -> None:
    """Call ``f`` on a public example; fail with the named hint unless the result is right."""
    args = [a.copy() for a in example.args]  # the student's function may change them
    value = call(function, f, *args)
    if any(not np.array_equal(a, b) for a, b in zip(args, example.args)):
        fail(hint("in_place", function), NAMED)
    if same_as_lecture(function, value):
        fail(hint("lecture_answer", function), NAMED)
    expect_array(value, function, example.expected.shape)
    if not close(value, example.expected):
        named = next((hint(name) for name, wrong in example.mistakes.items()
                      if close(value, wrong)), None)
        kind = NAMED if named else PROPERTY
        named = named or seen(function, value, example.expected, example.args, f)
        kind = kind if named else ""
        fail(wrong_values(function, named or f"{GENERIC_VALUES}. {SHAPE_HINTS[function]}",
                          example.where,
                          " " + shown(function, example, value)), kind, values=True)


def shown(function: str, example: Example, value: object) -> str:
    """How to see a failed public example for yourself: its inputs, what was expected and
    what was returned (all public)."""
    difference = first_difference(value, example.expected)
    if example.inline:
        return (f"{function}({_array(example.args[0])}) returned {_array(value)}, expected "
                f"{_array(example.expected)}.{difference}")
    column = "" if example.column is None else f", column={example.column}"
    return hint("try_example", function, column=column, value=_array(value),
                expected=_array(example.expected)) + difference


def public_check(function: str, f: object) -> None:
    """Check ``f``: type and shape on the lecture's data, then values on public examples."""
    try:
        _public_check(function, f)
    except Hint as failed:
        raise with_code_facts(function, f, failed) from None


def _public_check(function: str, f: object) -> None:
    for package in foreign_packages(f):
        fail(package_hint(function, package), NAMED)
    try:
        value = CALLS[function](lambda *args: call(function, f, *args), *lecture_data())
    except Hint as lecture:
        # An error on the lecture's data (whose W_hh is not square): where the public example
        # returns wrong values, they show the mistake better than the error does.
        try:
            check_example(function, f, EXAMPLES[function])
        except Hint as example:
            if example.values:
                raise
        raise lecture
    expect_array(value, function, EXPECTED_SHAPES[function])
    example = EXAMPLES[function]
    try:
        check_example(function, f, example)
    except Hint:
        if function not in COLUMNS:
            raise
        # Wrong on the batch: say "right for one column" only if each column alone is right;
        # else this raises the first wrong column's own hint.
        for j in range(example.expected.shape[1]):
            check_example(function, f, example.one_column(COLUMNS[function], j))
        fail(hint("one_column", function), NAMED)
    if function == "sigmoid":
        check_example(function, f, SIGMOID_INTEGERS)
        check_example(function, f, SIGMOID_EXTREMES)
        for number, expected in (SIGMOID_OF_NUMBER, *SIGMOID_FAR):
            value = call(function, f, number)
            expect_number(value, function)
            if not close(value, expected):
                found = probe_sigmoid(f)
                fail(number_wrong(function, found), PROPERTY if found else "")


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


# ================================================================ notebook environment
# What the notebook's set-up cell imports: ``from public_checks import grader``. ``grader`` is
# made on first import (module ``__getattr__``), so the hidden tests and the trusted grader,
# which import this file too, never start Otter. It is Otter's grader where Otter can run; on
# Google Colab, where Otter 7 cannot run tests kept in the notebook, a stand-in that runs the
# same public checks; without otter-grader, one that says what to install.

PASSED = ("Public checks passed: right type and shape on the lecture's data, right values on the "
          "public examples. Hidden tests on other sizes and values decide your grade.")
"""What a passed check says (the master's public test cells have it as ``success_message``)."""
INSTALL_OTTER = (
    "The checks need otter-grader, which is not installed here: run `%pip install otter-grader` "
    "in a new cell (or `pip install otter-grader` in a terminal), then restart the kernel and run "
    "this cell again.")
COLAB_EXPORT = ("On Google Colab, hand in the notebook itself: File > Download > Download .ipynb, "
                "then upload that file.")
TCP_NOTICE = r"(\[\w*KernelApp\] WARNING \| Kernel is running over TCP without encryption\..*\s*)+\Z"
"""ipykernel's notice, which ``grader.export`` repeats as a warning from the fresh kernel it runs."""


def __getattr__(name):
    if name != "grader":
        raise AttributeError(f"module 'public_checks' has no attribute {name!r}")
    global grader
    grader = _make_grader()
    return grader


def _make_grader():
    # The export runs the saved notebook in a fresh kernel and repeats what it logs: hide the notice.
    warnings.filterwarnings("ignore", TCP_NOTICE, RuntimeWarning, r"otter\.check\.utils")
    if "google.colab" in sys.modules:
        return ColabChecks()
    try:
        import otter
    except ModuleNotFoundError as missing:
        if missing.name != "otter":
            raise
        return NoChecks(INSTALL_OTTER)
    return otter.Notebook(this_notebook())


def this_notebook():
    """The notebook's file name, whatever it is called (a browser saves a second download as
    "... (1).ipynb"): the one VS Code or Jupyter says is open, otherwise the latest saved."""
    import glob
    import os
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    user = getattr(shell, "user_ns", {})
    for path in (user.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        name = os.path.basename(path or "")
        if name.endswith(".ipynb") and os.path.isfile(name):  # Jupyter runs in the notebook's folder
            return name
    saved = sorted(glob.glob("hidden_state_activation*.ipynb") or glob.glob("*.ipynb"),
                   key=os.path.getmtime)
    if len(saved) > 1:
        print(f"Several notebooks are in this folder: Otter checks and exports {saved[-1]!r}, "
              "saved last.")
    return saved[-1] if saved else None


class NoChecks:
    """Stands in for Otter's grader where Otter cannot run: every check cell says why."""

    def __init__(self, why):
        self.why = why
        print(why)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: print(self.why)


class CheckResult:
    """One question's public check, shown as Otter shows its result in a notebook."""

    def __init__(self, question, error=None):
        self.question, self.error = question, error

    def __repr__(self):
        case = f"{self.question} - 1"  # Otter's name for a test file's first, unnamed case
        if self.error is None:
            return f"{self.question} results: All test cases passed!\n{case} message: {PASSED}"
        message = str(self.error).strip("'")
        failed = f"❌ Test case failed\n{type(self.error).__name__}: {message}"
        return (f"{self.question} results:\n    {case} result:\n"
                + "\n".join("        " + line for line in failed.splitlines()))


class ColabChecks:
    """Otter's ``grader`` on Google Colab: the same public checks and hints, run here."""

    def check(self, question, global_env=None):
        env = global_env if global_env is not None else sys._getframe(1).f_globals
        try:
            public_check(question, env.get(question))
        except Exception as error:  # what Otter's test case would report
            return CheckResult(question, error)
        return CheckResult(question)

    def check_all(self):
        env = sys._getframe(1).f_globals
        print("\n\n".join(repr(self.check(question, env)) for question in CALLS))

    def export(self, *args, **kwargs):
        print(COLAB_EXPORT)
