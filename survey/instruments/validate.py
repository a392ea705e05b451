"""Check collected data against a questionnaire.

Every problem becomes a row of a report table (check, item, count, example row ids); the
function never raises on bad data and never drops rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.instruments.library import resolve
from survey.instruments.model import NUMERIC_TYPES, Item, Questionnaire

__all__ = ["REPORT_COLUMNS", "CHECKS", "validate_data"]

REPORT_COLUMNS = ["item", "check", "n", "example_ids", "detail"]

#: The checks, in report order, with what each one means.
CHECKS = {
    "absent_column": "questionnaire item has no column in the data",
    "non_numeric": "value is not a number (numeric and coded items)",
    "undeclared_code": "code is neither a response code nor a declared missing code",
    "out_of_range": "number outside the item's valid range and not a missing code",
    "answered_when_not_relevant": "skip logic says the item was not to be asked, but it has an answer",
    "missing_when_relevant": "skip logic says the item was to be asked, but it is blank",
    "not_applicable_when_relevant": "the not-applicable code is used where the item applies",
    "missing_code_with_answer": "a select_multiple answer mixes a missing code with answers",
    "calculation_mismatch": "a derived variable differs from its definition",
    "relevance_unevaluable": "skip logic refers to columns absent from the data",
    "check_failed": "a check could not run (see detail)",
}


def _row(item, check, mask, ids, detail="") -> dict | None:
    n = int(np.count_nonzero(mask))
    if n == 0:
        return None
    examples = ids[np.asarray(mask, dtype=bool)][:5]
    return {
        "item": item,
        "check": check,
        "n": n,
        "example_ids": ", ".join(str(x) for x in examples),
        "detail": detail,
    }


def _codes(values: np.ndarray) -> list:
    uniq = np.unique(values)[:10]
    return [int(v) if float(v).is_integer() else float(v) for v in uniq]


def _blank(col: pd.Series) -> np.ndarray:
    blank = col.isna()
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        blank = blank | (col.astype("string").str.strip() == "")
    return blank.to_numpy(dtype=bool)


def _check_item(
    it: Item, data: pd.DataFrame, ids: np.ndarray, types: dict, items: dict | None = None
) -> list:
    rows = []
    col = data[it.id]
    blank = _blank(col)
    miss_codes = [float(c) for c in it.missing_codes]
    na_code = it.missing.get("not_applicable")
    if it.type == "select_multiple":
        tokens = col.astype("string").fillna("").str.split()
        valid = {str(c) for c in it.codes} | {str(c) for c in it.missing_codes}
        bad = tokens.map(lambda t: any(x not in valid for x in t)).to_numpy(dtype=bool)
        rows.append(
            _row(it.id, "undeclared_code", bad, ids, f"valid codes {sorted(valid, key=int)}")
        )
        miss_tok = {str(c) for c in it.missing_codes}
        mixed = tokens.map(lambda t: len(t) > 1 and bool(miss_tok.intersection(t)))
        rows.append(_row(it.id, "missing_code_with_answer", mixed.to_numpy(dtype=bool), ids))
        value = None
    elif it.type in ("select_one", "calculate", *NUMERIC_TYPES):
        value = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        non_num = ~blank & np.isnan(value)
        rows.append(_row(it.id, "non_numeric", non_num, ids))
        present = ~np.isnan(value)
        is_miss = np.isin(value, miss_codes)
        if it.type in ("select_one", "calculate"):
            allowed = [float(c) for c in it.codes] + miss_codes
            bad = present & ~np.isin(value, allowed)
            rows.append(
                _row(it.id, "undeclared_code", bad, ids, f"codes found: {_codes(value[bad])}")
            )
        else:
            lo, hi = it.range or (None, None)
            out = np.zeros(len(value), dtype=bool)
            if lo is not None:
                out |= value < lo
            if hi is not None:
                out |= value > hi
            if it.type == "integer":
                out |= present & (value != np.floor(value))
            rows.append(
                _row(it.id, "out_of_range", present & out & ~is_miss, ids, f"valid {lo}..{hi}")
            )
    else:  # text
        value = None
    if it.calculation is not None and it.calculation.xpath is None:
        expected = it.calculation.evaluate(data, items)
        if expected is None:
            rows.append(_row(it.id, "relevance_unevaluable", np.ones(len(data), bool), ids,
                             f"calculation needs {list(it.calculation.any_of)}"))  # fmt: skip
        else:
            same = (value == expected) | (np.isnan(value) & np.isnan(expected))
            rows.append(_row(it.id, "calculation_mismatch", ~same, ids))
    if it.relevant is not None:
        rel = it.relevant.evaluate(data, types)
        if rel is None:
            rows.append(_row(it.id, "relevance_unevaluable", np.ones(len(data), bool), ids,
                             f"relevant needs {sorted(it.relevant.items())}"))  # fmt: skip
        else:
            is_na_code = (
                np.zeros(len(data), bool)
                if value is None or na_code is None
                else value == float(na_code)
            )
            rows.append(_row(it.id, "answered_when_not_relevant", ~rel & ~blank & ~is_na_code, ids))
            if it.required and it.type != "calculate":
                rows.append(_row(it.id, "missing_when_relevant", rel & blank, ids))
            rows.append(_row(it.id, "not_applicable_when_relevant", rel & is_na_code, ids))
    elif it.required and it.type != "calculate":
        rows.append(_row(it.id, "missing_when_relevant", blank, ids, "item is always asked"))
    return rows


def validate_data(
    questionnaire, data: pd.DataFrame, *, id_column: str | None = None
) -> pd.DataFrame:
    """Check collected data against a questionnaire.

    Parameters
    ----------
    questionnaire : Questionnaire, project file path or module names
    data : DataFrame
        One row per interview, columns named by item id (as ODK exports with group names
        stripped). Missing codes must be recorded as codes; blanks mean "not asked".
    id_column : str, optional
        Column with row ids for the examples; the index is used otherwise.

    Returns
    -------
    DataFrame
        ``item``, ``check`` (one of :data:`CHECKS`), ``n`` (rows affected), ``example_ids``
        (up to five), ``detail``; sorted by check then item. Empty when all checks pass.
    """
    q: Questionnaire = resolve(questionnaire)
    if id_column is not None and id_column not in data.columns:
        raise KeyError(f"id column {id_column!r} is not in the data")
    ids = (data[id_column] if id_column else data.index.to_series()).to_numpy()
    types = q.types
    items = {it.id: it for it in q.items}
    rows: list = []
    # items of a repeat group (incident forms, roster lines) live on their own rows (ODK
    # exports each repeat as its own sheet): they are checked on the rows holding an answer
    # to one of them, and not reported absent when the whole repeat is another file
    in_repeat: dict[str, np.ndarray | None] = {}
    for mod in q.modules:
        if mod.repeat is None:
            continue
        rep_ids = [
            it.id for it in q.module_items(mod)
            if it.type != "note" and (mod.repeat.count_item is None or it.id in mod.repeat.inside)
        ]  # fmt: skip
        present = [i for i in rep_ids if i in data.columns]
        mask = np.logical_or.reduce([~_blank(data[i]) for i in present]) if present else None
        in_repeat.update({i: mask for i in rep_ids})
    for it in q.items:
        if it.type == "note":
            continue
        if it.id not in data.columns:
            if it.type != "calculate" and not (it.id in in_repeat and in_repeat[it.id] is None):
                rows.append({"item": it.id, "check": "absent_column", "n": len(data),
                             "example_ids": "", "detail": CHECKS["absent_column"]})  # fmt: skip
            continue
        try:
            if it.id in in_repeat:
                m = in_repeat[it.id]
                sub = data.loc[m]
                rows.extend(_check_item(it, sub, ids[m], types, items))
                continue
            rows.extend(_check_item(it, data, ids, types, items))
        except Exception as exc:  # a report, never a crash
            rows.append({"item": it.id, "check": "check_failed", "n": len(data),
                         "example_ids": "", "detail": f"{type(exc).__name__}: {exc}"})  # fmt: skip
    out = pd.DataFrame([r for r in rows if r is not None], columns=REPORT_COLUMNS)
    order = {c: i for i, c in enumerate(CHECKS)}
    out = out.sort_values(["check", "item"], key=lambda s: s.map(order) if s.name == "check" else s)
    return out.reset_index(drop=True).astype({"n": "int64"})
