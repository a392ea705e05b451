# Golden values for svychisq's "lincom", "saddlepoint" and "wls-score" statistics.
#
# Run from the repository root:   Rscript tests/golden/compare_chisq.R
# Writes tests/golden/compare_chisq.json. Data: R's api data (Python reads
# ../shared/realdata/rsurvey/*.csv) and the simulated two-wave panel written by compare.R
# (tests/golden/compare_twowave.csv).
#
# Three R set-ups are recorded, because they give different numbers:
#   * survey 4.1.1 as installed (no CompQuadForm: Debian has no package for it). Then
#     statistic = "lincom" warns "Package 'CompQuadForm' not found, using saddlepoint
#     approximation" and returns the saddlepoint p-value  -> p_value
#   * the same with CompQuadForm on the library path (env CQF_LIB = a library holding it,
#     e.g. built with `R CMD INSTALL -l DIR CompQuadForm_1.4.3.tar.gz`): "lincom" is then
#     Davies' algorithm (CompQuadForm::davies, acc = 1e-7)  -> p_value_davies
#   * "wls-score" exists only in survey >= 4.2 (svychisqzero + svyscoretest). With env
#     SURVEY_NEW_LIB = a library holding a newer survey (4.5 was used), this script re-runs
#     itself in that library with --wls-score and records R's result  -> wls_* cases.
# Cases missing their set-up are left out (the header says which set-ups were used).

args <- commandArgs(trailingOnly = TRUE)
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

data(api)
tw <- read.csv(file.path(GOLDEN_DIR, "compare_twowave.csv"), stringsAsFactors = FALSE)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dtw <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = tw)
DESIGNS <- list(
  apistrat = list(data = "rsurvey:apistrat.csv", weight = "pw", strata = "stype", psu = NULL, fpc = "fpc"),
  apiclus1 = list(data = "rsurvey:apiclus1.csv", weight = "pw", strata = NULL, psu = "dnum", fpc = "fpc"),
  twowave = list(data = "golden:compare_twowave.csv", weight = "w", strata = "stratum", psu = "psu", fpc = NULL)
)
SPECS <- list(list("apiclus1", "dclus1", "sch.wide", "stype"),
              list("apistrat", "dstrat", "stype", "awards"),
              list("apiclus1", "dclus1", "stype", "awards"),
              list("twowave", "dtw", "fear", "wave"),
              list("twowave", "dtw", "agegrp", "victim"),
              list("twowave", "dtw", "fear", "agegrp"))
chisq_call <- function(spec, st)
  sprintf("svychisq(~%s + %s, %s, statistic = \"%s\")", spec[[3]], spec[[4]], spec[[2]], st)

# ------------------------------------------------------------ child: survey >= 4.2
if (length(args) >= 2 && args[1] == "--wls-score") {
  out <- do.call(rbind, lapply(SPECS, function(spec) {
    r <- eval(parse(text = chisq_call(spec, "wls-score")))
    full <- function(x) sprintf("%.17g", unname(x))  # write.csv would keep 15 digits
    data.frame(design = spec[[1]], rows = spec[[3]], cols = spec[[4]],
               value = full(r$statistic), ndf = full(r$parameter[1]),
               ddf = full(r$parameter[2]), p_value = full(r$p.value),
               survey_version = as.character(packageVersion("survey")))
  }))
  write.csv(out, args[2], row.names = FALSE)
  quit(save = "no")
}

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
num <- function(x) as.list(unname(as.numeric(x)))

# The pieces R hands to pFsum, for diagnosis: Delta's eigenvalues and ddf = d0 * nu.
delta_parts <- function(spec) {
  design <- get(spec[[2]])
  r <- svychisq(as.formula(sprintf("~%s + %s", spec[[3]], spec[[4]])), design, statistic = "F")
  env <- new.env()
  # recompute Delta as svychisq does (eigenvalues are what pFsum uses)
  rows <- as.name(spec[[3]]); cols <- as.name(spec[[4]])
  vars <- design$variables
  nr <- length(na.omit(unique(vars[[spec[[3]]]]))); nc <- length(na.omit(unique(vars[[spec[[4]]]])))
  fsat <- eval(bquote(~interaction(factor(.(rows)), factor(.(cols))) - 1))
  mm <- model.matrix(fsat, model.frame(fsat, vars, na.action = na.pass))
  N <- nrow(mm)
  mean2 <- svymean(mm, design, na.rm = TRUE)
  mf1 <- expand.grid(rows = 1:nr, cols = 1:nc)
  X1 <- model.matrix(~factor(rows) + factor(cols), mf1)
  X12 <- model.matrix(~factor(rows) * factor(cols), mf1)
  Cmat <- qr.resid(qr(X1), X12[, -(1:(nr + nc - 1)), drop = FALSE])
  iD <- diag(ifelse(mean2 == 0, 0, 1 / mean2))
  Delta <- solve(t(Cmat) %*% (iD / N) %*% Cmat, t(Cmat) %*% iD %*% attr(mean2, "var") %*% iD %*% Cmat)
  list(eigen = num(eigen(Delta, only.values = TRUE)$values), ddf = unname(r$parameter[2]))
}

for (spec in SPECS) {
  parts <- delta_parts(spec)
  for (st in c("saddlepoint", "lincom")) {
    call <- chisq_call(spec, st)
    warned <- character()
    r <- withCallingHandlers(eval(parse(text = call)), warning = function(w) {
      warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning")
    })
    add(list(id = paste("chisq", spec[[1]], spec[[3]], spec[[4]], st, sep = "_"),
             kind = "svychisq_extra", r_call = call, design = spec[[1]], rows = spec[[3]],
             cols = spec[[4]], statistic = st, value = unname(r$statistic),
             p_value = unname(r$p.value), delta_eigen = parts$eigen, ddf = parts$ddf,
             r_warnings = as.list(warned),
             notes = if (st == "lincom" && length(warned))
               "R without CompQuadForm: lincom falls back to the saddlepoint approximation" else NULL))
  }
}

# ------------------------------------------------------------ lincom with CompQuadForm
cqf <- Sys.getenv("CQF_LIB", "")
setups <- list(survey_4.1.1_plain = TRUE)
if (nzchar(cqf) && dir.exists(file.path(cqf, "CompQuadForm"))) {
  .libPaths(c(cqf, .libPaths()))
  stopifnot(requireNamespace("CompQuadForm", quietly = TRUE))
  setups$compquadform <- as.character(packageVersion("CompQuadForm"))
  for (spec in SPECS) {
    call <- chisq_call(spec, "lincom")
    r <- eval(parse(text = call))
    add(list(id = paste("davies", spec[[1]], spec[[3]], spec[[4]], sep = "_"),
             kind = "svychisq_davies", r_call = call, design = spec[[1]], rows = spec[[3]],
             cols = spec[[4]], statistic = "lincom", value = unname(r$statistic),
             p_value = unname(r$p.value),
             notes = "CompQuadForm::davies(0, c(eigen(Delta), -X2/ddf), c(1,..,1, ddf), acc = 1e-7)$Qq; h is truncated to integer"))
  }
}

# ------------------------------------------------------------ wls-score (survey >= 4.2)
newlib <- Sys.getenv("SURVEY_NEW_LIB", "")
if (nzchar(newlib) && dir.exists(file.path(newlib, "survey"))) {
  tmp <- tempfile(fileext = ".csv")
  status <- system2("Rscript", c("tests/golden/compare_chisq.R", "--wls-score", tmp),
                    env = paste0("R_LIBS=", newlib))
  stopifnot(status == 0)
  w <- read.csv(tmp, stringsAsFactors = FALSE, colClasses = c(survey_version = "character"))
  setups$wls_score_survey <- w$survey_version[1]
  for (i in seq_len(nrow(w))) {
    spec <- SPECS[[i]]
    add(list(id = paste("wls", w$design[i], w$rows[i], w$cols[i], sep = "_"),
             kind = "svychisq_wls", r_call = chisq_call(spec, "wls-score"),
             design = w$design[i], rows = w$rows[i], cols = w$cols[i], statistic = "wls-score",
             value = w$value[i], ndf = w$ndf[i], ddf = w$ddf[i], p_value = w$p_value[i],
             survey_version = w$survey_version[i]))
  }
}

write_golden(cases, "compare_chisq.json", "compare_chisq.R",
             extra_header = list(designs = DESIGNS, setups = setups))
