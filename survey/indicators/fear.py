"""Fear of crime: perceived insecurity, worry, avoidance behaviour, SDG 16.1.4.

Shares of persons giving the answers listed, among persons with a valid answer (don't know /
no answer excluded), estimated with the engine on the caller's design. Defaults are the
standard items of ``questionnaires/fear.yaml``; pass raw column names and codes for other
files (ENUSC, ENVIPE, LAPOP's ``aoj11``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from survey.indicators._common import (
    MISSING_CODES,
    Derived,
    IndicatorError,
    clean,
    column,
    columns_view,
    data_of,
    estimate_and_finish,
    in_codes,
    pushdown,
    values_in_codes,
    with_weight,
)
from survey.indicators.victimisation import _COMMON, _doc

__all__ = ["avoidance", "insecurity", "perceived_increase", "sdg_16_1_4", "worry"]

#: Standard insecurity items and the codes meaning "unsafe" (safe2: 2; safe4: 3-4).
INSECURITY_ITEMS: dict[str, tuple[str, tuple[int, ...]]] = {
    "neighbourhood": ("insec_neighbourhood", (2,)),
    "neighbourhood_4pt": ("insec_neighbourhood_4pt", (3, 4)),
    "municipality": ("insec_municipality", (2,)),
    "country": ("insec_state", (2,)),
}
WORRY_ITEMS = (
    "worry_burglary",
    "worry_robbery",
    "worry_assault",
    "worry_sexual",
    "worry_kidnapping",
    "worry_extortion",
)
AVOIDANCE_ITEMS = (
    "avoid_going_out_night",
    "avoid_children_out",
    "avoid_valuables",
    "avoid_cash",
    "avoid_public_transport",
    "avoid_places",
)


def _items(data, items, default: dict[str, tuple[str, tuple]], codes) -> dict[str, tuple]:
    """name -> (column, codes) from explicit items or the standard ones present."""
    if items is None:
        found = {k: v for k, v in default.items() if v[0] in data.columns}
        if not found:
            cols = ", ".join(v[0] for v in default.values())
            raise IndicatorError(f"none of the standard items is in the data ({cols}); pass items=")
        if codes is not None:
            found = {k: (v[0], tuple(codes)) for k, v in found.items()}
        return found
    if isinstance(items, str):
        items = [items]
    if isinstance(items, Mapping):
        pairs = dict(items)
    else:
        pairs = {c: c for c in items}
    if codes is None:
        raise IndicatorError("items= given: also give the codes that count (e.g. codes=(3, 4))")
    return {name: (col, tuple(codes)) for name, col in pairs.items()}


@pushdown
def _shares(
    design, items, default, codes, variable, by, weight, missing_codes, options, any_item=False
):
    """Share giving the listed answers, per item (:func:`_items` resolves ``items`` against
    the standard ones), plus ``"any"`` of them with ``any_item`` when there are several."""
    spec = _items(data_of(design), items, default, codes)
    opts = {**_COMMON, **options}
    design = with_weight(design, weight)
    data = data_of(design)
    derived = Derived()
    for name, (col, cds) in spec.items():
        derived.add(name, in_codes(data, [col], cds, missing_codes), variable, name)
    if any_item and len(spec) > 1:
        cols = [c for c, _ in spec.values()]
        derived.add("any", in_codes(data, cols, codes, missing_codes), variable, "any")
    meta = {"indicator": variable, "unit": "person", "statistic": "prop"}
    return estimate_and_finish(design, "mean", derived, by, meta, opts)


@_doc
def insecurity(
    design,
    items=None,
    *,
    codes: Sequence | None = None,
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Perceived insecurity: % feeling unsafe in the neighbourhood, municipality, country.

    Default items: ``insec_neighbourhood`` (2 = unsafe), ``insec_neighbourhood_4pt`` (3-4 =
    somewhat/very unsafe), ``insec_municipality``, ``insec_state`` — those present. With
    ``items`` ({name: column} or columns) give ``codes``: the answers that mean unsafe.
    """
    return _shares(
        design, items, INSECURITY_ITEMS, codes, "insecurity", by, weight, missing_codes, options
    )


@_doc
def perceived_increase(
    design,
    items=None,
    *,
    codes: Sequence = (1,),
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Perceived increase in crime: % answering "increased" (code 1 of ``change3``) for the
    neighbourhood and the country (``perc_crime_change_*`` items by default; ENUSC's
    ``P3_1_1`` with 88/96/99 as missing). Without ``perc_crime_change_country`` the country
    share reads the derived flag ``perc_crime_rose_country`` (1 = crime rose: ENUSC 2023's
    published ``PAD``), the same share when ``codes`` is ``(1,)``."""
    default = {
        "neighbourhood": ("perc_crime_change_neighbourhood", tuple(codes)),
        "country": ("perc_crime_change_country", tuple(codes)),
    }
    columns = columns_view(design).columns
    if (
        items is None
        and tuple(codes) == (1,)
        and "perc_crime_change_country" not in columns
        and "perc_crime_rose_country" in columns
    ):
        default["country"] = ("perc_crime_rose_country", (1,))
    return _shares(
        design, items, default, codes, "perceived_increase", by, weight, missing_codes, options
    )


@_doc
def worry(
    design,
    items=None,
    *,
    codes: Sequence = (1, 2),
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Worry about becoming a victim: % very or somewhat worried (codes 1-2 of ``worry4``)
    for each crime the data ask about (``worry_*`` items by default)."""
    default = {c.removeprefix("worry_"): (c, tuple(codes)) for c in WORRY_ITEMS}
    return _shares(design, items, default, codes, "worry", by, weight, missing_codes, options)


@_doc
def avoidance(
    design,
    items=None,
    *,
    codes: Sequence = (1,),
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """Avoidance behaviours: % who stopped doing each activity for fear of crime
    (``avoid_*`` items, 1 = yes), and % with at least one of them ("any")."""
    default = {c.removeprefix("avoid_"): (c, tuple(codes)) for c in AVOIDANCE_ITEMS}
    return _shares(
        design,
        items,
        default,
        codes,
        "avoidance",
        by,
        weight,
        missing_codes,
        options,
        any_item=True,
    )


@_doc
@pushdown
def sdg_16_1_4(
    design,
    item: str = "fear_walk_dark",
    *,
    safe: Sequence = (1, 2),
    never: Sequence = (5,),
    never_walks: str = "exclude",
    by=None,
    weight: str | None = None,
    missing_codes: Sequence = MISSING_CODES,
    **options,
):
    """SDG 16.1.4: % of the population that feel safe walking alone around the area they
    live after dark (very or fairly safe: ``safe`` codes).

    "Never walks alone after dark" answers (``never`` codes): the UNODC metadata (rev.
    2023-03-31) recommend offering this option; how they enter the indicator is set by
    ``never_walks``: ``"exclude"`` (default: left out of numerator and denominator, the
    indicator is then the share among those who do walk alone) or ``"unsafe"`` (counted in
    the denominator as not feeling safe — people who avoid walking alone because they feel
    unsafe). We could not verify the exact wording of the current metadata on this point
    with the sources available; report the choice with the estimate (it is in
    ``attrs["never_walks"]``).
    """
    if never_walks not in ("exclude", "unsafe"):
        raise IndicatorError("never_walks= 'exclude' or 'unsafe'")
    opts = {**_COMMON, **options}
    design = with_weight(design, weight)
    data = data_of(design)
    v = clean(column(data, item, "item"), missing_codes)
    is_never = np.isin(v, np.asarray(never, dtype=float))
    value = values_in_codes(v, safe)
    if never_walks == "exclude":
        value[is_never] = np.nan
    derived = Derived()
    derived.add("feel_safe", value, "sdg_16_1_4", "feel_safe_walking_after_dark")
    meta = {
        "indicator": "sdg_16_1_4",
        "unit": "person",
        "statistic": "prop",
        "never_walks": never_walks,
    }
    return estimate_and_finish(design, "mean", derived, by, meta, opts)
