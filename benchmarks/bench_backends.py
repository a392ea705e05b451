"""Benchmark: the data backends on Parquet files larger than memory-friendly.

Synthetic data as ``bench_estimation.py``: 100 strata, 2,000 PSUs (20 per stratum), 32
domains, 10 binary indicators, one weight. Writes (once, into ``--dir``) a Parquet file of
``--big`` rows (default 100M) and one of ``--rows`` rows (default 10M), then times, each in a
fresh process so its peak RSS is its own:

- DuckDB backend (``TableDesign``, 2 threads) on the big file: design + ``mean`` of the 10
  indicators by domain (one pass), and ``prop`` (the logit interval replays glm's first
  IRLS step in a second pass);
- the in-memory engine (``pd.read_parquet`` + ``survey.Design``) on the small file;
- DuckDB and Spark ``local[2]`` on the small file, with the largest difference of their
  estimates and SEs from the in-memory engine.

    python benchmarks/bench_backends.py [--big 100000000] [--rows 10000000] [--dir /tmp/x]
        [--no-spark]

Goal (issue 14): DuckDB on 100M rows <= 30 s and <= 2 GB peak RSS on 2 cores. A benchmark,
not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N_STRATA, N_PSU, N_DOMAINS, N_VARS = 100, 2000, 32, 10
CHUNK = 5_000_000
VARS = [f"y{j}" for j in range(N_VARS)]


def write_parquet(path: Path, rows: int, seed: int = 1) -> None:
    """The synthetic sample in row groups of 5M rows (never all in memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    p_dom = rng.uniform(0.05, 0.6, (N_DOMAINS, N_VARS))
    writer = None
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        psu = rng.integers(0, N_PSU, n).astype(np.int32)
        dom = rng.integers(0, N_DOMAINS, n).astype(np.int16)
        cols = {
            "stratum": (psu // (N_PSU // N_STRATA)).astype(np.int16),
            "psu": psu,
            "domain": dom,
            "w": rng.uniform(50, 150, n),
        }
        u = rng.random((n, N_VARS), dtype=np.float32)
        for j, v in enumerate(VARS):
            cols[v] = (u[:, j] < p_dom[dom, j]).astype(np.int8)
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=1_000_000)
        done += n
    writer.close()


CHILD = r"""
import json, resource, sys, time, warnings
sys.path.insert(0, {root!r})
warnings.simplefilter("ignore")
engine, path, verbs = {engine!r}, {path!r}, {verbs!r}
vars_ = {vars!r}
kw = dict(weight="w", strata="stratum", psu="psu")
t0 = time.perf_counter()
out = {{}}
if engine == "memory":
    import pandas as pd
    import survey
    design = survey.Design(pd.read_parquet(path), **kw)
elif engine == "spark":
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    from survey.backends import TableDesign
    design = TableDesign(spark.read.parquet(path), **kw)
else:
    from survey.backends import TableDesign
    design = TableDesign(path, threads=2, **kw)
out["design_s"] = time.perf_counter() - t0
for verb in verbs:
    t = time.perf_counter()
    frame = getattr(design, verb)(vars_, by="domain")
    out[verb + "_s"] = time.perf_counter() - t
    out[verb] = frame[["estimate", "se", "ci_low", "ci_high"]].to_numpy().tolist()
out["total_s"] = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
out["cpu_s"] = ru.ru_utime + ru.ru_stime
# VmHWM: this process's own peak (ru_maxrss keeps the forking parent's RSS across exec)
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")]
out["peak_rss_mb"] = (int(hwm[0].split()[1]) if hwm else
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
print("RESULT" + json.dumps(out))
"""


def run(engine: str, path: Path, verbs) -> dict:
    code = CHILD.format(root=str(ROOT), engine=engine, path=str(path), verbs=list(verbs),
                        vars=VARS)  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{engine} failed:\n{proc.stderr[-3000:]}")
    got = json.loads(lines[-1][len("RESULT") :])
    if engine == "spark":  # the JVM's memory is not in the Python process's RSS
        got["peak_rss_mb_note"] = "Python driver only (JVM separate)"
    return got


R_SCRIPT = r"""
suppressMessages({library(survey); library(RSQLite); library(jsonlite)})
args <- commandArgs(TRUE)
t0 <- proc.time()
d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE,
               data = "bench", dbtype = "SQLite", dbname = args[1])
t1 <- proc.time()
f <- as.formula(paste("~", paste(sprintf("y%d", 0:9), collapse = "+")))
r <- svyby(f, ~domain, d, svymean, keep.var = TRUE)
t2 <- proc.time()
vars <- sprintf("y%d", 0:9)
est <- as.vector(t(as.matrix(r[, vars])))  # domain-major, as the package's rows
se <- as.vector(t(as.matrix(r[, paste0("se.", vars)])))
peak <- as.numeric(sub("kB", "", grep("VmHWM", readLines("/proc/self/status"), value = TRUE)
                       |> sub(pattern = "VmHWM:\\s*", replacement = "")))
cat("RESULT", toJSON(list(design_s = (t1 - t0)[["elapsed"]], mean_s = (t2 - t1)[["elapsed"]],
    total_s = (t2 - t0)[["elapsed"]], cpu_s = sum((t2 - t0)[c("user.self", "sys.self")]),
    peak_rss_mb = peak / 1024, estimate = as.vector(est), se = as.vector(se)),
    auto_unbox = TRUE, digits = NA), "\n", sep = "")
"""


def write_sqlite(parquet: Path, db: Path) -> None:
    """The 10M-row file as an SQLite table ``bench`` (for R's DBI-backed svydesign)."""
    import sqlite3

    import pyarrow.parquet as pq

    if db.exists():
        return
    con = sqlite3.connect(db)
    pf = pq.ParquetFile(parquet)
    names = pf.schema_arrow.names
    con.execute(f"CREATE TABLE bench ({', '.join(names)})")
    for batch in pf.iter_batches(batch_size=500_000):
        cols = [batch.column(i).to_numpy().tolist() for i in range(len(names))]
        con.executemany(
            f"INSERT INTO bench VALUES ({', '.join('?' * len(names))})", zip(*cols, strict=True)
        )
    con.commit()
    con.close()


def run_r(db: Path, timeout: int) -> dict:
    script = db.with_suffix(".R")
    script.write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", str(script), str(db)], capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"R failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT") :])


def max_diff(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(a), 1e-300)
    return float(np.nanmax(np.abs(a - b) / scale))


def line(label, res, verbs):
    parts = [f"design {res['design_s']:6.2f} s"]
    parts += [f"{v} {res[v + '_s']:6.2f} s" for v in verbs]
    parts.append(f"total {res['total_s']:6.2f} s")
    if "cpu_s" in res:
        parts.append(f"CPU {res['cpu_s']:6.1f} s")
    parts.append(f"peak RSS {res['peak_rss_mb']:7.0f} MB")
    print(f"{label:<34}" + "  ".join(parts), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--big", type=int, default=100_000_000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/survey_bench_backends"))
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--r-timeout", type=int, default=1800)
    ap.add_argument("--verbs", default="mean,prop")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for rows in (args.big, args.rows):
        path = args.dir / f"bench_{rows}.parquet"
        if not path.exists():
            t = time.perf_counter()
            write_parquet(path, rows)
            print(f"wrote {path} ({path.stat().st_size / 1e9:.2f} GB) in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)  # fmt: skip
        files[rows] = path
    verbs = tuple(args.verbs.split(","))
    print(f"{N_VARS} binary indicators x {N_DOMAINS} domains, {N_PSU} PSUs in {N_STRATA} "
          "strata; mean = one pass, prop = logit interval (two passes)")  # fmt: skip
    big = run("duckdb", files[args.big], verbs)
    line(f"duckdb {args.big / 1e6:.0f}M rows (2 threads)", big, verbs)
    mem = run("memory", files[args.rows], verbs)
    line(f"memory {args.rows / 1e6:.0f}M rows", mem, verbs)
    small = run("duckdb", files[args.rows], verbs)
    line(f"duckdb {args.rows / 1e6:.0f}M rows (2 threads)", small, verbs)
    for v in verbs:
        print(f"  duckdb vs memory at {args.rows / 1e6:.0f}M, {v}: max relative difference "
              f"{max_diff(mem[v], small[v]):.1e}")  # fmt: skip
    if not args.no_spark:
        try:
            sp = run("spark", files[args.rows], verbs)
        except RuntimeError as exc:
            print(f"spark: {exc}")
        else:
            line(f"spark local[2] {args.rows / 1e6:.0f}M rows", sp, verbs)
            print("  (peak RSS of the Python driver; the JVM runs in its own process)")
            for v in verbs:
                print(f"  spark vs memory at {args.rows / 1e6:.0f}M, {v}: max relative "
                      f"difference {max_diff(mem[v], sp[v]):.1e}")  # fmt: skip
    if not args.no_r:
        db = files[args.rows].with_suffix(".sqlite")
        try:
            t = time.perf_counter()
            write_sqlite(files[args.rows], db)
            print(f"  (SQLite copy of the {args.rows / 1e6:.0f}M file for R: "
                  f"{time.perf_counter() - t:.0f} s, not timed below)", flush=True)  # fmt: skip
            rr = run_r(db, args.r_timeout)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"R DBI svydesign: {exc}")
        else:
            line(f"R svydesign(dbtype='SQLite') {args.rows / 1e6:.0f}M", rr, ("mean",))
            mine = np.asarray(mem["mean"], float)
            r_est = np.asarray(rr["estimate"], float)
            r_se = np.asarray(rr["se"], float)
            print(f"  R vs memory at {args.rows / 1e6:.0f}M, mean: max relative difference "
                  f"estimate {max_diff(mine[:, 0], r_est):.1e}, SE {max_diff(mine[:, 1], r_se):.1e}")  # fmt: skip
    ok_t = big["total_s"] <= 30
    ok_m = big["peak_rss_mb"] <= 2048
    print(f"goal on {args.big / 1e6:.0f}M rows: total <= 30 s: {'yes' if ok_t else 'no'} "
          f"({big['total_s']:.1f} s); peak RSS <= 2 GB: {'yes' if ok_m else 'no'} "
          f"({big['peak_rss_mb']:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
