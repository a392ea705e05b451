"""``survey indicators DATA``: the standard indicator battery present in a data file.

Thin shell over :func:`survey.indicators.battery`: reads the file, harmonises it with a
crosswalk (``--crosswalk``) or takes it as already on a questionnaire's standard items
(``--questionnaire``), declares the design, prints the results as a table (domains shown
with their value labels: region names rather than codes) and writes the tidy table.
Suppressed estimates are shown as "suppressed" on screen and blanked in the output file
unless ``--show-suppressed``; the indicators not computed are listed with the reason. After ``--crosswalk``, design and ``--by`` columns named as in the
file (``--strata stratum --by region sex``) are carried over from the file as read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from survey._text import local_digits, with_int_codes, with_int_counts
from survey.cli._common import (
    LABELS_HELP,
    TotalRowOption,
    XlsxLangOption,
    XlsxSourceOption,
    XlsxTitleOption,
    backend_progress,
    check_output_path,
    choose_engine,
    console,
    engine_help,
    error_text,
    fail,
    fits_whole,
    flag_cell,
    flag_reasons,
    flag_word,
    quality_help,
    with_labels_option,
    with_source_columns,
)

# design columns after harmonisation (survey.instruments.harmonize renames them to roles)
HARMONISED_ROLES = {"weight": "weight", "strata": "strata", "psu": "psu"}


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _pass_through(frame, sd, columns: list[str]):
    """The harmonised frame plus the requested design/domain columns it lacks, taken from
    the file as read (harmonisation renames design columns to roles and drops unmapped
    ones). Rows are matched by position: harmonisation keeps every row in order. Declared
    user-missing codes of those columns become missing."""
    raw = sd.data
    extra = [c for c in columns if c not in frame.columns and c in raw.columns]
    if not extra:
        return frame
    if len(raw) != len(frame):
        fail(f"harmonisation changed the number of rows ({len(raw)} -> {len(frame)})")
    out = frame.copy()
    for c in extra:
        col = raw[c].reset_index(drop=True)
        if sd.meta.has_user_missing(c):
            col = col.mask(sd.meta.is_user_missing(c, col))
        out[c] = col.to_numpy()
    return out


def _labels_for(columns, harmonised_labels: dict, raw_labels: dict, raw_columns) -> dict:
    """``{column: {code: label}}`` for the domain columns: harmonised design roles take the
    labels carried by harmonisation, columns passed through from the file its own labels."""
    out = {}
    for c in columns:
        labs = harmonised_labels.get(c)
        if labs is None and c in raw_columns:
            labs = raw_labels.get(c)
        if labs:
            out[c] = {float(k): str(v) for k, v in labs.items() if _is_number(k)}
    return out


def _library_labels(by_cols, columns, value_labels: dict, names: dict, lang: str) -> None:
    """Standard items broken down by (``--by dem_sex`` after a crosswalk) take their value
    labels and heading from the questionnaire library in ``lang`` (Hombre/Mujer, "Sex of
    the respondent") where no labels file named them (fills the dicts in place)."""
    from survey.instruments.library import library_labels

    values, headings = library_labels([c for c in by_cols if c in columns], lang)
    for col, labels in values.items():
        if not value_labels.get(col):
            value_labels[col] = labels
        if col not in names and col in headings:
            names[col] = headings[col]


def _missing_after_crosswalk(missing, data, harmonised, raw, sources: dict) -> str:
    """The error for ``--by``/design names found neither in the harmonised data nor in the
    file: the closest names of either (a file column the crosswalk renamed named with its
    standard column: ``'enc_region' (harmonised as 'territory')``), then the renamed
    columns, each usable under either name."""
    from survey._names import did_you_mean

    renamed = {src: role for role, src in sources.items() if src != role}
    pool = list(dict.fromkeys([*map(str, harmonised), *map(str, raw)]))
    parts = []
    for name in missing:
        hint = did_you_mean(name, pool)
        for src, role in renamed.items():
            hint = hint.replace(f"{src!r}", f"{src!r} (harmonised as {role!r})")
        parts.append(f"{name!r}{hint}")
    roles = ", ".join(f"{src} -> {role}" for src, role in renamed.items())
    return (
        f"column(s) {', '.join(parts)} not in {data} nor in its harmonised columns "
        f"({', '.join(map(str, harmonised))})"
        + (f"; the crosswalk renamed {roles} (--by takes either name)" if roles else "")
    )


def _is_number(x) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _label_column(values, labels: dict):
    import pandas as pd

    num = pd.to_numeric(pd.Series(values), errors="coerce")
    lab = num.map(labels)
    return lab.astype(object).where(lab.notna(), pd.Series(values).astype(object)).to_numpy()


def _missing(v) -> bool:
    """None, NaN or pd.NA (``v != v`` raises for pd.NA)."""
    import pandas as pd

    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _fmt(x, digits: int) -> str:

    if _missing(x):
        return ""
    return f"{x:,.{digits}f}"


def _digits(scale: str) -> int:
    return 2 if scale in ("%", "0-100", "per 1,000", "per 100,000") else 4


def results_table(
    table, by_cols, show_suppressed: bool, level: float, lang: str = "en", heads=None
) -> Table:
    """The rich table printed on screen: one row per estimate, suppressed values shown as
    "suppressed" (or with their flag when ``show_suppressed``), the flag of a caution or
    suppressed estimate with its reason, as ``survey estimate`` prints it
    (:func:`survey.cli._common.flag_cell`). Indicators and categories
    by their labels (``variable_label``, ``category_label``: registry titles and category
    words in ``lang``), domains as given (labelled by the caller), ``by`` headers by
    ``heads`` (their variable labels)."""
    from survey.plots._text import tr

    words = {"en": "Indicators", "es": "Indicadores", "pt": "Indicadores"}
    out = Table(title=words.get(lang, "Indicators"), show_lines=False, header_style="bold")
    out.add_column(tr("indicator", lang), overflow="fold")
    for b in by_cols:
        out.add_column(str((heads or {}).get(b) or b), overflow="fold")
    out.add_column(tr("category", lang), overflow="fold")
    out.add_column("scale")
    out.add_column(tr("estimate", lang), justify="right")
    out.add_column(tr("ci", lang, level=f"{round(level * 100):g}"), justify="right")
    out.add_column("se", justify="right")
    out.add_column("cv", justify="right")
    out.add_column("n", justify="right")
    out.add_column(tr("reliability", lang), overflow="fold")
    for row in table.to_dict("records"):
        scale = str(row.get("scale", ""))
        dg = _digits(scale)
        rel = row.get("reliability")
        rel = "" if _missing(rel) else str(rel)
        hidden = rel == "suppress" and not show_suppressed
        cat = row.get("category_label", row.get("category"))
        name = row.get("variable_label")
        cells = [str(row["indicator"] if _missing(name) else name)]
        cells += ["" if _missing(row.get(b)) else str(row.get(b)) for b in by_cols]
        cells += ["" if _missing(cat) else str(cat), scale]
        if hidden:
            cells += [flag_word(rel, lang), "", "", ""]
        else:
            lo, hi = _fmt(row.get("ci_low"), dg), _fmt(row.get("ci_high"), dg)
            cells += [
                local_digits(c, lang)
                for c in (
                    _fmt(row.get("estimate"), dg),
                    f"{lo} – {hi}" if lo and hi else "",
                    _fmt(row.get("se"), dg),
                    _fmt(row.get("cv"), 3),
                )
            ]
        n = row.get("n")
        cells += ["" if _missing(n) else local_digits(f"{int(n):,}", lang)]
        cells.append(flag_cell(rel, row.get("reliability_reason"), lang))
        out.add_row(*(escape(c) for c in cells))
    return out


#: Below this terminal width the indicators print one compact table per indicator.
COMPACT_WIDTH = 110


def results_tables(
    table, by_cols, show_suppressed: bool, level: float, lang: str = "en", heads=None
) -> list:
    """What the terminal prints: :func:`results_table` when it fits the terminal whole (at
    least :data:`COMPACT_WIDTH` columns), else one table per indicator under its title
    (word-wrapped) and scale, without the indicator, scale and se columns and without vertical rules, so that domains, numbers
    and flags stay whole on an 80-column terminal (every column is in the files); the
    flags' reasons are then listed once under the tables, as ``survey estimate`` does."""
    from rich.text import Text

    from survey.cli._common import compact_table, label_widths, squeezed_widths
    from survey.plots._text import tr

    if console.width >= COMPACT_WIDTH:
        wide = results_table(table, by_cols, show_suppressed, level, lang, heads)
        # the one wide table when it fits whole; rich would otherwise fit it by breaking
        # words ("victimisat" over "ion"): the compact tables keep words and numbers whole
        if fits_whole(wide):
            return [wide]
    numbers = [tr("estimate", lang), tr("ci", lang, level=f"{round(level * 100):g}"), "cv", "n"]
    parts = []  # (title, label heads, label rows, label columns, number rows, flags)
    for key, part in table.groupby("indicator", sort=False):
        first = part.iloc[0]
        name = first.get("variable_label")
        title = str(key if _missing(name) else name)
        scale = str(first.get("scale", ""))
        cat_col = "category_label" if "category_label" in part else "category"
        label_heads = [str((heads or {}).get(b) or b) for b in by_cols] + [tr("category", lang)]
        labels, cells, flags = [], [], []
        dg = _digits(scale)
        for row in part.to_dict("records"):
            rel = row.get("reliability")
            rel = "" if _missing(rel) else str(rel)
            values = [row.get(b) for b in by_cols] + [row.get(cat_col, row.get("category"))]
            labels.append(["" if _missing(v) else str(v) for v in values])
            if rel == "suppress" and not show_suppressed:
                shown = [flag_word(rel, lang), "", ""]
            else:
                lo, hi = _fmt(row.get("ci_low"), dg), _fmt(row.get("ci_high"), dg)
                ci = f"{lo} – {hi}" if lo and hi else ""
                shown = [_fmt(row.get("estimate"), dg), ci, _fmt(row.get("cv"), 3)]
            n = row.get("n")
            shown = [*shown, "" if _missing(n) else f"{int(n):,}"]
            cells.append([local_digits(c, lang) for c in shown])
            flags.append(flag_word(rel, lang))
        titled = f"{title} ({scale})" if scale else title
        columns = [list(c) for c in zip(*labels, strict=True)]
        parts.append((titled, label_heads, labels, columns, cells, flags))

    def layout(keep: list[int]):
        """Each part's column widths with the number columns ``keep``: numbers and the flag
        as wide as their widest cell or header (never cut), the labels in what is left."""
        out = []
        for _, label_heads, _, labels, cells, flags in parts:
            fixed = [max(len(numbers[j]), *(len(r[j]) for r in cells)) for j in keep]
            flag = max(len(tr("reliability", lang)), *map(len, flags))
            gaps = 2 * (len(label_heads) + len(keep))  # one rule-less gap between columns
            room = console.width - gaps - sum(fixed) - flag
            out.append((label_widths(label_heads, labels, room), room, fixed, flag))
        return out

    # too narrow for the labels' words: the cv gives way (the flag says what it decided;
    # the files keep it), then the labels fold; the flag column is never cut
    keep = [0, 1, 2, 3]
    widths = layout(keep)
    if any(w is None for w, *_ in widths):
        keep = [0, 1, 3]
        widths = layout(keep)
    out: list = []
    for (titled, label_heads, rows, labels, cells, flags), (lw, room, fixed, flag) in zip(
        parts, widths, strict=True
    ):
        out += [Text(""), Text(titled, style="bold")]
        t = compact_table()
        for head, w in zip(label_heads, lw or squeezed_widths(labels, room), strict=True):
            t.add_column(escape(head), width=w, overflow="fold")
        for j, w in zip(keep, fixed, strict=True):
            t.add_column(numbers[j], justify="right", no_wrap=True, width=w)
        t.add_column(tr("reliability", lang), no_wrap=True, width=flag)
        for label_row, row, word in zip(rows, cells, flags, strict=True):
            t.add_row(*(escape(c) for c in [*label_row, *(row[j] for j in keep), word]))
        out.append(t)
    if 2 not in keep:
        out.append(Text(tr("cv_left_out", lang), style="dim"))
    line = flag_reasons(table, lang)  # the reasons the compact tables leave out, once each
    return out if line is None else [*out, line]


def _backend_source(data: Path, engine: str, crosswalk):
    """``(executor, stand-in)`` for ``--engine duckdb|spark``: the file stays where it is;
    the stand-in's empty frame carries the column names the checks read."""
    import pandas as pd

    from survey.cli._common import require_table_file
    from survey.io import Metadata, SurveyData

    if crosswalk:
        fail(
            f"--crosswalk with --engine {engine}: harmonising reads the file into memory; "
            f"harmonise first: survey harmonize {data} --crosswalk {crosswalk} --out "
            f"file.parquet, then survey indicators file.parquet --engine {engine}"
        )
    require_table_file(data, engine)
    from survey.backends import executor_for

    try:
        source = executor_for(str(data), engine)
    except Exception as exc:  # noqa: BLE001 - the engine's reading error names the file
        fail(f"could not read {data} with {engine}: {exc}")
    return source, SurveyData(pd.DataFrame(columns=list(source.columns)), Metadata())


def indicators_command(
    data: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Survey file (SPSS, Stata, CSV...)")
    ],
    crosswalk: Annotated[
        str | None,
        typer.Option("--crosswalk", "-c", help="Harmonise first with this crosswalk (name/.yaml)"),
    ] = None,
    questionnaire: Annotated[
        str | None,
        typer.Option(
            "--questionnaire", "-q", help="Data already on these standard items (modules or .yaml)"
        ),
    ] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="Domain column(s); repeat or comma-separate")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output table (.xlsx or .csv)")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--indicator", help="Registry name(s) to compute")
    ] = None,
    weight: Annotated[str | None, typer.Option(help="Weight column")] = None,
    household_weight: Annotated[
        str | None, typer.Option(help="Household weight column (household indicators)")
    ] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    psu: Annotated[str | None, typer.Option(help="PSU (cluster) column")] = None,
    nest: Annotated[bool, typer.Option(help="PSU ids are reused across strata")] = False,
    lonely_psu: Annotated[
        str,
        typer.Option(
            help="fail|certainty|adjust|remove|average (fail, as every command, the API and R: "
            "the error names the strata)"
        ),
    ] = "fail",
    quality: Annotated[
        str,
        typer.Option(help=quality_help()),
    ] = "cepal2020",
    show_suppressed: Annotated[
        bool, typer.Option(help="Print suppressed estimates instead of blanking them")
    ] = False,
    level: Annotated[float, typer.Option(help="Confidence level")] = 0.95,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
    labels: Annotated[Path | None, typer.Option(help=LABELS_HELP)] = None,
    layout: Annotated[
        str,
        typer.Option(
            help="xlsx table layout: long (a row per domain and indicator) or wide (the "
            "yearbook table: a row per domain, estimate, CI and CV per indicator)"
        ),
    ] = "long",
    total: TotalRowOption = True,
    lang: XlsxLangOption = "en",
    title: XlsxTitleOption = None,
    source: XlsxSourceOption = None,
    engine: Annotated[
        str, typer.Option(help=engine_help("the estimation") + "; --crosswalk needs memory")
    ] = "auto",
) -> None:
    """Victimisation, fear and trust indicators with CIs, CVs and reliability flags.

    Shares are in percent with the domain's degrees of freedom (INE Chile's tables);
    `survey estimate` gives proportions (0-1) with the design's (R's defaults).
    """
    import survey
    from survey.indicators import IndicatorError, battery, check_options
    from survey.plots._text import tr
    from survey.quality import mask

    if crosswalk and questionnaire:
        fail("give --crosswalk or --questionnaire, not both")
    if layout not in ("long", "wide"):
        fail(f"--layout {layout!r}: use long or wide")
    if lang not in ("en", "es", "pt"):
        fail(f"--lang {lang!r}: use en, es or pt")
    if out is not None:
        inputs = [data, labels]
        inputs += [Path(c) for c in (crosswalk, questionnaire) if c and Path(c).exists()]
        out = check_output_path(
            out, overwrite, inputs=inputs, suffixes=(".xlsx", ".csv"), what="--out"
        )
    engine = choose_engine(data, engine)
    table = None  # the data backend's design source (--engine duckdb|spark)
    if engine != "memory":
        table, sd = _backend_source(data, engine, crosswalk)
    else:
        try:
            sd = survey.read(data, user_missing="keep" if crosswalk else "missing")
        except Exception as exc:  # reading errors name the file
            fail(f"could not read {data}: {exc}")
    # --labels are for display: the data (and harmonisation, which reads value labels) keep
    # the file's own
    shown_meta = with_labels_option(sd, labels).meta
    frame = sd.data
    harmonised_labels: dict = {}
    sources: dict = {}  # harmonised design column -> the file's column (for messages)
    harmonised_names: dict = {}
    if crosswalk:
        try:
            from survey.instruments.harmonize import harmonize
        except ImportError:
            fail("--crosswalk needs survey.instruments.harmonize, which is not installed")
        try:
            res = harmonize(sd, crosswalk)
        except (KeyError, ValueError) as exc:
            fail(f"harmonising {data} with {crosswalk!r}: {error_text(exc)}")
        frame = res.data
        sources = res.design_sources
        harmonised_labels = dict(res.value_labels)

        if labels is not None:  # labels keyed by source variables follow them (rph_sexo)
            from survey.io._labelfile import load, through_crosswalk

            moved, unused = through_crosswalk(load(labels), res.crosswalk, res.report)
            for col, labs in moved.value_labels.items():
                if col in frame.columns:
                    harmonised_labels[col] = labs
            harmonised_names = {
                c: t for c, t in moved.variable_labels.items() if c in frame.columns
            }
            if unused:
                console.print(
                    f"[yellow]warning:[/] --labels: the labels of {', '.join(unused)} label "
                    f"nothing: crosswalk {res.crosswalk.name} did not map these source variables",
                    highlight=False,
                )
        # the crosswalk's territory names also label the territory column as it is named
        # in the file (--by enc_region), below the file's own labels and --labels
        tcol = (getattr(res.crosswalk, "design", None) or {}).get("territory")
        tcol = tcol[0] if isinstance(tcol, (tuple, list)) and tcol else tcol
        if tcol and harmonised_labels.get("territory") and tcol in sd.data.columns:
            own = {float(k): v for k, v in (shown_meta.value_labels.get(tcol) or {}).items()
                   if _is_number(k)}  # fmt: skip
            harmonised_labels[tcol] = {
                **{float(k): v for k, v in harmonised_labels["territory"].items()},
                **own,
            }
        # a design role taken as a domain (--by territory) is headed by its source column's
        # variable label ("Región" for enc_region), as --by enc_region is
        for role, col in sources.items():
            text = shown_meta.variable_labels.get(col)
            if text and role not in sd.data.columns:
                harmonised_names.setdefault(role, text)
        from survey.instruments.harmonize import absent_design_message, absent_design_roles

        lost = [
            r
            for r in absent_design_roles(res.crosswalk, sd.data.columns)
            if {"weight": weight, "strata": strata, "psu": psu}.get(r, "given") is None
        ]
        if lost:  # never fall back to an unweighted / SRS design silently
            fail(
                f"{data}: {absent_design_message(res.crosswalk, sd.data.columns)}; fix the "
                f"crosswalk or give {' '.join('--' + r for r in lost)} explicitly"
            )
        for role, col in HARMONISED_ROLES.items():
            if role == "weight" and weight is None and col in frame.columns:
                weight = col
            if role == "strata" and strata is None and col in frame.columns:
                strata = col
            if role == "psu" and psu is None and col in frame.columns:
                psu = col
        if household_weight is None and "weight_household" in frame.columns:
            household_weight = "weight_household"
    names = _split(only) or None
    if questionnaire:
        try:
            from survey.instruments import resolve

            q = resolve(questionnaire)
        except (KeyError, ValueError, OSError) as exc:
            fail(f"questionnaire {questionnaire!r}: {exc}")
        ids = {it.id for it in q.items}
        absent = sorted(i for i in ids if i not in frame.columns)
        if len(absent) == len(ids):
            fail(f"none of the items of {questionnaire!r} is a column of {data}")
        from survey.indicators.registry import REGISTRY

        in_q = [n for n, ind in REGISTRY.items() if any(i in ids for i in ind.items)]
        names = [n for n in (names or in_q) if n in in_q]
    by_cols = _split(by)
    wanted = [c for c in dict.fromkeys([*by_cols, weight, strata, psu, household_weight]) if c]
    if crosswalk:
        frame = _pass_through(frame, sd, wanted)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        from survey._names import missing_columns

        if not crosswalk:
            fail(f"column(s) {missing_columns(missing, frame.columns)} not in {data}")
        fail(_missing_after_crosswalk(missing, data, frame.columns, sd.data.columns, sources))
    from survey.indicators.registry import REGISTRY

    pool = [REGISTRY[n] for n in names if n in REGISTRY] if names else REGISTRY.values()
    if crosswalk and not any(ind.available(frame.columns) for ind in pool):
        items = [c for c in frame.columns if c not in ("id", "weight", "weight_household",
                 "strata", "psu", "territory", "wave")]  # fmt: skip
        fail(
            f"after harmonising {data} with crosswalk {crosswalk!r}, no registered indicator "
            f"{'of ' + ', '.join(names) + ' ' if names else ''}reads its standard items "
            f"(harmonised items: {', '.join(items) or 'none'}); see `survey indicators "
            "--help` and survey.indicators.list_indicators() for the items each indicator reads"
        )
    from survey.backends import NotPushedDown
    from survey.design import DesignError

    # a status line while the backend's queries run (none in memory)
    progress = backend_progress().__enter__() if table is not None else None
    try:
        check_options({"quality": quality, "level": level})
        if table is None:
            design = survey.Design(
                frame, weight=weight, strata=strata, psu=psu, nest=nest, lonely_psu=lonely_psu
            )
        else:
            from survey.backends import TableDesign

            design = TableDesign(
                table, weight=weight, strata=strata, psu=psu, nest=nest, lonely_psu=lonely_psu
            )
            progress.watch(design)
        weights = {"household": household_weight} if household_weight else None
        import warnings

        with warnings.catch_warnings():  # printed below, once, with the table
            warnings.simplefilter("ignore", UserWarning)
            table = battery(
                design,
                by=by_cols or None,
                names=names,
                quality=quality,
                level=level,
                weights=weights,
            )
            totals = None
            if by_cols and total and out is not None and out.suffix.lower() == ".xlsx":
                # the national row: the same indicators on the full design, not summed
                totals = battery(
                    design,
                    by=None,
                    names=sorted(set(table["indicator"])),
                    quality=quality,
                    level=level,
                    weights=weights,
                )
    except (IndicatorError, ValueError, KeyError, DesignError, NotPushedDown) as exc:
        fail(f"{data}: {with_source_columns(str(exc), sources)}")
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
    skipped = table.attrs.get("skipped", {})
    for msg in table.attrs.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    if crosswalk:
        _library_labels(by_cols, frame.columns, harmonised_labels, harmonised_names, lang)
    by_labels = _labels_for(by_cols, harmonised_labels, shown_meta.value_labels, sd.data.columns)
    from dataclasses import replace

    from survey.indicators._labels import label_indicator_frame

    meta = replace(
        shown_meta,
        value_labels={**shown_meta.value_labels, **by_labels},
        variable_labels={**harmonised_names, **shown_meta.variable_labels},
    )
    table = label_indicator_frame(table, meta, by_cols, lang)
    if totals is not None:
        totals = label_indicator_frame(totals, meta, [], lang)
    if not show_suppressed:  # the shares that would give a suppressed one away, too
        from survey.quality import complementary_suppression

        cols = list(table.columns)
        table = complementary_suppression(table, cols[: cols.index("variable")])
    # domain codes as integers on the terminal and in the files (1, not 1.0)
    table = with_int_codes(table, by_cols)
    labelled = table.copy()
    for b, labs in by_labels.items():
        if b in labelled.columns:
            labelled[b] = _label_column(labelled[b].to_numpy(), labs)
    heads = {b: meta.variable_labels.get(b) or b for b in by_cols}
    for part in results_tables(labelled, by_cols, show_suppressed, level, lang, heads):
        console.print(part)
    if skipped:
        console.print(
            f"[dim]{escape(skipped_line(skipped, lang))}[/]", highlight=False
        )  # wrapped at the terminal's width (a long list of names is one line otherwise)
    shown = table if show_suppressed else mask(table, complementary=False)  # applied above
    for b in by_labels:  # the file keeps the codes and adds the labels
        if b in shown.columns:
            shown.insert(shown.columns.get_loc(b) + 1, f"{b}_label", labelled[b].to_numpy())
    if out is not None:
        import pandas as pd

        from survey._atomic import atomic_output

        with atomic_output(out) as tmp:
            if out.suffix.lower() == ".csv":
                with_int_counts(shown).to_csv(tmp, index=False)
            else:
                from survey.report.tables import (
                    result_tables,
                    table_notes,
                    tidy_statistics,
                    write_xlsx,
                )

                kinds = [str(k) for k in table["scale"]]
                tables = result_tables(
                    table, by=by_cols, kinds=kinds, meta=meta, layout=layout, lang=lang,
                    totals=totals,
                    totals_kinds=None if totals is None else [str(k) for k in totals["scale"]],
                    variable=table["variable_label"].tolist(),
                    totals_variable=None if totals is None else totals["variable_label"].tolist(),
                    category=table["category_label"].tolist(),
                    totals_category=None if totals is None else totals["category_label"].tolist(),
                    title=title or f"{data.name}: " + {"en": "indicators", "es": "indicadores",
                                                       "pt": "indicadores"}[lang], source=source or data.name,
                    notes=table_notes(level, ["domain"], quality, lang), name="table",
                )  # fmt: skip
                skipped_frame = pd.DataFrame(
                    {"indicator": list(skipped), "reason": list(skipped.values())}
                )
                write_xlsx(
                    tables,
                    tmp,
                    data={"indicators": shown, "skipped": skipped_frame},
                    statistics={"indicators": tidy_statistics(kinds)},
                )
    n_sup = int((table["reliability"] == "suppress").sum())
    how = tr("suppressed_shown" if show_suppressed else "suppressed_blanked", lang)
    line = tr(
        "estimates_line",
        lang,
        n=local_digits(f"{len(table):,}", lang),
        k=table["indicator"].nunique(),
        s=n_sup,
        how=how,
    )
    console.print(escape(line + (f"; {tr('wrote', lang, path=out)}" if out else "")))


def skipped_line(skipped: dict, lang: str = "en") -> str:
    """The terminal's one line on the indicators not computed, grouped by reason, in
    ``lang``. A reason's list of the data's columns is left to the files (the xlsx's
    ``skipped`` sheet lists each indicator with its whole reason)."""
    import re

    from survey.indicators.registry import ITEMS_NOT_IN_DATA
    from survey.plots._text import tr

    groups: dict[str, list[str]] = {}
    for name, reason in skipped.items():
        reason = re.sub(r" \(columns: [^)]*\)", "", str(reason))
        if reason == ITEMS_NOT_IN_DATA:
            reason = tr("items_not_in_data", lang)
        groups.setdefault(reason, []).append(name)
    text = "; ".join(f"{reason}: {', '.join(names)}" for reason, names in groups.items())
    return tr("skipped_line", lang, k=len(skipped), text=text)


def register(app: typer.Typer) -> None:
    app.command("indicators")(indicators_command)
