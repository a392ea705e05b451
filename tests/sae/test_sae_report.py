"""The report spec's ``sae:`` section: checks of the spec and the single-wave route on the
report's own design (the demo's two-wave route is tested in tests/report/test_demo_pipeline.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from survey import sae
from survey._paths import dataset_path
from survey.report.pipeline import SpecError, load_spec, run_spec

SAE = {
    "label": "Victimisation by neighbourhood",
    "variable": "victim",
    "area": "area",
    "covariates": "@city_census",
    "x": ["poverty", "density", "lighting"],
    "method": "REML",
    "smooth": "unstable",
    "unstable": "synthetic",
    "benchmark": {"size": "households"},
    "truth": "true_rate",
    "figures": ["caterpillar"],
    "figure_files": False,
}


def _spec(**sae_over):
    return {
        "title": "City",
        "data": {"path": "@city_sample"},
        "design": {"weight": "weight", "strata": "area", "psu": "block", "lonely_psu": "certainty"},
        "indicators": [{"name": "victim", "variable": "victim", "codes": [1], "base": [0, 1]}],
        "sae": {**SAE, **sae_over},
    }


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"metod": "REML"}, r"unknown key sae\.metod"),
        ({"method": "EB"}, r"sae\.method must be one of REML"),
        ({"covariates": "nowhere.csv"}, r"sae\.covariates: file .*nowhere\.csv not found"),
        ({"benchmark": {"sise": "households"}}, r"unknown key sae\.benchmark\.sise"),
        ({"figures": ["map"]}, r"sae\.figures lists map: give sae\.map"),
        ({"data": "@city_sample"}, r"sae\.data needs sae\.design"),
        ({"design": {"weigth": "w"}}, r"unknown key sae\.design\.weigth"),
    ],
)
def test_spec_errors_name_the_key(over, message):
    with pytest.raises(SpecError, match=message):
        load_spec(_spec(**over))


def test_benchmark_size_not_in_the_covariates_is_named(tmp_path):
    with pytest.raises(SpecError, match=r"sae\.benchmark: benchmark: size column 'hh'"):
        run_spec(_spec(benchmark={"size": "hh"}), tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_two_wave_report_needs_its_own_sae_sample(tmp_path):
    spec = load_spec("reports/demo.yaml")
    del spec["sae"]["data"], spec["sae"]["_data"]
    from survey.report import sae_section

    with pytest.raises(SpecError, match="two-wave report needs its own one-wave sample"):
        sae_section.run(spec, {})


def test_single_wave_report_on_its_own_design(tmp_path):
    """Without sae.data the section uses the report's design; the per-area csv is the API's
    result and the truth column the census's."""
    result = run_spec(_spec(), tmp_path / "out", progress=False)
    est = pd.read_csv(result.files["sae_estimates"])
    sample = pd.read_csv(dataset_path("city_sample.csv"))
    census = pd.read_csv(dataset_path("city_census.csv"))
    des = survey.Design(sample, weight="weight", strata="area", psu="block", lonely_psu="certainty")
    d, _ = sae.smooth_variances(sae.direct(des, "victim", "area"), where="unstable")
    res = sae.fh(d, census, x=SAE["x"], method="REML", unstable="synthetic")
    res, _ = sae.benchmark(res, float(des.mean("victim")["estimate"].iloc[0]), size="households")
    np.testing.assert_allclose(est["estimate"], res.estimates["estimate"], rtol=1e-12)
    np.testing.assert_allclose(est["truth"], census["true_rate"], rtol=1e-15)
    assert result.steps["small areas"].startswith("survey.sae: 40 areas of 'area'")
    assert "the report's person design" in result.steps["small areas"]
    assert not (tmp_path / "out" / "figures" / "sae_caterpillar.png").exists()  # HTML only
    html = result.report.read_text(encoding="utf-8")
    assert 'id="sae"' in html and "Small-area estimates: Victimisation by neighbourhood" in html


def test_an_unsampled_area_gets_the_synthetic_prediction_in_the_report(tmp_path):
    """A census area without sample (zero PSUs) is predicted from the model alone, shown
    with 0 PSUs and kind 'synthetic', and its MSE is the model's A + x'Qx."""
    census = pd.read_csv(dataset_path("city_census.csv"))
    extra = census.iloc[[0]].assign(area="N41", true_rate=np.nan)
    path = tmp_path / "census.csv"
    pd.concat([census, extra]).to_csv(path, index=False)
    result = run_spec(
        _spec(covariates=str(path), truth=None, benchmark=None), tmp_path / "out", progress=False
    )
    est = result.sae.estimates.set_index("area")
    res = result.sae.result
    assert est.loc["N41", "kind"] == "synthetic" and est.loc["N41", "status"] == "no_sample"
    x = np.array([1.0, *census.loc[0, SAE["x"]].to_numpy(float)])
    assert est.loc["N41", "estimate"] == pytest.approx(x @ res.fit.beta)
    assert est.loc["N41", "mse"] == pytest.approx(res.fit.refvar + x @ res.fit.beta_cov @ x)
    assert result.sae.direct.set_index("area").loc["N41", "n_psu"] == 0
    md = (tmp_path / "out" / "tables.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| N41 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:3] == ["0", "0"] and cells[-1] == "synthetic"  # n and PSUs
