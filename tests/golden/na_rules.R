# Golden values: what na="available" and na="listwise" equal in R (issue 11).
# available = each variable on its own complete rows (svymean(~y, na.rm=TRUE) per variable);
# listwise  = rows missing ANY variable of the call drop out (svymean(~y1+y2, na.rm=TRUE)).
#
# Run from the repository root:   Rscript tests/golden/na_rules.R  -> tests/golden/na_rules.json

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
cases <- list()
for (d in list(list(id = "apistrat", des = dstrat), list(id = "apiclus1", des = dclus1))) {
  both <- svymean(~api00 + acs.k3, d$des, na.rm = TRUE)
  a1 <- svymean(~api00, d$des, na.rm = TRUE)
  a2 <- svymean(~acs.k3, d$des, na.rm = TRUE)
  cases[[length(cases) + 1]] <- list(
    id = d$id, r_call = "svymean(~api00 + acs.k3, design, na.rm = TRUE) vs svymean(~api00, ...) and svymean(~acs.k3, ...)",
    listwise = as.list(unname(coef(both))), listwise_se = as.list(unname(SE(both))),
    available = list(unname(coef(a1)), unname(coef(a2))),
    available_se = list(unname(SE(a1)), unname(SE(a2))))
}
write_golden(cases, "na_rules.json", "na_rules.R")
