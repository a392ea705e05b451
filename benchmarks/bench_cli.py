"""Benchmark: command-line start-up and short commands, as an analyst runs them.

Times, as separate processes (best of ``--repeat`` runs, wall clock):

- ``survey --help`` (lists the commands from ``survey.cli.COMMANDS``: no pandas, no scipy);
- ``survey estimate`` of one item by region on a 2,000-row CSV cut from the bundled demo;
- ``survey questionnaire export`` of two modules to XLSForm;
- ``python -c "import survey"`` for reference.

    python benchmarks/bench_cli.py [--repeat 5]

Targets (issue 12): ``survey --help`` <= 0.5 s, ``survey estimate`` on 2,000 rows <= 1.5 s,
questionnaire export <= 1.5 s. This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"survey --help": 0.5, "survey estimate (2,000 rows)": 1.5, "questionnaire export": 1.5}


def best_of(cmd: list[str], repeat: int, env: dict[str, str], before=None) -> float:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-c", "from survey.cli import main; main()"]
    with tempfile.TemporaryDirectory() as tmp:
        import survey

        data = Path(tmp) / "demo2000.csv"
        survey.read(survey.datasets.demo_path()).data.head(2000).to_csv(data, index=False)
        form = Path(tmp) / "form.xlsx"
        rows = {
            "python -c 'import survey'": best_of(
                [sys.executable, "-c", "import survey"], args.repeat, env
            ),
            "survey --help": best_of([*cli, "--help"], args.repeat, env),
            "survey estimate (2,000 rows)": best_of(
                [
                    *cli,
                    "estimate",
                    str(data),
                    "fear_dark",
                    "--weight",
                    "weight",
                    "--strata",
                    "stratum",
                    "--psu",
                    "psu",
                    "--by",
                    "region",
                ],
                args.repeat,
                env,
            ),
            "questionnaire export": best_of(
                [
                    *cli,
                    "questionnaire",
                    "export",
                    "screener_household,fear",
                    "-f",
                    "xlsform",
                    "-o",
                    str(form),
                ],
                args.repeat,
                env,
                before=lambda: form.unlink(missing_ok=True),
            ),
        }
    print(f"CLI start-up, best of {args.repeat} runs, {os.cpu_count()} cores")
    for name, seconds in rows.items():
        target = TARGETS.get(name)
        goal = f"(target <= {target:.1f} s)" if target else ""
        print(f"  {name:32s} {seconds:6.2f} s  {goal}")


if __name__ == "__main__":
    main()
