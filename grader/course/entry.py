"""What an exercise's entry declares: data only (no numpy, no hypothesis, no torch), so that `grade list`, `grade show`
and `grade hint` start at once.

An exercise is a folder ``grader/course/exNN_<slug>/``: ``__init__.py`` holds its :class:`Exercise` entry,
``checks.py`` its ground truth, pinned slide examples, strategies and one function per :class:`Check`
(``Check("stride", ...)`` is ``checks.stride(student)``), ``mistakes.py`` its named mistakes, and ``driver.py`` the
grader-owned code that runs inside the student process when the exercise needs one.
"""
from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass, field
from types import ModuleType

from grader.sandbox.limits import Limits

# Libraries that must not reach a student's code beyond those its exercise declares: they already implement the
# exercises (torch, scipy, ...) or ship the data sets (sklearn, keras, tensorflow, torchvision's datasets).
REFUSED_LIBRARIES = ("torch", "functorch", "torchvision", "scipy", "tensorflow", "keras", "jax", "sklearn",
                     "skimage", "cv2")


@dataclass(frozen=True)
class Check:
    """One graded property: ``run`` is the name of its function in the exercise's checks.py.

    ``function``: the student function it judges (None: the exercise's only one). ``hygiene``: a check of how a
    function behaves besides its values (its inputs unchanged, ValueError on bad input, the device, the time
    budget); it is earned only once a value check of the same function passes, so code that computes nothing
    useful earns nothing. ``hint``: shown when this check fails (default: the exercise's first hint).
    """

    run: str
    name: str      # shown to the student: "matches torch on random shapes"
    points: int
    hint: str = ""
    function: str | None = None
    hygiene: bool = False


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str                      # the folder is grader/course/exNN_<slug>/, the student's file exNN_<slug>.py
    title: str
    functions: tuple[str, ...]     # what the student implements (names and signatures are fixed)
    checks: tuple[Check, ...]
    hints: tuple[str, ...]
    topic: str                     # one line for `grade list`
    time_budget: float = 30.0      # CPU seconds for the whole exercise (all checks; wall net: limits.wall_factor x)
    limits: Limits = field(default_factory=Limits)
    libraries: tuple[str, ...] = ("numpy",)   # the third-party packages the student's code may import
    driver: bool = False           # the exercise has a driver.py that runs inside the student process

    # -- names and places -----------------------------------------------------------------------------------------
    @property
    def package(self) -> str:
        return f"ex{self.number:02d}_{self.slug}"

    @property
    def file(self) -> str:
        return f"{self.package}.py"

    @property
    def points(self) -> int:
        return sum(c.points for c in self.checks)

    # -- sandbox policy, derived from the declarations ---------------------------------------------------------------
    @property
    def uses_torch(self) -> bool:
        return "torch" in self.libraries

    @property
    def refuse_imports(self) -> tuple[str, ...]:
        """Top-level packages the student's file may not import: for a numpy-only exercise, the refused libraries.

        (An exercise that uses torch refuses nothing by name: a finder that raises would also break torch's own
        probing of optional packages; such an exercise is held to its libraries by the file system it sees.)"""
        return () if self.uses_torch else tuple(n for n in REFUSED_LIBRARIES if n not in self.libraries)

    @property
    def confine(self) -> bool:
        """Whether the student process can be shut in a file system of its own (numpy and the stdlib only)."""
        return not self.uses_torch

    @property
    def driver_module(self) -> str | None:
        return f"grader.course.{self.package}.driver" if self.driver else None

    @property
    def preload(self) -> tuple[str, ...]:
        """Grader modules the student process imports before it is confined."""
        return (self.driver_module,) if self.driver else ()

    # -- the code behind the entry (imported on first use) -----------------------------------------------------------
    def module(self, name: str) -> ModuleType:
        """This exercise's ``checks``, ``mistakes`` or ``driver`` module."""
        return importlib.import_module(f"grader.course.{self.package}.{name}")

    def judged(self, check: Check) -> tuple[str, ...]:
        """The student functions ``check`` judges."""
        return (check.function,) if check.function else self.functions

    def hint_for(self, check: Check) -> str:
        return check.hint or (self.hints[0] if self.hints else "")

    def check_function(self, check: Check):
        return getattr(self.module("checks"), check.run)

    def mistakes(self):
        """The exercise's named mistakes (a :class:`grader.checking.mistakes.Mistakes`), or None."""
        try:
            module = self.module("mistakes")
        except ModuleNotFoundError as exc:
            if exc.name != f"grader.course.{self.package}.mistakes":
                raise
            return None
        return module.MISTAKES

    def with_limits(self, **overrides) -> "Exercise":
        """A copy with some limits (and ``time_budget``) replaced, e.g. shorter timeouts in tests."""
        if not overrides:
            return self
        budget = overrides.pop("time_budget", None)
        known = {f.name for f in dataclasses.fields(Limits)}
        ex = dataclasses.replace(self, limits=dataclasses.replace(
            self.limits, **{k: v for k, v in overrides.items() if k in known}))
        return dataclasses.replace(ex, time_budget=budget) if budget is not None else ex
