"""Methods annex text for small-area figures (es, en, pt), filled from a fitted model."""

from __future__ import annotations

import numpy as np

_METHOD = {
    "en": {
        "REML": "restricted maximum likelihood (REML)",
        "ML": "maximum likelihood (ML)",
        "FH": "the Fay-Herriot moment estimator",
        "AREML": "the Li-Lahiri adjusted residual likelihood (always positive)",
        "AML": "the Li-Lahiri adjusted profile likelihood (always positive)",
    },
    "es": {
        "REML": "máxima verosimilitud restringida (REML)",
        "ML": "máxima verosimilitud (ML)",
        "FH": "el estimador de momentos de Fay-Herriot",
        "AREML": "la verosimilitud residual ajustada de Li-Lahiri (siempre positiva)",
        "AML": "la verosimilitud perfil ajustada de Li-Lahiri (siempre positiva)",
    },
    "pt": {
        "REML": "máxima verossimilhança restrita (REML)",
        "ML": "máxima verossimilhança (ML)",
        "FH": "o estimador de momentos de Fay-Herriot",
        "AREML": "a verossimilhança residual ajustada de Li-Lahiri (sempre positiva)",
        "AML": "a verossimilhança perfilada ajustada de Li-Lahiri (sempre positiva)",
    },
}

_TEMPLATE = {
    "en": (
        "Small-area estimates of {variable} by {area} come from a Fay-Herriot area-level "
        "model. The direct estimate of each area and its sampling variance were computed "
        "with the survey design (Taylor linearisation on the full sample; degrees of freedom "
        "rule: {df_rule}). {transform}The model links the areas' true values to {k} "
        "covariate term(s) ({terms}) plus an area random effect whose variance, estimated by "
        "{method}, is {refvar:.4g}. Each area's estimate combines its direct estimate, with "
        "weight gamma = A / (A + D) (mean {shrink:.2f}), and the regression prediction; "
        "{m_out} area(s) without a usable direct estimate receive the regression prediction "
        "only. Mean squared errors: {mse_method}. {variance}{bench}Of {m} areas, "
        "{share_model:.0%} have a model-based coefficient of variation of at most 20% "
        "(direct: {share_direct:.0%}). Model-based figures are flagged with the CV criterion "
        "of the quality rule; they rest on the model, whose standardized residuals give a "
        "Shapiro-Wilk p-value of {sw_p:.3f}."
    ),
    "es": (
        "Las estimaciones para áreas pequeñas de {variable} por {area} provienen de un "
        "modelo de Fay-Herriot a nivel de área. La estimación directa de cada área y su "
        "varianza muestral se calcularon con el diseño muestral (linealización de Taylor "
        "sobre la muestra completa; regla de grados de libertad: {df_rule}). {transform}El "
        "modelo relaciona el valor verdadero de cada área con {k} término(s) de covariables "
        "({terms}) más un efecto aleatorio de área cuya varianza, estimada por {method}, es "
        "{refvar:.4g}. Cada estimación combina la estimación directa, con peso "
        "gamma = A / (A + D) (promedio {shrink:.2f}), y la predicción de la regresión; "
        "{m_out} área(s) sin estimación directa utilizable reciben solo la predicción de la "
        "regresión. Errores cuadráticos medios: {mse_method}. {variance}{bench}De {m} áreas, "
        "el {share_model:.0%} tiene un coeficiente de variación del modelo de a lo más 20% "
        "(directas: {share_direct:.0%}). Las cifras basadas en el modelo se califican con el "
        "criterio de CV de la regla de calidad; dependen del modelo, cuyos residuos "
        "estandarizados dan un valor p de Shapiro-Wilk de {sw_p:.3f}."
    ),
    "pt": (
        "As estimativas para pequenas áreas de {variable} por {area} vêm de um modelo de "
        "Fay-Herriot em nível de área. A estimativa direta de cada área e sua variância "
        "amostral foram calculadas com o desenho amostral (linearização de Taylor sobre a "
        "amostra completa; regra de graus de liberdade: {df_rule}). {transform}O modelo liga "
        "o valor verdadeiro de cada área a {k} termo(s) de covariáveis ({terms}) mais um "
        "efeito aleatório de área cuja variância, estimada por {method}, é {refvar:.4g}. Cada "
        "estimativa combina a estimativa direta, com peso gamma = A / (A + D) (média "
        "{shrink:.2f}), e a predição da regressão; {m_out} área(s) sem estimativa direta "
        "utilizável recebem só a predição da regressão. Erros quadráticos médios: "
        "{mse_method}. {variance}{bench}Das {m} áreas, {share_model:.0%} têm coeficiente de "
        "variação do modelo de no máximo 20% (diretas: {share_direct:.0%}). As cifras do "
        "modelo são classificadas com o critério de CV da regra de qualidade; dependem do "
        "modelo, cujos resíduos padronizados dão um valor p de Shapiro-Wilk de {sw_p:.3f}."
    ),
}

_TRANSFORM = {
    "en": "Proportions were modelled on the arcsine square-root scale with sampling variance "
    "1/(4 n_eff), n_eff = n / deff, and transformed back with a bias correction. ",
    "es": "Las proporciones se modelaron en la escala arcoseno de la raíz cuadrada con "
    "varianza muestral 1/(4 n_ef), n_ef = n / deff, y se retransformaron con corrección de "
    "sesgo. ",
    "pt": "As proporções foram modeladas na escala arco-seno da raiz quadrada com variância "
    "amostral 1/(4 n_ef), n_ef = n / deff, e retransformadas com correção de viés. ",
}
_VARIANCE = {
    "en": "Direct variances of {n} area(s) were replaced by a generalised variance function "
    "(log variance on log n and the estimate). ",
    "es": "Las varianzas directas de {n} área(s) se reemplazaron por una función de varianza "
    "generalizada (log de la varianza sobre log n y la estimación). ",
    "pt": "As variâncias diretas de {n} área(s) foram substituídas por uma função de variância "
    "generalizada (log da variância sobre log n e a estimativa). ",
}
_BENCH = {
    "en": "Estimates were benchmarked ({method}) to the direct estimates of {groups} group(s). ",
    "es": "Las estimaciones se ajustaron ({method}) a las estimaciones directas de {groups} "
    "grupo(s). ",
    "pt": "As estimativas foram ajustadas ({method}) às estimativas diretas de {groups} grupo(s). ",
}


def methods_annex(result, lang: str = "en") -> str:
    """A paragraph describing the model, its inputs and its quality, in ``lang``."""
    from survey.sae.diagnostics import diagnostics

    if lang not in _TEMPLATE:
        raise ValueError(f"lang={lang!r}: use one of {', '.join(_TEMPLATE)}")
    _, summ = diagnostics(result)
    ch = result.choices
    terms = [t for t in result.coefficients["term"] if t != "(Intercept)"]
    gvf = ch.get("variance") or {}
    bench = ch.get("benchmark")
    return _TEMPLATE[lang].format(
        variable=result.variable,
        area=result.area,
        df_rule=ch.get("df_rule") or "-",
        transform=_TRANSFORM[lang] if ch.get("transform") == "arcsin" else "",
        k=len(terms),
        terms=", ".join(terms) or "-",
        method=_METHOD[lang][result.model["method"]],
        refvar=result.model["refvar"],
        shrink=summ["mean_shrinkage"],
        m_out=result.model["m_out_of_sample"],
        mse_method=result.model["mse_method"],
        variance=_VARIANCE[lang].format(n=gvf["n_replaced"]) if gvf.get("n_replaced") else "",
        bench=_BENCH[lang].format(**bench) if bench else "",
        m=summ["areas"],
        share_model=summ["share_cv_le_20_all"],
        share_direct=summ["share_direct_cv_le_20"],
        sw_p=summ["shapiro_residuals"]["p_value"]
        if np.isfinite(summ["shapiro_residuals"]["p_value"])
        else float("nan"),
    )
