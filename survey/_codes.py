"""Codes that usually mean "missing" (don't know, no answer, not applicable) in files that do
not declare them, and integer items that are probably category codes.

A CSV (or an SPSS file without ``MISSING VALUES``) can hold 88/96/98/99 for "no sabe" / "no
responde": averaged as numbers they turn a 1-3 scale into a mean of 2.06 that looks fine.
:func:`suspect_missing_codes` finds them so that the verbs can warn and the CLI can refuse to
average them; declare them with ``survey.read(..., user_missing_codes={var: [88, 99]})``
(CLI ``--missing-codes 88,99``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Codes survey producers use for don't know / no answer / refused / not applicable.
MISSING_LIKE = frozenset(
    [77, 88, 96, 97, 98, 99, 777, 888, 996, 997, 998, 999, 7777, 8888, 9999,
     888888, 988888, 999999, -1, -2, -3, -7, -8, -9, -77, -88, -99]
)  # fmt: skip
_MISSING_LABEL = re.compile(
    r"no sab|no respond|no contest|ns\s*/\s*nr|nr\b|sin dato|sin informaci|no aplica|"
    r"don.?t know|no answer|refus|not applicable|dk\b|n/?a\b|não sab|não respond|recus",
    re.IGNORECASE,
)


def suspect_missing_codes(values: pd.Series, labels: dict | None = None) -> list:
    """Codes in ``values`` that look like undeclared missing codes, sorted.

    A code counts when its value label reads like "no sabe" / "no responde" / "don't know"
    / "refused" / "not applicable", or, for integer items with at most 20 other values, when it
    is one of :data:`MISSING_LIKE` and lies well outside the other values (at least twice
    the largest, or negative below non-negative ones): 88 and 99 beside 1-4, never 88 inside
    an age range."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return []
    lo_hi = _int_range(values)
    if not labels and lo_hi is not None and (lo_hi[1] < 77 and lo_hi[0] >= 0):
        return []  # fast path on plain integers (no float copy)
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if arr.size == 0 or np.isnan(arr).all():
        return []
    if not labels and np.nanmax(arr) < 77 and np.nanmin(arr) >= 0:
        return []  # fast path: no missing-like code can be there
    if pd.unique(arr[:10000]).size > 41:
        return []
    uniq = pd.unique(arr[~np.isnan(arr)])
    if uniq.size > 40:
        return []
    found = set()
    for code, text in (labels or {}).items():
        try:
            c = float(code)
        except (TypeError, ValueError):
            continue
        if _MISSING_LABEL.search(str(text)) and np.isin(c, uniq):
            found.add(c)
    if np.all(np.mod(uniq, 1) == 0):
        cand = [float(u) for u in uniq if int(u) in MISSING_LIKE]
        rest = np.array([u for u in uniq if float(u) not in cand], dtype=float)
        if cand and 0 < rest.size <= 20:
            top, low = rest.max(), rest.min()
            for c in cand:
                if (c > 0 and c >= 2 * max(top, 1)) or (c < 0 and low >= 0):
                    found.add(c)
    return sorted(found)


def _int_range(values: pd.Series):
    """(min, max) of a plain numpy integer column (no NA possible), else None."""
    if not (isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu") or not len(values):
        return None
    arr = values.to_numpy()
    return int(arr.min()), int(arr.max())


def few_integer_codes(values: pd.Series, limit: int = 10) -> int:
    """Number of distinct values of an integer-valued numeric item with at most ``limit``
    of them and at least two, unless they are 0 and 1 (0/1 items are proportions; a 1/2
    Yes/No item is counted: its mean is 1 + the share of the 2s), else 0."""
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return 0
    lo_hi = _int_range(values)
    if lo_hi is not None and lo_hi[0] >= 0 and lo_hi[1] <= 1:
        return 0  # a 0/1 item: no float copy, no hashing
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if pd.unique(arr[:10000]).size > limit + 1:  # fast path on a prefix
        return 0
    uniq = pd.unique(arr[~np.isnan(arr)])
    if set(uniq.tolist()) <= {0.0, 1.0}:
        return 0
    if 2 <= uniq.size <= limit and np.all(np.mod(uniq, 1) == 0):
        return int(uniq.size)
    return 0


def code_notes(data: pd.DataFrame, variables, meta=None, statistic: str = "mean") -> list:
    """Messages for a ``statistic`` (mean/total) of items holding undeclared missing codes."""
    out = []
    for var in variables:
        if var not in data.columns:
            continue
        labels = (meta.value_labels.get(var) if meta is not None else None) or {}
        codes = suspect_missing_codes(data[var], labels)
        if codes:
            shown = ", ".join(f"{c:g}" for c in codes)
            out.append(
                f"{var!r} holds {shown}, codes that usually mean don't know / no answer: the "
                f"{statistic} counts them as values; declare them missing with "
                f"survey.read(..., user_missing_codes={{{var!r}: [{shown}]}}) "
                f"(CLI: --missing-codes {shown.replace(', ', ',')})"
            )
    return out
