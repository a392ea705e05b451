# Golden values for survey.sae on real data: ENUSC 2023 communes (INE Chile), R's sae 1.3.
#
# Run from the repository root:   Rscript tests/golden/sae_enusc.R
# Reads ../shared/realdata/enusc/enusc_2023_subset.csv.gz (SURVEY_REALDATA overrides; the
# microdata are never copied) and writes tests/golden/sae_enusc.json: commune-level direct
# estimates and model results only.
#
# Direct inputs: svyby(~v, ~enc_rpc, des, svymean) on the full design with the commune
#   household weight Fact_Hog_Com (strata VarStrat, PSU Conglomerado; every commune is one
#   stratum with 13+ PSUs, so no lonely PSU and the commune df is PSUs - 1 = degf(subset)).
#   vardir = SE^2. Communes with a zero direct variance (VH_DV = 0 in every sampled
#   household: one commune) are left out of the fit, as survey.sae.fh does.
# Model: eblupFH(y ~ as.factor(enc_region), vardir, method=) and mseFH(same) for REML, ML
#   and FH (sae defaults MAXITER=100, PRECISION=1e-4): region effects, 16 regions.
# Out-of-sample communes (the zero-variance one): sae has no prediction for them; the
#   synthetic x'beta and its model MSE A + x'(X'V^-1X)^-1 x are computed here from sae's fit.

suppressPackageStartupMessages({
  library(survey)
  library(sae)
  library(jsonlite)
})
options(survey.lonely.psu = "certainty")

REALDATA <- Sys.getenv("SURVEY_REALDATA", "../shared/realdata")
path <- file.path(REALDATA, "enusc", "enusc_2023_subset.csv.gz")
if (!file.exists(path)) stop("ENUSC file not found: ", path, " (set SURVEY_REALDATA)")
enusc <- read.csv(path)
des <- svydesign(id = ~Conglomerado, strata = ~VarStrat, weights = ~Fact_Hog_Com,
                 data = enusc)
region <- tapply(enusc$enc_region, enusc$enc_rpc, function(r) r[1])
stopifnot(all(tapply(enusc$enc_region, enusc$enc_rpc, function(r) length(unique(r))) == 1))

variable_case <- function(v) {
  b <- svyby(as.formula(paste0("~", v)), ~enc_rpc, des, svymean)
  dir <- data.frame(enc_rpc = b$enc_rpc, y = unname(coef(b)), var = unname(SE(b))^2)
  dir$enc_region <- as.integer(region[as.character(dir$enc_rpc)])
  dir$n <- as.vector(table(enusc$enc_rpc)[as.character(dir$enc_rpc)])
  dir$df <- sapply(dir$enc_rpc, function(a) degf(subset(des, enc_rpc == a)))
  keep <- dir$var > 0
  fitdat <- dir[keep, ]
  X_all <- model.matrix(~ as.factor(enc_region), dir)
  methods <- list()
  for (m in c("REML", "ML", "FH")) {
    fit <- eblupFH(y ~ as.factor(enc_region), var, method = m, data = fitdat)
    mse <- mseFH(y ~ as.factor(enc_region), var, method = m, data = fitdat)
    A <- fit$fit$refvar
    beta <- fit$fit$estcoef$beta
    X <- X_all[keep, , drop = FALSE]
    Q <- solve(crossprod(X / (A + fitdat$var), X))
    Xo <- X_all[!keep, , drop = FALSE]
    methods[[m]] <- list(
      method = m,
      refvar = A,
      iterations = fit$fit$iterations,
      convergence = fit$fit$convergence,
      beta = unname(beta),
      beta_se = unname(fit$fit$estcoef$std.error),
      loglike = unname(fit$fit$goodness["loglike"]),
      AIC = unname(fit$fit$goodness["AIC"]),
      BIC = unname(fit$fit$goodness["BIC"]),
      eblup = as.vector(fit$eblup),
      mse = as.vector(mse$mse),
      out_of_sample = as.list(dir$enc_rpc[!keep]),
      synthetic_out = as.list(as.vector(Xo %*% beta)),
      mse_out = as.list(as.vector(A + rowSums((Xo %*% Q) * Xo))),
      r_call = sprintf(paste0("eblupFH(%s ~ as.factor(enc_region), var, method=\"%s\", ",
                              "data=dir[dir$var > 0, ]); mseFH(same)"), "y", m)
    )
  }
  list(
    variable = v,
    direct = list(enc_rpc = dir$enc_rpc, estimate = dir$y, var = dir$var,
                  enc_region = dir$enc_region, n = dir$n, df = dir$df),
    direct_call = sprintf("svyby(~%s, ~enc_rpc, des, svymean); var = SE^2", v),
    methods = methods
  )
}

out <- list(
  header = list(
    generated_by = "Rscript tests/golden/sae_enusc.R",
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey")),
    sae_version = as.character(packageVersion("sae")),
    date = as.character(Sys.Date()),
    data = "enusc/enusc_2023_subset.csv.gz (../shared/realdata)",
    design = paste0("svydesign(id=~Conglomerado, strata=~VarStrat, weights=~Fact_Hog_Com, ",
                    "data=enusc); options(survey.lonely.psu=\"certainty\")")
  ),
  cases = list(VH_DC = variable_case("VH_DC"), VH_DV = variable_case("VH_DV"))
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/golden/sae_enusc.json")
