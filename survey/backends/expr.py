"""Base quantities as small expression trees, compiled to SQL (DuckDB, Spark) or numpy.

The engine's base quantities (``y`` with missing values zeroed, not-missing indicators, a
category's indicator, products for the design effect) are a handful of row-wise operations.
Written once as these nodes they run in a database (``sql``) or on a pandas frame
(``evaluate``) with the same semantics: a missing value is SQL ``NULL`` or a float ``NaN``,
and every quantity is a double. Nodes are frozen dataclasses, so equal quantities compare
and hash equal and the aggregation pass computes each distinct one once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Dialect:
    """What differs between the SQL engines: identifier quoting."""

    name: str
    quote: str = '"'

    def ident(self, col: str) -> str:
        q = self.quote
        return q + str(col).replace(q, q + q) + q


DUCKDB = Dialect("duckdb", '"')
SPARK = Dialect("spark", "`")


def literal(value) -> str:
    """A SQL literal for a category value (number, string or boolean)."""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    s = frame[col]
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    return pd.to_numeric(s).to_numpy(dtype=float, na_value=np.nan)


class Expr:
    """A row-wise double-valued expression."""

    def sql(self, d: Dialect) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class One(Expr):
    def sql(self, d):
        return "1.0"

    def evaluate(self, frame):
        return np.ones(len(frame))


@dataclass(frozen=True)
class Col(Expr):
    """A numeric column as double (NULL stays NULL)."""

    name: str

    def sql(self, d):
        return f"CAST({d.ident(self.name)} AS DOUBLE)"

    def evaluate(self, frame):
        return _num(frame, self.name)


@dataclass(frozen=True)
class Valid(Expr):
    """1.0 where every column is answered (not NULL, not NaN for numeric columns), else 0.0."""

    names: tuple[str, ...]
    numeric: tuple[bool, ...]

    def condition(self, d: Dialect) -> str:
        if not self.names:
            return "TRUE"
        parts = []
        for name, num in zip(self.names, self.numeric, strict=True):
            q = d.ident(name)
            parts.append(f"{q} IS NOT NULL")
            if num:
                parts.append(f"NOT isnan(CAST({q} AS DOUBLE))")
        return " AND ".join(parts)

    def sql(self, d):
        if not self.names:
            return "1.0"
        return f"(CASE WHEN {self.condition(d)} THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        ok = np.ones(len(frame), dtype=bool)
        for name in self.names:
            ok &= frame[name].notna().to_numpy()
        return ok.astype(float)


@dataclass(frozen=True)
class Filled(Expr):
    """``value`` where ``mask`` is 1, else 0 (the engine's ``np.where(m, y, 0)``)."""

    value: Expr
    mask: Valid

    def sql(self, d):
        return f"(CASE WHEN {self.mask.condition(d)} THEN {self.value.sql(d)} ELSE 0.0 END)"

    def evaluate(self, frame):
        m = self.mask.evaluate(frame) > 0
        return np.where(m, self.value.evaluate(frame), 0.0)


@dataclass(frozen=True)
class Equals(Expr):
    """1.0 where ``name`` equals ``value`` and ``mask`` holds (a category's indicator)."""

    name: str
    value: object
    mask: Valid

    def sql(self, d):
        return (
            f"(CASE WHEN {self.mask.condition(d)} AND {d.ident(self.name)} = "
            f"{literal(self.value)} THEN 1.0 ELSE 0.0 END)"
        )

    def evaluate(self, frame):
        vals = frame[self.name].to_numpy(dtype=object)
        return ((vals == self.value) & (self.mask.evaluate(frame) > 0)).astype(float)


@dataclass(frozen=True)
class Product(Expr):
    a: Expr
    b: Expr

    def sql(self, d):
        return f"({self.a.sql(d)} * {self.b.sql(d)})"

    def evaluate(self, frame):
        return self.a.evaluate(frame) * self.b.evaluate(frame)


def is_one(ex: Expr) -> bool:
    """Whether ``ex`` is the constant 1 (``One`` or the mask of a complete variable)."""
    return isinstance(ex, One) or (isinstance(ex, Valid) and not ex.names)


def simplify(ex: Expr) -> Expr:
    """``ex`` with products by the constant 1 removed (``w * 1`` is ``w``), so equal sums
    written differently compare equal and are computed once."""
    if isinstance(ex, Product):
        a, b = simplify(ex.a), simplify(ex.b)
        if is_one(a):
            return One() if is_one(b) else b
        if is_one(b):
            return a
        return Product(a, b)
    if is_one(ex):
        return One()
    return ex


@dataclass(frozen=True)
class NonZero(Expr):
    """1.0 where ``a`` is not 0."""

    a: Expr

    def sql(self, d):
        return f"(CASE WHEN {self.a.sql(d)} <> 0 THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        return (self.a.evaluate(frame) != 0).astype(float)


@dataclass(frozen=True)
class Positive(Expr):
    """1.0 where ``a`` is > 0."""

    a: Expr

    def sql(self, d):
        return f"(CASE WHEN {self.a.sql(d)} > 0 THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        return (self.a.evaluate(frame) > 0).astype(float)


@dataclass(frozen=True)
class Invalid(Expr):
    """1.0 where a weight is missing, NaN, infinite or negative."""

    name: str

    def sql(self, d):
        q = f"CAST({d.ident(self.name)} AS DOUBLE)"
        return (
            f"(CASE WHEN {q} IS NULL OR isnan({q}) OR {q} < 0 OR "
            f"ABS({q}) = CAST('Infinity' AS DOUBLE) THEN 1.0 ELSE 0.0 END)"
        )

    def evaluate(self, frame):
        v = _num(frame, self.name)
        return (~np.isfinite(v) | (v < 0)).astype(float)


@dataclass(frozen=True)
class Infinite(Expr):
    """1.0 where a numeric column is +-infinity."""

    name: str

    def sql(self, d):
        return (
            f"(CASE WHEN ABS(CAST({d.ident(self.name)} AS DOUBLE)) = CAST('Infinity' AS DOUBLE) "
            "THEN 1.0 ELSE 0.0 END)"
        )

    def evaluate(self, frame):
        return np.isinf(_num(frame, self.name)).astype(float)


@dataclass(frozen=True)
class NotBinary(Expr):
    """1.0 where ``mask`` holds and the column is neither 0 nor 1."""

    name: str
    mask: Valid

    def sql(self, d):
        q = f"CAST({d.ident(self.name)} AS DOUBLE)"
        return (
            f"(CASE WHEN {self.mask.condition(d)} AND {q} <> 0 AND {q} <> 1 THEN 1.0 ELSE 0.0 END)"
        )

    def evaluate(self, frame):
        v = _num(frame, self.name)
        m = self.mask.evaluate(frame) > 0
        return (m & (v != 0) & (v != 1)).astype(float)


@dataclass(frozen=True)
class DomainValue(Expr):
    """A per-domain constant looked up from the row's ``by`` values (``NULL`` outside the
    listed domains): how a second pass gets a first pass's domain results (a domain's mean
    weight) without a join."""

    by: tuple[str, ...]
    levels: tuple[tuple, ...]
    values: tuple[float, ...]

    def sql(self, d):
        if not self.by:
            return repr(float(self.values[0]))
        ints = [lev[0] for lev in self.levels] if len(self.by) == 1 else []
        if len(ints) >= 4 and all(
            isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in ints
        ):
            lo, hi = int(min(ints)), int(max(ints))
            if hi - lo < 100_000:
                # integer codes: one array lookup per row instead of a chain of WHENs
                # (double literals, "...E0": a decimal list is not folded to a constant)
                table = ["NULL"] * (hi - lo + 1)
                for v, val in zip(ints, self.values, strict=True):
                    text = repr(float(val))
                    if not np.isfinite(val):
                        text = "NULL"
                    table[int(v) - lo] = text if "e" in text or "N" in text else text + "E0"
                c = d.ident(self.by[0])
                idx = f"CAST({c} AS INT) - {lo - 1}"
                if d.name == "duckdb":
                    get = f"([{', '.join(table)}]::DOUBLE[])[{idx}]"
                else:
                    get = f"try_element_at(array({', '.join(table)}), {idx})"
                return f"(CASE WHEN {c} BETWEEN {lo} AND {hi} THEN CAST({get} AS DOUBLE) END)"
        whens = []
        for lev, val in zip(self.levels, self.values, strict=True):
            cond = " AND ".join(
                f"{d.ident(c)} = {literal(v)}" for c, v in zip(self.by, lev, strict=True)
            )
            text = repr(float(val)) if np.isfinite(val) else "NULL"
            whens.append(f"WHEN {cond} THEN {text}")
        return f"(CASE {' '.join(whens)} ELSE NULL END)"

    def evaluate(self, frame):
        if not self.by:
            return np.full(len(frame), float(self.values[0]))
        table = pd.DataFrame(list(self.levels), columns=list(self.by))
        table["__v"] = self.values
        keys = frame[list(self.by)].reset_index(drop=True)
        got = keys.merge(table, how="left", on=list(self.by))["__v"]
        return got.to_numpy(dtype=float)


@dataclass(frozen=True)
class Sql(Expr):
    """A scalar SQL function of other expressions with its numpy twin (for the logit
    replay's first IRLS step): ``template`` uses ``{0}``, ``{1}``, ...; ``func`` takes the
    evaluated arrays."""

    template: str
    args: tuple[Expr, ...]
    func: object

    def sql(self, d):
        return "(" + self.template.format(*(a.sql(d) for a in self.args)) + ")"

    def evaluate(self, frame):
        return self.func(*(a.evaluate(frame) for a in self.args))


@dataclass(frozen=True)
class AtMost(Expr):
    """1.0 where ``mask`` holds and the column is <= ``bound`` (an expression; a missing
    bound gives 0), else 0.0: the share at or below a quantile."""

    name: str
    bound: Expr
    mask: Valid

    def sql(self, d):
        return (
            f"(CASE WHEN {self.mask.condition(d)} AND CAST({d.ident(self.name)} AS DOUBLE) <= "
            f"{self.bound.sql(d)} THEN 1.0 ELSE 0.0 END)"
        )

    def evaluate(self, frame):
        v = _num(frame, self.name)
        b = self.bound.evaluate(frame)
        with np.errstate(invalid="ignore"):
            return ((self.mask.evaluate(frame) > 0) & (v <= b)).astype(float)


@dataclass(frozen=True)
class Bin(Expr):
    """The equal-width bin of a numeric column: ``floor((x - lo) / width)`` clamped to
    ``[0, n_bins - 1]`` (NULL where the column is missing)."""

    name: str
    lo: float
    width: float
    n_bins: int

    def sql(self, d):
        x = f"CAST({d.ident(self.name)} AS DOUBLE)"
        raw = f"FLOOR(({x} - {self.lo!r}) / {self.width!r})"
        return f"LEAST(GREATEST({raw}, 0), {self.n_bins - 1})"

    def evaluate(self, frame):
        v = _num(frame, self.name)
        with np.errstate(invalid="ignore"):
            return np.clip(np.floor((v - self.lo) / self.width), 0, self.n_bins - 1)


@dataclass(frozen=True)
class InBins(Expr):
    """1.0 where the row's bin (column ``col``) is one of its domain's listed bins: ``sets``
    holds ``(domain values, bins)`` pairs for the domains of ``by``."""

    by: tuple[str, ...]
    sets: tuple[tuple[tuple, tuple[int, ...]], ...]
    col: str

    def sql(self, d):
        terms = []
        for lev, bins in self.sets:
            parts = [f"{d.ident(c)} = {literal(v)}" for c, v in zip(self.by, lev, strict=True)]
            parts.append(f"{d.ident(self.col)} IN ({', '.join(str(int(b)) for b in bins)})")
            terms.append("(" + " AND ".join(parts) + ")")
        return f"(CASE WHEN {' OR '.join(terms) or 'FALSE'} THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        b = _num(frame, self.col)
        ok = np.zeros(len(frame), dtype=bool)
        for lev, bins in self.sets:
            hit = np.isin(b, np.asarray(bins, dtype=float))
            for c, v in zip(self.by, lev, strict=True):
                hit &= (frame[c] == v).to_numpy(dtype=bool, na_value=False)
            ok |= hit
        return ok.astype(float)
