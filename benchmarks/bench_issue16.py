"""Benchmark: every workload of issue 16, this package against R's ``survey`` in one run.

Synthetic data as ``bench_estimation.py`` (1,000,000 rows, 100 strata, 2,000 PSUs, 32
domains, 10 binary items) plus a 20-category and a 300-category item, a continuous variable
(for the median) and three raking margins (6 x 2 x 10 cells); the API row uses 5,000,000
rows with 20 items and 50 domains. For each workload it prints our best wall time, the
least CPU time (user + sys, all threads) of a run, the peak memory traced during one run
(tracemalloc: numpy's buffers included), R's time on the same data and the ratio R / ours. R workloads that would take more than a few minutes (300
categories, median, raking, 2,000 JKn replicates, the API table) run on a 100,000-row
version of the same data; the line says so, and the ratio is against OUR time on that same
version. ``--profile`` adds, per workload, the functions where our remaining time goes.

    python benchmarks/bench_issue16.py [--rows 1000000] [--api-rows 5000000]
        [--small 100000] [--no-r] [--no-cli] [--no-demo] [--profile]

Goals (issue 16, 2 cores): mean 10 x 32 <= 0.1 s; prop 20 categories <= 0.15 s, 300
categories <= 0.3 s; median x 32 <= 0.15 s; raked without clusters <= 0.4 s; JKn 2,000
replicates <= 1.5 s; API 5M x 20 x 50 <= 2 s and <= 2 GB; CLI <= 1.5x the API; demo <= 6 s.
This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_estimation import make_data  # noqa: E402

from survey import Design  # noqa: E402
from survey.weighting import Rake  # noqa: E402
from survey.weighting.replicates import as_replicate  # noqa: E402

ITEMS = [f"y{j}" for j in range(10)]
API_ITEMS = [f"v{j}" for j in range(20)]
MARGINS = {"age": 6, "sex": 2, "reg": 10}


def make_issue_data(rows: int, seed: int = 1) -> pd.DataFrame:
    df = make_data(rows, seed)
    rng = np.random.default_rng(seed + 1)
    df["c20"] = rng.integers(0, 20, rows).astype(np.int16)
    df["c300"] = rng.integers(0, 300, rows).astype(np.int16)
    df["x"] = rng.gamma(2.0, 10.0, rows).round(2)
    for name, k in MARGINS.items():
        df[name] = rng.integers(0, k, rows).astype(np.int8)
    return df


def make_api_data(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 2000, rows)
    data = {
        "stratum": (psu // 20).astype(np.int32),
        "psu": psu.astype(np.int32),
        "domain": rng.integers(0, 50, rows).astype(np.int16),
        "weight": rng.uniform(50, 150, rows),
    }
    for j in range(len(API_ITEMS)):
        data[API_ITEMS[j]] = (rng.random(rows) < 0.2 + 0.02 * j).astype(np.int8)
    return pd.DataFrame(data)


def _populations(df):
    total = float(df["weight"].sum())
    return {
        v: pd.DataFrame({v: np.arange(k), "Freq": np.full(k, total / k)})
        for v, k in MARGINS.items()
    }


# -- our workloads: each returns a callable that runs the whole workload ---------------------
def w_mean(df):
    return lambda: Design(df, weight="weight", strata="stratum", psu="psu").mean(
        ITEMS, by="domain", df="inf"
    )


def w_prop(var):
    def make(df):
        des = Design(df, weight="weight", strata="stratum", psu="psu")
        return lambda: des.prop(var, by="domain", df="inf")

    return make


def w_median(df):
    des = Design(df, weight="weight", strata="stratum", psu="psu")
    return lambda: des.quantile("x", by="domain")


def w_rake(df):
    base = Design(df, weight="weight", strata="stratum")
    raked = Rake(list(_populations(df).items()), count="Freq").fit_transform(base)
    return lambda: raked.mean(ITEMS, by="domain", df="inf")


def w_jkn(df):
    des = Design(df, weight="weight", strata="stratum", psu="psu")
    jk = as_replicate(des, "JKn")
    return lambda: jk.mean(ITEMS, by="domain", df="inf")


def w_api(df):
    return lambda: Design(df, weight="weight", strata="stratum", psu="psu").mean(
        API_ITEMS, by="domain", df="inf"
    )


R_COMMON = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
df <- read.csv(args[1])
which <- strsplit(args[2], ",")[[1]]
out <- list()
tm <- function(name, expr) {
  if (!(name %in% which)) return(invisible())
  gc()
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  out[[name]] <<- proc.time()[["elapsed"]] - t0
}
items <- as.formula(paste("~", paste(sprintf("y%d", 0:9), collapse="+")))
tm("mean", {des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=df)
            svyby(items, ~domain, des, svymean)})
des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=df)
tm("prop20", svyby(~factor(c20), ~domain, des, svymean))
tm("prop300", svyby(~factor(c300), ~domain, des, svymean))
tm("median", svyby(~x, ~domain, des, svyquantile, quantiles=0.5, ci=TRUE))
if ("rake" %in% which) {
  d0 <- svydesign(id=~1, strata=~stratum, weights=~weight, data=df)
  tot <- sum(df$weight)
  pops <- lapply(c(age=6, sex=2, reg=10), function(k) tot / k)
  mk <- function(v, k) { p <- data.frame(0:(k - 1), rep(tot / k, k)); names(p) <- c(v, "Freq"); p }
  rk <- rake(d0, list(~age, ~sex, ~reg), list(mk("age", 6), mk("sex", 2), mk("reg", 10)))
  tm("rake", svyby(items, ~domain, rk, svymean))
}
if ("jkn" %in% which) {
  jk <- as.svrepdesign(des, type="JKn")
  tm("jkn", svyby(items, ~domain, jk, svymean))
}
cat(jsonlite::toJSON(out, auto_unbox=TRUE, digits=NA))
"""

R_API = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
df <- read.csv(args[1])
f <- as.formula(paste("~", paste(sprintf("v%d", 0:19), collapse="+")))
invisible(gc())
t0 <- proc.time()[["elapsed"]]
des <- svydesign(id=~psu, strata=~stratum, weights=~weight, data=df)
res <- svyby(f, ~domain, des, svymean)
cat(jsonlite::toJSON(list(api=proc.time()[["elapsed"]] - t0), auto_unbox=TRUE, digits=NA))
"""


def run_r(script: str, df: pd.DataFrame, names: list[str], tmp: Path) -> dict:
    if shutil.which("Rscript") is None or not names:
        return {}
    csv = tmp / f"r_{len(df)}_{abs(hash(tuple(names)))}.csv"
    df.to_csv(csv, index=False)
    path = tmp / "bench.R"
    path.write_text(script)
    out = subprocess.run(
        ["Rscript", str(path), str(csv), ",".join(names)], capture_output=True, text=True
    )
    csv.unlink()
    if out.returncode != 0:
        print("R failed:", out.stderr[-800:])
        return {}
    return json.loads(out.stdout or "{}")


#: CPU seconds (user + sys, all threads) of the fastest run of each workload: beside the wall
#: time because timings on a shared machine are unreliable.
CPU: dict = {}


def best_time(fn, repeat: int, name: str | None = None) -> float:
    times, cpus = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if name is not None:
        CPU[name] = min(cpus)
    return min(times)


def peak_traced(fn) -> int:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def profile_top(fn, n: int = 6) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).sort_stats("tottime")
    total = sum(v[2] for v in stats.stats.values())
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:n]
    lines = []
    for (file, line, func), (_cc, nc, tt, _ct, _callers) in rows:
        where = f"{Path(file).name}:{line}({func})" if line else func
        lines.append(f"      {tt:7.3f} s {100 * tt / total:5.1f}%  {nc:6d} calls  {where}")
    return "\n".join(lines)


WORKLOADS = [
    # name, label, factory, goal (s), R size ("full" or "small")
    ("mean", "design + mean 10 binary items x 32 domains", w_mean, 0.1, "full"),
    ("prop20", "prop of a 20-category item x 32 domains", w_prop("c20"), 0.15, "full"),
    ("prop300", "prop of a 300-category item x 32 domains", w_prop("c300"), 0.3, "tiny"),
    ("median", "median x 32 domains (Woodruff)", w_median, 0.15, "small"),
    ("rake", "raked design (no clusters), mean 10 x 32", w_rake, 0.4, "small"),
    ("jkn", "JKn (2,000 replicates), mean 10 x 32", w_jkn, 1.5, "tiny"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-rows", type=int, default=5_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--tiny", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--no-cli", action="store_true")
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    print(f"cores (nproc): {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    df = make_issue_data(args.rows)
    small = df.iloc[: args.small].copy()
    tiny = df.iloc[: args.tiny].copy()
    versions = {"small": small, "tiny": tiny}
    print(
        f"data: {len(df):,} rows ({df.memory_usage().sum() / 2**20:.0f} MiB), 100 strata, "
        f"2,000 PSUs, 32 domains; R's slow workloads on the first {len(small):,} rows, the "
        f"slowest (R over 10 minutes at 100k rows) on the first {len(tiny):,}"
    )
    todo = [w for w in WORKLOADS if args.only is None or w[0] in args.only]
    ours, ours_small, peaks, profiles = {}, {}, {}, {}
    for name, _label, factory, _goal, rsize in todo:
        fn = factory(df)
        ours[name] = best_time(fn, args.repeat if name != "jkn" else 1, name)
        peaks[name] = peak_traced(fn)
        if args.profile:
            profiles[name] = profile_top(fn)
        if rsize != "full" and not args.no_r:
            ours_small[name] = best_time(factory(versions[rsize]), args.repeat)
        del fn
    r_full, r_small = {}, {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if not args.no_r:
            r_full = run_r(R_COMMON, df, [w[0] for w in todo if w[4] == "full"], tmp)
            r_small = run_r(R_COMMON, small, [w[0] for w in todo if w[4] == "small"], tmp)
            r_small.update(run_r(R_COMMON, tiny, [w[0] for w in todo if w[4] == "tiny"], tmp))
        print()
        print(
            f"{'workload':48s} {'ours':>8s} {'cpu':>7s} {'goal':>6s} {'peak mem':>9s} {'R':>9s} "
            f"{'R/ours':>8s}"
        )
        for name, label, _f, goal, rsize in todo:
            if rsize == "full":
                r_t, base, note = r_full.get(name), ours[name], ""
            else:
                r_t, base = r_small.get(name), ours_small.get(name)
                rows = len(versions[rsize])
                note = f"  (R and ours on {rows:,} rows: ours {base:.3f} s)" if base else ""
            ratio = f"{r_t / base:7.0f}x" if r_t and base else "      -"
            r_s = f"{r_t:8.2f}s" if r_t else "        -"
            print(
                f"{label:48s} {ours[name]:7.3f}s {CPU[name]:6.3f}s {goal:5.2f}s "
                f"{peaks[name] / 2**20:7.0f}MiB {r_s} {ratio}{note}"
            )
        if args.only is None or "api" in args.only:
            api = make_api_data(args.api_rows)
            fn = w_api(api)
            t_api = best_time(fn, max(1, args.repeat - 1), "api")
            peak_api = peak_traced(fn)
            if args.profile:
                profiles["api"] = profile_top(fn)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
            r_api = note = ""
            if not args.no_r:
                r_small_api = api.iloc[: args.small]
                got = run_r(R_API, r_small_api, ["api"], tmp).get("api")
                ours_s = best_time(w_api(r_small_api.copy()), args.repeat)
                if got:
                    r_api = f"{got:8.2f}s {got / ours_s:7.0f}x"
                    note = f"  (R and ours on {args.small:,} rows: ours {ours_s:.3f} s)"
            print(
                f"{f'API: {len(api):,} rows, mean 20 items x 50 domains':48s} {t_api:7.3f}s "
                f"{CPU['api']:6.3f}s {2.0:5.2f}s {peak_api / 2**20:7.0f}MiB {r_api}{note}"
            )
            print(
                f"{'':48s} data {api.memory_usage().sum() / 2**20:.0f} MiB; process peak RSS "
                f"so far {rss:.0f} MiB (includes the 1M-row data and earlier workloads)"
            )
            if not args.no_cli:
                path = tmp / "api.parquet"
                api.to_parquet(path)
                cmd = [
                    sys.executable, "-c", "from survey.cli import main; main()", "estimate",
                    str(path), *API_ITEMS, "--weight", "weight", "--strata", "stratum",
                    "--psu", "psu", "--by", "domain", "--stat", "mean", "--df", "inf",
                    "--out", str(tmp / "out.csv"),
                ]  # fmt: skip
                env = dict(os.environ, PYTHONPATH=str(ROOT))
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
                t_cli = time.perf_counter() - t0
                status = "" if proc.returncode == 0 else f"  FAILED: {proc.stderr[-300:]}"
                print(
                    f"{'survey estimate CLI, same rows (parquet)':48s} {t_cli:7.3f}s "
                    f"{1.5 * t_api:5.2f}s (1.5x API; includes reading the file){status}"
                )
            del api, fn
        if not args.no_demo and (args.only is None or "demo" in args.only):
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            out_dir = tmp / "demo"
            cmd = [sys.executable, "-c", "from survey.cli import main; main()", "demo"]
            cmd += [str(out_dir), "--no-progress", "--overwrite"]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            t_demo = time.perf_counter() - t0
            status = "" if proc.returncode == 0 else f"  FAILED: {proc.stderr[-300:]}"
            print(f"{'survey demo (whole pipeline)':48s} {t_demo:7.3f}s {6.0:5.2f}s{status}")
    if profiles:
        print("\nwhere our remaining time goes (cProfile, own time per function, top 6):")
        for name, text in profiles.items():
            print(f"  {name}:\n{text}")


if __name__ == "__main__":
    main()
