"""A grade, as plain data: what the trusted grader decided about one submission.

``Result.to_dict()`` is what ``results.json`` carries in ``extra_data``, so a
gradebook can be rebuilt from the results files alone.
"""

from dataclasses import asdict, dataclass, field

from ..outcomes import SetAsideReason, Status, Verdict
from ..untrusted.protocol import Raised

NOT_GRADED = "not graded: "  # an invalid submission's message begins so (in the gradebook)


@dataclass
class TestResult:
    question: str
    name: str
    hidden: bool
    score: float
    max_score: float
    hint: str = ""  # what to fix; empty when the test passed
    # The graded functions the test called directly, in order, and for each the other
    # graded functions reached through it (as the sandbox reported them: wording only).
    calls: list = field(default_factory=list)
    reached: dict = field(default_factory=dict)  # called name -> [names reached through it]
    kind: str = ""  # what sort of failure the check said it was (HintKind); "" when unsaid

    @property
    def passed(self):
        return not self.hint


@dataclass
class Finding:
    """What the trusted diagnosis found about one function that went wrong
    (:mod:`hsa.trusted.diagnosis`): its verdict, and the sentence that names its mistake
    ("" where no mutant of the solution explains it). ``public``: found from the public
    checks' calls alone (what a student may read before grades are published)."""

    function: str
    verdict: Verdict
    sentence: str = ""
    public: bool = False
    stopped_at: list = field(default_factory=list)  # STOPPED: whose errors it raised again

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)


@dataclass
class CellProblem:
    index: int  # 1-based position among the notebook's code cells
    first_line: str
    status: Status  # ERROR, TIMEOUT or KILLED
    message: str
    raised: Raised | None = None  # what it raised (ERROR), as the worker reported it

    def describe(self):
        """What happened to the cell, as a phrase after its name."""
        if self.status is Status.TIMEOUT:
            return self.message
        if self.status is Status.KILLED:
            return f"stopped the process ({self.message}) and was skipped"
        if self.raised is None:
            return f"raised {self.message}"
        where = f" at line {self.raised.line}" if self.raised.line is not None else ""
        return f"raised {self.raised.type}{where}: {self.raised.message}"


@dataclass(frozen=True)
class SetAside:
    """A file of the student's that is not the one graded, and why (:mod:`.choice`)."""
    path: str  # as people read it: relative to what was graded
    reason: SetAsideReason
    detail: str  # the reason in words, naming the file graded instead

    def __post_init__(self):
        object.__setattr__(self, "reason", SetAsideReason(self.reason))

    def __str__(self):
        return f"{self.path} ({self.reason}: {self.detail})"


@dataclass(frozen=True)
class Provenance:
    """How a grade was made, in the gradebook's column order; a Result holds it as a dict
    (``asdict``), which is what results.json and the gradebook read."""
    seed: int
    isolation: str
    network_reachable: bool
    submission_cap: str  # what capped the submission as a whole (a cgroup, or sized rlimits)
    submission_sha256: str
    autograder_sha256: str | None
    autograder_content_sha256: str
    package_version: str
    wall_time_seconds: float
    timestamp: str


@dataclass(frozen=True)
class Identity:
    """Who a submission belongs to, as far as the download says (all optional): the
    gradebook's identity columns, in order."""

    student_id: str = ""  # Canvas user id, Moodle participant id, Gradescope SID...
    student_name: str = ""
    email: str = ""
    path: str = ""  # the graded file, relative to what was graded
    late: bool | None = None  # None where the platform does not say


@dataclass
class Result:
    submission: str
    status: Status
    score: float = 0.0
    max_score: float = 0.0
    message: str = ""
    questions: dict = field(default_factory=dict)  # name -> [score, max_score]
    tests: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    output: str = ""
    undefined: list = field(default_factory=list)  # graded functions the notebook never defined
    set_aside: list = field(default_factory=list)  # SetAside: the files not graded
    identity: Identity = field(default_factory=Identity)
    provenance: dict = field(default_factory=dict)  # Provenance's fields, as a dict
    findings: list = field(default_factory=list)  # Finding per function that went wrong

    def __post_init__(self):
        self.status = Status(self.status)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["tests"] = [TestResult(**t) for t in data.get("tests", [])]
        data["cells"] = [CellProblem(**{**c, "status": Status(c["status"]),
                                        "raised": c.get("raised") and Raised(**c["raised"])})
                         for c in data.get("cells", [])]
        data["identity"] = Identity(**data.get("identity", {}))
        data["set_aside"] = [SetAside(**a) for a in data.get("set_aside", [])]
        data["findings"] = [Finding(**f) for f in data.get("findings", [])]
        return cls(**data)


def new_result(name, autograder, status=Status.GRADED, message=""):
    """A result with nothing scored yet: every question at 0 of its points."""
    return Result(submission=name, status=status, message=message,
                  max_score=autograder.max_score,
                  questions={t.name: [0.0, t.possible] for t in autograder.tests})
