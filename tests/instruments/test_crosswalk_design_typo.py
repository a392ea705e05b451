"""A crosswalk design-column typo (``weight: wieght``) never gives unweighted indicators
silently (issue 15, item 1): harmonize warns naming the crosswalk file, the key and the
nearest column; ``survey indicators --crosswalk`` refuses to estimate without the weight."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey._paths import data_dir
from survey.cli import app
from survey.instruments import harmonize

runner = CliRunner()


@pytest.fixture
def typo_files(tmp_path):
    text = (data_dir("questionnaires") / "crosswalks" / "lapop.yaml").read_text(encoding="utf-8")
    text, n = re.subn(r"  weight:\n  - weight1500\n  - wt\n", "  weight: wieght\n", text)
    assert n == 1
    cw = tmp_path / "cw.yaml"
    cw.write_text(text, encoding="utf-8")
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame(
        {
            "aoj11": rng.integers(1, 5, n),
            "weight": rng.uniform(0.2, 3, n).round(3),
            "strata": np.repeat([1, 2, 3], n // 3),
            "upm": np.arange(n) // 5,
            "pais": 15,
        }
    )
    data = tmp_path / "base.csv"
    frame.to_csv(data, index=False)
    return cw, data, frame


def test_harmonize_warns_naming_file_key_and_nearest_column(typo_files):
    cw, _, frame = typo_files
    with pytest.warns(UserWarning) as seen:
        res = harmonize(frame, cw)
    msg = " ".join(str(w.message) for w in seen)
    for needle in (str(cw), "design.weight", "'wieght'", "did you mean 'weight'"):
        assert needle in msg, msg
    assert "weight" not in res.data.columns
    assert (res.report.query("status == 'absent'")["detail"] == "design role weight").any()


def test_item_only_extract_without_design_columns_stays_quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = harmonize(pd.DataFrame({"aoj11": [1, 2, 3, 4]}), "lapop")
    assert res.data["insec_neighbourhood_4pt"].tolist() == [1, 2, 3, 4]


def test_cli_harmonize_warns_and_indicators_refuse_unweighted(typo_files, tmp_path):
    cw, data, frame = typo_files
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["harmonize", str(data), "-c", str(cw), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "warning:" in text and "design.weight" in text and "did you mean 'weight'" in text
    res = runner.invoke(app, ["indicators", str(data), "--crosswalk", str(cw)])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    text = " ".join(res.output.split())
    for needle in ("cw.yaml", "design.weight", "'wieght'", "did you mean 'weight'", "--weight"):
        assert needle in text, text
    # naming the weight explicitly gives the weighted estimate
    got_out = tmp_path / "ind.csv"
    res = runner.invoke(
        app,
        ["indicators", str(data), "--crosswalk", str(cw), "--weight", "weight",
         "--show-suppressed", "--out", str(got_out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = pd.read_csv(got_out)
    assert len(got) == 1  # the neighbourhood-insecurity share, in %: weighted "3 or 4"
    w = frame["weight"]
    share = (w * frame["aoj11"].isin([3, 4])).sum() / w.sum()
    assert got["estimate"].iloc[0] == pytest.approx(100 * share, rel=1e-10)
    unweighted = 100 * frame["aoj11"].isin([3, 4]).mean()
    assert abs(got["estimate"].iloc[0] - unweighted) > 1e-3  # the weight matters here
