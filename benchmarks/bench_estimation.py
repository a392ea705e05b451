"""Benchmark: design + 10 indicators x 32 domains on 1,000,000 rows, against R and Python peers.

Synthetic data: 100 strata, 2,000 PSUs (20 per stratum), 32 domains, 10 binary indicators.
Times this package (Design construction + one ``mean`` call for all indicators and domains),
R's ``svydesign`` + ``svyby(svymean)`` via Rscript when present, and samplics'
``TaylorEstimator`` / ``svy`` when importable, on the same data in one run; prints each time,
the ratios, and the largest difference between the packages' estimates and SEs.

    python benchmarks/bench_estimation.py [--rows 1000000] [--no-r]

Targets (issue 2): <= 0.3 s for the whole table on a 2-core machine, >= 30x faster than R.
This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey import Design  # noqa: E402

N_STRATA, N_PSU, N_DOMAINS, N_VARS = 100, 2000, 32, 10


def make_data(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, N_PSU, rows)
    stratum = psu // (N_PSU // N_STRATA)
    domain = rng.integers(0, N_DOMAINS, rows)
    weight = rng.uniform(50, 150, rows)
    data = {"stratum": stratum, "psu": psu, "domain": domain, "weight": weight}
    psu_effect = rng.normal(0, 0.5, N_PSU)
    for j in range(N_VARS):
        logit = -1.5 + 0.1 * j + psu_effect[psu] + 0.02 * domain
        data[f"y{j}"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return pd.DataFrame(data)


def run_ours(df: pd.DataFrame, repeat: int = 5):
    variables = [f"y{j}" for j in range(N_VARS)]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        des = Design(df, weight="weight", strata="stratum", psu="psu")
        res = des.mean(variables, by="domain", df="inf")
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    des = Design(df, weight="weight", strata="stratum", psu="psu")
    des.mean(variables, by="domain", df="inf")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), res, peak


R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
df <- read.csv(args[1])
t0 <- proc.time()[["elapsed"]]
des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=df)
f <- as.formula(paste("~", paste(sprintf("y%d", 0:9), collapse="+")))
res <- svyby(f, ~domain, des, svymean)
elapsed <- proc.time()[["elapsed"]] - t0
se <- as.vector(as.matrix(SE(res)))
cat(jsonlite::toJSON(list(seconds=elapsed, estimate=as.vector(coef(res)), se=se,
  names=names(coef(res))), digits=NA, auto_unbox=TRUE))
"""


def run_r(df: pd.DataFrame):
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "bench.csv"
        df.to_csv(csv, index=False)
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True)
        if out.returncode != 0:
            print("R failed:", out.stderr[-500:])
            return None
        return json.loads(out.stdout)


def run_samplics(df: pd.DataFrame):
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from samplics.estimation import TaylorEstimator
            from samplics.utils.types import PopParam
    except Exception:  # noqa: BLE001 - optional peer
        return None
    t0 = time.perf_counter()
    out = {}
    for j in range(N_VARS):
        est = TaylorEstimator(PopParam.mean)
        est.estimate(
            y=df[f"y{j}"].to_numpy(float),
            samp_weight=df["weight"].to_numpy(),
            stratum=df["stratum"].to_numpy(),
            psu=df["psu"].to_numpy(),
            domain=df["domain"].to_numpy(),
            remove_nan=False,
        )
        out[f"y{j}"] = (est.point_est, est.stderror)
    return time.perf_counter() - t0, out


def run_svy(df: pd.DataFrame):
    """svy (samplics' successor, Rust/polars): Taylor means by domain."""
    try:
        import polars as pl
        import svy
    except ImportError:
        return None
    variables = [f"y{j}" for j in range(N_VARS)]
    t0 = time.perf_counter()
    sample = svy.Sample(
        pl.from_pandas(df), svy.Design(stratum="stratum", psu="psu", wgt="weight", wr=True)
    )
    results = sample.estimation.mean(variables, by="domain")
    elapsed = time.perf_counter() - t0
    rows = []
    for var, res in zip(
        variables, results if isinstance(results, list) else [results], strict=True
    ):
        rows.append(res.to_polars().to_pandas().assign(variable=var))
    return elapsed, pd.concat(rows, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--no-samplics", action="store_true")
    args = parser.parse_args()
    df = make_data(args.rows)
    print(
        f"data: {len(df):,} rows, {N_STRATA} strata, {N_PSU} PSUs, {N_DOMAINS} domains, {N_VARS} indicators"
    )
    t_ours, res, peak = run_ours(df)
    print(
        f"survey (this package): {t_ours:.3f} s  (peak traced memory {peak / 2**20:.0f} MiB;"
        f" data {df.memory_usage().sum() / 2**20:.0f} MiB)"
    )
    est = res.set_index(["domain", "variable"])
    if not args.no_r:
        r = run_r(df)
        if r is not None:
            print(
                f"R survey svyby:       {r['seconds']:.3f} s   ratio R/ours = {r['seconds'] / t_ours:.0f}x"
            )
            # R's svyby orders coefficients domain-major: "0:y0", ...
            r_est = np.array(r["estimate"]).reshape(N_VARS, -1).T.reshape(-1)
            r_se = np.array(r["se"]).reshape(N_VARS, -1).T.reshape(-1)
            ours = est.sort_index()
            print(
                f"  max |diff| estimate {np.max(np.abs(ours['estimate'].to_numpy() - r_est)):.2e}, "
                f"max rel diff se {np.max(np.abs(ours['se'].to_numpy() / r_se - 1)):.2e}"
            )
    if not args.no_samplics:
        s = run_samplics(df)
        if s is not None:
            t_s, out = s
            print(
                f"samplics TaylorEstimator: {t_s:.3f} s   ratio samplics/ours = {t_s / t_ours:.0f}x"
            )
            diffs = []
            for var, (pe, _se) in out.items():
                for dom, value in pe.items():
                    row = est.loc[(dom, var)]
                    diffs.append(abs(row["estimate"] - value))
            print(f"  max |diff| estimate vs samplics {max(diffs):.2e}")
    sv = run_svy(df)
    if sv is None:
        print("svy not installed (pip install svy): skipped")
    else:
        t_svy, frame = sv
        print(
            f"svy {__import__('svy').__version__}: {t_svy:.3f} s   ratio svy/ours = {t_svy / t_ours:.1f}x"
        )
        merged = frame.merge(res, on=["domain", "variable"], suffixes=("_svy", ""))
        print(
            f"  max |diff| estimate vs svy {np.max(np.abs(merged['est'] - merged['estimate'])):.2e}, "
            f"max rel diff se {np.max(np.abs(merged['se_svy'] / merged['se'] - 1)):.2e}"
        )


if __name__ == "__main__":
    main()
