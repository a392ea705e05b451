"""``survey compare`` on the simulated two-wave panel (compare_twowave.csv split by wave):
the DiD it writes equals R's svycontrast on the combined panel design (compare.json)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from survey.cli import app
from tests.conftest import GOLDEN, load_golden


def _split(tmp_path):
    data = pd.read_csv(GOLDEN / "compare_twowave.csv")
    paths = []
    for w in (1, 2):
        p = tmp_path / f"wave{w}.csv"
        data[data.wave == w].drop(columns="wave").to_csv(p, index=False)
        paths.append(str(p))
    return paths


def test_cli_panel_did_matches_r(tmp_path):
    w1, w2 = _split(tmp_path)
    out = tmp_path / "comparison.xlsx"
    args = [
        "compare", w1, w2, "--indicators", "trust,victim", "--indicators", "t57=trust:5-7",
        "--weight", "w", "--strata", "stratum", "--psu", "psu", "--panel-id", "hh_id",
        "--group", "treat", "--worse-lower", "trust",
        "--show-suppressed",  # the tidy sheets blank suppressed rows otherwise: R's numbers
        "--out", str(out),
    ]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None)
    # the formatted tables first (issue 12), then the tidy sheets as they were
    assert {"comparison", "paired_tests", "did", "do_no_harm"} <= set(sheets)
    assert list(sheets)[0].startswith("table_comparison")
    gold = {c["id"]: c for c in load_golden("compare")["cases"]}
    did = sheets["did"].set_index("variable")
    for v in ("trust", "victim"):
        c = gold[f"did_contrast_{v}"]
        np.testing.assert_allclose(did.loc[v, ["estimate", "se"]], [c["did"], c["se_did"]], 1e-8)
    assert len(sheets["comparison"]) == 6  # 3 indicators x 2 groups
    # without --group: the panel change of each indicator equals R's svycontrast on the panel
    args = [a for a in args if a not in ("--group", "treat")]
    out2 = tmp_path / "overall.xlsx"
    assert CliRunner().invoke(app, [*args[:-1], str(out2)]).exit_code == 0
    comp = pd.read_excel(out2, sheet_name="comparison").set_index("variable")
    for v, case in (("trust", "within_wave_trust"), ("t57", "within_wave_trust57")):
        c = gold[case]
        np.testing.assert_allclose(
            comp.loc[v, ["estimate", "se"]], [c["difference"], c["se_difference"]], 1e-8
        )


def test_cli_independent_and_errors(tmp_path):
    w1, w2 = _split(tmp_path)
    out = tmp_path / "c.csv"
    base = ["compare", w1, w2, "--weight", "w", "--strata", "stratum", "--psu", "psu"]
    res = CliRunner().invoke(app, [*base, "--indicators", "trust", "--out", str(out)])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(out).iloc[0]
    np.testing.assert_allclose(row["se"], np.hypot(row["se_1"], row["se_2"]), rtol=1e-12)
    res = CliRunner().invoke(app, [*base, "--indicators", "nope", "--out", str(tmp_path / "x.csv")])
    assert res.exit_code != 0 and "nope" in res.output
