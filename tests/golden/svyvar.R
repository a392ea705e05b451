# Golden values for svyvar (variances and covariances of variables), from R survey's own help
# example (?svyvar: svyvar(~api00+enroll, dclus1); svyvar(~api00+enroll, rclus1)) and svyby.
#
# Run from the repository root:   Rscript tests/golden/svyvar.R   -> tests/golden/svyvar.json
# Data: R's api data, read by Python from ../shared/realdata/rsurvey (tests skip without it).
# Pairs j <= k of the covariance matrix, SE from attr(, "var") (R's vcov of the p x p matrix).
# na.rm = TRUE drops rows missing any variable (acs.k3 has NAs in apiclus1 and apistrat).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
rclus1 <- as.svrepdesign(dclus1)            # JK1, as in ?svyvar
rstrat <- as.svrepdesign(dstrat, type = "JKn")
designs <- list(dclus1 = dclus1, dstrat = dstrat, rclus1 = rclus1, rstrat = rstrat)

cases <- list()
pairs <- function(v, vars) {
  p <- length(vars)
  est <- as.matrix(v)
  se <- sqrt(diag(as.matrix(attr(v, "var"))))
  rows <- list()
  for (j in seq_len(p)) for (k in j:p) {
    idx <- (k - 1) * p + j
    rows[[length(rows) + 1]] <- list(variable = vars[j], with = vars[k],
      estimate = unname(est[j, k]), se = unname(se[idx]))
  }
  rows
}
for (dn in names(designs)) {
  des <- designs[[dn]]
  for (vars in list(c("api00"), c("api00", "enroll"), c("api00", "enroll", "acs.k3"))) {
    f <- as.formula(paste("~", paste(vars, collapse = "+")))
    v <- svyvar(f, des, na.rm = TRUE)
    cases[[length(cases) + 1]] <- list(design = dn, variables = as.list(vars), by = NULL,
      r_call = sprintf("svyvar(%s, %s, na.rm = TRUE)", deparse(f), dn),
      rows = pairs(v, vars))
  }
  b <- svyby(~api00, ~stype, des, svyvar, na.rm = TRUE)
  cases[[length(cases) + 1]] <- list(design = dn, variables = list("api00"), by = "stype",
    r_call = sprintf("svyby(~api00, ~stype, %s, svyvar, na.rm = TRUE)", dn),
    rows = lapply(seq_len(nrow(b)), function(i) list(stype = as.character(b$stype[i]),
      variable = "api00", with = "api00", estimate = unname(coef(b))[i],
      se = unname(SE(b))[i])))
  if (inherits(des, "svyrep.design")) next  # high schools have no acs.k3: R stops
  b <- svyby(~acs.k3, ~stype, des, svyvar, na.rm = TRUE)
  cases[[length(cases) + 1]] <- list(design = dn, variables = list("acs.k3"), by = "stype",
    r_call = sprintf("svyby(~acs.k3, ~stype, %s, svyvar, na.rm = TRUE)", dn),
    rows = lapply(seq_len(nrow(b)), function(i) list(stype = as.character(b$stype[i]),
      variable = "acs.k3", with = "acs.k3", estimate = unname(coef(b))[i],
      se = unname(SE(b))[i])))
}
write_golden(cases, "svyvar.json", "svyvar.R")
