"""Writing small-area results: one csv (estimates) or an xlsx workbook, atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


def result_tables(result, benchmark_report: pd.DataFrame | None = None) -> dict:
    """The tables of a result: estimates, model, coefficients, diagnostics (and benchmark)."""
    diag, summary = result.diagnostics()
    model = {**result.model, **{f"choice.{k}": v for k, v in result.choices.items()}}
    model.update({f"diagnostic.{k}": v for k, v in summary.items()})
    model_frame = pd.DataFrame(
        {
            "item": list(model),
            "value": [
                v if isinstance(v, int | float | str) else json.dumps(v, default=str)
                for v in model.values()
            ],
        }
    )
    tables = {
        "estimates": result.estimates,
        "model": model_frame,
        "coefficients": result.coefficients,
        "diagnostics": diag,
    }
    if benchmark_report is not None:
        tables["benchmark"] = benchmark_report
    return tables


def write_results(result, path, *, benchmark_report=None) -> Path:
    """Write ``result`` to ``path`` (.csv: the estimates; .xlsx: one sheet per table),
    through a temporary file in the same folder moved into place (never half-written)."""
    path = Path(path)
    name = path.name.lower()
    if not name.endswith((".csv", ".xlsx")):
        raise ValueError(f"{path}: write .csv or .xlsx")
    tables = result_tables(result, benchmark_report)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        if name.endswith(".csv"):
            tables["estimates"].to_csv(tmp, index=False)
        else:
            with pd.ExcelWriter(tmp) as xl:
                for sheet, frame in tables.items():
                    frame.to_excel(xl, sheet_name=sheet, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
