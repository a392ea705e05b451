"""The report's comparisons name their waves and groups with the file's value labels, as
``survey compare`` does ("baseline: wave=1 (Baseline)"), and ``groups.treated`` may name
the treated group by its label ("Treatment") as well as by its code (1): the same DiD."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from survey._paths import data_dir
from survey.report.pipeline import run_spec


def _run(tmp_path, name, treated):
    spec = yaml.safe_load((data_dir("reports") / "demo.yaml").read_text())
    spec.pop("sae", None)
    spec["figures"] = {}
    spec["groups"]["treated"] = treated
    spec["data"]["crosswalk"] = str(data_dir("reports") / spec["data"]["crosswalk"])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    result = run_spec(path, tmp_path / name, progress=False)
    return pd.read_csv(result.files["comparisons"], dtype={"group": str})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("labels")
    return _run(tmp, "code", 1), _run(tmp, "label", "Treatment")


def test_comparisons_name_waves_and_groups_with_their_labels(runs):
    code, _ = runs
    change = code[code["comparison"] == "change"]
    assert set(change["label_1"]) == {"baseline: wave=1 (Baseline)"}
    assert set(change["label_2"]) == {"follow-up: wave=2 (Follow-up)"}
    did = code[code["comparison"] == "did"]
    assert len(did) and set(did["label_1"]) == {"comparison group: area=2 (Comparison)"}
    assert set(did["label_2"]) == {"treated group: area=1 (Treatment)"}
    # the group column holds the codes as the data do, written as integers
    assert set(change["group"]) == {"all", "1", "2"}


def test_treated_group_by_label_gives_the_same_did(runs):
    code, label = runs
    a, b = (f[f["comparison"] == "did"].reset_index(drop=True) for f in (code, label))
    assert a["variable"].tolist() == b["variable"].tolist() and len(a) > 5
    np.testing.assert_allclose(b["estimate"], a["estimate"], rtol=1e-12)
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-12)
    # and the DiD is the treated change minus the comparison change of the same file
    change = code[code["comparison"] == "change"].set_index(["group", "variable"])["estimate"]
    for _, row in a.iterrows():
        if pd.isna(row["estimate"]):
            continue
        expect = change[("1", row["variable"])] - change[("2", row["variable"])]
        assert row["estimate"] == pytest.approx(expect, rel=1e-9, abs=1e-12)
