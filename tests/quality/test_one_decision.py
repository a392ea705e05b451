"""One publication decision per cell, whatever the route (issue 12).

The ENUSC 2019 Antofagasta cell of VP_DC (person victimisation, person weight, CEPAL 2020,
domain df as INE Chile's tables) has 934 respondents of whom 46 were victims (unweighted).
``round(n * p)`` would give 76 cases and publish the cell as "caution"; with the real 46 the
CEPAL 2020 rule (at least 50 cases) suppresses it. ``survey estimate``, ``survey indicators``
and ``survey report`` must all say so, with the reason and the rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app

ANTOFAGASTA = 2
DESIGN = ["--weight", "Fact_Pers", "--strata", "VarStrat", "--psu", "Conglomerado"]


@pytest.fixture(scope="module")
def sav():
    from tests.conftest import realdata_file

    return realdata_file("enusc/enusc_2019_subset.sav")


@pytest.fixture(scope="module")
def truth(sav):
    """The exact count, from the rows themselves (no estimation code)."""
    import pyreadstat

    df, _ = pyreadstat.read_sav(str(sav), usecols=["enc_region", "VP_DC", "Fact_Pers"])
    cell = df[(df.enc_region == ANTOFAGASTA) & df.VP_DC.notna() & (df.Fact_Pers != 0)]
    return {"n": len(cell), "cases": int((cell.VP_DC == 1).sum())}


def _row(frame, region_col="enc_region"):
    got = frame[frame[region_col] == ANTOFAGASTA]
    assert len(got) == 1
    return got.iloc[0]


def test_truth_is_46_of_934(truth):
    assert truth == {"n": 934, "cases": 46}


def test_api_prop_and_mean_of_the_0_1_item_agree(sav, truth):
    from survey import Design, read

    des = Design(
        read(sav), weight="Fact_Pers", strata="VarStrat", psu="Conglomerado", lonely_psu="adjust"
    )
    for verb in (des.prop, des.mean):
        row = _row(verb("VP_DC", by="enc_region", df="domain"))
        assert row["n"] == truth["n"] and row["n_cases"] == truth["cases"]
        # round(n p) would be 76: far from the real count
        assert round(row["n"] * row["estimate"]) == 76
        assert row["reliability"] == "suppress"
        assert row["reliability_reason"] == "cases < 50"
        assert row["quality_rule"] == "cepal2020 (calidad 0.8.0)"
    # the other rules decide from the same exact count
    row = _row(des.prop("VP_DC", by="enc_region", df="domain", quality="cepal2023"))
    assert row["reliability"] == "caution" and row["reliability_reason"] == "cases < 50"
    row = _row(des.prop("VP_DC", by="enc_region", df="domain", quality="ine_chile2020"))
    assert row["quality_rule"] == "ine_chile2020 (calidad 0.8.0)"


def test_estimate_indicators_and_report_give_the_same_decision(sav, truth, tmp_path):
    runner = CliRunner()
    est_csv = tmp_path / "estimate.csv"
    res = runner.invoke(
        app,
        ["estimate", str(sav), "VP_DC", *DESIGN, "--by", "enc_region", "--df", "domain",
         "--lonely-psu", "adjust", "--out", str(est_csv)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "publication rule cepal2020 (calidad 0.8.0)" in " ".join(res.output.split())
    est = _row(pd.read_csv(est_csv))

    ind_csv = tmp_path / "indicators.csv"
    res = runner.invoke(
        app,
        ["indicators", str(sav), "-c", "enusc_2019", *DESIGN, "--by", "enc_region",
         "--indicator", "prevalence_person", "--out", str(ind_csv)],
    )  # fmt: skip
    # one default for every command: lonely PSUs fail (as the API and R), naming the stratum
    assert res.exit_code != 0 and "20191069" in res.output
    res = runner.invoke(
        app,
        ["indicators", str(sav), "-c", "enusc_2019", *DESIGN, "--by", "enc_region",
         "--indicator", "prevalence_person", "--lonely-psu", "adjust", "--out", str(ind_csv),
         "--overwrite"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    ind = pd.read_csv(ind_csv)
    ind = _row(ind[(ind["indicator"] == "prevalence_person") & (ind["category"] == "any")])

    from survey.report import pipeline as P

    spec = {
        "title": "ENUSC 2019",
        "language": "es",
        "source": "INE Chile, ENUSC 2019",
        "data": {"path": str(sav)},
        "design": {"weight": "Fact_Pers", "strata": "VarStrat", "psu": "Conglomerado",
                   "lonely_psu": "adjust"},
        "estimation": {"level": 0.95, "ci": "logit", "df": "domain"},
        "quality": {"rule": "cepal2020"},
        "breakdowns": ["enc_region"],
        "indicators": [
            # spec-defined (no registry): the engine's mean of the 0/1 analysis column
            {"name": "vp_dc", "label": "Personas victimizadas", "variable": "VP_DC",
             "codes": [1], "base": [0, 1], "better": "lower", "section": "victimisation"},
            {"name": "vp_dc_reg", "label": "Personas victimizadas (registro)",
             "registry": "prevalence_person", "args": {"crimes": {"any": "VP_DC"}},
             "variable": "VP_DC", "codes": [1], "base": [0, 1], "better": "lower",
             "section": "victimisation"},
        ],
    }  # fmt: skip
    result = P.run_spec(spec, tmp_path / "out", progress=False)
    rep = result.results[result.results["breakdown"] == "enc_region"]
    rows = [est, ind, _row(rep[rep.variable == "vp_dc"]), _row(rep[rep.variable == "vp_dc_reg"])]
    for row in rows:
        assert row["n_cases"] == truth["cases"]
        assert row["reliability"] == "suppress"
        assert row["reliability_reason"] == "cases < 50"
        assert row["quality_rule"] == "cepal2020 (calidad 0.8.0)"
    # and the same interval and df for the share on every route (logit, domain df)
    des_row = _row(
        __import__("survey").Design(
            __import__("survey").read(sav), weight="Fact_Pers", strata="VarStrat",
            psu="Conglomerado", lonely_psu="adjust",
        ).prop("VP_DC", by="enc_region", df="domain")
    )  # fmt: skip
    for row in rows[2:]:
        assert float(row["ci_low"]) == pytest.approx(float(des_row["ci_low"]), rel=1e-10)
        assert float(row["df"]) == float(des_row["df"])
    # the files blank what the rule suppresses (both commands), the reason stays
    assert np.isnan(float(ind["ci_low"])) and np.isnan(float(est["estimate"]))
