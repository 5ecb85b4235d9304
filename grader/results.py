"""Result records of a grading run, their plain-dict form (the --json output and results.jsonl rows), and the one
decision every renderer (terminal, feedback Markdown, Gradescope) shares: what of a failure is shown.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from grader.i18n import N_, gettext as _

# stored in English (results.jsonl, --json); translated where they are shown
PASSED, FAILED, NOT_IMPLEMENTED, MISSING, ERROR = (N_("passed"), N_("failed"), N_("not implemented"), N_("missing"),
                                                   N_("error"))


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
    notes: list[str] = field(default_factory=list)   # how the file was read (a notebook's skipped cells, ...)

    @property
    def score(self) -> int:
        return sum(c.points for c in self.checks)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def whole_file_problem(self) -> bool:
        """The exercise-wide message (missing file, file that does not load, not graded) explains every check."""
        return self.status in (MISSING, ERROR)

    def shows_failure(self, check: CheckResult) -> bool:
        """Whether a renderer shows why ``check`` failed: not for a passed check, nor where the exercise-wide
        message (a missing file, a file that does not load) already says why."""
        return not check.passed and not self.whole_file_problem

    def failure_lines(self, check: CheckResult) -> list[str]:
        """What is shown under a failed check, as plain lines: its message, the named mistake, then the details
        (in the active language)."""
        if not self.shows_failure(check):
            return []
        mistake = [_("likely mistake: {mistake}").format(mistake=_(check.misconception))] if check.misconception \
            else []
        return [check.message, *mistake, *check.details]

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


def unscored_result(ex, status: str, message: str, check_message: str) -> ExerciseResult:
    """0 points: every check of ``ex`` failed with ``check_message``, the exercise with ``status`` and ``message``."""
    result = ExerciseResult(ex.number, ex.title, ex.file, status, ex.points, message=message)
    result.checks = [CheckResult(c.name, c.points, False, message=check_message) for c in ex.checks]
    return result


def missing_result(ex, message: str) -> ExerciseResult:
    """The exercise's file is not there."""
    return unscored_result(ex, MISSING, message, _("file missing"))


def not_graded_result(ex, message: str) -> ExerciseResult:
    """The exercise could not be graded (a worker that died twice, a misconfigured machine)."""
    return unscored_result(ex, ERROR, message, _("not graded"))
