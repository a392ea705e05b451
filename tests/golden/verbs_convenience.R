# Golden values for the convenience verbs (issue 11), from R survey's help examples where they
# exist (?svytotal / ?svymean: svytotal(~api00 + stype, dclus1); ?svyratio; ?svytable):
#   * mean/total of a numeric and a categorical variable in one call (svymean(~api00 + stype));
#   * ratios of every numerator over every denominator (svyratio(~api00 + api99, ~enroll +
#     api.stu): R's 2 x 2 cross product; Python: ratio(..., cross=True));
#   * weighted tables (svytable, with Ntotal and round, per-stratum Ntotal on dstrat);
#   * the share of a 0/1 item (svyciprop(~I(sch.wide == "Yes"))): Python's prop() of the 0/1
#     column, whose row carries category 1.
#
# Run from the repository root:   Rscript tests/golden/verbs_convenience.R -> verbs_convenience.json
# Data: R's api data, read by Python from ../shared/realdata/rsurvey (tests skip without it).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
rclus1 <- as.svrepdesign(dclus1)            # JK1
designs <- list(dclus1 = dclus1, rclus1 = rclus1, dstrat = dstrat)

cases <- list()
stat_rows <- function(st) {
  lapply(seq_along(coef(st)), function(i) list(name = names(coef(st))[i],
    estimate = unname(coef(st))[i], se = unname(SE(st))[i]))
}
for (dn in c("dclus1", "rclus1")) {
  des <- designs[[dn]]
  for (fn in c("svytotal", "svymean")) {
    st <- get(fn)(~api00 + stype, des)
    cases[[length(cases) + 1]] <- list(kind = "mixed", design = dn,
      statistic = sub("svy", "", fn), variables = list("api00", "stype"), na = "available",
      r_call = sprintf("%s(~api00 + stype, %s)", fn, dn), rows = stat_rows(st))
  }
  b <- svyby(~api00 + stype, ~sch.wide, des, svymean)
  cases[[length(cases) + 1]] <- list(kind = "mixed_by", design = dn, statistic = "mean",
    variables = list("api00", "stype"), by = "sch.wide",
    r_call = sprintf("svyby(~api00 + stype, ~sch.wide, %s, svymean)", dn),
    rows = lapply(seq_along(coef(b)), function(i) list(name = names(coef(b))[i],
      estimate = unname(coef(b))[i], se = as.vector(as.matrix(SE(b)))[i])))
  # rows missing acs.k3 leave the whole call (R's na.rm = TRUE: listwise)
  st <- svymean(~acs.k3 + stype, des, na.rm = TRUE)
  cases[[length(cases) + 1]] <- list(kind = "mixed", design = dn, statistic = "mean",
    variables = list("acs.k3", "stype"), na = "listwise",
    r_call = sprintf("svymean(~acs.k3 + stype, %s, na.rm = TRUE)", dn), rows = stat_rows(st))
  r <- svyratio(~api00 + api99, ~enroll + api.stu, des)
  cases[[length(cases) + 1]] <- list(kind = "ratio", design = dn,
    numerator = list("api00", "api99"), denominator = list("enroll", "api.stu"), cross = TRUE,
    r_call = sprintf("svyratio(~api00 + api99, ~enroll + api.stu, %s)", dn),
    rows = lapply(seq_along(coef(r)), function(i) list(name = names(coef(r))[i],
      estimate = unname(coef(r))[i], se = unname(SE(r))[i])))
  r <- svyratio(~api00, ~enroll + api.stu, des)
  cases[[length(cases) + 1]] <- list(kind = "ratio", design = dn,
    numerator = list("api00"), denominator = list("enroll", "api.stu"), cross = FALSE,
    r_call = sprintf("svyratio(~api00, ~enroll + api.stu, %s)", dn),
    rows = lapply(seq_along(coef(r)), function(i) list(name = names(coef(r))[i],
      estimate = unname(coef(r))[i], se = unname(SE(r))[i])))
  p <- svyciprop(~I(sch.wide == "Yes"), des)
  ci <- as.vector(confint(p))
  cases[[length(cases) + 1]] <- list(kind = "prop01", design = dn, variable = "yes",
    r_call = sprintf("svyciprop(~I(sch.wide == 'Yes'), %s)", dn),
    rows = list(list(category = 1, estimate = as.numeric(p), se = as.numeric(SE(p)),
      ci_low = ci[1], ci_high = ci[2])))
}
table_case <- function(dn, vars, tbl, ntotal, round, r_call) {
  if (is.null(dim(tbl))) {  # per-stratum Ntotal of one variable: R returns a named vector
    df <- data.frame(names(tbl), as.numeric(tbl), stringsAsFactors = FALSE)
    names(df) <- c(vars, "Freq")
  } else {
    df <- as.data.frame(tbl, stringsAsFactors = FALSE)
  }
  list(kind = "table", design = dn, variables = as.list(vars), ntotal = ntotal,
    round = round, r_call = r_call,
    rows = lapply(seq_len(nrow(df)), function(i) {
      row <- lapply(vars, function(v) df[[v]][i]); names(row) <- vars
      c(row, list(n_weighted = df$Freq[i]))
    }))
}
cases[[length(cases) + 1]] <- table_case("dclus1", c("stype", "sch.wide"),
  svytable(~stype + sch.wide, dclus1), NULL, FALSE, "svytable(~stype + sch.wide, dclus1)")
cases[[length(cases) + 1]] <- table_case("dclus1", c("stype"),
  svytable(~stype, dclus1, Ntotal = 1000, round = TRUE), 1000, TRUE,
  "svytable(~stype, dclus1, Ntotal = 1000, round = TRUE)")
cases[[length(cases) + 1]] <- table_case("dclus1", c("stype", "awards"),
  svytable(~stype + awards, dclus1, Ntotal = 100), 100, FALSE,
  "svytable(~stype + awards, dclus1, Ntotal = 100)")
nt <- data.frame(stype = c("E", "H", "M"), N = c(100, 200, 300))
cases[[length(cases) + 1]] <- table_case("dstrat", c("sch.wide"),
  svytable(~sch.wide, dstrat, Ntotal = nt), list(E = 100, H = 200, M = 300), FALSE,
  "svytable(~sch.wide, dstrat, Ntotal = data.frame(stype = c('E','H','M'), N = c(100, 200, 300)))")
cases[[length(cases) + 1]] <- table_case("rclus1", c("stype", "sch.wide"),
  svytable(~stype + sch.wide, rclus1), NULL, FALSE, "svytable(~stype + sch.wide, rclus1)")
write_golden(cases, "verbs_convenience.json", "verbs_convenience.R")
