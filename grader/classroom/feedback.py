"""Student-facing feedback as Markdown (batch ``feedback/<student>.md`` and Gradescope's output text).

Everything a student controls (what their code printed, their exception messages, their name) is put in code
fences longer than any run of backticks inside it, so printing fake headings, scores or "PASSED" lines cannot
change how the feedback reads.
"""
from __future__ import annotations

import re

from grader.results import NOT_IMPLEMENTED, PASSED, ExerciseResult

_MARK = {True: "PASS", False: "FAIL"}


def fence(text: str, info: str = "text") -> str:
    """``text`` in a fenced code block that nothing inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}{info}\n{text.rstrip()}\n{bar}"


def plain(text: str) -> str:
    """One line of untrusted text, safe inside Markdown prose (punctuation escaped, no line breaks)."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_\[\]#|<>~])", r"\\\1", text)


def exercise_markdown(result: ExerciseResult, *, heading: str = "##") -> str:
    lines = [f"{heading} Exercise {result.number}: {result.title} -- {result.score}/{result.max_score} "
             f"({result.status})", ""]
    if result.message:
        lines += [fence(result.message), ""]
    for check in result.checks:
        mark = "TODO" if check.not_implemented and not check.passed else _MARK[check.passed]
        lines.append(f"- **{mark}** {check.name} ({check.points}/{check.max_points})")
        body = result.failure_lines(check)
        if body:
            lines += ["", _indent(fence("\n".join(body))), ""]
    for key, value in (result.info or {}).items():
        lines.append(f"- {plain(key)}: {plain(value)}")
    lines += [f"- note: {plain(note)}" for note in result.notes]
    if result.output.strip() and result.status != PASSED:
        lines += ["", "Your code printed (shown, never graded):", "", fence(result.output)]
    if result.hint and result.status != PASSED:
        lines += ["", f"Hint: {result.hint} (more: `grade hint {result.number}`)"]
    if result.status == NOT_IMPLEMENTED:
        lines += ["", f"Not started yet: open {result.file} and run `grade exercise {result.number}`."]
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line if line else line for line in text.splitlines())


def student_markdown(student: str, results: list[ExerciseResult], *, notes=(), late: bool = False,
                     grader_version: str = "") -> str:
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    lines = ["# Feedback", "", f"Student: {plain(student)}{' (submitted late)' if late else ''}", "",
             f"**Total: {total}/{most}**", ""]
    lines += ["| exercise | status | points |", "| --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r.number}. {r.title} | {r.status} | {r.score}/{r.max_score} |")
    if notes:
        lines += ["", "About your submission:", ""] + [f"- {plain(n)}" for n in notes]
    for r in results:
        lines += ["", exercise_markdown(r).rstrip()]
    lines += ["", f"_Graded by cnn-grader {plain(grader_version)}; run `grade exercise N` on your own machine for "
                  "the same checks._" if grader_version else ""]
    return "\n".join(lines).rstrip() + "\n"
