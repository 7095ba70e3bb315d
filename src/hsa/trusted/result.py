"""A grade, as plain data: what the trusted grader decided about one submission.

``Result.to_dict()`` is what ``results.json`` carries in ``extra_data``, so a
gradebook can be rebuilt from the results files alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, NamedTuple

from ..outcomes import CellProblem, Isolation, SetAsideReason, Status, Verdict
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
    calls: list[str] = field(default_factory=list)
    reached: dict[str, list[str]] = field(default_factory=dict)  # called name -> [names reached through it]
    kind: str = ""  # what sort of failure the check said it was (HintKind); "" when unsaid

    @property
    def passed(self) -> bool:
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
    stopped_at: list[str] = field(default_factory=list)  # STOPPED: whose errors it raised again

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)


@dataclass(frozen=True)
class SetAside:
    """A file of the student's that is not the one graded, and why (:mod:`.choice`)."""
    path: str  # as people read it: relative to what was graded
    reason: SetAsideReason
    detail: str  # the reason in words, naming the file graded instead

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", SetAsideReason(self.reason))

    def __str__(self) -> str:
        return f"{self.path} ({self.reason}: {self.detail})"


@dataclass(frozen=True)
class Provenance:
    """How a grade was made, in the gradebook's column order. The defaults stand for what a
    results.json written by an older hsa does not say."""
    seed: int | None = None
    isolation: Isolation | None = None
    network_reachable: bool | None = None
    submission_cap: str = ""  # what capped the submission as a whole (a cgroup, or sized rlimits)
    budgets_count: str = ""  # CPU time (a cgroup counts it) or wall time, which a neighbour slows
    syscall_filter: str = ""  # the seccomp filter on student code, or "none (why)"
    submission_sha256: str = ""
    autograder_sha256: str | None = None  # None when graded from a folder (Gradescope)
    autograder_content_sha256: str = ""
    package_version: str = ""
    wall_time_seconds: float = 0.0
    timestamp: str = ""

    def __post_init__(self) -> None:
        if self.isolation is not None:
            object.__setattr__(self, "isolation", Isolation(self.isolation))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Read back from results.json: fields it lacks take their default, and fields this
        version does not know (a newer hsa's) are left out."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class QuestionScore(NamedTuple):
    """A question's points: scored, of possible (a pair in results.json)."""
    score: float
    possible: float


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
    questions: dict[str, QuestionScore] = field(default_factory=dict)
    tests: list[TestResult] = field(default_factory=list)
    cells: list[CellProblem] = field(default_factory=list)
    output: str = ""
    undefined: list[str] = field(default_factory=list)  # graded functions the notebook never defined
    set_aside: list[SetAside] = field(default_factory=list)  # the files not graded
    identity: Identity = field(default_factory=Identity)
    provenance: Provenance | None = None  # None until graded
    findings: list[Finding] = field(default_factory=list)  # per function that went wrong

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        self.questions = {q: QuestionScore(*points) for q, points in self.questions.items()}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        data = dict(data)
        data["tests"] = [TestResult(**t) for t in data.get("tests", [])]
        data["cells"] = [CellProblem(**{**c, "status": Status(c["status"]),
                                        "raised": c.get("raised") and Raised(**c["raised"])})
                         for c in data.get("cells", [])]
        data["identity"] = Identity(**data.get("identity", {}))
        data["set_aside"] = [SetAside(**a) for a in data.get("set_aside", [])]
        data["findings"] = [Finding(**f) for f in data.get("findings", [])]
        data["provenance"] = Provenance.from_dict(data["provenance"]) if data.get("provenance") else None
        return cls(**data)

