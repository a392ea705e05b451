# Golden values: svyglm without an intercept keeps every level of the first factor
# (R's model.matrix: with no intercept the first factor main effect is coded with one
# indicator per level; later factors keep treatment contrasts). Issue 11.
#
# Run from the repository root:   Rscript tests/golden/compare_noint.R
# Writes tests/golden/compare_noint.json. Data: R's api data (Python reads
# ../shared/realdata/rsurvey/*.csv, equal to R's objects).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
num <- function(x) as.list(unname(as.numeric(x)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) num(m[i, ]))

data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
DESIGNS <- list(
  apistrat = list(data = "rsurvey:apistrat.csv", weight = "pw", strata = "stype", psu = NULL, fpc = "fpc"),
  apiclus1 = list(data = "rsurvey:apiclus1.csv", weight = "pw", strata = NULL, psu = "dnum", fpc = "fpc")
)
glmcase <- function(id, r_call, design, formula) {
  m <- eval(parse(text = r_call))
  add(list(id = id, kind = "svyglm", r_call = r_call, design = design, formula = formula,
           family = "gaussian", terms = as.list(names(coef(m))), coef = num(coef(m)),
           vcov = mat(vcov(m)), df_residual = m$df.residual, ci = mat(confint(m))))
}
glmcase("noint_factor", "svyglm(api00 ~ comp.imp - 1, dstrat)", "apistrat", "api00 ~ comp.imp - 1")
glmcase("noint_factor_clus", "svyglm(api00 ~ comp.imp - 1, dclus1)", "apiclus1", "api00 ~ comp.imp - 1")
glmcase("noint_two_factors", "svyglm(api00 ~ stype + comp.imp - 1, dclus1)", "apiclus1",
        "api00 ~ stype + comp.imp - 1")
glmcase("noint_numeric_first", "svyglm(api00 ~ ell + stype + 0, dclus1)", "apiclus1",
        "api00 ~ ell + stype + 0")
glmcase("noint_numeric_only", "svyglm(api00 ~ ell + meals - 1, dstrat)", "apistrat",
        "api00 ~ ell + meals - 1")

write_golden(cases, "compare_noint.json", "compare_noint.R", extra_header = list(designs = DESIGNS))
