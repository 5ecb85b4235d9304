"""Build the message catalog with Babel: ``python -m grader.catalog`` (extract, merge, compile).

1. extract: every ``_("...")``, ``ngettext(...)`` and ``N_("...")`` in grader/, plus every text the exercises
   declare as data (titles, topics, hints, check names, the named mistakes' sentences), into
   ``grader/locale/grader.pot``;
2. merge: into each ``grader/locale/<lang>/LC_MESSAGES/grader.po`` (translations kept, new messages added empty,
   gone ones dropped);
3. compile: each .po into its .mo, which :mod:`grader.i18n` reads at run time with the standard library.

Write the translations in the .po (the course's own terms: 卷積 (convolution), 特徵圖 (feature map), 填充 (padding),
步幅 (stride), 池化 (pooling), ...; placeholders such as ``{number}`` exactly as in the English), then run this
again. ``problems()`` is what tests/test_i18n.py holds the catalog to.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from grader.i18n import DOMAIN, ENGLISH, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# Not translated yet, and allowed to be: texts found only in these places (none now).
PENDING: tuple[str, ...] = ()
# placeholders that a translation must keep: {name}, {0}, {x:.3g}, %s, %(name)s
PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9.\[\]]*(?:![rsa])?(?::[^{}]*)?\}|%(?:\([a-z_]+\))?[sdifgr]")


def declared_messages():
    """(text, (path, line)) for every student-facing text declared as data: the exercises' texts and the quizzes'
    concept questions."""
    from grader import course

    for ex in course.EXERCISES:
        where = (f"grader/course/{ex.package}/__init__.py", 0)
        for text in (ex.title, ex.topic, *ex.hints):
            yield text, where
        for check in ex.checks:
            yield check.name, where
            if check.hint:
                yield check.hint, where
        mistakes = ex.mistakes()
        for entry in mistakes.entries if mistakes else ():
            yield entry.message, (f"grader/course/{ex.package}/mistakes.py", 0)
        yield from _check_texts(PACKAGE / "course" / ex.package / "checks.py")
    from grader.quiz.generators import CONCEPTS   # the quizzes' multiple-choice questions and options

    for question, right, wrong in CONCEPTS:
        for text in (question, right, *wrong):
            yield text, ("grader/quiz/generators.py", 0)


CHECK_KEYWORDS = ("why", "prefix", "advice", "what")   # texts a check hands to the check language, which translates


def _check_texts(path: Path):
    """The texts of an exercise's checks.py that reach a student through the check language: literal ``why=``,
    ``prefix=``, ``advice=`` and ``what=`` arguments, and the labels and reasons in the rows of its module-level
    tables of cases (a tuple of rows, or a dict of them: "5x5 image, 3x3 kernel", "x has 3 channels, w has 1")."""
    if not path.exists():
        return
    where = (f"grader/{path.relative_to(PACKAGE).as_posix()}", 0)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in CHECK_KEYWORDS and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            yield node.value.value, where
    for node in tree.body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        tables = [node.value] if isinstance(node.value, ast.Tuple) else \
            [v for v in node.value.values if isinstance(v, ast.Tuple)] if isinstance(node.value, ast.Dict) else []
        for table in tables:
            for row in table.elts:
                if isinstance(row, ast.Tuple):
                    for cell in row.elts:
                        if isinstance(cell, ast.Constant) and isinstance(cell.value, str) and " " in cell.value:
                            yield cell.value, where


def extract() -> Catalog:
    template = Catalog(project="cnn-grader", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
        if isinstance(message, tuple) and message and not all(message):
            continue
        if message:
            template.add(message, locations=[(f"grader/{filename}", lineno)], auto_comments=comments)
    for text, where in declared_messages():
        if text:
            template.add(text, locations=[where])
    return template


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def build() -> None:
    template = extract()
    LOCALE_DIR.mkdir(exist_ok=True)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as f:
        write_po(f, template, width=120, sort_output=True, include_lineno=False, omit_header=False)
    for lang in LANGUAGES:
        if lang == ENGLISH:
            continue
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(lang) if path.exists() else Catalog(locale=lang, domain=DOMAIN, charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, catalog, width=120, sort_output=True, include_lineno=False, ignore_obsolete=True)
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def pending(message) -> bool:
    return bool(message.locations) and all(str(path).startswith(PENDING) for path, _ in message.locations)


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """What is wrong with ``lang``'s catalog: messages of the code without a translation (except pending ones),
    fuzzy ones, translations that drop or change a placeholder, a .mo older than its .po."""
    template = template or extract()
    catalog = read(lang)
    found = []
    for message in template:
        if not message.id:
            continue
        key = message.id
        translated = catalog.get(key)
        msgstrs = ([translated.string] if isinstance(translated.string, str) else list(translated.string)) \
            if translated is not None else []
        if translated is None or not all(msgstrs):
            if not pending(message):
                found.append(f"no {lang} translation: {key!r}")
            continue
        if translated.fuzzy:
            found.append(f"fuzzy {lang} translation: {key!r}")
        ids = [key] if isinstance(key, str) else list(key)
        for msgstr in msgstrs:
            if placeholders(msgstr) != placeholders(ids[-1]) and placeholders(msgstr) != placeholders(ids[0]):
                found.append(f"{lang} translation changes the placeholders {placeholders(ids[-1])} -> "
                             f"{placeholders(msgstr)}: {key!r}")
    mo = po_path(lang).with_suffix(".mo")
    compiled = _mo_messages(mo)
    for message in catalog:
        if message.id and message.string and not message.fuzzy:
            key = message.id if isinstance(message.id, str) else message.id[0]
            want = message.string if isinstance(message.string, str) else message.string[0]
            if compiled.get(key) != want:
                found.append(f"{mo.name} is out of date (run python -m grader.catalog): {key!r}")
                break
    return found


def _mo_messages(path: Path) -> dict:
    import gettext

    with path.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog   # noqa: SLF001 - the compiled messages, to compare
    return {(k[0] if isinstance(k, tuple) else k): v for k, v in catalog.items()
            if not isinstance(k, tuple) or k[1] == 0}


def main(argv=None) -> int:
    build()
    bad = [p for lang in LANGUAGES if lang != ENGLISH for p in problems(lang)]
    for line in bad[:40]:
        print(line, file=sys.stderr)
    print(f"{LOCALE_DIR}: {len(bad)} problem(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
