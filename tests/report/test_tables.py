"""Publication tables hold the right (rounded) numbers; suppressed cells hold no number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from survey._schema import finalize
from survey.report.tables import (
    comparison_table,
    publication_table,
    to_html,
    to_markdown,
    write_tables,
)


@pytest.fixture
def result() -> pd.DataFrame:
    f = pd.DataFrame(
        {
            "region": ["Norte", "Sur", "Isla"],
            "variable": "prev_robbery",
            "estimate": [0.123456, 0.15, 0.3],
            "se": [0.0101, 0.031, 0.2],
            "ci_low": [0.10366, 0.0892, 0.0],
            "ci_high": [0.14325, 0.2108, 0.7],
            "cv": [0.0818, 0.2067, 0.6667],
            "n": [600, 120, 12],
            "n_weighted": [40123.4, 8200.2, 700.0],
            "reliability": ["reliable", "caution", "suppress"],
        }
    )
    out = finalize(f, by=["region"])
    out.attrs["level"] = 0.9
    return out


def test_publication_table_values(result):
    t = publication_table(
        result,
        percent=True,
        labels={"prev_robbery": "Robbery", "region": "Region"},
        weighted_n=True,
        title="Robbery by region",
    )
    assert t.columns == [
        "Region",
        "Indicator",
        "Percent",
        "90% CI lower",
        "90% CI upper",
        "CV (%)",
        "n",
        "Weighted n",
        "Reliability",
    ]
    assert t.rows[0] == ["Norte", "Robbery", 12.3, 10.4, 14.3, 8.2, 600, 40123, "reliable"]
    assert t.rows[1] == ["Sur", "Robbery", 15.0, 8.9, 21.1, 20.7, 120, 8200, "caution"]
    # suppressed: no estimate, CI or CV; n stays
    assert t.rows[2] == ["Isla", "Robbery", "suppressed", None, None, None, 12, 700, "suppressed"]
    assert any("suppressed" in n for n in t.notes) and any("caution" in n for n in t.notes)


def test_xlsx_round_trip(result, tmp_path):
    t1 = publication_table(result, percent=True, name="robbery/region", title="Robbery")
    t2 = publication_table(
        result.iloc[:1], digits=4, name="robbery/region", lang="es", title="Robo"
    )
    (path,) = write_tables([t1, t2], tmp_path / "tables.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["robbery_region", "robbery_region_2"]
    ws = wb["robbery_region"]
    assert ws["A1"].value == "Robbery"
    assert [c.value for c in ws[3]] == [
        "region",
        "Indicator",
        "Percent",
        "90% CI lower",
        "90% CI upper",
        "CV (%)",
        "n",
        "Reliability",
    ]
    assert [c.value for c in ws[4]] == [
        "Norte",
        "prev_robbery",
        12.3,
        10.4,
        14.3,
        8.2,
        600,
        "reliable",
    ]
    assert ws["C4"].number_format == "0.0" and isinstance(ws["C4"].value, float)
    assert [c.value for c in ws[6]][2:6] == ["suppressed", None, None, None]
    assert ws["C5"].fill.fgColor.rgb.endswith("FFF2CC")  # caution row shaded
    notes = [ws.cell(row=r, column=1).value for r in range(7, 10)]
    assert any(n and "suppressed" in n for n in notes)
    ws2 = wb["robbery_region_2"]
    assert [c.value for c in ws2[3]][2] == "Estimación"
    assert [c.value for c in ws2[4]][2:6] == [0.1235, 0.1037, 0.1433, 8.2]


def test_text_outputs(result, tmp_path):
    t = publication_table(result, percent=True, lang="es")
    md = to_markdown(t)
    assert "| Norte | prev_robbery | 12,3 | 10,4 | 14,3 | 8,2 | 600 | confiable |" in md
    assert "| Sur | prev_robbery | 15,0 † |" in md
    assert "0,3" not in md and "70,0" not in md  # suppressed values never printed
    t_en = publication_table(result.assign(region=["<b>N</b>", "Sur", "Isla"]), percent=True)
    h = to_html(t_en)
    assert "&lt;b&gt;N&lt;/b&gt;" in h and "<b>N</b>" not in h
    assert '<tr class="caution">' in h
    (csv,) = write_tables(t, tmp_path / "t.csv")
    back = pd.read_csv(csv)
    assert float(back.iloc[0, 2]) == 12.3 and back.iloc[2, 2] == "suprimida"
    (md_path,) = write_tables([t, t], tmp_path / "t.md")
    assert md_path.read_text(encoding="utf-8").count("| Norte |") == 2
    with pytest.raises(ValueError, match="unsupported extension"):
        write_tables(t, tmp_path / "t.docx")


def test_comparison_table_keeps_null_and_unfavourable():
    comp = pd.DataFrame(
        {
            "variable": ["prev_robbery", "trust_congress"],
            "estimate_1": [0.12, 0.32],
            "estimate_2": [0.10, 0.30],
            "difference": [-0.02, -0.02],
            "ci_low": [-0.036, -0.044],
            "ci_high": [-0.004, 0.004],
            "p_value": [0.0123, 0.0961],
            "significant": [True, False],
            "worsened": [False, True],
        }
    )
    t = comparison_table(comp, percent=True, names=("Baseline", "Follow-up"))
    assert t.columns[:4] == ["Indicator", "Baseline", "Follow-up", "Difference (percentage points)"]
    # p-values keep their value (the format shows 3 decimals, "<0.001" below 0.001);
    # Reliability and Reason close every row (not assessed here: empty)
    assert t.rows[0] == ["prev_robbery", 12.0, 10.0, -2.0, -3.6, -0.4, 0.0123, "yes", "no", "",
                         None]  # fmt: skip
    assert t.rows[1] == ["trust_congress", 32.0, 30.0, -2.0, -4.4, 0.4, 0.0961, "no", "yes", "",
                         None]  # fmt: skip
    assert [r[6] for r in t.display_rows()] == ["0.012", "0.096"]


@pytest.fixture(scope="module")
def indicator_pct():
    """A survey.indicators frame in percent (attrs['scale'] == '%') and the same on the
    proportion scale, from a small hand-made design."""
    import survey.indicators as si
    from survey import Design

    rng = np.random.default_rng(3)
    d = pd.DataFrame(
        {
            "region": np.repeat([1, 2], 200),
            "psu": np.repeat(np.arange(40), 10),
            "w": rng.uniform(1, 3, 400),
            "vic": (rng.random(400) < 0.3).astype(float),
        }
    )
    design = Design(d, weight="w", psu="psu")
    kw = dict(unit="household", by="region", quality=None)
    pct = si.prevalence(design, {"any": "vic"}, scale="%", **kw)
    prop = si.prevalence(design, {"any": "vic"}, scale="proportion", **kw)
    return pct, prop, d


def test_publication_table_respects_the_indicator_scale(indicator_pct):
    pct, prop, d = indicator_pct
    assert pct.attrs["scale"] == "%"
    # hand value: weighted share of victims in region 1, in percent
    r1 = d[d["region"] == 1]
    hand = 100 * np.sum(r1["w"] * r1["vic"]) / np.sum(r1["w"])
    assert pct["estimate"].iloc[0] == pytest.approx(hand, rel=1e-12)
    t = publication_table(pct, by="region", percent=True)
    est = t.columns.index("Percent")
    assert t.rows[0][est] == round(hand, 1)  # not multiplied by 100 a second time
    assert t.rows[0][est] < 100
    # percent=False on a frame already in percent: still percent, same numbers
    t2 = publication_table(pct, by="region", percent=False)
    assert t2.columns[est] == "Percent" and t2.rows == t.rows
    # the proportion-scale frame with percent=True gives the same table
    assert publication_table(prop, by="region", percent=True).rows == t.rows
    # a rate scale cannot be shown as percent
    rate = pct.copy()
    rate.attrs["scale"] = "per 100,000"
    with pytest.raises(ValueError, match="per 100,000"):
        publication_table(rate, by="region", percent=True)
    assert publication_table(rate, by="region").columns[est] == "Estimate (per 100,000)"


def test_integer_wave_names_and_labels_in_text_outputs(tmp_path):
    comp = pd.DataFrame(
        {
            "group": [1.0, 2.0],
            "variable": ["vic", "vic"],
            "estimate_1": [0.2, 0.3],
            "estimate_2": [0.25, 0.3],
            "difference": [0.05, 0.0],
            "ci_low": [0.01, -0.04],
            "ci_high": [0.09, 0.04],
            "p_value": [0.02, 0.99],
        }
    )
    t = comparison_table(comp, by=["group"], names=(2019, 2023), percent=True, title=2023)
    assert t.columns[:4] == ["group", "Indicator", "2019", "2023"]
    assert [r[0] for r in t.rows] == ["1", "2"]  # integer-valued codes without ".0"
    md = to_markdown(t)
    assert "**2023**" in md and "| 1 | vic | 20.0 | 25.0 | 5.0 |" in md
    assert "<th>2019</th>" in to_html(t)
    write_tables(t, tmp_path / "t.xlsx")
    assert load_workbook(tmp_path / "t.xlsx").active["C3"].value == "2019"


def test_optional_decimals_format():
    from survey.report.tables import Table

    t = Table("", ["x"], [[11.4], [0.023], [2.0], [1234.5]], ["0.0##"], lang="es")
    assert [r[0] for r in t.display_rows()] == ["11,4", "0,023", "2,0", "1.234,5"]


def test_wide_table_yearbook_layout(result, tmp_path):
    from survey.report.tables import wide_table

    two = pd.concat([result, result.assign(variable="prev_burglary", estimate=0.05)])
    two.attrs["level"] = 0.9
    two["reliability_reason"] = [None, "CV > 20%", "n < 100"] * 2
    t = wide_table(two, by="region", percent=True, labels={"prev_robbery": "Robbery"},
                   source="Survey 2024")  # fmt: skip
    assert t.header_groups == [("", 1), ("Robbery", 4), ("prev_burglary", 4)]
    assert t.columns == ["region"] + ["Percent", "90% CI lower", "90% CI upper", "CV (%)"] * 2
    assert t.rows[0] == ["Norte", 12.3, 10.4, 14.3, 8.2, 5.0, 10.4, 14.3, 8.2]
    assert t.rows[2][1:5] == ["suppressed (n < 100)", None, None, None]
    assert t.cell_flags[1][1:5] == ["caution"] * 4
    assert any("Sur — Robbery: CV > 20%" in n for n in t.notes)
    assert t.display_rows()[1][1] == "15.0 †"
    assert "Robbery: Percent" in to_markdown(t) and "Survey 2024" in to_markdown(t)
    (path,) = write_tables([t], tmp_path / "w.xlsx")
    ws = load_workbook(path).active
    assert ws["B3"].value == "Robbery" and ws["F3"].value == "prev_burglary"
    assert ws.freeze_panes == "A5" and ws["B6"].fill.fgColor.rgb.endswith("FFF2CC")
    assert ws["B5"].value == 12.3 and ws["B5"].number_format == "0.0"
    assert ws["A9"].value == "Source: Survey 2024"


def test_write_xlsx_tidy_sheets_keep_values_and_format_by_statistic(result, tmp_path):
    from survey.report.tables import write_xlsx

    t = publication_table(result, percent=True)
    path = write_xlsx([t], tmp_path / "t.xlsx", data={"data": result},
                      statistics={"data": ["prop", "total", "mean"]})  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["prev_robbery", "data"]
    ws = wb["data"]
    head = [c.value for c in ws[1]]
    est = head.index("estimate") + 1
    assert ws.cell(row=2, column=est).value == 0.123456  # unrounded
    formats = [ws.cell(row=r, column=est).number_format for r in (2, 3, 4)]
    assert formats == ["0.0%", "#,##0", "0.000"]
    assert ws.cell(row=2, column=head.index("cv") + 1).number_format == "0.0%"
    assert ws.freeze_panes == "A2"
