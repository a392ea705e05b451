"""Estimators as smooth functions of weighted domain totals of base quantities.

An estimator builds per-row base quantities ``b_q`` (missing values already zeroed and the
not-missing indicators included) and says, from the domain totals ``T[..., d, q]``:

- ``point(T)``: the estimates ``theta[..., d, j]`` for each item ``j``;
- ``coef(T)``: for each item ``j``, the coefficients ``A[d, :]`` on its quantities
  ``item_q[j]`` such that the row-level influence of estimate (d, j) is
  ``w_i 1(d_i = d) sum_q A[d, q] b_iq`` (Taylor linearisation; R's ``svymean``/``svytotal``/
  ``svyratio`` influence functions);
- ``vsrs(T, n)``: the simple-random-sampling variance R's ``deff=TRUE`` divides by.

``point`` works on any leading axes, so replicate totals (R x D x Q) go through it unchanged.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey._names import did_you_mean

#: prop() refuses float variables with more distinct values than this (continuous data).
MAX_CATEGORIES = 100


class EstimationError(ValueError):
    """An estimation request that cannot be computed (names the variable)."""


_DECIMAL_COMMA = r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+)?,\d+\s*$"
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def text_number_hint(s: pd.Series) -> str:
    """For a text column whose values look like numbers: what to do (``""`` otherwise).

    Values such as ``"1,5"`` or ``"1.234,5"`` (at least 90% of the non-empty values, some
    with a decimal comma) are numbers written with decimal commas: read the file with
    ``decimal=","`` (CLI ``--decimal ,``)."""
    if pd.api.types.is_numeric_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
        return ""
    text = s.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return ""
    sample = text.iloc[:: max(1, len(text) // 5000)]
    comma = sample.str.match(_DECIMAL_COMMA)
    plain = sample.str.match(_NUMBER)
    if comma.any() and (comma | plain).mean() >= 0.9:
        examples = ", ".join(repr(v) for v in sample[comma].unique()[:3])
        return (
            f"its values look like numbers with decimal commas ({examples}): read the file "
            "with decimal=',' (CLI: --decimal ,)"
        )
    if plain.mean() >= 0.9:
        return "its values look like numbers stored as text: convert the column to numbers"
    return ""


def numeric_column(data: pd.DataFrame, col: str) -> np.ndarray:
    if col not in data.columns:
        raise EstimationError(
            f"variable {col!r} is not in the data{did_you_mean(col, data.columns)}"
        )
    s = data[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise EstimationError(
            f"variable {col!r} is categorical: use prop() for its categories, or convert it"
        )
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf":  # plain numpy: no NA mask
        out = s.to_numpy(dtype=float)
        if np.shares_memory(out, s.to_numpy()):  # a view of the user's data: never written
            out = out.view()
            out.flags.writeable = False
        return out
    try:
        return pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        hint = text_number_hint(s)
        raise EstimationError(
            f"variable {col!r} is not numeric (dtype {s.dtype})"
            + (f"; {hint}" if hint else "; use prop() for the share of each category")
        ) from exc


def _safe_div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return a / b


def _srs_factor(N, n, replace=False):
    """R's deff reference variance per unit of svyvar: with replacement (``deff="replace"``)
    ``1/n``; otherwise (``deff=TRUE``) ``(N - n) / (N n)``, NaN when the weights sum below n."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if replace:
            return 1.0 / n
        return np.where(N < n, np.nan, (N - n) / (N * n))


def _s2(sum_w, sum_wy, sum_wyy, n):
    """svyvar: weighted variance with the n/(n-1) factor (n = rows with non-zero weight)."""
    mean = _safe_div(sum_wy, sum_w)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return (_safe_div(sum_wyy, sum_w) - mean**2) * n / (n - 1)


@dataclass
class CategoryBlock:
    """The indicators of one categorical variable's categories, kept as one code per row.

    ``codes[i]`` is the category index of row ``i`` (``-1``: no answer, or an answer not
    estimated); quantity ``start + c`` of the estimator is the indicator ``codes == c``.
    Aggregating the block is ONE bincount over ``cell * size + code`` instead of ``size``
    indicator columns (a 300-category item would otherwise be 300 n-vectors)."""

    codes: np.ndarray
    start: int
    size: int

    def indicator(self, c: int) -> np.ndarray:
        return (self.codes == c).astype(float)


class Columns:
    """The base quantities of an estimator: plain (n,) arrays and :class:`CategoryBlock`
    indicators. Indexing gives the (n,) array of a quantity (block indicators are formed on
    demand, not stored); the aggregation code (``core.cell_totals`` and the calibration and
    replicate totals) reads ``plain()`` and ``blocks`` instead and never forms them."""

    def __init__(self, arrays=()):
        self._items: list = list(arrays)  # ndarray, or (block index, category)
        self.blocks: list[CategoryBlock] = []

    def append(self, array) -> None:
        self._items.append(array)

    def __iadd__(self, arrays):
        self._items.extend(arrays)
        return self

    def add_block(self, codes: np.ndarray, size: int) -> int:
        """Append ``size`` indicator quantities ``codes == c``; return the first's index."""
        start = len(self._items)
        b = len(self.blocks)
        self.blocks.append(CategoryBlock(codes, start, size))
        self._items.extend((b, c) for c in range(size))
        return start

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, q):
        item = self._items[q]
        if isinstance(item, tuple):
            return self.blocks[item[0]].indicator(item[1])
        return item

    def __iter__(self):
        return (self[q] for q in range(len(self._items)))

    def plain(self):
        """(index, array) of the quantities that are stored arrays."""
        return [(q, a) for q, a in enumerate(self._items) if not isinstance(a, tuple)]

    def is_block(self, q: int) -> bool:
        return isinstance(self._items[q], tuple)


def quantity_key(columns, q):
    """A key equal for identical quantities and stable while ``columns`` lives: the id of a
    stored array (estimators share arrays for identical quantities), or ``(block, category)``
    for a category indicator, which is built on access (its id could be reused by the next
    one once freed)."""
    if isinstance(columns, Columns):
        item = columns._items[q]
        return ("block", *item) if isinstance(item, tuple) else id(item)
    return id(columns[q])


def plain_and_blocks(columns):
    """``(plain, blocks)`` of any quantity list: a :class:`Columns` or a list of arrays."""
    if isinstance(columns, Columns):
        return columns.plain(), columns.blocks
    return list(enumerate(columns)), []


def distinct_plain(plain) -> tuple[list, list]:
    """``(first, copies)`` of :func:`plain_and_blocks`' plain quantities: ``first`` the
    ``(q, array)`` of each distinct array (estimators share one array for identical
    quantities: the not-missing indicator of complete items, ``y**2 = y`` for 0/1 items),
    aggregated once; ``copies`` the ``(q, q0)`` whose totals are those of column ``q0``."""
    seen: dict[int, int] = {}
    first, copies = [], []
    for q, col in plain:
        if id(col) in seen:
            copies.append((q, seen[id(col)]))
        else:
            seen[id(col)] = q
            first.append((q, col))
    return first, copies


def block_totals(group, n_groups, block, weight, mask=None) -> np.ndarray:
    """(n_groups x size) weighted totals of a category block's indicators: one bincount over
    ``group * size + code`` (``group`` and ``weight`` over the ``mask``ed rows)."""
    codes = block.codes if mask is None else block.codes[mask]
    keep = codes >= 0
    if keep.all():
        idx, wk = group * block.size + codes, weight
    else:
        idx, wk = group[keep] * block.size + codes[keep], weight[keep]
    tot = np.bincount(idx, weights=wk, minlength=n_groups * block.size)
    return tot.reshape(n_groups, block.size)


@dataclass
class Estimator:
    """Base quantities and the maps from their domain totals to estimates."""

    statistic: str
    variables: list[str]  # variable of each item
    categories: list  # category of each item (None for numeric items)
    columns: list[np.ndarray] | Columns  # base quantities, each (n,)
    item_q: list[tuple[int, ...]]  # quantities each item's influence uses
    count_q: list[int]  # quantity index of each item's not-missing indicator
    extra: dict = field(default_factory=dict)

    @property
    def n_items(self) -> int:
        return len(self.variables)

    # overridden by subclasses
    def point(self, T: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def coef(self, T: np.ndarray) -> list[np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def vsrs(
        self, T: np.ndarray, n: np.ndarray, replace: bool = False
    ) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


#: Values beyond this magnitude have squares (and weighted sums of squares) that overflow.
HUGE = 2.0**500


def _warn_huge(cols, values) -> None:
    """Warn, naming the variable, when its values are too large for a finite variance.

    ``Design.mean/total/ratio/var`` rescale such variables by a power of two first (exact),
    so this is reached only by routes that do not (comparisons, indicators, models)."""
    for c, v in zip(cols, values, strict=True):
        with np.errstate(invalid="ignore"):
            big = np.nanmax(np.abs(v)) if v.size and not np.isnan(v).all() else 0.0
        if big > HUGE:
            warnings.warn(
                f"variable {str(c).split(chr(0))[0]!r} has values up to {big:.3g}: their "
                "squares overflow double precision, so standard errors come out infinite or "
                f"NaN; divide it by a power of ten first (e.g. {str(c).split(chr(0))[0]} / 1e100)."
                " Design.mean, .total and .ratio rescale such variables automatically.",
                RuntimeWarning,
                stacklevel=4,
            )


def _native_values(data, col: str) -> np.ndarray:
    """A plain numpy integer or boolean column as it is (read-only, no float copy: it can
    hold no NaN or infinity); any other column through :func:`numeric_column`."""
    s = data[col] if col in data.columns else None
    if s is not None and isinstance(s.dtype, np.dtype) and s.dtype.kind in "biu":
        out = s.to_numpy().view()
        out.flags.writeable = False
        return out
    return numeric_column(data, col)


def _masks(data, cols, na):
    """Each variable's values and not-missing mask, checked in as few passes as possible:
    integer and boolean columns need no check; a float column's min and max (one pass each)
    settle "no NaN, no infinity, not huge" at once, the common case."""
    values = [_native_values(data, c) for c in cols]
    ok, check = [], []
    complete = None  # one read-only all-true mask shared by every complete variable

    def all_true(shape):
        nonlocal complete
        if complete is None or complete.shape != shape:
            complete = np.ones(shape, dtype=bool)
            complete.flags.writeable = False
        return complete

    for c, v in zip(cols, values, strict=True):
        if v.dtype.kind in "biu":
            ok.append(all_true(v.shape))
            continue
        with np.errstate(invalid="ignore"):
            lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
        if np.isfinite(lo) and np.isfinite(hi):  # complete and finite: no NaN, no inf
            if max(-lo, hi) > HUGE:
                check.append((c, v))
            ok.append(all_true(v.shape))
            continue
        inf = np.isinf(v)
        if inf.any():
            rows = np.flatnonzero(inf)
            raise EstimationError(
                f"variable {c!r} has infinite values in rows {', '.join(map(str, rows[:5]))}"
                + (f" and {rows.size - 5} more" if rows.size > 5 else "")
            )
        check.append((c, v))
        ok.append(~np.isnan(v))
    if check:
        _warn_huge([c for c, _ in check], [v for _, v in check])
    if na == "listwise":
        joint = np.logical_and.reduce(ok)
        ok = [joint] * len(values)
    elif na != "available":
        raise EstimationError(f"na={na!r}: use 'available' or 'listwise'")
    return values, ok


class MeanTotal(Estimator):
    """Means (``statistic='mean'``) or totals (``'total'``) of numeric variables.

    Quantities per item: ``y``, ``1`` (not missing), ``y^2`` (for deff).
    """

    @classmethod
    def build(cls, data, variables, statistic, na="available"):
        values, ok = _masks(data, variables, na)
        columns, item_q, count_q, binaries = [], [], [], []
        ones = np.ones(len(data))
        for v, m in zip(values, ok, strict=True):
            complete = bool(m.all())
            y = v if complete else np.where(m, v, 0.0)
            if y.dtype.kind in "biu":  # integers: 0/1 from the range; others as floats
                binary = bool(y.size == 0 or (y.min() >= 0 and y.max() <= 1))
                if not binary:
                    y = y.astype(float)
            else:
                binary = bool(((y == 0) | (y == 1)).all())
            binaries.append(binary)
            base = len(columns)
            # shared arrays for identical quantities are aggregated once (core.cell_totals)
            with np.errstate(over="ignore"):  # huge values: announced by _warn_huge
                yy = y if binary else y * y
            columns += [y, ones if complete else m.astype(float), yy]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
        # 0/1 items: their mean is a proportion (the engine counts their cases)
        extra = {"binary": binaries}
        return cls(
            statistic, list(variables), [None] * len(variables), columns, item_q, count_q, extra
        )

    def _parts(self, T):
        idx = np.array(self.item_q)
        Y = T[..., idx[:, 0]]
        N = T[..., idx[:, 1]]
        return Y, N

    def point(self, T):
        Y, N = self._parts(T)
        return _safe_div(Y, N) if self.statistic == "mean" else Y

    def coef(self, T):
        Y, N = self._parts(T)  # (D, J)
        out = []
        for j in range(self.n_items):
            if self.statistic == "mean":
                theta = _safe_div(Y[:, j], N[:, j])
                out.append(np.stack([_safe_div(1.0, N[:, j]), -_safe_div(theta, N[:, j])], axis=1))
            else:
                out.append(np.stack([np.ones_like(N[:, j]), np.zeros_like(N[:, j])], axis=1))
        return out

    def vsrs(self, T, n, replace=False):
        Y, N = self._parts(T)
        YY = T[..., [q[0] + 2 for q in self.item_q]]
        s2 = _s2(N, Y, YY, n)
        if self.statistic == "mean":
            return s2 * _srs_factor(N, n, replace)
        return s2 * N**2 * _srs_factor(N, n, replace)


class Proportion(Estimator):
    """Shares of each category among rows with an answer (R's ``svymean`` on a factor).

    0/1 numeric variables give the share of 1s only (``category`` 1) unless
    ``binary="all"``. Quantities: one indicator per category plus the not-missing indicator.
    """

    @classmethod
    def build(cls, data, variables, na="available", binary="ones"):
        raw = []
        for col in variables:
            if col not in data.columns:
                raise EstimationError(
                    f"variable {col!r} is not in the data{did_you_mean(col, data.columns)}"
                )
            raw.append(data[col])
        notna = [s.notna().to_numpy() for s in raw]
        if na == "listwise":
            joint = np.logical_and.reduce(notna)
            notna = [joint] * len(raw)
        elif na != "available":
            raise EstimationError(f"na={na!r}: use 'available' or 'listwise'")
        columns, item_q, count_q, variables_out, cats = Columns(), [], [], [], []
        complete = None  # one not-missing indicator shared by the complete variables
        for col, s, m in zip(variables, raw, notna, strict=True):
            fast = None
            if isinstance(s.dtype, pd.CategoricalDtype):
                present = (
                    np.bincount(s.cat.codes.to_numpy()[m] + 1, minlength=len(s.cat.categories) + 1)[
                        1:
                    ]
                    > 0
                )
                levels = [c for c, p in zip(s.cat.categories, present, strict=True) if p]
                vals = s.to_numpy(dtype=object)
            else:
                vals = s.to_numpy()
                if isinstance(s.dtype, np.dtype) and s.dtype.kind in "biu" and m.all():
                    from survey.engine.domains import dense_factorize

                    fast = dense_factorize(vals)  # sorted levels and codes in one pass
                if fast is not None:
                    levels = fast[1].tolist()
                else:
                    levels = sorted(pd.unique(s[m]).tolist())
                if len(levels) > MAX_CATEGORIES and pd.api.types.is_float_dtype(s.dtype):
                    raise EstimationError(
                        f"variable {col!r} has {len(levels)} distinct values: prop() estimates "
                        "the share of each category; use mean() or quantile() for a "
                        "continuous variable"
                    )
            is_binary = (
                not isinstance(s.dtype, pd.CategoricalDtype)
                and pd.api.types.is_numeric_dtype(s.dtype)
                and set(levels) <= {0, 1}
            )
            mcol = len(columns)
            if m.all():  # aggregated once for all complete variables (shared array)
                if complete is None:
                    complete = np.ones(m.size)
                columns.append(complete)
            else:
                columns.append(m.astype(float))
            if is_binary and binary == "ones":
                ind = (vals == 1) & m
                columns.append(ind.astype(float))
                item_q.append((len(columns) - 1, mcol))
                count_q.append(mcol)
                variables_out.append(col)
                cats.append(_plain(True if s.dtype == bool else 1))  # the share of the 1s
                continue
            codes = fast[0] if fast is not None else _category_codes(s, vals, levels, m)
            start = columns.add_block(codes, len(levels))
            for c, label in enumerate(levels):
                item_q.append((start + c, mcol))
                count_q.append(mcol)
                variables_out.append(col)
                cats.append(_plain(label))
        return cls("prop", variables_out, cats, columns, item_q, count_q)

    def _parts(self, T):
        idx = np.array(self.item_q)
        return T[..., idx[:, 0]], T[..., idx[:, 1]]

    def point(self, T):
        P, N = self._parts(T)
        return _safe_div(P, N)

    def coef(self, T):
        P, N = self._parts(T)
        out = []
        for j in range(self.n_items):
            theta = _safe_div(P[:, j], N[:, j])
            out.append(np.stack([_safe_div(1.0, N[:, j]), -_safe_div(theta, N[:, j])], axis=1))
        return out

    def vsrs(self, T, n, replace=False):
        P, N = self._parts(T)
        return _s2(N, P, P, n) * _srs_factor(N, n, replace)


class CategoryTotal(Proportion):
    """Weighted totals of each category's indicator (R's ``svytotal`` on a factor)."""

    def point(self, T):
        P, _ = self._parts(T)
        return P

    def coef(self, T):
        P, N = self._parts(T)
        return [
            np.stack([np.ones_like(N[:, j]), np.zeros_like(N[:, j])], axis=1)
            for j in range(self.n_items)
        ]

    def vsrs(self, T, n, replace=False):
        P, N = self._parts(T)
        return _s2(N, P, P, n) * N**2 * _srs_factor(N, n, replace)


def ratio_pairs(numerator, denominator, cross: bool = False) -> tuple[list[str], list[str]]:
    """The (numerator, denominator) pairs of a ratio call, as two equal-length lists.

    ``cross=True``: every numerator over every denominator, in R's ``svyratio(~a + b, ~c +
    d)`` order (``a/c, b/c, a/d, b/d``). Otherwise one numerator or one denominator is
    shared by all ratios, and equal-length lists pair up in order (``a/c, b/d``; a
    numerator may repeat: ``["a", "a"], ["c", "d"]`` gives ``a/c, a/d``). A pair named twice
    is estimated once."""
    num = [numerator] if isinstance(numerator, str) else list(numerator)
    den = [denominator] if isinstance(denominator, str) else list(denominator)
    if not num or not den:
        raise EstimationError("ratio: give at least one numerator and one denominator")
    if cross:
        pairs = [(a, b) for b in den for a in num]
    elif len(den) == 1 or len(num) == 1:
        pairs = [(a, b) for b in den for a in num]
    elif len(num) == len(den):
        pairs = list(zip(num, den, strict=True))
    else:
        raise EstimationError(
            f"ratio: {len(num)} numerators and {len(den)} denominators do not pair up; give "
            "lists of equal length (paired in order), one numerator or one denominator "
            "(shared), or cross=True for every numerator over every denominator (R's "
            "svyratio)"
        )
    pairs = list(dict.fromkeys(pairs))
    return [a for a, _ in pairs], [b for _, b in pairs]


class Ratio(Estimator):
    """Ratios of totals ``Y/X`` (R's ``svyratio``), complete cases on both variables.

    Quantities per item: ``y, x, 1, y^2, x^2, xy``.
    """

    @classmethod
    def build(cls, data, numerator, denominator, na="available"):
        num, den = ratio_pairs(numerator, denominator)
        values, ok = _masks(data, list(dict.fromkeys(num + den)), na)
        lookup = dict(zip(dict.fromkeys(num + den), zip(values, ok, strict=True), strict=True))
        columns, item_q, count_q, names = [], [], [], []
        for a, b in zip(num, den, strict=True):
            (ya, ma), (xb, mb) = lookup[a], lookup[b]
            m = ma & mb
            y = np.where(m, ya, 0.0)
            x = np.where(m, xb, 0.0)
            base = len(columns)
            columns += [y, x, m.astype(float), y * y, x * x, x * y]
            item_q.append((base, base + 1))
            count_q.append(base + 2)
            names.append(f"{a}/{b}")
        est = cls("ratio", names, [None] * len(names), columns, item_q, count_q)
        est.extra["pairs"] = list(zip(num, den, strict=True))
        return est

    def _parts(self, T):
        idx = np.array(self.item_q)
        return T[..., idx[:, 0]], T[..., idx[:, 1]]

    def point(self, T):
        """``Y / X``; NaN (never inf) where the denominator total ``X`` is 0."""
        Y, X = self._parts(T)
        return np.where(X == 0, np.nan, _safe_div(Y, X))

    def coef(self, T):
        Y, X = self._parts(T)
        out = []
        for j in range(self.n_items):
            x = X[:, j]
            zero = x == 0  # undefined ratio: zero influence (its estimate and SE are NaN)
            r = np.where(zero, 0.0, _safe_div(Y[:, j], x))
            inv = np.where(zero, 0.0, _safe_div(1.0, x))
            out.append(np.stack([inv, -r * inv], axis=1))
        return out

    def vsrs(self, T, n, replace=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._vsrs(T, n, replace)

    def _vsrs(self, T, n, replace):
        Y, X = self._parts(T)
        base = np.array([q[0] for q in self.item_q])
        N = T[..., base + 2]
        Syy, Sxx, Sxy = T[..., base + 3], T[..., base + 4], T[..., base + 5]
        r = _safe_div(Y, X)
        sum_r = _safe_div(Y - r * X, X)
        sum_rr = _safe_div(Syy - 2 * r * Sxy + r**2 * Sxx, X**2)
        s2 = _s2(N, sum_r, sum_rr, n)
        return s2 * N**2 * _srs_factor(N, n, replace)


def _category_codes(s: pd.Series, vals: np.ndarray, levels: list, m: np.ndarray) -> np.ndarray:
    """Index in ``levels`` of each row's value (``-1`` outside ``m`` or not a level): the
    codes of ``(vals == level) & m`` for every level at once."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        remap = np.full(len(s.cat.categories) + 1, -1, dtype=np.int64)
        where = {c: i for i, c in enumerate(levels)}
        for k, c in enumerate(s.cat.categories):
            remap[k] = where.get(c, -1)
        codes = remap[s.cat.codes.to_numpy()]  # code -1 (NaN) reads remap[-1] = -1
    else:
        try:
            codes = pd.Index(levels, dtype=object if vals.dtype == object else None).get_indexer(
                vals
            )
        except (TypeError, ValueError):
            codes = np.full(vals.shape, -1, dtype=np.int64)
            for c, value in enumerate(levels):
                codes[vals == value] = c
        codes = codes.astype(np.int64)
    codes[~m] = -1
    return codes


def _plain(value):
    """Category values as plain Python scalars (1.0 -> 1) for tidy output."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
    )


def _mixed(data, variables, categorical, statistic, na):
    """Means or totals of numeric variables and of every category of categorical ones in one
    estimator (R's ``svymean(~api00 + stype)``): a category is the 0/1 numeric item of its
    indicator, on the rows answering that variable (``na="listwise"``: answering all)."""
    numeric = [v for v in variables if v not in categorical]
    num = MeanTotal.build(data, numeric, statistic, na="available")
    cat = Proportion.build(data, categorical, na="available", binary="all")
    if na == "listwise":
        ok = np.logical_and.reduce([data[v].notna().to_numpy() for v in variables])
    elif na != "available":
        raise EstimationError(f"na={na!r}: use 'available' or 'listwise'")
    columns, item_q, count_q, names, cats, binaries = [], [], [], [], [], []
    ones = np.ones(len(data))
    for v in variables:
        if v in categorical:
            parts = [
                (cat.columns[q0], cat.columns[q1], c, True)
                for name, c, (q0, q1) in zip(cat.variables, cat.categories, cat.item_q, strict=True)
                if name == v
            ]
        else:
            j = numeric.index(v)
            q0, q1 = num.item_q[j]
            parts = [(num.columns[q0], num.columns[q1], None, num.extra["binary"][j])]
        for y, m, c, binary in parts:
            if na == "listwise":
                y, m = np.where(ok, y, 0.0), (m.astype(bool) & ok).astype(float)
            elif m.all():
                m = ones
            base = len(columns)
            columns += [y, m, y if binary else y * y]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
            names.append(v)
            cats.append(c)
            binaries.append(binary)
    return MeanTotal(statistic, names, cats, columns, item_q, count_q, {"binary": binaries})


def build(design, statistic, variables, na="available", denominator=None, binary="ones"):
    data = design.data
    if isinstance(variables, str):
        variables = [variables]
    if not variables:
        raise EstimationError("no variables given")
    if statistic == "ratio":  # numerators may repeat (paired with different denominators)
        if denominator is None:
            raise EstimationError("ratio needs a denominator")
        return Ratio.build(data, variables, denominator, na)
    variables = list(dict.fromkeys(variables))  # a variable named twice is estimated once
    if statistic in ("mean", "total"):
        # text holding numbers (decimal commas, numbers stored as text) is never averaged as
        # categories; other text keeps R's factor semantics (svymean/svytotal of a character
        # or factor column: each category's share or total)
        for v in variables:
            if v in data.columns and not isinstance(data[v].dtype, pd.CategoricalDtype):
                hint = text_number_hint(data[v]) if _is_categorical(data[v]) else ""
                if hint:
                    raise EstimationError(
                        f"variable {v!r} holds text, not numbers: {statistic} would give the "
                        f"share of each distinct text; {hint}"
                    )
        categorical = [v for v in variables if v in data.columns and _is_categorical(data[v])]
        if categorical and len(categorical) < len(variables):
            # R's svytotal(~api00 + stype): the numeric variable, then each category
            return _mixed(data, variables, categorical, statistic, na)
        if categorical:  # R: svymean/svytotal of a factor give each category's share/total
            est = Proportion.build(data, variables, na, binary="all")
            if statistic == "total":
                est = CategoryTotal(
                    "total", est.variables, est.categories, est.columns, est.item_q, est.count_q
                )
            else:
                est.statistic = "mean"
            return est
        return MeanTotal.build(data, variables, statistic, na)
    if statistic == "prop":
        return Proportion.build(data, variables, na, binary)
    raise EstimationError(f"unknown statistic {statistic!r}")
