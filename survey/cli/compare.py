"""``survey compare``: baseline vs follow-up (and treated vs comparison) from two data files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from survey.cli._common import check_output_path, console, fail

SHOWN = ("variable", "category", "estimate_1", "estimate_2", "estimate", "se", "p_value")


def _table(frame: pd.DataFrame, by: list[str], title: str) -> Table:
    cols = [*by, *SHOWN, "significant", "worsened", "unreliable"]
    table = Table(title=title)
    for c in cols:
        table.add_column(c, justify="left" if c in (*by, "variable", "category") else "right")
    for row in frame[cols].itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if pd.isna(v) else f"{v:.4g}")
            else:
                cells.append("" if v is None or v is pd.NA else str(v))
        table.add_row(*cells)
    return table


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def compare_command(
    baseline: Annotated[Path, typer.Argument(help="Baseline data file")],
    followup: Annotated[Path, typer.Argument(help="Follow-up data file")],
    indicators: Annotated[
        list[str],
        typer.Option(
            help="Indicator: a column, or name=col:values for a 0/1 indicator "
            "(e.g. b18_57=b18:5-7); comma-separated or repeated"
        ),
    ],
    out: Annotated[Path, typer.Option(help="Output .xlsx (one sheet per result) or .csv")],
    weight: Annotated[str | None, typer.Option(help="Weight column")] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    psu: Annotated[str | None, typer.Option(help="PSU (cluster) column")] = None,
    fpc: Annotated[str | None, typer.Option(help="FPC column")] = None,
    nest: Annotated[bool, typer.Option(help="PSU ids are reused across strata")] = False,
    lonely_psu: Annotated[str, typer.Option(help="fail|certainty|adjust|remove|average")] = "fail",
    by: Annotated[list[str] | None, typer.Option(help="Domain column (repeat to cross)")] = None,
    group: Annotated[
        str | None, typer.Option(help="Treatment/comparison column: adds difference-in-differences")
    ] = None,
    treated: Annotated[
        str | None, typer.Option(help="Value of --group for the treated areas (default: last)")
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
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
) -> None:
    """Design-based change between two surveys, with tests, flags and (with --group) DiD."""
    import survey
    from survey.compare import (
        combine_waves,
        compare_independent,
        compare_within,
        did,
        do_no_harm,
        paired_tests,
    )
    from survey.compare._spec import derive_indicators
    from survey.design import Design, DesignError
    from survey.engine import EstimationError

    check_output_path(out, overwrite)
    by = list(by or [])
    worse = {v: "higher" for v in _split(worse_higher)} | {v: "lower" for v in _split(worse_lower)}
    sheets: dict[str, pd.DataFrame] = {}
    try:
        frames = []
        for path in (baseline, followup):
            data = survey.read(path).data
            data, names = derive_indicators(data, _split(indicators), source=str(path))
            frames.append(data)
        common = dict(alpha=alpha, level=level, adjust=adjust, worse=worse or None)
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
                *designs, names, by=by_g or None, statistic=statistic, measure=measure, **common
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
                statistic=statistic,
                measure=measure,
                **common,
            )
            sheets["paired_tests"] = paired_tests(frames[0], frames[1], panel_id, names, level)
        if group:
            tv = treated
            if tv is not None and pd.api.types.is_numeric_dtype(stacked.data[group]):
                tv = pd.to_numeric(tv)
            sheets["did"] = did(
                stacked,
                names,
                group,
                "wave",
                by=by or None,
                treated=tv,
                statistic=statistic,
                **common,
            )
    except (OSError, DesignError, EstimationError, KeyError, ValueError) as exc:
        fail(str(exc))
    harm = [do_no_harm(f).assign(result=name) for name, f in sheets.items() if "worsened" in f]
    sheets["do_no_harm"] = pd.concat(harm, ignore_index=True)
    console.print(_table(sheets["comparison"], by + ([group] if group else []), "change"))
    if "did" in sheets:
        console.print(_table(sheets["did"], by, "difference-in-differences"))
    if len(sheets["do_no_harm"]):
        console.print(f"[bold red]{len(sheets['do_no_harm'])} significant worsening(s)[/]")
    if out.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(out) as xl:
            for name, frame in sheets.items():
                frame.to_excel(xl, sheet_name=name, index=False)
    else:
        sheets["comparison"].to_csv(out, index=False)
    console.print(f"written {out}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
