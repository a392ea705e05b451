"""Every exported form passes ODK Validate (JavaRosa, the engine of ODK Collect and
KoboToolbox): each module alone (with the modules it requires), the full form with each trust
scale in es/en/pt together, and the full form in each language alone (issue 17, item 4).

pyxform's ``validate=True`` runs ODK Validate, which needs Java (Debian's
``openjdk-17-jre-headless``); the tests skip when no ``java`` is on the PATH.
"""

from __future__ import annotations

import shutil

import pytest
from pyxform.xls2xform import convert

from survey.instruments import build, export, get_module, list_modules

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs java")

FULL = [
    "household", "screener_general", "screener_household", "screener_person", "incident",
    "bribery", "cybercrime", "gender_violence", "fear", "insecurity_places", "disorder",
    "trust_institutions", "trust_interpersonal", "authorities", "police", "cohesion",
    "prevention", "discrimination", "costs", "demographics",
]  # fmt: skip


def _validate(tmp_path, q, name):
    path = export(q, tmp_path / f"{name}.xlsx", "xlsform")
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings, validate=True)
    assert warnings == [], warnings
    return result.xform


def test_full_form_lists_every_module():
    assert sorted(FULL) == sorted(m.name for m in list_modules())


@pytest.mark.parametrize("module", sorted(m.name for m in list_modules()))
def test_each_module_passes_odk_validate(tmp_path, module):
    mods = [*get_module(module).requires, module]
    q = build(mods, ["es", "en", "pt"], title=f"Módulo {module}")
    xml = _validate(tmp_path, q, module)
    assert f'id="{q.form_id}"' in xml


@pytest.mark.parametrize("trust_scale", [4, 7, 11])
def test_full_form_passes_odk_validate_with_each_trust_scale(tmp_path, trust_scale):
    q = build(FULL, ["es", "en", "pt"], title="Encuesta de victimización", trust_scale=trust_scale)
    xml = _validate(tmp_path, q, f"full_{trust_scale}")
    assert q.form_id == "encuesta_de_victimizacion"
    for lang in ("Español (es)", "English (en)", "Português (pt)"):
        assert f'lang="{lang}"' in xml
    assert 'jr:count=" /data/incident_form_count "' in xml
    assert "selected-at( /data/incident_form_codes , position(..) - 1)" in xml


@pytest.mark.parametrize(("lang", "trust_scale"), [("es", 4), ("en", 7), ("pt", 11)])
def test_full_form_passes_odk_validate_in_each_language(tmp_path, lang, trust_scale):
    q = build(FULL, [lang], title="Survey", trust_scale=trust_scale, neighbourhood_safety=None)
    _validate(tmp_path, q, f"full_{lang}")
