"""The indicator registry: every indicator defined once, for the API, the CLI and reports.

An :class:`Indicator` records the name, definition, numerator, denominator, unit of
analysis, scale, reference period and source standard, the function computing it and the
standard item ids it reads by default. :func:`list_indicators` gives the table that the docs
and report annexes print; :func:`battery` computes every indicator whose standard items are
present in a design's data (what ``survey indicators DATA`` runs).
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field, replace

import pandas as pd

from survey.indicators._common import (
    IndicatorError,
    check_options,
    columns_view,
    household_warnings,
)

__all__ = ["REGISTRY", "Indicator", "battery", "get", "list_indicators"]


@dataclass(frozen=True)
class Indicator:
    """One published indicator and how the package computes it."""

    name: str
    title: str
    definition: str
    numerator: str
    denominator: str
    unit: str  # household | person | incident
    scale: str  # default presentation scale
    reference_period: str
    source: str
    function: str  # "module:function" in survey.indicators
    items: tuple[str, ...] = ()  # standard item ids read by default (any present suffices)
    kwargs: dict = field(default_factory=dict)
    #: the desirable direction of change: "lower" (victimisation, fear), "higher" (trust,
    #: reporting) or None (no judgement); comparisons use it for the "worsened" screen
    better: str | None = None

    def compute(self, design, **kwargs):
        """Run the indicator's function on ``design`` (keyword arguments pass through)."""
        module, func = self.function.split(":")
        fn = getattr(importlib.import_module(f"survey.indicators.{module}"), func)
        return fn(design, **{**self.kwargs, **kwargs})

    def available(self, columns) -> bool:
        cols = set(columns)
        return any(i in cols for i in self.items)


#: The reason ``battery`` gives an indicator whose items the data lack (``attrs["skipped"]``).
ITEMS_NOT_IN_DATA = "items not in the data"

_VIC = "UNODC-UNECE Manual on Victimization Surveys (2010)"
_HH = (
    "vic_hh_vehicle_theft_12m",
    "vic_hh_theft_from_vehicle_12m",
    "vic_hh_burglary_12m",
    "vic_hh_attempted_burglary_12m",
)
_PERS = tuple(
    f"vic_person_{c}_12m"
    for c in (
        "robbery",
        "personal_theft",
        "assault",
        "threat",
        "sexual_offence",
        "extortion",
        "fraud",
        "bribery",
        "kidnapping",
    )
)

_ENTRIES = [
    Indicator(
        "prevalence_household",
        "Household victimisation prevalence",
        "Share of households victimised at least once in the last 12 months, by crime type, "
        "group of types (property, violent) and any crime.",
        "households with >= 1 victimisation of the type(s)",
        "households with a known answer",
        "household",
        "%",
        "last 12 months",
        f"{_VIC}; ENUSC (VA_DC), NCVS household property victimisation",
        "victimisation:prevalence",
        (*_HH, "vic_hh_any_12m"),
        {"unit": "household"},
    ),
    Indicator(
        "prevalence_person",
        "Personal victimisation prevalence",
        "Share of persons (selected respondent) victimised at least once in the last 12 "
        "months, by crime type, group of types and any crime.",
        "persons with >= 1 victimisation of the type(s)",
        "persons with a known answer",
        "person",
        "%",
        "last 12 months",
        f"{_VIC}; ENUSC (VP_DC); ENVIPE (tasa de prevalencia delictiva)",
        "victimisation:prevalence",
        (*_PERS, "vic_person_any_12m"),
        {"unit": "person"},
    ),
    Indicator(
        "incidence",
        "Incidence rate",
        "Victimisations per 100,000 units in the last 12 months (series capped at 10).",
        "sum of weighted victimisation counts (capped)",
        "weighted number of units (population)",
        "person",
        "per 100,000",
        "last 12 months",
        f"{_VIC}; ENVIPE (tasa de incidencia delictiva); NCVS (series cap 10)",
        "victimisation:incidence",
        ("inc_times_12m",),
        {"counts": {"times": "inc_times_12m"}},
    ),
    Indicator(
        "concentration",
        "Concentration",
        "Victimisations per victim in the last 12 months.",
        "sum of weighted victimisation counts (capped)",
        "weighted number of victims",
        "person",
        "ratio",
        "last 12 months",
        _VIC,
        "victimisation:concentration",
        ("inc_times_12m",),
        {"counts": {"times": "inc_times_12m"}},
    ),
    Indicator(
        "reporting_rate",
        "Reporting rate",
        "Share of incidents reported to the police.",
        "incidents reported to the police",
        "incidents with a known answer",
        "incident",
        "%",
        "incident (last 12 months)",
        f"{_VIC}; NCVS (V4399)",
        "victimisation:reporting_rate",
        ("inc_reported_police",),
    ),
    Indicator(
        "complaint_rate",
        "Formal complaint rate",
        "Share of incidents for which a formal complaint was filed.",
        "incidents with a formal complaint",
        "all incidents with a known status",
        "incident",
        "%",
        "incident (last 12 months)",
        "ENVIPE (tasa de denuncia)",
        "victimisation:complaint_rate",
        ("inc_complaint_filed",),
    ),
    Indicator(
        "dark_figure",
        "Dark figure of crime (cifra negra)",
        "Crimes not reported plus crimes reported where no investigation was opened (and "
        "crimes whose status was not specified), over all crimes.",
        "crimes not reported, or reported without investigation, or unspecified",
        "all crimes",
        "incident",
        "%",
        "incident (last 12 months)",
        "INEGI ENVIPE (cifra negra)",
        "victimisation:dark_figure",
        ("inc_reported_police",),
    ),
    Indicator(
        "police_satisfaction",
        "Victim satisfaction with the police response",
        "Share of reported incidents whose victim was very satisfied or satisfied with the "
        "way the police dealt with the matter.",
        "reported incidents, victim satisfied",
        "reported incidents with a valid answer",
        "incident",
        "%",
        "incident (last 12 months)",
        _VIC,
        "victimisation:police_satisfaction",
        ("inc_satisfaction",),
    ),
    Indicator(
        "sdg_16_1_3",
        "SDG 16.1.3 Population subjected to violence",
        "Share of the population subjected to (a) physical (assault or robbery), "
        "(b) psychological (threats), (c) sexual violence in the previous 12 months, and to "
        "any of them.",
        "persons subjected to the form of violence",
        "persons with a known answer",
        "person",
        "%",
        "last 12 months",
        "SDG metadata 16.1.3 and 16.3.1 (UNODC): physical violence = physical assault and robbery",
        "victimisation:sdg_16_1_3",
        (
            "vic_person_assault_12m",
            "vic_person_robbery_12m",
            "vic_person_threat_12m",
            "vic_person_sexual_offence_12m",
        ),
    ),
    Indicator(
        "sdg_16_3_1",
        "SDG 16.3.1 Victims of violence who reported",
        "Share of victims of violence in the previous 12 months who reported their "
        "victimisation to competent authorities, separately for physical (robbery, assault), "
        "psychological (threats) and sexual violence; an extra pooled row is not an SDG "
        "series.",
        "victims of the form of violence who reported to the police or another competent authority",
        "victims of the form of violence (most recent incident of that form)",
        "person",
        "%",
        "last 12 months",
        "SDG metadata 16.3.1 (UNODC): reporting rates computed and published separately "
        "for physical, sexual and psychological violence",
        "victimisation:sdg_16_3_1",
        ("inc_crime_type",),
    ),
    Indicator(
        "sdg_16_3_1_any_authority",
        "SDG 16.3.1 Victims of violence who reported (form data)",
        "As sdg_16_3_1, read from data collected with the standard form: a victimisation "
        "counts as reported when the incident form's derived inc_reported_authority is 1 "
        "(police or any other competent authority, the prosecutor's office included; "
        "inc_reported_other is multiple choice there).",
        "victims of the form of violence who reported to a competent authority",
        "victims of the form of violence with a known reporting status",
        "person",
        "%",
        "last 12 months",
        "SDG metadata 16.3.1 (UNODC); questionnaires/incident.yaml (inc_reported_authority)",
        "victimisation:sdg_16_3_1",
        ("inc_reported_authority",),
        {"reported": "inc_reported_authority", "other": None},
    ),
    Indicator(
        "dark_figure_any_authority",
        "Dark figure of crime (form data, ENVIPE definition)",
        "As dark_figure, read from data collected with the standard form: crimes not reported "
        "to any competent authority (inc_reported_authority = 0, prosecutor's office "
        "included), or reported without a formal complaint or an investigation, over all "
        "crimes (ENVIPE's cifra negra).",
        "crimes not reported, or reported without complaint or investigation",
        "all crimes (incident forms)",
        "incident",
        "%",
        "incident (last 12 months)",
        "ENVIPE (INEGI, cifra negra); questionnaires/incident.yaml (inc_reported_authority)",
        "victimisation:dark_figure",
        ("inc_reported_authority",),
        {"reported": "inc_reported_authority"},
    ),
    Indicator(
        "sdg_16_5_1",
        "SDG 16.5.1 Bribery prevalence",
        "Share of persons who had at least one contact with a public official in the previous "
        "12 months and who paid a bribe to a public official, or were asked for a bribe by "
        "those officials; the row category 'any' is the SDG value ('asked' and 'paid' are "
        "its two parts).",
        "persons with a contact who were asked for or paid a bribe",
        "persons with at least one contact with a public official (known answers)",
        "person",
        "%",
        "last 12 months",
        "SDG metadata 16.5.1 (UNODC); UNODC-INEGI-UNDP Manual on Corruption Surveys (2018); "
        "questionnaires/bribery.yaml (bribe_asked_12m, bribe_paid_12m asked after a contact)",
        "victimisation:prevalence",
        ("bribe_asked_12m", "bribe_paid_12m"),
        {
            "crimes": {"asked": "bribe_asked_12m", "paid": "bribe_paid_12m"},
            "groups": {},
            "unit": "person",
        },
    ),
    Indicator(
        "sdg_16_1_4",
        "SDG 16.1.4 Feel safe walking alone after dark",
        "Share of the population that feel very or fairly safe walking alone around the area "
        "they live after dark ('never walks alone' excluded by default).",
        "persons feeling very or fairly safe",
        "persons with a valid answer (excluding 'never walks alone')",
        "person",
        "%",
        "current",
        "SDG metadata 16.1.4 (UNODC, rev. 2023-03-31)",
        "fear:sdg_16_1_4",
        ("fear_walk_dark",),
    ),
    Indicator(
        "insecurity",
        "Perceived insecurity",
        "Share of persons feeling unsafe in their neighbourhood, municipality, country.",
        "persons feeling unsafe",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        "ENUSC; ENVIPE (percepción de inseguridad)",
        "fear:insecurity",
        ("insec_neighbourhood", "insec_neighbourhood_4pt", "insec_municipality", "insec_state"),
    ),
    Indicator(
        "perceived_increase",
        "Perceived increase in crime",
        "Share of persons who think crime increased (in the neighbourhood, in the country) "
        "in the last 12 months.",
        "persons answering 'increased'",
        "persons with a valid answer",
        "person",
        "%",
        "last 12 months",
        "ENUSC (P3_1_1); ENVIPE",
        "fear:perceived_increase",
        ("perc_crime_change_neighbourhood", "perc_crime_change_country", "perc_crime_rose_country"),
    ),
    Indicator(
        "worry",
        "Worry about crime",
        "Share of persons very or somewhat worried about becoming a victim of each crime.",
        "persons very or somewhat worried",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        _VIC,
        "fear:worry",
        tuple(
            f"worry_{c}"
            for c in ("burglary", "robbery", "assault", "sexual", "kidnapping", "extortion")
        ),
    ),
    Indicator(
        "avoidance",
        "Avoidance behaviours",
        "Share of persons who stopped doing each activity for fear of crime, and any.",
        "persons who stopped the activity",
        "persons with a valid answer",
        "person",
        "%",
        "last 12 months",
        "ENVIPE; ENUSC",
        "fear:avoidance",
        tuple(
            f"avoid_{c}"
            for c in (
                "going_out_night",
                "children_out",
                "valuables",
                "cash",
                "public_transport",
                "places",
            )
        ),
    ),
    Indicator(
        "trust_interpersonal",
        "Interpersonal trust",
        "Share saying most people can be trusted (Latinobarómetro).",
        "persons saying most people can be trusted",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        "Latinobarómetro; World Values Survey",
        "trust:interpersonal",
        ("trust_interpersonal",),
    ),
    Indicator(
        "trust_community_lapop",
        "Trust in people of the community (LAPOP IT1)",
        "Mean trust rescaled 0-100 and share very or somewhat trustworthy.",
        "weighted sum of rescaled answers / persons very or somewhat trustworthy",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        "LAPOP AmericasBarometer (IT1)",
        "trust:interpersonal",
        ("trust_neighbours",),
        {"convention": "lapop"},
    ),
    Indicator(
        "trust_interpersonal_ess",
        "Interpersonal trust (ESS 0-10)",
        "Mean of the 0-10 'most people can be trusted' scale times 10 (0-100), and share "
        "answering 6-10 (high or moderately high trust).",
        "weighted sum of answers x 10 / persons answering 6-10",
        "persons with a valid answer (0-10)",
        "person",
        "%",
        "current",
        "European Social Survey (ppltrst); OECD Society at a Glance 2011 (top five categories "
        "of the ESS 0-10 item)",
        "trust:interpersonal",
        ("trust_interpersonal_11pt",),
        {"convention": "ess"},
    ),
    Indicator(
        "trust_institutional",
        "Institutional trust (Latinobarómetro)",
        "Share trusting each institution 'a lot' or 'some'.",
        "persons answering a lot or some",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        "Latinobarómetro",
        "trust:institutional",
        tuple(f"trust_inst_{i}" for i in ("police", "judiciary", "government", "congress")),
        {"convention": "latinobarometro"},
    ),
    Indicator(
        "trust_institutional_lapop",
        "Institutional trust (LAPOP)",
        "Mean trust in each institution rescaled 0-100, and share answering 5-7 of 1-7.",
        "weighted sum of rescaled answers / persons answering 5-7",
        "persons with a valid answer",
        "person",
        "%",
        "current",
        "LAPOP AmericasBarometer (B-series items)",
        "trust:institutional",
        tuple(f"trust_inst_{i}_7pt" for i in ("police", "judiciary", "government", "congress")),
        {"convention": "lapop"},
    ),
    Indicator(
        "trust_institutional_ess",
        "Institutional trust (ESS 0-10)",
        "Mean trust in each institution on the 0-10 scale times 10 (0-100), and share "
        "answering 6-10 (high or moderately high trust).",
        "weighted sum of answers x 10 / persons answering 6-10",
        "persons with a valid answer (0-10)",
        "person",
        "%",
        "current",
        "European Social Survey (trst* battery); OECD Trust Survey (0-10, 6-10 = trusting)",
        "trust:institutional",
        tuple(
            f"trust_inst_{i}_11pt"
            for i in ("police", "judiciary", "congress", "politicians", "parties")
        ),
        {"convention": "ess"},
    ),
    Indicator(
        "trust_index",
        "Institutional trust index",
        "Mean of the 1-7 institutional trust items (LAPOP convention: 7 = a lot) rescaled "
        "0-100 per respondent, higher = more trust (at least half the items answered), with "
        "Cronbach's alpha and a dimensionality check.",
        "weighted sum of respondents' index",
        "respondents with at least half the items answered",
        "person",
        "0-100",
        "current",
        "LAPOP-style additive index; Cronbach (1951)",
        "trust:index",
        tuple(f"trust_inst_{i}_7pt" for i in ("police", "judiciary", "government", "congress")),
        {"convention": "lapop"},
    ),
    Indicator(
        "trust_index_ess",
        "Institutional trust index (ESS 0-10)",
        "Mean of the 0-10 institutional trust items times 10 per respondent (0-100, higher = "
        "more trust; at least half the items answered), with Cronbach's alpha and a "
        "dimensionality check.",
        "weighted sum of respondents' index",
        "respondents with at least half the items answered",
        "person",
        "0-100",
        "current",
        "European Social Survey (trst* battery); Cronbach (1951)",
        "trust:index",
        tuple(
            f"trust_inst_{i}_11pt"
            for i in ("police", "judiciary", "congress", "politicians", "parties")
        ),
        {"convention": "ess"},
    ),
]

#: The desirable direction of each indicator (UNODC-UNECE manual, SDG metadata): less crime,
#: less fear and avoidance, more reporting, satisfaction and trust.
_BETTER = {
    "prevalence_household": "lower",
    "prevalence_person": "lower",
    "incidence": "lower",
    "concentration": "lower",
    "reporting_rate": "higher",
    "complaint_rate": "higher",
    "dark_figure": "lower",
    "police_satisfaction": "higher",
    "sdg_16_1_3": "lower",  # population subjected to violence
    "sdg_16_3_1": "higher",  # victims of violence who reported to competent authorities
    "sdg_16_1_4": "higher",  # population that feels safe walking alone after dark
    "sdg_16_5_1": "lower",
    "sdg_16_3_1_any_authority": "higher",
    "dark_figure_any_authority": "lower",  # persons in contact with officials who paid or were asked a bribe
    "insecurity": "lower",
    "perceived_increase": "lower",
    "worry": "lower",
    "avoidance": "lower",
    "trust_interpersonal": "higher",
    "trust_community_lapop": "higher",
    "trust_interpersonal_ess": "higher",
    "trust_institutional": "higher",
    "trust_institutional_lapop": "higher",
    "trust_institutional_ess": "higher",
    "trust_index": "higher",
    "trust_index_ess": "higher",
}
_ENTRIES = [replace(e, better=_BETTER.get(e.name)) for e in _ENTRIES]

#: name -> Indicator
REGISTRY: dict[str, Indicator] = {ind.name: ind for ind in _ENTRIES}


def get(name: str) -> Indicator:
    """The registry entry of an indicator (``KeyError`` naming the known ones)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown indicator {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def list_indicators() -> pd.DataFrame:
    """The registry as a table: one row per indicator, its definition and source."""
    cols = [
        "name",
        "title",
        "definition",
        "numerator",
        "denominator",
        "unit",
        "scale",
        "reference_period",
        "source",
        "function",
        "better",
    ]
    return pd.DataFrame([{c: getattr(i, c) for c in cols} for i in _ENTRIES])


def battery(design, by=None, names=None, *, skip_errors: bool = True, **options):
    """Compute every registered indicator whose standard items are in the data.

    Returns the concatenated tidy frames (``scale`` per row in column ``scale``; attrs of
    each part are lost in the concatenation, so the scale travels as a column) and, in
    ``attrs["skipped"]``, the indicators not computed and why. Each indicator is estimated
    on ``design`` with its own unit's items; household and person indicators both use the
    design's weight unless ``weights={"household": col, "person": col}`` is given.

    The options shared by every indicator (``scale``, ``ci``, ``level``, ``df``, ``quality``),
    the ``by`` columns and the ``weights`` columns are checked before anything is estimated
    (an :class:`IndicatorError` names the bad one). If no indicator could be computed, the
    error says why: the one reason when every computed indicator failed the same way,
    otherwise each indicator's reason.
    """
    weights = options.pop("weights", None) or {}
    check_options(options)
    data = columns_view(design)  # the column names (a backend table is not loaded)
    by_cols = [by] if isinstance(by, str) else list(by or [])
    absent = [c for c in [*by_cols, *weights.values()] if c not in data.columns]
    if absent:
        from survey._names import missing_columns

        raise IndicatorError(f"column(s) {missing_columns(absent, data.columns)} not in the data")
    bad_units = sorted(set(weights) - {"household", "person", "incident"})
    if bad_units:
        raise IndicatorError(f"weights= keys are units (household, person, incident): {bad_units}")
    parts, skipped, errors, cautions, person_weighted = [], {}, {}, [], []
    for ind in _ENTRIES if names is None else [get(n) for n in names]:
        if not ind.available(data.columns):
            skipped[ind.name] = ITEMS_NOT_IN_DATA
            continue
        kw = dict(options)
        if ind.unit in weights:
            kw["weight"] = weights[ind.unit]
        try:
            frame = ind.compute(design, by=by, **kw)
        except (IndicatorError, ValueError, KeyError) as exc:
            if not skip_errors:
                raise
            skipped[ind.name] = errors[ind.name] = str(exc)
            continue
        if ind.unit == "household":
            cautions += household_warnings(design, ind.name)
            if "household" not in weights:
                person_weighted.append(ind.name)
        frame = frame.copy()
        frame.insert(0, "indicator", ind.name)
        row_scale = frame.attrs.get("row_scale")
        if row_scale is not None and len(row_scale) == len(frame):
            frame["scale"] = list(row_scale)
        else:
            frame["scale"] = frame.attrs.get("scale", ind.scale)
        parts.append(frame)
    if not parts:
        if errors and len(set(errors.values())) == 1:
            raise IndicatorError(next(iter(errors.values())))
        if errors:
            detail = "; ".join(f"{k}: {v}" for k, v in skipped.items())
            raise IndicatorError(f"no registered indicator could be computed ({detail})")
        raise IndicatorError(
            "no registered indicator found its items in the data; harmonise the file first "
            "(survey indicators DATA --crosswalk NAME)"
        )
    out = pd.concat(parts, ignore_index=True)
    out.attrs["skipped"] = skipped
    if person_weighted:
        w = getattr(design, "weight_name", None)
        cautions.append(
            f"household indicator(s) {', '.join(person_weighted)} use the design's weight"
            f"{f' {w!r}' if w else ''}: if that is a person weight, give the household weight "
            "(--household-weight; weights={'household': ...})"
        )
    out.attrs["warnings"] = list(dict.fromkeys(cautions))
    for msg in out.attrs["warnings"]:
        warnings.warn(msg, UserWarning, stacklevel=2)
    return out
