"""Figure and table terms (English, Spanish, Portuguese); the machinery and the lookup
across figure and report text are in :mod:`survey._text`."""

from __future__ import annotations

# languages, lookup and number formatting: the one text module shared with the report
from survey._text import LANGUAGES, check_lang, fmt_number, lookup  # noqa: F401

TEXT: dict[str, dict[str, str]] = {
    "source": {"en": "Source", "es": "Fuente", "pt": "Fonte"},
    "n": {"en": "n", "es": "n", "pt": "n"},
    "n_range": {"en": "n per estimate", "es": "n por estimación", "pt": "n por estimativa"},
    "ci_bars": {
        "en": "Error bars: {level}% confidence intervals",
        "es": "Barras de error: intervalos de confianza al {level}%",
        "pt": "Barras de erro: intervalos de confiança de {level}%",
    },
    "ci_band": {
        "en": "Shaded bands: {level}% confidence intervals",
        "es": "Bandas sombreadas: intervalos de confianza al {level}%",
        "pt": "Faixas sombreadas: intervalos de confiança de {level}%",
    },
    "caution": {
        "en": "† hatched or hollow: use with caution (low precision)",
        "es": "† rayado o hueco: usar con cautela (baja precisión)",
        "pt": "† hachurado ou vazado: usar com cautela (baixa precisão)",
    },
    "suppressed": {
        "en": "{k} estimate(s) suppressed (not reliable) and not shown",
        "es": "{k} estimación(es) suprimida(s) por falta de confiabilidad, no se muestran",
        "pt": "{k} estimativa(s) suprimida(s) por falta de confiabilidade, não exibida(s)",
    },
    "estimate": {"en": "Estimate", "es": "Estimación", "pt": "Estimativa"},
    "percent": {"en": "Percent", "es": "Porcentaje", "pt": "Percentual"},
    "difference": {"en": "Difference", "es": "Diferencia", "pt": "Diferença"},
    "difference_pp": {
        "en": "Difference (percentage points)",
        "es": "Diferencia (puntos porcentuales)",
        "pt": "Diferença (pontos percentuais)",
    },
    "wave": {"en": "Wave", "es": "Ronda", "pt": "Rodada"},
    "period": {"en": "Period", "es": "Periodo", "pt": "Período"},
    "treatment": {"en": "Treatment", "es": "Tratamiento", "pt": "Tratamento"},
    "comparison": {"en": "Comparison", "es": "Comparación", "pt": "Comparação"},
    "counterfactual": {
        "en": "Treatment without programme (parallel trend)",
        "es": "Tratamiento sin programa (tendencia paralela)",
        "pt": "Tratamento sem programa (tendência paralela)",
    },
    "did": {
        "en": "Difference-in-differences",
        "es": "Diferencia en diferencias",
        "pt": "Diferença em diferenças",
    },
    "significant": {"en": "Significant", "es": "Significativa", "pt": "Significativa"},
    "not_significant": {
        "en": "Not significant",
        "es": "No significativa",
        "pt": "Não significativa",
    },
    "improved": {"en": "Improved", "es": "Mejoró", "pt": "Melhorou"},
    "worsened": {"en": "Worsened", "es": "Empeoró", "pt": "Piorou"},
    "not_worsened": {
        "en": "Not a significant worsening",
        "es": "Sin empeoramiento significativo",
        "pt": "Sem piora significativa",
    },
    "no_direction": {
        "en": "No desirable direction given",
        "es": "Sin dirección deseable definida",
        "pt": "Sem direção desejável definida",
    },
    "filled_significant": {
        "en": "Filled markers: significant at the {alpha}% level",
        "es": "Marcadores rellenos: significativos al {alpha}%",
        "pt": "Marcadores preenchidos: significativos a {alpha}%",
    },
    "trust": {
        "en": "Trust in institutions",
        "es": "Confianza en instituciones",
        "pt": "Confiança nas instituições",
    },
    "institution": {"en": "Institution", "es": "Institución", "pt": "Instituição"},
    "victimisation": {"en": "Victimisation", "es": "Victimización", "pt": "Vitimização"},
    "fear": {"en": "Fear of crime", "es": "Temor al delito", "pt": "Medo do crime"},
    "domain": {"en": "Domain", "es": "Dominio", "pt": "Domínio"},
    "ci": {"en": "{level}% CI", "es": "IC {level}%", "pt": "IC {level}%"},
    "cv": {"en": "CV (%)", "es": "CV (%)", "pt": "CV (%)"},
    "reliability": {"en": "Reliability", "es": "Confiabilidad", "pt": "Confiabilidade"},
    "reliable": {"en": "reliable", "es": "confiable", "pt": "confiável"},
    "caution_short": {"en": "caution", "es": "cautela", "pt": "cautela"},
    "suppress_short": {"en": "suppressed", "es": "suprimida", "pt": "suprimida"},
    "indicator": {"en": "Indicator", "es": "Indicador", "pt": "Indicador"},
    "category": {"en": "Category", "es": "Categoría", "pt": "Categoria"},
    "n_weighted": {"en": "Weighted n", "es": "n ponderado", "pt": "n ponderado"},
    "se": {"en": "Std. error", "es": "Error estándar", "pt": "Erro padrão"},
    "p_value": {"en": "p-value", "es": "Valor p", "pt": "Valor p"},
    "p_adjusted": {"en": "Adjusted p", "es": "Valor p ajustado", "pt": "Valor p ajustado"},
    "caution_map": {
        "en": "† hatched: use with caution (low precision)",
        "es": "† rayado: usar con cautela (baja precisión)",
        "pt": "† hachurado: usar com cautela (baixa precisão)",
    },
    "suppressed_map": {
        "en": "Suppressed (not reliable)",
        "es": "Suprimida (no confiable)",
        "pt": "Suprimida (não confiável)",
    },
    "no_data": {"en": "No estimate", "es": "Sin estimación", "pt": "Sem estimativa"},
    "national": {"en": "National", "es": "Nacional", "pt": "Nacional"},
    "before": {"en": "Before", "es": "Antes", "pt": "Antes"},
    "after": {"en": "After", "es": "Después", "pt": "Depois"},
    # the sides of a comparison: the words that begin label_1 / label_2
    # (survey.compare._frame.SIDES) and the inputs of attrs["inputs"] in a row's reason
    "side_baseline": {"en": "baseline", "es": "línea de base", "pt": "linha de base"},
    "side_follow-up": {"en": "follow-up", "es": "seguimiento", "pt": "acompanhamento"},
    "side_comparison group": {
        "en": "comparison group",
        "es": "grupo de comparación",
        "pt": "grupo de comparação",
    },
    "side_treated group": {"en": "treated group", "es": "grupo tratado", "pt": "grupo tratado"},
    "side_control pre": {
        "en": "comparison group at baseline",
        "es": "grupo de comparación en la línea de base",
        "pt": "grupo de comparação na linha de base",
    },
    "side_control post": {
        "en": "comparison group at follow-up",
        "es": "grupo de comparación en el seguimiento",
        "pt": "grupo de comparação no acompanhamento",
    },
    "side_treated pre": {
        "en": "treated group at baseline",
        "es": "grupo tratado en la línea de base",
        "pt": "grupo tratado na linha de base",
    },
    "side_treated post": {
        "en": "treated group at follow-up",
        "es": "grupo tratado en el seguimiento",
        "pt": "grupo tratado no acompanhamento",
    },
    # one flagged input in a comparison row's reason: "baseline suppressed (cases < 50)"
    "input_reason": {
        "en": "{side} {flag}{why}",
        "es": "{side}: {flag}{why}",
        "pt": "{side}: {flag}{why}",
    },  # fmt: skip
    # the reason when the frame does not say which input is suppressed
    "suppressed_input": {
        "en": "an estimate compared is suppressed (publication rule)",
        "es": "una de las estimaciones comparadas está suprimida (criterio de publicación)",
        "pt": "uma das estimativas comparadas está suprimida (critério de publicação)",
    },
    # the lines under the CLI's compact tables: before the reasons they leave out, and when
    # the terminal is too narrow for the cv column
    "flag_reasons": {"en": "flag reasons", "es": "motivos", "pt": "motivos"},
    # the closing lines of `survey indicators`
    "skipped_line": {
        "en": "{k} indicator(s) skipped ({text})",
        "es": "{k} indicador(es) omitido(s) ({text})",
        "pt": "{k} indicador(es) omitido(s) ({text})",
    },
    "items_not_in_data": {
        "en": "items not in the data",
        "es": "ítems que no están en los datos",
        "pt": "itens que não estão nos dados",
    },
    "estimates_line": {
        "en": "{n} estimates ({k} indicators), {s} suppressed ({how})",
        "es": "{n} estimaciones ({k} indicadores), {s} suprimidas ({how})",
        "pt": "{n} estimativas ({k} indicadores), {s} suprimidas ({how})",
    },
    # the lines `survey compare` prints before its tables
    "waves_from": {
        "en": "waves from {path}: {first} vs {second}",
        "es": "ondas de {path}: {first} frente a {second}",
        "pt": "ondas de {path}: {first} contra {second}",
    },
    "rows_of": {"en": "{what} ({k} rows)", "es": "{what} ({k} filas)", "pt": "{what} ({k} linhas)"},
    "other_waves_left": {
        "en": "{k} row(s) of other or missing waves left out",
        "es": "{k} fila(s) de otras ondas o sin onda excluidas",
        "pt": "{k} linha(s) de outras ondas ou sem onda excluídas",
    },
    "df_each_domain": {
        "en": "df of each estimate: its --by domain",
        "es": "gl de cada estimación: los de su dominio --by",
        "pt": "gl de cada estimativa: os do seu domínio --by",
    },
    "df_each_file": {
        "en": "df of each estimate: whole file",
        "es": "gl de cada estimación: los del archivo completo",
        "pt": "gl de cada estimativa: os do arquivo completo",
    },
    "variance_word": {"en": "Variance", "es": "Varianza", "pt": "Variância"},
    # the phrases of Design.summary()["variance"] (VARIANCE_PHRASES: replaced in order)
    "var_taylor": {
        "en": "Taylor linearisation",
        "es": "linealización de Taylor",
        "pt": "linearização de Taylor",
    },
    "var_with_replacement": {
        "en": "with-replacement first stage",
        "es": "primera etapa con reemplazo",
        "pt": "primeiro estágio com reposição",
    },
    "var_fpc": {"en": "FPC by stage", "es": "FPC por etapa", "pt": "FPC por estágio"},
    "var_replicate_weights": {
        "en": "replicate weights",
        "es": "pesos replicados",
        "pt": "pesos replicados",
    },
    "var_replicates": {"en": "replicates", "es": "réplicas", "pt": "réplicas"},
    "publication_rule": {
        "en": "publication rule",
        "es": "regla de publicación",
        "pt": "regra de publicação",
    },
    "suppressed_shown": {"en": "shown", "es": "mostradas", "pt": "mostradas"},
    "suppressed_blanked": {"en": "blanked", "es": "en blanco", "pt": "em branco"},
    "wrote": {"en": "wrote {path}", "es": "escrito {path}", "pt": "gravado {path}"},
    "cv_left_out": {
        "en": "cv: not shown at this terminal width (in --out and the API result)",
        "es": "cv: no se muestra con este ancho de terminal (está en --out y en la API)",
        "pt": "cv: não exibido com esta largura de terminal (está em --out e na API)",
    },
    # the notes of comparison rows without a change (survey.compare._frame.NOTE_*)
    "note_not estimated in baseline": {
        "en": "no baseline estimate",
        "es": "sin estimación de línea de base",
        "pt": "sem estimativa de linha de base",
    },
    "note_not estimated in follow-up": {
        "en": "no follow-up estimate",
        "es": "sin estimación de seguimiento",
        "pt": "sem estimativa de acompanhamento",
    },
    "note_no answers to the item in the baseline wave": {
        "en": "no answers to the item in the baseline wave",
        "es": "sin respuestas al ítem en la línea de base",
        "pt": "sem respostas ao item na linha de base",
    },
    "note_no answers to the item in the follow-up wave": {
        "en": "no answers to the item in the follow-up wave",
        "es": "sin respuestas al ítem en el seguimiento",
        "pt": "sem respostas ao item no acompanhamento",
    },
}


#: The :data:`TEXT` keys of the phrases of ``Design.summary()["variance"]``, longest first
#: ("replicate weights" before "replicates").
VARIANCE_PHRASES = (
    "var_taylor",
    "var_with_replacement",
    "var_fpc",
    "var_replicate_weights",
    "var_replicates",
)


def tr(key: str, lang: str = "en", **fmt) -> str:
    """Translated figure text for ``key`` in ``lang``, formatted with ``fmt``."""
    return lookup(TEXT, key, lang, **fmt)


def side_word(side: str, lang: str = "en") -> str:
    """A comparison's side or input ("baseline", "treated pre") in ``lang``; an unknown one
    as it is."""
    key = f"side_{side}"
    return tr(key, lang) if key in TEXT else side


def note_words(note: str, lang: str = "en") -> str:
    """A comparison row's ``note`` (:data:`survey.compare._frame.NOTE_NO_BASELINE` ...) in
    the tables' words in ``lang``; an unknown note as it is."""
    key = f"note_{note}"
    return tr(key, lang) if key in TEXT else note


#: The :data:`TEXT` key of each reliability flag's word: the words every table uses
#: (terminal, xlsx, report): reliable, caution, suppressed.
FLAG_WORDS = {"reliable": "reliable", "caution": "caution_short", "suppress": "suppress_short"}


def flag_word(flag, lang: str = "en") -> str:
    """A ``reliability`` flag as the tables word it ("suppress" -> "suppressed",
    "suprimida"); an unknown flag as it is, a missing one (not text) empty."""
    if not isinstance(flag, str):
        return ""
    return tr(FLAG_WORDS[flag], lang) if flag in FLAG_WORDS else flag
