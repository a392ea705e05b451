"""Named contrasts of estimates (R's ``svycontrast``) and their covariance (R's ``vcov``).

Every estimate of an :class:`~survey.engine.core.EstimateSet` gets R's coefficient name
(:func:`estimate_names`): the variable (``api00``), variable and category for a share or
total of a category (``stypeE``, as R's ``svymean(~stype)``), ``api00/api99`` for a ratio;
with ``by`` domains the domain label (levels joined by ``.``, as R's ``svyby`` row names),
followed by ``:`` and the item name when there is more than one item.

A contrast is, per name (:func:`contrast`):

- linear: a mapping ``{estimate name: coefficient}`` (missing names count 0, as R's
  named contrast vectors) or a sequence of K coefficients in R's order of the estimates
  (:func:`r_order`; with ``by`` R lists the domains of each item in turn);
- nonlinear: an expression in the estimate names (``"exp(`log(api00)`)"``, ``"api00/api99"``;
  names that are not Python identifiers go between backticks as in R; ``^`` is the power as
  in R), or a callable taking a mapping name -> value. Nonlinear contrasts go through the
  delta method (R's default, also on replicate designs) with the exact gradient: expressions
  and callables are differentiated by the complex step ``Im f(theta + i h e_k) / h``, exact to
  rounding for the analytic functions allowed in expressions (:data:`FUNCTIONS`; a callable
  must use numpy functions that accept complex numbers).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

#: Functions an expression may call (R names where they differ: ``log`` is natural).
FUNCTIONS: dict[str, Callable] = {
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "log2": np.log2,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "expm1": np.expm1,
    "log1p": np.log1p,
}


def estimate_names(es) -> list[str]:
    """R's coefficient names of the estimates of ``es`` (see the module docstring)."""
    lab = es.labels
    items = []
    for var, cat in zip(lab["variable"], lab["category"], strict=True):
        items.append(str(var) if pd.isna(cat) else f"{var}{cat}")
    by = [c for c in es.by if c in lab.columns]
    if not by:
        return items
    dom = lab[by].astype(str).agg(".".join, axis=1).tolist()
    n_items = len(dict.fromkeys(items))
    if n_items == 1:
        return dom
    return [f"{d}:{i}" for d, i in zip(dom, items, strict=True)]


def r_order(es) -> np.ndarray:
    """Positions of the estimates in R's order: R's ``svyby`` lists every domain of the
    first item, then of the next (``E:api00, H:api00, ..., E:api99``), with the FIRST by
    column varying fastest (``E.No, H.No, M.No, E.Yes``); without ``by`` the order is the
    package's (R's)."""
    lab = es.labels
    by = [c for c in es.by if c in lab.columns]
    K = len(lab)
    if not by or K == 0:
        return np.arange(K)
    items = [
        str(v) if pd.isna(c) else f"{v}{c}"
        for v, c in zip(lab["variable"], lab["category"], strict=True)
    ]
    keys = {"_item": pd.factorize(pd.Series(items))[0]}
    for c in reversed(by):
        keys[c] = pd.factorize(lab[c], sort=True)[0]
    frame = pd.DataFrame(keys)
    return frame.sort_values(list(frame.columns), kind="stable").index.to_numpy()


def _unique_names(es) -> list[str]:
    names = estimate_names(es)
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    dup = [n for n, c in seen.items() if c > 1]
    if dup:
        raise ValueError(f"estimates with the same name {dup}: contrasts cannot refer to them")
    return names


_BACKTICK = re.compile(r"`([^`]*)`")


class _Expression:
    """A parsed arithmetic expression over estimate names, evaluated on (complex) arrays."""

    def __init__(self, text: str, names: Sequence[str]):
        self.text = text
        subst: dict[str, str] = {}

        def repl(m):
            key = f"_q{len(subst)}_"
            subst[key] = m.group(1)
            return key

        # R's ^ is Python's ** (same precedence and right associativity; Python's ^ binds
        # looser than * and would misparse a * b^2)
        src = _BACKTICK.sub(repl, text).replace("^", "**")
        try:
            self.tree = ast.parse(src, mode="eval")
        except SyntaxError as err:
            raise ValueError(f"contrast {text!r} is not an expression: {err.msg}") from None
        self.subst = subst
        self.index = {n: i for i, n in enumerate(names)}
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        for node in ast.walk(self.tree):  # unknown names fail here, before any estimate
            if isinstance(node, ast.Name) and id(node) not in called:
                self._position(node.id)

    def _position(self, ident: str) -> int:
        name = self.subst.get(ident, ident)
        if name not in self.index:
            from survey._names import did_you_mean

            raise ValueError(
                f"contrast {self.text!r}: no estimate named {name!r}"
                f"{did_you_mean(name, list(self.index))} (estimates: {', '.join(self.index)})"
            )
        return self.index[name]

    def __call__(self, theta: np.ndarray):
        return self._eval(self.tree.body, theta)

    def _eval(self, node, theta):
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return theta[self._position(node.id)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = self._eval(node.operand, theta)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = self._eval(node.left, theta), self._eval(node.right, theta)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Div):
                return a / b
            if isinstance(op, ast.Pow):
                return a**b
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            return FUNCTIONS[node.func.id](self._eval(node.args[0], theta))
        what = ast.unparse(node) if hasattr(ast, "unparse") else type(node).__name__
        raise ValueError(
            f"contrast {self.text!r}: {what!r} is not allowed; use + - * / ^ (or **), numbers, "
            f"estimate names and the functions {', '.join(FUNCTIONS)}"
        )


def _complex_step_jacobian(f: Callable, theta: np.ndarray) -> np.ndarray:
    """Gradient of a real analytic ``f`` at ``theta`` by the complex step (exact to rounding)."""
    K = theta.size
    grad = np.empty(K)
    scale = np.where(np.abs(theta) > 0, np.abs(theta), 1.0)
    h = 1e-30 * scale
    for k in range(K):
        x = theta.astype(complex)
        x[k] += 1j * h[k]
        grad[k] = np.imag(complex(f(x))) / h[k]
    return grad


def _as_functions(contrasts, names: list[str], order=None):
    """(labels, linear rows or None, nonlinear functions or None) per contrast; ``order``:
    the positions of the estimates in R's order (positional coefficient vectors follow it)."""
    order = np.arange(len(names)) if order is None else np.asarray(order)
    if isinstance(contrasts, str) or callable(contrasts) or _is_row(contrasts, names):
        contrasts = {"contrast": contrasts}
    if not isinstance(contrasts, Mapping):
        contrasts = {f"contrast{i + 1}": c for i, c in enumerate(contrasts)}
    out = []
    K = len(names)
    index = {n: i for i, n in enumerate(names)}
    for label, spec in contrasts.items():
        if isinstance(spec, str):
            expr = _Expression(spec, names)
            out.append((str(label), None, expr))
        elif callable(spec):
            fn = spec
            out.append((str(label), None, lambda th, fn=fn: fn(dict(zip(names, th, strict=True)))))
        elif isinstance(spec, Mapping):
            row = np.zeros(K)
            for key, coef in spec.items():
                if key not in index:
                    from survey._names import did_you_mean

                    raise ValueError(
                        f"contrast {label!r}: no estimate named {key!r}"
                        f"{did_you_mean(str(key), names)} (estimates: {', '.join(names)})"
                    )
                row[index[key]] = float(coef)
            out.append((str(label), row, None))
        else:
            given = np.asarray(spec, dtype=float).ravel()
            if given.size != K:
                shown = ", ".join(names[i] for i in order)
                raise ValueError(
                    f"contrast {label!r} has {given.size} coefficients; there are {K} "
                    f"estimates ({shown}): give one per estimate, in this order (R's), or a "
                    "mapping name -> coefficient"
                )
            row = np.zeros(K)
            row[order] = given  # coefficients come in R's order of the estimates
            out.append((str(label), row, None))
    return out


def _is_row(spec, names) -> bool:
    """A bare coefficient vector (not a list of contrasts)."""
    if isinstance(spec, Mapping):  # {name: number}; {name: contrast} is a list of contrasts
        return all(k in names for k in spec) and all(
            isinstance(v, int | float | np.number) for v in spec.values()
        )
    if isinstance(spec, np.ndarray):
        return spec.ndim == 1
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return len(spec) > 0 and all(isinstance(v, int | float | np.number) for v in spec)
    return False


def contrast(es, contrasts, method: str = "delta"):
    """Contrasts of the estimates ``es`` (R's ``svycontrast``): an EstimateSet of m rows with
    ``variable`` = the contrast name.

    Linear contrasts only: ``L theta`` with the influence (Taylor) or replicate values
    combined linearly (exact). With a nonlinear contrast, every contrast goes through
    :meth:`EstimateSet.transform` (``method="delta"``, R's default: ``J V J'``; or
    ``"replicates"``: the function of each replicate's estimates, R's
    ``return.replicates=TRUE``; replicate designs only)."""
    names = _unique_names(es)
    specs = _as_functions(contrasts, names, r_order(es))
    labels = pd.DataFrame({"variable": [s[0] for s in specs]})
    labels["category"] = pd.array([pd.NA] * len(specs), dtype=object)
    if all(row is not None for _, row, _ in specs):
        return es.contrast(np.vstack([row for _, row, _ in specs]), labels=labels)

    def one(spec, th):
        _, row, fn = spec
        if row is not None:
            return row @ th
        return fn(th)

    def func(th):
        th = np.asarray(th)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.array([np.real(one(s, th)) for s in specs], dtype=float)

    def jac(th):
        th = np.asarray(th, dtype=float)
        rows = []
        with np.errstate(divide="ignore", invalid="ignore"):
            for s in specs:
                if s[1] is not None:
                    rows.append(s[1])
                else:
                    rows.append(_complex_step_jacobian(lambda x, s=s: one(s, x), th))
        return np.vstack(rows)

    return es.transform(func, jac, labels=labels, statistic="contrast", method=method)


def covmat(es) -> pd.DataFrame:
    """The K x K covariance matrix of the estimates (R's ``vcov`` of ``svymean``/``svyby(...,
    covmat=TRUE)``), rows and columns named as :func:`estimate_names`, in R's order
    (:func:`r_order`)."""
    order = r_order(es)
    names = [estimate_names(es)[i] for i in order]
    V = es.vcov()[np.ix_(order, order)]
    return pd.DataFrame(V, index=names, columns=names)
