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
        new[name] = np.where(np.isnan(x), np.nan, hit.astype(float))
        names.append(name)
    return (frame.assign(**new) if new else frame), names


def _wave_rows(col: pd.Series, value: str, column: str, source: str) -> np.ndarray:
    """Rows of ``col`` equal to the command-line ``value`` (numbers compared as numbers,
    text after stripping spaces)."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(
                f"{source}: wave column {column!r} holds numbers; the wave value {value!r} "
                "is not a number"
            ) from None
        return col.to_numpy(dtype=float, na_value=np.nan) == number
    text = col.astype("string").str.strip()
    return (text == str(value).strip()).fillna(False).to_numpy(dtype=bool)


def split_waves(frame: pd.DataFrame, column: str, before=None, after=None, source="data"):
    """Split one file holding two waves into (baseline, follow-up) frames.

    Parameters
    ----------
    frame : DataFrame
        Both waves' rows; ``column`` says which wave a row belongs to.
    column : str
        The wave column. It is dropped from the two returned frames (each holds one wave).
    before, after : str, optional
        The baseline and follow-up values of ``column`` as typed on the command line
        (``2018`` matches the number 2018 or the text "2018"). When both are omitted and the
        column has exactly two values, the smaller is the baseline.
    source : str
        How errors name the file.

    Returns
    -------
    (baseline frame, follow-up frame, (before, after) labels, number of rows in neither wave)
    """
    if column not in frame.columns:
        raise KeyError(f"wave column {column!r} is not in {source}")
    col = frame[column]
    values = sorted(pd.unique(col.dropna()).tolist(), key=lambda v: (str(type(v)), v))
    shown = ", ".join(map(str, values[:20]))
    if before is None and after is None:
        if len(values) != 2:
            raise ValueError(
                f"{source}: wave column {column!r} has {len(values)} values ({shown}); "
                "say which two to compare with --before and --after"
            )
        before, after = (str(v) for v in values)
    elif before is None or after is None:
        raise ValueError("give both --before and --after (or neither, for a two-value column)")
    if str(before).strip() == str(after).strip():
        raise ValueError(f"--before and --after are the same wave ({before!r})")
    rows = []
    for label, value in (("--before", before), ("--after", after)):
        hit = _wave_rows(col, str(value), column, source)
        if not hit.any():
            raise ValueError(
                f"{source}: {label} {value!r} matches no row of wave column {column!r} "
                f"(values: {shown})"
            )
        rows.append(hit)
    other = int((~(rows[0] | rows[1])).sum())
    parts = [frame.loc[r].drop(columns=column).reset_index(drop=True) for r in rows]
    return parts[0], parts[1], (str(before), str(after)), other
