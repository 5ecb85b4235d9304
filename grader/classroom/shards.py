"""`grade batch --shard K/N`: the K-th of N deterministic, balanced slices of a class.

The class is every submission that :func:`grader.classroom.submissions.discover` finds, sorted by student; student
number ``i`` (0-based, in that order) belongs to shard ``i mod N + 1``. So the slices depend only on the set of
student names (every machine that sees the same SUBMISSIONS computes the same slices), they are disjoint, they
cover the class, and their sizes differ by at most one. Shards are numbered from 1, as a Slurm job array's
``$SLURM_ARRAY_TASK_ID`` (``--array=1-N``) is; :mod:`grader.classroom.merge` joins the shard folders again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


class ShardError(ValueError):
    """A malformed --shard value; the message says what is expected."""


@dataclass(frozen=True)
class Shard:
    index: int   # K, 1-based
    count: int   # N

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, position: int) -> bool:
        """Whether the student at ``position`` (0-based, in sorted order) belongs to this shard."""
        return position % self.count == self.index - 1


def parse_shard(spec: str) -> Shard:
    """'3/8' -> Shard(3, 8); K runs from 1 to N."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(spec))
    if not m:
        raise ShardError(f"--shard: {spec!r} is not K/N (e.g. 3/8: the third of eight slices)")
    index, count = int(m[1]), int(m[2])
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--shard: {spec!r}: K must be between 1 and N (shards are numbered 1..N)")
    return Shard(index, count)


def select(submissions: list, shard: Shard | None) -> list:
    """The submissions of ``shard`` (all of them for None), from the class sorted by student."""
    if shard is None:
        return list(submissions)
    ordered = sorted(submissions, key=lambda s: s.student)
    return [sub for i, sub in enumerate(ordered) if shard.owns(i)]
