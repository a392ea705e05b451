# Golden values for calibration after a nonresponse adjustment (nonrespondents keep weight 0).
# Run from the repository root:  Rscript tests/weighting/golden/zero_weights.R
# Writes tests/weighting/golden/zero_weights.json (read by tests/weighting/test_zero_weights.py).
#
# R's svyrecvar cannot linearise raking or calibrate() on a design holding zero weights
# (x / psw = 0 / 0, NaN standard errors; recorded below as r_full_design_se). The package
# drops zero-weight rows from the residualisation instead, which makes the SE equal to that
# of the same raking / calibration done on the respondents only: those are the R values.
# postStratify has explicit zero handling in R and is reproduced as R computes it.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")

pop <- read.csv("weights/example_population.csv")
margin <- function(v) { a <- aggregate(pop$population, pop[v], sum); names(a)[2] <- "Freq"; a }
margins <- list(margin("sex"), margin("age_group"), margin("region"))
ctrl <- list(maxit = 50, epsilon = 1e-6)  # weights/example.yaml
totals <- c(sum(pop$population),
            sum(pop$population[pop$sex == "M"]),
            sum(pop$population[pop$age_group == "30-49"]),
            sum(pop$population[pop$age_group == "50+"]),
            sum(pop$population[pop$region == "North"]),
            sum(pop$population[pop$region == "South"]))
names(totals) <- c("(Intercept)", "sexM", "age_group30-49", "age_group50+", "regionNorth",
                   "regionSouth")

est <- function(des) {
  m <- svymean(~y + v, des); t <- svytotal(~y, des)
  b <- svyby(~y, ~region, des, svymean)
  list(mean = unname(coef(m)), mean_se = unname(SE(m)),
       total = unname(coef(t)), total_se = unname(SE(t)),
       by_mean = unname(coef(b)), by_se = unname(SE(b)))
}

one <- function(file) {
  s <- read.csv(file)
  # weighting-class nonresponse adjustment by region (weights/example.yaml, step 1)
  tot <- ave(s$w, s$region, FUN = sum); rtot <- ave(s$w * s$resp, s$region, FUN = sum)
  s$wnr <- s$w * tot / rtot * s$resp
  r <- s[s$resp == 1, ]
  d_full <- svydesign(ids = ~psu, strata = ~stratum, weights = ~wnr, data = s, nest = TRUE)
  d_resp <- svydesign(ids = ~psu, strata = ~stratum, weights = ~wnr, data = r, nest = TRUE)
  out <- list(file = file, n = nrow(s), n_resp = nrow(r))
  # rake(d_resp, list(~sex, ~age_group, ~region), margins, control = list(maxit=50, epsilon=1e-6))
  rk <- rake(d_resp, list(~sex, ~age_group, ~region), margins, control = ctrl)
  out$rake_respondents <- c(list(weights = as.vector(weights(rk))), est(rk))
  rk_full <- rake(d_full, list(~sex, ~age_group, ~region), margins, control = ctrl)
  out$rake_full_design_se <- as.vector(SE(svymean(~y, rk_full)))  # NaN in R
  # calibrate(d_resp, ~sex + age_group + region, totals, calfun = "raking", bounds = c(0.4, 2.5))
  cr <- calibrate(d_resp, ~sex + age_group + region, totals, calfun = "raking",
                  bounds = c(0.4, 2.5))
  out$calibrate_respondents <- c(list(weights = as.vector(weights(cr))), est(cr))
  cl <- calibrate(d_resp, ~sex + age_group + region, totals)
  out$greg_respondents <- c(list(weights = as.vector(weights(cl))), est(cl))
  # postStratify(d_full, ~sex, margin("sex")): R's zero handling, on the design with zeros
  ps <- postStratify(d_full, ~sex, margin("sex"))
  out$poststratify_full <- c(list(weights = as.vector(weights(ps))), est(ps))
  out
}

out <- list(r_version = R.version.string, survey_version = as.character(packageVersion("survey")),
            golden_sample = one("tests/golden/weighting_sample.csv"),
            example_sample = one("weights/example_sample.csv"))

# JKn replicates carrying nonresponse + raking (survey weight --replicates JKn, spec without
# trim): as.svrepdesign(JKn) of the base design, the nonresponse adjustment redone in every
# replicate, then rake() of the replicate design (R rakes every replicate).
s <- read.csv("weights/example_sample.csv")
d0 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = s, nest = TRUE)
rj <- as.svrepdesign(d0, type = "JKn", compress = FALSE)
W <- cbind(s$w, weights(rj, "analysis"))
adj <- apply(W, 2, function(w) w * ave(w, s$region, FUN = sum) /
                                ave(w * s$resp, s$region, FUN = sum) * s$resp)
s$wnr <- adj[, 1]
rjn <- svrepdesign(data = s, weights = ~wnr, repweights = adj[, -1], type = "JKn",
                   scale = rj$scale, rscales = rj$rscales, combined.weights = TRUE)
rjr <- rake(rjn, list(~sex, ~age_group, ~region), margins, control = ctrl)
out$jkn_nonresponse_rake <- c(list(scale = rj$scale, rscales = unname(rj$rscales)), est(rjr))

writeLines(toJSON(out, digits = I(17), auto_unbox = TRUE, na = "string", pretty = TRUE),
           "tests/weighting/golden/zero_weights.json")
