"""Run a report spec: read -> harmonise -> design -> weight -> indicators -> compare -> present.

A *report spec* (YAML, kept in ``reports/``) names the data, the design, the weighting, the
indicators, the breakdowns, the comparisons and the language. :func:`run_spec` runs it and
writes ``report.html`` (self-contained), ``tables.xlsx``/``tables.md``, ``results.csv``,
``comparisons.csv`` and ``figures/*.png|svg`` to an output folder.

Nothing here computes a variance or a test. The steps call the package:

- harmonise: :func:`survey.instruments.harmonize` with the spec's crosswalk;
- design and weight: :class:`survey.Design`, :class:`survey.weighting.Rake`;
- indicators: the :mod:`survey.indicators` registry function named by each indicator's
  ``registry`` key (with its ``args``), or, for a "spec-defined" indicator (no registry
  entry fits), the design mean of its row-level definition (``variable``/``codes``/``base``);
- compare: :func:`survey.compare.compare_within` (follow-up minus baseline, overall and per
  group) and :func:`survey.compare.did` on each unit's pooled design, with a Holm (or BH)
  adjustment per contrast across the indicator battery and the "do no harm" flags.

The comparisons use each indicator's row-level definition; the pipeline checks that the
compared cell estimates equal the published (registry) estimates, so both describe the same
indicator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from survey._paths import data_dir, dataset_path

__all__ = ["ReportResult", "load_spec", "run_spec"]

_BUNDLED = {"@demo": "demo_survey.sav", "@demo_margins": "demo_margins.csv"}


class SpecError(ValueError):
    """A report spec that cannot be run (names the file and the key)."""


@dataclass
class ReportResult:
    """What :func:`run_spec` wrote and computed."""

    report: Path
    outdir: Path
    results: pd.DataFrame
    comparisons: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    steps: dict[str, str] = field(default_factory=dict)
    designs: dict = field(default_factory=dict)  # unit -> the (weighted) design analysed
    timings: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------------------ spec


def load_spec(spec: str | Path | dict) -> dict:
    """Load and check a report spec (a path to YAML, or a dict)."""
    if isinstance(spec, dict):
        out, base = dict(spec), Path.cwd()
        where = "spec"
    else:
        path = Path(spec)
        if not path.exists():
            candidate = data_dir("reports") / path.name
            if candidate.exists():
                path = candidate
            else:
                raise SpecError(f"report spec {spec} not found (also looked in {candidate.parent})")
        with open(path, encoding="utf-8") as fh:
            out = yaml.safe_load(fh)
        base, where = path.parent, str(path)
    if not isinstance(out, dict):
        raise SpecError(f"{where}: a report spec is a YAML mapping")
    for key in ("data", "design", "indicators"):
        if key not in out:
            raise SpecError(f"{where}: missing key {key!r}")
    out.setdefault("language", "en")
    out.setdefault("breakdowns", [])
    out.setdefault("estimation", {})
    out["_base"] = base
    out["_where"] = where
    names = [ind.get("name") for ind in out["indicators"]]
    if len(set(names)) != len(names) or None in names:
        raise SpecError(f"{where}: every indicator needs a unique 'name'")
    for ind in out["indicators"]:
        if "variable" not in ind:
            raise SpecError(f"{where}: indicator {ind['name']!r}: give its 'variable'")
        if ind.get("better") not in (None, "lower", "higher"):
            raise SpecError(f"{where}: indicator {ind['name']!r}: better must be lower|higher")
        if ind.get("type", "share") not in ("share", "mean"):
            raise SpecError(f"{where}: indicator {ind['name']!r}: type must be 'share' or 'mean'")
        if ind.get("type", "share") == "share" and "codes" not in ind:
            raise SpecError(f"{where}: indicator {ind['name']!r}: a share needs 'codes'")
    return out


def _resolve(spec: dict, ref: str) -> Path:
    if ref in _BUNDLED:
        return dataset_path(_BUNDLED[ref])
    p = Path(ref)
    return p if p.is_absolute() else Path(spec["_base"]) / p


def _label(ind: dict, lang: str) -> str:
    lab = ind.get("label", ind["name"])
    if isinstance(lab, dict):
        return str(lab.get(lang) or lab.get("en") or next(iter(lab.values())))
    return str(lab)


def _text(spec: dict, key: str, lang: str, default: str = "") -> str:
    v = spec.get(key, default)
    if isinstance(v, dict):
        return str(v.get(lang) or v.get("en") or "")
    return str(v or "")


# ------------------------------------------------------------------------------ steps


def _read(spec: dict):
    from survey import read

    path = _resolve(spec, spec["data"]["path"])
    return read(path, user_missing=spec["data"].get("user_missing", "missing"))


def _crosswalk_ref(spec: dict, ref: str):
    """A crosswalk file named in the spec (relative to it) or a shipped crosswalk name."""
    if str(ref).endswith((".yaml", ".yml")):
        path = _resolve(spec, ref)
        if not path.exists():
            raise SpecError(f"{spec['_where']}: data.crosswalk: file {path} not found")
        return path
    return ref


def _harmonise(spec: dict, sd) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
    """Map the data onto the standard items with the spec's crosswalk, then check columns.

    Returns the analysis frame (the data with every mapped source column replaced by its
    standard item; columns the crosswalk does not claim are kept as they are), a sentence for
    the methods annex and the crosswalk's mapping report (``None`` without a crosswalk).
    """
    frame = sd.data
    ref = spec["data"].get("crosswalk")
    report = None
    if ref:
        from survey.instruments import harmonize, load_crosswalk

        cw = load_crosswalk(_crosswalk_ref(spec, ref))
        h = harmonize(sd, cw)
        bad = h.claimed_failures()
        if len(bad):
            raise SpecError(
                f"{spec['_where']}: crosswalk {cw.name}: items that did not map cleanly: "
                + "; ".join(
                    f"{r.source} -> {r.target} ({r.unknown_codes or r.detail})"
                    for r in bad.itertuples()
                )
            )
        report = h.report[h.report["status"] == "mapped"].reset_index(drop=True)
        sources, targets = report["source"].tolist(), report["target"].tolist()
        frame = frame.drop(columns=sources).join(h.data[targets])
        kept = [c for c in frame.columns if c not in targets]
        what = (
            f"crosswalk '{cw.name}' ({Path(cw.path).name}): {len(targets)} items mapped onto "
            f"standard item ids, {int(report['n_unknown'].sum())} unknown codes; "
            f"{len(kept)} other columns used as they are"
        )
    else:
        what = "no crosswalk named: the data are used with their own column names and codes"
    used = {ind["variable"] for ind in spec["indicators"] if ind.get("variable")}
    used |= set(spec.get("breakdowns", []))
    for key in ("weight", "strata", "psu", "household_weight"):
        if spec["design"].get(key):
            used.add(spec["design"][key])
    missing = sorted(c for c in used if c not in frame.columns)
    if missing:
        raise SpecError(
            f"{spec['_where']}: data {sd.path} lacks column(s) {missing}"
            + (" after harmonisation" if ref else "")
        )
    return frame, what, report


def _derive(frame: pd.DataFrame, indicators: list[dict]) -> pd.DataFrame:
    """One analysis column per indicator (the row-level definition the comparisons use).

    Shares: 1 when ``variable`` is in ``codes``, 0 when in ``base`` (or answered, without
    ``base``) but not in ``codes``, NaN otherwise; means: the variable itself.
    """
    cols = {}
    for ind in indicators:
        x = pd.to_numeric(frame[ind["variable"]], errors="coerce").to_numpy(float)
        if ind.get("type", "share") == "share":
            base = ind.get("base")
            inbase = np.isin(x, base) if base is not None else ~np.isnan(x)
            cols[f"ind__{ind['name']}"] = np.where(
                inbase, np.isin(x, ind["codes"]).astype(float), np.nan
            )
        else:
            cols[f"ind__{ind['name']}"] = x
    return frame.assign(**cols)


def _designs(spec: dict, frame: pd.DataFrame) -> dict:
    from survey import Design

    d = spec["design"]
    out = {
        "person": Design(frame, weight=d["weight"], strata=d.get("strata"), psu=d.get("psu")),
    }
    if d.get("household_weight"):
        out["household"] = Design(
            frame, weight=d["household_weight"], strata=d.get("strata"), psu=d.get("psu")
        )
    return out


def _weight(spec: dict, designs: dict) -> tuple[dict, str]:
    w = spec.get("weighting") or {}
    if not w.get("rake"):
        return designs, "design weights used as given"
    from survey.weighting import Rake

    r = w["rake"]
    pop = pd.read_csv(_resolve(spec, r["population"]))
    count = r.get("count", "count")
    wave_col = spec.get("waves", {}).get("column") if r.get("by_wave") else None
    margins = []
    data = designs["person"].data
    for vars_ in r["margins"]:
        vars_ = [vars_] if isinstance(vars_, str) else list(vars_)
        table = pop.groupby(vars_, as_index=False)[count].sum()
        if wave_col:
            waves = pd.DataFrame({wave_col: sorted(pd.unique(data[wave_col].dropna()))})
            table = waves.merge(table, how="cross")
            vars_ = [wave_col, *vars_]
        margins.append((tuple(vars_), table))
    raked = Rake(margins, count=count).fit_transform(designs["person"])
    names = " and ".join(" x ".join(m[0]) for m in margins)
    return {**designs, "person": raked}, f"person weights raked to population margins {names}"


def _quality_arg(spec_rule):
    """The spec's ``quality`` entry as a :mod:`survey.indicators.quality` rule argument."""
    rule = dict(spec_rule or {})
    name = rule.pop("rule", None)
    return {"base": name, **rule} if rule else (name or "default")


def quality_description(spec_rule) -> str:
    """One sentence naming the reliability rule and its thresholds (for the methods annex)."""
    from survey.indicators.quality import resolve_rule

    rule = dict(spec_rule or {})
    name = rule.pop("rule", None)
    cfg = resolve_rule({"base": name, **rule} if rule else name)
    source = cfg.pop("source", "")
    thresholds = ", ".join(f"{k} = {v}" for k, v in cfg.items() if k != "kind")
    return (
        f"Rule '{name or 'default'}' of survey.indicators.quality ({thresholds}); source: "
        f"{source}. Suppressed estimates are never printed; 'caution' ones are marked †."
    )


def indicator_source(ind: dict) -> str:
    """How an indicator is computed: its registry entry and arguments, or the spec codes."""
    if ind.get("registry"):
        args = ", ".join(f"{k}={v!r}" for k, v in (ind.get("args") or {}).items())
        return f"survey.indicators registry '{ind['registry']}'" + (f" ({args})" if args else "")
    if ind.get("type", "share") == "share":
        return f"spec: {ind['variable']} in {ind['codes']}" + (
            f" among {ind['base']}" if ind.get("base") is not None else ""
        )
    return f"spec: mean of {ind['variable']}"


def _registry_frame(spec: dict, ind: dict, design, by: list[str]) -> pd.DataFrame:
    """One indicator from its :mod:`survey.indicators` registry entry, one row per domain."""
    from survey.indicators import get

    est = spec["estimation"]
    share = ind.get("type", "share") == "share"
    try:
        entry = get(ind["registry"])
    except KeyError as exc:
        raise SpecError(f"{spec['_where']}: indicator {ind['name']!r}: {exc.args[0]}") from None
    f = entry.compute(
        design,
        by=by or None,
        **(ind.get("args") or {}),
        scale="proportion" if share else "ratio",
        ci=est.get("ci", "logit") if share else "wald",
        level=est.get("level", 0.95),
        df=est.get("df", "design"),
        quality=_quality_arg(spec.get("quality")),
    )
    n_dom = len(f.drop_duplicates(by)) if by else 1
    if len(f) != n_dom:
        raise SpecError(
            f"{spec['_where']}: indicator {ind['name']!r}: registry '{ind['registry']}' with "
            f"args {ind.get('args')} gives {len(f) // max(n_dom, 1)} estimates per domain "
            f"({', '.join(map(str, pd.unique(f['category'])))}); give args selecting one"
        )
    f = f.copy()
    f["variable"] = f"ind__{ind['name']}"
    f["category"] = pd.array([pd.NA] * len(f), dtype=object)
    return f


def _estimate(spec: dict, designs: dict, indicators: list[dict]) -> pd.DataFrame:
    """Estimates of every indicator: overall, by each breakdown, each by wave.

    Indicators with a ``registry`` entry are computed by that :mod:`survey.indicators`
    function; the others ("spec-defined") as design means of their analysis column.
    """
    from survey.engine import estimate
    from survey.indicators.quality import assess

    est = spec["estimation"]
    ci, level, df = est.get("ci", "logit"), est.get("level", 0.95), est.get("df", "design")
    wave = spec.get("waves", {}).get("column")
    frames = []
    for unit, design in designs.items():
        inds = [i for i in indicators if i.get("unit", "person") == unit]
        for bd in [None, *spec["breakdowns"]]:
            by = [c for c in (wave, bd) if c]
            parts = [_registry_frame(spec, i, design, by) for i in inds if i.get("registry")]
            plain = [i for i in inds if not i.get("registry")]
            for kind, method in (("share", ci), ("mean", "wald")):
                cols = [f"ind__{i['name']}" for i in plain if i.get("type", "share") == kind]
                if not cols:
                    continue
                f = estimate(design, "mean", cols, by=by or None).to_frame(
                    ci=method, level=level, df=df, quality=None
                )
                f.attrs["proportion"] = kind == "share"
                f["reliability"] = assess(f, rule=_quality_arg(spec.get("quality"))).to_numpy()
                parts.append(f)
            for f in parts:
                f.insert(0, "breakdown", bd or "all")
                f.insert(1, "unit", unit)
                frames.append(f)
    results = pd.concat(frames, ignore_index=True)
    results["variable"] = results["variable"].str.removeprefix("ind__")
    order = {i["name"]: k for k, i in enumerate(indicators)}
    bds = {b: k for k, b in enumerate(["all", *spec["breakdowns"]])}
    results = results.iloc[
        np.lexsort((results["variable"].map(order), results["breakdown"].map(bds)))
    ].reset_index(drop=True)
    results.attrs.update({"level": level, "ci_method": ci, "df_rule": df})
    return results


def _compare(spec: dict, designs: dict, indicators: list[dict], results: pd.DataFrame):
    """Before/after per group and overall, and the difference-in-differences, with
    :mod:`survey.compare`; one multiplicity adjustment per family across the battery.

    Waves and groups are domains of each unit's (pooled) design: ``compare_within`` and
    ``did`` take the contrasts of the domain estimates with their covariances (the
    calibration links areas within a wave), on the design's degrees of freedom.
    """
    from survey.compare import compare_within, did
    from survey.compare._frame import finish

    waves, groups = spec.get("waves"), spec.get("groups")
    if not waves:
        return pd.DataFrame()
    wcol, before, after = waves["column"], waves["before"], waves["after"]
    est = spec["estimation"]
    level = est.get("level", 0.95)
    cmp = spec.get("comparisons") or {}
    adjust = cmp.get("adjust", "holm")
    df = cmp.get("df", "design")
    worse = {
        i["name"]: {"lower": "higher", "higher": "lower"}[i["better"]]
        for i in indicators
        if i.get("better") in ("lower", "higher")
    }
    kw = dict(level=level, alpha=1 - level, df=df)
    parts = []
    for unit, design in designs.items():
        cols = [f"ind__{i['name']}" for i in indicators if i.get("unit", "person") == unit]
        if not cols:
            continue
        pairs = dict(wave=wcol, baseline=before, followup=after, **kw)
        f = compare_within(design, cols, **pairs)
        parts.append(f.assign(comparison="change", group="all", unit=unit))
        if groups:
            gcol, treated = groups["column"], groups["treated"]
            f = compare_within(design, cols, by=gcol, **pairs)
            parts.append(f.rename(columns={gcol: "group"}).assign(comparison="change", unit=unit))
            others = [g for g in pd.unique(design.data[gcol].dropna()) if g != treated]
            if len(others) == 1:
                f = did(
                    design, cols, group=gcol, wave=wcol, treated=treated, control=others[0],
                    pre=before, post=after, **kw,
                )  # fmt: skip
                parts.append(f.assign(comparison="did", group=treated, unit=unit))
    comp = pd.concat(parts, ignore_index=True)
    comp["variable"] = comp["variable"].astype(str).str.removeprefix("ind__")
    _check_cells(spec, comp, results)
    comp = _flag_inputs(spec, comp, results)
    # one family per contrast (change in each group, DiD) across the whole indicator battery
    # (household and person indicators together)
    comp = finish(
        comp,
        ["comparison", "group", "unit"],
        level=level,
        alpha=1 - level,
        adjust=adjust,
        family=["comparison", "group"],
        worse=worse,
        worsened_p="unadjusted",  # a safety screen keeps its sensitivity (see survey.compare)
        attrs={"df_rule": df, "comparison": "survey.compare: compare_within + did"},
    ).assign(reliability=comp["reliability"].to_numpy())
    order = {i["name"]: k for k, i in enumerate(indicators)}
    gorder = {"all": -1, **({groups["treated"]: 0} if groups else {})}
    keys = (
        comp["variable"].map(order).to_numpy(),
        comp["group"].map(lambda g: gorder.get(g, 1)).to_numpy(),
        (comp["comparison"] == "did").to_numpy(),
    )
    return comp.iloc[np.lexsort(keys)].reset_index(drop=True)


def _cells(spec: dict, results: pd.DataFrame) -> pd.DataFrame:
    """Published estimates and flags by (group, wave, variable); group 'all' = overall."""
    wcol = spec["waves"]["column"]
    gcol = (spec.get("groups") or {}).get("column")
    r = results[results["breakdown"].isin(["all", gcol])]
    group = r[gcol].astype(object).where(r["breakdown"] != "all", "all") if gcol else "all"
    return pd.DataFrame(
        {
            "group": group,
            "wave": r[wcol].to_numpy(),
            "variable": r["variable"].to_numpy(),
            "estimate": r["estimate"].to_numpy(float),
            "reliability": r["reliability"].astype(object).to_numpy(),
        }
    )


def _check_cells(spec: dict, comp: pd.DataFrame, results: pd.DataFrame) -> None:
    """The compared estimates must be the published ones (registry call = spec definition)."""
    w = spec["waves"]
    cells = _cells(spec, results)
    ch = comp[comp["comparison"] == "change"]
    for k, wv in (("1", w["before"]), ("2", w["after"])):
        c = cells[cells["wave"] == wv][["group", "variable", "estimate"]]
        m = ch[["group", "variable", f"estimate_{k}"]].merge(
            c.rename(columns={"estimate": "published"}), on=["group", "variable"], how="left"
        )
        bad = ~np.isclose(m[f"estimate_{k}"], m["published"], rtol=1e-9, atol=1e-12)
        if bad.any():
            names = sorted(set(m.loc[bad, "variable"]))
            raise SpecError(
                f"{spec['_where']}: indicator(s) {names}: the registry estimate differs from "
                "the spec's row-level definition (variable/codes/base) used for comparisons; "
                "make them describe the same indicator"
            )


def _flag_inputs(spec: dict, comp: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """``unreliable`` under the report's quality rule, and ``reliability = 'suppress'`` for
    a comparison that uses a suppressed estimate (it is not printed)."""
    w = spec["waves"]
    cells = _cells(spec, results)
    out = comp.copy()
    flags = []
    for wv in (w["before"], w["after"]):
        c = cells[cells["wave"] == wv][["group", "variable", "reliability"]]
        g = out["group"].where(out["comparison"] != "did", None)
        key = pd.DataFrame({"group": g, "variable": out["variable"]})
        if "did" in set(out["comparison"]):  # a DiD uses all groups: the worst flag counts
            c4 = c[c["group"] != "all"]
            worst = (
                c4.assign(r=c4["reliability"].map({"suppress": 2, "caution": 1}).fillna(0))
                .groupby("variable")["r"]
                .max()
            )
            did_flag = out["variable"].map(worst)
        else:
            did_flag = pd.Series(np.nan, index=out.index)
        m = key.merge(c, on=["group", "variable"], how="left")["reliability"]
        r = m.map({"suppress": 2, "caution": 1}).fillna(0).to_numpy()
        flags.append(np.where(out["comparison"] == "did", did_flag.to_numpy(), r))
    worst = np.maximum(*flags)
    out["unreliable"] = pd.array(worst >= 1, dtype="boolean")
    out["reliability"] = pd.array(np.where(worst >= 2, "suppress", None), dtype=object)
    return out


# ------------------------------------------------------------------------------ run


def run_spec(
    spec, outdir, *, progress: bool | None = None, truth: dict | None = None
) -> ReportResult:
    """Run a report spec and write the report and its tables and figures to ``outdir``.

    Parameters
    ----------
    spec : path or dict
        The report spec (YAML). A bare file name is also looked up in ``reports/``.
    outdir : path
        Output folder (created).
    progress : bool, optional
        Show a progress bar (default: when the terminal is interactive).
    truth : dict, optional
        Known population values (the demo's) to add a coverage check to the report.

    Returns
    -------
    ReportResult
    """
    from rich.progress import Progress

    from survey.report import _present

    spec = load_spec(spec)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    steps: dict[str, str] = {}
    timings: dict[str, float] = {}
    indicators = spec["indicators"]
    plan = ["read", "harmonise", "design", "weight", "indicators", "compare", "figures", "report"]
    import sys

    show = sys.stderr.isatty() if progress is None else progress
    with Progress(disable=not show, transient=True) as bar:
        task = bar.add_task("report", total=len(plan))

        def step(name):
            bar.update(task, description=name)
            return time.perf_counter()

        def done(name, t0, what):
            timings[name] = time.perf_counter() - t0
            steps[name] = what
            bar.advance(task)

        t0 = step("read")
        sd = _read(spec)
        spec["_meta"] = sd.meta
        done("read", t0, f"survey.read: {sd.path.name}, {len(sd.data)} rows")
        t0 = step("harmonise")
        frame, what, mapping = _harmonise(spec, sd)
        spec["_crosswalk_report"] = mapping
        done("harmonise", t0, what)
        t0 = step("design")
        frame = _derive(frame, indicators)
        designs = _designs(spec, frame)
        done("design", t0, "survey.Design (" + ", ".join(designs) + " weights)")
        t0 = step("weight")
        designs, what = _weight(spec, designs)
        done("weight", t0, what)
        t0 = step("indicators")
        results = _estimate(spec, designs, indicators)
        n_reg = sum(bool(i.get("registry")) for i in indicators)
        done(
            "indicators",
            t0,
            f"{len(results)} estimates of {len(indicators)} indicators ({n_reg} by "
            f"survey.indicators registry functions, {len(indicators) - n_reg} spec-defined)",
        )
        t0 = step("compare")
        comparisons = _compare(spec, designs, indicators, results)
        adj = (spec.get("comparisons") or {}).get("adjust", "holm")
        done(
            "compare",
            t0,
            f"{len(comparisons)} comparisons (survey.compare.compare_within and did; "
            f"{adj} adjustment per contrast across the indicator battery)",
        )
        t0 = step("figures")
        figures = _present.figures(spec, results, comparisons, outdir)
        done("figures", t0, f"{sum(len(v) for v in figures.values())} figures")
        t0 = step("report")
        files = _present.write_outputs(
            spec, sd, designs, results, comparisons, figures, outdir, steps, truth=truth
        )
        done("report", t0, str(files["report"]))
    return ReportResult(
        report=files["report"],
        outdir=outdir,
        results=results,
        comparisons=comparisons,
        files=files,
        steps=steps,
        designs=designs,
        timings=timings,
    )
