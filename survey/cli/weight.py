"""``survey weight``: apply a weighting spec (weights/*.yaml) and write the new weight column."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import (
    check_outputs,
    compact_table,
    console,
    error_text,
    fail,
    plain_number,
    word_width,
)

#: Extensions ``--out`` can have (CSV and parquet by pandas, SPSS/Stata with their labels).
OUT_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".sav", ".zsav", ".dta")
SHOWN = ["n_positive", "sum", "min", "median", "max", "max_min_ratio", "deff_kish", "n_effective"]
#: Significant digits of each SHOWN statistic on screen (the weight total to the cent up to
#: 99,999, then whole: it is the number checked against the population total).
DIGITS = {"n_positive": 15, "sum": 7}
#: Below this terminal width the diagnostics table has no vertical rules (``compact_table``).
COMPACT_WIDTH = 100


#: Replicate methods ``--replicates`` accepts.
REPLICATE_CHOICES = ("JKn", "JK1", "bootstrap")


def replicates_info_path(out: Path) -> Path:
    """Where ``--replicates`` writes the ReplicateDesign arguments: beside ``--out``, named
    ``<out name without its extension>.replicates.json`` (``w.csv.gz`` -> ``w.replicates.json``)."""
    name = out.name
    for suffix in sorted(OUT_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return out.with_name(f"{name}.replicates.json")


def weight(
    data: Annotated[
        Path,
        typer.Argument(
            help="Data file (.sav, .dta, .csv[.gz], .parquet, ...); a bare name such as "
            "example_sample.csv that is not a local file is looked up in the bundled weights/"
        ),
    ],
    spec: Annotated[
        str,
        typer.Option(
            help="Weighting spec: a YAML file, or the name of a bundled spec "
            "(example, calibration_example)"
        ),
    ],
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
    replicates: Annotated[
        str | None,
        typer.Option(
            help="Also write replicate weights rep_1..rep_R (JKn, JK1 or bootstrap) in which "
            "every step is redone, so that their SEs reflect the calibration; the "
            "ReplicateDesign arguments (type, scale, rscales) go to OUT-NAME.replicates.json"
        ),
    ] = None,
    bootstrap_replicates: Annotated[
        int, typer.Option(help="Number of bootstrap replicates (--replicates bootstrap)")
    ] = 200,
    seed: Annotated[
        int | None, typer.Option(help="Random seed of the bootstrap replicates")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the data file")] = None,
) -> None:
    """Weight DATA as SPEC says and write the data with the new weight column to OUT.

    No input file (data, spec, population tables) is ever modified, whatever the flags; all
    outputs are checked before the data are read.

    The weight column alone is a FIXED weight to any later analysis: standard errors from
    it (e.g. ``survey estimate --weight weight_final``) ignore the calibration and the
    nonresponse adjustment. For SEs that reflect them either use the Python API
    (``survey.weighting.run_spec(spec, data).design``) or pass ``--replicates JKn`` and
    rebuild the replicate design from the written file::

        import json, pandas as pd
        from survey import ReplicateDesign
        info = json.load(open("w.replicates.json"))
        design = ReplicateDesign(pd.read_parquet("w.parquet"), **info)

    (``info`` holds ``weight``, ``repweights="rep_\\d+"``, ``type``, ``scale``, ``rscales``,
    ``combined_weights=True`` and ``mse``.)
    """
    import json

    import survey
    from survey.weighting import WeightingError
    from survey.weighting.spec import load_spec, resolve_bundled_file, run_spec

    data = resolve_bundled_file(data)
    if not data.is_file():
        fail(f"data file {data} does not exist")
    if replicates is not None and replicates not in REPLICATE_CHOICES:
        fail(f"--replicates {replicates!r} must be one of {', '.join(REPLICATE_CHOICES)}")
    try:
        parsed = load_spec(spec)
    except WeightingError as err:
        fail(str(err))
    populations = {p.file for p in (parsed.population, *(st[2] for st in parsed.steps)) if p}
    info_path = replicates_info_path(out) if replicates else None
    # every output is checked (path, extension, not an input, not existing) before any work
    check_outputs(
        [
            ("--out", out, OUT_SUFFIXES),
            ("--diagnostics", diagnostics, (".csv",)),
            ("replicate info", info_path, (".json",)),
        ],
        overwrite,
        inputs=[data, parsed.path, *populations],
    )
    try:
        ds = survey.read(data, encoding=encoding)
    except Exception as err:  # reader errors name the file; no traceback
        fail(f"could not read data file {data}: {err}")
    try:
        result = run_spec(
            parsed,
            ds.data,
            replicates=replicates,
            n_replicates=bootstrap_replicates,
            random_state=seed,
        )
    except (WeightingError, ValueError, KeyError) as err:
        fail(f"weighting {data} with {spec}: {error_text(err)}")
    name = out.name.lower()
    try:
        from survey._atomic import atomic_output

        if name.endswith((".csv", ".csv.gz", ".parquet")):
            with atomic_output(out) as tmp:
                if name.endswith(".parquet"):
                    result.data.to_parquet(tmp, index=False)
                else:
                    result.data.to_csv(tmp, index=False)
        else:
            survey.io.write(result.data, out, meta=ds.meta)  # atomic itself
    except (OSError, ValueError) as err:
        fail(f"could not write --out {out}: {err}")
    for table in diagnostics_tables(result.diagnostics, f"Weights after each step ({parsed.name})"):
        console.print(table)
    if diagnostics is None:
        console.print(
            f"[dim]all {result.diagnostics.shape[1]} statistics of each step: "
            "--diagnostics FILE.csv[/]"
        )
    if len(result.margins):
        worst = result.margins["relative_difference"].abs().max()
        console.print(f"margins: {len(result.margins)} cells, largest relative gap {worst:.2e}")
    if diagnostics is not None:
        frames = [result.diagnostics.reset_index(names="step").assign(table="weights")]
        if len(result.margins):
            frames.append(result.margins.assign(table="margins"))
        import pandas as pd

        from survey._atomic import atomic_output

        with atomic_output(diagnostics) as tmp:
            pd.concat(frames, ignore_index=True).to_csv(tmp, index=False)
    console.print(f"wrote {out} (new column {result.column!r})")
    if info_path is not None:
        try:
            from survey._atomic import atomic_output

            with atomic_output(info_path) as tmp:
                tmp.write_text(json.dumps(result.replicate_info, indent=2), encoding="utf-8")
        except OSError as err:
            fail(f"could not write {info_path}: {err}")
        console.print(
            f"wrote {len(result.replicate_columns)} {replicates} replicate weight columns "
            f"rep_1..rep_{len(result.replicate_columns)} (every step redone in each) and their "
            f"ReplicateDesign arguments to {info_path}"
        )
    # wrapped between words by rich (soft wrap left the terminal to cut words at its edge)
    console.print(_variance_note(parsed, result.column, out, info_path), markup=False)


def diagnostics_tables(diagnostics, title: str) -> list:
    """The SHOWN statistics of each weighting step for this terminal. Every number is
    whole (thousands separators, no scientific notation, see ``plain_number``) and no header
    is cut: under COMPACT_WIDTH columns the table has no vertical rules and its headers wrap
    between words ("n positive"); when that is still wider than the terminal the table is
    transposed (a row per statistic, a column per step), in as many tables as it takes.
    The --diagnostics file keeps every statistic with full precision."""
    from rich.measure import Measurement
    from rich.table import Table

    compact = console.width < COMPACT_WIDTH
    steps = [str(label) for label in diagnostics.index]
    cells = [
        [plain_number(row[c], DIGITS.get(c, 4)) for c in SHOWN] for _, row in diagnostics.iterrows()
    ]
    heads = [c.replace("_", " ") if compact else c for c in SHOWN]

    def new_table():
        table = compact_table() if compact else Table()
        table.title, table.title_justify = title, "left"
        return table

    table = new_table()
    # compact: fixed widths (the longest number or header word), so that rich's sharing out
    # of a too-wide table's space cannot cut the last column
    fixed = "width" if compact else "min_width"
    table.add_column("step", overflow="fold", **{fixed: word_width(steps, cap=20)})
    for j, head in enumerate(heads):
        widest = max([len(r[j]) for r in cells] + [word_width([head], 1, 40)])
        table.add_column(head, justify="right", overflow="fold", **{fixed: widest})
    for label, row in zip(steps, cells, strict=True):
        table.add_row(label, *row)
    wide = console.options.update_width(10_000)  # unclamped: what the table needs
    if not compact or Measurement.get(console, wide, table).minimum <= console.width:
        return [table]
    # transposed: the statistic names down the side, one column per step
    side = max(len(h) for h in heads)
    step_widths = [
        max([len(v) for v in row] + [word_width([label], 1, 40)])
        for label, row in zip(steps, cells, strict=True)
    ]
    tables, start = [], 0
    while start < len(steps):
        used, stop = side, start
        while stop < len(steps) and (
            stop == start or used + 1 + step_widths[stop] <= console.width
        ):
            used += 1 + step_widths[stop]
            stop += 1
        table = new_table()
        table.add_column("", min_width=side, no_wrap=True)
        for k in range(start, stop):
            table.add_column(steps[k], justify="right", min_width=step_widths[k], overflow="fold")
        for j, head in enumerate(heads):
            table.add_row(head, *(cells[k][j] for k in range(start, stop)))
        tables.append(table)
        start = stop
    return tables


def _variance_note(parsed, column: str, out: Path, info_path: Path | None) -> str:
    """What the written weights mean for standard errors (printed after every run)."""
    kinds = {kind for kind, _, _ in parsed.steps}
    what = " and ".join(
        x
        for x, present in (
            ("calibration (" + ", ".join(sorted(kinds & CALIBRATING)) + ")", kinds & CALIBRATING),
            ("nonresponse adjustment", "nonresponse" in kinds),
        )
        if present
    )
    if info_path is not None:
        return (
            f"note: SEs that reflect the weighting come from the replicate weights: in Python, "
            f"ReplicateDesign(data, **json.load(open({str(info_path)!r}))) with data read from "
            f"{out}. The column {column!r} used alone as a weight (e.g. survey estimate "
            f"--weight {column}) treats it as fixed and ignores the {what or 'weighting'}."
        )
    return (
        f"note: {column!r} is written as a plain weight: survey estimate --weight {column} "
        f"treats it as fixed (calibrated=no), so its SEs ignore the {what or 'weighting'}. "
        "For SEs that reflect it use the Python API (survey.weighting.run_spec(spec, "
        "data).design) or rerun with --replicates JKn (replicate weights + their scales)."
    )


#: Spec steps that calibrate (their variance correction is lost in a plain weight column).
CALIBRATING = {"rake", "calibrate", "poststratify"}


def register(app: typer.Typer) -> None:
    app.command("weight")(weight)
