# Golden values for survey.weighting (issue 5): weights, estimates and SEs from R survey 4.1.
# Run from the repository root:  Rscript tests/golden/weighting.R
# Writes tests/golden/weighting.json and the small synthetic data sets tests/golden/weighting_*.csv
# (always-on tests); the api cases need ../shared/realdata/rsurvey (skipped in JSON when absent).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
options(survey.lonely.psu = "fail")
out <- list(r_version = R.version.string, survey_version = as.character(packageVersion("survey")))

# ---- synthetic stratified cluster sample ------------------------------------------------------
set.seed(20240501)
mk <- function() {
  rows <- list()
  for (h in 1:4) for (j in 1:6) {
    m <- sample(8:12, 1)
    rows[[length(rows) + 1]] <- data.frame(stratum = h, psu = 100 * h + j,
      w0 = c(50, 80, 120, 200)[h] * runif(1, 0.8, 1.2), m = m)
  }
  s <- do.call(rbind, rows)
  s <- s[rep(seq_len(nrow(s)), s$m), ]
  n <- nrow(s)
  s$sex <- sample(c("F", "M"), n, replace = TRUE)
  s$age_group <- sample(c("15-29", "30-49", "50+"), n, replace = TRUE, prob = c(.3, .4, .3))
  s$region <- sample(c("Centre", "North", "South"), n, replace = TRUE)
  s$w <- round(s$w0 * runif(n, 0.9, 1.1), 3)
  s$y <- round(10 + 2 * (s$sex == "M") + 1.5 * (s$age_group == "50+") + s$stratum +
                 rnorm(n, sd = 3), 4)
  s$v <- rbinom(n, 1, plogis(-0.5 + 0.4 * (s$region == "South") + 0.3 * (s$sex == "F")))
  s$resp <- rbinom(n, 1, 0.8)
  s[, c("stratum", "psu", "w", "sex", "age_group", "region", "y", "v", "resp")]
}
samp <- mk()
rownames(samp) <- NULL
write.csv(samp, "tests/golden/weighting_sample.csv", row.names = FALSE)

# BRR/Fay sample: 10 strata with 2 PSUs each (R uses a Paley 12x12 Hadamard matrix)
brr <- do.call(rbind, lapply(1:10, function(h) do.call(rbind, lapply(1:2, function(j) {
  m <- sample(4:7, 1)
  data.frame(stratum = h, psu = 10 * h + j, w = round(runif(m, 20, 40), 3),
             y = round(rnorm(m, 5 + h / 3 + j / 2, 2), 4), g = sample(c("a", "b"), m, TRUE))
}))))
write.csv(brr, "tests/golden/weighting_brr.csv", row.names = FALSE)

wt <- function(x) as.vector(weights(x))
est <- function(des) {
  m <- svymean(~y + v, des); t <- svytotal(~y, des)
  b <- svyby(~y, ~region, des, svymean)
  list(mean = unname(coef(m)), mean_se = unname(SE(m)),
       total = unname(coef(t)), total_se = unname(SE(t)),
       by_region = as.vector(b$region), by_mean = unname(coef(b)), by_se = unname(SE(b)))
}

d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = samp, nest = TRUE)
pop_sa <- xtabs(w ~ sex + age_group, samp)
pop_sa[] <- round(pop_sa * c(1.08, 0.95, 1.10, 0.92, 1.04, 0.97))
pop_sa_df <- as.data.frame(pop_sa)
pop_sex <- data.frame(sex = c("F", "M"), Freq = round(as.vector(xtabs(w ~ sex, samp)) * c(1.05, 0.97)))
pop_age <- data.frame(age_group = c("15-29", "30-49", "50+"),
                      Freq = round(as.vector(xtabs(w ~ age_group, samp)) * c(0.93, 1.02, 1.09)))
pop_reg <- data.frame(region = c("Centre", "North", "South"),
                      Freq = round(as.vector(xtabs(w ~ region, samp)) * c(1.1, 0.9, 1.0)))
# the three raking margins must share one total: rescale age and region to the sex total
N <- sum(pop_sex$Freq)
pop_age$Freq[3] <- N - sum(pop_age$Freq[1:2]); pop_reg$Freq[3] <- N - sum(pop_reg$Freq[1:2])
out$population <- list(sex_age = list(sex = as.character(pop_sa_df$sex),
                                       age_group = as.character(pop_sa_df$age_group),
                                       Freq = pop_sa_df$Freq),
                       sex = pop_sex, age_group = pop_age, region = pop_reg)
out$unweighted <- est(d)

# postStratify(d, ~sex + age_group, pop_sa_df)
ps <- postStratify(d, ~sex + age_group, pop_sa_df)
out$poststratify <- c(list(weights = wt(ps)), est(ps))

# rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg))
rk <- rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg))
out$rake <- c(list(weights = wt(rk)), est(rk))
# rake with tight control (epsilon relative 1e-10, maxit 100)
rk2 <- rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg),
            control = list(maxit = 100, epsilon = 1e-12))
out$rake_tight <- c(list(weights = wt(rk2)), est(rk2))
# R's control$epsilon: values < 1 are a fraction of the sum of the weights (survey:::rake:
# `if (control$epsilon < 1) epsilon <- control$epsilon * sum(weights(design, "sampling"))`),
# so epsilon = 0.5 stops after the first sweep; epsilon = 5 is 5 weighted units (absolute)
rk_half <- rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg),
                control = list(epsilon = 0.5))
rk_one <- rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg),
               control = list(maxit = 1, epsilon = 0.5))
gap <- function(des) max(abs(c(svytable(~sex, des) - pop_sex$Freq,
                               svytable(~age_group, des) - pop_age$Freq,
                               svytable(~region, des) - pop_reg$Freq)))
out$rake_eps_half <- list(weights = wt(rk_half), epsilon = 0.5,
                          epsilon_units = 0.5 * sum(weights(d)),
                          same_as_one_sweep = isTRUE(all.equal(wt(rk_half), wt(rk_one), tolerance = 0)),
                          max_margin_gap = gap(rk_half))
rk_5 <- rake(d, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg),
             control = list(epsilon = 5))
out$rake_eps_5 <- list(weights = wt(rk_5), epsilon = 5, max_margin_gap = gap(rk_5))

# calibrate(d, ~sex + age_group + region, totals): linear (GREG), raking and logit with bounds
totals <- c(N, pop_sex$Freq[2], pop_age$Freq[2:3], pop_reg$Freq[2:3])
names(totals) <- c("(Intercept)", "sexM", "age_group30-49", "age_group50+", "regionNorth", "regionSouth")
out$cal_totals <- unname(totals)
cl <- calibrate(d, ~sex + age_group + region, totals)
out$cal_linear <- c(list(weights = wt(cl)), est(cl))
clb <- calibrate(d, ~sex + age_group + region, totals, bounds = c(0.85, 1.2))
out$cal_linear_bounded <- c(list(weights = wt(clb)), est(clb))
cr <- calibrate(d, ~sex + age_group + region, totals, calfun = "raking")
out$cal_raking <- c(list(weights = wt(cr)), est(cr))
crb <- calibrate(d, ~sex + age_group + region, totals, calfun = "raking", bounds = c(0.85, 1.2))
out$cal_raking_bounded <- c(list(weights = wt(crb)), est(crb))
clg <- calibrate(d, ~sex + age_group + region, totals, calfun = "logit", bounds = c(0.8, 1.3))
out$cal_logit <- c(list(weights = wt(clg)), est(clg))
# heteroscedastic GREG: variance = w (sigma2 proportional to y-independent x)
ce <- calibrate(d, ~sex + age_group + region, totals, variance = samp$w / 100)
out$cal_linear_variance <- c(list(weights = wt(ce)), est(ce))

# trimWeights(d, upper = 200, lower = 50) and strict
tw <- trimWeights(d, upper = 200, lower = 50)
out$trim <- c(list(weights = wt(tw), upper = 200, lower = 50), est(tw))
tws <- trimWeights(d, upper = 200, lower = 50, strict = TRUE)
out$trim_strict <- c(list(weights = wt(tws)), est(tws))
# trimming a calibrated design keeps its calibration in the variance
twc <- trimWeights(cl, upper = 200, lower = 50)
out$trim_calibrated <- c(list(weights = wt(twc)), est(twc))

# ---- replicate designs ------------------------------------------------------------------------
rep_out <- function(r) {
  rw <- r$repweights
  list(factors = unname(rw$weights), index = rw$index, scale = r$scale, rscales = unname(r$rscales))
}
rj <- as.svrepdesign(d, type = "JKn")
out$jkn <- c(rep_out(rj), est(rj))
out$jkn_mse <- est(as.svrepdesign(d, type = "JKn", mse = TRUE))
d1 <- svydesign(ids = ~psu, weights = ~w, data = samp)
r1 <- as.svrepdesign(d1, type = "JK1")
out$jk1 <- c(rep_out(r1), est(r1))
dbrr <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = brr)
estb <- function(des) {
  m <- svymean(~y, des); b <- svyby(~y, ~g, des, svymean)
  list(mean = unname(coef(m)), mean_se = unname(SE(m)), by_g = as.vector(b$g),
       by_mean = unname(coef(b)), by_se = unname(SE(b)))
}
rb <- as.svrepdesign(dbrr, type = "BRR")
out$brr <- c(rep_out(rb), estb(rb))
rf <- as.svrepdesign(dbrr, type = "Fay", fay.rho = 0.3)
out$fay <- c(rep_out(rf), estb(rf))
out$brr_taylor <- estb(dbrr)
out$hadamard <- lapply(1:23, function(n) unname(hadamard(n)))

# svrepdesign with supplied replicate columns (full replicate weights in the data)
full <- weights(rj, "analysis")
sup <- cbind(samp, setNames(as.data.frame(full), sprintf("rw%02d", seq_len(ncol(full)))))
write.csv(sup[, c("w", "y", "v", "region", sprintf("rw%02d", seq_len(ncol(full))))],
          "tests/golden/weighting_repcols.csv", row.names = FALSE)
sj <- svrepdesign(data = sup, weights = ~w, repweights = "rw[0-9]+", type = "JKn",
                  scale = 1, rscales = rj$rscales, combined.weights = TRUE)
out$svrep_jkn <- est(sj)
so <- svrepdesign(data = sup, weights = ~w, repweights = "rw[0-9]+", type = "other",
                  scale = 0.5, rscales = 1, combined.weights = TRUE, mse = TRUE)
out$svrep_other_mse <- est(so)
sf <- svrepdesign(data = sup, weights = ~w, repweights = "rw[0-9]+", type = "Fay", rho = 0.5,
                  combined.weights = TRUE)
out$svrep_fay <- est(sf)

# calibrated replicate designs: every replicate is re-calibrated
rps <- postStratify(rj, ~sex + age_group, pop_sa_df)
out$rep_poststratify <- c(list(weights = as.vector(weights(rps, "sampling")), rep1 = unname(weights(rps, "analysis")[, 1])), est(rps))
rrk <- rake(rj, list(~sex, ~age_group, ~region), list(pop_sex, pop_age, pop_reg))
out$rep_rake <- c(list(weights = as.vector(weights(rrk, "sampling")), rep1 = unname(weights(rrk, "analysis")[, 1])), est(rrk))
rcl <- calibrate(rj, ~sex + age_group + region, totals)
out$rep_cal_linear <- c(list(weights = as.vector(weights(rcl, "sampling")), rep1 = unname(weights(rcl, "analysis")[, 1])), est(rcl))
rcr <- calibrate(rj, ~sex + age_group + region, totals, calfun = "raking", bounds = c(0.6, 1.6))
out$rep_cal_raking <- c(list(weights = as.vector(weights(rcr, "sampling")), rep1 = unname(weights(rcr, "analysis")[, 1])), est(rcr))

# ---- api data (../shared/realdata/rsurvey) ------------------------------------------------------
api_dir <- "../shared/realdata/rsurvey"
if (file.exists(file.path(api_dir, "apiclus1.csv"))) {
  apiclus1 <- read.csv(file.path(api_dir, "apiclus1.csv"))
  apistrat <- read.csv(file.path(api_dir, "apistrat.csv"))
  esta <- function(des) {
    m <- svymean(~api00, des); t <- svytotal(~enroll, des)
    b <- svyby(~api00, ~stype, des, svymean)
    list(mean = unname(coef(m)), mean_se = unname(SE(m)), total = unname(coef(t)),
         total_se = unname(SE(t)), by_stype = as.vector(b$stype), by_mean = unname(coef(b)),
         by_se = unname(SE(b)))
  }
  dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
  dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
  pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
  pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
  api <- list(clus1 = esta(dclus1), strat = esta(dstrat))
  a <- postStratify(dclus1, ~stype, pop.types)
  api$poststratify <- c(list(weights = wt(a)), esta(a))
  a <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))
  api$rake <- c(list(weights = wt(a)), esta(a))
  pop.totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069)
  a <- calibrate(dclus1, ~stype + api99, pop.totals)
  api$cal_linear <- c(list(weights = wt(a)), esta(a))
  a <- calibrate(dclus1, ~stype + api99, pop.totals, calfun = "raking", bounds = c(0.6, 1.6))
  api$cal_raking_bounded <- c(list(weights = wt(a)), esta(a))
  a <- calibrate(dclus1, ~stype + api99, pop.totals, calfun = "logit", bounds = c(0.7, 1.7))
  api$cal_logit <- c(list(weights = wt(a)), esta(a))
  a <- trimWeights(calibrate(dclus1, ~stype + api99, pop.totals), lower = 30, upper = 36)
  api$trim_calibrated <- c(list(weights = wt(a)), esta(a))
  a <- postStratify(dstrat, ~stype, pop.types)
  api$strat_poststratify <- c(list(weights = wt(a)), esta(a))
  a <- as.svrepdesign(dclus1, type = "JK1")
  api$jk1 <- c(rep_out(a), esta(a))
  a <- as.svrepdesign(dstrat, type = "JKn")
  api$strat_jkn <- c(list(scale = a$scale, rscales = unname(a$rscales)), esta(a))
  out$api <- api
}

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "tests/golden/weighting.json")
cat("wrote tests/golden/weighting.json\n")
