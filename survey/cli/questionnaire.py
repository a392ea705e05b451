"""``survey questionnaire list|show|build|export|validate``: the instrument library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from survey.cli._common import check_output_path, console, error_text, fail

SOURCE_HELP = "A project file (.yaml, from `build`) or comma-separated module names."
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace an existing output (never an input).")
]


#: Output extensions of each export format.
EXPORT_SUFFIXES = {
    "xlsform": (".xlsx",),
    "html": (".html", ".htm"),
    "markdown": (".md", ".markdown"),
    "codebook": (".csv", ".xlsx"),
    "spss": (".sps",),
}


def _library_files() -> list[Path]:
    """The shipped module and crosswalk files (never an output)."""
    from survey.instruments import library_dir

    root = library_dir()
    return [*root.glob("*.yaml"), *(root / "crosswalks").glob("*.yaml")]


def _comma_list(text: str) -> list[str]:
    """The non-empty, stripped entries of a comma-separated option."""
    return [x.strip() for x in text.split(",") if x.strip()]


def _source_files(source: str) -> list[Path]:
    """The project file named by SOURCE, if it is one."""
    return [Path(source)] if source.lower().endswith((".yaml", ".yml")) else []


TRUST_SCALE_HELP = (
    "Trust questions asked: 4 = Latinobarómetro 4-point battery (default), 7 = LAPOP 1-7, "
    "11 = ESS 0-10, all = every version (documentation only: duplicates each question)."
)


def _trust_scale(value: str) -> int | None:
    """``--trust-scale`` as build() takes it (4, 7, 11 or None for "all")."""
    v = value.strip().lower()
    if v == "all":
        return None
    if v in ("4", "7", "11"):
        return int(v)
    fail(f"--trust-scale {value!r}: use 4, 7, 11 or all")


def _resolve(source: str, languages: list[str] | None, trust_scale: int | None = None):
    from survey.instruments import InstrumentError, resolve

    try:
        return resolve(source, languages or None, trust_scale=trust_scale)
    except (InstrumentError, KeyError, OSError) as exc:
        fail(error_text(exc))


def list_cmd() -> None:
    """List the modules of the instrument library."""
    from survey.instruments import list_modules

    table = Table(title="Instrument library (questionnaires/)")
    for col in ("module", "version", "items", "title"):
        table.add_column(col)
    for m in list_modules():
        table.add_row(m.name, m.version, str(len(m.items)), m.title["en"])
    console.print(table)


def show_cmd(
    module: Annotated[str, typer.Argument(help="Module name (see `survey questionnaire list`).")],
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the question text: es, en or pt.")
    ] = "en",
) -> None:
    """Show the items of one module: id, type, codes, skip logic and provenance."""
    from survey.instruments import get_module

    try:
        mod = get_module(module)
    except KeyError as exc:
        fail(error_text(exc))
    if lang not in mod.title:
        fail(f"--lang {lang!r}: module {module} is available in {', '.join(mod.title)}")
    table = Table(title=f"{mod.name} v{mod.version}: {mod.title[lang]}", show_lines=True)
    table.add_column("id", no_wrap=True)
    for col in ("type", "question", "codes", "relevant", "standard / wording"):
        table.add_column(col, overflow="fold")
    types = {it.id: it.type for it in mod.items}
    for it in mod.items:
        codes = "; ".join(f"{c}={lab}" for c, lab in it.choice_labels(lang).items())
        if it.range:
            codes = f"{it.range[0]:g}..{it.range[1]:g}" + (f"; {codes}" if codes else "")
        table.add_row(
            it.id,
            it.type,
            it.text[lang],
            codes,
            it.relevant.to_xpath(types) if it.relevant else "",
            f"{it.provenance.standard} / {it.provenance.wording}",
        )
    console.print(table)


def build_cmd(
    modules: Annotated[
        str, typer.Option("--modules", "-m", help="Comma-separated module names, in order.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Project file to write (.yaml).")],
    languages: Annotated[
        str, typer.Option("--languages", "-l", help="Comma-separated: es, en, pt.")
    ] = "es,en,pt",
    title: Annotated[
        str | None, typer.Option("--title", help="Form title (default 'Questionnaire').")
    ] = None,
    form_id: Annotated[
        str | None,
        typer.Option(
            "--form-id",
            help="ODK form id (default: from --title, accents transliterated, else from the "
            "project file's name).",
        ),
    ] = None,
    version: Annotated[
        str | None,
        typer.Option("--version", help="ODK form version (default: today as yyyymmdd01)."),
    ] = None,
    exclude: Annotated[
        str, typer.Option("--exclude", help="Comma-separated item ids to leave out.")
    ] = "",
    trust_scale: Annotated[str, typer.Option("--trust-scale", help=TRUST_SCALE_HELP)] = "4",
    overwrite: OverwriteOption = False,
) -> None:
    """Build a project questionnaire from chosen modules and languages (writes a .yaml).

    The trust modules hold each question on several scales (Latinobarómetro 1-4, LAPOP 1-7,
    ESS 0-10); the form asks one version, chosen with --trust-scale (default 4)."""
    from survey.instruments import InstrumentError, build, save_project
    from survey.instruments.library import form_id_from_title

    path = check_output_path(
        out, overwrite, inputs=_library_files(), suffixes=(".yaml", ".yml"), what="--out"
    )
    try:
        q = build(
            modules,
            languages,
            title=title,
            form_id=form_id or (None if title else form_id_from_title(out.stem)),
            version=version,
            exclude_items=_comma_list(exclude),
            trust_scale=_trust_scale(trust_scale),
        )
    except (InstrumentError, KeyError) as exc:
        fail(error_text(exc))
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        save_project(q, tmp, overwrite=True)
    scale = "all versions" if q.trust_scale is None else f"{q.trust_scale}-point"
    console.print(
        f"wrote {path}: form {q.form_id} version {q.version}, {len(q.items)} items, modules "
        f"{', '.join(m.name for m in q.modules)} (trust questions: {scale})"
    )


def export_cmd(
    source: Annotated[str, typer.Argument(help=SOURCE_HELP)],
    format: Annotated[
        str, typer.Option("--format", "-f", help="xlsform, html, markdown, codebook or spss.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file: .xlsx (xlsform), .html, .md (markdown), .csv/.xlsx (codebook), "
            ".sps (spss).",
        ),
    ],
    languages: Annotated[
        str, typer.Option("--languages", "-l", help="With module names: es, en, pt.")
    ] = "",
    language: Annotated[
        str | None, typer.Option("--language", help="Label language of codebook/SPSS.")
    ] = None,
    trust_scale: Annotated[
        str,
        typer.Option(
            "--trust-scale",
            help=TRUST_SCALE_HELP + " With module names; a project file has its own.",
        ),
    ] = "4",
    overwrite: OverwriteOption = False,
) -> None:
    """Export a questionnaire: XLSForm for ODK/Kobo/SurveyCTO, printable, codebook, SPSS."""
    from survey.instruments import FORMATS, export

    if format not in FORMATS:
        fail(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    check_output_path(
        out,
        overwrite,
        inputs=[*_source_files(source), *_library_files()],
        suffixes=EXPORT_SUFFIXES.get(format),
        what=f"--out ({format})",
    )
    langs = _comma_list(languages)
    q = _resolve(source, langs, _trust_scale(trust_scale))
    if language is not None and language not in q.languages:
        fail(
            f"--language {language!r}: {source} is available in {', '.join(q.languages)}; "
            "use one of these"
        )
    try:
        from survey._atomic import atomic_output

        with atomic_output(out) as tmp:
            export(q, tmp, format, language=language, overwrite=True)
    except (ValueError, KeyError, OSError) as exc:
        fail(f"exporting {source} as {format} to {out}: {error_text(exc)}")
    console.print(f"wrote {out} ({format})")


def validate_cmd(
    data: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Collected data file.")],
    questionnaire: Annotated[str, typer.Option("--questionnaire", "-q", help=SOURCE_HELP)],
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column with interview ids.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report (.csv).")
    ] = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Check collected data against a questionnaire (codes, ranges, skip logic, missing codes)."""
    from survey.instruments import validate_data

    if out is not None:
        check_output_path(
            out,
            overwrite,
            inputs=[data, *_source_files(questionnaire), *_library_files()],
            suffixes=(".csv",),
            what="--out",
        )
    q = _resolve(questionnaire, None)
    df = _read_data(data, user_missing="keep").data
    try:
        report = validate_data(q, df, id_column=id_column)
    except (KeyError, ValueError) as exc:
        fail(f"validating {data}: {error_text(exc)}")
    if out is not None:
        from survey._atomic import atomic_output

        with atomic_output(out) as tmp:
            report.to_csv(tmp, index=False)
        console.print(f"wrote {out}")
    if report.empty:
        console.print("[green]no problems found[/]")
        return
    table = Table(title=f"Validation of {data.name}: {int(report['n'].sum())} flagged values")
    for col in report.columns:
        table.add_column(col, overflow="fold")
    for row in report.itertuples(index=False):
        table.add_row(*(str(x) for x in row))
    console.print(table)


def _read_data(path: Path, user_missing: str = "keep"):
    """Read with survey.read (labels and user-missing codes kept)."""
    from survey import read

    try:
        return read(path, user_missing=user_missing)
    except Exception as exc:  # reader errors already name file and column
        fail(f"could not read {path}: {exc}")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(
        help="Standard questionnaires: list, show, build, export, validate.", no_args_is_help=True
    )
    sub.command("list")(list_cmd)
    sub.command("show")(show_cmd)
    sub.command("build")(build_cmd)
    sub.command("export")(export_cmd)
    sub.command("validate")(validate_cmd)
    app.add_typer(sub, name="questionnaire")
