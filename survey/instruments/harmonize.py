"""Crosswalks and harmonisation of published surveys onto the standard items.

A crosswalk (``questionnaires/crosswalks/<name>.yaml``, schema
``schemas/crosswalk.schema.json``) lists, for each standard item it claims, the source
variable (or alternatives, first present wins, case-insensitive), and how source values map
to standard codes:

* ``labels``: value label -> standard code. Used whenever the variable has value labels (from
  the file's metadata) or holds strings. Stored codes are then ignored, which is what files
  whose stored codes differ from the scale points need (LAPOP's Stata files).
* ``codes``: source code -> standard code; ``identity: {min, max}`` keeps codes in a range.
  Used when the variable has no labels.
* ``missing_codes`` / ``missing_labels``: which source codes/labels are don't know, no answer,
  refused or not applicable.

Every non-missing source value that is not mapped is reported as an unknown code (and set to
missing in the output): nothing is dropped silently.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from survey._names import did_you_mean
from survey.instruments._validation import InstrumentError, check_schema, read_yaml
from survey.instruments.library import all_items, library_dir, library_labels

__all__ = [
    "REPORT_COLUMNS",
    "DESIGN_ROLES",
    "Crosswalk",
    "CrosswalkEntry",
    "Harmonized",
    "crosswalk_dir",
    "list_crosswalks",
    "load_crosswalk",
    "harmonize",
]

REPORT_COLUMNS = [
    "source", "target", "status", "mode", "n_mapped", "n_missing", "n_unknown",
    "unknown_codes", "detail",
]  # fmt: skip
DESIGN_ROLES = ("id", "weight", "weight_household", "strata", "psu", "territory", "wave")


def _norm_label(text) -> str:
    """A label as compared: case, runs of spaces and accents ignored.

    Producers' files drop accents from the same label between waves and formats (the
    Latinobarómetro 2018 R file writes "Se puede confiar en la mayoria de las personas",
    the 2020 file "mayoría"), so "mayoría" and "mayoria" are one label.
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = unicodedata.normalize("NFC", text).strip().casefold()
    return re.sub(r"\s+", " ", text)


def _norm_labels(raw: dict, where: str, what: str) -> dict:
    """``{normalised label: value}``; two labels that normalise alike must agree."""
    out, first = {}, {}
    for k, v in raw.items():
        nk = _norm_label(k)
        if nk in out and out[nk] != v:
            raise InstrumentError(
                f"{where}: field {what!r}: labels {first[nk]!r} and {k!r} differ only in case, "
                f"accents or spaces but map to {out[nk]!r} and {v!r}"
            )
        out.setdefault(nk, v)
        first.setdefault(nk, k)
    return out


def _key(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class CrosswalkEntry:
    """How one source variable becomes one standard item."""

    sources: tuple
    target: str
    codes: dict = field(default_factory=dict)  # float -> int
    labels: dict = field(default_factory=dict)  # normalised label -> int
    identity: tuple | None = None
    missing_codes: dict = field(default_factory=dict)  # float -> kind
    missing_labels: dict = field(default_factory=dict)  # normalised label -> kind
    note: str | None = None
    #: named publication conventions: name -> (missing kinds kept in the denominator, note)
    conventions: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Crosswalk:
    """A survey-and-wave specific map onto the standard items."""

    name: str
    survey: str
    wave: str
    verified: bool
    entries: tuple
    design: dict
    source: str | None = None
    design_labels: dict = field(default_factory=dict)  # role -> {float code: label}
    notes: str | None = None
    path: str | None = None
    #: named row filters: name -> {"column": names, "in": values, "targets": ids, "note"}
    filters: dict = field(default_factory=dict)

    @property
    def conventions(self) -> list[str]:
        """Names of the publication conventions some entry offers."""
        return sorted({c for e in self.entries for c in e.conventions})

    @property
    def targets(self) -> list[str]:
        return [e.target for e in self.entries]


def crosswalk_dir() -> Path:
    return library_dir() / "crosswalks"


def _names(value) -> tuple:
    return (value,) if isinstance(value, str) else tuple(value)


#: Design roles whose absence changes the variance or the weighting (warned about loudly).
SAMPLE_DESIGN_ROLES = ("weight", "weight_household", "strata", "psu")


def absent_design_roles(cw: Crosswalk, columns) -> dict:
    """``{role: source names}`` of the crosswalk's sample-design roles (weights, strata,
    PSU) none of whose columns is in ``columns`` (compared as :func:`harmonize` does)."""
    return {
        role: cw.design[role]
        for role in SAMPLE_DESIGN_ROLES
        if role in cw.design and _find(columns, cw.design[role]) is None
    }


def absent_design_message(cw: Crosswalk, columns) -> str:
    """Names the crosswalk file, each absent ``design.<role>`` key, what it looked for and the
    nearest data column (a typo such as ``weight: wieght``)."""
    parts = [
        f"design.{role}: no column {' or '.join(map(repr, names))} in the data"
        + (did_you_mean(names[0], columns) if names else "")
        for role, names in absent_design_roles(cw, columns).items()
    ]
    weights = [r for r in absent_design_roles(cw, columns) if r in ("weight", "strata", "psu")]
    consequence = (
        f"; without {', '.join(weights)} the estimates would ignore that part of the design"
        if weights
        else ""
    )
    return f"crosswalk {cw.path or cw.name}: " + "; ".join(parts) + consequence


def _load(path: Path) -> Crosswalk:
    doc = read_yaml(path)
    check_schema(doc, "crosswalk", path)
    items = all_items()
    entries, seen = [], set()
    for raw in doc["items"]:
        tgt = raw["target"]
        where = f"{path}: item {tgt!r}"
        if tgt not in items:
            raise InstrumentError(f"{where}: field 'target': not a standard item id")
        if tgt in seen:
            raise InstrumentError(f"{where}: target mapped twice (use source alternatives)")
        seen.add(tgt)
        if not any(k in raw for k in ("codes", "labels", "identity")):
            raise InstrumentError(f"{where}: give 'codes', 'labels' or 'identity'")
        std = items[tgt]
        valid = set(std.codes)
        mapped = list(raw.get("codes", {}).values()) + list(raw.get("labels", {}).values())
        bad = sorted(set(mapped) - valid) if valid else []
        if bad:
            raise InstrumentError(
                f"{where}: standard codes {bad} are not codes of {tgt} (valid: {sorted(valid)})"
            )
        codes = {}
        for k, v in raw.get("codes", {}).items():
            kk = _key(k)
            if kk is None:
                raise InstrumentError(f"{where}: field 'codes': key {k!r} is not a number")
            codes[kk] = v
        miss = {}
        for k, v in raw.get("missing_codes", {}).items():
            kk = _key(k)
            if kk is None:
                raise InstrumentError(f"{where}: field 'missing_codes': key {k!r} is not a number")
            miss[kk] = v
        ident = None
        if "identity" in raw:
            ident = (raw["identity"]["min"], raw["identity"]["max"])
            if valid and not {c for c in valid if ident[0] <= c <= ident[1]}:
                raise InstrumentError(f"{where}: identity range {ident} holds no valid code")
        entries.append(
            CrosswalkEntry(
                sources=_names(raw["source"]),
                target=tgt,
                codes=codes,
                labels=_norm_labels(raw.get("labels", {}), where, "labels"),
                identity=ident,
                missing_codes=miss,
                missing_labels=_norm_labels(raw.get("missing_labels", {}), where, "missing_labels"),
                note=raw.get("note"),
                conventions={
                    name: (tuple(c["in_denominator"]), c["note"])
                    for name, c in raw.get("conventions", {}).items()
                },
            )
        )
    filters = {}
    for name, f in doc.get("filters", {}).items():
        unknown = sorted(set(f["targets"]) - seen)
        if unknown:
            raise InstrumentError(
                f"{path}: field 'filters.{name}.targets': {unknown} are not items of the crosswalk"
            )
        filters[name] = {
            "column": _names(f["column"]), "in": tuple(float(v) for v in f["in"]),
            "targets": tuple(f["targets"]), "note": f["note"],
        }  # fmt: skip
    design = {role: _names(v) for role, v in doc.get("design", {}).items()}
    design_labels = {}
    for role, labs in doc.get("design_labels", {}).items():
        conv = {}
        for k, v in labs.items():
            kk = _key(k)
            if kk is None:
                raise InstrumentError(
                    f"{path}: field 'design_labels.{role}': key {k!r} is not a number"
                )
            conv[kk] = str(v)
        design_labels[role] = conv
    return Crosswalk(
        name=doc["name"],
        survey=doc["survey"],
        wave=doc["wave"],
        verified=doc["verified"],
        entries=tuple(entries),
        design=design,
        design_labels=design_labels,
        source=doc.get("source"),
        notes=doc.get("notes"),
        path=str(path),
        filters=filters,
    )


@cache
def _load_cached(path: str) -> Crosswalk:
    cw = _load(Path(path))
    if cw.name != Path(path).stem:
        raise InstrumentError(f"{path}: name {cw.name!r} differs from the file name")
    return cw


def list_crosswalks() -> list[Crosswalk]:
    """Shipped crosswalks, sorted by name."""
    return [_load_cached(str(p)) for p in sorted(crosswalk_dir().glob("*.yaml"))]


def load_crosswalk(name_or_path) -> Crosswalk:
    """A shipped crosswalk by name, or a crosswalk file by path."""
    if isinstance(name_or_path, Crosswalk):
        return name_or_path
    p = Path(str(name_or_path))
    if p.suffix in (".yaml", ".yml") and p.exists():
        return _load(p)
    if p.suffix in (".yaml", ".yml"):
        raise FileNotFoundError(
            f"crosswalk file {p} not found (relative to {Path.cwd()}); a shipped crosswalk is "
            "named without .yaml (survey.instruments.list_crosswalks()); the demo's is "
            "survey.datasets.demo_crosswalk_path()"
        )
    path = crosswalk_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        from survey._names import did_you_mean

        names = [c.stem for c in sorted(crosswalk_dir().glob("*.yaml"))]
        hint = did_you_mean(str(name_or_path), names)
        raise KeyError(f"unknown crosswalk {name_or_path!r}{hint}; available: {', '.join(names)}")
    return _load_cached(str(path))


@dataclass(frozen=True)
class Harmonized:
    """Result of :func:`harmonize`: standard-coded ``data``, the mapping ``report`` and the
    ``value_labels`` of the design columns passed through (``{role: {code: label}}``, e.g.
    the region names of ``territory``; also in ``data.attrs["value_labels"]``)."""

    data: pd.DataFrame
    report: pd.DataFrame
    crosswalk: Crosswalk
    value_labels: dict = field(default_factory=dict)
    #: ``{column of data: variable label}`` of the file's source columns ("Región" for
    #: ``territory`` from ``enc_region``), for :meth:`survey_data`
    variable_labels: dict = field(default_factory=dict)
    #: ``{column: {code: label}}`` of the columns passed through with ``keep=``
    kept_labels: dict = field(default_factory=dict)
    #: the file harmonised (``SurveyData.path``), when known
    path: object = None

    def survey_data(self, lang: str = "en"):
        """The harmonised data with their labels, as a :class:`survey.io.SurveyData` for
        :class:`survey.Design`: result frames then show labels, not codes.

        Value labels: the design columns' (``value_labels``: region names of ``territory``),
        the columns kept with ``keep=`` as in the file, and each standard item's categories
        from the questionnaire library in ``lang`` ("Yes"/"No" for the standard codes 1/0;
        the file's own value labels do not apply to recoded items). Variable labels: the
        file's label of each source column ("Región" for ``territory``), else the library's
        question text when it is a short heading (no question mark, 40 characters or less).
        The frame is :attr:`data` itself (not a copy).
        """
        from survey.io._meta import Metadata, SurveyData

        value_labels = {c: dict(v) for c, v in self.kept_labels.items()}
        value_labels.update({c: dict(v) for c, v in self.value_labels.items()})
        library, headings = library_labels(self.data.columns, lang)
        for col, labels in library.items():
            if col not in value_labels:
                value_labels[col] = {float(k): v for k, v in labels.items()}
        variable_labels = {}
        for col in self.data.columns:
            name = self.variable_labels.get(col) or headings.get(col)
            if name:
                variable_labels[col] = name
        meta = Metadata(variable_labels=variable_labels, value_labels=value_labels)
        return SurveyData(self.data, meta, self.path)

    def labelled(self, column: str, values=None) -> pd.Series:
        """The values of a design column (or ``values``) shown with their labels; codes
        without a label are kept as they are."""
        s = self.data[column] if values is None else pd.Series(values)
        labs = self.value_labels.get(column)
        if not labs:
            return s
        lab = pd.to_numeric(s, errors="coerce").map(labs)
        return lab.astype(object).where(lab.notna(), s)

    @property
    def design_sources(self) -> dict:
        """``{role: source column}`` of the design columns passed through
        (``{"strata": "VarStrat", "psu": "Conglomerado", ...}``), so that messages about
        ``strata`` can name the column of the user's file."""
        r = self.report[self.report["status"] == "design"]
        return {t: s for s, t in zip(r["source"], r["target"], strict=True) if isinstance(s, str)}

    def claimed_failures(self) -> pd.DataFrame:
        """Report rows for claimed items present in the data that did not map cleanly."""
        r = self.report
        claimed = r["target"].notna() & ~r["status"].isin(["absent", "design"])
        return r[claimed & ((r["status"] != "mapped") | (r["n_unknown"] > 0))]


def _find(columns, names) -> str | None:
    lower = {str(c).casefold(): c for c in columns}
    for n in names:
        if n in columns:
            return n
        if n.casefold() in lower:
            return lower[n.casefold()]
    return None


def _labels_for(var: str, value_labels: dict | None) -> dict | None:
    if not value_labels:
        return None
    vl = value_labels.get(var)
    if vl is None:
        return None
    return {_key(k): v for k, v in vl.items() if _key(k) is not None}


def _map_entry(e: CrosswalkEntry, col: pd.Series, labels: dict | None):
    """Return (values float array, kind array of str|None, mode, unknown Series)."""
    n = len(col)
    out = np.full(n, np.nan)
    kind = np.full(n, None, dtype=object)
    num = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_numeric_dtype(col) else col
    num = num.astype("float64")
    present = col.notna().to_numpy()
    text = present & num.isna().to_numpy()  # values that are not numbers (string columns)
    use_labels = bool(e.labels) and (labels is not None or bool(text.any()))
    if use_labels:
        lab = num.map(lambda v: labels.get(v) if (labels and v == v) else None).astype("string")
        if text.any():
            lab = lab.where(~text, col.astype("string").str.strip())
        key = lab.map(lambda s: _norm_label(s) if isinstance(s, str) else None)
        val = key.map(e.labels).to_numpy(dtype=float, na_value=np.nan)
        mk = key.map(e.missing_labels).to_numpy(dtype=object, na_value=None)
        if e.missing_codes:  # declared missing codes count too
            mk2 = num.map(e.missing_codes).to_numpy(dtype=object, na_value=None)
            mk = np.where(pd.isna(mk), mk2, mk)
        mode = "label"
        fallback = np.zeros(n, dtype=bool)
        by_code = _stored_code_fallback(e, num, val, mk, present)
        if by_code is not None:
            fill, fill_kind = by_code
            fallback = np.isnan(val) & (~np.isnan(fill) | pd.notna(fill_kind))
            val = np.where(np.isnan(val) & ~np.isnan(fill), fill, val)
            mk = np.where(pd.isna(mk) & np.isnan(val) & pd.notna(fill_kind), fill_kind, mk)
    else:
        val = (
            num.map(e.codes).to_numpy(dtype=float, na_value=np.nan)
            if e.codes
            else np.full(n, np.nan)
        )
        if e.identity is not None:
            r = num.to_numpy(dtype=float, na_value=np.nan)
            ok = (r >= e.identity[0]) & (r <= e.identity[1]) & np.isnan(val)
            val = np.where(ok, r, val)
        mk = num.map(e.missing_codes).to_numpy(dtype=object, na_value=None)
        mode = "code"
        fallback = np.zeros(n, dtype=bool)
    mk = np.array([None if pd.isna(x) else x for x in mk], dtype=object)
    mapped = ~np.isnan(val)
    missing = ~mapped & (mk != None)  # noqa: E711
    unknown = present & ~mapped & ~missing
    out[mapped] = val[mapped]
    kind[missing] = mk[missing]
    unknown_vals = pd.Series(np.asarray(col, dtype=object)[unknown])
    if use_labels and labels:
        unk_num = num.to_numpy()[unknown]
        unknown_vals = pd.Series(
            [f"{v:g}={labels.get(v, '(no label)')}" if v == v else str(t)
             for v, t in zip(unk_num, unknown_vals, strict=True)]
        )  # fmt: skip
    by_code = ""
    if fallback.any():
        fb = pd.Series(num.to_numpy()[fallback])
        shown = [f"{v:g}={labels.get(v, '(no label)') if labels else v}" for v in fb]
        by_code = "; ".join(f"{k}: {c}" for k, c in pd.Series(shown).value_counts().items())
    return out, kind, mode, unknown_vals, int(mapped.sum()), int(missing.sum()), by_code


def _stored_code_mapping(e: CrosswalkEntry, num: pd.Series) -> np.ndarray:
    """Standard codes from the stored codes alone (``codes`` / ``identity``)."""
    val = num.map(e.codes).to_numpy(dtype=float, na_value=np.nan) if e.codes else None
    if val is None:
        val = np.full(len(num), np.nan)
    if e.identity is not None:
        r = num.to_numpy(dtype=float, na_value=np.nan)
        ok = (r >= e.identity[0]) & (r <= e.identity[1]) & np.isnan(val)
        val = np.where(ok, r, val)
    return val


def _stored_code_fallback(e: CrosswalkEntry, num: pd.Series, val, mk, present):
    """Stored-code values for labels the crosswalk does not list, or ``None``.

    Labels decide (LAPOP's stored codes are not the scale points), but a wave can word a
    label differently ("Uno nunca es lo suficientemente..." cut short). The stored code is
    used for such a value only when the file's stored codes demonstrably *are* the standard
    codes: every value whose label the crosswalk knows has a stored code that the
    crosswalk's ``codes``/``identity`` map to the same standard code (and a declared missing
    label sits on a declared missing code). A file where a single known label disagrees
    with its stored code (LAPOP) gets no fallback: its unlisted labels stay unknown.
    """
    if not (e.codes or e.identity is not None or e.missing_codes):
        return None
    by_code = _stored_code_mapping(e, num)
    code_kind = num.map(e.missing_codes).to_numpy(dtype=object, na_value=None)
    matched = ~np.isnan(val)
    if not matched.any():
        return None  # nothing shows that stored codes and labels agree
    if not np.array_equal(by_code[matched], val[matched]):
        return None
    lab_missing = pd.notna(mk) & ~matched
    if lab_missing.any() and e.missing_codes:
        # a missing label on a code the crosswalk maps to a substantive code: disagreement
        if (~np.isnan(by_code[lab_missing])).any():
            return None
    unknown = present & ~matched & pd.isna(mk)
    if not unknown.any():
        return None
    fill = np.where(unknown, by_code, np.nan)
    fill_kind = np.where(unknown & np.isnan(fill), code_kind, None)
    return fill, fill_kind


def _fmt_counts(s: pd.Series) -> str:
    if s.empty:
        return ""
    vc = s.astype("string").value_counts()
    return "; ".join(f"{k}: {v}" for k, v in vc.head(20).items())


def _nothing_mapped(cw: Crosswalk, df: pd.DataFrame, rows: list[dict], path) -> str:
    """The error when no value of any claimed item maps: what was looked for, what was found."""
    where = f"crosswalk {cw.name!r}" + (f" ({cw.path})" if cw.path else "")
    data = f"data {path}" if path else "the data"
    looked = "; ".join(f"{' | '.join(e.sources)} -> {e.target}" for e in cw.entries)
    found = [r for r in rows if r.get("target") in set(cw.targets) and r["status"] != "absent"]
    cols = [str(c) for c in df.columns]
    shown = ", ".join(cols[:20]) + (f", ... ({len(cols)} columns)" if len(cols) > 20 else "")
    msg = f"{where}: no item maps onto {data}; looked for (source -> standard item): {looked}."
    if found:
        why = []
        for r in found:
            if r.get("unknown_codes"):
                reason = f"unknown codes {r['unknown_codes']}"
            elif r["status"] == "unmapped":
                reason = r.get("detail") or "no value mapped"
            else:
                reason = "no value that is not missing"
            why.append(f"{r['source']} -> {r['target']} ({reason})")
        msg += " Found but no value mapped: " + "; ".join(why) + "."
    else:
        msg += f" None of these columns is in {data} (columns: {shown})."
    return msg + " Is this the right crosswalk for this file?"


def harmonize(
    data,
    crosswalk,
    *,
    value_labels: dict | None = None,
    keep_missing: bool = False,
    report_unused: bool = False,
    convention: str | None = None,
    filters=(),
    keep=(),
) -> Harmonized:
    """Map a published survey onto the standard items.

    Parameters
    ----------
    data : DataFrame or SurveyData
        The survey as read; a ``SurveyData`` (from :func:`survey.read`) supplies its value
        labels. Read it with ``user_missing="keep"`` to see declared missing codes as such;
        with ``"missing"`` they arrive as NaN (counted as blank, not unknown).
    crosswalk : str, path or Crosswalk
        A shipped crosswalk name (see :func:`list_crosswalks`) or a crosswalk file.
    value_labels : dict, optional
        ``{variable: {code: label}}``; overrides the labels of a ``SurveyData``.
    keep_missing : bool
        Keep don't know / no answer / refused as the standard item's missing codes instead
        of NaN. Not applicable (not asked) is always NaN.
    report_unused : bool
        Also list data columns that no crosswalk entry or design role uses.
    convention : str, optional
        A publication convention the crosswalk offers (``Crosswalk.conventions``), e.g.
        ``"inegi"`` for ENVIPE: the missing kinds the producer keeps in the denominator of
        its published shares (ENVIPE's code 9 "no sabe / no responde") are written as the
        standard item's missing code (98) even without ``keep_missing``, so that a share
        computed with ``missing_codes=(99,)`` counts them in the denominator as the
        producer's tables do. Entries without the convention are unchanged.
    filters : sequence of str
        Named row filters of the crosswalk (``Crosswalk.filters``) to apply: their target
        items are set to missing (NaN) on the rows outside the subset the producer
        publishes them from (ENVIPE 2020 perception: ``PER = 1``). The report gets one row
        per filter (``status`` ``"filter"``, rows kept and dropped in ``detail``).
    keep : sequence of str
        Columns of the data passed through as they are, under their own names (a
        programme-area column the crosswalk does not map), with their value and variable
        labels in :meth:`Harmonized.survey_data`.

    Returns
    -------
    Harmonized
        ``data``: one float column per claimed item found (standard codes, NaN for missing),
        plus design columns renamed to their roles (``id``, ``weight``,
        ``weight_household``, ``strata``, ``psu``, ``territory``, ``wave``); ``wave`` uses
        the value labels when the file has them, and is the crosswalk's wave when the
        crosswalk names no wave variable. ``value_labels``: ``{role: {code: label}}`` of
        the ``strata``, ``psu`` and ``territory`` columns, from the file's value labels or
        else the crosswalk's ``design_labels`` (so tables can show region names). ``report``: ``source``, ``target``, ``status``
        (``mapped``, ``unmapped``, ``absent``, ``design``, ``unused``, ``filter``), ``mode`` (``code``
        or ``label``), ``n_mapped``, ``n_missing``, ``n_unknown``, ``unknown_codes``
        ("code: count; ..."), ``detail``.

    Raises
    ------
    InstrumentError
        When no value of any item of the crosswalk maps (none of its source columns is in
        the data, or those present hold only unknown codes): the message names the crosswalk
        and lists the source columns looked for. Items of the crosswalk that are absent from
        the data otherwise only show as ``absent`` in the report.
    """
    cw = load_crosswalk(crosswalk)
    if convention is not None and convention not in cw.conventions:
        offered = ", ".join(cw.conventions) or "none"
        raise InstrumentError(
            f"crosswalk {cw.name!r} offers no convention {convention!r} (offered: {offered})"
        )
    filters = [filters] if isinstance(filters, str) else list(filters)
    kept_columns = [keep] if isinstance(keep, str) else list(keep)
    bad = [f for f in filters if f not in cw.filters]
    if bad:
        offered = ", ".join(cw.filters) or "none"
        raise InstrumentError(f"crosswalk {cw.name!r} has no filter {bad} (offered: {offered})")
    if hasattr(data, "data") and hasattr(data, "meta"):
        labels_all = dict(getattr(data.meta, "value_labels", {}) or {})
        names_all = dict(getattr(data.meta, "variable_labels", {}) or {})
        df = data.data
    else:
        labels_all, names_all, df = {}, {}, data
    if not isinstance(df, pd.DataFrame):
        raise TypeError("data must be a pandas DataFrame or a SurveyData")
    if value_labels:
        labels_all.update(value_labels)
    std = all_items()
    out = pd.DataFrame(index=df.index)
    rows, used = [], set()
    design_labels: dict = {}
    var_names: dict = {}  # output column -> the source column's variable label
    for role in DESIGN_ROLES:
        if role not in cw.design:
            continue
        col = _find(df.columns, cw.design[role])
        if col is None:
            rows.append({"source": " | ".join(cw.design[role]), "target": None, "status": "absent",
                         "detail": f"design role {role}"})  # fmt: skip
            continue
        used.add(col)
        s = df[col]
        vl = _labels_for(col, labels_all)
        if role == "wave" and vl:
            s = pd.to_numeric(s, errors="coerce").map(vl).astype("string")
        out[role] = s.to_numpy()
        if names_all.get(col):
            var_names[role] = str(names_all[col])
        if role in ("strata", "psu", "territory"):
            # the file's value labels first, else the crosswalk's (files without labels)
            labs = vl or cw.design_labels.get(role)
            if labs:
                design_labels[role] = dict(labs)
        rows.append(
            {"source": col, "target": role, "status": "design", "detail": f"design role {role}"}
        )
    # a design role the crosswalk names but the data lack: loud when it looks like a typo
    # (a close column name) or the file has other design columns (so it is microdata whose
    # design is incomplete), not for an item-only extract without any design column
    absent = absent_design_roles(cw, df.columns)
    if absent and (
        any(r["status"] == "design" for r in rows)
        or any(did_you_mean(names[0], df.columns) for names in absent.values() if names)
    ):
        warnings.warn(absent_design_message(cw, df.columns), UserWarning, stacklevel=2)
    if "wave" not in cw.design:
        out["wave"] = cw.wave
    for e in cw.entries:
        col = _find(df.columns, e.sources)
        item = std[e.target]
        if col is None:
            rows.append({"source": " | ".join(e.sources), "target": e.target, "status": "absent",
                         "detail": "no such column in the data"})  # fmt: skip
            continue
        used.add(col)
        labels = _labels_for(col, labels_all)
        if (
            e.labels
            and labels is None
            and pd.api.types.is_numeric_dtype(df[col])
            and not (e.codes or e.identity)
        ):
            rows.append({"source": col, "target": e.target, "status": "unmapped", "mode": "label",
                         "detail": "crosswalk maps labels but the data has no value labels"})  # fmt: skip
            continue
        vals, kinds, mode, unknown, n_mapped, n_miss, by_code = _map_entry(e, df[col], labels)
        kept = set(item.missing) if keep_missing else set()
        if convention in e.conventions:
            kept |= set(e.conventions[convention][0])
        for k, code in item.missing.items():
            if k in kept:
                vals = np.where(kinds == k, float(code), vals)
        if keep_missing:
            if "refused" in set(kinds[kinds != None]) and "refused" not in item.missing:  # noqa: E711
                alt = item.missing.get("no_answer")
                if alt is not None:
                    vals = np.where(kinds == "refused", float(alt), vals)
        out[e.target] = vals
        if names_all.get(col):
            var_names[e.target] = str(names_all[col])
        status = "mapped" if n_mapped > 0 or len(unknown) == 0 else "unmapped"
        rows.append({
            "source": col, "target": e.target, "status": status, "mode": mode,
            "n_mapped": n_mapped, "n_missing": n_miss, "n_unknown": len(unknown),
            "unknown_codes": _fmt_counts(unknown),
            "detail": "no value mapped" if status == "unmapped" else "; ".join(
                x for x in (
                    e.note or "",
                    f"mapped by stored code (label not in the crosswalk): {by_code}"
                    if by_code else "",
                ) if x
            ),
        })  # fmt: skip
    for name in filters:
        f = cw.filters[name]
        col = _find(df.columns, f["column"])
        if col is None:
            raise InstrumentError(
                f"crosswalk {cw.name!r}: filter {name!r} needs column "
                f"{' or '.join(f['column'])}, which is not in the data"
                f"{did_you_mean(f['column'][0], df.columns)} ({f['note']})"
            )
        used.add(col)
        rows_in = pd.to_numeric(df[col], errors="coerce").isin(f["in"]).to_numpy()
        for t in f["targets"]:
            if t in out.columns:
                out.loc[~rows_in, t] = np.nan
        rows.append({
            "source": col, "target": None, "status": "filter",
            "detail": f"filter {name}: {col} in {[f'{v:g}' for v in f['in']]} keeps "
                      f"{int(rows_in.sum())} rows, sets {', '.join(f['targets'])} to missing on "
                      f"{int((~rows_in).sum())}; {f['note']}",
        })  # fmt: skip
    if report_unused:
        for c in df.columns:
            if c not in used:
                rows.append({"source": c, "target": None, "status": "unused",
                             "detail": "not in the crosswalk"})  # fmt: skip
    if cw.entries and not any(r.get("n_mapped", 0) > 0 for r in rows):
        raise InstrumentError(_nothing_mapped(cw, df, rows, getattr(data, "path", None)))
    kept_labels: dict = {}
    for c in kept_columns:
        if c not in df.columns:
            raise InstrumentError(
                f"keep: column {c!r} is not in the data{did_you_mean(c, df.columns)}"
            )
        if c in out.columns:
            raise InstrumentError(
                f"keep: column {c!r} is already a column of the harmonised data (a design role "
                "or standard item)"
            )
        out[c] = df[c].to_numpy()
        if labels_all.get(c):
            kept_labels[c] = dict(labels_all[c])
        if names_all.get(c):
            var_names[c] = str(names_all[c])
    report = pd.DataFrame(rows).reindex(columns=REPORT_COLUMNS)
    for c in ("n_mapped", "n_missing", "n_unknown"):
        report[c] = report[c].fillna(0).astype("int64")
    report["unknown_codes"] = report["unknown_codes"].fillna("")
    report["detail"] = report["detail"].fillna("")
    out.attrs["crosswalk"] = cw.name
    out.attrs["design"] = {r: r for r in DESIGN_ROLES if r in out.columns}
    out.attrs["value_labels"] = design_labels
    return Harmonized(
        out, report, cw, design_labels, var_names, kept_labels, getattr(data, "path", None)
    )
