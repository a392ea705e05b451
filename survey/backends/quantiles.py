"""Quantiles with Woodruff intervals on a data backend (R's ``svyquantile``).

The in-memory engine (:mod:`survey.engine.quantiles`) reads each domain's weighted
distribution function off its sorted rows; here the backend computes that function where the
data are, and everything after it is the engine's own code on small arrays:

1. the distribution function per domain: ``GROUP BY by, x`` with the weight sum and the row
   count over the answering rows of positive weight (what the engine's rules read: the
   sorted values and their cumulative weights, ties summed);
2. the quantile from R's rule (:data:`survey.engine.quantiles.QRULES`, the same functions);
3. the share at or below it: one aggregation pass of the engine's ``mean`` of ``1(x <= q_d)``
   (the per-domain quantile enters the query as a constant per domain), so its variance is
   the ordinary linearised variance (:func:`survey.engine.linearization.vcov`);
4. the interval of that share (:func:`survey.engine.ci.interval`) mapped back through the rule.

Exact and binned distribution functions. With at most :data:`EXACT_LIMIT` distinct values
(DuckDB/Spark ``approx_count_distinct``) the function is fetched whole and the result equals
the in-memory one (to rounding of the weight sums, about 1e-15). With more, the pass first
fetches a histogram (equal-width bins over the variable's range: weight sum, minimum and
maximum per domain and bin), then only the exact values of the bins that hold the quantile
(and, after step 3, the interval limits): the bin where the cumulative weight crosses
``p * total``, with the largest value before it and the smallest after it as boundary
entries. So the result is still exact (no binning error), at the price of two more passes
and a fetch as large as those bins.

Rules: ``math``, ``school`` and ``hf3`` depend on the data only through the distinct values
and their weight sums, so they are exact from step 1 whatever the ties; the interpolating
rules (``hf4``-``hf9``, ``shahvaish``) read each row's own weight, which the summed function
keeps only where no value is tied within a domain (they raise
:class:`~survey.backends.NotPushedDown` otherwise). The binned path supports ``math`` and
``school``. Not pushed down: ``ci="score"`` (a root search of many passes), ``ci="quantile"``
and replicate designs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey._schema import finalize
from survey.backends import expr as E
from survey.backends.executors import Aggregation, NotPushedDown
from survey.engine import ci as ci_mod
from survey.engine.core import apply_quality
from survey.engine.domains import make_domains
from survey.engine.estimators import MeanTotal
from survey.engine.quantiles import QRULES, quantile_frame

#: Above this many distinct values of a variable the distribution function is binned
#: first, then fetched exactly only in the bins that hold the quantiles and limits.
EXACT_LIMIT = 200_000

#: Rules that read only the distinct values and their summed weights.
TIE_RULES = ("math", "school", "hf1", "hf2", "hf3")
#: Rules the binned path computes exactly (boundary entries carry the cumulative weight).
BINNED_RULES = ("math", "school", "hf1", "hf2")


def _domain_index(frame, by, levels) -> np.ndarray:
    """The domain (row of ``levels``) of each row of ``frame`` (-1: none)."""
    if not by:
        return np.zeros(len(frame), np.int64)
    table = levels.reset_index(drop=True).assign(__d=np.arange(len(levels)))
    got = frame[list(by)].reset_index(drop=True).merge(table, how="left", on=list(by))
    return got["__d"].fillna(-1).to_numpy(np.int64)


def _segments(d, x, wsum, D, counts):
    """Per domain: values sorted, cumulative weights (long double, as R's cumsum), weights,
    row counts."""
    keep = d >= 0
    d, x, wsum, counts = d[keep], x[keep], wsum[keep], counts[keep]
    order = np.lexsort((x, d))
    d, x, wsum, counts = d[order], x[order], wsum[order], counts[order]
    bounds = np.searchsorted(d, np.arange(D + 1))
    out = []
    for k in range(D):
        sl = slice(bounds[k], bounds[k + 1])
        cw = np.cumsum(wsum[sl], dtype=np.longdouble).astype(float)
        out.append((x[sl], cw, wsum[sl], counts[sl]))
    return out


def _rule_value(rule, xs, cw, ws, counts, p):
    """``rule`` on a summed distribution function. R's ``qs`` takes the second *row* when
    the first row's weight alone exceeds ``p * total`` (no cumulative weight <= it): on
    summed ties that row is still the first value when the first value has several rows,
    which the summed function cannot see, so it is restored here (``math``/``school``)."""
    if (
        getattr(rule, "__name__", "") in ("qrule_math", "qrule_school")
        and xs.size >= 2
        and np.isfinite(p)
        and cw[0] > p * cw[-1]
        and counts[0] >= 2
    ):
        return float(xs[0])
    return rule(xs, cw, p, ws)


class _ExactCdf:
    """The whole weighted distribution function of each domain (step 1)."""

    def __init__(self, source, var, by, levels, w, where, rule_name):
        agg = Aggregation(list(by) + [var], {"__w": w}, count="__c", where=where)
        frame = source.aggregate(agg)
        D = len(levels)
        d = _domain_index(frame, by, levels)
        x = frame[var].to_numpy(float)
        if rule_name not in TIE_RULES and (frame["__c"].to_numpy()[d >= 0] > 1).any():
            raise NotPushedDown(
                f"quantile(qrule={rule_name!r}) on a data backend: the rule reads each row's "
                f"weight and {var!r} has tied values within a domain; not pushed down (use "
                "qrule='math', 'school' or 'hf3', or engine='memory')"
            )
        c = frame["__c"].to_numpy(float)
        self.segments = _segments(d, x, frame["__w"].to_numpy(float), D, c)

    def prepare(self, ps):
        pass

    def value(self, rule, d, p):
        xs, cw, ws, counts = self.segments[d]
        return _rule_value(rule, xs, cw, ws, counts, p)


class _BinnedCdf:
    """A histogram per domain, refined to exact values in the bins that are asked for."""

    def __init__(self, source, var, by, levels, w, where, lo, hi, n_bins):
        self.source, self.var, self.by, self.levels = source, var, list(by), levels
        self.w, self.where = w, where
        width = (hi - lo) / n_bins
        self.bin = E.Bin(var, float(lo), float(width), int(n_bins))
        self.derived = {"__survey_bin": self.bin}
        agg = Aggregation(
            self.by + ["__survey_bin"], {"__w": w}, count="__c", where=where,
            extremes={"__lo": ("MIN", E.Col(var)), "__hi": ("MAX", E.Col(var))},
            derived=self.derived,
        )  # fmt: skip
        frame = source.aggregate(agg)
        D = len(levels)
        d = _domain_index(frame, self.by, levels)
        keep = d >= 0
        frame, d = frame[keep], d[keep]
        b = frame["__survey_bin"].to_numpy(float)
        order = np.lexsort((b, d))
        self.d, self.b = d[order], b[order].astype(np.int64)
        self.wsum = frame["__w"].to_numpy(float)[order]
        self.bmin = frame["__lo"].to_numpy(float)[order]
        self.bmax = frame["__hi"].to_numpy(float)[order]
        self.bounds = np.searchsorted(self.d, np.arange(D + 1))
        self.cum = [
            np.cumsum(self.wsum[self.bounds[k] : self.bounds[k + 1]], dtype=np.longdouble).astype(
                float
            )
            for k in range(D)
        ]
        self.fine = {}  # (domain, position of the bin among the domain's bins) -> (x, w)

    def _position(self, d, p):
        cum = self.cum[d]
        if not cum.size or not np.isfinite(p):
            return None
        return int(min(np.searchsorted(cum, p * cum[-1], side="left"), cum.size - 1))

    def prepare(self, ps):
        """Fetch the exact values of the bins holding ``ps[d]`` (probabilities per domain)."""
        need = {}
        for d, plist in enumerate(ps):
            for p in plist:
                pos = self._position(d, p)
                if pos is not None and (d, pos) not in self.fine:
                    need.setdefault(d, set()).add(pos)
        if not need:
            return
        lev = self.levels.reset_index(drop=True)
        sets = []
        for d, positions in need.items():
            bins = tuple(int(self.b[self.bounds[d] + pos]) for pos in sorted(positions))
            sets.append((tuple(lev.iloc[d]) if self.by else (), bins))
        member = E.InBins(tuple(self.by), tuple(sets), "__survey_bin")
        agg = Aggregation(
            self.by + ["__survey_bin", self.var], {"__w": self.w}, count="__c",
            where=E.Product(self.where, member), derived=self.derived,
        )  # fmt: skip
        frame = self.source.aggregate(agg)
        dd = _domain_index(frame, self.by, self.levels)
        fb = frame["__survey_bin"].to_numpy(float).astype(np.int64)
        fx = frame[self.var].to_numpy(float)
        fw = frame["__w"].to_numpy(float)
        fc = frame["__c"].to_numpy(float)
        for d, positions in need.items():
            for pos in positions:
                sel = (dd == d) & (fb == self.b[self.bounds[d] + pos])
                order = np.argsort(fx[sel], kind="stable")
                self.fine[(d, pos)] = (fx[sel][order], fw[sel][order], fc[sel][order])

    def value(self, rule, d, p):
        pos = self._position(d, p)
        if pos is None:
            return np.nan
        cum = self.cum[d]
        base = self.bounds[d]
        xs, ws, counts = self.fine[(d, pos)]
        before = cum[pos - 1] if pos > 0 else 0.0
        cw = before + np.cumsum(ws, dtype=np.longdouble).astype(float)
        # boundary entries: the largest value before the bin (its cumulative weight is the
        # bin's start) and the smallest after it (the domain total closes the function)
        if pos > 0:
            xs = np.concatenate([[self.bmax[base + pos - 1]], xs])
            cw = np.concatenate([[before], cw])
            ws = np.concatenate([[self.wsum[base + pos - 1]], ws])
            counts = np.concatenate([[1.0], counts])  # not the first value: no restoring
        if pos + 1 < cum.size:
            xs = np.concatenate([xs, [self.bmin[base + pos + 1]]])
            cw = np.concatenate([cw, [cum[-1]]])
            ws = np.concatenate([ws, [self.wsum[base + pos + 1]]])
        else:
            cw[-1] = cum[-1]
        return _rule_value(rule, xs, cw, ws, counts, p)


def quantile(design, variables, q=(0.5,), by=None, ci="mean", level=0.95, df="domain",
             na="available", qrule="math", exact_limit=None, n_bins=None):  # fmt: skip
    """:func:`survey.engine.quantiles.quantile` on a :class:`~survey.backends.TableDesign`
    (see the module docstring for what runs where)."""
    from survey.backends.design import TableReplicateDesign, domain_df
    from survey.backends.quantities import _numeric

    if qrule not in QRULES:
        raise ValueError(f"qrule={qrule!r}: use one of {', '.join(QRULES)}")
    rule = QRULES[qrule]
    if isinstance(variables, str):
        variables = [variables]
    variables = list(dict.fromkeys(variables))
    q = [float(p) for p in np.atleast_1d(q)]
    if any(not 0 <= p <= 1 for p in q):
        raise ValueError(f"quantiles must be between 0 and 1, got {q}")
    engine = design.source.engine
    if isinstance(design, TableReplicateDesign):
        raise NotPushedDown(
            f"quantile() of a replicate design on the {engine} backend: not pushed down yet "
            "(each replicate's distribution function); use engine='memory'"
        )
    if ci in ("score", "quantile"):
        raise NotPushedDown(
            f"quantile(ci={ci!r}) on the {engine} backend: not pushed down yet (use "
            "'mean', 'xlogit', 'beta' or 'asin', or engine='memory')"
        )
    if ci not in ("mean", "wald", "xlogit", "beta", "asin"):
        raise ValueError(
            f"ci={ci!r}: Woodruff intervals use 'mean', 'xlogit', 'beta' or 'asin', the score "
            "interval 'score'; replicate designs also 'quantile'"
        )
    if na not in ("available", "listwise"):
        raise ValueError(f"na={na!r}: use 'available' or 'listwise'")
    limit = EXACT_LIMIT if exact_limit is None else int(exact_limit)
    src = design.source
    _numeric(src, variables)
    byl = [] if by is None else [by] if isinstance(by, str) else list(by)
    # the domains, as the estimation pass will code them (every row, any weight)
    levels = make_domains(src.aggregate(Aggregation(byl, {})), byl).levels if byl else None
    w = design.w
    positive = E.One() if design._all_nonzero else E.Positive(w)
    joint = E.Valid(tuple(variables), (True,) * len(variables))
    K = len(q)
    frames = []
    for var in variables:
        m = joint if na == "listwise" else E.Valid((var,), (True,))
        rows = E.Product(m, positive)  # answering rows of positive weight
        info = src.aggregate(
            Aggregation(
                [],
                {},
                count="__n",
                where=rows,
                extremes={
                    "__lo": ("MIN", E.Col(var)),
                    "__hi": ("MAX", E.Col(var)),
                    "__nd": ("APPROX_DISTINCT", E.Col(var)),
                },
            )  # fmt: skip
        ).iloc[0]
        lev = levels if levels is not None else pd.DataFrame(index=range(1))
        D = len(lev)
        n_distinct = float(info["__nd"]) if pd.notna(info["__nd"]) else 0.0
        if n_distinct > limit and float(info["__hi"]) > float(info["__lo"]):
            if qrule not in BINNED_RULES:
                raise NotPushedDown(
                    f"quantile(qrule={qrule!r}) of {var!r} ({n_distinct:.0f} distinct values) "
                    f"on the {engine} backend: above {limit} distinct values only 'math' and "
                    "'school' are pushed down; use one of them or engine='memory'"
                )
            bins = n_bins or int(max(256, min(20_000, 2_000_000 // max(D, 1))))
            cdf = _BinnedCdf(src, var, byl, lev, w, rows, info["__lo"], info["__hi"], bins)
        else:
            cdf = _ExactCdf(src, var, byl, lev, w, rows, qrule)
        cdf.prepare([q] * D)
        qhat = np.array([[cdf.value(rule, d, p) for p in q] for d in range(D)])
        # the share at or below the quantile: the engine's mean of 1(x <= q_d), one pass
        cols, item_q, count_q = [], [], []
        lv = tuple(tuple(r) for r in lev.itertuples(index=False, name=None)) if byl else ()
        for k in range(K):
            bound = E.DomainValue(tuple(byl), lv, tuple(float(v) for v in qhat[:, k]))
            ind = E.AtMost(var, bound, m)
            base = len(cols)
            cols += [ind, m, ind]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
        est = MeanTotal("mean", [var] * K, q, cols, item_q, count_q)
        es = design._estimate("mean", est, byl or None)
        if es.labels.shape[0] != D * K:  # pragma: no cover - same rows, same domains
            raise RuntimeError("the estimation pass found other domains than the domain query")
        p_hat = es.theta
        se_p = np.sqrt(np.maximum(es.variance(), 0.0))
        tp = es.extra["table_pass"]
        f, rc, cells = tp["frame"], tp["row_cell"], tp["cells"]
        G = cells.n_cells
        answered_nz = np.bincount(rc, weights=f[tp["counts"][1]].to_numpy(float), minlength=G)
        answered = np.bincount(rc, weights=f[tp["presence"][1]].to_numpy(float), minlength=G)
        df_dom = domain_df(design, cells, answered_nz)
        nrow_dom = np.bincount(cells.cell_dom, weights=answered, minlength=D)
        dfs = np.repeat(df_dom, K).astype(float) if df == "domain" else es.degrees_of_freedom(df)
        method = "wald" if ci in ("mean", "wald") else ci
        low_p, high_p = ci_mod.interval(
            method, p_hat, se_p, dfs, level, nrow=np.repeat(nrow_dom, K), statistic="prop"
        )
        ok_low = np.isfinite(low_p) & (low_p >= 0)
        ok_high = np.isfinite(high_p) & (high_p <= 1)
        cdf.prepare(
            [
                [low_p[d * K + k] for k in range(K) if ok_low[d * K + k]]
                + [high_p[d * K + k] for k in range(K) if ok_high[d * K + k]]
                for d in range(D)
            ]
        )
        lower = np.full(D * K, np.nan)
        upper = np.full(D * K, np.nan)
        for d in range(D):
            for k in range(K):
                i = d * K + k
                if ok_low[i]:
                    lower[i] = cdf.value(rule, d, low_p[i])
                if ok_high[i]:
                    upper[i] = cdf.value(rule, d, high_p[i])
        tcrit = ci_mod.critical(level, dfs)
        se = (upper - lower) / (2 * tcrit)
        frames.append(quantile_frame(es, qhat, se, lower, upper, dfs))
    out = finalize(pd.concat(frames, ignore_index=True), byl)
    out.attrs.update(
        {"level": level, "ci_method": f"woodruff-{ci}", "df_rule": df, "statistic": "quantile",
         "qrule": qrule}
    )  # fmt: skip
    return apply_quality(out, "default")
