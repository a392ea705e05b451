# Golden values for contrasts of estimates (R's svycontrast) and their covariance (vcov),
# from R survey's own help example (?svycontrast: totals of api00, enroll, api99 on dclus1;
# the skewness coefficient from moments; geometric means by the delta method on dclus1 and on
# rclus1 = as.svrepdesign(dclus1) (JK1), and by transforming replicates with
# return.replicates = TRUE; shares of svyby totals), plus ratios of means on the JK1 design.
#
# On replicate designs R's svycontrast uses the delta method with the replicate covariance
# unless the statistic carries its replicates (return.replicates = TRUE), when the contrast
# is applied to every replicate: `method` is "delta" or "replicates" accordingly.
#
# Run from the repository root:   Rscript tests/golden/svycontrast.R -> svycontrast.json
# Data: R's api data, read by Python from ../shared/realdata/rsurvey (tests skip without it).
# Expressions are deparse()d R calls: the Python contrast parser reads the same text.

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
data(api)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
rclus1 <- as.svrepdesign(dclus1)            # JK1, as in ?svycontrast
designs <- list(dclus1 = dclus1, rclus1 = rclus1)

cases <- list()
# spec: a named list; each entry a numeric vector (linear, named or not) or a call
spec_json <- function(spec) {
  lapply(spec, function(s) {
    if (is.language(s)) list(expression = paste(deparse(s), collapse = ""))
    else if (!is.null(names(s))) list(named = as.list(s))
    else list(coefficients = as.list(unname(s)))
  })
}
add_case <- function(id, design, statistic, variables, by, spec, method, r_call, stat_call) {
  st <- eval(stat_call)
  cn <- svycontrast(st, spec)
  if (is.list(cn) && !is.null(cn$nlcon)) cn <- cn$nlcon
  if (is.list(cn) && !is.null(cn$contrast)) cn <- cn$contrast
  est <- as.numeric(unclass(cn))
  v <- as.matrix(attr(cn, "var"))
  nm <- names(spec)
  cases[[length(cases) + 1]] <<- list(id = id, design = design, statistic = statistic,
    variables = as.list(variables), by = by, contrasts = spec_json(spec), method = method,
    names = as.list(names(coef(st))), r_call = r_call,
    rows = lapply(seq_along(est), function(i) list(variable = nm[i], estimate = est[i],
      se = sqrt(v[i, i]))),
    vcov = lapply(seq_len(nrow(v)), function(i) as.list(unname(v[i, ]))))
}

for (dn in names(designs)) {
  des <- designs[[dn]]
  # ?svycontrast: linear contrasts of totals (unnamed, named with zeroes omitted)
  add_case(paste0(dn, "_totals_linear"), dn, "total", c("api00", "enroll", "api99"), NULL,
    list(avg = c(0.5, 0, 0.5), diff = c(1, 0, -1)), "delta",
    sprintf("svycontrast(svytotal(~api00+enroll+api99, %s), list(avg=c(0.5,0,0.5), diff=c(1,0,-1)))", dn),
    bquote(svytotal(~api00 + enroll + api99, .(as.name(dn)))))
  add_case(paste0(dn, "_totals_named"), dn, "total", c("api00", "enroll", "api99"), NULL,
    list(avg = c(api00 = 0.5, api99 = 0.5), diff = c(api00 = 1, api99 = -1)), "delta",
    sprintf("svycontrast(svytotal(~api00+enroll+api99, %s), list(avg=c(api00=0.5,api99=0.5), diff=c(api00=1,api99=-1)))", dn),
    bquote(svytotal(~api00 + enroll + api99, .(as.name(dn)))))
  add_case(paste0(dn, "_totals_ratio"), dn, "total", c("api00", "enroll", "api99"), NULL,
    list(contrast = quote(api00 / api99)), "delta",
    sprintf("svycontrast(svytotal(~api00+enroll+api99, %s), quote(api00/api99))", dn),
    bquote(svytotal(~api00 + enroll + api99, .(as.name(dn)))))
  # ?svycontrast: standardised skewness coefficient from the moments
  add_case(paste0(dn, "_skewness"), dn, "mean", c("I(api00^3)", "I(api00^2)", "I(api00)"), NULL,
    list(contrast = quote((`I(api00^3)` - 3 * `I(api00^2)` * `I(api00)` + 3 * `I(api00)` *
      `I(api00)`^2 - `I(api00)`^3) / (`I(api00^2)` - `I(api00)`^2)^1.5)), "delta",
    sprintf("svycontrast(svymean(~I(api00^3)+I(api00^2)+I(api00), %s), quote(skewness))", dn),
    bquote(svymean(~I(api00^3) + I(api00^2) + I(api00), .(as.name(dn)))))
  # ?svycontrast: geometric means by the delta method
  gm <- list(api00 = quote(exp(`log(api00)`)), api99 = quote(exp(`log(api99)`)))
  add_case(paste0(dn, "_geomean"), dn, "mean", c("log(api00)", "log(api99)"), NULL, gm, "delta",
    sprintf("svycontrast(svymean(~log(api00)+log(api99), %s), list(api00=quote(exp(`log(api00)`)), api99=quote(exp(`log(api99)`))))", dn),
    bquote(svymean(~log(api00) + log(api99), .(as.name(dn)))))
  # ratio of means and the geometric mean of the two years (not mixed with a linear contrast:
  # R then evaluates c(api00=1, api99=-1) as an expression, giving 1 with SE 0)
  add_case(paste0(dn, "_mean_ratio"), dn, "mean", c("api00", "api99"), NULL,
    list(ratio = quote(api00 / api99), gm = quote(sqrt(api00 * api99))), "delta",
    sprintf("svycontrast(svymean(~api00+api99, %s), list(ratio=quote(api00/api99), gm=quote(sqrt(api00*api99))))", dn),
    bquote(svymean(~api00 + api99, .(as.name(dn)))))
  # ?svycontrast: shares of svyby totals (covmat = TRUE)
  add_case(paste0(dn, "_by_shares"), dn, "total", c("enroll"), "stype",
    list(E = quote(E / (E + H + M)), H = quote(H / (E + H + M)), M = quote(M / (E + H + M))),
    "delta",
    sprintf("svycontrast(svyby(~enroll, ~stype, %s, svytotal, covmat=TRUE), list(E=quote(E/(E+H+M)), ...))", dn),
    bquote(svyby(~enroll, ~stype, .(as.name(dn)), svytotal, covmat = TRUE)))
}
# transforming replicates: R's return.replicates = TRUE
add_case("rclus1_geomean_replicates", "rclus1", "mean", c("log(api00)", "log(api99)"), NULL,
  list(api00 = quote(exp(`log(api00)`)), api99 = quote(exp(`log(api99)`))), "replicates",
  "svycontrast(svymean(~log(api00)+log(api99), rclus1, return.replicates=TRUE), list(api00=quote(exp(`log(api00)`)), api99=quote(exp(`log(api99)`))))",
  quote(svymean(~log(api00) + log(api99), rclus1, return.replicates = TRUE)))
add_case("rclus1_mean_ratio_replicates", "rclus1", "mean", c("api00", "api99"), NULL,
  list(ratio = quote(api00 / api99), gm = quote(sqrt(api00 * api99))), "replicates",
  "svycontrast(svymean(~api00+api99, rclus1, return.replicates=TRUE), list(ratio=quote(api00/api99), gm=quote(sqrt(api00*api99))))",
  quote(svymean(~api00 + api99, rclus1, return.replicates = TRUE)))
add_case("rclus1_by_shares_replicates", "rclus1", "total", c("enroll"), "stype",
  list(E = quote(E / (E + H + M)), H = quote(H / (E + H + M)), M = quote(M / (E + H + M))),
  "replicates",
  "svycontrast(svyby(~enroll, ~stype, rclus1, svytotal, covmat=TRUE, return.replicates=TRUE), list(E=quote(E/(E+H+M)), ...))",
  quote(svyby(~enroll, ~stype, rclus1, svytotal, covmat = TRUE, return.replicates = TRUE)))

# covariance matrices of estimates (R's vcov; svyby(..., covmat = TRUE))
cov_cases <- list()
for (dn in names(designs)) {
  des <- designs[[dn]]
  for (call in list(
    list(statistic = "mean", variables = c("api00", "api99", "enroll"), by = NULL,
         stat = bquote(svymean(~api00 + api99 + enroll, .(as.name(dn))))),
    list(statistic = "total", variables = c("api00", "stype"), by = NULL,
         stat = bquote(svytotal(~api00 + stype, .(as.name(dn))))),
    list(statistic = "mean", variables = c("api00", "api99"), by = "stype",
         stat = bquote(svyby(~api00 + api99, ~stype, .(as.name(dn)), svymean, covmat = TRUE))))) {
    st <- eval(call$stat)
    v <- as.matrix(vcov(st))
    cases[[length(cases) + 1]] <- list(id = paste0(dn, "_vcov_", call$statistic, "_",
        paste(call$variables, collapse = "_"), if (!is.null(call$by)) "_by" else ""),
      kind = "covmat", design = dn, statistic = call$statistic,
      variables = as.list(call$variables), by = call$by,
      r_call = paste0("vcov(", paste(deparse(call$stat), collapse = ""), ")"),
      names = as.list(names(coef(st))), estimate = as.list(unname(coef(st))),
      vcov = lapply(seq_len(nrow(v)), function(i) as.list(unname(v[i, ]))))
  }
}
write_golden(cases, "svycontrast.json", "svycontrast.R")
