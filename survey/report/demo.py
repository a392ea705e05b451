"""The end-to-end demo: the bundled synthetic survey through the whole pipeline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from survey._paths import data_dir
from survey.datasets import demo_truth
from survey.report.pipeline import ReportResult, run_spec

__all__ = ["run_demo"]


def run_demo(outdir: str | Path, *, progress: bool | None = None) -> ReportResult:
    """Run ``reports/demo.yaml`` on the bundled demo survey and check it against the truth.

    Returns
    -------
    ReportResult
        With ``coverage``: one row per estimate whose true population value is known
        (``estimate, ci_low, ci_high, truth, covered``), also written to
        ``truth_coverage.csv``.
    """
    result = run_spec(
        data_dir("reports") / "demo.yaml", outdir, progress=progress, truth=demo_truth()
    )
    result.coverage = pd.read_csv(result.files["truth_coverage"])
    return result
