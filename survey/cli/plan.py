"""``survey plan ...`` (sample size, MDE/power, allocation) and ``survey select FRAME``.

Thin wrappers over :mod:`survey.plan`: parse options, call one function, print a rich
table and optionally write ``--out`` (.csv or .xlsx; never overwritten silently).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from survey._lazy import LazyModule
from survey.cli._common import check_output_path, console, fail

np = LazyModule("numpy")  # imported when a command runs, not for --help
pd = LazyModule("pandas")

plan_app = typer.Typer(
    name="plan",
    help="Plan a survey: sample size, minimum detectable effect and power, stratum allocation.",
    no_args_is_help=True,
)

OutOption = Annotated[Path | None, typer.Option(help="Write the result to .csv or .xlsx")]
OverwriteOption = Annotated[bool, typer.Option(help="Replace an existing --out file")]
DeffOption = Annotated[float | None, typer.Option(help="Design effect (default 1)")]
IccOption = Annotated[
    float | None, typer.Option(help="Intra-cluster correlation (with --cluster-size)")
]
ClusterOption = Annotated[
    float | None, typer.Option(help="Interviews per cluster (deff = 1 + (m-1) icc)")
]


def _fmt(value, col: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        if np.isinf(value):
            return "inf"
        if col.startswith("n") and float(value).is_integer():
            return f"{value:,.0f}"
        return f"{value:,.4g}"
    return str(value)


def _show(frame: pd.DataFrame, title: str, columns: list[str] | None = None) -> None:
    """Print a rich table; up to 4 scenarios are shown one per column (fields as rows)."""
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    table = Table(title=title)
    if 0 < len(frame) <= 4:
        table.add_column("", justify="left")
        for i in range(len(frame)):
            table.add_column(str(i + 1) if len(frame) > 1 else "value", justify="right")
        for c in cols:
            table.add_row(str(c), *(_fmt(v, c) for v in frame[c].tolist()))
    else:
        for c in cols:
            numeric = pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
                frame[c]
            )
            table.add_column(str(c), justify="right" if numeric else "left")
        for row in frame[cols].itertuples(index=False):
            table.add_row(*(_fmt(v, c) for v, c in zip(row, cols, strict=True)))
    console.print(table)


def _write(frame: pd.DataFrame, out: Path | None) -> None:
    if out is None:
        return
    if out.suffix.lower() not in (".xlsx", ".csv"):
        fail(f"--out {out}: use a .csv or .xlsx file")
    from survey._atomic import atomic_output

    with atomic_output(out) as tmp:
        if out.suffix.lower() == ".xlsx":
            frame.to_excel(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    console.print(f"written {out}")


def _read_table(path: Path) -> pd.DataFrame:
    import survey

    try:
        return survey.read(path).data
    except FileNotFoundError as exc:
        fail(str(exc))
    except (ValueError, OSError) as exc:
        fail(f"cannot read {path}: {exc}")


def _check_out(out: Path | None, overwrite: bool, inputs=()) -> None:
    """Refuse a bad --out before any work; an input file is never overwritten."""
    if out is not None:
        check_output_path(out, overwrite, inputs=inputs, suffixes=(".csv", ".xlsx"), what="--out")


@plan_app.command("size")
def size_command(
    p: Annotated[
        list[float] | None, typer.Option("--p", help="Anticipated prevalence (repeat for several)")
    ] = None,
    sd: Annotated[
        list[float] | None, typer.Option(help="Anticipated SD of a numeric variable (repeat)")
    ] = None,
    moe: Annotated[
        float | None, typer.Option(help="Target margin of error (0.03 = 3 points)")
    ] = None,
    cv: Annotated[float | None, typer.Option(help="Target coefficient of variation")] = None,
    relative: Annotated[bool, typer.Option(help="--moe is relative to p (or --mean)")] = False,
    mean: Annotated[
        float | None, typer.Option(help="Anticipated mean (for --cv or --relative with --sd)")
    ] = None,
    level: Annotated[float, typer.Option(help="Confidence level (normal quantile)")] = 0.95,
    deff: DeffOption = None,
    icc: IccOption = None,
    cluster_size: ClusterOption = None,
    response_rate: Annotated[float, typer.Option(help="Expected response rate")] = 1.0,
    population: Annotated[float | None, typer.Option(help="Population size for the FPC")] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Sample size for a prevalence or a mean to a target margin of error or CV."""
    from survey.plan import sample_size_mean, sample_size_proportion

    _check_out(out, overwrite)
    common = {
        "moe": moe,
        "cv": cv,
        "relative": relative,
        "level": level,
        "deff": deff,
        "icc": icc,
        "cluster_size": cluster_size,
        "response_rate": response_rate,
        "population": population,
    }
    try:
        if p and not sd:
            result = sample_size_proportion(np.asarray(p), **common)
        elif sd and not p:
            result = sample_size_mean(np.asarray(sd), mean=mean, **common)
        else:
            fail("give --p (prevalence) or --sd (numeric variable), not both")
    except (ValueError, KeyError) as exc:
        fail(str(exc))
    _show(
        result,
        "Sample size",
        [
            "parameter",
            "value",
            "sd",
            "target",
            "moe",
            "cv",
            "deff",
            "population",
            "response_rate",
            "n0",
            "n_fpc",
            "n",
            "n_issued",
        ],
    )
    console.print(
        f"[dim]normal quantile, {level:.0%} level; n = completed interviews, n_issued = n / response rate[/]"
    )
    _write(result, out)


def _power_kwargs(
    sd, p, design, rho, ratio, deff, icc, cluster_size, alpha, sided, test, direction
):
    return {
        "sd": sd,
        "p": p,
        "design": design,
        "rho": rho,
        "ratio": ratio,
        "deff": deff,
        "icc": icc,
        "cluster_size": cluster_size,
        "alpha": alpha,
        "sided": sided,
        "test": test,
        "direction": direction,
    }


POWER_SHOWN = [
    "design",
    "parameter",
    "baseline",
    "effect",
    "n",
    "n_group2",
    "n_interviews",
    "clusters",
    "deff",
    "rho",
    "df",
    "multiplier",
    "se",
    "mde",
    "power",
]

SdOption = Annotated[float | None, typer.Option(help="Unit SD of a numeric outcome")]
POption = Annotated[
    float | None, typer.Option("--p", help="Baseline prevalence of a binary outcome")
]
DesignOption = Annotated[str, typer.Option(help="independent|panel|did|did-panel")]
RhoOption = Annotated[
    float, typer.Option(help="Correlation between before and after estimates (panels)")
]
RatioOption = Annotated[float, typer.Option(help="Size of the second group relative to the first")]
AlphaOption = Annotated[float, typer.Option(help="Significance level")]
SidedOption = Annotated[str, typer.Option(help="two|one")]
TestOption = Annotated[str, typer.Option(help="z (normal) or t (df from clusters)")]
DirectionOption = Annotated[str, typer.Option(help="increase|decrease (proportions)")]


@plan_app.command("mde")
def mde_command(
    n: Annotated[list[float], typer.Option(help="Interviews per wave in the first group (repeat)")],
    sd: SdOption = None,
    p: POption = None,
    design: DesignOption = "independent",
    rho: RhoOption = 0.0,
    ratio: RatioOption = 1.0,
    deff: DeffOption = None,
    icc: IccOption = None,
    cluster_size: ClusterOption = None,
    alpha: AlphaOption = 0.05,
    power: Annotated[float, typer.Option(help="Target power")] = 0.8,
    sided: SidedOption = "two",
    test: TestOption = "z",
    direction: DirectionOption = "increase",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Minimum detectable effect of a before/after, panel or DiD comparison."""
    from survey.plan import mde

    _check_out(out, overwrite)
    try:
        result = mde(
            np.asarray(n),
            power=power,
            **_power_kwargs(
                sd, p, design, rho, ratio, deff, icc, cluster_size, alpha, sided, test, direction
            ),
        )
    except ValueError as exc:
        fail(str(exc))
    _show(result, "Minimum detectable effect", POWER_SHOWN)
    _write(result, out)


@plan_app.command("power")
def power_command(
    effect: Annotated[list[float], typer.Option(help="Effect to detect (repeat)")],
    n: Annotated[
        float | None,
        typer.Option(help="Interviews per wave in the first group; omit to compute it"),
    ] = None,
    sd: SdOption = None,
    p: POption = None,
    design: DesignOption = "independent",
    rho: RhoOption = 0.0,
    ratio: RatioOption = 1.0,
    deff: DeffOption = None,
    icc: IccOption = None,
    cluster_size: ClusterOption = None,
    alpha: AlphaOption = 0.05,
    power: Annotated[float, typer.Option(help="Target power (when --n is omitted)")] = 0.8,
    sided: SidedOption = "two",
    test: TestOption = "z",
    direction: DirectionOption = "increase",
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Power for a given --n, or the sample size reaching --power when --n is omitted."""
    from survey.plan import power as power_fn
    from survey.plan import sample_size_power

    _check_out(out, overwrite)
    kw = _power_kwargs(
        sd, p, design, rho, ratio, deff, icc, cluster_size, alpha, sided, test, direction
    )
    try:
        if n is None:
            result = sample_size_power(np.asarray(effect), power=power, **kw)
            title = f"Sample size for {power:.0%} power"
        else:
            result = power_fn(np.asarray(effect), n, **kw)
            title = "Power"
    except ValueError as exc:
        fail(str(exc))
    _show(result, title, POWER_SHOWN)
    _write(result, out)


@plan_app.command("allocate")
def allocate_command(
    strata_file: Annotated[
        Path,
        typer.Argument(help="Table with one row per stratum (.csv, .xlsx via pandas, .sav, ...)"),
    ],
    n: Annotated[int, typer.Option(help="Total interviews to allocate")],
    method: Annotated[str, typer.Option(help="proportional|equal|neyman|power")] = "proportional",
    stratum: Annotated[str, typer.Option(help="Stratum column")] = "stratum",
    population: Annotated[str, typer.Option(help="Stratum population column (N_h)")] = "population",
    sd: Annotated[str | None, typer.Option(help="Column with the stratum SD")] = None,
    p: Annotated[str | None, typer.Option("--p", help="Column with the stratum prevalence")] = None,
    mean: Annotated[str | None, typer.Option(help="Column with the stratum mean")] = None,
    q: Annotated[float, typer.Option(help="Exponent of power allocation")] = 0.5,
    min_n: Annotated[int, typer.Option(help="Minimum interviews per stratum")] = 0,
    cap: Annotated[bool, typer.Option(help="Never allocate more than N_h")] = True,
    deff: Annotated[float, typer.Option(help="Design effect for the precision columns")] = 1.0,
    level: Annotated[float, typer.Option(help="Confidence level of the margins of error")] = 0.95,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Allocate a sample across strata and show the expected precision per stratum."""
    from survey.plan import allocate

    _check_out(out, overwrite, inputs=[strata_file])
    table = _read_table(strata_file)
    try:
        result = allocate(
            table,
            n,
            method=method,
            stratum=stratum,
            population=population,
            sd=sd,
            p=p,
            mean=mean,
            q=q,
            min_n=min_n,
            cap=cap,
            deff=deff,
            level=level,
        )
    except (ValueError, KeyError) as exc:
        fail(f"{strata_file}: {exc}")
    frame = result.to_frame()
    _show(
        frame,
        f"{method} allocation of {n} interviews",
        ["stratum", "population", "mean", "sd", "share", "n", "fraction", "se", "moe", "cv"],
    )
    _write(frame, out)


def select_command(
    frame: Annotated[
        Path,
        typer.Argument(help="Frame of PSUs (with --size) or listing of households (with --psu)"),
    ],
    size: Annotated[str | None, typer.Option(help="PPS: measure-of-size column")] = None,
    n: Annotated[
        int | None, typer.Option(help="PPS: PSUs to select (per stratum with --strata)")
    ] = None,
    allocation: Annotated[
        Path | None, typer.Option(help="PPS: table with the stratum column and n (or n_h)")
    ] = None,
    strata: Annotated[str | None, typer.Option(help="PPS: stratum column")] = None,
    psu: Annotated[
        str | None, typer.Option(help="Within-PSU: PSU column of the household listing")
    ] = None,
    n_per_psu: Annotated[int | None, typer.Option(help="Within-PSU: households per PSU")] = None,
    prob_psu: Annotated[
        str | None, typer.Option(help="Within-PSU: column with the first-stage probability")
    ] = None,
    method: Annotated[
        str | None, typer.Option(help="PPS: systematic|random-systematic; within: srs|systematic")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (the same seed gives the same sample)")
    ] = None,
    out: OutOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Select PSUs by stratified PPS (--size) or households within PSUs (--psu)."""
    from survey.plan import select_pps, select_within

    if (size is None) == (psu is None):
        fail("give --size (PPS selection of PSUs) or --psu (households within PSUs)")
    _check_out(out, overwrite, inputs=[p for p in (frame, allocation) if p is not None])
    data = _read_table(frame)
    try:
        if size is not None:
            if (n is None) == (allocation is None):
                fail("give --n or --allocation")
            n_arg = n
            if allocation is not None:
                if strata is None:
                    fail("--allocation needs --strata")
                alloc = _read_table(allocation)
                ncol = "n" if "n" in alloc.columns else "n_h"
                if strata not in alloc.columns or ncol not in alloc.columns:
                    fail(f"{allocation} needs columns {strata!r} and 'n'")
                n_arg = dict(zip(alloc[strata], alloc[ncol], strict=True))
            result = select_pps(
                data, size=size, n=n_arg, strata=strata, method=method or "systematic", seed=seed
            )
            title = f"PPS selection from {frame.name}"
        else:
            if n_per_psu is None:
                fail("--psu needs --n-per-psu")
            result = select_within(
                data,
                psu=psu,
                n_per_psu=n_per_psu,
                method=method or "srs",
                seed=seed,
                prob_psu=prob_psu,
            )
            title = f"Households selected within PSUs from {frame.name}"
    except (ValueError, KeyError) as exc:
        fail(f"{frame}: {exc}")
    shown = result if len(result) <= 60 else result.head(60)
    _show(shown, title)
    if len(result) > 60:
        console.print(f"[dim]first 60 of {len(result)} selected rows[/]")
    console.print(f"[dim]seed: {seed}; base weight = 1 / (prob x prob_within)[/]")
    _write(result, out)


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
    app.command("select")(select_command)
