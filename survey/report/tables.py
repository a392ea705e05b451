"""Publication tables: estimate, CI, CV, n and reliability flag, to xlsx, csv, markdown, HTML.

This module is presentation only: rounding and formatting happen here, on result frames
that were computed unrounded. Suppressed estimates (``reliability == "suppress"``) are
never written: their estimate, CI and CV cells hold the word "suppressed" (translated) or
are left empty, while n stays visible. A table never shows the complement that would
give a suppressed share away (:func:`complementary_suppression`: "No" of a Yes/No item
whose "Yes" is suppressed is suppressed too; a 0/1 item is shown by its "1" row only). Estimates to use with caution keep their numbers and
are flagged (column "Reliability" and a "†" in text outputs).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from survey.plots._text import check_lang, flag_word, fmt_number, tr
from survey.quality import COMPLEMENTARY, complementary_suppression

__all__ = [
    "Table",
    "publication_table",
    "comparison_table",
    "wide_table",
    "frame_table",
    "write_tables",
    "write_xlsx",
    "to_markdown",
    "to_html",
]

CAUTION_MARK = "†"

#: Header of the column that says why an estimate is flagged or suppressed.
REASON = {"en": "Reason", "es": "Motivo", "pt": "Motivo"}
#: The caution note of tables (figures hatch or hollow; tables shade and mark "†").
TABLE_CAUTION = {
    "en": "† shaded: use with caution (low precision)",
    "es": "† sombreado: usar con cautela (baja precisión)",
    "pt": "† sombreado: usar com cautela (baixa precisão)",
}
#: Words of the reason codes of :mod:`survey.quality` ("n < 100; cases < 50; log-CV > 0.175").
_REASON_WORDS = {
    "es": (("n_eff", "n efectivo"), ("cases", "casos"), ("log-CV", "CV logarítmico"),
           ("df", "gl"), ("no rule", "sin regla")),
    "pt": (("n_eff", "n efetivo"), ("cases", "casos"), ("log-CV", "CV logarítmico"),
           ("df", "gl"), ("no rule", "sem regra")),
}  # fmt: skip


def reason_text(reason, lang: str = "en"):
    """A ``reliability_reason`` in ``lang`` ("cases < 50" -> "casos < 50"); None stays None."""
    if not isinstance(reason, str) or not reason:
        return None
    if COMPLEMENTARY in reason and lang in _REASON_WORDS_COMPLEMENT:
        reason = reason.replace(COMPLEMENTARY, _REASON_WORDS_COMPLEMENT[lang])
    for a, b in _REASON_WORDS.get(lang, ()):
        reason = re.sub(rf"(?<![\w-]){re.escape(a)}(?![\w-])", b, reason)
    return reason


#: The word before the source line.
SOURCE = {"en": "Source", "es": "Fuente", "pt": "Fonte"}


@dataclass
class Table:
    """A formatted table ready to write.

    Attributes
    ----------
    title : str
    columns : list of str
        Header labels.
    rows : list of list
        Cell values: numbers already rounded for display (float/int), strings, or None
        (an empty cell).
    formats : list of str or None
        Excel number format per column (``"0.0"``, ``"#,##0"``, ...); None for text.
    notes : list of str
        Notes printed under the table.
    name : str
        Short name (sheet name, file name).
    flags : list of str
        Reliability flag per row ("reliable", "caution", "suppress" or "").
    lang : str
    estimate_col : int
        Index of the estimate column (gets the caution mark in text outputs).
    source : str
        Source line written under the table ("Source: INE Chile, ENUSC 2023").
    header_groups : list of (str, int), optional
        A header row above ``columns``: (label, number of columns it spans), as the
        indicator names over their estimate/CI/CV columns of a wide table.
    cell_flags : list of list of str, optional
        Reliability flag per cell (wide tables, where one row holds several estimates);
        overrides ``flags`` for shading in xlsx.
    """

    title: str
    columns: list[str]
    rows: list[list]
    formats: list[str | None]
    notes: list[str] = field(default_factory=list)
    name: str = "table"
    flags: list[str] = field(default_factory=list)
    lang: str = "en"
    estimate_col: int = -1
    source: str = ""
    header_groups: list | None = None
    cell_flags: list | None = None
    estimate_cols: list | None = None
    #: index of the interval's lower-bound column (its upper bound follows), -1 when none:
    #: the terminal shows the two as one "lower – upper" column
    ci_col: int = -1
    #: index of the "Reason" column that explains the column before it (Reliability), -1
    #: when none: the terminal shows "caution: <reason>" in one column
    reason_col: int = -1
    #: index of the yes/no "Significant" column after the p-value column(s), -1 when none:
    #: a narrow terminal marks the last p-value "*" instead
    sig_col: int = -1

    def __post_init__(self):
        # labels may come from data (integer wave codes, numeric domain values): text
        # outputs need strings
        self.title = "" if self.title is None else str(self.title)
        self.columns = [str(c) for c in self.columns]
        self.notes = [str(n) for n in self.notes]

    def flat_columns(self) -> list[str]:
        """Header labels with their group prefixed ("Robo: Estimate") for one-row headers."""
        if not self.header_groups:
            return list(self.columns)
        out, k = [], 0
        for label, span in self.header_groups:
            for c in self.columns[k : k + span]:
                out.append(f"{label}: {c}" if label else c)
            k += span
        return out + list(self.columns[k:])

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame with the header labels as columns."""
        return pd.DataFrame(self.rows, columns=self.flat_columns())

    def display_rows(self) -> list[list[str]]:
        """Cells as text (language number format, caution mark after the estimate)."""
        out = []
        marks = set(self.estimate_cols or [self.estimate_col])
        for i, (row, flag) in enumerate(
            zip(self.rows, self.flags or [""] * len(self.rows), strict=True)
        ):
            cells = []
            for k, (v, fmt) in enumerate(zip(row, self.formats, strict=True)):
                cells.append(_text_cell(v, fmt, self.lang))
                f = self.cell_flags[i][k] if self.cell_flags else flag
                if k in marks and f == "caution" and cells[-1]:
                    cells[-1] += f" {CAUTION_MARK}"
            out.append(cells)
        return out


#: Excel number format of p-values: below 0.001 the cell reads "<0.001" (the value stays).
P_FORMAT = '[<0.001]"<0.001";0.000'


def _text_cell(v, fmt, lang) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if fmt == P_FORMAT:
        if float(v) < 0.001:
            return "<" + fmt_number(0.001, lang, 3)
        return fmt_number(float(v), lang, 3)
    if fmt and "." in fmt:
        decimals = fmt.split(".")[1]
        digits = len(decimals)
        text = fmt_number(float(v), lang, digits)
        optional = decimals.count("#")  # Excel's optional digits: "0.0##" -> 1 to 3 decimals
        if optional:
            sep = "." if lang == "en" else ","
            head, tail = text.rsplit(sep, 1)
            keep = max(len(tail.rstrip("0")), digits - optional)
            text = head + (sep + tail[:keep] if keep else "")
        return text
    return fmt_number(float(v), lang, 0)


def _label(value, labels: dict | None) -> str:
    """Display text of a cell label: its entry in ``labels`` (looked up as given and as
    text), else the value itself, integer-valued numbers without ".0" (region 15, not 15.0).
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if labels:
        for key in (value, str(value)):
            try:
                if key in labels:
                    return str(labels[key])
            except TypeError:  # unhashable
                continue
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


#: Rate scales of indicator frames (``attrs["scale"]``) that are not proportions: a percent
#: display of them would be meaningless.
_RATE_SCALES = ("per 1,000", "per 100,000", "0-100")


def _scale_factor(data: pd.DataFrame, percent: bool, what: str) -> tuple[float, bool]:
    """(multiplier, shown as percent) for a frame and the ``percent`` request.

    A frame already in percent (``attrs["scale"] == "%"``, as :mod:`survey.indicators`
    writes it) is shown as it is (never multiplied again); a proportion is multiplied by
    100 when ``percent``; a rate scale ("per 100,000", ...) cannot be shown as percent.
    """
    scale = data.attrs.get("scale")
    if scale == "%":
        return 1.0, True
    if percent and scale in _RATE_SCALES:
        raise ValueError(
            f"{what}: the frame is on the {scale!r} scale (attrs['scale']); percent=True "
            "applies to proportions only"
        )
    return (100.0, True) if percent else (1.0, False)


def _fmt(digits: int) -> str:
    return "0" if digits == 0 else "0." + "0" * digits


def _round(x, digits: int):
    """Round half away from zero on the decimal representation (0.14325 -> 0.1433)."""
    x = float(x)
    if not np.isfinite(x):
        return None
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(q)


def _flags(data: pd.DataFrame) -> list[str]:
    if "reliability" not in data.columns:
        return [""] * len(data)
    rel = data["reliability"].astype("object")
    return [("" if (v is None or pd.isna(v)) else str(v)) for v in rel]


def _drop_binary_category(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the category blanked for 0/1 items, whose only category is the 1 (the
    share of the 1s): a publication table names the indicator, not a "1" category."""
    if "category" not in data.columns or "variable" not in data.columns:
        return data
    cats = data["category"].astype(object)
    only_one = {
        v
        for v, g in cats.groupby(data["variable"].astype(object), sort=False)
        if len(set(g.dropna())) == 1 and g.dropna().iloc[0] in (1, True, "1")
    }
    if not only_one:
        return data
    out = data.copy()
    out["category"] = cats.where(~data["variable"].isin(only_one), None)
    out.attrs = dict(data.attrs)
    return out


_REASON_WORDS_COMPLEMENT = {
    "es": "supresión complementaria",
    "pt": "supressão complementar",
}


_COMPLEMENT_NOTE = {
    "en": "{k} of them suppressed only because the suppressed share could otherwise be "
          "derived from them (the categories add up to 100%)",
    "es": "{k} de ellas suprimida(s) solo porque de lo contrario permitirían deducir la "
          "proporción suprimida (las categorías suman 100%)",
    "pt": "{k} delas suprimida(s) apenas porque, do contrário, permitiriam deduzir a "
          "proporção suprimida (as categorias somam 100%)",
}  # fmt: skip


def _complement_notes(data: pd.DataFrame, lang: str) -> list[str]:
    if "reliability_reason" not in data.columns:
        return []
    k = int((data["reliability_reason"].astype(object) == COMPLEMENTARY).sum())
    return [_COMPLEMENT_NOTE[lang].format(k=k)] if k else []


def publication_table(
    data: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    title: str = "",
    name: str | None = None,
    labels: dict | None = None,
    percent: bool = False,
    digits: int | None = None,
    level: float | None = None,
    weighted_n: bool = False,
    notes: Sequence[str] = (),
    lang: str = "en",
    reasons: bool = False,
    number_format: str | None = None,
    source: str = "",
) -> Table:
    """Format a result frame as a publication table.

    Parameters
    ----------
    data : DataFrame
        A result frame (schema of :mod:`survey._schema`). Its ``attrs["scale"]`` (set by
        :mod:`survey.indicators`) is respected: a frame already in percent (``"%"``) is
        shown as percent and never multiplied again.
    by : str or list, optional
        Domain columns to show first (default: the columns before ``variable``).
    labels : dict, optional
        Display labels for variable names, categories and domain values.
    percent : bool
        Show estimate and CI of a proportion frame as percentages (x 100); ignored for a
        frame already in percent; an error for a rate scale ("per 100,000", ...).
    digits : int, optional
        Decimals of estimate and CI (default 1 for percentages, 3 otherwise).
    level : float, optional
        CI level for the header (default ``data.attrs['level']`` or 0.95).
    weighted_n : bool
        Add the weighted n (sum of weights) column.
    reasons : bool
        Add the column "Reason" (``reliability_reason``: "n < 60", "CV > 30%", ...) after
        the reliability flag, filled for caution and suppressed rows.
    number_format : str, optional
        Excel number format of estimate and CI (default from ``digits``; ``"#,##0"`` for
        totals).
    source : str
        Source line written under the table.

    Returns
    -------
    Table
        Columns: domain columns, Indicator, [Category], Estimate, CI lower, CI upper,
        CV (%), n, [Weighted n], Reliability, [Reason]. Suppressed rows keep n but their
        estimate cell says "suppressed" and CI/CV cells are empty.
    """
    check_lang(lang)
    missing = [c for c in ("variable", "estimate", "ci_low", "ci_high") if c not in data.columns]
    if missing:
        raise ValueError(f"publication_table: result frame lacks column(s) {missing}")
    if by is None:
        by = list(data.columns[: list(data.columns).index("variable")])
    by = [by] if isinstance(by, str) else list(by)
    level = float(level if level is not None else data.attrs.get("level", 0.95))
    s, percent = _scale_factor(data, percent, "publication_table")
    if digits is None:
        digits = 1 if percent else 3
    scale = data.attrs.get("scale")
    data = complementary_suppression(_drop_binary_category(data), by)
    has_cat = "category" in data.columns and data["category"].notna().any()
    lvl = fmt_number(100 * level, lang, 0)
    ci = tr("ci", lang, level=lvl)
    cols = [_label(c, labels) for c in by] + [tr("indicator", lang)]
    fmts: list[str | None] = [None] * (len(by) + 1)
    if has_cat:
        cols.append(tr("category", lang))
        fmts.append(None)
    est_col = len(cols)
    lower = {"en": "lower", "es": "inferior", "pt": "inferior"}[lang]
    upper = {"en": "upper", "es": "superior", "pt": "superior"}[lang]
    head = tr("percent" if percent else "estimate", lang)
    if scale in _RATE_SCALES:
        head += f" ({scale})"
    cols += [
        head,
        f"{ci} {lower}",
        f"{ci} {upper}",
        tr("cv", lang),
        "n",
    ]
    fmts += [number_format or _fmt(digits)] * 3 + ["0.0", "#,##0"]
    if weighted_n:
        cols.append(tr("n_weighted", lang))
        fmts.append("#,##0")
    cols.append(tr("reliability", lang))
    fmts.append(None)
    if reasons:
        cols.append(REASON[lang])
        fmts.append(None)
    flags = _flags(data)
    rows = []
    for (_, r), flag in zip(data.iterrows(), flags, strict=True):  # presentation of a few rows
        row = [_label(r[c], labels) for c in by] + [_label(r["variable"], labels)]
        if has_cat:
            row.append(_label(r["category"], labels))
        if flag == "suppress":
            row += [tr("suppress_short", lang), None, None, None]
        else:
            cv = r["cv"] if "cv" in r.index else np.nan
            row += [
                _round(r["estimate"] * s, digits),
                _round(r["ci_low"] * s, digits),
                _round(r["ci_high"] * s, digits),
                _round(cv * 100, 1),
            ]
        row.append(None if "n" not in r.index or pd.isna(r["n"]) else int(r["n"]))
        if weighted_n:
            nw = r.get("n_weighted", np.nan)
            row.append(None if pd.isna(nw) else round(float(nw)))
        row.append(flag_word(flag, lang))
        if reasons:
            why = r.get("reliability_reason", None)
            keep = flag in ("caution", "suppress") and isinstance(why, str) and why
            row.append(reason_text(why, lang) if keep else None)
        rows.append(row)
    all_notes = list(notes)
    if any(f == "caution" for f in flags):
        all_notes.append(TABLE_CAUTION[lang])
    n_supp = sum(f == "suppress" for f in flags)
    if n_supp:
        all_notes.append(tr("suppressed", lang, k=n_supp))
        all_notes += _complement_notes(data, lang)
    table = Table(
        title=title,
        columns=cols,
        rows=rows,
        formats=fmts,
        notes=all_notes,
        name=name or (str(data["variable"].iloc[0]) if len(data) else "table"),
        flags=flags,
        lang=lang,
        source=source,
    )
    table.estimate_col = est_col
    return table


def wide_table(
    data: pd.DataFrame,
    *,
    by: Sequence[str] | str,
    title: str = "",
    name: str = "wide",
    labels: dict | None = None,
    percent: bool | dict = False,
    digits: int | dict | None = None,
    number_format: str | dict | None = None,
    show: Sequence[str] = ("ci", "cv"),
    level: float | None = None,
    notes: Sequence[str] = (),
    source: str = "",
    lang: str = "en",
) -> Table:
    """A yearbook table: one row per domain (territory), one column group per indicator.

    Parameters
    ----------
    data : DataFrame
        A result frame (schema of :mod:`survey._schema`) with domain columns ``by``; its
        values are shown as they are (label them first), rows in the order they come
        (put a national total row first).
    by : str or list
        Domain columns (the rows of the table).
    labels : dict, optional
        Header labels: of the ``by`` columns and of the indicators (``variable``, or
        ``"variable: category"`` for a category of a categorical item).
    percent, digits, number_format : value or dict by variable
        As :func:`publication_table`, per indicator when a dict.
    show : subset of ("ci", "cv")
        Columns after each estimate: the CI bounds, the CV (%), or both.

    Returns
    -------
    Table
        Columns: the domain columns, then per indicator (the header group above)
        Estimate, [CI lower, CI upper], [CV (%)]. A suppressed estimate reads "suppressed
        (reason)" with empty CI/CV cells; caution cells are shaded (xlsx) and marked "†"
        (text), with their reasons in the notes.
    """
    check_lang(lang)
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, "variable", "estimate"] if c not in data.columns]
    if missing:
        raise ValueError(f"wide_table: result frame lacks column(s) {missing}")
    labels = labels or {}
    level = float(level if level is not None else data.attrs.get("level", 0.95))

    def per(option, var, default):
        return option.get(var, default) if isinstance(option, dict) else option

    def norm(c):
        return None if c is None or (not isinstance(c, str) and pd.isna(c)) else c

    data = complementary_suppression(_drop_binary_category(data), by)
    bycols = data[by].astype(object).to_numpy()
    variables = data["variable"].to_numpy()
    cats = (
        [norm(c) for c in data["category"].astype(object)]
        if "category" in data.columns
        else [None] * len(data)
    )
    keys = list(dict.fromkeys(zip(variables, cats, strict=True)))  # indicator columns
    index = {(tuple(bycols[i]), variables[i], cats[i]): i for i in range(len(data))}
    domains = list(dict.fromkeys(tuple(r) for r in bycols))
    ci = tr("ci", lang, level=fmt_number(100 * level, lang, 0))
    lower = {"en": "lower", "es": "inferior", "pt": "inferior"}[lang]
    upper = {"en": "upper", "es": "superior", "pt": "superior"}[lang]
    cols = [_label(c, labels) for c in by]
    fmts: list[str | None] = [None] * len(by)
    groups: list[tuple[str, int]] = [("", len(by))]
    est_cols: list[int] = []
    scale = data.attrs.get("scale")
    for var, cat in keys:
        pct = bool(per(percent, var, False)) or scale == "%"
        dg = per(digits, var, None)
        dg = dg if dg is not None else (1 if pct else 3)
        fmt = per(number_format, var, None) or _fmt(dg)
        head = f"{var}: {cat}" if cat is not None else var
        text = labels.get(head) or (
            f"{_label(var, labels)}: {cat}" if cat is not None else _label(var, labels)
        )
        est_cols.append(len(cols))
        sub = [tr("percent" if pct else "estimate", lang)]
        if "ci" in show:
            sub += [f"{ci} {lower}", f"{ci} {upper}"]
        if "cv" in show:
            sub.append(tr("cv", lang))
        cols += sub
        fmts += [fmt] * (3 if "ci" in show else 1) + (["0.0"] if "cv" in show else [])
        groups.append((text, len(sub)))
    rows, cell_flags, caution_notes = [], [], []
    n_supp = 0
    for dom in domains:
        row: list = list(dom)
        flags_row = [""] * len(by)
        for (var, cat), (text, span) in zip(keys, groups[1:], strict=True):
            i = index.get((dom, var, cat))
            if i is None:
                row += [None] * span
                flags_row += [""] * span
                continue
            r = data.iloc[i]
            pct = bool(per(percent, var, False)) and scale != "%"
            s = 100.0 if pct else 1.0
            dg = per(digits, var, None)
            dg = dg if dg is not None else (1 if (pct or scale == "%") else 3)
            flag = r.get("reliability")
            flag = "" if flag is None or (not isinstance(flag, str) and pd.isna(flag)) else flag
            why = reason_text(r.get("reliability_reason"), lang) or ""
            if flag == "suppress":
                n_supp += 1
                cells = [tr("suppress_short", lang) + (f" ({why})" if why else "")]
                cells += [None] * (span - 1)
            else:
                cells = [_round(r["estimate"] * s, dg)]
                if "ci" in show:
                    cells += [_round(r["ci_low"] * s, dg), _round(r["ci_high"] * s, dg)]
                if "cv" in show:
                    cv = r.get("cv", np.nan)
                    cells.append(None if pd.isna(cv) else _round(cv * 100, 1))
                if flag == "caution":
                    place = ", ".join(str(d) for d in dom)
                    caution_notes.append(
                        f"{CAUTION_MARK} {place} — {text}" + (f": {why}" if why else "")
                    )
            row += cells
            flags_row += [flag] * span
        rows.append(row)
        cell_flags.append(flags_row)
    all_notes = list(notes)
    if caution_notes:
        all_notes.append(TABLE_CAUTION[lang])
        all_notes += caution_notes
    if n_supp:
        all_notes.append(tr("suppressed", lang, k=n_supp))
        all_notes += _complement_notes(data, lang)
    t = Table(
        title, cols, rows, fmts, all_notes, name, [""] * len(rows), lang,
        source=source, header_groups=groups, cell_flags=cell_flags, estimate_cols=est_cols,
    )  # fmt: skip
    t.estimate_col = est_cols[0] if est_cols else -1
    return t


def comparison_table(
    data: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    title: str = "",
    name: str = "comparison",
    labels: dict | None = None,
    names: tuple[str, str] | None = None,
    percent: bool = False,
    digits: int | None = None,
    level: float | None = None,
    notes: Sequence[str] = (),
    lang: str = "en",
) -> Table:
    """Format a comparison frame (two estimates, their difference, CI and p-value).

    Parameters
    ----------
    data : DataFrame
        Columns ``variable``, ``estimate_1``, ``estimate_2``, ``difference`` (or
        ``estimate``, as :mod:`survey.compare` names it), ``ci_low``, ``ci_high``,
        ``p_value`` and optionally ``p_adjusted`` (shown when any is known),
        ``significant``, ``worsened``, ``reliability`` (``caution`` / ``suppress``: the row
        is shaded / shows no numbers), and optionally ``reliability_reason`` and ``note``
        (why a row has no comparison), shown in the column "Reason".
    names : (str, str), optional
        Headers for the two estimates (default "Before", "After"); any type (integer wave
        codes are shown as text).
    percent : bool
        Proportions and their difference as percent and percentage points (x 100); a frame
        with ``attrs["scale"] == "%"`` is already in percent and is not multiplied again.

    Returns
    -------
    Table
        Columns: domains, Indicator, the two estimates, the difference and its CI,
        p-value(s) (below 0.001 shown "<0.001"), Significant, Worsened, Reliability,
        Reason. Every row is kept — null and unfavourable results included; a row flagged
        ``suppress`` shows no numbers; caution rows are shaded and marked "†".
    """
    check_lang(lang)
    if "difference" not in data.columns and "estimate" in data.columns:
        data = data.rename(columns={"estimate": "difference"})
    need = ["variable", "estimate_1", "estimate_2", "difference", "ci_low", "ci_high"]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise ValueError(f"comparison_table: comparison frame lacks column(s) {missing}")
    if by is None:
        by = list(data.columns[: list(data.columns).index("variable")])
    by = [by] if isinstance(by, str) else list(by)
    level = float(level if level is not None else data.attrs.get("level", 0.95))
    s, percent = _scale_factor(data, percent, "comparison_table")
    digits = digits if digits is not None else (1 if percent else 3)
    n1, n2 = (
        (_label(v, labels) for v in names) if names else (tr("before", lang), tr("after", lang))
    )
    ci = tr("ci", lang, level=fmt_number(100 * level, lang, 0))
    lower = {"en": "lower", "es": "inferior", "pt": "inferior"}[lang]
    upper = {"en": "upper", "es": "superior", "pt": "superior"}[lang]
    cols = [_label(c, labels) for c in by] + [tr("indicator", lang), n1, n2]
    cols += [
        tr("difference_pp" if percent else "difference", lang),
        f"{ci} {lower}",
        f"{ci} {upper}",
    ]
    adjusted = "p_adjusted" in data.columns and data["p_adjusted"].notna().any()
    pcols = ["p_value", "p_adjusted"] if adjusted else ["p_value"]
    cols += [tr(c, lang) for c in pcols] + [tr("significant", lang), tr("worsened", lang)]
    cols += [tr("reliability", lang), REASON[lang]]
    f = _fmt(digits)
    fmts = [None] * (len(by) + 1) + [f] * 5 + [P_FORMAT] * len(pcols) + [None] * 4
    yes = {"en": "yes", "es": "sí", "pt": "sim"}[lang]
    no = {"en": "no", "es": "no", "pt": "não"}[lang]
    flags = _flags(data)
    rows = []
    for (_, r), flag in zip(data.iterrows(), flags, strict=True):
        row = [_label(r[c], labels) for c in by] + [_label(r["variable"], labels)]
        if flag == "suppress":
            row += [tr("suppress_short", lang)] + [None] * (6 + len(pcols))
        else:
            row += [
                _round(r[c] * s, digits)
                for c in ("estimate_1", "estimate_2", "difference", "ci_low", "ci_high")
            ]
            for c in pcols:
                p = r.get(c, np.nan)
                row.append(None if pd.isna(p) else float(p))  # shown "<0.001" / 0.000
            for c in ("significant", "worsened"):
                v = r.get(c, pd.NA)
                row.append("" if pd.isna(v) else (yes if bool(v) else no))
        why = r.get("reliability_reason", None)
        why = reason_text(why, lang) if isinstance(why, str) and why else None
        if why is None and flag in ("caution", "suppress"):
            why = _INPUT_FLAGGED[lang]
        note = r.get("note", None)
        if isinstance(note, str) and note:
            why = f"{why}; {note}" if why else note
        row += [flag_word(flag, lang), why]
        rows.append(row)
    all_notes = list(notes)
    if any(f == "caution" for f in flags):
        all_notes.append(TABLE_CAUTION[lang])
    n_supp = sum(f == "suppress" for f in flags)
    if n_supp:
        all_notes.append(tr("suppressed", lang, k=n_supp))
    t = Table(title, cols, rows, fmts, all_notes, name, flags, lang)
    t.estimate_col = len(by) + 3
    t.ci_col = len(by) + 4
    t.reason_col = len(cols) - 1
    t.sig_col = len(cols) - 4
    return t


#: Reason of a comparison row flagged because an estimate it compares is.
_INPUT_FLAGGED = {
    "en": "an estimate compared is of low precision",
    "es": "una de las estimaciones comparadas es de baja precisión",
    "pt": "uma das estimativas comparadas é de baixa precisão",
}


# ---------------------------------------------------------------------------- writers


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
    out, k = base, 2
    while out.lower() in used:
        suffix = f"_{k}"
        out = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(out.lower())
    return out


#: Number formats of the tidy sheets (values stay unrounded: the format only displays).
_TIDY_FORMATS = {
    "se": "0.0000", "cv": "0.0%", "deff": "0.00", "df": "0", "n": "#,##0",
    "n_weighted": "#,##0", "n_cases": "#,##0", "p_value": "0.0000", "p_adjusted": "0.0000",
}  # fmt: skip
#: Estimate formats by statistic: shares as %, totals in thousands separators.
STAT_FORMATS = {
    "prop": "0.0%", "proportion": "0.0%", "total": "#,##0", "mean": "0.000",
    "quantile": "0.000", "percent": "0.00", "rate": "#,##0.0",
}  # fmt: skip
_ESTIMATE_COLUMNS = ("estimate", "ci_low", "ci_high", "estimate_1", "estimate_2", "difference")


def write_xlsx(
    tables: Sequence[Table],
    path: str | Path,
    data: dict[str, pd.DataFrame] | None = None,
    statistics: dict[str, Sequence[str]] | None = None,
) -> Path:
    """Write tables to one xlsx workbook, one sheet per table (then the tidy ``data``).

    Each table sheet: the title (row 1), the labelled header (row 3; with
    ``header_groups`` a group row 3 and the header on row 4), one row per table row with
    numbers stored as numbers in the table's number format, then the source line and the
    notes. Header frozen, columns sized to their text. Caution cells are shaded; suppressed
    cells hold text ("suppressed", and the reason), never a number.

    ``data`` adds sheets holding tidy result frames as they are (unrounded: what the csv
    holds), with a frozen bold header, column widths and number formats by column and, via
    ``statistics`` (sheet -> statistic per row: ``"prop"``, ``"mean"``, ``"total"``), by
    statistic: shares as percent, totals with thousands separators (only the display
    changes, never the value).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    head_fill = PatternFill("solid", fgColor="DDE7F0")
    caution_fill = PatternFill("solid", fgColor="FFF2CC")
    for table in tables:
        ws = wb.create_sheet(_sheet_name(table.name, used))
        ws.cell(row=1, column=1, value=table.title).font = Font(bold=True, size=12)
        head = 3
        if table.header_groups:
            col = 1
            for label, span in table.header_groups:
                c = ws.cell(row=3, column=col, value=label or None)
                c.font = Font(bold=True)
                c.fill = head_fill
                c.alignment = Alignment(horizontal="center", wrap_text=True)
                if span > 1:
                    ws.merge_cells(start_row=3, start_column=col, end_row=3,
                                   end_column=col + span - 1)  # fmt: skip
                col += span
            head = 4
        for j, label in enumerate(table.columns, start=1):
            c = ws.cell(row=head, column=j, value=label)
            c.font = Font(bold=True)
            c.fill = head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        marked = set(table.estimate_cols or [table.estimate_col])
        for i, (row, flag) in enumerate(
            zip(table.rows, table.flags or [""] * len(table.rows), strict=True), start=head + 1
        ):
            cflags = table.cell_flags[i - head - 1] if table.cell_flags else None
            for j, (v, fmt) in enumerate(zip(row, table.formats, strict=True), start=1):
                cell_flag = cflags[j - 1] if cflags else flag
                number = isinstance(v, (int, float)) and not isinstance(v, bool)
                if cell_flag == "caution" and j - 1 in marked and v is not None:
                    # the "†" of the note: a number keeps its value, the format shows the mark
                    if number:
                        fmt = f'{fmt or "General"}" {CAUTION_MARK}"'
                    else:
                        v = f"{v} {CAUTION_MARK}"
                c = ws.cell(row=i, column=j, value=v)
                if fmt and number:
                    c.number_format = fmt
                if cell_flag == "caution":
                    c.fill = caution_fill
        last = head + 1 + len(table.rows)
        lines = []
        if table.source:
            lines.append(f"{SOURCE.get(table.lang, 'Source')}: {table.source}")
        lines += table.notes
        for k, note in enumerate(lines):
            ws.cell(row=last + 1 + k, column=1, value=note).font = Font(italic=True, size=9)
        shown = table.display_rows()
        for j, label in enumerate(table.columns, start=1):
            width = max([len(str(label))] + [len(r[j - 1]) for r in shown])
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 40)
        ws.freeze_panes = f"A{head + 1}"
    for name, frame in (data or {}).items():
        ws = wb.create_sheet(_sheet_name(name, used))
        cols = [str(c) for c in frame.columns]
        for j, label in enumerate(cols, start=1):
            c = ws.cell(row=1, column=j, value=label)
            c.font = Font(bold=True)
            c.fill = head_fill
        stats = list((statistics or {}).get(name) or [None] * len(frame))
        values = frame.astype(object).where(frame.notna(), None).to_numpy()
        for i, row in enumerate(values, start=2):
            est_fmt = STAT_FORMATS.get(stats[i - 2]) if stats[i - 2] else None
            for j, v in enumerate(row, start=1):
                if isinstance(v, (np.integer, np.floating, np.bool_)):
                    v = v.item()
                if isinstance(v, float) and not np.isfinite(v):
                    v = None if np.isnan(v) else str(v)
                if v is not None and not isinstance(v, (int, float, str, bool)):
                    v = str(v)
                c = ws.cell(row=i, column=j, value=v)
                col = cols[j - 1]
                fmt = est_fmt if col in _ESTIMATE_COLUMNS else _TIDY_FORMATS.get(col)
                if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                    c.number_format = fmt
        for j, label in enumerate(cols, start=1):
            sample = [len(str(v)) for v in values[:200, j - 1] if isinstance(v, str)]
            width = max([len(label), 10, *sample])
            ws.column_dimensions[get_column_letter(j)].width = min(width + 2, 45)
        ws.freeze_panes = "A2"
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        wb.save(tmp)
    return path


#: The row label of the national (whole-population) estimate beside the domains.
NATIONAL_TOTAL = {"en": "National total", "es": "Total nacional", "pt": "Total nacional"}

#: How each statistic (or indicator scale) is shown: (percent, digits, number format, scale
#: attribute for the header, tidy-sheet format key).
_KIND_DISPLAY = {
    "prop": (True, 1, None, None, "prop"),
    "mean": (False, 3, None, None, "mean"),
    "total": (False, 0, "#,##0", None, "total"),
    "quantile": (False, 3, None, None, "quantile"),
    "%": (True, 1, None, "%", "percent"),
    "per 1,000": (False, 1, "#,##0.0", "per 1,000", "rate"),
    "per 100,000": (False, 1, "#,##0.0", "per 100,000", "rate"),
    "0-100": (False, 1, "0.0", "0-100", "percent"),
}


_INTERVAL_NOTE = {
    "en": "{level}% confidence intervals; degrees of freedom: {df}.",
    "es": "Intervalos de confianza al {level}%; grados de libertad: {df}.",
    "pt": "Intervalos de confiança de {level}%; graus de liberdade: {df}.",
}
_DF_WORDS = {
    "design": {"en": "the whole design's (PSUs minus strata)",
               "es": "los del diseño completo (UPM menos estratos)",
               "pt": "os do desenho completo (UPA menos estratos)"},
    "domain": {"en": "each domain's own (its PSUs minus strata)",
               "es": "los de cada dominio (sus UPM menos estratos)",
               "pt": "os de cada domínio (suas UPA menos estratos)"},
    "inf": {"en": "normal intervals", "es": "intervalos normales", "pt": "intervalos normais"},
}  # fmt: skip


def interval_note(level: float, df_rules, lang: str = "en") -> str:
    """The note on intervals under a table: level and degrees-of-freedom rule, in ``lang``."""
    rules = [str(r) for r in dict.fromkeys(df_rules)]
    df = "; ".join(_DF_WORDS.get(r, {}).get(lang, r) for r in rules)
    level_text = fmt_number(100 * level, lang, 0 if float(100 * level).is_integer() else 1)
    return _INTERVAL_NOTE[lang].format(level=level_text, df=df)


def table_notes(level: float, df_rules, quality, lang: str = "en") -> list[str]:
    """The notes under a CLI publication table, in ``lang``: interval level and df rule,
    then the publication rule in words (as the report's methods annex)."""
    from survey.report.pipeline import quality_description

    out = [interval_note(level, df_rules, lang)]
    rule = quality if isinstance(quality, dict) else {"rule": quality}
    try:
        out.append(quality_description(rule, lang))
    except (ValueError, KeyError, TypeError):
        out.append(str(quality))
    return out


def display_frame(
    frame: pd.DataFrame,
    by: Sequence[str],
    meta=None,
    *,
    variable: Sequence | None = None,
    category: Sequence | None = None,
) -> pd.DataFrame:
    """A result frame for display: ``by`` values as their value labels (the code when
    unlabelled, 15 not 15.0), ``variable`` as its variable label (or ``variable`` given),
    ``category`` as its category label (or ``category`` given). Computes nothing."""
    from survey.io._labels import display

    out = frame.copy()
    out.attrs = dict(frame.attrs)
    vl = getattr(meta, "value_labels", {}) or {}
    varl = getattr(meta, "variable_labels", {}) or {}
    for b in by:
        if b in out.columns:
            out[b] = [display(vl.get(b), v) for v in out[b].astype(object)]
    if variable is not None:
        out["variable"] = list(variable)
    else:
        out["variable"] = [varl.get(v) or v for v in out["variable"].astype(object)]
    if category is not None and "category" in out.columns:
        out["category"] = list(category)
    elif "category" in out.columns:
        vars_ = frame["variable"].astype(object)
        out["category"] = [
            c if (c is None or (not isinstance(c, str) and pd.isna(c)))
            else display(vl.get(v) if isinstance(v, str) else None, c)
            for v, c in zip(vars_, frame["category"].astype(object), strict=True)
        ]  # fmt: skip
    return out


def result_tables(
    frame: pd.DataFrame,
    *,
    by: Sequence[str],
    kinds: Sequence[str],
    meta=None,
    totals: pd.DataFrame | None = None,
    totals_kinds: Sequence[str] | None = None,
    variable: Sequence | None = None,
    totals_variable: Sequence | None = None,
    category: Sequence | None = None,
    totals_category: Sequence | None = None,
    layout: str = "long",
    title: str = "",
    source: str = "",
    notes: Sequence[str] = (),
    lang: str = "en",
    name: str = "estimates",
) -> list[Table]:
    """Publication tables of a result frame (``survey estimate`` / ``survey indicators``).

    Parameters
    ----------
    frame : DataFrame
        Tidy result frame (codes; suppressed rows as flagged, never removed).
    by : list of str
        Domain columns.
    kinds : list of str
        Statistic of each row: ``prop``, ``mean``, ``total``, ``quantile``, or an indicator
        scale (``%``, ``per 100,000``, ``0-100``...). One table per kind: shares in percent
        (1 decimal), totals with thousands separators, means with 3 decimals.
    meta : Metadata, optional
        Labels (the data's own, merged with a labels file).
    totals : DataFrame, optional
        The same estimates without ``by``, estimated on the full design: shown first as the
        "National total" row of each table.
    variable, totals_variable : list, optional
        Display text of each row's indicator (default: the variable label or name).
    category, totals_category : list, optional
        Display text of each row's category (default: its value label or the code).
    layout : {"long", "wide"}
        ``long``: one row per domain and indicator (estimate, CI, CV, n, flag, reason);
        ``wide``: the yearbook layout, territory x indicator (estimate, CI, CV).
    """
    if layout not in ("long", "wide"):
        raise ValueError(f"layout must be 'long' or 'wide', got {layout!r}")
    by = list(by)
    shown = display_frame(frame, by, meta, variable=variable, category=category)
    kinds = list(kinds)
    if totals is not None and len(totals) and by:
        tot = display_frame(totals, [], meta, variable=totals_variable, category=totals_category)
        for b in by:
            tot[b] = NATIONAL_TOTAL[lang]
        tot = tot[[c for c in shown.columns if c in tot.columns]]
        shown = pd.concat([tot, shown], ignore_index=True)
        kinds = list(totals_kinds if totals_kinds is not None else []) + kinds
    varl = getattr(meta, "variable_labels", {}) or {}
    heads = {b: str(varl.get(b) or b) for b in by}
    kinds_arr = np.asarray(kinds, dtype=object)
    out = []
    order = list(dict.fromkeys(kinds))
    for kind in order:
        sub = shown[kinds_arr == kind].reset_index(drop=True)
        pct, digits, fmt, scale, _ = _KIND_DISPLAY.get(kind, (False, 3, None, None, "mean"))
        sub.attrs = {"level": frame.attrs.get("level", 0.95)}
        if scale:
            sub.attrs["scale"] = scale
        label = name if len(order) == 1 else f"{name}_{kind}"
        if layout == "wide" and by:
            out.append(
                wide_table(
                    sub, by=by, title=title, name=label, labels=heads,
                    percent=pct and scale != "%", digits=digits, number_format=fmt,
                    notes=notes, source=source, lang=lang,
                )
            )  # fmt: skip
        else:
            out.append(
                publication_table(
                    sub, by=by, title=title, name=label, labels=heads,
                    percent=pct and scale != "%", digits=digits, number_format=fmt,
                    notes=notes, source=source, lang=lang, reasons=True, weighted_n=True,
                )
            )  # fmt: skip
    return out


#: Number formats of the columns of :func:`frame_table` known by name.
_FRAME_FORMATS = {
    **{k: v for k, v in {"se": "0.0000", "deff": "0.00", "df": "0"}.items()},
    "n": "#,##0", "n_weighted": "#,##0", "n_cases": "#,##0", "n_valid": "#,##0",
    "n_missing": "#,##0", "n_user_missing": "#,##0", "n_eff": "#,##0.0",
    "cv": "0.0%", "direct_cv": "0.0%", "p_value": P_FORMAT, "p_adjusted": P_FORMAT,
    "percent": "0.0", "position": "0",
}  # fmt: skip


def frame_table(
    frame: pd.DataFrame,
    *,
    title: str,
    name: str,
    source: str = "",
    notes: Sequence[str] = (),
    formats: dict | None = None,
    labels: dict | None = None,
    lang: str = "en",
) -> Table:
    """A tidy frame as a :class:`Table` for :func:`write_xlsx` (title, frozen header, widths,
    source line, notes), its values unchanged (numbers are stored as they are; only the
    display format is set).

    Number formats by column: ``formats`` (column -> Excel format), else by name (counts
    ``#,##0``, CVs ``0.0%``, p-values ``<0.001``, ...), else integers ``0`` (codes such as
    13101 keep no thousands separator) and other numbers ``0.0000``. ``labels``: header
    text of the columns. Nothing is shaded or suppressed: the frame's own ``reliability``
    columns say how to read each row.
    """
    formats = dict(formats or {})
    cols = [str(c) for c in frame.columns]
    fmts: list[str | None] = []
    for c in frame.columns:
        dtype = frame[c].dtype
        if c in formats:
            fmts.append(formats[c])
        elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            fmts.append(None)
        elif str(c) in _FRAME_FORMATS:
            fmts.append(_FRAME_FORMATS[str(c)])
        elif pd.api.types.is_integer_dtype(dtype):
            fmts.append("0")
        else:
            fmts.append("0.0000")
    rows = []
    for rec in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
        row = []
        for v in rec:
            if isinstance(v, (np.integer, np.floating, np.bool_)):
                v = v.item()
            if isinstance(v, float) and not np.isfinite(v):
                v = None if np.isnan(v) else str(v)
            if v is not None and not isinstance(v, (int, float, str, bool)):
                v = str(v)
            row.append(v)
        rows.append(row)
    t = Table(
        title, [str((labels or {}).get(c, c)) for c in cols], rows, fmts, list(notes), name,
        [""] * len(rows), lang, source=source,
    )  # fmt: skip
    t.estimate_cols = []
    return t


def tidy_statistics(kinds: Sequence[str]) -> list[str]:
    """The tidy-sheet number format key of each row's statistic (see :func:`write_xlsx`)."""
    return [_KIND_DISPLAY.get(k, (0, 0, 0, 0, "mean"))[4] for k in kinds]


def to_markdown(table: Table) -> str:
    """The table as GitHub-flavoured markdown (title, pipe table, notes)."""

    def esc(s) -> str:
        return str(s).replace("|", "\\|")

    lines = []
    if table.title:
        lines += [f"**{esc(table.title)}**", ""]
    lines.append("| " + " | ".join(esc(c) for c in table.flat_columns()) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for cells in table.display_rows():
        lines.append("| " + " | ".join(esc(c) for c in cells) + " |")
    notes = [f"{SOURCE.get(table.lang, 'Source')}: {table.source}"] if table.source else []
    notes += table.notes
    if notes:
        lines.append("")
        lines += [f"*{esc(n)}*  " for n in notes]
    return "\n".join(lines) + "\n"


def to_html(table: Table, *, table_id: str | None = None) -> str:
    """The table as an HTML fragment; every label and cell is escaped."""

    def e(x) -> str:
        return html.escape(str(x))

    tid = f' id="{e(table_id)}"' if table_id else ""
    out = [f'<table class="survey-table"{tid}>']
    if table.title:
        out.append(f"<caption>{e(table.title)}</caption>")
    head = ""
    if table.header_groups:
        head = (
            "<tr>"
            + "".join(
                f'<th colspan="{span}">{e(label)}</th>' for label, span in table.header_groups
            )
            + "</tr>"
        )
    out.append(
        "<thead>" + head + "<tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns)
        + "</tr></thead>"
    )  # fmt: skip
    out.append("<tbody>")
    for cells, flag in zip(
        table.display_rows(), table.flags or [""] * len(table.rows), strict=True
    ):
        cls = f' class="{e(flag)}"' if flag else ""
        tds = []
        for v, fmt in zip(cells, table.formats, strict=True):
            num = ' class="num"' if fmt else ""
            tds.append(f"<td{num}>{e(v)}</td>")
        out.append(f"<tr{cls}>" + "".join(tds) + "</tr>")
    out.append("</tbody>")
    lines = [f"{SOURCE.get(table.lang, 'Source')}: {table.source}"] if table.source else []
    lines += table.notes
    if lines:
        notes = "<br>".join(e(n) for n in lines)
        out.append(
            f'<tfoot><tr><td colspan="{len(table.columns)}" class="notes">{notes}</td></tr></tfoot>'
        )
    out.append("</table>")
    return "\n".join(out)


def _write_text(path: Path, text: str) -> None:
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_tables(tables: Table | Sequence[Table], path: str | Path) -> list[Path]:
    """Write tables in the format of ``path``'s extension.

    ``.xlsx``: one workbook, one sheet per table; ``.md`` / ``.html``: one file with all
    tables; ``.csv``: one file per table (``<stem>_<name>.csv`` when there are several) with
    the header labels in the first row and the data only (no title or notes).
    """
    if isinstance(tables, Table):
        tables = [tables]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ext = path.suffix.lower()
    if ext == ".xlsx":
        return [write_xlsx(tables, path)]
    if ext == ".md":
        _write_text(path, "\n".join(to_markdown(t) for t in tables))
        return [path]
    if ext in (".html", ".htm"):
        body = "\n".join(to_html(t) for t in tables)
        doc = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Tables</title></head>'
            f"<body>\n{body}\n</body></html>\n"
        )
        _write_text(path, doc)
        return [path]
    if ext == ".csv":
        from survey._atomic import atomic_output

        out = []
        for t in tables:
            p = (
                path
                if len(tables) == 1
                else path.with_name(f"{path.stem}_{_sheet_name(t.name, set())}.csv")
            )
            with atomic_output(p) as tmp:
                t.to_frame().to_csv(tmp, index=False, encoding="utf-8")
            out.append(p)
        return out
    raise ValueError(f"write_tables: unsupported extension {ext!r} of {path} (xlsx, csv, md, html)")
