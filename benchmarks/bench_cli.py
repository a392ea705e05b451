"""Benchmark: command-line start-up, short commands and the 5M-row ``survey estimate``.

Times, as separate processes (best of ``--repeat`` runs): wall clock, CPU (user + system of
that process, from ``os.wait4``, which load on a shared machine inflates far less than the
wall clock) and the process's peak RSS:

- ``survey --help`` (lists the commands from ``survey.cli.COMMANDS``: no pandas, no scipy);
- ``survey estimate --help`` (the command's options: no pandas either);
- ``survey estimate`` of one item by region on a 2,000-row CSV cut from the bundled demo;
- ``survey questionnaire export`` of two modules to XLSForm;
- ``python -c "import survey"`` for reference;
- with ``--big ROWS`` (issue 16's row, 5,000,000 in the issue): ``survey estimate`` of the
  mean of 20 items x 50 domains from a parquet file (``bench_issue16.make_api_data``),
  against the API in its own process on the same file: the estimate alone
  (``Design(df).mean``, the time issue 16 quotes for the API) and the whole script
  (import, ``pandas.read_parquet``, estimate).

    python benchmarks/bench_cli.py [--repeat 5] [--big 5000000]

Targets: issue 12, ``survey --help`` <= 0.5 s, ``survey estimate`` on 2,000 rows <= 1.5 s,
questionnaire export <= 1.5 s; issue 16, the 5M-row CLI within 1.5x the API's time and
memory. This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"survey --help": 0.5, "survey estimate (2,000 rows)": 1.5, "questionnaire export": 1.5}
API_ITEMS = [f"v{j}" for j in range(20)]

API_SCRIPT = r"""
import json, resource, sys, time
c0, t0 = time.process_time(), time.perf_counter()
import pandas as pd
from survey import Design
df = pd.read_parquet(sys.argv[1])
c1, t1 = time.process_time(), time.perf_counter()
Design(df, weight="weight", strata="stratum", psu="psu").mean(
    [f"v{j}" for j in range(20)], by="domain", df="inf"
)
c2, t2 = time.process_time(), time.perf_counter()
print(json.dumps({"estimate_wall": t2 - t1, "estimate_cpu": c2 - c1}))
"""


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """``(wall s, cpu s, peak RSS MiB, stdout)`` of one run of ``cmd``."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:6])} ... failed:\n{err[-2000:]}")
        out.seek(0)
        text = out.read().decode(errors="replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def best_of(cmd: list[str], repeat: int, env: dict[str, str], before=None):
    """The run with the least CPU of ``repeat`` (wall, cpu, rss, stdout)."""
    runs = []
    for _ in range(repeat):
        if before is not None:
            before()
        runs.append(run_once(cmd, env))
    return min(runs, key=lambda r: r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", type=int, default=0, help="rows of the issue-16 CLI row")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-c", "from survey.cli import main; main()"]
    rows: dict[str, tuple] = {}
    print(
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start "
        "(wall times under load are unreliable: read the CPU column)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        # the files are made in a child process: this one stays small, so that the peak RSS
        # a child reports is its own (a forked child starts from its parent's high-water mark)
        data = Path(tmp) / "demo2000.csv"
        make = (
            "import sys, survey; survey.read(survey.datasets.demo_path()).data.head(2000)"
            ".to_csv(sys.argv[1], index=False)"
        )
        subprocess.run([sys.executable, "-c", make, str(data)], env=env, check=True, cwd=ROOT)
        form = Path(tmp) / "form.xlsx"
        rows["python -c 'import survey'"] = best_of(
            [sys.executable, "-c", "import survey"], args.repeat, env
        )
        rows["survey --help"] = best_of([*cli, "--help"], args.repeat, env)
        rows["survey estimate --help"] = best_of([*cli, "estimate", "--help"], args.repeat, env)
        rows["survey estimate (2,000 rows)"] = best_of(
            [*cli, "estimate", str(data), "fear_dark", "--weight", "weight",
             "--strata", "stratum", "--psu", "psu", "--by", "region"],
            args.repeat, env,
        )  # fmt: skip
        rows["questionnaire export"] = best_of(
            [*cli, "questionnaire", "export", "screener_household,fear", "-f", "xlsform",
             "-o", str(form)],
            args.repeat, env, before=lambda: form.unlink(missing_ok=True),
        )  # fmt: skip
        print(f"CLI, best of {args.repeat} runs (least CPU)")
        print(f"  {'command':34s} {'wall':>7s} {'CPU':>7s} {'peak RSS':>9s}")
        for name, (wall, cpu, rss, _) in rows.items():
            target = TARGETS.get(name)
            goal = f"  (target <= {target:.1f} s)" if target else ""
            print(f"  {name:34s} {wall:6.2f}s {cpu:6.2f}s {rss:6.0f}MiB{goal}")
        if args.big:
            big(args.big, Path(tmp), cli, env, max(1, min(args.repeat, 2)))


def big(n_rows: int, tmp: Path, cli: list[str], env: dict[str, str], repeat: int) -> None:
    """Issue 16's row: the CLI on a parquet file against the API on the same file."""
    path = tmp / "api.parquet"
    make = (
        "import sys; sys.path.insert(0, 'benchmarks'); from bench_issue16 import make_api_data\n"
        "f = make_api_data(int(sys.argv[1])); f.to_parquet(sys.argv[2])\n"
        "print(f.memory_usage().sum() / 2**20)"
    )
    made = subprocess.run(
        [sys.executable, "-c", make, str(n_rows), str(path)],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    size = float(made.stdout.split()[-1])
    script = tmp / "api.py"
    script.write_text(API_SCRIPT)
    api = best_of([sys.executable, str(script), str(path)], repeat, env)
    inner = json.loads(api[3].strip().splitlines()[-1])
    out = tmp / "out.csv"
    cmd = [*cli, "estimate", str(path), *API_ITEMS, "--weight", "weight", "--strata",
           "stratum", "--psu", "psu", "--by", "domain", "--stat", "mean", "--df", "inf",
           "--out", str(out), "--overwrite"]  # fmt: skip
    wall, cpu, rss, _ = best_of(cmd, repeat, env)
    print(
        f"\n{n_rows:,} rows x 20 items x 50 domains (parquet; data {size:.0f} MiB in memory), "
        f"best of {repeat}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'':34s} {'wall':>7s} {'CPU':>7s} {'peak RSS':>9s}")
    print(
        f"  {'API: estimate only':34s} {inner['estimate_wall']:6.2f}s "
        f"{inner['estimate_cpu']:6.2f}s {'':>9s}"
    )
    print(f"  {'API: import + read + estimate':34s} {api[0]:6.2f}s {api[1]:6.2f}s {api[2]:6.0f}MiB")
    print(f"  {'survey estimate (CLI)':34s} {wall:6.2f}s {cpu:6.2f}s {rss:6.0f}MiB")
    print(
        f"  CLI / API estimate: {wall / inner['estimate_wall']:.2f}x wall, "
        f"{cpu / inner['estimate_cpu']:.2f}x CPU (goal <= 1.5x); CLI / API script: "
        f"{cpu / api[1]:.2f}x CPU, {rss / api[2]:.2f}x peak RSS (goal <= 1.5x)"
    )


if __name__ == "__main__":
    main()
