"""Exports: every XLSForm converts with pyxform; printable, codebook and SPSS contents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyxform.xls2xform import convert

from survey.instruments import build, codebook, export, list_modules, xlsform_frames
from survey.instruments.export import to_html, to_markdown, to_spss

ALL = [m.name for m in list_modules()]
ORDERED = [
    "screener_household", "screener_person", "incident", "fear", "trust_institutions",
    "trust_interpersonal", "police", "cohesion", "prevention", "demographics",
]  # fmt: skip


def _convert(path):
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings, validate=False)
    return result.xform, warnings


@pytest.mark.parametrize("module", [m for m in ALL if m != "incident"])
def test_each_module_xlsform_converts(tmp_path, module):
    q = build([module], ["es", "en", "pt"], title=module, form_id=module)
    path = export(q, tmp_path / f"{module}.xlsx", "xlsform")
    xml, _ = _convert(path)
    n_questions = sum(1 for it in q.items)
    assert xml.count("<bind ") >= n_questions


def test_full_form_converts_with_skip_logic(tmp_path):
    q = build(ORDERED, ["es", "en", "pt"], title="Full", form_id="full")
    path = export(q, tmp_path / "full.xlsx", "xlsform")
    xml, warnings = _convert(path)
    assert warnings == []
    assert "/full/screener_household/vic_hh_burglary_5y  = 1" in xml or (
        "vic_hh_burglary_5y" in xml and "relevant=" in xml
    )
    # three languages in the itext block
    for lang in ("Español (es)", "English (en)", "Português (pt)"):
        assert f'lang="{lang}"' in xml
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"survey", "choices", "settings"}
    survey = sheets["survey"].set_index("name")
    assert survey.loc["vic_hh_burglary_12m", "relevant"] == "${vic_hh_burglary_5y} = 1"
    assert survey.loc["inc_complaint_filed", "relevant"] == "${inc_reported_authority} = 1"
    assert survey.loc["inc_reasons_not_reported", "type"].startswith("select_multiple ")
    assert survey.loc["dem_age", "constraint"] == "(. >= 15 and . <= 110) or . = 998 or . = 999"
    calc = survey.loc["vic_hh_any_12m", "calculation"]
    assert calc.startswith("if(${vic_hh_vehicle_theft_12m} = 1 or") and calc.endswith(", 0, ''))")
    ch = sheets["choices"]
    walk = ch[ch["list_name"] == survey.loc["fear_walk_dark", "type"].split()[1]]
    assert walk["name"].astype(str).tolist() == ["1", "2", "3", "4", "5", "98", "99"]
    assert walk["label::English (en)"].tolist()[4] == "Never walks alone after dark"


def test_export_never_overwrites(tmp_path):
    q = build(["fear"], ["en"])
    target = tmp_path / "f.md"
    export(q, target, "markdown")
    before = target.read_text(encoding="utf-8")
    with pytest.raises(FileExistsError):
        export(q, target, "markdown")
    assert target.read_text(encoding="utf-8") == before
    export(q, target, "html", overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_codebook_rows_and_missing_flags(tmp_path):
    q = build(["fear", "demographics"], ["es", "en"])
    cb = codebook(q, "en")
    walk = cb[cb["variable"] == "fear_walk_dark"]
    assert walk["code"].tolist() == [1, 2, 3, 4, 5, 98, 99]
    assert walk["is_missing"].tolist() == [False] * 5 + [True, True]
    assert walk["missing_kind"].tolist()[-2:] == ["dont_know", "no_answer"]
    age = cb[cb["variable"] == "dem_age"]
    assert age["valid_min"].iloc[0] == 15 and age["code"].tolist() == [998, 999]
    path = export(q, tmp_path / "cb.xlsx", "codebook")
    back = pd.read_excel(path)
    assert len(back) == len(cb)


def test_spss_syntax():
    q = build(["trust_interpersonal", "demographics"], ["en"], trust_scale=None)
    sps = to_spss(q)
    assert "MISSING VALUES trust_interpersonal_11pt (77, 88, 99)." in sps
    assert "MISSING VALUES dem_age (998, 999)." in sps
    assert "    98 'Don''t know'" in sps  # apostrophes doubled
    assert "VALUE LABELS\n  trust_interpersonal\n    1 'Most people can be trusted'" in sps
    assert "dem_territory" not in sps  # text item: no labels, no missing
    assert sps.rstrip().endswith("EXECUTE.")


def test_printable_questionnaire():
    q = build(["screener_household"], ["es", "en"], title="Piloto <Lima>")
    md = to_markdown(q)
    assert "*ask only if vic_hh_burglary_5y = 1 (Sí)*" in md
    assert "*[en] In the last 5 years, did anyone get into your home" in md
    html = to_html(q)
    assert "<title>Piloto &lt;Lima&gt;</title>" in html
    assert html.count('class="q"') == 10  # 11 items minus the derived flag
    frames = xlsform_frames(q)
    assert frames["settings"]["default_language"].iloc[0] == "Español (es)"


def _xpath_eval(expr: str, values: dict):
    """Evaluate the subset of XPath the calculate expressions use (``${x}``, ``=``, ``and``,
    ``or``, ``if``) as ODK does: a blank (non-relevant or unanswered) item is ``''``, which
    equals no number."""
    import re

    py = re.sub(r"\$\{(\w+)\}", lambda m: f"_v({m.group(1)!r})", expr).replace(" = ", " == ")
    py = re.sub(r"\bif\(", "_if(", py)
    return eval(py, {"_if": lambda c, a, b: a if c else b, "_v": lambda k: values.get(k, "")})


def test_any_12m_flag_is_missing_when_only_dont_know(tmp_path):
    """vic_hh_any_12m: 1 if any 12-month screener is 1, 0 only if each one is known to be no
    (12m = 0, or skipped because 5y = 0); don't know / no answer leave it missing."""
    q = build(["screener_household"], ["en"], title="hh", form_id="hh")
    path = export(q, tmp_path / "hh.xlsx", "xlsform")
    xml, warnings = _convert(path)
    assert warnings == []
    calc = xlsform_frames(q)["survey"].set_index("name").loc["vic_hh_any_12m", "calculation"]
    bind = xml[xml.index('nodeset="/data/screener_household/vic_hh_any_12m"') :]
    bind = bind[: bind.index("/>")]
    assert 'calculate="if( /data/screener_household/vic_hh_vehicle_theft_12m  = 1' in bind
    assert "/data/screener_household/vic_hh_burglary_5y  = 0))" in bind
    assert bind.endswith(', 0, &apos;&apos;))"') or bind.endswith(", 0, ''))\"")
    crimes = ["vehicle_theft", "theft_from_vehicle", "burglary", "attempted_burglary"]

    def answers(five, twelve):
        v = {}
        for c, f, tw in zip(crimes, five, twelve, strict=True):
            v[f"vic_hh_{c}_5y"] = f
            v[f"vic_hh_{c}_12m"] = tw  # '' = not asked (5y != 1) or unanswered
        return v

    cases = [
        (answers([98, 98, 98, 98], ["", "", "", ""]), ""),  # only don't know: missing
        (answers([99, 98, 99, 98], ["", "", "", ""]), ""),  # no answer / don't know
        (answers([0, 0, 0, 0], ["", "", "", ""]), 0),  # no crime in 5 years: no
        (answers([1, 0, 0, 0], [98, "", "", ""]), ""),  # 12m don't know, rest no
        (answers([1, 0, 0, 98], [0, "", "", ""]), ""),  # one 5y don't know
        (answers([1, 1, 0, 0], [0, 0, "", ""]), 0),  # happened, but not in 12 months
        (answers([1, 98, 98, 98], [1, "", "", ""]), 1),  # a yes decides, unknowns aside
    ]
    it = q.item("vic_hh_any_12m")
    items = {i.id: i for i in q.items}
    frame = pd.DataFrame([{k: (np.nan if x == "" else x) for k, x in v.items()} for v, _ in cases])
    py = it.calculation.evaluate(frame, items)
    for (values, want), got in zip(cases, py, strict=True):
        assert _xpath_eval(calc, values) == want, values
        assert (np.isnan(got) and want == "") or got == want


def test_spss_labels_fit_255_bytes_with_a_warning():
    """SPSS variable labels are capped at 255 bytes (value labels 120): a long Portuguese
    question (2-byte accented letters) is cut on a character boundary, with a warning naming
    the item; short labels are untouched."""
    import dataclasses

    q = build(["trust_interpersonal"], ["pt", "en"])
    mod = q.modules[0]
    long_item = dataclasses.replace(
        mod.items[0],
        text={"pt": "Confiança " + "é ação " * 60, "en": "x"},
        choices=(
            dataclasses.replace(mod.items[0].choices[0], label={"pt": "ã" * 70, "en": "y"}),
            *mod.items[0].choices[1:],
        ),
    )
    q2 = dataclasses.replace(
        q, modules=(dataclasses.replace(mod, items=(long_item, *mod.items[1:])),)
    )
    with pytest.warns(
        UserWarning, match=r"longer than 255 bytes shortened: trust_interpersonal;"
    ) as rec:
        sps = to_spss(q2, "pt")
    assert "trust_interpersonal=1" in str(rec[0].message)  # the value label too
    line = next(ln for ln in sps.splitlines() if ln.startswith("  trust_interpersonal '"))
    label = line.split(" ", 3)[3].strip("'")
    assert len(label.encode("utf-8")) <= 255 and label.endswith("...")
    assert len(label.encode("utf-8")) > 245  # cut near the limit, not far below
    vl = next(ln for ln in sps.splitlines() if ln.startswith("    1 '"))
    assert len(vl.strip()[3:-1].encode("utf-8")) <= 120
    import warnings as w

    with w.catch_warnings():
        w.simplefilter("error")
        to_spss(q, "pt")  # nothing to shorten: no warning
    assert len(max((ln for ln in to_spss(q, "en").splitlines()), key=len).encode()) < 300


def test_xlsform_settings_name_the_form_and_date_its_version(tmp_path):
    """The settings sheet carries a form id made from the title (accents transliterated,
    not dropped) and an ODK version yyyymmddNN; never the generic 'questionnaire'/'1'."""
    import datetime as dt
    import os

    from survey.instruments import InstrumentError, form_version, load_project, save_project
    from survey.instruments.library import form_id_from_modules, form_id_from_title

    q = build(["fear"], ["es"], title="Encuesta de Victimización (Piloto)")
    settings = xlsform_frames(q)["settings"].iloc[0]
    assert settings["form_id"] == "encuesta_de_victimizacion_piloto"
    assert settings["form_title"] == "Encuesta de Victimización (Piloto)"
    today = dt.date.today()
    assert settings["version"] == f"{today:%Y%m%d}01" == form_version()
    assert form_version(dt.date(2026, 3, 9), revision=12) == "2026030912"
    with pytest.raises(InstrumentError, match="revision 100"):
        form_version(revision=100)
    assert form_id_from_title("Łódź: Œuvre Straße") == "lodz_oeuvre_strasse"
    # without a title: the modules, not "questionnaire"
    assert build(["fear", "cohesion"], ["es"]).form_id == "fear_cohesion"
    assert form_id_from_modules(list("abcde")) == "a_b_c_and_2_more"
    # an explicit version is kept and survives the project file
    q2 = build(["fear"], ["es"], title="x", version="2026010203")
    path = save_project(q2, tmp_path / "p.yaml")
    assert load_project(path).version == "2026010203"
    # a hand-written project without a version: the file's date
    hand = tmp_path / "hand.yaml"
    hand.write_text(
        "schema_version: 1\ntitle: Hand\nform_id: hand\nmodules: [fear]\nlanguages: [es]\n",
        encoding="utf-8",
    )
    stamp = dt.datetime(2025, 11, 4, 12, 0).timestamp()
    os.utime(hand, (stamp, stamp))
    assert load_project(hand).version == "2025110401"
