"""Run a report spec: read -> harmonise -> design -> weight -> indicators -> compare -> present.

A *report spec* (YAML, kept in ``reports/``) names the data, the design, the weighting, the
indicators, the breakdowns, the comparisons and the language. :func:`run_spec` runs it and
writes ``report.html`` (self-contained), ``tables.xlsx``/``tables.md``, ``results.csv``,
``comparisons.csv`` and ``figures/*.png|svg`` to an output folder.

Statistics come only from :class:`survey.Design` and the engine's
:class:`~survey.engine.EstimateSet` (differences and difference-in-differences are linear
contrasts of one pooled estimate set, so their variances include every covariance); this
module selects, combines and presents.
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


def _harmonise(spec: dict, sd) -> tuple[object, str]:
    """Apply a crosswalk when the spec names one; otherwise check the columns used exist."""
    frame = sd.data
    cw = spec["data"].get("crosswalk")
    if cw:
        from survey.instruments import harmonize, load_crosswalk

        return harmonize(sd, load_crosswalk(cw)), f"crosswalk {cw} applied"
    used = {ind["variable"] for ind in spec["indicators"]}
    used |= set(spec.get("breakdowns", []))
    for key in ("weight", "strata", "psu", "household_weight"):
        if spec["design"].get(key):
            used.add(spec["design"][key])
    missing = sorted(c for c in used if c not in frame.columns)
    if missing:
        raise SpecError(f"{spec['_where']}: data {sd.path} lacks column(s) {missing}")
    return sd, "columns checked (no crosswalk named; the demo uses the standard coding)"


def _derive(frame: pd.DataFrame, indicators: list[dict]) -> pd.DataFrame:
    """One analysis column per indicator: 0/1 for shares (NaN outside the base), numeric for means."""
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


def _quality(frame: pd.DataFrame, spec_rule, proportion: bool) -> pd.DataFrame:
    """Reliability flags: the package rule (``survey.indicators.quality``) named in the spec.

    Shares are estimated as means of 0/1 columns, so the frame is marked as proportions
    before the rule is applied. Without that module the spec's own thresholds
    (``cv_caution``, ``cv_suppress``, ``min_n``) are used.
    """
    frame.attrs["proportion"] = proportion
    rule = dict(spec_rule or {})
    try:
        from survey.indicators.quality import assess
    except ImportError:
        assess = None
    if assess is not None:
        name = rule.pop("rule", None)
        overrides = {k: v for k, v in rule.items() if k not in ("cv_caution", "cv_suppress")}
        arg = {"base": name, **overrides} if overrides else name
        return frame.assign(reliability=assess(frame, rule=arg).to_numpy())
    n = frame["n"].to_numpy(float)
    cv = frame["cv"].to_numpy(float)
    flag = np.full(len(frame), "reliable", dtype=object)
    flag[cv > rule.get("cv_caution", np.inf)] = "caution"
    bad = (cv > rule.get("cv_suppress", np.inf)) | (n < rule.get("min_n", 0)) | ~np.isfinite(cv)
    flag[bad] = "suppress"
    return frame.assign(reliability=pd.array(flag, dtype="string"))


def quality_description(spec_rule) -> str:
    """One sentence naming the reliability rule and its thresholds (for the methods annex)."""
    rule = dict(spec_rule or {})
    try:
        from survey.indicators.quality import resolve_rule
    except ImportError:
        return (
            f"'caution' when CV > {rule.get('cv_caution')}; suppressed (never printed) when "
            f"CV > {rule.get('cv_suppress')} or n < {rule.get('min_n')} (report spec thresholds)."
        )
    name = rule.pop("rule", None)
    cfg = resolve_rule({"base": name, **rule} if rule else name)
    source = cfg.pop("source", "")
    thresholds = ", ".join(f"{k} = {v}" for k, v in cfg.items() if k != "kind")
    return (
        f"Rule '{name or 'default'}' of survey.indicators.quality ({thresholds}); source: "
        f"{source}. Suppressed estimates are never printed; 'caution' ones are marked †."
    )


def _estimate(spec: dict, designs: dict, indicators: list[dict]):
    """Estimates of every indicator: overall, by each breakdown, each by wave."""
    from survey.engine import estimate

    est = spec["estimation"]
    ci, level, df = est.get("ci", "logit"), est.get("level", 0.95), est.get("df", "design")
    wave = spec.get("waves", {}).get("column")
    frames, sets = [], {}
    for unit, design in designs.items():
        inds = [i for i in indicators if i.get("unit", "person") == unit]
        if not inds:
            continue
        shares = [f"ind__{i['name']}" for i in inds if i.get("type", "share") == "share"]
        means = [f"ind__{i['name']}" for i in inds if i.get("type", "share") == "mean"]
        for bd in [None, *spec["breakdowns"]]:
            by = [c for c in (wave, bd) if c]
            for cols, method in ((shares, ci), (means, "wald")):
                if not cols:
                    continue
                es = estimate(design, "mean", cols, by=by or None)
                f = es.to_frame(ci=method, level=level, df=df, quality=None)
                f = _quality(f, spec.get("quality"), proportion=cols is shares)
                f.insert(0, "breakdown", bd or "all")
                frames.append(f)
                sets[(unit, bd, method)] = (es, f["reliability"].astype("object").to_numpy())
    results = pd.concat(frames, ignore_index=True)
    results["variable"] = results["variable"].str.removeprefix("ind__")
    results.attrs.update({"level": level, "ci_method": ci, "df_rule": df})
    return results, sets


def _contrasts(spec: dict, sets: dict, indicators: list[dict]) -> pd.DataFrame:
    """Follow-up minus baseline (overall and per group) and difference-in-differences.

    Linear contrasts of one pooled estimate set (EstimateSet.contrast), so the variance of
    each difference comes from the engine with all covariances.
    """
    from scipy import stats

    waves, groups = spec.get("waves"), spec.get("groups")
    if not waves:
        return pd.DataFrame()
    wcol, before, after = waves["column"], waves["before"], waves["after"]
    est = spec["estimation"]
    level, df_rule = est.get("level", 0.95), est.get("df", "design")
    better = {i["name"]: i.get("better") for i in indicators}
    rows = []
    for (unit, bd, _method), (es, flags) in sets.items():
        if bd not in (None, groups and groups["column"]):
            continue
        lab = es.labels.reset_index(drop=True)
        L, labs = [], []
        for var in pd.unique(lab["variable"]):
            sel = lab["variable"] == var
            if bd is None:
                i1 = np.flatnonzero(sel & (lab[wcol] == before))
                i2 = np.flatnonzero(sel & (lab[wcol] == after))
                if i1.size and i2.size:
                    row = np.zeros(len(lab))
                    row[i2[0]], row[i1[0]] = 1, -1
                    L.append(row)
                    labs.append(
                        {
                            "comparison": "change",
                            "group": "all",
                            "variable": var,
                            "_i": (i1[0], i2[0]),
                        }
                    )
                continue
            gcol, treated = groups["column"], groups["treated"]
            change = {}
            for g in pd.unique(lab[gcol].dropna()):
                i1 = np.flatnonzero(sel & (lab[wcol] == before) & (lab[gcol] == g))
                i2 = np.flatnonzero(sel & (lab[wcol] == after) & (lab[gcol] == g))
                if i1.size and i2.size:
                    row = np.zeros(len(lab))
                    row[i2[0]], row[i1[0]] = 1, -1
                    change[g] = row
                    L.append(row)
                    labs.append(
                        {"comparison": "change", "group": g, "variable": var, "_i": (i1[0], i2[0])}
                    )
            others = [g for g in change if g != treated]
            if treated in change and len(others) == 1:
                L.append(change[treated] - change[others[0]])
                labs.append({"comparison": "did", "group": treated, "variable": var, "_i": None})
        if not L:
            continue
        labels = pd.DataFrame([{k: v for k, v in d.items() if k != "_i"} for d in labs])
        labels["variable"] = labels["variable"].astype(str)
        f = es.contrast(np.vstack(L), labels=labels[["variable"]]).to_frame(
            ci="wald", level=level, df=df_rule, quality=None
        )
        out = labels.copy()
        out["unit"] = unit
        theta = es.theta
        out["estimate_1"] = [theta[d["_i"][0]] if d["_i"] else np.nan for d in labs]
        out["estimate_2"] = [theta[d["_i"][1]] if d["_i"] else np.nan for d in labs]
        out["difference"] = f["estimate"].to_numpy()
        out["se"] = f["se"].to_numpy()
        out["ci_low"] = f["ci_low"].to_numpy()
        out["ci_high"] = f["ci_high"].to_numpy()
        out["df"] = f["df"].to_numpy()
        tstat = out["difference"] / out["se"]
        out["p_value"] = 2 * stats.t.sf(np.abs(tstat), out["df"])
        # a comparison that uses a suppressed estimate is itself not published
        uses = np.abs(np.vstack(L)) > 0
        out["reliability"] = np.where(
            (uses & (flags == "suppress")[None, :]).any(axis=1), "suppress", pd.NA
        )
        rows.append(out)
    comp = pd.concat(rows, ignore_index=True)
    comp["variable"] = comp["variable"].str.removeprefix("ind__")
    alpha = 1 - level
    comp["significant"] = comp["p_value"] < alpha
    direction = comp["variable"].map(better)
    comp["worsened"] = comp["significant"] & (
        ((direction == "lower") & (comp["difference"] > 0))
        | ((direction == "higher") & (comp["difference"] < 0))
    )
    comp.attrs["level"] = level
    return comp


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
        sd, what = _harmonise(spec, sd)
        done("harmonise", t0, what)
        t0 = step("design")
        frame = _derive(sd.data, indicators)
        designs = _designs(spec, frame)
        done("design", t0, "survey.Design (" + ", ".join(designs) + " weights)")
        t0 = step("weight")
        designs, what = _weight(spec, designs)
        done("weight", t0, what)
        t0 = step("indicators")
        results, sets = _estimate(spec, designs, indicators)
        done("indicators", t0, f"{len(results)} estimates (Design + engine, spec definitions)")
        t0 = step("compare")
        comparisons = _contrasts(spec, sets, indicators)
        done("compare", t0, f"{len(comparisons)} contrasts (EstimateSet.contrast)")
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
        timings=timings,
    )
