# Golden values for survey.compare (svyttest, svychisq, svyglm, svyby + svycontrast, p.adjust).
#
# Run from the repository root:   Rscript tests/golden/compare.R
# Writes tests/golden/compare.json and the simulated two-wave panel tests/golden/compare_twowave.csv.
# Data: R's api data (Python reads ../shared/realdata/rsurvey/*.csv, equal to R's objects,
# see engine.json's data_checks), the simulated two-wave design, and (when present) LAPOP's
# multi-country file in ../shared/realdata (estimates only; microdata never copied).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)
TIGHT <- glm.control(epsilon = 1e-14, maxit = 100)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
num <- function(x) as.list(unname(as.numeric(x)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) num(m[i, ]))

data(api)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
DESIGNS <- list(
  apistrat = list(data = "rsurvey:apistrat.csv", weight = "pw", strata = "stype", psu = NULL, fpc = "fpc"),
  apiclus1 = list(data = "rsurvey:apiclus1.csv", weight = "pw", strata = NULL, psu = "dnum", fpc = "fpc"),
  twowave = list(data = "golden:compare_twowave.csv", weight = "w", strata = "stratum", psu = "psu", fpc = NULL)
)

# ============================================================ simulated two-wave panel
# 6 strata x 4-6 PSUs; each PSU visited in both waves (same PSU ids): a panel of areas.
# Treatment assigned by PSU; about half the households re-interviewed. Outcomes: victim (0/1),
# fear (1-4), trust (1-7), with NA; sex; agegrp (3 levels).
set.seed(20240612)
npsu <- c(4, 5, 6, 4, 5, 6)
psus <- do.call(rbind, lapply(seq_along(npsu), function(h)
  data.frame(stratum = h, psu = paste0("s", h, "p", seq_len(npsu[h])))))
psus$treat <- rbinom(nrow(psus), 1, 0.5)
psus$eff <- rnorm(nrow(psus), 0, 0.6)
rows <- list()
for (i in seq_len(nrow(psus))) {
  m <- sample(6:10, 1)
  hh <- paste0(psus$psu[i], "h", seq_len(m))
  for (wv in 1:2) {
    keep <- if (wv == 1) rep(TRUE, m) else runif(m) < 0.6
    ids <- hh[keep]
    extra <- if (wv == 2) paste0(psus$psu[i], "n", seq_len(sample(1:4, 1))) else character()
    ids <- c(ids, extra)
    k <- length(ids)
    rows[[length(rows) + 1]] <- data.frame(wave = wv, stratum = psus$stratum[i], psu = psus$psu[i],
                                           hh_id = ids, treat = psus$treat[i], eff = psus$eff[i])
  }
}
tw <- do.call(rbind, rows)
n <- nrow(tw)
tw$post <- as.numeric(tw$wave == 2)
tw$w <- round(runif(n, 50, 150) * (1 + tw$stratum / 6), 2)
tw$sex <- sample(c("f", "m"), n, replace = TRUE)
tw$agegrp <- sample(c("a18_34", "a35_59", "a60p"), n, replace = TRUE, prob = c(0.4, 0.4, 0.2))
lp <- -0.8 + 0.5 * tw$post - 0.7 * tw$treat * tw$post + tw$eff / 2 + 0.3 * (tw$sex == "m")
tw$victim <- rbinom(n, 1, plogis(lp))
tw$fear <- pmin(4, pmax(1, round(2.3 + 0.4 * tw$victim - 0.3 * tw$treat * tw$post + tw$eff / 2 +
                                   rnorm(n, 0, 0.8))))
tw$trust <- pmin(7, pmax(1, round(3.8 + 0.9 * tw$treat * tw$post - 0.3 * tw$post + tw$eff +
                                    rnorm(n, 0, 1.3))))
tw$victim[sample(n, 6)] <- NA
tw$trust[sample(n, 8)] <- NA
tw$eff <- NULL
tw$trust57 <- as.numeric(tw$trust >= 5)
write.csv(tw, file.path(GOLDEN_DIR, "compare_twowave.csv"), row.names = FALSE, na = "")
tw <- read.csv(file.path(GOLDEN_DIR, "compare_twowave.csv"), stringsAsFactors = FALSE)
dtw <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = tw)

# ============================================================ svyttest
ttcase <- function(id, r_call, design, variable, group) {
  r <- eval(parse(text = r_call))
  add(list(id = id, kind = "svyttest", r_call = r_call, design = design, variable = variable,
           group = group, estimate = unname(r$estimate), t = unname(r$statistic),
           df = unname(r$parameter), p_value = r$p.value, ci = num(r$conf.int)))
}
ttcase("ttest_clus1_compimp", "svyttest(api00 ~ comp.imp, dclus1)", "apiclus1", "api00", "comp.imp")
ttcase("ttest_strat_awards", "svyttest(api00 ~ awards, dstrat)", "apistrat", "api00", "awards")
ttcase("ttest_clus1_onesample", "svyttest(enroll ~ 0, dclus1)", "apiclus1", "enroll", NULL)
ttcase("ttest_twowave_post", "svyttest(trust ~ post, dtw)", "twowave", "trust", "post")

# ============================================================ svychisq
for (st in c("F", "Chisq", "Wald", "adjWald")) {
  for (spec in list(list("apiclus1", "dclus1", "sch.wide", "stype"),
                    list("apistrat", "dstrat", "stype", "awards"),
                    list("twowave", "dtw", "fear", "wave"),
                    list("twowave", "dtw", "agegrp", "victim"))) {
    call <- sprintf("svychisq(~%s + %s, %s, statistic = \"%s\")", spec[[3]], spec[[4]], spec[[2]], st)
    r <- eval(parse(text = call))
    add(list(id = paste("chisq", spec[[1]], spec[[3]], spec[[4]], st, sep = "_"), kind = "svychisq",
             r_call = call, design = spec[[1]], rows = spec[[3]], cols = spec[[4]], statistic = st,
             value = unname(r$statistic),
             ndf = if (st == "Chisq") NULL else unname(r$parameter[1]),
             ddf = if (st == "Chisq") NULL else unname(r$parameter[2]),
             df = if (st == "Chisq") unname(r$parameter[1]) else NULL,
             p_value = unname(r$p.value)))
  }
}

# ============================================================ svyglm
glmcase <- function(id, r_call, design, formula, family) {
  m <- eval(parse(text = r_call))
  add(list(id = id, kind = "svyglm", r_call = r_call, design = design, formula = formula,
           family = family, terms = as.list(names(coef(m))), coef = num(coef(m)),
           vcov = mat(vcov(m)), df_residual = m$df.residual,
           ci = mat(confint(m))))
}
glmcase("glm_strat_gaussian", "svyglm(api00 ~ ell + meals + stype, dstrat)", "apistrat",
        "api00 ~ ell + meals + stype", "gaussian")
glmcase("glm_clus1_gaussian", "svyglm(api00 ~ ell * mobility + stype, dclus1)", "apiclus1",
        "api00 ~ ell * mobility + stype", "gaussian")
glmcase("glm_clus1_logit", "svyglm(I(sch.wide == 'Yes') ~ ell + meals, dclus1, family = quasibinomial, control = TIGHT)",
        "apiclus1", "schwide ~ ell + meals", "quasibinomial")
glmcase("did_twowave_gaussian", "svyglm(trust ~ treat * post, dtw)", "twowave",
        "trust ~ treat * post", "gaussian")
glmcase("did_twowave_gaussian_cov", "svyglm(trust ~ treat * post + sex + factor(agegrp), dtw)", "twowave",
        "trust ~ treat * post + sex + factor(agegrp)", "gaussian")
glmcase("did_twowave_logit", "svyglm(victim ~ treat * post + sex, dtw, family = quasibinomial, control = TIGHT)",
        "twowave", "victim ~ treat * post + sex", "quasibinomial")

# ============================================================ DiD and wave contrasts (svyby + svycontrast)
# svyby(..., na.rm = TRUE, covmat = TRUE) fails in R 4.1.1 when rows are missing, so the
# missing rows are removed by subset() (same estimates and variances: R pads the dropped PSUs
# with zeros); coefficients are named by the domain ("0.1" = treat 0, post 1).
cc_design <- function(v) subset(dtw, !is.na(dtw$variables[[v]]))
for (v in c("trust", "victim")) {
  b <- svyby(as.formula(paste0("~", v)), ~treat + post, cc_design(v), svymean, covmat = TRUE)
  cw <- function(x) setNames(x[c("0.0", "1.0", "0.1", "1.1")], c("0.0", "1.0", "0.1", "1.1"))
  cc <- svycontrast(b, list(did = cw(c("0.0" = 1, "1.0" = -1, "0.1" = -1, "1.1" = 1)),
                           change_control = cw(c("0.0" = -1, "1.0" = 0, "0.1" = 1, "1.1" = 0)),
                           change_treated = cw(c("0.0" = 0, "1.0" = -1, "0.1" = 0, "1.1" = 1))))
  add(list(id = paste0("did_contrast_", v), kind = "did", design = "twowave", variable = v,
           r_call = sprintf("svycontrast(svyby(~%s, ~treat + post, subset(dtw, !is.na(%s)), svymean, covmat = TRUE), list(did = c(1, -1, -1, 1), ...))", v, v),
           did = unname(coef(cc)[1]), se_did = unname(SE(cc)[1]),
           change_control = unname(coef(cc)[2]), se_change_control = unname(SE(cc)[2]),
           change_treated = unname(coef(cc)[3]), se_change_treated = unname(SE(cc)[3]),
           degf = degf(dtw)))
}

# waves within the panel design: difference, ratio and percent change, overall and by sex
for (v in c("trust", "victim", "trust57")) {
  bw <- svyby(as.formula(paste0("~", v)), ~wave, cc_design(v), svymean, covmat = TRUE)
  d <- svycontrast(bw, list(d = c("1" = -1, "2" = 1)))
  r <- svycontrast(bw, list(r = quote(`2` / `1`)))
  pc <- svycontrast(bw, list(pc = quote(100 * (`2` / `1` - 1))))
  add(list(id = paste0("within_wave_", v), kind = "within", design = "twowave", variable = v,
           by = structure(list(), names = character()),
           r_call = sprintf("svycontrast(svyby(~%s, ~wave, subset(dtw, !is.na(%s)), svymean, covmat = TRUE), ...)", v, v),
           estimate_1 = unname(coef(bw)["1"]), estimate_2 = unname(coef(bw)["2"]),
           difference = unname(coef(d)), se_difference = unname(SE(d)),
           ratio = unname(coef(r)), se_ratio = unname(SE(r)),
           percent_change = unname(coef(pc)), se_percent_change = unname(SE(pc)), degf = degf(dtw)))
}
bs <- svyby(~trust, ~sex + wave, cc_design("trust"), svymean, covmat = TRUE)
for (s in c("f", "m")) {
  d <- svycontrast(bs, list(d = setNames(c(-1, 1), paste0(s, ".", 1:2))))
  add(list(id = paste0("within_wave_trust_sex_", s), kind = "within", design = "twowave",
           variable = "trust", by = list(sex = s),
           r_call = "svycontrast(svyby(~trust, ~sex + wave, subset(dtw, !is.na(trust)), svymean, covmat = TRUE), ...)",
           estimate_1 = unname(coef(bs)[paste0(s, ".1")]), estimate_2 = unname(coef(bs)[paste0(s, ".2")]),
           difference = unname(coef(d)), se_difference = unname(SE(d)), degf = degf(dtw)))
}
# the categories of fear (svymean of a factor) between waves
bf <- svyby(~factor(fear), ~wave, dtw, svymean, covmat = TRUE)
for (k in 1:4) {
  a1 <- paste0("1:factor(fear)", k); a2 <- paste0("2:factor(fear)", k)
  d <- svycontrast(bf, list(d = setNames(c(-1, 1), c(a1, a2))))
  add(list(id = paste0("within_wave_fear_cat", k), kind = "within_prop", design = "twowave",
           variable = "fear", category = k, r_call = "svycontrast(svyby(~factor(fear), ~wave, dtw, svymean, covmat = TRUE), ...)",
           difference = unname(coef(d)), se_difference = unname(SE(d))))
}

# ============================================================ independent samples (different designs)
# apistrat (stratified, FPC) vs apiclus1 (one-stage cluster, FPC): separate designs; the
# same numbers from one stacked design with each sample's strata/PSUs kept apart.
m1 <- svymean(~api00 + ell, dstrat); m2 <- svymean(~api00 + ell, dclus1)
st <- rbind(data.frame(apistrat[, c("api00", "ell", "pw", "fpc")], wave = "a", st = paste0("a:", apistrat$stype), psu = paste0("a:", seq_len(nrow(apistrat)))),
            data.frame(apiclus1[, c("api00", "ell", "pw", "fpc")], wave = "b", st = "b:", psu = paste0("b:", apiclus1$dnum)))
dst <- svydesign(id = ~psu, strata = ~st, weights = ~pw, fpc = ~fpc, data = st)
bst <- svyby(~api00 + ell, ~wave, dst, svymean, covmat = TRUE)
for (v in c("api00", "ell")) {
  d <- svycontrast(bst, list(d = setNames(c(-1, 1), paste0(c("a", "b"), ":", v))))
  add(list(id = paste0("independent_api_", v), kind = "independent", variable = v,
           r_call = "svymean(~api00 + ell, dstrat); svymean(~api00 + ell, dclus1); svycontrast(svyby(~api00 + ell, ~wave, stacked, svymean, covmat = TRUE), ...)",
           estimate_1 = unname(coef(m1)[v]), se_1 = unname(SE(m1)[v]),
           estimate_2 = unname(coef(m2)[v]), se_2 = unname(SE(m2)[v]),
           degf_1 = degf(dstrat), degf_2 = degf(dclus1),
           stacked_difference = unname(coef(d)), stacked_se = unname(SE(d)), stacked_degf = degf(dst)))
}

# ============================================================ p.adjust
p <- c(0.001, 0.012, 0.03, 0.04, 0.2, 0.5, 0.013)
add(list(id = "p_adjust", kind = "p_adjust", r_call = "p.adjust(p, method)", p = num(p),
         holm = num(p.adjust(p, "holm")), BH = num(p.adjust(p, "BH")),
         bonferroni = num(p.adjust(p, "bonferroni")), BY = num(p.adjust(p, "BY"))))

# ============================================================ LAPOP b18 (% 5-7), 2018/19 vs 2023, per country
lapop <- file.path(REALDATA, "lapop", "ym23_multicountry_2018_2023.csv.gz")
if (file.exists(lapop)) {
  ym <- read.csv(lapop)
  ym$b18_57 <- ifelse(is.na(ym$b18), NA, as.numeric(ym$b18 >= 5))
  for (p in sort(unique(ym$pais))) {
    s1 <- ym[ym$pais == p & ym$wave == 2018, ]
    s2 <- ym[ym$pais == p & ym$wave == 2023, ]
    if (nrow(s1) == 0 || nrow(s2) == 0) next
    d1 <- svydesign(id = ~upm, strata = ~strata, weights = ~weight1500, data = s1, nest = TRUE)
    d2 <- svydesign(id = ~upm, strata = ~strata, weights = ~weight1500, data = s2, nest = TRUE)
    e1 <- svymean(~b18_57, d1, na.rm = TRUE); e2 <- svymean(~b18_57, d2, na.rm = TRUE)
    add(list(id = paste0("lapop_b18_pais", p), kind = "lapop", pais = p,
             r_call = "svymean(~b18_57, svydesign(id=~upm, strata=~strata, weights=~weight1500, nest=TRUE, data=<country, wave>), na.rm=TRUE)",
             estimate_1 = unname(coef(e1)), se_1 = unname(SE(e1)), degf_1 = degf(d1),
             estimate_2 = unname(coef(e2)), se_2 = unname(SE(e2)), degf_2 = degf(d2)))
  }
}

write_golden(cases, "compare.json", "compare.R",
             extra_header = list(designs = DESIGNS))
