# Golden values for svyglm with family = quasibinomial / binomial (logit link) at R's DEFAULT
# glm.control (epsilon 1e-8, maxit 25), on ?svyglm's designs (dstrat, dclus2 and their
# as.svrepdesign replicates rstrat (JKn) and rclus2 (JK1)) and dclus1. R stops glm.fit when
# the deviance changes by less than epsilon relative and its sandwich (svy.varcoef) uses the
# working weights of that last iteration: the SEs differ from a fully converged fit by up to
# ~1e-5 relative, so the Python side replays glm.fit to agree to 1e-8 at R's defaults.
#
# Run from the repository root:   Rscript tests/golden/svyglm_binomial.R -> svyglm_binomial.json
# Python reads the api data from ../shared/realdata/rsurvey (tests skip without it).
# Responses: sch.wide and comp.imp are factors in R (No/Yes): the model is for "Yes"; the
# Python side builds the 0/1 column named in `response`.

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rstrat <- as.svrepdesign(dstrat)
rclus2 <- as.svrepdesign(dclus2)
designs <- list(dstrat = dstrat, dclus2 = dclus2, dclus1 = dclus1, rstrat = rstrat,
                rclus2 = rclus2)
models <- list(
  list(formula = "sch.wide ~ ell + meals + mobility", response = "sch.wide", yes = "Yes"),
  list(formula = "comp.imp ~ api99 + stype", response = "comp.imp", yes = "Yes"),
  list(formula = "sch.wide ~ acs.k3 + pct.resp", response = "sch.wide", yes = "Yes")  # NAs
)
cases <- list()
for (dn in names(designs)) for (m in models) for (fam in c("quasibinomial", "binomial")) {
  if (fam == "binomial" && !(dn %in% c("dstrat", "rclus2"))) next
  fit <- suppressWarnings(svyglm(as.formula(m$formula), design = designs[[dn]],
                                 family = get(fam)()))
  cases[[length(cases) + 1]] <- list(design = dn, family = fam, formula = m$formula,
    response = m$response, yes = m$yes,
    r_call = sprintf("svyglm(%s, design = %s, family = %s())", m$formula, dn, fam),
    terms = as.list(names(coef(fit))), coef = as.list(unname(coef(fit))),
    se = as.list(unname(SE(fit))), df_residual = fit$df.residual, iter = fit$iter)
}
# svycontrast of a fitted model (R: delta method with vcov(fit); svrepglm likewise): odds
# ratios and combinations of coefficients
for (dn in c("dstrat", "rstrat")) {
  fit <- svyglm(sch.wide ~ ell + meals + mobility, design = designs[[dn]], family = quasibinomial())
  spec <- list(or_ell = quote(exp(ell)), ratio = quote(ell / meals),
               or_int = quote(exp(`(Intercept)` + 10 * ell)))
  cn <- svycontrast(fit, spec)
  # (R 4.1.1 cannot take a linear contrast of a svrepglm: crossprod of its NULL replicates)
  lin <- if (dn == "dstrat") svycontrast(fit, c(ell = 1, meals = -1)) else NULL
  cases[[length(cases) + 1]] <- list(kind = "contrast", design = dn, family = "quasibinomial",
    formula = "sch.wide ~ ell + meals + mobility",
    r_call = sprintf("svycontrast(svyglm(sch.wide ~ ell + meals + mobility, %s, family = quasibinomial()), list(or_ell = quote(exp(ell)), ratio = quote(ell/meals), or_int = quote(exp(`(Intercept)` + 10*ell))))", dn),
    expressions = lapply(spec, function(e) paste(deparse(e), collapse = "")),
    estimate = as.list(as.numeric(unclass(cn))), se = as.list(sqrt(diag(as.matrix(attr(cn, "var"))))),
    linear = list(ell = 1, meals = -1),
    linear_estimate = if (is.null(lin)) NULL else as.numeric(unclass(lin)),
    linear_se = if (is.null(lin)) NULL else as.numeric(sqrt(attr(lin, "var"))))
}
write_golden(cases, "svyglm_binomial.json", "svyglm_binomial.R")
