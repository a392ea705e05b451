"""Labels for code-only data: a labels file (YAML or CSV) or a mapping, merged into metadata.

CSV, parquet and other code-only files carry no value labels, so tables would show regions
as ``13``. A labels file supplies them (and variable labels for headings). Two formats:

YAML (``labels.yaml``)::

    variable_labels:            # optional: headings ("Por Región", not "Por enc_region")
      enc_region: Región
      VP_DC: Persona víctima de delito
    enc_region:                 # value labels: variable -> {code: label}
      1: Región de Tarapacá
      2: Región de Antofagasta
    VP_DC: {0: "No", 1: "Sí"}

(the value labels may also sit under a ``value_labels:`` key). CSV (``labels.csv``), with
the header ``variable,code,label``; a row with an empty ``code`` is the variable label::

    variable,code,label
    enc_region,,Región
    enc_region,1,Región de Tarapacá
    enc_region,2,Región de Antofagasta

Codes are matched to the data as codes: ``13``, ``13.0`` and ``"13"`` are one code for a
numeric column; text columns match the code text exactly. Labels given here take precedence
over the labels stored in the data file (SPSS/Stata), which are otherwise kept. A bad file
raises :class:`LabelsError` naming the file, the line and the column or variable.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "LabelSet",
    "LabelsError",
    "read_labels",
    "labels_from_mapping",
    "with_labels",
    "through_crosswalk",
]


class LabelsError(ValueError):
    """A labels file or mapping is malformed; the message names the file, line and entry."""


@dataclass(frozen=True)
class LabelSet:
    """Value and variable labels from a labels file (or an inline mapping).

    Attributes
    ----------
    value_labels : dict
        ``{variable: {code: label}}``; codes as written (text), typed to the data by
        :func:`with_labels`.
    variable_labels : dict
        ``{variable: label}``.
    source : str
        Where the labels came from (file path or ``"spec labels"``), for messages.
    lines : dict
        ``{(variable, code or None): line}`` where each entry was written (messages).
    """

    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    source: str = "labels"
    lines: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.value_labels or self.variable_labels)


# ----------------------------------------------------------------------------- reading


def _code_text(v: Any) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_labels(path: str | Path) -> LabelSet:
    """Read a labels file: ``.yaml``/``.yml``, ``.json`` (the YAML layout; what ``survey
    harmonize`` writes beside its output) or ``.csv`` (see the module docstring).

    Raises
    ------
    LabelsError
        The file does not exist, has another extension, or an entry is malformed (the
        message names the file, the line and the variable/column).
    """
    path = Path(path)
    if not path.is_file():
        raise LabelsError(f"labels file {path} not found")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):  # JSON (survey harmonize's <out>_labels.json)
        return _read_yaml(path)  # is read by the YAML reader: the same layout
    if suffix == ".csv":
        return _read_csv(path)
    raise LabelsError(
        f"labels file {path}: the extension must be .yaml, .yml, .json or .csv "
        f"(got {suffix or 'none'})"
    )


def _read_csv(path: Path) -> LabelSet:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelsError(
            f"labels file {path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise LabelsError(f"labels file {path}: empty (expected the header variable,code,label)")
    header = [h.strip().lower() for h in rows[0]]
    need = ("variable", "code", "label")
    lack = [c for c in need if c not in header]
    if lack:
        raise LabelsError(
            f"labels file {path}, line 1: the header must name the columns variable,code,label "
            f"(missing {', '.join(lack)}; got {','.join(rows[0])})"
        )
    pos = {c: header.index(c) for c in need}
    values: dict[str, dict[str, str]] = {}
    variables: dict[str, str] = {}
    lines: dict[tuple[str, str | None], int] = {}
    for i, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise LabelsError(
                f"labels file {path}, line {i}: {len(row)} column(s), expected {len(header)} "
                f"({','.join(rows[0])}); quote labels that contain commas"
            )
        var, code, label = (row[pos[c]].strip() for c in need)
        if not var:
            raise LabelsError(f"labels file {path}, line {i}, column 'variable': empty")
        if not label:
            raise LabelsError(
                f"labels file {path}, line {i}, column 'label': empty label for variable "
                f"{var!r}" + (f" code {code!r}" if code else "")
            )
        key = code or None
        if (var, key) in lines:
            what = f"code {code!r} of {var!r}" if code else f"the variable label of {var!r}"
            raise LabelsError(
                f"labels file {path}, line {i}: {what} is given twice (first on line "
                f"{lines[(var, key)]})"
            )
        lines[(var, key)] = i
        if code:
            values.setdefault(var, {})[code] = label
        else:
            variables[var] = label
    return LabelSet(values, variables, str(path), lines)


def _read_yaml(path: Path) -> LabelSet:
    import yaml

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise LabelsError(
            f"labels file {path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise LabelsError(f"labels file {path}{where}: not valid YAML ({problem})") from None
    if root is None:
        raise LabelsError(f"labels file {path}: empty")
    return _from_nodes(root, str(path))


def _line(node) -> int:
    return node.start_mark.line + 1


def _scalar(node, where: str, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        raise LabelsError(f"{where}, line {_line(node)}: {what} must be a single value")
    if node.tag.endswith(":null") or node.value == "":
        raise LabelsError(f"{where}, line {_line(node)}: {what} is empty")
    return node.value.strip()


def _from_nodes(root, where: str) -> LabelSet:
    import yaml

    if not isinstance(root, yaml.MappingNode):
        raise LabelsError(
            f"{where}, line {_line(root)}: a labels file is a mapping "
            "{variable: {code: label}, variable_labels: {variable: label}}"
        )
    values: dict[str, dict[str, str]] = {}
    variables: dict[str, str] = {}
    lines: dict[tuple[str, str | None], int] = {}

    def value_block(var: str, node) -> None:
        if not isinstance(node, yaml.MappingNode):
            raise LabelsError(
                f"{where}, line {_line(node)}: value labels of {var!r} must be a mapping "
                "{code: label}"
            )
        for knode, vnode in node.value:
            code = _scalar(knode, where, f"a code of {var!r}")
            label = _scalar(vnode, where, f"the label of code {code!r} of {var!r}")
            if (var, code) in lines:
                raise LabelsError(
                    f"{where}, line {_line(knode)}: code {code!r} of {var!r} is given twice "
                    f"(first on line {lines[(var, code)]})"
                )
            lines[(var, code)] = _line(knode)
            values.setdefault(var, {})[code] = label

    for knode, vnode in root.value:
        key = _scalar(knode, where, "a variable name")
        if key == "variable_labels":
            if not isinstance(vnode, yaml.MappingNode):
                raise LabelsError(
                    f"{where}, line {_line(vnode)}: variable_labels must be a mapping "
                    "{variable: label}"
                )
            for vk, vv in vnode.value:
                var = _scalar(vk, where, "a variable name under variable_labels")
                variables[var] = _scalar(vv, where, f"the variable label of {var!r}")
                lines[(var, None)] = _line(vk)
        elif key == "value_labels":
            if not isinstance(vnode, yaml.MappingNode):
                raise LabelsError(
                    f"{where}, line {_line(vnode)}: value_labels must be a mapping "
                    "{variable: {code: label}}"
                )
            for vk, vv in vnode.value:
                value_block(_scalar(vk, where, "a variable name under value_labels"), vv)
        else:
            value_block(key, vnode)
    return LabelSet(values, variables, where, lines)


def labels_from_mapping(mapping: Mapping, where: str = "labels") -> LabelSet:
    """A :class:`LabelSet` from an in-memory mapping of the YAML layout (a report spec's
    inline ``labels:``); errors name ``where`` and the entry."""
    import yaml

    if not isinstance(mapping, Mapping):
        raise LabelsError(
            f"{where}: labels must be a mapping {{variable: {{code: label}}}} or a file path"
        )
    try:
        node = yaml.compose(yaml.safe_dump(dict(mapping), allow_unicode=True, sort_keys=False))
    except yaml.YAMLError as exc:  # pragma: no cover - safe_dump of a mapping composes
        raise LabelsError(f"{where}: {exc}") from None
    out = _from_nodes(node, where)
    return replace(out, lines={})  # lines of a dumped mapping mean nothing to the user


def load(labels, where: str = "labels") -> LabelSet | None:
    """A :class:`LabelSet` from a path, a mapping, a LabelSet or None."""
    if labels is None or isinstance(labels, LabelSet):
        return labels
    if isinstance(labels, (str, Path)):
        return read_labels(labels)
    return labels_from_mapping(labels, where)


# ----------------------------------------------------------------------------- merging


def _typed(code: str, column: pd.Series | None):
    """The code in the type of the data column: a number for numeric columns (so 13, 13.0
    and "13" are one code), text otherwise."""
    if column is None or not pd.api.types.is_numeric_dtype(column.dtype):
        return code
    number = float(code)  # ValueError handled by the caller
    return int(number) if number.is_integer() else number


def with_labels(data, labels, *, where: str | None = None, columns=None):
    """``data`` (a :class:`SurveyData` or DataFrame) with ``labels`` merged into its metadata.

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        The data; a DataFrame gets empty metadata first.
    labels : path, mapping or LabelSet
        The labels file (``.yaml``/``.csv``), an inline mapping of the YAML layout, or a
        :class:`LabelSet`. ``None`` returns ``data`` unchanged (as SurveyData).
    where : str, optional
        How messages name an inline mapping (default ``"labels"``).
    columns : sequence of str, optional
        Every column of the source file, when ``data`` holds only some of them (read with
        ``read(path, columns=...)``): a labels variable among them is not reported as absent.

    Returns
    -------
    SurveyData
        Same data; ``meta.value_labels`` and ``meta.variable_labels`` hold the file's own
        labels updated with ``labels`` (a label given here replaces the file's for that code;
        the file's other codes keep theirs). Codes are typed to the column (numbers for
        numeric columns).

    Raises
    ------
    LabelsError
        A code of a numeric column is not a number (naming the file, line and variable).

    Warns
    -----
    UserWarning
        A variable of the labels file is not a column of the data (naming the nearest).
    """
    from survey.io._meta import Metadata, SurveyData

    if not isinstance(data, SurveyData):
        data = SurveyData(data, Metadata())
    ls = load(labels, where or "labels")
    if not ls:
        return data
    frame = data.data
    known = frame.columns if columns is None else list(dict.fromkeys([*frame.columns, *columns]))
    absent = [v for v in {**ls.value_labels, **ls.variable_labels} if v not in known]
    if absent:
        from survey._names import did_you_mean

        warnings.warn(
            f"labels {ls.source}: variable(s) not in the data: "
            + ", ".join(f"{v!r}{did_you_mean(v, known)}" for v in absent),
            UserWarning,
            stacklevel=2,
        )
    value_labels = {k: dict(v) for k, v in data.meta.value_labels.items()}
    for var, codes in ls.value_labels.items():
        column = frame[var] if var in frame.columns else None
        merged = value_labels.setdefault(var, {})
        for code, label in codes.items():
            try:
                key = _typed(code, column)
            except ValueError:
                line = ls.lines.get((var, code))
                raise LabelsError(
                    f"labels {ls.source}"
                    + (f", line {line}" if line else "")
                    + f": code {code!r} of {var!r} is not a number, but column {var!r} holds "
                    "numbers"
                ) from None
            merged[key] = label
    variable_labels = {**data.meta.variable_labels, **ls.variable_labels}
    meta = replace(data.meta, value_labels=value_labels, variable_labels=variable_labels)
    return SurveyData(frame, meta, data.path)


# ----------------------------------------------------------------------------- crosswalks


def _target_code(entry, code: str, text: str, mode: str | None):
    """The standard code a crosswalk entry gives to source ``code`` (labelled ``text``), or
    None: by the label text when the entry mapped this file by labels, else by the stored
    code (``codes`` / ``identity``); missing codes map to nothing."""
    from survey.instruments.harmonize import _norm_label

    if mode == "label" and entry.labels:
        hit = entry.labels.get(_norm_label(text))
        if hit is not None:
            return int(hit)
    try:
        number = float(code)
    except ValueError:
        if entry.labels:  # a text column mapped by its texts
            hit = entry.labels.get(_norm_label(code))
            return None if hit is None else int(hit)
        return None
    if number in entry.codes:
        return int(entry.codes[number])
    if entry.identity is not None and entry.identity[0] <= number <= entry.identity[1]:
        return int(number) if number.is_integer() else number
    return None


def through_crosswalk(labels: LabelSet, crosswalk, report: pd.DataFrame):
    """``labels`` keyed by a crosswalk's SOURCE variables moved onto its standard items.

    A labels file written for the published file names its variables (ENUSC's
    ``rph_sexo``); after harmonisation the data hold the standard items (``dem_sex``),
    recoded. Each value label of a source variable that was mapped (``report`` rows with
    status ``mapped``: the column found in the data and its target) goes to the standard
    code the crosswalk gives that source code (by its label text when the file was mapped
    by labels, else by the stored code); source codes that become missing are dropped, and
    several source codes merged into one standard code keep their labels joined with
    " / ". Variable labels move with their variable. Entries keyed by other names (standard
    items, design columns kept as they are) are kept; where both name a standard item, the
    one keyed by the standard name wins.

    Parameters
    ----------
    labels : LabelSet
    crosswalk : survey.instruments.Crosswalk
    report : DataFrame
        The mapping report of :func:`survey.instruments.harmonize` (``source``,
        ``target``, ``status``, ``mode``).

    Returns
    -------
    (LabelSet, list of str)
        The moved labels, and the source variables of the crosswalk the labels name that
        did not map (absent from the data or unmapped): their labels label nothing.
    """
    rows = report[report["target"].notna()] if len(report) else report
    mapped = {
        str(r.source): (str(r.target), r.mode if isinstance(r.mode, str) else None)
        for r in rows.itertuples()
        if r.status == "mapped"
    }
    lower = {k.casefold(): k for k in mapped}
    entries = {e.target: e for e in crosswalk.entries}
    sources = {s.casefold() for e in crosswalk.entries for s in e.sources}
    values: dict[str, dict] = {}
    variables: dict[str, str] = {}
    unused: list[str] = []
    moved: set[str] = set()
    for var in dict.fromkeys([*labels.value_labels, *labels.variable_labels]):
        src = var if var in mapped else lower.get(var.casefold())
        if src is None:
            if var.casefold() in sources:
                unused.append(var)
            continue
        target, mode = mapped[src]
        moved.add(var)
        if var in labels.variable_labels:
            variables[target] = labels.variable_labels[var]
        entry = entries.get(target)
        if entry is None or var not in labels.value_labels:
            continue
        out = values.setdefault(target, {})
        for code, text in labels.value_labels[var].items():
            new = _target_code(entry, code, text, mode)
            if new is None:
                continue
            if new in out and text not in out[new].split(" / "):
                out[new] = f"{out[new]} / {text}"
            else:
                out.setdefault(new, text)
    for var, codes in labels.value_labels.items():
        if var in moved:
            continue
        if var in values:  # a standard item also reached from its source: typed codes
            for code, text in codes.items():
                try:
                    number = float(code)
                    values[var][int(number) if number.is_integer() else number] = text
                except ValueError:
                    values[var][code] = text
        else:
            values[var] = dict(codes)
    for var, text in labels.variable_labels.items():
        if var not in moved:
            variables[var] = text
    out = LabelSet(values, variables, labels.source, {})
    return out, unused
