"""The per-row quantities indicators derive, as expressions computed where the data live.

The indicator functions of :mod:`survey.indicators` derive 0/1 items and rescaled values
from the answers with numpy (missing codes set to NaN, "any of these items" flags, answers
in a list of codes, counts capped at 10, ...). On a data backend the same derivations are
written with the nodes below, which compile to SQL (DuckDB, Spark) and evaluate with numpy
(the memory executor), so they run inside the engine's one aggregation pass instead of on
loaded rows.

Semantics, as the in-memory helpers of :mod:`survey.indicators._common`:

* a value node (:class:`~survey.backends.expr.Expr`) is a double that is SQL ``NULL`` (numpy
  ``NaN``) when missing; :class:`Num` turns a stored ``NaN`` into ``NULL`` so that ``NULL``
  is the only missing value inside SQL (DuckDB orders ``NaN`` above every number);
* a condition node (:class:`Cond`) is a boolean that is never ``NULL`` (a comparison with a
  missing value is false, as numpy's comparisons with ``NaN``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.backends import expr as E
from survey.backends.executors import Aggregation


def _float(v) -> float:
    return float(v)


def _lit(v: float) -> str:
    v = float(v)
    if np.isnan(v):
        return "CAST(NULL AS DOUBLE)"
    if np.isinf(v):
        return f"CAST('{'-' if v < 0 else ''}Infinity' AS DOUBLE)"
    return f"CAST({v!r} AS DOUBLE)"


# -- values ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num(E.Expr):
    """A numeric (or boolean) column as double; a stored NaN reads as missing (NULL)."""

    name: str

    def sql(self, d):
        q = f"CAST({d.ident(self.name)} AS DOUBLE)"
        return f"(CASE WHEN isnan({q}) THEN NULL ELSE {q} END)"

    def evaluate(self, frame):
        s = frame[self.name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if s.dtype == bool:
            return s.to_numpy(dtype=float)
        return pd.to_numeric(s).to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class Const(E.Expr):
    """A constant (NaN: missing)."""

    value: float

    def sql(self, d):
        return _lit(self.value)

    def evaluate(self, frame):
        return np.full(len(frame), float(self.value))


NA = Const(float("nan"))


@dataclass(frozen=True)
class Arith(E.Expr):
    """``a op b`` (``+ - * /``); missing when either is."""

    op: str
    a: E.Expr
    b: E.Expr

    def sql(self, d):
        return f"({self.a.sql(d)} {self.op} {self.b.sql(d)})"

    def evaluate(self, frame):
        a, b = self.a.evaluate(frame), self.b.evaluate(frame)
        with np.errstate(all="ignore"):
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[self.op]


def add(a, b):
    return Arith("+", a, b)


@dataclass(frozen=True)
class Case(E.Expr):
    """``then`` where ``cond`` holds, else ``other``."""

    cond: Cond
    then: E.Expr
    other: E.Expr

    def sql(self, d):
        return (
            f"(CASE WHEN {self.cond.sql(d)} THEN {self.then.sql(d)} ELSE {self.other.sql(d)} END)"
        )

    def evaluate(self, frame):
        c = self.cond.evaluate(frame)
        return np.where(c, self.then.evaluate(frame), self.other.evaluate(frame))


@dataclass(frozen=True)
class AsFloat(E.Expr):
    """1.0 where ``cond`` holds, else 0.0."""

    cond: Cond

    def sql(self, d):
        return f"(CASE WHEN {self.cond.sql(d)} THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        return self.cond.evaluate(frame).astype(float)


# -- conditions (never NULL) ------------------------------------------------------------------
class Cond:
    def sql(self, d) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def evaluate(self, frame) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class IsIn(Cond):
    a: E.Expr
    codes: tuple[float, ...]

    def sql(self, d):
        if not self.codes:
            return "FALSE"
        return f"COALESCE({self.a.sql(d)} IN ({', '.join(_lit(c) for c in self.codes)}), FALSE)"

    def evaluate(self, frame):
        return np.isin(self.a.evaluate(frame), np.asarray(self.codes, dtype=float))


@dataclass(frozen=True)
class IsNull(Cond):
    a: E.Expr

    def sql(self, d):
        return f"({self.a.sql(d)} IS NULL)"

    def evaluate(self, frame):
        return np.isnan(self.a.evaluate(frame))


@dataclass(frozen=True)
class Cmp(Cond):
    """``a op b`` for ``op`` in ``< <= > >= =`` (false when either is missing)."""

    op: str
    a: E.Expr
    b: E.Expr

    def sql(self, d):
        return f"COALESCE({self.a.sql(d)} {self.op} {self.b.sql(d)}, FALSE)"

    def evaluate(self, frame):
        a, b = self.a.evaluate(frame), self.b.evaluate(frame)
        with np.errstate(invalid="ignore"):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b}[self.op]


@dataclass(frozen=True)
class All(Cond):
    parts: tuple[Cond, ...]

    def sql(self, d):
        return "(" + " AND ".join(p.sql(d) for p in self.parts) + ")" if self.parts else "TRUE"

    def evaluate(self, frame):
        out = np.ones(len(frame), dtype=bool)
        for p in self.parts:
            out &= p.evaluate(frame)
        return out


@dataclass(frozen=True)
class AnyOf(Cond):
    parts: tuple[Cond, ...]

    def sql(self, d):
        return "(" + " OR ".join(p.sql(d) for p in self.parts) + ")" if self.parts else "FALSE"

    def evaluate(self, frame):
        out = np.zeros(len(frame), dtype=bool)
        for p in self.parts:
            out |= p.evaluate(frame)
        return out


@dataclass(frozen=True)
class Not(Cond):
    a: Cond

    def sql(self, d):
        return f"(NOT {self.a.sql(d)})"

    def evaluate(self, frame):
        return ~self.a.evaluate(frame)


TRUE = All(())


# -- the engine's masks of derived values ----------------------------------------------------
@dataclass(frozen=True)
class Answered(E.Expr):
    """1.0 where every value is not missing (the not-missing indicator of derived values;
    :class:`~survey.backends.expr.Filled` takes it as its mask)."""

    values: tuple[E.Expr, ...]

    def condition(self, d) -> str:
        return " AND ".join(f"{v.sql(d)} IS NOT NULL" for v in self.values) or "TRUE"

    def sql(self, d):
        return f"(CASE WHEN {self.condition(d)} THEN 1.0 ELSE 0.0 END)"

    def evaluate(self, frame):
        ok = np.ones(len(frame), dtype=bool)
        for v in self.values:
            ok &= ~np.isnan(v.evaluate(frame))
        return ok.astype(float)


# -- the helpers of survey.indicators._common, as expressions ---------------------------------
def codes_of(codes) -> tuple[float, ...]:
    return tuple(float(c) for c in codes)


def column(source, col: str, what: str = "column") -> E.Expr:
    """A numeric column (as :func:`survey.indicators._common.column`: errors name it)."""
    from survey.indicators._common import IndicatorError

    cols = list(source.columns)
    if col not in source.columns:
        from survey._names import did_you_mean

        raise IndicatorError(
            f"{what} {col!r} is not in the data{did_you_mean(col, cols)} "
            f"(columns: {', '.join(map(str, cols[:30]))}" + (" ...)" if len(cols) > 30 else ")")
        )
    if source.columns[col] == "text":
        raise IndicatorError(f"{what} {col!r} is not numeric (text in {source.describe()})")
    return Num(col)


def clean(value: E.Expr, missing_codes) -> E.Expr:
    """``value`` missing where it is one of the don't-know / no-answer codes."""
    codes = codes_of(missing_codes or ())
    return Case(IsIn(value, codes), NA, value) if codes else value


def values_in_codes(value: E.Expr, codes) -> E.Expr:
    """1 where ``value`` is one of ``codes``, 0 for another value, missing where missing."""
    return Case(IsNull(value), NA, AsFloat(IsIn(value, codes_of(codes))))


def in_codes(source, cols, codes, missing_codes, what: str = "item") -> E.Expr:
    """1 if any of ``cols`` takes one of ``codes``; 0 if all are answered and none does;
    missing when none does and one is missing (as :func:`~survey.indicators._common.in_codes`)."""
    codes = codes_of(codes)
    vals = [clean(column(source, c, what), missing_codes) for c in cols]
    hit = AnyOf(tuple(IsIn(v, codes) for v in vals))
    unknown = AnyOf(tuple(IsNull(v) for v in vals))
    return Case(All((Not(hit), unknown)), NA, AsFloat(hit))


def yes_no(source, col, yes, no, missing_codes) -> E.Expr:
    """1 for ``yes`` codes, 0 for ``no`` codes (``no`` wins a code in both), else missing."""
    v = clean(column(source, col, "item"), missing_codes)
    return Case(IsIn(v, codes_of(no)), Const(0.0), Case(IsIn(v, codes_of(yes)), Const(1.0), NA))


def where(cond: Cond, value: E.Expr) -> E.Expr:
    """``value`` where ``cond`` holds, else missing."""
    return Case(cond, value, NA)


def known(value: E.Expr) -> Cond:
    return Not(IsNull(value))


# -- small queries -----------------------------------------------------------------------------
def count(source, conds: dict[str, Cond], where_: E.Expr | None = None) -> dict[str, int]:
    """Rows where each condition holds (one query)."""
    if not conds:
        return {}
    sums = {f"__q{i}": AsFloat(c) for i, c in enumerate(conds.values())}
    got = source.aggregate(Aggregation([], sums, count=None, where=where_)).iloc[0]
    return {k: int(got[f"__q{i}"] or 0) for i, k in enumerate(conds)}


def distinct_values(source, value: E.Expr) -> list[float]:
    """Distinct non-missing values of a derived value (a crime type's codes)."""
    agg = Aggregation(["__survey_v"], {}, count="__n", derived={"__survey_v": value})
    vals = source.aggregate(agg)["__survey_v"].to_numpy(dtype=float)
    return sorted(float(v) for v in vals if not np.isnan(v))


def nunique(source, col: str) -> tuple[int, int]:
    """``(distinct non-missing values, non-missing rows)`` of a column, counted by the
    engine (household identifiers: the household-row check)."""
    if source.engine == "memory":
        s = source.frame[col]
        return int(s.nunique(dropna=True)), int(s.notna().sum())
    q = source.dialect.ident(col)
    text = f"SELECT COUNT(DISTINCT {q}) AS u, COUNT({q}) AS c FROM {{src}}"
    if source.engine == "duckdb":
        row = source.relation.query("src", text.format(src="src")).fetchone()
    else:
        row = source.spark.sql(text.format(src=source.dialect.ident(source.view))).collect()[0]
    return int(row[0]), int(row[1])


# -- what the comparisons read of the rows ------------------------------------------------------
def binary_columns(source, variables) -> dict[str, bool]:
    """Which variables are numeric with every answer 0 or 1 (and at least one answer): the
    comparisons' Cohen's h rule, from one query."""
    out, sums = {}, {}
    for i, v in enumerate(variables):
        if source.columns.get(v) not in ("numeric", "bool"):
            out[v] = False
            continue
        valid = E.Valid((v,), (source.columns[v] == "numeric",))
        sums[f"__nb{i}"] = E.NotBinary(v, valid)
        sums[f"__v{i}"] = valid
    got = source.aggregate(Aggregation([], sums, count=None)).iloc[0] if sums else {}
    for i, v in enumerate(variables):
        if v not in out:
            out[v] = int(got[f"__v{i}"] or 0) > 0 and int(got[f"__nb{i}"] or 0) == 0
    return out


def square_means(design, variables, by=None):
    """The EstimateSet of the weighted means of ``y`` and ``y^2`` of each variable, by
    domain, in one pass (what :func:`survey.compare.effects.weighted_sd` needs; the
    in-memory rescaling of values beyond 2^500 is not applied)."""
    from survey.engine.estimators import EstimationError, MeanTotal

    columns, item_q, count_q, names = [], [], [], []
    for v in variables:
        if design.source.columns.get(v) not in ("numeric", "bool"):
            raise EstimationError(f"variable {v!r} is not a numeric column of the data")
        y0 = Num(v)
        m = Answered((y0,))
        y = E.Filled(y0, m)
        for k, q in (("y", y), ("yy", E.Product(y, y))):
            base = len(columns)
            columns += [q, m, E.Product(q, q)]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
            names.append(f"{v}\x00{k}")
    est = MeanTotal("mean", names, [None] * len(names), columns, item_q, count_q)
    by = [by] if isinstance(by, str) else list(by or [])
    return design._estimate("mean", est, by or None)


# -- views: rows kept, columns added, tables stacked (all lazy, where the data live) ------------
_VIEWS = [0]


def _view_name(source) -> str:
    """A view of ``source``'s relation that SQL text can name (DuckDB: registered on its
    connection; Spark: the executor's temporary view)."""
    if source.engine == "spark":
        return source.dialect.ident(source.view)
    _VIEWS[0] += 1
    name = f"survey_view_{id(source)}_{_VIEWS[0]}"
    source.relation.create_view(name, replace=True)
    return source.dialect.ident(name)


def _from_sql(source, text: str):
    from survey.backends.executors import DuckDBExecutor, SparkExecutor

    if source.engine == "duckdb":
        return DuckDBExecutor(source.con.sql(text), con=source.con)
    return SparkExecutor(source.spark.sql(text))


def view(source, columns: dict | None = None, where: E.Expr | None = None, drop=()):
    """``source`` with rows where ``where`` is non-zero, ``drop`` columns left out and
    ``columns`` (name -> expression) added: a new executor over a lazy view (nothing is
    loaded; the memory executor filters its frame)."""
    from survey.backends.executors import MemoryExecutor

    columns = dict(columns or {})
    keep = [c for c in source.columns if c not in set(drop)]
    if source.engine == "memory":
        frame = source.frame
        if where is not None:
            frame = frame[where.evaluate(frame) != 0].reset_index(drop=True)
        frame = frame[keep]
        return MemoryExecutor(frame.assign(**{n: e.evaluate(frame) for n, e in columns.items()}))
    d = source.dialect
    items = [d.ident(c) for c in keep] + [f"{e.sql(d)} AS {d.ident(n)}" for n, e in columns.items()]
    text = f"SELECT {', '.join(items)} FROM {_view_name(source)}"
    if where is not None:
        text += f" WHERE {where.sql(d)} <> 0"
    return _from_sql(source, text)


def stack_waves(parts: dict, *, wave="wave", strata=None, psu=None):
    """The waves' tables stacked as :func:`survey.compare.combine_waves` stacks frames
    (independent samples): a ``wave`` column holding each part's label, and wave-specific
    strata and PSUs (``_wave_strata`` = label:stratum, ``_wave_psu`` = _wave_strata:psu or
    the row). Parts share one DuckDB connection or Spark session."""
    from survey.backends.executors import MemoryExecutor

    labels = list(parts)
    first = parts[labels[0]]
    cols = list(first.columns)
    for lab in labels[1:]:
        missing = [c for c in cols if c not in parts[lab].columns]
        if missing:
            raise ValueError(f"wave {lab!r} lacks the column(s) {missing} of wave {labels[0]!r}")
    if wave in cols:
        raise ValueError(f"column {wave!r} already exists in wave {labels[0]!r}")
    if first.engine == "memory":
        from survey.compare.waves import combine_waves

        frames = {lab: parts[lab].frame[cols] for lab in labels}
        return MemoryExecutor(combine_waves(frames, wave=wave, strata=strata, psu=psu).data)
    d = first.dialect
    selects = []
    for lab in labels:
        text = E.literal(str(lab))
        st = f"({text} || ':' || " + (
            f"COALESCE(CAST({d.ident(strata)} AS STRING), 'nan'))" if strata else "'')"
        )
        pu = (
            f"({st} || ':' || CAST({d.ident(psu)} AS STRING))"
            if psu
            else f"({text} || ':' || CAST(row_number() OVER () AS STRING))"
        )
        items = [d.ident(c) for c in cols]
        items += [f"{text} AS {d.ident(wave)}", f"{st} AS {d.ident('_wave_strata')}",
                  f"{pu} AS {d.ident('_wave_psu')}"]  # fmt: skip
        selects.append(f"SELECT {', '.join(items)} FROM {_view_name(parts[lab])}")
    return _from_sql(first, " UNION ALL ".join(selects))


def in_values(x: E.Expr, values) -> E.Expr:
    """``survey compare``'s ``name=col:values`` indicator: 1 where ``x`` is one of the
    values or in one of the ranges ``(lo, hi)``, 0 for another answer, missing where
    missing (as :func:`survey.compare._spec.derive_indicators`)."""
    conds = []
    for v in values:
        if isinstance(v, tuple):
            conds.append(All((Cmp(">=", x, Const(v[0])), Cmp("<=", x, Const(v[1])))))
        else:
            conds.append(Cmp("=", x, Const(v)))
    return Case(IsNull(x), NA, AsFloat(AnyOf(tuple(conds))))


# -- staging: each derived column computed once per row ----------------------------------------
@dataclass(frozen=True)
class Ref(E.Expr):
    """A column computed by an earlier stage (a double, NULL when missing)."""

    name: str

    def sql(self, d):
        return d.ident(self.name)

    def evaluate(self, frame):
        return frame[self.name].to_numpy(dtype=float)


def _rewrite(node, fn):
    """``node`` with ``fn`` applied bottom-up to every expression/condition node."""
    from dataclasses import fields, is_dataclass, replace

    if is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in fields(node):
            v = getattr(node, f.name)
            if isinstance(v, E.Expr | Cond):
                nv = _rewrite(v, fn)
            elif isinstance(v, tuple) and v and isinstance(v[0], E.Expr | Cond):
                nv = tuple(_rewrite(x, fn) for x in v)
            else:
                continue
            if nv != v:
                changes[f.name] = nv
        if changes:
            node = replace(node, **changes)
    return fn(node)


def _is_clean(node) -> bool:
    return (
        isinstance(node, Case)
        and isinstance(node.cond, IsIn)
        and isinstance(node.cond.a, Ref)
        and node.then == NA
        and node.other == node.cond.a
    )


def staged(values: dict, prefix: str = "__survey_d") -> tuple[list[dict], dict]:
    """Derived values computed in three stages: the numeric columns they read, those columns
    with their missing codes removed, then the values themselves (so a column read by ten
    items is cast and cleaned once per row, and the engine's SQL stays small). Returns the
    stages (``Aggregation.derived``) and ``{name: Ref}`` of the values."""
    base, cleaned = {}, {}

    def numeric(node):
        if isinstance(node, Num):
            base.setdefault(node, f"{prefix}n{len(base)}")
            return Ref(base[node])
        return node

    def clean_step(node):
        if _is_clean(node):
            cleaned.setdefault(node, f"{prefix}c{len(cleaned)}")
            return Ref(cleaned[node])
        return node

    out = {name: _rewrite(v, numeric) for name, v in values.items()}
    out = {name: _rewrite(v, clean_step) for name, v in out.items()}
    final = {f"{prefix}v{i}": v for i, v in enumerate(out.values())}
    stages = [{n: e for e, n in base.items()}, {n: e for e, n in cleaned.items()}, final]
    refs = {name: Ref(key) for name, key in zip(values, final, strict=True)}
    return [s for s in stages if s], refs
