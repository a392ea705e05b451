"""Walking the exported XLSForm (issue 17, item 2): the incident repeat, crime-specific
relevance, the complaint filter, the vehicle filter, the order of the questions.

The walk evaluates the form's own expressions (``relevant``, ``calculation``,
``repeat_count``) with the small XPath evaluator of ``_xlsform_eval`` as a respondent's
answers come in, so what is tested is the exported form, not the library's Python model.
"""

from __future__ import annotations

import pandas as pd
import pytest

from survey.instruments import build, xlsform_frames
from survey.instruments.library import form_id_from_title
from tests.instruments._xlsform_eval import Evaluator

MODULES = [
    "household", "screener_general", "screener_household", "screener_person", "incident",
    "gender_violence", "fear", "demographics",
]  # fmt: skip


def _form(lang="en", **kw):
    q = build(MODULES, ["es", "en", "pt"], title="Walk", **kw)
    frames = xlsform_frames(q)
    survey = frames["survey"]
    ch = frames["choices"]
    label_col = {
        "es": "label::Español (es)",
        "en": "label::English (en)",
        "pt": "label::Português (pt)",
    }[lang]
    lists = {
        ln: dict(zip(g["name"].astype(str), g[label_col], strict=True))
        for ln, g in ch.groupby("list_name")
    }
    return q, survey, lists, label_col


def _walk(survey: pd.DataFrame, lists: dict, answer) -> dict:
    """Run through the form: returns ``{"main": values, "instances": {repeat: [values]}}``
    and the order in which questions were asked (``asked``). ``answer(name, values)`` gives
    the answer to a relevant question (``""`` leaves it blank)."""
    rows = survey.to_dict("records")
    labels = {}
    path = []
    for r in rows:
        t = str(r["type"])
        if t in ("begin_repeat", "begin_group"):
            path.append(r["name"])
        elif t in ("end_repeat", "end_group"):
            path.pop()
        elif t.startswith("select_one "):
            lst = lists[t.split()[1]]
            labels["/data/" + "/".join([*path[-1:], r["name"]])] = lst
    out = {"main": {}, "instances": {}, "asked": []}

    def run(block, values, position):
        i = 0
        while i < len(block):
            r = block[i]
            t = str(r["type"])
            if t == "begin_repeat":
                depth, j = 1, i + 1
                while depth:
                    tj = str(block[j]["type"])
                    depth += tj == "begin_repeat"
                    depth -= tj == "end_repeat"
                    j += 1
                inner = block[i + 1 : j - 1]
                n = int(Evaluator(values, labels, position)(r["repeat_count"]) or 0)
                insts = []
                for k in range(1, n + 1):
                    inst = dict(values)
                    run(inner, inst, k)
                    insts.append({key: v for key, v in inst.items() if key not in values})
                out["instances"][r["name"]] = insts
                # outside the repeat, a field of it is the node-set of all its instances
                for key in {k for inst in insts for k in inst}:
                    values[key] = [inst.get(key, "") for inst in insts]
                i = j
                continue
            if t in ("begin_group", "end_group"):
                i += 1
                continue
            ev = Evaluator(values, labels, position)
            rel = r.get("relevant")
            if isinstance(rel, str) and rel and not ev(rel):
                values[r["name"]] = ""
                i += 1
                continue
            calc = r.get("calculation")
            if isinstance(calc, str) and calc:
                v = ev(calc)
                values[r["name"]] = v if isinstance(v, str) else (
                    str(int(v)) if float(v).is_integer() else str(v))  # fmt: skip
            elif t != "note":
                values[r["name"]] = answer(r["name"], values)
                out["asked"].append((r["name"], position))
            i += 1

    run(rows, out["main"], 1)
    return out


def _respondent(**yes):
    """Answers: screeners no unless named in ``yes`` (5y and 12m yes); vehicle owner unless
    told; incident answers by crime; everything else 'no' / first code."""

    def answer(name, values):
        if name == "hh_members":
            return "2"
        if name == "roster_age":
            return "40"
        if name == "hh_vehicle_owned_5y":
            return yes.get("owner", "1")
        if name.startswith("vic_"):
            crime = name.rsplit("_", 1)[0]
            return "1" if crime in yes.get("crimes", ()) else "0"
        if name == "inc_times_12m":
            return "2"
        if name == "inc_reported_police":
            return yes.get("police", {}).get(values.get("inc_crime_type"), "0")
        if name == "inc_reported_other":
            return yes.get("other", {}).get(values.get("inc_crime_type"), "5")
        if name == "gbv_privacy":
            return "1"
        if name.startswith("dem_") or name.startswith("wg_"):
            return "1"
        return (
            "0" if not name.startswith(("fear_", "insec_", "worry_", "perc_", "problem")) else "1"
        )

    return answer


def test_two_crimes_reported_give_two_incident_forms_with_their_relevance():
    q, survey, lists, _ = _form()
    walk = _walk(
        survey,
        lists,
        _respondent(
            crimes=("vic_hh_burglary", "vic_person_fraud"),
            police={"3": "1"},  # burglary reported to the police
            other={"11": "1"},  # fraud reported to the prosecutor's office only
        ),
    )
    forms = walk["instances"]["incident_form"]
    assert walk["main"]["incident_form_codes"] == "3 11"
    assert walk["main"]["incident_form_count"] == "2"
    assert len(forms) == 2
    burglary, fraud = forms
    assert (burglary["inc_crime_type"], burglary["inc_crime_type_label"]) == ("3", "Burglary")
    assert (fraud["inc_crime_type"], fraud["inc_crime_type_label"]) == ("11", "Fraud")
    asked = {}
    for name, pos in walk["asked"]:
        asked.setdefault(pos, []).append(name)
    # weapon and injury for the burglary, not for the fraud
    assert burglary["inc_weapon"] != "" and burglary["inc_injury"] != ""
    assert fraud["inc_weapon"] == "" and fraud["inc_injury"] == ""
    assert "inc_weapon" in asked[1] and "inc_weapon" not in asked[2]
    # the crime type is filled by the form, never asked
    assert "inc_crime_type" not in asked[1] and "inc_crime_type" not in asked[2]
    # reported to the police -> complaint asked; to the prosecutor only -> complaint asked too
    assert burglary["inc_reported_authority"] == "1" and fraud["inc_reported_authority"] == "1"
    assert "inc_complaint_filed" in asked[1] and "inc_complaint_filed" in asked[2]
    assert "inc_satisfaction" in asked[1] and "inc_satisfaction" not in asked[2]
    assert "inc_reasons_not_reported" in asked[2]  # not told to the police


def test_no_authority_no_complaint_question_and_no_crime_no_form():
    _, survey, lists, _ = _form()
    walk = _walk(survey, lists, _respondent(crimes=("vic_person_assault",)))
    (assault,) = walk["instances"]["incident_form"]
    assert assault["inc_crime_type"] == "7" and assault["inc_reported_authority"] == "0"
    assert assault["inc_complaint_filed"] == "" and assault["inc_investigation"] == ""
    none = _walk(survey, lists, _respondent(owner="0"))
    assert none["instances"]["incident_form"] == []
    assert none["main"]["incident_form_count"] == "0"
    # a household without a vehicle is not asked the vehicle screeners, and its
    # 12-month flag is a known 0 (the ownership filter rules vehicle crime out)
    asked = [n for n, _ in none["asked"]]
    assert "vic_hh_vehicle_theft_5y" not in asked and "vic_hh_burglary_5y" in asked
    assert none["main"]["vic_hh_any_12m"] == "0"


def test_sexual_offence_form_has_no_interviewer_read_offender_question():
    _, survey, lists, _ = _form()
    walk = _walk(survey, lists, _respondent(crimes=("vic_person_sexual_offence",)))
    (form,) = walk["instances"]["incident_form"]
    assert form["inc_crime_type"] == "9" and form["inc_offender"] == ""
    # the self-completed module, after the privacy check, asks about partners
    assert walk["main"]["gbv_partner_ever"] != ""


def test_general_before_specific_and_one_safety_question():
    _, survey, _, _ = _form()
    names = survey["name"].tolist()
    assert names.index("vic_any_12m") < names.index("hh_vehicle_owned_5y")
    assert names.index("vic_any_12m") < names.index("vic_person_robbery_5y")
    safety = {"fear_walk_dark", "insec_neighbourhood_4pt", "insec_neighbourhood"}
    assert safety & set(names) == {"fear_walk_dark"}
    _, other, _, _ = _form(neighbourhood_safety="insec_neighbourhood_4pt")
    assert safety & set(other["name"]) == {"insec_neighbourhood_4pt"}
    with pytest.raises(Exception, match="general before specific"):
        build(["screener_person", "screener_general"], ["en"])
    with pytest.raises(Exception, match="neighbourhood_safety"):
        build(["fear"], ["en"], neighbourhood_safety="fear")


def test_privacy_check_gates_the_self_completed_items():
    _, survey, lists, _ = _form()
    base = _respondent()

    def not_private(name, values):
        return "3" if name == "gbv_privacy" else base(name, values)

    walk = _walk(survey, lists, not_private)
    asked = [n for n, _ in walk["asked"]]
    assert "gbv_partner_ever" not in asked and "harass_public_12m" not in asked
    rows = survey.set_index("name")
    assert pd.isna(rows.loc["gender_violence_referral", "relevant"])  # always shown
    assert "gbv_privacy" in rows.loc["gender_violence_handover", "relevant"]


def test_household_roster_and_random_selection():
    _, survey, lists, _ = _form()
    walk = _walk(survey, lists, _respondent())
    roster = walk["instances"]["roster"]
    assert len(roster) == 2 and all(r["roster_adult"] == "1" for r in roster)
    rows = survey.set_index("name")
    assert rows.loc["hh_adults", "calculation"] == "sum(${roster_adult})"
    assert (
        "once(int(random() * ${hh_adults}) + 1)" in rows.loc["resp_selected_adult", "calculation"]
    )
    begin = survey[(survey["type"] == "begin_repeat") & (survey["name"] == "roster")]
    assert begin["repeat_count"].tolist() == ["${hh_members}"]


@pytest.mark.parametrize(
    ("title", "form_id"),
    [
        ("Encuesta de victimización piloto", "encuesta_de_victimizacion_piloto"),
        ("Pesquisa de Vitimização — São Paulo", "pesquisa_de_vitimizacao_sao_paulo"),
        ("2025 Encuesta Ñuble", "form_2025_encuesta_nuble"),
    ],
)
def test_form_id_transliterates_accents(title, form_id):
    assert form_id_from_title(title) == form_id
    assert build(["fear"], ["es"], title=title).form_id == form_id


def test_printed_questionnaire_says_how_repeats_and_self_completion_work():
    from survey.instruments.export import to_html, to_markdown

    q = build(["screener_household", "screener_person", "incident", "gender_violence"], ["es"])
    md = to_markdown(q)
    assert "*Asked once per crime reported in the last 12 months (repeat group incident_form)" in md
    assert "asked only if gbv_privacy is in [1, 2]" in md
    assert "[LÍNEA DE AYUDA NACIONAL]" in md
    assert "Asked once per crime" in to_html(q)
