# Golden values for svyranktest (two groups), from ?svyranktest's examples on R's api data:
# svyranktest(ell ~ comp.imp, dclus1) and the vanderWaerden / median tests, plus a stratified
# design and an outcome with NAs. Run from the repository root:
#   Rscript tests/golden/svyranktest.R   -> tests/golden/svyranktest.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
designs <- list(dclus1 = dclus1, dstrat = dstrat)
cases <- list()
for (dn in names(designs)) for (f in c("ell ~ comp.imp", "api00 ~ sch.wide", "acs.k3 ~ awards"))
  for (test in c("wilcoxon", "vanderWaerden", "median")) {
    r <- svyranktest(as.formula(f), designs[[dn]], test = test)
    parts <- strsplit(f, " ~ ")[[1]]
    cases[[length(cases) + 1]] <- list(design = dn, variable = parts[1], group = parts[2],
      test = test, r_call = sprintf("svyranktest(%s, %s, test = '%s')", f, dn, test),
      estimate = unname(r$estimate), t = unname(r$statistic), df = unname(r$parameter),
      p_value = unname(r$p.value))
  }
# k groups (R's multiranktest): ?svyranktest's svyranktest(ell ~ stype, dclus1)
for (dn in names(designs)) for (f in c("ell ~ stype", "enroll ~ stype"))
  for (test in c("wilcoxon", "vanderWaerden", "median")) {
    r <- svyranktest(as.formula(f), designs[[dn]], test = test)
    parts <- strsplit(f, " ~ ")[[1]]
    cases[[length(cases) + 1]] <- list(design = dn, variable = parts[1], group = parts[2],
      test = test, r_call = sprintf("svyranktest(%s, %s, test = '%s')", f, dn, test),
      chisq = unname(r$parameter), ndf = unname(r$statistic), df = unname(r$ddf),
      p_value = unname(r$p.value))
  }
write_golden(cases, "svyranktest.json", "svyranktest.R")
