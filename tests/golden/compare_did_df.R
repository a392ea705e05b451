# Golden values for the degrees of freedom of survey.compare.did (df = "model") against R's
# svyglm residual df of the saturated model y ~ treated * post (degf + 1 - p, p = 4).
#
# Run from the repository root:   Rscript tests/golden/compare_did_df.R
# Writes tests/golden/compare_did_df.json. Data: R's api data (Python reads
# ../shared/realdata/rsurvey/apiclus2.csv) and the simulated two-wave panel
# tests/golden/compare_twowave.csv (written by compare.R).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case

glm_did <- function(id, r_call, design_name, variable, group, wave, by = NULL) {
  m <- eval(parse(text = r_call))
  s <- summary(m)$coefficients
  k <- nrow(s)  # the interaction is the last coefficient of y ~ g * w
  add(c(list(id = id, kind = "did_model_df", r_call = r_call, design = design_name,
             variable = variable, group = group, wave = wave,
             term = rownames(s)[k], estimate = unname(s[k, 1]), se = unname(s[k, 2]),
             t = unname(s[k, 3]), p_value = unname(s[k, 4]), df_residual = m$df.residual,
             ci = as.list(unname(confint(m)[k, ]))), by))
}

# ---------------------------------------------------------------- apiclus2 (two-stage, fpc)
data(api)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
glm_did("did_df_apiclus2_enroll", "svyglm(enroll ~ comp.imp * sch.wide, dclus2)", "apiclus2",
        "enroll", "comp.imp", "sch.wide")
cases[[length(cases)]]$degf_design <- degf(dclus2)
cases[[length(cases)]]$degf_complete <- degf(subset(dclus2, !is.na(enroll)))
# the 2 x 2 contrast of svyby means: same estimate and SE; R's svycontrast has no df of its own
b <- svyby(~enroll, ~comp.imp + sch.wide, subset(dclus2, !is.na(enroll)), svymean, covmat = TRUE)
cc <- svycontrast(b, c("No.No" = 1, "Yes.No" = -1, "No.Yes" = -1, "Yes.Yes" = 1))
cases[[length(cases)]]$contrast <- unname(coef(cc))
cases[[length(cases)]]$contrast_se <- unname(SE(cc))

# ---------------------------------------------------------------- simulated two-wave panel
tw <- read.csv(file.path(GOLDEN_DIR, "compare_twowave.csv"), stringsAsFactors = FALSE)
dtw <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = tw)
glm_did("did_df_twowave_victim", "svyglm(victim ~ treat * post, dtw)", "twowave", "victim",
        "treat", "post")
glm_did("did_df_twowave_trust", "svyglm(trust ~ treat * post, dtw)", "twowave", "trust",
        "treat", "post")
# by = sex: the model fitted in each domain (subset keeps the design; degf of the domain)
for (s in c("f", "m")) {
  glm_did(paste0("did_df_twowave_trust_sex_", s),
          sprintf("svyglm(trust ~ treat * post, subset(dtw, sex == \"%s\"))", s), "twowave",
          "trust", "treat", "post", by = list(by = list(sex = s)))
}

write_golden(cases, "compare_did_df.json", "compare_did_df.R")
cat("wrote tests/golden/compare_did_df.json\n")
