"""Mutants of the master's solution: the slips a student plausibly makes, made mechanically.

An AST pass over each graded function of the master's solution code (``solution.py`` in
the autograder zip, which ``hsa assign`` writes from the master's solution cells) makes
one *mutant* per small change at one place of the code: two arguments or operands
swapped, an operand or the result transposed, ``@`` for ``*`` and back, ``+`` for ``-``,
a term dropped or repeated, another ``axis`` (or none), ``np.vstack`` for
``np.concatenate`` and the like, the arrays of a join added instead, another graded
function called, a function applied twice or not at all, a constant changed, a
parenthesis lost, a parameter used in another's place or left out. :func:`pairs` makes
the mutants with two such changes at separate places. Nothing here knows the
assignment: the same pass works for any master (``tests/test_mutants.py``).

Each mutant carries a plain sentence, written from the code it changed, that says what is
wrong ("`w_hh` and `w_hx` are joined in the wrong order: `w_hh` comes first").

Mutants are instructor code: the trusted grader runs them (never the student's code) on
the inputs a check gave the student's function, and compares what they return with what
the student's function returned (:mod:`.diagnosis`).
"""

import ast
import copy
import functools
import itertools
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Optional

import numpy as np

# numpy functions that do the same kind of thing, so one may be written for another.
JOINS = ("concatenate", "hstack", "vstack", "stack", "column_stack", "array")
PRODUCTS = ("matmul", "dot", "multiply")
FAMILIES = {name: JOINS for name in JOINS} | {name: PRODUCTS for name in PRODUCTS}
REDUCTIONS = ("sum", "mean", "max", "min", "prod")
TAKES_AXIS = {"concatenate", "stack", *REDUCTIONS}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/",
             ast.Pow: "**"}
VERBS = {ast.Add: "added", ast.Sub: "subtracted",
         ast.Mult: "multiplied element by element (`*`)", ast.MatMult: "matrix-multiplied",
         ast.Div: "divided", ast.Pow: "raised to a power"}
PRODUCT_VERBS = {"matmul": VERBS[ast.MatMult], "dot": VERBS[ast.MatMult],
                 "multiply": VERBS[ast.Mult]}  # the same words as the operators'


OTHER_OPERATORS = {ast.Add: (ast.Sub, ast.Mult), ast.Sub: (ast.Add,),
                   ast.Mult: (ast.MatMult, ast.Add), ast.MatMult: (ast.Mult,),
                   ast.Div: (ast.Mult,), ast.Pow: (ast.Mult,)}
ORDERED = (ast.Sub, ast.Div, ast.MatMult, ast.Pow)  # operands whose order matters
PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.MatMult: 2, ast.Div: 2, ast.Pow: 3}
AXES = (0, 1, -1, None)
Path = tuple[tuple[str, Optional[int]], ...]  # (field, index or None) steps to a node


def _join_way(name: str | None, axis: object) -> str:
    """How a join puts 2-D arrays together, in words: what it does, whatever it is called
    (``np.hstack`` and ``axis=1`` read the same, so neither is claimed of the student)."""
    if name in ("hstack", "column_stack") or (name == "concatenate" and axis in (1, -1)):
        return "side by side (along axis 1)"
    if name == "vstack" or (name == "concatenate" and axis == 0):
        return "one above the other (along axis 0)"
    return {"concatenate": "flattened, end to end (axis=None)",
            "stack": "along a new axis, as np.stack does",
            "array": "as the items of a new array, as np.array does"}.get(name or "",
                                                                          f"by np.{name}")


@dataclass(frozen=True)
class Edit:
    """One change at one place of a function: the node at ``path`` becomes ``node``."""

    path: Path  # the steps from the function's definition
    node: ast.expr
    sentence: str
    left_out: str = ""  # for a parameter left out (made zeros): its name


@dataclass
class Mutant:
    """A graded function of the solution with one or two edits, and what is wrong with it."""

    function: str
    edits: tuple[Edit, ...]
    source: str  # the mutated function, as code (without its docstring)
    compiled: types.FunctionType  # made in the solution's namespace
    parts: tuple[str, ...] = ()  # a pair's two single mutants, by source

    @property
    def sentence(self) -> str:
        return " ".join(edit.sentence for edit in self.edits)

    def function_in(self, namespace: dict[str, object]) -> types.FunctionType:
        """The mutated function with ``namespace`` as its globals (a copy of the solution's,
        where other functions stand in for the graded ones it calls)."""
        return types.FunctionType(self.compiled.__code__, namespace, self.function,
                                  self.compiled.__defaults__)


def code(node: ast.AST) -> str:
    return ast.unparse(node)


def q(node: ast.AST) -> str:
    """A node as the sentence quotes it."""
    return f"`{code(node)}`"


# ------------------------------------------------------------------ the places
def _places(function: ast.FunctionDef) -> list[tuple[Path, ast.expr, ast.AST]]:
    """``(path, node, parent)`` for every expression the function computes with (assignment
    targets left out; :func:`load_solution` has left the docstring out already), outermost
    first."""
    found: list[tuple[Path, ast.expr, ast.AST]] = []

    def visit(node: ast.AST, path: Path, parent: ast.AST) -> None:
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                if not isinstance(child, ast.AST):
                    continue
                step = path + ((field, index if isinstance(value, list) else None),)
                if isinstance(child, ast.expr) and not isinstance(
                        getattr(child, "ctx", None), (ast.Store, ast.Del)):
                    found.append((step, child, node))
                visit(child, step, child)

    for index, statement in enumerate(function.body):
        visit(statement, (("body", index),), statement)
    return found


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def _replace(function: ast.FunctionDef, path: Path, node: ast.AST) -> ast.FunctionDef:
    """A copy of ``function`` with the node at ``path`` replaced by ``node``. Only the nodes
    (and lists) on ``path`` are copied, the rest shared with ``function``, which no step
    after this changes (a deep copy per mutant was most of the trusted side's cost of a
    diagnosis that tries pairs)."""
    changed = copy.copy(function)
    parent: ast.AST = changed
    for step, (field, index) in enumerate(path, start=1):
        value = getattr(parent, field)
        if index is not None:
            value = list(value)
            setattr(parent, field, value)
        here = value[index] if index is not None else value
        child = _located(node, here) if step == len(path) else copy.copy(here)
        if index is None:
            setattr(parent, field, child)
        else:
            value[index] = child
        parent = child
    return changed


def _located(node: ast.AST, where: ast.AST) -> ast.AST:
    """``node``, and the new nodes inside it, placed where ``where`` was: compile needs a
    line for every node, and only the new ones lack one (making our solution's mutants took
    155 ms with every node of each mutant's function visited to fix locations, 124 ms without)."""
    if getattr(node, "lineno", None) is None:  # a node of the solution keeps its own
        ast.copy_location(node, where)
    return ast.fix_missing_locations(node)


# ------------------------------------------------------------------ the changes
def _numpy_name(call: ast.Call) -> str | None:
    """``concatenate`` for ``np.concatenate(...)``, else None."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id in ("np", "numpy"):
        return func.attr
    return None


def _np(name: str) -> ast.Attribute:
    return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())


def _call(func: ast.expr, args: Iterable[ast.expr],
          keywords: Iterable[ast.keyword] = ()) -> ast.Call:
    return ast.Call(func, list(args), list(keywords))


def _binop_edits(node: ast.BinOp, path: Path) -> Iterator[Edit]:
    left, right, op = node.left, node.right, type(node.op)
    if op not in OPERATORS:
        return
    for other in OTHER_OPERATORS[op]:
        yield Edit(path, ast.BinOp(left, other(), right),
                   f"{q(left)} and {q(right)} are {VERBS[other]}; they should be {VERBS[op]}: "
                   f"{q(node)}.")
    if op in ORDERED:
        yield Edit(path, ast.BinOp(right, op(), left),
                   f"{q(left)} and {q(right)} are in the wrong order: write {q(node)}.")
    for kept, dropped in ((left, right), (right, left)):
        yield Edit(path, kept, f"{q(dropped)} is missing from {q(node)}.")
    if op in (ast.Add, ast.Sub):
        yield Edit(path, ast.BinOp(node, op(), right), f"{q(right)} is {VERBS[op]} twice.")
    for inner, regrouped in _regroupings(node):
        yield Edit(path, regrouped, f"{q(inner)} needs its parentheses in {q(node)}: "
                                    f"without them it computes {q(regrouped)}.")


def _regroupings(node: ast.BinOp) -> Iterator[tuple[ast.BinOp, ast.BinOp]]:
    """``(group, node without the group's parentheses)``: what ``1 / (1 + e)`` computes
    when the parentheses are lost (``1 / 1 + e``)."""
    op = type(node.op)
    right = node.right
    if isinstance(right, ast.BinOp) and PRECEDENCE.get(type(right.op), 9) < PRECEDENCE[op]:
        yield right, ast.BinOp(ast.BinOp(node.left, op(), right.left), right.op, right.right)
    left = node.left
    if isinstance(left, ast.BinOp) and PRECEDENCE.get(type(left.op), 9) < PRECEDENCE[op]:
        yield left, ast.BinOp(left.left, left.op, ast.BinOp(left.right, op(), node.right))


def _unary_edits(node: ast.UnaryOp, path: Path) -> Iterator[Edit]:
    if isinstance(node.op, ast.USub):
        yield Edit(path, node.operand, f"{q(node.operand)} lost its minus sign: the formula "
                                       f"has {q(node)}.")


def _swap(items: list[ast.expr], i: int, j: int) -> list[ast.expr]:
    items = list(items)
    items[i], items[j] = items[j], items[i]
    return items


def _call_edits(node: ast.Call, path: Path, graded: dict[str, list[str]],
                callers: set[str]) -> Iterator[Edit]:
    name = _numpy_name(node)
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    for i, j in itertools.combinations(range(len(positional)), 2):
        yield Edit(path, _call(node.func, _swap(node.args, i, j), node.keywords),
                   f"{q(positional[i])} and {q(positional[j])} are in the wrong order in "
                   f"{q(node)}.")
    if name in FAMILIES:
        yield from _family_edits(node, path, name)
    if name in JOINS and node.args and isinstance(node.args[0], (ast.Tuple, ast.List)):
        yield from _join_edits(node, path, name)
    yield from _axis_edits(node, path, name)
    if len(node.args) == 1 and not node.keywords:
        yield from _applied_edits(node, path)
    callee = node.func.id if isinstance(node.func, ast.Name) else None
    if callee in graded:
        for other in graded:
            if other != callee and other not in callers and len(graded[other]) == len(node.args):
                yield Edit(path, _call(ast.Name(other, ast.Load()), node.args, node.keywords),
                           f"`{other}` is called where `{callee}` belongs: {q(node)}.")
        for kept in (a for a in positional if isinstance(a, ast.Name)):
            if len(positional) > 1:
                yield Edit(path, kept, f"{q(kept)} alone is used where {q(node)} belongs.")


def _axis_of(call: ast.Call, default: object = 0) -> object:
    for keyword in call.keywords:
        if keyword.arg == "axis" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return default


def _changed(node: ast.Call, new: ast.Call) -> str:
    """The sentence for ``node`` (a numpy call) done as ``new`` (another call): how the arrays
    are joined or multiplied, in words."""
    name, other = _numpy_name(node), _numpy_name(new)
    if name in JOINS and node.args and isinstance(node.args[0], (ast.Tuple, ast.List)):
        joined = " and ".join(q(item) for item in node.args[0].elts)
        return (f"{joined} are joined {_join_way(other, _axis_of(new))}; the formula joins them "
                f"{_join_way(name, _axis_of(node))}: {q(node)}.")
    if name in PRODUCT_VERBS and other in PRODUCT_VERBS and len(node.args) == 2:
        return (f"{q(node.args[0])} and {q(node.args[1])} are {PRODUCT_VERBS[other]}; they "
                f"should be {PRODUCT_VERBS[name]}: {q(node)}.")
    if name in REDUCTIONS and _axis_of(new, None) is None:
        return f"`np.{name}` runs over every entry: `axis` is missing from {q(node)}."
    return f"{q(new)} is written where the formula has {q(node)}."


def _family_edits(node: ast.Call, path: Path, name: str) -> Iterator[Edit]:
    for other in FAMILIES[name]:
        if other == name:
            continue
        keywords = [k for k in node.keywords if k.arg != "axis" or other in TAKES_AXIS]
        new = _call(_np(other), node.args, keywords)
        yield Edit(path, new, _changed(node, new))


def _join_edits(node: ast.Call, path: Path, name: str) -> Iterator[Edit]:
    container = node.args[0]
    assert isinstance(container, (ast.Tuple, ast.List))
    items = container.elts
    joined = " and ".join(q(item) for item in items)
    for i, j in itertools.combinations(range(len(items)), 2):
        yield Edit(path, _call(node.func, [_like(container, _swap(items, i, j)), *node.args[1:]],
                               node.keywords),
                   f"{joined} are joined in the wrong order: {q(items[i])} comes first.")
    if len(items) > 1:
        for i, item in enumerate(items):
            rest = items[:i] + items[i + 1:]
            yield Edit(path, _call(node.func, [_like(container, rest), *node.args[1:]],
                                   node.keywords),
                       f"{q(item)} is left out of the join {q(node)}.")
    if len(items) == 2:
        yield Edit(path, ast.BinOp(items[0], ast.Add(), items[1]),
                   f"{joined} are added instead of joined: {q(node)}.")
    for other in (n for n in JOINS if n != "array"):
        keywords = [k for k in node.keywords if k.arg != "axis" or other in TAKES_AXIS]
        unpacked = _call(_np(other), [*items, *node.args[1:]], keywords)
        yield Edit(path, unpacked, f"`np.{other}` takes the arrays in one tuple, not as "
                                   f"separate arguments as in {q(unpacked)}; the join is "
                                   f"{q(node)}.")


def _like(container: ast.Tuple | ast.List, items: list[ast.expr]) -> ast.Tuple | ast.List:
    """A tuple or a list, as ``container`` is, of ``items``."""
    return ast.Tuple(items, ast.Load()) if isinstance(container, ast.Tuple) else \
        ast.List(items, ast.Load())


def _axis_edits(node: ast.Call, path: Path, name: str | None) -> Iterator[Edit]:
    for index, keyword in enumerate(node.keywords):
        if keyword.arg != "axis" or not isinstance(keyword.value, ast.Constant):
            continue
        old = keyword.value.value
        for new in (a for a in AXES if a != old):
            keywords = list(node.keywords)
            keywords[index] = ast.keyword("axis", ast.Constant(new))
            changed = _call(node.func, node.args, keywords)
            yield Edit(path, changed, _changed(node, changed))
        changed = _call(node.func, node.args, node.keywords[:index] + node.keywords[index + 1:])
        yield Edit(path, changed, _changed(node, changed))


def _applied_edits(node: ast.Call, path: Path) -> Iterator[Edit]:
    """A function of one argument applied twice, not at all, or to the first term only."""
    (argument,) = node.args
    name = q(node.func)
    yield Edit(path, argument, f"{name} is not applied to {q(argument)}: {q(node)}.")
    yield Edit(path, _call(node.func, [node]), f"{name} is applied twice: {q(node)}.")
    if isinstance(argument, ast.BinOp) and type(argument.op) in VERBS:
        inward = ast.BinOp(_call(node.func, [argument.left]), argument.op, argument.right)
        yield Edit(path, inward, f"{q(argument.right)} is {VERBS[type(argument.op)]} after "
                                 f"{name}, outside it; it belongs inside: {q(node)}.")


def _transposed(node: ast.expr) -> ast.Attribute:
    return ast.Attribute(node, "T", ast.Load())


def _name_edits(node: ast.Name, path: Path, parameters: list[str],
                parent: ast.AST) -> Iterator[Edit]:
    if node.id not in parameters:
        return
    for other in parameters:
        if other != node.id:
            yield Edit(path, ast.Name(other, ast.Load()),
                       f"`{other}` is used where `{node.id}` belongs.")
    yield Edit(path, _transposed(node), f"{q(node)} is transposed; the formula uses it as it is.")
    if not (isinstance(parent, ast.BinOp) and type(parent.op) in (ast.Add, ast.Sub)):
        # (a term of a sum left out is the term dropped: that edit says it already)
        yield Edit(path, _call(_np("zeros_like"), [node]), left_out_sentence([node.id]),
                   node.id)


def left_out_sentence(names: list[str]) -> str:
    """The sentence for parameters left out (made zeros), one or several that give the
    same results."""
    which = " or ".join(f"`{name}`" for name in names)
    return (f"{which} is left out: your results are what the formula gives with "
            f"{'it' if len(names) == 1 else 'either'} all zeros.")


def _constant_edits(node: ast.Constant, path: Path, parent: ast.AST) -> Iterator[Edit]:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or isinstance(parent, ast.keyword):
        return
    for new in sorted({value + 1, value - 1} - {value}):
        yield Edit(path, ast.Constant(type(value)(new)),
                   f"{new:g} is written where the formula has {value:g}: "
                   f"{q(parent) if isinstance(parent, ast.expr) else q(node)}.")


def _edits(function: ast.FunctionDef, graded: dict[str, list[str]],
           callers: set[str]) -> Iterator[Edit]:
    """Every single edit of ``function`` (a FunctionDef), in the order they are tried."""
    parameters = [a.arg for a in function.args.args]
    for path, node, parent in _places(function):
        if isinstance(node, ast.BinOp):
            yield from _binop_edits(node, path)
            yield from _in_place_edit(node, path)
        elif isinstance(node, ast.UnaryOp):
            yield from _unary_edits(node, path)
        elif isinstance(node, ast.Call):
            yield from _call_edits(node, path, graded, callers)
            yield from _power_edit(node, path)
        elif isinstance(node, ast.Name):
            yield from _name_edits(node, path, parameters, parent)
        elif isinstance(node, ast.Constant):
            yield from _constant_edits(node, path, parent)
        if isinstance(node, ast.Call) and isinstance(parent, (ast.Call, ast.BinOp)):
            yield Edit(path, _transposed(node), f"{q(node)} is transposed; the formula uses "
                                                 "it as it is.")
        if isinstance(parent, ast.Return) and parent.value is node:
            yield Edit(path, _transposed(node), "The result is transposed.")
            if parameters:
                yield _stored_like(node, path, parameters[0])


# Slips that give the solution's results on most inputs, and not on the lecture's: integers,
# or a single number far from 0.
IN_PLACE = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply"}
TEMPORARY = "_kept"  # the name a mutant gives a value it works on in place


def _in_place_edit(node: ast.BinOp, path: Path) -> Iterator[Edit]:
    """``a + b`` done as ``a += b``: in ``a``'s own array, whatever its type."""
    if type(node.op) not in IN_PLACE or isinstance(node.left, ast.Constant):
        return
    kept = ast.NamedExpr(ast.Name(TEMPORARY, ast.Store()), node.left)
    done = _call(_np(IN_PLACE[type(node.op)]), [kept, node.right],
                 [ast.keyword("out", ast.Name(TEMPORARY, ast.Load()))])
    yield Edit(path, done, f"{q(node.right)} is {VERBS[type(node.op)]} in place, into the array "
                           f"of {q(node.left)} (as `z {OPERATORS[type(node.op)]}= ...` does): an "
                           "array of integers cannot take a float result; write "
                           f"{q(node)}.")


def _power_edit(node: ast.Call, path: Path) -> Iterator[Edit]:
    """``np.exp(x)`` written ``np.e ** x``: the same on arrays; on a single Python number
    far from 0, ** raises OverflowError where np.exp gives inf."""
    if _numpy_name(node) == "exp" and len(node.args) == 1 and not node.keywords:
        power = ast.BinOp(_np("e"), ast.Pow(), node.args[0])
        yield Edit(path, power, f"{q(power)} is written for {q(node)}: on a single number far "
                                "from 0 it raises OverflowError, where np.exp gives inf.")


def _stored_like(node: ast.expr, path: Path, first: str) -> Edit:
    """The result stored into an array made like the first argument (``np.zeros_like``):
    of its type, so integers for integer inputs."""
    kept = ast.NamedExpr(ast.Name(TEMPORARY, ast.Store()),
                         _call(_np("zeros_like"), [ast.Name(first, ast.Load())]))
    stored = ast.BoolOp(ast.Or(), [
        _call(_np("copyto"), [kept, node], [ast.keyword("casting", ast.Constant("unsafe"))]),
        ast.Name(TEMPORARY, ast.Load())])
    return Edit(path, stored, f"The result is stored into `np.zeros_like({first})`, which has "
                              f"the type of `{first}`: integers for integer inputs, so every "
                              "value is cut to a whole number.")


# ------------------------------------------------------------------ the mutants
@dataclass(eq=False)  # hashed by identity: its methods' results are cached per solution
class Solution:
    """The master's solution code, compiled: its graded functions and their mutants."""

    source: str
    graded: dict[str, list[str]]  # name -> parameter names, for each graded function it defines
    definitions: dict[str, ast.FunctionDef]
    namespace: dict[str, object]  # the solution's globals: numpy, the graded functions

    def reference(self, name: str) -> types.FunctionType:
        function = self.namespace[name]
        assert isinstance(function, types.FunctionType)
        return function

    @functools.cache
    def calls(self, name: str) -> frozenset[str]:
        """The graded functions ``name``'s code calls, directly or through others."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            for node in ast.walk(self.definitions[todo.pop()]):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id in self.graded and node.func.id not in seen:
                    seen.add(node.func.id)
                    todo.append(node.func.id)
        return frozenset(seen - {name})

    def callers(self, name: str) -> set[str]:
        """The graded functions whose code reaches ``name``."""
        return {other for other in self.graded if name in self.calls(other)} | {name}


def load_solution(source: str, graded_names: Iterable[str]) -> Solution:
    """Compile the master's solution code (instructor code, from the autograder zip)."""
    tree = ast.parse(source)
    definitions = {node.name: node for node in tree.body
                   if isinstance(node, ast.FunctionDef) and node.name in graded_names}
    namespace: dict[str, object] = {"__name__": "hsa_solution", "np": np}
    exec(compile(tree, "<solution>", "exec"), namespace)
    graded = {name: [a.arg for a in node.args.args] for name, node in definitions.items()}
    bare = {name: _without_docstring(node) for name, node in definitions.items()}
    return Solution(source, graded, bare, namespace)


def _without_docstring(function: ast.FunctionDef) -> ast.FunctionDef:
    """``function`` without its docstring, which no edit touches and which would be most of
    what each mutant's source is written out from (escaping its characters took a quarter of
    the time to make our solution's 1,500 mutants: 209 ms, 155 ms without)."""
    if not _is_docstring(function.body[0]):
        return function
    bare = copy.copy(function)
    bare.body = function.body[1:] or [ast.copy_location(ast.Pass(), function.body[0])]
    return bare


def _mutant(solution: Solution, name: str, edits: tuple[Edit, ...]) -> Mutant:
    """The solution's ``name`` with ``edits``, made in the solution's namespace (instructor
    code: a ``def`` statement only)."""
    definition = solution.definitions[name]
    for edit in edits:
        definition = _replace(definition, edit.path, edit.node)
    module = ast.Module([definition], [])
    scope: dict[str, object] = {}
    exec(compile(module, f"<mutant of {name}>", "exec"), solution.namespace, scope)
    function = scope[name]
    assert isinstance(function, types.FunctionType)
    return Mutant(name, edits, code(definition), function)


def single(solution: Solution, name: str) -> list[Mutant]:
    """The mutants of ``name`` with one edit each, each source once, in the order tried."""
    definition = solution.definitions[name]
    seen, mutants = {code(definition)}, []  # type: set[str], list[Mutant]
    for edit in _edits(definition, solution.graded, solution.callers(name)):
        mutant = _mutant(solution, name, (edit,))
        if mutant.source not in seen:
            seen.add(mutant.source)
            mutants.append(mutant)
    return mutants


def pairs(solution: Solution, name: str, singles: list[Mutant]) -> list[Mutant]:
    """The mutants of ``name`` with two edits at separate places (neither inside the other),
    each source once and none the same as a single one."""
    seen = {m.source for m in singles} | {code(solution.definitions[name])}
    mutants: list[Mutant] = []
    for first, second in itertools.combinations(singles, 2):
        a, b = first.edits[0], second.edits[0]
        if a.path[:len(b.path)] == b.path or b.path[:len(a.path)] == a.path:
            continue
        mutant = _mutant(solution, name, (a, b))
        mutant.parts = (first.source, second.source)
        if mutant.source not in seen:
            seen.add(mutant.source)
            mutants.append(mutant)
    return mutants
