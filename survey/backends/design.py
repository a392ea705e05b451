"""Designs whose rows stay in a data backend (DuckDB, Spark, or a pandas frame).

:class:`TableDesign` is R's ``svydesign`` (Taylor linearisation) and
:class:`TableReplicateDesign` R's ``svrepdesign``/``as.svrepdesign`` for data the engine never
holds: construction runs one query for the design structure (one row per finest sampling
unit: its strata and ids, row counts, FPC, weight checks), and every estimate one
aggregation pass, the engine's ``(finest variance unit x domain)`` weighted totals of the
estimator's base quantities plus the counts the result needs. What follows the pass is the
in-memory engine's own code on those small arrays: the estimators' ``point``/``coef``/``vsrs``,
:func:`survey.engine.linearization.vcov`, :func:`survey.engine.replicate.replicate_estimates`
and :func:`~survey.engine.replicate.vcov`, and :class:`survey.engine.EstimateSet` for the
intervals and the result frame. So the numbers equal the in-memory ones (to rounding in the
order of summation, about 1e-15 relative).

Quantiles (:mod:`survey.backends.quantiles`: each domain's weighted distribution function
from the backend) and post-stratification/raking (:mod:`survey.backends.calibration`: the
weight as per-cell factors, R's calibration variance from aggregates) are pushed down too.
Anything else that would need the rows (other weighting steps, indicators that derive
variables in pandas) raises :class:`~survey.backends.NotPushedDown` naming the feature
instead of loading the data.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.backends import expr as E
from survey.backends.executors import Aggregation, NotPushedDown, executor_for
from survey.backends.quantities import build
from survey.design import (
    LONELY_PSU_POLICIES,
    REPLICATE_TYPES,
    DesignError,
    Stage,
    _as_list,
    _default_scales,
    replicate_rank,
)
from survey.engine import linearization, replicate
from survey.engine.core import DENSE_CELL_LIMIT, Cells, EstimateSet, _labels, domain_sum
from survey.engine.domains import make_domains
from survey.engine.estimators import EstimationError, Proportion

#: Designs without clusters have the rows as variance units; above this many rows their
#: (row x domain) totals are not fetched (declare the PSUs, or use the memory engine).
ROW_UNIT_LIMIT = 2_000_000

_ROW = "__survey_row"


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def _combine(*code_arrays):
    if len(code_arrays) == 1:
        return code_arrays[0]
    frame = pd.DataFrame({i: c for i, c in enumerate(code_arrays)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(np.int64)


def _caller() -> str:
    """The first caller outside the backends package (to name a feature in errors)."""
    for fr in inspect.stack()[2:]:
        mod = fr.frame.f_globals.get("__name__", "")
        if not mod.startswith("survey.backends"):
            return f"{mod}.{fr.function}"
    return "this feature"


def _labelled(frame):
    """The label columns filled as the in-memory verbs fill them (codes shown as text: a
    table design carries no value labels)."""
    from survey.io._labels import label_result

    return label_result(frame, None)


class _TableVerbs:
    """Verbs shared by the table designs: mean, total, prop, ratio (one pass each)."""

    source = None

    @property
    def data(self):
        raise NotPushedDown(
            f"{_caller()} needs the rows in memory, which the {self.source.engine} backend "
            f"does not load ({self.source.describe()}): not pushed down yet; use "
            "engine='memory' (survey.Design on a pandas frame) for it"
        )

    is_table_design = True  # survey.engine.estimate dispatches here
    _calib = None  # a survey.backends.calibration.Calibration (post-stratified, raked)

    def _run(self, statistic, variables, by, na, denominator=None, binary="ones"):
        est = build(self.source, statistic, variables, na, denominator, binary)
        return self._estimate(statistic, est, by)

    def estimate(self, statistic, variables, by=None, na="available", denominator=None,
                 binary="ones", domains=None, estimator=None):  # fmt: skip
        """:func:`survey.engine.estimate` for this design: one pass on the backend, then the
        engine's EstimateSet (so contrasts, transforms and concat work unchanged)."""
        if domains is not None or estimator is not None:
            raise NotPushedDown(
                f"{_caller()} passes in-memory domain codes or base quantities, which the "
                f"{self.source.engine} backend cannot use: not pushed down yet; use "
                "engine='memory'"
            )
        return self._run(statistic, variables, by, na, denominator, binary)

    def mean(self, variables, by=None, *, ci="wald", level=0.95, df="design", na="available",
             quality="default"):  # fmt: skip
        """Weighted means; as :meth:`survey.Design.mean`."""
        es = self._run("mean", variables, by, na)
        return _labelled(es.to_frame(ci=ci, level=level, df=df, quality=quality))

    def total(self, variables, by=None, *, ci="wald", level=0.95, df="design", na="available",
              quality="default"):  # fmt: skip
        """Weighted totals; as :meth:`survey.Design.total`."""
        es = self._run("total", variables, by, na)
        return _labelled(es.to_frame(ci=ci, level=level, df=df, quality=quality))

    def prop(self, variables, by=None, *, ci="logit", level=0.95, df="design", na="available",
             quality="default"):  # fmt: skip
        """Shares of every category; as :meth:`survey.Design.prop` (R ``svyciprop``'s logit
        interval by default, replayed with a second pass)."""
        es = self._run("prop", variables, by, na)
        return _labelled(es.to_frame(ci=ci, level=level, df=df, quality=quality))

    def ratio(self, numerator, denominator, by=None, *, ci="wald", level=0.95, df="design",
              na="available", quality="default"):  # fmt: skip
        """Ratios of weighted totals; as :meth:`survey.Design.ratio`."""
        es = self._run("ratio", numerator, by, na, denominator=denominator)
        return _labelled(es.to_frame(ci=ci, level=level, df=df, quality=quality))

    def quantile(self, variables, by=None, *, q=(0.5,), ci="mean", level=0.95, df="domain",
                 na="available", qrule="math", exact_limit=None, n_bins=None):  # fmt: skip
        """Quantiles with Woodruff intervals; as :meth:`survey.Design.quantile`, the
        weighted distribution function computed by the backend (exact; see
        :mod:`survey.backends.quantiles` for the rules and intervals pushed down)."""
        from survey.backends.quantiles import quantile

        out = quantile(self, variables, q=q, by=by, ci=ci, level=level, df=df, na=na,
                       qrule=qrule, exact_limit=exact_limit, n_bins=n_bins)  # fmt: skip
        return _labelled(out)

    def var(self, *args, **kwargs):
        raise NotPushedDown(
            f"var() on the {self.source.engine} backend: not pushed down yet; use engine='memory'"
        )

    def with_weights(self, *args, **kwargs):
        raise NotPushedDown(
            f"new weights (post-stratification, raking, calibration, trimming) on the "
            f"{self.source.engine} backend: not pushed down yet; use engine='memory'"
        )

    # -- weighting -----------------------------------------------------------------------
    def poststratify(self, variables, population, count=None, partial=False) -> _TableVerbs:
        """Post-stratified design (R's ``postStratify``; as
        :class:`survey.weighting.PostStratify`): the weight becomes ``w * f[cell]`` with
        ``f = N_c / sum_c w`` from one grouped sum; the variance is R's (residuals on the
        post-strata, from aggregates: :mod:`survey.backends.calibration`)."""
        from survey.backends.calibration import poststratify

        return poststratify(self, variables, population, count=count, partial=partial)

    def rake(self, margins, max_iter=10, epsilon=1.0, on_nonconvergence="warn", count=None,
             check_totals=True, abs_tol=None) -> _TableVerbs:  # fmt: skip
        """Raked design (R's ``rake``; as :class:`survey.weighting.Rake`): the sweeps run on
        the crossing table of the raking variables (one grouped sum), the weight becomes
        ``w * prod_m f_m[cell_m]``; R's raking variance from aggregates."""
        from survey.backends.calibration import rake

        return rake(self, margins, max_iter=max_iter, epsilon=epsilon,
                    on_nonconvergence=on_nonconvergence, count=count,
                    check_totals=check_totals, abs_tol=abs_tol)  # fmt: skip

    # -- the pass -----------------------------------------------------------------------
    def _pass_sums(self, est, w):
        """Named sums of the pass: weighted quantities, unweighted counts and presence of
        the count indicators, case counts, rows with non-zero weight, sum of weights."""
        distinct: dict = {}
        t_name = []
        for col in est.columns:
            if col not in distinct:
                distinct[col] = f"__t{len(distinct)}"
            t_name.append(distinct[col])
        sums = {name: E.Product(w, col) for col, name in distinct.items()}
        # every weight non-zero (known from the structure query): the indicator is 1
        nz = E.One() if getattr(self, "_all_nonzero", False) else E.NonZero(w)
        c_name, p_name = {}, {}
        for q in sorted(set(est.count_q)):
            col = est.columns[q]
            key = distinct[col]
            c_name[q], p_name[q] = f"__c{key}", f"__p{key}"
            sums[c_name[q]] = E.Product(nz, col)
            sums[p_name[q]] = col
        binary = est.extra.get("binary") if est.statistic == "mean" else None
        k_name = {}
        if (isinstance(est, Proportion) and est.statistic in ("prop", "mean")) or (
            binary is not None and any(binary)
        ):
            for j, qs in enumerate(est.item_q):
                if binary is not None and not binary[j]:
                    continue
                k_name[j] = f"__k{j}"
                # the item's column is 0/1 here (a category indicator or a 0/1 item), so
                # its positive part is itself
                sums[k_name[j]] = E.Product(nz, est.columns[qs[0]])
        sums["__nnz"] = nz
        sums["__sw"] = w
        return sums, t_name, c_name, p_name, k_name

    def _domains(self, frame, by):
        by = [] if by is None else [by] if isinstance(by, str) else list(by)
        missing = [c for c in by if c not in self.source.columns]
        if missing:
            raise EstimationError(
                f"by column(s) {missing} not in the data ({self.source.describe()})"
            )
        return by, make_domains(frame, by)

    def _cells(self, frame, by, key_cols, unit_of):
        """Domains and cells of the pass result ``frame`` (rows: (unit key, by) groups)."""
        by, dom = self._domains(frame, by)
        unit = unit_of(frame)
        keep = dom.codes >= 0
        D, U = dom.n_domains, self._n_cell_units
        idx = unit[keep] * D + dom.codes[keep]
        if U * D <= DENSE_CELL_LIMIT:
            allc = np.arange(U * D)
            cells = Cells(np.zeros(0, bool), idx, allc // D, allc % D, U, D)
        else:
            uniq, inverse = np.unique(idx, return_inverse=True)
            cells = Cells(np.zeros(0, bool), inverse, uniq // D, uniq % D, U, D)
        return by, dom, keep, cells


def _stages(est) -> list:
    """Columns the estimator's quantities read, computed first in the pass (derived
    indicator items: :mod:`survey.backends.indicators`)."""
    return list(est.extra.get("stages", ()))


def _totals_by_cell(frame, names, cell, n_cells):
    out = np.empty((n_cells, len(names)))
    for i, name in enumerate(names):
        out[:, i] = np.bincount(cell, weights=frame[name].to_numpy(float), minlength=n_cells)
    return out


class TableDesign(_TableVerbs):
    """A stratified multistage design on data kept in a backend (Taylor linearisation).

    Parameters
    ----------
    source : path, glob, DuckDB relation or table name, pyspark DataFrame, or pandas frame
        Where the rows are. Paths and globs (``.parquet``, ``.csv``) are read by DuckDB
        (``engine="duckdb"``, default) or Spark (``engine="spark"``).
    weight, strata, psu, fpc, nest, lonely_psu
        As :class:`survey.Design`. A weight column is required when ``fpc`` is given.
    engine : {"duckdb", "spark", "memory"}, optional
    **options
        Passed to the executor (DuckDB: ``con``, ``threads``, ``memory_limit``; Spark:
        ``spark``).
    """

    def __init__(
        self,
        source,
        weight: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        *,
        engine: str | None = None,
        **options,
    ):
        if lonely_psu not in LONELY_PSU_POLICIES:
            raise DesignError(
                f"lonely_psu={lonely_psu!r} is not one of {', '.join(LONELY_PSU_POLICIES)}"
            )
        self.source = executor_for(source, engine, **options)
        self.meta = None
        self.weight_name = weight
        self.strata_name = strata
        self.psu_names = _as_list(psu)
        self.fpc_names = _as_list(fpc)
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self.calibration = ()
        self._fpc_given = bool(self.fpc_names)
        for col in [weight, strata, *self.psu_names, *self.fpc_names]:
            if col is not None and col not in self.source.columns:
                from survey._names import did_you_mean

                raise DesignError(
                    f"column {col!r} is not in the data ({self.source.describe()})"
                    f"{did_you_mean(col, list(self.source.columns))}"
                )
        if self.fpc_names and len(self.fpc_names) != max(len(self.psu_names), 1):
            raise DesignError(
                f"fpc gives {len(self.fpc_names)} column(s) for "
                f"{max(len(self.psu_names), 1)} stage(s); give one per stage"
            )
        if weight is None and self._fpc_given:
            raise NotPushedDown(
                "weights implied by fpc (no weight column) on a data backend: not pushed "
                "down yet; give the weight column"
            )
        self.w = E.Col(weight) if weight is not None else E.One()
        self._build_structure()

    # -- structure ------------------------------------------------------------------------
    def _row_source(self):
        """The source with a row number column (designs whose rows are the PSUs)."""
        src = self.source
        if src.engine == "memory":
            from survey.backends.executors import MemoryExecutor

            return MemoryExecutor(src.frame.assign(**{_ROW: np.arange(len(src.frame))}))
        if src.engine == "duckdb":
            from survey.backends.executors import DuckDBExecutor

            rel = src.relation.query(
                "src", f'SELECT *, row_number() OVER () - 1 AS "{_ROW}" FROM src'
            )
            out = DuckDBExecutor(rel, con=src.con)
            out.ordered = True  # row_number() OVER () in the file's order
            return out
        from pyspark.sql import functions as F

        from survey.backends.executors import SparkExecutor

        return SparkExecutor(src.frame.withColumn(_ROW, F.monotonically_increasing_id()))

    def _build_structure(self) -> None:
        src = self.source
        bad = {"__bad": E.Invalid(self.weight_name)} if self.weight_name else {}

        def check(n, n_bad):
            if n == 0:
                raise DesignError("the data have no rows")
            if n_bad:
                raise DesignError(
                    f"weight column {self.weight_name!r} has missing, negative or infinite "
                    f"values in {n_bad} rows"
                )

        ids = list(self.psu_names)
        if not ids:  # the row count decides first (with clusters: the structure query's)
            head = src.aggregate(Aggregation([], bad))
            self.n = int(head["__n_rows"].iloc[0])
            check(self.n, int(head["__bad"].iloc[0] or 0) if bad else 0)
            if self.n > ROW_UNIT_LIMIT:
                raise NotPushedDown(
                    f"a design without clusters on a data backend ({self.n} rows, each its own "
                    f"PSU): the variance units are the rows, so their totals would be the "
                    f"data; not pushed down above {ROW_UNIT_LIMIT} rows: declare psu= or use "
                    "engine='memory'"
                )
            self.source = src = self._row_source()
            ids = [_ROW]
        self._id_cols = ids
        keys = ([self.strata_name] if self.strata_name else []) + ids
        ext = {}
        for s, c in enumerate(self.fpc_names):
            ext[f"__fmin{s}"] = ("MIN", E.Col(c))
            ext[f"__fmax{s}"] = ("MAX", E.Col(c))
        ext["__wmax"] = ("MAX", self.w)
        S = src.aggregate(
            Aggregation(keys, {"__nnz": E.NonZero(self.w), "__sw": self.w, **bad}, extremes=ext)
        )
        if self.psu_names:  # one scan: the row count and weight checks from the structure
            self.n = int(S["__n_rows"].sum())
            check(self.n, int(np.nansum(S["__bad"].to_numpy(float))) if bad else 0)
        for col in keys:
            miss = S[col].isna().to_numpy()
            if miss.any():
                role = "strata" if col == self.strata_name else "psu"
                rows = int(S["__n_rows"].to_numpy()[miss].sum())
                raise DesignError(f"{role} column {col!r} has missing values in {rows} rows")
        S = S.sort_values(keys, kind="stable").reset_index(drop=True)
        self._structure = S
        u = len(S)
        strata1 = _codes(S[self.strata_name])[0] if self.strata_name else np.zeros(u, np.int64)
        self._strata_labels = _codes(S[self.strata_name])[1] if self.strata_name else None
        id_codes = [_codes(S[c])[0] for c in ids]
        units = []
        for s in range(len(ids)):
            parts = ([strata1] if self.nest else []) + id_codes[: s + 1]
            units.append(_combine(*parts) if len(parts) > 1 else id_codes[s])
        if self.strata_name is not None and not self.nest:
            per = pd.Series(strata1).groupby(units[0]).nunique()
            if (per > 1).any():
                bad = per.index[per.to_numpy() > 1]
                psu_id = S[ids[0]].to_numpy()[units[0] == bad[0]][0]
                raise DesignError(
                    f"PSUs of {ids[0]!r} appear in several strata of {self.strata_name!r} "
                    f"({bad.size} PSUs; e.g. PSU {psu_id!r}): PSU ids are reused across "
                    "strata; you may want nest=True"
                )
        fpcs = []
        for s, c in enumerate(self.fpc_names):
            lo, hi = S[f"__fmin{s}"].to_numpy(float), S[f"__fmax{s}"].to_numpy(float)
            if np.isnan(lo).any():
                raise DesignError(f"fpc column {c!r} has missing values")
            if (lo != hi).any():
                raise DesignError(
                    f"fpc column {c!r} varies within stratum at stage {s + 1}; it must be "
                    "constant within each stratum"
                )
            fpcs.append(lo)
        if fpcs:
            allv = np.concatenate(fpcs)
            is_pop = bool((allv > 1).any())
            if is_pop and not (allv >= 1).all():
                raise DesignError(
                    "fpc mixes population counts (> 1) and sampling fractions (< 1): "
                    f"columns {self.fpc_names}"
                )
            if not is_pop and (allv <= 0).any():
                raise DesignError(f"fpc sampling fractions must be > 0 in {self.fpc_names}")
        stages = []
        for s, unit in enumerate(units):
            stratum = strata1 if s == 0 else units[s - 1]
            parent = np.zeros(u, np.int64) if s == 0 else units[s - 1]
            n_units = int(unit.max()) + 1
            unit_stratum = np.zeros(n_units, np.int64)
            unit_stratum[unit] = stratum
            unit_parent = np.zeros(n_units, np.int64)
            unit_parent[unit] = parent
            n_strata = int(stratum.max()) + 1
            n_sampled = np.bincount(unit_stratum, minlength=n_strata).astype(float)
            if fpcs:
                v = fpcs[s]
                row_n = n_sampled[stratum]
                row_pop = v if is_pop else row_n / v
                popsize = np.full(n_strata, np.nan)
                popsize[stratum] = row_pop
                if (pd.Series(row_pop).groupby(stratum).nunique().to_numpy() > 1).any():
                    raise DesignError(
                        f"fpc column {self.fpc_names[s]!r} varies within stratum at stage "
                        f"{s + 1}; it must be constant within each stratum"
                    )
                if (row_pop < row_n - 1e-9).any():
                    raise DesignError(
                        f"fpc column {self.fpc_names[s]!r} implies a population smaller than "
                        f"the sample (more than 100% sampled) at stage {s + 1}"
                    )
            else:
                popsize = np.full(n_strata, np.inf)
            # ``unit`` here codes each STRUCTURE row (finest declared unit), not each data row
            stages.append(
                Stage(unit, n_units, unit_stratum, n_strata, n_sampled, popsize, unit_parent)
            )
        self.stages = tuple(stages)
        self.variance_stages = self.stages if fpcs else self.stages[:1]
        k = len(self.variance_stages)
        # PSU ids identify the unit unless they are reused across strata (nest=True)
        self._unit_keys = ([self.strata_name] if self.strata_name and self.nest else []) + ids[:k]
        lookup = S[self._unit_keys].copy()
        lookup["__unit"] = self.variance_stages[-1].unit
        self._unit_lookup = lookup.drop_duplicates(self._unit_keys).reset_index(drop=True)
        self._nnz = S["__nnz"].to_numpy(float)
        self._all_nonzero = bool(self._nnz.sum() == self.n)
        self._wmax = float(np.nanmax(S["__wmax"].to_numpy(float)))

    # -- design facts (as survey.Design) --------------------------------------------------
    @property
    def n_psu(self) -> int:
        return self.stages[0].n_units

    @property
    def n_strata(self) -> int:
        return self.stages[0].n_strata

    @property
    def psu_strata(self) -> np.ndarray:
        return self.stages[0].unit_stratum

    @property
    def degf(self) -> int:
        """PSUs minus strata among rows with non-zero weight (R's ``degf``)."""
        st = self.stages[0]
        psus = np.bincount(st.unit, weights=self._nnz, minlength=st.n_units) > 0
        strata = np.bincount(st.unit_stratum[psus], minlength=st.n_strata) > 0
        return int(psus.sum() - strata.sum())

    def lonely_strata(self):
        out = []
        for s, st in enumerate(self.variance_stages):
            lonely = (st.n_sampled == 1) & (st.fpc_factor >= 1e-7)
            if lonely.any():
                out.append((s, np.flatnonzero(lonely)))
        return out

    def check_lonely(self, presence=None) -> None:
        """As :meth:`survey.Design.check_lonely` (strata named by their values)."""
        if self.lonely_psu != "fail":
            return
        for s, codes in self.lonely_strata():
            if s == 0 and presence is not None:
                codes = codes[np.asarray(presence)[codes].any(axis=1)]
            if codes.size:
                if s == 0 and self.strata_name is not None:
                    labels = self._strata_labels[codes]
                    where = f"strata of {self.strata_name!r}: {', '.join(map(str, labels[:20]))}"
                else:
                    where = f"{codes.size} stratum(s) at stage {s + 1}"
                raise DesignError(
                    f"{codes.size} stratum(s) have only one PSU ({where}); choose "
                    "lonely_psu='certainty', 'adjust', 'remove' or 'average'"
                )

    def __repr__(self) -> str:
        return (
            f"TableDesign({self.source.describe()}, n={self.n}, strata={self.n_strata}, "
            f"psu={self.n_psu}, stages={len(self.psu_names) or 1}, "
            f"fpc={'yes' if self._fpc_given else 'no'}, lonely_psu={self.lonely_psu!r})"
        )

    def summary(self) -> dict:
        return {
            "rows": self.n, "weight": self.weight_name, "strata": self.strata_name,
            "n_strata": self.n_strata, "psu": self.psu_names, "n_psu": self.n_psu,
            "fpc": self.fpc_names, "nest": self.nest, "lonely_psu": self.lonely_psu,
            "engine": self.source.describe(),
            "variance": "Taylor linearisation (with-replacement first stage"
            + (", FPC by stage" if self._fpc_given else "") + f"; {self.source.engine} backend)",
            "df": self.degf,
        }  # fmt: skip

    def as_replicate(self, type="auto", **kwargs):
        """Replicate weights from this design's PSUs (R's ``as.svrepdesign``): the factors
        come from :mod:`survey.weighting.replicates` on the PSU structure; replicate totals
        are then ``factors.T @ PSU totals`` (factors are constant within PSU)."""
        from survey.weighting.replicates import as_replicate

        view = _StructureView(self)
        rd = as_replicate(view, type, **kwargs)
        return TableReplicateDesign._from_factors(self, rd)

    def _calibrated(self, cal) -> TableDesign:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.w = cal.weight_expr()
        new._calib = cal
        new._wmax = np.inf
        new._all_nonzero = self._all_nonzero and all(bool((f > 0).all()) for f in cal.factors)
        return new

    # -- estimation ----------------------------------------------------------------------
    @property
    def _n_cell_units(self):
        return self.variance_stages[-1].n_units

    def _unit_codes(self, frame):
        got = frame[self._unit_keys].merge(self._unit_lookup, how="left", on=self._unit_keys)
        return got["__unit"].to_numpy(np.int64)

    def _estimate(self, statistic, est, by):
        sums, t_name, c_name, p_name, k_name = self._pass_sums(est, self.w)
        byl = [] if by is None else [by] if isinstance(by, str) else list(by)
        frame = self.source.aggregate(
            Aggregation(self._unit_keys + byl, sums, derived=_stages(est))
        )
        by, dom, keep, cells = self._cells(frame, by, self._unit_keys, self._unit_codes)
        f = frame[keep]
        G = cells.n_cells
        rc = cells.row_cell
        names = list(dict.fromkeys(t_name))
        tot = _totals_by_cell(f, names, rc, G)
        Tg = tot[:, [names.index(n) for n in t_name]]
        return _finish(self, statistic, est, dom, cells, Tg, f, rc, c_name, p_name, k_name)


def _finish(design, statistic, est, dom, cells, Tg, f, rc, c_name, p_name, k_name, reps=None):
    """From cell totals to the EstimateSet: the steps of :func:`survey.engine.core.estimate`
    after its bincount pass (counts, deff, df, presence, influence totals)."""
    D, J = dom.n_domains, est.n_items
    G = cells.n_cells
    T = domain_sum(cells, Tg)
    theta = est.point(T)
    cell_dom = cells.cell_dom
    counts = np.zeros((D, len(est.columns)))
    pres = {}
    for q, name in c_name.items():
        counts[:, q] = np.bincount(cell_dom[rc], weights=f[name].to_numpy(float), minlength=D)
        pres[q] = np.bincount(rc, weights=f[p_name[q]].to_numpy(float), minlength=G)
    n_dj = counts[:, est.count_q]
    nw_dj = T[:, est.count_q]
    vsrs = est.vsrs(T, n_dj)
    vsrs_wr = est.vsrs(T, n_dj, replace=True)
    cases = None
    if k_name:
        cases = np.full((D, J), np.nan)
        for j, name in k_name.items():
            cases[:, j] = np.bincount(cell_dom[rc], weights=f[name].to_numpy(float), minlength=D)
    nrow_cell = np.bincount(rc, weights=f["__n_rows"].to_numpy(float), minlength=G)
    nnz_cell = np.bincount(rc, weights=f["__nnz"].to_numpy(float), minlength=G)
    nrow_dom = np.bincount(cell_dom, weights=nrow_cell, minlength=D)
    K = D * J
    is_rep = isinstance(design, TableReplicateDesign)
    if is_rep:
        if design.factors is None and dom.by:  # one wide query: only when asked for
            df_dom = _Lazy(lambda: design._domain_degf(dom, cells, nrow_cell), J)
        else:
            df_dom = design._domain_degf(dom, cells, nrow_cell)
        presence_k = np.ones((1, K), dtype=bool)
    else:
        st = design.stages[0]
        psu_of = linearization.unit_maps(design)[0][cells.cell_unit]  # stage-1 unit of cell
        H = st.n_strata
        df_dom = domain_df(design, cells, nnz_cell)
        strat_cell = st.unit_stratum[psu_of]
        presence_k = np.zeros((H, D, J), dtype=bool)
        for j, q in enumerate(est.count_q):
            got = np.bincount(strat_cell * D + cell_dom, weights=pres[q], minlength=H * D)
            presence_k[:, :, j] = got.reshape(H, D) > 0
        presence_k = presence_k.reshape(H, K)
    result = _TableEstimateSet(
        design=design, by=dom.by, labels=_labels(dom, est), theta=theta.reshape(K),
        statistic=statistic, n=n_dj.reshape(K), n_weighted=nw_dj.reshape(K),
        vsrs=vsrs.reshape(K),
        df_domain=df_dom if isinstance(df_dom, _Lazy) else np.repeat(df_dom, J).astype(float),
        nrow_domain=np.repeat(nrow_dom, J).astype(float), strata_presence=presence_k,
    )  # fmt: skip
    result.extra["vsrs_replace"] = vsrs_wr.reshape(K)
    # the pass itself, for verbs that read more off it (quantiles: the domain df among rows
    # answering the item)
    result.extra["table_pass"] = {"frame": f, "row_cell": rc, "cells": cells, "counts": c_name,
                             "presence": p_name}  # fmt: skip
    if cases is not None:
        result.extra["n_cases"] = cases.reshape(K)
    if is_rep:
        result.reps = design._replicates(cells, Tg, est, reps)
        return result
    coefs = est.coef(T)
    Zg = np.empty((G, J))
    for j, qs in enumerate(est.item_q):
        A = coefs[j][cell_dom]
        Zg[:, j] = np.einsum("gq,gq->g", A, Tg[:, list(qs)])
    Zg[~np.isfinite(Zg)] = 0.0
    rows = np.repeat(cells.cell_unit, J)
    cols = (cell_dom[:, None] * J + np.arange(J)[None, :]).reshape(-1)
    result.Z = sp.csr_matrix((Zg.reshape(-1), (rows, cols)), shape=(cells.n_units, K))
    calib = getattr(design, "_calib", None)
    if calib is not None:  # post-stratified / raked: R's residuals on the cells
        result.Z = calib.residualize(design, result.Z, dom, est, coefs)
    # R's logit interval replayed by a second pass: proportions, and estimators whose items
    # are 0/1 by construction (the derived shares of survey.backends.indicators)
    if (
        statistic == "prop" and isinstance(est, Proportion) and est.statistic == "prop"
    ) or est.extra.get("table_logit"):
        sw_cell = np.bincount(rc, weights=f["__sw"].to_numpy(float), minlength=G)
        result.extra["table_logit"] = {
            "estimator": est, "domains": dom, "cells": cells, "cell_totals": Tg,
            "__sw": np.bincount(cell_dom, weights=sw_cell, minlength=D), "nrow": nrow_dom,
        }  # fmt: skip
    return result


def domain_df(design, cells, nnz_cell) -> np.ndarray:
    """R's ``degf`` of each domain's subset: stage-1 PSUs minus strata among the cells with
    rows of non-zero weight (``nnz_cell > 0``)."""
    D = cells.n_domains
    st = design.stages[0]
    psu_of = linearization.unit_maps(design)[0][cells.cell_unit]
    on = nnz_cell > 0
    pd_codes = np.unique(psu_of[on] * D + cells.cell_dom[on])
    psu, d = pd_codes // D, pd_codes % D
    n_psu = np.bincount(d, minlength=D)
    sd = np.unique(st.unit_stratum[psu] * D + d)
    n_strat = np.bincount(sd % D, minlength=D)
    return (n_psu - n_strat).astype(float)


class _Lazy:
    """A per-domain array computed on first use (repeated ``J`` times per domain)."""

    def __init__(self, func, J):
        self.func, self.J = func, J

    def __call__(self):
        return np.repeat(self.func(), self.J).astype(float)


class _TableEstimateSet(EstimateSet):
    """An :class:`EstimateSet` whose logit interval (R's ``svyciprop``) is replayed with a
    second pass on the backend (the in-memory replay reads the rows), and whose domain df
    may be computed on first use: for supplied replicate weights it is the rank of each
    domain's replicate weights, one query of R (R + 1) / 2 cross products, so it runs only
    for ``df="domain"`` (or a contrast's df); with ``df="design"`` the few-strata warning,
    which needs it, is not given for those designs."""

    @property
    def df_domain(self):
        val = self.__dict__.get("_df_domain")
        if isinstance(val, _Lazy):
            val = val()
            self.__dict__["_df_domain"] = val
        return val

    @df_domain.setter
    def df_domain(self, value):
        self.__dict__["_df_domain"] = value

    def to_frame(self, ci="wald", level=0.95, df="design", quality="default"):
        if df != "domain" and isinstance(self.__dict__.get("_df_domain"), _Lazy):
            lazy = self.__dict__["_df_domain"]
            self.__dict__["_df_domain"] = None  # no few-strata check without the domain df
            try:
                return super().to_frame(ci=ci, level=level, df=df, quality=quality)
            finally:
                self.__dict__["_df_domain"] = lazy
        return super().to_frame(ci=ci, level=level, df=df, quality=quality)

    def _intervals(self, ci, se, dfs, level, rows=None):
        low, high = super()._intervals(ci, se, dfs, level, rows)
        if ci == "logit" and getattr(self.design, "_calib", None) is not None:
            raise NotPushedDown(
                "the logit interval (R's svyciprop) of a post-stratified or raked design on a "
                "data backend: not pushed down yet; use ci='wald' (or engine='memory')"
            )
        if ci != "logit" or "table_logit" not in self.extra or self.Z is None:
            return low, high
        from survey.backends.logit import logit_intervals
        from survey.engine import ci as ci_mod

        with np.errstate(all="ignore"):
            exact = logit_intervals(self, ci_mod.critical(level, dfs))
        edge = ci_mod.at_boundary(self.theta)
        use = ~edge if rows is None else (~edge & rows)
        return np.where(use, exact[0], low), np.where(use, exact[1], high)


class _StructureView:
    """The PSU structure of a :class:`TableDesign` shaped as the replicate builders of
    :mod:`survey.weighting.replicates` read a :class:`survey.Design`: one "row" per PSU, in
    order of the PSU's first row in the data (R's order of first appearance)."""

    def __init__(self, td: TableDesign):
        st = td.stages[0]
        keys = ([td.strata_name] if td.strata_name else []) + td._id_cols[:1]
        rsrc = td._row_source() if _ROW not in td.source.columns else td.source
        first = rsrc.aggregate(
            Aggregation(keys, {}, count=None, extremes={"__first": ("MIN", E.Col(_ROW))})
        )
        S = td._structure
        psu_of_row = st.unit  # structure row -> stage-1 unit
        lookup = S[keys].copy()
        lookup["__psu"] = psu_of_row
        lookup = lookup.drop_duplicates(keys)
        got = first.merge(lookup, how="left", on=keys)
        order = np.argsort(got["__first"].to_numpy(float), kind="stable")
        self.psu = got["__psu"].to_numpy(np.int64)[order]
        self.n = self.psu.size
        self.n_psu = st.n_units
        self.n_strata = st.n_strata
        self.psu_strata = st.unit_stratum
        self.strata = st.unit_stratum[self.psu]
        self.stages = td.stages
        self.lonely_psu = td.lonely_psu
        self.strata_name = td.strata_name
        self.calibration = ()
        self.meta = None
        self.weight_name = td.weight_name
        labels = td._strata_labels
        self.data = pd.DataFrame(
            {td.strata_name: labels[self.strata]} if labels is not None else {}, index=range(self.n)
        )
        self.weights = np.ones(self.n)


class TableReplicateDesign(_TableVerbs):
    """Replicate-weight variance on data kept in a backend (R's ``svrepdesign``).

    Either replicate weight columns of the table (``repweights``: names or a regular
    expression; the pass sums every quantity under every replicate weight by domain), or
    factors built from a :class:`TableDesign`'s PSUs (:meth:`TableDesign.as_replicate`: PSU
    totals suffice, the factors are constant within PSU). Parameters as
    :class:`survey.ReplicateDesign`."""

    def __init__(self, source, weight: str, repweights, type: str = "other", scale=None,
                 rscales=None, combined_weights: bool = True, mse: bool = False, rho=None,
                 *, engine: str | None = None, **options):  # fmt: skip
        if type not in REPLICATE_TYPES:
            raise DesignError(f"type={type!r} is not one of {', '.join(REPLICATE_TYPES)}")
        self.source = executor_for(source, engine, **options)
        self.meta = None
        self.type, self.weight_name, self.mse, self.rho = type, weight, bool(mse), rho
        self.calibration = ()
        if weight not in self.source.columns:
            raise DesignError(f"column {weight!r} is not in the data ({self.source.describe()})")
        if isinstance(repweights, str):
            import re

            cols = [c for c in self.source.columns if re.match(repweights, c)]
            if not cols:
                raise DesignError(f"no column matches repweights pattern {repweights!r}")
        else:
            cols = list(repweights)
            missing = [c for c in cols if c not in self.source.columns]
            if missing:
                raise DesignError(f"replicate weight columns not in the data: {missing}")
        self.repweight_names = cols
        self.w = E.Col(weight)
        self._combined = bool(combined_weights)
        self.rw = [E.Col(c) if combined_weights else E.Product(E.Col(c), self.w) for c in cols]
        sums = {"__bad": E.Invalid(weight), "__pos": E.Positive(self.w)}
        for i, c in enumerate(cols):
            sums[f"__bad{i}"] = E.Infinite(c)
            sums[f"__nul{i}"] = E.Valid((c,), (True,))
        head = self.source.aggregate(Aggregation([], sums)).iloc[0]
        self.n = int(head["__n_rows"])
        if int(head["__bad"] or 0):
            raise DesignError(
                f"weight column {weight!r} has missing, negative or infinite values in "
                f"{int(head['bad'])} rows"
            )
        if not int(head["__pos"] or 0):
            raise DesignError(f"weight column {weight!r} is zero in every row")
        for i in range(len(cols)):
            if int(head[f"__bad{i}"] or 0) or int(head[f"__nul{i}"] or 0) < self.n:
                raise DesignError("replicate weights have missing or infinite values")
        self.n_replicates = len(cols)
        self.scale, self.rscales = _default_scales(type, len(cols), scale, rscales, rho)
        self.factors = None
        self._degf = None
        self._cross_cache = {}

    @classmethod
    def _from_factors(cls, td: TableDesign, rd) -> TableReplicateDesign:
        new = object.__new__(cls)
        new.source, new.meta, new.type = td.source, None, rd.type
        new.weight_name, new.mse, new.rho = td.weight_name, rd.mse, rd.rho
        new.calibration = ()
        new.n = td.n
        new.w = td.w
        new.factors = rd.factors
        new.n_replicates = rd.n_replicates
        new.repweight_names = rd.repweight_names
        new.scale, new.rscales = rd.scale, rd.rscales
        new.source_design = td
        new._all_nonzero = td._all_nonzero
        new._degf = None
        return new

    @property
    def degf(self) -> int:
        """Rank of the replicate weights minus one (R's ``degf``), computed once."""
        if self._degf is None:
            if self.factors is not None:
                self._degf = replicate_rank(self.factors) - 1
            else:
                self._degf = _rank_from_cross(self._cross([])[1][0]) - 1
        return self._degf

    def _cross(self, by):
        """Per domain of ``by``: the R x R cross products of the replicate weights."""
        key = tuple(by)
        if key not in self._cross_cache:
            R = self.n_replicates
            sums, derived = {}, {}
            if self._combined:
                cols = [E.Col(c) for c in self.repweight_names]
            else:  # w f_r w f_s = w^2 f_r f_s: the square computed once per row
                derived = {"__survey_w2": E.Product(self.w, self.w)}
                cols = [E.Col(c) for c in self.repweight_names]
            for r in range(R):
                for s in range(r, R):
                    term = E.Product(cols[r], cols[s])
                    sums[f"__x{r}_{s}"] = (
                        term if self._combined else E.Product(E.Col("__survey_w2"), term)
                    )
            frame = self.source.aggregate(Aggregation(list(by), sums, derived=derived))
            mats = np.zeros((len(frame), R, R))
            for r in range(R):
                for s in range(r, R):
                    v = frame[f"__x{r}_{s}"].to_numpy(float)
                    mats[:, r, s] = v
                    mats[:, s, r] = v
            self._cross_cache[key] = (frame[list(by)], mats)
        return self._cross_cache[key]

    def _domain_degf(self, dom, cells, nrow_cell):
        D = dom.n_domains
        if self.factors is not None:
            out = np.empty(D)
            for d in range(D):
                units = np.unique(cells.cell_unit[(cells.cell_dom == d) & (nrow_cell > 0)])
                out[d] = replicate_rank(self.factors[units]) - 1
            return out
        if not dom.by:
            return np.array([float(self.degf)])
        keys, mats = self._cross(dom.by)
        codes = make_domains(keys.reset_index(drop=True), list(dom.by))
        # the cross-product query groups the same rows: map its groups to the domains
        lev = dom.levels.reset_index(drop=True)
        out = np.full(D, -1.0)
        kdom = (
            keys.reset_index(drop=True)
            .merge(lev.assign(__d=np.arange(D)), how="left", on=list(dom.by))["__d"]
            .to_numpy()
        )
        del codes
        for i, d in enumerate(kdom):
            if pd.notna(d):
                out[int(d)] = _rank_from_cross(mats[i]) - 1
        return out

    @property
    def _n_cell_units(self):
        return self.factors.shape[0] if self.factors is not None else 1

    def _estimate(self, statistic, est, by):
        sums, t_name, c_name, p_name, k_name = self._pass_sums(est, self.w)
        byl = [] if by is None else [by] if isinstance(by, str) else list(by)
        names = list(dict.fromkeys(t_name))
        if self.factors is not None:
            td = self.source_design
            keys = ([td.strata_name] if td.strata_name and td.nest else []) + td._id_cols[:1]
            S = td._structure
            lookup = S[keys].copy()
            lookup["__psu"] = td.stages[0].unit
            lookup = lookup.drop_duplicates(keys)

            def unit_of(frame):
                got = frame[keys].merge(lookup, how="left", on=keys)
                return got["__psu"].to_numpy(np.int64)

            frame = self.source.aggregate(Aggregation(keys + byl, sums, derived=_stages(est)))
            by, dom, keep, cells = self._cells(frame, by, keys, unit_of)
            f = frame[keep]
            rc = cells.row_cell
            tot = _totals_by_cell(f, names, rc, cells.n_cells)
            Tg = tot[:, [names.index(n) for n in t_name]]
            return _finish(self, statistic, est, dom, cells, Tg, f, rc, c_name, p_name, k_name)
        # replicate weight columns: domain totals under every replicate weight
        cols_by_name = {}
        for col, name in zip(est.columns, t_name, strict=True):
            cols_by_name.setdefault(name, col)
        for r, rw in enumerate(self.rw):
            for name, col in cols_by_name.items():
                sums[f"__r{r}_{name}"] = E.Product(rw, col)
        frame = self.source.aggregate(Aggregation(byl, sums, derived=_stages(est)))
        by, dom, keep, cells = self._cells(frame, by, [], lambda fr: np.zeros(len(fr), np.int64))
        f = frame[keep]
        rc = cells.row_cell
        tot = _totals_by_cell(f, names, rc, cells.n_cells)
        Tg = tot[:, [names.index(n) for n in t_name]]
        R, D, Q = self.n_replicates, dom.n_domains, len(est.columns)
        Tr = np.zeros((R, D, Q))
        for r in range(R):
            rt = _totals_by_cell(f, [f"__r{r}_{n}" for n in names], rc, cells.n_cells)
            Tr[r] = domain_sum(cells, rt[:, [names.index(n) for n in t_name]])
        return _finish(self, statistic, est, dom, cells, Tg, f, rc, c_name, p_name, k_name, Tr)

    def _replicates(self, cells, Tg, est, Tr):
        if self.factors is not None:
            return replicate.replicate_estimates(self, cells, Tg, est, None)
        theta_r = est.point(Tr)
        return theta_r.reshape(theta_r.shape[0], -1)

    def __repr__(self) -> str:
        return (
            f"TableReplicateDesign({self.source.describe()}, n={self.n}, type={self.type!r}, "
            f"replicates={self.n_replicates})"
        )

    def summary(self) -> dict:
        return {
            "rows": self.n, "weight": self.weight_name, "replicates": self.n_replicates,
            "type": self.type, "scale": self.scale, "mse": self.mse,
            "engine": self.source.describe(),
            "variance": f"replicate weights ({self.type}, {self.n_replicates} replicates; "
            f"{self.source.engine} backend)",
            "df": self.degf,
        }  # fmt: skip


def _rank_from_cross(xtx: np.ndarray) -> int:
    """:func:`survey.design.replicate_rank` from the cross product ``X'X``."""
    eig = np.linalg.eigvalsh(xtx)
    sing = np.sqrt(np.clip(eig, 0.0, None))
    return int((sing > 1e-5 * sing.max()).sum()) if sing.max() > 0 else 0
