"""The one translation table of the report's own text (methods annex, table headings, notes).

Every sentence the report writes (apart from figure text, which lives in
:mod:`survey.plots._text`, and names from the spec or the data) is an entry here with its
English, Spanish and Portuguese version; :func:`rt` picks and formats one. Placeholders
(``{name}``) are filled with numbers, file and column names. A test renders a Spanish
report and checks that no English sentence of this table appears in it.
"""

from __future__ import annotations

from survey._text import lookup
from survey.plots._text import TEXT

__all__ = ["REPORT_TEXT", "rt"]

REPORT_TEXT: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ HTML frame
    "methods": {"en": "Methods annex", "es": "Anexo metodológico", "pt": "Anexo metodológico"},
    "indicators_computed": {
        "en": "Every indicator computed",
        "es": "Todos los indicadores calculados",
        "pt": "Todos os indicadores calculados",
    },
    "indicators_note": {
        "en": "All indicators computed for this report are listed, including null and "
        "unfavourable results.",
        "es": "Se listan todos los indicadores calculados para este informe, incluidos los "
        "resultados nulos y desfavorables.",
        "pt": "Todos os indicadores calculados para este relatório são listados, incluindo "
        "resultados nulos e desfavoráveis.",
    },
    "footer": {
        "en": "Produced with survey {version}. Figures and tables are computed from the data "
        "named in the methods annex; suppressed estimates are never printed.",
        "es": "Elaborado con survey {version}. Las figuras y tablas se calculan a partir de "
        "los datos indicados en el anexo; las estimaciones suprimidas nunca se publican.",
        "pt": "Produzido com survey {version}. Figuras e tabelas são calculadas a partir dos "
        "dados indicados no anexo; estimativas suprimidas nunca são publicadas.",
    },
    # ------------------------------------------------------------------ annex terms
    "data": {"en": "Data", "es": "Datos", "pt": "Dados"},
    "design": {"en": "Sample design", "es": "Diseño muestral", "pt": "Desenho amostral"},
    "weights": {"en": "Weights", "es": "Factores de expansión", "pt": "Pesos"},
    "variance": {
        "en": "Variance estimation",
        "es": "Estimación de varianza",
        "pt": "Estimação da variância",
    },
    "ci": {
        "en": "Confidence intervals",
        "es": "Intervalos de confianza",
        "pt": "Intervalos de confiança",
    },
    "df": {"en": "Degrees of freedom", "es": "Grados de libertad", "pt": "Graus de liberdade"},
    "quality": {
        "en": "Quality criteria",
        "es": "Criterios de calidad",
        "pt": "Critérios de qualidade",
    },
    "comparisons": {"en": "Comparisons", "es": "Comparaciones", "pt": "Comparações"},
    "harmonisation": {"en": "Harmonisation", "es": "Armonización", "pt": "Harmonização"},
    "indicators": {"en": "Indicators", "es": "Indicadores", "pt": "Indicadores"},
    "do_no_harm": {"en": "Do no harm", "es": "Acción sin daño", "pt": "Não causar dano"},
    # ------------------------------------------------------------------ annex sentences
    "data_text": {
        "en": "{file}: {n} respondents; {um} answers coded as SPSS user-missing (don't know / "
        "no answer) treated as missing.",
        "es": "{file}: {n} personas encuestadas; {um} respuestas codificadas como valores "
        "perdidos de usuario de SPSS (no sabe / no responde) tratadas como faltantes.",
        "pt": "{file}: {n} respondentes; {um} respostas codificadas como valores ausentes de "
        "usuário do SPSS (não sabe / não respondeu) tratadas como ausentes.",
    },
    "design_strata": {
        "en": "stratified sample: strata '{strata}' ({n} strata)",
        "es": "muestra estratificada: estratos '{strata}' ({n} estratos)",
        "pt": "amostra estratificada: estratos '{strata}' ({n} estratos)",
    },
    "design_no_strata": {
        "en": "unstratified sample",
        "es": "muestra sin estratificar",
        "pt": "amostra não estratificada",
    },
    "design_psu": {
        "en": "primary sampling units '{psu}' ({n} PSUs)",
        "es": "unidades primarias de muestreo '{psu}' ({n} UPM)",
        "pt": "unidades primárias de amostragem '{psu}' ({n} UPA)",
    },
    "design_stages": {
        "en": "later-stage units {names}",
        "es": "unidades de etapas posteriores {names}",
        "pt": "unidades de estágios posteriores {names}",
    },
    "design_no_psu": {
        "en": "no clusters (units selected individually)",
        "es": "sin conglomerados (unidades seleccionadas individualmente)",
        "pt": "sem conglomerados (unidades selecionadas individualmente)",
    },
    "design_fpc": {
        "en": "finite population correction from {fpc}",
        "es": "corrección por población finita a partir de {fpc}",
        "pt": "correção para população finita a partir de {fpc}",
    },
    "design_nest": {
        "en": "PSU codes nested within strata",
        "es": "códigos de UPM anidados en los estratos",
        "pt": "códigos de UPA aninhados nos estratos",
    },
    "lonely_fail": {
        "en": "none in the data: the run stops when a stratum has one PSU",
        "es": "no hay en los datos: el cálculo se detiene si un estrato tiene una sola UPM",
        "pt": "não há nos dados: o cálculo para se um estrato tiver uma só UPA",
    },
    "lonely_certainty": {
        "en": "such a PSU is taken with certainty and adds no variance",
        "es": "esa UPM se considera de inclusión forzosa y no aporta varianza",
        "pt": "essa UPA é tratada como de inclusão certa e não contribui variância",
    },
    "lonely_remove": {
        "en": "such strata add no variance and are left out of the degrees of freedom",
        "es": "esos estratos no aportan varianza y se excluyen de los grados de libertad",
        "pt": "esses estratos não contribuem variância e são excluídos dos graus de liberdade",
    },
    "lonely_average": {
        "en": "such strata get the average variance of the other strata",
        "es": "esos estratos reciben la varianza promedio de los demás estratos",
        "pt": "esses estratos recebem a variância média dos demais estratos",
    },
    "design_pooled": {
        "en": "waves are independent samples (strata unique to each wave), analysed as one "
        "pooled design so that comparisons carry every covariance.",
        "es": "las rondas son muestras independientes (estratos propios de cada ronda), "
        "analizadas como un diseño combinado para que las comparaciones incluyan todas las "
        "covarianzas.",
        "pt": "as rodadas são amostras independentes (estratos próprios de cada rodada), "
        "analisadas como um desenho combinado para que as comparações incluam todas as "
        "covariâncias.",
    },
    "design_single": {
        "en": "one wave (a single cross-sectional sample).",
        "es": "una sola ronda (una muestra transversal).",
        "pt": "uma só rodada (uma amostra transversal).",
    },
    "weights_person": {
        "en": "Person weights '{w}'",
        "es": "Factor de expansión de personas '{w}'",
        "pt": "Pesos de pessoas '{w}'",
    },
    "weights_household": {
        "en": ", household weights '{w}' for household indicators",
        "es": ", factor de hogares '{w}' para los indicadores de hogares",
        "pt": ", pesos de domicílios '{w}' para os indicadores de domicílios",
    },
    "weights_given": {
        "en": "; design weights used as given.",
        "es": "; se usan los factores de expansión tal como vienen en los datos.",
        "pt": "; os pesos do desenho são usados como vêm nos dados.",
    },
    "weights_raked": {
        "en": "; person weights raked to population margins {margins}{by_wave}.",
        "es": "; factores de personas calibrados (raking) a los márgenes poblacionales "
        "{margins}{by_wave}.",
        "pt": "; pesos de pessoas calibrados (raking) às margens populacionais {margins}{by_wave}.",
    },
    "weights_by_wave": {
        "en": ", separately in each wave",
        "es": ", por separado en cada ronda",
        "pt": ", separadamente em cada rodada",
    },
    "variance_text": {
        "en": "Taylor linearisation, {approx}{calib}; domains are estimated on the full "
        "design (never by subsetting).",
        "es": "Linealización de Taylor, {approx}{calib}; los dominios se estiman sobre el "
        "diseño completo (nunca por submuestras).",
        "pt": "Linearização de Taylor, {approx}{calib}; os domínios são estimados sobre o "
        "desenho completo (nunca por subconjuntos).",
    },
    "variance_wr": {
        "en": "ultimate-cluster (with-replacement) approximation at the first stage",
        "es": "aproximación de conglomerado último (con reemplazo) en la primera etapa",
        "pt": "aproximação de conglomerado último (com reposição) no primeiro estágio",
    },
    "variance_fpc": {
        "en": "with the finite population correction at each stage given",
        "es": "con la corrección por población finita en cada etapa indicada",
        "pt": "com a correção para população finita em cada estágio indicado",
    },
    "variance_calib": {
        "en": " with the calibration (raking) correction of the linearised variance",
        "es": " con la corrección por calibración (raking) de la varianza linealizada",
        "pt": " com a correção por calibração (raking) da variância linearizada",
    },
    "ci_text": {
        "en": "{level}% intervals; shares: {method}; means and differences: Wald (t).",
        "es": "Intervalos al {level}%; proporciones: {method}; medias y diferencias: Wald (t).",
        "pt": "Intervalos de {level}%; proporções: {method}; médias e diferenças: Wald (t).",
    },
    "ci_other": {
        "en": "method '{method}' (R svyciprop)",
        "es": "método '{method}' (svyciprop de R)",
        "pt": "método '{method}' (svyciprop do R)",
    },
    "df_few_strata": {
        "en": " Some domains lie in few strata and have far fewer degrees of freedom of their own ({domains}); with the design's degrees of freedom their intervals are too narrow (coverage below the nominal level), so read them with care or use the domain's degrees of freedom.",
        "es": " Algunos dominios están en pocos estratos y tienen muchos menos grados de libertad propios ({domains}); con los grados de libertad del diseño sus intervalos son demasiado estrechos (cobertura menor que la nominal), por lo que deben leerse con cautela o usar los grados de libertad del dominio.",
        "pt": " Alguns domínios estão em poucos estratos e têm muito menos graus de liberdade próprios ({domains}); com os graus de liberdade do desenho seus intervalos são estreitos demais (cobertura abaixo da nominal), por isso devem ser lidos com cautela ou usar os graus de liberdade do domínio.",
    },
    "df_fixed": {
        "en": "Fixed: {df} degrees of freedom.",
        "es": "Fijos: {df} grados de libertad.",
        "pt": "Fixos: {df} graus de liberdade.",
    },
    "df_comparisons": {
        "en": " Comparisons: {rule}",
        "es": " Comparaciones: {rule}",
        "pt": " Comparações: {rule}",
    },
    "harm_none": {
        "en": "No crosswalk: the data were used with their own column names and codes (the "
        "indicator definitions name those columns).",
        "es": "Sin tabla de correspondencias: los datos se usaron con sus propios nombres de "
        "columna y códigos (las definiciones de los indicadores nombran esas columnas).",
        "pt": "Sem tabela de correspondência: os dados foram usados com seus próprios nomes de "
        "coluna e códigos (as definições dos indicadores nomeiam essas colunas).",
    },
    "source_base": {"en": " among {base}", "es": " entre {base}", "pt": " entre {base}"},
    "no_comparisons": {
        "en": "None: the spec names no waves (a single-wave report), so the report has no "
        "comparison section; estimates are shown overall and by breakdown only.",
        "es": "Ninguna: la especificación no indica rondas (informe de una sola ronda), por "
        "lo que el informe no tiene sección de comparaciones; las estimaciones se muestran "
        "solo en total y por desagregación.",
        "pt": "Nenhuma: a especificação não indica rodadas (relatório de uma só rodada), "
        "portanto o relatório não tem seção de comparações; as estimativas são mostradas "
        "apenas no total e por desagregação.",
    },
    "adjust_holm": {
        "en": "Holm (family-wise error rate)",
        "es": "Holm (tasa de error por familia)",
        "pt": "Holm (taxa de erro por família)",
    },
    "adjust_bh": {
        "en": "Benjamini-Hochberg (false discovery rate)",
        "es": "Benjamini-Hochberg (tasa de falsos descubrimientos)",
        "pt": "Benjamini-Hochberg (taxa de falsas descobertas)",
    },
    "adjust_bonferroni": {"en": "Bonferroni", "es": "Bonferroni", "pt": "Bonferroni"},
    "adjust_by": {
        "en": "Benjamini-Yekutieli",
        "es": "Benjamini-Yekutieli",
        "pt": "Benjamini-Yekutieli",
    },
    "forest_note": {
        "en": "Significance: {adjust}-adjusted p-values across the battery (intervals unadjusted)",
        "es": "Significancia: valores p ajustados por {adjust} en toda la batería "
        "(intervalos sin ajustar)",
        "pt": "Significância: valores p ajustados por {adjust} em toda a bateria "
        "(intervalos sem ajuste)",
    },
    # ------------------------------------------------------------------ tables
    "all": {"en": "All", "es": "Total", "pt": "Total"},
    "by_breakdown": {"en": "By {name}", "es": "Por {name}", "pt": "Por {name}"},
    "yes": {"en": "yes", "es": "sí", "pt": "sim"},
    "no": {"en": "no", "es": "no", "pt": "não"},
    "unit_person": {"en": "person", "es": "persona", "pt": "pessoa"},
    "unit_household": {"en": "household", "es": "hogar", "pt": "domicílio"},
    "col_indicator": TEXT["indicator"],  # the figure term (survey._text: one source)
    "col_label": {"en": "Label", "es": "Etiqueta", "pt": "Rótulo"},
    "col_unit": {"en": "Unit", "es": "Unidad", "pt": "Unidade"},
    "col_definition": {"en": "Definition", "es": "Definición", "pt": "Definição"},
    "col_scale": {"en": "Scale", "es": "Escala", "pt": "Escala"},
    "col_estimate": TEXT["estimate"],  # the figure term (survey._text: one source)
    "col_reliability": TEXT["reliability"],  # the figure term (survey._text: one source)
    "col_baseline": {"en": "Baseline", "es": "Línea de base", "pt": "Linha de base"},
    "col_followup": {"en": "Follow-up", "es": "Seguimiento", "pt": "Acompanhamento"},
    "col_change": {"en": "Change", "es": "Cambio", "pt": "Mudança"},
    "col_change_control": {
        "en": "Change, comparison",
        "es": "Cambio, comparación",
        "pt": "Mudança, comparação",
    },
    "col_change_treated": {
        "en": "Change, treated",
        "es": "Cambio, tratamiento",
        "pt": "Mudança, tratamento",
    },
    "col_p_change": {
        "en": "p adj. (change)",
        "es": "p ajust. (cambio)",
        "pt": "p ajust. (mudança)",
    },
    "col_did": {"en": "DiD", "es": "DiD", "pt": "DiD"},
    "col_p_did": {"en": "p adj. (DiD)", "es": "p ajust. (DiD)", "pt": "p ajust. (DiD)"},
    "col_worsened": TEXT["worsened"],  # the figure term (survey._text: one source)
    "col_comparison": TEXT["comparison"],  # the figure term (survey._text: one source)
    "col_group": {"en": "Group", "es": "Grupo", "pt": "Grupo"},
    "col_p": {"en": "p", "es": "p", "pt": "p"},
    "col_p_adjusted": {"en": "Adjusted p", "es": "p ajustado", "pt": "p ajustado"},
    "scale_pct": {
        "en": "% (changes: percentage points)",
        "es": "% (cambios: puntos porcentuales)",
        "pt": "% (mudanças: pontos percentuais)",
    },
    "do_no_harm_title": {
        "en": "Do no harm: significant worsenings",
        "es": "Acción sin daño: empeoramientos significativos",
        "pt": "Não causar dano: pioras significativas",
    },
    "do_no_harm_note": {
        "en": "{k} of {n} published comparisons show a worsening in the unfavourable "
        "direction of the indicator that is significant before the multiplicity adjustment "
        "(unadjusted p-value; the adjusted p-value is shown beside it). Changes of shares in "
        "percentage points.",
        "es": "{k} de {n} comparaciones publicadas muestran un empeoramiento en la dirección "
        "desfavorable del indicador que es significativo antes del ajuste por multiplicidad "
        "(valor p sin ajustar; el valor p ajustado se muestra al lado). Cambios de "
        "proporciones en puntos porcentuales.",
        "pt": "{k} de {n} comparações publicadas mostram uma piora na direção desfavorável "
        "do indicador que é significativa antes do ajuste por multiplicidade (valor p não "
        "ajustado; o valor p ajustado é mostrado ao lado). Mudanças de proporções em pontos "
        "percentuais.",
    },
    "summary_did": {
        "en": "{k} of {n} indicators show a significant difference-in-differences.",
        "es": "{k} de {n} indicadores muestran una diferencia en diferencias significativa.",
        "pt": "{k} de {n} indicadores mostram uma diferença em diferenças significativa.",
    },
    "truth_cols": {
        "en": "Estimate of|Indicator|Estimate|CI lower|CI upper|True value|Covered",
        "es": "Estimación de|Indicador|Estimación|IC inferior|IC superior|Valor verdadero|Cubierto",
        "pt": "Estimativa de|Indicador|Estimativa|IC inferior|IC superior|Valor verdadeiro|Coberto",
    },
    "truth_note": {
        "en": "{k} of {n} intervals cover the true population value ({pct}%).",
        "es": "{k} de {n} intervalos cubren el valor poblacional verdadero ({pct}%).",
        "pt": "{k} de {n} intervalos cobrem o valor populacional verdadeiro ({pct}%).",
    },
    "truth_paragraph": {
        "en": "The demo data are a sample from a synthetic population whose true values are "
        "known (survey/datasets/demo_truth.json).",
        "es": "Los datos de demostración son una muestra de una población sintética cuyos "
        "valores verdaderos se conocen (survey/datasets/demo_truth.json).",
        "pt": "Os dados de demonstração são uma amostra de uma população sintética cujos "
        "valores verdadeiros são conhecidos (survey/datasets/demo_truth.json).",
    },
    "design_lonely": {
        "en": "strata with a single PSU: {meaning}",
        "es": "estratos con una sola UPM: {meaning}",
        "pt": "estratos com uma só UPA: {meaning}",
    },
    "lonely_adjust": {
        "en": "its deviation is measured from the overall mean (the 'adjust' option of R's survey package)",
        "es": "su desviación se mide respecto de la media general (la opción 'adjust' del paquete survey de R)",
        "pt": "seu desvio é medido em relação à média geral (a opção 'adjust' do pacote survey do R)",
    },
    "ci_logit": {
        "en": "logit (the interval is computed on the log-odds scale and transformed back, so it stays between 0 and 100%, as in R's survey package)",
        "es": "logit (el intervalo se calcula en la escala de los log-odds y se transforma de vuelta, por lo que queda entre 0 y 100%, como en el paquete survey de R)",
        "pt": "logit (o intervalo é calculado na escala dos log-odds e transformado de volta, de modo que fica entre 0 e 100%, como no pacote survey do R)",
    },
    "df_design": {
        "en": "Those of the whole design: PSUs minus strata = {df}.",
        "es": "Los del diseño completo: UPM menos estratos = {df}.",
        "pt": "Os do desenho completo: UPA menos estratos = {df}.",
    },
    "df_domain": {
        "en": "For each estimate, the PSUs minus the strata of the design that hold rows of its domain (whole design: {df}); the degrees of freedom used range from {lo} to {hi}.",
        "es": "Para cada estimación, las UPM menos los estratos del diseño que contienen casos de su dominio (diseño completo: {df}); los grados de libertad usados van de {lo} a {hi}.",
        "pt": "Para cada estimativa, as UPA menos os estratos do desenho que contêm casos do seu domínio (desenho completo: {df}); os graus de liberdade usados vão de {lo} a {hi}.",
    },
    "df_inf": {
        "en": "Normal quantiles (infinite degrees of freedom).",
        "es": "Cuantiles de la distribución normal (grados de libertad infinitos).",
        "pt": "Quantis da distribuição normal (graus de liberdade infinitos).",
    },
    "std_cepal2020": {
        "en": "the quality criteria of ECLAC (CEPAL, 2020) for estimates from household surveys",
        "es": "los criterios de calidad de la CEPAL (2020) para estimaciones a partir de encuestas de hogares",
        "pt": "os critérios de qualidade da CEPAL (2020) para estimativas de pesquisas domiciliares",
    },
    "std_cepal2020_symmetric": {
        "en": "the quality criteria of ECLAC (CEPAL, 2020), with the logarithmic coefficient of variation taken on the smaller of a share and its complement (so both get the same decision)",
        "es": "los criterios de calidad de la CEPAL (2020), con el coeficiente de variación logarítmico calculado sobre la menor de una proporción y su complemento (ambas reciben la misma decisión)",
        "pt": "os critérios de qualidade da CEPAL (2020), com o coeficiente de variação logarítmico calculado sobre a menor entre uma proporção e seu complemento (ambas recebem a mesma decisão)",
    },
    "std_cepal2023": {
        "en": "the updated quality criteria of ECLAC (CEPAL, 2023) for estimates from household surveys",
        "es": "los criterios de calidad actualizados de la CEPAL (2023) para estimaciones a partir de encuestas de hogares",
        "pt": "os critérios de qualidade atualizados da CEPAL (2023) para estimativas de pesquisas domiciliares",
    },
    "std_ine_chile2020": {
        "en": "the standard of Chile's National Statistics Institute (INE, 2020) for the quality of household-survey estimates",
        "es": "el estándar del Instituto Nacional de Estadísticas de Chile (INE, 2020) para evaluar la calidad de las estimaciones de encuestas de hogares",
        "pt": "o padrão do Instituto Nacional de Estatística do Chile (INE, 2020) para a qualidade das estimativas de pesquisas domiciliares",
    },
    "std_nchs": {
        "en": "the presentation standard of the US National Center for Health Statistics (NCHS)",
        "es": "la norma de presentación del Centro Nacional de Estadísticas de Salud de los Estados Unidos (NCHS)",
        "pt": "a norma de apresentação do Centro Nacional de Estatísticas de Saúde dos Estados Unidos (NCHS)",
    },
    "std_custom": {
        "en": "a rule defined in the report specification",
        "es": "una regla definida en la especificación del informe",
        "pt": "uma regra definida na especificação do relatório",
    },
    "quality_cepal": {
        "en": "Estimates follow {standard}. An estimate is suppressed when it rests on fewer than {min_n} sample cases, when its effective sample size (cases divided by the design effect) is below {min_n_eff}, or, for a share, when fewer than {min_cases} sampled units have the characteristic or its logarithmic coefficient of variation exceeds {max_log_cv}. It is published with caution when it has fewer than {min_df} degrees of freedom or a coefficient of variation of {max_cv} or more.",
        "es": "Las estimaciones siguen {standard}. Una estimación se suprime cuando se basa en menos de {min_n} casos de la muestra, cuando su tamaño de muestra efectivo (casos divididos por el efecto de diseño) es menor que {min_n_eff} o, en una proporción, cuando menos de {min_cases} unidades de la muestra tienen la característica o su coeficiente de variación logarítmico supera {max_log_cv}. Se publica con cautela cuando tiene menos de {min_df} grados de libertad o un coeficiente de variación de {max_cv} o más.",
        "pt": "As estimativas seguem {standard}. Uma estimativa é suprimida quando se baseia em menos de {min_n} casos da amostra, quando seu tamanho de amostra efetivo (casos divididos pelo efeito do desenho) é menor que {min_n_eff} ou, numa proporção, quando menos de {min_cases} unidades da amostra têm a característica ou seu coeficiente de variação logarítmico supera {max_log_cv}. É publicada com cautela quando tem menos de {min_df} graus de liberdade ou um coeficiente de variação de {max_cv} ou mais.",
    },
    "quality_cepal2023": {
        "en": "Estimates follow {standard}. An estimate is suppressed when its design effect is below {min_deff}, its effective sample size (cases divided by the design effect) is below {min_n_eff} or it has fewer than {min_df} degrees of freedom. A share is then reliable when its logarithmic coefficient of variation is at most {max_log_cv} and at least {cases_reliable} sampled units have the characteristic; with {cases_caution} to {cases_reliable_m1} such units, or with a larger logarithmic coefficient of variation for a share of 50% or more, it is published with caution; otherwise it is suppressed. Other estimates are reliable with a coefficient of variation up to {cv_reliable}, published with caution up to {cv_caution}, and suppressed above it or when they rest on fewer than {cases_caution} cases.",
        "es": "Las estimaciones siguen {standard}. Una estimación se suprime cuando su efecto de diseño es menor que {min_deff}, su tamaño de muestra efectivo (casos divididos por el efecto de diseño) es menor que {min_n_eff} o tiene menos de {min_df} grados de libertad. Una proporción es entonces fiable cuando su coeficiente de variación logarítmico es a lo sumo {max_log_cv} y al menos {cases_reliable} unidades de la muestra tienen la característica; con {cases_caution} a {cases_reliable_m1} de esas unidades, o con un coeficiente logarítmico mayor en una proporción de 50% o más, se publica con cautela; en otro caso se suprime. Las demás estimaciones son fiables con un coeficiente de variación de hasta {cv_reliable}, se publican con cautela hasta {cv_caution} y se suprimen por encima de ese valor o cuando se basan en menos de {cases_caution} casos.",
        "pt": "As estimativas seguem {standard}. Uma estimativa é suprimida quando seu efeito do desenho é menor que {min_deff}, seu tamanho de amostra efetivo (casos divididos pelo efeito do desenho) é menor que {min_n_eff} ou tem menos de {min_df} graus de liberdade. Uma proporção é então confiável quando seu coeficiente de variação logarítmico é no máximo {max_log_cv} e pelo menos {cases_reliable} unidades da amostra têm a característica; com {cases_caution} a {cases_reliable_m1} dessas unidades, ou com um coeficiente logarítmico maior numa proporção de 50% ou mais, é publicada com cautela; caso contrário é suprimida. As demais estimativas são confiáveis com coeficiente de variação de até {cv_reliable}, publicadas com cautela até {cv_caution} e suprimidas acima disso ou quando se baseiam em menos de {cases_caution} casos.",
    },
    "quality_ine": {
        "en": "Estimates follow {standard}. An estimate is not reliable (suppressed) when it rests on fewer than {min_n} sample cases or has fewer than {min_df} degrees of freedom. A share is reliable when its standard error does not exceed a limit that grows with the share (the smaller of p and 1 - p raised to 2/3, divided by 9), and is published with caution otherwise. Other estimates are reliable with a coefficient of variation up to {cv_reliable}, published with caution up to {cv_caution}, and suppressed above it.",
        "es": "Las estimaciones siguen {standard}. Una estimación no es fiable (se suprime) cuando se basa en menos de {min_n} casos de la muestra o tiene menos de {min_df} grados de libertad. Una proporción es fiable cuando su error estándar no supera un límite que crece con la proporción (la menor entre p y 1 - p elevada a 2/3, dividida por 9), y se publica con cautela en otro caso. Las demás estimaciones son fiables con un coeficiente de variación de hasta {cv_reliable}, se publican con cautela hasta {cv_caution} y se suprimen por encima.",
        "pt": "As estimativas seguem {standard}. Uma estimativa não é confiável (é suprimida) quando se baseia em menos de {min_n} casos da amostra ou tem menos de {min_df} graus de liberdade. Uma proporção é confiável quando seu erro padrão não supera um limite que cresce com a proporção (a menor entre p e 1 - p elevada a 2/3, dividida por 9), e é publicada com cautela caso contrário. As demais estimativas são confiáveis com coeficiente de variação de até {cv_reliable}, publicadas com cautela até {cv_caution} e suprimidas acima disso.",
    },
    "quality_cv": {
        "en": "Estimates follow {standard}. An estimate is suppressed when it rests on fewer than {min_n_suppress} sample cases or its relative standard error exceeds {cv_suppress}; it is published with caution with fewer than {min_n_reliable} cases or a relative standard error of {cv_caution} or more.",
        "es": "Las estimaciones siguen {standard}. Una estimación se suprime cuando se basa en menos de {min_n_suppress} casos de la muestra o su error estándar relativo supera {cv_suppress}; se publica con cautela con menos de {min_n_reliable} casos o un error estándar relativo de {cv_caution} o más.",
        "pt": "As estimativas seguem {standard}. Uma estimativa é suprimida quando se baseia em menos de {min_n_suppress} casos da amostra ou seu erro padrão relativo supera {cv_suppress}; é publicada com cautela com menos de {min_n_reliable} casos ou erro padrão relativo de {cv_caution} ou mais.",
    },
    "quality_common": {
        "en": " Case counts are the unweighted numbers of respondents.{calidad} Suppressed "
        "estimates are never printed (the tables give the reason); those to use with caution "
        "are marked †.",
        "es": " Los conteos de casos son números de personas u hogares encuestados, sin "
        "ponderar.{calidad} Las estimaciones suprimidas nunca se publican (las tablas indican "
        "el motivo); las que deben usarse con cautela se marcan con †.",
        "pt": " As contagens de casos são números de entrevistados, sem ponderação.{calidad} "
        "Estimativas suprimidas nunca são publicadas (as tabelas indicam o motivo); as que "
        "devem ser usadas com cautela são marcadas com †.",
    },
    "quality_calidad": {
        "en": " The criteria are applied as in the calidad package of INE Chile (version "
        "{version}).",
        "es": " Los criterios se aplican como en el paquete calidad del INE de Chile "
        "(versión {version}).",
        "pt": " Os critérios são aplicados como no pacote calidad do INE do Chile (versão "
        "{version}).",
    },
    "harm_crosswalk": {
        "en": "The data were harmonised with the crosswalk {cw}: {n} source variables were mapped onto the standard questionnaire items and recoded to the standard codes; every source value was either mapped or declared missing (no unknown codes): {pairs}. Columns the crosswalk does not claim (design, domains, and items without a standard counterpart) were used as they are.",
        "es": "Los datos se armonizaron con la tabla de correspondencias {cw}: {n} variables de origen se asignaron a ítems del cuestionario estándar y se recodificaron a los códigos estándar; cada valor de origen se asignó o se declaró faltante (sin códigos desconocidos): {pairs}. Las columnas que la tabla no reclama (diseño, dominios e ítems sin equivalente estándar) se usaron tal como vienen.",
        "pt": "Os dados foram harmonizados com a tabela de correspondência {cw}: {n} variáveis de origem foram associadas a itens do questionário padrão e recodificadas para os códigos padrão; cada valor de origem foi associado ou declarado ausente (sem códigos desconhecidos): {pairs}. As colunas que a tabela não reivindica (desenho, domínios e itens sem equivalente padrão) foram usadas como estão.",
    },
    "indicators_text": {
        "en": "{k} of {n} indicators follow the package's standard definitions ({entries}; the definition and items of each indicator are in the table of indicators below).",
        "es": "{k} de {n} indicadores siguen las definiciones estándar del paquete ({entries}; la definición y los ítems de cada indicador están en la tabla de indicadores más abajo).",
        "pt": "{k} de {n} indicadores seguem as definições padrão do pacote ({entries}; a definição e os itens de cada indicador estão na tabela de indicadores abaixo).",
    },
    "indicators_scale": {
        "en": " Shares are shown in percent (their changes in percentage points) in tables and figures alike, other indicators on their own scale (incidence: per person); results.csv keeps the unrounded estimates on the proportion scale (column 'scale').",
        "es": " Las proporciones se muestran en porcentaje (sus cambios en puntos porcentuales) tanto en tablas como en figuras, los demás indicadores en su propia escala (incidencia: por persona); results.csv conserva las estimaciones sin redondear en escala de proporción (columna 'scale').",
        "pt": " As proporções são mostradas em percentual (suas mudanças em pontos percentuais) em tabelas e figuras, os demais indicadores em sua própria escala (incidência: por pessoa); results.csv mantém as estimativas sem arredondamento na escala de proporção (coluna 'scale').",
    },
    "indicators_own": {
        "en": " {k} of {n} are defined in the report specification: {items}.",
        "es": " {k} de {n} se definen en la especificación del informe: {items}.",
        "pt": " {k} de {n} são definidos na especificação do relatório: {items}.",
    },
    "source_registry": {
        "en": "standard definition '{entry}'{args}",
        "es": "definición estándar '{entry}'{args}",
        "pt": "definição padrão '{entry}'{args}",
    },
    "source_items": {
        "en": " on {items}",
        "es": " sobre {items}",
        "pt": " sobre {items}",
    },
    "source_share": {
        "en": "share with {var} in {codes}",
        "es": "proporción con {var} en {codes}",
        "pt": "proporção com {var} em {codes}",
    },
    "source_mean": {
        "en": "mean of {var}",
        "es": "media de {var}",
        "pt": "média de {var}",
    },
    "comparisons_text": {
        "en": "Follow-up minus baseline, overall and within each group (the waves are domains of each unit's pooled design, so the difference is a design-based contrast that accounts for every covariance), and the difference in differences (change in the treatment group minus change in the comparison group, one contrast of the four group x wave estimates). Two-sided t tests (degrees of freedom: see above). Multiplicity: {adjust} adjustment within each contrast (the change in each group, the difference in differences) across the whole battery of indicators; 'significant' uses the adjusted p-value at the {alpha}% level. Do no harm: 'worsened' marks a change in the unfavourable direction of the indicator that is significant before the multiplicity adjustment (unadjusted p-value: a safety screen should not lose sensitivity to the correction); those rows are listed in the evaluation section. A comparison that uses a suppressed estimate is not printed.",
        "es": "Seguimiento menos línea de base, en total y dentro de cada grupo (las rondas son dominios del diseño combinado de cada unidad, de modo que la diferencia es un contraste basado en el diseño que considera todas las covarianzas), y diferencia en diferencias (cambio en el grupo de tratamiento menos cambio en el grupo de comparación, un contraste de las cuatro estimaciones grupo x ronda). Pruebas t bilaterales (grados de libertad: ver arriba). Multiplicidad: ajuste de {adjust} dentro de cada contraste (el cambio en cada grupo, la diferencia en diferencias) sobre toda la batería de indicadores; 'significativa' usa el valor p ajustado al nivel del {alpha}%. Acción sin daño: 'empeoró' marca un cambio en la dirección desfavorable del indicador que es significativo antes del ajuste por multiplicidad (valor p sin ajustar: un control de seguridad no debe perder sensibilidad por la corrección); esas filas se listan en la sección de evaluación. Una comparación que usa una estimación suprimida no se publica.",
        "pt": "Acompanhamento menos linha de base, no total e dentro de cada grupo (as rodadas são domínios do desenho combinado de cada unidade, de modo que a diferença é um contraste baseado no desenho que considera todas as covariâncias), e diferença em diferenças (mudança no grupo de tratamento menos mudança no grupo de comparação, um contraste das quatro estimativas grupo x rodada). Testes t bilaterais (graus de liberdade: ver acima). Multiplicidade: ajuste de {adjust} dentro de cada contraste (a mudança em cada grupo, a diferença em diferenças) sobre toda a bateria de indicadores; 'significativa' usa o valor p ajustado ao nível de {alpha}%. Não causar dano: 'piorou' marca uma mudança na direção desfavorável do indicador que é significativa antes do ajuste por multiplicidade (valor p não ajustado: um controle de segurança não deve perder sensibilidade com a correção); essas linhas são listadas na seção de avaliação. Uma comparação que usa uma estimativa suprimida não é publicada.",
    },
}


def rt(key: str, lang: str = "en", **fmt) -> str:
    """The report text ``key`` in ``lang`` (``en``, ``es``, ``pt``), formatted with ``fmt``."""
    return lookup(REPORT_TEXT, key, lang, **fmt)
