"""Speak the student's language: one gettext message catalog for every student-facing text.

The catalog is the gettext domain ``grader``: ``grader/locale/grader.pot`` (the English messages),
``grader/locale/<lang>/LC_MESSAGES/grader.po`` (a translation) and its compiled ``grader.mo``, read here with the
standard library's :mod:`gettext` (no third-party import, so `grade list/show/hint` stay light). Babel builds the
catalog (``python -m grader.catalog`` extracts, merges and compiles; see that module).

The language: ``--lang zh-TW`` on the command line (which sets ``GRADER_LANG`` so that batch workers follow), else
``LANGUAGE``/``LC_ALL``/``LC_MESSAGES``/``LANG`` (``zh_TW.UTF-8``), else English. English is the msgid itself:
with no language chosen every text is exactly the English one.

Usage: ``_("Exercise {number}: {title}").format(number=..., title=...)`` for a message written in the code, and
``N_("...")`` (the identity) to mark a text that is stored in English and translated where it is shown
(``_(check.name)``). Numbers, code, shapes and formulas are placeholders or stay verbatim in the translation.
"""
from __future__ import annotations

import gettext as _gettext
import os
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "grader"
LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh_TW")            # the catalog's languages; zh_TW: Traditional Chinese (Taiwan)
ENV = "GRADER_LANG"                       # set by --lang; read first, so that child processes speak the same
_ALIASES = {"zh": "zh_TW", "zh_hant": "zh_TW", "zh_hant_tw": "zh_TW", "zh_tw": "zh_TW", "zh_hk": "zh_TW",
            "zh_mo": "zh_TW", "en": ENGLISH, "c": ENGLISH, "posix": ENGLISH}

_active: str | None = None
_translations: dict[str, _gettext.NullTranslations] = {}


class UnknownLanguage(ValueError):
    """A --lang value that names no language of the catalog."""


def normalize(tag: str | None) -> str | None:
    """'zh-TW', 'zh_TW.UTF-8', 'zh_Hant_TW' -> 'zh_TW'; 'en_US.UTF-8', 'C' -> 'en'; anything else -> None."""
    if not tag:
        return None
    code = tag.split(".")[0].split("@")[0].replace("-", "_").strip().lower()
    if code in _ALIASES:
        return _ALIASES[code]
    if code.startswith("en_"):
        return ENGLISH
    return None


def from_environment(environ=None) -> str:
    """The language the environment asks for: GRADER_LANG, then the first set of LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG (as gettext reads them); English when that names no language of the catalog."""
    environ = os.environ if environ is None else environ
    for var in (ENV, "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var)
        if value:
            for part in value.split(":"):
                code = normalize(part)
                if code:
                    return code
            if var != "LANGUAGE":   # LANG=fr_FR: a language we do not have -> English (LANGUAGE may list several)
                return ENGLISH
    return ENGLISH


def activate(lang: str | None) -> str:
    """Speak ``lang`` from now on (None: what the environment asks for); returns the catalog's code for it.
    UnknownLanguage for a tag that names no language of the catalog."""
    global _active
    if lang is None:
        code = from_environment()
    else:
        code = normalize(lang)
        if code is None:
            raise UnknownLanguage(f"unknown language {lang!r} (known: en, zh-TW)")
    _active = code
    return code


@contextmanager
def speaking(lang: str | None):
    """Speak ``lang`` inside the block (None: what the environment asks for), then what was spoken before. A chosen
    language is also put in ``GRADER_LANG`` for the processes started inside the block (batch workers)."""
    global _active
    before, env_before = _active, os.environ.get(ENV)
    code = activate(lang)
    if lang is not None:
        os.environ[ENV] = code
    try:
        yield code
    finally:
        _active = before
        if env_before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = env_before


def language() -> str:
    """The active language's code ('en' or 'zh_TW')."""
    return _active if _active is not None else activate(None)


def translation(code: str | None = None) -> _gettext.NullTranslations:
    code = code or language()
    if code not in _translations:
        _translations[code] = (_gettext.NullTranslations() if code == ENGLISH else
                               _gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True))
    return _translations[code]


def gettext(message: str) -> str:
    """``message`` in the active language (itself in English, or where the catalog has no translation)."""
    if not message:
        return message
    return translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation().ngettext(singular, plural, n)


def N_(message: str) -> str:   # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalog without translating it here (it is translated where it is shown)."""
    return message


_ = gettext

__all__ = ["ENGLISH", "LANGUAGES", "N_", "UnknownLanguage", "activate", "from_environment", "gettext", "language",
           "ngettext", "normalize", "speaking", "translation"]
