"""Reliability flags for survey estimates: ``reliable`` / ``caution`` / ``suppress``.

The thresholds live in one configuration, :data:`RULES`; the package default is CEPAL's
(ECLAC's) 2020 criteria for household-survey estimates. Every estimate frame the engine
produces calls :func:`assess` (``EstimateSet.to_frame(quality="default")``), so this module
imports nothing heavy and decides every row with vectorised comparisons.

Rules
-----
``"cepal2020"`` (default) — CEPAL (2020), *Criterios de calidad en la estimación de
indicadores a partir de encuestas de hogares* (repositorio.cepal.org, handle 11362/45681),
**as implemented by INE Chile's R package** ``calidad`` (github.com/inesscc/calidad, read at
commit 57961f8 of 2025-04-15). Thresholds: ``R/evaluate_external.R``, function ``assess``,
``default_params_cepal2020 = list(df = 9, n = 100, cv_cepal = 0.2, ess = 140,
unweighted = 50, log_cv = 0.175)``; decision: ``R/evaluate_internal.R``, function
``assess_cepal2020``; log-CV: ``R/create_internal.R``, function ``get_log_cv``; effective
sample size ``ess = n / deff``: ``R/create_internal.R``, function ``get_ess``.

* ``suppress`` when the unweighted sample size ``n < 100``, the effective sample size
  ``n / deff < 140``, the unweighted count of cases with the characteristic
  ``n_cases < 50`` (proportions), or, for proportions, the log coefficient of variation
  ``> 0.175``;
* otherwise ``caution`` ("review") when the degrees of freedom ``df < 9`` or ``cv >= 0.20``;
* otherwise ``reliable`` ("publish").

The log-CV is ``calidad``'s ``get_log_cv``: with ``cv = se / p``,
``log_cv = cv / -ln(p)`` when ``p < 0.5`` (that is ``se / (p * -ln p)``, the CV of
``-ln p`` by the delta method) and ``log_cv = cv / -ln(1 - p)`` when ``p >= 0.5``.
(Before calidad commit db281f0 of 2025-02-17 the package used ``se / (-ln(p) * p)`` for every
``p``; both agree below one half.) The rule is not symmetric: a share ``p > 0.5`` is judged
more leniently than its complement ``1 - p``.

Checked against ``calidad`` only: the CEPAL (2020) document itself could not be consulted
here, so neither the thresholds nor the log-CV formula above have been verified against it.
Two deliberate departures from ``calidad``'s code: (i) for means, ratios and totals with
``df >= 9`` and ``cv >= 0.20``, ``assess_cepal2020``'s ``case_when`` has no branch and leaves
the label missing; this package says ``caution`` (as for proportions); (ii) for means,
``calidad`` sets ``unweighted = n``, so its 50-cases criterion is implied by ``n >= 100``;
here the cases criterion is applied to proportions only, which gives the same flags.

``"cepal2020_symmetric"`` — a variant of this package, not a published rule: as
``"cepal2020"`` but the log-CV is ``se / (q * |ln q|)`` with ``q = min(p, 1 - p)``, so that a
share and its complement always get the same flag (stricter than ``calidad`` above one half).

``"ine_chile2020"`` — INE Chile (2020), *Estándar para la evaluación de la calidad de las
estimaciones en encuestas de hogares*, as ``calidad``'s ``assess(scheme = "chile")``
(thresholds: ``R/evaluate_external.R``, ``assess``, ``default_params_ine = list(df = 9,
n = 60, cv_lower_ine = 0.15, cv_upper_ine = 0.3)``; decision: ``R/evaluate_internal.R``,
functions ``assess_ine`` and ``quadratic``; the INE document itself was not consulted):

* ``suppress`` ("no fiable") when ``n < 60`` or ``df < 9``; for means, totals and ratios also
  when ``cv > 0.30``;
* proportions: ``reliable`` when ``se <= q^(2/3) / 9`` (``q = min(p, 1 - p)``, calidad's
  ``quadratic``), else ``caution`` ("poco fiable");
* means, totals and ratios: ``reliable`` when ``cv <= 0.15``, ``caution`` when
  ``0.15 < cv <= 0.30``.

``"nchs"`` — the NCHS presentation guideline based on the relative standard error (RSE = cv)
and the number of sample records, as stated for the NHHCS
(cdc.gov/nchs/nhhcs/nhhcs_estimation_publication.htm): fewer than 30 records, not shown
(``suppress``); 30-59 records, or an RSE of 30% or more, shown but not reliable
(``caution``); otherwise ``reliable``. The extra ``suppress`` above an RSE of 50% is NHIS
practice that could not be checked against an NCHS page here. It does not look at degrees
of freedom or design effects.

Inputs
------
Per row: ``estimate, se, cv, df, deff, n`` and, when present, ``n_cases`` (unweighted rows
with the characteristic; the indicator functions add it). ``frame.attrs["statistic"]`` says
whether rows are proportions (``"prop"``); ``frame.attrs["proportion"]`` (a bool, or a list
with one bool per row) overrides it; rows with a non-missing ``n_cases`` are proportions.
Estimates on a percentage or rate scale (``frame.attrs["scale"]``) are divided back to
proportions before the proportion rules are applied.

A criterion whose input is missing in the frame (no ``deff`` for a replicate design) is not
applied. Frames without an ``n_cases`` column (plain ``design.prop`` results) use
``round(n * p)`` for the unweighted count of cases — exact with equal weights within the
domain, an approximation otherwise; the indicator functions give the exact count. Rows whose estimate or standard
error is missing, and differences (``statistic="contrast"``), get ``<NA>``: no published rule
covers them.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

#: The thresholds of every rule (one documented configuration; pass a dict to override).
_CALIDAD = "github.com/inesscc/calidad @57961f8"
_CEPAL2020 = {
    "kind": "cepal",
    "min_n": 100,  # unweighted sample size
    "min_n_eff": 140,  # n / deff
    "min_cases": 50,  # unweighted cases with the characteristic (proportions)
    "min_df": 9,
    "max_cv": 0.20,  # cv >= max_cv -> caution
    "max_log_cv": 0.175,  # proportions: log-CV above -> suppress
    "log_cv": "calidad",  # calidad's get_log_cv (p < 0.5: cv/-ln p; p >= 0.5: cv/-ln(1-p))
    "source": "CEPAL (2020) Criterios de calidad en la estimación de indicadores a partir de "
    f"encuestas de hogares, as implemented in {_CALIDAD}: thresholds R/evaluate_external.R "
    "assess() default_params_cepal2020; decision R/evaluate_internal.R assess_cepal2020(); "
    "log-CV R/create_internal.R get_log_cv() (not checked against the CEPAL document)",
}

#: The thresholds of every rule (one documented configuration; pass a dict to override).
RULES: dict[str, dict] = {
    "cepal2020": _CEPAL2020,
    "cepal2020_symmetric": {
        **_CEPAL2020,
        "log_cv": "symmetric",  # se / (q |ln q|), q = min(p, 1 - p)
        "source": "package variant of cepal2020 (not a published rule): log-CV on "
        "min(p, 1 - p), so that a share and its complement get the same flag",
    },
    "ine_chile2020": {
        "kind": "ine",
        "min_n": 60,
        "min_df": 9,
        "cv_reliable": 0.15,
        "cv_caution": 0.30,
        "source": "INE Chile (2020) Estándar para la evaluación de la calidad de las "
        f"estimaciones en encuestas de hogares, as implemented in {_CALIDAD}: thresholds "
        "R/evaluate_external.R assess() default_params_ine; decision R/evaluate_internal.R "
        "assess_ine() and quadratic() (not checked against the INE document)",
    },
    "nchs": {
        "kind": "cv",
        "min_n_suppress": 30,
        "min_n_reliable": 60,
        "cv_caution": 0.30,
        "cv_suppress": 0.50,
        "source": "NCHS presentation guideline (cdc.gov/nchs/nhhcs/"
        "nhhcs_estimation_publication.htm: < 30 records not shown; 30-59 records or RSE >= "
        "30% unreliable); RSE > 50% not shown is NHIS practice (not checked)",
    },
}

DEFAULT_RULE = "cepal2020"
LEVELS = ("reliable", "caution", "suppress")

_SCALE_FACTORS = {"%": 100.0, "per 1,000": 1_000.0, "per 100,000": 100_000.0}


def resolve_rule(rule: str | dict | None) -> dict:
    """The threshold dict of a rule name, or a dict (``{"base": name, ...overrides}``)."""
    if rule is None:
        rule = DEFAULT_RULE
    if isinstance(rule, str):
        if rule not in RULES:
            raise ValueError(f"quality rule {rule!r}: use one of {', '.join(RULES)}")
        return copy.deepcopy(RULES[rule])
    if isinstance(rule, dict):
        base = rule.get("base", DEFAULT_RULE if "kind" not in rule else None)
        out = copy.deepcopy(RULES[base]) if base else {}
        out.update({k: v for k, v in rule.items() if k != "base"})
        if out.get("kind") not in ("cepal", "ine", "cv"):
            raise ValueError("a quality rule dict needs 'kind' (cepal, ine, cv) or a 'base' rule")
        if out.get("log_cv", "calidad") not in ("calidad", "symmetric"):
            raise ValueError(f"log_cv={out['log_cv']!r}: use 'calidad' or 'symmetric'")
        return out
    raise TypeError("rule must be a rule name, a dict of thresholds, or None")


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_proportion(frame: pd.DataFrame) -> np.ndarray:
    k = len(frame)
    flag = frame.attrs.get("proportion")
    if isinstance(flag, bool | np.bool_):
        out = np.full(k, bool(flag))
    elif isinstance(flag, list | tuple | np.ndarray) and len(flag) == k:
        out = np.asarray(flag, dtype=bool)
    else:
        out = np.full(k, frame.attrs.get("statistic") == "prop")
    if "n_cases" in frame.columns:
        out = out | np.isfinite(_col(frame, "n_cases"))
    return out


def assess(frame: pd.DataFrame, rule: str | dict | None = None) -> pd.Series:
    """Reliability flag of every row of a result frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame in the package's result schema (``estimate, se, cv, df, deff, n``, optional
        ``n_cases``) with ``attrs["statistic"]`` (and optionally ``attrs["scale"]``,
        ``attrs["proportion"]``).
    rule : str, dict or None
        ``None`` = the package default (``"cepal2020"``), a name in :data:`RULES`, or a dict
        of thresholds (``{"base": "cepal2020", "min_n": 50}``).

    Returns
    -------
    pandas.Series
        ``"reliable"``, ``"caution"``, ``"suppress"`` or ``<NA>`` (object dtype), aligned
        with ``frame.index``.
    """
    cfg = resolve_rule(rule)
    k = len(frame)
    if k == 0:
        return pd.Series([], index=frame.index, dtype=object)
    est = _col(frame, "estimate")
    se = _col(frame, "se")
    cv = _col(frame, "cv")
    df = _col(frame, "df")
    deff = _col(frame, "deff")
    n = _col(frame, "n")
    cases = _col(frame, "n_cases")
    factor = _SCALE_FACTORS.get(frame.attrs.get("scale"), 1.0)
    prop = _is_proportion(frame)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(prop, est / factor, est)
        se_p = np.where(prop, se / factor, se)
        cv = np.where(np.isfinite(cv), cv, se / np.abs(est))
        q = np.minimum(p, 1 - p)
        n_eff = n / deff
        if cfg.get("log_cv", "calidad") == "symmetric":
            log_cv = se_p / (q * np.abs(np.log(q)))
        else:  # calidad's get_log_cv: cv / -ln(p) below one half, cv / -ln(1 - p) above
            log_cv = (se_p / p) / -np.log(np.where(p < 0.5, p, 1 - p))
    if "n_cases" not in frame.columns:
        # plain engine frames: the unweighted count of cases approximated by n * p
        # (exact with equal weights in the domain)
        cases = np.where(prop, np.round(n * p), np.nan)
    undefined = ~np.isfinite(est) | ~np.isfinite(se)
    if frame.attrs.get("statistic") == "contrast":
        undefined[:] = True

    def lt(x, t):  # x < t where x is known (NaN inputs do not trigger a criterion)
        return np.isfinite(x) & (x < t)

    def gt(x, t):
        return np.isfinite(x) & (x > t)

    def ge(x, t):
        return np.isfinite(x) & (x >= t)

    kind = cfg["kind"]
    if kind == "cepal":
        suppress = (
            lt(n, cfg["min_n"])
            | lt(n_eff, cfg["min_n_eff"])
            | (prop & lt(cases, cfg["min_cases"]))
            | (prop & gt(log_cv, cfg["max_log_cv"]))
        )
        caution = lt(df, cfg["min_df"]) | ge(cv, cfg["max_cv"])
    elif kind == "ine":
        quad = np.abs(q) ** (2.0 / 3.0) / 9.0
        suppress = lt(n, cfg["min_n"]) | lt(df, cfg["min_df"]) | (~prop & gt(cv, cfg["cv_caution"]))
        caution = np.where(prop, gt(se_p, quad), gt(cv, cfg["cv_reliable"]))
    else:  # cv rule
        suppress = lt(n, cfg["min_n_suppress"]) | gt(cv, cfg["cv_suppress"])
        caution = lt(n, cfg["min_n_reliable"]) | ge(cv, cfg["cv_caution"])
    out = np.where(suppress, "suppress", np.where(caution, "caution", "reliable")).astype(object)
    out[undefined] = pd.NA
    return pd.Series(out, index=frame.index, dtype=object, name="reliability")


def mask(
    frame: pd.DataFrame, columns=("estimate", "se", "ci_low", "ci_high", "cv")
) -> pd.DataFrame:
    """A copy with the values of ``suppress`` rows blanked (NaN): what tables print.

    Suppressed estimates are never shown by default; keep the frame unmasked for analysis.
    """
    out = frame.copy()
    if "reliability" not in out.columns:
        return out
    hide = (out["reliability"] == "suppress").fillna(False).to_numpy(dtype=bool)
    for c in columns:
        if c in out.columns:
            vals = out[c].to_numpy(dtype=float, copy=True)
            vals[hide] = np.nan
            out[c] = vals
    return out


def describe_rules() -> pd.DataFrame:
    """The configured thresholds as a table (for documentation and methods annexes)."""
    rows = []
    for name, cfg in RULES.items():
        for key, value in cfg.items():
            if key not in ("kind", "source"):
                rows.append({"rule": name, "threshold": key, "value": value})
    return pd.DataFrame(rows)
