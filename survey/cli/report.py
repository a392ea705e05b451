"""``survey report SPEC.yaml``: build the self-contained HTML report of a report spec."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import console, fail

SpecArg = Annotated[
    Path, typer.Argument(help="Report spec (YAML); a bare name is also looked up in reports/.")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace an existing report.")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")]


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        spec: SpecArg,
        out: OutOpt = Path("report-out"),
        overwrite: OverwriteOpt = False,
        progress: ProgressOpt = True,
    ) -> None:
        """Run a report spec: estimates, comparisons, figures, tables and report.html."""
        from survey.report.pipeline import SpecError, run_spec

        if (out / "report.html").exists() and not overwrite:
            fail(f"{out / 'report.html'} exists; pass --overwrite to replace it")
        try:
            result = run_spec(spec, out, progress=progress)
        except (SpecError, FileNotFoundError) as exc:
            fail(str(exc))
        console.print(f"report: [bold]{result.report}[/]")
        console.print(f"tables: {result.files['xlsx']}, {result.files['markdown']}")
