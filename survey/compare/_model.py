"""A small R-style model formula: ``y ~ a * b + x + factor(region)``.

Supported: ``+`` between terms, ``a:b`` interactions, ``a*b`` (``a + b + a:b``, any number
of factors), ``-1``/``+0`` (no intercept), ``factor(x)``/``C(x)`` (treat as categorical).
Numeric and boolean columns enter as they are; text and categorical columns are factors with
treatment contrasts against the first level in sorted order (R's default). Terms are ordered
by degree as R's ``terms()`` does, so column names and order follow R's ``model.matrix``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd


class FormulaError(ValueError):
    """A model formula that cannot be read or built on the data."""


_FACTOR = re.compile(r"^(?:factor|C)\(([\w.]+)\)$")


@dataclass
class ModelFrame:
    """Response, model matrix and the rows that are complete."""

    response: str
    y: np.ndarray  # (n,) zeros where incomplete
    X: np.ndarray  # (n, p) zeros where incomplete
    names: list[str]
    complete: np.ndarray  # (n,) bool


def parse(formula: str) -> tuple[str, list[tuple[str, ...]], bool, dict[str, str]]:
    """Response, terms (tuples of variables), intercept, variables forced to factors (with
    the text R uses as their column-name prefix, e.g. ``factor(region)``)."""
    if formula.count("~") != 1:
        raise FormulaError(f"formula {formula!r} needs exactly one '~'")
    lhs, rhs = (s.strip() for s in formula.split("~"))
    if not re.fullmatch(r"[\w.]+", lhs):
        raise FormulaError(f"response {lhs!r} must be a column name")
    intercept = True
    forced: dict[str, str] = {}
    terms: list[tuple[str, ...]] = []
    rhs = rhs.replace(" ", "")
    rhs = re.sub(r"-1\b", "+0", rhs).replace("++", "+")
    for raw in rhs.split("+"):
        if raw in ("", "1"):
            continue
        if raw == "0":
            intercept = False
            continue
        starred = raw.split("*")
        names = []
        for part in starred:
            pieces = []
            for atom in part.split(":"):
                m = _FACTOR.match(atom)
                if m:
                    forced[m.group(1)] = atom
                    atom = m.group(1)
                if not re.fullmatch(r"[\w.]+", atom):
                    raise FormulaError(f"cannot read term {atom!r} of formula {formula!r}")
                pieces.append(atom)
            names.append(tuple(pieces))
        if len(names) == 1:
            expanded = [names[0]]
        else:
            expanded = []
            for k in range(1, len(names) + 1):
                for combo in itertools.combinations(names, k):
                    expanded.append(tuple(v for part in combo for v in part))
        for t in expanded:
            if t not in terms:
                terms.append(t)
    terms.sort(key=len)  # stable: R orders terms by degree
    return lhs, terms, intercept, forced


def _series(data, var, extra):
    s = extra[var] if var in extra else data[var] if var in data.columns else None
    if s is None:
        raise FormulaError(f"variable {var!r} is not in the data")
    return pd.Series(s).reset_index(drop=True)


def _is_factor(s: pd.Series, forced: bool) -> bool:
    if forced or isinstance(s.dtype, pd.CategoricalDtype):
        return True
    return not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype))


def _variable_columns(data, var, forced, extra, full=False):
    """Columns (name suffixes and values) of one variable; NaN marks missing rows.

    A factor gets one indicator per level after the first (treatment contrasts), or per
    level when ``full`` (R codes the first factor of a model without intercept so)."""
    s = _series(data, var, extra)
    if _is_factor(s, var in forced):
        prefix = forced.get(var, var)
        miss = s.isna().to_numpy()
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [c for c in s.cat.categories if (s == c).any()]
        else:
            levels = sorted(pd.unique(s[~miss]).tolist())
        if len(levels) < 2:
            raise FormulaError(f"factor {var!r} has fewer than two levels among the data")
        vals = s.to_numpy(dtype=object)
        cols = []
        for lev in levels if full else levels[1:]:
            col = (vals == lev).astype(float)
            col[miss] = np.nan
            cols.append((f"{prefix}{_fmt(lev)}", col))
        return cols
    try:
        v = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise FormulaError(f"variable {var!r} is not numeric") from exc
    return [(var, v)]


def _fmt(level) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def model_frame(data: pd.DataFrame, formula: str, extra: dict | None = None) -> ModelFrame:
    """Build the model matrix of ``formula`` on ``data`` (plus ``extra`` columns)."""
    extra = extra or {}
    response, terms, intercept, forced = parse(formula)
    n = len(data)
    y_cols = _variable_columns(data, response, {}, extra)
    if len(y_cols) != 1:
        raise FormulaError(f"response {response!r} must be numeric (0/1 for binomial models)")
    y = y_cols[0][1]
    cache: dict[str, list] = {}
    names, columns = [], []
    if intercept:
        names.append("(Intercept)")
        columns.append(np.ones(n))
    # R's model.matrix: without an intercept, the first factor main effect is coded with one
    # indicator per level (svyglm(api00 ~ comp.imp - 1): comp.impNo and comp.impYes)
    full_pending = not intercept
    for term in terms:
        parts = []
        for var in term:
            full = False
            if (
                full_pending
                and len(term) == 1
                and _is_factor(_series(data, var, extra), var in forced)
            ):
                full, full_pending = True, False
            if (var, full) not in cache:
                cache[(var, full)] = _variable_columns(data, var, forced, extra, full=full)
            parts.append(cache[(var, full)])
        for combo in itertools.product(*parts):
            names.append(":".join(c[0] for c in combo))
            columns.append(np.prod([c[1] for c in combo], axis=0))
    X = np.column_stack(columns) if columns else np.empty((n, 0))
    complete = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    X = np.where(complete[:, None], X, 0.0)
    y = np.where(complete, y, 0.0)
    return ModelFrame(response, y, X, names, complete)
