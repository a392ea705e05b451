"""Registry indicators on a data backend: derived items as expressions, one engine pass.

The indicator functions of :mod:`survey.indicators` carry the ``@pushdown`` decorator
(:func:`survey.indicators._common.pushdown`): on a :class:`~survey.backends.TableDesign` or
:class:`~survey.backends.TableReplicateDesign` the call comes here with its bound arguments.
Each function below mirrors its in-memory namesake step by step, with the per-row
derivations of :mod:`survey.backends.derive` in place of the numpy ones, and hands the
derived items to the design's own pass as estimator columns (the engine's ``MeanTotal`` and
``Ratio`` classes): the rows stay where they are, and everything after the pass (variance,
the logit interval replay, result frame, reliability flags, presentation scale) is the
code the in-memory indicators use. The argument parsing helpers (standard items present,
crime groups, trust conventions) are the in-memory module's own.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.backends import derive as X
from survey.backends import expr as E
from survey.backends.executors import Aggregation
from survey.backends.quantities import add_ratio_item
from survey.engine.estimators import MeanTotal, Ratio
from survey.indicators._common import (
    MISSING_CODES,
    OPTION_NAMES,
    IndicatorError,
    IndicatorSet,
    as_list,
    finish,
    named_columns,
    relabel,
    scale_factor,
)


class Columns:
    """What the argument helpers of the in-memory modules read of ``data``: its columns."""

    def __init__(self, source):
        self.columns = pd.Index(list(source.columns))


@dataclass
class ExprDerived:
    """:class:`survey.indicators._common.Derived` with expression columns."""

    items: list[str] = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    variable: list[str] = field(default_factory=list)
    category: list = field(default_factory=list)
    proportion: list[bool] = field(default_factory=list)
    denominators: list = field(default_factory=list)

    def add(self, name, value, variable, category=None, proportion=True, denominator=None):
        key = f"__ind{len(self.columns)}_{name}"
        self.columns[key] = value
        self.items.append(key)
        self.variable.append(variable)
        self.category.append(category)
        self.proportion.append(bool(proportion))
        if denominator is not None:
            dkey = f"__den{len(self.columns)}_{name}"
            self.columns[dkey] = denominator
            self.denominators.append(dkey)
        else:
            self.denominators.append(None)
        return key


# -- design helpers ------------------------------------------------------------------------------
def with_weight(design, weight):
    """:func:`survey.indicators._common.with_weight` for a table design: the same design on
    another weight column of the table (its structure is read again)."""
    from survey.backends.design import TableDesign

    if weight is None or weight == getattr(design, "weight_name", None):
        return design
    if not isinstance(design, TableDesign):
        raise IndicatorError(
            f"weight={weight!r}: replicate designs carry their own replicate weights; build a "
            "ReplicateDesign with that weight instead"
        )
    src = design.source
    X.column(src, weight, "weight column")
    bad = src.aggregate(Aggregation([], {"__bad": E.Invalid(weight)}, count=None))
    nbad = int(bad["__bad"].iloc[0] or 0)
    if nbad:
        raise IndicatorError(
            f"weight column {weight!r} has missing or negative values in {nbad} rows"
        )
    return TableDesign(
        src, weight=weight, strata=design.strata_name, psu=design.psu_names or None,
        fpc=design.fpc_names or None, nest=design.nest, lonely_psu=design.lonely_psu,
    )  # fmt: skip


def household_row_warnings(design, name: str) -> list[str]:
    """:func:`survey.indicators._common.household_row_warnings` counted by the engine."""
    from survey.indicators._common import HOUSEHOLD_ID_COLUMNS

    src = design.source
    lower = {str(c).lower(): c for c in src.columns}
    for key in HOUSEHOLD_ID_COLUMNS:
        if key in lower:
            n_hh, n_ids = X.nunique(src, lower[key])
            if n_ids >= 1.2 * n_hh:
                return [
                    f"household indicator {name!r} is computed on {design.n:,} rows for "
                    f"{n_hh:,} households ('{lower[key]}' repeats): each household counts once "
                    "per row; estimate it on one row per household (e.g. the household "
                    "informant) with the household weight"
                ]
            break
    return []


# -- the one pass ----------------------------------------------------------------------------------
def _estimator(statistic, derived: ExprDerived):
    """The engine's estimator of the derived items, with expression columns (as
    ``MeanTotal.build`` / ``Ratio.build`` make them from arrays)."""
    columns, item_q, count_q = [], [], []
    stages, refs = X.staged(derived.columns)
    if statistic == "ratio":
        if any(d is None for d in derived.denominators):
            raise IndicatorError("ratio indicators need a denominator for every item")
        names = []
        for key, dkey in zip(derived.items, derived.denominators, strict=True):
            yv, xv = refs[key], refs[dkey]
            m = X.Answered((yv, xv))
            add_ratio_item(columns, item_q, count_q, E.Filled(yv, m), E.Filled(xv, m), m)
            names.append(f"{key}/{dkey}")
        est = Ratio("ratio", names, [None] * len(names), columns, item_q, count_q)
        est.extra["stages"] = stages
        return est
    binary = []
    for key, is_prop in zip(derived.items, derived.proportion, strict=True):
        v = refs[key]
        m = X.Answered((v,))
        y = E.Filled(v, m)
        base = len(columns)
        # shares are 0/1 by construction (y^2 = y); means get their square for the deff
        columns += [y, m, y if is_prop else E.Product(y, y)]
        item_q.append((base, base + 1))
        count_q.append(base + 1)
        binary.append(bool(is_prop))
    extra = {"binary": binary, "table_logit": any(binary), "stages": stages}
    return MeanTotal("mean", list(derived.items), [None] * len(binary), columns, item_q,
                     count_q, extra)  # fmt: skip


def _ratio_cases(design, est, derived, by_list, es):
    """Unweighted rows with the characteristic per domain for proportion items estimated as
    ratios (a second, small query; means get them from the pass itself)."""
    J = len(derived.items)
    K = len(es)
    out = np.full(K, np.nan)
    nz = E.NonZero(design.w)
    sums = {
        f"__k{j}": E.Product(nz, E.Positive(est.columns[est.item_q[j][0]]))
        for j in range(J)
        if derived.proportion[j]
    }
    if not sums:
        return out
    got = design.source.aggregate(
        Aggregation(by_list, sums, count=None, derived=est.extra["stages"])
    )
    levels = es.labels.iloc[::J][by_list].reset_index(drop=True)
    if by_list:
        merged = levels.merge(got, how="left", on=by_list)
    else:
        merged = pd.concat([got] * len(levels), ignore_index=True)
    for j in range(J):
        if f"__k{j}" in merged:
            out[j::J] = np.nan_to_num(merged[f"__k{j}"].to_numpy(dtype=float))
    return out


def estimate_derived(design, statistic, derived: ExprDerived, by=None):
    """:func:`survey.indicators._common.estimate_derived` on a table design: the derived
    items are the estimator's expression columns of the design's one pass."""
    by_list = as_list(by)
    for b in by_list:
        if b not in design.source.columns:
            from survey._names import did_you_mean

            raise IndicatorError(
                f"by column {b!r} is not in the data{did_you_mean(b, list(design.source.columns))}"
            )
    est = _estimator(statistic, derived)
    es = design._estimate("ratio" if statistic == "ratio" else "mean", est, by_list or None)
    relabel(es, derived)
    K, J = len(es), len(derived.items)
    D = K // J
    prop = np.tile(np.asarray(derived.proportion, dtype=bool), D)
    if statistic == "ratio":
        n_cases = _ratio_cases(design, est, derived, by_list, es)
    else:
        got = es.extra.get("n_cases")
        n_cases = np.full(K, np.nan) if got is None else np.asarray(got, dtype=float).copy()
        n_cases[~prop] = np.nan
    return es, prop, n_cases


def estimate_and_finish(design, statistic, derived, by, meta, opts, *, scale=None, mult=None):
    """:func:`survey.indicators._common.estimate_and_finish` on a table design."""
    unknown = sorted(set(opts) - set(OPTION_NAMES))
    if unknown:
        raise IndicatorError(
            f"unknown argument(s) {', '.join(map(repr, unknown))}; the presentation options "
            f"are {', '.join(OPTION_NAMES)}"
        )
    scale = opts["scale"] if scale is None else scale
    f = scale_factor(scale)
    es, prop, n_cases = estimate_derived(design, statistic, derived, by)
    J = len(derived.items)
    per_item = np.full(J, f) if mult is None else np.asarray(mult, dtype=float)
    iset = IndicatorSet(
        es, scale, prop, n_cases, dict(meta), np.tile(per_item, len(es) // J), None, as_list(by)
    )
    return finish(iset, opts["as_set"], opts["ci"], opts["level"], opts["df"], opts["quality"])


def _check_negative(src, named: dict) -> None:
    """Count columns with negative values: the first one named raises (as in memory)."""
    got = X.count(src, {c: X.Cmp("<", v, X.Const(0.0)) for c, v in named.items()})
    for c, k in got.items():
        if k:
            raise IndicatorError(f"count column {c!r} has negative values")


def _check_ranges(src, items: dict, lo, hi) -> None:
    """Items with values outside ``lo``-``hi``: the first one named raises (as in memory)."""
    conds = {
        col: X.AnyOf((X.Cmp("<", v, X.Const(lo)), X.Cmp(">", v, X.Const(hi))))
        for col, v in items.items()
    }
    for col, k in X.count(src, conds).items():
        if k:
            raise IndicatorError(
                f"item {col!r} has {k} values outside {lo}-{hi} (after removing "
                "missing codes); recode them or pass missing_codes="
            )


def _rescaled(v, lo, hi, reverse):
    out = X.Arith("*", X.Arith("/", X.Arith("-", v, X.Const(lo)), X.Const(hi - lo)), X.Const(100.0))
    return X.Arith("-", X.Const(100.0), out) if reverse else out


# -- victimisation ---------------------------------------------------------------------------------
def victimisation_prevalence(a):
    from survey.indicators.victimisation import _COMMON, _as_groups, _crime_columns

    opts = {**_COMMON, **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    unit, yes, mc = a["unit"], a["yes"], a["missing_codes"]
    if unit == "household":
        for msg in household_row_warnings(design, "prevalence"):
            warnings.warn(msg, UserWarning, stacklevel=4)
    cols = _crime_columns(Columns(src), a["crimes"], unit)
    names = list(cols)
    derived = ExprDerived()
    for name, col in cols.items():
        derived.add(name, X.in_codes(src, [col], yes, mc), "prevalence", name)
    for g, members in _as_groups(a["groups"], names).items():
        derived.add(g, X.in_codes(src, [cols[m] for m in members], yes, mc), "prevalence", g)
    if a["any_crime"] and len(names) > 1:
        derived.add("any", X.in_codes(src, list(cols.values()), yes, mc), "prevalence", "any")
    meta = {"indicator": "prevalence", "unit": unit, "statistic": "prop"}
    return estimate_and_finish(design, "mean", derived, a["by"], meta, opts)


def _counts(src, cols: dict, cap, missing_codes):
    values = {
        name: X.clean(X.column(src, col, "count column"), missing_codes)
        for name, col in cols.items()
    }
    _check_negative(src, {cols[n]: v for n, v in values.items()})
    if cap is not None:
        c = X.Const(float(cap))
        values = {n: X.Case(X.Cmp(">", v, c), c, v) for n, v in values.items()}
    return values


def victimisation_incidence(a):
    from survey.indicators.victimisation import _COMMON

    opts = {**_COMMON, "scale": "per 100,000", **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    cols = named_columns(a["counts"])
    pop = X.Const(1.0) if a["population"] is None else X.column(src, a["population"], "population")
    values = _counts(src, cols, a["cap"], a["missing_codes"])
    derived = ExprDerived()
    for name, v in values.items():
        derived.add(name, v, "incidence", name, proportion=False, denominator=pop)
    if a["total"] and len(cols) > 1:
        vals = list(values.values())
        allv = vals[0]
        for v in vals[1:]:
            allv = X.add(allv, v)
        derived.add("all", allv, "incidence", "all", proportion=False, denominator=pop)
    meta = {"indicator": "incidence", "unit": a["unit"], "statistic": "ratio", "cap": a["cap"]}
    return estimate_and_finish(design, "ratio", derived, a["by"], meta, opts)


def victimisation_concentration(a):
    from survey.indicators.victimisation import _COMMON

    opts = {**_COMMON, "scale": "ratio", **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    values = _counts(src, named_columns(a["counts"]), a["cap"], a["missing_codes"])
    derived = ExprDerived()
    for name, v in values.items():
        victim = X.Case(X.IsNull(v), X.NA, X.AsFloat(X.Cmp(">", v, X.Const(0.0))))
        derived.add(name, v, "concentration", name, proportion=False, denominator=victim)
    meta = {"indicator": "concentration", "unit": a["unit"], "statistic": "ratio", "cap": a["cap"]}
    return estimate_and_finish(design, "ratio", derived, a["by"], meta, opts)


@dataclass(frozen=True)
class _Present(X.Cond):
    """A column is not missing (any type: pandas' ``notna``)."""

    valid: E.Valid

    def sql(self, d):
        return f"({self.valid.condition(d)})"

    def evaluate(self, frame):
        return self.valid.evaluate(frame) > 0


def _crime_split(src, crime_type, crime_codes, by_crime, labels=None):
    from collections.abc import Mapping

    if crime_type is None:
        return {"all": X.TRUE}
    ct = X.column(src, crime_type, "crime type column")
    masks = {}
    if crime_codes is not None:
        if isinstance(crime_codes, Mapping):
            for name, codes in crime_codes.items():
                masks[str(name)] = X.IsIn(ct, X.codes_of(as_list(codes)))
        else:
            masks["selected"] = X.IsIn(ct, X.codes_of(as_list(crime_codes)))
    else:
        masks["all"] = X.known(ct)
    if by_crime:
        for code in X.distinct_values(src, ct):
            name = (labels or {}).get(code, code)
            name = int(name) if isinstance(name, float) and name.is_integer() else name
            masks[str(name)] = X.Cmp("=", ct, X.Const(code))
    return masks


def _by_crime(a, indicator, derive, ratio=False, **meta):
    from survey.indicators.victimisation import _COMMON

    opts = {**_COMMON, **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    values = derive(src)
    den = X.Case(X.IsNull(values), X.NA, X.Const(1.0)) if ratio else None
    derived = ExprDerived()
    split = _crime_split(src, a["crime_type"], a["crime_codes"], a["by_crime"], a["crime_labels"])
    for name, m in split.items():
        derived.add(
            name, X.where(m, values), indicator, name,
            denominator=None if den is None else X.where(m, den),
        )  # fmt: skip
    meta = {"indicator": indicator, "unit": a["unit"], "statistic": "prop", **meta}
    return estimate_and_finish(design, "ratio" if ratio else "mean", derived, a["by"], meta, opts)


def victimisation_reporting_rate(a):
    mc = a["missing_codes"]

    def derive(src):
        rep = X.yes_no(src, a["reported"], a["yes"], a["no"], mc)
        if a["other"] is None:
            return rep
        oth = X.clean(X.column(src, a["other"], "item"), mc)
        return X.Case(X.IsIn(oth, X.codes_of(as_list(a["other_codes"]))), X.Const(1.0), rep)

    return _by_crime(a, "reporting_rate", derive)


def victimisation_complaint_rate(a):
    mc = a["missing_codes"]

    def derive(src):
        comp = X.yes_no(src, a["complaint"], a["yes"], a["no"], mc)
        if a["reported"] is None:
            return comp
        rep = X.yes_no(src, a["reported"], a["yes"], a["no"], mc)
        return X.Case(
            X.Cmp("=", rep, X.Const(0.0)),
            X.Const(0.0),
            X.Case(X.Cmp("=", rep, X.Const(1.0)), comp, X.NA),
        )

    return _by_crime(a, "complaint_rate", derive)


def victimisation_dark_figure(a):
    unknown = a["unknown"]
    if unknown not in ("dark", "exclude"):
        raise IndicatorError("unknown= 'dark' (INEGI) or 'exclude'")
    mc = a["missing_codes"]

    def derive(src):
        steps = [
            X.yes_no(src, c, a["yes"], a["no"], mc)
            for c in (a["reported"], a["complaint"], a["investigation"])
            if c is not None
        ]
        investigated, dark = X.TRUE, X.AnyOf(())
        for s in steps:
            dark = X.AnyOf((dark, X.All((investigated, X.Cmp("=", s, X.Const(0.0))))))
            investigated = X.All((investigated, X.Cmp("=", s, X.Const(1.0))))
        # dark and investigated exclude each other; neither: unknown status
        rest = X.Const(1.0) if unknown == "dark" else X.NA
        value = X.Case(dark, X.Const(1.0), X.Case(investigated, X.Const(0.0), rest))
        incident = a["incident"]
        if incident is None or incident not in src.columns:
            return value
        present = _Present(E.Valid((incident,), (src.columns[incident] == "numeric",)))
        return X.where(present, value)

    return _by_crime(a, "dark_figure", derive, ratio=True, unknown=unknown)


def victimisation_police_satisfaction(a):
    mc = a["missing_codes"]

    def derive(src):
        v = X.clean(X.column(src, a["item"], "item"), mc)
        sat = X.values_in_codes(v, as_list(a["satisfied"]))
        if a["reported"] is None:
            return sat
        rep = X.yes_no(src, a["reported"], (1,), (0,), mc)
        return X.where(X.Cmp("=", rep, X.Const(1.0)), sat)

    return _by_crime(a, "police_satisfaction", derive)


def victimisation_sdg_16_1_3(a):
    from survey.indicators.victimisation import _COMMON

    opts = {**_COMMON, **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    yes, mc = a["yes"], a["missing_codes"]
    parts = {
        "physical": as_list(a["physical"]),
        "psychological": as_list(a["psychological"]),
        "sexual": as_list(a["sexual"]),
    }
    derived = ExprDerived()
    for name, cols in parts.items():
        if cols:
            derived.add(name, X.in_codes(src, cols, yes, mc), "sdg_16_1_3", name)
    allc = [c for cols in parts.values() for c in cols]
    derived.add("any", X.in_codes(src, allc, yes, mc), "sdg_16_1_3", "any")
    meta = {
        "indicator": "sdg_16_1_3",
        "unit": "person",
        "statistic": "prop",
        "forms": {k: list(v) for k, v in parts.items()},
    }
    return estimate_and_finish(design, "mean", derived, a["by"], meta, opts)


# -- fear ---------------------------------------------------------------------------------------
def fear__shares(a):
    from survey.indicators.fear import _items
    from survey.indicators.victimisation import _COMMON

    design0 = a["design"]
    spec = _items(Columns(design0.source), a["items"], a["default"], a["codes"])
    opts = {**_COMMON, **a["options"]}
    design = with_weight(design0, a["weight"])
    src = design.source
    mc, variable = a["missing_codes"], a["variable"]
    derived = ExprDerived()
    for name, (col, cds) in spec.items():
        derived.add(name, X.in_codes(src, [col], cds, mc), variable, name)
    if a["any_item"] and len(spec) > 1:
        cols = [c for c, _ in spec.values()]
        derived.add("any", X.in_codes(src, cols, a["codes"], mc), variable, "any")
    meta = {"indicator": variable, "unit": "person", "statistic": "prop"}
    return estimate_and_finish(design, "mean", derived, a["by"], meta, opts)


def fear_sdg_16_1_4(a):
    from survey.indicators.victimisation import _COMMON

    never_walks = a["never_walks"]
    if never_walks not in ("exclude", "unsafe"):
        raise IndicatorError("never_walks= 'exclude' or 'unsafe'")
    opts = {**_COMMON, **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    v = X.clean(X.column(src, a["item"], "item"), a["missing_codes"])
    value = X.values_in_codes(v, as_list(a["safe"]))
    if never_walks == "exclude":
        value = X.Case(X.IsIn(v, X.codes_of(as_list(a["never"]))), X.NA, value)
    derived = ExprDerived()
    derived.add("feel_safe", value, "sdg_16_1_4", "feel_safe_walking_after_dark")
    meta = {
        "indicator": "sdg_16_1_4",
        "unit": "person",
        "statistic": "prop",
        "never_walks": never_walks,
    }
    return estimate_and_finish(design, "mean", derived, a["by"], meta, opts)


# -- trust --------------------------------------------------------------------------------------
def trust__battery(a):
    from survey.indicators.trust import _convention, _measures

    conv = _convention(a["convention"], a["scale_range"], a["high"])
    lo, hi = a["scale_range"] or conv["scale"]
    high = tuple(a["high"] or conv["high"])
    reverse = conv["reverse"] if a["reverse"] is None else a["reverse"]
    measures = _measures(a["convention"], a["measure"])
    opts = a["opts"]
    design = with_weight(a["design"], a["weight"])
    src = design.source
    variable, items = a["variable"], a["items"]
    cleaned = {
        col: X.clean(X.column(src, col, "item"), a["missing_codes"]) for col in items.values()
    }
    _check_ranges(src, cleaned, lo, hi)
    derived = ExprDerived()
    mult = []
    f = 100.0 if opts["scale"] == "%" else 1.0
    for name, col in items.items():
        v = cleaned[col]
        if "share" in measures:
            label = f"% {'+'.join(str(h) for h in high)}"
            derived.add(f"{name}_share", X.values_in_codes(v, high), variable, f"{name}: {label}")
            mult.append(f)
        if "mean" in measures:
            r = _rescaled(v, lo, hi, reverse)
            derived.add(f"{name}_mean", r, variable, f"{name}: mean 0-100", proportion=False)
            mult.append(1.0)
    meta = {
        "indicator": variable,
        "unit": "person",
        "statistic": "mixed"
        if len(measures) > 1
        else ("prop" if measures == ("share",) else "mean"),
        "convention": a["convention"],
        "mean_scale": "0-100",
        "scale_range": (lo, hi),
        "high": list(high),
        "items": list(items.values()),
    }
    return estimate_and_finish(design, "mean", derived, a["by"], meta, opts, mult=mult)


def _index_values(src, mapping, scale_range, flipped, missing_codes):
    lo, hi = scale_range
    cleaned = {col: X.clean(X.column(src, col, "item"), missing_codes) for col in mapping.values()}
    _check_ranges(src, cleaned, lo, hi)
    return [_rescaled(cleaned[col], lo, hi, name in flipped) for name, col in mapping.items()]


def trust_index(a):
    from survey.indicators.trust import _index_items
    from survey.indicators.victimisation import _COMMON

    opts = {**_COMMON, **a["options"]}
    design = with_weight(a["design"], a["weight"])
    src = design.source
    convention = a["convention"]
    mapping, scale_range, flipped = _index_items(
        Columns(src), a["items"], convention, a["scale_range"], a["reverse"]
    )
    k = len(mapping)
    if k < 2:
        raise IndicatorError("an index needs at least two items")
    min_items = math.ceil(k / 2) if a["min_items"] is None else int(a["min_items"])
    if not 1 <= min_items <= k:
        raise IndicatorError(f"min_items={min_items} must be between 1 and {k}")
    values = _index_values(src, mapping, scale_range, flipped, a["missing_codes"])
    zero = X.Const(0.0)
    total = answered = None
    for r in values:
        part = X.Case(X.IsNull(r), zero, r)
        got = X.AsFloat(X.known(r))
        total = part if total is None else X.add(total, part)
        answered = got if answered is None else X.add(answered, got)
    row = X.where(X.Cmp(">=", answered, X.Const(float(min_items))), X.Arith("/", total, answered))
    derived = ExprDerived()
    derived.add("index", row, "trust_index", "mean 0-100", proportion=False)
    meta = {
        "indicator": "trust_index",
        "unit": "person",
        "statistic": "mean",
        "items": list(mapping.values()),
        "min_items": min_items,
        "convention": convention,
        "scale_range": scale_range,
        "reversed": [mapping[n] for n in flipped],
    }
    out = estimate_and_finish(design, "mean", derived, a["by"], meta, opts, scale="mean")
    if isinstance(out, pd.DataFrame):
        from survey.indicators.trust import index_reliability

        rel = index_reliability(
            design, mapping, convention=convention, scale_range=scale_range,
            reverse=a["reverse"], missing_codes=a["missing_codes"],
        )  # fmt: skip
        out.attrs["scale_reliability"] = rel.iloc[0].to_dict()
        out.attrs["scale"] = "0-100"
    return out


def trust_index_reliability(a):
    """Cronbach's alpha (pingouin's formula and interval), the design-weighted alpha and
    the eigenvalues of the weighted correlation matrix, from one query of the complete
    cases' sums and cross products (no rows loaded)."""
    from scipy.stats import f as f_dist

    from survey.indicators.trust import _index_items

    design = a["design"]
    src = design.source
    mapping, scale_range, flipped = _index_items(
        Columns(src), a["items"], a["convention"], a["scale_range"], a["reverse"]
    )
    k = len(mapping)
    if k < 2:
        raise IndicatorError("reliability needs at least two items")
    values = _index_values(src, mapping, scale_range, flipped, a["missing_codes"])
    w = design.w
    complete = X.All((*[X.known(r) for r in values], X.Cmp(">", w, X.Const(0.0))))
    sums = {"__sw": w}
    for i, ri in enumerate(values):
        sums[f"__s{i}"] = ri
        sums[f"__ws{i}"] = E.Product(w, ri)
        for j in range(i, k):
            sums[f"__p{i}_{j}"] = E.Product(ri, values[j])
            sums[f"__wp{i}_{j}"] = E.Product(w, E.Product(ri, values[j]))
    got = src.aggregate(Aggregation([], sums, where=X.AsFloat(complete))).iloc[0]
    n = int(got["__n_rows"] or 0)
    if n < 3:
        raise IndicatorError("fewer than 3 complete cases on the items")
    s = np.array([float(got[f"__s{i}"]) for i in range(k)])
    ws = np.array([float(got[f"__ws{i}"]) for i in range(k)])
    P, WP = np.empty((k, k)), np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            P[i, j] = P[j, i] = float(got[f"__p{i}_{j}"])
            WP[i, j] = WP[j, i] = float(got[f"__wp{i}_{j}"])
    C_u = (P - np.outer(s, s) / n) / (n - 1)
    alpha = (k / (k - 1)) * (1 - np.trace(C_u) / C_u.sum())
    df1 = n - 1
    df2 = df1 * (k - 1)
    ci = np.round(
        [
            1 - (1 - alpha) * f_dist.isf(0.025, df1, df2),
            1 - (1 - alpha) * f_dist.isf(0.975, df1, df2),
        ],
        3,
    )
    sw = float(got["__sw"])
    mu = ws / sw
    C = WP / sw - np.outer(mu, mu)
    alpha_w = k / (k - 1) * (1 - np.trace(C) / C.sum())
    sd = np.sqrt(np.diag(C))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = C / np.outer(sd, sd)
    eig = np.sort(np.linalg.eigvalsh(R))[::-1]
    return pd.DataFrame(
        {
            "k": [k],
            "n_complete": [n],
            "alpha": [float(alpha)],
            "alpha_ci_low": [float(ci[0])],
            "alpha_ci_high": [float(ci[1])],
            "alpha_weighted": [float(alpha_w)],
            "eigenvalue_1": [float(eig[0])],
            "eigenvalue_2": [float(eig[1])],
            "first_component_share": [float(eig[0] / k)],
            "unidimensional": [bool(eig[1] < 1)],
        }
    )


#: ``module.function`` of a ``@pushdown`` indicator -> its table-design implementation
IMPLEMENTATIONS = {
    "victimisation.prevalence": victimisation_prevalence,
    "victimisation.incidence": victimisation_incidence,
    "victimisation.concentration": victimisation_concentration,
    "victimisation.reporting_rate": victimisation_reporting_rate,
    "victimisation.complaint_rate": victimisation_complaint_rate,
    "victimisation.dark_figure": victimisation_dark_figure,
    "victimisation.police_satisfaction": victimisation_police_satisfaction,
    "victimisation.sdg_16_1_3": victimisation_sdg_16_1_3,
    "fear._shares": fear__shares,
    "fear.sdg_16_1_4": fear_sdg_16_1_4,
    "trust._battery": trust__battery,
    "trust.index": trust_index,
    "trust.index_reliability": trust_index_reliability,
}


def run(name: str, arguments: dict):
    """Run the table-design implementation of indicator ``name`` (``module.function``)."""
    from survey.backends.executors import NotPushedDown

    impl = IMPLEMENTATIONS.get(name)
    if impl is None:
        raise NotPushedDown(f"indicator {name} on a data backend: not pushed down yet")
    return impl(dict(arguments))


__all__ = ["IMPLEMENTATIONS", "MISSING_CODES", "estimate_derived", "run", "with_weight"]
