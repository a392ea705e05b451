"""Publication tables: estimate, CI, CV, n and reliability flag, to xlsx, csv, markdown, HTML.

This module is presentation only: rounding and formatting happen here, on result frames
that were computed unrounded. Suppressed estimates (``reliability == "suppress"``) are
never written: their estimate, CI and CV cells hold the word "suppressed" (translated) or
are left empty, while n stays visible. Estimates to use with caution keep their numbers and
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

from survey.plots._text import check_lang, fmt_number, tr

__all__ = [
    "Table",
    "publication_table",
    "comparison_table",
    "write_tables",
    "write_xlsx",
    "to_markdown",
    "to_html",
]

CAUTION_MARK = "†"


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

    def __post_init__(self):
        # labels may come from data (integer wave codes, numeric domain values): text
        # outputs need strings
        self.title = "" if self.title is None else str(self.title)
        self.columns = [str(c) for c in self.columns]
        self.notes = [str(n) for n in self.notes]

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame with the header labels as columns."""
        return pd.DataFrame(self.rows, columns=self.columns)

    def display_rows(self) -> list[list[str]]:
        """Cells as text (language number format, caution mark after the estimate)."""
        out = []
        for row, flag in zip(self.rows, self.flags or [""] * len(self.rows), strict=True):
            cells = []
            for k, (v, fmt) in enumerate(zip(row, self.formats, strict=True)):
                cells.append(_text_cell(v, fmt, self.lang))
                if k == self.estimate_col and flag == "caution" and cells[-1]:
                    cells[-1] += f" {CAUTION_MARK}"
            out.append(cells)
        return out


def _text_cell(v, fmt, lang) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
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

    Returns
    -------
    Table
        Columns: domain columns, Indicator, [Category], Estimate, CI lower, CI upper,
        CV (%), n, [Weighted n], Reliability. Suppressed rows keep n but their estimate
        cell says "suppressed" and CI/CV cells are empty.
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
    fmts += [_fmt(digits)] * 3 + ["0.0", "#,##0"]
    if weighted_n:
        cols.append(tr("n_weighted", lang))
        fmts.append("#,##0")
    cols.append(tr("reliability", lang))
    fmts.append(None)
    flags = _flags(data)
    flag_text = {
        "reliable": tr("reliable", lang),
        "caution": tr("caution_short", lang),
        "suppress": tr("suppress_short", lang),
        "": "",
    }
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
        row.append(flag_text.get(flag, flag))
        rows.append(row)
    all_notes = list(notes)
    if any(f == "caution" for f in flags):
        all_notes.append(tr("caution", lang))
    n_supp = sum(f == "suppress" for f in flags)
    if n_supp:
        all_notes.append(tr("suppressed", lang, k=n_supp))
    table = Table(
        title=title,
        columns=cols,
        rows=rows,
        formats=fmts,
        notes=all_notes,
        name=name or (str(data["variable"].iloc[0]) if len(data) else "table"),
        flags=flags,
        lang=lang,
    )
    table.estimate_col = est_col
    return table


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
        ``significant``, ``worsened``, ``reliability``.
    names : (str, str), optional
        Headers for the two estimates (default "Before", "After"); any type (integer wave
        codes are shown as text).
    percent : bool
        Proportions and their difference as percent and percentage points (x 100); a frame
        with ``attrs["scale"] == "%"`` is already in percent and is not multiplied again.

    Returns
    -------
    Table
        Every row is kept — null and unfavourable results included; a row flagged
        ``suppress`` shows no numbers.
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
    f = _fmt(digits)
    fmts = [None] * (len(by) + 1) + [f] * 5 + ["0.000"] * len(pcols) + [None, None]
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
                row.append(None if pd.isna(p) else round(float(p), 3))
            for c in ("significant", "worsened"):
                v = r.get(c, pd.NA)
                row.append("" if pd.isna(v) else (yes if bool(v) else no))
        rows.append(row)
    all_notes = list(notes)
    n_supp = sum(f == "suppress" for f in flags)
    if n_supp:
        all_notes.append(tr("suppressed", lang, k=n_supp))
    t = Table(title, cols, rows, fmts, all_notes, name, flags, lang)
    t.estimate_col = len(by) + 3
    return t


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


def write_xlsx(tables: Sequence[Table], path: str | Path) -> Path:
    """Write tables to one xlsx workbook, one sheet per table.

    Each sheet: the title (row 1), the labelled header (row 3), one row per table row with
    numbers stored as numbers in the table's number format, then the notes. Caution rows
    are shaded; suppressed cells hold text, never a number.
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
        for j, label in enumerate(table.columns, start=1):
            c = ws.cell(row=3, column=j, value=label)
            c.font = Font(bold=True)
            c.fill = head_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        for i, (row, flag) in enumerate(
            zip(table.rows, table.flags or [""] * len(table.rows), strict=True), start=4
        ):
            for j, (v, fmt) in enumerate(zip(row, table.formats, strict=True), start=1):
                c = ws.cell(row=i, column=j, value=v)
                if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                    c.number_format = fmt
                if flag == "caution":
                    c.fill = caution_fill
        last = 4 + len(table.rows)
        for k, note in enumerate(table.notes):
            ws.cell(row=last + 1 + k, column=1, value=note).font = Font(italic=True, size=9)
        for j, label in enumerate(table.columns, start=1):
            width = max([len(str(label))] + [len(str(r[j - 1] or "")) for r in table.rows])
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 40)
        ws.freeze_panes = "A4"
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        wb.save(tmp)
    return path


def to_markdown(table: Table) -> str:
    """The table as GitHub-flavoured markdown (title, pipe table, notes)."""

    def esc(s) -> str:
        return str(s).replace("|", "\\|")

    lines = []
    if table.title:
        lines += [f"**{esc(table.title)}**", ""]
    lines.append("| " + " | ".join(esc(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for cells in table.display_rows():
        lines.append("| " + " | ".join(esc(c) for c in cells) + " |")
    if table.notes:
        lines.append("")
        lines += [f"*{esc(n)}*  " for n in table.notes]
    return "\n".join(lines) + "\n"


def to_html(table: Table, *, table_id: str | None = None) -> str:
    """The table as an HTML fragment; every label and cell is escaped."""

    def e(x) -> str:
        return html.escape(str(x))

    tid = f' id="{e(table_id)}"' if table_id else ""
    out = [f'<table class="survey-table"{tid}>']
    if table.title:
        out.append(f"<caption>{e(table.title)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns) + "</tr></thead>")
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
    if table.notes:
        notes = "<br>".join(e(n) for n in table.notes)
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
