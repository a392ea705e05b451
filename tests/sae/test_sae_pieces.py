"""Variance smoothing, arcsine model with bootstrap MSE, benchmarking, diagnostics, the
caterpillar plot, the methods annex and the CLI, on the synthetic city (known truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey import sae
from survey.datasets.city import draw_sample, make_city

X = ["poverty", "density", "lighting"]


@pytest.fixture(scope="module")
def city():
    return make_city()


@pytest.fixture(scope="module")
def sample(city):
    return draw_sample(city, 7)


@pytest.fixture(scope="module")
def design(sample):
    return survey.Design(
        sample, weight="weight", strata="area", psu="block", lonely_psu="certainty"
    )


@pytest.fixture(scope="module")
def direct(design):
    return sae.direct(design, "victim", "area")


def test_gvf_fit_is_least_squares_on_log_variance(direct):
    sm, info = sae.smooth_variances(direct, where="unstable")
    ok = direct[(direct.status == "ok") & (direct["var"] > 0)]
    p = ok["estimate"].to_numpy()
    A = np.column_stack([np.ones(len(ok)), np.log(ok["n"]), np.log(p * (1 - p))])
    coef = np.linalg.lstsq(A, np.log(ok["var"]), rcond=None)[0]
    np.testing.assert_allclose(info["coef"], coef, rtol=1e-10)
    assert info["n_fit"] == len(ok)
    # single-PSU (certainty: engine variance 0) and p = 0 areas get the GVF, recorded
    unstable = direct[(direct.status != "ok") | (direct.df < 9)]
    assert sorted(info["replaced"]) == sorted(unstable["area"])
    sm = sm.set_index("area")
    assert (sm.loc[unstable["area"], "var_source"] == "gvf").all()
    assert (sm.loc[unstable["area"], "var"] > 0).all()
    kept = sm.drop(unstable["area"])
    np.testing.assert_array_equal(kept["var"], kept["var_direct"])
    _, info_none = sae.smooth_variances(direct, where="none")
    assert info_none["n_replaced"] == 0


def test_arcsine_model_with_bootstrap_mse(city, direct):
    sm, _ = sae.smooth_variances(direct, where="unstable")
    res = sae.fh(sm, city.census, x=X, transform="arcsin", B=60, seed=3)
    est = res.estimates
    assert est["estimate"].between(0, 1).all()
    assert (est["mse"] > 0).all()
    assert res.model["mse_method"] == "parametric bootstrap (B=60, seed=3)"
    # the bias-corrected back-transformation E[sin^2 T], T ~ N(mu, s2)
    eb_t = res.data["X"] @ res.fit.beta
    g = est["shrinkage"].to_numpy()
    mu = eb_t + g * (res.data["y"] - eb_t)
    s2 = g * res.data["D"]
    rng = np.random.default_rng(0)
    draws = np.sin(mu[:5, None] + np.sqrt(s2[:5, None]) * rng.standard_normal((5, 400_000))) ** 2
    np.testing.assert_allclose(est["estimate"][:5], draws.mean(axis=1), atol=5e-4)
    # model scale: variance 1 / (4 n_eff)
    np.testing.assert_allclose(res.data["D"], 1 / (4 * est["n_eff"]))
    # same seed, same MSE
    again = sae.fh(sm, city.census, x=X, transform="arcsin", B=60, seed=3)
    np.testing.assert_array_equal(again.estimates["mse"], est["mse"])
    truth = city.census["true_rate"].to_numpy()
    rmse = lambda v: np.sqrt(np.nanmean((v - truth) ** 2))  # noqa: E731
    assert rmse(est["estimate"].to_numpy()) < rmse(est["direct"].to_numpy())
    with pytest.raises(sae.FHError, match="analytic MSE is on the model scale"):
        sae.fh(sm, city.census, x=X, transform="arcsin", mse="analytic")


def test_bootstrap_mse_agrees_with_prasad_rao_without_transformation(city, direct):
    sm, _ = sae.smooth_variances(direct, where="all")
    pr = sae.fh(sm, city.census, x=X, method="REML").estimates["mse"].to_numpy()
    bs = sae.fh(sm, city.census, x=X, method="REML", mse="bootstrap", B=400, seed=1)
    ratio = bs.estimates["mse"].to_numpy() / pr
    assert 0.85 < np.median(ratio) < 1.15


def test_benchmark_matches_direct_regional_estimates(city, design, direct):
    sm, _ = sae.smooth_variances(direct, where="unstable")
    cen = city.census.assign(district=np.where(np.arange(40) < 20, "east", "west"))
    design = survey.Design(
        design.data.merge(cen[["area", "district"]], on="area"),
        weight="weight",
        strata="area",
        psu="block",
        lonely_psu="certainty",
    )
    res = sae.fh(sm, cen, x=X)
    targets = design.mean("victim", by="district")
    b, report = sae.benchmark(res, targets, size="households", group="district")
    est = b.estimates.assign(district=cen["district"], N=cen["households"])
    for dist, row in targets.set_index("district").iterrows():
        sub = est[est.district == dist]
        agg = np.sum(sub.N * sub.estimate) / sub.N.sum()
        assert agg == pytest.approx(row["estimate"], rel=1e-12)
    rep = report.set_index("district")
    sub = est[est.district == "east"]
    target_east = targets.set_index("district").loc["east", "estimate"]
    model_east = np.sum(sub.N * sub.estimate_model) / sub.N.sum()
    assert rep.loc["east", "adjustment"] == pytest.approx(target_east / model_east)
    np.testing.assert_allclose(
        b.estimates["mse"],
        res.estimates["mse"] + (b.estimates.estimate - res.estimates.estimate) ** 2,
    )
    nat, rep_n = sae.benchmark(res, 0.15, size="households", method="difference")
    w = cen["households"]
    assert np.sum(w * nat.estimates.estimate) / w.sum() == pytest.approx(0.15)
    assert rep_n["adjustment"].iloc[0] == pytest.approx(
        0.15 - np.sum(w * res.estimates.estimate) / w.sum()
    )


def test_diagnostics_and_reliability(city, direct):
    sm, _ = sae.smooth_variances(direct, where="unstable")
    res = sae.fh(sm, city.census, x=X)
    diag, summ = res.diagnostics()
    A = res.fit.refvar
    y, D, Xm = res.data["y"], res.data["D"], res.data["X"]
    np.testing.assert_allclose(diag["std_residual"], (y - Xm @ res.fit.beta) / np.sqrt(A + D))
    np.testing.assert_allclose(diag["shrinkage"], A / (A + D))
    from scipy.stats import shapiro

    assert summ["shapiro_residuals"]["p_value"] == pytest.approx(shapiro(diag["std_residual"])[1])
    est = res.estimates
    # reliability: the quality rule's CV criterion (CEPAL 2020: cv >= 0.20 -> caution)
    assert ((est["cv"] >= 0.2) == (est["reliability"] == "caution")).all()
    assert summ["share_cv_le_20_all"] == pytest.approx(np.mean(est["cv"] <= 0.2))
    assert summ["median_cv_model"] < summ["median_cv_direct"]


def test_caterpillar_returns_axes_and_annex_in_three_languages(city, direct):
    import matplotlib.pyplot as plt

    sm, _ = sae.smooth_variances(direct, where="unstable")
    res = sae.fh(sm, city.census, x=X)
    ax = sae.caterpillar(res, lang="es")
    assert ax.get_ylabel() == "estimación (%)"
    assert len(ax.containers) == 2  # direct and model errorbars
    plt.close(ax.figure)
    for lang, word in [
        ("en", "Fay-Herriot"),
        ("es", "modelo de Fay-Herriot"),
        ("pt", "modelo de Fay-Herriot"),
    ]:
        text = sae.methods_annex(res, lang=lang)
        assert word in text
        assert f"{res.model['refvar']:.4g}" in text
    with pytest.raises(ValueError, match="lang='de'"):
        sae.methods_annex(res, lang="de")


def test_cli_sae_writes_workbook_and_refuses_to_overwrite(city, sample, tmp_path):
    from survey.cli import app

    data = tmp_path / "sample.csv"
    cov = tmp_path / "census.csv"
    sample.to_csv(data, index=False)
    city.census.drop(columns="true_rate").to_csv(cov, index=False)
    out = tmp_path / "sae.xlsx"
    args = [
        "sae", str(data), "victim", "--area", "area", "--weight", "weight", "--strata", "area",
        "--psu", "block", "--lonely-psu", "certainty", "--covariates", str(cov),
        "--x", "poverty", "--x", "density", "--x", "lighting", "--method", "AREML",
        "--smooth", "unstable", "--benchmark-by", "national", "--size", "households",
        "--out", str(out), "--annex", "es",
    ]  # fmt: skip
    runner = CliRunner()
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "modelo de Fay-Herriot" in " ".join(res.output.split())
    sheets = pd.read_excel(out, sheet_name=None, header=2)  # title on row 1, header row 3
    assert set(sheets) == {"estimates", "model", "coefficients", "diagnostics", "benchmark"}
    est = sheets["estimates"].dropna(subset=["area"])
    est = est[est["area"].astype(str).str.match(r"^N\d+$")]  # the rows above the notes
    assert len(est) == 40
    # the one xlsx writer: title, source, frozen header, number formats; values unrounded
    from openpyxl import load_workbook

    ws = load_workbook(out)["estimates"]
    assert ws["A1"].value == "victim by area: small-area estimates (EBLUP) and direct estimates"
    assert ws.freeze_panes == "A4"
    head = [c.value for c in ws[3]]
    cv = ws.cell(row=4, column=head.index("cv") + 1)
    assert cv.number_format == "0.0%"
    assert ws.cell(row=4, column=head.index("n") + 1).number_format == "#,##0"
    notes = [c.value for c in ws["A"][4 + 40 :] if c.value]
    assert notes[0] == "Source: sample.csv" and notes[1].startswith("Fay-Herriot model (AREML)")
    assert ws.column_dimensions["A"].width >= 8
    p = load_workbook(out)["coefficients"]
    assert p.cell(row=4, column=5).number_format == '[<0.001]"<0.001";0.000'
    # the values are the csv's, unrounded
    csv = tmp_path / "sae.csv"
    assert runner.invoke(app, [*args[:-4], "--out", str(csv)]).exit_code == 0
    tidy = pd.read_csv(csv)
    np.testing.assert_allclose(est["estimate"].astype(float), tidy["estimate"], rtol=1e-12)
    np.testing.assert_allclose(est["cv"].astype(float), tidy["cv"], rtol=1e-12)
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "exists" in " ".join(again.output.split())
    bad = runner.invoke(app, [*args[:-4], "--x", "nope", "--out", str(tmp_path / "b.csv")])
    assert bad.exit_code == 2 and "'nope'" in " ".join(bad.output.split())
