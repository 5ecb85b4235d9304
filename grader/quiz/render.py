"""Quizzes and answer keys as printable HTML (self-contained, one A4 page per student) and as Markdown.

The HTML inlines its stylesheet (``quiz.css``, package data): matrices are bordered ``<table class="grid">``
grids, each student's sheet is a ``<section class="sheet">`` followed by a page break, and ``@page`` sets A4 with
margins. Open it in a browser and print, or `chromium --headless --print-to-pdf`.
"""
from __future__ import annotations

import html
from importlib import resources

from grader.i18n import N_, gettext as _
from grader.i18n import language
from grader.quiz.answers import key_text
from grader.quiz.generators import HOW_MATRIX, Question, Quiz, num

RULES = N_("Answer in the boxes; only the boxes are graded. Convolution means cross-correlation (no kernel flip); "
           "indices count from 1; a calculator is allowed. Typed answers: matrices as rows separated by ';' "
           "(1 2; 3 4), volumes as 12x12x8.")


def _answer_key(title: str) -> str:
    """'<title> — answer key' in the active language."""
    return _("{title} — answer key").format(title=title)


def _html_lang() -> str:
    return "zh-Hant-TW" if language() == "zh_TW" else "en"


def css() -> str:
    return resources.files("grader.quiz").joinpath("quiz.css").read_text(encoding="utf-8")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def grid_html(matrix, caption: str | None = None, cls: str = "") -> str:
    """A matrix as a bordered grid; with a caption, as a figure captioned 'caption (rows×cols)'."""
    rows = "".join("<tr>" + "".join(f"<td>{_e(num(v))}</td>" for v in row) + "</tr>" for row in matrix)
    table = f'<table class="grid"><tbody>{rows}</tbody></table>'
    if caption is None:
        return table
    dims = f"{len(matrix)}×{len(matrix[0])}"
    attr = f' class="{cls}"' if cls else ""
    return f"<figure{attr}><figcaption>{_e(caption)} ({dims})</figcaption>{table}</figure>"


def grid_text(matrix, indent: str = "    ") -> str:
    """A matrix as right-aligned text columns (Markdown code blocks and the terminal)."""
    cells = [[num(v) for v in row] for row in matrix]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(indent + " ".join(c.rjust(width) for c in row) for row in cells)


def _points(q: Question) -> str:
    return (_("{points} point") if q.points == 1 else _("{points} points")).format(points=q.points)


def _table_html(table) -> str:
    head, *rows = table
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="info"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def question_html(number: int, q: Question, key: bool = False) -> str:
    parts = [f'<h2>{number}. {_e(q.title)} <span class="pts">({_points(q)})</span></h2>', f"<p>{_e(q.prompt)}</p>"]
    if q.table:
        parts.append(_table_html(q.table))
    answer_beside = bool(q.grids) and q.answer.type == "matrix"     # the answer (box) sits beside the given grids
    if q.grids:
        if not answer_beside:
            beside = ""
        elif key:
            beside = grid_html(q.answer.value, _("Answer"), cls="answer")
        else:
            beside = ('<figure class="answer-box"><figcaption>' + _e(_("Answer"))
                      + '</figcaption><div class="box matrix"></div></figure>')
        parts.append('<div class="grids">' + "".join(grid_html(m, label) for label, m in q.grids) + beside + "</div>")
    if q.choices:
        parts.append('<ol class="choices">' + "".join(
            f'<li><span class="letter">{"ABCDEFGH"[i]}</span><span>{_e(c)}</span></li>'
            for i, c in enumerate(q.choices)) + "</ol>")
    if key:
        if answer_beside:
            pass
        elif q.answer.type == "matrix":
            parts.append('<div class="answer">' + _e(_("Answer:")) + f"</div>{grid_html(q.answer.value)}")
        else:
            shown = key_text(q)
            parts.append('<div class="answer">' + _e(_("Answer:")) + f" {_e(shown)}</div>")
        parts.append(f'<p class="why">{_e(q.explanation)}</p>')
    else:
        if not (q.grids and q.how in (HOW_MATRIX, _(HOW_MATRIX))):   # beside the grids the box says it all
            parts.append(f'<p class="how">{_e(q.how)}</p>')
        if q.answer.type == "matrix" and not q.grids:
            parts.append('<div class="box matrix"></div>')
        elif q.answer.type not in ("choice", "matrix"):
            parts.append('<div class="box line"></div>')
    return f'<section class="q" data-kind="{_e(q.kind)}">' + "".join(parts) + "</section>"


def sheet_html(quiz: Quiz, title: str, key: bool = False) -> str:
    who = (f'<b>{_e(quiz.name)}</b><br>' if quiz.name else _e(_("Name")) + ' <span class="fill"></span><br>')
    who += (_e(_("ID")) + f" <b>{_e(quiz.student_id)}</b> · " + _e(_("variant"))
            + f' <span class="variant">{quiz.code}</span>')
    heading = _e(_answer_key(title) if key else title)
    total = _("Total: {points} points.").format(points=quiz.points)
    intro = "" if key else f'<p class="rules">{_e(_(RULES))} {_e(total)}</p>'
    questions = "".join(question_html(i, q, key) for i, q in enumerate(quiz.questions, 1))
    return (f'<section class="sheet{" key" if key else ""}" data-student="{_e(quiz.student_id)}">'
            f'<header><h1>{heading}</h1><div class="who">{who}</div></header>{intro}'
            f'<div class="questions">{questions}</div></section>')


def document_html(quizzes, title: str, key: bool = False) -> str:
    """A self-contained HTML document: one sheet (one printed page) per quiz."""
    sheets = "\n".join(sheet_html(q, title, key) for q in quizzes)
    page_title = _answer_key(title) if key else title
    return (f'<!DOCTYPE html>\n<html lang="{_html_lang()}">\n<head>\n<meta charset="utf-8">\n'
            f'<title>{_e(page_title)}</title>\n'
            f"<style>\n{css()}</style>\n</head>\n<body>\n{sheets}\n</body>\n</html>\n")


# ---------------------------------------------------------------------------------------------------------------
# Markdown

def question_markdown(number: int, q: Question, key: bool = False) -> str:
    out = [f"### {number}. {q.title} ({_points(q)})", "", body_markdown(q)]
    if key:
        if q.answer.type == "matrix":
            out += ["**" + _("Answer:") + "**", "", "```", grid_text(q.answer.value, ""), "```", ""]
        else:
            out += ["**" + _("Answer:") + f"** `{key_text(q)}`", ""]
        out += [f"*{q.explanation}*", ""]
    else:
        out += [f"*{q.how}*", "", "**" + _("Answer:") + "** ", ""]
    return "\n".join(out)


def body_markdown(q: Question) -> str:
    """The question itself: prompt, table, grids, options (no heading, no answer)."""
    out = [q.prompt, ""]
    if q.table:
        head, *rows = q.table
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(c or " " for c in row) + " |" for row in rows]
        out.append("")
    for label, m in q.grids:
        out += [f"{label} ({len(m)}×{len(m[0])}):", "", "```", grid_text(m, ""), "```", ""]
    for i, c in enumerate(q.choices):
        out.append(f"- **{'ABCDEFGH'[i]}**) {c}")
    if q.choices:
        out.append("")
    return "\n".join(out)


def quiz_markdown(quiz: Quiz, key: bool = False) -> str:
    """One student's quiz (or key) under a level-2 heading; the document's title is the caller's."""
    who = f"{quiz.name} ({quiz.student_id})" if quiz.name else _("ID") + f" {quiz.student_id}"
    variant = _("Variant {code} · {points} points").format(code=f"`{quiz.code}`", points=quiz.points)
    head = [f"## {_answer_key(who) if key else who}", "",
            variant + ("" if quiz.name else " · " + _("Name:") + " ______________")]
    if not key:
        head += ["", f"> {_(RULES)}"]
    return "\n\n".join(["\n".join(head)] + [question_markdown(i, q, key).rstrip()
                                             for i, q in enumerate(quiz.questions, 1)]) + "\n"


def class_markdown(quizzes, title: str, key: bool = False) -> str:
    page_break = '\n<div style="page-break-after: always"></div>\n\n---\n\n'
    return f"# {_answer_key(title) if key else title}\n\n" + page_break.join(
        quiz_markdown(q, key) for q in quizzes)
