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


def label_of(mapping: dict | None, value: Any) -> str | None:
    """The value label of ``value`` in ``mapping`` (looked up as given, as number and as
    text: 13, 13.0 and "13" are one code), or None when it has none (or is missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or not mapping:
        return None
    keys: list = [value]
    if isinstance(value, str):
        text = value.strip()
        keys.append(text)
        try:
            number = float(text)
        except ValueError:
            number = None
        if number is not None:
            keys += [number, int(number)] if number.is_integer() else [number]
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        keys.append(_fmt_code(value))
    for key in keys:
        try:
            if key in mapping:
                return str(mapping[key])
        except TypeError:  # unhashable
            continue
    return None


def display(mapping: dict | None, value: Any):
    """Display text of a code: its value label, else the code as text (15.0 -> "15");
    missing stays missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    found = label_of(mapping, value)
    return found if found is not None else _fmt_code(value)


def _distinct_rows(columns) -> tuple[np.ndarray, np.ndarray]:
    """(index of each row's distinct combination of values, first row of each combination)
    of equally long columns; values are told apart as ``pd.factorize`` does (missing values
    are one value), and by type in object columns (``True`` is not the code ``1``)."""
    combo = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        series = pd.Series(col)
        if series.dtype == object and any(type(v) in (bool, np.bool_) for v in series):
            # True == 1 and False == 0 for factorize: keep the type apart
            series = pd.Series(
                [v if v is None or (not isinstance(v, str) and pd.isna(v)) else (type(v), v)
                 for v in series],
                dtype=object,
            )  # fmt: skip
        codes, uniq = pd.factorize(series, use_na_sentinel=True)
        combo = combo * (len(uniq) + 1) + (codes + 1)
    _, first, inv = np.unique(combo, return_index=True, return_inverse=True)
    return inv.reshape(-1), first


#: The label columns every result frame carries (:data:`survey._schema.RESULT_COLUMNS`).
LABEL_COLUMNS = ("domain_label", "variable_label", "category_label")


def label_result(frame: pd.DataFrame, meta: Metadata | None, by=None) -> pd.DataFrame:
    """Fill the label columns of a result frame from ``meta`` (returns a copy).

    ``domain_label``: the value labels of the ``by`` columns of the row (several joined
    with " · "; an unlabelled code shown as the code, ``15``; ``<NA>`` without ``by``);
    ``variable_label``: the variable label (``<NA>`` when the metadata has none);
    ``category_label``: the value label of the category (the category as text when
    unlabelled, ``<NA>`` for rows without a category). The codes stay in their columns.
    ``by`` defaults to the columns before ``variable``.
    """
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    if by is None:
        cols = list(out.columns)
        by = cols[: cols.index("variable")] if "variable" in cols else []
    by = [by] if isinstance(by, str) else [b for b in by if b in out.columns]
    vl = getattr(meta, "value_labels", {}) or {}
    varl = getattr(meta, "variable_labels", {}) or {}
    n = len(out)
    # labels per distinct code (and per distinct combination of codes), then taken by row:
    # a result of 300 categories x 32 domains has 9,600 rows but only 332 distinct codes
    if by and n:
        inv, firsts = _distinct_rows([out[b] for b in by])
        cols = [out[b].astype(object).to_numpy() for b in by]
        texts = []
        for r in firsts:
            p = [display(vl.get(b), col[r]) for b, col in zip(by, cols, strict=True)]
            texts.append(
                pd.NA
                if all(x is None or x is pd.NA or x != x for x in p)
                else " · ".join("" if x is None or x is pd.NA or x != x else str(x) for x in p)
            )
        dom = [texts[i] for i in inv]
    else:
        dom = [pd.NA] * n
    variables = out["variable"].astype(object) if "variable" in out.columns else [pd.NA] * n
    var_lab = [varl.get(v, pd.NA) if isinstance(v, str) else pd.NA for v in variables]
    if "category" in out.columns and n:
        var_col = pd.Series(np.asarray(variables, dtype=object))
        inv, firsts = _distinct_rows([var_col, out["category"]])
        vs, cs = var_col.to_numpy(), out["category"].astype(object).to_numpy()
        texts = [
            pd.NA
            if (c is None or (not isinstance(c, str) and pd.isna(c)))
            else display(vl.get(v) if isinstance(v, str) else None, c)
            for v, c in ((vs[r], cs[r]) for r in firsts)
        ]
        cat_lab = [texts[i] for i in inv]
    else:
        cat_lab = [pd.NA] * n
    for col, values in zip(LABEL_COLUMNS, (dom, var_lab, cat_lab), strict=True):
        out[col] = pd.Series(values, index=out.index, dtype=object)
    # the value labels of the domain columns travel with the frame, for figures that name
    # one column's values (legends of waves and groups): attrs["value_labels"]
    own = {b: dict(vl[b]) for b in by if vl.get(b)}
    if own:
        out.attrs["value_labels"] = {**out.attrs.get("value_labels", {}), **own}
    return out
