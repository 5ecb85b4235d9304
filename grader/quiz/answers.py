"""Reading written answers leniently, comparing them with the key, and writing keys in a form the reader accepts.

What is accepted (answers come from paper transcribed by a TA, from web forms and from LMS exports):

- numbers: ``18496``, ``18,496``, ``18 496``, ``1.2e3``, ``9/4``, ``0,511`` (decimal comma), ``−3`` (Unicode
  minus), ``p = 2``, ``2 pixels``, ``about 0.51``; for probabilities also ``65.9%``;
- matrices: ``[[2, 1], [-1, 3]]``, ``2 1; -1 3``, one row per line, ``(2 1) (-1 3)``, ``2 | 1 \\n -1 | 3`` and, when
  the expected shape is known, the entries in one row-major run (``2 1 -1 3`` for a 2x2);
- shapes: ``32x32x10``, ``32 × 32 × 10``, ``(32, 32, 10)``, ``32*32*10``, ``32 by 32 by 10``, and channels-first
  ``10x32x32`` (PyTorch's C×H×W order);
- multiple choice: ``B``, ``b)``, ``(b)``, ``B. To shrink ...``, the option's text, or its number (``2``);
- "does it fit": an output size, or ``does not fit`` / ``doesn't fit`` / ``no`` / ``not`` / ``none`` (in Chinese
  ``放不進去`` / ``放不下`` / ``不適合``).

:func:`check` never raises for a wrong answer; :class:`Unreadable` means the text could not be read as the kind of
answer asked for at all (its message says why, for the student and the TA).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from grader.i18n import gettext as _
from grader.quiz.generators import Answer, Question, num


class Unreadable(ValueError):
    """The text cannot be read as an answer of the expected type."""


@dataclass(frozen=True)
class Verdict:
    correct: bool
    points: int
    given: str            # the answer as read (normalised), or "" when blank
    note: str = ""        # why it is wrong, or what was unreadable
    blank: bool = False
    unreadable: bool = False


MINUSES = dict.fromkeys(map(ord, "\u2212\u2012\u2013\u2014\ufe63\uff0d"), "-")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?:\s*/\s*[-+]?\d+(?:\.\d*)?)?%?"
TOKEN = re.compile(NUMBER)


def _clean(text) -> str:
    if text is None:
        return ""
    text = str(text).translate(MINUSES).replace("\u00a0", " ").replace("\u2009", " ").replace("\u202f", " ")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _to_float(token: str, percent_ok: bool = False) -> float:
    token = token.replace(" ", "")
    scale = 1.0
    if token.endswith("%"):
        if not percent_ok:
            raise Unreadable(f"'{token}': a percentage is not expected here")
        token, scale = token[:-1], 0.01
    try:
        if "/" in token:
            a, b = token.split("/")
            if float(b) == 0:
                raise Unreadable(f"'{token}': division by zero")
            return float(Fraction(a) / Fraction(b)) * scale
        return float(token) * scale
    except (ValueError, ZeroDivisionError):
        raise Unreadable(f"'{token}' is not a number") from None


def _collapse_thousands(text: str, decimal_comma: bool = False) -> str:
    """1,199,882 / 1 199 882 / 1_199_882 / 1'199'882 -> 1199882; then a decimal comma 0,511 -> 0.511.

    With ``decimal_comma`` (answers that are not whole numbers, e.g. a loss) 1,484 is 1.484, not 1484.
    """
    if decimal_comma:
        text = re.sub(r"(?<![\d.,])(\d+),(\d+)(?![\d.,])", r"\1.\2", text)
    text = re.sub(r"(?<![\d.,])[1-9]\d{0,2}(?:([,' _])\d{3})(?:\1\d{3})*(?![\d,])",
                  lambda m: re.sub(r"[,' _]", "", m.group(0)), text)
    return re.sub(r"(?<![\d.,])(\d+),(\d+)(?![\d.,])", r"\1.\2", text)


def parse_number(text, percent_ok: bool = False, decimal_comma: bool = False) -> float:
    """One number, leniently: see the module docstring."""
    t = _clean(text)
    if "=" in t:
        t = t.rsplit("=", 1)[1].strip()
    t = t.strip("[](){}<> \t\n;").rstrip(".").strip()
    t = re.sub(r"^(?:about|approx\.?|approximately|ca\.?|answer:?|ans:?|~|≈)\s*", "", t, flags=re.I)
    t = re.sub(r"^([-+])\s+(?=[\d.])", r"\1", t)                       # "- 3" is -3
    t = _collapse_thousands(t, decimal_comma)
    if not t:
        raise Unreadable("no number found")
    tokens = TOKEN.findall(t)
    if not tokens:
        raise Unreadable(f"no number found in '{_short(text)}'")
    rest = TOKEN.sub(" ", t)
    if len(tokens) > 1:
        raise Unreadable(f"expected one number, found {len(tokens)} in '{_short(text)}'")
    if re.search(r"\d", rest):
        raise Unreadable(f"cannot read '{_short(text)}' as one number")
    return _to_float(tokens[0], percent_ok)


def _numbers(row: str, percent_ok: bool = False) -> list[float]:
    """The numbers of one row of a matrix or of a vector, separated by spaces and/or commas."""
    row = row.strip().strip("[](){}").strip()
    if not row:
        return []
    parts = [p for p in re.split(r"[\s,]+", re.sub(r"\s*/\s*", "/", row)) if p]
    out = []
    for p in parts:
        if not re.fullmatch(NUMBER, p):
            raise Unreadable(f"'{p}' is not a number")
        out.append(_to_float(p, percent_ok))
    return out


def parse_matrix(text, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A 2-D matrix of numbers, leniently: see the module docstring."""
    t = _clean(text)
    if not t:
        raise Unreadable("no answer")
    t = re.sub(r"^[A-Za-z][\w ]{0,20}=\s*", "", t)                    # "out = [[...]]"
    if re.search(r"[\[({][^\[\](){}]*[\])}]\s*[,;]?\s*[\[({]", t):   # several bracketed groups: one per row
        rows = re.findall(r"[\[({]([^\[\](){}]*)[\])}]", t)
    else:
        t = t.strip("[](){} \n")
        if ";" in t or "\n" in t:                                  # rows; a '|' between entries is a column rule
            rows = [r.replace("|", " ") for r in re.split(r"\s*[;\n]\s*", t) if r.strip().strip("|")]
        else:
            rows = [r for r in re.split(r"\s*\|+\s*", t) if r.strip()]
    values = [_numbers(r) for r in rows]
    values = [v for v in values if v]
    if not values:
        raise Unreadable("no numbers found")
    if shape and len(values) == 1 and len(values[0]) == shape[0] * shape[1] and shape[0] > 1:
        return np.array(values[0], dtype=np.float64).reshape(shape)
    lengths = [len(v) for v in values]
    if len(set(lengths)) > 1:
        raise Unreadable(f"the rows have different lengths ({', '.join(map(str, lengths))})")
    return np.array(values, dtype=np.float64)


def parse_vector(text, percent_ok: bool = True) -> list[float]:
    t = _clean(text)
    if not t:
        raise Unreadable("no answer")
    t = re.sub(r"^[A-Za-z][\w ]{0,20}=\s*", "", t).strip("[](){} \n")
    if ";" in t or "\n" in t:                 # "0,659; 0,242; 0,099": commas may be decimal commas
        parts = [p for p in re.split(r"\s*[;\n]\s*", t) if p.strip()]
        return [parse_number(p, percent_ok, decimal_comma=True) for p in parts]
    values = _numbers(t, percent_ok)
    if not values:
        raise Unreadable("no numbers found")
    return values


def parse_shape(text) -> tuple[int, ...]:
    t = _clean(text).lower()
    if not t:
        raise Unreadable("no answer")
    t = re.sub(r"^[a-z][\w ]{0,20}=\s*", "", t)
    t = t.strip("[](){} .")
    parts = [p for p in re.split(r"\s*(?:x|×|\*|by|,|\s)\s*", t) if p]
    if not parts:
        raise Unreadable("no numbers found")
    out = []
    for p in parts:
        if not re.fullmatch(r"\d+", p):
            raise Unreadable(f"'{p}' is not a whole number (write e.g. 12x12x8)")
        out.append(int(p))
    return tuple(out)


NO_WORDS = re.compile(r"\b(?:no|not|doesn'?t|does\s+not|cannot|can'?t|won'?t|none|invalid|impossible)\b|^[nx]$"
                      r"|放不進|放不下|不適合|不合適", re.I)


def parse_fit(text) -> int | None:
    t = _clean(text).replace("\u2019", "'")
    if not t:
        raise Unreadable("no answer")
    if NO_WORDS.search(t):
        return None
    t = re.sub(r"^(?:yes|y|it fits|fits)\b[\s,:;.-]*", "", t, flags=re.I)
    if not t:
        raise Unreadable("it fits, but the output size is missing")
    value = parse_number(t)
    return int(value) if value == int(value) else value


def parse_choice(text, options: tuple[str, ...]) -> str:
    t = _clean(text)
    if not t:
        raise Unreadable("no answer")
    letters = "ABCDEFGH"[:len(options)]
    norm = lambda s: re.sub(r"[\s.]+", " ", s.strip().lower()).strip()   # noqa: E731
    for letter, option in zip(letters, options):
        if norm(t) == norm(option):
            return letter
    m = re.fullmatch(r"(?:option|answer|choice)?\s*[(\[]?\s*([A-Za-z])\s*([)\].:-]?)(.*)", t, flags=re.S | re.I)
    if m and m.group(1).upper() in letters:
        letter, separator, rest = m.group(1).upper(), m.group(2), m.group(3).strip()
        # "B", "b)", "B. text", "(b) text"; "B text" only when the text is that option's ("b or c" is not)
        if not rest or separator or norm(rest) == norm(options[letters.index(letter)]):
            return letter
    m = re.fullmatch(r"[(\[]?\s*(\d)\s*[)\].:]?", t)
    if m and 1 <= int(m.group(1)) <= len(options):
        return letters[int(m.group(1)) - 1]
    raise Unreadable(f"expected one of {', '.join(letters)}")


def parse(answer: Answer, text, options: tuple[str, ...] = ()):
    """Read ``text`` as an answer of the type of ``answer``; raises :class:`Unreadable`."""
    kind = answer.type
    if kind == "matrix":
        rows = len(answer.value)
        return parse_matrix(text, (rows, len(answer.value[0])))
    if kind == "integer":
        return parse_number(text)
    if kind == "number":
        return parse_number(text, decimal_comma=True)
    if kind == "vector":
        return parse_vector(text)
    if kind == "shape":
        return parse_shape(text)
    if kind == "choice":
        return parse_choice(text, options)
    if kind == "fit":
        return parse_fit(text)
    raise ValueError(f"unknown answer type {kind!r}")


def _is_blank(text) -> bool:
    return _clean(text) in ("", "-", "—", "n/a", "N/A", "?")


def check(question: Question, text) -> Verdict:
    """Grade one written answer: a :class:`Verdict` (never raises)."""
    answer = question.answer
    if _is_blank(text):
        return Verdict(False, 0, "", _("no answer"), blank=True)
    try:
        value = parse(answer, text, question.choices)
    except Unreadable as exc:
        return Verdict(False, 0, _short(text, 60), _("could not read the answer: {error}").format(error=exc),
                       unreadable=True)
    correct, note = _compare(answer, value)
    return Verdict(correct, question.points if correct else 0, format_value(answer, value), note)


def _compare(answer: Answer, value) -> tuple[bool, str]:
    kind, key, tol = answer.type, answer.value, answer.tolerance + 1e-9
    if kind == "matrix":
        key = np.array(key, dtype=np.float64)
        if value.shape != key.shape:
            return False, _("expected a {rows}×{columns} matrix, got {got}").format(
                rows=key.shape[0], columns=key.shape[1], got=f"{value.shape[0]}×{value.shape[1]}")
        wrong = int(np.sum(np.abs(value - key) > tol))
        return wrong == 0, ("" if wrong == 0 else _("{wrong} of {size} entries are wrong").format(wrong=wrong,
                                                                                                 size=key.size))
    if kind == "integer":
        return abs(value - key) <= tol, ""
    if kind == "number":
        ok = abs(value - key) <= tol
        return ok, ("" if ok else _("accepted: {low} to {high}").format(low=f"{key - answer.tolerance:.3f}",
                                                                         high=f"{key + answer.tolerance:.3f}"))
    if kind == "vector":
        if len(value) != len(key):
            return False, _("expected {count} numbers, got {got}").format(count=len(key), got=len(value))
        ok = all(abs(v - k) <= tol for v, k in zip(value, key))
        return ok, ("" if ok else _("each value must be within ±{tolerance}").format(tolerance=num(answer.tolerance)))
    if kind == "shape":
        if tuple(value) == tuple(key):
            return True, ""
        if len(key) == 3 and tuple(value) == (key[2], key[0], key[1]):
            return True, _("read as channels-first (C×H×W)")
        if len(value) != len(key):
            return False, _("expected {count} numbers (height × width × depth), got {got}").format(count=len(key),
                                                                                                  got=len(value))
        return False, ""
    if kind == "choice":
        return value == key, ""
    if kind == "fit":
        if key is None:
            return value is None, ("" if value is None else _("it does not fit"))
        if value is None:
            return False, _("it does fit")
        return abs(value - key) <= tol, ""
    raise ValueError(f"unknown answer type {kind!r}")


def format_value(answer: Answer, value) -> str:
    """A value in the canonical written form (which :func:`parse` reads back): the key's cells in CSVs."""
    kind = answer.type
    if kind == "matrix":
        return "; ".join(" ".join(_fmt(v, answer) for v in row) for row in np.asarray(value).tolist())
    if kind in ("integer", "number"):
        return _fmt(value, answer)
    if kind == "vector":
        return ", ".join(_fmt(v, answer) for v in value)
    if kind == "shape":
        return "x".join(str(int(v)) for v in value)
    if kind == "choice":
        return str(value)
    if kind == "fit":
        return "does not fit" if value is None else _fmt(value, answer)
    raise ValueError(f"unknown answer type {kind!r}")


def key_text(question: Question) -> str:
    """The key of a question as written text."""
    return format_value(question.answer, question.answer.value)


def _fmt(v, answer: Answer) -> str:
    if answer.decimals is not None and float(v) != int(float(v)):
        return f"{float(v):.{answer.decimals}f}"
    return num(round(float(v), 6)) if not isinstance(v, int) else str(v)


def _short(text, limit: int = 40) -> str:
    t = " ".join(_clean(text).split())
    return t if len(t) <= limit else t[:limit - 1] + "…"
