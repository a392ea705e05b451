"""Presentation half of the report pipeline: figures, tables, methods annex, HTML.

Nothing here computes a statistic: frames from :mod:`survey.report.pipeline` are labelled,
selected, drawn and formatted.

- Labels: wave, group and breakdown values get the value labels of the data's metadata
  (SPSS/Stata); without a label, integer-valued codes print as integers (region 15, not
  15.0).
- Scale: each indicator's scale comes from its results (column ``scale``, the registry
  frame's ``attrs["scale"]``): proportions are shown in percent (their changes in
  percentage points) in tables *and* figures, with the same ``percent`` switch passed to
  both; other indicators (means, incidence ratios) on their own scale. A table or figure
  never mixes the two: a section with both gets one table per scale.
- Language: every sentence and heading comes from :mod:`survey.report._text` (report) or
  :mod:`survey.plots._text` (figures), in the spec's ``language``.
- Single-wave specs (no ``waves``/``groups``): estimates overall and by breakdown, figures,
  tables and the methods annex; no comparison section (the annex says so).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import survey.plots as sp
from survey.plots._text import flag_word, fmt_number
from survey.report._text import rt
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


#: Section names as users write them (Spanish, Portuguese, US spelling) -> SECTION_TITLES.
_SECTION_ALIASES = {
    "victimizacion": "victimisation", "victimización": "victimisation",
    "victimization": "victimisation", "vitimizacao": "victimisation",
    "vitimização": "victimisation", "temor": "fear", "miedo": "fear", "medo": "fear",
    "confianza": "trust", "confianca": "trust", "confiança": "trust",
}  # fmt: skip


def section_title(spec, sec: str, lang: str) -> str:
    """Heading of a section: the spec's ``sections: {name: title}`` (a text or one per
    language), else the package's title of a known section (also under its Spanish or
    Portuguese name: ``victimizacion``), else the name made readable ("seguridad_barrio" ->
    "Seguridad barrio"); never the bare key."""
    own = (spec.get("sections") or {}).get(sec)
    if isinstance(own, dict):
        own = own.get(lang) or own.get("en") or next(iter(own.values()), None)
    if own:
        return str(own)
    key = _SECTION_ALIASES.get(str(sec).lower(), str(sec).lower())
    if key in SECTION_TITLES:
        return SECTION_TITLES[key][lang]
    text = str(sec).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _num(x, lang: str, digits: int | None = None) -> str:
    """A number in the language's format; integers without decimals (95, 24,465)."""
    x = float(x)
    if digits is None:
        digits = 0 if x.is_integer() else 1
    return fmt_number(x, lang, digits)


def _lang(spec) -> str:
    return spec.get("language", "en")


def _wave_col(spec):
    return (spec.get("waves") or {}).get("column")


def _group_col(spec):
    return (spec.get("groups") or {}).get("column")


# ------------------------------------------------------------------------------ labels


def _value_labels(spec, meta) -> dict[str, dict]:
    """Value labels of the wave/group/breakdown columns (from the data's metadata)."""
    cols = {_wave_col(spec), _group_col(spec), *spec.get("breakdowns", [])}
    vl = getattr(meta, "value_labels", {}) or {}
    return {c: vl[c] for c in cols if c and c in vl}


def _is_missing(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def display_value(v, mapping: dict | None = None):
    """The display text of one code: its value label (looked up as given, as number and as
    text), else the code as text, integer-valued floats without decimals (15.0 -> "15").
    Always text, so that pandas never turns the codes back into floats."""
    if _is_missing(v):
        return v
    keys = [v]
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        if float(v).is_integer():
            keys += [int(v), float(v)]
    keys.append(str(v))
    for key in keys:
        if mapping and key in mapping:
            return str(mapping[key])
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _labelled(frame: pd.DataFrame, spec, labels: dict[str, dict]) -> pd.DataFrame:
    """Wave/group/breakdown columns (and ``group`` of comparison frames) in display form."""
    out = frame.copy()
    gcol = _group_col(spec)
    cols = {_wave_col(spec), gcol, *spec.get("breakdowns", [])} - {None}
    for col in cols:
        if col in out.columns:
            m = labels.get(col)
            out[col] = out[col].astype(object).map(lambda v, m=m: display_value(v, m))
    if "group" in out.columns and "comparison" in out.columns:
        m = labels.get(gcol) if gcol else None
        out["group"] = (
            out["group"]
            .astype(object)
            .map(lambda v, m=m: rt("all", _lang(spec)) if v == "all" else display_value(v, m))
        )
    return out


def _names(spec, vlab) -> dict:
    """Display form of before/after and of the treated group."""
    w, g = spec.get("waves") or {}, spec.get("groups") or {}
    wl = vlab.get(w.get("column"), {})
    out = {k: display_value(w[k], wl) for k in ("before", "after") if k in w}
    if g:
        out["treated"] = display_value(g["treated"], vlab.get(g["column"], {}))
    return out


def _suppressed(flag) -> bool:
    return isinstance(flag, str) and flag == "suppress"


def _ind_labels(spec) -> dict[str, str]:
    from survey.report.pipeline import _label

    return {i["name"]: _label(i, _lang(spec)) for i in spec["indicators"]}


def _column_labels(spec, meta) -> dict[str, str]:
    """Header text of the wave/group/breakdown columns: the variable label when the data
    have one, else the column name (the wave column: "Wave" translated)."""
    varlab = getattr(meta, "variable_labels", {}) or {}
    cols = {_group_col(spec), *spec.get("breakdowns", [])} - {None}
    out = {c: str(varlab.get(c) or c) for c in cols}
    if _wave_col(spec):
        out[_wave_col(spec)] = sp.tr("wave", _lang(spec))
    return out


def _section_of(spec) -> dict[str, str]:
    return {i["name"]: i.get("section", "other") for i in spec["indicators"]}


def _src(spec) -> str:
    return (
        str(spec.get("source", ""))
        if not isinstance(spec.get("source"), dict)
        else spec["source"].get(_lang(spec), "")
    )


# ------------------------------------------------------------------------------ scale


def percent_of(spec, results: pd.DataFrame) -> dict[str, bool]:
    """Whether each indicator is shown in percent: its results' ``scale`` is "proportion"
    (the registry frame's ``attrs["scale"]``; spec-defined shares are proportions too)."""
    out = {}
    for ind in spec["indicators"]:
        name = ind["name"]
        if "scale" in results.columns:
            sc = results.loc[results["variable"] == name, "scale"]
            out[name] = bool(len(sc)) and str(sc.iloc[0]) == "proportion"
        else:
            out[name] = ind.get("type", "share") == "share"
    return out


def _scale_groups(names: list[str], pct: dict[str, bool]) -> list[tuple[bool, list[str]]]:
    """Indicators split by display scale: (True, shares in %), (False, the others)."""
    out = []
    for flag in (True, False):
        part = [n for n in names if pct.get(n, False) is flag]
        if part:
            out.append((flag, part))
    return out


def _shown(x, percent: bool) -> float | None:
    """A value as displayed: x 100 and 1 decimal for percent, else 3 decimals."""
    if _is_missing(x) or not np.isfinite(float(x)):
        return None
    return round(float(x) * 100, 1) if percent else round(float(x), 3)


def _rank(values: pd.Series, order: list | None = None) -> np.ndarray:
    """Position of each value in ``order`` (default: order of appearance); others last."""
    seen = list(order or []) + [v for v in pd.unique(values) if v not in (order or [])]
    pos = {v: k for k, v in enumerate(seen)}
    return values.map(lambda v: pos.get(v, len(pos))).to_numpy()


# ------------------------------------------------------------------------------ figures


def figures(spec, results: pd.DataFrame, comparisons: pd.DataFrame, outdir: Path) -> dict:
    """Draw the report's figures; write PNG (300 dpi) + SVG; return them by section."""
    lang = _lang(spec)
    meta = spec.get("_meta")
    vlab = _value_labels(spec, meta)
    res = _labelled(results, spec, vlab)
    comp = _labelled(comparisons, spec, vlab) if len(comparisons) else comparisons
    ilab = _ind_labels(spec)
    pct = percent_of(spec, results)
    wave, gcol = _wave_col(spec), _group_col(spec)
    names = _names(spec, vlab)
    before, after, treated = names.get("before"), names.get("after"), names.get("treated")
    fig_spec = spec.get("figures") or {}
    src = _src(spec)
    out: dict[str, list] = {}
    figdir = outdir / "figures"
    section = _section_of(spec)

    def add(sec, stem, ax, caption):
        sp.save_figure(ax, figdir / stem)
        out.setdefault(sec, []).append((stem, ax, caption))

    def rows(bd, var, wave_value=None):
        r = res[(res["breakdown"] == (bd or "all")) & (res["variable"] == var)]
        if wave_value is not None and wave:
            r = r[r[wave] == wave_value]
        return r

    territory = fig_spec.get("territory")
    for var in fig_spec.get("by_territory", []):
        national = rows(None, var, after)["estimate"]
        ax = sp.domain_bars(
            rows(territory, var, after),
            by=territory,
            reference=float(national.iloc[0]) if len(national) == 1 else None,
            percent=pct[var],
            title=ilab[var] + (f" — {after}" if wave else ""),
            source=src,
            wave=after,
            lang=lang,
        )
        add(section[var], f"{var}_by_{territory}", ax, ilab[var])
    from survey.report.pipeline import _as_list

    geo = fig_spec.get("map")
    for var in _as_list((geo or {}).get("indicators")):
        # joined on the territory codes: the unlabelled rows (the geometry names the areas)
        ax = sp.choropleth(
            results.loc[rows(territory, var, after).index],
            geo["_path"],
            by=territory,
            key=geo.get("key"),
            name=geo.get("name"),
            labels=None if geo.get("name") else vlab.get(territory),
            percent=pct[var],
            title=ilab[var] + (f" — {after}" if wave else ""),
            source=src,
            wave=after,
            lang=lang,
        )
        add(section[var], f"{var}_map", ax, ilab[var])
    sc = fig_spec.get("scatter")
    if sc:
        unit = [" (%)" if pct[v] else "" for v in sc]
        ax = sp.victimisation_vs_fear(
            rows(territory, sc[0], after),
            rows(territory, sc[1], after),
            territory=territory,
            percent=pct[sc[0]],
            title=f"{ilab[sc[0]]} / {ilab[sc[1]]}",
            xlabel=ilab[sc[0]] + unit[0],
            ylabel=ilab[sc[1]] + unit[1],
            source=src,
            wave=after,
            lang=lang,
        )
        add(section[sc[1]], "victimisation_vs_fear", ax, "")
    for var in fig_spec.get("trends", []):
        ax = sp.trend(
            rows(gcol, var),
            x=wave,
            hue=gcol,
            order=[before, after],
            percent=pct[var],
            title=ilab[var],
            source=src,
            lang=lang,
        )
        add(section[var], f"{var}_trend", ax, ilab[var])
    trust = [
        i["name"]
        for i in spec["indicators"]
        if i.get("section") == "trust" and i["name"] != "interpersonal_trust"
    ]
    if fig_spec.get("trust_battery", True) and trust:
        for k, (flag, part) in enumerate(_scale_groups(trust, pct)):
            r = res[(res["breakdown"] == "all") & res["variable"].isin(part)]
            ax = sp.trust_battery(
                r, wave=wave, wave_order=[before, after] if wave else None, labels=ilab,
                percent=flag, source=src, lang=lang,
            )  # fmt: skip
            add("trust", "trust_battery" + ("" if k == 0 else "_other"), ax, "")
    if not len(comp):
        return out
    dumb = fig_spec.get("dumbbell", [])
    for k, (flag, part) in enumerate(_scale_groups(dumb, pct)):
        r = res[res["variable"].isin(part)]
        r = (
            r[(r["breakdown"] == gcol) & (r[gcol] == treated)]
            if gcol
            else r[r["breakdown"] == "all"]
        )
        ax = sp.dumbbell(
            r,
            wave=wave,
            wave_order=[before, after],
            labels=ilab,
            percent=flag,
            title=(f"{treated}: " if gcol else "") + f"{before} → {after}",
            source=src,
            lang=lang,
        )
        add("evaluation", "dumbbell_treated" + ("" if k == 0 else "_other"), ax, "")
    for var in fig_spec.get("did", []) if gcol else []:
        d = comp[(comp["comparison"] == "did") & (comp["variable"] == var)]
        ax = sp.did_chart(
            rows(gcol, var),
            group=gcol,
            wave=wave,
            treated=treated,
            wave_order=[before, after],
            did=d if len(d) else None,
            percent=pct[var],
            title=ilab[var],
            source=src,
            lang=lang,
        )
        add("evaluation", f"{var}_did", ax, ilab[var])
    adj = (spec.get("comparisons") or {}).get("adjust", "holm")
    for kind, grp in (("change", treated if gcol else rt("all", lang)), ("did", treated)):
        d = comp[(comp["comparison"] == kind) & (comp["group"] == grp)]
        for k, (flag, part) in enumerate(_scale_groups(list(pd.unique(d["variable"])), pct)):
            title = (
                (f"{grp}: " if gcol else "") + f"{after} − {before}"
                if kind == "change"
                else sp.tr("did", lang)
            )
            ax = sp.forest(
                d[d["variable"].isin(part)], value="estimate", labels=ilab, percent=flag,
                title=title, lang=lang,
                source=f"{src}. " + rt("forest_note", lang, adjust=adj),
            )  # fmt: skip
            add("evaluation", f"forest_{kind}" + ("" if k == 0 else "_other"), ax, "")
    return out


# ------------------------------------------------------------------------------ annex


def _harmonisation_text(spec, lang) -> str:
    cw = spec["data"].get("crosswalk")
    if not cw:
        return rt("harm_none", lang)
    rep = spec.get("_crosswalk_report")
    n = 0 if rep is None else len(rep)
    pairs = ", ".join(f"{r.source} → {r.target}" for r in rep.itertuples()) if n else ""
    return rt("harm_crosswalk", lang, cw=cw, n=n, pairs=pairs)


def _indicators_text(spec, lang) -> str:
    from survey.report.pipeline import indicator_source

    reg = [i for i in spec["indicators"] if i.get("registry")]
    own = [i for i in spec["indicators"] if not i.get("registry")]
    n = len(spec["indicators"])
    entries = ", ".join(sorted({i["registry"] for i in reg}))
    text = rt("indicators_text", lang, k=len(reg), n=n, entries=entries) if reg else ""
    if own:
        items = "; ".join(f"{_ind_label(i, lang)}: {indicator_source(i, lang)}" for i in own)
        text += rt("indicators_own", lang, k=len(own), n=n, items=items)
    return (text + rt("indicators_scale", lang)).strip()


def _ind_label(ind: dict, lang: str) -> str:
    from survey.report.pipeline import _label

    return _label(ind, lang) or ind["name"]


def _comparisons_text(spec, lang) -> str:
    if not spec.get("waves"):
        return rt("no_comparisons", lang)
    level = spec["estimation"].get("level", 0.95)
    adjust = (spec.get("comparisons") or {}).get("adjust", "holm")
    name = rt(f"adjust_{adjust}", lang) if f"adjust_{adjust}" in _ADJUST else adjust
    alpha = _num(100 * (1 - level), lang)
    return rt("comparisons_text", lang, adjust=name, alpha=alpha)


_ADJUST = {"adjust_holm", "adjust_bh", "adjust_bonferroni", "adjust_by"}


def df_sentence(rule, degf: int, dfs, lang: str, few_strata=None) -> str:
    """The degrees-of-freedom rule as used: 'design' (PSUs minus strata), 'domain' (per
    estimate, with the range of the df used), 'inf' or a fixed number. With 'design',
    ``few_strata`` (``{domain: own df}``, the engine's ``attrs["few_strata"]``) adds that
    those domains' intervals are too narrow."""
    if rule in (None, "inf", "infinite"):
        return rt("df_inf", lang)
    if rule == "design":
        text = rt("df_design", lang, df=degf)
        if few_strata:
            shown = "; ".join(f"{k}: {v}" for k, v in list(few_strata.items())[:6])
            more = ", ..." if len(few_strata) > 6 else ""
            text += rt("df_few_strata", lang, domains=shown + more)
        return text
    if rule == "domain":
        d = pd.to_numeric(pd.Series(dfs, dtype=object), errors="coerce").to_numpy(float)
        d = d[np.isfinite(d)]
        lo, hi = (int(d.min()), int(d.max())) if len(d) else (degf, degf)
        return rt("df_domain", lang, df=degf, lo=lo, hi=hi)
    return rt("df_fixed", lang, df=rule)


def _design_text(spec, person, lang) -> str:
    from survey.report.pipeline import _as_list

    d = spec["design"]
    psu, fpc = _as_list(d.get("psu")), _as_list(d.get("fpc"))
    parts = [
        rt("design_strata", lang, strata=d["strata"], n=person.n_strata)
        if d.get("strata")
        else rt("design_no_strata", lang),
        rt("design_psu", lang, psu=psu[0], n=person.n_psu) if psu else rt("design_no_psu", lang),
    ]
    if len(psu) > 1:
        parts.append(rt("design_stages", lang, names=", ".join(f"'{p}'" for p in psu[1:])))
    if fpc:
        parts.append(rt("design_fpc", lang, fpc=", ".join(f"'{f}'" for f in fpc)))
    if d.get("nest"):
        parts.append(rt("design_nest", lang))
    policy = d.get("lonely_psu", "fail")
    parts.append(rt("design_lonely", lang, policy=policy, meaning=rt(f"lonely_{policy}", lang)))
    text = (
        "; ".join(parts)
        + "; "
        + rt("design_pooled" if spec.get("waves") else "design_single", lang)
    )
    return text[0].upper() + text[1:]


def _weights_text(spec, lang) -> str:
    d = spec["design"]
    text = rt("weights_person", lang, w=d["weight"])
    if d.get("household_weight"):
        text += rt("weights_household", lang, w=d["household_weight"])
    rake = (spec.get("weighting") or {}).get("rake")
    if not rake:
        return text + rt("weights_given", lang)
    margins = " + ".join(
        " x ".join([m] if isinstance(m, str) else list(m)) for m in rake["margins"]
    )
    by_wave = rt("weights_by_wave", lang) if rake.get("by_wave") else ""
    return text + rt("weights_raked", lang, margins=margins, by_wave=by_wave)


def _methods(spec, sd, designs, results, comparisons) -> list[tuple[str, str]]:
    from survey.report.pipeline import quality_description

    lang = _lang(spec)
    person = designs["person"]
    est = spec["estimation"]
    level = est.get("level", 0.95)
    meta = sd.meta
    n_um = sum(getattr(meta, "user_missing_counts", {}).values()) if meta else 0
    ci = est.get("ci", "logit")
    method = rt("ci_logit", lang) if ci == "logit" else rt("ci_other", lang, method=ci)
    df_text = df_sentence(
        est.get("df", "design"), person.degf, results["df"], lang, results.attrs.get("few_strata")
    )
    if spec.get("waves") and len(comparisons):
        rule = (spec.get("comparisons") or {}).get("df", "design")
        sentence = df_sentence(rule, person.degf, comparisons["df"], lang)
        df_text += rt("df_comparisons", lang, rule=sentence[0].lower() + sentence[1:])
    fmt = _num
    return [
        (
            rt("data", lang),
            rt(
                "data_text",
                lang,
                file=Path(sd.path).name,
                n=fmt(len(sd.data), lang),
                um=fmt(n_um, lang),
            ),
        ),  # fmt: skip
        (rt("design", lang), _design_text(spec, person, lang)),
        (rt("weights", lang), _weights_text(spec, lang)),
        (
            rt("variance", lang),
            rt(
                "variance_text",
                lang,
                approx=rt("variance_fpc" if spec["design"].get("fpc") else "variance_wr", lang),
                calib=rt("variance_calib", lang) if person.calibration else "",
            ),
        ),  # fmt: skip
        (rt("ci", lang), rt("ci_text", lang, level=fmt(100 * level, lang), method=method)),
        (rt("df", lang), df_text),
        (rt("quality", lang), quality_description(spec.get("quality"), lang)),
        (rt("harmonisation", lang), _harmonisation_text(spec, lang)),
        (rt("indicators", lang), _indicators_text(spec, lang)),
        (rt("comparisons", lang), _comparisons_text(spec, lang)),
    ]


# ------------------------------------------------------------------------------ tables

#: Excel format of the mixed-scale summary columns: 1 to 3 decimals (percent values are
#: rounded to 1, other scales to 3 before they are stored).
_MIXED = "0.0##"


def _indicator_table(spec, results, comparisons, pct, lang) -> Table:
    """Every indicator computed, with definition and scale; with waves, both waves and the
    comparisons; without, the overall estimate and its reliability."""
    from survey.report.pipeline import indicator_source

    wave = _wave_col(spec)
    w = spec.get("waves") or {}
    allr = results[results["breakdown"] == "all"]
    head = [rt(k, lang) for k in ("col_indicator", "col_label", "col_unit", "col_definition",
                                  "col_scale")]  # fmt: skip
    if wave:
        keys = ["col_baseline", "col_followup", "col_change", "col_p_change", "col_did",
                "col_p_did", "col_worsened"]  # fmt: skip
        formats = [None] * 5 + [_MIXED] * 3 + ["0.0000", _MIXED, "0.0000", None]
    else:
        keys = ["col_estimate", "col_reliability"]
        formats = [None] * 5 + [_MIXED, None]
    ilab = _ind_labels(spec)
    rows = []
    # one split of the frames by indicator (not a filter of the whole frame per row)
    empty_r = allr.iloc[:0]
    by_var = {k: g for k, g in allr.groupby("variable", sort=False, dropna=False)}
    by_cmp = (
        {k: g for k, g in comparisons.groupby(["variable", "comparison"], sort=False)}
        if len(comparisons)
        else {}
    )
    empty_c = comparisons.iloc[:0]
    for ind in spec["indicators"]:
        name = ind["name"]
        p = pct[name]
        r = by_var.get(name, empty_r)
        row = [
            name,
            ilab[name],
            rt(f"unit_{ind.get('unit', 'person')}", lang),
            indicator_source(ind, lang),
            rt("scale_pct", lang) if p else str(r["scale"].iloc[0] if len(r) else ""),
        ]
        if not wave:
            ok = len(r) and not _suppressed(r["reliability"].iloc[0])
            row += [
                _shown(r["estimate"].iloc[0], p) if ok else None,
                flag_word(r["reliability"].iloc[0], lang) if len(r) else "",
            ]
            rows.append(row)
            continue
        r = r.set_index(wave)

        def cell(key, r=r, p=p):
            if key not in r.index or _suppressed(r.loc[key, "reliability"]):
                return None
            return _shown(r.loc[key, "estimate"], p)

        def pick(kind, name=name):
            if not len(comparisons):
                return comparisons
            c = by_cmp.get((name, kind), empty_c)
            return c[c["group"] == "all"] if kind == "change" else c

        ch, did = pick("change"), pick("did")

        def g(f, c, p=None):
            if not len(f) or _suppressed(f["reliability"].iloc[0]):
                return None
            return _shown(f[c].iloc[0], p) if p is not None else round(float(f[c].iloc[0]), 4)

        worse = any(
            bool(f["worsened"].iloc[0])
            for f in (ch, did)
            if len(f) and not _suppressed(f["reliability"].iloc[0])
        )
        row += [
            cell(w.get("before")),
            cell(w.get("after")),
            g(ch, "estimate", p),
            g(ch, "p_adjusted"),
            g(did, "estimate", p),
            g(did, "p_adjusted"),
            rt("yes" if worse else "no", lang),
        ]
        rows.append(row)
    return Table("", head + [rt(k, lang) for k in keys], rows, formats, [], "indicators",
                 [""] * len(rows), lang)  # fmt: skip


def _do_no_harm_table(spec, comp, ilab, names, pct, lang) -> Table:
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
            _shown(r.estimate, pct.get(r.variable, False)),
            round(float(r.p_value), 4),
            round(float(r.p_adjusted), 4),
        ]
        for r in harm.itertuples()
    ]
    n = int((comp["reliability"].fillna("") != "suppress").sum())
    cols = ["col_comparison", "col_group", "col_indicator", "col_change", "col_p",
            "col_p_adjusted"]  # fmt: skip
    return Table(
        rt("do_no_harm_title", lang),
        [rt(c, lang) for c in cols],
        rows,
        [None, None, None, _MIXED, "0.000", "0.000"],
        [rt("do_no_harm_note", lang, k=len(rows), n=n)],
        "do_no_harm",
        [""] * len(rows),
        lang,
    )


def _truth_check(spec, results, comparisons, truth, vlab, pct, lang):
    """Estimates next to the known population values: which CIs cover them."""
    wave = spec["waves"]["column"]
    wave_key = {spec["waves"]["before"]: "baseline", spec["waves"]["after"]: "follow_up"}
    gcol = _group_col(spec)
    recs, shown_what = [], []  # the csv keeps the truth file's keys; the table shows labels
    names = _names(spec, vlab)
    wave_name = {"baseline": names.get("before"), "follow_up": names.get("after")}
    for _, r in results[results["breakdown"].isin(["all", gcol])].iterrows():
        wk = wave_key.get(r[wave])
        group = display_value(r[gcol], vlab.get(gcol, {})) if r["breakdown"] != "all" else None
        dom = "all" if group is None else f"{gcol}={group}"
        tv = truth["values"].get(wk, {}).get(dom, {}).get(r["variable"])
        if tv is None:
            continue
        recs.append({"what": f"{wk} {dom}", "variable": r["variable"], "estimate": r["estimate"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"], "truth": tv})  # fmt: skip
        shown_what.append(
            f"{wave_name.get(wk) or wk} · {rt('all', lang) if group is None else group}"
        )
    if len(comparisons):
        for _, r in comparisons[comparisons["comparison"] == "did"].iterrows():
            tv = truth["did"].get(r["variable"])
            if tv is not None:
                recs.append({"what": "DiD", "variable": r["variable"], "estimate": r["estimate"],
                             "ci_low": r["ci_low"], "ci_high": r["ci_high"], "truth": tv})  # fmt: skip
                shown_what.append(sp.tr("did", lang))
    check = pd.DataFrame(recs)
    ilab = _ind_labels(spec)
    check["covered"] = (check["ci_low"] <= check["truth"]) & (check["truth"] <= check["ci_high"])

    def shown(x, var):  # one more decimal than the publication tables
        p = pct.get(var, False)
        return round(float(x) * 100, 2) if p else round(float(x), 4)

    table = Table(
        "",
        rt("truth_cols", lang).split("|"),
        [
            [
                what,
                ilab.get(r.variable, r.variable),
                *(
                    shown(getattr(r, c), r.variable)
                    for c in ("estimate", "ci_low", "ci_high", "truth")
                ),
                rt("yes", lang) if r.covered else rt("no", lang).upper(),
            ]
            for what, r in zip(shown_what, check.itertuples(), strict=True)
        ],  # fmt: skip
        [None, None, "0.00##", "0.00##", "0.00##", "0.00##", None],  # 6.60, not 6.6
        [
            rt(
                "truth_note",
                lang,
                k=int(check["covered"].sum()),
                n=len(check),
                pct=_num(100 * check["covered"].mean(), lang, 1),
            )
        ],  # fmt: skip
        "truth",
        [""] * len(check),
        lang,
    )
    return check, table


def _sorted(sub: pd.DataFrame, spec, names: dict, vars_: list[str], by: list[str], lang):
    """Rows ordered by indicator (spec order), wave (before, after) and group (total first)."""
    keys = []
    for col in reversed(by):
        first = [rt("all", lang)] if col == _group_col(spec) else None
        if col == _wave_col(spec):
            first = [names.get("before"), names.get("after")]
        keys.append(_rank(sub[col], first))
    keys.append(_rank(sub["variable"], vars_))
    return sub.iloc[np.lexsort(keys)] if len(sub) else sub


def csv_frames(spec, results, comparisons):
    """``results.csv`` and ``comparisons.csv`` as the report writes them: the values of
    estimates the spec's quality rule suppresses (and of their complements) blanked, as in
    the tables and as every command's csv, and the numbers of comparisons that use one;
    flags and reasons kept. ``quality: {show_suppressed: true}`` keeps every value (for
    analysis; the report's tables never print them). The words that say which side of a
    comparison ``estimate_1`` / ``estimate_2`` are (``label_1`` / ``label_2``: "baseline:
    wave=1 (...)", "treated group: ...") in the report's language. Whole-number domain
    codes and counts are written as integers (wave ``1``, not the ``1.0`` of an SPSS double), as
    every command's csv writes them."""
    from survey._schema import RESULT_COLUMNS
    from survey._text import code_text, with_int_codes, with_int_counts
    from survey.compare._frame import COMPARISON_COLUMNS
    from survey.quality import mask, mask_comparisons

    # the domains: every column but the tidy result's own and the report's scale
    by = [c for c in results.columns if c not in RESULT_COLUMNS and c != "scale"]
    results = with_int_counts(with_int_codes(results, by))  # counts too: 2304, not 2304.0
    comparisons = with_int_counts(
        with_int_codes(comparisons, [c for c in comparisons.columns if c not in COMPARISON_COLUMNS])
    )
    if "group" in comparisons.columns:  # 'all' or a group's code: 1, not 1.0
        comparisons["group"] = comparisons["group"].map(
            lambda v: v if isinstance(v, str) or pd.isna(v) else code_text(v)
        )
    comparisons = _sides_in(comparisons, _lang(spec))
    if (spec.get("quality") or {}).get("show_suppressed"):
        return results, comparisons
    res = mask(results, by=by) if len(results) else results
    comp = mask_comparisons(comparisons) if len(comparisons) else comparisons
    return res, comp


def _sides_in(comparisons, lang: str):
    """``comparisons`` with the :data:`survey.compare._frame.SIDES` words that begin
    ``label_1`` / ``label_2`` in ``lang`` ("línea de base: wave=1 (...)"); the values and
    their labels after them as the data hold them."""
    import re

    from survey.compare._frame import SIDES
    from survey.plots._text import side_word

    if lang == "en" or "label_1" not in comparisons.columns:
        return comparisons
    out = comparisons.copy()
    out.attrs = dict(comparisons.attrs)
    for col in ("label_1", "label_2"):
        text = out[col].astype("string")
        for word in (w for pair in SIDES.values() for w in pair):
            head = f"{side_word(word, lang)}: "
            text = text.str.replace(f"^{re.escape(word)}: ", lambda _m, h=head: h, regex=True)
        out[col] = text
    return out


def write_outputs(
    spec, sd, designs, results, comparisons, figs, outdir, steps, truth=None, sae=None
) -> dict:
    """Tables (xlsx, md, csv), the HTML report and the methods annex. ``sae``: the small-area
    section, its tables and summary line (:func:`survey.report.sae_section.section`)."""
    lang = _lang(spec)
    vlab = _value_labels(spec, sd.meta)
    ilab = _ind_labels(spec)
    pct = percent_of(spec, results)
    res = _labelled(results, spec, vlab)
    comp = _labelled(comparisons, spec, vlab) if len(comparisons) else comparisons
    wave, gcol = _wave_col(spec), _group_col(spec)
    level = spec["estimation"].get("level", 0.95)
    files: dict[str, Path] = {}
    sections_of = _section_of(spec)
    sections, all_tables = [], []
    names = _names(spec, vlab)
    labels = {**ilab, **_column_labels(spec, sd.meta)}

    def table(sub, by, flag, name, title):
        sub = sub.copy()
        sub.attrs["level"] = level
        return publication_table(
            sub, by=by, labels=labels, percent=flag, digits=1 if flag else 3, title=title,
            name=name if flag else f"{name}_{sub['scale'].iloc[0] if len(sub) else 'other'}",
            lang=lang, reasons=True, source=_src(spec),
        )  # fmt: skip

    order = ["victimisation", "fear", "trust"]
    by_main = [c for c in (wave, gcol) if c]
    for sec in order + sorted({s for s in sections_of.values() if s not in order and s != "other"}):
        vars_ = [n for n, s in sections_of.items() if s == sec]
        if not vars_:
            continue
        title = section_title(spec, sec, lang)
        tabs = []
        for flag, part in _scale_groups(vars_, pct):
            sub = res[res["variable"].isin(part) & res["breakdown"].isin(["all", gcol])].copy()
            if gcol:
                sub[gcol] = sub[gcol].where(sub["breakdown"] != "all", rt("all", lang))
            tabs.append(table(_sorted(sub, spec, names, part, by_main, lang), by_main, flag,
                              sec, title))  # fmt: skip
        all_tables += tabs
        sections.append(
            Section(
                title=title,
                figures=[
                    Figure(figure_markup(ax), caption=cap) for _, ax, cap in figs.get(sec, [])
                ],
                tables=tabs,
                id=sec,
            )
        )
    for bd in [b for b in spec["breakdowns"] if b != gcol]:
        by = [c for c in (wave, bd) if c]
        title = rt("by_breakdown", lang, name=labels.get(bd, bd))
        tabs = []
        for flag, part in _scale_groups([i["name"] for i in spec["indicators"]], pct):
            sub = res[(res["breakdown"] == bd) & res["variable"].isin(part)]
            sub = _sorted(sub, spec, names, part, by, lang)
            tabs.append(table(sub, by, flag, f"by_{bd}", title))
        all_tables += tabs
        sections.append(Section(title=title, tables=tabs, id=f"by-{bd}"))
    if len(comp):
        evald = []
        for kind in ("change", "did"):
            c = comp[comp["comparison"] == kind].drop(columns=["comparison", "unit", "se", "df"])
            c = c.rename(columns={"estimate": "difference"})
            c = c[["group", *[x for x in c.columns if x != "group"]]]
            title = {"change": f"{names.get('after')} − {names.get('before')}",
                     "did": sp.tr("did", lang)}[kind]  # fmt: skip
            for flag, part in _scale_groups(list(pd.unique(c["variable"])), pct):
                cc = c[c["variable"].isin(part)].copy()
                cc.attrs["level"] = level
                # a DiD row's estimate_1 / estimate_2 are the comparison and the treated
                # group's changes, not the two waves
                pair = (
                    (rt("col_change_control", lang), rt("col_change_treated", lang))
                    if kind == "did"
                    else (names.get("before"), names.get("after"))
                )
                tab = comparison_table(
                    cc, by=["group"], labels={**ilab, "group": rt("col_group", lang)},
                    names=pair, percent=flag,
                    digits=1 if flag else 3, name=kind if flag else f"{kind}_other",
                    lang=lang, title=title,
                )  # fmt: skip
                all_tables.append(tab)
                evald.append(tab)
        harm = _do_no_harm_table(spec, comp, ilab, names, pct, lang)
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
    if sae is not None:
        sections.append(sae[0])
        all_tables += sae[1]
        summary.append(sae[2])
    if truth is not None and wave:
        check, ttab = _truth_check(spec, results, comparisons, truth, vlab, pct, lang)
        check.to_csv(outdir / "truth_coverage.csv", index=False)
        files["truth_coverage"] = outdir / "truth_coverage.csv"
        sections.append(
            Section(
                title=SECTION_TITLES["truth"][lang],
                id="truth",
                tables=[ttab],
                paragraphs=[rt("truth_paragraph", lang)],
            )
        )
        summary.append(ttab.notes[0])
    if len(comp):
        sig = comp[
            (comp["comparison"] == "did")
            & comp["significant"].fillna(False).astype(bool)
            & (comp["reliability"].fillna("") != "suppress")
        ]
        n_did = int((comp["comparison"] == "did").sum())
        if n_did:
            summary.append(rt("summary_did", lang, k=len(sig), n=n_did))
    files["xlsx"] = outdir / "tables.xlsx"
    files["markdown"] = outdir / "tables.md"
    files["results"] = outdir / "results.csv"
    if len(comparisons):
        files["comparisons"] = outdir / "comparisons.csv"

    res_csv, comp_csv = csv_frames(spec, results, comparisons)

    def write_files():
        write_tables(all_tables, files["xlsx"])
        write_tables(all_tables, files["markdown"])
        res_csv.to_csv(files["results"], index=False)
        if len(comparisons):
            comp_csv.to_csv(files["comparisons"], index=False)

    # in a forked child inside the pipeline's plots.background_writes (complete when the
    # run ends), while the methods annex and the HTML are built here
    from survey.plots._common import background

    background(write_files)

    def text(key, default=""):
        v = spec.get(key, default)
        return str(v.get(lang, "")) if isinstance(v, dict) else str(v)

    files["report"] = render_report(
        outdir / "report.html",
        title=text("title", "Survey report"),
        subtitle=text("subtitle"),
        summary=summary,
        sections=sections,
        methods=_methods(spec, sd, designs, results, comparisons),
        indicators=_indicator_table(spec, results, comparisons, pct, lang),
        lang=lang,
    )
    files["figures"] = outdir / "figures"
    plt.close("all")
    return files
