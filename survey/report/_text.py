"""The one translation table of the report's own text (methods annex, table headings, notes).

Every sentence the report writes (apart from figure text, which lives in
:mod:`survey.plots._text`, and names from the spec or the data) is an entry here with its
English, Spanish and Portuguese version; :func:`rt` picks and formats one. Placeholders
(``{name}``) are filled with numbers, file and column names. A test renders a Spanish
report and checks that no English sentence of this table appears in it.
"""

from __future__ import annotations

from survey.plots._text import lookup

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
    "design_lonely": {
        "en": "strata with a single PSU: lonely_psu = '{policy}' ({meaning})",
        "es": "estratos con una sola UPM: lonely_psu = '{policy}' ({meaning})",
        "pt": "estratos com uma só UPA: lonely_psu = '{policy}' ({meaning})",
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
    "lonely_adjust": {
        "en": "its deviation is taken from the grand mean, R's survey.lonely.psu = 'adjust'",
        "es": "su desviación se mide respecto de la media general, como "
        "survey.lonely.psu = 'adjust' de R",
        "pt": "seu desvio é medido em relação à média geral, como survey.lonely.psu = "
        "'adjust' do R",
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
    "ci_logit": {
        "en": "logit (interval on the logit scale, R svyciprop)",
        "es": "logit (intervalo en la escala logit, svyciprop de R)",
        "pt": "logit (intervalo na escala logit, svyciprop do R)",
    },
    "ci_other": {
        "en": "method '{method}' (R svyciprop)",
        "es": "método '{method}' (svyciprop de R)",
        "pt": "método '{method}' (svyciprop do R)",
    },
    "df_design": {
        "en": "Rule 'design': PSUs minus strata of the design = {df}.",
        "es": "Regla 'design': UPM menos estratos del diseño = {df}.",
        "pt": "Regra 'design': UPA menos estratos do desenho = {df}.",
    },
    "df_domain": {
        "en": "Rule 'domain': for each estimate, the PSUs minus the strata of the design that "
        "hold rows of its domain (whole design: {df}); the degrees of freedom used range "
        "from {lo} to {hi}.",
        "es": "Regla 'domain': para cada estimación, las UPM menos los estratos del diseño "
        "que contienen casos de su dominio (diseño completo: {df}); los grados de libertad "
        "usados van de {lo} a {hi}.",
        "pt": "Regra 'domain': para cada estimativa, as UPA menos os estratos do desenho que "
        "contêm casos do seu domínio (desenho completo: {df}); os graus de liberdade usados "
        "vão de {lo} a {hi}.",
    },
    "df_inf": {
        "en": "Rule 'inf': normal quantiles (infinite degrees of freedom).",
        "es": "Regla 'inf': cuantiles de la normal (grados de libertad infinitos).",
        "pt": "Regra 'inf': quantis da normal (graus de liberdade infinitos).",
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
    "quality_text": {
        "en": "Rule '{name}' of survey.indicators.quality ({thresholds}); source: {source}. "
        "Suppressed estimates are never printed; 'caution' ones are marked †.",
        "es": "Regla '{name}' de survey.indicators.quality ({thresholds}); fuente: {source}. "
        "Las estimaciones suprimidas nunca se publican; las de 'cautela' se marcan con †.",
        "pt": "Regra '{name}' de survey.indicators.quality ({thresholds}); fonte: {source}. "
        "Estimativas suprimidas nunca são publicadas; as de 'cautela' são marcadas com †.",
    },
    "harm_none": {
        "en": "No crosswalk: the data were used with their own column names and codes (the "
        "indicator definitions name those columns).",
        "es": "Sin tabla de correspondencias: los datos se usaron con sus propios nombres de "
        "columna y códigos (las definiciones de los indicadores nombran esas columnas).",
        "pt": "Sem tabela de correspondência: os dados foram usados com seus próprios nomes de "
        "coluna e códigos (as definições dos indicadores nomeiam essas colunas).",
    },
    "harm_crosswalk": {
        "en": "The data were harmonised with the crosswalk {cw} (survey.instruments.harmonize): "
        "{n} source variables were mapped onto standard item ids of questionnaires/ and "
        "recoded to the standard codes; every source value was either mapped or declared "
        "missing (no unknown codes): {pairs}. Columns the crosswalk does not claim (design, "
        "domains, and items without a standard counterpart) were used as they are.",
        "es": "Los datos se armonizaron con la tabla de correspondencias {cw} "
        "(survey.instruments.harmonize): {n} variables de origen se asignaron a ítems "
        "estándar de questionnaires/ y se recodificaron a los códigos estándar; cada valor de "
        "origen se asignó o se declaró faltante (sin códigos desconocidos): {pairs}. Las "
        "columnas que la tabla no reclama (diseño, dominios e ítems sin equivalente "
        "estándar) se usaron tal como vienen.",
        "pt": "Os dados foram harmonizados com a tabela de correspondência {cw} "
        "(survey.instruments.harmonize): {n} variáveis de origem foram associadas a itens "
        "padrão de questionnaires/ e recodificadas para os códigos padrão; cada valor de "
        "origem foi associado ou declarado ausente (sem códigos desconhecidos): {pairs}. As "
        "colunas que a tabela não reivindica (desenho, domínios e itens sem equivalente "
        "padrão) foram usadas como estão.",
    },
    "indicators_text": {
        "en": "{k} of {n} indicators were computed by survey.indicators registry functions "
        "({entries}; entry and arguments per indicator in the table of indicators below). "
        "Shares are shown in percent (their changes in percentage points) in tables and "
        "figures alike, other indicators on their own scale (incidence: per person); "
        "results.csv keeps the unrounded estimates on the proportion scale (column 'scale').",
        "es": "{k} de {n} indicadores se calcularon con funciones del registro de "
        "survey.indicators ({entries}; entrada y argumentos de cada indicador en la tabla de "
        "indicadores más abajo). Las proporciones se muestran en porcentaje (sus cambios en "
        "puntos porcentuales) tanto en tablas como en figuras, los demás indicadores en su "
        "propia escala (incidencia: por persona); results.csv conserva las estimaciones sin "
        "redondear en escala de proporción (columna 'scale').",
        "pt": "{k} de {n} indicadores foram calculados com funções do registro de "
        "survey.indicators ({entries}; entrada e argumentos de cada indicador na tabela de "
        "indicadores abaixo). As proporções são mostradas em percentual (suas mudanças em "
        "pontos percentuais) em tabelas e figuras, os demais indicadores em sua própria "
        "escala (incidência: por pessoa); results.csv mantém as estimativas sem "
        "arredondamento na escala de proporção (coluna 'scale').",
    },
    "indicators_own": {
        "en": " {k} are spec-defined (no registry indicator fits): {items}.",
        "es": " {k} se definen en la especificación (ningún indicador del registro "
        "corresponde): {items}.",
        "pt": " {k} são definidos na especificação (nenhum indicador do registro "
        "corresponde): {items}.",
    },
    "source_registry": {
        "en": "survey.indicators registry '{entry}'{args}",
        "es": "registro de survey.indicators '{entry}'{args}",
        "pt": "registro de survey.indicators '{entry}'{args}",
    },
    "source_share": {
        "en": "spec: {var} in {codes}",
        "es": "especificación: {var} en {codes}",
        "pt": "especificação: {var} em {codes}",
    },
    "source_base": {"en": " among {base}", "es": " entre {base}", "pt": " entre {base}"},
    "source_mean": {
        "en": "spec: mean of {var}",
        "es": "especificación: media de {var}",
        "pt": "especificação: média de {var}",
    },
    "comparisons_text": {
        "en": "survey.compare: follow-up minus baseline overall and within each group "
        "(compare_within: the waves are domains of each unit's pooled design, so the "
        "difference is a design-based contrast with every covariance), and difference-in-"
        "differences (did: change in the treatment group minus change in the comparison "
        "group, one contrast of the four group x wave domain estimates). Two-sided t tests "
        "(degrees of freedom: see above). Multiplicity: {adjust} adjustment within each "
        "contrast (the change in each group, the DiD) across the whole indicator battery; "
        "'significant' uses the adjusted p-value at the {alpha}% level. Do no harm: "
        "'worsened' marks a change in the unfavourable direction of the indicator that is "
        "significant before the multiplicity adjustment (unadjusted p-value: a safety screen "
        "should not lose sensitivity to the correction; survey.compare.do_no_harm); those "
        "rows are listed in the evaluation section. A comparison that uses a suppressed "
        "estimate is not printed.",
        "es": "survey.compare: seguimiento menos línea de base, en total y dentro de cada "
        "grupo (compare_within: las rondas son dominios del diseño combinado de cada unidad, "
        "de modo que la diferencia es un contraste basado en el diseño con todas las "
        "covarianzas), y diferencia en diferencias (did: cambio en el grupo de tratamiento "
        "menos cambio en el grupo de comparación, un contraste de las cuatro estimaciones "
        "de dominio grupo x ronda). Pruebas t bilaterales (grados de libertad: ver arriba). "
        "Multiplicidad: ajuste de {adjust} dentro de cada contraste (el cambio en cada grupo, "
        "la DiD) sobre toda la batería de indicadores; 'significativa' usa el valor p "
        "ajustado al nivel del {alpha}%. Acción sin daño: 'empeoró' marca un cambio en la "
        "dirección desfavorable del indicador que es significativo antes del ajuste por "
        "multiplicidad (valor p sin ajustar: un control de seguridad no debe perder "
        "sensibilidad por la corrección; survey.compare.do_no_harm); esas filas se listan "
        "en la sección de evaluación. Una comparación que usa una estimación suprimida no "
        "se publica.",
        "pt": "survey.compare: acompanhamento menos linha de base, no total e dentro de cada "
        "grupo (compare_within: as rodadas são domínios do desenho combinado de cada "
        "unidade, de modo que a diferença é um contraste baseado no desenho com todas as "
        "covariâncias), e diferença em diferenças (did: mudança no grupo de tratamento menos "
        "mudança no grupo de comparação, um contraste das quatro estimativas de domínio "
        "grupo x rodada). Testes t bilaterais (graus de liberdade: ver acima). "
        "Multiplicidade: ajuste de {adjust} dentro de cada contraste (a mudança em cada "
        "grupo, a DiD) sobre toda a bateria de indicadores; 'significativa' usa o valor p "
        "ajustado ao nível de {alpha}%. Não causar dano: 'piorou' marca uma mudança na "
        "direção desfavorável do indicador que é significativa antes do ajuste por "
        "multiplicidade (valor p não ajustado: um controle de segurança não deve perder "
        "sensibilidade com a correção; survey.compare.do_no_harm); essas linhas são listadas "
        "na seção de avaliação. Uma comparação que usa uma estimativa suprimida não é "
        "publicada.",
    },
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
    "col_indicator": {"en": "Indicator", "es": "Indicador", "pt": "Indicador"},
    "col_label": {"en": "Label", "es": "Etiqueta", "pt": "Rótulo"},
    "col_unit": {"en": "Unit", "es": "Unidad", "pt": "Unidade"},
    "col_definition": {"en": "Definition", "es": "Definición", "pt": "Definição"},
    "col_scale": {"en": "Scale", "es": "Escala", "pt": "Escala"},
    "col_estimate": {"en": "Estimate", "es": "Estimación", "pt": "Estimativa"},
    "col_reliability": {"en": "Reliability", "es": "Confiabilidad", "pt": "Confiabilidade"},
    "col_baseline": {"en": "Baseline", "es": "Línea de base", "pt": "Linha de base"},
    "col_followup": {"en": "Follow-up", "es": "Seguimiento", "pt": "Acompanhamento"},
    "col_change": {"en": "Change", "es": "Cambio", "pt": "Mudança"},
    "col_p_change": {
        "en": "p adj. (change)",
        "es": "p ajust. (cambio)",
        "pt": "p ajust. (mudança)",
    },
    "col_did": {"en": "DiD", "es": "DiD", "pt": "DiD"},
    "col_p_did": {"en": "p adj. (DiD)", "es": "p ajust. (DiD)", "pt": "p ajust. (DiD)"},
    "col_worsened": {"en": "Worsened", "es": "Empeoró", "pt": "Piorou"},
    "col_comparison": {"en": "Comparison", "es": "Comparación", "pt": "Comparação"},
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
}


def rt(key: str, lang: str = "en", **fmt) -> str:
    """The report text ``key`` in ``lang`` (``en``, ``es``, ``pt``), formatted with ``fmt``."""
    return lookup(REPORT_TEXT, key, lang, **fmt)
