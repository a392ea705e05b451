"""``survey compare`` with one file holding both waves (``--wave``/``--before``/``--after``)
and the per-domain degrees of freedom it uses with ``--by`` (``--wave-df``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.conftest import GOLDEN, load_golden, realdata_file

runner = CliRunner()
DESIGN = ["--weight", "w", "--strata", "stratum", "--psu", "psu"]


@pytest.fixture
def files(tmp_path):
    data = pd.read_csv(GOLDEN / "compare_twowave.csv")
    both = tmp_path / "both.csv"
    data.to_csv(both, index=False)
    split = []
    for w in (1, 2):
        p = tmp_path / f"wave{w}.csv"
        data[data.wave == w].drop(columns="wave").to_csv(p, index=False)
        split.append(str(p))
    return data, str(both), split


def _run(args):
    res = runner.invoke(app, ["compare", *args])
    assert res.exit_code == 0, res.output
    return res


def test_wave_column_equals_two_files(files, tmp_path):
    data, both, (w1, w2) = files
    common = ["--indicators", "trust,victim", *DESIGN]
    _run([w1, w2, *common, "--out", str(tmp_path / "two.csv")])
    res = _run([both, "--wave", "wave", "--before", "1", "--after", "2", *common]
               + ["--out", str(tmp_path / "one.csv")])  # fmt: skip
    n1, n2 = (int((data["wave"] == w).sum()) for w in (1, 2))
    assert f"wave=1 ({n1} rows) vs wave=2 ({n2} rows)" in " ".join(res.output.split())
    sides = ["label_1", "label_2"]  # the sides as the user named them: the files or --wave
    one, two = (pd.read_csv(tmp_path / f"{n}.csv") for n in ("one", "two"))
    assert one[sides].drop_duplicates().values.tolist() == [["baseline: wave=1", "follow-up: wave=2"]]  # fmt: skip
    assert two[sides].drop_duplicates().values.tolist() == [[f"baseline: {w1}", f"follow-up: {w2}"]]  # fmt: skip
    pd.testing.assert_frame_equal(one.drop(columns=sides), two.drop(columns=sides))
    # a two-valued column needs no --before/--after (the smaller value is the baseline)
    _run([both, "--wave", "wave", *common, "--out", str(tmp_path / "dflt.csv")])
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dflt.csv"), one)


def test_wave_column_panel_matches_r(files, tmp_path):
    _, both, _ = files
    out = tmp_path / "panel.xlsx"
    # --show-suppressed: every value in the tidy sheet, to compare with R
    _run([both, "--wave", "wave", "--indicators", "trust", *DESIGN, "--panel-id", "hh_id",
          "--out", str(out), "--show-suppressed"])  # fmt: skip
    comp = pd.read_excel(out, sheet_name="comparison").set_index("variable")
    c = {c["id"]: c for c in load_golden("compare")["cases"]}["within_wave_trust"]
    np.testing.assert_allclose(
        comp.loc["trust", ["estimate", "se"]], [c["difference"], c["se_difference"]], 1e-8
    )


def test_by_uses_each_domains_df(files, tmp_path):
    data, both, _ = files
    args = [both, "--wave", "wave", "--indicators", "trust", *DESIGN, "--by", "stratum"]
    res = _run([*args, "--out", str(tmp_path / "dom.csv")])
    assert "df of each estimate: its --by domain (--wave-df domain)" in " ".join(res.output.split())
    got = pd.read_csv(tmp_path / "dom.csv").set_index("stratum")["df"]
    # df of a stratum's estimate in one wave: its PSUs - 1; the change adds the two waves'
    psus = data.groupby(["stratum", "wave"])["psu"].nunique() - 1
    expected = psus.groupby("stratum").sum()
    np.testing.assert_array_equal(got.sort_index(), expected.sort_index().astype(float))
    assert got.max() < 20
    _run([*args, "--wave-df", "design", "--out", str(tmp_path / "des.csv")])
    whole = data.groupby("wave").apply(lambda f: f["psu"].nunique() - f["stratum"].nunique())
    assert (pd.read_csv(tmp_path / "des.csv")["df"] == whole.sum()).all()  # 24 + 24
    assert whole.sum() == 48


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--wave", "wave", "--after", "3", "--before", "1"],
            "--after '3' is neither a value nor a value label of column 'wave' (values: 1, 2)",
        ),
        (["--wave", "hh_id"], "give --before and --after"),
        (["--wave", "nope"], "wave column 'nope' is not in"),
        (["--wave", "hh_id", "--before", "s1p1h1"], "give --after too"),
        (["--wave", "wave", "--before", "1", "--after", "1.0"], "are the same value"),
        (["--wave", "wave", "--before", "x", "--after", "2"], "--before 'x' is neither a value"),
        (["--before", "1"], "give --wave too"),
        (["--wave-df", "other"], "must be 'design' or 'domain'"),
    ],
)
def test_wave_errors(files, tmp_path, extra, message):
    _, both, _ = files
    args = [both, "--indicators", "trust", "--weight", "w", "--out", str(tmp_path / "x.csv")]
    if "--wave" not in extra:
        args.insert(1, both)
    res = runner.invoke(app, ["compare", *args, *extra])
    assert res.exit_code == 2 and message in " ".join(res.output.split()), res.output


def test_two_files_and_wave_is_an_error(files, tmp_path):
    _, both, (w1, w2) = files
    res = runner.invoke(app, ["compare", w1, w2, "--wave", "wave", "--indicators", "trust",
                              "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert res.exit_code == 2 and "ONE data file" in res.output


@pytest.mark.realdata
def test_lapop_one_file_by_country_uses_country_df(tmp_path):
    """LAPOP 2018/19 vs 2023 from the one multi-country file, by country: the CLI equals
    R's per-country estimates, SEs and degrees of freedom."""
    path = realdata_file("lapop/ym23_multicountry_2018_2023.csv.gz")
    data = pd.read_csv(path, usecols=["pais", "wave", "upm", "strata", "weight1500", "b18"])
    data["pais_strata"] = data["pais"].astype(str) + ":" + data["strata"].astype(str)
    src = tmp_path / "lapop.parquet"  # a temporary working copy, never in the repository
    data.to_parquet(src, index=False)
    out = tmp_path / "c.csv"
    _run([str(src), "--wave", "wave", "--before", "2018", "--after", "2023", "--by", "pais",
          "--indicators", "b18_57=b18:5-7", "--weight", "weight1500", "--strata", "pais_strata",
          "--psu", "upm", "--nest", "--out", str(out)])  # fmt: skip
    got = pd.read_csv(out).set_index("pais")
    gold = [c for c in load_golden("compare")["cases"] if c["kind"] == "lapop"]
    if not gold:
        pytest.skip("compare.json was generated without the LAPOP file")
    for c in gold:
        row = got.loc[c["pais"]]
        for k in ("estimate_1", "se_1", "estimate_2", "se_2"):
            assert row[k] == pytest.approx(c[k], rel=1e-8), (c["pais"], k)
        # each country's df is its own design's (R's degf per country and wave, summed over
        # the two independent waves), never the whole file's
        assert row["df"] == c["degf_1"] + c["degf_2"]
