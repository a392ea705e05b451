"""ENUSC 2023 by commune: direct vs Fay-Herriot, the figures quoted in the README.

Design: strata ``VarStrat`` (one per commune), PSU ``Conglomerado``, commune household
weight ``Fact_Hog_Com``, ``df="domain"`` (PSUs - 1 per commune), CEPAL 2020 flags. Model:
REML with region effects (``enc_region`` dummies; the public file has no commune census
covariates), Prasad-Rao MSE (``sae::mseFH``; the model itself is checked against R in
test_sae_enusc_golden.py). Commune 6105 has no VH_DV victim in the sample (direct variance 0):
it gets the synthetic regional prediction, flagged ``kind="synthetic"``. Benchmarked
(ratio) to the direct regional estimates of the same design, commune sizes the sums of the
commune weights (so the direct commune estimates add up to the direct regional ones).

README numbers (136 communes):

=========  ==========  ===========  =============  ==============  ==========  ===========
variable   direct ok   direct CV    FH CV <= 20%   median CV       median CV   benchmark
           (CEPAL)     <= 20%                      direct          FH          adjustment
=========  ==========  ===========  =============  ==============  ==========  ===========
VH_DC      108         132          136 (100%)     9.1%            8.3%        1.000-1.029
VH_DV      13          55           78 (57%)       22.2%           18.1%       0.994-1.073
=========  ==========  ===========  =============  ==============  ==========  ===========
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey import sae
from tests.conftest import realdata_file

pytestmark = pytest.mark.realdata

EXPECTED = {
    # direct CEPAL-ok, direct CV<=20%, FH CV<=20%, median CV direct, FH, adjustment range
    "VH_DC": (108, 132, 136, 0.091, 0.083, (1.000, 1.029)),
    "VH_DV": (13, 55, 78, 0.222, 0.181, (0.994, 1.073)),
}


@pytest.fixture(scope="module")
def enusc():
    path = realdata_file("enusc/enusc_2023_subset.csv.gz")
    df = pd.read_csv(path)
    des = survey.Design(
        df, weight="Fact_Hog_Com", strata="VarStrat", psu="Conglomerado", lonely_psu="certainty"
    )
    cov = df.groupby("enc_rpc", as_index=False).agg(
        enc_region=("enc_region", "first"), households=("Fact_Hog_Com", "sum")
    )
    return path, des, cov


@pytest.mark.parametrize("variable", ["VH_DC", "VH_DV"])
def test_readme_direct_vs_fh_by_commune(enusc, variable):
    _, des, cov = enusc
    ok, dcv, fcv, med_d, med_f, (adj_lo, adj_hi) = EXPECTED[variable]
    d = sae.direct(des, variable, "enc_rpc", df="domain")
    assert len(d) == 136
    assert (d["reliability"] == "reliable").sum() == ok  # the 108 and 13
    assert (d["cv"] <= 0.2).sum() == dcv
    res = sae.fh(d, cov, categorical=["enc_region"], method="REML", unstable="synthetic")
    est = res.estimates
    assert res.model["mse_method"] == "Prasad-Rao"
    assert (est["cv"] <= 0.2).sum() == fcv
    assert (est["reliability"] == "reliable").sum() == fcv  # the rest: caution, never hidden
    assert est["reliability"].isin(["reliable", "caution"]).all()
    assert round(float(np.nanmedian(d["cv"])), 3) == med_d
    assert round(float(est["cv"].median()), 3) == med_f
    synthetic = est.loc[est["kind"] == "synthetic", "enc_rpc"].tolist()
    assert synthetic == ([6105] if variable == "VH_DV" else [])
    # every commune gets a figure with an MSE; the model narrows every interval except for
    # Arica (15101), alone in its region: its dummy fits it exactly, so the EBLUP is the
    # direct estimate and the MSE the direct variance plus the g3 term of estimating A
    assert est["mse"].notna().all()
    ins = est[(est["kind"] == "eblup") & (est["enc_rpc"] != 15101)]
    assert (ins["mse"] < ins["direct_se"] ** 2).all()
    arica = est.set_index("enc_rpc").loc[15101]
    assert arica["estimate"] == pytest.approx(arica["direct"], rel=1e-10)
    assert arica["mse"] == pytest.approx(arica["direct_se"] ** 2, rel=0.01)
    b, report = sae.benchmark(res, des.mean(variable, by="enc_region"), size="households",
                              group="enc_region")  # fmt: skip
    assert len(report) == 16
    assert round(report["adjustment"].min(), 3) == adj_lo
    assert round(report["adjustment"].max(), 3) == adj_hi
    np.testing.assert_allclose(report["aggregate_benchmarked"], report["target"], rtol=1e-12)


def test_cli_route_equals_the_api(enusc, tmp_path):
    """What a user runs: ``survey sae`` on the real file with a commune table."""
    from survey.cli import app

    path, des, cov = enusc
    cov_path = tmp_path / "communes.csv"
    cov.to_csv(cov_path, index=False)
    out = tmp_path / "vh_dv.csv"
    args = [
        "sae", str(path), "VH_DV", "--area", "enc_rpc", "--weight", "Fact_Hog_Com",
        "--strata", "VarStrat", "--psu", "Conglomerado", "--lonely-psu", "certainty",
        "--covariates", str(cov_path), "--categorical", "enc_region", "--unstable",
        "synthetic", "--benchmark-by", "enc_region", "--size", "households", "--out", str(out),
    ]  # fmt: skip
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.split())
    assert "136 areas (135 in sample)" in text
    assert "MSE: Prasad-Rao" in text
    assert "model CV <= 20%:" in text and "(direct: 40%)" in text
    assert "adjustment 0.9935 to 1.073" in text
    got = pd.read_csv(out).set_index("enc_rpc")
    d = sae.direct(des, "VH_DV", "enc_rpc")
    res = sae.fh(d, cov, categorical=["enc_region"], unstable="synthetic")
    api, _ = sae.benchmark(res, des.mean("VH_DV", by="enc_region"), size="households",
                           group="enc_region")  # fmt: skip
    api = api.estimates.set_index("enc_rpc")
    np.testing.assert_allclose(got.loc[api.index, "estimate"], api["estimate"], rtol=1e-12)
    np.testing.assert_allclose(got.loc[api.index, "mse"], api["mse"], rtol=1e-12)
    assert (got.loc[api.index, "reliability"] == api["reliability"]).all()


def test_readme_small_area_block_runs(enusc, monkeypatch):
    """The README's 'Small areas' code block gives the table's VH_DV figures."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Small areas") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("../shared/realdata/enusc/enusc_2023_subset.csv.gz", str(enusc[0]))
    monkeypatch.chdir(root)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own documentation
    est, adj = ns["fit"].estimates, ns["adjustment"]
    assert (ns["direct"]["reliability"] == "reliable").sum() == 13
    assert (est["cv"] <= 0.2).sum() == 80  # after benchmarking (78 before, see above)
    assert (round(adj["adjustment"].min(), 3), round(adj["adjustment"].max(), 3)) == (0.994, 1.073)
    assert ns["fit"].model["mse_method"] == "Prasad-Rao"
