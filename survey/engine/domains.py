"""Domain codes: the crossing of the ``by`` columns as one integer per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def dense_factorize(values) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize(values, sort=True)`` for integer or boolean arrays with a small range,
    by one pass of ``bincount`` over ``values - min`` (no hashing, no sort): the same codes
    (0..k-1 in sorted order of the values) and uniques. None when the values are not plain
    integers or their range is much larger than their number (use ``pd.factorize``)."""
    arr = np.asarray(values)
    if arr.dtype == bool:
        arr = arr.view(np.uint8)
    elif arr.dtype.kind not in "iu" or arr.size == 0:
        return None
    lo, hi = int(arr.min()), int(arr.max())
    span = hi - lo + 1
    if span > max(4 * arr.size, 1024) or span > 50_000_000:
        return None
    if lo < 0:  # no wrap-around of small integer types
        shifted = arr.astype(np.int64) - lo
    else:
        shifted = arr - arr.dtype.type(lo) if lo else arr
    present = np.bincount(shifted, minlength=span) > 0
    observed = np.flatnonzero(present)
    if observed.size == span:
        codes = shifted.astype(np.int64)
    else:
        remap = np.full(span, -1, dtype=np.int64)
        remap[observed] = np.arange(observed.size)
        codes = remap[shifted]
    uniques = (observed + lo).astype(np.asarray(values).dtype)
    return codes, uniques


@dataclass(frozen=True)
class Domains:
    """Rows' domain codes (``-1``: in no domain) and the table of domain levels.

    ``levels`` has one row per domain (in sorted order of the ``by`` values, as R's
    ``svyby``) and the ``by`` columns; with no ``by`` there is one domain: the population.
    """

    by: tuple[str, ...]
    codes: np.ndarray
    levels: pd.DataFrame

    @property
    def n_domains(self) -> int:
        return len(self.levels)


def make_domains(data: pd.DataFrame, by) -> Domains:
    """Code the crossing of ``by`` columns; rows missing any ``by`` value get ``-1``."""
    if by is None:
        by = []
    elif isinstance(by, str):
        by = [by]
    by = list(by)
    n = len(data)
    if not by:
        return Domains((), np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1)))
    missing = [c for c in by if c not in data.columns]
    if missing:
        from survey._names import missing_columns
        from survey.engine.estimators import EstimationError

        raise EstimationError(
            f"by column(s) {missing_columns(missing, data.columns)} not in the data"
        )
    codes_list, uniques_list = [], []
    for col in by:
        s = data[col]
        fast = dense_factorize(s.to_numpy()) if isinstance(s.dtype, np.dtype) else None
        if fast is not None:
            codes, uniques = fast
        else:
            codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
        codes_list.append(codes.astype(np.int64, copy=False))
        uniques_list.append(uniques)
        _warn_identifier(col, len(uniques), n)
    sizes = [max(len(u), 1) for u in uniques_list]
    if len(by) == 1:  # factorize codes every observed value 0..k-1 (-1: missing) already
        return _domains(
            data, by, codes_list[0], np.arange(len(uniques_list[0])), uniques_list, sizes
        )
    combined = np.zeros(n, dtype=np.int64)
    valid = np.ones(n, dtype=bool)
    for codes, size in zip(codes_list, sizes, strict=True):
        valid &= codes >= 0
        combined = combined * size + np.where(codes >= 0, codes, 0)
    space = int(np.prod(sizes, dtype=float))
    if space <= 5_000_000:
        present = np.bincount(combined[valid], minlength=space) > 0
        observed = np.flatnonzero(present)
        remap = np.full(space, -1, dtype=np.int64)
        remap[observed] = np.arange(observed.size)
        dom = np.where(valid, remap[combined], -1)
    else:
        observed, inverse = np.unique(combined[valid], return_inverse=True)
        dom = np.full(n, -1, dtype=np.int64)
        dom[valid] = inverse
    return _domains(data, by, dom, observed, uniques_list, sizes)


#: A ``by`` column with more distinct values than this share of the rows (and at least
#: :data:`IDENTIFIER_MIN` of them) is warned about as a likely identifier.
IDENTIFIER_SHARE = 0.5
IDENTIFIER_MIN = 200


def _warn_identifier(col: str, k: int, n: int) -> None:
    """Warn when ``by`` column ``col`` has nearly a value per row (a respondent or
    household id given as a domain): the estimates would be one domain per row."""
    if k >= IDENTIFIER_MIN and k > IDENTIFIER_SHARE * n:
        import warnings

        warnings.warn(
            f"by column {col!r} has {k:,} distinct values in {n:,} rows: nearly one domain per "
            "row, so every estimate rests on a row or two; is it an identifier? Domains are "
            "groups such as regions, sex or age groups",
            UserWarning,
            stacklevel=4,
        )


def _domains(data, by, dom, observed, uniques_list, sizes) -> Domains:
    # decode observed combined codes into level values
    levels = {}
    rest = observed.copy()
    for col, uniques, size in reversed(list(zip(by, uniques_list, sizes, strict=True))):
        levels[col] = np.asarray(uniques, dtype=object)[rest % size]
        rest = rest // size
    level_frame = pd.DataFrame({col: levels[col] for col in by})
    for col in by:  # keep the original dtype where possible (ints stay ints)
        try:
            level_frame[col] = level_frame[col].astype(data[col].dtype)
        except (TypeError, ValueError):
            pass
    return Domains(tuple(by), dom, level_frame)
