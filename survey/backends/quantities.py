"""The engine's estimators with base quantities as expressions instead of arrays.

:func:`build` mirrors :func:`survey.engine.estimators.build`: the same estimator classes
(``MeanTotal``, ``Proportion``, ``CategoryTotal``, ``Ratio``), so ``point``, ``coef`` and
``vsrs`` are the engine's own; only ``columns`` hold :mod:`survey.backends.expr` nodes and
the facts the in-memory builder reads off the arrays (infinite values, 0/1 items, the
categories of a variable) come from one small query per request.
"""

from __future__ import annotations

from survey._names import did_you_mean
from survey.backends import expr as E
from survey.backends.executors import Aggregation
from survey.engine.estimators import (
    MAX_CATEGORIES,
    CategoryTotal,
    EstimationError,
    MeanTotal,
    Proportion,
    Ratio,
    _plain,
)


def _check_present(source, cols):
    for col in cols:
        if col not in source.columns:
            raise EstimationError(
                f"variable {col!r} is not in the data{did_you_mean(col, list(source.columns))}"
            )


def _numeric(source, cols):
    _check_present(source, cols)
    for col in cols:
        if source.columns[col] == "text":
            raise EstimationError(
                f"variable {col!r} is not numeric (text in {source.describe()}); use prop() "
                "for the share of each category"
            )


ALWAYS = E.Valid((), ())  # the mask of a complete variable


def _inspect(source, cols, na, numeric=True, binary=True):
    """One query over ``cols``: answered rows, infinite values and non-0/1 answers of each.

    Returns each variable's not-missing mask (complete variables get :data:`ALWAYS`, so
    their quantities are the plain column and the shared ``1``, as the in-memory builder
    shares one array of ones) and whether its answers are all 0/1. Raises on infinite
    values (as the in-memory engine)."""
    if na not in ("available", "listwise"):
        raise EstimationError(f"na={na!r}: use 'available' or 'listwise'")
    num = {c: source.columns[c] == "numeric" for c in cols}
    own = {c: E.Valid((c,), (num[c],)) for c in cols}
    facts = source.integer_facts(cols) if hasattr(source, "integer_facts") else None
    if facts is not None and (na == "available" or all(f[0] for f in facts.values())):
        # integer Parquet columns: the file's statistics answer without a scan
        masks = {c: ALWAYS if facts[c][0] else own[c] for c in cols}
        return masks, {c: facts[c][1] if numeric and binary else None for c in cols}
    sums = {}
    for i, c in enumerate(cols):
        sums[f"__v{i}"] = own[c]
        if numeric:
            sums[f"__inf{i}"] = E.Infinite(c)
            if binary:
                sums[f"__nb{i}"] = E.NotBinary(c, own[c])
    got = source.aggregate(Aggregation([], sums)).iloc[0]
    n = int(got["__n_rows"])
    if numeric:
        for i, c in enumerate(cols):
            k = int(got[f"__inf{i}"] or 0)
            if k:
                raise EstimationError(f"variable {c!r} has infinite values in {k} rows")
    complete = {c: int(got[f"__v{i}"] or 0) == n for i, c in enumerate(cols)}
    is_bin = {c: (int(got[f"__nb{i}"] or 0) == 0) if numeric and binary else None
              for i, c in enumerate(cols)}  # fmt: skip
    if na == "listwise":
        if all(complete.values()):
            return {c: ALWAYS for c in cols}, is_bin
        names = tuple(c for c in cols if not complete[c])
        joint = E.Valid(names, tuple(num[c] for c in names))
        if numeric and binary and not all(is_bin.values()):  # 0/1 among complete rows only
            again = {f"__nb{i}": E.NotBinary(c, joint) for i, c in enumerate(cols)}
            row = source.aggregate(Aggregation([], again, count=None)).iloc[0]
            is_bin = {c: int(row[f"__nb{i}"] or 0) == 0 for i, c in enumerate(cols)}
        return {c: joint for c in cols}, is_bin
    return {c: ALWAYS if complete[c] else own[c] for c in cols}, is_bin


def _filled(col, mask):
    return E.Col(col) if mask == ALWAYS else E.Filled(E.Col(col), mask)


def _ones(mask):
    return E.One() if mask == ALWAYS else mask


def mean_total(source, variables, statistic, na):
    _numeric(source, variables)
    masks, binary = _inspect(source, variables, na)
    columns, item_q, count_q, binaries = [], [], [], []
    for v in variables:
        m = _ones(masks[v])
        y = _filled(v, masks[v])
        b = binary[v]
        binaries.append(b)
        base = len(columns)
        columns += [y, m, y if b else E.Product(y, y)]
        item_q.append((base, base + 1))
        count_q.append(base + 1)
    return MeanTotal(
        statistic, list(variables), [None] * len(variables), columns, item_q, count_q,
        {"binary": binaries},
    )  # fmt: skip


def proportion(source, variables, na, binary="ones"):
    _check_present(source, variables)
    masks, _ = _inspect(source, variables, na, numeric=False)
    facts = source.integer_facts(variables) if hasattr(source, "integer_facts") else None
    columns, item_q, count_q, names, cats = [], [], [], [], []
    for col in variables:
        kind = source.columns[col]
        m = masks[col]
        if facts is not None and facts[col][1] and (na == "available" or m == ALWAYS):
            levels = sorted({facts[col][2], facts[col][3]})  # 0/1 integers: min and max
        else:
            levels = sorted(source.distinct(col, where=m))
        if kind == "numeric" and len(levels) > MAX_CATEGORIES:
            if any(isinstance(v, float) and not float(v).is_integer() for v in levels):
                raise EstimationError(
                    f"variable {col!r} has {len(levels)} distinct values: prop() estimates "
                    "the share of each category; use mean() or quantile() for a "
                    "continuous variable"
                )
        is_binary = kind in ("numeric", "bool") and set(levels) <= {0, 1}
        mcol = len(columns)
        columns.append(_ones(m))
        use = (
            [(True if kind == "bool" else 1,) * 2]  # the share of the 1s, named as in memory
            if is_binary and binary == "ones"
            else [(c, c) for c in levels]
        )
        for value, label in use:
            # the share of the 1s of a numeric 0/1 item: the item itself is its indicator
            # (the same sum as its mean, so the passes share it)
            ind = _filled(col, m) if is_binary and kind == "numeric" and len(use) == 1 else None
            columns.append(ind if ind is not None else E.Equals(col, value, m))
            item_q.append((len(columns) - 1, mcol))
            count_q.append(mcol)
            names.append(col)
            cats.append(_plain(label))
    return Proportion("prop", names, cats, columns, item_q, count_q)


def add_ratio_item(columns, item_q, count_q, y, x, m) -> None:
    """Append one ratio item's quantities in the layout of the engine's ``Ratio``: ``y``,
    ``x``, the answered indicator ``m`` and the squares and cross product (for deff)."""
    base = len(columns)
    columns += [y, x, m, E.Product(y, y), E.Product(x, x), E.Product(x, y)]
    item_q.append((base, base + 1))
    count_q.append(base + 2)


def ratio(source, numerator, denominator, na):
    num = [numerator] if isinstance(numerator, str) else list(numerator)
    den = [denominator] if isinstance(denominator, str) else list(denominator)
    if len(den) == 1 and len(num) > 1:
        den = den * len(num)
    if len(num) != len(den):
        raise EstimationError("numerator and denominator must pair up (same length)")
    cols = list(dict.fromkeys(num + den))
    _numeric(source, cols)
    masks, _ = _inspect(source, cols, na, binary=False)
    columns, item_q, count_q, names = [], [], [], []
    for a, b in zip(num, den, strict=True):
        ma, mb = masks[a], masks[b]
        names_ab = tuple(dict.fromkeys(ma.names + mb.names))
        kinds = {**dict(zip(ma.names, ma.numeric, strict=True)),
                 **dict(zip(mb.names, mb.numeric, strict=True))}  # fmt: skip
        names_ab = tuple(c for c in names_ab if c)
        m = E.Valid(names_ab, tuple(kinds[c] for c in names_ab))
        add_ratio_item(columns, item_q, count_q, _filled(a, m), _filled(b, m), _ones(m))
        names.append(f"{a}/{b}")
    est = Ratio("ratio", names, [None] * len(names), columns, item_q, count_q)
    est.extra["pairs"] = list(zip(num, den, strict=True))
    return est


def build(source, statistic, variables, na="available", denominator=None, binary="ones"):
    """The estimator for ``statistic`` with expression quantities (see module docstring)."""
    if isinstance(variables, str):
        variables = [variables]
    variables = list(dict.fromkeys(variables))
    if not variables:
        raise EstimationError("no variables given")
    if statistic in ("mean", "total"):
        _check_present(source, variables)
        text = [v for v in variables if source.columns[v] == "text"]
        if text and len(text) < len(variables):
            raise EstimationError(
                f"mix of categorical {text} and numeric variables: estimate them separately"
            )
        if text:  # R: svymean/svytotal of a factor give each category's share/total
            est = proportion(source, variables, na, binary="all")
            if statistic == "total":
                return CategoryTotal(
                    "total", est.variables, est.categories, est.columns, est.item_q, est.count_q
                )
            est.statistic = "mean"
            return est
        return mean_total(source, variables, statistic, na)
    if statistic == "prop":
        return proportion(source, variables, na, binary)
    if statistic == "ratio":
        if denominator is None:
            raise EstimationError("ratio needs a denominator")
        return ratio(source, variables, denominator, na)
    raise EstimationError(f"unknown statistic {statistic!r}")
