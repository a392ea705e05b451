"""A small evaluator of the XPath subset the exported XLSForms use, to walk a form in tests.

It reads the ``survey`` sheet of :func:`survey.instruments.xlsform_frames` (expressions with
``${name}`` references) and evaluates them as JavaRosa does for the functions used: a blank
answer is the empty string, which equals no number (``'' = 1`` is false, ``'' != ''`` is
false); ``selected``, ``count-selected`` and ``selected-at`` work on space-separated values;
``position(..)`` is the 1-based index of the repeat instance being evaluated.
"""

from __future__ import annotations

import math
import re

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'[^']*')|(?P<ref>\$\{[a-z0-9_]+\})"
    r"|(?P<op>!=|>=|<=|=|>|<|\+|-|\*|\(|\)|,|\.\.)|(?P<name>[a-z][a-z0-9:_-]*))"
)


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot read {expr[pos:]!r} in {expr!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _num(v) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _str(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    return "" if v is None else str(v)


def _bool(v) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0 and not math.isnan(v)
    return v != ""


def _eq(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return _bool(a) == _bool(b)
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return _num(a) == _num(b)
    return _str(a) == _str(b)


class Evaluator:
    """``Evaluator(values, choice_labels, position)(expr)``: ``values`` maps field names to
    their current value (a missing name is blank), ``choice_labels`` maps a question path
    (``/data/<repeat>/<name>``) or name to ``{code: label}``, ``position`` the repeat index."""

    def __init__(self, values: dict, choice_labels: dict | None = None, position: int = 1):
        self.values = values
        self.labels = choice_labels or {}
        self.position = position

    def __call__(self, expr: str):
        self.toks = _tokens(expr)
        self.i = 0
        out = self._or()
        if self.i != len(self.toks):
            raise ValueError(f"trailing tokens in {expr!r}: {self.toks[self.i :]}")
        return out

    # -- recursive descent: or > and > comparison > additive > multiplicative > unary
    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def _take(self, value=None):
        tok = self._peek()
        if value is not None and tok[1] != value:
            raise ValueError(f"expected {value!r}, got {tok}")
        self.i += 1
        return tok

    def _or(self):
        left = self._and()
        while self._peek() == ("name", "or"):
            self._take()
            right = self._and()
            left = _bool(left) or _bool(right)
        return left

    def _and(self):
        left = self._cmp()
        while self._peek() == ("name", "and"):
            self._take()
            right = self._cmp()
            left = _bool(left) and _bool(right)
        return left

    def _cmp(self):
        left = self._add()
        while self._peek()[1] in ("=", "!=", ">=", "<=", ">", "<"):
            op = self._take()[1]
            right = self._add()
            if op == "=":
                left = _eq(left, right)
            elif op == "!=":
                left = not _eq(left, right)
            else:
                a, b = _num(left), _num(right)
                left = {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[op]
        return left

    def _add(self):
        left = self._mul()
        while self._peek()[1] in ("+", "-"):
            op = self._take()[1]
            right = self._mul()
            left = _num(left) + _num(right) if op == "+" else _num(left) - _num(right)
        return left

    def _mul(self):
        left = self._atom()
        while self._peek()[1] == "*":
            self._take()
            left = _num(left) * _num(self._atom())
        return left

    def _args(self):
        self._take("(")
        args = []
        if self._peek()[1] != ")":
            args.append(self._or())
            while self._peek()[1] == ",":
                self._take()
                args.append(self._or())
        self._take(")")
        return args

    def _atom(self):
        kind, val = self._take()
        if kind == "num":
            return float(val)
        if kind == "str":
            return val[1:-1]
        if kind == "ref":
            return self.values.get(val[2:-1], "")
        if val == "(":
            out = self._or()
            self._take(")")
            return out
        if val == "-":
            return -_num(self._atom())
        if kind == "name":
            if val == "position":
                self._take("(")
                self._take("..")
                self._take(")")
                return float(self.position)
            return self._call(val, self._args())
        raise ValueError(f"unexpected token {val!r}")

    def _call(self, fn, a):
        if fn == "if":
            return a[1] if _bool(a[0]) else a[2]
        if fn == "not":
            return not _bool(a[0])
        if fn == "concat":
            return "".join(_str(x) for x in a)
        if fn == "normalize-space":
            return " ".join(_str(a[0]).split())
        if fn == "selected":
            return _str(a[1]) in _str(a[0]).split()
        if fn == "count-selected":
            return float(len(_str(a[0]).split()))
        if fn == "selected-at":
            parts = _str(a[0]).split()
            k = int(_num(a[1]))
            return parts[k] if 0 <= k < len(parts) else ""
        if fn == "jr:choice-name":
            labels = self.labels.get(_str(a[1]), {})
            return labels.get(_str(a[0]), "")
        if fn == "int":
            return float(int(_num(a[0])))
        if fn == "sum":
            return sum(_num(x) for x in (a[0] if isinstance(a[0], list) else [a[0]]))
        if fn == "once":
            return a[0]
        if fn == "random":
            return 0.5
        raise ValueError(f"function {fn!r} is not supported by the test evaluator")
