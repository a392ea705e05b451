"""Reliability flags for survey estimates: ``reliable`` / ``caution`` / ``suppress``.

A publication standard the engine applies to every estimate frame
(``EstimateSet.to_frame(quality=...)``), so it lives below the engine and imports nothing but
numpy and pandas. Every frame in the result schema carries, per row, the flag
(``reliability``), the criteria that decided it (``reliability_reason``, e.g. ``"n < 100;
cases < 50"``) and the rule with its version (``quality_rule``, e.g. ``"cepal2020 (calidad
0.8.0)"``), so a table read without its notes still says why a cell is blank.

The thresholds live in one configuration, :data:`RULES`; the package default is CEPAL's
(ECLAC's) 2020 criteria for household-survey estimates. All rules follow INE Chile's R package
``calidad`` (github.com/inesscc/calidad), version 0.8.0 (commit 57961f8, 2025-04-15), function
``assess(scheme=...)`` and the ``assess_*`` functions it calls; the CEPAL and INE documents
themselves could not be consulted here, so the rules are checked against that code only.

Rules
-----
``"cepal2020"`` (default) — CEPAL (2020), *Criterios de calidad en la estimación de
indicadores a partir de encuestas de hogares*, calidad's ``scheme="eclac_2020"``
(``default_params_cepal2020 = list(df = 9, n = 100, cv_cepal = 0.2, ess = 140,
unweighted = 50, log_cv = 0.175)``; decision ``assess_cepal2020``):

* ``suppress`` when the unweighted sample size ``n < 100``, the effective sample size
  ``n / deff < 140``, the unweighted count of cases with the characteristic ``cases < 50``
  (proportions), or, for proportions, the log coefficient of variation ``> 0.175``;
* otherwise ``caution`` ("review") when the degrees of freedom ``df < 9`` or ``cv >= 0.20``;
* otherwise ``reliable`` ("publish").

The log-CV is ``calidad``'s ``get_log_cv``: with ``cv = se / p``, ``log_cv = cv / -ln(p)``
when ``p < 0.5`` and ``cv / -ln(1 - p)`` when ``p >= 0.5`` (before calidad commit db281f0 of
2025-02-17 it was ``se / (-ln(p) p)`` for every ``p``; both agree below one half). The rule is
not symmetric: a share ``p > 0.5`` is judged more leniently than its complement. Two
deliberate departures from calidad's code: (i) for means, ratios and totals with ``df >= 9``
and ``cv >= 0.20`` calidad's ``case_when`` leaves the label missing; here it is ``caution``
(as for proportions); (ii) for means calidad sets ``unweighted = n``, so its cases criterion is
implied by ``n >= 100``; here it is applied to proportions only (same flags).

``"cepal2020_symmetric"`` — a variant of this package, not a published rule: as
``"cepal2020"`` but the log-CV is ``se / (q |ln q|)`` with ``q = min(p, 1 - p)``.

``"cepal2023"`` — CEPAL (2023) update of the criteria, calidad's ``scheme="eclac_2023"`` with
its defaults ``domain_info = FALSE``, ``low_df_justified = FALSE`` (``default_params_cepal2023
= list(df = 9, n = 100, cv_lower_cepal = 0.2, cv_upper_cepal = 0.3, ess = 60,
cvlog_max = 0.175, CCNP_b = 50, CCNP_a = 30)``; decision ``assess_cepal2023``). ``suppress``
("non-reliable") when ``deff < 1``, ``n / deff < 60`` or ``df < 9``; then

* proportions: log-CV ``<= 0.175`` and ``cases >= 50``: ``reliable``; ``30 <= cases < 50``:
  ``caution`` ("weakly reliable"); ``cases < 30``: ``suppress``. Log-CV ``> 0.175``:
  ``caution`` when ``p >= 0.5`` and ``cases >= 30``, else ``suppress``;
* means, totals and ratios (cases = ``n``, as calidad): ``cv > 0.30`` ``suppress``;
  ``0.20 < cv <= 0.30``: ``caution`` (``suppress`` when ``n < 30``); ``cv <= 0.20``:
  ``reliable`` when ``n >= 50``, ``caution`` when ``30 <= n < 50``, ``suppress`` below 30.

``"ine_chile2020"`` — INE Chile (2020), *Estándar para la evaluación de la calidad de las
estimaciones en encuestas de hogares*: INE Chile's current standard for household surveys,
calidad's default ``scheme="chile"`` (``default_params_ine = list(df = 9, n = 60,
cv_lower_ine = 0.15, cv_upper_ine = 0.3)``; decision ``assess_ine`` and ``quadratic``):

* ``suppress`` ("no fiable") when ``n < 60`` or ``df < 9``; for means, totals and ratios also
  when ``cv > 0.30``;
* proportions: ``reliable`` when ``se <= q^(2/3) / 9`` (``q = min(p, 1 - p)``), else
  ``caution`` ("poco fiable");
* means, totals and ratios: ``reliable`` when ``cv <= 0.15``, ``caution`` when
  ``0.15 < cv <= 0.30``.

(calidad 0.8.0 also has ``scheme="chile_economics"``, INE Chile's 2024 standard for economic
surveys, which needs each domain's target sample size; it is not offered here.)

``"nchs"`` — the NCHS presentation guideline on the relative standard error (RSE = cv) and
the number of sample records (cdc.gov/nchs/nhhcs/nhhcs_estimation_publication.htm): fewer
than 30 records ``suppress``; 30-59 records or an RSE of 30% or more ``caution``; the extra
``suppress`` above an RSE of 50% is NHIS practice not checked against an NCHS page.

Inputs
------
Per row: ``estimate, se, cv, df, deff, n`` and ``n_cases`` (the unweighted rows with the
characteristic: every engine frame of a proportion carries the exact count; there is no
approximation from ``n * p``). ``frame.attrs["statistic"]`` says whether rows are proportions
(``"prop"``); ``frame.attrs["proportion"]`` (a bool or one bool per row) overrides it; rows
with a known ``n_cases`` are proportions (a mean of a 0/1 item is a proportion). A proportion
row without a known ``n_cases`` is an error for rules that count cases. Estimates on a
percentage or rate scale (``frame.attrs["scale"]``) are divided back to proportions first.

The effective sample size ``n / deff`` should use the with-replacement design effect (R's
``deff="replace"``); the engine passes it (R's default ``deff`` includes ``1 - n/sum(w)``,
which explodes for weights scaled to average 1). A criterion whose input is missing (no
``deff`` for replicate designs) is not applied. Rows whose estimate or standard error is
missing, and differences (``statistic="contrast"``), get ``<NA>``: no published rule covers
them. A proportion estimated at 0 or 1 has SE 0, so its CV, design effect and effective
sample size are undefined and the criteria above cannot judge it: it is at least
``caution`` with reason ``p = 0 or 1 (SE 0: CV and deff undefined)`` (its interval is the
Korn-Graubard interval with the effective size set to the rows, NCHS's rule; see
:func:`survey.engine.ci.boundary_interval`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: The implementation every rule follows (cited in ``quality_rule`` and the methods annex).
CALIDAD_VERSION = "calidad 0.8.0"
_CALIDAD = "github.com/inesscc/calidad 0.8.0 (commit 57961f8)"

_CEPAL2020 = {
    "kind": "cepal",
    "min_n": 100,  # unweighted sample size
    "min_n_eff": 140,  # n / deff
    "min_cases": 50,  # unweighted cases with the characteristic (proportions)
    "min_df": 9,
    "max_cv": 0.20,  # cv >= max_cv -> caution
    "max_log_cv": 0.175,  # proportions: log-CV above -> suppress
    "log_cv": "calidad",  # calidad's get_log_cv (p < 0.5: cv/-ln p; p >= 0.5: cv/-ln(1-p))
    "version": CALIDAD_VERSION,
    "source": f"CEPAL (2020); {_CALIDAD} assess(scheme='eclac_2020')",
}

#: The thresholds of every rule (one documented configuration; pass a dict to override).
RULES: dict[str, dict] = {
    "cepal2020": _CEPAL2020,
    "cepal2020_symmetric": {
        **_CEPAL2020,
        "log_cv": "symmetric",  # se / (q |ln q|), q = min(p, 1 - p)
        "version": "package variant",
        "source": "package variant of cepal2020 (not a published rule): log-CV on "
        "min(p, 1 - p), so that a share and its complement get the same flag",
    },
    "cepal2023": {
        "kind": "cepal2023",
        "min_deff": 1.0,
        "min_n_eff": 60,
        "min_df": 9,
        "cv_reliable": 0.20,
        "cv_caution": 0.30,
        "max_log_cv": 0.175,
        "cases_reliable": 50,  # CCNP_b
        "cases_caution": 30,  # CCNP_a
        "log_cv": "calidad",
        "version": CALIDAD_VERSION,
        "source": f"CEPAL (2023); {_CALIDAD} assess(scheme='eclac_2023')",
    },
    "ine_chile2020": {
        "kind": "ine",
        "min_n": 60,
        "min_df": 9,
        "cv_reliable": 0.15,
        "cv_caution": 0.30,
        "version": CALIDAD_VERSION,
        "source": f"INE Chile (2020); {_CALIDAD} assess(scheme='chile')",
    },
    "nchs": {
        "kind": "cv",
        "min_n_suppress": 30,
        "min_n_reliable": 60,
        "cv_caution": 0.30,
        "cv_suppress": 0.50,
        "version": "NHHCS guideline",
        "source": "NCHS presentation guideline (cdc.gov/nchs/nhhcs/"
        "nhhcs_estimation_publication.htm); RSE > 50% not shown is NHIS practice (not checked)",
    },
}

DEFAULT_RULE = "cepal2020"
LEVELS = ("reliable", "caution", "suppress")
#: Columns every result frame carries for the publication decision.
QUALITY_COLUMNS = ("reliability", "reliability_reason", "quality_rule")
_KINDS = ("cepal", "cepal2023", "ine", "cv")
_META = ("kind", "source", "version", "log_cv", "name")

_SCALE_FACTORS = {"%": 100.0, "per 1,000": 1_000.0, "per 100,000": 100_000.0}


def resolve_rule(rule: str | dict | None) -> dict:
    """The threshold dict of a rule name, or a dict (``{"base": name, ...overrides}``).

    The result has a ``name`` entry: the rule name, followed by ``*`` when thresholds were
    overridden."""
    if rule is None or rule == "default":
        rule = DEFAULT_RULE
    if isinstance(rule, str):
        if rule not in RULES:
            raise ValueError(f"quality rule {rule!r}: use one of {', '.join(RULES)}")
        return {**copy.deepcopy(RULES[rule]), "name": rule}
    if isinstance(rule, dict):
        base = rule.get("base", DEFAULT_RULE if "kind" not in rule else None)
        if base is not None and base not in RULES:
            raise ValueError(f"quality rule {base!r}: use one of {', '.join(RULES)}")
        out = copy.deepcopy(RULES[base]) if base else {}
        changes = {k: v for k, v in rule.items() if k not in ("base", "name")}
        overridden = any(out.get(k) != v for k, v in changes.items())
        out.update(changes)
        out["name"] = rule.get("name") or f"{base or 'custom'}{'*' if overridden else ''}"
        if out.get("kind") not in _KINDS:
            raise ValueError(
                f"a quality rule dict needs 'kind' ({', '.join(_KINDS)}) or a 'base' rule"
            )
        if out.get("log_cv", "calidad") not in ("calidad", "symmetric"):
            raise ValueError(f"log_cv={out['log_cv']!r}: use 'calidad' or 'symmetric'")
        return out
    raise TypeError("rule must be a rule name, a dict of thresholds, or None")


def rule_label(rule: str | dict | None = None) -> str:
    """``"name (version)"``: the value of the ``quality_rule`` column."""
    cfg = resolve_rule(rule)
    return f"{cfg['name']} ({cfg.get('version', 'custom')})"


def thresholds(rule: str | dict | None = None) -> dict:
    """The numeric thresholds of a rule (no metadata)."""
    cfg = rule if isinstance(rule, dict) and "name" in rule else resolve_rule(rule)
    return {k: v for k, v in cfg.items() if k not in _META}


def quality_note(rule: str | dict | None = None) -> str:
    """One line for table footers: the rule, its version and thresholds."""
    cfg = resolve_rule(rule)
    nums = ", ".join(f"{k} = {v:g}" for k, v in thresholds(cfg).items())
    return f"publication rule {cfg['name']} ({cfg.get('version', 'custom')}): {nums}"


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    col = frame[name]
    if col.dtype.kind == "f":  # the engine's columns: no parsing pass
        return col.to_numpy(dtype=float)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_proportion(frame: pd.DataFrame) -> np.ndarray:
    k = len(frame)
    flag = frame.attrs.get("proportion")
    if isinstance(flag, bool | np.bool_):
        return np.full(k, bool(flag))
    if isinstance(flag, list | tuple | np.ndarray) and len(flag) == k:
        return np.asarray(flag, dtype=bool)
    out = np.full(k, frame.attrs.get("statistic") == "prop")
    if "n_cases" in frame.columns:
        out = out | np.isfinite(_col(frame, "n_cases"))
    return out


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def assess_reasons(frame: pd.DataFrame, rule: str | dict | None = None) -> pd.DataFrame:
    """Flag and reason of every row of a result frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame in the package's result schema (``estimate, se, cv, df, deff, n, n_cases``)
        with ``attrs["statistic"]`` (and optionally ``attrs["scale"]``,
        ``attrs["proportion"]``).
    rule : str, dict or None
        ``None`` = the package default (``"cepal2020"``), a name in :data:`RULES`, or a dict
        of thresholds (``{"base": "cepal2020", "min_n": 50}``).

    Returns
    -------
    pandas.DataFrame
        ``reliability`` (``"reliable"``, ``"caution"``, ``"suppress"`` or ``<NA>``),
        ``reliability_reason`` (the criteria met at that level, ``"; "``-separated, e.g.
        ``"n < 100; cases < 50"``; ``<NA>`` for reliable or unassessed rows; ``"no rule"``
        for differences) and ``quality_rule`` (:func:`rule_label`), aligned with
        ``frame.index``.

    Raises
    ------
    ValueError
        A proportion row without its unweighted case count (``n_cases``) under a rule that
        counts cases.
    """
    cfg = resolve_rule(rule)
    label = f"{cfg['name']} ({cfg.get('version', 'custom')})"
    k = len(frame)
    if k == 0:
        return pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in QUALITY_COLUMNS}, index=frame.index
        )
    est = _col(frame, "estimate")
    se = _col(frame, "se")
    cv = _col(frame, "cv")
    df = _col(frame, "df")
    deff = _col(frame, "deff")
    n = _col(frame, "n")
    cases = _col(frame, "n_cases")
    factor = _SCALE_FACTORS.get(frame.attrs.get("scale"), 1.0)
    prop = _is_proportion(frame)
    undefined = ~np.isfinite(est) | ~np.isfinite(se)
    if frame.attrs.get("statistic") == "contrast":
        undefined[:] = True
    kind = cfg["kind"]
    if kind in ("cepal", "cepal2023"):
        lacking = prop & ~undefined & ~np.isfinite(cases) & (n > 0)
        if lacking.any():
            rows = np.flatnonzero(lacking)[:5].tolist()
            raise ValueError(
                f"quality rule {cfg['name']!r} counts the unweighted cases of a proportion, but "
                f"rows {rows} have no 'n_cases' (estimate proportions through the engine, which "
                "counts them, or add the column)"
            )
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

    def lt(x, t):  # x < t where x is known (NaN inputs do not trigger a criterion)
        return np.isfinite(x) & (x < t)

    def gt(x, t):
        return np.isfinite(x) & (x > t)

    def ge(x, t):
        return np.isfinite(x) & (x >= t)

    le = lambda x, t: np.isfinite(x) & (x <= t)  # noqa: E731
    c = cfg
    if kind == "cepal":
        suppress = [
            (f"n < {c['min_n']}", lt(n, c["min_n"])),
            (f"n_eff < {c['min_n_eff']}", lt(n_eff, c["min_n_eff"])),
            (f"cases < {c['min_cases']}", prop & lt(cases, c["min_cases"])),
            (f"log-CV > {c['max_log_cv']}", prop & gt(log_cv, c["max_log_cv"])),
        ]
        caution = [
            (f"df < {c['min_df']}", lt(df, c["min_df"])),
            (f"CV >= {_pct(c['max_cv'])}", ge(cv, c["max_cv"])),
        ]
    elif kind == "cepal2023":
        count = np.where(prop, cases, n)  # calidad: unweighted = n for means
        lc = gt(log_cv, c["max_log_cv"])
        suppress = [
            (f"deff < {c['min_deff']:g}", lt(deff, c["min_deff"])),
            (f"n_eff < {c['min_n_eff']}", lt(n_eff, c["min_n_eff"])),
            (f"df < {c['min_df']}", lt(df, c["min_df"])),
            (f"cases < {c['cases_caution']}", prop & lt(count, c["cases_caution"])),
            (f"n < {c['cases_caution']}", ~prop & lt(count, c["cases_caution"])),
            (f"log-CV > {c['max_log_cv']} (p < 0.5)", prop & lc & (p < 0.5)),
            (f"CV > {_pct(c['cv_caution'])}", ~prop & gt(cv, c["cv_caution"])),
        ]
        caution = [
            (f"cases < {c['cases_reliable']}", prop & lt(count, c["cases_reliable"])),
            (f"n < {c['cases_reliable']}", ~prop & lt(count, c["cases_reliable"])),
            (f"log-CV > {c['max_log_cv']}", prop & lc),
            (f"CV > {_pct(c['cv_reliable'])}", ~prop & gt(cv, c["cv_reliable"])),
        ]
    elif kind == "ine":
        quad = np.abs(q) ** (2.0 / 3.0) / 9.0
        suppress = [
            (f"n < {c['min_n']}", lt(n, c["min_n"])),
            (f"df < {c['min_df']}", lt(df, c["min_df"])),
            (f"CV > {_pct(c['cv_caution'])}", ~prop & gt(cv, c["cv_caution"])),
        ]
        caution = [
            ("SE > q^(2/3)/9", prop & ~le(se_p, quad)),
            (f"CV > {_pct(c['cv_reliable'])}", ~prop & gt(cv, c["cv_reliable"])),
        ]
    else:  # cv rule
        suppress = [
            (f"n < {c['min_n_suppress']}", lt(n, c["min_n_suppress"])),
            (f"CV > {_pct(c['cv_suppress'])}", gt(cv, c["cv_suppress"])),
        ]
        caution = [
            (f"n < {c['min_n_reliable']}", lt(n, c["min_n_reliable"])),
            (f"CV >= {_pct(c['cv_caution'])}", ge(cv, c["cv_caution"])),
        ]
    # p = 0 or 1: the SE is 0, so no CV, design effect or effective n exists and no rule
    # above can judge the estimate; its interval is Korn-Graubard with n (engine.ci)
    edge = prop & np.isfinite(p) & ((p <= 1e-12) | (p >= 1 - 1e-12))
    caution = [*caution, ("p = 0 or 1 (SE 0: CV and deff undefined)", edge)]
    is_sup = np.logical_or.reduce([m for _, m in suppress])
    is_cau = np.logical_or.reduce([m for _, m in caution]) & ~is_sup
    flag = np.where(is_sup, "suppress", np.where(is_cau, "caution", "reliable")).astype(object)
    flag[undefined] = pd.NA
    reason = np.full(k, "", dtype=object)
    for level_mask, crits in ((is_sup, suppress), (is_cau, caution)):
        for text, m in crits:
            hit = level_mask & m
            if hit.any():
                reason[hit] = np.where(reason[hit] == "", text, reason[hit] + "; " + text)
    reason[reason == ""] = pd.NA
    reason[undefined] = pd.NA
    if frame.attrs.get("statistic") == "contrast":
        reason[:] = "no rule"
    rules = np.full(k, label, dtype=object)
    cols = {"reliability": flag, "reliability_reason": reason, "quality_rule": rules}
    out = pd.DataFrame(index=frame.index)
    for name, values in cols.items():
        out[name] = pd.Series(values, index=frame.index, dtype=object)
    return out


def assess(frame: pd.DataFrame, rule: str | dict | None = None) -> pd.Series:
    """Reliability flag of every row of a result frame (see :func:`assess_reasons`).

    Returns
    -------
    pandas.Series
        ``"reliable"``, ``"caution"``, ``"suppress"`` or ``<NA>`` (object dtype), aligned
        with ``frame.index``.
    """
    return assess_reasons(frame, rule)["reliability"].rename("reliability")


def apply(frame: pd.DataFrame, rule: str | dict | None = None) -> pd.DataFrame:
    """Fill ``reliability``, ``reliability_reason`` and ``quality_rule`` of ``frame`` in
    place (and return it); ``frame.attrs["quality_rule"]`` gets the rule label."""
    got = assess_reasons(frame, rule)
    for col in QUALITY_COLUMNS:
        frame[col] = got[col].to_numpy()
    frame.attrs["quality_rule"] = rule_label(rule)
    return frame


#: ``reliability_reason`` of an estimate suppressed only because it would give away a
#: suppressed one (its complement).
COMPLEMENTARY = "complementary suppression"


def complementary_suppression(data: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """``data`` with the estimates that would reveal a suppressed one suppressed too.

    The shares of an item's categories in one domain add up to 1 (a Yes/No item shown as
    two categories: "No" = 1 - "Yes"). When exactly one of them is suppressed and the
    others are shown, a reader recovers it by subtraction; so the shown category with the
    smallest estimate is suppressed as well (for two categories: the complement), its
    ``reliability_reason`` saying ``"complementary suppression"``. Groups whose estimates
    do not add up to 1 (or 100 on a percent frame: means, totals, several items) are left
    as they are, as are 0/1 items shown by their single "1" row. Returns a copy when
    anything changes.
    """
    need = {"variable", "category", "estimate", "reliability"}
    if not need <= set(data.columns) or not len(data):
        return data
    flags = data["reliability"].astype(object)
    if not (flags == "suppress").any():
        return data
    full = 100.0 if data.attrs.get("scale") == "%" else 1.0
    keys = [c for c in by if c in data.columns] + ["variable"]
    extra = []
    grouped = data.assign(_row=np.arange(len(data))).groupby(keys, dropna=False, sort=False)
    for _, g in grouped:
        if len(g) < 2 or g["category"].isna().any():
            continue
        sup = g["reliability"].astype(object) == "suppress"
        if int(sup.sum()) != 1:
            continue
        est = g["estimate"].to_numpy(dtype=float)
        if not np.all(np.isfinite(est)) or abs(est.sum() - full) > 1e-6 * full:
            continue
        shown = g[~sup.to_numpy()]
        extra.append(int(shown["_row"].to_numpy()[np.argmin(shown["estimate"].to_numpy(float))]))
    if not extra:
        return data
    out = data.copy()
    out.attrs = dict(data.attrs)
    rel = out["reliability"].astype(object).to_numpy().copy()
    rel[extra] = "suppress"
    out["reliability"] = rel
    if "reliability_reason" in out.columns:
        why = out["reliability_reason"].astype(object).to_numpy().copy()
    else:
        why = np.full(len(out), None, dtype=object)
    why[extra] = COMPLEMENTARY
    out["reliability_reason"] = why
    return out


def mask(
    frame: pd.DataFrame,
    columns=("estimate", "se", "ci_low", "ci_high", "cv"),
    *,
    by=None,
    complementary: bool = True,
) -> pd.DataFrame:
    """A copy with the values of ``suppress`` rows blanked (NaN): what tables and the tidy
    csv/xlsx outputs print.

    With ``complementary`` (default) the estimates that would give a suppressed share away
    (the other categories of its item in the same domain, which add up to 1) are suppressed
    first (:func:`complementary_suppression`; ``by``: the domain columns, default those
    before ``variable``). Suppressed estimates are never shown by default; keep the frame
    unmasked for analysis. The ``reliability_reason`` column says why each blank cell is
    blank.
    """
    if "reliability" not in frame.columns:
        return frame.copy()
    if complementary:
        if by is None:
            cols = list(frame.columns)
            by = cols[: cols.index("variable")] if "variable" in cols else []
        frame = complementary_suppression(frame, [by] if isinstance(by, str) else by)
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    hide = (out["reliability"] == "suppress").fillna(False).to_numpy(dtype=bool)
    for c in columns:
        if c in out.columns:
            vals = out[c].to_numpy(dtype=float, copy=True)
            vals[hide] = np.nan
            out[c] = vals
    return out


#: The numbers of a comparison row (``survey.compare.COMPARISON_COLUMNS``) that
#: :func:`mask_comparisons` blanks: both inputs, the change and everything tested on it.
COMPARISON_NUMBERS = (
    "estimate_1", "se_1", "estimate_2", "se_2", "estimate", "se", "ci_low", "ci_high",
    "t", "p_value", "p_adjusted", "effect_size",
)  # fmt: skip


def mask_comparisons(frame: pd.DataFrame, suppressed=None) -> pd.DataFrame:
    """A copy of a comparison frame with the numbers of rows that use a suppressed
    estimate blanked (NaN; ``significant`` and ``worsened`` missing): what the tidy
    csv/xlsx outputs print, as :func:`mask` for estimates. ``suppressed``: a boolean mask
    of the rows to blank (default: ``suppressed_input``, or ``reliability == "suppress"``
    where a report has set it). The flags and notes stay, so a reader sees why."""
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    if suppressed is None:
        hide = np.zeros(len(out), dtype=bool)
        for col, val in (("suppressed_input", True), ("reliability", "suppress")):
            if col in out.columns:
                hide |= (out[col].astype(object) == val).fillna(False).to_numpy(dtype=bool)
    else:
        hide = np.asarray(suppressed, dtype=bool)
    if not hide.any():
        return out
    for c in COMPARISON_NUMBERS:
        if c in out.columns:
            vals = out[c].to_numpy(dtype=float, copy=True)
            vals[hide] = np.nan
            out[c] = vals
    for c in ("significant", "worsened"):
        if c in out.columns:
            vals = out[c].astype(object).to_numpy(copy=True)
            vals[hide] = None
            out[c] = pd.array(vals, dtype="boolean")
    return out


def describe_rules() -> pd.DataFrame:
    """The configured thresholds as a table (for documentation and methods annexes)."""
    rows = []
    for name, cfg in RULES.items():
        for key, value in cfg.items():
            if key not in _META:
                rows.append({"rule": name, "threshold": key, "value": value})
    return pd.DataFrame(rows)
