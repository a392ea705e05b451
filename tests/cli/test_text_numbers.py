"""Numbers written as text are never estimated as categories (issue 15, item 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.engine import EstimationError

runner = CliRunner()


@pytest.fixture
def comma_csv(tmp_path):
    rng = np.random.default_rng(11)
    n = 3000
    x = rng.normal(50, 10, n).round(2)
    w = rng.integers(1, 5, n)  # integer weights: they read as numbers either way
    path = tmp_path / "f.csv"
    lines = ["id;w;x"] + [
        f"{i};{wi};{str(xi).replace('.', ',')}" for i, (wi, xi) in enumerate(zip(w, x, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, x, w


def test_cli_estimate_refuses_decimal_comma_text_and_hints(comma_csv):
    path, x, w = comma_csv
    res = runner.invoke(app, ["estimate", str(path), "x", "--weight", "w"])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    text = " ".join(res.output.split())
    for needle in ("f.csv", "'x'", "decimal commas", "--decimal ,"):
        assert needle in text, text
    # with --decimal , the mean is right
    out = path.with_name("r.csv")
    res = runner.invoke(
        app,
        ["estimate", str(path), "x", "--weight", "w", "--decimal", ",", "--out", str(out),
         "--show-suppressed"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert len(got) == 1
    assert got["estimate"].iloc[0] == pytest.approx(np.sum(w * x) / np.sum(w), rel=1e-12)


def test_api_mean_total_ratio_on_text_raise_naming_the_column(comma_csv):
    path, _, _ = comma_csv
    ds = survey.read(path)
    des = survey.Design(ds, weight="w")
    for verb in (des.mean, des.total):
        with pytest.raises(EstimationError, match=r"'x' holds text, not numbers.*decimal=','"):
            verb("x")
    with pytest.raises(EstimationError, match=r"'x' is not numeric.*decimal=','"):
        des.ratio("x", "w")
    # text that is not numbers keeps R's semantics (svymean(~town) of a character column:
    # the share of each category), as prop does
    frame = pd.DataFrame({"w": [1.0, 2, 3, 4], "town": ["a", "b", "a", "c"]})
    plain = survey.Design(frame, weight="w")
    assert plain.mean("town")["estimate"].tolist() == pytest.approx([0.4, 0.2, 0.4])
    shares = plain.prop("town").set_index("category")["estimate"]
    assert shares.to_dict() == pytest.approx({"a": 0.4, "b": 0.2, "c": 0.4})
    with pytest.raises(EstimationError, match=r"'town' is not numeric.*use prop\(\)"):
        plain.ratio("town", "w")
    # numbers stored as text (no decimal comma) are refused too
    as_text = survey.Design(frame.assign(x=["1", "2.5", "3", "4"]), weight="w")
    with pytest.raises(EstimationError, match="numbers stored as text"):
        as_text.mean("x")
