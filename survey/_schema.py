"""The one result shape every estimate leaves the package in.

Every verb and indicator returns a pandas DataFrame with the ``by`` columns first, then
exactly :data:`RESULT_COLUMNS`. Column names never depend on options: a statistic that
was not requested or is not defined is NaN. Comparisons (:mod:`survey.compare`) return
the ``by`` columns, then :data:`survey.compare.COMPARISON_COLUMNS`: the two estimates
compared (``estimate_1`` / ``estimate_2``, named by ``label_1`` / ``label_2``: "baseline:
wave=1 (...)", "treated group: area=1 (...)", <NA> where the sides have no names), the
change, its test and flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns after the ``by`` columns, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "variable",  # the variable (or indicator) name
    "category",  # category of a categorical item; <NA> for numeric/0-1 items
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",  # degrees of freedom used for the interval (inf = normal)
    "cv",  # se / |estimate|
    "deff",  # design effect, R survey's deff=TRUE definition (includes 1 - n/sum(w): for
    # weights scaled to average 1 it is meaningless; quality flags use deff="replace")
    "n",  # unweighted count of rows contributing (non-missing, in the domain)
    "n_weighted",  # sum of weights of those rows
    "n_cases",  # proportions: unweighted rows with the characteristic (exact); NaN otherwise
    "reliability",  # "reliable" | "caution" | "suppress" | <NA> where no rule applies
    "reliability_reason",  # criteria that decided the flag ("n < 100; cases < 50"), <NA> if none
    "quality_rule",  # rule and version that decided it ("cepal2020 (calidad 0.8.0)")
    # display labels beside the codes (survey.io.label_result fills them from the data's
    # value/variable labels or a labels file; <NA> where there is nothing to label)
    "domain_label",  # labels of the by values of the row ("Región de Antofagasta")
    "variable_label",  # the variable label, <NA> when the data have none
    "category_label",  # the category's value label (the code as text when unlabelled)
)


_OBJECT_COLUMNS = (
    "category",
    "reliability",
    "reliability_reason",
    "quality_rule",
    "domain_label",
    "variable_label",
    "category_label",
)


def empty_result(by: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty frame with the result columns (for verbs that find nothing to estimate)."""
    cols = [*by, *RESULT_COLUMNS]
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})


def with_columns(frame: pd.DataFrame, values: dict) -> pd.DataFrame:
    """``frame`` with the columns of ``values`` (arrays or scalars; an existing column of
    that name is replaced), its attrs kept: one concat, not one column insertion each
    (every insertion copies the frame's block layout, most of a small result's cost)."""
    kept = frame.drop(columns=[c for c in values if c in frame.columns])
    out = pd.concat([kept, pd.DataFrame(values, index=frame.index)], axis=1)
    out.attrs = frame.attrs
    return out


def finalize(frame: pd.DataFrame, by: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Order columns as the schema says, adding any missing schema column as NaN."""
    missing = {
        col: np.nan if col not in _OBJECT_COLUMNS else pd.NA
        for col in RESULT_COLUMNS
        if col not in frame.columns
    }
    out = with_columns(frame, missing) if missing else frame
    extra = [c for c in out.columns if c not in RESULT_COLUMNS and c not in by]
    return out[[*by, *RESULT_COLUMNS, *extra]].reset_index(drop=True)
