# Golden values for the estimation engine (survey.engine / Design verbs).
#
# Run from the repository root:   Rscript tests/golden/make_engine.R
# Writes tests/golden/engine.json and the synthetic data sets tests/golden/synth_*.csv.
# Real data: R's own `api`, `nhanes` and `yrbs` objects; the cases record the CSV export
# in ../shared/realdata/rsurvey/ that Python reads (checked equal below, see header
# "data_checks").

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- mkcase(...)
run <- function(code) eval(parse(text = code), envir = globalenv())
NOBY <- structure(list(), names = character())
LEVELS <- c(0.90, 0.95, 0.99)
CIPROP_METHODS <- c("logit", "likelihood", "asin", "beta", "mean", "xlogit")

# ============================================================ data checks (CSV == R data)
data(api)
data(nhanes)
data(yrbs)
check_csv <- function(robj, file) {
  path <- file.path(REALDATA, "rsurvey", file)
  if (!file.exists(path)) return(list(file = file, checked = FALSE))
  x <- read.csv(path, stringsAsFactors = FALSE, na.strings = c("", "NA"))
  same_shape <- nrow(x) == nrow(robj) && identical(names(x), names(robj))
  maxdiff <- 0
  nadiff <- character()
  textdiff <- character()
  for (v in names(robj)) {
    a <- robj[[v]]; b <- x[[v]]
    if (is.numeric(a) && is.numeric(b)) {
      maxdiff <- max(maxdiff, abs(as.vector(a) - b) / pmax(1, abs(b)), na.rm = TRUE)
      if (!identical(is.na(as.vector(a)), is.na(b))) nadiff <- c(nadiff, v)
    } else if (!identical(as.character(a), as.character(b))) textdiff <- c(textdiff, v)
  }
  list(file = paste0("rsurvey/", file), checked = TRUE, same_rows_and_columns = same_shape,
       max_rel_numeric_diff = maxdiff, columns_with_different_na = as.list(nadiff),
       columns_differing_as_text = as.list(textdiff))
}
data_checks <- list(check_csv(apistrat, "apistrat.csv"), check_csv(apiclus1, "apiclus1.csv"),
                    check_csv(apiclus2, "apiclus2.csv"), check_csv(nhanes, "nhanes.csv"),
                    check_csv(yrbs, "yrbs.csv"))
CSV_NOTE <- paste("The CSV export equals R's data set row for row; numeric columns agree to",
                  "<1e-13 relative (the CSV was written with 15 significant digits), NA in the",
                  "same places. Read `cds` as text (leading zeros).")

# ============================================================ synthetic data
set.seed(20240611)

# --- synth_strat: 8 strata, PSU ids 1..n_h reused in every stratum (needs nest=TRUE),
#     NA in y / z, a 4-category item, a rare domain, a by-variable with NA.
npsu <- c(2, 3, 4, 5, 3, 4, 2, 5)
rows <- list()
for (h in seq_along(npsu)) for (j in seq_len(npsu[h])) {
  m <- sample(4:8, 1)
  rows[[length(rows) + 1]] <- data.frame(stratum = h, psu = j, m = m)
}
ps <- do.call(rbind, rows)
ss <- ps[rep(seq_len(nrow(ps)), ps$m), c("stratum", "psu")]
n <- nrow(ss)
psu_eff <- rnorm(nrow(ps), 0, 3)[rep(seq_len(nrow(ps)), ps$m)]
ss$w <- round(runif(n, 20, 80) * (1 + ss$stratum / 4), 3)
ss$x <- round(runif(n, 5, 25), 2)
ss$y <- round(50 + 2 * ss$stratum + 1.5 * ss$x + psu_eff + rnorm(n, 0, 8), 2)
ss$y[sample(n, round(0.08 * n))] <- NA
ss$z <- rbinom(n, 1, plogis(-0.7 + 0.15 * ss$stratum + psu_eff / 4))
ss$z[sample(n, round(0.05 * n))] <- NA
ss$cat3 <- sample(c("a", "b", "c", "d"), n, replace = TRUE, prob = c(0.4, 0.3, 0.2, 0.1))
ss$dom <- ifelse(runif(n) < 0.5, "d1", "d2")
# rare domain d3: only a few PSUs (some strata with exactly one PSU in the domain)
rare <- (ss$stratum == 2 & ss$psu == 1) | (ss$stratum == 4 & ss$psu %in% c(2, 3)) |
  (ss$stratum == 6 & ss$psu == 4)
ss$dom[rare & runif(n) < 0.6] <- "d3"
ss$grp <- sample(c("g1", "g2"), n, replace = TRUE)
ss$grp[sample(n, round(0.06 * n))] <- NA
rownames(ss) <- NULL
write.csv(ss, file.path(GOLDEN_DIR, "synth_strat.csv"), row.names = FALSE, na = "")

# --- synth_lonely: 6 strata, strata 5 and 6 have a single PSU; fpc as PSU counts
npsu <- c(3, 2, 4, 3, 1, 1)
Npsu <- c(10, 6, 12, 9, 4, 1)  # stratum 6 is a certainty PSU in the population too
rows <- list(); id <- 100
for (h in seq_along(npsu)) for (j in seq_len(npsu[h])) {
  id <- id + 1
  rows[[length(rows) + 1]] <- data.frame(stratum = h, psu = id, m = sample(5:9, 1), N = Npsu[h])
}
ps <- do.call(rbind, rows)
ls_ <- ps[rep(seq_len(nrow(ps)), ps$m), c("stratum", "psu", "N")]
n <- nrow(ls_)
ls_$w <- round(runif(n, 10, 30) * (1 + (ls_$stratum >= 5)), 3)
ls_$y <- round(30 + 3 * ls_$stratum + rnorm(nrow(ps), 0, 4)[rep(seq_len(nrow(ps)), ps$m)] +
                 rnorm(n, 0, 6), 2)
ls_$z <- rbinom(n, 1, 0.35)
ls_$dom <- ifelse(ls_$stratum %in% c(1, 5) | runif(n) < 0.3, "A", "B")
rownames(ls_) <- NULL
write.csv(ls_, file.path(GOLDEN_DIR, "synth_lonely.csv"), row.names = FALSE, na = "")

# --- synth_twostage: 4 strata, PSUs then elements; FPC as sampling fractions (f1, f2) and
#     the same as population counts (N1, N2)
n1 <- c(2, 3, 4, 3); N1 <- c(7, 9, 15, 6)
rows <- list(); id <- 0
for (h in seq_along(n1)) for (j in seq_len(n1[h])) {
  id <- id + 1
  m <- sample(3:8, 1); M <- m * sample(3:10, 1)
  rows[[length(rows) + 1]] <- data.frame(stratum = h, psu = id, N1 = N1[h], n1 = n1[h],
                                         N2 = M, m = m)
}
ps <- do.call(rbind, rows)
ts <- ps[rep(seq_len(nrow(ps)), ps$m), ]
n <- nrow(ts)
ts$ssu <- ave(seq_len(n), ts$psu, FUN = seq_along)
ts$f1 <- ts$n1 / ts$N1
ts$f2 <- ts$m / ts$N2
ts$y <- round(20 + 4 * ts$stratum + rnorm(nrow(ps), 0, 5)[rep(seq_len(nrow(ps)), ps$m)] +
                rnorm(n, 0, 5), 2)
ts$x <- round(runif(n, 1, 4), 2)
ts$dom <- ifelse(runif(n) < 0.4, "u", "v")
ts <- ts[, c("stratum", "psu", "ssu", "N1", "N2", "f1", "f2", "y", "x", "dom")]
rownames(ts) <- NULL
write.csv(ts, file.path(GOLDEN_DIR, "synth_twostage.csv"), row.names = FALSE, na = "")

# read back what Python will read (identical doubles on both sides)
synth_strat <- read.csv(file.path(GOLDEN_DIR, "synth_strat.csv"), stringsAsFactors = FALSE, na.strings = c("", "NA"))
synth_lonely <- read.csv(file.path(GOLDEN_DIR, "synth_lonely.csv"), stringsAsFactors = FALSE, na.strings = c("", "NA"))
synth_twostage <- read.csv(file.path(GOLDEN_DIR, "synth_twostage.csv"), stringsAsFactors = FALSE, na.strings = c("", "NA"))

# ============================================================ api designs
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
dstrat <- update(dstrat, sch_wide_yes = as.numeric(sch.wide == "Yes"))
dclus1 <- update(dclus1, sch_wide_yes = as.numeric(sch.wide == "Yes"))
dclus2 <- update(dclus2, sch_wide_yes = as.numeric(sch.wide == "Yes"))
DER_SCH <- list(sch_wide_yes = list(source = "sch.wide", equals = "Yes"))

SPEC <- list(
  dstrat = design_spec(weight = "pw", strata = "stype", fpc = "fpc"),
  dclus1 = design_spec(weight = "pw", psu = "dnum", fpc = "fpc"),
  dclus2 = design_spec(weight = NULL, psu = c("dnum", "snum"), fpc = c("fpc1", "fpc2"))
)
DATA <- list(dstrat = "rsurvey/apistrat.csv", dclus1 = "rsurvey/apiclus1.csv",
             dclus2 = "rsurvey/apiclus2.csv")
DESIGN_CALL <- list(
  dstrat = "dstrat <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)",
  dclus1 = "dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)",
  dclus2 = "dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2, data=apiclus2)"
)
CLUS2_NOTE <- paste("apiclus2 design has no weights argument: R sets prob = (n1/fpc1) * (n2/fpc2)",
                    "with n1 = 40 sampled districts (rows' distinct dnum) and n2 = schools sampled",
                    "in the district, i.e. weight = (757/40) * fpc2/n2 (this equals the pw column).")

design_notes <- function(d) {
  paste(c(CSV_NOTE, if (d == "dclus2") CLUS2_NOTE), collapse = " ")
}

# ---- svymean / svytotal, ungrouped, deff=TRUE, df = Inf and df = degf(design)
for (d in names(SPEC)) {
  des <- get(d)
  nar <- d == "dclus2"  # enroll has 6 NA in apiclus2
  na_arg <- if (nar) ", na.rm=TRUE" else ""
  for (dfk in c("inf", "design")) {
    df <- if (dfk == "inf") Inf else degf(des)
    dfarg <- if (dfk == "inf") "" else sprintf(", df=degf(%s)", d)
    code <- sprintf("svymean(~api00+api99, %s, deff=TRUE)", d)
    obj <- run(code)
    add(id = sprintf("api_%s_mean_api00_api99_df%s", d, dfk),
        r_call = c(DESIGN_CALL[[d]], code, sprintf("confint(., level=0.95%s)", dfarg)),
        data = DATA[[d]], design = SPEC[[d]], statistic = "mean",
        variables = c("api00", "api99"),
        rows = rows_svystat(obj, coef_labels(c("api00", "api99"), des), 0.95, df),
        df = if (dfk == "inf") Inf else "design", notes = design_notes(d))
    code <- sprintf("svytotal(~enroll, %s, deff=TRUE%s)", d, na_arg)
    obj <- run(code)
    add(id = sprintf("api_%s_total_enroll_df%s", d, dfk),
        r_call = c(DESIGN_CALL[[d]], code, sprintf("confint(., level=0.95%s)", dfarg)),
        data = DATA[[d]], design = SPEC[[d]], statistic = "total", variables = "enroll",
        rows = rows_svystat(obj, coef_labels("enroll", des), 0.95, df),
        df = if (dfk == "inf") Inf else "design", na_rm = nar, notes = design_notes(d))
  }
  # factor with 3 categories: proportions and totals
  code <- sprintf("svymean(~stype, %s, deff=TRUE)", d)
  obj <- run(code)
  add(id = sprintf("api_%s_prop_stype", d), r_call = c(DESIGN_CALL[[d]], code, "confint(.)"),
      data = DATA[[d]], design = SPEC[[d]], statistic = "prop", variables = "stype",
      categorical = "stype",
      rows = rows_svystat(obj, coef_labels("stype", des, "stype"), 0.95, Inf),
      notes = paste(design_notes(d), if (d == "dstrat")
        "stype is the stratum variable: with fpc the stratum shares are fixed, SE is exactly 0 and R's deff is 0 (v = 0, vsrs > 0)."))
  code <- sprintf("svytotal(~stype, %s, deff=TRUE)", d)
  obj <- run(code)
  add(id = sprintf("api_%s_total_stype", d), r_call = c(DESIGN_CALL[[d]], code, "confint(.)"),
      data = DATA[[d]], design = SPEC[[d]], statistic = "total", variables = "stype",
      categorical = "stype",
      rows = rows_svystat(obj, coef_labels("stype", des, "stype"), 0.95, Inf),
      notes = design_notes(d))
  # ratio
  code <- sprintf("svyratio(~api.stu, ~enroll, %s, deff=TRUE%s)", d, na_arg)
  obj <- run(code)
  est <- coef(obj); se <- SE(obj); ci <- confint(obj)
  add(id = sprintf("api_%s_ratio_apistu_enroll", d),
      r_call = c(DESIGN_CALL[[d]], code, "confint(.)  # Wald, df=Inf"),
      data = DATA[[d]], design = SPEC[[d]], statistic = "ratio", variables = "api.stu",
      denominator = "enroll", na_rm = nar,
      rows = list(mkrow(NOBY, "api.stu", NULL, est, se, ci[1, 1], ci[1, 2],
                        attr(obj, "deff")[1, 1], Inf)),
      notes = paste(design_notes(d), "deff of a ratio = deff(svytotal(r, design)) where r is the",
                    "linearised residual (api.stu - R*enroll)/sum(w*enroll)."))
}

# ---- svyby means / totals with deff: df=Inf, design df, domain df
dom_degf <- function(des, byvar) {
  lev <- sort(unique(model.frame(des)[[byvar]]))
  sapply(lev, function(l) degf(des[model.frame(des)[[byvar]] == l, ]))
}
for (d in names(SPEC)) {
  des <- get(d)
  for (stat in c("mean", "total")) {
    var <- if (stat == "mean") "api00" else "enroll"
    nar <- d == "dclus2" && var == "enroll"
    code <- sprintf("svyby(~%s, ~stype, %s, svy%s, deff=TRUE%s)", var, d, stat,
                    if (nar) ", na.rm=TRUE" else "")
    b <- run(code)
    for (dfk in c("inf", "design", "domain")) {
      df <- switch(dfk, inf = Inf, design = degf(des), domain = dom_degf(des, "stype"))
      ccall <- switch(dfk, inf = "confint(.)  # default df=Inf",
                      design = sprintf("confint(., df=degf(%s))", d),
                      domain = sprintf(paste("for each domain s: confint(svy%s(~%s, subset(%s, stype==s)),",
                                             "df=degf(subset(%s, stype==s)))"), stat, var, d, d))
      rows <- rows_svyby(b, "stype", coef_labels(var, des), 0.95, df)
      if (dfk == "domain") {  # verify the explicit subset computation gives the same numbers
        for (r in rows) {
          s <- r$by$stype
          sub <- subset(des, stype == s)
          o <- if (stat == "mean") svymean(as.formula(paste0("~", var)), sub, na.rm = nar)
               else svytotal(as.formula(paste0("~", var)), sub, na.rm = nar)
          ci <- confint(o, df = degf(sub))
          stopifnot(isTRUE(all.equal(c(r$ci_low, r$ci_high), unname(ci[1, ]), tolerance = 1e-12)))
        }
      }
      add(id = sprintf("api_%s_%s_%s_by_stype_df%s", d, stat, var, dfk),
          r_call = c(DESIGN_CALL[[d]], code, ccall), data = DATA[[d]], design = SPEC[[d]],
          statistic = stat, variables = var, by = "stype", na_rm = nar,
          df = if (dfk == "inf") Inf else dfk, rows = rows,
          notes = paste(design_notes(d), if (dfk == "domain")
            "domain df = degf(subset(design, domain)) = (#PSUs in domain) - (#strata in domain)."))
    }
  }
}

# svyby ratio and svyby on a factor (category proportions within domains)
code <- "svyby(~api.stu, ~stype, dclus1, svyratio, denominator=~enroll, deff=TRUE)"
b <- run(code)
add(id = "api_dclus1_ratio_apistu_enroll_by_stype", r_call = c(DESIGN_CALL$dclus1, code, "confint(.)"),
    data = DATA$dclus1, design = SPEC$dclus1, statistic = "ratio", variables = "api.stu",
    denominator = "enroll", by = "stype",
    rows = rows_svyby(b, "stype", coef_labels("api.stu", dclus1), 0.95, Inf),
    notes = design_notes("dclus1"))
code <- "svyby(~api.stu, ~stype, dstrat, svyratio, denominator=~enroll, deff=TRUE)"
b <- run(code)
add(id = "api_dstrat_ratio_apistu_enroll_by_stype", r_call = c(DESIGN_CALL$dstrat, code, "confint(.)"),
    data = DATA$dstrat, design = SPEC$dstrat, statistic = "ratio", variables = "api.stu",
    denominator = "enroll", by = "stype",
    rows = rows_svyby(b, "stype", coef_labels("api.stu", dstrat), 0.95, Inf),
    notes = design_notes("dstrat"))
code <- "svyby(~stype, ~sch.wide, dclus1, svymean, deff=TRUE)"
b <- run(code)
add(id = "api_dclus1_prop_stype_by_schwide", r_call = c(DESIGN_CALL$dclus1, code, "confint(.)"),
    data = DATA$dclus1, design = SPEC$dclus1, statistic = "prop", variables = "stype",
    by = "sch.wide", categorical = "stype",
    rows = rows_svyby(b, "sch.wide", coef_labels("stype", dclus1, "stype"), 0.95, Inf),
    notes = design_notes("dclus1"))

# ---- svyciprop: every method x level, whole sample (df = degf(design) by default)
for (d in c("dclus1", "dstrat")) {
  des <- get(d)
  for (m in CIPROP_METHODS) for (lv in LEVELS) {
    code <- sprintf("svyciprop(~sch_wide_yes, %s, method=\"%s\", level=%s)", d, m, lv)
    obj <- run(code)
    add(id = sprintf("api_%s_ciprop_schwide_%s_%02d", d, m, round(100 * lv)),
        r_call = c(DESIGN_CALL[[d]], sprintf("%s <- update(%s, sch_wide_yes=as.numeric(sch.wide==\"Yes\"))", d, d), code),
        data = DATA[[d]], design = SPEC[[d]], statistic = "ciprop", variables = "sch_wide_yes",
        derived = DER_SCH, ci = m, level = lv, df = degf(des),
        rows = rows_ciprop(obj, "sch_wide_yes", degf(des)),
        notes = design_notes(d))
  }
}
# ---- svyciprop on domains: svyby(..., svyciprop, vartype=c("se","ci")): df = degf(subset)
for (m in CIPROP_METHODS) for (lv in if (m %in% c("logit", "beta", "xlogit")) LEVELS else 0.95) {
  code <- sprintf("svyby(~sch_wide_yes, ~stype, dclus1, svyciprop, method=\"%s\", level=%s, vartype=c(\"se\",\"ci\"))", m, lv)
  b <- run(code)
  ddf <- dom_degf(dclus1, "stype")
  rows <- rows_svyby(b, "stype", coef_labels("sch_wide_yes", dclus1), lv, ddf, ci = "stored")
  # explicit check: equals svyciprop on subset with df=degf(subset)
  for (r in rows) {
    sub <- subset(dclus1, stype == r$by$stype)
    o <- svyciprop(~sch_wide_yes, sub, method = m, level = lv, df = degf(sub))
    stopifnot(isTRUE(all.equal(c(r$ci_low, r$ci_high), unname(attr(o, "ci")), tolerance = 1e-10)))
  }
  add(id = sprintf("api_dclus1_ciprop_schwide_by_stype_%s_%02d", m, round(100 * lv)),
      r_call = c(DESIGN_CALL$dclus1, "dclus1 <- update(dclus1, sch_wide_yes=as.numeric(sch.wide==\"Yes\"))", code,
                 "# equals svyciprop(~sch_wide_yes, subset(dclus1, stype==s), method=..., df=degf(subset(dclus1, stype==s)))"),
      data = DATA$dclus1, design = SPEC$dclus1, statistic = "ciprop", variables = "sch_wide_yes",
      by = "stype", derived = DER_SCH, ci = m, level = lv, df = "domain", rows = rows,
      notes = paste(design_notes("dclus1"), "svyciprop's default df=degf(design) is evaluated on",
                    "the domain subset inside svyby: domain df rule."))
}

# ---- svyquantile (survey 4.x: qrule='math', interval.type='mean' (Woodruff), df=degf)
QS <- c(0.25, 0.5, 0.75)
for (d in c("dclus1", "dstrat")) {
  des <- get(d)
  for (qr in c("math", "hf7", "school")) {
    code <- sprintf("svyquantile(~api00, %s, c(0.25, 0.5, 0.75), ci=TRUE%s)", d,
                    if (qr == "math") "" else sprintf(", qrule=\"%s\"", qr))
    obj <- run(code)
    add(id = sprintf("api_%s_quantile_api00_%s", d, qr), r_call = c(DESIGN_CALL[[d]], code),
        data = DATA[[d]], design = SPEC[[d]], statistic = "quantile", variables = "api00",
        ci = "mean", quantiles = QS, df = degf(des),
        extra_options = list(qrule = qr, interval_type = "mean"),
        rows = rows_quantile(obj, "api00", QS, degf(des)),
        notes = paste(design_notes(d), "Woodruff interval: CI for P(api00 <= q) by svymean with",
                      "df=degf(design), mapped back through the qrule; se = (ci_high-ci_low)/(2*qt(0.975, df))."))
  }
}
code <- "svyquantile(~api00, dclus1, c(0.25, 0.5, 0.75), ci=TRUE, interval.type=\"xlogit\")"
obj <- run(code)
add(id = "api_dclus1_quantile_api00_math_xlogit", r_call = c(DESIGN_CALL$dclus1, code),
    data = DATA$dclus1, design = SPEC$dclus1, statistic = "quantile", variables = "api00",
    ci = "xlogit", quantiles = QS, df = degf(dclus1),
    extra_options = list(qrule = "math", interval_type = "xlogit"),
    rows = rows_quantile(obj, "api00", QS, degf(dclus1)), notes = design_notes("dclus1"))
code <- "svyby(~api00, ~stype, dclus1, svyquantile, quantiles=c(0.25, 0.5, 0.75), ci=TRUE, vartype=c(\"se\",\"ci\"))"
b <- run(code)
add(id = "api_dclus1_quantile_api00_by_stype", r_call = c(DESIGN_CALL$dclus1, code),
    data = DATA$dclus1, design = SPEC$dclus1, statistic = "quantile", variables = "api00",
    by = "stype", ci = "mean", quantiles = QS, df = "domain",
    extra_options = list(qrule = "math", interval_type = "mean"),
    rows = {
      rr <- rows_svyby(b, "stype", lapply(QS, function(q) list(variable = "api00", category = NULL)),
                       0.95, dom_degf(dclus1, "stype"), ci = "stored")
      qq <- rep(QS, each = nrow(b))
      for (k in seq_along(rr)) rr[[k]]$quantile <- qq[k]
      rr
    },
    notes = paste(design_notes("dclus1"), "svyquantile's default df=NULL becomes degf(design) of",
                  "the domain subset: domain df rule; each row carries its quantile. When the Woodruff",
                  "interval for the probability leaves [0,1] R returns NaN for that limit and hence for",
                  "the SE (null in JSON): H and M at 0.25/0.75."))

# ============================================================ nhanes
nhanes_call <- "des <- svydesign(id=~SDMVPSU, strata=~SDMVSTRA, weights=~WTMEC2YR, nest=TRUE, data=nhanes)"
des_nh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)
SP_NH <- design_spec(weight = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", nest = TRUE)
NH_NOTE <- paste(CSV_NOTE, "HI_CHOL has 745 NA (empty/NA in the CSV). race is numeric 1-4;",
                 "agecat is a factor whose labels are in the CSV as text.")
des <- des_nh
code <- "svymean(~HI_CHOL, des, na.rm=TRUE, deff=TRUE)"
for (dfk in c("inf", "design")) {
  df <- if (dfk == "inf") Inf else degf(des)
  add(id = sprintf("nhanes_mean_hichol_df%s", dfk),
      r_call = c(nhanes_call, code, if (dfk == "inf") "confint(.)" else "confint(., df=degf(des))"),
      data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "mean", variables = "HI_CHOL",
      na_rm = TRUE, df = if (dfk == "inf") Inf else "design",
      rows = rows_svystat(run(code), coef_labels("HI_CHOL", des), 0.95, df), notes = NH_NOTE)
}
code <- "svytotal(~HI_CHOL, des, na.rm=TRUE, deff=TRUE)"
add(id = "nhanes_total_hichol", r_call = c(nhanes_call, code, "confint(.)"),
    data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "total", variables = "HI_CHOL",
    na_rm = TRUE, rows = rows_svystat(run(code), coef_labels("HI_CHOL", des), 0.95, Inf), notes = NH_NOTE)
code <- "svymean(~agecat, des, deff=TRUE)"
add(id = "nhanes_prop_agecat", r_call = c(nhanes_call, code, "confint(.)"),
    data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "prop", variables = "agecat",
    categorical = "agecat",
    rows = rows_svystat(run(code), coef_labels("agecat", des, "agecat"), 0.95, Inf), notes = NH_NOTE)
code <- "svymean(~factor(race), des, deff=TRUE)"
obj <- run(code)
add(id = "nhanes_prop_race", r_call = c(nhanes_call, code, "confint(.)"),
    data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "prop", variables = "race",
    categorical = "race",
    rows = rows_svystat(obj, lapply(1:4, function(k) list(variable = "race", category = as.character(k))), 0.95, Inf),
    notes = paste(NH_NOTE, "categories are the numeric codes as text."))
code <- "svyby(~HI_CHOL, ~race, des, svymean, na.rm=TRUE, deff=TRUE)"
b <- run(code)
for (dfk in c("inf", "domain")) {
  df <- if (dfk == "inf") Inf else {
    sapply(sort(unique(nhanes$race)), function(r) degf(subset(des, race == r)))
  }
  add(id = sprintf("nhanes_mean_hichol_by_race_df%s", dfk),
      r_call = c(nhanes_call, code, if (dfk == "inf") "confint(.)" else
        "for each r: confint(svymean(~HI_CHOL, subset(des, race==r), na.rm=TRUE), df=degf(subset(des, race==r)))"),
      data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "mean", variables = "HI_CHOL",
      by = "race", na_rm = TRUE, df = if (dfk == "inf") Inf else "domain",
      rows = rows_svyby(b, "race", coef_labels("HI_CHOL", des), 0.95, df),
      notes = paste(NH_NOTE, if (dfk == "domain")
        "domain df = degf(subset(des, race==r)), computed BEFORE removing NA of HI_CHOL."))
}
code <- "svyby(~HI_CHOL, ~race, des, svytotal, na.rm=TRUE, deff=TRUE)"
add(id = "nhanes_total_hichol_by_race", r_call = c(nhanes_call, code, "confint(.)"),
    data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "total", variables = "HI_CHOL",
    by = "race", na_rm = TRUE, rows = rows_svyby(run(code), "race", coef_labels("HI_CHOL", des), 0.95, Inf),
    notes = NH_NOTE)
ag_lev <- levels(nhanes$agecat)
for (m in CIPROP_METHODS) {
  code <- sprintf("svyby(~HI_CHOL, ~agecat, des, svyciprop, method=\"%s\", na.rm=TRUE, vartype=c(\"se\",\"ci\"))", m)
  b <- run(code)
  ddf <- sapply(ag_lev, function(a) degf(subset(des, agecat == a)))
  add(id = sprintf("nhanes_ciprop_hichol_by_agecat_%s", m), r_call = c(nhanes_call, code),
      data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "ciprop", variables = "HI_CHOL",
      by = "agecat", ci = m, na_rm = TRUE, df = "domain",
      rows = rows_svyby(b, "agecat", coef_labels("HI_CHOL", des), 0.95, ddf, ci = "stored"),
      notes = paste(NH_NOTE, "df = degf(subset(des, agecat==a)) (NA rows of HI_CHOL still count);",
                    if (m == "beta") "beta uses nrow(subset design) INCLUDING rows with NA HI_CHOL."))
  code <- sprintf("svyciprop(~HI_CHOL, des, method=\"%s\", na.rm=TRUE)", m)
  add(id = sprintf("nhanes_ciprop_hichol_%s", m), r_call = c(nhanes_call, code),
      data = "rsurvey/nhanes.csv", design = SP_NH, statistic = "ciprop", variables = "HI_CHOL",
      ci = m, na_rm = TRUE, df = degf(des),
      rows = rows_ciprop(run(code), "HI_CHOL", degf(des)), notes = NH_NOTE)
}

# ============================================================ yrbs (?yrbs example)
yrbs_call <- c("yrbs_design <- svydesign(id=~psu, weight=~weight, strata=~stratum, data=yrbs)",
               "yrbs_design <- update(yrbs_design, qn8yes=2-qn8)")
yrbs_design <- svydesign(id = ~psu, weight = ~weight, strata = ~stratum, data = yrbs)
yrbs_design <- update(yrbs_design, qn8yes = 2 - qn8)
SP_YR <- design_spec(weight = "weight", strata = "stratum", psu = "psu", nest = FALSE)
DER_YR <- list(qn8yes = list(source = "qn8", equals = 1))
YR_NOTE <- paste(CSV_NOTE, "qn8: 1=yes, 2=no, 6867 NA. PSU ids are unique across strata, so",
                 "nest=TRUE gives the same design. qn8yes = 2 - qn8 = 1(qn8==1), NA kept.")
for (m in CIPROP_METHODS) for (lv in if (m == "xlogit") LEVELS else 0.95) {
  code <- sprintf("svyciprop(~qn8yes, yrbs_design, na.rm=TRUE, method=\"%s\", level=%s)", m, lv)
  add(id = sprintf("yrbs_ciprop_qn8yes_%s_%02d", m, round(100 * lv)), r_call = c(yrbs_call, code),
      data = "rsurvey/yrbs.csv", design = SP_YR, statistic = "ciprop", variables = "qn8yes",
      derived = DER_YR, ci = m, level = lv, na_rm = TRUE, df = degf(yrbs_design),
      rows = rows_ciprop(run(code), "qn8yes", degf(yrbs_design)),
      notes = paste(YR_NOTE, "df = degf(full design) (PSUs whose rows are all NA still count).",
                    if (m == "beta") "beta: nrow(design) = 15624 including NA rows."))
}
code <- "svymean(~qn8yes, yrbs_design, na.rm=TRUE, deff=TRUE)"
add(id = "yrbs_mean_qn8yes", r_call = c(yrbs_call, code, "confint(.)"),
    data = "rsurvey/yrbs.csv", design = SP_YR, statistic = "mean", variables = "qn8yes",
    derived = DER_YR, na_rm = TRUE,
    rows = rows_svystat(run(code), coef_labels("qn8yes", yrbs_design), 0.95, Inf), notes = YR_NOTE)

# ============================================================ synthetic: strata, NA, domains
SS_CALL <- "ds <- svydesign(id=~psu, strata=~stratum, weights=~w, nest=TRUE, data=synth_strat)"
ds <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = synth_strat)
SP_SS <- design_spec(weight = "w", strata = "stratum", psu = "psu", nest = TRUE)
nonest <- tryCatch(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = synth_strat),
                   error = function(e) conditionMessage(e))
SS_NOTE <- paste("PSU ids 1..n_h are reused in every stratum: nest=TRUE is required",
                 "(without it R errors:", if (is.character(nonest)) nonest else "no error", ").")
add(id = "synth_strat_nonest_error",
    r_call = "svydesign(id=~psu, strata=~stratum, weights=~w, data=synth_strat)",
    data = "golden:synth_strat.csv", design = design_spec("w", "stratum", "psu", nest = FALSE),
    statistic = "mean", variables = "y", rows = list(),
    error = if (is.character(nonest)) nonest else NULL,
    notes = "R refuses a design whose PSU ids repeat across strata unless nest=TRUE.")
for (code in c("svymean(~y, ds, na.rm=TRUE, deff=TRUE)", "svytotal(~y, ds, na.rm=TRUE, deff=TRUE)")) {
  st <- if (grepl("svymean", code)) "mean" else "total"
  for (dfk in c("inf", "design")) {
    df <- if (dfk == "inf") Inf else degf(ds)
    add(id = sprintf("synth_strat_%s_y_narm_df%s", st, dfk),
        r_call = c(SS_CALL, code, if (dfk == "inf") "confint(.)" else "confint(., df=degf(ds))"),
        data = "golden:synth_strat.csv", design = SP_SS, statistic = st, variables = "y", na_rm = TRUE,
        df = if (dfk == "inf") Inf else "design",
        rows = rows_svystat(run(code), coef_labels("y", ds), 0.95, df), notes = SS_NOTE)
  }
}
code <- "svymean(~y+x, ds, na.rm=TRUE, deff=TRUE)"
add(id = "synth_strat_mean_y_x_narm_jointly", r_call = c(SS_CALL, code, "confint(.)"),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "mean", variables = c("y", "x"),
    na_rm = TRUE, extra_options = list(na = "complete_cases"),
    rows = rows_svystat(run(code), coef_labels(c("y", "x"), ds), 0.95, Inf),
    notes = paste(SS_NOTE, "R's na.rm drops rows with NA in ANY of the variables of the formula",
                  "(complete cases), so x is averaged over rows with y observed only."))
for (code in c("svymean(~cat3, ds, deff=TRUE)", "svytotal(~cat3, ds, deff=TRUE)")) {
  st <- if (grepl("svymean", code)) "prop" else "total"
  add(id = sprintf("synth_strat_%s_cat3", st), r_call = c(SS_CALL, code, "confint(.)"),
      data = "golden:synth_strat.csv", design = SP_SS, statistic = st, variables = "cat3",
      categorical = "cat3", rows = rows_svystat(run(code), coef_labels("cat3", ds, "cat3"), 0.95, Inf),
      notes = SS_NOTE)
}
code <- "svyratio(~y, ~x, ds, na.rm=TRUE, deff=TRUE)"
obj <- run(code); ci <- confint(obj)
add(id = "synth_strat_ratio_y_x_narm", r_call = c(SS_CALL, code, "confint(.)"),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "ratio", variables = "y",
    denominator = "x", na_rm = TRUE,
    rows = list(mkrow(NOBY, "y", NULL, coef(obj), SE(obj), ci[1, 1], ci[1, 2], attr(obj, "deff")[1, 1], Inf)),
    notes = SS_NOTE)
# domains with few PSUs: d3 lives in 4 PSUs of 3 strata
ddf_dom <- sapply(c("d1", "d2", "d3"), function(l) degf(subset(ds, dom == l)))
for (st in c("mean", "total")) {
  code <- sprintf("svyby(~y, ~dom, ds, svy%s, na.rm=TRUE, deff=TRUE)", st)
  b <- run(code)
  for (dfk in c("inf", "design", "domain")) {
    df <- switch(dfk, inf = Inf, design = degf(ds), domain = ddf_dom)
    add(id = sprintf("synth_strat_%s_y_by_dom_df%s", st, dfk),
        r_call = c(SS_CALL, code, switch(dfk, inf = "confint(.)", design = "confint(., df=degf(ds))",
                                         domain = "for each d: confint(., df=degf(subset(ds, dom==d)))")),
        data = "golden:synth_strat.csv", design = SP_SS, statistic = st, variables = "y", by = "dom",
        na_rm = TRUE, df = if (dfk == "inf") Inf else dfk,
        rows = rows_svyby(b, "dom", coef_labels("y", ds), 0.95, df),
        notes = paste(SS_NOTE, "Domain d3 has few PSUs; strata with one domain PSU are NOT lonely",
                      "(the stratum has >1 PSU in the design): R pads the missing PSUs with zero",
                      "totals (survey.adjust.domain.lonely=FALSE)."))
  }
}
code <- "svyby(~cat3, ~dom, ds, svymean, deff=TRUE)"
add(id = "synth_strat_prop_cat3_by_dom", r_call = c(SS_CALL, code, "confint(.)"),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "prop", variables = "cat3",
    by = "dom", categorical = "cat3",
    rows = rows_svyby(run(code), "dom", coef_labels("cat3", ds, "cat3"), 0.95, Inf), notes = SS_NOTE)
for (m in c("logit", "beta", "xlogit", "mean")) {
  code <- sprintf("svyby(~z, ~dom, ds, svyciprop, method=\"%s\", na.rm=TRUE, vartype=c(\"se\",\"ci\"))", m)
  b <- run(code)
  rows <- rows_svyby(b, "dom", coef_labels("z", ds), 0.95, ddf_dom, ci = "stored")
  for (k in seq_along(rows)) {
    if (is.nan(rows[[k]]$ci_high) || is.nan(rows[[k]]$ci_low)) rows[[k]]$r_artifact <- TRUE
  }
  add(id = sprintf("synth_strat_ciprop_z_by_dom_%s", m), r_call = c(SS_CALL, code),
      data = "golden:synth_strat.csv", design = SP_SS, statistic = "ciprop", variables = "z",
      by = "dom", ci = m, na_rm = TRUE, df = "domain",
      rows = rows,
      notes = paste(SS_NOTE, "df = degf(subset(ds, dom==d)) counts PSUs of the domain before NA removal.",
                    if (m == "logit") paste("R ARTIFACT in domain d3 (df=1): confint.svyglm converts the t quantile to",
                      "a normal level 1-2*pnorm(qt(0.025,1)) which rounds to 1, giving [0, NaN] (NaN -> null).",
                      "The intended interval equals the xlogit one (up to glm convergence); tests should",
                      "skip rows flagged r_artifact.")))
}
# NA in the by variable
ddf_grp <- sapply(c("g1", "g2"), function(l) degf(subset(ds, !is.na(grp) & grp == l)))
code <- "svyby(~y, ~grp, ds, svymean, na.rm=TRUE, deff=TRUE)"
add(id = "synth_strat_mean_y_by_grp_na_in_by", r_call = c(SS_CALL, code, "confint(.)"),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "mean", variables = "y", by = "grp",
    na_rm = TRUE, rows = rows_svyby(run(code), "grp", coef_labels("y", ds), 0.95, Inf),
    notes = paste(SS_NOTE, "grp has NA: svyby makes no NA group; rows with NA grp belong to no",
                  "domain (they still count as sampled PSUs/strata for the variance)."))
code <- "svyby(~z, ~grp, ds, svyciprop, method=\"logit\", na.rm=TRUE, vartype=c(\"se\",\"ci\"))"
add(id = "synth_strat_ciprop_z_by_grp_na_in_by", r_call = c(SS_CALL, code),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "ciprop", variables = "z", by = "grp",
    ci = "logit", na_rm = TRUE, df = "domain",
    rows = rows_svyby(run(code), "grp", coef_labels("z", ds), 0.95, ddf_grp, ci = "stored"),
    notes = paste(SS_NOTE, "NA in grp: no NA group."))
code <- "svyquantile(~y, ds, c(0.1, 0.5, 0.9), ci=TRUE, na.rm=TRUE)"
ds_nona <- subset(ds, !is.na(y))
add(id = "synth_strat_quantile_y_narm", r_call = c(SS_CALL, code),
    data = "golden:synth_strat.csv", design = SP_SS, statistic = "quantile", variables = "y",
    ci = "mean", quantiles = c(0.1, 0.5, 0.9), na_rm = TRUE, df = degf(ds_nona),
    extra_options = list(qrule = "math", interval_type = "mean"),
    rows = rows_quantile(run(code), "y", c(0.1, 0.5, 0.9), degf(ds_nona)),
    notes = paste(SS_NOTE, "with na.rm=TRUE svyquantile takes df = degf of the design AFTER removing NA rows."))

# ============================================================ lonely PSUs
LS_CALL <- "dl <- svydesign(id=~psu, strata=~stratum, weights=~w, data=synth_lonely)"
LSF_CALL <- "dlf <- svydesign(id=~psu, strata=~stratum, weights=~w, fpc=~N, data=synth_lonely)"
dl <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = synth_lonely)
dlf <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~N, data = synth_lonely)
for (pol in c("fail", "certainty", "remove", "adjust", "average")) {
  options(survey.lonely.psu = pol)
  for (fp in c("nofpc", "fpc")) {
    dname <- if (fp == "fpc") "dlf" else "dl"
    spec <- design_spec("w", "stratum", "psu", fpc = if (fp == "fpc") "N" else NULL, lonely_psu = pol)
    dcall <- c(sprintf("options(survey.lonely.psu=\"%s\")", pol), if (fp == "fpc") LSF_CALL else LS_CALL)
    for (st in c("mean", "total")) {
      code <- sprintf("svy%s(~y, %s, deff=TRUE)", st, dname)
      res <- tryCatch(run(code), error = function(e) e)
      err <- if (inherits(res, "error")) conditionMessage(res) else NULL
      add(id = sprintf("lonely_%s_%s_%s", pol, fp, st), r_call = c(dcall, code, "confint(.)"),
          data = "golden:synth_lonely.csv", design = spec, statistic = st, variables = "y",
          rows = if (is.null(err)) rows_svystat(res, coef_labels("y", dl), 0.95, Inf) else list(),
          error = err,
          notes = paste("Strata 5 and 6 have one sampled PSU each (with fpc: N=4 and N=1, so stratum 6",
                        "is a certainty PSU, f=0, and contributes 0 under every policy, even 'fail').",
                        if (!is.null(err)) "R raises an error: the engine must raise too."))
    }
    code <- sprintf("svyby(~y, ~dom, %s, svymean, deff=TRUE)", dname)
    res <- tryCatch(run(code), error = function(e) e)
    err <- if (inherits(res, "error")) conditionMessage(res) else NULL
    add(id = sprintf("lonely_%s_%s_mean_by_dom", pol, fp), r_call = c(dcall, code, "confint(.)"),
        data = "golden:synth_lonely.csv", design = spec, statistic = "mean", variables = "y",
        by = "dom",
        rows = if (is.null(err)) rows_svyby(res, "dom", coef_labels("y", dl), 0.95, Inf) else list(),
        error = err,
        notes = paste("Domain A contains the lonely stratum 5 (and stratum 1); B does not contain",
                      "stratum 5. For 'average', onestage() scales by nstrat/nokstrat counted over the",
                      "strata present in the domain subset."))
  }
}
options(survey.lonely.psu = "fail")
add(id = "lonely_degf", r_call = c(LS_CALL, "degf(dl)"), data = "golden:synth_lonely.csv",
    design = design_spec("w", "stratum", "psu"), statistic = "degf", variables = character(),
    rows = list(list(by = NOBY, variable = NULL, category = NULL, estimate = degf(dl),
                     se = NULL, ci_low = NULL, ci_high = NULL, deff = NULL, df = degf(dl))),
    notes = "degf = #PSUs - #strata whatever the lonely-PSU policy (singleton strata add 0).")

# ============================================================ two-stage with FPC
TS_F_CALL <- "dt <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~f1+f2, nest=TRUE, data=synth_twostage)"
TS_N_CALL <- "dtn <- svydesign(id=~psu+ssu, strata=~stratum, fpc=~N1+N2, nest=TRUE, data=synth_twostage)"
TS_U_CALL <- "dtu <- svydesign(id=~psu, strata=~stratum, weights=~I(1/(f1*f2)), data=synth_twostage)"
dt <- svydesign(id = ~psu + ssu, strata = ~stratum, fpc = ~f1 + f2, nest = TRUE, data = synth_twostage)
dtn <- svydesign(id = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, nest = TRUE, data = synth_twostage)
dtu <- svydesign(id = ~psu, strata = ~stratum, weights = ~I(1 / (f1 * f2)), data = synth_twostage)
SP_T <- list(dt = design_spec(NULL, "stratum", c("psu", "ssu"), c("f1", "f2"), nest = TRUE),
             dtn = design_spec(NULL, "stratum", c("psu", "ssu"), c("N1", "N2"), nest = TRUE),
             dtu = design_spec("1/(f1*f2)", "stratum", "psu", NULL))
TS_CALLS <- list(dt = TS_F_CALL, dtn = TS_N_CALL, dtu = TS_U_CALL)
TS_NOTE <- list(
  dt = paste("Two-stage: FPC given as sampling fractions (<=1): popsize = sampsize/fraction,",
             "weights = 1/(f1*f2) (no weights argument). Variance = stage-1 term + sum over PSUs",
             "of f1 * stage-2 term (f1 = n1/N1)."),
  dtn = "Same design with FPC as population counts N1 (PSUs per stratum) and N2 (elements per PSU).",
  dtu = paste("Ultimate-cluster (with-replacement PSU) approximation: no fpc, weights 1/(f1*f2)",
              "given as the expression; design weight column to derive: w = 1/(f1*f2)."))
for (d in c("dt", "dtn", "dtu")) {
  for (st in c("mean", "total")) {
    code <- sprintf("svy%s(~y, %s, deff=TRUE)", st, d)
    add(id = sprintf("twostage_%s_%s_y", d, st), r_call = c(TS_CALLS[[d]], code, "confint(.)"),
        data = "golden:synth_twostage.csv", design = SP_T[[d]], statistic = st, variables = "y",
        rows = rows_svystat(run(code), coef_labels("y", get(d)), 0.95, Inf), notes = TS_NOTE[[d]])
  }
  code <- sprintf("svyby(~y, ~dom, %s, svymean, deff=TRUE)", d)
  add(id = sprintf("twostage_%s_mean_y_by_dom", d), r_call = c(TS_CALLS[[d]], code, "confint(.)"),
      data = "golden:synth_twostage.csv", design = SP_T[[d]], statistic = "mean", variables = "y",
      by = "dom", rows = rows_svyby(run(code), "dom", coef_labels("y", get(d)), 0.95, Inf),
      notes = TS_NOTE[[d]])
  code <- sprintf("svyratio(~y, ~x, %s)", d)
  obj <- run(code); ci <- confint(obj)
  add(id = sprintf("twostage_%s_ratio_y_x", d), r_call = c(TS_CALLS[[d]], code, "confint(.)"),
      data = "golden:synth_twostage.csv", design = SP_T[[d]], statistic = "ratio", variables = "y",
      denominator = "x",
      rows = list(mkrow(NOBY, "y", NULL, coef(obj), SE(obj), ci[1, 1], ci[1, 2], NULL, Inf)),
      notes = TS_NOTE[[d]])
}

# ============================================================ write
bad <- check_cases(cases)
if (length(bad)) message("cases failing the sanity check (see README): ", paste(bad, collapse = ", "))
write_golden(cases, "engine.json", "make_engine.R",
             extra_header = list(data_checks = data_checks,
                                 realdata_root = "../shared/realdata (paths in 'data' are relative to it; 'golden:' = tests/golden/)",
                                 sanity_check_failures = as.list(bad)))
