# Golden values for svyglm and svyttest on calibrated and replicate-weight designs.
#
# Run from the repository root:   Rscript tests/golden/regression_designs.R
# Writes tests/golden/regression_designs.json and the synthetic sample
# tests/golden/regression_designs.csv (always-on cases).
#
# What is checked (survey 4.1.1):
# - calibrated Taylor designs: svyglm's svy.varcoef passes estfun %*% Ainv through
#   svyrecvar(..., postStrata = design$postStrata): postStratify, rake and calibrate (linear);
# - replicate designs: svyglm.svyrep.design refits the model with every replicate's weights
#   (glm.fit started at the full-sample fit) and takes svrVar of the replicate coefficients:
#   JK1, JKn, BRR, Fay with mse = TRUE (centred at the full-sample fit), and a JKn design
#   post-stratified replicate by replicate;
# - svyttest (the group coefficient of svyglm(y ~ group)) on the same designs.
# Binomial models use control = TIGHT (glm.control(epsilon = 1e-15)), which the replicate refits
# inherit (full$control): R then returns the converged solutions, not ones stopped at 1e-8.
# (glm's sandwich pieces, the working weights and cov.unscaled, come from the last-but-one
# iterate; with the default epsilon = 1e-8 they can be ~1e-7 away from the converged ones.)
# Data: R's api data (Python reads ../shared/realdata/rsurvey/*.csv; cases marked
# data = "rsurvey") and a synthetic stratified sample with 2 PSUs per stratum (BRR) and NAs.

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
TIGHT <- glm.control(epsilon = 1e-15, maxit = 100)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
num <- function(x) as.list(unname(as.numeric(x)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) num(m[i, ]))

glmcase <- function(design_name, design, formula, family, data) {
  call <- sprintf("svyglm(%s, %s, family = %s%s)", formula, design_name, family,
                  if (family == "gaussian") "" else ", control = TIGHT")
  m <- if (family == "gaussian") {
    svyglm(as.formula(formula), design, family = gaussian())
  } else {
    svyglm(as.formula(formula), design, family = quasibinomial(), control = TIGHT)
  }
  tab <- summary(m)$coefficients
  add(list(id = paste("glm", design_name, family, sep = "_"), kind = "svyglm", data = data,
           r_call = call, design = design_name, formula = formula, family = family,
           terms = as.list(names(coef(m))), coef = num(coef(m)), se = num(tab[, 2]),
           p_value = num(tab[, 4]), vcov = mat(vcov(m)), df_residual = m$df.residual))
}

ttcase <- function(design_name, design, variable, group, data) {
  call <- sprintf("svyttest(%s ~ %s, %s)", variable, group, design_name)
  r <- svyttest(as.formula(paste(variable, "~", group)), design)
  add(list(id = paste("ttest", design_name, sep = "_"), kind = "svyttest", data = data,
           r_call = call, design = design_name, variable = variable, group = group,
           estimate = unname(r$estimate), se = unname(r$estimate / r$statistic),
           t = unname(r$statistic), df = unname(r$parameter), p_value = r$p.value,
           ci = num(r$conf.int)))
}

# ============================================================ synthetic stratified sample
# 8 strata x 2 PSUs (BRR needs 2 per stratum), 6-12 rows per PSU; y continuous with 5 NAs,
# yb 0/1, x covariate, grp (a/b), region (r1-r3, post-strata), sex (f/m, second raking margin).
set.seed(20240620)
rows <- list()
for (h in 1:8) for (j in 1:2) {
  m <- sample(6:12, 1)
  rows[[length(rows) + 1]] <- data.frame(stratum = h, psu = paste0("h", h, "p", j),
                                         u = rnorm(1, 0, 0.5), m = m)[rep(1, m), ]
}
sy <- do.call(rbind, rows)
n <- nrow(sy)
sy$w <- round(runif(n, 20, 80) * (1 + sy$stratum / 4), 2)
sy$x <- round(rnorm(n, 10, 3), 2)
sy$grp <- sample(c("a", "b"), n, replace = TRUE)
sy$region <- sample(c("r1", "r2", "r3"), n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
sy$sex <- sample(c("f", "m"), n, replace = TRUE)
sy$y <- round(5 + 0.4 * sy$x + 1.2 * (sy$grp == "b") - 0.15 * sy$x * (sy$grp == "b") +
                0.6 * (sy$sex == "m") + sy$u + rnorm(n, 0, 1.5), 2)
sy$yb <- rbinom(n, 1, plogis(-1 + 0.12 * (sy$x - 10) + 0.5 * (sy$grp == "b") + sy$u))
sy$y[sample(n, 5)] <- NA
sy$u <- NULL
sy$m <- NULL
rownames(sy) <- NULL
write.csv(sy, file.path(GOLDEN_DIR, "regression_designs.csv"), row.names = FALSE, na = "")
sy <- read.csv(file.path(GOLDEN_DIR, "regression_designs.csv"), stringsAsFactors = FALSE)

pop_region <- data.frame(region = c("r1", "r2", "r3"), Freq = c(5200, 3100, 1900))
pop_sex <- data.frame(sex = c("f", "m"), Freq = c(5300, 4900))
cal_totals <- c(`(Intercept)` = 10200, regionr2 = 3100, regionr3 = 1900, x = 103000)

ds <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy)
synth <- list(
  synth_ps = postStratify(ds, ~region, pop_region),
  synth_rake = rake(ds, list(~region, ~sex), list(pop_region, pop_sex)),
  synth_cal = calibrate(ds, ~region + x, cal_totals),
  synth_brr = as.svrepdesign(ds, type = "BRR"),
  synth_jkn = as.svrepdesign(ds, type = "JKn"),
  synth_jkn_ps = postStratify(as.svrepdesign(ds, type = "JKn"), ~region, pop_region),
  synth_fay_mse = as.svrepdesign(ds, type = "Fay", fay.rho = 0.3, mse = TRUE)
)
design_calls <- list(
  synth_ps = "postStratify(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy), ~region, pop_region)",
  synth_rake = "rake(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy), list(~region, ~sex), list(pop_region, pop_sex))",
  synth_cal = "calibrate(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy), ~region + x, cal_totals)",
  synth_brr = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy), type = 'BRR')",
  synth_jkn = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy), type = 'JKn')",
  synth_jkn_ps = "postStratify(as.svrepdesign(svydesign(...), type = 'JKn'), ~region, pop_region)",
  synth_fay_mse = "as.svrepdesign(svydesign(...), type = 'Fay', fay.rho = 0.3, mse = TRUE)"
)
for (nm in names(synth)) {
  glmcase(nm, synth[[nm]], "y ~ x * grp + sex", "gaussian", "synthetic")
  glmcase(nm, synth[[nm]], "yb ~ x * grp + sex", "quasibinomial", "synthetic")
  ttcase(nm, synth[[nm]], "y", "grp", "synthetic")
}
# difference-in-differences as a model interaction (grp plays the group, sex the wave)
for (nm in c("synth_rake", "synth_brr")) {
  m <- svyglm(y ~ grp * sex, synth[[nm]])
  tab <- summary(m)$coefficients
  add(list(id = paste("did", nm, sep = "_"), kind = "did", data = "synthetic", design = nm,
           r_call = sprintf("svyglm(y ~ grp * sex, %s)", nm), estimate = tab["grpb:sexm", 1],
           se = tab["grpb:sexm", 2], p_value = tab["grpb:sexm", 4], df = m$df.residual))
}

# ============================================================ R's api data
api_dir <- file.path(REALDATA, "rsurvey")
if (file.exists(file.path(api_dir, "apiclus1.csv"))) {
  apiclus1 <- read.csv(file.path(api_dir, "apiclus1.csv"))
  apistrat <- read.csv(file.path(api_dir, "apistrat.csv"))
  apiclus1$schwide <- as.numeric(apiclus1$sch.wide == "Yes")
  apistrat$schwide <- as.numeric(apistrat$sch.wide == "Yes")
  dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
  dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
  pop.types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
  pop.schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
  # sum(apipop$enroll, na.rm = TRUE)
  api_totals <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, enroll = 3811472)
  api <- list(
    clus1_ps = postStratify(dclus1, ~stype, pop.types),
    clus1_rake = rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)),
    clus1_cal = calibrate(dclus1, ~stype + enroll, api_totals),
    clus1_jk1 = as.svrepdesign(dclus1, type = "JK1"),
    strat_jkn = as.svrepdesign(dstrat, type = "JKn")
  )
  design_calls <- c(design_calls, list(
    clus1_ps = "postStratify(dclus1, ~stype, pop.types)",
    clus1_rake = "rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide))",
    clus1_cal = "calibrate(dclus1, ~stype + enroll, api_totals)",
    clus1_jk1 = "as.svrepdesign(dclus1, type = 'JK1')",
    strat_jkn = "as.svrepdesign(dstrat, type = 'JKn')"
  ))
  for (nm in names(api)) {
    glmcase(nm, api[[nm]], "api00 ~ ell * meals + stype", "gaussian", "rsurvey")
    glmcase(nm, api[[nm]], "schwide ~ ell + meals * mobility", "quasibinomial", "rsurvey")
    ttcase(nm, api[[nm]], "api00", "comp.imp", "rsurvey")
  }
}

write_golden(cases, "regression_designs.json", "regression_designs.R", list(
  designs = design_calls,
  base_designs = list(
    sy = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy)",
    dclus1 = "svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)",
    dstrat = "svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)"
  ),
  pop_region = list(region = as.list(pop_region$region), Freq = num(pop_region$Freq)),
  pop_sex = list(sex = as.list(pop_sex$sex), Freq = num(pop_sex$Freq)),
  cal_totals = as.list(cal_totals),
  api_totals = list(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, enroll = 3811472),
  glm_control = "binomial fits: control = TIGHT = glm.control(epsilon = 1e-15, maxit = 100)"
))
