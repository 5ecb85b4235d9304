"""Student-facing feedback as Markdown (batch ``feedback/<student>.md`` and Gradescope's output text).

Everything a student controls (what their code printed, their exception messages, their name) is put in code
fences longer than any run of backticks inside it, so printing fake headings, scores or "PASSED" lines cannot
change how the feedback reads.
"""
from __future__ import annotations

import re

from grader.i18n import N_, gettext as _
from grader.results import NOT_IMPLEMENTED, PASSED, ExerciseResult

_MARK = {True: N_("PASS"), False: N_("FAIL")}


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
    title = _("Exercise {number}: {title}").format(number=result.number, title=_(result.title))
    lines = [f"{heading} {title} -- {result.score}/{result.max_score} ({_(result.status)})", ""]
    if result.message:
        lines += [fence(result.message), ""]
    for check in result.checks:
        mark = _("TODO") if check.not_implemented and not check.passed else _(_MARK[check.passed])
        lines.append(f"- **{mark}** {_(check.name)} ({check.points}/{check.max_points})")
        body = result.failure_lines(check)
        if body:
            lines += ["", _indent(fence("\n".join(body))), ""]
    for key, value in (result.info or {}).items():
        lines.append(f"- {plain(_(str(key)))}: {plain(value)}")
    lines += ["- " + _("note:") + f" {plain(note)}" for note in result.notes]
    if result.output.strip() and result.status != PASSED:
        lines += ["", _("Your code printed (shown, never graded):"), "", fence(result.output)]
    if result.hint and result.status != PASSED:
        lines += ["", _("Hint: {hint} (more: {command})").format(hint=_(result.hint),
                                                                command=f"`grade hint {result.number}`")]
    if result.status == NOT_IMPLEMENTED:
        lines += ["", _("Not started yet: open {file} and run {command}.").format(
            file=result.file, command=f"`grade exercise {result.number}`")]
    return "\n".join(lines).rstrip() + "\n"


def _indent(text: str, by: str = "  ") -> str:
    return "\n".join(by + line if line else line for line in text.splitlines())


def student_markdown(student: str, results: list[ExerciseResult], *, notes=(), late: bool = False,
                     grader_version: str = "") -> str:
    total = sum(r.score for r in results)
    most = sum(r.max_score for r in results)
    who = _("Student: {student}").format(student=plain(student)) + (_(" (submitted late)") if late else "")
    lines = ["# " + _("Feedback"), "", who, "", "**" + _("Total: {score}/{max_score}").format(score=total,
                                                                                          max_score=most) + "**", ""]
    lines += ["| {} | {} | {} |".format(_("exercise"), _("status"), _("points")), "| --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r.number}. {_(r.title)} | {_(r.status)} | {r.score}/{r.max_score} |")
    if notes:
        lines += ["", _("About your submission:"), ""] + [f"- {plain(n)}" for n in notes]
    for r in results:
        lines += ["", exercise_markdown(r).rstrip()]
    graded = _("Graded by cnn-grader {version}; run {command} on your own machine for the same checks.").format(
        version=plain(grader_version), command="`grade exercise N`")
    lines += ["", f"_{graded}_" if grader_version else ""]
    return "\n".join(lines).rstrip() + "\n"
