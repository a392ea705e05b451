"""Trust: interpersonal and institutional trust, and a composite institutional trust index.

Conventions:

* Latinobarómetro — interpersonal: % "most people can be trusted" (code 1 of 1 = trust,
  2 = can never be too careful); institutional (4-point: 1 a lot, 2 some, 3 a little,
  4 none): % "a lot" + "some".
* LAPOP AmericasBarometer — interpersonal trust in the community (IT1, 4 points: 1 very
  trustworthy .. 4 untrustworthy): mean rescaled 0-100 (higher = more trust) and % very or
  somewhat trustworthy; institutional (1 not at all .. 7 a lot): mean rescaled 0-100,
  ``(x - 1) / 6 * 100``, and % answering 5-7.
* ESS / OECD 0-10 scales (``convention="ess"``; ESS ``ppltrst`` "most people can be trusted"
  and the ``trst*`` battery, 0 = no trust at all .. 10 = complete trust; standard items
  ``*_11pt``): the mean on the 0-10 scale shown rescaled 0-100 (``x * 10``, i.e. the 0-10
  mean times 10, so that it sits on the same 0-100 scale as LAPOP's rescaled mean) and the
  % answering 6-10. The 6-10 cut is the OECD's: *Society at a Glance 2011* (ch. 8, "Trust")
  aggregates "the top five categories" of the ESS 0-10 interpersonal trust item into the %
  expressing high trust, and the OECD Trust Survey (2021) reports respondents with a score of
  6 or more on its 0-10 institutional trust items as trusting ("high or moderately high
  trust"; 5 is neutral, 0-4 low). ESS's own reports give the 0-10 mean. ESS missing codes
  77 refused, 88 don't know, 99 no answer are removed (they are in ``MISSING_CODES``).
* ``convention="custom"``: any other scale, with ``scale_range=(lo, hi)`` and ``high=`` codes
  (and ``items=``) given explicitly; high code = more trust unless ``reverse=True``.

The index is the mean of the items rescaled 0-100 (higher = more trust; ``convention=`` says
which way the codes run), per respondent, estimated by domain with the engine; its reliability (Cronbach's alpha, unweighted with pingouin and design-weighted)
and a dimensionality check are descriptive statistics of the item set (no variance).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from survey.indicators._common import (
    MISSING_CODES,
    Derived,
    IndicatorError,
    as_list,
    clean,
    column,
    columns_view,
    data_of,
    estimate_and_finish,
    named_columns,
    pushdown,
    values_in_codes,
    with_weight,
)
from survey.indicators.victimisation import _COMMON, _doc

__all__ = ["index", "index_reliability", "institutional", "interpersonal"]

INSTITUTIONS = (
    "police",
    "judiciary",
    "prosecutors",
    "armed_forces",
    "government",
    "president",
    "congress",
    "parties",
    "electoral",
    "municipality",
    "church",
    "media",
    "supreme_court",
    "politicians",
)

CONVENTIONS = {
    "latinobarometro": {"scale": (1, 4), "high": (1, 2), "reverse": True, "suffix": ""},
    "lapop": {"scale": (1, 7), "high": (5, 6, 7), "reverse": False, "suffix": "_7pt"},
    # ESS / OECD 0-10 scales: mean x 10 and % 6-10 (see the module docstring for sources)
    "ess": {"scale": (0, 10), "high": (6, 7, 8, 9, 10), "reverse": False, "suffix": "_11pt"},
}


def _item_map(data, items, suffix) -> dict[str, str]:
    if items is None:
        found = {
            inst: f"trust_inst_{inst}{suffix}"
            for inst in INSTITUTIONS
            if f"trust_inst_{inst}{suffix}" in data.columns
        }
        if not found:
            raise IndicatorError(
                f"no standard institutional trust item (trust_inst_<institution>{suffix}) in "
                "the data; pass items={name: column}"
            )
        return found
    return named_columns(items)


def _rescaled(v, lo, hi, reverse):
    """(v - lo) / (hi - lo) * 100, or reversed so that the first code is 100."""
    out = (v - lo) / (hi - lo) * 100.0
    out = 100.0 - out if reverse else out
    bad = np.isfinite(v) & ((v < lo) | (v > hi))
    return np.where(bad, np.nan, out), bad


def _check_range(bad, col, lo, hi):
    if bad.any():
        raise IndicatorError(
            f"item {col!r} has {int(bad.sum())} values outside {lo}-{hi} (after removing "
            "missing codes); recode them or pass missing_codes="
        )


def _convention(convention, scale_range, high) -> dict:
    """The convention's scale, "high trust" codes and direction; ``"custom"`` takes them
    from ``scale_range`` and ``high``, which it requires."""
    if convention == "custom":
        if scale_range is None or high is None:
            raise IndicatorError(
                "convention='custom' needs scale_range=(lo, hi) and high=(codes counted as "
                "trust), e.g. scale_range=(0, 10), high=(6, 7, 8, 9, 10)"
            )
        return {"scale": tuple(scale_range), "high": tuple(high), "reverse": False, "suffix": ""}
    if convention not in CONVENTIONS:
        raise IndicatorError(
            f"convention={convention!r}: use {', '.join(CONVENTIONS)} or 'custom' (with "
            "scale_range= and high=)"
        )
    return CONVENTIONS[convention]


def _measures(convention, measure):
    if measure is None:
        return ("share",) if convention == "latinobarometro" else ("mean", "share")
    out = tuple(as_list(measure))
    if not set(out) <= {"mean", "share"}:
        raise IndicatorError("measure= 'mean', 'share' or both")
    return out


@pushdown
def _battery(
    design,
    items,
    convention,
    measure,
    variable,
    by,
    weight,
    missing_codes,
    opts,
    scale_range=None,
    high=None,
    reverse=None,
):
    conv = _convention(convention, scale_range, high)
    lo, hi = scale_range or conv["scale"]
    high = tuple(high or conv["high"])
    reverse = conv["reverse"] if reverse is None else reverse
    measures = _measures(convention, measure)
    design = with_weight(design, weight)
    data = data_of(design)
    derived = Derived()
    mult = []
    f = 100.0 if opts["scale"] == "%" else 1.0
    for name, col in items.items():
        v = clean(column(data, col, "item"), missing_codes)
        r, bad = _rescaled(v, lo, hi, reverse)
        _check_range(bad, col, lo, hi)
        if "share" in measures:
            share = values_in_codes(v, high)
            label = f"% {'+'.join(str(h) for h in high)}"
            derived.add(f"{name}_share", share, variable, f"{name}: {label}")
            mult.append(f)
        if "mean" in measures:
            derived.add(f"{name}_mean", r, variable, f"{name}: mean 0-100", proportion=False)
            mult.append(1.0)
    meta = {
        "indicator": variable,
        "unit": "person",
        "statistic": "mixed"
        if len(measures) > 1
        else ("prop" if measures == ("share",) else "mean"),
        "convention": convention,
        "mean_scale": "0-100",
        "scale_range": (lo, hi),
        "high": list(high),
        "items": list(items.values()),
    }
    return estimate_and_finish(design, "mean", derived, by, meta, opts, mult=mult)


@_doc
def institutional(
    design,
    items=None,
    *,
    convention: str = "latinobarometro",
    measure: str | Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    high: Sequence | None = None,
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Institutional trust per institution.

    * ``convention="latinobarometro"``: % "a lot" + "some" (codes 1-2 of 1-4) — default
      items ``trust_inst_<institution>``.
    * ``convention="lapop"``: mean rescaled 0-100, ``(x - 1) / 6 * 100``, and % answering 5-7
      of 1-7 — default items ``trust_inst_<institution>_7pt``; LAPOP files use ``b18``
      (police), ``b12`` (armed forces), ``b13`` (congress), ``b21`` (parties)...
    * ``convention="ess"``: ESS/OECD 0-10 items (0 no trust at all .. 10 complete trust):
      mean 0-10 times 10 (0-100) and % answering 6-10 (the OECD's "high or moderately high
      trust") — default items ``trust_inst_<institution>_11pt`` (ESS ``trstplc``,
      ``trstlgl``, ``trstprl``, ``trstplt``, ``trstprt``).
    * ``convention="custom"``: ``items``, ``scale_range=(lo, hi)`` and ``high`` (the codes
      counted as trusting) required; the mean is ``(x - lo) / (hi - lo) * 100`` (high code =
      more trust).

    ``measure`` picks ``"mean"``, ``"share"`` or both (default: share for Latinobarómetro,
    both otherwise). ``scale_range`` and ``high`` override a convention's range and "high
    trust" codes. Values outside the range (after removing ``missing_codes``) are an error
    naming the item. Shares are on the ``scale`` (%, default); means rescaled 0-100 are not
    multiplied. ``attrs`` record ``convention``, ``scale_range``, ``high`` and ``items``.
    """
    opts = {**_COMMON, **options}
    conv = _convention(convention, scale_range, high)
    if convention == "custom" and items is None:
        raise IndicatorError("convention='custom' needs items= (no standard items)")
    mapping = _item_map(columns_view(design), items, conv["suffix"])
    return _battery(
        design,
        mapping,
        convention,
        measure,
        "trust_institutional",
        by,
        weight,
        missing_codes,
        opts,
        scale_range,
        high,
    )


#: Interpersonal trust conventions: default item, code range, "trust" codes, and whether the
#: first code is the most trusting (then the 0-100 mean is flipped).
_INTERPERSONAL = {
    "latinobarometro": ("trust_interpersonal", (1, 2), (1,), True, "most_people"),
    "lapop": ("trust_neighbours", (1, 4), (1, 2), True, "community"),
    "ess": ("trust_interpersonal_11pt", (0, 10), (6, 7, 8, 9, 10), False, "most_people"),
}


@_doc
def interpersonal(
    design,
    item: str | None = None,
    *,
    convention: str = "latinobarometro",
    measure: str | Sequence[str] | None = None,
    scale_range: tuple[float, float] | None = None,
    high: Sequence | None = None,
    reverse: bool = False,
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Interpersonal trust.

    * ``convention="latinobarometro"``: % "most people can be trusted" (code 1 of
      ``trust_interpersonal``: 1 trust, 2 can never be too careful); a dichotomy, so only
      ``measure="share"``.
    * ``convention="lapop"``: trust in people of the community (IT1, ``trust_neighbours``,
      1 very .. 4 not at all trustworthy): mean rescaled 0-100 (very trustworthy = 100) and %
      very or somewhat trustworthy.
    * ``convention="ess"``: ESS ``ppltrst`` (``trust_interpersonal_11pt``, 0 "you can't be too
      careful" .. 10 "most people can be trusted"): mean 0-10 times 10 (0-100) and % answering
      6-10, the OECD's aggregation of the ESS item (*Society at a Glance 2011*: "the top five
      categories").
    * ``convention="custom"``: ``item``, ``scale_range=(lo, hi)`` and ``high`` required; high
      code = more trust unless ``reverse=True`` (then ``lo`` is the most trusting answer).
    """
    opts = {**_COMMON, **options}
    if convention == "custom":
        _convention("custom", scale_range, high)
        if item is None:
            raise IndicatorError("convention='custom' needs item= (no standard item)")
        spec = (item, tuple(scale_range), tuple(high), bool(reverse), "most_people")
        conv_name = "custom"
    elif convention in _INTERPERSONAL:
        spec = _INTERPERSONAL[convention]
        conv_name = "latinobarometro" if convention == "latinobarometro" else convention
    else:
        raise IndicatorError(
            f"convention={convention!r}: use {', '.join(_INTERPERSONAL)} or 'custom' (with "
            "item=, scale_range= and high=)"
        )
    default_item, rng, hi_codes, rev, name = spec
    measures = _measures(conv_name, measure)
    if convention == "latinobarometro" and "mean" in measures:
        raise IndicatorError("the Latinobarómetro item is a dichotomy: use measure='share'")
    return _battery(
        design,
        {name: item or default_item},
        conv_name,
        measures,
        "trust_interpersonal",
        by,
        weight,
        missing_codes,
        opts,
        scale_range=scale_range or rng,
        high=high or hi_codes,
        reverse=rev,
    )


def _index_items(data, items, convention, scale_range, reverse):
    """Items, code range and the items whose codes are flipped (low code -> 100).

    The convention says which way the codes run: ``"lapop"`` (1-7, 7 = a lot of trust: no
    flip), ``"latinobarometro"`` (1-4, 1 = a lot: every item flipped) or ``"custom"``
    (``scale_range`` required, high code = more trust). ``reverse`` names items whose codes
    run the other way from the convention's (e.g. an item worded as distrust): their flip is
    inverted. Unknown names in ``reverse`` are an error (a typo would silently invert).
    """
    if convention not in (*CONVENTIONS, "custom"):
        raise IndicatorError(
            f"convention={convention!r}: use {', '.join(CONVENTIONS)} or 'custom' (with "
            "scale_range=(lo, hi), high code = more trust)"
        )
    if convention == "custom":
        if scale_range is None:
            raise IndicatorError("convention='custom' needs scale_range=(lo, hi)")
        if items is None:
            raise IndicatorError("convention='custom' needs items= (no standard items)")
        base_flip, suffix = False, ""
    else:
        conv = CONVENTIONS[convention]
        base_flip, suffix = conv["reverse"], conv["suffix"]
        scale_range = conv["scale"] if scale_range is None else scale_range
    mapping = _item_map(data, items, suffix)
    rev = set(as_list(reverse))
    unknown = rev - set(mapping) - set(mapping.values())
    if unknown:
        raise IndicatorError(
            f"reverse= names no item: {', '.join(map(repr, sorted(unknown)))} (items: "
            f"{', '.join(mapping)})"
        )
    flipped = [name for name, col in mapping.items() if base_flip != (name in rev or col in rev)]
    return mapping, tuple(scale_range), flipped


def _index_matrix(data, items: Mapping[str, str], scale_range, flipped, missing_codes):
    lo, hi = scale_range
    cols = []
    for name, col in items.items():
        v = clean(column(data, col, "item"), missing_codes)
        r, bad = _rescaled(v, lo, hi, name in flipped)
        _check_range(bad, col, lo, hi)
        cols.append(r)
    return np.column_stack(cols)


def _row_index(X: np.ndarray, min_items: int) -> np.ndarray:
    answered = np.isfinite(X).sum(axis=1)
    with warnings.catch_warnings():  # rows with no item answered: NaN, set missing below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.where(np.isfinite(X), X, np.nan), axis=1) if X.size else X
    return np.where(answered >= min_items, mean, np.nan)


@_doc
@pushdown
def index(
    design,
    items=None,
    *,
    convention: str = "lapop",
    scale_range: tuple[float, float] | None = None,
    reverse: Sequence[str] = (),
    min_items: int | None = None,
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Composite institutional trust index: mean of the items rescaled 0-100, **higher =
    more trust**.

    Which way the codes run is explicit (as in :func:`institutional`):

    * ``convention="lapop"`` (default): 1-7 items, 7 = a lot of trust; each item is
      ``(x - 1) / 6 * 100``. Default items ``trust_inst_<institution>_7pt``.
    * ``convention="latinobarometro"``: 1-4 items, **1 = a lot**, 4 = none; every item is
      flipped, ``(4 - x) / 3 * 100``. Default items ``trust_inst_<institution>``.
    * ``convention="ess"``: 0-10 items (ESS ``trst*``), 10 = complete trust; each item is
      ``x * 10``. Default items ``trust_inst_<institution>_11pt``.
    * ``convention="custom"``: ``scale_range=(lo, hi)`` and ``items`` required, high code =
      more trust, ``(x - lo) / (hi - lo) * 100``.

    ``scale_range`` overrides the convention's range; ``reverse`` names items whose codes run
    the other way from the convention's (their flip is inverted; unknown names are an
    error). ``attrs["reversed"]`` lists the items whose low code became 100.

    Per respondent: the mean of the rescaled items answered, **if at least ``min_items``
    were answered** (default: half of the items, rounded up), otherwise missing — the
    item-missing rule. The index is then estimated by domain as a mean with the engine
    (``scale`` is ignored: the index is on 0-100).

    ``attrs["scale_reliability"]`` holds :func:`index_reliability` for the same items (on the
    whole sample): Cronbach's alpha (unweighted, pingouin) and design-weighted, and the
    share of variance of the first principal component.
    """
    opts = {**_COMMON, **options}
    design = with_weight(design, weight)
    data = data_of(design)
    mapping, scale_range, flipped = _index_items(data, items, convention, scale_range, reverse)
    k = len(mapping)
    if k < 2:
        raise IndicatorError("an index needs at least two items")
    min_items = math.ceil(k / 2) if min_items is None else int(min_items)
    if not 1 <= min_items <= k:
        raise IndicatorError(f"min_items={min_items} must be between 1 and {k}")
    X = _index_matrix(data, mapping, scale_range, flipped, missing_codes)
    derived = Derived()
    derived.add("index", _row_index(X, min_items), "trust_index", "mean 0-100", proportion=False)
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
    out = estimate_and_finish(design, "mean", derived, by, meta, opts, scale="mean")
    if isinstance(out, pd.DataFrame):
        rel = index_reliability(
            design,
            mapping,
            convention=convention,
            scale_range=scale_range,
            reverse=reverse,
            missing_codes=missing_codes,
        )
        out.attrs["scale_reliability"] = rel.iloc[0].to_dict()
        out.attrs["scale"] = "0-100"
    return out


def _weighted_cov(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    mu = w @ X
    Xc = X - mu
    return (Xc * w[:, None]).T @ Xc


@pushdown
def index_reliability(
    design,
    items=None,
    *,
    convention: str = "lapop",
    scale_range: tuple[float, float] | None = None,
    reverse: Sequence[str] = (),
    missing_codes: Sequence = MISSING_CODES,
) -> pd.DataFrame:
    """Internal consistency and dimensionality of an item set (complete cases).

    Items are rescaled as in :func:`index` (``convention``, ``scale_range``, ``reverse``).

    * ``alpha``: Cronbach's alpha, unweighted (``pingouin.cronbach_alpha``, listwise), with
      its 95% interval (``alpha_ci_low``, ``alpha_ci_high``);
    * ``alpha_weighted``: ``k/(k-1) * (1 - sum_j s2_j / s2_sum)`` with the design-weighted
      item variances ``s2_j`` and variance of the sum ``s2_sum`` (weighted covariance
      matrix, weights normalised to sum 1; the normalisation cancels). A descriptive
      population-level statistic: no standard error is given. Equals ``alpha`` with equal
      weights.
    * ``eigenvalue_1``, ``eigenvalue_2``, ``first_component_share``: eigenvalues of the
      design-weighted correlation matrix and the share of the total variance (``k``) taken
      by the first component. ``unidimensional`` is Kaiser's check ``eigenvalue_2 < 1``: when
      it fails, averaging the items into one index is not justified without looking at the
      structure.

    Returns
    -------
    pandas.DataFrame
        One row: ``k, n_complete, alpha, alpha_ci_low, alpha_ci_high, alpha_weighted,
        eigenvalue_1, eigenvalue_2, first_component_share, unidimensional``.
    """
    import pingouin  # heavy: imported only here

    data = data_of(design)
    mapping, scale_range, flipped = _index_items(data, items, convention, scale_range, reverse)
    k = len(mapping)
    if k < 2:
        raise IndicatorError("reliability needs at least two items")
    X = _index_matrix(data, mapping, scale_range, flipped, missing_codes)
    complete = np.isfinite(X).all(axis=1) & (design.weights > 0)
    Xc = X[complete]
    w = design.weights[complete]
    if Xc.shape[0] < 3:
        raise IndicatorError("fewer than 3 complete cases on the items")
    alpha, ci = pingouin.cronbach_alpha(
        data=pd.DataFrame(Xc, columns=list(mapping)), nan_policy="listwise"
    )
    C = _weighted_cov(Xc, w)
    alpha_w = k / (k - 1) * (1 - np.trace(C) / C.sum())
    sd = np.sqrt(np.diag(C))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = C / np.outer(sd, sd)
    eig = np.sort(np.linalg.eigvalsh(R))[::-1]
    return pd.DataFrame(
        {
            "k": [k],
            "n_complete": [int(complete.sum())],
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
