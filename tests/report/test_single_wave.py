"""Single-wave observatory reports (ENUSC-like: one year, estimates by region) and the spec
problems found on real data: design options (lonely_psu), unknown keys, optional waves and
groups, integer wave codes, value labels of breakdown levels, one display scale for tables
and figures, the Spanish annex, the df rule, and all-or-nothing outputs.

The data are synthetic and built here: 4 regions (integer codes with SPSS value labels),
2 strata of 7 PSUs per region plus one stratum holding a single PSU (needs
``lonely_psu``); every expected number is recomputed from the rows (weighted shares) or by
``survey.Design(...).prop``.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from survey.report import pipeline as P
from survey.report._text import REPORT_TEXT, rt

REGIONS = {1: "Tarapacá", 2: "Antofagasta", 13: "Metropolitana", 15: "Arica y Parinacota"}


def _synthetic(seed: int = 7, wave: int | None = None) -> pd.DataFrame:
    """Persons in households, 2 strata x 7 PSUs x 30 persons per region, plus a lonely PSU."""
    rng = np.random.default_rng(seed)
    rows = []
    stratum = 0
    for k, region in enumerate(REGIONS):
        for s in range(2 + (region == 15)):  # region 15: a third stratum with one PSU
            stratum += 1
            for p in range(1 if s == 2 else 7):
                rows.append(
                    pd.DataFrame(
                        {
                            "region": float(region),
                            "VarStrat": stratum + (1000 if wave == 2023 else 0),
                            "psu": f"{wave or ''}r{region}s{s}p{p}",
                            "person": np.arange(30),
                            "p_hh": 0.25 + 0.06 * k + rng.normal(0, 0.04),
                        }
                    )
                )
    d = pd.concat(rows, ignore_index=True)
    n = len(d)
    d["vic_hh"] = (rng.random(n) < d["p_hh"]).astype(float)
    d["vic_p"] = (rng.random(n) < 0.8 * d["p_hh"]).astype(float)
    d.loc[rng.random(n) < 0.05, "vic_p"] = np.nan  # some item non-response
    d["w_h"] = rng.uniform(50, 150, n).round(2)
    d["w_p"] = (d["w_h"] * rng.uniform(1, 3, n)).round(2)
    return d.drop(columns=["p_hh", "person"])


INDICATORS = [
    {
        "name": "vic_hh",
        "label": "Hogares victimizados",
        "registry": "prevalence_household",
        "args": {"crimes": {"any": "vic_hh"}},
        "variable": "vic_hh",
        "codes": [1],
        "base": [0, 1],
        "unit": "household",
        "better": "lower",
        "section": "victimisation",
    },
    {
        "name": "vic_pers",
        "label": "Personas victimizadas",
        "registry": "prevalence_person",
        "args": {"crimes": {"any": "vic_p"}},
        "variable": "vic_p",
        "codes": [1],
        "base": [0, 1],
        "better": "lower",
        "section": "victimisation",
    },
]


def _spec(data_path, **over) -> dict:
    spec = {
        "title": "Victimización por región (sintético)",
        "language": "es",
        "source": "Encuesta sintética",
        "data": {"path": str(data_path)},
        "design": {
            "weight": "w_p",
            "household_weight": "w_h",
            "strata": "VarStrat",
            "psu": "psu",
            "lonely_psu": "adjust",
        },
        "estimation": {"level": 0.95, "ci": "logit", "df": "domain"},
        "quality": {"rule": "cepal2020"},
        "breakdowns": ["region"],
        "indicators": INDICATORS,
        "figures": {"territory": "region", "by_territory": ["vic_hh", "vic_pers"]},
    }
    spec.update(over)
    return spec


def _write_spec(path, spec) -> str:
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def sav(tmp_path_factory):
    import pyreadstat

    folder = tmp_path_factory.mktemp("enusc_like")
    d = _synthetic()
    path = folder / "enc.sav"
    pyreadstat.write_sav(
        d,
        str(path),
        column_labels={"region": "Región"},
        variable_value_labels={"region": {float(k): v for k, v in REGIONS.items()}},
    )
    return path, d


@pytest.fixture(scope="module")
def single(sav, tmp_path_factory):
    path, d = sav
    folder = path.parent
    spec = _write_spec(folder / "single.yaml", _spec(path.name))
    out = tmp_path_factory.mktemp("single_out") / "report"
    return P.run_spec(spec, out, progress=False), d


# ---------------------------------------------------------------------- the spec


def test_unknown_keys_are_errors_naming_file_and_key(tmp_path):
    base = _spec("x.sav")
    cases = [
        ({"design": {**base["design"], "lonley_psu": "adjust"}}, "unknown key design.lonley_psu"),
        ({"colours": "blue"}, "unknown key colours"),
        ({"estimation": {"level": 0.9, "cl": "logit"}}, "unknown key estimation.cl"),
        (
            {"indicators": [{**INDICATORS[0], "lable": "x"}]},
            r"unknown key indicators\[vic_hh\].lable",
        ),
        ({"figures": {"territory": "region", "bars": ["vic_hh"]}}, "unknown key figures.bars"),
        ({"design": {**base["design"], "lonely_psu": "ajust"}}, "design.lonely_psu: 'ajust'"),
        ({"groups": {"column": "rm", "treated": 1}}, "groups .* need waves"),
        ({"figures": {"did": ["vic_hh"]}}, "figures.did compares waves; the spec has no waves"),
        ({"waves": {"column": "wave", "before": 1}}, "waves needs column, before, after"),
        ({"breakdowns": []}, r"figures.territory \('region'\) must be one of the breakdowns"),
        (
            {"waves": {"column": "w", "before": 1, "after": 2}, "figures": {"did": ["vic_hh"]}},
            "figures.did needs groups",
        ),
    ]
    for k, (over, msg) in enumerate(cases):
        spec = _write_spec(tmp_path / f"s{k}.yaml", _spec("x.sav", **over))
        with pytest.raises(P.SpecError, match=msg) as err:
            P.load_spec(spec)
        assert str(err.value).startswith(spec)  # the message names the spec file


def test_every_design_option_reaches_the_design(sav):
    path, d = sav
    frame = d.assign(hh=d.groupby("psu").cumcount() // 3, N1=40.0, N2=20.0)
    design = {"weight": "w_p", "household_weight": "w_h", "strata": "VarStrat",
              "psu": ["psu", "hh"], "fpc": ["N1", "N2"],
              "nest": True, "lonely_psu": "certainty"}  # fmt: skip
    spec = P.load_spec(_spec(path, design=design))
    des = P._designs(spec, frame)["person"]
    assert des.lonely_psu == "certainty" and des.nest is True
    assert len(des.stages) == 2  # PSUs, then households within PSUs
    from survey import Design

    ref = Design(frame, weight="w_p", strata="VarStrat", psu=["psu", "hh"], fpc=["N1", "N2"],
                 nest=True, lonely_psu="certainty")  # fmt: skip
    a, b = des.mean("vic_hh"), ref.mean("vic_hh")
    assert a["se"].iloc[0] == pytest.approx(b["se"].iloc[0], rel=1e-12)
    # the FPC matters: without it the SE differs
    assert b["se"].iloc[0] != pytest.approx(
        Design(frame, weight="w_p", strata="VarStrat", psu="psu", lonely_psu="certainty")
        .mean("vic_hh")["se"]
        .iloc[0],
        rel=1e-3,
    )


def test_lonely_psu_error_points_to_the_spec_key_and_writes_nothing(sav, tmp_path):
    path, _ = sav
    design = {k: v for k, v in _spec(path)["design"].items() if k != "lonely_psu"}
    spec = _write_spec(path.parent / "nolonely.yaml", _spec(path.name, design=design))
    out = tmp_path / "out"
    with pytest.raises(P.SpecError, match=r"only one PSU .*design.lonely_psu") as err:
        P.run_spec(spec, out, progress=False)
    assert str(err.value).startswith(spec)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


# ---------------------------------------------------------------------- single wave


def test_single_wave_estimates_are_the_design_estimates(single):
    result, d = single
    from survey import Design

    res = result.results
    assert set(res["breakdown"]) == {"all", "region"}
    assert len(result.comparisons) == 0 and "comparisons" not in result.files
    assert not (result.outdir / "comparisons.csv").exists()
    mine = res[(res["breakdown"] == "region") & (res["variable"] == "vic_hh")]
    assert list(mine["region"]) == [1.0, 2.0, 13.0, 15.0]
    # hand check: weighted share of households victimised in region 15
    r15 = d[d["region"] == 15]
    hand = np.sum(r15["w_h"] * r15["vic_hh"]) / np.sum(r15["w_h"])
    assert mine["estimate"].iloc[3] == pytest.approx(hand, rel=1e-12)
    ref = Design(d, weight="w_h", strata="VarStrat", psu="psu", lonely_psu="adjust").prop(
        "vic_hh", by="region", ci="logit", df="domain"
    )
    for col in ("estimate", "se", "ci_low", "ci_high", "df"):
        np.testing.assert_allclose(mine[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-10)
    assert (mine["scale"] == "proportion").all()


def test_region_labels_and_one_scale_in_tables_and_figures(single):
    result, d = single
    res = result.results
    r15 = res[
        (res["breakdown"] == "region") & (res["region"] == 15) & (res["variable"] == "vic_hh")
    ]
    est = float(r15["estimate"].iloc[0])
    # table: labelled region, percent with one decimal
    wb = load_workbook(result.files["xlsx"])
    ws = wb["by_region"]
    header = [c.value for c in ws[3]]
    assert header[:3] == ["Región", "Indicador", "Porcentaje"]
    rows = {(r[0].value, r[1].value): r[2].value for r in ws.iter_rows(min_row=4) if r[1].value}
    assert rows[("Arica y Parinacota", "Hogares victimizados")] == round(100 * est, 1)
    assert set(r[0] for r in rows) == set(REGIONS.values())
    md = result.files["markdown"].read_text(encoding="utf-8")
    assert "Arica y Parinacota" in md and "15.0" not in md and "| 15 |" not in md
    # figure: the same region label and the same number (bar width = percent)
    ax = result.figures["vic_hh_by_region"]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(ticks) == sorted(REGIONS.values())
    widths = {t: bar.get_width() for t, bar in zip(ticks, ax.patches, strict=True)}
    assert widths["Arica y Parinacota"] == pytest.approx(100 * est, rel=1e-12)
    assert ax.get_xlabel() == "Porcentaje"


def test_spanish_report_has_no_english_annex_sentence(single):
    result, _ = single
    text = html.unescape(result.report.read_text(encoding="utf-8"))
    # every fixed fragment (between placeholders) of every English entry that differs from
    # the Spanish entry must be absent
    checked = 0
    for key, entry in REPORT_TEXT.items():
        es = entry["es"]
        for frag in re.split(r"\{[^}]*\}", entry["en"]):
            frag = frag.strip(" ;,.()")
            if len(frag) >= 12 and frag not in es:
                assert frag not in text, f"English text of {key!r} in the Spanish report: {frag!r}"
                checked += 1
    assert checked > 60
    # no comparison section, and the annex says so
    assert rt("no_comparisons", "es") in text
    assert 'id="evaluation"' not in text
    assert "Anexo metodológico" in text and "Acción sin daño" not in text
    # design sentence: the lonely-PSU option in use, in words (no option syntax)
    assert rt("lonely_adjust", "es") in text and "lonely_psu =" not in text
    assert "Grados de libertad" in text


def test_df_line_states_the_domain_rule_and_its_range(single):
    result, _ = single
    text = html.unescape(result.report.read_text(encoding="utf-8"))
    res = result.results
    degf = result.designs["person"].degf
    lo, hi = int(res["df"].min()), int(res["df"].max())
    assert lo < hi < degf + 1  # domain df differ by domain: the rule is not one number
    assert rt("df_domain", "es", df=degf, lo=lo, hi=hi) in text
    assert "UPM menos estratos =" not in text  # the 'design' rule sentence


def test_failed_run_leaves_the_previous_report_untouched(single, sav, monkeypatch):
    result, _ = single
    out = result.outdir
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    from survey.report import _present

    def boom(spec, sd, designs, results, comparisons, figs, outdir, steps, truth=None):
        (outdir / "tables.xlsx").write_text("partial")  # a half-written output
        raise RuntimeError("disk full")

    monkeypatch.setattr(_present, "write_outputs", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        P.run_spec(sav[0].parent / "single.yaml", out, progress=False)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert load_workbook(result.files["xlsx"]).sheetnames  # still the complete workbook
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name]


# ---------------------------------------------------------------------- integer waves


@pytest.fixture(scope="module")
def two_waves(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_waves")
    parts = []
    for seed, wave in ((1, 2019), (2, 2023)):
        d = _synthetic(seed, wave).assign(wave=wave)
        d["rm"] = np.where(d["region"] == 13, 1, 2)
        parts.append(d)
    pd.concat(parts).to_csv(folder / "waves.csv", index=False)
    spec = _spec(
        "waves.csv",
        waves={"column": "wave", "before": 2019, "after": 2023},
        groups={"column": "rm", "treated": 1},
        comparisons={"adjust": "holm", "df": "design"},
        breakdowns=["rm", "region"],
        figures={"territory": "region", "by_territory": ["vic_hh"], "dumbbell": ["vic_hh"],
                 "did": ["vic_hh", "vic_pers"]},
    )  # fmt: skip
    path = _write_spec(folder / "waves.yaml", spec)
    return P.run_spec(path, folder / "out", progress=False)


def test_integer_wave_codes_run_and_print_as_integers(two_waves):
    result = two_waves
    md = result.files["markdown"].read_text(encoding="utf-8")
    assert "**2023 − 2019**" in md  # the change table's title
    assert "| Grupo | Indicador | 2019 | 2023 |" in md
    assert "2019.0" not in md and "| 15 |" in md  # CSV: no labels, integer codes
    ax = result.figures["vic_hh_did"]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["1", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2019", "2023"]
    # the comparison tables show percentage points, as the forest plot
    comp = result.comparisons
    row = comp[(comp["comparison"] == "did") & (comp["variable"] == "vic_hh")].iloc[0]
    wb = load_workbook(result.files["xlsx"])
    ws = wb["did"]
    header = [c.value for c in ws[3]]
    assert header[4] == "Diferencia (puntos porcentuales)"
    assert ws.cell(row=4, column=5).value == round(100 * float(row["estimate"]), 1)
    forest = result.figures["forest_did"]
    from matplotlib.collections import PathCollection

    dots = [c for c in forest.collections if isinstance(c, PathCollection)]
    xs = dots[0].get_offsets()[:, 0]  # the diamonds, bottom to top
    assert 100 * float(row["estimate"]) == pytest.approx(xs[-1], rel=1e-12)
    text = html.unescape(result.report.read_text(encoding="utf-8"))
    assert rt("design_pooled", "es") in text and rt("no_comparisons", "es") not in text


# ---------------------------------------------------------------------- real data


def test_enusc_2019_single_wave_report_matches_design_prop(tmp_path):
    from tests.conftest import realdata_file

    sav_path = realdata_file("enusc/enusc_2019_subset.sav")
    from survey import Design, read

    spec = {
        "title": "ENUSC 2019: victimización por región",
        "language": "es",
        "source": "INE Chile, ENUSC 2019",
        "data": {"path": str(sav_path)},
        "design": {
            "weight": "Fact_Pers",
            "household_weight": "Fact_Hog",
            "strata": "VarStrat",
            "psu": "Conglomerado",
            "lonely_psu": "adjust",
        },  # fmt: skip
        "estimation": {"level": 0.95, "ci": "logit", "df": "domain"},
        "quality": {"rule": "cepal2020"},
        "breakdowns": ["enc_region"],
        "indicators": [
            {
                "name": "va_dc",
                "label": "Hogares victimizados (DMCS)",
                "registry": "prevalence_household",
                "args": {"crimes": {"any": "VA_DC"}},
                "variable": "VA_DC",
                "codes": [1],
                "base": [0, 1],
                "unit": "household",
                "better": "lower",
                "section": "victimisation",
            },
        ],  # fmt: skip
        "figures": {"territory": "enc_region", "by_territory": ["va_dc"]},
    }
    path = _write_spec(tmp_path / "enusc2019.yaml", spec)
    result = P.run_spec(path, tmp_path / "out", progress=False)
    ref = Design(
        read(sav_path), weight="Fact_Hog", strata="VarStrat", psu="Conglomerado",
        lonely_psu="adjust",
    ).prop("VA_DC", by="enc_region", ci="logit", df="domain")  # fmt: skip
    res = result.results
    mine = res[(res["breakdown"] == "enc_region") & (res["enc_region"] == 15)]
    want = ref[ref["enc_region"] == 15]
    for col in ("estimate", "se", "ci_low", "ci_high"):
        assert float(mine[col].iloc[0]) == pytest.approx(float(want[col].iloc[0]), rel=1e-10)
    md = result.files["markdown"].read_text(encoding="utf-8")
    pct = f"{100 * float(want['estimate'].iloc[0]):.1f}".replace(".", ",")
    assert f"| Región de Arica y Parinacota | Hogares victimizados (DMCS) | {pct} |" in md


def test_two_waves_sharing_stratum_codes_are_independent_samples():
    import pandas as pd

    from survey.report.pipeline import _designs

    frame = pd.DataFrame(
        {
            "wave": [2019] * 4 + [2023] * 4,
            "stratum": [1, 1, 2, 2] * 2,
            "psu": [1, 2, 3, 4] * 2,
            "w": 1.0,
        }
    )
    spec = {
        "design": {"weight": "w", "strata": "stratum", "psu": "psu"},
        "waves": {"column": "wave", "before": 2019, "after": 2023},
    }
    des = _designs(spec, frame)["person"]
    assert des.n_strata == 4 and des.n_psu == 8  # 2 strata x 2 waves, PSUs per wave
