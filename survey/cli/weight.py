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
    console.print(_variance_note(parsed, result.column, out, info_path), soft_wrap=True)


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
