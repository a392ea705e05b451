"""Human labels of indicator results: titles and category names in en/es/pt.

Indicator frames name their rows by keys (``variable="prevalence"``, ``category="any"``);
tables, the CLI and reports show words instead ("Personal victimisation prevalence", "Any
crime" / "Cualquier delito"). The English titles are the registry's (``Indicator.title``);
this module holds their Spanish and Portuguese versions and the words of the standard
category keys (crime types, groups, places, items). A key without an entry is made readable
("vehicle_theft" -> "Vehicle theft"), never shown raw. Presentation only: nothing here
changes an estimate.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["category_text", "indicator_title", "label_indicator_frame", "variable_text"]

#: Registry titles in Spanish and Portuguese (English: ``REGISTRY[name].title``).
TITLES: dict[str, dict[str, str]] = {
    "prevalence_household": {"es": "Prevalencia de victimización de hogares",
                             "pt": "Prevalência de vitimização de domicílios"},
    "prevalence_person": {"es": "Prevalencia de victimización de personas",
                          "pt": "Prevalência de vitimização de pessoas"},
    "incidence": {"es": "Tasa de incidencia", "pt": "Taxa de incidência"},
    "concentration": {"es": "Concentración", "pt": "Concentração"},
    "reporting_rate": {"es": "Tasa de denuncia a la policía",
                       "pt": "Taxa de notificação à polícia"},
    "complaint_rate": {"es": "Tasa de denuncia formal", "pt": "Taxa de queixa formal"},
    "dark_figure": {"es": "Cifra negra", "pt": "Cifra oculta"},
    "police_satisfaction": {"es": "Satisfacción de las víctimas con la respuesta policial",
                            "pt": "Satisfação das vítimas com a resposta policial"},
    "sdg_16_1_3": {"es": "ODS 16.1.3 Población sometida a violencia",
                   "pt": "ODS 16.1.3 População submetida a violência"},
    "sdg_16_3_1": {"es": "ODS 16.3.1 Víctimas de violencia que denunciaron",
                   "pt": "ODS 16.3.1 Vítimas de violência que denunciaram"},
    "sdg_16_3_1_any_authority": {
        "es": "ODS 16.3.1 Víctimas de violencia que denunciaron (datos por formas)",
        "pt": "ODS 16.3.1 Vítimas de violência que denunciaram (dados por formas)"},
    "dark_figure_any_authority": {"es": "Cifra negra (datos por formas, definición ENVIPE)",
                                  "pt": "Cifra oculta (dados por formas, definição ENVIPE)"},
    "sdg_16_5_1": {"es": "ODS 16.5.1 Prevalencia del soborno",
                   "pt": "ODS 16.5.1 Prevalência de suborno"},
    "sdg_16_1_4": {"es": "ODS 16.1.4 Se siente seguro caminando solo de noche",
                   "pt": "ODS 16.1.4 Sente-se seguro andando sozinho à noite"},
    "insecurity": {"es": "Percepción de inseguridad", "pt": "Percepção de insegurança"},
    "perceived_increase": {"es": "Percepción de aumento de la delincuencia",
                           "pt": "Percepção de aumento da criminalidade"},
    "worry": {"es": "Preocupación por el delito", "pt": "Preocupação com o crime"},
    "avoidance": {"es": "Conductas de evitación", "pt": "Comportamentos de evitação"},
    "trust_interpersonal": {"es": "Confianza interpersonal", "pt": "Confiança interpessoal"},
    "trust_community_lapop": {"es": "Confianza en la gente de la comunidad (LAPOP IT1)",
                              "pt": "Confiança nas pessoas da comunidade (LAPOP IT1)"},
    "trust_interpersonal_ess": {"es": "Confianza interpersonal (ESS 0-10)",
                                "pt": "Confiança interpessoal (ESS 0-10)"},
    "trust_institutional": {"es": "Confianza institucional (Latinobarómetro)",
                            "pt": "Confiança institucional (Latinobarómetro)"},
    "trust_institutional_lapop": {"es": "Confianza institucional (LAPOP)",
                                  "pt": "Confiança institucional (LAPOP)"},
    "trust_institutional_ess": {"es": "Confianza institucional (ESS 0-10)",
                                "pt": "Confiança institucional (ESS 0-10)"},
    "trust_index": {"es": "Índice de confianza institucional",
                    "pt": "Índice de confiança institucional"},
    "trust_index_ess": {"es": "Índice de confianza institucional (ESS 0-10)",
                        "pt": "Índice de confiança institucional (ESS 0-10)"},
}  # fmt: skip

#: The ``variable`` of indicator frames that is not itself a registry name.
_VARIABLE_ENTRY = {"prevalence": "prevalence_{unit}", "institutional": "trust_institutional",
                   "interpersonal": "trust_interpersonal", "index": "trust_index"}  # fmt: skip

#: Words of the standard category keys (en, es, pt).
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "any": ("Any crime", "Cualquier delito", "Qualquer crime"),
    "all": ("All crimes", "Todos los delitos", "Todos os crimes"),
    "property": ("Property crime", "Delitos contra la propiedad", "Crimes contra o patrimônio"),
    "violent": ("Violent crime", "Delitos violentos", "Crimes violentos"),
    "vehicle_theft": ("Vehicle theft", "Robo de vehículo", "Roubo de veículo"),
    "theft_from_vehicle": ("Theft from a vehicle", "Robo desde vehículo",
                           "Furto de objetos do veículo"),
    "burglary": ("Burglary", "Robo con entrada a la vivienda", "Arrombamento de domicílio"),
    "attempted_burglary": ("Attempted burglary", "Intento de robo a la vivienda",
                           "Tentativa de arrombamento"),
    "robbery": ("Robbery", "Robo con violencia o intimidación", "Roubo"),
    "personal_theft": ("Personal theft", "Hurto", "Furto pessoal"),
    "assault": ("Assault", "Lesiones", "Agressão"),
    "threat": ("Threats", "Amenazas", "Ameaças"),
    "sexual_offence": ("Sexual offence", "Delito sexual", "Crime sexual"),
    "extortion": ("Extortion", "Extorsión", "Extorsão"),
    "fraud": ("Fraud", "Fraude", "Fraude"),
    "bribery": ("Bribery", "Soborno", "Suborno"),
    "kidnapping": ("Kidnapping", "Secuestro", "Sequestro"),
    "physical": ("Physical violence", "Violencia física", "Violência física"),
    "psychological": ("Psychological violence", "Violencia psicológica",
                      "Violência psicológica"),
    "sexual": ("Sexual violence", "Violencia sexual", "Violência sexual"),
    "neighbourhood": ("Neighbourhood", "Barrio", "Bairro"),
    "neighbourhood_4pt": ("Neighbourhood (4 points)", "Barrio (4 puntos)", "Bairro (4 pontos)"),
    "municipality": ("Municipality", "Comuna o municipio", "Município"),
    "country": ("Country", "País", "País"),
    "feel_safe_walking_after_dark": ("Feels safe walking alone after dark",
                                     "Se siente seguro caminando solo de noche",
                                     "Sente-se seguro andando sozinho à noite"),
    "worry_burglary": ("Burglary", "Robo a la vivienda", "Arrombamento"),
    "worry_robbery": ("Robbery", "Robo con violencia", "Roubo"),
    "worry_assault": ("Assault", "Agresión", "Agressão"),
    "worry_sexual": ("Sexual assault", "Agresión sexual", "Agressão sexual"),
    "worry_kidnapping": ("Kidnapping", "Secuestro", "Sequestro"),
    "worry_extortion": ("Extortion", "Extorsión", "Extorsão"),
    "avoid_going_out_night": ("Going out at night", "Salir de noche", "Sair à noite"),
    "avoid_children_out": ("Letting children out", "Dejar salir a los niños",
                           "Deixar as crianças saírem"),
    "avoid_valuables": ("Carrying valuables", "Llevar objetos de valor",
                        "Levar objetos de valor"),
    "avoid_cash": ("Carrying cash", "Llevar dinero en efectivo", "Levar dinheiro"),
    "avoid_public_transport": ("Public transport", "Transporte público", "Transporte público"),
    "avoid_places": ("Certain places", "Ciertos lugares", "Certos lugares"),
    "most_people": ("Most people can be trusted", "Se puede confiar en la mayoría",
                    "Pode-se confiar na maioria"),
    "community": ("People of the community", "Gente de la comunidad",
                  "Pessoas da comunidade"),
    "index": ("Index 0-100", "Índice 0-100", "Índice 0-100"),
    "mean 0-100": ("Mean 0-100", "Media 0-100", "Média 0-100"),
    "police": ("Police", "Policía", "Polícia"),
    "judiciary": ("Judiciary", "Poder Judicial", "Poder Judiciário"),
    "armed_forces": ("Armed forces", "Fuerzas Armadas", "Forças Armadas"),
    "government": ("Government", "Gobierno", "Governo"),
    "president": ("President", "Presidente", "Presidente"),
    "congress": ("Congress", "Congreso", "Congresso"),
    "parties": ("Political parties", "Partidos políticos", "Partidos políticos"),
    "electoral": ("Electoral body", "Organismo electoral", "Órgão eleitoral"),
    "church": ("Church", "Iglesia", "Igreja"),
    "media": ("Media", "Medios de comunicación", "Meios de comunicação"),
    "supreme_court": ("Supreme court", "Corte Suprema", "Supremo Tribunal"),
    "politicians": ("Politicians", "Políticos", "Políticos"),
}  # fmt: skip
_LANGS = ("en", "es", "pt")


def _readable(key: str) -> str:
    """A key made readable: "vehicle_theft" -> "Vehicle theft" (single words such as item
    codes "b13", and text with spaces or capitals, are kept as given)."""
    if "_" not in key or not re.fullmatch(r"[a-z0-9_]+", key):
        return key  # "b13", "Robo", "vic": as given
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def indicator_title(name, lang: str = "en") -> str:
    """The title of a registry indicator in ``lang`` (the key made readable if unknown)."""
    from survey.indicators.registry import REGISTRY

    name = str(name)
    if lang != "en" and name in TITLES:
        return TITLES[name][lang]
    entry = REGISTRY.get(name)
    return entry.title if entry is not None else _readable(name)


def variable_text(variable, lang: str = "en", *, unit: str | None = None) -> str:
    """The title of an indicator frame's ``variable`` ("prevalence" of persons ->
    "Personal victimisation prevalence")."""
    key = str(variable)
    entry = _VARIABLE_ENTRY.get(key)
    if entry is not None:
        key = entry.format(unit=unit or "household")
    return indicator_title(key, lang)


def category_text(category, lang: str = "en", names=None):
    """Words of a category key in ``lang``; ``"b13: % 5+6+7"`` (item: measure) translates
    both parts; missing stays missing. A key that is no standard one but a column of the
    data (``crimes=["P12_rob"]``) reads as that column's variable label in ``names`` (the
    data's ``variable_labels``), not as its code."""
    if category is None or (not isinstance(category, str) and pd.isna(category)):
        return category
    text = str(category)
    k = _LANGS.index(lang) if lang in _LANGS else 0
    if text in CATEGORIES:
        return CATEGORIES[text][k]
    if names and names.get(text):
        return str(names[text])
    if ": " in text:
        head, tail = text.split(": ", 1)
        return f"{category_text(head, lang, names)}: {category_text(tail, lang, names)}"
    return _readable(text)


def label_indicator_frame(frame: pd.DataFrame, meta=None, by=None, lang: str = "en"):
    """An indicator result frame with its label columns filled (a copy).

    ``domain_label`` from the value labels of the ``by`` columns in ``meta`` (the design's
    metadata: region names of a SurveyData), as the Design verbs do
    (:func:`survey.io.label_result`); ``variable_label`` the indicator's title and
    ``category_label`` the words of its category (crime type, group, item), in ``lang``;
    with an ``indicator`` column (:func:`~survey.indicators.battery`) the registry title
    of each row's indicator.
    The codes stay in ``variable`` and ``category``.
    """
    from survey.io._labels import label_result

    cols = list(frame.columns)
    if by is None:
        by = cols[: cols.index("variable")] if "variable" in cols else []
    by = [b for b in ([by] if isinstance(by, str) else by) if b in cols and b != "indicator"]
    out = label_result(frame, meta, by)
    unit = frame.attrs.get("unit")
    varl = getattr(meta, "variable_labels", {}) or {}
    if "indicator" in out.columns:  # a battery: the registry entry names each row
        out["variable_label"] = [indicator_title(i, lang) for i in out["indicator"]]
    elif "variable" in out.columns:
        out["variable_label"] = [
            varl.get(v) or variable_text(v, lang, unit=unit) for v in out["variable"]
        ]
    if "category" in out.columns:
        out["category_label"] = pd.Series(
            [category_text(c, lang, varl) for c in out["category"].astype(object)],
            index=out.index,
            dtype=object,
        )
    return out
