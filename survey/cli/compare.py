"""``survey compare``: baseline vs follow-up (and treated vs comparison) from two data files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from survey._lazy import LazyModule
from survey._text import int_codes, local_digits, with_int_counts
from survey.cli._common import (
    LABELS_HELP,
    XlsxLangOption,
    backend_progress,
    check_output_path,
    check_quality,
    choose_engine,
    console,
    engine_help,
    error_text,
    fail,
    quality_help,
    rich_table,
    with_labels_option,
)

np = LazyModule("numpy")  # imported when a command runs, not for --help
pd = LazyModule("pandas")

_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)"
_CODE = re.compile(rf"^{_NUMBER}(?:-{_NUMBER})?$")  # a number or a range lo-hi


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _indicator_specs(values: list[str] | None, columns) -> list[str]:
    """The indicator specs of the --indicators options (each comma-separated).

    Within one option, a piece without ``=`` that follows a ``name=col:values`` spec continues
    its list of values when it is a number or range, or is not a column of the data
    (``victim=p1:1,2`` is one indicator, ``victim=p1:1,trust`` two).
    """
    from survey.compare._spec import _SPEC

    specs: list[str] = []
    for item in values or []:
        start = len(specs)
        for piece in (p.strip() for p in item.split(",")):
            if not piece:
                continue
            if (
                len(specs) > start
                and "=" not in piece
                and _SPEC.match(specs[-1])
                and (_CODE.match(piece) or piece not in columns)
            ):
                specs[-1] += "," + piece
            else:
                specs.append(piece)
    return specs


def _text_codes(frame: pd.DataFrame, specs: list[str], source: str):
    """Make the 0/1 columns of specs over text columns (``sw=sch.wide:Yes``); check the rest.

    A spec over a column holding text (not numbers) is 1 where the stripped text equals one of
    its codes, 0 for any other answer and missing where the column is missing. Specs over
    numeric columns are left to :func:`survey.compare._spec.derive_indicators`; their codes
    must be numbers or ranges ``lo-hi``. Returns the frame and the specs (text specs replaced
    by the names of their new columns).
    """
    from survey.compare._spec import _SPEC

    out, new = [], {}
    for spec in specs:
        m = _SPEC.match(spec)
        if not m or m.group("col") not in frame.columns:
            out.append(spec)  # plain columns and unknown columns: derive_indicators says
            continue
        name, col = m.group("name"), m.group("col")
        codes = [c.strip() for c in m.group("values").split(",") if c.strip()]
        s = frame[col]
        present = s.dropna()
        numeric = pd.api.types.is_numeric_dtype(s) or (
            pd.to_numeric(present, errors="coerce").notna().all()
        )
        if numeric:
            bad = [c for c in codes if not _CODE.match(c)]
            if bad:
                fail(
                    f"{source}: indicator {spec!r}: column {col!r} holds numbers, so its codes "
                    f"must be numbers or ranges lo-hi (got {', '.join(map(repr, bad))})"
                )
            out.append(spec)
            continue
        text = s.astype("string").str.strip()
        seen = set(text.dropna().unique())
        if not seen & set(codes):
            shown = ", ".join(map(repr, sorted(seen)[:20]))
            fail(
                f"{source}: indicator {spec!r}: column {col!r} holds text and none of the codes "
                f"{codes} occurs in it (values: {shown}); text codes must match exactly"
            )
        new[name] = text.isin(codes).astype("float64").where(text.notna())
        out.append(name)
    return (frame.assign(**new) if new else frame), out


def compare_command(
    baseline: Annotated[
        Path, typer.Argument(help="Baseline data file (with --wave: the file of both waves)")
    ],
    indicators: Annotated[
        list[str],
        typer.Option(
            help="Indicator: a column, or name=col:values for a 0/1 indicator "
            "(e.g. b18_57=b18:5-7, victim=p1:1,2; text codes for text columns: "
            "wide=sch.wide:Yes); comma-separated or repeated"
        ),
    ],
    followup: Annotated[
        Path | None, typer.Argument(help="Follow-up data file (omit with --wave)")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output .xlsx (one sheet per result) or .csv (the comparison); without it "
            "the tables are only printed"
        ),
    ] = None,
    weight: Annotated[str | None, typer.Option(help="Weight column")] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    psu: Annotated[str | None, typer.Option(help="PSU (cluster) column")] = None,
    fpc: Annotated[str | None, typer.Option(help="FPC column")] = None,
    nest: Annotated[bool, typer.Option(help="PSU ids are reused across strata")] = False,
    lonely_psu: Annotated[str, typer.Option(help="fail|certainty|adjust|remove|average")] = "fail",
    by: Annotated[list[str] | None, typer.Option(help="Domain column (repeat to cross)")] = None,
    wave: Annotated[
        str | None,
        typer.Option(
            help="Wave column of ONE file holding both waves (give one data file); "
            "--before/--after say which values are compared"
        ),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option(help="Baseline value of --wave (default: the smaller of two values)"),
    ] = None,
    after: Annotated[
        str | None,
        typer.Option(help="Follow-up value of --wave (default: the larger of two values)"),
    ] = None,
    wave_df: Annotated[
        str | None,
        typer.Option(
            help="Degrees of freedom of each estimate: 'domain' (the rows of the --by domain, "
            "R's degf of the subset; the default with --by, right when the domains are "
            "separate samples such as countries) or 'design' (the whole file's; the "
            "default without --by)"
        ),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="Treatment/comparison column: adds difference-in-differences")
    ] = None,
    treated: Annotated[
        str | None,
        typer.Option(
            help="Value of --group for the treated areas: a code or its value label "
            "(needed unless --group is coded 0/1, where 1 is treated)"
        ),
    ] = None,
    panel_id: Annotated[
        str | None,
        typer.Option(help="Panel id: waves share units, compared in one combined design"),
    ] = None,
    statistic: Annotated[str, typer.Option(help="mean|prop|total|quantile")] = "mean",
    measure: Annotated[str, typer.Option(help="difference|ratio|percent_change")] = "difference",
    worse_higher: Annotated[
        list[str] | None, typer.Option(help="Indicators where an increase is harmful")
    ] = None,
    worse_lower: Annotated[
        list[str] | None, typer.Option(help="Indicators where a decrease is harmful")
    ] = None,
    adjust: Annotated[str | None, typer.Option(help="holm|bh|bonferroni|by")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of the flags")] = 0.05,
    level: Annotated[float, typer.Option(help="Confidence level")] = 0.95,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing --out file (never an input)")
    ] = False,
    quality: Annotated[str, typer.Option(help=quality_help())] = "cepal2020",
    show_suppressed: Annotated[
        bool,
        typer.Option(
            help="Print the changes whose input estimates the quality rule suppresses "
            "(marked caution, with the reason)"
        ),
    ] = False,
    labels: Annotated[Path | None, typer.Option(help=LABELS_HELP)] = None,
    lang: XlsxLangOption = "en",
    title: Annotated[str | None, typer.Option(help="Title of the xlsx tables")] = None,
    source_line: Annotated[
        str | None,
        typer.Option("--source", help="Source line of the xlsx tables (default: the data files)"),
    ] = None,
    engine: Annotated[
        str, typer.Option(help=engine_help("the estimation") + "; --panel-id needs memory")
    ] = "auto",
) -> None:
    """Design-based change between two surveys, with tests, flags and (with --group) DiD.

    Waves: two files (BASELINE FOLLOWUP), or one file and its wave column
    (BASELINE --wave year --before 2018 --after 2023).

    With --by, each domain's estimates use that domain's degrees of freedom
    (--wave-df domain) unless --wave-df design is given.
    """
    import survey
    from survey.compare import (
        combine_waves,
        compare_independent,
        compare_within,
        did,
        do_no_harm,
        paired_tests,
    )
    from survey.compare._spec import derive_indicators, split_waves
    from survey.design import Design, DesignError
    from survey.engine import EstimationError

    if wave is None:
        if before is not None or after is not None:
            fail("--before/--after select the waves of --wave COLUMN; give --wave too")
        if followup is None:
            fail("give two data files (BASELINE FOLLOWUP), or one file and --wave COLUMN")
    elif followup is not None:
        fail("with --wave give ONE data file holding both waves (got two)")
    inputs = [p for p in (baseline, followup) if p is not None]
    for path in inputs:
        if not path.is_file():
            fail(f"data file {path} does not exist")
    if lang not in ("en", "es", "pt"):
        fail(f"--lang {lang!r}: use en, es or pt")
    check_quality(quality)
    if out is not None:
        check_output_path(
            out, overwrite, inputs=[*inputs, labels], suffixes=(".xlsx", ".csv"), what="--out"
        )
    engine = choose_engine(baseline, engine)
    by = list(by or [])
    if wave_df is None:
        wave_df = "domain" if by else "design"
    if wave_df not in ("design", "domain"):
        fail(f"--wave-df {wave_df!r} must be 'design' or 'domain'")
    worse = {v: "higher" for v in _split(worse_higher)} | {v: "lower" for v in _split(worse_lower)}
    sheets: dict[str, pd.DataFrame] = {}
    if engine != "memory":
        sheets, frames, value_labels, variable_labels, labels_w, sources = _compare_on_backend(
            engine, inputs, baseline, labels, indicators, by, wave, before, after, group,
            treated, panel_id, statistic, measure, wave_df,
            design={"weight": weight, "strata": strata, "psu": psu, "fpc": fpc, "nest": nest,
                    "lonely_psu": lonely_psu},
            lang=lang,
            common=dict(
                alpha=alpha, level=level, adjust=adjust, worse=worse or None, quality=quality
            ),
        )  # fmt: skip
    else:
        raw, value_labels, variable_labels = [], {}, {}
        for path in inputs:
            try:
                sd = survey.read(path)
            except Exception as exc:  # reader errors name the file; no traceback
                fail(f"could not read {path}: {exc}")
            sd = with_labels_option(sd, labels)
            raw.append(sd.data)
            value_labels = {**getattr(sd.meta, "value_labels", {}), **value_labels}
            variable_labels = {**getattr(sd.meta, "variable_labels", {}), **variable_labels}
        sources = [str(p) for p in inputs]
        if wave is not None:
            try:
                b, a, wave_labels, other = split_waves(
                    raw[0], wave, before, after, source=str(baseline), labels=value_labels.get(wave)
                )
            except (KeyError, ValueError) as exc:
                fail(error_text(exc))
            raw = [b, a]
            labels_w = wave_labels
            sources = [
                f"{baseline} ({wave}={wave_labels[0]})",
                f"{baseline} ({wave}={wave_labels[1]})",
            ]
            console.print(
                _waves_line(baseline, wave, wave_labels, lang, (len(b), len(a)), other),
                highlight=False,
            )
        if by:
            console.print(_df_line(wave_df, lang), highlight=False)
        specs = _indicator_specs(indicators, raw[0].columns)
        try:
            frames = []
            for source, data in zip(sources, raw, strict=True):
                data, derived = _text_codes(data, specs, source)
                data, names = derive_indicators(data, derived, source=source)
                frames.append(data)
            common = dict(
                alpha=alpha, level=level, adjust=adjust, worse=worse or None, quality=quality
            )
            if panel_id is None:
                designs = [
                    Design(
                        f,
                        weight=weight,
                        strata=strata,
                        psu=psu,
                        fpc=fpc,
                        nest=nest,
                        lonely_psu=lonely_psu,
                    )
                    for f in frames
                ]
                by_g = [*by, group] if group else by
                sheets["comparison"] = compare_independent(
                    *designs,
                    names,
                    by=by_g or None,
                    statistic=statistic,
                    measure=measure,
                    wave_df=wave_df,
                    **common,
                )
                stacked = (
                    combine_waves(
                        {"baseline": frames[0], "followup": frames[1]},
                        weight=weight,
                        strata=strata,
                        psu=psu,
                        fpc=fpc,
                        lonely_psu=lonely_psu,
                    )
                    if group
                    else None
                )
            else:
                stacked = combine_waves(
                    {"baseline": frames[0], "followup": frames[1]},
                    weight=weight,
                    strata=strata,
                    psu=psu or panel_id,
                    fpc=fpc,
                    lonely_psu=lonely_psu,
                    panel=True,
                )
                by_g = [*by, group] if group else by
                sheets["comparison"] = compare_within(
                    stacked,
                    names,
                    "wave",
                    by=by_g or None,
                    baseline="baseline",
                    followup="followup",
                    statistic=statistic,
                    measure=measure,
                    df=wave_df,
                    **common,
                )
                sheets["paired_tests"] = paired_tests(frames[0], frames[1], panel_id, names, level)
            if group:
                # --treated as a code or a value label of the file, resolved as survey.compare does
                from survey.compare._levels import resolve_pair

                _, treated = resolve_pair(
                    stacked.data, group, None, treated, kind="group",
                    labels=value_labels.get(group),
                )  # fmt: skip
                sheets["did"] = did(
                    stacked,
                    names,
                    group,
                    "wave",
                    by=by or None,
                    treated=treated,  # a code or a value label; resolved in survey.compare
                    pre="baseline",
                    post="followup",
                    statistic=statistic,
                    df=wave_df,
                    **common,
                )
        except (OSError, DesignError, EstimationError, KeyError, ValueError) as exc:
            fail(f"comparing {' and '.join(sources)}: {error_text(exc)}")
    _name_sides(sheets, wave, labels_w if wave is not None else None, inputs, group, value_labels)
    from survey.io import Metadata

    # one set of publication tables for the terminal and the xlsx: labels for codes,
    # percent and percentage points, Reliability/Reason, "<0.001"
    meta = Metadata(variable_labels=variable_labels, value_labels=value_labels)
    # the tidy outputs (csv, the xlsx's sheets) apply the terminal's rule, as `survey
    # estimate --out` does: a row with a suppressed input has its numbers blanked (unless
    # --show-suppressed) and says why; integer codes and <by>_label columns
    keys = {"comparison": [*by, *([group] if group else [])], "did": by}
    tidy = {
        name: _tidy(f, keys[name], meta, show_suppressed) if name in keys else f
        for name, f in sheets.items()
    }
    # the screen lists every significant worsening, those with a suppressed input too (a
    # missed harm is not seen at all), with the sheets' blanked numbers and reason
    harm = []
    for name, f in sheets.items():
        if "worsened" in f:
            rows = do_no_harm(f).index
            listed = tidy[name].loc[rows].copy()
            listed["worsened"] = f.loc[rows, "worsened"]
            harm.append(listed.assign(result=name))
    tidy["do_no_harm"] = pd.concat(harm, ignore_index=True)
    waves = (
        tuple(_wave_label(t, value_labels.get(wave)) for t in labels_w[:2])
        if wave is not None else (baseline.name, followup.name if followup else "")
    )  # fmt: skip
    tables, reasons = _publication(
        sheets, by, group, meta, frames[0], waves, level, lang,
        title=title, source=source_line or " / ".join(p.name for p in inputs),
        df_rule=wave_df, show_suppressed=show_suppressed,
    )  # fmt: skip
    for table in tables:
        console.print(rich_table(table))
    if reasons and console.width < REASON_WIDTH:  # the tables left the reasons to the files
        from survey.plots._text import tr

        console.print(
            f"[dim]{tr('flag_reasons', lang)}:\n"
            + "\n".join(f"  {escape(line)}" for line in reasons)
            + "[/]",
            highlight=False,
        )
    if len(tidy["do_no_harm"]):
        # the screen's own p-value (unadjusted by default): `significant` may say otherwise
        sheet = "; sheet do_no_harm" if out is not None and out.suffix.lower() == ".xlsx" else ""
        which = {
            f.attrs.get("worsened_p", "unadjusted") for f in sheets.values() if "worsened" in f
        }
        console.print(
            f"[bold red]{len(tidy['do_no_harm'])} worsening(s) significant at the "
            f"{' / '.join(sorted(which))} p-value (do-no-harm screen{sheet})[/]"
        )
    hidden = int(tidy["do_no_harm"]["suppressed_input"].astype("boolean").fillna(False).sum())
    if hidden and not show_suppressed:
        console.print(
            f"[dim]{hidden} of them with a suppressed input estimate: listed without their "
            "numbers (--show-suppressed shows them)[/]"
        )
    if out is None:
        return
    try:
        from survey._atomic import atomic_output

        with atomic_output(out) as tmp:
            if out.suffix.lower() == ".xlsx":
                from survey.report.tables import write_xlsx

                write_xlsx(tables, tmp, data=tidy)
            else:
                with_int_counts(tidy["comparison"]).to_csv(tmp, index=False)
    except OSError as exc:
        fail(f"could not write --out {out}: {exc}")
    console.print(f"written {out}")


def _waves_line(path, wave, labels, lang, rows=None, other=0) -> str:
    """The line naming the two waves compared (and their rows) in ``lang``."""
    from survey.plots._text import tr

    sides = [f"{wave}={label}" for label in labels[:2]]
    if rows is not None:
        sides = [
            tr("rows_of", lang, what=w, k=local_digits(f"{k:,}", lang))
            for w, k in zip(sides, rows, strict=True)
        ]
    line = tr("waves_from", lang, path=path, first=sides[0], second=sides[1])
    return line + (f"; {tr('other_waves_left', lang, k=other)}" if other else "")


def _df_line(wave_df: str, lang: str) -> str:
    """Which degrees of freedom each estimate takes, in ``lang``."""
    from survey.plots._text import tr

    key = "df_each_domain" if wave_df == "domain" else "df_each_file"
    return f"{tr(key, lang)} (--wave-df {wave_df})"


def _compare_on_backend(
    engine, inputs, baseline, labels, indicators, by, wave, before, after, group, treated,
    panel_id, statistic, measure, wave_df, *, design, common, lang="en",
):  # fmt: skip
    """``survey compare --engine duckdb|spark``: the waves' designs on the files where they
    are (one file filtered by --wave, or two files; stacked in SQL for --group), the
    indicators derived by the engine, the comparisons of :mod:`survey.compare` on them.
    Returns what the shared output code needs: ``(sheets, [0/1 indicator stand-in],
    value labels, variable labels, wave display labels, source names)``."""
    from survey.backends import NotPushedDown, TableDesign, executor_for
    from survey.backends import derive as X
    from survey.cli._common import require_table_file
    from survey.compare import compare_independent, did
    from survey.compare._spec import _SPEC, _values, resolve_waves
    from survey.design import DesignError
    from survey.engine import EstimationError
    from survey.io import Metadata, SurveyData

    if panel_id is not None:
        fail(
            f"--panel-id with --engine {engine}: the paired tests need the rows (not pushed "
            "down yet); use --engine memory"
        )
    if statistic == "quantile":
        fail(
            f"--statistic quantile with --engine {engine}: not pushed down yet; use --engine memory"
        )
    for path in inputs:
        require_table_file(path, engine)
    options = {}
    if engine == "duckdb":
        import duckdb

        options["con"] = duckdb.connect()  # one connection: the waves can be stacked
    try:
        tables = [executor_for(str(p), engine, **options) for p in inputs]
    except Exception as exc:  # noqa: BLE001 - the engine's reading error names the file
        fail(f"could not read {' / '.join(map(str, inputs))} with {engine}: {exc}")
    stand_in = SurveyData(pd.DataFrame(columns=list(tables[0].columns)), Metadata())
    meta = with_labels_option(stand_in, labels).meta
    value_labels, variable_labels = dict(meta.value_labels), dict(meta.variable_labels)
    sources, labels_w = [str(p) for p in inputs], None
    try:
        if wave is not None:
            src = tables[0]
            values = pd.DataFrame({wave: src.distinct(wave)} if wave in src.columns else {})
            b, a, labels_w = resolve_waves(
                values, wave, before, after, source=str(baseline), labels=value_labels.get(wave)
            )
            keep = {"b": b, "a": a}
            tables = [
                X.view(src, where=_rows_equal(wave, keep[k]), drop=[wave]) for k in ("b", "a")
            ]
            sources = [f"{baseline} ({wave}={labels_w[0]})", f"{baseline} ({wave}={labels_w[1]})"]
            console.print(_waves_line(baseline, wave, labels_w, lang), highlight=False)
        if by:
            console.print(_df_line(wave_df, lang), highlight=False)
        specs = _indicator_specs(indicators, list(tables[0].columns))
        names, derived = [], {}
        for spec in specs:
            m = _SPEC.match(spec)
            if not m:
                for t, source in zip(tables, sources, strict=True):
                    if spec not in t.columns:
                        raise KeyError(f"indicator {spec!r} is not a column of {source}")
                names.append(spec)
                continue
            col = m.group("col")
            for t, source in zip(tables, sources, strict=True):
                if col not in t.columns:
                    raise KeyError(f"indicator {spec!r}: column {col!r} is not in {source}")
                if t.columns[col] == "text":
                    raise NotPushedDown(
                        f"indicator {spec!r}: text codes of column {col!r} with --engine "
                        f"{engine}: not pushed down yet; use --engine memory"
                    )
            try:
                values = _values(m.group("values"))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"indicator {spec!r}: {exc}") from exc
            derived[m.group("name")] = X.in_values(X.Num(col), values)
            names.append(m.group("name"))
        if derived:
            tables = [X.view(t, columns=derived) for t in tables]
        kw = {k: v for k, v in design.items() if v not in (None, False)}
        sheets = {}
        with backend_progress() as progress:
            designs = []
            for t in tables:
                designs.append(TableDesign(t, **kw))
                progress.watch(designs[-1])
            by_g = [*by, group] if group else by
            sheets["comparison"] = compare_independent(
                *designs, names, by=by_g or None, statistic=statistic, measure=measure,
                wave_df=wave_df, **common,
            )  # fmt: skip
            if group:
                stacked_src = X.stack_waves(
                    {"baseline": tables[0], "followup": tables[1]},
                    strata=design["strata"], psu=design["psu"],
                )  # fmt: skip
                stacked = TableDesign(
                    stacked_src, weight=design["weight"], strata="_wave_strata",
                    psu="_wave_psu", fpc=design["fpc"], lonely_psu=design["lonely_psu"],
                )  # fmt: skip
                from survey.compare._levels import resolve_pair, values_of

                _, treated = resolve_pair(
                    values_of(stacked, group), group, None, treated, kind="group",
                    labels=value_labels.get(group),
                )  # fmt: skip
                sheets["did"] = did(
                    stacked, names, group, "wave", by=by or None, treated=treated,
                    pre="baseline", post="followup", statistic=statistic, df=wave_df, **common,
                )  # fmt: skip
    except (OSError, DesignError, EstimationError, KeyError, ValueError, NotPushedDown) as exc:
        fail(f"comparing {' and '.join(sources)}: {error_text(exc)}")
    binary = X.binary_columns(tables[0], names)
    pct = pd.DataFrame({n: [0.0, 1.0] if binary[n] else [0.5, 0.5] for n in names})
    return sheets, [pct], value_labels, variable_labels, labels_w, sources


def _name_sides(sheets, wave, wave_labels, inputs, group, value_labels) -> None:
    """``label_1`` / ``label_2`` of the csv and the xlsx sheets (which side each estimate
    is) as the user knows them: the waves by ``--wave`` and their values, or by the two
    files (the comparisons ran on stand-in names "baseline" / "followup", or on two designs
    without names), and the DiD's groups with the file's value labels (the stacked design
    holds none)."""
    from survey.compare._frame import side_labels

    if "comparison" in sheets:
        f = sheets["comparison"]
        if wave is not None:
            sides = side_labels("waves", None, [f"{wave}={t}" for t in wave_labels[:2]])
        else:
            sides = side_labels("waves", None, [str(p) for p in inputs])
        for col, text in zip(("label_1", "label_2"), sides, strict=True):
            f[col] = pd.array([text] * len(f), dtype="string")
    if "did" in sheets and group is not None:
        f = sheets["did"]
        pair = (f.attrs["control"], f.attrs["treated"])
        sides = side_labels("did", group, pair, value_labels.get(group))
        for col, text in zip(("label_1", "label_2"), sides, strict=True):
            f[col] = pd.array([text] * len(f), dtype="string")


def _rows_equal(column, value):
    """1.0 where ``column`` equals ``value`` (a row filter)."""
    from survey.backends import expr as E

    return E.Equals(column, value, E.Valid((), ()))


def _wave_label(text: str, labels: dict | None) -> str:
    """A wave's header text: its value label alone ("2019" rather than "1 (2019)")."""
    m = re.match(r"^(.*) \((.*)\)$", str(text))
    if m and labels and m.group(2) in {str(v) for v in labels.values()}:
        return m.group(2)
    return str(text)


def _binary(frame: pd.DataFrame, name: str) -> bool:
    if name not in frame.columns:
        return False
    x = pd.to_numeric(frame[name], errors="coerce").dropna()
    return len(x) > 0 and bool(x.isin([0, 1]).all())


#: Below this terminal width :func:`survey.cli._common.rich_table` leaves a table's reason
#: column to the files; the reasons are then printed once under the tables.
REASON_WIDTH = 110


def _joined(words: list[str], lang: str) -> str:
    """ "a", "a and b", "a, b and c" (y / e in es / pt)."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {dict(en='and', es='y', pt='e')[lang]} {words[-1]}"


def _reasons(frame: pd.DataFrame, lang: str = "en") -> np.ndarray:
    """Why each row of a comparison is flagged or has no change (None: no reason): which
    input is suppressed or flagged caution and its ``reliability_reason`` ("baseline
    suppressed (cases < 50); follow-up suppressed (n < 100; cases < 50)"; inputs with the
    same flag and reason together: "baseline and follow-up suppressed (cases < 50)"), then
    the row's ``note`` ("no baseline estimate")."""
    from survey.plots._text import note_words, side_word, tr
    from survey.report.tables import reason_text

    inputs = frame.attrs.get("inputs") or {}
    sup = frame["suppressed_input"].astype("boolean").fillna(False).to_numpy(bool)
    notes = frame["note"].astype(object).to_numpy()
    out = np.full(len(frame), None, dtype=object)
    for r in range(len(frame)):
        flagged: dict[tuple, list[str]] = {}  # (flag, reason) -> the inputs with them
        for side, flags in inputs.items():
            flag = flags["reliability"][r]
            if flag in ("suppress", "caution"):
                key = (flag, reason_text(flags["reliability_reason"][r], lang))
                flagged.setdefault(key, []).append(side_word(side, lang))
        parts = [
            tr("input_reason", lang, side=_joined(sides, lang), flag=tr(f"{flag}_short", lang),
               why=f" ({why})" if why else "")
            for (flag, why), sides in flagged.items()
        ]  # fmt: skip
        if sup[r] and not any(flags["reliability"][r] == "suppress" for flags in inputs.values()):
            parts.append(tr("suppressed_input", lang))  # a frame that does not say which input
        note = notes[r]
        if isinstance(note, str) and note:
            parts += [note_words(n, lang) for n in note.split("; ")]
        out[r] = "; ".join(parts) or None
    return out


def _tidy(frame: pd.DataFrame, cols: list[str], meta, show_suppressed: bool) -> pd.DataFrame:
    """The comparison as the csv and the xlsx's tidy sheets hold it: the rows whose input
    estimate is suppressed with their numbers blanked (unless ``show_suppressed``; the flags
    stay), a ``reliability_reason`` column (:func:`_reasons`), integer domain codes and
    each labelled domain column followed by its labels (``region_label``)."""
    from survey.io._labels import display
    from survey.quality import mask_comparisons

    if show_suppressed:
        out = frame.copy()
        out.attrs = dict(frame.attrs)
    else:
        hide = frame["suppressed_input"].astype("boolean").fillna(False).to_numpy(bool)
        out = mask_comparisons(frame, suppressed=hide)
    out.insert(
        out.columns.get_loc("note"),
        "reliability_reason",
        pd.array(_reasons(frame, "en"), dtype="string"),
    )
    value_labels = getattr(meta, "value_labels", {}) or {}
    for b in cols:
        if b not in out.columns:
            continue
        out[b] = int_codes(out[b])
        if value_labels.get(b) and f"{b}_label" not in out.columns:
            labels = [display(value_labels[b], v) for v in out[b].astype(object)]
            out.insert(out.columns.get_loc(b) + 1, f"{b}_label", pd.array(labels, dtype="string"))
    return out


def _publication(
    sheets, by, group, meta, data, waves, level, lang, *, title, source, df_rule="design",
    show_suppressed=False,
):  # fmt: skip
    """Formatted tables of the comparison and DiD sheets, through the writer of every
    publication table (:func:`survey.report.tables.comparison_table`): domains and groups
    by their labels, 0/1 indicators in percent (changes in percentage points), other
    indicators on their scale, one table per scale; p-values below 0.001 shown "<0.001";
    rows whose inputs are flagged unreliable shaded and marked, rows with a suppressed input
    without numbers (with ``show_suppressed``: with them, marked caution), with Reliability
    and Reason columns (which input is flagged and why, :func:`_reasons`) and the interval
    note. Returns the tables and the lines a narrow terminal prints under them: each
    reason once, after the rows it explains ("Centro, Sur: baseline suppressed (...)")."""
    from survey.report.tables import comparison_table, display_frame, interval_note

    heads = {b: str(meta.variable_labels.get(b) or b) for b in [*by, *([group] if group else [])]}
    words = {
        "comparison": {"en": "Change", "es": "Cambio", "pt": "Mudança"},
        "did": {"en": "Difference in differences", "es": "Diferencia en diferencias",
                "pt": "Diferença em diferenças"},
    }  # fmt: skip
    did_names = {  # DiD rows: estimate_1 / estimate_2 are the two groups' changes
        "en": ("Change, comparison group", "Change, treated group"),
        "es": ("Cambio, grupo de comparación", "Cambio, grupo tratado"),
        "pt": ("Mudança, grupo de comparação", "Mudança, grupo tratado"),
    }
    tables, reasons = [], {}
    for key in ("comparison", "did"):
        if key not in sheets or not len(sheets[key]):
            continue
        cols = [*by, *([group] if group and key == "comparison" else [])]
        f = display_frame(sheets[key], cols, meta)
        why = _reasons(sheets[key], lang)
        f["variable"] = [meta.variable_labels.get(v) or v for v in sheets[key]["variable"]]
        flag = sheets[key]["unreliable"].astype("boolean")
        unreliable = flag.fillna(False).to_numpy(bool)
        f["reliability"] = np.where(unreliable, "caution", np.where(flag.notna(), "reliable", ""))
        # an input estimate the rule suppresses: no numbers for the row, as `survey estimate`
        # prints none for that estimate (one publication decision)
        sup = sheets[key]["suppressed_input"].astype("boolean").fillna(False).to_numpy(bool)
        # --show-suppressed: the numbers are printed, marked caution with the same reason
        f.loc[sup, "reliability"] = "caution" if show_suppressed else "suppress"
        # which input is flagged and why, and the note of a row without a change (in the
        # reason, so not again from the note)
        f["reliability_reason"] = pd.array(why, dtype=object)
        f = f.drop(columns="note")
        several = f["variable"].nunique() > 1
        for r, text in enumerate(why):
            if text:
                name = [str(f[c].iloc[r]) for c in cols] + (
                    [f["variable"].iloc[r]] if several else []
                )
                name = " · ".join(name) or str(f["variable"].iloc[r])
                head = f"{words['did'][lang]}: " if key == "did" else ""
                reasons.setdefault((head, text), []).append(name)
        f = f[[*cols, *[c for c in f.columns if c not in cols]]]
        f.attrs = {"level": level}
        pct = np.array([_binary(data, v) for v in sheets[key]["variable"]])
        for flag in (True, False):
            part = f[pct == flag]
            if not len(part):
                continue
            name = key if flag or not pct.any() else f"{key}_other"
            tables.append(
                comparison_table(
                    part.reset_index(drop=True), by=cols, labels=heads,
                    names=waves if key == "comparison" else did_names[lang],
                    percent=flag, name=f"table_{name}", lang=lang,
                    title=title or words[key][lang],
                    notes=[interval_note(level, [df_rule], lang)],
                )
            )  # fmt: skip
            tables[-1].source = source
    lines = [f"{head}{', '.join(names)}: {text}" for (head, text), names in reasons.items()]
    return tables, lines


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
