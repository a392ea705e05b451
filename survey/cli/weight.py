"""``survey weight``: apply a weighting spec (weights/*.yaml) and write the new weight column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from survey.cli._common import check_outputs, console, error_text, fail

#: Extensions ``--out`` can have (CSV and parquet by pandas, SPSS/Stata with their labels).
OUT_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".sav", ".zsav", ".dta")
SHOWN = ["n_positive", "sum", "min", "median", "max", "max_min_ratio", "deff_kish", "n_effective"]


def weight(
    data: Annotated[Path, typer.Argument(help="Data file (.sav, .dta, .csv[.gz], .parquet, ...)")],
    spec: Annotated[Path, typer.Option(help="Weighting spec (YAML), e.g. weights/example.yaml")],
    out: Annotated[
        Path,
        typer.Option(
            help="Output file (.parquet, .csv[.gz], .sav, .zsav, .dta): data + new weight"
        ),
    ],
    overwrite: Annotated[
        bool, typer.Option(help="Replace existing output files (never an input)")
    ] = False,
    diagnostics: Annotated[
        Path | None, typer.Option(help="Also write the margins/weights diagnostics (.csv)")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the data file")] = None,
) -> None:
    """Weight DATA as SPEC says and write the data with the new weight column to OUT.

    No input file (data, spec, population tables) is ever modified, whatever the flags; all
    outputs are checked before the data are read.
    """
    import survey
    from survey.weighting import WeightingError
    from survey.weighting.spec import load_spec, run_spec

    if not data.is_file():
        fail(f"data file {data} does not exist")
    try:
        parsed = load_spec(spec)
    except WeightingError as err:
        fail(str(err))
    populations = {p.file for p in (parsed.population, *(st[2] for st in parsed.steps)) if p}
    # every output is checked (path, extension, not an input, not existing) before any work
    check_outputs(
        [("--out", out, OUT_SUFFIXES), ("--diagnostics", diagnostics, (".csv",))],
        overwrite,
        inputs=[data, spec, *populations],
    )
    try:
        ds = survey.read(data, encoding=encoding)
    except Exception as err:  # reader errors name the file; no traceback
        fail(f"could not read data file {data}: {err}")
    try:
        result = run_spec(parsed, ds.data)
    except (WeightingError, ValueError, KeyError) as err:
        fail(f"weighting {data} with {spec}: {error_text(err)}")
    name = out.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            result.data.to_csv(out, index=False)
        elif name.endswith(".parquet"):
            result.data.to_parquet(out, index=False)
        else:
            survey.io.write(result.data, out, meta=ds.meta)
    except (OSError, ValueError) as err:
        fail(f"could not write --out {out}: {err}")
    table = Table(title=f"Weights after each step ({parsed.name})")
    table.add_column("step")
    for c in SHOWN:
        table.add_column(c, justify="right")
    for label, row in result.diagnostics.iterrows():
        table.add_row(str(label), *[f"{row[c]:,.4g}" for c in SHOWN])
    console.print(table)
    if len(result.margins):
        worst = result.margins["relative_difference"].abs().max()
        console.print(f"margins: {len(result.margins)} cells, largest relative gap {worst:.2e}")
    if diagnostics is not None:
        frames = [result.diagnostics.reset_index(names="step").assign(table="weights")]
        if len(result.margins):
            frames.append(result.margins.assign(table="margins"))
        import pandas as pd

        pd.concat(frames, ignore_index=True).to_csv(diagnostics, index=False)
    console.print(f"wrote {out} (new column {result.column!r})")


def register(app: typer.Typer) -> None:
    app.command("weight")(weight)
