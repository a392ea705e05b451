# Golden values for survey.compare.event_study and the predictive margins of
# survey.compare.predictive_margins / did_margins, against R's survey.
#
# Run from the repository root:
#   PYTHONPATH=. python tests/golden/eventstudy_data.py   # -> eventstudy_panel.csv, eventstudy_cross.csv
#   Rscript tests/golden/eventstudy.R                      # -> eventstudy.json
# Data: the two CSVs above (samples of survey.datasets.evaluation, 5 waves: 1-3 baseline,
# 4-5 follow-up) and R's api / nhanes data (Python reads ../shared/realdata/rsurvey/).
#
# Event study: the saturated svyglm(victim ~ relevel(factor(wave), ref = "3") * treated);
# its wave:treated interactions are the event-study coefficients relative to wave 3, with
# their covariance (vcov) and the residual df; the pre-trend test is regTermTest of the
# baseline interactions (pre1 = treated x wave 1, pre2 = treated x wave 2) in the same model
# written with explicit interaction columns, with df = df.residual (R's default) and with
# df = degf(design). The svyby(covmat = TRUE) + svycontrast route gives the same estimates
# and SEs (recorded as `contrast`, `contrast_se`).
#
# Predictive margins: svypredmeans (Graubard & Korn 1999) from ?svypredmeans (nhanes,
# apistrat) and on a DiD model: svypredmeans(svyglm(victim ~ age + factor(tenure), ...,
# quasibinomial), ~interaction(treated, post)) on waves 3 and 4 of the panel, and the DiD
# of the four margins by svycontrast.

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
mat <- function(m) lapply(seq_len(nrow(m)), function(i) as.list(unname(m[i, ])))

prep <- function(d) {
  d$treated <- as.numeric(d$area == 1)
  d$fwave <- relevel(factor(d$wave), ref = "3")
  for (w in c(1, 2, 4, 5)) d[[paste0("tw", w)]] <- d$treated * (d$wave == w)
  d
}

event_case <- function(id, design_call, design, by = NULL) {
  m <- svyglm(victim ~ fwave * treated, design)
  terms <- paste0("fwave", c(1, 2, 4, 5), ":treated")
  s <- summary(m)$coefficients
  m2 <- svyglm(victim ~ fwave + treated + tw1 + tw2 + tw4 + tw5, design)
  rt <- regTermTest(m2, ~tw1 + tw2)
  rt_design <- regTermTest(m2, ~tw1 + tw2, df = degf(design))
  b <- svyby(~victim, ~treated + wave, design, svymean, covmat = TRUE)
  L <- t(sapply(c(1, 2, 4, 5), function(w) {
    v <- setNames(numeric(nrow(b)), rownames(b))
    v[paste0("1.", w)] <- 1; v["1.3"] <- -1; v[paste0("0.", w)] <- -1; v["0.3"] <- 1
    v
  }))
  cc <- svycontrast(b, lapply(seq_len(nrow(L)), function(i) L[i, ]))
  add(c(list(
    id = id, kind = "event_study", design = design_call,
    r_call = list("svyglm(victim ~ relevel(factor(wave), ref = \"3\") * treated, design)",
                  "regTermTest(svyglm(victim ~ fwave + treated + tw1 + tw2 + tw4 + tw5, design), ~tw1 + tw2)"),
    waves = as.list(c(1, 2, 4, 5)),
    estimate = as.list(unname(s[terms, 1])), se = as.list(unname(s[terms, 2])),
    p_value = as.list(unname(s[terms, 4])),
    vcov = mat(vcov(m)[terms, terms]), df_residual = m$df.residual, degf = degf(design),
    wald = unname(rt$Ftest * rt$df), F = unname(rt$Ftest), df_num = rt$df, df_den = rt$ddf,
    p_pretrend = unname(rt$p), p_pretrend_design = unname(rt_design$p),
    contrast = as.list(unname(coef(cc))), contrast_se = as.list(unname(SE(cc)))
  ), by))
}

panel <- prep(read.csv(file.path(GOLDEN_DIR, "eventstudy_panel.csv")))
dp <- svydesign(ids = ~psu + hh_id, strata = ~stratum, fpc = ~fpc_psu + fpc_hh,
                weights = ~weight, data = panel)
event_case("es_panel", "panel", dp)
event_case("es_panel_tenure2", "panel", subset(dp, tenure == 2),
           by = list(by = list(tenure = 2)))
cross <- prep(read.csv(file.path(GOLDEN_DIR, "eventstudy_cross.csv")))
dc <- svydesign(ids = ~psu_w + hh_id, strata = ~stratum_w, fpc = ~fpc_psu + fpc_hh,
                weights = ~weight, data = cross)
event_case("es_cross", "cross", dc)
# replicate weights: JKn from the one-stage (with-replacement) design of the cross-sections
dcr <- as.svrepdesign(svydesign(ids = ~psu_w, strata = ~stratum_w, weights = ~weight,
                                data = cross), type = "JKn")
event_case("es_cross_jkn", "cross_jkn", dcr)

# ---------------------------------------------------------------- predictive margins
margins_case <- function(id, r_call, means, extra = list()) {
  v <- vcov(means)
  add(c(list(id = id, kind = "predmeans", r_call = r_call,
             levels = as.list(names(coef(means))), estimate = as.list(unname(coef(means))),
             se = as.list(unname(SE(means))), vcov = mat(v),
             addvar = mat(attr(v, "parts")[[1]]), condvar = mat(attr(v, "parts")[[2]])),
           extra))
}

nhanes <- read.csv(file.path(REALDATA, "rsurvey", "nhanes.csv"))
nhanes_design <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR,
                           nest = TRUE, data = nhanes)
agesexmodel <- svyglm(HI_CHOL ~ agecat + RIAGENDR, design = nhanes_design,
                      family = quasibinomial)
margins_case("pm_nhanes_race",
             list("svyglm(HI_CHOL ~ agecat + RIAGENDR, nhanes_design, family = quasibinomial)",
                  "svypredmeans(., ~factor(race))"),
             svypredmeans(agesexmodel, ~factor(race)),
             list(data = "rsurvey/nhanes.csv", outcome = "HI_CHOL",
                  covariates = list("agecat", "RIAGENDR"), group = "race",
                  family = "quasibinomial"))

apistrat <- read.csv(file.path(REALDATA, "rsurvey", "apistrat.csv"))
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
demog_model <- svyglm(api00 ~ mobility + ell + hsg + meals, design = dstrat)
margins_case("pm_apistrat_enroll",
             list("svyglm(api00 ~ mobility + ell + hsg + meals, dstrat)",
                  "svypredmeans(., ~enroll, predictat = c(100, 300, 1000, 3000))"),
             svypredmeans(demog_model, ~enroll, predictat = c(100, 300, 1000, 3000)),
             list(data = "rsurvey/apistrat.csv", outcome = "api00",
                  covariates = list("mobility", "ell", "hsg", "meals"), group = "enroll",
                  at = as.list(c(100, 300, 1000, 3000)), family = "gaussian"))

# (svypredmeans on a replicate-weight design fails in survey 4.1.1: "pwt[i]: invalid subscript
# type 'list'" in the refit, so there is no replicate case here)

# the DiD model: waves 3 (pre) and 4 (post) of the panel, adjusted for age and tenure
panel$post <- as.numeric(panel$wave == 4)
dp <- svydesign(ids = ~psu + hh_id, strata = ~stratum, fpc = ~fpc_psu + fpc_hh,
                weights = ~weight, data = panel)
d34 <- subset(dp, wave %in% c(3, 4))
for (fam in c("quasibinomial", "gaussian")) {
  adj <- svyglm(victim ~ age + factor(tenure), d34, family = fam)
  pm <- svypredmeans(adj, ~interaction(treated, post))
  dd <- svycontrast(pm, c("1.1" = 1, "1.0" = -1, "0.1" = -1, "0.0" = 1))
  full <- svyglm(victim ~ treated * post + age + factor(tenure), d34, family = fam)
  margins_case(paste0("pm_did_panel_", fam),
               list(sprintf("svyglm(victim ~ age + factor(tenure), subset(dp, wave %%in%% c(3, 4)), family = %s)", fam),
                    "svypredmeans(., ~interaction(treated, post))",
                    "svycontrast(., c(`1.1` = 1, `1.0` = -1, `0.1` = -1, `0.0` = 1))"),
               pm,
               list(data = "golden:eventstudy_panel.csv", outcome = "victim",
                    covariates = list("age", "factor(tenure)"), family = fam,
                    did = unname(coef(dd)), did_se = unname(SE(dd)),
                    interaction = unname(coef(full)["treated:post"])))
}

write_golden(cases, "eventstudy.json", "eventstudy.R")
cat("wrote tests/golden/eventstudy.json\n")
