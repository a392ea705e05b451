"""``survey sae``: small-area (Fay-Herriot) estimates by area from a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import check_output_path, console, error_text, fail


def sae_command(
    data: Annotated[Path, typer.Argument(help="Survey data file (.sav, .csv[.gz], .parquet, ...)")],
    variable: Annotated[str, typer.Argument(help="Variable to estimate (0/1 for rates)")],
    area: Annotated[str, typer.Option(help="Area column (e.g. enc_rpc)")],
    weight: Annotated[str | None, typer.Option(help="Weight column")] = None,
    strata: Annotated[str | None, typer.Option(help="Stratum column")] = None,
    psu: Annotated[list[str] | None, typer.Option(help="Cluster column per stage")] = None,
    lonely_psu: Annotated[str, typer.Option(help="fail|certainty|adjust|remove|average")] = "fail",
    df: Annotated[str, typer.Option(help="Direct df rule: domain|design|inf")] = "domain",
    covariates: Annotated[
        Path | None, typer.Option(help="Area covariate table (csv/parquet/...), one row per area")
    ] = None,
    x: Annotated[list[str] | None, typer.Option("--x", help="Covariate column (repeat)")] = None,
    categorical: Annotated[
        list[str] | None, typer.Option(help="Covariate entering as dummies (repeat)")
    ] = None,
    method: Annotated[str, typer.Option(help="REML|ML|FH|AREML|AML")] = "REML",
    transform: Annotated[str, typer.Option(help="none|arcsin")] = "none",
    mse: Annotated[str | None, typer.Option(help="analytic|bootstrap|none")] = None,
    b: Annotated[int, typer.Option("--B", help="Bootstrap replicates")] = 200,
    seed: Annotated[int, typer.Option(help="Bootstrap seed")] = 20261202,
    smooth: Annotated[str, typer.Option(help="Variance smoothing: none|unstable|all")] = "none",
    unstable: Annotated[
        str, typer.Option(help="Areas without a usable direct variance: error|synthetic")
    ] = "error",
    benchmark_by: Annotated[
        str | None,
        typer.Option(help="Benchmark to direct estimates by this column (or 'national')"),
    ] = None,
    size: Annotated[
        str | None, typer.Option(help="Covariate column of area population sizes (benchmark)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write results to .csv or .xlsx")] = None,
    annex: Annotated[str | None, typer.Option(help="Print the methods annex: es|en|pt")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Small-area (Fay-Herriot) estimates with MSE, by commune or neighbourhood.

    EBLUP of VARIABLE for every area (model-based CIs, CVs and flags), from the direct
    estimates of the design and an area covariate table.
    """
    import survey
    from survey import sae
    from survey.design import DesignError, design_from_spec

    if out is not None:
        check_output_path(
            out, overwrite, inputs=[data, covariates], suffixes=(".csv", ".xlsx"), what="--out"
        )
    try:
        ds = survey.read(data)
        cov = survey.read(covariates).data if covariates is not None else None
        spec = {"weight": weight, "strata": strata, "psu": psu or None}
        spec = {k: v for k, v in spec.items() if v is not None}
        if lonely_psu != "fail":
            spec["lonely_psu"] = lonely_psu
        des = design_from_spec(ds, spec)
        areas = cov[area].tolist() if cov is not None and area in cov.columns else None
        direct = sae.direct(des, variable, area, areas=areas, df=df)
        if smooth != "none":
            direct, _ = sae.smooth_variances(direct, where=smooth)
        res = sae.fh(
            direct,
            cov,
            x=x or [],
            categorical=categorical or [],
            method=method,
            transform=None if transform == "none" else transform,
            mse=mse,
            B=b,
            seed=seed,
            unstable=unstable,
            progress=progress if progress else False,
        )
        report = None
        if benchmark_by is not None:
            if size is None:
                fail("--benchmark-by needs --size (a covariate column of area population sizes)")
            if benchmark_by == "national":
                target = des.mean(variable)
                res, report = sae.benchmark(res, float(target["estimate"].iloc[0]), size=size)
            else:
                target = des.mean(variable, by=benchmark_by)
                res, report = sae.benchmark(res, target, size=size, group=benchmark_by)
    except (OSError, KeyError, ValueError, DesignError) as exc:
        fail(f"{data}: {error_text(exc)}")
    est = res.estimates
    _, summ = res.diagnostics()
    console.print(
        f"{variable} by {area}: {len(est)} areas ({res.model['m_in_sample']} in sample), "
        f"{res.model['method']} model variance {res.model['refvar']:.4g}; MSE: "
        f"{res.model['mse_method']}"
    )
    console.print(
        f"model CV <= 20%: {summ['share_cv_le_20_all']:.0%} of areas "
        f"(direct: {summ['share_direct_cv_le_20']:.0%}); median CV direct "
        f"{summ['median_cv_direct']:.1%}, model {summ['median_cv_model']:.1%}"
    )
    if report is not None:
        adj = report["adjustment"]
        console.print(
            f"benchmarked ({report.attrs['method']}) to the direct estimates of "
            f"{len(report)} {'group' if len(report) == 1 else 'groups'} ({benchmark_by}): "
            f"adjustment {adj.min():.4g} to {adj.max():.4g}"
        )
    if annex:
        try:
            console.print(res.annex(annex))
        except ValueError as exc:
            fail(str(exc))
    if out is not None:
        from survey.sae.output import write_results

        try:
            if out.suffix.lower() == ".xlsx":
                _write_xlsx(out, res, report, variable=variable, area=area, data=data)
            else:
                write_results(res, out, benchmark_report=report)
        except OSError as exc:
            fail(f"cannot write {out}: {exc}")
        console.print(f"written {out}")


#: Titles of the workbook's sheets.
_SHEETS = {
    "estimates": "{variable} by {area}: small-area estimates (EBLUP) and direct estimates",
    "model": "{variable} by {area}: model, choices and diagnostics summary",
    "coefficients": "{variable} by {area}: regression coefficients of the area model",
    "diagnostics": "{variable} by {area}: diagnostics per area",
    "benchmark": "{variable} by {area}: benchmarking to direct estimates",
}


def _write_xlsx(out: Path, res, report, *, variable: str, area: str, data: Path) -> None:
    """The workbook through the package's one xlsx writer (title, source line, notes,
    frozen header, widths, number formats: shares and estimates 4 decimals, CVs in %,
    counts with thousands separators, p-values "<0.001"); the values are those of the csv
    (unrounded), one sheet per table of :func:`survey.sae.output.result_tables`."""
    from survey._atomic import atomic_output
    from survey.report.tables import frame_table, write_xlsx
    from survey.sae.output import result_tables

    m = res.model
    note = (
        f"Fay-Herriot model ({m.get('method')}), model variance {m.get('refvar'):.4g}; "
        f"MSE: {m.get('mse_method')}. cv = root MSE / estimate (direct_cv: the direct "
        "estimate's); reliability flags the model estimate, direct_reliability the direct one."
    )
    tables = [
        frame_table(
            frame,
            name=name,
            source=Path(data).name,
            notes=[note],
            title=_SHEETS.get(name, "{variable} by {area}: " + name).format(
                variable=variable, area=area
            ),
        )  # fmt: skip
        for name, frame in result_tables(res, report).items()
    ]
    with atomic_output(out) as tmp:
        write_xlsx(tables, tmp)


def register(app: typer.Typer) -> None:
    app.command("sae")(sae_command)
