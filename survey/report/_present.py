"""Presentation half of the report pipeline: figures, tables, methods annex, HTML.

Nothing here computes a statistic: frames from :mod:`survey.report.pipeline` are labelled,
selected, drawn and formatted.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import survey.plots as sp
from survey.report.html import Figure, Section, figure_markup, render_report
from survey.report.tables import Table, comparison_table, publication_table, write_tables

SECTION_TITLES = {
    "victimisation": {"en": "Victimisation", "es": "Victimización", "pt": "Vitimização"},
    "fear": {"en": "Fear of crime", "es": "Temor al delito", "pt": "Medo do crime"},
    "trust": {"en": "Trust", "es": "Confianza", "pt": "Confiança"},
    "evaluation": {
        "en": "Programme evaluation: before/after and difference-in-differences",
        "es": "Evaluación del programa: antes/después y diferencia en diferencias",
        "pt": "Avaliação do programa: antes/depois e diferença em diferenças",
    },
    "truth": {
        "en": "Check against the known population values (demo data)",
        "es": "Verificación con los valores poblacionales conocidos (datos de demostración)",
        "pt": "Verificação com os valores populacionais conhecidos (dados de demonstração)",
    },
}


def _lang(spec) -> str:
    return spec.get("language", "en")


def _value_labels(spec, meta) -> dict[str, dict]:
    """Value labels of the wave/group/breakdown columns (from the data's metadata)."""
    cols = {spec.get("waves", {}).get("column"), spec.get("groups", {}).get("column")}
    cols |= set(spec.get("breakdowns", []))
    vl = getattr(meta, "value_labels", {}) or {}
    return {c: vl[c] for c in cols if c and c in vl}


def _labelled(frame: pd.DataFrame, labels: dict[str, dict]) -> pd.DataFrame:
    out = frame.copy()
    for col, mapping in labels.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v) if pd.notna(v) else v)
    return out


def _suppressed(flag) -> bool:
    return isinstance(flag, str) and flag == "suppress"


def _comp_labels(spec, vlab) -> dict:
    gcol = spec.get("groups", {}).get("column")
    return {**vlab, "group": vlab.get(gcol, {})} if gcol else vlab


def _ind_labels(spec) -> dict[str, str]:
    from survey.report.pipeline import _label

    return {i["name"]: _label(i, _lang(spec)) for i in spec["indicators"]}


def _section_of(spec) -> dict[str, str]:
    return {i["name"]: i.get("section", "other") for i in spec["indicators"]}


def _src(spec) -> str:
    return (
        str(spec.get("source", ""))
        if not isinstance(spec.get("source"), dict)
        else spec["source"].get(_lang(spec), "")
    )


def figures(spec, results: pd.DataFrame, comparisons: pd.DataFrame, outdir: Path) -> dict:
    """Draw the report's figures; write PNG (300 dpi) + SVG; return them by section."""
    lang = _lang(spec)
    meta = spec.get("_meta")
    vlab = _value_labels(spec, meta)
    res = _labelled(results, vlab)
    comp = _labelled(comparisons, _comp_labels(spec, vlab)) if len(comparisons) else comparisons
    ilab = _ind_labels(spec)
    wave = spec.get("waves", {}).get("column")
    gcol = spec.get("groups", {}).get("column")
    wl = vlab.get(wave, {})
    before = wl.get(spec["waves"]["before"], spec["waves"]["before"]) if wave else None
    after = wl.get(spec["waves"]["after"], spec["waves"]["after"]) if wave else None
    treated = (
        vlab.get(gcol, {}).get(spec["groups"]["treated"], spec["groups"]["treated"])
        if gcol
        else None
    )
    fig_spec = spec.get("figures", {})
    src = _src(spec)
    out: dict[str, list] = {}
    figdir = outdir / "figures"

    def add(section, stem, ax, caption):
        sp.save_figure(ax, figdir / stem)
        out.setdefault(section, []).append((stem, ax, caption))

    def rows(bd, var, wave_value=None):
        r = res[(res["breakdown"] == bd) & (res["variable"] == var)]
        if wave_value is not None:
            r = r[r[wave] == wave_value]
        return r

    territory = fig_spec.get("territory")
    for var in fig_spec.get("by_territory", []):
        ax = sp.domain_bars(
            rows(territory, var, after),
            by=territory,
            percent=True,
            title=f"{ilab[var]} — {after}",
            source=src,
            wave=after,
            lang=lang,
        )
        add(_section_of(spec)[var], f"{var}_by_{territory}", ax, ilab[var])
    sc = fig_spec.get("scatter")
    if sc:
        ax = sp.victimisation_vs_fear(
            rows(territory, sc[0], after),
            rows(territory, sc[1], after),
            territory=territory,
            title=f"{ilab[sc[0]]} / {ilab[sc[1]]}",
            xlabel=ilab[sc[0]] + " (%)",
            ylabel=ilab[sc[1]] + " (%)",
            source=src,
            wave=after,
            lang=lang,
        )
        add(_section_of(spec)[sc[1]], "victimisation_vs_fear", ax, "")
    for var in fig_spec.get("trends", []):
        ax = sp.trend(
            rows(gcol, var),
            x=wave,
            hue=gcol,
            order=[before, after],
            percent=True,
            title=ilab[var],
            source=src,
            lang=lang,
        )
        add(_section_of(spec)[var], f"{var}_trend", ax, ilab[var])
    trust = [
        i["name"]
        for i in spec["indicators"]
        if i.get("section") == "trust" and i["name"] != "interpersonal_trust"
    ]
    if fig_spec.get("trust_battery", True) and trust:
        r = res[(res["breakdown"] == "all") & res["variable"].isin(trust)]
        ax = sp.trust_battery(
            r, wave=wave, wave_order=[before, after], labels=ilab, source=src, lang=lang
        )
        add("trust", "trust_battery", ax, "")
    if len(comp):
        dumb = fig_spec.get("dumbbell", [])
        if dumb:
            r = res[
                (res["breakdown"] == gcol) & (res[gcol] == treated) & res["variable"].isin(dumb)
            ]
            ax = sp.dumbbell(
                r,
                wave=wave,
                wave_order=[before, after],
                labels=ilab,
                percent=True,
                title=f"{treated}: {before} → {after}",
                source=src,
                lang=lang,
            )
            add("evaluation", "dumbbell_treated", ax, "")
        for var in fig_spec.get("did", []):
            d = comp[(comp["comparison"] == "did") & (comp["variable"] == var)]
            ax = sp.did_chart(
                rows(gcol, var),
                group=gcol,
                wave=wave,
                treated=treated,
                wave_order=[before, after],
                did=d.iloc[0] if len(d) else None,
                percent=True,
                title=ilab[var],
                source=src,
                lang=lang,
            )
            add("evaluation", f"{var}_did", ax, ilab[var])
        for kind, grp in (("change", treated), ("did", treated)):
            d = comp[(comp["comparison"] == kind) & (comp["group"] == grp)]
            if len(d):
                title = {"change": f"{treated}: {after} − {before}", "did": sp.tr("did", lang)}[
                    kind
                ]
                adj = (spec.get("comparisons") or {}).get("adjust", "holm")
                ax = sp.forest(
                    d, value="estimate", labels=ilab, percent=True, title=title, lang=lang,
                    source=f"{src}. Significance: {adj}-adjusted p-values across the battery "
                    "(intervals unadjusted)",
                )  # fmt: skip
                add("evaluation", f"forest_{kind}", ax, "")
    return out


def _harmonisation_text(spec, steps) -> str:
    cw = spec["data"].get("crosswalk")
    if not cw:
        return (
            "No crosswalk: the data were used with their own column names and codes "
            "(the indicator definitions name those columns)."
        )
    rep = spec.get("_crosswalk_report")
    n = 0 if rep is None else len(rep)
    return (
        f"The data were harmonised with the crosswalk {cw} (survey.instruments.harmonize): "
        f"{n} source variables were mapped onto standard item ids of questionnaires/ and "
        "recoded to the standard codes; every source value was either mapped or declared "
        "missing (no unknown codes): "
        + (", ".join(f"{r.source} → {r.target}" for r in rep.itertuples()) if n else "")
        + ". Columns the crosswalk does not claim (design, domains, and items without a "
        "standard counterpart) were used as they are."
    )


def _indicators_text(spec) -> str:
    from survey.report.pipeline import indicator_source

    reg = [i for i in spec["indicators"] if i.get("registry")]
    own = [i for i in spec["indicators"] if not i.get("registry")]
    entries = sorted({i["registry"] for i in reg})
    text = (
        f"{len(reg)} of {len(spec['indicators'])} indicators were computed by survey.indicators "
        f"registry functions ({', '.join(entries)}; entry and arguments per indicator in the "
        "table of indicators below), on the proportion scale (incidence: per person)."
    )
    if own:
        text += (
            f" {len(own)} are spec-defined (no registry indicator fits): "
            + "; ".join(f"{i['name']}: {indicator_source(i)}" for i in own)
            + "."
        )
    return text


def _comparisons_text(spec, results) -> str:
    level = spec["estimation"].get("level", 0.95)
    cmp = spec.get("comparisons") or {}
    adjust = cmp.get("adjust", "holm")
    name = {
        "holm": "Holm (family-wise error rate)",
        "bh": "Benjamini-Hochberg (false discovery rate)",
        "bonferroni": "Bonferroni",
        "by": "Benjamini-Yekutieli",
    }
    return (
        "survey.compare: follow-up minus baseline overall and within each group "
        "(compare_within: the waves are domains of each unit's pooled design, so the "
        "difference is a design-based contrast with every covariance), and difference-in-"
        "differences (did: change in the treatment group minus change in the comparison "
        "group, one contrast of the four group x wave domain estimates). Two-sided t tests on "
        f"the design degrees of freedom (df rule '{cmp.get('df', 'design')}': PSUs minus "
        f"strata of the pooled design). Multiplicity: {name.get(adjust, adjust)} adjustment "
        "within each contrast (the change in each group, the DiD) across the whole indicator "
        f"battery; 'significant' uses the adjusted p-value at the {100 * (1 - level):g}% "
        "level. Do no harm: 'worsened' marks a change in the unfavourable direction of the "
        "indicator that is significant before the multiplicity adjustment (unadjusted p-value: "
        "a safety screen should not lose sensitivity to the correction; "
        "survey.compare.do_no_harm); those rows are listed in the evaluation section. A "
        "comparison that uses a suppressed estimate is not printed."
    )


def _methods(spec, sd, designs, results, steps) -> list[tuple[str, str]]:
    from survey.report.html import REPORT_TEXT

    t = REPORT_TEXT[_lang(spec)]
    d = spec["design"]
    person = designs["person"]
    est = spec["estimation"]
    level = est.get("level", 0.95)
    meta = sd.meta
    n_um = sum(getattr(meta, "user_missing_counts", {}).values()) if meta else 0
    from survey.report.pipeline import quality_description

    quality = quality_description(spec.get("quality"))
    calib = (
        " with the calibration (raking) correction of the linearised variance"
        if person.calibration
        else ""
    )
    rows = [
        (
            t["data"],
            f"{Path(sd.path).name}: {len(sd.data):,} respondents; {n_um:,} answers "
            "coded as SPSS user-missing (don't know / no answer) treated as missing.",
        ),
        (
            t["design"],
            f"Stratified multistage sample: strata '{d.get('strata')}' "
            f"({person.n_strata} strata), primary sampling units '{d.get('psu')}' "
            f"({person.n_psu} PSUs); waves are independent samples (strata unique to each wave), "
            "analysed as one pooled design so that comparisons carry every covariance.",
        ),
        (
            t["weights"],
            f"Person weights '{d['weight']}'"
            + (
                f", household weights '{d['household_weight']}' for household indicators"
                if d.get("household_weight")
                else ""
            )
            + f"; {steps.get('weight', '')}.",
        ),
        (
            t["variance"],
            "Taylor linearisation, ultimate-cluster (with-replacement) approximation at "
            f"the first stage{calib}; domains are estimated on the full design (never by subsetting).",
        ),
        (
            t["ci"],
            f"{100 * level:g}% intervals; shares: {est.get('ci', 'logit')} "
            "(interval on the logit scale, R svyciprop); means and differences: Wald (t).",
        ),
        (
            t["df"],
            f"Rule '{est.get('df', 'design')}': PSUs minus strata of the design = {person.degf}.",
        ),
        (t["quality"], quality),
        (t["harmonisation"], _harmonisation_text(spec, steps)),
        (t["indicators"], _indicators_text(spec)),
        (t["comparisons"], _comparisons_text(spec, results)),
    ]
    return rows


def _indicator_table(spec, results, comparisons, lang) -> Table:
    """Every indicator computed, with definition, both waves and the comparisons."""
    wave = spec.get("waves", {}).get("column")
    w = spec.get("waves", {})
    allr = results[results["breakdown"] == "all"]
    cols = [
        "Indicator",
        "Label",
        "Unit",
        "Definition",
        "Baseline",
        "Follow-up",
        "Change",
        "p adj. (change)",
        "DiD",
        "p adj. (DiD)",
        "Worsened",
    ]
    rows, flags = [], []
    for ind in spec["indicators"]:
        name = ind["name"]
        r = (
            allr[allr["variable"] == name].set_index(wave)
            if wave
            else allr[allr["variable"] == name]
        )
        from survey.report.pipeline import indicator_source

        definition = indicator_source(ind)

        def cell(key, r=r):
            if key not in r.index or r.loc[key, "reliability"] == "suppress":
                return None
            return round(float(r.loc[key, "estimate"]), 4)

        ch = (
            comparisons[
                (comparisons["variable"] == name)
                & (comparisons["comparison"] == "change")
                & (comparisons["group"] == "all")
            ]
            if len(comparisons)
            else comparisons
        )
        did = (
            comparisons[(comparisons["variable"] == name) & (comparisons["comparison"] == "did")]
            if len(comparisons)
            else comparisons
        )

        def g(f, c):
            if not len(f) or _suppressed(f["reliability"].iloc[0]):
                return None
            return round(float(f[c].iloc[0]), 4)

        worse = any(
            bool(f["worsened"].iloc[0])
            for f in (ch, did)
            if len(f) and not _suppressed(f["reliability"].iloc[0])
        )
        rows.append(
            [
                name,
                _ind_labels(spec)[name],
                ind.get("unit", "person"),
                definition,
                cell(w.get("before")),
                cell(w.get("after")),
                g(ch, "estimate"),
                g(ch, "p_adjusted"),
                g(did, "estimate"),
                g(did, "p_adjusted"),
                "yes" if worse else "no",
            ]
        )
        flags.append("")
    return Table(
        "", cols, rows, [None] * 4 + ["0.0000"] * 6 + [None], [], "indicators", flags, lang
    )


def _do_no_harm_table(spec, comp, ilab, names, lang) -> Table:
    """The "do no harm" flags: every significant worsening (survey.compare.do_no_harm)."""
    from survey.compare import do_no_harm

    harm = do_no_harm(comp)
    harm = harm[harm["reliability"].fillna("") != "suppress"]
    what = {"change": f"{names.get('after')} − {names.get('before')}", "did": "DiD"}
    rows = [
        [
            what.get(r.comparison, r.comparison),
            str(r.group),
            ilab.get(r.variable, r.variable),
            round(float(r.estimate), 4),
            round(float(r.p_value), 4),
            round(float(r.p_adjusted), 4),
        ]
        for r in harm.itertuples()
    ]
    n = int((comp["reliability"].fillna("") != "suppress").sum())
    note = (
        f"{len(rows)} of {n} published comparisons show a worsening in the unfavourable "
        "direction of the indicator that is significant before the multiplicity adjustment "
        "(unadjusted p-value; the adjusted p-value is shown beside it)."
    )
    return Table(
        {
            "en": "Do no harm: significant worsenings",
            "es": "Acción sin daño: empeoramientos significativos",
            "pt": "Não causar dano: pioras significativas",
        }[lang],
        ["Comparison", "Group", "Indicator", "Change", "p", "Adjusted p"],
        rows,
        [None, None, None, "0.000", "0.000", "0.000"],
        [note],
        "do_no_harm",
        [""] * len(rows),
        lang,
    )


def _truth_check(spec, results, comparisons, truth, vlab) -> tuple[pd.DataFrame, Table]:
    """Estimates next to the known population values: which CIs cover them."""
    wave = spec["waves"]["column"]
    wave_key = {spec["waves"]["before"]: "baseline", spec["waves"]["after"]: "follow_up"}
    gcol = spec.get("groups", {}).get("column")
    recs = []
    for _, r in results[results["breakdown"].isin(["all", gcol])].iterrows():
        wk = wave_key.get(r[wave])
        dom = (
            "all"
            if r["breakdown"] == "all"
            else f"{gcol}={vlab.get(gcol, {}).get(r[gcol], r[gcol])}"
        )
        tv = truth["values"].get(wk, {}).get(dom, {}).get(r["variable"])
        if tv is None:
            continue
        recs.append(
            {
                "what": f"{wk} {dom}",
                "variable": r["variable"],
                "estimate": r["estimate"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "truth": tv,
            }
        )
    if len(comparisons):
        for _, r in comparisons[comparisons["comparison"] == "did"].iterrows():
            tv = truth["did"].get(r["variable"])
            if tv is not None:
                recs.append(
                    {
                        "what": "DiD",
                        "variable": r["variable"],
                        "estimate": r["estimate"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "truth": tv,
                    }
                )
    check = pd.DataFrame(recs)
    check["covered"] = (check["ci_low"] <= check["truth"]) & (check["truth"] <= check["ci_high"])
    table = Table(
        "",
        ["Estimate of", "Indicator", "Estimate", "CI lower", "CI upper", "True value", "Covered"],
        [
            [
                r.what,
                r.variable,
                round(r.estimate, 4),
                round(r.ci_low, 4),
                round(r.ci_high, 4),
                round(r.truth, 4),
                "yes" if r.covered else "NO",
            ]
            for r in check.itertuples()
        ],
        [None, None, "0.0000", "0.0000", "0.0000", "0.0000", None],
        [
            f"{int(check['covered'].sum())} of {len(check)} intervals cover the true population value "
            f"({100 * check['covered'].mean():.1f}%)."
        ],
        "truth",
        [""] * len(check),
        "en",
    )
    return check, table


def write_outputs(spec, sd, designs, results, comparisons, figs, outdir, steps, truth=None) -> dict:
    """Tables (xlsx, md, csv), the HTML report and the methods annex."""
    lang = _lang(spec)
    vlab = _value_labels(spec, sd.meta)
    ilab = _ind_labels(spec)
    res = _labelled(results, vlab)
    comp = _labelled(comparisons, _comp_labels(spec, vlab)) if len(comparisons) else comparisons
    wave = spec.get("waves", {}).get("column")
    gcol = spec.get("groups", {}).get("column")
    level = spec["estimation"].get("level", 0.95)
    res.attrs["level"] = level
    files: dict[str, Path] = {}
    sections_of = _section_of(spec)
    sections, all_tables = [], []
    names = (
        {
            wl: vlab.get(wave, {}).get(spec["waves"][wl], spec["waves"][wl])
            for wl in ("before", "after")
        }
        if wave
        else {}
    )
    order = ["victimisation", "fear", "trust"]
    for sec in order + sorted({s for s in sections_of.values() if s not in order and s != "other"}):
        vars_ = [n for n, s in sections_of.items() if s == sec]
        if not vars_:
            continue
        sub = res[res["variable"].isin(vars_) & res["breakdown"].isin(["all", gcol])].copy()
        sub[gcol] = sub[gcol].astype("object").where(sub[gcol].notna(), "All")
        sub = sub.sort_values(
            ["variable", wave, gcol],
            key=lambda s: s.map({v: k for k, v in enumerate(vars_)}) if s.name == "variable" else s,
        )
        sub.attrs["level"] = level
        tab = publication_table(
            sub[
                [
                    wave,
                    gcol,
                    *[c for c in results.columns if c not in ("breakdown", wave, gcol, "region")],
                ]
            ],
            by=[wave, gcol],
            labels=ilab,
            percent=False,
            digits=3,
            title=SECTION_TITLES.get(sec, {}).get(lang, sec),
            name=sec,
            lang=lang,
        )
        all_tables.append(tab)
        title = SECTION_TITLES.get(sec, {}).get(lang, sec)
        sections.append(
            Section(
                title=title,
                figures=[
                    Figure(figure_markup(ax), caption=cap) for _, ax, cap in figs.get(sec, [])
                ],
                tables=[tab],
                id=sec,
            )
        )
    bd_other = [b for b in spec["breakdowns"] if b != gcol]
    for bd in bd_other:
        sub = res[res["breakdown"] == bd]
        sub = sub[
            [
                wave,
                bd,
                *[c for c in results.columns if c not in ("breakdown", wave, gcol, bd, "region")],
            ]
        ]
        sub.attrs["level"] = level
        all_tables.append(
            publication_table(
                sub,
                by=[wave, bd],
                labels=ilab,
                digits=3,
                name=f"by_{bd}",
                title=f"By {bd}",
                lang=lang,
            )
        )
    if len(comp):
        evald = []
        for kind in ("change", "did"):
            c = comp[comp["comparison"] == kind].drop(columns=["comparison", "unit", "se", "df"])
            c = c.rename(columns={"estimate": "difference"})
            c = c[["group", *[x for x in c.columns if x != "group"]]]
            c.attrs["level"] = level
            tab = comparison_table(
                c,
                by=["group"],
                labels=ilab,
                names=(names.get("before"), names.get("after")),
                digits=3,
                name=kind,
                lang=lang,
                title={
                    "change": f"{names.get('after')} − {names.get('before')}",
                    "did": sp.tr("did", lang),
                }[kind],
            )
            all_tables.append(tab)
            evald.append(tab)
        harm = _do_no_harm_table(spec, comp, ilab, names, lang)
        all_tables.append(harm)
        evald.append(harm)
        sections.append(
            Section(
                title=SECTION_TITLES["evaluation"][lang],
                id="evaluation",
                figures=[
                    Figure(figure_markup(ax), caption=cap)
                    for _, ax, cap in figs.get("evaluation", [])
                ],
                tables=evald,
            )
        )
    summary = []
    if truth is not None and wave:
        check, ttab = _truth_check(spec, results, comparisons, truth, vlab)
        check.to_csv(outdir / "truth_coverage.csv", index=False)
        files["truth_coverage"] = outdir / "truth_coverage.csv"
        sections.append(
            Section(
                title=SECTION_TITLES["truth"][lang],
                id="truth",
                tables=[ttab],
                paragraphs=[
                    "The demo data are a sample from a synthetic population whose "
                    "true values are known (survey/datasets/demo_truth.json)."
                ],
            )
        )
        summary.append(ttab.notes[0])
    if len(comp):
        sig = comp[
            (comp["comparison"] == "did")
            & comp["significant"]
            & (comp["reliability"].fillna("") != "suppress")
        ]
        summary.append(
            f"{len(sig)} of {int((comp['comparison'] == 'did').sum())} indicators show a significant "
            "difference-in-differences."
        )
    files["xlsx"] = write_tables(all_tables, outdir / "tables.xlsx")[0]
    files["markdown"] = write_tables(all_tables, outdir / "tables.md")[0]
    results.to_csv(outdir / "results.csv", index=False)
    files["results"] = outdir / "results.csv"
    if len(comparisons):
        comparisons.to_csv(outdir / "comparisons.csv", index=False)
        files["comparisons"] = outdir / "comparisons.csv"
    files["report"] = render_report(
        outdir / "report.html",
        title=str(spec.get("title", "Survey report"))
        if not isinstance(spec.get("title"), dict)
        else spec["title"].get(lang, ""),
        subtitle=str(spec.get("subtitle", ""))
        if not isinstance(spec.get("subtitle"), dict)
        else spec["subtitle"].get(lang, ""),
        summary=summary,
        sections=sections,
        methods=_methods(spec, sd, designs, results, steps),
        indicators=_indicator_table(spec, results, comparisons, lang),
        lang=lang,
    )
    files["figures"] = outdir / "figures"
    plt.close("all")
    return files
