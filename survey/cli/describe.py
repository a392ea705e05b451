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


#: From this terminal width the dictionary has vertical rules and a user-missing column;
#: below it the compact layout (see ``_print``).
WIDE = 100


def _print(table, codes, data, sd, show_values: bool) -> None:
    """The dictionary for the terminal: a row per variable, then (``--values``) a row per
    labelled code with the code under the variable's name and its label under the
    variable's label, so a wrapped label keeps its indentation. Labels wrap between words
    only: their column is at least as wide as their longest word (up to ``word_width``'s
    cap of 30), and the name column gives way first (names fold, labels do not). From
    :data:`WIDE` columns, when the labels still get 40 of them, the table has vertical rules
    and a user-missing column; otherwise it has no vertical rules, the user-missing codes go
    on a line under the label, and a type shared by every variable is said in the title."""
    from rich.markup import escape
    from rich.table import Table

    from survey.cli._common import compact_table, word_width

    nvar = len(table)
    title = f"{Path(data).name}: {len(sd.data):,} rows, {nvar} variable{'' if nvar == 1 else 's'}"
    types = set(table["type"])
    by_var = {v: g for v, g in codes.groupby("variable", sort=False)} if len(codes) else {}
    shown = {v: g for v, g in by_var.items() if show_values}

    def um_text(row):
        um = row.user_missing
        return f"{um} ({row.n_user_missing:,} rows)" if um and row.n_user_missing else um

    ums = [um_text(r) for r in table.itertuples()]
    # what each column needs: the widest cell (numbers, names, codes), a label's longest word
    names = [str(v) for v in table["variable"]] + [
        f"  {c}" for g in shown.values() for c in g["code"]
    ]
    labels = [str(x) for x in table["label"]] + [
        f"{lab} (missing)" for g in shown.values() for lab in g["label"]
    ]
    counts = [f"{n:,}" for n in table["n_valid"]] + [
        f"{n:,}" for g in shown.values() for n in g["n"]
    ]

    def layout(wide: bool) -> dict:
        """Fixed column widths, names first: the label column gets the rest of the terminal
        (its longest word at least)."""
        type_column = wide or len(types) > 1
        um_column = wide and any(ums)
        texts = labels if wide else labels + [f"user-missing: {um}" for um in ums if um]
        widths = {
            "#": max([1, *(len(str(p)) for p in table["position"])]),
            "type": max([4, *(len(str(t)) for t in types)]) if type_column else 0,
            "valid": max([5, *(len(c) for c in counts)]),
            "missing": max([7, *(len(f"{n:,}") for n in table["n_missing"])]),
            "user-missing": min(max(map(len, ums)), max(25, word_width(ums, cap=20)))
            if um_column
            else 0,
        }
        # between columns: 3 (" │ ") wide, 2 compact; edges: "│ " and " │" wide, none compact
        n_columns = 5 + type_column + um_column
        gaps = (3 if wide else 2) * (n_columns - 1) + (4 if wide else 0)
        least = word_width(texts, floor=10, cap=30)
        room = console.width - gaps - sum(widths.values())
        widths["variable"] = max(6, min(max(map(len, names), default=8), room - least))
        longest = max(map(len, texts), default=10)
        widths["label"] = max(least, min(longest, room - widths["variable"]))
        return {"wide": wide, "type": type_column, "um": um_column, "widths": widths,
                "roomy": widths["label"] >= min(40, longest)}  # fmt: skip

    # vertical rules and a user-missing column when the labels still get 40 columns
    chosen = layout(True) if console.width >= WIDE else None
    if chosen is None or not chosen["roomy"]:
        chosen = layout(False)
    wide, type_column, um_column, widths = (chosen[k] for k in ("wide", "type", "um", "widths"))
    if not type_column and types:  # one type: said once in the title, its column to labels
        title += f", all {next(iter(types))}"

    t = Table(title=title) if wide else compact_table()
    if not wide:
        t.title, t.title_justify = title, "left"
    t.add_column("#", justify="right", no_wrap=True, min_width=widths["#"])
    t.add_column("variable", overflow="fold", width=widths["variable"])
    t.add_column("label", overflow="fold", width=widths["label"])
    if type_column:
        t.add_column("type", no_wrap=True, min_width=widths["type"])
    t.add_column("valid", justify="right", no_wrap=True, min_width=widths["valid"])
    t.add_column("missing", justify="right", no_wrap=True, min_width=widths["missing"])
    if um_column:
        t.add_column("user-missing", overflow="fold", width=widths["user-missing"])
    for row in table.itertuples():
        um = um_text(row)
        label = escape(row.label)
        if um and not um_column:
            label = (
                f"{label}\n[dim]user-missing: {escape(um)}[/]"
                if label
                else f"[dim]user-missing: {escape(um)}[/]"
            )
        cells = [str(row.position), escape(row.variable), label, *[row.type][:type_column],
                 f"{row.n_valid:,}", f"{row.n_missing:,}"]  # fmt: skip
        t.add_row(*cells, *([escape(um)] if um_column else []))
        for c in shown[row.variable].itertuples() if row.variable in shown else ():
            mark = " [dim](missing)[/]" if c.user_missing else ""
            t.add_row("", f"  [dim]{escape(str(c.code))}[/]", f"{escape(c.label)}{mark}",
                      *[""][:type_column], f"[dim]{c.n:,}[/]", "", *([""] if um_column else []))  # fmt: skip
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
