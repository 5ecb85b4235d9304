"""Result records of a grading run, and their plain-dict form (the --json output and results.jsonl rows)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

PASSED, FAILED, NOT_IMPLEMENTED, MISSING, ERROR = "passed", "failed", "not implemented", "missing", "error"


@dataclass
class CheckResult:
    name: str
    max_points: int
    passed: bool
    points: int = 0
    message: str = ""             # one line: what failed
    details: list[str] = field(default_factory=list)   # shrunk input, expected, got
    misconception: str | None = None                     # the named mistake, when one matched
    not_implemented: bool = False
    seconds: float = 0.0


@dataclass
class ExerciseResult:
    number: int
    title: str
    file: str
    status: str
    max_score: int
    checks: list[CheckResult] = field(default_factory=list)
    message: str = ""             # exercise-wide problem: missing file, syntax error, crash at import
    output: str = ""              # what the student's code printed, truncated; never parsed
    hint: str = ""
    student_seconds: float = 0.0
    wall_seconds: float = 0.0
    info: dict = field(default_factory=dict)   # exercise-specific facts to show (device used, accuracy, ...)

    @property
    def score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = self.score
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ExerciseResult":
        d = dict(d)
        d.pop("score", None)
        checks = [CheckResult(**c) for c in d.pop("checks", [])]
        return cls(checks=checks, **d)
