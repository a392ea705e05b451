"""CLI safety: no input is ever overwritten, outputs are checked before any work, and bad
input ends with a clear message (file and column named, exit code 2, no traceback)."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from survey._paths import data_dir
from survey.cli import app
from survey.cli._common import check_output_path, check_outputs
from survey.instruments import InstrumentError, harmonize, load_crosswalk
from tests.conftest import GOLDEN

runner = CliRunner()


def _clean_error(result, *needles: str) -> None:
    """Exit code 2 through ``fail`` (a SystemExit, not an exception), message names things."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    text = " ".join(result.output.split())
    for needle in needles:
        assert needle in text, (needle, text)


def _bytes(path) -> bytes:
    return path.read_bytes()


# ---------------------------------------------------------------- check_output_path


def test_check_output_path_resolves_relative_symlink_and_hard_links(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text("a\n1\n")
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    monkeypatch.chdir(tmp_path / "sub")
    for out in (src, "../in.csv", link, hard):
        with pytest.raises(typer.Exit) as info:
            check_output_path(out, overwrite=True, inputs=[src])
        assert info.value.exit_code == 2
    assert src.read_text() == "a\n1\n"
    # an unrelated path passes (and its folder is created)
    ok = check_output_path(tmp_path / "new" / "out.csv", overwrite=False, inputs=[src])
    assert ok.parent.is_dir()
    # an existing output needs --overwrite; a wrong extension is refused
    with pytest.raises(typer.Exit):
        check_output_path(hard, overwrite=False)
    with pytest.raises(typer.Exit):
        check_output_path(tmp_path / "x.txt", suffixes=(".csv",))
    assert check_output_path(tmp_path / "x.CSV.GZ", suffixes=(".csv.gz",)).name == "x.CSV.GZ"


def test_check_outputs_refuses_two_outputs_on_one_path(tmp_path):
    out = tmp_path / "deep" / "o.csv"
    with pytest.raises(typer.Exit):
        check_outputs([("--out", out, None), ("--diagnostics", out, None)])
    assert not out.parent.exists()  # nothing created when a check fails


# ---------------------------------------------------------------- weight


@pytest.fixture
def weighting_files(tmp_path):
    data = tmp_path / "d.csv"
    shutil.copy(GOLDEN / "weighting_sample.csv", data)
    for name in ("example.yaml", "example_population.csv"):
        shutil.copy(data_dir("weights") / name, tmp_path / name)
    return data, tmp_path / "example.yaml", tmp_path / "example_population.csv"


def test_weight_never_overwrites_data_spec_or_population(weighting_files, tmp_path):
    data, spec, pop = weighting_files
    before = {p: _bytes(p) for p in (data, spec, pop)}
    w = tmp_path / "w.parquet"
    base = ["weight", str(data), "--spec", str(spec), "--overwrite"]
    res = runner.invoke(app, [*base, "--out", str(w), "--diagnostics", str(data)])
    _clean_error(res, "--diagnostics", "d.csv", "input")
    assert not w.exists()  # --out is not written when another output is refused
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    _clean_error(runner.invoke(app, [*base, "--out", str(link)]), "input")
    _clean_error(runner.invoke(app, [*base, "--out", str(pop)]), "example_population.csv")
    _clean_error(runner.invoke(app, [*base, "--out", str(w), "--diagnostics", str(spec)]))
    assert {p: _bytes(p) for p in (data, spec, pop)} == before


def test_weight_checks_every_output_before_weighting(weighting_files, tmp_path):
    data, spec, _ = weighting_files
    diag = tmp_path / "diag.csv"
    diag.write_text("old")
    w = tmp_path / "w.parquet"
    base = ["weight", str(data), "--spec", str(spec)]
    res = runner.invoke(app, [*base, "--out", str(w), "--diagnostics", str(diag)])
    _clean_error(res, "diag.csv", "exists")
    assert not w.exists() and diag.read_text() == "old"
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "w.txt")])
    _clean_error(res, "w.txt", ".parquet")
    assert not (tmp_path / "w.txt").exists()
    # the accepted path still weights: trimmed weights within [20, 300], respondents only
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "w.csv.gz"), "--diagnostics", str(tmp_path / "dg.csv")])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "w.csv.gz")
    wf = out["weight_final"].to_numpy()
    assert (wf[out["resp"] == 0] == 0).all()
    assert wf[out["resp"] == 1].min() >= 20 - 1e-9 and wf.max() <= 300 + 1e-9
    assert set(pd.read_csv(tmp_path / "dg.csv")["table"]) == {"weights", "margins"}


# ---------------------------------------------------------------- compare


@pytest.fixture
def two_waves(tmp_path):
    rng = np.random.default_rng(7)
    paths = []
    for k in (1, 2):
        n = 60
        frame = pd.DataFrame(
            {
                "w": rng.uniform(1, 5, n).round(3),
                "trust": rng.integers(1, 5, n),
                "wide": rng.choice(["Yes", "No"], n),
            }
        )
        frame.loc[[3, 7], "wide"] = np.nan
        path = tmp_path / f"wave{k}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def test_compare_never_overwrites_an_input(two_waves, tmp_path, monkeypatch):
    base, follow = two_waves
    before = _bytes(base), _bytes(follow)
    args = ["compare", str(base), str(follow), "--indicators", "trust", "--weight", "w"]
    _clean_error(runner.invoke(app, [*args, "--out", str(base), "--overwrite"]), "wave1.csv")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    res = runner.invoke(app, [*args, "--out", "../wave2.csv", "--overwrite"])
    _clean_error(res, "wave2.csv", "input")
    _clean_error(runner.invoke(app, [*args, "--out", "c.txt"]), "c.txt", ".xlsx")
    assert (_bytes(base), _bytes(follow)) == before


def test_compare_text_codes_and_value_lists(two_waves, tmp_path):
    base, follow = two_waves
    out = tmp_path / "c.csv"
    # --show-suppressed: the small waves' estimates are suppressed, blanked in the csv otherwise
    args = ["compare", str(base), str(follow), "--weight", "w", "--show-suppressed"]
    args += ["--out", str(out)]
    res = runner.invoke(app, [*args, "--indicators", "sw=wide:Yes,t12=trust:1,2,trust"])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index("variable")
    assert list(got.index) == ["sw", "t12", "trust"]
    for k, path in enumerate((base, follow), start=1):
        d = pd.read_csv(path)
        yes = d["wide"].notna()  # missing answers stay missing (not counted as 0)
        sw = (d["w"] * (d["wide"] == "Yes"))[yes].sum() / d["w"][yes].sum()
        t12 = (d["w"] * d["trust"].isin([1, 2])).sum() / d["w"].sum()
        assert got.loc["sw", f"estimate_{k}"] == pytest.approx(sw, rel=1e-12)
        assert got.loc["t12", f"estimate_{k}"] == pytest.approx(t12, rel=1e-12)
    # a text code that does not occur, and a text code on a numeric column: clear errors
    res = runner.invoke(app, [*args, "--overwrite", "--indicators", "sw=wide:yes"])
    _clean_error(res, "wave1.csv", "'wide'", "'Yes'")
    res = runner.invoke(app, [*args, "--overwrite", "--indicators", "sw=trust:Yes"])
    _clean_error(res, "wave1.csv", "'trust'", "numbers")
    res = runner.invoke(app, [*args, "--overwrite", "--indicators", "nope"])
    _clean_error(res, "wave1.csv", "'nope'")


# ---------------------------------------------------------------- harmonize


def test_harmonize_never_overwrites_its_input(tmp_path):
    src = tmp_path / "h.csv"
    pd.DataFrame({"aoj11": [1, 2, 3, 4]}).to_csv(src, index=False)
    before = _bytes(src)
    base = ["harmonize", str(src), "-c", "lapop", "--overwrite"]
    _clean_error(runner.invoke(app, [*base, "--out", str(src)]), "h.csv", "input")
    res = runner.invoke(app, [*base, "--out", str(tmp_path / "o.csv"), "--report", str(src)])
    _clean_error(res, "--report", "input")
    assert not (tmp_path / "o.csv").exists()
    _clean_error(runner.invoke(app, [*base, "--out", str(tmp_path / "o.txt")]), ".parquet")
    assert _bytes(src) == before


def test_harmonize_nothing_maps_is_an_error_some_maps_a_warning(tmp_path):
    src = tmp_path / "h.csv"
    pd.DataFrame({"x": [1, 2, 3], "y": [3, 4, 5]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["harmonize", str(src), "-c", "lapop", "--out", str(out)])
    _clean_error(res, "h.csv", "'lapop'", "aoj11 -> insec_neighbourhood_4pt", "columns: x, y")
    assert not out.exists() and not (tmp_path / "o_report.csv").exists()
    with pytest.raises(InstrumentError, match="unknown codes 7: 1; 8: 1"):
        harmonize(pd.DataFrame({"aoj11": [7, 8]}), "lapop")
    # only some items: written, with a warning naming how many map
    pd.DataFrame({"aoj11": [4, 3, 2, 1]}).to_csv(src, index=False)
    res = runner.invoke(app, ["harmonize", str(src), "-c", "lapop", "--out", str(out)])
    assert res.exit_code == 0, res.output
    n_items = len(load_crosswalk("lapop").entries)
    assert f"only 1 of {n_items} items" in " ".join(res.output.split())
    assert pd.read_csv(out)["insec_neighbourhood_4pt"].tolist() == [4, 3, 2, 1]


# ---------------------------------------------------------------- report

SPEC = """
data: {path: "@demo"}
design: {weight: weight}
indicators:
  - {name: afraid, variable: fear_dark, codes: [1]}
"""


def test_report_bad_yaml_and_bad_quality_rule_fail_before_running(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\nb: x\n")
    out = tmp_path / "out"
    _clean_error(runner.invoke(app, ["report", str(bad), "--out", str(out)]), "bad.yaml", "YAML")
    rule = tmp_path / "rule.yaml"
    rule.write_text(SPEC + "quality: {rule: cepal2021}\n")
    res = runner.invoke(app, ["report", str(rule), "--out", str(out), "--no-progress"])
    _clean_error(res, "rule.yaml", "quality", "'cepal2021'", "cepal2020")
    rule.write_text(SPEC + "quality: {rule: cepal2021, min_n: 30}\n")
    res = runner.invoke(app, ["report", str(rule), "--out", str(out), "--no-progress"])
    _clean_error(res, "rule.yaml", "'cepal2021'", "cepal2020")
    assert not out.exists()  # nothing ran


def test_report_refuses_a_folder_holding_its_input(tmp_path):
    data = tmp_path / "results.csv"  # the name of one of the report's own outputs
    data.write_bytes(b"keep me")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace('"@demo"', "results.csv"))
    res = runner.invoke(app, ["report", str(spec), "--out", str(tmp_path), "--overwrite"])
    _clean_error(res, "results.csv", "input")
    assert data.read_bytes() == b"keep me"


# ---------------------------------------------------------------- questionnaire


def test_questionnaire_export_language_and_extension(tmp_path):
    sps = tmp_path / "f.sps"
    res = runner.invoke(
        app, ["questionnaire", "export", "fear", "--format", "spss", "--language", "de", "--out", str(sps)]
    )  # fmt: skip
    _clean_error(res, "'de'", "es, en, pt")
    assert not sps.exists()
    csv = tmp_path / "q.csv"
    res = runner.invoke(
        app, ["questionnaire", "export", "fear", "--format", "xlsform", "--out", str(csv)]
    )
    _clean_error(res, "q.csv", ".xlsx")
    assert not csv.exists()
    res = runner.invoke(
        app, ["questionnaire", "export", "fear", "--format", "spss", "--language", "pt", "--out", str(sps)]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "VARIABLE LABELS" in sps.read_text(encoding="utf-8")


def test_questionnaire_validate_never_overwrites_its_data(tmp_path):
    data = tmp_path / "collected.csv"
    data.write_text("fear_walk_dark\n1\n")
    before = _bytes(data)
    res = runner.invoke(
        app, ["questionnaire", "validate", str(data), "-q", "fear", "--out", str(data), "--overwrite"]
    )  # fmt: skip
    _clean_error(res, "collected.csv", "input")
    assert _bytes(data) == before
