"""Spec errors name the key and its line (issue 12, new-user review: "ValueError: ..."
without saying which spec entry was wrong), and `survey harmonize` prints no "nan"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from survey.cli import app
from survey.report import pipeline as P

runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spec_errors")
    rng = np.random.default_rng(5)
    n = 600
    pd.DataFrame(
        {
            "zona": np.repeat([1, 2, 3], n // 3),
            "estrato": np.repeat(np.arange(6), n // 6),
            "upm": np.repeat(np.arange(60), n // 60),
            "w": rng.uniform(1, 2, n),
            "victima": rng.integers(0, 2, n),
        }
    ).to_csv(folder / "d.csv", index=False)
    return folder


def _spec(folder, name, **change):
    spec = {
        "language": "es",
        "data": {"path": "d.csv"},
        "design": {"weight": "w", "strata": "estrato", "psu": "upm"},
        "breakdowns": ["zona"],
        "estimation": {"df": "domain"},
        "indicators": [{"name": "vic", "label": "Victimización", "variable": "victima",
                        "codes": [1]}],
    }  # fmt: skip
    for key, value in change.items():
        head, _, tail = key.partition("__")
        if tail:
            target = spec["indicators"][0] if head == "ind" else spec.setdefault(head, {})
            target[tail] = value
        else:
            spec[head] = value
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path, path.read_text(encoding="utf-8").splitlines()


def _line(lines, text):
    return next(i for i, ln in enumerate(lines, start=1) if text in ln)


@pytest.mark.parametrize(
    ("change", "key", "anchor", "says"),
    [
        ({"estimation__ci": "bogus"}, "estimation.ci", "ci: bogus", "'bogus' is not a method"),
        ({"estimation__level": 95}, "estimation.level", "level: 95", "0.95, not 95"),
        ({"estimation__df": "x"}, "estimation.df", "df: x", "design, domain, inf"),
        ({"comparisons__adjust": "xx"}, "comparisons.adjust", "adjust: xx", "holm, bh"),
        ({"ind__codes": {"a": 1}}, "indicators[vic].codes", "codes:", "a list of codes"),
    ],
)
def test_load_time_errors_name_the_key_and_line(data, change, key, anchor, says):
    path, lines = _spec(data, "bad", **change)
    with pytest.raises(P.SpecError) as err:
        P.load_spec(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}, line {_line(lines, anchor)}: {key}: ")
    assert says in msg and "ValueError" not in msg


def test_run_errors_name_the_indicator_or_design_key(data, tmp_path):
    path, lines = _spec(
        data, "reg", ind__registry="prevalence_person", ind__args={"crimes": {"any": "nope"}}
    )
    res = runner.invoke(app, ["report", str(path), "--out", str(tmp_path / "a"), "--no-progress"])
    msg = " ".join(res.output.split())
    assert res.exit_code == 2 and "Error:" not in msg.replace("error:", "")
    assert f"line {_line(lines, '- name: vic')}: indicators[vic]: indicator 'vic' (registry " in msg
    assert "item 'nope' is not in the data" in msg
    # a misspelt argument of a registry function is an error, not silently ignored
    path, _ = _spec(data, "arg", ind__registry="prevalence_person",
                    ind__args={"crimes": {"any": "victima"}, "scael": "%"})  # fmt: skip
    with pytest.raises(P.SpecError, match=r"indicators\[vic\]: .*unknown argument\(s\) 'scael'"):
        P.run_spec(path, tmp_path / "b", progress=False)
    path, lines = _spec(data, "fpc", design__fpc="w")
    with pytest.raises(P.SpecError) as err:
        P.run_spec(path, tmp_path / "c", progress=False)
    assert str(err.value).startswith(f"{path}, line {_line(lines, 'design:')}: design: fpc column")
    assert not (tmp_path / "c").exists()


def test_harmonize_console_shows_no_nan(tmp_path):
    rng = np.random.default_rng(1)
    n = 40
    src = tmp_path / "enusc.csv"
    pd.DataFrame(
        {
            "Fact_Pers_Reg": rng.uniform(1, 5, n), "VarStrat": np.repeat([1, 2], n // 2),
            "Conglomerado": np.repeat(np.arange(8), n // 8), "enc_region": 13,
            "VH_DC": rng.integers(0, 2, n), "rph_sexo": rng.integers(1, 3, n),
        }
    ).to_csv(src, index=False)  # fmt: skip
    res = runner.invoke(app, ["harmonize", str(src), "-c", "enusc_2023",
                              "--out", str(tmp_path / "h.csv")], terminal_width=200)  # fmt: skip
    assert res.exit_code == 0, res.output
    table = res.output.split("wrote ")[0]
    assert "Fact_Pers_Reg" in table and "dem_sex" in table
    for word in ("nan", "<NA>", "None"):
        assert word not in table
    report = pd.read_csv(tmp_path / "h_report.csv")
    mapped = report.set_index("source").loc["VH_DC"]
    assert mapped["n_mapped"] == n and f"{n}" in table
