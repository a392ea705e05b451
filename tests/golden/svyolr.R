# Golden values for svyolr (proportional-odds / ordinal regression with design-based
# sandwich SEs), from ?svyolr and R's tests/svyolr.R: svyolr(mealcat ~ avg.ed + mobility +
# stype, dclus1) with mealcat = cut(meals, c(0, 25, 50, 75, 100)), its probit and cloglog
# versions, a stratified design (apistrat, avg.ed with NAs), a post-stratified design (survey
# 4.1.1 fails on calibrated designs with NA rows: that case uses complete variables) and JK1.
# Each case also records the fit at optim(control = list(reltol = 1e-14)) (R's default
# stops BFGS at reltol ~1.5e-8). Run from the repository root:
#   Rscript tests/golden/svyolr.R   -> tests/golden/svyolr.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
# R's api data as exported to ../shared/realdata/rsurvey (15 significant digits): the same
# doubles as the Python side reads, so the replayed optimiser sees identical inputs
apiclus1 <- read.csv(file.path(REALDATA, "rsurvey/apiclus1.csv"))
apistrat <- read.csv(file.path(REALDATA, "rsurvey/apistrat.csv"))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus1 <- update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat <- update(dstrat, mealcat = cut(meals, c(0, 25, 50, 75, 100)))
pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dclus1p <- postStratify(dclus1, ~stype, pop.types)
jk1 <- as.svrepdesign(dclus1, type = "JK1")
designs <- list(dclus1 = dclus1, dstrat = dstrat, dclus1p = dclus1p, jk1 = jk1)
specs <- list(
  list("dclus1", "mealcat ~ avg.ed + mobility + stype", "logistic"),
  list("dclus1", "mealcat ~ avg.ed + mobility + stype", "probit"),
  list("dclus1", "mealcat ~ avg.ed + mobility + stype", "cloglog"),
  list("dclus1", "mealcat ~ avg.ed", "logistic"),
  list("dstrat", "mealcat ~ avg.ed + mobility", "logistic"),
  list("dstrat", "mealcat ~ avg.ed + mobility", "probit"),
  list("dclus1p", "mealcat ~ mobility + stype", "logistic"),
  list("dclus1", "mealcat ~ mobility + stype", "logistic"),
  list("jk1", "mealcat ~ avg.ed + mobility + stype", "logistic")
)
cases <- list()
for (s in specs) {
  dn <- s[[1]]; f <- s[[2]]; meth <- s[[3]]
  d <- designs[[dn]]
  fit_one <- function(...) {
    if (inherits(d, "svyrep.design")) svyolr(as.formula(f), d, ...)
    else svyolr(as.formula(f), d, method = meth, ...)
  }
  m <- fit_one()
  t <- fit_one(control = list(reltol = 1e-14, maxit = 1000))
  V <- vcov(m)
  Vt <- vcov(t)
  cases[[length(cases) + 1]] <- list(
    id = paste(dn, f, meth), design = dn, formula = f, method = meth,
    r_call = sprintf("svyolr(%s, %s, method = '%s')", f, dn, meth),
    names = as.list(names(coef(m))), coef = as.list(unname(coef(m))),
    vcov = lapply(seq_len(nrow(V)), function(i) as.list(unname(V[i, ]))),
    counts = as.list(unname(m$niter)), df_residual = m$df.residual,
    deviance = m$deviance,
    coef_tight = as.list(unname(coef(t))),
    vcov_tight = lapply(seq_len(nrow(Vt)), function(i) as.list(unname(Vt[i, ])))
  )
}
write_golden(cases, "svyolr.json", "svyolr.R")
