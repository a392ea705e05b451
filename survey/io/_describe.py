"""A data dictionary of a survey file (SPSS ``DISPLAY DICTIONARY`` with counts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of the variables table of :func:`describe`.
VARIABLE_COLUMNS = ("position", "variable", "label", "type", "measure", "n_valid",
                    "n_missing", "n_user_missing", "n_distinct", "value_labels",
                    "user_missing")  # fmt: skip
#: Columns of the values table of :func:`describe`.
VALUE_COLUMNS = ("variable", "code", "label", "user_missing", "n", "percent")
#: Unlabelled codes of a labelled variable are listed when it has at most this many values.
MAX_UNLABELLED = 20


def _fmt_code(code) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _missing_text(meta, var: str) -> str:
    parts = [_fmt_code(c) for c in meta.missing_values.get(var, [])]
    parts += [
        f"{_fmt_code(lo)} thru {_fmt_code(hi)}" for lo, hi in meta.missing_ranges.get(var, [])
    ]
    return ", ".join(parts)


def describe(data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The data dictionary of a :class:`~survey.io.SurveyData` (or a DataFrame).

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        As read by :func:`survey.read`; read it with ``user_missing="keep"`` to count the
        rows holding each user-missing code (with the default ``"missing"`` those rows are
        NaN, counted in ``n_missing``; ``n_user_missing`` still gives the file's count).

    Returns
    -------
    variables : pandas.DataFrame
        One row per variable: ``position, variable, label`` (variable label), ``type``
        (numeric/text/date/categorical), ``measure`` (SPSS level), ``n_valid`` (cells with a
        value that is not a user-missing code), ``n_missing`` (empty cells: system-missing,
        and user-missing codes already set to NaN by ``read``), ``n_user_missing`` (cells
        with a user-missing code in the file), ``n_distinct``, ``value_labels`` (number of labelled codes),
        ``user_missing`` (declared codes and ranges, e.g. ``"88, 99"`` or ``"85 thru 99"``).
    values : pandas.DataFrame
        One row per labelled code (and per unlabelled code found in a labelled variable with
        at most :data:`MAX_UNLABELLED` distinct values):
        ``variable, code, label, user_missing`` (bool), ``n`` (rows with the code in the
        data as read), ``percent`` (of the variable's rows with a value, user-missing
        codes included, as SPSS ``FREQUENCIES``' "Percent" column when read with
        ``user_missing="keep"``).
    """
    from survey.io._meta import Metadata

    frame = getattr(data, "data", data)
    meta = getattr(data, "meta", None) or Metadata()
    rows, values = [], []
    for pos, var in enumerate(frame.columns, start=1):
        s = frame[var]
        if isinstance(s.dtype, pd.CategoricalDtype):
            kind = "categorical"
        elif pd.api.types.is_datetime64_any_dtype(s):
            kind = "date"
        elif pd.api.types.is_numeric_dtype(s):
            kind = "numeric"
        else:
            kind = "text"
        labels = meta.labels_for(var)
        present = int(s.notna().sum())
        n_um = int(meta.user_missing_counts.get(var, 0))
        if meta.has_user_missing(var) and present:
            in_data = int(np.asarray(meta.is_user_missing(var, s.to_numpy()), dtype=bool).sum())
            n_um = in_data if in_data else n_um  # read with user_missing="missing": NaN now
            present_um = in_data
        else:
            present_um = 0
        valid = present - present_um
        rows.append(
            {
                "position": pos,
                "variable": str(var),
                "label": meta.variable_labels.get(var, ""),
                "type": kind,
                "measure": meta.measure.get(var, ""),
                "n_valid": valid,
                "n_missing": int(len(s) - present),
                "n_user_missing": n_um,
                "n_distinct": int(s.nunique(dropna=True)),
                "value_labels": len(labels),
                "user_missing": _missing_text(meta, var),
            }
        )
        if not labels:
            continue
        counts = s.value_counts(dropna=True)
        codes = list(labels)
        if len(counts) <= MAX_UNLABELLED:  # a few unlabelled codes found: list them too
            codes += [c for c in counts.index if c not in labels]
        um = meta.is_user_missing(var, np.asarray(codes, dtype=object))
        for code, is_um in zip(codes, um, strict=True):
            n = int(counts.get(code, 0))
            values.append(
                {
                    "variable": str(var),
                    "code": _fmt_code(code),
                    "label": labels.get(code, ""),
                    "user_missing": bool(is_um),
                    "n": n,
                    "percent": 100.0 * n / present if present else np.nan,
                }
            )
    variables = pd.DataFrame(rows, columns=list(VARIABLE_COLUMNS))
    vals = pd.DataFrame(values, columns=list(VALUE_COLUMNS))
    return variables, vals
