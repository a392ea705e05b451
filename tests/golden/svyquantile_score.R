# Golden values for svyquantile(interval.type = "score") (survey >= 4: ffullerCI, the
# Francisco-Fuller score interval: uniroot of svymean((x > theta) - (1 - p)) / SE - t on
# [min + IQR/100, max - IQR/100] with tol = 1 / (100 sqrt(nrow(design))), limits mapped
# through the qrule at the UNWEIGHTED share mean(x <= root), as R computes it). Cases from
# ?svyquantile's designs (dclus1, dstrat), with qrule = "hf8", df = Inf, NAs (na.rm = TRUE)
# and domains (svyby = the subset design). Run from the repository root:
#   Rscript tests/golden/svyquantile_score.R   -> tests/golden/svyquantile_score.json
source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
# the CSV exports (15 significant digits) that the Python side reads
apiclus1 <- read.csv(file.path(REALDATA, "rsurvey/apiclus1.csv"))
apistrat <- read.csv(file.path(REALDATA, "rsurvey/apistrat.csv"))
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
designs <- list(dclus1 = dclus1, dstrat = dstrat)
specs <- list(
  list("dclus1", "api00", c(0.25, 0.5, 0.75), "math", NULL, NULL, FALSE),
  list("dclus1", "ell", c(0.25, 0.5, 0.75), "hf8", NULL, NULL, FALSE),
  list("dclus1", "api00", c(0.5), "math", Inf, NULL, FALSE),
  list("dstrat", "api00", c(0.1, 0.5, 0.9), "math", NULL, NULL, FALSE),
  list("dstrat", "acs.k3", c(0.5, 0.75), "math", NULL, NULL, TRUE),
  list("dclus1", "api00", c(0.25, 0.5), "math", NULL, "stype", FALSE),
  list("dstrat", "enroll", c(0.5), "hf7", NULL, "stype", FALSE)
)
cases <- list()
for (s in specs) {
  dn <- s[[1]]; v <- s[[2]]; qs <- s[[3]]; qr <- s[[4]]; dfv <- s[[5]]; by <- s[[6]]
  narm <- s[[7]]
  d <- designs[[dn]]
  groups <- if (is.null(by)) list(NULL) else as.list(sort(unique(d$variables[[by]])))
  rows <- list()
  for (g in groups) {
    dd <- if (is.null(g)) d else d[d$variables[[by]] == g, ]
    r <- svyquantile(as.formula(paste0("~", v)), dd, qs, interval.type = "score",
                     qrule = qr, df = dfv, na.rm = narm)[[1]]
    for (k in seq_along(qs)) {
      row <- list(variable = v, quantile = qs[k], estimate = unname(r[k, 1]),
                  ci_low = unname(r[k, 2]), ci_high = unname(r[k, 3]),
                  se = unname(r[k, 4]))
      if (!is.null(g)) row$by <- setNames(list(g), by)
      rows[[length(rows) + 1]] <- row
    }
  }
  call <- sprintf("svyquantile(~%s, %s, c(%s), interval.type = 'score', qrule = '%s'%s%s)",
                  v, dn, paste(qs, collapse = ", "), qr,
                  if (is.null(dfv)) "" else ", df = Inf", if (narm) ", na.rm = TRUE" else "")
  if (!is.null(by)) call <- paste0(call, sprintf(" within each %s (svyby)", by))
  cases[[length(cases) + 1]] <- list(id = call, design = dn, variable = v,
    quantiles = as.list(qs), qrule = qr, df = if (is.null(dfv)) "design" else "Inf",
    by = if (is.null(by)) list() else list(by), na_rm = narm, rows = rows)
}
write_golden(cases, "svyquantile_score.json", "svyquantile_score.R")
