"""``survey report SPEC.yaml``: build the self-contained HTML report of a report spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import LABELS_HELP, console, error_text, fail, same_file

SpecArg = Annotated[
    Path, typer.Argument(help="Report spec (YAML); a bare name is also looked up in reports/.")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace an existing report (never an input).")
]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")]
LabelsOpt = Annotated[Path | None, typer.Option("--labels", help=LABELS_HELP)]


def _pipeline_outputs() -> tuple[str, ...]:
    """Files the report writes directly in the output folder (figures go to ``figures/``):
    :data:`survey.report.pipeline.OUTPUT_FILES`, imported when a report runs (not when
    ``survey report --help`` or ``survey demo --help`` is built)."""
    from survey.report.pipeline import OUTPUT_FILES as files

    return files


def __getattr__(name: str):
    if name == "OUTPUT_FILES":  # kept for code that reads it from here
        return _pipeline_outputs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load(spec: Path) -> dict:
    """The parsed and checked spec; YAML and schema errors become a clean ``fail``."""
    import yaml

    from survey.report.pipeline import SpecError, load_spec

    try:
        return load_spec(spec)
    except yaml.YAMLError as exc:
        fail(f"report spec {spec}: not valid YAML ({' '.join(str(exc).split())})")
    except SpecError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"report spec {spec}: cannot read it ({exc})")
    except (TypeError, AttributeError, KeyError) as exc:  # e.g. indicators not a list
        fail(f"report spec {spec}: malformed ({type(exc).__name__}: {error_text(exc)})")


def _check_spec(parsed: dict) -> None:
    """Checks the pipeline would only make after it started writing (quality rule)."""
    from survey.quality import resolve_rule
    from survey.report.pipeline import _quality_arg

    where = parsed["_where"]
    quality = parsed.get("quality")
    if quality is not None and not isinstance(quality, dict):
        fail(f"{where}: quality must be a mapping such as {{rule: cepal2020}}")
    try:
        rule = _quality_arg(quality)
        resolve_rule(None if rule == "default" else rule)  # "default": the package default
    except (ValueError, KeyError, TypeError) as exc:
        from survey.quality import RULES

        msg = error_text(exc)
        if "use one of" not in msg:
            msg = f"{msg!r} is not a rule; use one of {', '.join(RULES)} (or 'kind' and thresholds)"
        fail(f"{where}: quality: {msg}")


def _inputs(parsed: dict) -> list[Path]:
    """The files a spec reads: the spec, its data, crosswalk and population tables."""
    from survey.report.pipeline import _resolve

    refs = [(parsed.get("data") or {}).get("path"), (parsed.get("data") or {}).get("crosswalk")]
    if isinstance(parsed.get("labels"), str):
        refs.append(parsed["labels"])
    rake = (parsed.get("weighting") or {}).get("rake") or {}
    refs.append(rake.get("population") if isinstance(rake, dict) else None)
    out = [Path(parsed["_where"])] if parsed["_where"] != "spec" else []
    for ref in refs:
        if isinstance(ref, str) and ref:
            out.append(_resolve(parsed, ref))
    return out


def _check_outdir(out: Path, inputs: list[Path], overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; the report needs a folder")
    for inp in inputs:
        clash = [out / name for name in _pipeline_outputs() if same_file(out / name, inp)]
        figures = (out / "figures").resolve()
        if clash or figures in Path(inp).resolve().parents:
            fail(
                f"--out {out}: the report would overwrite its input {inp}; an input is never "
                "overwritten (whatever the flags): choose another output folder"
            )
    if (out / "report.html").exists() and not overwrite:
        fail(f"{out / 'report.html'} exists; pass --overwrite to replace it")


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        spec: SpecArg,
        out: OutOpt = Path("report-out"),
        overwrite: OverwriteOpt = False,
        progress: ProgressOpt = True,
        labels: LabelsOpt = None,
    ) -> None:
        """Run a report spec: estimates, comparisons, figures, tables and report.html.

        The spec is read and checked, and the output folder checked against every input
        (spec, data, crosswalk, population table), before anything runs or is written.
        Outputs are written to a temporary folder and moved into --out only when the whole
        run succeeded: a failed run leaves --out as it was.
        """
        from survey.report.pipeline import SpecError, run_spec

        parsed = _load(spec)
        _check_spec(parsed)
        if labels is not None and not labels.is_file():
            fail(f"--labels: labels file {labels} not found")
        _check_outdir(out, _inputs(parsed) + ([labels] if labels else []), overwrite)
        try:
            result = run_spec(spec, out, progress=progress, labels=labels)
        except SpecError as exc:
            fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure: a message, never a traceback
            # run_spec wrote nothing into --out (outputs are moved into place at the end)
            fail(
                f"report {parsed['_where']}: {type(exc).__name__}: {error_text(exc)} "
                f"(nothing was written to {out})"
            )
        console.print(f"report: [bold]{result.report}[/]")
        console.print(f"tables: {result.files['xlsx']}, {result.files['markdown']}")
