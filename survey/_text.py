"""The one text module of figures, tables and reports (English, Spanish, Portuguese).

Two tables hold the translations: figure and table terms (:data:`survey.plots._text.TEXT`)
and the report's sentences (:data:`survey.report._text.REPORT_TEXT`); terms both use
(``estimate``, ``indicator``, ``reliability`` ...) live once, in the figure table, and the
report table refers to them. This module holds what both share: the languages, the lookup,
number formatting, and :func:`text`, which finds a key in either table.
"""

from __future__ import annotations

LANGUAGES = ("en", "es", "pt")

__all__ = ["LANGUAGES", "check_lang", "fmt_number", "lookup", "text"]


def check_lang(lang: str) -> str:
    """Validate a language code (``"en"``, ``"es"`` or ``"pt"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    return lang


def lookup(table: dict, key: str, lang: str = "en", **fmt) -> str:
    """``table[key][lang]`` formatted with ``fmt``."""
    check_lang(lang)
    out = table[key][lang]
    return out.format(**fmt) if fmt else out


def fmt_number(x: float, lang: str = "en", digits: int = 0) -> str:
    """Format a number with the thousands/decimal separators of ``lang``."""
    s = f"{x:,.{digits}f}"
    if lang in ("es", "pt"):
        s = s.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return s


def text(key: str, lang: str = "en", **fmt) -> str:
    """The text ``key`` in ``lang`` from the figure/table terms or the report sentences."""
    from survey.plots._text import TEXT
    from survey.report._text import REPORT_TEXT

    table = TEXT if key in TEXT else REPORT_TEXT
    if key not in table:
        raise KeyError(f"no text {key!r} in the figure or report tables")
    return lookup(table, key, lang, **fmt)
