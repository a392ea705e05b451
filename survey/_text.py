"""The one text module of figures, tables and reports (English, Spanish, Portuguese).

Two tables hold the translations: figure and table terms (:data:`survey.plots._text.TEXT`)
and the report's sentences (:data:`survey.report._text.REPORT_TEXT`); terms both use
(``estimate``, ``indicator``, ``reliability`` ...) live once, in the figure table, and the
report table refers to them. This module holds what both share: the languages, the lookup,
number formatting, and :func:`text`, which finds a key in either table.
"""

from __future__ import annotations

LANGUAGES = ("en", "es", "pt")

__all__ = [
    "LANGUAGES",
    "check_lang",
    "code_text",
    "fmt_number",
    "int_codes",
    "lookup",
    "text",
    "with_int_codes",
]


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
    return local_digits(f"{x:,.{digits}f}", lang)


def local_digits(s: str, lang: str = "en") -> str:
    """Text of numbers written the English way (``1,136``, ``0.1046 – 0.1263``) with the
    separators of ``lang``: Spanish and Portuguese ``1.136``, ``0,1046 – 0,1263``."""
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


def code_text(v) -> str:
    """A domain code as text, a whole number read as a double without its ``.0`` (stratum
    ``101``, not ``101.0``); anything else as ``str`` gives it."""
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def int_codes(s):
    """Domain codes read as floats (1.0, 2.0: SPSS stores every number as a double, pandas
    makes an integer column with a missing value float) as integers (nullable ``Int64``)
    when every present value is whole, for the terminal and the files: ``1``, not ``1.0``.
    Other columns are returned as they are. The estimates keep the data's dtype (an integer
    column stays integer); this is presentation only."""
    import numpy as np
    import pandas as pd

    if not pd.api.types.is_float_dtype(s.dtype):
        return s
    x = s.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(x)
    if not ok.any() or not np.all(np.isfinite(x[ok]) & (x[ok] == np.round(x[ok]))):
        return s
    return s.astype("Int64")


#: Counts of the tidy results and comparisons (floats in the frames, so that a missing one
#: is NaN), written as integers by every csv: ``4608``, not ``4608.0``.
COUNT_COLUMNS = ("n", "n_cases", "df", "n_1", "n_2")


def with_int_counts(frame):
    """``frame`` with its :data:`COUNT_COLUMNS` as :func:`int_codes` (when every present
    value is whole; a Satterthwaite df or an infinite one stays as it is): for csv files."""
    return with_int_codes(frame, COUNT_COLUMNS)


def with_int_codes(frame, columns):
    """``frame`` with its ``columns`` (the domains) as :func:`int_codes` (a copy; attrs kept)."""
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    for c in columns:
        if c in out.columns:
            out[c] = int_codes(out[c])
    return out
