"""`survey indicators` and `survey compare` with --engine duckdb give the memory engine's
numbers (the file is read where it is), and refuse what is not pushed down with the way
forward."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.indicators.conftest import GOLDEN_DATA, make_standard_data

runner = CliRunner()
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    pytest.importorskip("duckdb")
    frame = pd.read_csv(GOLDEN_DATA) if GOLDEN_DATA.exists() else make_standard_data()
    frame["wave"] = frame["sex"]
    frame["group"] = (frame["region"] <= 2).astype(int)
    tmp = tmp_path_factory.mktemp("engine")
    both = tmp / "both.parquet"
    frame.to_parquet(both, index=False)
    waves = []
    for w in (1, 2):
        path = tmp / f"wave{w}.parquet"
        frame[frame["wave"] == w].drop(columns="wave").to_parquet(path, index=False)
        waves.append(path)
    return both, waves


def _run(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def test_indicators_engine_duckdb_equals_memory(files, tmp_path):
    both, _ = files
    frames = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        _run(["indicators", str(both), *DESIGN, "--by", "region", "--engine", engine,
              "--show-suppressed", "--out", str(out)])  # fmt: skip
        frames[engine] = pd.read_csv(out)
    ref, got = frames["memory"], frames["duckdb"]
    assert len(ref) > 100 and ref["indicator"].nunique() >= 18
    assert ref["estimate"].notna().sum() > 100
    pd.testing.assert_frame_equal(ref, got, rtol=1e-10, atol=1e-12)


def test_compare_engine_duckdb_equals_memory(files, tmp_path):
    both, waves = files
    ind = ["--indicators", "avoid_cash,inc_times_12m,unsafe=insec_state:2"]
    got = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"two_{engine}.csv"
        _run(["compare", str(waves[0]), str(waves[1]), *ind, *DESIGN, "--by", "region",
              "--engine", engine, "--show-suppressed", "--out", str(out)])  # fmt: skip
        got[engine] = pd.read_csv(out)
    assert len(got["memory"]) == 12 and got["memory"]["se"].gt(0).all()
    pd.testing.assert_frame_equal(got["memory"], got["duckdb"], rtol=1e-10, atol=1e-12)
    sheets = {}
    for engine in ("memory", "duckdb"):  # one file, its wave column, DiD by --group
        out = tmp_path / f"wave_{engine}.xlsx"
        res = _run(["compare", str(both), "--wave", "wave", *ind, *DESIGN, "--group", "group",
                    "--engine", engine, "--out", str(out)])  # fmt: skip
        assert "waves from" in res.output
        sheets[engine] = {s: pd.read_excel(out, sheet_name=s) for s in ("comparison", "did")}
    for s in ("comparison", "did"):
        assert len(sheets["memory"][s]) == 3 * (2 if s == "comparison" else 1)
        pd.testing.assert_frame_equal(
            sheets["memory"][s], sheets["duckdb"][s], rtol=1e-10, atol=1e-12
        )


def test_not_pushed_down_is_refused(files, tmp_path):
    both, waves = files
    res = runner.invoke(app, ["indicators", str(both), "--crosswalk", "enusc_2019",
                              "--engine", "duckdb"])  # fmt: skip
    assert res.exit_code == 2
    assert "harmonise first: survey harmonize" in res.output and "file.parquet" in res.output
    sav = tmp_path / "x.sav"
    sav.write_bytes(b"")
    res = runner.invoke(app, ["indicators", str(sav), *DESIGN, "--engine", "duckdb"])
    assert res.exit_code == 2 and "write it to Parquet first" in res.output
    res = runner.invoke(app, ["compare", str(waves[0]), str(waves[1]), "--indicators",
                              "avoid_cash", *DESIGN, "--panel-id", "psu", "--engine", "duckdb",
                              "--out", str(tmp_path / "p.csv")])  # fmt: skip
    assert res.exit_code == 2 and "not pushed" in res.output
    res = runner.invoke(app, ["indicators", str(both), *DESIGN, "--engine", "sqlite"])
    assert res.exit_code == 2 and "--engine" in res.output
