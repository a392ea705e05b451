# Golden values for calibrate(aggregate.stage = ) (calibration factors constant within the
# sampling units of a stage: the model matrix, weights and variances are replaced by their
# unit means before solving, Vanderhoeft 2001), from ?calibrate's example
#   dclus1agg <- calibrate(dclus1, ~stype, pop.totals, aggregate = 1)
# with svymean(~api00), svytotal(~enroll) (apiclus2: svytotal(~api00), enroll has NAs),
# svytotal(~stype), svymean(~ell), plus ~stype + api99, raking,
# bounded linear, and the two-stage apiclus2 design (aggregate.stage = 1 and 2).
# Run from the repository root:
#   Rscript tests/golden/calibrate_aggregate.R   -> tests/golden/calibrate_aggregate.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
apiclus1 <- read.csv(file.path(REALDATA, "rsurvey/apiclus1.csv"))
apiclus2 <- read.csv(file.path(REALDATA, "rsurvey/apiclus2.csv"))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
specs <- list(
  list("dclus1", "~stype", pop.totals, 1, "linear", NULL),
  list("dclus1", "~stype + api99", c(pop.totals, api99 = 3914069), 1, "linear", NULL),
  list("dclus1", "~stype + api99", c(pop.totals, api99 = 3914069), 1, "raking", NULL),
  list("dclus1", "~stype + api99", c(pop.totals, api99 = 3914069), 1, "linear", c(0.4, 2.5)),
  list("dclus2", "~stype", pop.totals, 1, "linear", NULL),
  list("dclus2", "~stype + api99", c(pop.totals, api99 = 3914069), 2, "linear", NULL)
)
designs <- list(dclus1 = dclus1, dclus2 = dclus2)
cases <- list()
for (s in specs) {
  dn <- s[[1]]; f <- s[[2]]; pop <- s[[3]]; agg <- s[[4]]; calfun <- s[[5]]; b <- s[[6]]
  d <- designs[[dn]]
  dc <- tryCatch(if (is.null(b)) calibrate(d, as.formula(f), pop, aggregate.stage = agg, calfun = calfun)
        else calibrate(d, as.formula(f), pop, aggregate.stage = agg, calfun = calfun, bounds = b), error = function(e) {message(dn, " ", f, ": ", conditionMessage(e)); NULL})
  if (is.null(dc)) next
  ests <- tryCatch(list(mean_api00 = svymean(~api00, dc), total_enroll = if (dn == "dclus1") svytotal(~enroll, dc) else svytotal(~api00, dc),
               total_stype = svytotal(~stype, dc), mean_ell = svymean(~ell, dc)), error = function(e) {message(dn, " ", f, " ", agg, ": ", conditionMessage(e)); NULL})
  if (is.null(ests)) next
  out <- list()
  for (nm in names(ests)) out[[nm]] <- list(names = as.list(names(coef(ests[[nm]]))),
    estimate = as.list(unname(coef(ests[[nm]]))), se = as.list(unname(SE(ests[[nm]]))))
  call <- sprintf("calibrate(%s, %s, %s, aggregate.stage = %d, calfun = '%s'%s)", dn, f,
                  paste(deparse(pop), collapse = ""), agg, calfun,
                  if (is.null(b)) "" else sprintf(", bounds = c(%g, %g)", b[1], b[2]))
  cases[[length(cases) + 1]] <- list(id = call, design = dn, formula = f,
    population = as.list(pop), aggregate_stage = agg, calfun = calfun,
    bounds = if (is.null(b)) NULL else as.list(b), weights = as.list(unname(weights(dc))),
    estimates = out)
}
write_golden(cases, "calibrate_aggregate.json", "calibrate_aggregate.R")
