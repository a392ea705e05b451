"""Suggestions for misspelt column names ("did you mean 'Fact_Hog'?")."""

from __future__ import annotations

import difflib


def did_you_mean(name, columns, n: int = 3) -> str:
    """``" (did you mean 'x'?)"`` naming the closest columns to ``name``, or ``""``.

    A column equal up to case is always proposed first (``fact_hog`` -> ``Fact_Hog``); then
    the closest names by :func:`difflib.get_close_matches` (ratio >= 0.6)."""
    cols = [str(c) for c in columns]
    key = str(name).lower()
    exact = [c for c in cols if c.lower() == key]
    lower = {c.lower(): c for c in cols}
    close = [lower[m] for m in difflib.get_close_matches(key, list(lower), n=n, cutoff=0.6)]
    found = list(dict.fromkeys([*exact, *close]))[:n]
    if not found:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in found) + "?)"


def missing_columns(names, columns) -> str:
    """``"'a' (did you mean 'A'?), 'b'"`` for the names not in ``columns``."""
    cols = list(columns)
    return ", ".join(f"{c!r}{did_you_mean(c, cols)}" for c in names)
