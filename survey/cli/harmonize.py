"""``survey harmonize DATA --crosswalk NAME --out FILE``: standard-coded data plus a report.

The value labels of the design columns passed through (``territory`` region names, ...) are
written next to the data as JSON (``<out>_labels.json``: ``{column: {code: label}}``), since
neither CSV nor parquet keeps them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from survey.cli._common import check_outputs, console, err_console, error_text, fail

#: Columns of the mapping report shown on screen (the file keeps them all).
REPORT_SHOWN = (
    "source",
    "target",
    "status",
    "mode",
    "n_mapped",
    "n_missing",
    "n_unknown",
    "unknown_codes",
)


def harmonize_cmd(
    data: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="Survey file (SPSS, Stata, CSV, ...)."),
    ],
    crosswalk: Annotated[
        str, typer.Option("--crosswalk", "-c", help="Crosswalk name or .yaml file.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Harmonised data (.csv or .parquet).")],
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Mapping report (.csv); default <out>_report.csv."),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels", help="Value labels of design columns (.json); default <out>_labels.json."
        ),
    ] = None,
    keep_missing: Annotated[
        bool, typer.Option("--keep-missing", help="Keep standard missing codes instead of NaN.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing output files (never an input).")
    ] = False,
) -> None:
    """Map a published survey onto the standard items (codes read from value labels when present)."""
    from survey import read
    from survey.instruments import InstrumentError, harmonize
    from survey.instruments.harmonize import crosswalk_dir

    report = report or out.with_name(out.stem + "_report.csv")
    labels = labels or out.with_name(out.stem + "_labels.json")
    cw_file = (
        Path(crosswalk)
        if crosswalk.lower().endswith((".yaml", ".yml"))
        else crosswalk_dir() / f"{crosswalk}.yaml"
    )
    # all outputs are checked (extension, not an input, not existing) before any work
    check_outputs(
        [
            ("--out", out, (".csv", ".parquet")),
            ("--report", report, (".csv",)),
            ("--labels", labels, (".json",)),
        ],
        overwrite,
        inputs=[data, cw_file],
    )
    try:
        sd = read(data, user_missing="keep")
    except Exception as exc:  # reader errors name the file; no traceback
        fail(f"could not read {data}: {exc}")
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            res = harmonize(sd, crosswalk, keep_missing=keep_missing)
    except (InstrumentError, KeyError, OSError) as exc:
        fail(f"harmonising {data} with {crosswalk!r}: {error_text(exc)}")
    for w in caught:  # e.g. a design column the crosswalk names but the data lack
        err_console.print(f"[bold yellow]warning:[/] {escape(str(w.message))}", highlight=False)
    try:
        from survey._atomic import atomic_output

        with atomic_output(out) as tmp:
            if out.suffix.lower() == ".csv":
                res.data.to_csv(tmp, index=False)
            else:
                res.data.to_parquet(tmp, index=False)
        with atomic_output(report) as tmp:
            res.report.to_csv(tmp, index=False)
        if res.value_labels:
            import json

            doc = {
                col: {f"{k:g}" if isinstance(k, float) else str(k): v for k, v in labs.items()}
                for col, labs in res.value_labels.items()
            }
            with atomic_output(labels) as tmp:
                tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    except (OSError, ValueError) as exc:
        fail(f"could not write {out} / {report}: {exc}")
    table = Table(title=f"{data.name} -> {res.crosswalk.name} (verified: {res.crosswalk.verified})")
    for col in REPORT_SHOWN:
        table.add_column(col, overflow="fold")
    for row in res.report.itertuples(index=False):
        table.add_row(*(_cell(getattr(row, c)) for c in REPORT_SHOWN))
    console.print(table)
    extra = f" and {labels}" if res.value_labels else ""
    console.print(f"wrote {out} ({len(res.data)} rows), {report}{extra}")
    rep = res.report
    items = rep[rep["target"].isin(res.crosswalk.targets)]
    mapped = items[(items["status"] == "mapped") & (items["n_mapped"] > 0)]
    if len(mapped) < len(items):
        missing = items[~items.index.isin(mapped.index)]
        err_console.print(
            f"[yellow]warning:[/] only {len(mapped)} of {len(items)} items of crosswalk "
            f"{escape(res.crosswalk.name)!r} map onto {escape(str(data))}; not mapped: "
            + escape(
                ", ".join(f"{r.source} -> {r.target} ({r.status})" for r in missing.itertuples())
            ),
            soft_wrap=True,
            highlight=False,
        )
    failures = res.claimed_failures()
    if not failures.empty:
        console.print(
            f"[yellow]{len(failures)} claimed items did not map cleanly: see the report[/]"
        )


def _cell(value) -> str:
    """A report cell for the terminal: missing (a design row's mode, an absent item's
    counts) is an empty cell, never "nan" / "<NA>" / "None"; counts without ".0"."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return escape(str(value))


def register(app: typer.Typer) -> None:
    app.command("harmonize")(harmonize_cmd)
