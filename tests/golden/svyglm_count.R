# Golden values for svyglm with family = poisson / quasipoisson (log link), with and without
# an offset (exposure), on R's api data, Taylor and replicate designs (?svyglm's designs:
# dstrat, dclus2 and their as.svrepdesign replicates). R's default glm.control (epsilon 1e-8):
# the Python side replays glm.fit, so coefficients and SEs agree to 1e-8 at R's defaults.
#
# Run from the repository root:   Rscript tests/golden/svyglm_count.R  -> tests/golden/svyglm_count.json
# Python reads the api data from ../shared/realdata/rsurvey (tests skip without it).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
rstrat <- as.svrepdesign(dstrat)
rclus2 <- as.svrepdesign(dclus2)
designs <- list(dstrat = dstrat, dclus2 = dclus2, rstrat = rstrat, rclus2 = rclus2)
models <- list(
  list(formula = "emer ~ ell + meals", offset = NULL),
  list(formula = "api.stu ~ ell + stype", offset = "enroll"),
  list(formula = "acs.k3 ~ meals", offset = NULL)          # NAs in the response
)
cases <- list()
for (dn in names(designs)) for (m in models) for (fam in c("poisson", "quasipoisson")) {
  f <- m$formula
  if (!is.null(m$offset)) f <- paste0(f, " + offset(log(", m$offset, "))")
  fit <- suppressWarnings(svyglm(as.formula(f), design = designs[[dn]],
                                 family = get(fam)()))
  cases[[length(cases) + 1]] <- list(design = dn, family = fam, formula = m$formula,
    offset = m$offset, r_call = sprintf("svyglm(%s, design = %s, family = %s())", f, dn, fam),
    terms = as.list(names(coef(fit))), coef = as.list(unname(coef(fit))),
    se = as.list(unname(SE(fit))), df_residual = fit$df.residual)
}
write_golden(cases, "svyglm_count.json", "svyglm_count.R")
