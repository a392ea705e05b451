"""Weighting specs: YAML files in ``weights/`` that say how to weight a data set.

A spec names the design columns, the population table (a census-style CSV of counts by
the weighting variables; any margin is obtained by summing over the other variables) and an
ordered list of steps::

    name: example
    design: {weight: w, strata: stratum, psu: psu, nest: true}
    population: {file: example_population.csv, count: population}   # relative to the spec
    steps:
      - nonresponse: {respondent: resp, classes: [region]}
      - rake: {margins: [[sex], [age_group], [region]], max_iter: 50, epsilon: 1.0e-6}
      - calibrate: {variables: [sex, age_group, region], calfun: raking, bounds: [0.3, 3]}
      - poststratify: {variables: [sex, age_group]}
      - trim: {upper: 3000, lower: 5, strict: true}
    output: {column: weight_final}

``design.weight`` may be replaced by ``base_weights: [p_psu, p_hh]`` (selection probabilities
per stage). A step may carry its own ``population:`` block. The file is validated when loaded
(:func:`load_spec`); nothing else reads the raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from survey._paths import data_dir
from survey.weighting._base import WeightingError, as_var_list
from survey.weighting.base import base_weights
from survey.weighting.calibrate import Calibrate
from survey.weighting.nonresponse import NonresponseAdjustment
from survey.weighting.poststratify import PostStratify, Rake
from survey.weighting.trim import TrimWeights

STEP_KEYS = {
    "nonresponse": {"respondent", "classes", "propensity", "n_classes", "weighted_model"},
    "poststratify": {"variables", "partial", "population"},
    "rake": {"margins", "max_iter", "epsilon", "abs_tol", "on_nonconvergence", "population"},
    "calibrate": {
        "variables",
        "calfun",
        "bounds",
        "max_iter",
        "epsilon",
        "trim",
        "force",
        "population",
    },
    "trim": {"upper", "lower", "strict", "redistribute"},
}
DESIGN_KEYS = {"weight", "strata", "psu", "fpc", "nest", "lonely_psu", "base_weights"}
TOP_KEYS = {"name", "description", "design", "population", "steps", "output"}


@dataclass
class Population:
    file: Path
    count: str

    def table(self) -> pd.DataFrame:
        if not self.file.exists():
            raise WeightingError(f"population file {self.file} does not exist")
        frame = pd.read_csv(self.file)
        if self.count not in frame.columns:
            raise WeightingError(
                f"population file {self.file}: no count column {self.count!r} (columns: {list(frame.columns)})"
            )
        return frame


@dataclass
class WeightingSpec:
    """A validated weighting spec (see the module docstring for the YAML format)."""

    path: Path
    name: str
    design: dict
    population: Population | None
    steps: list[tuple[str, dict, Population | None]]
    output_column: str = "weight_final"
    description: str = ""
    raw: dict = field(default_factory=dict, repr=False)


def _population(block, base: Path, where: str) -> Population | None:
    if block is None:
        return None
    if isinstance(block, str):
        block = {"file": block}
    if not isinstance(block, dict) or "file" not in block:
        raise WeightingError(
            f"{where}: population must be a file name or {{file: ..., count: ...}}"
        )
    file = Path(block["file"])
    if not file.is_absolute():
        file = base / file
    return Population(file, str(block.get("count", "population")))


def _reject_unknown_keys(block: dict, allowed: set, where: str, what: str) -> None:
    """Raise naming the keys of ``block`` that are not in ``allowed`` (and the allowed ones)."""
    bad = set(block) - allowed
    if bad:
        raise WeightingError(f"{where}: unknown {what} {sorted(bad)}; allowed {sorted(allowed)}")


def bundled_specs() -> list[str]:
    """Names of the specs shipped in the package's ``weights/`` folder (``example``, ...)."""
    try:
        folder = data_dir("weights")
    except FileNotFoundError:
        return []
    return sorted(p.stem for p in folder.glob("*.yaml"))


def resolve_spec(spec) -> Path:
    """The spec file meant by ``spec``: an existing path, else a bundled spec by name.

    ``"example"``, ``"example.yaml"`` or ``"weights/example.yaml"`` (when no such file exists
    relative to the working directory; any other folder is never replaced) name
    ``example.yaml`` in the bundled ``weights/`` folder (:func:`survey._paths.data_dir`), so the same command works in a checkout and from
    an installed wheel. Errors list the bundled names.
    """
    path = Path(spec)
    if path.exists():
        return path
    try:
        folder = data_dir("weights")
    except FileNotFoundError:
        folder = None
    if folder is not None and path.name and str(path.parent) in (".", "weights"):
        stem = path.name[: -len(path.suffix)] if path.suffix in (".yaml", ".yml") else path.name
        for candidate in (folder / f"{stem}.yaml", folder / f"{stem}.yml"):
            if candidate.is_file():
                return candidate
    names = ", ".join(bundled_specs()) or "none found"
    raise WeightingError(
        f"weighting spec {spec} does not exist (neither a file nor a bundled spec; "
        f"bundled specs: {names})"
    )


def resolve_bundled_file(path) -> Path:
    """``path`` if it exists, else (for a bare name or ``weights/NAME``) the file of that
    name in the bundled ``weights/`` folder (e.g. ``example_sample.csv``, the sample the
    bundled specs are written for); else ``path`` unchanged (the caller reports it missing)."""
    path = Path(path)
    if path.exists() or not path.name or str(path.parent) not in (".", "weights"):
        return path
    try:
        candidate = data_dir("weights") / path.name
    except FileNotFoundError:
        return path
    return candidate if candidate.is_file() else path


def load_spec(path) -> WeightingSpec:
    """Read and validate a weighting spec; errors name the file and the offending key.

    ``path`` is a YAML file or the name of a bundled spec (``"example"``; see
    :func:`resolve_spec`).
    """
    path = resolve_spec(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise WeightingError(f"{path}: not valid YAML ({err})") from err
    if not isinstance(raw, dict):
        raise WeightingError(f"{path}: the spec must be a mapping")
    _reject_unknown_keys(raw, TOP_KEYS, str(path), "top-level key(s)")
    design = raw.get("design") or {}
    if not isinstance(design, dict):
        raise WeightingError(f"{path}: design must be a mapping")
    _reject_unknown_keys(design, DESIGN_KEYS, str(path), "design key(s)")
    base = path.parent
    pop = _population(raw.get("population"), base, str(path))
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise WeightingError(f"{path}: steps must be a non-empty list")
    steps = []
    for i, item in enumerate(steps_raw, start=1):
        if not isinstance(item, dict) or len(item) != 1:
            raise WeightingError(f"{path}: step {i} must be a mapping with one key (the step kind)")
        kind, params = next(iter(item.items()))
        if kind not in STEP_KEYS:
            raise WeightingError(
                f"{path}: step {i}: unknown kind {kind!r}; allowed {sorted(STEP_KEYS)}"
            )
        params = dict(params or {})
        _reject_unknown_keys(params, STEP_KEYS[kind], f"{path}: step {i} ({kind})", "key(s)")
        step_pop = _population(params.pop("population", None), base, f"{path}: step {i}") or pop
        if kind in ("poststratify", "rake", "calibrate") and step_pop is None:
            raise WeightingError(f"{path}: step {i} ({kind}) needs a population file")
        steps.append((kind, params, step_pop))
    output = raw.get("output") or {}
    return WeightingSpec(
        path=path,
        name=str(raw.get("name", path.stem)),
        design=design,
        population=pop,
        steps=steps,
        output_column=str(output.get("column", "weight_final")),
        description=str(raw.get("description", "")),
        raw=raw,
    )


def _margin(pop: Population, variables: list[str]) -> pd.DataFrame:
    table = pop.table()
    missing = [v for v in variables if v not in table.columns]
    if missing:
        raise WeightingError(f"population file {pop.file}: no column(s) {missing}")
    return table.groupby(variables, as_index=False)[pop.count].sum()


def build_step(kind: str, params: dict, pop: Population | None):
    """The weighting step object for one spec entry."""
    p = dict(params)
    if kind == "nonresponse":
        return NonresponseAdjustment(**p)
    if kind == "trim":
        return TrimWeights(**p)
    if kind == "poststratify":
        vars_ = as_var_list(p.pop("variables"))
        return PostStratify(vars_, _margin(pop, vars_), count=pop.count, **p)
    if kind == "rake":
        margins = []
        for m in p.pop("margins"):
            vars_ = as_var_list(m)
            margins.append((vars_, _margin(pop, vars_)))
        return Rake(margins, count=pop.count, **p)
    if kind == "calibrate":
        vars_ = as_var_list(p.pop("variables"))
        for limits in ("bounds", "trim"):
            if p.get(limits) is not None:
                p[limits] = tuple(float(b) for b in p[limits])
        return Calibrate(vars_, {v: _margin(pop, [v]) for v in vars_}, count=pop.count, **p)
    raise WeightingError(f"unknown step kind {kind!r}")  # pragma: no cover - validated at load


@dataclass
class WeightingResult:
    """What :func:`run_spec` returns: the final design, the data with the new weight column
    (a new frame; the input is untouched), and diagnostics per step.

    With ``replicates=`` the design is a :class:`survey.ReplicateDesign` whose replicates
    were weighted by every step, ``data`` also holds the replicate weight columns
    ``replicate_columns`` (``rep_1`` .. ``rep_R``), and ``replicate_info`` holds what
    :class:`survey.ReplicateDesign` needs to rebuild the design from ``data``:
    ``ReplicateDesign(data, **result.replicate_info)``.
    """

    design: object
    data: pd.DataFrame
    column: str
    steps: list
    diagnostics: pd.DataFrame
    margins: pd.DataFrame
    replicate_columns: list[str] = field(default_factory=list)
    replicate_info: dict | None = None


#: Prefix of the replicate weight columns :func:`run_spec` writes (``rep_1`` .. ``rep_R``).
REP_PREFIX = "rep_"


def run_spec(
    spec: WeightingSpec | str | Path,
    data: pd.DataFrame,
    *,
    replicates: str | None = None,
    n_replicates: int = 200,
    random_state=None,
) -> WeightingResult:
    """Apply a weighting spec to ``data``.

    Parameters
    ----------
    spec : WeightingSpec, path or bundled spec name (``"example"``)
    data : DataFrame or SurveyData
    replicates : {"JKn", "JK1", "bootstrap", "BRR", "Fay"}, optional
        Also produce replicate weights that carry the weighting: the design is turned into a
        replicate design (:func:`survey.weighting.as_replicate`) BEFORE the steps, and every
        step (nonresponse, raking, calibration, trimming) is redone in every replicate, as R
        does for ``svyrep.design``. The replicate variance then reflects the calibration and
        the nonresponse adjustment, whereas the weight column alone, used as a fixed weight,
        ignores them.
    n_replicates, random_state : bootstrap settings (number of replicates, seed).

    Returns
    -------
    WeightingResult with ``data`` = a copy of the input plus the column ``spec.output_column``
    (and with ``replicates``, the columns ``rep_1`` .. ``rep_R`` and ``replicate_info``),
    ``design`` (the weighted design: Taylor with its calibration steps, or replicate),
    ``diagnostics`` (weight summary after each step: Kish deff, effective n, ...) and
    ``margins`` (achieved versus target for every calibrated margin).
    """
    from survey.design import Design
    from survey.weighting.replicates import as_replicate

    if not isinstance(spec, WeightingSpec):
        spec = load_spec(spec)
    frame = getattr(data, "data", data)
    out = frame.copy()
    if spec.output_column in out.columns:
        raise WeightingError(
            f"{spec.path}: output column {spec.output_column!r} already exists in the data; choose another name"
        )
    dcfg = dict(spec.design)
    probs = dcfg.pop("base_weights", None)
    if probs is not None:
        if dcfg.get("weight"):
            raise WeightingError(
                f"{spec.path}: give design.weight or design.base_weights, not both"
            )
        frame = frame.assign(_base_weight=base_weights(frame, probs))
        dcfg["weight"] = "_base_weight"
    design = Design(frame, **dcfg)
    if replicates is not None:
        clash = [c for c in out.columns if str(c).startswith(REP_PREFIX)]
        if clash:
            raise WeightingError(
                f"the data already have column(s) {clash[:5]} starting with {REP_PREFIX!r}; "
                "rename them before writing replicate weights"
            )
        design = as_replicate(
            design, replicates, replicates=n_replicates, random_state=random_state
        )
    summaries = [_summary_row("input", design.weights)]
    margins = []
    fitted = []
    for i, (kind, params, pop) in enumerate(spec.steps, start=1):
        step = build_step(kind, params, pop)
        try:
            step.fit(design)
        except WeightingError as err:
            raise WeightingError(f"{spec.path}: step {i} ({kind}): {err}") from err
        design = step.transform(design)
        fitted.append(step)
        summaries.append(_summary_row(f"{i}: {kind}", design.weights))
        m = step.diagnostics_.get("margins")
        if m is not None and len(m):
            margins.append(m.assign(step=f"{i}: {kind}"))
    out[spec.output_column] = design.weights
    rep_cols: list[str] = []
    info = None
    if replicates is not None:
        rw = design.repweights()
        rep_cols = [f"{REP_PREFIX}{r + 1}" for r in range(rw.shape[1])]
        out = pd.concat([out, pd.DataFrame(rw, columns=rep_cols, index=out.index)], axis=1)
        info = {
            "weight": spec.output_column,
            "repweights": REP_PREFIX + r"\d+",
            "type": design.type,
            "scale": float(design.scale),
            "rscales": [float(x) for x in design.rscales],
            "combined_weights": True,
            "mse": bool(design.mse),
        }
        if design.rho is not None:
            info["rho"] = float(design.rho)
    return WeightingResult(
        design=design,
        data=out,
        column=spec.output_column,
        steps=fitted,
        diagnostics=pd.concat(summaries),
        margins=pd.concat(margins, ignore_index=True) if margins else pd.DataFrame(),
        replicate_columns=rep_cols,
        replicate_info=info,
    )


def _summary_row(label: str, w: np.ndarray) -> pd.DataFrame:
    from survey.weighting.diagnostics import weight_summary

    return weight_summary(w, label)
