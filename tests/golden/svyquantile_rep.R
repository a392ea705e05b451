# Golden values for svyquantile(interval.type = "quantile") on replicate designs (survey 4.1.1:
# the quantile recomputed with each replicate's weights, SE from svrVar, CI qhat +- t SE on
# degf(design) df), as in ?svyquantile (rclus1 <- as.svrepdesign(dclus1); bootstrap and BRR
# not used: JK1/JKn as the package builds them). Run from the repository root:
#   Rscript tests/golden/svyquantile_rep.R  -> tests/golden/svyquantile_rep.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
designs <- list(rclus1 = as.svrepdesign(dclus1), rstrat = as.svrepdesign(dstrat, type = "JKn"))
cases <- list()
for (dn in names(designs)) for (v in c("api00", "acs.k3")) {
  r <- suppressWarnings(svyquantile(as.formula(paste0("~", v)), designs[[dn]],
    c(0.25, 0.5, 0.9), interval.type = "quantile", na.rm = TRUE))[[v]]
  cases[[length(cases) + 1]] <- list(design = dn, variable = v, q = list(0.25, 0.5, 0.9),
    r_call = sprintf("svyquantile(~%s, %s, c(0.25, 0.5, 0.9), interval.type = 'quantile', na.rm = TRUE)", v, dn),
    estimate = as.list(r[, 1]), ci_low = as.list(r[, 2]), ci_high = as.list(r[, 3]),
    se = as.list(r[, 4]), df = degf(designs[[dn]]))
}
write_golden(cases, "svyquantile_rep.json", "svyquantile_rep.R")
