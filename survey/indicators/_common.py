"""Shared machinery of the indicator functions (no variance code lives here).

Every indicator is estimated by :func:`survey.engine.estimate` on the design it is given:
derived per-row quantities (a "victim of any of these crimes" flag, a rescaled item, a capped
count of victimisations) are placed in a small side frame and handed to the engine through an
estimator built on that frame, so the resulting :class:`~survey.engine.EstimateSet` still
belongs to the caller's design object. That is what makes differences between indicators
computed on the same design possible (``a.concat(b).contrast(...)``) without re-reading data.

Rate scales are applied to the result frame by a documented multiplication of ``estimate``,
``se``, ``ci_low`` and ``ci_high`` by the scale factor (``cv``, ``deff``, ``n`` and the
reliability flag do not change with the unit of measurement); the scale is recorded in
``frame.attrs["scale"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

#: Rate scales and their multipliers (the estimate on its natural scale times the factor).
SCALES: dict[str, float] = {
    "proportion": 1.0,
    "%": 100.0,
    "per 1,000": 1_000.0,
    "per 100,000": 100_000.0,
    "mean": 1.0,
    "ratio": 1.0,
    "0-100": 1.0,
}

#: Codes treated as "don't know / no answer / refused / no data" in categorical items when the
#: data still carry them (harmonised data have NaN instead). ENUSC uses 88/96/99, the standard
#: questionnaires 77/88/98/99.
MISSING_CODES: tuple[int, ...] = (77, 88, 96, 98, 99)


class IndicatorError(ValueError):
    """An indicator request that cannot be computed (names the column and the problem)."""


def as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, str | int | float):
        return [x]
    return list(x)


def named_columns(columns) -> dict:
    """``{name: column}`` from a column name, a list of columns or a ``{name: column}`` dict
    (a name or list names each estimate after its column)."""
    if isinstance(columns, str):
        return {columns: columns}
    if isinstance(columns, Mapping):
        return dict(columns)
    return {c: c for c in columns}


def scale_factor(scale: str) -> float:
    if scale not in SCALES:
        raise IndicatorError(f"scale={scale!r}: use one of {', '.join(map(repr, SCALES))}")
    return SCALES[scale]


def column(data: pd.DataFrame, col: str, what: str = "column") -> np.ndarray:
    """A numeric column as float (NaN for missing), with a clear error naming it."""
    if col not in data.columns:
        from survey._names import did_you_mean

        raise IndicatorError(
            f"{what} {col!r} is not in the data{did_you_mean(col, data.columns)} "
            f"(columns: {', '.join(map(str, data.columns[:30]))}"
            + (" ...)" if data.shape[1] > 30 else ")")
        )
    s = data[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    try:
        return pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise IndicatorError(f"{what} {col!r} is not numeric (dtype {s.dtype})") from exc


def clean(values: np.ndarray, missing_codes: Sequence = MISSING_CODES) -> np.ndarray:
    """Values with the listed don't-know / no-answer codes set to NaN."""
    out = values.copy()
    if missing_codes:
        out[np.isin(out, np.asarray(list(missing_codes), dtype=float))] = np.nan
    return out


def values_in_codes(values: np.ndarray, codes: Sequence) -> np.ndarray:
    """1.0 where ``values`` is one of ``codes``, 0.0 where it is another value, NaN where
    it is missing (one item; :func:`in_codes` combines columns)."""
    return np.where(np.isnan(values), np.nan, np.isin(values, np.asarray(codes, dtype=float)) * 1.0)


def in_codes(
    data: pd.DataFrame,
    cols: Sequence[str],
    codes: Sequence,
    missing_codes: Sequence = MISSING_CODES,
    what: str = "item",
) -> np.ndarray:
    """1 if any of ``cols`` takes one of ``codes``; 0 if all are answered and none does;
    NaN when none does and at least one is missing (the answer is unknown)."""
    codes = np.asarray(list(codes), dtype=float)
    hit = np.zeros(len(data), dtype=bool)
    unknown = np.zeros(len(data), dtype=bool)
    for c in cols:
        v = clean(column(data, c, what), missing_codes)
        hit |= np.isin(v, codes)
        unknown |= np.isnan(v)
    out = hit.astype(float)
    out[~hit & unknown] = np.nan
    return out


@dataclass
class Derived:
    """Per-row quantities to estimate, and the labels of the estimates they give.

    ``columns``: name -> (n,) float array (NaN = missing for that estimate).
    ``labels``: per item (in order of ``items``) the ``variable`` and ``category`` shown.
    ``proportion``: per item, whether it is a proportion (CEPAL's proportion rules apply).
    """

    items: list[str] = field(default_factory=list)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    variable: list[str] = field(default_factory=list)
    category: list = field(default_factory=list)
    proportion: list[bool] = field(default_factory=list)
    denominators: list[str | None] = field(default_factory=list)

    def add(self, name, values, variable, category=None, proportion=True, denominator=None):
        key = f"__ind{len(self.columns)}_{name}"
        self.columns[key] = np.asarray(values, dtype=float)
        self.items.append(key)
        self.variable.append(variable)
        self.category.append(category)
        self.proportion.append(bool(proportion))
        if denominator is not None:
            dkey = f"__den{len(self.columns)}_{name}"
            self.columns[dkey] = np.asarray(denominator, dtype=float)
            self.denominators.append(dkey)
        else:
            self.denominators.append(None)
        return key


@dataclass
class IndicatorSet:
    """Indicator estimates on the caller's design, before presentation.

    ``estimates`` is the engine's :class:`~survey.engine.EstimateSet` on the natural scale
    (proportions, ratios, means); ``scale`` the presentation scale; ``proportion`` (K,) which
    rows are proportions; ``n_cases`` (K,) the unweighted count of rows with the characteristic
    (proportions; NaN otherwise); ``meta`` the registry information shown in ``attrs``.
    """

    estimates: object
    scale: str
    proportion: np.ndarray
    n_cases: np.ndarray
    meta: dict = field(default_factory=dict)
    mult: np.ndarray | None = None  # (K,) presentation multiplier per row
    #: the design's metadata (value labels of the domains) and the domain columns, for the
    #: label columns of the frame (as the Design verbs fill them)
    labels_meta: object = None
    by: list = field(default_factory=list)

    def __post_init__(self):
        if self.mult is None:
            self.mult = np.full(len(self.estimates), scale_factor(self.scale))

    def __len__(self) -> int:
        return len(self.estimates)

    @property
    def labels(self) -> pd.DataFrame:
        return self.estimates.labels

    def concat(self, other: IndicatorSet) -> IndicatorSet:
        """Stack two indicator sets of the SAME design (their covariances are kept)."""
        scale = self.scale if self.scale == other.scale else "mixed"
        return IndicatorSet(
            self.estimates.concat(other.estimates),
            scale,
            np.concatenate([self.proportion, other.proportion]),
            np.concatenate([self.n_cases, other.n_cases]),
            {"indicator": "mixed"} if self.meta != other.meta else dict(self.meta),
            np.concatenate([self.mult, other.mult]),
            self.labels_meta,
            list(self.by),
        )

    def to_frame(self, ci=None, level=0.95, df="domain", quality="default") -> pd.DataFrame:
        """Tidy result frame (``survey._schema`` columns plus ``n_cases``) on ``scale``.

        ``ci=None`` (default) gives every row the package's interval for its statistic,
        whatever else is in the set: ``"logit"`` (R's ``svyciprop``) for proportions,
        ``"wald"`` for means, rates and ratios; so a share has the same interval alone
        (``measure="share"``) or next to means. ``attrs["ci_method"]`` is then ``"logit"``,
        ``"wald"`` or ``"logit/wald"`` (per row in ``attrs["ci_methods"]``).
        """
        from survey.engine.core import apply_quality

        prop = np.asarray(self.proportion, dtype=bool)
        if ci is None:
            ci = "logit" if bool(prop.all()) else "wald"
            if prop.any() and not prop.all():
                ci = np.where(prop, "logit", "wald").tolist()
        frame = self.estimates.to_frame(ci=ci, level=level, df=df, quality=None)
        frame["n_cases"] = self.n_cases
        frame.attrs["proportion"] = (
            bool(self.proportion.all())
            if self.proportion.all() or not self.proportion.any()
            else [bool(x) for x in self.proportion]
        )
        frame.attrs["scale"] = "proportion"
        if quality is not None:
            # the engine's flags: with-replacement deff (weights scaled to mean 1 stay
            # assessable) and this frame's exact n_cases
            se2 = frame["se"].to_numpy(dtype=float) ** 2
            apply_quality(frame, quality, self.estimates.deff_replace(se2))
            frame.attrs["quality_rule"] = "cepal2020" if quality == "default" else quality
        out = rescale(frame, self.scale, self.mult, meta=self.meta)
        # per-row presentation scale: shares on ``scale``, other rows (0-100 means next to
        # shares in the trust batteries) on the indicator's ``mean_scale``
        mean_scale = self.meta.get("mean_scale", self.scale)
        out.attrs["row_scale"] = [self.scale if p else mean_scale for p in self.proportion]
        from survey.indicators._labels import label_indicator_frame

        return label_indicator_frame(out, self.labels_meta, self.by)


def rescale(frame: pd.DataFrame, scale: str, mult, meta=None) -> pd.DataFrame:
    """Multiply ``estimate, se, ci_low, ci_high`` by each row's scale factor (``mult``) and
    record the scale label (``"mixed"`` when rows differ, e.g. % next to rates)."""
    out = frame
    mult = np.broadcast_to(np.asarray(mult, dtype=float), (len(out),))
    for col in ("estimate", "se", "ci_low", "ci_high"):
        out[col] = out[col].to_numpy(dtype=float) * mult
    out.attrs["scale"] = scale
    if meta:
        out.attrs.update({k: v for k, v in meta.items() if k != "scale"})
    return out


#: The presentation options every indicator function takes through ``**options``.
OPTION_NAMES = ("scale", "ci", "level", "df", "quality", "as_set")


def check_options(options: dict) -> None:
    """Validate the presentation options shared by every indicator (``scale``, ``ci``,
    ``level``, ``df``, ``quality``) before any estimate is computed; raises
    :class:`IndicatorError` naming the option and the accepted values."""
    from survey.engine.ci import METHODS
    from survey.quality import resolve_rule

    if "scale" in options:
        scale_factor(options["scale"])
    ci = options.get("ci")
    if ci is not None and ci not in METHODS:
        raise IndicatorError(f"ci={ci!r}: use one of {', '.join(METHODS)}")
    if "level" in options:
        level = options["level"]
        ok = isinstance(level, int | float) and not isinstance(level, bool) and 0 < level < 1
        if not ok:
            raise IndicatorError(
                f"level={level!r}: a confidence level between 0 and 1 (e.g. 0.95, not 95)"
            )
    if "df" in options:
        df = options["df"]
        number = isinstance(df, int | float) and not isinstance(df, bool)
        if not (df in ("domain", "design", "inf", "infinite", None) or (number and df > 0)):
            raise IndicatorError(f"df={df!r}: use 'domain', 'design', 'inf' or a positive number")
    quality = options.get("quality", "default")
    if quality not in (None, "default"):
        try:
            resolve_rule(quality)
        except (ValueError, TypeError) as exc:
            raise IndicatorError(str(exc)) from exc


def is_table(design) -> bool:
    """Whether ``design`` keeps its rows in a data backend (:mod:`survey.backends`)."""
    return bool(getattr(design, "is_table_design", False))


def pushdown(func):
    """Run ``func`` (an indicator function of this package) on a data backend too.

    On a :class:`survey.backends.TableDesign` (or ``TableReplicateDesign``) the call goes,
    with its arguments bound to ``func``'s signature and defaults, to the implementation of
    the same name in :mod:`survey.backends.indicators`, which builds the derived items as
    expressions computed where the data live and runs the design's one aggregation pass;
    on an in-memory design ``func`` runs unchanged. A function without a backend
    implementation raises :class:`~survey.backends.NotPushedDown` (never a full load)."""
    import functools
    import inspect

    sig = inspect.signature(func)
    name = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"

    @functools.wraps(func)
    def wrapper(design, *args, **kwargs):
        if not is_table(design):
            return func(design, *args, **kwargs)
        from survey.backends.indicators import run

        bound = sig.bind(design, *args, **kwargs)
        bound.apply_defaults()
        first = next(iter(sig.parameters))
        arguments = dict(bound.arguments)
        arguments["design"] = arguments.pop(first)
        return run(name, arguments)

    return wrapper


def columns_view(design):
    """What reads only the column names needs of a design's data: the data (in memory),
    or an object with the backend table's ``columns``."""
    if is_table(design):
        from survey.backends.indicators import Columns

        return Columns(design.source)
    return data_of(design)


def household_warnings(design, name: str) -> list[str]:
    """:func:`household_row_warnings` for a design (counted by the engine on a backend)."""
    if is_table(design):
        from survey.backends.indicators import household_row_warnings as table_warnings

        return table_warnings(design, name)
    return household_row_warnings(data_of(design), name)


def data_of(design) -> pd.DataFrame:
    data = getattr(design, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise IndicatorError("design must be a survey.Design or survey.ReplicateDesign")
    return data


def with_weight(design, weight: str | None):
    """The design itself, or the same design with another weight column of its data."""
    if weight is None or weight == getattr(design, "weight_name", None):
        return design
    if not hasattr(design, "with_weights"):
        raise IndicatorError(
            f"weight={weight!r}: replicate designs carry their own replicate weights; build a "
            "ReplicateDesign with that weight instead"
        )
    if getattr(design, "calibration", ()):
        raise IndicatorError(
            f"weight={weight!r}: the design is calibrated; declare a design with that weight "
            "instead of switching weights (the calibration belongs to the old weight)"
        )
    w = column(data_of(design), weight, "weight column")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise IndicatorError(
            f"weight column {weight!r} has missing or negative values in {int(bad.sum())} rows"
        )
    new = design.with_weights(w)
    new.weight_name = weight
    return new


def relabel(es, derived) -> None:
    """Name the rows of ``es`` (one per domain x derived item, items fastest) as the registry
    does: ``variable`` the indicator, ``category`` the derived item's category. Shared by
    the in-memory pass and the data backends' (``survey.backends.indicators``)."""
    J = len(derived.items)
    D = len(es) // J
    labels = es.labels.copy()
    labels["variable"] = np.tile(np.asarray(derived.variable, dtype=object), D)
    cats = np.empty(J, dtype=object)
    cats[:] = [pd.NA if c is None else str(c) for c in derived.category]
    labels["category"] = pd.array(np.tile(cats, D), dtype=object)
    es.labels = labels


def estimate_derived(design, statistic: str, derived: Derived, by=None):
    """One engine pass over the derived quantities (all items share the domains)."""
    from survey.engine import estimate, make_domains
    from survey.engine.estimators import build

    data = data_of(design)
    by_list = as_list(by)
    for b in by_list:
        if b not in data.columns:
            from survey._names import did_you_mean

            raise IndicatorError(
                f"by column {b!r} is not in the data{did_you_mean(b, data.columns)}"
            )
    side = pd.DataFrame(derived.columns, index=data.index)
    for b in by_list:
        side[b] = data[b]
    proxy = SimpleNamespace(data=side)
    if statistic == "ratio":
        dens = derived.denominators
        if any(d is None for d in dens):
            raise IndicatorError("ratio indicators need a denominator for every item")
        est = build(proxy, "ratio", derived.items, denominator=list(dens))
    else:
        est = build(proxy, statistic, derived.items, binary="ones")
    dom = make_domains(side, by_list)
    es = estimate(design, statistic, derived.items, by=by_list, domains=dom, estimator=est)
    relabel(es, derived)
    K, J = len(es), len(derived.items)
    D = K // J
    # unweighted rows with the characteristic (CEPAL's "casos no ponderados"), proportions only
    n_cases = np.full(K, np.nan)
    nz = design.weights != 0
    inside = dom.codes >= 0
    for j, (item, is_prop) in enumerate(zip(derived.items, derived.proportion, strict=True)):
        if not is_prop:
            continue
        v = side[item].to_numpy(dtype=float)
        if derived.denominators[j] is not None:
            d = side[derived.denominators[j]].to_numpy(dtype=float)
            v = np.where(np.isfinite(d) & np.isfinite(v), v, np.nan)
        hit = inside & nz & (v > 0) & np.isfinite(v)
        n_cases[j::J] = np.bincount(dom.codes[hit], minlength=D)[:D]
    prop = np.tile(np.asarray(derived.proportion, dtype=bool), D)
    return es, prop, n_cases


def make_set(design, statistic, derived, by, scale, meta, mult=None) -> IndicatorSet:
    """Estimate the derived items; ``mult`` (per item) overrides the scale's factor."""
    f = scale_factor(scale)
    es, prop, n_cases = estimate_derived(design, statistic, derived, by)
    J = len(derived.items)
    per_item = np.full(J, f) if mult is None else np.asarray(mult, dtype=float)
    return IndicatorSet(
        es, scale, prop, n_cases, dict(meta), np.tile(per_item, len(es) // J),
        getattr(design, "meta", None), as_list(by),
    )  # fmt: skip


def finish(iset: IndicatorSet, as_set: bool, ci, level, df, quality):
    if as_set:
        return iset
    return iset.to_frame(ci=ci, level=level, df=df, quality=quality)


def estimate_and_finish(design, statistic, derived, by, meta, opts, *, scale=None, mult=None):
    """Estimate the derived items (:func:`make_set`) and return what the presentation
    options ``opts`` ask: the :class:`IndicatorSet` (``as_set``) or its frame (``ci``,
    ``level``, ``df``, ``quality``). ``scale`` overrides ``opts["scale"]``. An option
    that is none of these (a misspelt argument passed through ``**options``) raises
    :class:`IndicatorError` naming it, never silently ignored."""
    unknown = sorted(set(opts) - set(OPTION_NAMES))
    if unknown:
        raise IndicatorError(
            f"unknown argument(s) {', '.join(map(repr, unknown))}; the presentation options "
            f"are {', '.join(OPTION_NAMES)}"
        )
    iset = make_set(
        design, statistic, derived, by, opts["scale"] if scale is None else scale, meta, mult=mult
    )
    return finish(iset, opts["as_set"], opts["ci"], opts["level"], opts["df"], opts["quality"])


def difference(a: IndicatorSet, b: IndicatorSet, *, ci="wald", level=0.95, df="domain"):
    """Differences ``a - b`` between indicators of the same design, matched by domain.

    Rows of ``a`` and ``b`` are paired on the ``by`` columns they share (each row of ``a``
    with the row of ``b`` in the same domain; with several rows per domain, in order). The
    covariance between the two is kept (``concat`` + ``contrast``), so the standard error is
    right when both come from the same respondents. Values are on the common scale. ``a``
    and ``b`` are :class:`IndicatorSet` s: the indicator functions called with
    ``as_set=True``.
    """
    for name, s in (("a", a), ("b", b)):
        if not isinstance(s, IndicatorSet):
            raise IndicatorError(
                f"difference: {name} is a {type(s).__name__}, not an IndicatorSet; call the "
                "indicator with as_set=True (e.g. indicators.prevalence(des, ..., as_set=True))"
                " so that the covariance of the two estimates is kept"
            )
    both = a.concat(b)
    la, lb = a.labels, b.labels
    by = [c for c in la.columns if c in lb.columns and c not in ("variable", "category")]
    ka = la.assign(_pos=np.arange(len(la)))
    kb = lb.assign(_pos=np.arange(len(lb)) + len(la))
    if by:
        ka["_k"] = ka.groupby(by, dropna=False).cumcount()
        kb["_k"] = kb.groupby(by, dropna=False).cumcount()
        pairs = ka.merge(kb, on=[*by, "_k"], suffixes=("_a", "_b"))
    else:
        ka["_k"] = np.arange(len(ka))
        kb["_k"] = np.arange(len(kb))
        pairs = ka.merge(kb, on="_k", suffixes=("_a", "_b"))
    if pairs.empty:
        raise IndicatorError("the two indicator sets share no domain")
    L = np.zeros((len(pairs), len(both)))
    L[np.arange(len(pairs)), pairs["_pos_a"].to_numpy()] = 1.0
    L[np.arange(len(pairs)), pairs["_pos_b"].to_numpy()] = -1.0
    labels = pairs[by].copy() if by else pd.DataFrame(index=range(len(pairs)))
    va = pairs["variable_a"].astype(str)
    ca = pairs["category_a"].astype(object).where(pairs["category_a"].notna(), "")
    vb = pairs["variable_b"].astype(str)
    cb = pairs["category_b"].astype(object).where(pairs["category_b"].notna(), "")
    labels["variable"] = (
        va
        + np.where(ca != "", "[" + ca.astype(str) + "]", "")
        + " - "
        + vb
        + np.where(cb != "", "[" + cb.astype(str) + "]", "")
    ).to_numpy()
    labels["category"] = pd.array([pd.NA] * len(pairs), dtype=object)
    ma = a.mult[pairs["_pos_a"].to_numpy()]
    mb = b.mult[pairs["_pos_b"].to_numpy() - len(la)]
    if not np.allclose(ma, mb):
        raise IndicatorError(
            f"indicators on different scales ({a.scale!r} vs {b.scale!r}): differences need "
            "a common scale"
        )
    contrast = both.estimates.contrast(L, labels=labels, statistic="contrast")
    frame = contrast.to_frame(ci=ci, level=level, df=df, quality=None)
    frame["n_cases"] = np.nan
    frame["reliability"] = pd.array([pd.NA] * len(frame), dtype=object)
    frame.attrs["proportion"] = False
    out = rescale(frame, a.scale, ma, meta={"indicator": "difference"})
    return _label_difference(out, a, b, pairs, len(la), by)


def _label_difference(out, a, b, pairs, n_a, by):
    """The label columns of a :func:`difference` frame: the domain labels of ``a``'s design
    and ``variable_label`` reading "<a's label> − <b's label>" (each with its category's
    words), so the rows of a published difference table are not bare codes."""
    from survey.indicators._labels import label_indicator_frame

    def texts(iset):
        f = iset.to_frame(quality=None)
        var = f["variable_label"].astype(object).where(f["variable_label"].notna(), f["variable"])
        cat = f["category_label"].astype(object)
        return [
            f"{v}: {c}" if isinstance(c, str) and c and c != v else str(v)
            for v, c in zip(var, cat, strict=True)
        ]

    ta, tb = texts(a), texts(b)
    out = label_indicator_frame(out, a.labels_meta, by)
    out["variable_label"] = [
        f"{ta[i]} − {tb[j - n_a]}" for i, j in zip(pairs["_pos_a"], pairs["_pos_b"], strict=True)
    ]
    out["category_label"] = pd.array([pd.NA] * len(out), dtype=object)
    return out


#: Household identifier columns looked for (case-insensitive) by the household-row check.
HOUSEHOLD_ID_COLUMNS = ("hh_id", "household_id", "id_household", "idhh", "id_hogar",
                        "idhogar", "folio", "id_viv")  # fmt: skip


def household_row_warnings(data, name: str) -> list[str]:
    """A household indicator computed on person rows: a household identifier column
    (:data:`HOUSEHOLD_ID_COLUMNS`) repeated across rows (at least 1.2 rows per household), so
    each household counts once per row. Returns the message (empty otherwise)."""
    lower = {str(c).lower(): c for c in data.columns}
    for key in HOUSEHOLD_ID_COLUMNS:
        if key in lower:
            ids = data[lower[key]]
            n_hh = ids.nunique(dropna=True)
            # at least 20% more rows than households: person rows (panel re-interviews of a
            # few households across waves do not trigger it)
            if ids.notna().sum() >= 1.2 * n_hh:
                return [
                    f"household indicator {name!r} is computed on {len(data):,} rows for "
                    f"{n_hh:,} households ('{lower[key]}' repeats): each household counts once "
                    "per row; estimate it on one row per household (e.g. the household "
                    "informant) with the household weight"
                ]
            break
    return []
