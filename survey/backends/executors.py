"""Where the data live: an executor runs the one aggregation query and returns small frames.

An :class:`Aggregation` (group keys, named sums of :mod:`survey.backends.expr` quantities)
is the whole interface between the engine and a data backend. Three executors run it:

- :class:`MemoryExecutor`: a pandas frame, quantities evaluated by numpy, sums by
  ``groupby`` (the reference implementation of the contract);
- :class:`DuckDBExecutor`: a DuckDB relation (a Parquet/CSV file or glob, a table, a
  relation), one generated ``SELECT ... GROUP BY`` per pass; DuckDB streams the file, so
  only the columns named are read and memory stays bounded;
- :class:`SparkExecutor`: a ``pyspark.sql.DataFrame`` (local, cluster or Spark Connect),
  the same SQL through a temporary view.

DuckDB and pyspark are imported only by their executors.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from survey.backends.expr import DUCKDB, SPARK, Dialect, Expr, One, simplify


class NotPushedDown(NotImplementedError):  # noqa: N818 - reads as a sentence
    """A feature the data backend cannot compute where the data live (yet): raised instead
    of silently loading every row into memory."""


@dataclass
class Aggregation:
    """``SELECT keys, SUM(expr) AS name ... GROUP BY keys`` (no keys: one row).

    ``sums`` maps output names to quantities; ``counts`` names ``COUNT(*)``; ``extremes``
    maps names to ``(MIN|MAX|APPROX_DISTINCT, column)`` (design checks, a quantile's
    range and its number of distinct values)."""

    keys: list[str]
    sums: dict[str, Expr] = field(default_factory=dict)
    count: str | None = "__n_rows"
    extremes: dict[str, tuple[str, Expr]] = field(default_factory=dict)
    where: Expr | None = None  # rows kept: where the expression is non-zero
    derived: dict | list = field(default_factory=dict)  # columns computed first (stages)

    @property
    def stages(self) -> list[dict]:
        """``derived`` as a list of stages (a later stage may use an earlier one's columns)."""
        if not self.derived:
            return []
        return list(self.derived) if isinstance(self.derived, list) else [self.derived]

    def __post_init__(self):
        self.keys = list(dict.fromkeys(self.keys))  # a by column may also be a design key

    def distinct(self) -> tuple[Aggregation, dict[str, str]]:
        """This aggregation with each distinct sum computed once (products by 1 removed,
        ``SUM(1)`` read from ``COUNT(*)``), and the names left out mapped to the name that
        holds their value: the passes ask for the same quantity under several names (the
        weight sum as a total's denominator and as the sum of weights, the count of
        answering rows of complete items as the row count)."""
        sums, alias, seen = {}, {}, {}
        for name, ex in self.sums.items():
            ex = simplify(ex)
            if isinstance(ex, One) and self.count:
                alias[name] = self.count
            elif ex in seen:
                alias[name] = seen[ex]
            else:
                seen[ex] = name
                sums[name] = ex
        agg = Aggregation(self.keys, sums, self.count, self.extremes, self.where, self.derived)
        return agg, alias

    def sql(self, source: str, d: Dialect) -> str:
        for i, stage in enumerate(self.stages):
            extra = ", ".join(f"{ex.sql(d)} AS {d.ident(n)}" for n, ex in stage.items())
            source = f"(SELECT *, {extra} FROM {source}) AS derived_{i}"
        keys = [d.ident(k) for k in self.keys]
        items = list(keys)
        if self.count:
            items.append(f"COUNT(*) AS {d.ident(self.count)}")
        for name, ex in self.sums.items():
            items.append(f"SUM({ex.sql(d)}) AS {d.ident(name)}")
        for name, (fn, ex) in self.extremes.items():
            fn = "approx_count_distinct" if fn == "APPROX_DISTINCT" else fn
            items.append(f"{fn}({ex.sql(d)}) AS {d.ident(name)}")
        text = f"SELECT {', '.join(items)} FROM {source}"
        if self.where is not None:
            text += f" WHERE {self.where.sql(d)} <> 0"
        if keys:
            text += f" GROUP BY {', '.join(keys)}"
        return text


class Executor:
    """Runs aggregations on one table; ``columns`` maps column names to a kind
    (``"numeric"``, ``"bool"``, ``"text"``)."""

    engine = "abstract"
    columns: dict[str, str]
    progress = None  # callable(description) -> context manager, set by the CLI

    def aggregate(self, agg: Aggregation) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def distinct(self, col: str, where: Expr | None = None) -> list:
        """Distinct non-missing values of ``col`` (rows where ``where`` is non-zero)."""
        agg = Aggregation([col], count="__n_rows", where=where)
        out = self.aggregate(agg)
        vals = out[col]
        return [v for v in vals.tolist() if not _missing(v)]

    def describe(self) -> str:
        return self.engine

    def _timed(self, description: str):
        if self.progress is None:
            return _Null()
        return self.progress(description)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _kind(dtype_text: str) -> str:
    t = dtype_text.upper()
    if t.startswith("BOOL"):
        return "bool"
    numeric = ("INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
               "USMALLINT", "UTINYINT", "DOUBLE", "FLOAT", "REAL", "DECIMAL", "LONG", "SHORT",
               "BYTE")  # fmt: skip
    if any(t.startswith(n) for n in numeric):
        return "numeric"
    return "text"


class MemoryExecutor(Executor):
    """The aggregation contract on a pandas frame (numpy quantities, ``groupby`` sums)."""

    engine = "memory"

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.columns = {}
        for c in frame.columns:
            s = frame[c]
            if s.dtype == bool:
                self.columns[str(c)] = "bool"
            elif pd.api.types.is_numeric_dtype(s.dtype):
                self.columns[str(c)] = "numeric"
            else:
                self.columns[str(c)] = "text"
        self.n_rows = len(frame)

    def aggregate(self, agg: Aggregation) -> pd.DataFrame:
        frame = self.frame
        for stage in agg.stages:
            frame = frame.assign(**{n: ex.evaluate(frame) for n, ex in stage.items()})
        if agg.where is not None:
            frame = frame[agg.where.evaluate(frame) != 0]
        cols = {}
        if agg.count:
            cols[agg.count] = np.ones(len(frame), dtype=np.int64)
        for name, ex in agg.sums.items():
            cols[name] = ex.evaluate(frame)
        # keys keep their dtype (text such as "2018_1" must not be read as a number)
        work = pd.concat([frame[agg.keys], pd.DataFrame(cols, index=frame.index)], axis=1)
        if not agg.keys:
            out = {name: [work[name].sum()] for name in work.columns}
            for name, (fn, ex) in agg.extremes.items():
                v = ex.evaluate(frame)
                v = v[~np.isnan(v)]
                if fn == "APPROX_DISTINCT":  # exact here
                    out[name] = [np.unique(v).size]
                else:
                    out[name] = [np.nan if not v.size else v.min() if fn == "MIN" else v.max()]
            return pd.DataFrame(out)
        grouped = work.groupby(agg.keys, dropna=False, sort=False)
        out = grouped.sum().reset_index()
        for name, (fn, ex) in agg.extremes.items():
            v = pd.Series(ex.evaluate(frame), index=frame.index)
            g = v.groupby([frame[k] for k in agg.keys], dropna=False, sort=False)
            out[name] = (g.min() if fn == "MIN" else g.max()).to_numpy()
        return out


class DuckDBExecutor(Executor):
    """A DuckDB relation: a Parquet or CSV path/glob, a table name or a ``DuckDBPyRelation``.

    Every pass is one SQL query over the relation; DuckDB reads only the columns it names,
    streams the rows and keeps only the grouped sums. ``threads`` and ``memory_limit`` are
    DuckDB settings (default: DuckDB's)."""

    engine = "duckdb"
    dialect = DUCKDB

    def __init__(self, source, con=None, threads=None, memory_limit=None, csv_options=None):
        import duckdb

        self.con = con if con is not None else duckdb.connect()
        try:  # progress is tracked (query_progress, the CLI's status line) but not printed
            self.con.execute("SET enable_progress_bar = true")
            self.con.execute("SET enable_progress_bar_print = false")
        except duckdb.Error:  # pragma: no cover - older DuckDB
            pass
        # the passes are aggregates: rows may be read in any order (DuckDB then need not
        # keep the file order between threads); row numbers (designs whose rows are the
        # PSUs, R's order of first appearance) turn it back on for their queries
        self.ordered = False
        self.con.execute("SET preserve_insertion_order = false")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.label = str(source)
        if isinstance(source, duckdb.DuckDBPyRelation):
            self.relation = source
            self.label = "relation"
        else:
            text = str(source)
            low = text.lower()
            if (
                low.endswith((".parquet", ".pq"))
                or ("*" in text and ".parquet" in low)
                or (Path(text).is_dir())
            ):
                target = text if not Path(text).is_dir() else str(Path(text) / "**" / "*.parquet")
                self.relation = self.con.read_parquet(target)
                self._parquet = target
            elif low.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
                self.relation = self.con.read_csv(text, **(csv_options or {}))
            else:
                self.relation = self.con.table(text)
        self._cache = {}
        self.columns = {
            str(c): _kind(str(t))
            for c, t in zip(self.relation.columns, self.relation.types, strict=True)
        }

    def describe(self) -> str:
        return f"duckdb:{self.label}"

    _INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                "USMALLINT", "UINTEGER", "UBIGINT")  # fmt: skip

    def integer_facts(self, cols) -> dict | None:
        """For integer columns of a Parquet source: ``{col: (complete, binary, min, max)}`` from the
        file's row-group statistics (null counts, min, max), with no scan; None when a
        column is not an integer column or a row group lacks statistics (integers have no
        NaN or infinity, so the statistics say all the inspection query would)."""
        target = getattr(self, "_parquet", None)
        if target is None:
            return None
        types = dict(zip(self.relation.columns, map(str, self.relation.types), strict=True))
        if any(types.get(c, "").upper() not in self._INTEGER for c in cols):
            return None
        try:
            meta = self.con.execute(
                "SELECT path_in_schema AS col, stats_null_count AS nulls, "
                "stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata(?)",
                [target],
            ).df()
        except Exception:  # noqa: BLE001 - no statistics: the query decides
            return None
        out = {}
        for c in cols:
            m = meta[meta["col"] == c]
            if m.empty or m[["nulls", "lo", "hi"]].isna().any().any():
                return None
            lo = min(float(v) for v in m["lo"])
            hi = max(float(v) for v in m["hi"])
            out[c] = (int(m["nulls"].sum()) == 0, lo >= 0 and hi <= 1, int(lo), int(hi))
        return out

    #: Sums per query: very wide grouped aggregates (the 20,100 cross products of 200
    #: replicate weights by domain) crashed DuckDB 2.0 (SIGFPE), so wide passes run in chunks
    #: of this many sums, joined on the group keys.
    max_sums = 2000
    _cache = None

    def aggregate(self, agg: Aggregation) -> pd.DataFrame:
        with self._timed("DuckDB: aggregating"):
            return _chunked(agg, self.max_sums, self._one, self._cache)

    def _one(self, agg: Aggregation) -> pd.DataFrame:
        if not self.ordered:
            return self.relation.query("src", agg.sql("src", self.dialect)).df()
        self.con.execute("SET preserve_insertion_order = true")
        try:
            return self.relation.query("src", agg.sql("src", self.dialect)).df()
        finally:
            self.con.execute("SET preserve_insertion_order = false")


class SparkExecutor(Executor):
    """A ``pyspark.sql.DataFrame`` (or a Parquet path read by ``spark``): the same SQL on a
    temporary view; only the grouped sums come back to the driver."""

    engine = "spark"
    dialect = SPARK
    _views = 0

    def __init__(self, source, spark=None):
        from pyspark.sql import DataFrame, SparkSession

        if isinstance(source, DataFrame):
            frame = source
            self.spark = source.sparkSession
            self.label = "DataFrame"
        else:
            self.spark = spark if spark is not None else SparkSession.builder.getOrCreate()
            text = str(source)
            frame = (
                self.spark.read.option("header", True).option("inferSchema", True).csv(text)
                if text.lower().endswith((".csv", ".csv.gz"))
                else self.spark.read.parquet(text)
            )
            self.label = text
        SparkExecutor._views += 1
        self.view = f"survey_src_{id(self)}_{SparkExecutor._views}"
        frame.createOrReplaceTempView(self.view)
        self.frame = frame
        self._cache = {}
        self.columns = {str(c): _kind(t) for c, t in frame.dtypes}

    def describe(self) -> str:
        return f"spark:{self.label}"

    max_sums = 2000
    _cache = None

    def aggregate(self, agg: Aggregation) -> pd.DataFrame:
        with self._timed("Spark: aggregating"):
            return _chunked(agg, self.max_sums, self._one, self._cache)

    def _one(self, agg: Aggregation) -> pd.DataFrame:
        return self.spark.sql(agg.sql(self.dialect.ident(self.view), self.dialect)).toPandas()


def _chunked(agg: Aggregation, size: int, run, cache=None) -> pd.DataFrame:
    """``run(agg)`` on the distinct sums (:meth:`Aggregation.distinct`), in several queries
    of at most ``size`` sums when wider, joined on the group keys (NULL keys match, as one
    group); the duplicate names are filled from the sums computed.

    ``cache`` (a dict kept by the executor) holds the last few results by what they compute
    (keys, the set of distinct sums, filters): a pass asking again for sums already fetched
    (``prop`` of 0/1 items after their ``mean``: the same totals) reads them from it. A
    design is a snapshot of its source (its structure query ran once), so are its passes."""
    agg, alias = agg.distinct()
    key = None
    if cache is not None:
        key = (
            tuple(agg.keys), frozenset(agg.sums.values()), agg.count,
            tuple(sorted((n, f, e) for n, (f, e) in agg.extremes.items())), agg.where,
            tuple(tuple(sorted(st.items())) for st in agg.stages),
        )  # fmt: skip
        hit = cache.get(key)
        if hit is not None:
            names, frame = hit
            out = frame[list(agg.keys) + ([agg.count] if agg.count else [])].copy()
            for name, ex in agg.sums.items():
                out[name] = frame[names[ex]]
            for name in agg.extremes:
                out[name] = frame[name]
            cache[key] = cache.pop(key)  # most recent last
            return _aliased(out, alias)
    out = _chunks(agg, size, run)
    if cache is not None:
        cache[key] = ({ex: name for name, ex in agg.sums.items()}, out)
        while len(cache) > 4:
            cache.pop(next(iter(cache)))
        out = out.copy()
    return _aliased(out, alias)


def _aliased(out, alias):
    for name, src in alias.items():
        out[name] = out[src].astype(float)
    return out


def _chunks(agg: Aggregation, size: int, run) -> pd.DataFrame:
    names = list(agg.sums)
    if len(names) <= size:
        return run(agg)
    out = None
    for start in range(0, len(names), size):
        part = Aggregation(
            agg.keys,
            {n: agg.sums[n] for n in names[start : start + size]},
            count=agg.count if start == 0 else None,
            extremes=agg.extremes if start == 0 else {},
            where=agg.where,
            derived=agg.derived,
        )
        got = run(part)
        out = (
            got
            if out is None
            else (pd.concat([out, got], axis=1) if not agg.keys else out.merge(got, on=agg.keys))
        )
    return out


def executor_for(source, engine: str | None = None, **options) -> Executor:
    """An executor for ``source``: a pandas frame (memory), a DuckDB relation, a Spark
    DataFrame, or a path (``engine``: ``"duckdb"`` (default) or ``"spark"``)."""
    if isinstance(source, Executor):
        return source
    if isinstance(source, pd.DataFrame):
        if engine in (None, "memory"):
            return MemoryExecutor(source)
        if engine == "duckdb":
            import duckdb

            con = duckdb.connect()
            return DuckDBExecutor(con.from_df(source), con=con, **options)
    mod = type(source).__module__
    if mod.startswith("pyspark") or engine == "spark":
        return SparkExecutor(source, **options)
    if engine not in (None, "duckdb"):
        raise ValueError(f"engine={engine!r}: use 'memory', 'duckdb' or 'spark'")
    return DuckDBExecutor(source, **options)


class Ticker:
    """A rich status line with elapsed time (and DuckDB's query progress when known) while
    a backend query runs; the CLI installs it as ``Executor.progress``."""

    def __init__(self, console, con=None):
        self.console = console
        self.con = con

    def __call__(self, description: str):
        return _TickerRun(self, description)


class _TickerRun:
    def __init__(self, ticker, description):
        self.ticker, self.description = ticker, description
        self._stop = threading.Event()

    def __enter__(self):
        self.status = self.ticker.console.status(self.description)
        self.status.__enter__()
        self.start = time.perf_counter()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.5):
            pct = ""
            con = self.ticker.con
            if con is not None and hasattr(con, "query_progress"):
                try:
                    p = float(con.query_progress())
                    pct = f" {p:.0f}%" if p >= 0 else ""
                except Exception:  # noqa: BLE001 - progress is cosmetic
                    pct = ""
            elapsed = time.perf_counter() - self.start
            self.status.update(f"{self.description}{pct} ({elapsed:.0f} s)")

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.status.__exit__(*exc)
        return False
