# Golden values for options(survey.adjust.domain.lonely = TRUE): R's onestrat, for a stratum
# with one PSU *in the domain* (nPSU > 1 in the design): lonely.psu = "adjust" leaves that
# PSU's total uncentred (n/(n-1) times the centred contribution); "average" drops the stratum
# and rescales by strata / strata kept; other policies only warn. From R's tests/lonely.psu.R
# ("lonely PSUs after subsetting": ds1 <- ds[-31, ], ds stratified by district) plus domains
# (svyby by stype = the subset designs), means, totals and a factor. Run from the repository
# root:   Rscript tests/golden/domain_lonely.R   -> tests/golden/domain_lonely.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.ultimate.cluster = FALSE)
apiclus1 <- read.csv(file.path(REALDATA, "rsurvey/apiclus1.csv"))
ds <- svydesign(id = ~1, weights = ~pw, strata = ~dnum, data = subset(apiclus1, dnum != 413))
# ds[-31, ] is the domain "every row but the 31st" of ds
cases <- list()
add <- function(id, r_call, policy, option, domain, by, stat, variable, est, design = "ds") {
  rows <- list()
  cf <- coef(est); se <- sqrt(diag(as.matrix(vcov(est))))
  for (k in seq_along(cf)) rows[[k]] <- list(name = names(cf)[k], estimate = unname(cf[k]),
                                              se = unname(se[k]))
  cases[[length(cases) + 1]] <<- list(id = id, r_call = r_call, lonely_psu = policy,
    adjust_domain_lonely = option, domain = domain, by = by, statistic = stat,
    variable = variable, rows = rows, design = design)
}
for (option in c(TRUE, FALSE)) {
  options(survey.adjust.domain.lonely = option)
  for (policy in c("fail", "remove", "certainty", "adjust", "average")) {
    options(survey.lonely.psu = policy)
    ds1 <- ds[-31, ]
    tag <- sprintf("[lonely.psu=%s, adjust.domain.lonely=%s]", policy, option)
    for (stat in c("mean", "total")) {
      f <- if (stat == "mean") svymean else svytotal
      est <- suppressWarnings(f(~api00, ds1))
      add(paste("ds[-31,]", stat, policy, option), sprintf("svy%s(~api00, ds[-31, ]) %s", stat, tag),
          policy, option, "drop_row_31", list(), stat, "api00", est)
      est <- suppressWarnings(svyby(~api00, ~stype, ds, f))
      add(paste("by stype", stat, policy, option),
          sprintf("svyby(~api00, ~stype, ds, svy%s) %s", stat, tag),
          policy, option, "all", list("stype"), stat, "api00", est)
    }
    est <- suppressWarnings(svyby(~sch.wide, ~stype, ds, svymean))
    add(paste("by stype prop", policy, option), sprintf("svyby(~sch.wide, ~stype, ds, svymean) %s", tag),
        policy, option, "all", list("stype"), "prop", "sch.wide", est)
  }
}
# two stages (R's onestrat applies the rule at every stage): apiclus2, districts then schools
# with both FPCs; a district holding one school of a domain is a lonely stage-2 stratum
apiclus2 <- read.csv(file.path(REALDATA, "rsurvey/apiclus2.csv"))
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
options(survey.lonely.psu = "adjust")
for (option in c(TRUE, FALSE)) {
  options(survey.adjust.domain.lonely = option)
  tag <- sprintf("[lonely.psu=adjust, adjust.domain.lonely=%s]", option)
  for (by in c("stype", "awards")) {
    for (stat in c("mean", "total")) {
      f <- if (stat == "mean") svymean else svytotal
      est <- suppressWarnings(svyby(~api00, as.formula(paste0("~", by)), dclus2, f))
      add(paste("dclus2 by", by, stat, option),
          sprintf("svyby(~api00, ~%s, dclus2, svy%s) %s", by, stat, tag),
          "adjust", option, "all", list(by), stat, "api00", est, design = "dclus2")
    }
  }
}
write_golden(cases, "domain_lonely.json", "domain_lonely.R")
