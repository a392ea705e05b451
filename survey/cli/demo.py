"""``survey demo OUTDIR``: the whole pipeline on the bundled synthetic survey."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survey.cli._common import console, fail
from survey.cli.report import OverwriteOpt, ProgressOpt

OutArg = Annotated[Path, typer.Argument(help="Output folder for the report.")]


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        outdir: OutArg = Path("demo-out"),
        overwrite: OverwriteOpt = False,
        progress: ProgressOpt = True,
    ) -> None:
        """Read -> harmonise -> weight -> indicators -> compare -> figures -> report on demo data."""
        from survey.report.demo import run_demo

        if (outdir / "report.html").exists() and not overwrite:
            fail(f"{outdir / 'report.html'} exists; pass --overwrite to replace it")
        result = run_demo(outdir, progress=progress)
        for step, what in result.steps.items():
            console.print(f"  {step:<11} {what}")
        cov = result.coverage
        console.print(
            f"{int(cov['covered'].sum())} of {len(cov)} confidence intervals cover the known "
            "population value."
        )
        console.print(f"report: [bold]{result.report}[/]")
