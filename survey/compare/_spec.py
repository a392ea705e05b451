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
