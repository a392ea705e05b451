"""Choropleth maps: joined on territory codes, flags drawn, clear errors (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

import survey
import survey.plots as sp
from survey._paths import dataset_path

pytest.importorskip("geopandas")
GEOMETRY = dataset_path("demo_regions.geojson")


@pytest.fixture(scope="module")
def robbery():
    """Robbery victimisation by region on the demo design (codes 1.0-4.0, floats)."""
    ds = survey.read(survey.datasets.demo_path())
    des = survey.Design(ds, weight="weight", strata="stratum", psu="psu")
    return des.prop("robbery", by="region").query("category == 1").reset_index(drop=True)


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    return found[0] if found else None


def _luminance(rgba) -> np.ndarray:
    rgba = np.asarray(rgba)
    return rgba[:, :3] @ np.array([0.299, 0.587, 0.114])


def test_areas_are_coloured_by_their_estimate_joined_on_codes(robbery):
    ax = sp.choropleth(robbery, GEOMETRY, by="region", key="code", percent=True, lang="es")
    areas = _collection(ax, "area")
    assert len(areas.get_facecolors()) == 4
    # the geometry lists codes 1..4; the frame holds 1.0..4.0: same areas, darker = higher
    est = robbery.set_index(robbery["region"].astype(int))["estimate"].loc[[1, 2, 3, 4]]
    order_by_estimate = np.argsort(est.to_numpy())
    order_by_lightness = np.argsort(-_luminance(areas.get_facecolors()))
    assert list(order_by_estimate) == list(order_by_lightness)
    names = {t.get_text() for t in ax.texts if t.get_gid() == "area-name"}
    assert names == {"Norte", "Centro", "Sur", "Costa"}
    bar = ax.figure.axes[-1]
    lo, hi = sorted(bar.get_xlim())
    assert lo == pytest.approx(100 * est.min()) and hi == pytest.approx(100 * est.max())


def test_caution_is_hatched_suppressed_grey_and_missing_areas_say_so(robbery):
    frame = robbery.copy()
    frame.loc[frame["region"] == 3, "reliability"] = "caution"
    frame.loc[frame["region"] == 4, "reliability"] = "suppress"
    frame = frame[frame["region"] != 2]
    ax = sp.choropleth(frame, GEOMETRY, by="region", key="code", lang="en")
    assert len(_collection(ax, "area").get_facecolors()) == 2  # Norte and Sur
    assert _collection(ax, "caution").get_hatch() == "///"
    assert len(_collection(ax, "suppressed").get_facecolors()) == 1
    assert len(_collection(ax, "no-data").get_facecolors()) == 1
    legend = [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()]
    assert legend == [
        "† hatched: use with caution (low precision)",
        "Suppressed (not reliable)",
        "No estimate",
    ]
    assert "Sur †" in {t.get_text() for t in ax.texts}
    source = ax.figure.texts[0].get_text().replace("\n", " ")
    assert "1 estimate(s) suppressed" in source and "confidence" not in source


def test_a_territory_without_geometry_is_an_error_naming_it(robbery):
    frame = robbery.copy()
    frame.loc[0, "region"] = 13.0
    with pytest.raises(ValueError, match=r"territories \['13'\] of column 'region'"):
        sp.choropleth(frame, GEOMETRY, by="region", key="code")
    with pytest.raises(ValueError, match="no code column 'region'"):
        sp.choropleth(robbery, GEOMETRY, by="region", key="region")
    with pytest.raises(FileNotFoundError, match="nowhere.geojson"):
        sp.choropleth(robbery, "nowhere.geojson", by="region")


def test_join_key_treats_13_and_13_0_and_text_13_as_one_code():
    keys = sp.maps.join_key([13, 13.0, "13", " 13 ", "13.5", "RM", None, float("nan")])
    assert keys.tolist() == ["13", "13", "13", "13", "13.5", "RM", None, None]


def test_report_spec_map_section(tmp_path):
    from survey.report import pipeline as P

    spec = P.load_spec("demo.yaml")
    assert spec["figures"]["map"]["_path"] == GEOMETRY
    bad = dict(P.load_spec("demo.yaml"))
    raw = {k: v for k, v in bad.items() if not k.startswith("_")}
    raw["data"] = {"path": "@demo", "crosswalk": "demo_crosswalk.yaml"}
    raw["figures"] = {**raw["figures"], "map": {"geometry": "missing.geojson"}}
    raw["figures"]["map"].pop("_path", None)
    with pytest.raises(P.SpecError, match="figures.map.geometry: file .*missing.geojson"):
        P.load_spec(raw)
    raw["figures"]["map"] = {"geometry": "@demo_regions", "colour": "red"}
    with pytest.raises(P.SpecError, match="unknown key figures.map.colour"):
        P.load_spec(raw)
