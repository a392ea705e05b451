"""Which values of a group or wave column are compared: one resolution for every tool.

``did``, ``did_regression`` and ``compare_within`` (and through them ``survey compare`` and
report specs) name the treated and comparison groups and the baseline and follow-up waves
with :func:`resolve_pair`. A value may be given as a code (``1``, ``"1"``, ``1.0``) or as
its value label (``"Treatment"``); the two values must differ; nothing is guessed where a
guess could silently reverse the sign of an effect:

- groups: without ``treated`` the group column must be coded 0/1 (or False/True), where
  1 is treated; with ``treated`` alone and two values, the comparison group is the other;
- waves: without ``pre``/``post`` the column must have two numeric (or date) values, the
  earlier being the baseline; text waves ("Pre"/"Post" sort the wrong way) must be named.
With more than two values both must be given. Errors list the values and their labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "describe_values",
    "not_on_backend",
    "resolve_pair",
    "resolve_values",
    "value_labels_of",
    "values_of",
]


def value_labels_of(design, column: str) -> dict:
    """The value labels of ``column`` kept by ``design`` (from a labelled file), or {}."""
    meta = getattr(design, "meta", None)
    labels = getattr(meta, "value_labels", None) or {}
    return dict(labels.get(column) or {})


def values_of(design, column: str) -> pd.DataFrame:
    """What :func:`resolve_pair` reads of a design's data for ``column``: the data (in
    memory), or the column's distinct values counted by a data backend (no rows loaded; an
    absent column gives an empty frame, so the error names it as in memory)."""
    if not getattr(design, "is_table_design", False):
        return design.data
    src = design.source
    if column not in src.columns:
        return pd.DataFrame()
    return pd.DataFrame({column: src.distinct(column)})


def not_on_backend(design, feature: str) -> None:
    """Raise :class:`~survey.backends.NotPushedDown` naming ``feature`` when ``design`` keeps
    its rows in a data backend (never a silent full load)."""
    if getattr(design, "is_table_design", False):
        from survey.backends import NotPushedDown

        raise NotPushedDown(
            f"{feature} on the {design.source.engine} backend ({design.source.describe()}): not "
            "pushed down yet (it needs the rows); use engine='memory' (survey.Design on the "
            "data frame)"
        )


def _label(value, labels: dict):
    for key in _keys(value):
        if key in labels:
            return labels[key]
    return None


def _keys(value) -> list:
    """The spellings under which a code may be stored: 1, 1.0 and "1" are one code."""
    keys = [value]
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if float(value).is_integer():
            keys += [int(value), float(value)]
        keys.append(str(int(value)) if float(value).is_integer() else str(value))
    elif isinstance(value, str):
        text = value.strip()
        keys.append(text)
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            keys += [number] + ([int(number)] if number.is_integer() else [])
    return keys


def describe_values(values, labels: dict) -> str:
    """``1 (Treatment), 2 (Comparison)``: the values with their labels, for messages."""
    out = []
    for v in values[:20]:
        shown = str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v)
        lab = _label(v, labels)
        out.append(f"{shown} ({lab})" if lab is not None and str(lab) != shown else shown)
    more = f", ... ({len(values)} values)" if len(values) > 20 else ""
    return ", ".join(out) + more


def _match(given, values: list, labels: dict, what: str, column: str):
    """The value of ``values`` that ``given`` (a code in any spelling, or a label) names."""
    for key in _keys(given):
        for v in values:
            if any(key == k and type(key) is type(k) for k in _keys(v)):
                return v
    text = str(given).strip().casefold()
    hits = [v for v in values if str(_label(v, labels) or "").strip().casefold() == text]
    if len(hits) == 1:
        return hits[0]
    raise ValueError(
        f"{what}={given!r} is neither a value nor a value label of column {column!r} "
        f"(values: {describe_values(values, labels)})"
    )


def resolve_pair(data, column: str, first=None, second=None, *, kind: str, labels=None):
    """The two compared values of ``column``, as stored in ``data``.

    Parameters
    ----------
    data : DataFrame
        The rows (a design's ``data``).
    column : str
        The group or wave column.
    first, second : optional
        ``kind="group"``: (control, treated); ``kind="wave"``: (pre, post). Codes or labels.
    labels : dict, optional
        Value labels of ``column`` (code -> label), used to read labels and in messages.

    Returns
    -------
    (first, second) as values of ``data[column]``.

    Raises
    ------
    KeyError
        ``column`` is not in the data.
    ValueError
        A value names nothing, the two are the same, the column has fewer than two values,
        or a value is missing where a default could reverse the comparison (see the module
        docstring), with the values and labels listed.
    """
    if kind not in ("group", "wave"):
        raise ValueError(f"kind={kind!r}: 'group' or 'wave'")
    names = ("control", "treated") if kind == "group" else ("pre", "post")
    if column not in data.columns:
        from survey._names import did_you_mean

        hint = did_you_mean(column, data.columns)
        raise KeyError(f"{kind} column {column!r} is not in the data{hint}")
    labels = dict(labels or {})
    col = data[column]
    values = sorted(pd.unique(col.dropna()).tolist(), key=lambda v: (str(type(v)), v))
    listed = describe_values(values, labels)
    if len(values) < 2:
        raise ValueError(f"{kind} column {column!r} needs two values, has {listed or 'none'}")
    a = None if first is None else _match(first, values, labels, names[0], column)
    b = None if second is None else _match(second, values, labels, names[1], column)
    if a is None or b is None:
        if a is None and b is None:
            a, b = _default_pair(col, values, kind, column, listed, names)
        elif len(values) == 2:
            a = a if a is not None else next(v for v in values if v != b)
            b = b if b is not None else next(v for v in values if v != a)
        else:
            missing = names[0] if a is None else names[1]
            raise ValueError(
                f"{kind} column {column!r} has {len(values)} values ({listed}): give {missing}= too"
            )
    if a == b:
        raise ValueError(
            f"{names[0]} and {names[1]} are the same value of {column!r} "
            f"({describe_values([a], labels)}); the comparison would be with itself"
        )
    return a, b


def _default_pair(col, values, kind, column, listed, names):
    if len(values) == 2:
        if kind == "group" and set(map(float, _as_numbers(values))) == {0.0, 1.0}:
            return values[0], values[1]  # 0 = comparison, 1 = treated
        if kind == "wave" and pd.api.types.is_datetime64_any_dtype(col):
            return values[0], values[1]  # the earlier wave is the baseline
        numbers = _as_numbers(values)
        if kind == "wave" and not np.isnan(numbers).any():  # 1/2, 2018/2023, "2018"/"2023"
            return tuple(v for _, v in sorted(zip(numbers, values, strict=True)))
    what = "treated= (and control=)" if kind == "group" else "pre= and post="
    reason = (
        "only a 0/1 group column has a default (1 = treated)"
        if kind == "group"
        else "only two numeric or date waves have a default (the earlier is the baseline)"
    )
    raise ValueError(f"{kind} column {column!r} has values {listed}: give {what}; {reason}")


def _as_numbers(values) -> list:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return [np.nan]


def resolve_values(data, column: str, given, *, what: str, labels=None) -> list:
    """Several values of ``column`` (codes in any spelling, or value labels), as stored.

    For lists of waves (an event study's baseline and follow-up waves): each entry must name
    a value of the column, and no value may be named twice. Errors list the values and their
    labels.
    """
    if column not in data.columns:
        from survey._names import did_you_mean

        raise KeyError(f"column {column!r} is not in the data{did_you_mean(column, data.columns)}")
    labels = dict(labels or {})
    given = [given] if isinstance(given, str) or not hasattr(given, "__iter__") else list(given)
    if not given:
        raise ValueError(f"{what}= names no value of column {column!r}")
    values = sorted(pd.unique(data[column].dropna()).tolist(), key=lambda v: (str(type(v)), v))
    out = [_match(g, values, labels, what, column) for g in given]
    seen = set()
    for v in out:
        if v in seen:
            raise ValueError(f"{what}= names {describe_values([v], labels)} of {column!r} twice")
        seen.add(v)
    return out
