"""Shared machinery of the weighting steps: the fit/transform contract, parameter rules,
cell coding of categorical variables and parsing of population tables.

Every step follows scikit-learn's contract: parameters are stored unchanged in ``__init__``,
``fit(design)`` validates them (in one place, :func:`validate_params`, from rules written as
data in ``PARAM_RULES``) and learns attributes with a trailing underscore (``weights_``,
``diagnostics_``), and ``transform(design)`` returns a NEW design carrying what the variance
code needs (calibration steps for a Taylor design, re-calibrated replicate weights for a
replicate design).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


class WeightingError(ValueError):
    """Bad weighting input (margins, populations, parameters); the message names the culprit."""


# ----------------------------------------------------------------------------------------------
# parameter rules, as data


def _is_var_list(v) -> bool:
    if isinstance(v, str):
        return True
    return isinstance(v, Sequence) and len(v) > 0 and all(isinstance(x, str) for x in v)


def _positive_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v > 0


def _positive_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _bounds_ok(v) -> bool:
    if v is None:
        return True
    try:
        lo, hi = (float(x) for x in v)
    except (TypeError, ValueError):
        return False
    return lo < 1 < hi or (lo <= 1 <= hi and not (lo == hi))


PARAM_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "variables": (_is_var_list, "a column name or a non-empty list of column names"),
    "classes": (lambda v: v is None or _is_var_list(v), "None or a list of column names"),
    "max_iter": (_positive_int, "a positive integer"),
    "epsilon": (_positive_number, "a positive number"),
    "bounds": (_bounds_ok, "None or a pair (lower, upper) with lower <= 1 <= upper"),
    "calfun": (lambda v: v in ("linear", "raking", "logit"), "'linear', 'raking' or 'logit'"),
    "on_nonconvergence": (lambda v: v in ("warn", "error"), "'warn' or 'error'"),
    "partial": (lambda v: isinstance(v, bool), "True or False"),
    "strict": (lambda v: isinstance(v, bool), "True or False"),
    "force": (lambda v: isinstance(v, bool), "True or False"),
    "n_classes": (_positive_int, "a positive integer"),
    "upper": (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    "lower": (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    "respondent": (lambda v: isinstance(v, str), "a column name"),
    "count": (lambda v: v is None or isinstance(v, str), "None or a column name"),
    "aggregate_stage": (
        lambda v: v is None or _positive_int(v),
        "None or a stage number (1 = PSU)",
    ),
}


def validate_params(step) -> None:
    """Check every parameter of ``step`` that has a rule in :data:`PARAM_RULES`."""
    for name, value in step.get_params().items():
        rule = PARAM_RULES.get(name)
        if rule is not None and not rule[0](value):
            raise WeightingError(
                f"{type(step).__name__}: parameter {name}={value!r} must be {rule[1]}"
            )


class WeightingStep:
    """Base class: ``get_params``, ``fit_transform`` and the replicate dispatch."""

    def get_params(self) -> dict:
        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self"}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, design):  # pragma: no cover - abstract
        raise NotImplementedError

    def transform(self, design):
        """``design`` with the fitted weights: a replicate design gets the fitted full-sample
        and replicate weights; a Taylor design gets the new weights plus the calibration
        steps ``steps_`` of a calibrating step (post-stratification, raking, GREG), which
        its linearisation variance applies (other steps carry none)."""
        self._check_fitted(design)
        if is_replicate(design):
            return replicate_like(design, self.weights_, self.repweights_)
        return design.with_weights(self.weights_, calibration=getattr(self, "steps_", None))

    def fit_transform(self, design):
        return self.fit(design).transform(design)

    def _check_fitted(self, design) -> None:
        if not hasattr(self, "weights_"):
            raise WeightingError(f"{type(self).__name__} is not fitted: call fit(design) first")
        if design.n != self.weights_.shape[0]:
            raise WeightingError(
                f"{type(self).__name__} was fitted on {self.weights_.shape[0]} rows, "
                f"the design has {design.n}"
            )


def is_replicate(design) -> bool:
    return hasattr(design, "repweights") and hasattr(design, "n_replicates")


def weight_columns(design) -> np.ndarray:
    """(n, 1 + R) matrix: the full-sample weights, then the R replicate weights of a
    replicate design (one column for a Taylor design); a step adjusts all columns alike."""
    w = design.weights
    return np.column_stack([w, design.repweights()]) if is_replicate(design) else w[:, None]


def replicate_like(design, weights: np.ndarray, repweights: np.ndarray):
    """A ReplicateDesign like ``design`` with new full-sample and replicate weights (n x R)."""
    from survey.design import ReplicateDesign

    name = design.weight_name or "_weight"
    data = design.data.assign(**{name: np.asarray(weights, dtype=float)})
    return ReplicateDesign(
        data,
        weight=name,
        repweights=np.asarray(repweights, dtype=float),
        type=design.type,
        scale=design.scale,
        rscales=design.rscales,
        combined_weights=True,
        mse=design.mse,
        rho=design.rho,
    )


# ----------------------------------------------------------------------------------------------
# cells and population tables


def _norm_label(v) -> str:
    """Label used to match sample values with population tables (R matches factor labels)."""
    if isinstance(v, float | np.floating) and math.isfinite(v) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return str(v)


def as_var_list(v) -> list[str]:
    return [v] if isinstance(v, str) else list(v)


def sample_labels(data: pd.DataFrame, variables: list[str], what: str) -> list[np.ndarray]:
    """Per-variable arrays of normalised string labels; errors name missing columns/values."""
    out = []
    for var in variables:
        if var not in data.columns:
            raise WeightingError(f"{what}: column {var!r} is not in the data")
        col = data[var]
        miss = col.isna().to_numpy()
        if miss.any():
            rows = np.flatnonzero(miss)[:5].tolist()
            raise WeightingError(
                f"{what}: column {var!r} has {int(miss.sum())} missing value(s) (rows {rows}); "
                "impute or drop them before weighting"
            )
        codes, uniques = pd.factorize(col)
        norm = np.array([_norm_label(u) for u in uniques], dtype=object)  # loop over levels only
        out.append(norm[codes])
    return out


@dataclass
class CellTable:
    """Population counts for the cells of ``variables`` (labels normalised to strings)."""

    variables: list[str]
    labels: list[tuple[str, ...]]
    counts: np.ndarray
    name: str

    def total(self) -> float:
        return float(self.counts.sum())


def population_table(
    population, variables: list[str], name: str, count: str | None = None
) -> CellTable:
    """Parse a population table for cells of ``variables``.

    Accepted: a DataFrame with the variables and a count column (``count``, else ``Freq``,
    ``N``, ``count``, ``population`` or the only other column; rows with equal cells are
    summed, so a census table by sex x age x region gives any of its margins); a Series indexed
    by the levels (MultiIndex for several variables); a dict ``{level: count}`` (one variable).
    """
    if isinstance(population, Mapping) and not isinstance(population, pd.Series):
        if len(variables) != 1:
            raise WeightingError(
                f"{name}: a dict population needs a single variable, got {variables}"
            )
        population = pd.Series(dict(population))
    if isinstance(population, pd.Series):
        frame = population.rename("__count__").reset_index()
        if len(frame.columns) - 1 != len(variables):
            raise WeightingError(
                f"{name}: population index has {len(frame.columns) - 1} level(s), "
                f"expected {len(variables)} ({variables})"
            )
        frame.columns = [*variables, "__count__"]
        count_col = "__count__"
    elif isinstance(population, pd.DataFrame):
        frame = population
        missing = [v for v in variables if v not in frame.columns]
        if missing:
            raise WeightingError(
                f"{name}: population table has no column(s) {missing} (columns: {list(frame.columns)})"
            )
        if count is not None:
            if count not in frame.columns:
                raise WeightingError(f"{name}: population table has no count column {count!r}")
            count_col = count
        else:
            cands = [c for c in ("Freq", "N", "count", "population") if c in frame.columns]
            others = [c for c in frame.columns if c not in variables]
            if cands:
                count_col = cands[0]
            elif len(others) == 1:
                count_col = others[0]
            else:
                raise WeightingError(
                    f"{name}: cannot tell the count column among {others}; name it 'Freq' or pass count="
                )
    else:
        raise WeightingError(
            f"{name}: population must be a DataFrame, Series or dict, got {type(population).__name__}"
        )
    counts = pd.to_numeric(frame[count_col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(counts).any():
        bad = np.flatnonzero(np.isnan(counts))[:5].tolist()
        raise WeightingError(
            f"{name}: population count column {count_col!r} is missing/non-numeric in rows {bad}"
        )
    labs = [frame[v].map(_norm_label).to_numpy(dtype=object) for v in variables]
    keys = pd.DataFrame({v: lab for v, lab in zip(variables, labs, strict=True)})
    keys["__n__"] = counts
    agg = keys.groupby(variables, sort=True, dropna=False)["__n__"].sum()
    neg = agg[agg < 0]
    if len(neg):
        lab = neg.index[0] if len(variables) > 1 else (neg.index[0],)
        raise WeightingError(
            f"{name}: negative population target {neg.iloc[0]} for {_cell_text(variables, lab)}"
        )
    labels = [tuple(k) if isinstance(k, tuple) else (k,) for k in agg.index]
    return CellTable(variables, labels, agg.to_numpy(dtype=float), name)


def _cell_text(variables, labels) -> str:
    return ", ".join(f"{v}={lab!r}" for v, lab in zip(variables, labels, strict=True))


def match_cells(
    data: pd.DataFrame,
    table: CellTable,
    weights: np.ndarray,
    *,
    partial: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Cell code of every row (0..C-1) for the cells of ``table`` that the sample has.

    Returns ``(codes, targets, labels)``. Errors (naming the table and the cell) when a sample
    cell is absent from the population or has a zero target, and when a population cell with a
    positive target has no sample rows (unless ``partial``, then it is dropped with a warning,
    as R's ``partial=TRUE``).
    """
    labs = sample_labels(data, table.variables, table.name)
    key = pd.MultiIndex.from_arrays(labs) if len(labs) > 1 else pd.Index(labs[0])
    pop_index = (
        pd.MultiIndex.from_tuples(table.labels)
        if len(labs) > 1
        else pd.Index([lab[0] for lab in table.labels])
    )
    pos = pop_index.get_indexer(key)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        cell = tuple(lab[i] for lab in labs)
        raise WeightingError(
            f"{table.name}: sample category {_cell_text(table.variables, cell)} "
            f"({int((pos < 0).sum())} row(s), e.g. row {i}) is not in the population table"
        )
    counts = table.counts
    present = np.bincount(pos, minlength=len(counts)) > 0
    wsum = np.bincount(pos, weights=weights, minlength=len(counts))
    zero_target = present & (counts == 0)
    if zero_target.any():
        c = int(np.flatnonzero(zero_target)[0])
        raise WeightingError(
            f"{table.name}: population target is 0 for {_cell_text(table.variables, table.labels[c])} "
            "but the sample has rows in that cell (a zero cell cannot be weighted up)"
        )
    zero_w = present & (wsum <= 0) & (counts > 0)
    if zero_w.any():
        c = int(np.flatnonzero(zero_w)[0])
        raise WeightingError(
            f"{table.name}: the sample rows of {_cell_text(table.variables, table.labels[c])} all have "
            f"zero weight, so they cannot reach the target {counts[c]:g}"
        )
    absent = ~present & (counts > 0)
    if absent.any():
        c = int(np.flatnonzero(absent)[0])
        msg = (
            f"{table.name}: population category {_cell_text(table.variables, table.labels[c])} "
            f"(target {counts[c]:g}) has no sample rows ({int(absent.sum())} such cell(s))"
        )
        if not partial:
            raise WeightingError(msg + "; collapse categories or pass partial=True to ignore them")
        import warnings

        warnings.warn(msg + "; ignored (partial=True)", stacklevel=3)
    keep = np.flatnonzero(present)
    remap = np.full(len(counts), -1)
    remap[keep] = np.arange(keep.size)
    return remap[pos], counts[keep], [table.labels[c] for c in keep]
