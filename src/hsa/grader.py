"""Grade one submission: student code in the sandbox, every check in this trusted process.

The checks are Otter's own test files from the autograder zip. Each test case
function is called here with an environment of stand-ins for the graded
functions (see :class:`hsa.session.Session`), so the grade never depends on
code the student controls: their code only ever answers calls, and this
process judges every answer.
"""

import datetime
import time
from dataclasses import asdict, dataclass, field

from . import __version__
from .sandbox import SandboxDied
from .session import Budgets, Session
from .submission import InvalidSubmission, code_cells, file_sha256, read_bytes

STATUSES = ("graded", "error", "timeout", "killed", "invalid")


@dataclass
class TestResult:
    question: str
    name: str
    hidden: bool
    score: float
    max_score: float
    hint: str = ""  # what to fix; empty when the test passed

    @property
    def passed(self):
        return not self.hint


@dataclass
class CellProblem:
    index: int  # 1-based position among the notebook's code cells
    first_line: str
    status: str  # "error", "timeout" or "killed"
    message: str


@dataclass
class Result:
    submission: str
    status: str
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    questions: dict = field(default_factory=dict)  # name -> [score, max_score]
    tests: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    output: str = ""
    undefined: list = field(default_factory=list)  # graded functions the notebook never defined
    provenance: dict = field(default_factory=dict)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["tests"] = [TestResult(**t) for t in data.get("tests", [])]
        data["cells"] = [CellProblem(**c) for c in data.get("cells", [])]
        return cls(**data)


def budgets_from(config, timeout=None):
    submission = float(timeout or config["submission_budget_seconds"])
    return Budgets(cell=min(float(config["cell_budget_seconds"]), submission),
                   call=min(float(config["call_budget_seconds"]), submission),
                   submission=submission)


def new_result(name, autograder, status="graded", message=""):
    """A result with nothing scored yet: every question at 0 of its points."""
    return Result(submission=name, status=status, message=message,
                  max_score=sum(t.possible for t in autograder.tests),
                  questions={t.name: [0.0, t.possible] for t in autograder.tests})


def grade_file(path, name, autograder, seed, isolation, timeout=None):
    """Grade the notebook (or export zip) at ``path``; always returns a Result."""
    started = time.monotonic()
    result = new_result(name, autograder)
    try:
        cells = code_cells(read_bytes(path))
    except (InvalidSubmission, OSError) as error:
        result.status, result.message = "invalid", f"not graded: {error}"
        cells = None
    if cells is not None:
        _grade_cells(result, cells, autograder, seed, isolation, budgets_from(autograder.config, timeout))
    result.provenance = {
        "autograder_sha256": autograder.sha256,
        "autograder_content_sha256": autograder.content_sha256, "package_version": __version__,
        "submission_sha256": _sha256_or_empty(path), "seed": seed, "isolation": isolation,
        "wall_time_seconds": round(time.monotonic() - started, 3),
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    return result


def _grade_cells(result, cells, autograder, seed, isolation, budgets):
    session = Session(cells, autograder.graded_functions, isolation, budgets)
    try:
        session.start()
        autograder.activate(seed)
        env = {n: session.proxy(n) for n, kind in session.defined.items() if kind == "function"}
        result.tests = [run_case(test_file, case, env)
                        for test_file in autograder.tests for case in test_file.test_cases]
    except SandboxDied as error:
        result.status, result.message = "error", f"the sandbox failed: {error}"
    finally:
        session.stop()
    for test in result.tests:
        result.questions[test.question][0] += test.score
    result.score = round(sum(t.score for t in result.tests), 6)
    result.cells = [CellProblem(e.index + 1, _first_line(cells[e.index]), e.status, e.message)
                    for e in sorted(session.events.values(), key=lambda e: e.index)]
    result.output = session.output.decode("utf-8", "replace")
    result.undefined = [n for n in autograder.graded_functions if session.defined.get(n) != "function"]
    if result.status == "graded":
        result.status, result.message = _status(result.cells, session.call_problems, budgets)


def _sha256_or_empty(path):
    try:
        return file_sha256(path)
    except OSError:
        return ""


def run_case(test_file, case, env):
    """Call one Otter test case function with ``env``; its AssertionError is the hint."""
    hint = ""
    try:
        case.body.call_func(env)
    except AssertionError as failure:
        hint = str(failure) or "The check failed."
    except Exception as error:  # a stand-in's own error that no check turned into a hint
        hint = f"{type(error).__name__}: {error}"
    points = case.points or 0
    return TestResult(test_file.name, case.name, case.hidden, 0.0 if hint else points, points, hint)


def _status(cells, call_problems, budgets):
    problems = [c.status for c in cells] + call_problems
    for status in ("killed", "timeout", "error"):
        if status in problems:
            break
    else:
        return "graded", ""
    notes = [f"code cell {c.index} ({c.first_line!r}): {describe_cell(c)}" for c in cells]
    if call_problems:
        notes.append(f"{len(call_problems)} graded call(s) ran past {budgets.call:g} s or "
                     "crashed the process")
    return status, "; ".join(notes)


def describe_cell(cell):
    if cell.status == "timeout":
        return cell.message
    if cell.status == "killed":
        return f"stopped the process ({cell.message}) and was skipped"
    return f"raised {cell.message}"


def _first_line(source):
    lines = [l.strip() for l in source.splitlines() if l.strip()]
    return (lines[0] if lines else "")[:80]
