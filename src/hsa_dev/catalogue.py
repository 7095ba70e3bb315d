"""``hsa catalogue``: grade the catalogues of known mistakes and valid alternatives.

Each case is a small Python file under ``tests/catalogue/``: a header of
``# key: value`` comment lines, then the student's code for one or more graded
functions (see :func:`hsa_dev.variants.split_source`)::

    # question: sigmoid
    # hint: np.exp
    # about: math.exp works on one number at a time
    import math


    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

``mistakes/`` holds wrong code: it must lose points on its ``question``, and
one of that question's failed *hidden* tests must show a hint containing
``hint``. A mistake is also *caught before submission* when a public check of
its question fails on it (public checks carry no points: they are what the
student runs in the notebook); ``named`` when that public hint contains
``hint`` too. A mistake may also say what its whole feedback must hold
(``# feedback: ...``) and must never hold (``# never: ...``, a claim that would be
false for it). ``alternatives/`` holds other correct solutions: each must get
full marks and pass every public check. ``cascades/`` holds one wrong function
(``# root: join_weights``) that right functions use (``# dependents: formula_1,
hidden_state``): the root must lose points on its own, each dependent only
through the root, and the feedback must say so once, at the root ("Fix
`join_weights` first: ..."), while each dependent's section points there
instead of repeating a hint; ``# score: 7``, when given, is the score the case
must get (tracing causes never changes one). Every case is graded by the same
trusted, sandboxed grader as a submission. For every case the command also
counts the lost points whose hint names what is wrong (``named_losses``):
every one must, so a mistake whose hint is only generic advice fails it too.

Last, it prints the mutation score of the master's hidden tests (:mod:`.mutation`): for
each graded function, how many of the mutants made from the master's solution the
hidden tests of its question kill, and each survivor. Every mistake must be killed.
"""

import argparse
import pathlib
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hsa.project import CATALOGUE as FOLDER

if TYPE_CHECKING:
    from hsa.trusted.autograder import Autograder
    from hsa.trusted.result import Result

from .variants import variant

KINDS = ("mistakes", "alternatives", "cascades")
HEADER = re.compile(r"#\s*(\w+):\s*(.*?)\s*$")
VERDICTS = {("mistakes", True): "caught", ("mistakes", False): "MISSED",
            ("alternatives", True): "accepted", ("alternatives", False): "REJECTED",
            ("cascades", True): "traced", ("cascades", False): "UNTRACED"}
SUMMARIES = {"mistakes": "caught by the hidden tests", "alternatives": "valid alternatives accepted",
             "cascades": "root causes traced"}
# Did a public check catch the mistake: with the mistake's own hint, with another, or not.
PUBLIC_NAMED, PUBLIC_CAUGHT, PUBLIC_MISSED = "named", "caught", "no"


@dataclass
class Case:
    name: str
    kind: str  # one of KINDS: "mistakes", "alternatives" or "cascades"
    source: str  # the student's code, without the header
    meta: dict = field(default_factory=dict)
    path: pathlib.Path = None

    @property
    def question(self):
        return self.meta.get("question", "")

    @property
    def hint(self):
        return self.meta.get("hint", "")

    @property
    def root(self):
        return self.meta.get("root", "")

    @property
    def dependents(self):
        return [d.strip() for d in self.meta.get("dependents", "").split(",") if d.strip()]


def read_case(path, kind):
    path = pathlib.Path(path)
    lines = path.read_text().splitlines()
    meta = {}
    while lines and (match := HEADER.fullmatch(lines[0])):
        meta[match.group(1)] = match.group(2)
        lines.pop(0)
    case = Case(path.stem, kind, "\n".join(lines).strip("\n") + "\n", meta, path)
    if kind == "mistakes" and not (case.question and case.hint):
        raise ValueError(f"{path}: a mistake needs '# question:' and '# hint:' lines")
    if kind == "cascades" and not (case.root and case.dependents):
        raise ValueError(f"{path}: a cascade needs '# root:' and '# dependents:' lines")
    return case


def load_cases(folder=FOLDER, kinds=KINDS):
    """Every case under ``folder``, mistakes first, by name. Names are unique across kinds
    (each case is graded as ``<name>.ipynb``, and results are looked up by name)."""
    cases = [read_case(path, kind) for kind in kinds
             for path in sorted((pathlib.Path(folder) / kind).glob("*.py"))]
    names = [case.name for case in cases]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"catalogue cases share a name across kinds: {twice}; rename one")
    return cases


def build(case, folder):
    """Write the case's notebook (the master with the case's code) into ``folder``."""
    return variant(pathlib.Path(folder) / f"{case.name}.ipynb", source=case.source)


def judge(case: Case, result: "Result") -> tuple:
    """``(ok, detail)``: does the grade show what the case expects?"""
    if case.kind == "cascades":
        return judge_cascade(case, result)
    if case.kind == "alternatives":
        lost = [f"{t.question} {t.name.rsplit(' ', 1)[-1]}: {t.hint}"
                for t in result.tests if not t.passed]
        if result.status != "graded":
            return False, f"status {result.status}: {result.message}"
        if result.score != result.max_score or lost:
            return False, f"{result.score:g}/{result.max_score:g}; " + " | ".join(lost)
        return True, f"{result.score:g}/{result.max_score:g}"
    if case.question not in result.questions:
        return False, f"no question named {case.question!r}"
    score, possible = result.questions[case.question]
    failed = [t for t in result.tests if t.question == case.question and not t.passed]
    named = [t for t in failed if t.hidden and case.hint in t.hint]
    detail = f"{case.question} {score:g}/{possible:g}"
    if score >= possible:
        return False, detail + ": lost no points"
    wrong = _feedback_problems(case, result)
    if wrong:
        return False, f"{detail}: {wrong}"
    if not named:
        hints = " | ".join(t.hint for t in failed)
        return False, f"{detail}: no hidden hint contains {case.hint!r}; hints: {hints}"
    line = next(line for line in named[0].hint.splitlines() if case.hint in line)
    return True, f"{detail}: {line}"


def _feedback_problems(case: Case, result: "Result") -> str:
    """What the case's feedback should hold (``# feedback:``) and lacks, or should never
    hold (``# never:``) and does; "" when neither."""
    if not ({"feedback", "never"} & set(case.meta)):
        return ""
    from hsa.writers.feedback import feedback_md
    from hsa.writers.graded import Graded

    feedback = feedback_md(Graded.of(result))
    if case.meta.get("feedback") and case.meta["feedback"] not in feedback:
        return f"the feedback lacks {case.meta['feedback']!r}"
    if case.meta.get("never") and case.meta["never"] in feedback:
        return f"the feedback says {case.meta['never']!r}"
    return ""


def judge_public(case, result):
    """Did a public (0-point) check of the mistake's question fail on it, and name it?"""
    failed = [t for t in result.tests
              if t.question == case.question and not t.hidden and not t.passed]
    if any(case.hint in t.hint for t in failed):
        return PUBLIC_NAMED
    return PUBLIC_CAUGHT if failed else PUBLIC_MISSED


def judge_cascade(case, result):
    """``(ok, detail)`` for a cascade: the root is wrong on its own, every dependent lost
    points only through it, and the feedback says so once, at the root."""
    from hsa.writers.feedback import feedback_md
    from hsa.writers.graded import Graded
    from hsa.trusted.causes import analyse

    causes, feedback, root = analyse(result), feedback_md(Graded.of(result)), case.root
    problems = []
    if "score" in case.meta and result.score != float(case.meta["score"]):
        problems.append(f"score {result.score:g}, expected {case.meta['score']}")
    if root not in causes.roots:
        problems.append(f"{root} is not a root cause (roots: {causes.roots})")
    if feedback.count(f"**Fix `{root}` first:**") != 1:
        problems.append(f"the feedback does not say once to fix {root} first")
    advice = {t.hint.strip().splitlines()[-1] for t in result.tests
              if t.question == root and t.hint}
    if any(feedback.count(line) != 1 for line in advice):
        problems.append(f"{root}'s hints are not said exactly once")
    for dependent in case.dependents:
        split, section = causes.questions[dependent], feedback_section(feedback, dependent)
        if split.own or not split.through.get(root):
            problems.append(f"{dependent} lost {split.own:g} on its own and "
                            f"{split.through.get(root, 0):g} through {root}")
        if f"through `{root}`" not in section:
            problems.append(f"{dependent}'s section does not point to {root}")
        repeated = [t.name for t in result.tests
                    if t.question == dependent and t.hint and t.hint in section]
        if repeated:
            problems.append(f"{dependent}'s section repeats the hints of {repeated}")
    lost = ", ".join(f"{d} {causes.questions[d].dependency:g}" for d in case.dependents)
    detail = f"{result.score:g}/{result.max_score:g}; through {root}: {lost}"
    return (False, f"{detail}: " + "; ".join(problems)) if problems else (True, detail)


def feedback_section(feedback, question):
    """The ``### `question`: ...`` section of a feedback.md, without its heading ('' if none)."""
    for section in feedback.split("\n### ")[1:]:
        heading, _, body = section.partition("\n")
        if heading.startswith(f"`{question}`:"):
            return body.split("\n## ", 1)[0]
    return ""


def named_losses(result, is_generic):
    """``(named, lost)``: the points ``result`` lost, and how many of them carry a hint that
    names what is wrong (a mistake, a property the result breaks, an error explained, or the
    root cause they were lost through) rather than only generic advice (``is_generic``,
    ``public_checks.is_generic`` of the autograder that graded it)."""
    from hsa.trusted.causes import analyse

    losses = [loss for loss in analyse(result).losses if loss.points]
    named = [loss for loss in losses if loss.roots or not is_generic(loss.hint)]
    return sum(loss.points for loss in named), sum(loss.points for loss in losses)


def grade_cases(cases, seed, autograder=None, isolation=None, timeout=None):
    """Grade every case; yields ``(case, result, ok, detail)``."""
    from hsa.sandbox.isolation import choose_isolation
    from hsa.trusted import autograder as autograders
    from hsa.trusted.grader import grade_file

    autograder = autograder or autograders.load()
    isolation = isolation or choose_isolation(allow_unsandboxed=False)
    with tempfile.TemporaryDirectory(prefix="hsa-catalogue-") as folder:
        for case in cases:
            result = grade_file(build(case, folder), case.name, autograder, seed, isolation,
                                timeout)
            yield (case, result, *judge(case, result))


def main(args: argparse.Namespace) -> int:
    """Grade every case; print one line per case, then the counts. Exit 1 unless the
    hidden tests catch every mistake, every alternative gets full marks and every lost
    point carries a named hint."""
    from hsa.trusted import autograder as autograders
    from hsa.trusted.grader import seed_or_fresh  # loads the sandbox's modules: not at import

    seed = seed_or_fresh(getattr(args, "seed", None))
    cases = load_cases()
    autograder = autograders.load()
    is_generic = autograder.check_modules["public_checks"].is_generic
    started = time.monotonic()
    passed = {kind: 0 for kind in KINDS}
    total = {kind: sum(c.kind == kind for c in cases) for kind in KINDS}
    public, named, lost = 0, 0.0, 0.0
    print(f"grading {len(cases)} catalogue cases with seed {seed}")
    print(f"{'verdict':9} {'case':11} {'public':6} {'named':5} {'name':34} detail (hidden tests)")
    for case, result, ok, detail in grade_cases(cases, seed, autograder):
        passed[case.kind] += ok
        before = judge_public(case, result) if case.kind == "mistakes" else "-"
        public += before in (PUBLIC_NAMED, PUBLIC_CAUGHT)
        case_named, case_lost = named_losses(result, is_generic)
        named, lost = named + case_named, lost + case_lost
        print(f"{VERDICTS[case.kind, ok]:9} {case.kind[:-1]:11} {before:6} "
              f"{f'{case_named:g}/{case_lost:g}':5} {case.name:34} {detail}")
        sys.stdout.flush()
    print(f"caught before submission (public checks) {public}/{total['mistakes']}")
    for kind in KINDS:
        print(f"{SUMMARIES[kind]} {passed[kind]}/{total[kind]}")
    print(f"lost points with a hint that names what is wrong {named:g}/{lost:g} "
          f"(generic advice only: {lost - named:g})")
    survived = print_mutation_score(autograder, seed)
    if getattr(args, "graded_mutants", False):
        survived += print_graded_mutants(autograder, seed + 2)
    print(f"({time.monotonic() - started:.1f} s)")
    return 0 if passed == total and total["mistakes"] and total["alternatives"] \
        and named == lost and not survived else 1


def print_graded_mutants(autograder: "Autograder", seed: int) -> int:
    """Grade every mutant as a submission with ``seed`` (held out: the cases and the
    mutation score use the two seeds before it); print what was wrong and the counts;
    return how many went wrong (a mistake not killed or not named, a rewrite rejected)."""
    from .mutation import graded_mutants, unnamed_losses

    counts = {"killed": [0, 0], "named": [0, 0], "accepted": [0, 0]}
    for mutant, equivalent, result in graded_mutants(autograder, seed):
        score, possible = result.questions[mutant.function]
        checks = {"accepted": result.score == result.max_score} if equivalent else {
            "killed": score < possible, "named": not unnamed_losses(mutant, result)}
        for key, ok in checks.items():
            counts[key][0] += ok
            counts[key][1] += 1
            if not ok:
                print(f"NOT {key.upper():8} {mutant.function}: {mutant.sentence}")
    print(f"the generator's mistakes graded with seed {seed}: killed "
          f"{counts['killed'][0]}/{counts['killed'][1]}, every lost point named "
          f"{counts['named'][0]}/{counts['named'][1]}; equivalent rewrites accepted "
          f"{counts['accepted'][0]}/{counts['accepted'][1]}")
    return sum(total - ok for ok, total in counts.values())


def print_mutation_score(autograder: "Autograder", seed: int) -> int:
    """Print the hidden tests' mutation score under ``seed`` and the next seed; return how
    many mutants survived."""
    from .mutation import report, scores

    seeds = [seed, seed + 1]
    found = scores(autograder, seeds)
    for line in report(found, seeds):
        print(line)
    return sum(len(score.survivors) for score in found)
