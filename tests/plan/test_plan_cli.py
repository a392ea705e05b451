"""``survey plan ...`` and ``survey select``: the CLI prints the planning results and
writes them with --out (never overwriting silently). The commands are registered on a
fresh Typer app so that these tests do not depend on other command modules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from survey.cli import plan as plan_cli

runner = CliRunner()


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    plan_cli.register(app)
    return app


def run(app, *args):
    return runner.invoke(app, [str(a) for a in args])


def test_plan_size_writes_csv(app, tmp_path):
    out = tmp_path / "size.csv"
    res = run(app, "plan", "size", "--p", 0.5, "--moe", 0.05, "--population", 10000, "--out", out)
    assert res.exit_code == 0, res.output
    assert "370" in res.output
    frame = pd.read_csv(out)
    assert frame.loc[0, "n"] == 370  # Cochran: 384.146 / (1 + 383.146/10000) -> 370
    # refuses to overwrite, then overwrites when asked
    again = run(app, "plan", "size", "--p", 0.5, "--moe", 0.05, "--out", out)
    assert again.exit_code != 0
    assert "exists" in again.output
    forced = run(app, "plan", "size", "--p", 0.5, "--moe", 0.05, "--out", out, "--overwrite")
    assert forced.exit_code == 0
    assert pd.read_csv(out).loc[0, "n"] == 385


def test_plan_size_mean_and_errors(app):
    res = run(app, "plan", "size", "--sd", 10, "--moe", 1)
    assert res.exit_code == 0 and "385" in res.output
    bad = run(app, "plan", "size", "--p", 0.5)
    assert bad.exit_code == 2
    assert "exactly one precision target" in bad.output


def test_plan_mde_and_power(app, tmp_path):
    out = tmp_path / "mde.xlsx"
    res = run(
        app, "plan", "mde", "--n", 500, "--sd", 1, "--icc", 0.05, "--cluster-size", 10, "--out", out
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_excel(out)
    # 2.801585 * sqrt(1.45 * 2 / 500) = 0.21336
    assert frame.loc[0, "mde"] == pytest.approx(0.21336, abs=1e-5)
    res = run(
        app,
        "plan",
        "power",
        "--effect",
        0.25,
        "--sd",
        1,
        "--icc",
        0.1,
        "--cluster-size",
        12,
        "--test",
        "t",
    )
    assert res.exit_code == 0, res.output
    assert "540" in res.output  # 45 clusters of 12 (see test_plan_simulation)
    out2 = tmp_path / "power.csv"
    res = run(app, "plan", "power", "--effect", 0.25, "--n", 200, "--sd", 1, "--out", out2)
    assert res.exit_code == 0
    assert pd.read_csv(out2).loc[0, "power"] == pytest.approx(0.7054, abs=1e-4)
    bad = run(app, "plan", "mde", "--n", 100, "--sd", 1, "--design", "nonsense")
    assert bad.exit_code == 2 and "design must be one of" in bad.output


def test_plan_allocate(app, tmp_path):
    strata = tmp_path / "strata.csv"
    pd.DataFrame(
        {"region": ["a", "b", "c"], "N": [5000, 3000, 2000], "prev": [0.2, 0.3, 0.1]}
    ).to_csv(strata, index=False)
    out = tmp_path / "alloc.csv"
    res = run(
        app,
        "plan",
        "allocate",
        strata,
        "--n",
        100,
        "--stratum",
        "region",
        "--population",
        "N",
        "--p",
        "prev",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert frame["n"].tolist() == [50, 30, 20, 100]
    assert frame["stratum"].tolist() == ["a", "b", "c", "Total"]
    bad = run(app, "plan", "allocate", strata, "--n", 100, "--stratum", "zone")
    assert bad.exit_code == 2 and "zone" in bad.output


def test_select_pps_and_within(app, tmp_path):
    frame = tmp_path / "frame.csv"
    rng = np.random.default_rng(0)
    psus = pd.DataFrame(
        {"psu": np.arange(30), "region": np.repeat(["n", "s"], 15), "hh": rng.integers(50, 300, 30)}
    )
    psus.to_csv(frame, index=False)
    alloc = tmp_path / "alloc.csv"
    pd.DataFrame({"region": ["n", "s"], "n": [4, 3]}).to_csv(alloc, index=False)
    out = tmp_path / "sel.csv"
    res = run(
        app,
        "select",
        frame,
        "--size",
        "hh",
        "--strata",
        "region",
        "--allocation",
        alloc,
        "--seed",
        3,
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    sel = pd.read_csv(out)
    assert sel.groupby("region").size().to_dict() == {"n": 4, "s": 3}
    north = psus[psus["region"] == "n"]
    expected = 4 * sel.loc[sel["region"] == "n", "hh"] / north["hh"].sum()
    np.testing.assert_allclose(sel.loc[sel["region"] == "n", "prob"], expected)

    listing = tmp_path / "listing.csv"
    pd.DataFrame({"psu": np.repeat([1, 2], [10, 20]), "hh_id": np.arange(30)}).to_csv(
        listing, index=False
    )
    out2 = tmp_path / "hh.csv"
    res = run(app, "select", listing, "--psu", "psu", "--n-per-psu", 5, "--seed", 1, "--out", out2)
    assert res.exit_code == 0, res.output
    hh = pd.read_csv(out2)
    assert hh.groupby("psu")["prob_within"].first().tolist() == [0.5, 0.25]
    bad = run(app, "select", listing)
    assert bad.exit_code == 2 and "--size" in bad.output
