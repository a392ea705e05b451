"""The ``sae:`` section of a report spec: small-area (Fay-Herriot) estimates by area.

Spec (every key checked; paths relative to the spec, ``@city_*`` the bundled synthetic city)::

    sae:
      label: "Household victimisation by neighbourhood"
      data: "@city_sample"          # optional: its own sample; default the report's design
      design: {weight: weight, strata: area, psu: block, lonely_psu: certainty}  # with data
      variable: victim              # 0/1 (rates) or numeric
      area: area                    # area codes (communes, neighbourhoods)
      covariates: "@city_census"    # one row per area of the population (census aggregates)
      x: [poverty, density, lighting]
      categorical: []               # covariates entering as dummies (e.g. region)
      method: AREML                 # REML | ML | FH | AREML | AML
      transform: none               # none | arcsin (then mse: bootstrap)
      mse: analytic                 # analytic | bootstrap
      B: 200                        # bootstrap replicates; seed: 20261202
      smooth: unstable              # GVF where the direct variance is unstable (none | all)
      unstable: synthetic           # areas without a usable variance: error | synthetic
      df: domain                    # direct df rule
      unit: person                  # without data: the report design used (person|household)
      benchmark: {size: households, group: null, method: ratio}   # optional
      map: {geometry: "@city_areas", key: area, name: name}       # optional choropleth
      truth: true_rate              # optional: covariate column with the known values (demo)
      source: "Synthetic city"      # optional: the figures' source line (default the report's)
      figures: [caterpillar, map]   # optional: which figures (default both; map needs map:)
      figure_files: true            # false: figures only in the HTML, not figures/*.png|svg

Nothing here computes a statistic: the estimates come from :mod:`survey.sae` (direct inputs
from the engine, the model, its MSE, the benchmark), the figures from
:func:`survey.sae.caterpillar` and :func:`survey.plots.choropleth`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SAE_KEYS = (
    "label", "data", "design", "variable", "area", "covariates", "x", "categorical",
    "method", "transform", "mse", "B", "seed", "smooth", "unstable", "df", "unit",
    "benchmark", "map", "truth", "source", "figures", "figure_files",
)  # fmt: skip
BENCHMARK_KEYS = ("size", "group", "method")
MAP_KEYS = ("geometry", "key", "name")

TEXT = {
    "title": {
        "en": "Small-area estimates: {label}",
        "es": "Estimaciones para áreas pequeñas: {label}",
        "pt": "Estimativas para pequenas áreas: {label}",
    },
    "cols": {
        "en": (
            "Area|n|PSUs|Direct|Direct CV (%)|Variance|Model|CI low|CI high|Model CV (%)|"
            "Shrinkage|Kind"
        ),
        "es": (
            "Área|n|UPM|Directa|CV directa (%)|Varianza|Modelo|LI|LS|CV modelo (%)|Contracción|Tipo"
        ),
        "pt": (
            "Área|n|UPA|Direta|CV direta (%)|Variância|Modelo|LI|LS|CV modelo (%)|Contração|Tipo"
        ),
    },
    "var_source": {
        "en": {"direct": "direct", "gvf": "GVF", "none": "", "arcsin n_eff": "1/(4 n_eff)"},
        "es": {"direct": "directa", "gvf": "FGV", "none": "", "arcsin n_eff": "1/(4 n_ef)"},
        "pt": {"direct": "direta", "gvf": "FGV", "none": "", "arcsin n_eff": "1/(4 n_ef)"},
    },
    "truth_col": {"en": "True value", "es": "Valor verdadero", "pt": "Valor verdadeiro"},
    "kind": {
        "en": {"eblup": "EBLUP", "synthetic": "synthetic"},
        "es": {"eblup": "EBLUP", "synthetic": "sintética"},
        "pt": {"eblup": "EBLUP", "synthetic": "sintética"},
    },
    "table_note": {
        "en": (
            "Model: Fay-Herriot ({method}); MSE: {mse}. Intervals: estimate -/+ z sqrt(MSE) "
            "at {level}. {k} of {m} areas have a model CV of at most 20% (direct: {kd}). "
            "Shrinkage: weight of the direct estimate. Flags: the quality rule's CV criterion."
        ),
        "es": (
            "Modelo: Fay-Herriot ({method}); ECM: {mse}. Intervalos: estimación -/+ z "
            "raíz(ECM) al {level}. {k} de {m} áreas tienen un CV del modelo de a lo más 20% "
            "(directas: {kd}). Contracción: peso de la estimación directa. Calificación: "
            "criterio de CV de la regla de calidad."
        ),
        "pt": (
            "Modelo: Fay-Herriot ({method}); EQM: {mse}. Intervalos: estimativa -/+ z "
            "raiz(EQM) a {level}. {k} de {m} áreas têm CV do modelo de no máximo 20% "
            "(diretas: {kd}). Contração: peso da estimativa direta. Classificação: critério "
            "de CV da regra de qualidade."
        ),
    },
    "bench_title": {
        "en": "Benchmarking to direct estimates",
        "es": "Ajuste (benchmarking) a las estimaciones directas",
        "pt": "Ajuste (benchmarking) às estimativas diretas",
    },
    "bench_cols": {
        "en": "Group|Direct target|Model aggregate|Adjustment|Benchmarked aggregate|Areas",
        "es": "Grupo|Meta directa|Agregado del modelo|Ajuste|Agregado ajustado|Áreas",
        "pt": "Grupo|Meta direta|Agregado do modelo|Ajuste|Agregado ajustado|Áreas",
    },
    "bench_note": {
        "en": (
            "{method} benchmark: area estimates weighted by {size} add up to the direct "
            "estimate of each group; each area's MSE adds the square of the change made to its estimate."
        ),
        "es": (
            "Ajuste por {method}: las estimaciones de área ponderadas por {size} suman la "
            "estimación directa de cada grupo; el ECM de cada área suma el cuadrado del cambio en su estimación."
        ),
        "pt": (
            "Ajuste por {method}: as estimativas de área ponderadas por {size} somam a "
            "estimativa direta de cada grupo; o EQM de cada área soma o quadrado da mudança na sua estimativa."
        ),
    },
    "truth": {
        "en": (
            "Known truth (synthetic data): root mean squared error over the areas {rd} for the "
            "direct estimates and {rm} for the model-based ones; {cm} of {m} model intervals "
            "and {cd} of {md} direct intervals cover the true value."
        ),
        "es": (
            "Valores verdaderos conocidos (datos sintéticos): raíz del error cuadrático medio "
            "sobre las áreas {rd} para las estimaciones directas y {rm} para las del modelo; "
            "{cm} de {m} intervalos del modelo y {cd} de {md} intervalos directos cubren el "
            "valor verdadero."
        ),
        "pt": (
            "Valores verdadeiros conhecidos (dados sintéticos): raiz do erro quadrático médio "
            "sobre as áreas {rd} para as estimativas diretas e {rm} para as do modelo; "
            "{cm} de {m} intervalos do modelo e {cd} de {md} intervalos diretos cobrem o "
            "valor verdadeiro."
        ),
    },
    "cat_caption": {
        "en": "Direct and model-based estimates by area",
        "es": "Estimaciones directas y del modelo por área",
        "pt": "Estimativas diretas e do modelo por área",
    },
    "map_caption": {
        "en": "Model-based estimates",
        "es": "Estimaciones del modelo",
        "pt": "Estimativas do modelo",
    },
}


def _t(key, lang, **kw):
    return TEXT[key][lang].format(**kw) if kw else TEXT[key][lang]


@dataclass
class SAEOutput:
    """What the section computed: the model (benchmarked when asked), its direct inputs, the
    benchmark report, the per-area frame written to ``sae_estimates.csv`` and the truth
    summary (``None`` without ``truth``)."""

    result: object
    direct: pd.DataFrame
    benchmark: pd.DataFrame | None
    estimates: pd.DataFrame
    truth: dict | None
    spec: dict
    what: str = ""
    figures: list = field(default_factory=list)


def check_spec(where: str, sae: dict, resolve) -> dict:
    """Check the ``sae`` mapping (keys, required entries, files) and resolve its paths."""
    from survey._methods import FH_METHODS as METHODS
    from survey.report.pipeline import SpecError, _as_list, _check_keys

    # keys an earlier check added (``_data``, ``map._path``) are dropped: a loaded spec reloads
    if not isinstance(sae, dict):
        _check_keys(where, "sae", sae)  # raises: a mapping is needed
    sae = dict(_check_keys(where, "sae", {k: v for k, v in sae.items() if k[:1] != "_"}))
    if isinstance(sae.get("map"), dict):
        sae["map"] = {k: v for k, v in sae["map"].items() if k[:1] != "_"}
    for key in ("variable", "area", "covariates"):
        if not sae.get(key):
            raise SpecError(f"{where}: sae.{key} is required")
    if sae.get("data") and not sae.get("design"):
        raise SpecError(f"{where}: sae.data needs sae.design (weight, strata, psu, ...)")
    if sae.get("design") is not None:
        from survey.design import DESIGN_SPEC_KEYS

        bad = [k for k in sae["design"] if k not in DESIGN_SPEC_KEYS]
        if bad:
            raise SpecError(
                f"{where}: unknown key sae.design.{bad[0]}; allowed: {', '.join(DESIGN_SPEC_KEYS)}"
            )
    if sae.get("method", "REML") not in METHODS:
        raise SpecError(f"{where}: sae.method must be one of {', '.join(METHODS)}")
    if sae.get("transform", "none") not in ("none", "arcsin", None):
        raise SpecError(f"{where}: sae.transform must be none or arcsin")
    if sae.get("smooth", "none") not in ("none", "unstable", "all"):
        raise SpecError(f"{where}: sae.smooth must be none, unstable or all")
    if sae.get("unstable", "error") not in ("error", "synthetic"):
        raise SpecError(f"{where}: sae.unstable must be error or synthetic")
    for key, allowed in (("benchmark", BENCHMARK_KEYS), ("map", MAP_KEYS)):
        if sae.get(key) is not None:
            bad = [k for k in sae[key] if k not in allowed]
            if bad:
                raise SpecError(
                    f"{where}: unknown key sae.{key}.{bad[0]}; allowed: {', '.join(allowed)}"
                )
    bad = [f for f in _as_list(sae.get("figures")) if f not in ("caterpillar", "map")]
    if bad:
        raise SpecError(f"{where}: sae.figures: unknown figure(s) {bad}; use caterpillar, map")
    if "map" in _as_list(sae.get("figures")) and sae.get("map") is None:
        raise SpecError(f"{where}: sae.figures lists map: give sae.map (geometry, key)")
    if not isinstance(sae.get("figure_files", True), bool):
        raise SpecError(f"{where}: sae.figure_files must be true or false")
    if sae.get("benchmark") is not None and not sae["benchmark"].get("size"):
        raise SpecError(f"{where}: sae.benchmark.size: the covariate column of area sizes")
    for key in ("data", "covariates"):
        if sae.get(key):
            p = resolve(sae[key])
            if not p.exists():
                raise SpecError(f"{where}: sae.{key}: file {p} not found")
            sae[f"_{key}"] = p
    if sae.get("map") is not None:
        if not sae["map"].get("geometry"):
            raise SpecError(f"{where}: sae.map.geometry: give the areas' GeoJSON/shapefile")
        p = resolve(sae["map"]["geometry"])
        if not p.exists():
            raise SpecError(f"{where}: sae.map.geometry: file {p} not found")
        sae["map"] = {**sae["map"], "_path": p}
    return sae


def run(spec: dict, designs: dict, *, progress=None) -> SAEOutput:
    """Direct estimates -> (GVF) -> Fay-Herriot -> (benchmark) for the spec's ``sae``."""
    import survey
    from survey import sae as S
    from survey.design import design_from_spec
    from survey.report.pipeline import SpecError

    cfg = spec["sae"]
    where = spec["_where"]
    if cfg.get("_data"):
        sd = survey.read(cfg["_data"])
        design = design_from_spec(sd, cfg["design"])
        origin = Path(cfg["_data"]).name
    else:
        if spec.get("waves"):
            raise SpecError(
                f"{where}: sae on a two-wave report needs its own one-wave sample (sae.data, "
                "sae.design)"
            )
        unit = cfg.get("unit", "person")
        if unit not in designs:
            raise SpecError(f"{where}: sae.unit {unit!r}: the report has {list(designs)} designs")
        design, origin = designs[unit], f"the report's {unit} design"
    cov = survey.read(cfg["_covariates"]).data
    for col in (cfg["variable"], cfg["area"]):
        if col not in design.data.columns:
            raise SpecError(f"{where}: sae: column {col!r} is not in the data ({origin})")
    direct = S.direct(
        design, cfg["variable"], cfg["area"], areas=cov[cfg["area"]].tolist() if cfg["area"]
        in cov.columns else None, df=cfg.get("df", "domain"), quality=_quality(spec),
    )  # fmt: skip
    smooth = cfg.get("smooth", "none")
    if smooth != "none":
        direct, _ = S.smooth_variances(direct, where=smooth)
    transform = cfg.get("transform", "none")
    try:
        res = S.fh(
            direct,
            cov,
            x=cfg.get("x") or [],
            categorical=cfg.get("categorical") or [],
            method=cfg.get("method", "REML"),
            transform=None if transform in (None, "none") else transform,
            mse=cfg.get("mse"),
            B=int(cfg.get("B", 200)),
            seed=int(cfg.get("seed", 20261202)),
            unstable=cfg.get("unstable", "error"),
            level=spec["estimation"].get("level", 0.95),
            quality=_quality(spec),
            progress=progress,
        )
    except S.FHError as exc:
        raise SpecError(f"{where}: sae: {exc}") from None
    report = None
    b = cfg.get("benchmark")
    if b is not None:
        group = b.get("group")
        if group and group not in design.data.columns:
            raise SpecError(f"{where}: sae.benchmark.group: column {group!r} is not in the data")
        targets = design.mean(cfg["variable"], by=group) if group else design.mean(cfg["variable"])
        if not group:
            targets = float(targets["estimate"].iloc[0])
        try:
            res, report = S.benchmark(
                res, targets, size=b["size"], group=group, method=b.get("method", "ratio"),
                quality=_quality(spec),
            )  # fmt: skip
        except S.FHError as exc:
            raise SpecError(f"{where}: sae.benchmark: {exc}") from None
    est = res.estimates.copy()
    truth = None
    if cfg.get("truth"):
        tcol = cfg["truth"]
        if tcol not in cov.columns:
            raise SpecError(f"{where}: sae.truth: column {tcol!r} is not in the covariate table")
        from survey.sae.model import _norm_codes

        tv = pd.Series(cov[tcol].to_numpy(float), index=_norm_codes(cov[cfg["area"]]))
        est["truth"] = _norm_codes(est[cfg["area"]]).map(tv).to_numpy(float)
        truth = truth_summary(est)
    what = (
        f"survey.sae: {len(est)} areas of {cfg['area']!r} ({res.model['m_in_sample']} in "
        f"sample) from {origin}, Fay-Herriot {res.model['method']}, MSE "
        f"{res.model['mse_method']}" + (f", benchmarked ({report.attrs['method']})" if b else "")
    )
    return SAEOutput(res, direct, report, est, truth, cfg, what)


def _quality(spec):
    from survey.report.pipeline import _quality_arg

    return _quality_arg(spec.get("quality"))


def truth_summary(est: pd.DataFrame) -> dict:
    """Errors against the known values: RMSE of direct (sampled areas) and model estimates
    (all areas), and how many intervals cover the truth."""
    t = est["truth"].to_numpy(float)
    m = est["estimate"].to_numpy(float)
    d = est["direct"].to_numpy(float)
    has_d = np.isfinite(d)
    from scipy.stats import norm

    level = float(est.attrs.get("level", 0.95))
    z = norm.ppf(0.5 + level / 2)
    dse = est["direct_se"].to_numpy(float)
    d_ok = has_d & np.isfinite(dse)
    cover_d = np.abs(d[d_ok] - t[d_ok]) <= z * dse[d_ok]
    cover_m = (est["ci_low"].to_numpy(float) <= t) & (t <= est["ci_high"].to_numpy(float))
    return {
        "areas": int(len(est)),
        "rmse_direct": float(np.sqrt(np.mean((d[has_d] - t[has_d]) ** 2))),
        "rmse_model": float(np.sqrt(np.mean((m - t) ** 2))),
        "covered_model": int(cover_m.sum()),
        "covered_direct": int(cover_d.sum()),
        "direct_intervals": int(d_ok.sum()),
    }


def figures(out: SAEOutput, spec: dict, add) -> None:
    """Caterpillar plot and (with ``map``) a choropleth of the model-based estimates."""
    import survey.plots as sp
    from survey.sae.plots import caterpillar

    lang = spec.get("language", "en")
    cfg = out.spec
    label = _label(cfg, lang)
    which = cfg.get("figures") or ["caterpillar", "map"]
    if "caterpillar" in which:
        ax = caterpillar(out.result, lang=lang)
        ax.figure.suptitle(label, fontsize=10)
        add("sae", "sae_caterpillar", ax, _t("cat_caption", lang))
    if "map" in which and cfg.get("map") is not None:
        m = cfg["map"]
        est = out.estimates
        frame = est[[cfg["area"], "estimate", "ci_low", "ci_high", "n", "reliability"]]
        ax = sp.choropleth(
            frame, m["_path"], by=cfg["area"], key=m.get("key"), name=m.get("name"),
            percent=bool(out.direct.attrs.get("proportion")), title=label, lang=lang,
            source=_src(spec),
        )  # fmt: skip
        add("sae", "sae_map", ax, _t("map_caption", lang))


def _src(spec):
    s = spec["sae"].get("source") or spec.get("source", "")
    return str(s.get(spec.get("language", "en"), "")) if isinstance(s, dict) else str(s)


def _label(cfg, lang):
    lab = cfg.get("label") or cfg["variable"]
    return str(lab.get(lang) or lab.get("en")) if isinstance(lab, dict) else str(lab)


def section(out: SAEOutput, spec: dict, figs: list):
    """The report section (title, method paragraph, truth paragraph, figures, tables) and the
    summary sentence."""
    from survey.plots._text import fmt_number
    from survey.report.html import Figure, Section, figure_markup
    from survey.report.tables import Table

    lang = spec.get("language", "en")
    cfg = out.spec
    res = out.result
    est = out.estimates
    pct = bool(out.direct.attrs.get("proportion"))
    k = 100.0 if pct else 1.0
    kinds = TEXT["kind"][lang]
    has_truth = "truth" in est.columns

    def num(v, scale=1.0, digits=1):
        return None if v is None or not np.isfinite(v) else round(float(v) * scale, digits)

    rows, flags = [], []
    d = 1 if pct else 3
    from survey.sae.model import _norm_codes

    psus = pd.Series(
        out.direct["n_psu"].to_numpy(), index=_norm_codes(out.direct[cfg["area"]])
    ).to_dict()
    vsrc = TEXT["var_source"][lang]
    for r in est.itertuples(index=False):
        r = r._asdict()
        npsu = psus.get(_norm_codes([r[cfg["area"]]]).iloc[0])
        row = [
            str(r[cfg["area"]]),
            None if not np.isfinite(r["n"]) else int(r["n"]),
            None if npsu is None or not npsu >= 0 else int(npsu),
            num(r["direct"], k, d),
            num(r["direct_cv"], 100, 1),
            vsrc.get(str(r["var_source"]), str(r["var_source"])),
            num(r["estimate"], k, d),
            num(r["ci_low"], k, d),
            num(r["ci_high"], k, d),
            num(r["cv"], 100, 1),
            num(r["shrinkage"], 1, 2),
            kinds[r["kind"]],
        ]
        if has_truth:
            row.append(num(r["truth"], k, d))
        rows.append(row)
        flags.append(str(r["reliability"]))
    cols = _t("cols", lang).split("|")
    fmt_e = "0.0" if pct else "0.000"
    formats = [None, "#,##0", "#,##0", fmt_e, "0.0", None, fmt_e, fmt_e, fmt_e, "0.0", "0.00",
               None]  # fmt: skip
    if has_truth:
        cols.append(_t("truth_col", lang))
        formats.append(fmt_e)
    level = float(est.attrs.get("level", 0.95))
    share = int((est["cv"] <= 0.2).sum())
    share_d = int((est["direct_cv"] <= 0.2).sum())
    note = _t(
        "table_note", lang, method=res.model["method"], mse=res.model["mse_method"],
        level=f"{fmt_number(100 * level, lang, 0)}%", k=share, m=len(est), kd=share_d,
    )  # fmt: skip
    label = _label(cfg, lang)
    tables = [
        Table(
            label + (" (%)" if pct else ""),
            cols,
            rows,
            formats,
            [note],
            "sae_estimates",
            flags,
            lang,
            estimate_col=6,
        )  # fmt: skip
    ]
    if out.benchmark is not None:
        b = out.benchmark
        gcol = b.columns[0]
        brows = [
            [str(r[gcol]), num(r["target"], k, d + 1), num(r["aggregate_model"], k, d + 1),
             num(r["adjustment"], 1, 4), num(r["aggregate_benchmarked"], k, d + 1),
             int(r["areas"])]
            for _, r in b.iterrows()
        ]  # fmt: skip
        fe = "0.00" if pct else "0.0000"
        tables.append(
            Table(
                _t("bench_title", lang),
                _t("bench_cols", lang).split("|"),
                brows,
                [None, fe, fe, "0.0000", fe, "#,##0"],
                [_t("bench_note", lang, method=b.attrs["method"], size=cfg["benchmark"]["size"])],
                "sae_benchmark",
                [""] * len(brows),
                lang,
            )  # fmt: skip
        )
    paragraphs = [res.annex(lang)]
    if out.truth is not None:
        t = out.truth
        f = (lambda x: fmt_number(100 * x, lang, 2) + " pp") if pct else (
            lambda x: fmt_number(x, lang, 4))  # fmt: skip
        paragraphs.append(
            _t(
                "truth",
                lang,
                rd=f(t["rmse_direct"]),
                rm=f(t["rmse_model"]),
                cm=t["covered_model"],
                m=t["areas"],
                cd=t["covered_direct"],
                md=t["direct_intervals"],
            )  # fmt: skip
        )
    summary = (
        _t("title", lang, label=label)
        + f": {share} / {len(est)} CV <= 20% ({res.model['mse_method']})"
    )
    sec = Section(
        title=_t("title", lang, label=label),
        paragraphs=paragraphs,
        figures=[Figure(figure_markup(ax), caption=cap) for _, ax, cap in figs],
        tables=tables,
        id="sae",
    )
    return sec, tables, summary
