"""``survey estimate``: weighted estimates with SEs and CIs from a data file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from survey._text import local_digits, with_int_codes, with_int_counts
from survey.cli._coerce import parse_codes
from survey.cli._common import (
    LABELS_HELP,
    TotalRowOption,
    XlsxLangOption,
    XlsxSourceOption,
    XlsxTitleOption,
    backend_progress,
    check_output_path,
    check_quality,
    choose_engine,
    console,
    engine_help,
    fail,
    fits_whole,
    flag_cell,
    flag_reasons,
    flag_word,
    quality_help,
    with_labels_option,
)

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table


#: With ``--out``, a result longer than this shows its first rows on the terminal (the file
#: holds them all): a 1,000-row table took rich 4-5 s to draw, longer than the estimation.
SHOWN_ROWS = 30


def _labelled(frame: pd.DataFrame, meta, by: list[str]) -> pd.DataFrame:
    """Replace codes by value labels for display (by columns and categories)."""
    import pandas as pd

    if meta is None:
        return frame
    out = frame.copy()
    for col in by:
        labels = meta.value_labels.get(col)
        if labels:
            out[col] = [
                labels.get(v, labels.get(float(v), v)) if pd.notna(v) else v for v in out[col]
            ]
    cats = []
    for var, cat in zip(out["variable"], out["category"], strict=True):
        labels = meta.value_labels.get(var) or {}
        cats.append(labels.get(cat, cat) if pd.notna(cat) else cat)
    out["category"] = cats
    return out


def _fmt(v, digits=4) -> str:
    import numpy as np
    import pandas as pd

    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and np.isnan(v)):
        return ""
    if isinstance(v, float | np.floating):
        return f"{v:,.{digits}g}"
    return str(v)


#: Significant digits of a variable's largest estimate in the terminal; the variable's
#: other estimates, intervals and SEs take the same number of decimals.
DIGITS = 4


def _decimals(frame: pd.DataFrame) -> dict:
    """Decimals of each variable's numbers in the terminal: :data:`DIGITS` significant
    digits of its largest estimate or interval limit (shares 0.0919 and 0.9415, a mean
    644.2, a total 30,890), so a column reads at one precision per variable instead of
    four significant digits each (0.09188 under 0.9415)."""
    import numpy as np

    out = {}
    for var, rows in frame.groupby("variable", sort=False, dropna=False):
        x = rows[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float, na_value=np.nan)
        big = np.nanmax(np.abs(x)) if np.isfinite(x).any() else np.nan
        top = int(np.floor(np.log10(big))) if np.isfinite(big) and big > 0 else 0
        out[var] = int(min(max(DIGITS - 1 - top, 0), 8))
    return out


def _fixed(v, decimals: int) -> str:
    """``v`` with ``decimals`` decimals and thousands separators; missing: empty."""
    import numpy as np
    import pandas as pd

    if v is None or v is pd.NA or (isinstance(v, float | np.floating) and np.isnan(v)):
        return ""
    return f"{float(v):,.{decimals}f}"


def _table(
    frame: pd.DataFrame,
    by: list[str],
    title: str,
    show_suppressed=False,
    heads=None,
    compact: bool = False,
    cv: bool = True,
    lang: str = "en",
) -> Table | None:
    """Estimates for the terminal; suppressed estimates are not printed unless asked.
    ``heads``: header text of the ``by`` columns (their variable labels). ``compact`` (one
    variable per table, a terminal under :data:`COMPACT_WIDTH` columns): no variable
    column, the flag without its reason (the files keep it), no vertical rules, and fixed
    widths: the numbers and the flag as wide as their widest cell or header (never cut),
    the labels sharing the rest, their words whole (``label_widths``); None when they do
    not fit and ``cv`` (the caller then asks again without the cv column)."""
    import pandas as pd
    from rich.table import Table
    from rich.text import Text

    from survey.cli._common import compact_table, label_widths, squeezed_widths, word_width

    # compact: the caller prints the title, word-wrapped
    table = compact_table() if compact else Table(title=title, title_justify="left")
    # a narrow terminal (80 columns, or output piped) keeps the domain and variable columns
    # readable: se and deff (in the file and the API frame) go, the flag wraps
    narrow = console.width < 120
    shown_cols = (
        ("estimate", "CI", "cv", "n", "flag")
        if narrow
        else ("estimate", "CI", "se", "cv", "deff", "n", "flag")
    )
    if not cv:
        shown_cols = tuple(c for c in shown_cols if c != "cv")
    label_cols = [*by, "category"] if compact else [*by, "variable", "category"]
    label_heads = [str((heads or {}).get(c) or _head(c, lang)) for c in label_cols]
    names = {c: _head(c, lang) for c in shown_cols}
    rows = []
    decimals = _decimals(frame)
    for _, row in frame.iterrows():
        dec = decimals.get(row["variable"], DIGITS)
        rel = None if pd.isna(row["reliability"]) else str(row["reliability"])
        flag = flag_cell(rel, row.get("reliability_reason"), lang, with_reason=not compact)
        labels = [_fmt(row[c]) for c in label_cols]
        n = local_digits(_fmt(row["n"], 6), lang)  # 1,136 / 1.136 (es, pt)
        if rel == "suppress" and not show_suppressed:
            cells = {"estimate": f"[dim]{flag_word(rel, lang)}[/]", "n": n, "flag": flag}
        else:
            numbers = {
                "estimate": _fixed(row["estimate"], dec),
                "CI": f"{_fixed(row['ci_low'], dec)} – {_fixed(row['ci_high'], dec)}",
                "se": _fixed(row["se"], dec),
                "cv": _fixed(row["cv"], 3),
                "deff": _fixed(row["deff"], 2),
            }
            cells = {k: local_digits(v, lang) for k, v in numbers.items()} | {"n": n, "flag": flag}
        rows.append((labels, [cells.get(c, "") for c in shown_cols]))
    if compact:
        plain = [[Text.from_markup(c).plain for c in labels] for labels, _ in rows]
        columns = [list(c) for c in zip(*plain, strict=True)] or [[] for _ in label_cols]
        fixed = [
            max([len(names[c]), *(Text.from_markup(cells[j]).cell_len for _, cells in rows)])
            for j, c in enumerate(shown_cols)
        ]
        room = console.width - 2 * (len(label_cols) + len(shown_cols) - 1) - sum(fixed)
        widths = label_widths(label_heads, columns, room)
        heads_whole = widths is not None and all(
            w >= word_width([h], 1) for w, h in zip(widths, label_heads, strict=True)
        )
        if cv and not heads_whole:  # the cv gives way before a word folds, a header's too
            return None
        for head, w in zip(label_heads, widths or squeezed_widths(columns, room), strict=True):
            table.add_column(head, overflow="fold", width=w)
        for c, w in zip(shown_cols, fixed, strict=True):
            table.add_column(names[c], justify="right", no_wrap=True, width=w)
    else:
        for head in label_heads:
            least = min(max(len(head), 6), 12)
            table.add_column(head, overflow="fold", min_width=least, no_wrap=False)
        for c in shown_cols:
            table.add_column(
                names[c], justify="right", no_wrap=c not in ("flag", "CI"), overflow="fold",
                min_width=6 if c == "flag" else None,
            )  # fmt: skip
    for labels, cells in rows:
        table.add_row(*labels, *cells)
    return table


#: The :data:`survey.plots._text.TEXT` key of each terminal header outside English (English
#: keeps the tidy names: estimate, CI, category, flag).
_HEAD_KEYS = {"estimate": "estimate", "category": "category", "flag": "reliability"}


def _head(column: str, lang: str = "en") -> str:
    """A terminal column's header: the tidy name in English, the tables' word (lower case,
    "estimación", "confiabilidad"; the interval's "IC") in Spanish and Portuguese."""
    from survey.plots._text import tr

    if lang == "en":
        return column
    if column == "CI":
        return tr("ci", lang, level="").replace("%", "").strip()
    key = _HEAD_KEYS.get(column)
    return tr(key, lang).lower() if key else column


def _variance_in(text: str, lang: str) -> str:
    """The design's variance method (``Design.summary()``, English) in ``lang``, phrase by
    phrase from the one term table."""
    from survey.plots._text import VARIANCE_PHRASES, tr

    for key in VARIANCE_PHRASES:
        text = text.replace(tr(key, "en"), tr(key, lang))
    return text


#: Below this terminal width the estimates print one table per variable (``compact``).
COMPACT_WIDTH = 100


def _tables(frame, by, title, show_suppressed, heads, meta, lang: str = "en") -> list:
    """What the terminal prints: one table when it fits the terminal whole (at least
    :data:`COMPACT_WIDTH` columns), else the title and one table per variable, each under its label (word-wrapped lines), so no
    column holds the variable's name."""
    from rich.text import Text

    if console.width >= COMPACT_WIDTH:
        wide = _table(frame, by, title, show_suppressed, heads, lang=lang)
        # the one wide table when it fits whole; rich would otherwise fit it by breaking
        # words ("complemen" over "tary") or cut its right edge: the compact tables instead
        if fits_whole(wide):
            return [wide]
    from survey.plots._text import tr

    parts = []
    for var in dict.fromkeys(frame["variable"]):
        label = meta.label_of(var) if meta is not None else var
        head = var if label in (None, var) else f"{var}: {label}"
        parts.append((head, frame[frame["variable"] == var]))
    # too narrow for the labels' words: the cv gives way in every table (the flag says what
    # it decided; the files keep it), then the labels fold; the flag is never cut
    tables = [
        _table(part, by, head, show_suppressed, heads, compact=True, lang=lang)
        for head, part in parts
    ]
    cv = all(t is not None for t in tables)
    if not cv:
        tables = [
            _table(p, by, h, show_suppressed, heads, compact=True, cv=False, lang=lang)
            for h, p in parts
        ]
    out: list = [Text(title)]
    for (head, _), table in zip(parts, tables, strict=True):
        out += [Text(""), Text(head, style="bold"), table]
    if not cv:
        out.append(Text(tr("cv_left_out", lang), style="dim"))
    # the reasons the compact tables leave out, once each
    line = flag_reasons(frame, lang)
    return out if line is None else [*out, line]


def _kind(var: str, ds, stat: str) -> str:
    """auto: proportions for labelled, 0/1 or text items; means otherwise."""
    if stat != "auto":
        return stat
    import pandas as pd

    col = ds.data[var] if var in ds.data.columns else None
    if col is None:
        return "mean"  # the verb reports the missing column
    if ds.meta is not None and ds.meta.value_labels.get(var):
        return "prop"  # labelled codes are categories
    if not pd.api.types.is_numeric_dtype(col):
        from survey.engine.estimators import text_number_hint

        hint = text_number_hint(col)
        if hint:  # numbers read as text are not categories (--stat prop to insist)
            raise ValueError(f"column {var!r} is text; {hint}")
        return "prop"
    if _binary(col):
        return "prop"
    from survey._codes import suspect_missing_codes

    # 88/99 beside 1-3: codes of categories, not amounts
    return "prop" if suspect_missing_codes(col) else "mean"


def _binary(col) -> bool:
    """Whether a numeric column holds only 0, 1 and missing values (vectorised: a Python set
    of a million distinct floats took 0.4 s a column; integer columns are checked by their
    range, without a float copy)."""
    import numpy as np

    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biu":  # no missing values
        arr = col.to_numpy()
        return len(arr) == 0 or bool(arr.min() >= 0 and arr.max() <= 1)
    arr = col.to_numpy(dtype=float, na_value=np.nan)
    return bool(np.all((arr == 0) | (arr == 1) | np.isnan(arr)))


def _backend_kinds(variables, des, stat: str) -> dict[str, str]:
    """``auto`` on a backend, as in memory (:func:`_kind`) without value labels (a Parquet
    or CSV file has none): proportions for text, boolean or 0/1 items and for integer codes
    beside undeclared missing codes (1-3 with 88/99: categories, not amounts); means
    otherwise. One query of every numeric variable's extremes (one scan of the data); a
    column's distinct values are fetched only when there are few of them."""
    if stat != "auto":
        return {v: stat for v in variables}
    import pandas as pd

    from survey._codes import suspect_missing_codes
    from survey.backends.executors import Aggregation
    from survey.backends.expr import Col, NotBinary, Valid

    cols = des.source.columns
    out = {v: "mean" if v not in cols else "prop" for v in variables}  # missing: the verb says
    numeric = [v for v in dict.fromkeys(variables) if cols.get(v) == "numeric"]
    if not numeric:
        return out
    sums, extremes = {}, {}
    for i, v in enumerate(numeric):
        sums[f"__nb{i}"] = NotBinary(v, Valid((v,), (True,)))
        extremes |= {f"__lo{i}": ("MIN", Col(v)), f"__hi{i}": ("MAX", Col(v)),
                     f"__nd{i}": ("APPROX_DISTINCT", Col(v))}  # fmt: skip
    row = des.source.aggregate(Aggregation([], sums, count=None, extremes=extremes)).iloc[0]
    for i, v in enumerate(numeric):
        if int(row[f"__nb{i}"] or 0) == 0:
            continue  # 0/1: a proportion
        lo, hi, nd = (float(row[f"__{k}{i}"]) for k in ("lo", "hi", "nd"))
        out[v] = "mean"
        if not ((lo >= 0 and hi < 77) or not nd <= 60):  # a missing-like code may be there
            values = pd.Series(des.source.distinct(v), dtype=float)
            out[v] = "prop" if suspect_missing_codes(values) else "mean"
    return out


def estimate_command(
    data: Annotated[
        Path,
        typer.Argument(
            help="Data file (.sav, .zsav, .por, .dta, .sas7bdat, .xpt, .csv[.gz], .parquet)"
        ),
    ],
    variables: Annotated[
        list[str] | None, typer.Argument(help="Variables to estimate (or 'variables:' in --design)")
    ] = None,
    weight: Annotated[str | None, typer.Option(help="Weight column")] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    psu: Annotated[
        list[str] | None, typer.Option(help="Cluster column per stage (repeat for stages)")
    ] = None,
    fpc: Annotated[
        list[str] | None, typer.Option(help="FPC column per stage (counts or fractions)")
    ] = None,
    nest: Annotated[bool, typer.Option(help="PSU ids are reused across strata")] = False,
    lonely_psu: Annotated[str, typer.Option(help="fail|certainty|adjust|remove|average")] = "fail",
    by: Annotated[list[str] | None, typer.Option(help="Domain column (repeat to cross)")] = None,
    stat: Annotated[
        str,
        typer.Option(
            help="auto|mean|prop|total|quantile (auto: prop for labelled or 0/1 items, else mean)"
        ),
    ] = "auto",
    ci: Annotated[
        str | None,
        typer.Option(
            help="wald|logit|xlogit|beta|asin|likelihood|wilson (default: logit for "
            "proportions, wald otherwise; quantiles: mean|xlogit|beta|asin)"
        ),
    ] = None,
    level: Annotated[float, typer.Option(help="Confidence level, e.g. 0.95")] = 0.95,
    df: Annotated[
        str | None,
        typer.Option(help="design|domain|inf (default: design; domain for quantiles, as R)"),
    ] = None,
    design: Annotated[
        Path | None,
        typer.Option(
            help="design.yaml with weight, strata, psu, fpc, nest, lonely_psu (and optionally "
            "by, ci, level, df, stat, variables)"
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write results to .csv or .xlsx")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the data file")] = None,
    decimal: Annotated[str, typer.Option(help="CSV decimal mark ('.' or ',')")] = ".",
    missing_codes: Annotated[
        str | None,
        typer.Option(
            help="Codes of the estimated variables that mean missing (don't know / no "
            "answer), e.g. 88,96,99: they become NaN, as SPSS user-missing values"
        ),
    ] = None,
    replicates: Annotated[
        Path | None,
        typer.Option(
            help="JSON with ReplicateDesign arguments (as written by `survey weight "
            "--replicates`): variance from the replicate weights instead of --strata/--psu"
        ),
    ] = None,
    quality: Annotated[str, typer.Option(help=quality_help())] = "cepal2020",
    show_suppressed: Annotated[
        bool, typer.Option(help="Print estimates the quality rule suppresses (marked)")
    ] = False,
    labels: Annotated[Path | None, typer.Option(help=LABELS_HELP)] = None,
    layout: Annotated[
        str,
        typer.Option(
            help="xlsx table layout: long (a row per domain and variable) or wide (the "
            "yearbook table: a row per domain, estimate, CI and CV per variable)"
        ),
    ] = "long",
    total: TotalRowOption = True,
    lang: XlsxLangOption = "en",
    title: XlsxTitleOption = None,
    source: XlsxSourceOption = None,
    engine: Annotated[
        str,
        typer.Option(help=engine_help()),
    ] = "auto",
) -> None:
    """Weighted estimates with standard errors and confidence intervals, by domain.

    Proportions are on the 0-1 scale with the design's degrees of freedom (R's svyciprop
    defaults); `survey indicators` reports percentages with the domain's (INE's tables).
    """
    import survey
    from survey.design import DesignError, design_from_spec
    from survey.io import column_names

    check_quality(quality)
    from survey.engine import EstimationError

    spec: dict = {}
    if design is not None:
        import yaml

        try:
            spec = yaml.safe_load(design.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            fail(f"cannot read design file {design}: {exc}")
        if not isinstance(spec, dict):
            fail(f"design file {design} must hold a mapping of design settings")
    cli = {
        "weight": weight,
        "strata": strata,
        "psu": psu or None,
        "fpc": fpc or None,
        "lonely_psu": lonely_psu if lonely_psu != "fail" else None,
        "nest": nest or None,
    }
    spec.update({k: v for k, v in cli.items() if v is not None})
    by = by or spec.get("by") or []
    by = [by] if isinstance(by, str) else list(by)
    variables = variables or spec.get("variables") or []
    variables = [variables] if isinstance(variables, str) else list(dict.fromkeys(variables))
    if not variables:
        fail(
            f"no variables to estimate: name them after the data file (survey estimate "
            f"{data.name} VAR1 VAR2 ...; `survey describe {data.name}` lists them)"
            + (" or under 'variables:' in the --design file" if design is not None else "")
        )
    stat = spec.get("stat", stat) if stat == "auto" else stat
    if stat not in ("auto", "mean", "prop", "total", "quantile"):
        fail(f"--stat {stat!r}: use auto, mean, prop, total or quantile")
    ci = ci or spec.get("ci")
    level = float(spec.get("level", level)) if level == 0.95 else level
    if not 0 < level < 1:
        fail(f"--level {level}: give a confidence level between 0 and 1 (e.g. 0.95, not 95)")
    df = df or spec.get("df")
    if layout not in ("long", "wide"):
        fail(f"--layout {layout!r}: use long or wide")
    if lang not in ("en", "es", "pt"):
        fail(f"--lang {lang!r}: use en, es or pt")
    if out is not None:
        try:
            check_output_path(
                out,
                overwrite,
                inputs=[data, design, labels],
                suffixes=(".csv", ".xlsx"),
                what="--out",
            )
        except OSError as exc:
            fail(f"cannot write {out}: {exc}")
    engine = choose_engine(data, engine)
    with_totals = bool(by and total and out is not None and out.suffix.lower() == ".xlsx")
    if engine != "memory":
        from survey.cli._common import require_table_file

        require_table_file(data, engine)
        des, frames, totals, kinds = _estimate_on_backend(
            data, engine, variables, spec, by, stat, ci, level, df, quality, replicates,
            missing_codes, decimal, with_totals,
        )  # fmt: skip
        from survey.io._labels import label_result

        meta = _labels_only(labels, [*variables, *by])
        frames = [label_result(f, meta) for f in frames]
        totals = [label_result(f, meta) for f in totals]
        _present(
            data, des, frames, totals, kinds, meta, variables, by, level, quality, out,
            show_suppressed, layout, lang, title, source,
        )  # fmt: skip
        return
    try:
        codes = parse_codes(missing_codes)
    except ValueError:
        fail(f"--missing-codes {missing_codes!r}: give numbers separated by commas")
    try:
        # the header alone first: every name is checked (with "did you mean") before any
        # row is read, and then only the columns the estimates need are read
        names = column_names(data, encoding=encoding)
        _check_names(data, names, variables, by, spec, replicates is None)
        extra = {"decimal": decimal} if data.name.lower().endswith((".csv", ".csv.gz")) else {}
        if codes:
            extra["user_missing_codes"] = {v: codes for v in variables}
        if replicates is None:  # replicate weights are named by the spec: all columns then
            extra["columns"] = _needed_columns(variables, by, spec)
        ds = survey.read(data, encoding=encoding, **extra)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    ds = with_labels_option(ds, labels, columns=names)
    try:
        if replicates is not None:
            rep_args = _replicate_spec(replicates)
            from survey.design import replicate_design_from_spec

            des = replicate_design_from_spec(ds, rep_args, source=replicates)
        else:
            des = design_from_spec(ds, spec)
            if spec.get("weight") is None:  # R and the API default, but rarely meant
                import warnings

                warnings.warn(
                    "no --weight: every row weighs 1, so these are unweighted estimates; give "
                    "the survey's expansion factor with --weight (or in --design)",
                    UserWarning,
                    stacklevel=1,
                )
        # one engine pass per statistic for all its variables (not one per variable: 20
        # variables on 5M rows were 20 passes), rows then in the order the variables were named
        kinds: dict[str, list[str]] = {}
        for var in variables:
            kinds.setdefault(_kind(var, ds, stat), []).append(var)
        frames, totals = _estimate_kinds(des, kinds, by, with_totals, ci, level, df, quality)
    except (DesignError, EstimationError, KeyError, ValueError, NotImplementedError) as exc:
        fail(f"{data}: {exc}")
    _present(
        data, des, frames, totals, kinds, ds.meta, variables, by, level, quality, out,
        show_suppressed, layout, lang, title, source,
    )  # fmt: skip


def _design_columns(spec: dict) -> list[str]:
    """The columns a design spec names (weight, strata, psu and fpc of every stage)."""
    out = []
    for key in ("weight", "strata", "psu", "fpc"):
        value = spec.get(key)
        if value is None:
            continue
        out.extend([value] if isinstance(value, str) else list(value))
    return [str(c) for c in out]


def _needed_columns(variables: list[str], by: list[str], spec: dict) -> list[str]:
    """The columns ``estimate`` reads: the variables, the domains and the design's."""
    return list(dict.fromkeys([*variables, *by, *_design_columns(spec)]))


def _check_names(data: Path, names, variables, by, spec, with_design: bool) -> None:
    """Fail, before any row is read, naming every requested column the file lacks and the
    nearest names it has (``fact_hog`` -> ``'Fact_Hog'``)."""
    from survey._names import did_you_mean

    known = set(names)
    roles = [("variable", v) for v in variables] + [("by column", b) for b in by]
    if with_design:
        roles += [("column", c) for c in _design_columns(spec)]
    absent = [
        f"{role} {name!r} is not in the data{did_you_mean(name, names)}"
        for role, name in dict.fromkeys(roles)
        if name not in known
    ]
    if absent:
        fail(f"{data}: " + "; ".join(absent))


def _labels_only(labels: Path | None, columns: list[str]):
    """The metadata of a ``--labels`` file alone (backends: the data stay in the file)."""
    if labels is None:
        return None
    import pandas as pd

    return with_labels_option(pd.DataFrame(columns=list(dict.fromkeys(columns))), labels).meta


def _present(
    data, des, frames, totals, kinds, meta, variables, by, level, quality, out,
    show_suppressed, layout, lang, title, source,
) -> None:  # fmt: skip
    """Print the estimates (labels, notes, rules) and write ``--out``: the same for every
    engine. With ``--out``, a long result shows its first :data:`SHOWN_ROWS` rows."""
    import numpy as np
    import pandas as pd

    from survey.quality import quality_note

    result = pd.concat(frames, ignore_index=True)
    order = {v: k for k, v in enumerate(variables)}
    result = result.iloc[
        np.argsort(result["variable"].map(order).to_numpy(), kind="stable")
    ].reset_index(drop=True)
    if not show_suppressed:  # the shares that would give a suppressed one away, too
        from survey.quality import complementary_suppression

        result = complementary_suppression(result, by)
    for note in dict.fromkeys(n for f in frames for n in f.attrs.get("notes", [])):
        console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    # domain codes as integers on the terminal and in the files (1, not 1.0 or 1.31e+04)
    result = with_int_codes(result, by)
    cut = out is not None and len(result) > SHOWN_ROWS
    shown = _labelled(result.iloc[:SHOWN_ROWS] if cut else result, meta, by)
    heads = {b: meta.label_of(b) for b in by} if meta is not None else None
    for part in _tables(shown, by, f"{data.name}: {des!r}", show_suppressed, heads, meta, lang):
        console.print(part)
    if cut:
        console.print(
            f"[dim]the first {SHOWN_ROWS} of {len(result):,} rows; {out.name} holds them all[/]"
        )
    rules = ", ".join(sorted({str(f.attrs.get("df_rule")) for f in frames}))
    variance = des.summary()["variance"]
    if lang == "en":
        console.print(f"[dim]{level:.0%} intervals; df rule: {rules}; variance: {variance}[/]")
        console.print(f"[dim]{quality_note(quality)}[/]")
    else:  # the xlsx's note on intervals and df, the rule's thresholds
        from survey.plots._text import tr
        from survey.report.tables import table_notes

        notes = table_notes(level, [f.attrs.get("df_rule") for f in frames], quality, lang)
        console.print(
            f"[dim]{notes[0]} {tr('variance_word', lang)}: {_variance_in(variance, lang)}[/]"
        )
        rule = quality_note(quality).removeprefix("publication rule ")
        console.print(f"[dim]{tr('publication_rule', lang)} {rule}[/]")
    if out is not None:
        try:
            # the file shows what the terminal shows: suppressed values blanked (their
            # reliability_reason says why) unless --show-suppressed, as `survey indicators`
            from survey._atomic import atomic_output
            from survey.quality import mask
            from survey.report.tables import table_notes

            tidy = result if show_suppressed else mask(result, complementary=False)  # applied above
            with atomic_output(out) as tmp:
                if out.suffix.lower() == ".xlsx":
                    _write_xlsx(
                        tmp, result, tidy, totals, by, kinds, meta,
                        layout=layout, lang=lang,
                        title=title or f"{data.name}: " + ", ".join(
                            meta.label_of(v) if meta is not None else v for v in variables
                        ),
                        source=source or data.name,
                        notes=table_notes(
                            level, [f.attrs.get("df_rule") for f in frames], quality, lang
                        ),
                    )  # fmt: skip
                else:
                    with_int_counts(tidy).to_csv(tmp, index=False)
        except OSError as exc:
            fail(f"cannot write {out}: {exc}")
        console.print(f"written {out}")


def _write_xlsx(
    path, result, tidy, totals, by, kinds, meta, *, layout, lang, title, source, notes
) -> None:
    """The formatted workbook: the publication table(s) (labels, national total row,
    suppressed cells with their reason, number formats by statistic), then the tidy
    results as the csv holds them (sheet ``data``)."""
    import pandas as pd

    from survey.report.tables import result_tables, tidy_statistics, write_xlsx

    kind_of = {v: k for k, names in kinds.items() for v in names}
    row_kinds = [kind_of.get(v, "mean") for v in result["variable"]]
    tot = pd.concat(totals, ignore_index=True) if totals else None
    # a publication table never prints a suppressed value (the tidy sheet does with
    # --show-suppressed)
    tables = result_tables(
        result, by=by, kinds=row_kinds, meta=meta, layout=layout, lang=lang,
        totals=tot,
        totals_kinds=None if tot is None else [kind_of.get(v, "mean") for v in tot["variable"]],
        title=title, source=source, notes=notes, name="estimates",
    )  # fmt: skip
    data = {"data": tidy}
    stats = {"data": tidy_statistics(row_kinds)}
    write_xlsx(tables, path, data=data, statistics=stats)


def _replicate_spec(path: Path) -> dict:
    """The ``--replicates`` JSON (``survey weight --replicates`` writes it)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read replicate spec {path}: {exc}")


def _estimate_kinds(des, kinds, by, with_totals, ci, level, df, quality):
    """``(frames, totals)``: one verb call per statistic for all its variables, by the
    domains, and on the full design for the national row when asked. The same for every
    engine (table designs compute quantiles from each domain's weighted distribution
    function; what they cannot push down raises NotPushedDown, shown as the error)."""
    from survey.quality import apply as quality_apply

    def run(kind, names, domains):
        if kind == "quantile":
            return quality_apply(
                des.quantile(names, by=domains, level=level, df=df or "domain", ci=ci or "mean"),
                quality,
            )
        method = ci or ("logit" if kind == "prop" else "wald")
        verb = {"mean": des.mean, "prop": des.prop, "total": des.total}[kind]
        return verb(names, by=domains, ci=method, level=level, df=df or "design", quality=quality)

    frames = [run(kind, names, by or None) for kind, names in kinds.items()]
    totals = [run(kind, names, None) for kind, names in kinds.items()] if with_totals else []
    return frames, totals


def _estimate_on_backend(
    data, engine, variables, spec, by, stat, ci, level, df, quality, replicates,
    missing_codes, decimal, with_totals,
):  # fmt: skip
    """``survey estimate --engine duckdb|spark``: the design on the file where it is (only
    the aggregated totals come into memory), the same verbs; returns ``(design, frames,
    national-total frames, kinds)`` for the output code shared with the in-memory route."""
    from survey.backends import NotPushedDown, TableDesign, TableReplicateDesign
    from survey.design import DESIGN_SPEC_KEYS, DesignError
    from survey.engine import EstimationError

    if missing_codes:
        fail(
            f"--missing-codes with --engine {engine}: not pushed down yet (recode them in the "
            "file, or use --engine memory)"
        )
    options = {}
    if engine == "duckdb" and str(data).lower().endswith((".csv", ".csv.gz")) and decimal != ".":
        options["csv_options"] = {"decimal": decimal}
    with backend_progress() as progress:
        try:
            if replicates is not None:
                rep_args = _replicate_spec(replicates)
                if not isinstance(rep_args, dict) or "weight" not in rep_args:
                    fail(f"{replicates}: a replicate spec needs 'weight' and 'repweights'")
                des = TableReplicateDesign(str(data), engine=engine, **rep_args, **options)
            else:
                kw = {k: spec[k] for k in DESIGN_SPEC_KEYS if k in spec}
                des = TableDesign(str(data), engine=engine, **kw, **options)
            progress.watch(des)
            kinds: dict[str, list[str]] = {}
            kind_of = _backend_kinds(variables, des, stat)
            for var in variables:
                kinds.setdefault(kind_of[var], []).append(var)

            frames, totals = _estimate_kinds(des, kinds, by, with_totals, ci, level, df, quality)
        except (
            DesignError,
            EstimationError,
            KeyError,
            ValueError,
            NotPushedDown,
            TypeError,
        ) as exc:
            fail(f"{data}: {exc}")
    return des, frames, totals, kinds


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_command)
