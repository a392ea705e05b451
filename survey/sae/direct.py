"""Direct area estimates and their sampling variances, from the engine (the model's inputs).

Every number here comes from :func:`survey.engine.estimate` on the *full* design with the
areas as domains (rows outside an area are never dropped before the variance), so the
variances are the package's one linearisation (or replicate) variance. This module only
counts PSUs and flags areas whose variance cannot be used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Status of an area's direct variance.
STATUS = {
    "ok": "direct variance usable",
    "single_psu": "one PSU in the area: the direct variance has no degrees of freedom",
    "zero_variance": "direct variance is zero (e.g. a proportion of 0 or 1 in the sample)",
    "no_sample": "no sampled rows in the area (out of sample)",
}

DIRECT_COLUMNS = (
    "estimate",
    "var",
    "se",
    "cv",
    "n",
    "n_eff",
    "deff",
    "df",
    "n_psu",
    "n_weighted",
    "reliability",
    "status",
    "var_engine",
)


def _psu_count(design, area_codes: np.ndarray, n_areas: int) -> np.ndarray:
    """Distinct first-stage units with non-zero weight in each area."""
    st = design.stages[0]
    keep = (area_codes >= 0) & (np.asarray(design.weights) != 0)
    pairs = np.unique(st.unit[keep].astype(np.int64) * n_areas + area_codes[keep])
    return np.bincount(pairs % n_areas, minlength=n_areas)


def direct(
    design,
    variable: str,
    area: str,
    *,
    areas=None,
    df="domain",
    level: float = 0.95,
    quality=None,
) -> pd.DataFrame:
    """Direct (design-based) estimates of the mean of ``variable`` in every area.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        The full sample design (areas are domains of it).
    variable : str
        Numeric column; for a 0/1 column the estimate is the proportion of 1s.
    area : str
        Column holding the area codes (e.g. ``enc_rpc`` for ENUSC communes).
    areas : sequence, optional
        Every area of the population (e.g. the codes of a covariate table); areas with no
        sample rows are added with ``status="no_sample"``.
    df : {"domain", "design", "inf"} or float
        Degrees of freedom of each area's estimate (``"domain"``: PSUs minus strata holding
        the area, R's ``degf`` of the subset; INE Chile's rule).
    level : float
        Level of the direct confidence intervals (``ci_low``, ``ci_high``).
    quality : str or dict, optional
        Reliability rule for the direct figures (package default CEPAL 2020).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``area`` column, then ``estimate`` (weighted mean), ``var``
        (sampling variance used by the models: NaN where ``status`` is not ``ok``), ``se``,
        ``cv``, ``ci_low``, ``ci_high``, ``n`` (rows with an answer), ``n_eff`` (``n / deff``
        with the with-replacement design effect, R's ``deff="replace"``), ``deff`` (that
        design effect), ``df``, ``n_psu``, ``n_weighted``, ``reliability`` (the quality rule
        on the direct figure), ``status`` (see :data:`STATUS`), ``var_engine`` (the engine's
        variance as computed, kept for the record). ``attrs``: ``area``, ``variable``,
        ``proportion`` (whether the variable is 0/1), ``df_rule``, ``level``.

    Notes
    -----
    Areas with one PSU get ``status="single_psu"`` and with a zero variance
    ``"zero_variance"``: their ``var`` is NaN, never a silent zero, so a model either
    smooths it (:func:`survey.sae.smooth_variances`) or treats the area explicitly.
    """
    from survey.engine import estimate
    from survey.engine.domains import make_domains

    if variable not in design.data.columns:
        raise KeyError(f"variable {variable!r} is not a column of the design's data")
    if area not in design.data.columns:
        raise KeyError(f"area column {area!r} is not a column of the design's data")
    dom = make_domains(design.data, [area])
    es = estimate(design, "mean", [variable], by=[area], domains=dom)
    frame = es.to_frame(ci="wald", level=level, df=df, quality=quality or "default")
    var = es.variance()
    deff_r = es.deff_replace(var)
    if deff_r is None:
        deff_r = frame["deff"].to_numpy(dtype=float)
    n_areas = dom.n_domains
    if hasattr(design, "stages"):
        n_psu = _psu_count(design, dom.codes, n_areas)
    else:  # replicate designs carry no PSUs
        n_psu = np.full(n_areas, -1)
    out = pd.DataFrame({area: frame[area].to_numpy()})
    n = frame["n"].to_numpy(dtype=float)
    out["estimate"] = frame["estimate"].to_numpy(dtype=float)
    status = np.full(n_areas, "ok", dtype=object)
    status[(n_psu == 1)] = "single_psu"
    status[(status == "ok") & ~(var > 0)] = "zero_variance"
    status[n == 0] = "no_sample"
    usable = status == "ok"
    out["var"] = np.where(usable, var, np.nan)
    out["se"] = np.sqrt(out["var"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = out["se"] / np.abs(out["estimate"])
        out["n_eff"] = np.where(deff_r > 0, n / deff_r, np.nan)
    out["ci_low"] = np.where(usable, frame["ci_low"], np.nan)
    out["ci_high"] = np.where(usable, frame["ci_high"], np.nan)
    out["n"] = n
    out["deff"] = deff_r
    out["df"] = frame["df"].to_numpy(dtype=float)
    out["n_psu"] = n_psu
    out["n_weighted"] = frame["n_weighted"].to_numpy(dtype=float)
    out["reliability"] = np.where(usable, frame["reliability"].astype(object), "suppress")
    out["status"] = status
    out["var_engine"] = var
    if areas is not None:
        extra = pd.Index(pd.unique(pd.Series(list(areas)))).difference(out[area])
        if len(extra):
            add = pd.DataFrame({area: extra})
            add["status"] = "no_sample"
            add["reliability"] = "suppress"
            add["n"] = 0.0
            add["n_psu"] = 0
            out = pd.concat([out, add], ignore_index=True)
    vals = pd.to_numeric(design.data[variable], errors="coerce").dropna().unique()
    out.attrs.update(
        {
            "area": area,
            "variable": variable,
            "proportion": bool(set(np.unique(vals)) <= {0, 1}),
            "df_rule": df,
            "level": level,
        }
    )
    return out
