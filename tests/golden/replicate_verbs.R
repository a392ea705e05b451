# Reference values for the estimation verbs on a replicate design (JKn built by
# as.svrepdesign from the synthetic stratified design): svyciprop (logit, xlogit, beta, mean)
# by domain with R's default df (degf of the domain subset), svymean with deff, svytotal and
# svyquantile by domain.  Run from the repository root:
#   Rscript tests/golden/replicate_verbs.R     # -> tests/golden/replicate_verbs.json
suppressMessages({library(survey); library(jsonlite)})
d <- read.csv("tests/golden/synth_strat.csv", na.strings = c("", "NA"))
des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
rd <- as.svrepdesign(des, type = "JKn")
doms <- sort(unique(d$dom))
cases <- list()
for (m in c("logit", "xlogit", "beta", "mean")) {
  rows <- lapply(doms, function(g) {
    sub <- subset(rd, dom == g)
    x <- svyciprop(~z, sub, method = m, na.rm = TRUE)
    ci <- as.vector(confint(x))
    list(dom = g, estimate = as.numeric(x)[1], se = as.numeric(sqrt(attr(x, "var")))[1],
         ci_low = ci[1], ci_high = ci[2], df = degf(sub))
  })
  cases[[paste0("ciprop_", m)]] <- list(
    r_call = sprintf("svyciprop(~z, subset(rd, dom == g), method = '%s', na.rm = TRUE)", m),
    rows = rows)
}
m <- svyby(~y, ~dom, rd, svymean, na.rm = TRUE, deff = TRUE)
cases$mean_deff <- list(r_call = "svyby(~y, ~dom, rd, svymean, na.rm = TRUE, deff = TRUE)",
  rows = lapply(seq_along(doms), function(i) list(dom = doms[i], estimate = unname(coef(m))[i],
    se = unname(SE(m))[i], deff = unname(deff(m))[i])))
t <- svytotal(~y, rd, na.rm = TRUE)
cases$total <- list(r_call = "svytotal(~y, rd, na.rm = TRUE)",
  rows = list(list(dom = NA, estimate = unname(coef(t)), se = unname(SE(t)))))
rows <- lapply(doms, function(g) {
  sub <- subset(rd, dom == g)
  q <- svyquantile(~y, sub, 0.5, na.rm = TRUE, ci = TRUE)$y
  list(dom = g, estimate = q[1, 1], ci_low = q[1, 2], ci_high = q[1, 3], se = q[1, 4])
})
cases$quantile <- list(r_call = "svyquantile(~y, subset(rd, dom == g), 0.5, na.rm = TRUE, ci = TRUE)",
  rows = rows)
out <- list(header = list(r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  generated_by = "Rscript tests/golden/replicate_verbs.R",
  design = "as.svrepdesign(svydesign(id=~psu, strata=~stratum, weights=~w, nest=TRUE), type='JKn')"),
  cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "tests/golden/replicate_verbs.json")
