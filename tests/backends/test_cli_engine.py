"""`survey estimate --engine`: the backends give the memory engine's table."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.cli._common import ENGINE_AUTO_BYTES, choose_engine
from survey.datasets import demo_path

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_parquet(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "demo.parquet"
    survey.read(demo_path()).data.to_parquet(path, index=False)
    return path


def _estimate(path, out, engine, *extra):
    args = ["estimate", str(path), "burglary", "trust_police", "robbery_n", "--weight",
            "weight", "--strata", "stratum", "--psu", "psu", "--by", "region", "--engine",
            engine, "--out", str(out), *extra]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out)


@pytest.mark.parametrize("engine", ["duckdb"])
def test_engine_equals_memory(engine, demo_parquet, tmp_path):
    ref = _estimate(demo_parquet, tmp_path / "mem.csv", "memory")
    got = _estimate(demo_parquet, tmp_path / f"{engine}.csv", engine)
    pd.testing.assert_frame_equal(ref, got, rtol=1e-10, atol=1e-12)
    assert len(ref) == 12 and set(ref["variable"]) == {"burglary", "trust_police", "robbery_n"}


def test_engine_auto_by_size(demo_parquet, tmp_path):
    assert choose_engine(demo_parquet, "auto") == "memory"  # 200 kB
    assert choose_engine(tmp_path / "x.sav", "auto") == "memory"
    assert choose_engine(tmp_path, "auto") == "duckdb"  # a directory of Parquet files
    assert choose_engine(demo_parquet, "spark") == "spark"
    assert ENGINE_AUTO_BYTES >= 100 * 1024**2


def test_quantiles_on_duckdb_equal_memory(demo_parquet, tmp_path):
    """--stat quantile runs on the backend (each domain's weighted distribution function)."""
    args = ["estimate", str(demo_parquet), "hh_size", "adults", "--weight", "weight",
            "--strata", "stratum", "--psu", "psu", "--by", "region", "--stat", "quantile"]  # fmt: skip
    frames = []
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"q_{engine}.csv"
        result = runner.invoke(app, [*args, "--engine", engine, "--out", str(out)])
        assert result.exit_code == 0, result.output
        frames.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(frames[0], frames[1], rtol=1e-10, atol=1e-12)
    assert len(frames[0]) == 8 and frames[0]["estimate"].notna().all()


def test_not_pushed_down_fails_cleanly(demo_parquet, tmp_path):
    args = ["estimate", str(demo_parquet), "robbery_n", "--weight", "weight", "--strata",
            "stratum", "--psu", "psu", "--missing-codes", "8,9", "--engine", "duckdb"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "not pushed down" in result.output
    bad = runner.invoke(app, [*args[:-1], "sqlite"])
    assert bad.exit_code == 2 and "--engine" in bad.output
    # an SPSS file on a backend: the way forward, not DuckDB's binder traceback
    sav = runner.invoke(app, ["estimate", str(demo_path()), "robbery", "--weight", "weight",
                              "--engine", "duckdb"])  # fmt: skip
    assert sav.exit_code == 2 and "write it to Parquet first" in " ".join(sav.output.split())
    assert "Traceback" not in sav.output


def test_auto_on_backend_takes_codes_beside_missing_codes_as_categories(tmp_path):
    """--stat auto on a Parquet file (no value labels): 1-3 beside 88/99 are categories on
    every engine, as in memory (a mean of such codes means nothing)."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 3000
    frame = pd.DataFrame({
        "p": rng.choice([1, 2, 3, 88, 99], n, p=[0.5, 0.3, 0.1, 0.05, 0.05]),
        "amount": rng.integers(0, 500, n),  # an amount with values above 77: a mean
        "w": rng.uniform(1, 2, n), "stratum": rng.integers(0, 10, n),
        "psu": np.arange(n) // 10,
    })  # fmt: skip
    path = tmp_path / "codes.parquet"
    frame.to_parquet(path, index=False)
    got = {}
    for engine in ("memory", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        args = ["estimate", str(path), "p", "amount", "--weight", "w", "--strata", "stratum",
                "--psu", "psu", "--nest", "--engine", engine, "--out", str(out)]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        got[engine] = pd.read_csv(out)
    pd.testing.assert_frame_equal(got["memory"], got["duckdb"], rtol=1e-10, atol=1e-12)
    p = got["duckdb"][got["duckdb"]["variable"] == "p"]
    assert sorted(p["category"]) == [1, 2, 3, 88, 99]
    amount = got["duckdb"][got["duckdb"]["variable"] == "amount"]
    assert len(amount) == 1 and amount["category"].isna().all()
