"""The mutation score of a master's hidden tests: how many of each function's mutants they kill.

A mutant (:mod:`hsa.trusted.mutants`) is a plausible mistake made mechanically from the
master's solution code. Each one is put in place of its function, where the solution's
other graded functions call it too, and the master's hidden tests of that function's own
question are run on it, here in this process: all of it is instructor code, so no
sandbox. A mutant is *killed* when one of those tests loses a point. A mutant that gives
the solution's results (the same values within 1e-6, or the same error) on every input
the master's checks give that function, public and hidden, under every seed tried, is
*equivalent*: a valid rewrite (``np.hstack`` for ``np.concatenate(..., axis=1)``), not a
mistake. (The public checks' inputs count: the lecture's own data are there, so a slip
that only its integers show is a mistake the hidden tests must catch.) A mutant neither
killed nor equivalent is a *survivor*: a gap in the hidden tests, or an equivalence that
only other inputs would show.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from hsa.trusted.autograder import Autograder
from hsa.trusted.diagnosis import Diagnoser, agrees
from hsa.trusted.grader import run_case
from hsa.trusted.mutants import Mutant, Solution
from hsa.trusted.result import Result


@dataclass
class Score:
    """One graded function's mutants, and what the hidden tests made of them."""

    function: str
    mutants: int = 0
    killed: int = 0
    equivalent: list = field(default_factory=list)  # Mutant
    survivors: list = field(default_factory=list)  # Mutant

    @property
    def mistakes(self) -> int:
        """The mutants that are mistakes: all but the equivalent ones."""
        return self.mutants - len(self.equivalent)


def scores(autograder: Autograder, seeds: Sequence) -> list:
    """A Score per graded function of ``autograder``'s master, in question order, from its
    hidden tests under each of ``seeds``; [] for a zip without the solution code."""
    if not autograder.solution:
        return []
    diagnoser = Diagnoser(autograder.solution, autograder.graded_functions)
    names = [n for n in autograder.questions if n in diagnoser.solution.graded]
    inputs = check_inputs(autograder, diagnoser.solution, seeds)
    found = []
    for name in names:
        score = Score(name)
        for mutant in diagnoser.singles(name):
            score.mutants += 1
            if all(agrees(diagnoser.cached(mutant.compiled, args),
                          diagnoser.reference(name, args)) for args in inputs[name]):
                score.equivalent.append(mutant)
            elif any(kills(autograder, seed, diagnoser.solution, mutant) for seed in seeds):
                score.killed += 1
            else:
                score.survivors.append(mutant)
        found.append(score)
    return found


def check_inputs(autograder: Autograder, solution: Solution, seeds: Sequence) -> dict:
    """Every input each graded function gets while the master's checks, public and hidden,
    run on the solution (directly or from another graded function), under each seed."""
    inputs = {name: [] for name in solution.graded}
    for seed in seeds:
        autograder.activate(seed)
        env = _solution_env(solution, record=inputs)
        for test_file in autograder.tests:
            for case in test_file.test_cases:
                run_case(test_file, case, env)
    return inputs


def kills(autograder: Autograder, seed: int, solution: Solution, mutant: Mutant) -> bool:
    """Does a hidden test of the mutant's own question lose a point with it in place?"""
    autograder.activate(seed)
    env = _solution_env(solution, replace={mutant.function: mutant.compiled})
    return any(not run_case(test_file, case, env).passed
               for test_file in autograder.tests if test_file.name == mutant.function
               for case in test_file.test_cases if case.hidden)


def _solution_env(solution: Solution, replace: dict | None = None,
                  record: dict | None = None) -> dict:
    """The solution's graded functions, rebound to a namespace of their own in which
    ``replace`` (name -> function) stands in, and each call's arguments are appended to
    ``record[name]`` where given."""
    import types

    namespace = dict(solution.namespace)
    for name in solution.graded:
        function = (replace or {}).get(name, solution.reference(name))
        rebound = types.FunctionType(function.__code__, namespace, name, function.__defaults__)
        namespace[name] = rebound if record is None else _recorded(rebound, record[name])
    return {name: namespace[name] for name in solution.graded}


def _recorded(function: Callable, calls: list) -> Callable:
    def recorded(*args: object) -> object:
        calls.append(tuple(a.copy() if hasattr(a, "copy") else a for a in args))
        return function(*args)
    recorded.__name__ = function.__name__
    return recorded


def report(found: list, seeds: Sequence) -> list:
    """The mutation score as ``hsa catalogue`` prints it: a line per function, then each
    survivor with its sentence and code."""
    lines = [f"mutation score (the hidden tests of each function's own question, seeds "
             f"{', '.join(map(str, seeds))}):"]
    for score in found:
        lines.append(f"  {score.function:22} killed {score.killed}/{score.mistakes} mistakes "
                     f"({score.mutants} mutants, {len(score.equivalent)} equivalent)")
    for score in found:
        for mutant in score.survivors:
            lines.append(f"  SURVIVED {score.function}: {mutant.sentence}")
            lines += [f"      {line}" for line in mutant.source.splitlines()]
    killed = sum(s.killed for s in found)
    lines.append(f"mutants killed {killed}/{sum(s.mistakes for s in found)} "
                 f"(equivalent, left out: {sum(len(s.equivalent) for s in found)})")
    return lines


# ------------------------------------------------------------ the generator's mistakes, graded
def graded_mutants(autograder: Autograder, seed: int, isolation: str | None = None,
                   folder: str | None = None) -> Iterator[tuple]:
    """Grade every single mutant as a student's submission (the master with that function's
    cell replaced by the mutant), with ``seed``; yields ``(mutant, equivalent, result)``.
    Equivalence is judged on the checks' inputs of that very seed."""
    import pathlib
    import tempfile

    from hsa.sandbox.isolation import choose_isolation
    from hsa.trusted.grader import grade_file

    from .variants import variant

    isolation = isolation or choose_isolation(allow_unsandboxed=False)
    with tempfile.TemporaryDirectory(prefix="hsa-mutants-") as tmp:
        for score in scores(autograder, [seed]):
            kept = {m.source for m in score.equivalent}
            for index, mutant in enumerate(_singles(autograder, score.function)):
                path = pathlib.Path(folder or tmp) / f"{score.function}_mutant_{index}.ipynb"
                variant(path, replace={score.function: mutant.source})
                yield (mutant, mutant.source in kept,
                       grade_file(path, path.stem, autograder, seed, isolation))


def _singles(autograder: Autograder, name: str) -> list:
    from hsa.trusted.diagnosis import diagnoser_for
    return diagnoser_for(autograder).singles(name)


def unnamed_losses(mutant: Mutant, result: Result) -> list:
    """The failed hidden checks of the mutant's own question whose hint names no mistake:
    neither the diagnosis' sentence for it, nor advice of a check that named the mistake or a
    property itself ([] when every lost point is named)."""
    from hsa.outcomes import HintKind

    found = {f.sentence for f in result.findings if f.function == mutant.function
             and not f.public and f.sentence}
    own = [t for t in result.tests if t.question == mutant.function and not t.passed]
    kept = {line for t in own if t.kind in (HintKind.NAMED, HintKind.PROPERTY)
            for line in t.hint.splitlines()[1:]}
    return [t for t in own if t.hidden and not (any(s in t.hint for s in found)
                                                 or kept & set(t.hint.splitlines()[1:]))]

