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
- small areas (a spec's ``sae:``): :mod:`survey.report.sae_section` runs
  :mod:`survey.sae` (direct -> GVF -> Fay-Herriot -> benchmark) and builds its section.

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

_BUNDLED = {
    "@demo": "demo_survey.sav",
    "@demo_margins": "demo_margins.csv",
    "@demo_regions": "demo_regions.geojson",
    "@city_sample": "city_sample.csv",
    "@city_census": "city_census.csv",
    "@city_areas": "city_areas.geojson",
}


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
    figures: dict = field(default_factory=dict)  # figure stem -> its matplotlib Axes
    sae: object = None  # survey.report.sae_section.SAEOutput when the spec has ``sae``


# ------------------------------------------------------------------------------ spec


from survey.report.sae_section import SAE_KEYS as _SAE_KEYS  # noqa: E402

#: The keys a report spec may hold, per section (anything else is a :class:`SpecError`).
SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "title", "subtitle", "source", "language", "data", "design", "waves", "groups",
        "weighting", "estimation", "quality", "comparisons", "breakdowns", "indicators",
        "figures", "sae", "labels", "sections",
    ),
    "data": ("path", "user_missing", "crosswalk"),
    "design": ("weight", "household_weight", "strata", "psu", "fpc", "nest", "lonely_psu"),
    "waves": ("column", "before", "after"),
    "groups": ("column", "treated"),
    "weighting": ("rake",),
    "weighting.rake": ("population", "count", "margins", "by_wave"),
    "estimation": ("level", "ci", "df"),
    "comparisons": ("adjust", "df"),
    "figures": (
        "territory", "by_territory", "scatter", "trends", "trust_battery", "dumbbell", "did",
        "map",
    ),
    "figures.map": ("geometry", "key", "name", "indicators"),
    "sae": _SAE_KEYS,
    "indicator": (
        "name", "label", "registry", "args", "variable", "codes", "base", "type", "unit",
        "better", "section",
    ),
}  # fmt: skip
#: Figures that need two waves (and ``groups`` for ``did``).
_WAVE_FIGURES = ("trends", "dumbbell", "did")


def _check_keys(where: str, section: str, value, label: str | None = None) -> dict:
    """``value`` must be a mapping whose keys are all in ``SPEC_KEYS[section]``."""
    label = label or section
    if not isinstance(value, dict):
        raise SpecError(f"{where}: {label} must be a mapping, got {type(value).__name__}")
    unknown = [k for k in value if k not in SPEC_KEYS[section]]
    if unknown:
        raise SpecError(
            f"{where}: unknown key {label + '.' if label else ''}{unknown[0]}"
            + (f" (and {unknown[1:]})" if len(unknown) > 1 else "")
            + f"; allowed: {', '.join(SPEC_KEYS[section])}"
        )
    return value


def _key_lines(text: str) -> dict[str, int]:
    """Line of each key of a YAML spec: ``{"estimation.ci": 12, "indicators[vic].codes":
    20, ...}`` (indicators by their name), for messages that say where the error is."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    continue
                key = f"{prefix}.{k.value}" if prefix else str(k.value)
                out.setdefault(key, k.start_mark.line + 1)
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                name = None
                if isinstance(item, yaml.MappingNode):
                    name = next((v.value for k, v in item.value
                                 if isinstance(k, yaml.ScalarNode) and k.value == "name"
                                 and isinstance(v, yaml.ScalarNode)), None)  # fmt: skip
                if name is not None:
                    key = f"{prefix}[{name}]"
                    out.setdefault(key, item.start_mark.line + 1)
                    walk(item, key)

    walk(root, "")
    return out


def at(spec: dict, key: str) -> str:
    """``"<spec file>, line N: key"`` (the line when known) for a spec message."""
    line = (spec.get("_lines") or {}).get(key)
    return f"{spec['_where']}, line {line}: {key}" if line else f"{spec['_where']}: {key}"


def _check_options(out: dict) -> None:
    """Values of ``estimation`` and ``comparisons`` and the codes of each indicator,
    checked at load time so that an error names the key and its line (not a ValueError
    from deep in the run)."""
    from survey.engine.ci import METHODS

    est = out["estimation"]
    ci = est.get("ci")
    if ci is not None and ci not in METHODS:
        raise SpecError(f"{at(out, 'estimation.ci')}: {ci!r} is not a method; use one of "
                        f"{', '.join(METHODS)}")  # fmt: skip
    level = est.get("level")
    if level is not None and not (
        isinstance(level, (int, float)) and not isinstance(level, bool) and 0 < level < 1
    ):
        raise SpecError(
            f"{at(out, 'estimation.level')}: {level!r}: a confidence level between 0 and 1 "
            "(0.95, not 95)"
        )
    for key, value in (("estimation.df", est.get("df")),
                       ("comparisons.df", (out.get("comparisons") or {}).get("df"))):  # fmt: skip
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is not None and not (
            value in ("design", "domain", "inf") or (number and value > 0)
        ):
            raise SpecError(
                f"{at(out, key)}: {value!r}: use design, domain, inf or a positive number"
            )
    adjust = (out.get("comparisons") or {}).get("adjust")
    if adjust not in (None, "none"):
        from survey._methods import ADJUST_METHODS as ADJUST

        if adjust not in ADJUST:
            raise SpecError(f"{at(out, 'comparisons.adjust')}: {adjust!r}: use one of "
                            f"{', '.join(ADJUST)} or none")  # fmt: skip
    for ind in out["indicators"]:
        name = ind["name"]
        for key in ("codes", "base"):
            if key not in ind or ind[key] is None:
                continue
            codes = ind[key] if isinstance(ind[key], list) else [ind[key]]
            if not codes or not all(
                isinstance(c, (int, float, str)) and not isinstance(c, bool) for c in codes
            ):
                raise SpecError(
                    f"{at(out, f'indicators[{name}].{key}')}: a list of codes such as "
                    f"[1] or [1, 2], got {ind[key]!r}"
                )
        args = ind.get("args")
        if args is not None and not isinstance(args, dict):
            raise SpecError(
                f"{at(out, f'indicators[{name}].args')}: a mapping of the registry "
                f"function's arguments, got {args!r}"
            )


def load_spec(spec: str | Path | dict) -> dict:
    """Load and check a report spec (a path to YAML, or a dict).

    Every key is checked: an unknown key (a typo such as ``design.lonley_psu``, or an option
    the pipeline does not have) raises :class:`SpecError` naming the file and the key, so no
    setting is silently ignored. ``waves`` and ``groups`` are optional: without them the
    report is a single-wave report (estimates by breakdown, no comparison section);
    ``groups`` needs ``waves``.
    """
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
        text = path.read_text(encoding="utf-8")
        out = yaml.safe_load(text)
        base, where = path.parent, str(path)
        if isinstance(out, dict):
            out["_lines"] = _key_lines(text)
    if not isinstance(out, dict):
        raise SpecError(f"{where}: a report spec is a YAML mapping")
    lines = out.pop("_lines", {})
    _check_keys(where, "", out, "")
    for key in ("data", "design", "indicators"):
        if key not in out:
            raise SpecError(f"{where}: missing key {key!r}")
    for key in ("data", "design", "waves", "groups", "weighting", "estimation", "comparisons",
                "figures"):  # fmt: skip
        if out.get(key) is not None:
            out[key] = dict(_check_keys(where, key, out[key]))
    _check_design(where, out["design"])
    if "path" not in out["data"]:
        raise SpecError(f"{where}: missing key data.path")
    rake = (out.get("weighting") or {}).get("rake")
    if rake is not None:
        _check_keys(where, "weighting.rake", rake)
    for key, need in (("waves", ("column", "before", "after")), ("groups", ("column", "treated"))):
        if out.get(key) is not None:
            lack = [k for k in need if k not in out[key]]
            if lack:
                raise SpecError(f"{where}: {key} needs {', '.join(need)} (missing {lack})")
    out["waves"] = out.get("waves") or None
    out["groups"] = out.get("groups") or None
    if out["groups"] and not out["waves"]:
        raise SpecError(
            f"{where}: groups (treatment/comparison) need waves (before/after); for a "
            "single-wave report list the column under breakdowns"
        )
    if rake and rake.get("by_wave") and not out["waves"]:
        raise SpecError(f"{where}: weighting.rake.by_wave needs waves")
    if out.get("language", "en") not in ("en", "es", "pt"):
        raise SpecError(f"{where}: language must be en, es or pt, got {out['language']!r}")
    out.setdefault("language", "en")
    out["breakdowns"] = list(out.get("breakdowns") or [])
    out["estimation"] = out.get("estimation") or {}
    out["figures"] = out.get("figures") or {}
    if not out["waves"]:
        need_waves = [k for k in _WAVE_FIGURES if out["figures"].get(k)]
        if need_waves:
            raise SpecError(
                f"{where}: figures.{need_waves[0]} compares waves; the spec has no waves"
            )
    out["_base"] = base
    out["_where"] = where
    out["_lines"] = lines
    if out.get("sae") is not None:
        from survey.report.sae_section import check_spec

        out["sae"] = check_spec(where, out["sae"], lambda ref: _resolve(out, ref))
    out["_labels"] = _spec_labels(out)
    if out.get("sections") is not None and not isinstance(out["sections"], dict):
        raise SpecError(
            f"{where}: sections must be a mapping {{section: title}} (a title per language "
            "as {es: ..., en: ...} also works)"
        )
    if not isinstance(out["indicators"], list) or not out["indicators"]:
        raise SpecError(f"{where}: indicators must be a non-empty list")
    names = [ind.get("name") if isinstance(ind, dict) else None for ind in out["indicators"]]
    if len(set(names)) != len(names) or None in names:
        raise SpecError(f"{where}: every indicator needs a unique 'name'")
    for ind in out["indicators"]:
        _check_keys(where, "indicator", ind, f"indicators[{ind['name']}]")
        if "variable" not in ind:
            raise SpecError(f"{where}: indicator {ind['name']!r}: give its 'variable'")
        if ind.get("better") not in (None, "lower", "higher"):
            raise SpecError(f"{where}: indicator {ind['name']!r}: better must be lower|higher")
        if ind.get("better") is None and ind.get("registry"):
            # the registry's desirable direction (victimisation lower, trust higher), so the
            # "worsened" screen is direction-aware without repeating it in every spec
            from survey.indicators.registry import REGISTRY

            entry = REGISTRY.get(str(ind["registry"]).split(":")[0])
            if entry is not None and entry.better is not None:
                ind["better"] = entry.better
        if ind.get("type", "share") not in ("share", "mean"):
            raise SpecError(f"{where}: indicator {ind['name']!r}: type must be 'share' or 'mean'")
        if ind.get("type", "share") == "share" and "codes" not in ind:
            raise SpecError(f"{where}: indicator {ind['name']!r}: a share needs 'codes'")
        if ind.get("unit", "person") not in ("person", "household"):
            raise SpecError(f"{where}: indicator {ind['name']!r}: unit must be person|household")
        if ind.get("unit") == "household" and not out["design"].get("household_weight"):
            raise SpecError(
                f"{where}: indicator {ind['name']!r} is a household indicator: give "
                "design.household_weight"
            )
    _check_options(out)
    figs = out["figures"]
    if (figs.get("by_territory") or figs.get("scatter")) and (
        figs.get("territory") not in out["breakdowns"]
    ):
        raise SpecError(
            f"{where}: figures.territory ({figs.get('territory')!r}) must be one of the "
            f"breakdowns {out['breakdowns']}"
        )
    if figs.get("did") and not out["groups"]:
        raise SpecError(f"{where}: figures.did needs groups (treatment and comparison)")
    known = {i["name"] for i in out["indicators"]}
    if figs.get("map") is not None:
        m = figs["map"] = dict(_check_keys(where, "figures.map", figs["map"]))
        if not m.get("geometry"):
            raise SpecError(f"{where}: figures.map.geometry: give the areas' GeoJSON/shapefile")
        if figs.get("territory") not in out["breakdowns"]:
            raise SpecError(
                f"{where}: figures.map needs figures.territory, one of the breakdowns "
                f"{out['breakdowns']}"
            )
        geometry = _resolve(out, m["geometry"])
        if not geometry.exists():
            raise SpecError(f"{where}: figures.map.geometry: file {geometry} not found")
        m["_path"] = geometry
        bad = [v for v in _as_list(m.get("indicators")) if v not in known]
        if bad:
            raise SpecError(f"{where}: figures.map.indicators: unknown indicator(s) {bad}")
    for key, val in out["figures"].items():
        if key in ("territory", "trust_battery", "map"):
            continue
        bad = [v for v in (val or []) if v not in known]
        if bad:
            raise SpecError(f"{where}: figures.{key}: unknown indicator(s) {bad}")
    return out


def _spec_labels(spec: dict):
    """The spec's ``labels``: a labels file (YAML/CSV, relative to the spec) or an inline
    mapping ``{variable: {code: label}, variable_labels: {...}}``; checked at load time."""
    ref = spec.get("labels")
    if ref is None:
        return None
    from survey.io._labelfile import LabelsError, labels_from_mapping, read_labels

    try:
        if isinstance(ref, str):
            return read_labels(_resolve(spec, ref))
        return labels_from_mapping(ref, where=f"{spec['_where']}: labels")
    except LabelsError as exc:
        raise SpecError(f"{spec['_where']}: labels: {exc}") from None


def _check_design(where: str, d: dict) -> None:
    """The ``design`` section: every :class:`survey.Design` option, checked before reading."""
    from survey.design import LONELY_PSU_POLICIES

    if not d.get("weight"):
        raise SpecError(f"{where}: design.weight is required")
    lonely = d.get("lonely_psu", "fail")
    if lonely not in LONELY_PSU_POLICIES:
        raise SpecError(
            f"{where}: design.lonely_psu: {lonely!r} is not one of "
            + ", ".join(LONELY_PSU_POLICIES)
        )
    if not isinstance(d.get("nest", False), bool):
        raise SpecError(f"{where}: design.nest must be true or false")
    for key in ("psu", "fpc"):
        v = d.get(key)
        if v is not None and not (
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        ):
            raise SpecError(
                f"{where}: design.{key} must be a column name or a list (one per stage)"
            )


def _as_list(v) -> list:
    return [] if v is None else ([v] if isinstance(v, str) else list(v))


def _resolve(spec: dict, ref: str) -> Path:
    if ref in _BUNDLED:
        return dataset_path(_BUNDLED[ref])
    p = Path(ref)
    return p if p.is_absolute() else Path(spec["_base"]) / p


def _label(ind: dict, lang: str) -> str:
    """The indicator's display name: its spec ``label`` (text or ``{lang: text}``), else
    the registry title in ``lang`` (with the category its ``args`` select, if one), else
    its name made readable; never a raw key."""
    if "label" not in ind:
        from survey.indicators._labels import _readable, category_text, indicator_title

        if not ind.get("registry"):
            return _readable(str(ind["name"]))
        title = indicator_title(ind["registry"], lang)
        picked = [
            k
            for key in ("crimes", "items", "forms")
            for k in (_picked((ind.get("args") or {}).get(key)))
        ]
        if len(picked) == 1 and picked[0] != "any":
            title = f"{title}: {category_text(picked[0], lang)}"
        return title
    lab = ind["label"]
    if isinstance(lab, dict):
        return str(lab.get(lang) or lab.get("en") or next(iter(lab.values())))
    return str(lab)


def _picked(arg) -> list:
    """Names of the categories a registry ``args`` entry selects ({name: column} or a
    list of columns)."""
    if isinstance(arg, dict):
        return [str(k) for k in arg]
    if isinstance(arg, str):
        return [arg]
    return [str(a) for a in arg] if isinstance(arg, (list, tuple)) else []


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


def _display_labels(spec: dict, sd, mapping: pd.DataFrame | None = None):
    """The data with their display labels: the file's own (SPSS/Stata), then the
    crosswalk's territory names (``design_labels``), then the spec's ``labels``, then
    ``--labels``. Applied after harmonisation, which reads the file's own labels. With a
    crosswalk, labels keyed by its source variables (``rph_sexo``) move to the standard
    items they became (``dem_sex``, codes recoded as the crosswalk does); labels of source
    variables that did not map warn, naming them."""
    import warnings

    from survey.io._labelfile import LabelsError, LabelSet, through_crosswalk, with_labels

    ref = spec["data"].get("crosswalk")
    territory = (spec.get("figures") or {}).get("territory")
    cw = None
    if ref:
        from survey.instruments import load_crosswalk

        cw = load_crosswalk(_crosswalk_ref(spec, ref))
    if ref and territory:
        labs = cw.design_labels.get("territory")
        tcol = cw.design.get("territory")
        tcol = tcol[0] if isinstance(tcol, (tuple, list)) and tcol else tcol
        if labs and tcol == territory:
            own = sd.meta.value_labels.get(territory) or {}
            extra = {str(k): v for k, v in labs.items() if k not in own}
            sd = with_labels(sd, LabelSet({territory: extra}, {}, f"crosswalk {cw.name}"))
    for what, labels in (("labels", spec.get("_labels")), ("--labels", spec.get("_cli_labels"))):
        if labels and cw is not None and mapping is not None:
            labels, unused = through_crosswalk(labels, cw, mapping)
            if unused:
                warnings.warn(
                    f"{spec['_where']}: {what} {labels.source}: the labels of "
                    f"{', '.join(map(repr, unused))} label nothing: crosswalk {cw.name} did not "
                    "map these source variables (absent from the data or unmapped)",
                    UserWarning,
                    stacklevel=2,
                )
        if labels:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # a shared labels file
                    sd = with_labels(sd, labels)
            except LabelsError as exc:
                raise SpecError(f"{spec['_where']}: {exc}") from None
    return sd


def _standard_item_labels(spec: dict, sd, frame):
    """After a crosswalk, the standard items (``dem_sex``, ...) are the columns the report
    breaks down by: their value labels come from the questionnaire library in the report's
    language (Hombre/Mujer, not 1/2), where no other source labelled them."""
    if not spec["data"].get("crosswalk"):
        return sd
    from survey.instruments.library import library_labels
    from survey.io._labelfile import LabelSet, with_labels

    lang = spec.get("language", "en")
    have = sd.meta.value_labels if sd.meta is not None else {}
    named = sd.meta.variable_labels if sd.meta is not None else {}
    values, headings = library_labels(frame.columns, lang, english_fallback=False)
    # int codes, as the harmonised columns; a heading ("Por Sexo de la persona entrevistada")
    extra = {col: labels for col, labels in values.items() if not have.get(col)}
    names = {col: headings[col] for col in extra if col in headings and col not in named}
    if not extra:
        return sd
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # standard items are not source columns
        return with_labels(sd, LabelSet(extra, names, "questionnaire library"))


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
    for key in ("weight", "strata", "psu", "fpc", "household_weight"):
        used |= set(_as_list(spec["design"].get(key)))
    for key in ("waves", "groups"):
        if spec.get(key):
            used.add(spec[key]["column"])
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
    """One :class:`survey.Design` per unit (person, household) with every design option of
    the spec (``strata``, ``psu``/``fpc`` lists for stages, ``nest``, ``lonely_psu``)."""
    from survey import Design
    from survey.design import DESIGN_SPEC_KEYS

    d = spec["design"]
    options = {k: d[k] for k in DESIGN_SPEC_KEYS if k in d and k != "weight"}
    waves = spec.get("waves")
    if waves:
        # waves are independent samples: strata and first-stage PSUs are made unique to each
        # wave, so a stratum code reused by both waves is two strata, as the annex states
        wave = frame[waves["column"]].astype(str)
        if options.get("strata"):
            frame = frame.assign(_wave_stratum=wave + "|" + frame[options["strata"]].astype(str))
            options["strata"] = "_wave_stratum"
        psu = options.get("psu")
        if psu:
            stages = [psu] if isinstance(psu, str) else list(psu)
            frame = frame.assign(_wave_psu=wave + "|" + frame[stages[0]].astype(str))
            options["psu"] = ["_wave_psu", *stages[1:]] if len(stages) > 1 else "_wave_psu"
    from survey.design import DesignError

    try:
        out = {"person": Design(frame, weight=d["weight"], **options)}
        if d.get("household_weight"):
            out["household"] = Design(frame, weight=d["household_weight"], **options)
    except (DesignError, ValueError, KeyError) as exc:
        if isinstance(exc, DesignError) and "only one PSU" in str(exc):
            raise  # run_spec names the spec key (design.lonely_psu)
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise SpecError(f"{at(spec, 'design')}: {msg}") from None
    return out


def _weight(spec: dict, designs: dict) -> tuple[dict, str]:
    w = spec.get("weighting") or {}
    if not w.get("rake"):
        return designs, "design weights used as given"
    from survey.weighting import Rake

    r = w["rake"]
    pop = pd.read_csv(_resolve(spec, r["population"]))
    count = r.get("count", "count")
    wave_col = spec["waves"]["column"] if r.get("by_wave") else None
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
    """The spec's ``quality`` entry as a :mod:`survey.quality` rule argument."""
    rule = dict(spec_rule or {})
    name = rule.pop("rule", None)
    rule.pop("show_suppressed", None)  # how the csv files are written, not a threshold
    return {"base": name, **rule} if rule else (name or "default")


def quality_description(spec_rule, lang: str = "en") -> str:
    """The publication rule in words a reader understands (for the methods annex): the
    standard it follows, its thresholds and what suppressed and caution cells look like."""
    from survey.plots._text import fmt_number
    from survey.quality import resolve_rule, thresholds
    from survey.report._text import REPORT_TEXT, rt

    rule = dict(spec_rule or {})
    name = rule.pop("rule", None)
    rule.pop("show_suppressed", None)  # how the csv files are written, not a threshold
    cfg = resolve_rule({"base": name, **rule} if rule else name)
    base = cfg["name"].rstrip("*")
    std_key = f"std_{base}" if f"std_{base}" in REPORT_TEXT and "*" not in cfg["name"] else None
    standard = rt(std_key or "std_custom", lang)

    def num(key, value):
        if key.startswith(("cv_", "max_cv")):
            return f"{fmt_number(100 * value, lang, 0)}%"
        digits = 0 if float(value).is_integer() else 3
        return fmt_number(value, lang, digits)

    values = {k: num(k, v) for k, v in thresholds(cfg).items()}
    if "cases_reliable" in values:
        values["cases_reliable_m1"] = num("n", cfg["cases_reliable"] - 1)
    kind = {"cepal": "quality_cepal", "cepal2023": "quality_cepal2023", "ine": "quality_ine"}
    text = rt(kind.get(cfg["kind"], "quality_cv"), lang, standard=standard, **values)
    version = str(cfg.get("version", ""))
    calidad = (
        rt("quality_calidad", lang, version=version.split()[-1])
        if version.startswith("calidad")
        else ""
    )
    return text + rt("quality_common", lang, calidad=calidad)


def indicator_source(ind: dict, lang: str = "en") -> str:
    """How an indicator is computed, in words: its standard definition and the items it
    reads, or the share/mean the spec defines."""
    from survey.report._text import rt

    if ind.get("registry"):
        items: list[str] = []

        def leaves(v):
            if isinstance(v, dict):
                for x in v.values():
                    leaves(x)
            elif isinstance(v, list | tuple):
                return
            elif isinstance(v, str):
                items.append(v)

        for key in ("items", "crimes", "counts", "reported", "item", "column", "variable"):
            if key in (ind.get("args") or {}):
                leaves(ind["args"][key])
        extra = rt("source_items", lang, items=", ".join(dict.fromkeys(items))) if items else ""
        return rt("source_registry", lang, entry=ind["registry"], args=extra)
    if ind.get("type", "share") == "share":
        return rt("source_share", lang, var=ind["variable"], codes=ind["codes"]) + (
            rt("source_base", lang, base=ind["base"]) if ind.get("base") is not None else ""
        )
    return rt("source_mean", lang, var=ind["variable"])


def _registry_frame(spec: dict, ind: dict, design, by: list[str]) -> pd.DataFrame:
    """One indicator from its :mod:`survey.indicators` registry entry, one row per domain."""
    from survey.indicators import get

    est = spec["estimation"]
    share = ind.get("type", "share") == "share"
    try:
        entry = get(ind["registry"])
    except KeyError as exc:
        raise SpecError(f"{spec['_where']}: indicator {ind['name']!r}: {exc.args[0]}") from None
    try:
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
    except (ValueError, KeyError, TypeError) as exc:  # IndicatorError is a ValueError
        from survey.design import DesignError

        if isinstance(exc, DesignError) and "only one PSU" in str(exc):
            raise  # run_spec names the spec key (design.lonely_psu)
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        if isinstance(exc, TypeError) and "unexpected keyword argument" in msg:
            msg = f"{msg.split('() ')[-1]} (not an argument of registry '{ind['registry']}')"
        raise SpecError(
            f"{at(spec, 'indicators[' + str(ind['name']) + ']')}: indicator {ind['name']!r} (registry "
            f"'{ind['registry']}', args {ind.get('args') or {}}): {msg}"
        ) from None
    n_dom = len(f.drop_duplicates(by)) if by else 1
    if len(f) != n_dom:
        raise SpecError(
            f"{spec['_where']}: indicator {ind['name']!r}: registry '{ind['registry']}' with "
            f"args {ind.get('args')} gives {len(f) // max(n_dom, 1)} estimates per domain "
            f"({', '.join(map(str, pd.unique(f['category'])))}); give args selecting one"
        )
    scale = f.attrs.get("scale", "proportion" if share else "ratio")
    f = f.copy()
    f["scale"] = scale
    f["variable"] = f"ind__{ind['name']}"
    f["category"] = pd.array([pd.NA] * len(f), dtype=object)
    return f


def _estimate(spec: dict, designs: dict, indicators: list[dict]) -> pd.DataFrame:
    """Estimates of every indicator: overall, by each breakdown, each by wave.

    Indicators with a ``registry`` entry are computed by that :mod:`survey.indicators`
    function; the others ("spec-defined") as design means of their analysis column.
    """
    from survey.engine import estimate
    from survey.io._labels import label_result

    est = spec["estimation"]
    ci, level, df = est.get("ci", "logit"), est.get("level", 0.95), est.get("df", "design")
    lang = spec.get("language", "en")
    names = {f"ind__{i['name']}": _label(i, lang) for i in indicators}
    wave = (spec.get("waves") or {}).get("column")
    frames = []
    few: dict = {}  # domains in few strata (their own df), for the methods annex
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
                # the engine's decision: exact case counts of the 0/1 analysis columns and
                # the with-replacement deff, as every other route
                f = estimate(design, "mean", cols, by=by or None).to_frame(
                    ci=method, level=level, df=df, quality=_quality_arg(spec.get("quality"))
                )
                f["scale"] = "proportion" if kind == "share" else "mean"
                parts.append(f)
            for f in parts:
                few.update(f.attrs.get("few_strata") or {})
                # results.csv carries the labels beside the codes, as every result frame
                f = label_result(f, spec.get("_meta"), by)
                f["variable_label"] = [names.get(v, pd.NA) for v in f["variable"]]
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
    scale = results.pop("scale")
    results.insert(results.columns.get_loc("estimate"), "scale", scale)
    results.attrs.update({"level": level, "ci_method": ci, "df_rule": df, "few_strata": few})
    return results


def _with_level_labels(design, meta, columns):
    """A shallow copy of ``design`` whose metadata holds only the value labels of
    ``columns`` (the levels a comparison names), or ``design`` itself when the file has
    none for them. The indicators keep no labels: their results are labelled later, once."""
    have = getattr(meta, "value_labels", None) or {}
    labels = {c: dict(have[c]) for c in columns if c and have.get(c)}
    if not labels:
        return design
    import copy

    from survey.io import Metadata

    out = copy.copy(design)
    out.meta = Metadata(value_labels=labels)
    return out


def _contrasts(spec: dict, designs: dict, indicators: list[dict]) -> pd.DataFrame | None:
    """The comparisons of :func:`_compare` before they are checked against the published
    estimates, flagged and adjusted: ``compare_within`` (follow-up minus baseline, overall
    and per group) and ``did`` of each unit's design. They need no estimate of the
    indicators step (the report pipeline computes them while a child computes those);
    ``None`` without waves."""
    from survey.compare import compare_within, did

    waves, groups = spec.get("waves"), spec.get("groups")
    if not waves:
        return None
    wcol, before, after = waves["column"], waves["before"], waves["after"]
    level = spec["estimation"].get("level", 0.95)
    df = (spec.get("comparisons") or {}).get("df", "design")
    # the inputs judged by the spec's rule, as the estimates (_flag_inputs then applies the
    # published estimates' flags)
    kw = dict(level=level, alpha=1 - level, df=df, quality=_quality_arg(spec.get("quality")))
    parts = []
    for unit, design in designs.items():
        # the file's value labels of the wave and group columns: label_1/label_2 read
        # "baseline: wave=1 (Baseline)" and groups.treated may name the group by its label,
        # as in survey compare
        design = _with_level_labels(design, spec.get("_meta"), [wcol, (groups or {}).get("column")])
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
            # the treated group by code or label, as survey.compare reads it; with two groups
            # the other is the comparison, with more the DiD needs a named comparison group
            from survey.compare._levels import _match, value_labels_of

            values = list(pd.unique(design.data[gcol].dropna()))
            glab = value_labels_of(design, gcol)
            stored = _match(treated, values, glab, "groups.treated", gcol)
            others = [g for g in values if g != stored]
            if len(others) == 1:
                f = did(
                    design, cols, group=gcol, wave=wcol, treated=stored, control=others[0],
                    pre=before, post=after, **kw,
                )  # fmt: skip
                parts.append(f.assign(comparison="did", group=treated, unit=unit))
    comp = pd.concat(parts, ignore_index=True)
    comp["variable"] = comp["variable"].astype(str).str.removeprefix("ind__")
    return comp


def _estimate_recorded(spec: dict, designs: dict, indicators: list[dict]):
    """:func:`_estimate` with the warnings it issued (``(estimates, warnings)``), or
    ``None`` when it fails: the work of :class:`_Aside`'s forked child."""
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            results = _estimate(spec, designs, indicators)
    except Exception:  # the parent computes them again and raises the error itself
        return None
    return results, [(w.message, w.category, w.filename, w.lineno) for w in caught]


def _reissue(caught) -> None:
    """Issue again warnings recorded elsewhere (``(message, category, filename, lineno)``)."""
    import warnings

    for message, category, filename, lineno in caught:
        warnings.warn_explicit(message, category, filename, lineno)


class _Aside:
    """The indicators step in two processes (inside ``survey._children.background_writes``).

    A forked child computes the estimates (:func:`_estimate`) while this process does
    what does not need them: the comparisons' contrasts (:func:`_contrasts`), the small
    areas (a spec's ``sae``) and loading the figure libraries. The numbers are the same
    functions' on the same designs; their warnings are issued again in the order of the
    steps (estimates, comparisons, small areas) and an error where its step raises it. If
    the child fails, the estimates are computed here again, so its error is raised as
    in a run without children.
    """

    def __init__(self, spec: dict, designs: dict, indicators: list[dict]):
        import warnings

        from survey._children import submit

        self._args = (spec, designs, indicators)
        self._pending = submit(lambda: _estimate_recorded(spec, designs, indicators))
        self._parts: dict = {}  # part -> (value, warnings, error)
        parts = [("contrasts", lambda: _contrasts(spec, designs, indicators))]
        if spec.get("sae"):
            from survey.report import sae_section

            parts.append(("sae", lambda: sae_section.run(spec, designs, progress=False)))
        for name, work in parts:
            value = error = None
            with warnings.catch_warnings(record=True) as caught:
                try:
                    value = work()
                except Exception as exc:
                    error = exc
            self._parts[name] = (value, [(w.message, w.category, w.filename, w.lineno)
                                         for w in caught], error)  # fmt: skip
            if error is not None:
                break  # as in a run step by step, nothing after a failed step runs
        _load_figure_libraries()

    def results(self) -> pd.DataFrame:
        """The estimates (waiting for the child), with the child's warnings."""
        try:
            got = self._pending.get()
        except Exception:
            got = None
        if got is None:
            return _estimate(*self._args)
        results, caught = got
        _reissue(caught)
        return results

    def take(self, part: str):
        """What ``part`` computed (its warnings issued, its error raised); ``None`` when it
        did not run."""
        value, caught, error = self._parts.pop(part, (None, [], None))
        _reissue(caught)
        if error is not None:
            raise error
        return value


def _load_figure_libraries() -> None:
    """Import what the first figure and the report's files need (matplotlib and seaborn;
    openpyxl for tables.xlsx, written by the last child) while :class:`_Aside`'s child
    computes the estimates. geopandas is left to the map figure: by then this process
    mostly waits for the figure children. A library that is missing raises its error where
    it is used, as before."""
    import contextlib
    import importlib

    for name in ("survey.report._present", "survey.plots._common", "openpyxl"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _compare(
    spec: dict,
    designs: dict,
    indicators: list[dict],
    results: pd.DataFrame,
    contrasts: pd.DataFrame | None = None,
):
    """Before/after per group and overall, and the difference-in-differences, with
    :mod:`survey.compare`; one multiplicity adjustment per family across the battery.

    Waves and groups are domains of each unit's (pooled) design: ``compare_within`` and
    ``did`` take the contrasts of the domain estimates with their covariances (the
    calibration links areas within a wave), on the design's degrees of freedom.
    ``contrasts``: :func:`_contrasts` of the same designs, when already computed.
    """
    from survey.compare._frame import finish

    waves, groups = spec.get("waves"), spec.get("groups")
    if not waves:
        return pd.DataFrame()
    level = spec["estimation"].get("level", 0.95)
    cmp = spec.get("comparisons") or {}
    adjust = cmp.get("adjust", "holm")
    df = cmp.get("df", "design")
    worse = {
        i["name"]: {"lower": "higher", "higher": "lower"}[i["better"]]
        for i in indicators
        if i.get("better") in ("lower", "higher")
    }
    comp = _contrasts(spec, designs, indicators) if contrasts is None else contrasts
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


#: Files the report writes directly in the output folder (figures go to ``figures/``).
OUTPUT_FILES = (
    "report.html",
    "tables.xlsx",
    "tables.md",
    "results.csv",
    "comparisons.csv",
    "truth_coverage.csv",
    "sae_estimates.csv",
)


def run_spec(
    spec,
    outdir,
    *,
    progress: bool | None = None,
    truth: dict | None = None,
    labels=None,
) -> ReportResult:
    """Run a report spec and write the report and its tables and figures to ``outdir``.

    Outputs are all-or-nothing: every file is written into a temporary folder next to
    ``outdir`` (``.<name>.tmp-*``, same file system) and moved into ``outdir`` only when
    the whole run succeeded; on any error the temporary folder is removed and ``outdir``
    is left as it was (no partial report). When ``outdir`` already holds a report, its
    report files (:data:`OUTPUT_FILES` and ``figures/``) are replaced by the new ones,
    and those the new run does not produce (e.g. ``comparisons.csv`` of an earlier
    two-wave run) are removed; other files in ``outdir`` are not touched.

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
    labels : path or mapping, optional
        A labels file (``survey report --labels``), applied after the spec's ``labels``
        (see :func:`survey.io.with_labels`): value labels for the tables, figures, maps and
        headings of code-only data.

    Returns
    -------
    ReportResult
        Paths in ``files`` point into ``outdir``.
    """
    import shutil
    import tempfile

    spec = load_spec(spec)
    if labels is not None:
        from survey.io._labelfile import LabelsError, load

        try:
            spec["_cli_labels"] = load(labels)
        except LabelsError as exc:
            raise SpecError(str(exc)) from None
    outdir = Path(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.tmp-", dir=outdir.parent))
    try:
        result = _run(spec, tmp, progress=progress, truth=truth)
        _move_into_place(tmp, outdir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.outdir = outdir
    result.files = {k: outdir / Path(v).relative_to(tmp) for k, v in result.files.items()}
    result.report = result.files["report"]
    result.steps["report"] = str(result.report)
    return result


def _move_into_place(tmp: Path, outdir: Path) -> None:
    """Replace the report files of ``outdir`` with those written in ``tmp``."""
    import os
    import shutil

    outdir.mkdir(parents=True, exist_ok=True)
    for name in (*OUTPUT_FILES, "figures"):
        old = outdir / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    for item in tmp.iterdir():
        os.replace(item, outdir / item.name)


def _run(spec: dict, outdir: Path, *, progress, truth) -> ReportResult:
    """The steps of :func:`run_spec`, writing into ``outdir`` (a fresh temporary folder)."""
    from rich.progress import Progress

    from survey.design import DesignError

    steps: dict[str, str] = {}
    timings: dict[str, float] = {}
    indicators = spec["indicators"]
    plan = ["read", "harmonise", "design", "weight", "indicators", "compare", "figures", "report"]
    if spec.get("sae"):
        plan.insert(6, "small areas")
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
        sd = _display_labels(spec, sd, mapping)
        sd = _standard_item_labels(spec, sd, frame)
        spec["_meta"] = sd.meta
        spec["_crosswalk_report"] = mapping
        done("harmonise", t0, what)
        t0 = step("design")
        frame = _derive(frame, indicators)
        designs = _designs(spec, frame)
        done("design", t0, "survey.Design (" + ", ".join(designs) + " weights)")
        t0 = step("weight")
        designs, what = _weight(spec, designs)
        done("weight", t0, what)
        from survey._children import active, background_writes

        # inside the block the estimates are computed by a forked child while this process
        # computes the comparisons' contrasts and the small areas and loads the figure
        # libraries; the figure files are encoded and written by children while the
        # report is built; the block ends when every child is done
        with background_writes():
            t0 = step("indicators")
            aside = _Aside(spec, designs, indicators) if active() else None
            try:
                results = aside.results() if aside else _estimate(spec, designs, indicators)
            except DesignError as exc:
                if "only one PSU" not in str(exc):
                    raise
                raise SpecError(
                    f"{spec['_where']}: {exc} (in the spec: design.lonely_psu: certainty, "
                    "adjust, remove or average)"
                ) from None
            n_reg = sum(bool(i.get("registry")) for i in indicators)
            done(
                "indicators",
                t0,
                f"{len(results)} estimates of {len(indicators)} indicators ({n_reg} by "
                f"survey.indicators registry functions, {len(indicators) - n_reg} spec-defined)",
            )
            t0 = step("compare")
            contrasts = aside.take("contrasts") if aside else None
            comparisons = _compare(spec, designs, indicators, results, contrasts)
            adj = (spec.get("comparisons") or {}).get("adjust", "holm")
            done(
                "compare",
                t0,
                f"{len(comparisons)} comparisons (survey.compare.compare_within and did; "
                f"{adj} adjustment per contrast across the indicator battery)"
                if spec["waves"]
                else "no waves in the spec: no comparisons (single-wave report)",
            )
            sae_out = sae_part = None
            if spec.get("sae"):
                from survey.report import sae_section

                t0 = step("small areas")
                sae_out = aside.take("sae") if aside else None
                if sae_out is None:
                    sae_out = sae_section.run(spec, designs, progress=False)
                done("small areas", t0, sae_out.what)
            from survey.report import _present

            t0 = step("figures")
            figures = _present.figures(spec, results, comparisons, outdir)
            if sae_out is not None:
                import survey.plots as sp

                def add(sec, stem, ax, caption):
                    if spec["sae"].get("figure_files", True):  # else only in the HTML
                        sp.save_figure(ax, outdir / "figures" / stem)
                    figures.setdefault(sec, []).append((stem, ax, caption))

                sae_section.figures(sae_out, spec, add)
            done("figures", t0, f"{sum(len(v) for v in figures.values())} figures")
            t0 = step("report")
            if sae_out is not None:
                sae_part = sae_section.section(sae_out, spec, figures.get("sae", []))
                sae_out.estimates.to_csv(outdir / "sae_estimates.csv", index=False)
            extra = {"sae": sae_part} if sae_part is not None else {}
            files = _present.write_outputs(
                spec, sd, designs, results, comparisons, figures, outdir, steps, truth=truth, **extra
            )  # fmt: skip
            if sae_out is not None:
                files["sae_estimates"] = outdir / "sae_estimates.csv"
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
        figures={stem: ax for sec in figures.values() for stem, ax, _ in sec},
        sae=sae_out,
    )
