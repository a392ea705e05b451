"""``survey describe DATA``: the data dictionary (SPSS ``DISPLAY DICTIONARY`` with counts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import check_output_path, console, fail


def describe_command(
    data: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Survey file (SPSS, Stata, CSV...)")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the dictionary to .xlsx or .csv")
    ] = None,
    variables: Annotated[
        list[str] | None, typer.Option("--variable", "-v", help="Only these variables (repeat)")
    ] = None,
    values: Annotated[
        bool, typer.Option(help="Print every labelled code with its count under each variable")
    ] = True,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of the data file")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out file")] = False,
) -> None:
    """Variables, labels, value labels, user-missing codes and counts of a data file."""
    import survey
    from survey.io import describe

    if out is not None:
        out = check_output_path(out, overwrite, inputs=[data], suffixes=(".xlsx", ".csv"))
        values_out = out.with_name(out.stem + "_values.csv")
        if out.suffix.lower() == ".csv":
            values_out = check_output_path(values_out, overwrite, inputs=[data])
    try:
        sd = survey.read(data, encoding=encoding, user_missing="keep")
    except Exception as exc:  # reading errors name the file
        fail(f"could not read {data}: {exc}")
    if variables:
        from survey._names import missing_columns

        wanted = [v for part in variables for v in part.split(",") if v]
        absent = [v for v in wanted if v not in sd.data.columns]
        if absent:
            fail(f"{data}: {missing_columns(absent, sd.data.columns)} not in the file")
        sd = type(sd)(data=sd.data[wanted], meta=sd.meta, path=sd.path)
    table, codes = describe(sd)
    _print(table, codes, data, sd, values)
    if out is None:
        return
    from survey._atomic import atomic_output

    if out.suffix.lower() == ".csv":
        with atomic_output(out) as tmp:
            table.to_csv(tmp, index=False)
        with atomic_output(values_out) as tmp:
            codes.to_csv(tmp, index=False)
    else:
        with atomic_output(out) as tmp:
            _write_xlsx(tmp, table, codes, data)
    console.print(f"written {out}")


def _print(table, codes, data, sd, show_values: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"{Path(data).name}: {len(sd.data):,} rows, {len(table)} variables")
    for col, just in (("#", "right"), ("variable", "left"), ("label", "left"),
                      ("type", "left"), ("valid", "right"), ("missing", "right"),
                      ("user-missing", "left")):  # fmt: skip
        t.add_column(col, justify=just, overflow="fold")
    by_var = {v: g for v, g in codes.groupby("variable", sort=False)} if len(codes) else {}
    for row in table.itertuples():
        um = row.user_missing
        if row.n_user_missing:
            um = f"{um} ({row.n_user_missing:,} rows)"
        t.add_row(str(row.position), escape(row.variable), escape(row.label), row.type,
                  f"{row.n_valid:,}", f"{row.n_missing:,}", escape(um))  # fmt: skip
        if show_values and row.variable in by_var:
            for c in by_var[row.variable].itertuples():
                mark = " [dim](missing)[/]" if c.user_missing else ""
                t.add_row("", "", f"  [dim]{escape(c.code)}[/] = {escape(c.label)}{mark}", "",
                          f"[dim]{c.n:,}[/]", "", "")  # fmt: skip
    console.print(t)


def _write_xlsx(out: Path, table, codes, data) -> None:
    """The dictionary through the package's one xlsx writer: a sheet per table (variables,
    values) with its title, frozen header, widths, number formats (counts with thousands
    separators, percents with one decimal) and the source line."""
    from survey.report.tables import frame_table, write_xlsx

    name = Path(data).name
    titles = {
        "variables": f"Data dictionary: {name} (variables)",
        "values": f"Data dictionary: {name} (value labels and counts)",
    }
    notes = {
        "variables": ["n_valid / n_missing: rows with and without a value; user_missing: the "
                      "codes the file declares missing (and their rows)"],
        "values": ["percent: of the rows of the variable; user_missing: a declared missing "
                   "code"],
    }  # fmt: skip
    tables = [
        frame_table(frame, title=titles[key], name=key, source=name, notes=notes[key])
        for key, frame in (("variables", table), ("values", codes))
    ]
    write_xlsx(tables, out)


def register(app: typer.Typer) -> None:
    app.command("describe")(describe_command)
