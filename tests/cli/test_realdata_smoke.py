"""Every CLI command still runs on the real files (issue 15: no guard against bad input may
turn a valid input into an error). Skips when ../shared/realdata is absent."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.conftest import realdata_file

runner = CliRunner()

ENUSC_DESIGN = ["--strata", "VarStrat", "--psu", "Conglomerado", "--lonely-psu", "certainty"]
CASES = {
    "enusc_2019_csv": ("enusc/enusc_2019_subset.csv.gz",
                       ["estimate", "VA_DC", "VP_DC", "P3_1_1", "--weight", "Fact_Pers",
                        *ENUSC_DESIGN, "--by", "enc_region"]),
    "enusc_2019_sav": ("enusc/enusc_2019_subset.sav",
                       ["estimate", "P3_1_1", "--weight", "Fact_Pers", *ENUSC_DESIGN]),
    "enusc_2019_usermissing": ("enusc/enusc_2019_subset_usermissing.sav",
                               ["estimate", "P3_1_1", "P8_1_1", "--weight", "Fact_Pers",
                                *ENUSC_DESIGN]),
    "enusc_2023": ("enusc/enusc_2023_subset.csv.gz",
                   ["estimate", "VH_DV", "PAD", "--weight", "Fact_Hog_Reg", *ENUSC_DESIGN,
                    "--by", "rph_sexo"]),
    "ncvs": ("ncvs/ncvs_2021_household.csv.gz",
             ["estimate", "V2015", "--weight", "WGTHHCY", "--strata", "V2117", "--psu", "V2118",
              "--nest"]),
    "lapop_dta": ("lapop/bra23_AB2023_Brazil.dta",
                  ["estimate", "aoj11", "b12", "--weight", "wt", "--strata", "strata", "--psu",
                   "upm"]),
    "lapop_csv": ("lapop/ym23_multicountry_2018_2023.csv.gz",
                  ["estimate", "b18", "--weight", "weight1500", "--strata", "strata", "--psu",
                   "upm", "--nest", "--by", "wave"]),
    "lapop_waves": ("lapop/cm23_Brazil_2007_2023.csv.gz",
                    ["estimate", "aoj11", "--weight", "wt", "--by", "wave"]),
    "ess": ("ess/ess7es_with_pspwght.csv",
            ["estimate", "ppltrst", "trstprl", "--weight", "pspwght", "--strata", "stratum",
             "--psu", "psu"]),
    "api_strat": ("rsurvey/apistrat.csv",
                  ["estimate", "api00", "--weight", "pw", "--strata", "stype"]),
    "api_clus1": ("rsurvey/apiclus1.csv",
                  ["estimate", "api00", "--weight", "pw", "--psu", "dnum", "--fpc", "fpc"]),
    "indicators_enusc": ("enusc/enusc_2019_subset.csv.gz",
                         ["indicators", "--crosswalk", "enusc_2019", "--lonely-psu",
                          "certainty"]),
    "indicators_lapop": ("lapop/bra23_AB2023_Brazil.dta", ["indicators", "--crosswalk", "lapop"]),
    "indicators_ess": ("ess/ess7es_with_pspwght.csv", ["indicators", "--crosswalk", "ess"]),
    "harmonize_lapop": ("lapop/ym23_multicountry_2018_2023.csv.gz",
                        ["harmonize", "--crosswalk", "lapop"]),
}  # fmt: skip


@pytest.mark.realdata
@pytest.mark.parametrize("case", list(CASES))
def test_cli_runs_on_real_file(case, tmp_path):
    rel, args = CASES[case]
    path = realdata_file(rel)
    command, *rest = args
    out = tmp_path / "out.csv"
    shown = ["--show-suppressed"] if command in ("estimate", "indicators") else []
    res = runner.invoke(app, [command, str(path), *rest, *shown, "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert len(frame) > 0
    if command in ("estimate", "indicators"):
        # something was estimated, with finite standard errors where not suppressed
        shown = frame.dropna(subset=["estimate"])
        assert len(shown) > 0 and shown["se"].notna().all()
