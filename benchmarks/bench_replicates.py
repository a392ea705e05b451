"""Benchmark: 200 bootstrap replicates on the 1,000,000-row synthetic design, 10 indicators x
32 domains (issue 5), against R's replicate design on the same data in one run.

Same synthetic data as ``bench_estimation.py`` (100 strata, 2,000 PSUs, 32 domains, 10 binary
indicators). Times this package's ``as_replicate(design, "bootstrap", replicates=200)`` (PSU
factor matrix) plus one ``mean`` call for all indicators and domains (replicate totals are
PSU-level aggregates multiplied by the factor matrix), and R's
``as.svrepdesign(type = "bootstrap", replicates = 200)`` + ``svyby(svymean)`` via Rscript when
present. Bootstrap replicates are random, so the packages' SEs are compared with each other
and with the linearised SEs through the median ratio (they should all be close to 1).

    python benchmarks/bench_replicates.py [--rows 1000000] [--replicates 200] [--no-r]

Target (issue 5): <= 2 s for the whole table. This is a benchmark: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_estimation import N_VARS, make_data  # noqa: E402

from survey import Design  # noqa: E402
from survey.weighting.replicates import as_replicate  # noqa: E402

VARIABLES = [f"y{j}" for j in range(N_VARS)]


def run_ours(df, replicates: int, repeat: int = 3):
    times, parts = [], []
    for i in range(repeat):
        t0 = time.perf_counter()
        des = Design(df, weight="weight", strata="stratum", psu="psu")
        t1 = time.perf_counter()
        rep = as_replicate(des, "bootstrap", replicates=replicates, random_state=i)
        t2 = time.perf_counter()
        res = rep.mean(VARIABLES, by="domain", df="inf")
        t3 = time.perf_counter()
        times.append(t3 - t0)
        parts.append((t1 - t0, t2 - t1, t3 - t2))
    best = int(np.argmin(times))
    lin = des.mean(VARIABLES, by="domain", df="inf")
    return times[best], parts[best], res, lin


R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
df <- read.csv(args[1])
R <- as.integer(args[2])
set.seed(1)
t0 <- proc.time()[["elapsed"]]
des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=df)
rdes <- as.svrepdesign(des, type="bootstrap", replicates=R)
f <- as.formula(paste("~", paste(sprintf("y%d", 0:9), collapse="+")))
res <- svyby(f, ~domain, rdes, svymean)
elapsed <- proc.time()[["elapsed"]] - t0
cat(jsonlite::toJSON(list(seconds=elapsed, estimate=as.vector(coef(res)), se=as.vector(as.matrix(SE(res)))),
  digits=NA, auto_unbox=TRUE))
"""


def run_r(df, replicates: int, timeout: float):
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        script = Path(tmp) / "bench.R"
        df.to_csv(csv, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        try:
            out = subprocess.run(
                ["Rscript", str(script), str(csv), str(replicates)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            print(f"R did not finish within {timeout:.0f} s")
            return None
        except subprocess.CalledProcessError as err:
            print("R failed:", err.stderr[-500:])
            return None
    return json.loads(out.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--r-timeout", type=float, default=1800)
    args = ap.parse_args(argv)
    df = make_data(args.rows)
    secs, (t_design, t_factors, t_est), res, lin = run_ours(df, args.replicates)
    print(f"rows={args.rows:,} replicates={args.replicates} table={len(res)} estimates")
    print(
        f"survey (python): {secs:.3f} s  [design {t_design:.3f}, bootstrap factors {t_factors:.3f}, "
        f"estimates + replicate SEs {t_est:.3f}]  target <= 2 s"
    )
    ratio_lin = np.median(res["se"].to_numpy() / lin["se"].to_numpy())
    print(f"median SE ratio bootstrap / linearised (python): {ratio_lin:.3f}")
    if args.no_r:
        return
    r = run_r(df, args.replicates, args.r_timeout)
    if r is None:
        print("R: not run")
        return
    print(f"R survey as.svrepdesign(bootstrap) + svyby(svymean): {r['seconds']:.3f} s")
    print(f"speed-up vs R: {r['seconds'] / secs:.1f}x")
    # R orders svyby output domain-major by variable: coef(res) is (domain x variable) by column
    est_r = np.asarray(r["estimate"]).reshape(N_VARS, -1).T.ravel()
    se_r = np.asarray(r["se"]).reshape(N_VARS, -1).T.ravel()
    ours = res.sort_values(
        ["domain", "variable"], key=lambda s: s.map(_natural) if s.name == "variable" else s
    )
    print(
        f"max |estimate difference| vs R: {np.max(np.abs(ours['estimate'].to_numpy() - est_r)):.2e}"
    )
    print(
        f"median SE ratio python / R (different random replicates): {np.median(ours['se'].to_numpy() / se_r):.3f}"
    )


def _natural(v):
    return int(str(v)[1:]) if str(v)[1:].isdigit() else v


if __name__ == "__main__":
    main()
