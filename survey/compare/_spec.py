"""Indicator specifications for command-line comparisons: ``col`` or ``name=col:values``.

``b18_57=b18:5-7`` makes a 0/1 indicator (1 when ``b18`` is in 5..7, 0 for other answers,
missing where ``b18`` is missing); ``victim=p1:1,2`` lists the values that count as 1. A bare
column name is used as it is.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_SPEC = re.compile(r"^(?P<name>[\w.]+)=(?P<col>[\w.]+):(?P<values>.+)$")


def _values(text: str) -> list[float]:
    out: list[float] = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(-?[\d.]+)-(-?[\d.]+)", part)
        if m:
            lo, hi = float(m.group(1)), float(m.group(2))
            out.append((lo, hi))
        else:
            out.append(float(part))
    return out


def derive_indicators(frame: pd.DataFrame, specs, source: str = "data"):
    """Add the indicators of ``specs`` to a copy of ``frame``; return it and their names."""
    names, new = [], {}
    for spec in specs:
        spec = spec.strip()
        if not spec:
            continue
        m = _SPEC.match(spec)
        if not m:
            if spec not in frame.columns:
                raise KeyError(f"indicator {spec!r} is not a column of {source}")
            names.append(spec)
            continue
        name, col = m.group("name"), m.group("col")
        if col not in frame.columns:
            raise KeyError(f"indicator {spec!r}: column {col!r} is not in {source}")
        try:
            x = pd.to_numeric(frame[col], errors="raise").to_numpy(dtype=float, na_value=np.nan)
            values = _values(m.group("values"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"indicator {spec!r}: {exc}") from exc
        hit = np.zeros(x.size, dtype=bool)
        for v in values:
            hit |= (x >= v[0]) & (x <= v[1]) if isinstance(v, tuple) else (x == v)
        if not hit.any() and not np.isnan(x).all():  # a mistyped code reads as a real 0%
            import warnings

            from survey._text import code_text

            seen = np.unique(x[~np.isnan(x)])
            shown = ", ".join(code_text(v) for v in seen[:10]) + (", ..." if seen.size > 10 else "")
            warnings.warn(
                f"indicator {spec!r}: no row of {source} has {col!r} in "
                f"{m.group('values')} (its values: {shown}); the indicator is 0 in every "
                "row: check the code",
                UserWarning,
                stacklevel=2,
            )
        new[name] = np.where(np.isnan(x), np.nan, hit.astype(float))
        names.append(name)
    return (frame.assign(**new) if new else frame), names


_OPTION = {"pre": "before", "post": "after"}


def split_waves(
    frame: pd.DataFrame, column: str, before=None, after=None, source="data", labels=None
):
    """Split one file holding two waves into (baseline, follow-up) frames.

    Parameters
    ----------
    frame : DataFrame
        Both waves' rows; ``column`` says which wave a row belongs to.
    column : str
        The wave column. It is dropped from the two returned frames (each holds one wave).
    before, after : str, optional
        The baseline and follow-up values of ``column`` as typed on the command line: a code
        (``2018`` matches the number 2018 or the text "2018") or its value label
        (``Baseline``). Resolved by :func:`survey.compare._levels.resolve_pair`: when both are
        omitted, the column must have two numeric or date values (the earlier is the
        baseline); before and after must differ.
    source : str
        How errors name the file.
    labels : dict, optional
        Value labels of ``column`` (code -> label).

    Returns
    -------
    (baseline frame, follow-up frame, (before, after) display labels, number of rows in
    neither wave)
    """
    b, a, shown = resolve_waves(frame, column, before, after, source, labels)
    col = frame[column]
    rows = [(col == b).fillna(False).to_numpy(bool), (col == a).fillna(False).to_numpy(bool)]
    other = int((~(rows[0] | rows[1])).sum())
    parts = [frame.loc[r].drop(columns=column).reset_index(drop=True) for r in rows]
    return parts[0], parts[1], shown, other


def resolve_waves(frame, column, before=None, after=None, source="data", labels=None):
    """``(baseline value, follow-up value, their display labels)`` of the wave column, from
    ``--before``/``--after`` (errors name those options); ``frame`` may hold only the
    column's distinct values (a data backend's)."""
    from survey.compare._levels import describe_values, resolve_pair

    if column not in frame.columns:
        from survey._names import did_you_mean

        hint = did_you_mean(column, frame.columns)
        raise KeyError(f"wave column {column!r} is not in {source}{hint}")
    try:
        b, a = resolve_pair(frame, column, before, after, kind="wave", labels=labels)
    except ValueError as exc:  # name the command-line options
        text = re.sub(r"\b(pre|post)=(?=')", lambda m: f"--{_OPTION[m[1]]} ", str(exc))
        text = re.sub(r"\b(pre|post)=", lambda m: f"--{_OPTION[m[1]]}", text)
        raise ValueError(f"{source}: {text}") from None
    return b, a, (describe_values([b], labels or {}), describe_values([a], labels or {}))
