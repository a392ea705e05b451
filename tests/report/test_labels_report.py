"""Acceptance (issue 12): a report built from the code-only ENUSC 2023 csv with a labels file
shows region names, not codes, in every table (xlsx, markdown, html), figure and map, and its
headings use variable labels ("Por Región") and section titles ("Victimización")."""

from __future__ import annotations

import html
import json

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import yaml  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from survey.report import pipeline as P  # noqa: E402

#: INE's names of enc_region (the ENUSC 2019 SPSS file's value labels).
REGIONS = {
    1: "Región de Tarapacá", 2: "Región de Antofagasta", 3: "Región de Atacama",
    4: "Región de Coquimbo", 5: "Región de Valparaíso",
    6: "Región del Libertador General Bernardo O'Higgins", 7: "Región del Maule",
    8: "Región del Biobío", 9: "Región de La Araucanía", 10: "Región de Los Lagos",
    11: "Región de Aysén", 12: "Región de Magallanes", 13: "Región Metropolitana de Santiago",
    14: "Región de Los Ríos", 15: "Región de Arica y Parinacota", 16: "Región de Ñuble",
}  # fmt: skip


def _squares(path):
    """A synthetic geometry: one unit square per region code (no names: the map must take
    them from the labels)."""
    feats = []
    for k, code in enumerate(REGIONS):
        x, y = k % 4, k // 4
        ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
        feats.append(
            {"type": "Feature", "properties": {"code": code},
             "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


@pytest.fixture(scope="module")
def enusc_report(tmp_path_factory):
    from tests.conftest import realdata_file

    csv = realdata_file("enusc/enusc_2023_subset.csv.gz")
    folder = tmp_path_factory.mktemp("enusc23_labels")
    labels = folder / "labels.yaml"
    labels.write_text(
        yaml.safe_dump(
            {"variable_labels": {"enc_region": "Región"}, "enc_region": REGIONS},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    _squares(folder / "regions.geojson")
    spec = {
        "title": "ENUSC 2023: victimización por región",
        "language": "es",
        "source": "INE Chile, ENUSC 2023",
        "data": {"path": str(csv)},
        "labels": "labels.yaml",
        "design": {
            "weight": "Fact_Pers_Reg", "household_weight": "Fact_Hog_Reg",
            "strata": "VarStrat", "psu": "Conglomerado",
        },
        "estimation": {"df": "domain"},
        "breakdowns": ["enc_region"],
        "indicators": [
            {"name": "vp_dc", "label": "Personas víctimas de delitos", "variable": "VP_DC",
             "codes": [1], "base": [0, 1], "section": "victimizacion", "better": "lower"},
            {"name": "vh_dc", "label": "Hogares víctimas de delitos", "variable": "VH_DC",
             "codes": [1], "base": [0, 1], "unit": "household", "section": "victimizacion",
             "better": "lower"},
        ],
        "figures": {
            "territory": "enc_region", "by_territory": ["vp_dc"],
            "map": {"geometry": "regions.geojson", "key": "code", "indicators": ["vh_dc"]},
        },
    }  # fmt: skip
    path = folder / "enusc2023.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return P.run_spec(path, folder / "out", progress=False)


def test_tables_show_region_names(enusc_report):
    res = enusc_report
    wb = load_workbook(res.files["xlsx"])
    ws = wb["by_enc_region"]
    assert ws["A1"].value == "Por Región"  # the variable label, not "Por enc_region"
    assert ws["A3"].value == "Región"
    first = {r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert first == set(REGIONS.values())
    md = res.files["markdown"].read_text(encoding="utf-8")
    page = html.unescape(res.report.read_text(encoding="utf-8"))
    for name in REGIONS.values():
        assert f"| {name} |" in md
        assert f"<td>{name}</td>" in page
    for code in REGIONS:
        assert f"| {code} |" not in md and f"<td>{code}</td>" not in page
    assert "Por enc_region" not in page and "Por Región" in page
    assert ">victimizacion<" not in page and "Victimización" in page
    # the labelled value is the estimate of that region (Antofagasta, persons)
    r = res.results
    est = r[(r["breakdown"] == "enc_region") & (r["enc_region"] == 2) & (r["variable"] == "vp_dc")]
    rows = {(x[0], x[1]): x[2] for x in ws.iter_rows(min_row=4, values_only=True) if x[1]}
    got = rows[("Región de Antofagasta", "Personas víctimas de delitos")]
    assert got == pytest.approx(round(100 * float(est["estimate"].iloc[0]), 1))


def test_figure_and_map_show_region_names(enusc_report):
    bars = enusc_report.figures["vp_dc_by_enc_region"]
    ticks = {t.get_text().replace("\n", " ") for t in bars.get_yticklabels()}
    assert ticks == set(REGIONS.values())
    amap = enusc_report.figures["vh_dc_map"]
    names = {t.get_text().rstrip(" †") for t in amap.texts if t.get_gid() == "area-name"}
    assert names == set(REGIONS.values())


def test_results_csv_carries_labels_beside_codes(enusc_report):
    import pandas as pd

    r = pd.read_csv(enusc_report.files["results"])
    by_region = r[r["breakdown"] == "enc_region"]
    assert set(by_region["domain_label"]) == set(REGIONS.values())
    assert set(zip(by_region["enc_region"], by_region["domain_label"], strict=True)) == set(
        REGIONS.items()
    )
    assert set(r["variable_label"]) == {
        "Personas víctimas de delitos",
        "Hogares víctimas de delitos",
    }


def _small_spec(tmp_path, **extra):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 600
    d = pd.DataFrame(
        {
            "zona": np.repeat([1, 2, 3], n // 3),
            "estrato": np.repeat(np.arange(6), n // 6),
            "upm": np.repeat(np.arange(60), n // 60),
            "w": rng.uniform(1, 2, n),
            "victima": rng.integers(0, 2, n),
        }
    )
    d.to_csv(tmp_path / "d.csv", index=False)
    spec = {
        "language": "es",
        "data": {"path": "d.csv"},
        "design": {"weight": "w", "strata": "estrato", "psu": "upm"},
        "breakdowns": ["zona"],
        "indicators": [{"name": "vic", "label": "Victimización", "variable": "victima",
                        "codes": [1], "section": "seguridad_barrio"}],
        **extra,
    }  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def test_inline_spec_labels_cli_labels_and_section_titles(tmp_path):
    from typer.testing import CliRunner

    from survey.cli import app

    spec = _small_spec(
        tmp_path,
        labels={"zona": {1: "Zona Norte", 2: "Zona Sur"}, "variable_labels": {"zona": "Zona"}},
        sections={"seguridad_barrio": {"es": "Seguridad en el barrio"}},
    )
    res = P.run_spec(spec, tmp_path / "a", progress=False)
    md = res.files["markdown"].read_text(encoding="utf-8")
    assert "| Zona Norte |" in md and "| Zona Sur |" in md and "| 3 |" in md
    page = html.unescape(res.report.read_text(encoding="utf-8"))
    assert "Seguridad en el barrio" in page and "Por Zona" in page
    # --labels on the command line: applied after the spec's, code by code
    extra = tmp_path / "more.csv"
    extra.write_text("variable,code,label\nzona,2,Zona Centro\nzona,3,Zona Costa\n", "utf-8")
    out = tmp_path / "b"
    run = CliRunner().invoke(app, ["report", str(spec), "--out", str(out), "--labels", str(extra),
                                   "--no-progress"])  # fmt: skip
    assert run.exit_code == 0, run.output
    md = (out / "tables.md").read_text(encoding="utf-8")
    assert all(f"| {z} |" in md for z in ("Zona Norte", "Zona Centro", "Zona Costa"))
    # without a sections entry the key is made readable, never shown raw
    res = P.run_spec(_small_spec(tmp_path), tmp_path / "c", progress=False)
    page = html.unescape(res.report.read_text(encoding="utf-8"))
    assert "Seguridad barrio" in page and ">seguridad_barrio<" not in page


def test_bad_spec_labels_name_the_spec_and_the_line(tmp_path):
    (tmp_path / "labels.yaml").write_text("zona:\n  1: Norte\n  1: Sur\n", encoding="utf-8")
    spec = _small_spec(tmp_path, labels="labels.yaml")
    with pytest.raises(P.SpecError, match=r"s\.yaml: labels: .*labels\.yaml, line 3: code '1'"):
        P.load_spec(spec)
    spec = _small_spec(tmp_path, labels={"zona": ["Norte"]})
    with pytest.raises(P.SpecError, match=r"value labels of 'zona' must be a mapping"):
        P.load_spec(spec)


@pytest.mark.realdata
def test_crosswalk_standard_items_show_the_library_labels(tmp_path):
    """A crosswalk report broken down by a standard item (dem_sex from ENUSC's rph_sexo):
    its values read Hombre/Mujer and its heading the item's text, not 1/2 and "dem_sex"
    (new-user review)."""
    from tests.conftest import realdata_file

    csv = realdata_file("enusc/enusc_2023_subset.csv.gz")
    spec = {
        "title": "ENUSC 2023", "language": "es", "source": "INE Chile, ENUSC 2023",
        "data": {"path": str(csv), "crosswalk": "enusc_2023"},
        "design": {"weight": "Fact_Pers_Reg", "household_weight": "Fact_Hog_Reg",
                   "strata": "VarStrat", "psu": "Conglomerado"},
        "estimation": {"df": "domain"},
        "breakdowns": ["dem_sex"],
        "indicators": [
            {"name": "vic_persona", "label": "Personas victimizadas",
             "registry": "prevalence_person", "args": {"crimes": {"any": "vic_person_any_12m"}},
             "variable": "vic_person_any_12m", "codes": [1], "base": [0, 1]},
        ],
    }  # fmt: skip
    path = tmp_path / "sexo.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    res = P.run_spec(path, tmp_path / "out", progress=False)
    ws = load_workbook(res.files["xlsx"])["by_dem_sex"]
    assert ws["A1"].value == "Por Sexo de la persona entrevistada"
    first = {r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert {"Hombre", "Mujer"} <= first and not ({1, 2, "1", "2"} & first)
