"""Backends under test: memory (pandas groupby), DuckDB, Spark local[2] (skips without Java)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

BACKENDS = ("memory", "duckdb", "spark")

NUMERIC = ("estimate", "se", "ci_low", "ci_high", "df", "cv", "deff", "n", "n_weighted", "n_cases")


@pytest.fixture(scope="session")
def spark():
    """A local[2] SparkSession; skips cleanly without pyspark or Java."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (apt-get install openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("survey-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def source_for(backend, frame: pd.DataFrame, path, request):
    """The data as the backend holds them: the frame, the Parquet file for DuckDB, a
    Spark DataFrame read from the same file."""
    if backend == "memory":
        return frame
    if backend == "duckdb":
        pytest.importorskip("duckdb")
        return str(path)
    spark = request.getfixturevalue("spark")
    return spark.read.parquet(str(path))


def assert_same(expected: pd.DataFrame, got: pd.DataFrame, rtol=1e-10):
    """Every column equal: labels exactly, numbers to ``rtol`` (relative, NaN = NaN)."""
    assert list(expected.columns) == list(got.columns)
    assert len(expected) == len(got)
    for col in expected.columns:
        if col in NUMERIC:
            a = expected[col].to_numpy(dtype=float)
            b = got[col].to_numpy(dtype=float)
            np.testing.assert_allclose(b, a, rtol=rtol, atol=1e-12, err_msg=col)
        else:
            a = [None if pd.isna(v) else str(v) for v in expected[col]]
            b = [None if pd.isna(v) else str(v) for v in got[col]]
            assert a == b, col
    assert expected.attrs.get("statistic") == got.attrs.get("statistic")
