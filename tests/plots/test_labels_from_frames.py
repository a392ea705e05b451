"""Figures of verb results name codes by their labels without a labels= argument (issue 12):
the verbs carry the domain columns' value labels (domain_label, attrs["value_labels"])."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import survey  # noqa: E402
import survey.plots as sp  # noqa: E402


@pytest.fixture(scope="module")
def des():
    ds = survey.read(survey.datasets.demo_path())  # .sav: region, wave, area labelled
    return survey.Design(ds, weight="weight", strata="stratum", psu="psu")


def test_bars_trend_and_did_legends_use_the_files_labels(des):
    r = des.prop("robbery", by="region").query("category == 1")
    ax = sp.domain_bars(r, by="region")
    assert {t.get_text() for t in ax.get_yticklabels()} == {"Norte", "Centro", "Sur", "Costa"}
    w = des.prop("robbery", by=["wave", "area"]).query("category == 1")
    ax = sp.trend(w, x="wave", hue="area")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Treatment", "Comparison"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Baseline", "Follow-up"]
    ax = sp.did_chart(w, group="area", wave="wave", treated="Treatment")  # a label resolves
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["Treatment", "Comparison"]
    assert "1.0" not in {t.get_text() for t in ax.get_xticklabels()}


def test_a_labels_file_reaches_the_figure(tmp_path):
    d = survey.read(survey.datasets.demo_path()).data[["region", "robbery", "weight"]]
    csv = tmp_path / "coded.csv"
    d.to_csv(csv, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("variable,code,label\nregion,1,Zona Norte\nregion,2,Zona Centro\n", "utf-8")
    ds = survey.with_labels(survey.read(csv), labels)
    r = survey.Design(ds, weight="weight").prop("robbery", by="region")
    ax = sp.domain_bars(r[r["category"] == 1], by="region")
    assert {t.get_text() for t in ax.get_yticklabels()} == {"Zona Norte", "Zona Centro", "3", "4"}
