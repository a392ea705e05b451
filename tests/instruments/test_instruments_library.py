"""The instrument library: loading, schema errors, build rules."""

from __future__ import annotations

import pytest
import yaml

from survey.instruments import (
    InstrumentError,
    all_items,
    build,
    get_module,
    list_modules,
    load_module,
    load_project,
    save_project,
)

# The ids the indicator module relies on (documented in questionnaires/README.md).
DOCUMENTED_IDS = {
    "vic_hh_burglary_12m": ((0, 1), {"dont_know": 98, "no_answer": 99}),
    "vic_hh_burglary_5y": ((0, 1), {"dont_know": 98, "no_answer": 99}),
    "vic_person_robbery_12m": ((0, 1), {"dont_know": 98, "no_answer": 99}),
    "vic_any_12m": ((0, 1), {"dont_know": 98, "no_answer": 99}),
    "fear_walk_dark": ((1, 2, 3, 4, 5), {"dont_know": 98, "no_answer": 99}),
    "insec_neighbourhood_4pt": ((1, 2, 3, 4), {"dont_know": 98, "no_answer": 99}),
    "trust_inst_police": ((1, 2, 3, 4), {"dont_know": 98, "no_answer": 99}),
    "trust_inst_police_7pt": (tuple(range(1, 8)), {"dont_know": 98, "no_answer": 99}),
    "trust_inst_police_11pt": (tuple(range(11)), {"refused": 77, "dont_know": 88, "no_answer": 99}),
    "trust_interpersonal": ((1, 2), {"dont_know": 98, "no_answer": 99}),
    "trust_neighbours": ((1, 2, 3, 4), {"dont_know": 98, "no_answer": 99}),
    "perc_crime_change_country": ((1, 2, 3), {"dont_know": 98, "no_answer": 99}),
}

INSTITUTIONS = [
    "police", "judiciary", "prosecutors", "armed_forces", "government", "president",
    "congress", "parties", "electoral", "municipality", "church", "media",
]  # fmt: skip


def test_library_modules_and_sizes():
    mods = {m.name: len(m.items) for m in list_modules()}
    assert mods == {
        "authorities": 26, "bribery": 6, "cohesion": 7, "costs": 4, "cybercrime": 7,
        "demographics": 16, "discrimination": 2, "disorder": 8, "fear": 22,
        "gender_violence": 10, "household": 8, "incident": 13, "insecurity_places": 9,
        "police": 7, "prevention": 9, "screener_general": 1, "screener_household": 11,
        "screener_person": 19, "trust_institutions": 30, "trust_interpersonal": 3,
    }  # fmt: skip


@pytest.mark.parametrize("item_id", sorted(DOCUMENTED_IDS))
def test_documented_codes(item_id):
    codes, missing = DOCUMENTED_IDS[item_id]
    it = all_items()[item_id]
    assert tuple(sorted(it.codes)) == codes
    assert it.missing == missing


def test_latinobarometro_battery_complete_and_labelled():
    items = all_items()
    for inst in INSTITUTIONS:
        it = items[f"trust_inst_{inst}"]
        assert it.choice_labels("en")[1] == "A lot"
        assert it.choice_labels("es")[4] == "Ninguna"
        assert f"trust_inst_{inst}_7pt" in items


def test_every_item_has_three_languages_and_honest_provenance():
    for it in all_items().values():
        assert set(it.text) == {"es", "en", "pt"}
        assert it.provenance.wording in ("verbatim", "adapted", "package")  # none official
        if it.provenance.wording == "verbatim":  # says which source item, in which language
            assert it.provenance.source_item and it.provenance.verbatim_languages
        for c in it.choices:
            assert set(c.label) == {"es", "en", "pt"}


def test_screener_skip_logic_and_iccs():
    it = all_items()["vic_hh_burglary_12m"]
    assert it.relevant.item == "vic_hh_burglary_5y" and it.relevant.values == (1,)
    assert it.iccs == "0501"
    calc = all_items()["vic_hh_any_12m"].calculation
    assert "vic_hh_burglary_12m" in calc.any_of and calc.equals == 1


def _write(tmp_path, doc, name="bad"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _minimal(**item_overrides):
    item = {
        "id": "x_item", "type": "select_one",
        "text": {"es": "a", "en": "b", "pt": "c"}, "choices": "yn",
        "missing": {"dont_know": 98}, "unit": "person", "reference_period": "current",
        "provenance": {"standard": "package", "wording": "package"}, "indicators": [],
    }  # fmt: skip
    item.update(item_overrides)
    return {
        "schema_version": 1, "module": "bad", "version": "1.0.0",
        "title": {"es": "a", "en": "b", "pt": "c"},
        "choice_lists": {"yn": [{"code": 1, "label": {"es": "s", "en": "y", "pt": "s"}}]},
        "items": [item],
    }  # fmt: skip


def test_minimal_module_loads(tmp_path):
    mod = load_module(_write(tmp_path, _minimal()))
    assert mod.items[0].choice_labels("en") == {1: "y", 98: "Don't know"}


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"text": {"es": "a", "en": "b"}}, "field 'text'"),
        ({"choices": "nope"}, "list 'nope' is not declared"),
        ({"missing": {"dont_know": 1}}, "also response codes"),
        ({"type": "multiple"}, "field 'type'"),
        ({"provenance": {"standard": "ICVS", "wording": "official"}}, "verified_source"),
        ({"unit": "city"}, "field 'unit'"),
    ],
)
def test_schema_errors_name_file_item_and_field(tmp_path, override, fragment):
    path = _write(tmp_path, _minimal(**override))
    with pytest.raises(InstrumentError) as exc:
        load_module(path)
    msg = str(exc.value)
    assert str(path) in msg and "x_item" in msg and fragment in msg


def test_yaml_is_safe_loaded(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_module(path)


def test_build_rules(tmp_path):
    with pytest.raises(InstrumentError, match="requires modules"):
        build(["incident"], ["es"])
    with pytest.raises(InstrumentError, match="refers to"):
        build(["fear"], ["es"], exclude_items=["perc_crime_change_country"])
    with pytest.raises(InstrumentError, match="unknown languages"):
        build(["fear"], ["fr"])
    q = build("screener_household,screener_person,incident", "es,pt", title="Piloto Lima")
    assert q.form_id == "piloto_lima" and q.languages == ("es", "pt")
    assert len(q.items) == 11 + 19 + 13
    path = save_project(q, tmp_path / "p.yaml")
    with pytest.raises(FileExistsError):
        save_project(q, path)
    q2 = load_project(path)
    assert [m.name for m in q2.modules] == [m.name for m in q.modules]
    assert get_module("fear").item("fear_walk_dark").unit == "person"


def test_readme_documents_every_item_and_crosswalk():
    from survey.instruments import library_dir, list_crosswalks

    readme = (library_dir() / "README.md").read_text(encoding="utf-8")
    missing = [i for i in all_items() if f"`{i}`" not in readme]
    assert missing == []
    assert all(f"`{c.name}`" in readme for c in list_crosswalks())


def test_trust_scale_picks_one_version_per_question(tmp_path):
    """A built form asks each trust question once: 4 (default, Latinobarómetro), 7 (LAPOP)
    or 11 (ESS); None keeps every version (the library itself)."""
    inst = {it.id for it in build(["trust_institutions"], ["en"]).items}
    assert inst == {f"trust_inst_{i}" for i in INSTITUTIONS}  # 12 institutions, 1-4 scale
    lapop = {it.id for it in build(["trust_institutions"], ["en"], trust_scale=7).items}
    assert lapop == {f"trust_inst_{i}_7pt" for i in [*INSTITUTIONS, "supreme_court"]}
    ess = {it.id for it in build(["trust_institutions"], ["en"], trust_scale=11).items}
    assert ess == {f"trust_inst_{i}_11pt"
                   for i in ("police", "judiciary", "congress", "politicians", "parties")}  # fmt: skip
    assert len(build(["trust_institutions"], ["en"], trust_scale=None).items) == 30
    # general interpersonal trust: the dichotomy, or the ESS 0-10 item; IT1 always
    ip = {s: [it.id for it in build(["trust_interpersonal"], ["en"], trust_scale=s).items]
          for s in (4, 7, 11)}  # fmt: skip
    assert ip[4] == ip[7] == ["trust_interpersonal", "trust_neighbours"]
    assert ip[11] == ["trust_neighbours", "trust_interpersonal_11pt"]
    # other modules are untouched
    assert len(build(["fear"], ["en"], trust_scale=11).items) == 20  # one safety question
    with pytest.raises(InstrumentError, match="trust_scale=5"):
        build(["trust_institutions"], ["en"], trust_scale=5)
    # the project file keeps the choice
    q = build(["trust_institutions", "trust_interpersonal"], ["es"], trust_scale=11)
    path = save_project(q, tmp_path / "p.yaml")
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["trust_scale"] == 11
    back = load_project(path)
    assert [it.id for it in back.items] == [it.id for it in q.items]
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    del spec["trust_scale"]  # files written before the option: the default, 4
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert load_project(tmp_path / "old.yaml").trust_scale == 4


PT_UNCONTRACTED = (
    " em a ",
    " em o ",
    " em os ",
    " em as ",
    " de a ",
    " de o ",
    " de os ",
    " de as ",
)


def test_portuguese_uses_contractions():
    """Portuguese contracts em/de with the article (na, no, nos, nas, da, do, dos, das):
    "confia em a polícia" is ungrammatical. Checked on every pt text of the library."""
    from survey.instruments.model import MISSING_LABELS

    texts = [v["pt"] for v in MISSING_LABELS.values()]
    for mod in list_modules():
        texts += [mod.title["pt"], (mod.description or {}).get("pt", "")]
        for it in mod.items:
            texts += [it.text["pt"], (it.hint or {}).get("pt", "")]
            texts += [c.label["pt"] for c in it.choices]
    assert len(texts) > 300
    bad = [t for t in texts if any(p in " " + " ".join(t.split()).lower() + " "
                                   for p in PT_UNCONTRACTED)]  # fmt: skip
    assert bad == []
    police = all_items()["trust_inst_police"].text["pt"]
    assert "confiança você tem na polícia" in police
