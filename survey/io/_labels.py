"""Value labels applied for display: codes -> ordered categoricals of label texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey.io._meta import Metadata

__all__ = ["apply_labels"]


def _fmt_code(code: Any) -> str:
    """Display text of an unlabelled code: ``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``."""
    if isinstance(code, float | np.floating) and float(code).is_integer():
        return str(int(code))
    return str(code)


def _sort_key(code: Any) -> tuple[int, Any]:
    # numbers first (by value), then letters (Stata/SAS extended missing) and other strings
    if isinstance(code, int | float | np.integer | np.floating) and not isinstance(code, bool):
        return (0, float(code), "")
    return (1, 0.0, str(code))


def apply_labels(
    df: pd.DataFrame,
    meta: Metadata,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``df`` in which labelled variables show their value labels.

    Parameters
    ----------
    df : pandas.DataFrame
        Data as returned by :func:`survey.io.read` (codes).
    meta : Metadata
        Its metadata; ``meta.value_labels`` gives the labels.
    columns : sequence of str, optional
        Variables to convert (default: every column of ``df`` that has value labels).

    Returns
    -------
    pandas.DataFrame
        Same shape and index; converted columns are ``Categorical`` whose categories are
        the label texts in code order (then unlabelled codes found in the data, shown as
        the code, e.g. ``"5"``). NaN stays NaN. Labels of user-missing codes are kept as
        categories only when such codes are present (data read with
        ``user_missing="keep"``), so frequency tables do not show empty "Don't know" rows.
        Codes sharing a label text share the category. SPSS ordinal variables become
        ordered categoricals.

    Raises
    ------
    KeyError
        A requested column is not in ``df``.
    """
    if columns is None:
        columns = [c for c in df.columns if meta.value_labels.get(c)]
    else:
        columns = [columns] if isinstance(columns, str) else list(columns)
        absent = [c for c in columns if c not in df.columns]
        if absent:
            raise KeyError(f"apply_labels: column(s) not in the data: {absent}")
    out = df.copy()
    for var in columns:
        labels = meta.value_labels.get(var) or {}
        s = df[var]
        present = pd.unique(s.dropna())
        codes = sorted(labels, key=_sort_key)
        if codes:
            um = meta.is_user_missing(var, pd.Series(codes, dtype=object))
            in_data = pd.Series(codes, dtype=object).isin(list(present)).to_numpy()
            codes = [c for c, drop in zip(codes, um & ~in_data, strict=True) if not drop]
        mapped = s.map(labels) if labels else pd.Series(np.nan, index=s.index, dtype=object)
        unlabelled = mapped.isna().to_numpy() & s.notna().to_numpy()
        extra = sorted(pd.unique(s[unlabelled]), key=_sort_key)
        extra_text = {c: _fmt_code(c) for c in extra}
        text = mapped.astype(object)
        if unlabelled.any():
            text[unlabelled] = s[unlabelled].map(extra_text).astype(object)
        categories = list(dict.fromkeys([labels[c] for c in codes] + list(extra_text.values())))
        out[var] = pd.Categorical(
            text,
            categories=categories,
            ordered=meta.measure.get(var) == "ordinal",
        )
    return out
