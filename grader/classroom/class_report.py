"""``report.html``: the instructor's one-page view of a graded class -- what to re-teach in the next lecture.

Made from the rows of ``results.jsonl`` (:class:`grader.classroom.gradebook.ResultsStore`) and the summary that
:func:`grader.classroom.gradebook.summarize` computes from them, so every number on the page can be recomputed from
``results.jsonl`` and ``grades.csv``. One self-contained file: inline CSS and inline SVG plots, no script, no image,
no font or style sheet to fetch; it opens offline and prints. Everything a student controls (their name, what their
answers were) is HTML-escaped. Sections:

* the score distribution (the summary's histogram of totals, as SVG bars) and the class's mean, median, spread;
* per exercise: students graded, passed, pass rate, mean score, and the files that gave no answer;
* per check: passed, failed (the code ran and the answer was wrong), no answer (no file, not started, or a file
  that does not load), pass rate = passed / graded;
* the named mistakes (``misconception`` in the rows), ranked by how many students made them, each with one example
  feedback line (from the first such student in name order) and the students concerned, linked to their feedback;
* every student's scores, as in ``grades.csv``.

Each number is written in an element with a ``data-k`` key (``ex1.check2.passed``, ``mistake1.students``, ...) so
tests can read them back from the rendered page. Nothing depends on time or timing: the same rows give the same page.
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

from grader.classroom.gradebook import ResultsStore, max_scores
from grader.i18n import gettext as _
from grader.i18n import N_, language
from grader.results import ERROR, MISSING, NOT_IMPLEMENTED, PASSED

_NO_ANSWER_STATUSES = (MISSING, NOT_IMPLEMENTED, ERROR)
EXAMPLE_CHARS = 240
BAR = "#4c72b0"        # histogram bars
PASS = "#55a868"       # pass-rate bars
TRACK = "#e4e4e4"      # the rest of a pass-rate bar


@dataclass
class CheckStats:
    name: str
    points: int
    passed: int = 0
    failed: int = 0
    no_answer: int = 0

    @property
    def graded(self) -> int:
        return self.passed + self.failed + self.no_answer

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class MistakeStats:
    exercise: int
    message: str
    students: list[str] = field(default_factory=list)   # sorted
    checks: list[str] = field(default_factory=list)     # where it was named, in check order
    example_student: str = ""
    example_check: str = ""
    example: str = ""


def check_outcome(status: str, check: dict) -> str:
    """'passed', 'failed' (the code ran and answered wrongly) or 'no answer' for one check of one row."""
    if check.get("passed"):
        return "passed"
    if status in _NO_ANSWER_STATUSES or check.get("not_implemented"):
        return "no answer"
    return "failed"


def check_stats(store: ResultsStore) -> dict[int, list[CheckStats]]:
    """Per exercise, every check (in the order the grader runs them) with its counts over all graded students."""
    out: dict[int, dict[str, CheckStats]] = {n: {} for n in store.exercises()}
    for (_, n), row in sorted(store.rows.items()):
        stats = out[n]
        for check in row["result"].get("checks", []):
            entry = stats.setdefault(check["name"], CheckStats(check["name"], int(check["max_points"])))
            entry.points = max(entry.points, int(check["max_points"]))
            outcome = check_outcome(row["status"], check)
            if outcome == "passed":
                entry.passed += 1
            elif outcome == "failed":
                entry.failed += 1
            else:
                entry.no_answer += 1
    return {n: list(stats.values()) for n, stats in out.items()}


def example_line(check: dict) -> str:
    """One feedback line for a named mistake: the check's message and the smallest failing input, shortened."""
    text = " -- ".join(part for part in (check.get("message", ""), *(check.get("details") or [])[:1]) if part)
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 3] + "..."


def mistake_stats(store: ResultsStore) -> list[MistakeStats]:
    """The named mistakes, most students first (then exercise, then message); a student counts once per mistake."""
    found: dict[tuple[int, str], MistakeStats] = {}
    for (student, n), row in sorted(store.rows.items()):
        for check in row["result"].get("checks", []):
            message = check.get("misconception")
            if not message or check.get("passed"):
                continue
            entry = found.setdefault((n, message), MistakeStats(n, message))
            if not entry.students or entry.students[-1] != student:   # rows come sorted by student
                entry.students.append(student)
            if check["name"] not in entry.checks:
                entry.checks.append(check["name"])
            if not entry.example:
                entry.example_student, entry.example_check, entry.example = student, check["name"], \
                    example_line(check)
    return sorted(found.values(), key=lambda m: (-len(m.students), m.exercise, m.message))


# -- rendering -----------------------------------------------------------------------------------------------------
def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _num(key: str, text, tag: str = "td", cls: str = "n") -> str:
    return f'<{tag} class="{cls}" data-k="{_e(key)}">{_e(text)}</{tag}>'


def percent(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def rate_bar(rate: float, width: int = 140, height: int = 12) -> str:
    filled = round(rate * width, 1)
    return (f'<svg class="bar" width="{width}" height="{height}" role="img" aria-label="{percent(rate)}">'
            f'<rect width="{width}" height="{height}" fill="{TRACK}"/>'
            f'<rect width="{filled}" height="{height}" fill="{PASS}"/></svg>')


def histogram_svg(summary: dict, width: int = 640, height: int = 260) -> str:
    """The distribution of totals: one bar per bin of the summary's histogram, its count above it."""
    edges, counts = summary["histogram"]["edges"], summary["histogram"]["counts"]
    left, right, top, bottom = 44, 12, 22, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max(counts, default=0) or 1
    step = plot_w / max(len(counts), 1)
    parts = [f'<svg id="histogram" width="{width}" height="{height}" role="img" '
             f'aria-label="score distribution" shape-rendering="crispEdges">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>']
    for i, count in enumerate(counts):
        x = left + i * step
        h = round(count / most * plot_h)
        if count:
            parts.append(f'<rect class="hbar" x="{x + 2:.1f}" y="{top + plot_h - h}" width="{step - 4:.1f}" '
                         f'height="{h}" fill="{BAR}" data-count="{count}"><title>{edges[i]:g}-{edges[i + 1]:g}: '
                         f'{count} students</title></rect>')
        parts.append(f'<text x="{x + step / 2:.1f}" y="{top + plot_h - h - 5}" text-anchor="middle" '
                     f'data-k="hist.{i}">{count}</text>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="tick">{edges[i]:g}</text>')
    parts.append(f'<text x="{left + plot_w:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="tick">'
                 f'{edges[-1]:g}</text>' if edges else "")
    axis = _e(_("total score (of {max_total})").format(max_total=summary["max_total"]))
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">{axis}</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">' + _e(_("students")) + "</text></svg>")
    return "".join(parts)


_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto;
       max-width: 1100px; padding: 0 16px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; }
h3 { font-size: 15px; margin: 16px 0 4px; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { border: 1px solid #999; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.facts span { margin-right: 18px; } .facts b { font-size: 16px; }
.ex { color: #444; } code { font: 12px/1.35 ui-monospace, monospace; background: #f6f6f6; padding: 1px 3px;
  white-space: pre-wrap; word-break: break-word; }
svg text { font: 12px system-ui, sans-serif; fill: #222; } svg text.tick { fill: #555; font-size: 11px; }
svg.bar { vertical-align: middle; } .muted { color: #666; } a { color: #2857a4; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def _facts(summary: dict) -> str:
    items = [(_("students"), summary["students"], "students"), (_("mean"), f"{summary['mean']:.1f}", "mean"),
             (_("median"), f"{summary['median']:.1f}", "median"), (_("std"), f"{summary['stdev']:.1f}", "stdev"),
             (_("out of"), summary["max_total"], "max_total")]
    return '<p class="facts">' + "".join(f'<span>{_e(label)} {_num(key, value, "b", "n")}</span>'
                                         for label, value, key in items) + "</p>"


def _head(*labels: str) -> str:
    """A table head of translated column labels."""
    return "<thead><tr>" + "".join(f"<th>{_e(_(label)) if label else ''}</th>" for label in labels) + "</tr></thead>"


def _exercise_table(store: ResultsStore, summary: dict, titles: dict[int, str]) -> str:
    rows = ["<table id=\"exercises\">" + _head(
        "#", N_("exercise"), N_("graded"), N_("passed"), N_("pass rate"), "", N_("mean score"), N_("of"),
        N_("not started"), N_("missing"), N_("does not load")) + "<tbody>"]
    for n, e in summary["exercises"].items():
        n = int(n)
        statuses = e["statuses"]
        cells = [("graded", e["graded"]), ("passed", statuses.get(PASSED, 0)), ("pass_rate", percent(e["pass_rate"])),
                 ("bar", None), ("mean", f"{e['mean_score']:.1f}"), ("max", e["max_score"]),
                 ("not_implemented", statuses.get(NOT_IMPLEMENTED, 0)), ("missing", statuses.get(MISSING, 0)),
                 ("error", statuses.get(ERROR, 0))]
        tds = "".join(f"<td>{rate_bar(e['pass_rate'])}</td>" if value is None else _num(f"ex{n}.{key}", value)
                      for key, value in cells)
        rows.append(f"<tr><td>{n}</td><td>{_e(_(titles.get(n, '')))}</td>{tds}</tr>")
    return "".join(rows) + "</tbody></table>"


def _check_tables(stats: dict[int, list[CheckStats]], titles: dict[int, str]) -> str:
    parts = []
    for n, checks in stats.items():
        title = _("Exercise {number}: {title}").format(number=n, title=_(titles.get(n, "")))
        head = _head(N_("check"), N_("points"), N_("passed"), N_("failed"), N_("no answer"), N_("pass rate"), "")
        parts.append(f"<h3>{_e(title)}</h3><table class=\"checks\" data-exercise=\"{n}\">{head}<tbody>")
        for j, c in enumerate(checks, 1):
            key = f"ex{n}.check{j}"
            parts.append(f"<tr><td>{_e(_(c.name))}</td>{_num(key + '.points', c.points)}"
                         f"{_num(key + '.passed', c.passed)}{_num(key + '.failed', c.failed)}"
                         f"{_num(key + '.no_answer', c.no_answer)}{_num(key + '.pass_rate', percent(c.pass_rate))}"
                         f"<td>{rate_bar(c.pass_rate)}</td></tr>")
        parts.append("</tbody></table>")
    return "".join(parts)


def _student_link(student: str, slugs: dict[str, str]) -> str:
    return f'<a href="feedback/{quote(slugs.get(student, student))}.md">{_e(student)}</a>'


def _mistake_table(mistakes: list[MistakeStats], students: int, slugs: dict[str, str]) -> str:
    if not mistakes:
        return '<p class="muted" id="no-mistakes">' + _e(_("No named mistake was made.")) + "</p>"
    head = _head(N_("rank"), N_("exercise"), N_("mistake"), N_("students"), N_("share"), N_("example feedback"),
                 N_("who"))
    rows = [f'<table id="mistakes">{head}<tbody>']
    for r, m in enumerate(mistakes, 1):
        share = len(m.students) / students if students else 0.0
        who = ", ".join(_student_link(s, slugs) for s in m.students)
        where = _("in: {checks}").format(checks=", ".join(_(c) for c in m.checks))
        rows.append(f"<tr><td>{r}</td><td>{m.exercise}</td><td>{_e(_(m.message))}<div class=\"muted\">"
                    f"{_e(where)}</div></td>{_num(f'mistake{r}.students', len(m.students))}"
                    f"{_num(f'mistake{r}.share', percent(share))}"
                    f"<td><span class=\"muted\">{_e(m.example_student)}, {_e(_(m.example_check))}:</span> "
                    f"<code>{_e(m.example)}</code></td><td>{who}</td></tr>")
    return "".join(rows) + "</tbody></table>"


def _student_table(store: ResultsStore, slugs: dict[str, str]) -> str:
    exercises = store.exercises()
    head = "".join(f"<th>ex{n:02d}</th>" for n in exercises)
    labels = [_e(_("student")), _e(_("total")), _e(_("late"))]
    yes = _e(_("yes"))
    rows = [f'<table id="students"><thead><tr><th>{labels[0]}</th>{head}<th>{labels[1]}</th><th>{labels[2]}</th>'
            '</tr></thead><tbody>']
    for i, student in enumerate(store.students(), 1):
        cells, total, late = [], 0, False
        for n in exercises:
            row = store.rows.get((student, n))
            score = "" if row is None else row["score"]
            total += 0 if row is None else row["score"]
            late |= bool(row and row.get("late"))
            cells.append(_num(f"student{i}.ex{n}", score))
        rows.append(f'<tr data-student="{_e(student)}"><td>{_student_link(student, slugs)}</td>{"".join(cells)}'
                    f'{_num(f"student{i}.total", total)}<td>{yes if late else ""}</td></tr>')
    return "".join(rows) + "</tbody></table>"


def class_report_html(store: ResultsStore, summary: dict) -> str:
    """The whole page (see the module docstring)."""
    titles: dict[int, str] = {}
    slugs: dict[str, str] = {}
    versions: Counter = Counter()
    for (student, n), row in sorted(store.rows.items()):
        titles.setdefault(n, row["result"].get("title", ""))
        slugs.setdefault(student, row.get("slug") or student)
        versions[row.get("grader_version", "")] += 1
    stats = check_stats(store)
    mistakes = mistake_stats(store)
    maxes = max_scores(store)
    version = versions.most_common(1)[0][0] if versions else ""
    numbers = ", ".join(str(n) for n in store.exercises()) or _("none")
    intro = _("Exercises {numbers} ({points} points). Made from results.jsonl; grades.csv has the same scores.").format(
        numbers=numbers, points=sum(maxes.values()))
    title = _e(_("Class report"))
    body = [
        f"<h1>{title}</h1>",
        f'<p class="muted">{_e(intro)}</p>',
        _facts(summary),
        "<h2>" + _e(_("Score distribution")) + "</h2>", histogram_svg(summary),
        "<h2>" + _e(_("Named mistakes: what to re-teach")) + "</h2>",
        '<p class="muted">' + _e(_("Each row is a mistake the grader recognised in a wrong answer, with how many "
                                   "students made it; the example is what one of them was told.")) + "</p>",
        _mistake_table(mistakes, summary["students"], slugs),
        "<h2>" + _e(_("Exercises")) + "</h2>", _exercise_table(store, summary, titles),
        "<h2>" + _e(_("Checks")) + "</h2>",
        '<p class="muted">' + _e(_("failed: the code ran and the answer was wrong; no answer: no file, not started, "
                                   "or a file that does not load. Pass rate = passed / graded.")) + "</p>",
        _check_tables(stats, titles),
        "<h2>" + _e(_("Students")) + "</h2>", _student_table(store, slugs),
        f'<p class="muted">cnn-grader {_e(version)}</p>',
    ]
    lang = "zh-Hant-TW" if language() == "zh_TW" else "en"
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
