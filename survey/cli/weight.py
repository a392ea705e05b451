"""``survey weight``: apply a weighting spec (weights/*.yaml) and write the new weight column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from survey.cli._common import check_output_path, console, fail

SHOWN = ["n_positive", "sum", "min", "median", "max", "max_min_ratio", "deff_kish", "n_effective"]


def weight(
    data: Annotated[Path, typer.Argument(help="Data file (.sav, .dta, .csv[.gz], .parquet, ...)")],
    spec: Annotated[Path, typer.Option(help="Weighting spec (YAML), e.g. weights/example.yaml")],
    out: Annotated[
        Path, typer.Option(help="Output file (.parquet, .csv, .sav, .dta): data + new weight")
    ],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
    diagnostics: Annotated[
        Path | None, typer.Option(help="Also write the margins/weights diagnostics (.csv)")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the data file")] = None,
) -> None:
    """Weight DATA as SPEC says and write the data with the new weight column to OUT.

    The input file is never modified; OUT must differ from DATA.
    """
    import survey
    from survey.weighting import WeightingError
    from survey.weighting.spec import load_spec, run_spec

    if not data.exists():
        fail(f"data file {data} does not exist")
    if out.resolve() == data.resolve():
        fail(f"--out {out} is the input file; the input is never overwritten")
    try:
        parsed = load_spec(spec)
    except WeightingError as err:
        fail(str(err))
    check_output_path(out, overwrite)
    try:
        ds = survey.read(data, encoding=encoding)
        result = run_spec(parsed, ds.data)
    except (WeightingError, ValueError) as err:
        fail(str(err))
    meta = ds.meta
    if out.suffix.lower() in (".csv", ".gz"):
        result.data.to_csv(out, index=False)
    elif out.suffix.lower() == ".parquet":
        result.data.to_parquet(out, index=False)
    else:
        survey.io.write(result.data, out, meta=meta)
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
        check_output_path(diagnostics, overwrite)
        frames = [result.diagnostics.reset_index(names="step").assign(table="weights")]
        if len(result.margins):
            frames.append(result.margins.assign(table="margins"))
        import pandas as pd

        pd.concat(frames, ignore_index=True).to_csv(diagnostics, index=False)
    console.print(f"wrote {out} (new column {result.column!r})")


def register(app: typer.Typer) -> None:
    app.command("weight")(weight)
