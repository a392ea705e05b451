# Golden values for survey.indicators (victimisation, fear, trust) from R's survey package.
#
# Run from the repository root:   Rscript tests/golden/indicators.R
# Reads tests/golden/indicators_data.csv (synthetic, written by
# tests/indicators/conftest.py::make_standard_data) and writes tests/golden/indicators.json.
# Each case records the R call; derived variables are built here exactly as the Python
# indicator functions define them (see the comments).

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
options(survey.lonely.psu = "fail")

d <- read.csv("tests/golden/indicators_data.csv")
miss <- c(77, 88, 96, 98, 99)
clean <- function(x) ifelse(x %in% miss, NA, x)
# 1 if any column is in `codes`; 0 if all answered and none is; NA otherwise
any_in <- function(cols, codes = 1) {
  m <- sapply(cols, function(c) clean(d[[c]]))
  m <- matrix(m, nrow = nrow(d))
  hit <- apply(m, 1, function(r) any(r[!is.na(r)] %in% codes))
  unk <- apply(m, 1, function(r) any(is.na(r)))
  ifelse(hit, 1, ifelse(unk, NA, 0))
}

d$burglary <- any_in("vic_hh_burglary_12m")
d$vehicle <- any_in("vic_hh_vehicle_theft_12m")
d$hh_any <- any_in(c("vic_hh_vehicle_theft_12m", "vic_hh_burglary_12m"))
d$pers_any <- any_in(c("vic_person_robbery_12m", "vic_person_assault_12m",
                       "vic_person_threat_12m", "vic_person_sexual_offence_12m"))
d$unsafe_country <- as.numeric(d$insec_state == 2)
# incidence: counts capped at 10, per person (denominator 1)
d$times10 <- pmin(d$inc_times_12m, 10)
d$one <- 1
d$victim <- as.numeric(d$times10 > 0)
# dark figure (INEGI, unknown = dark): among incidents (inc_crime_type answered)
rep <- clean(d$inc_reported_police); comp <- d$inc_complaint_filed; inv <- d$inc_investigation
investigated <- !is.na(rep) & rep == 1 & !is.na(comp) & comp == 1 & !is.na(inv) & inv == 1
d$dark <- ifelse(is.na(d$inc_crime_type), NA, ifelse(investigated, 0, 1))
d$dark_den <- ifelse(is.na(d$dark), NA, 1)
# SDG 16.3.1, one rate per form of violence (SDG metadata: physical = assault + robbery).
# The file's inc_crime_type holds robbery (5) and assault (7) only; ct_sdg recodes incidents
# of victims of threats to 8 and of sexual offences to 9, and assaults of women in region 4
# to kidnapping (13, in no form), so that every form has incidents (the Python test builds
# the same column).
ct <- d$inc_crime_type
ct[!is.na(ct) & d$vic_person_threat_12m == 1] <- 8
ct[!is.na(ct) & d$vic_person_sexual_offence_12m == 1] <- 9
ct[!is.na(ct) & ct == 7 & d$region == 4 & d$sex == 2] <- 13
d$ct_sdg <- ct
sdg_forms <- list(physical = c(5, 7), psychological = 8, sexual = 9, any = c(5, 7, 8, 9))
for (f in names(sdg_forms)) d[[paste0("rep_", f)]] <- ifelse(d$ct_sdg %in% sdg_forms[[f]], rep, NA)
# SDG 16.1.3 (a) physical violence: assault or robbery
d$sdg_physical <- any_in(c("vic_person_assault_12m", "vic_person_robbery_12m"))
# SDG 16.1.4: very/fairly safe (1, 2); never walks alone (5) excluded
f <- clean(d$fear_walk_dark)
d$feel_safe <- ifelse(is.na(f) | f == 5, NA, as.numeric(f %in% c(1, 2)))
# LAPOP institutional trust: (x - 1) / 6 * 100 and % 5-7
d$police_0100 <- (clean(d$trust_inst_police_7pt) - 1) / 6 * 100
d$police_567 <- as.numeric(clean(d$trust_inst_police_7pt) %in% 5:7)
# index: mean of available rescaled items if >= ceil(4/2) = 2 answered
items <- c("trust_inst_police_7pt", "trust_inst_judiciary_7pt", "trust_inst_government_7pt",
           "trust_inst_congress_7pt")
X <- sapply(items, function(c) (clean(d[[c]]) - 1) / 6 * 100)
d$index <- ifelse(rowSums(!is.na(X)) >= 2, rowMeans(X, na.rm = TRUE), NA)

des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)

cases <- list()
row_list <- function(by, est, se, lo, hi, deff = NA) {
  num <- function(x) as.numeric(unname(unclass(x)))[1]
  list(by = by, estimate = num(est), se = num(se), ci_low = num(lo), ci_high = num(hi),
       deff = num(deff))
}

# -- proportions by region with svyciprop (logit, df of the domain) -----------------
prop_by <- function(var, call) {
  f <- as.formula(paste0("~", var))
  rows <- list()
  for (r in sort(unique(d$region))) {
    sub <- subset(des, region == r & !is.na(d[[var]]))
    dsub <- subset(des, region == r)
    cp <- svyciprop(f, dsub, method = "logit", df = degf(dsub), na.rm = TRUE)
    m <- svymean(f, dsub, na.rm = TRUE, deff = TRUE)
    ci <- attr(cp, "ci")
    rows[[length(rows) + 1]] <- row_list(list(region = r), coef(cp), SE(cp), ci[1], ci[2],
                                         deff(m))
  }
  list(r_call = call, rows = rows)
}
cases$prevalence_burglary_region <- prop_by(
  "burglary", "svyciprop(~burglary, subset(des, region == r), method='logit', df=degf(subset))")
cases$prevalence_hh_any_region <- prop_by(
  "hh_any", "svyciprop(~hh_any, subset(des, region == r), method='logit', df=degf(subset))")
cases$sdg_16_1_4_region <- prop_by(
  "feel_safe", "svyciprop(~feel_safe, subset(des, region == r), method='logit')")

# -- national proportions --------------------------------------------------------------
nat_prop <- function(var, call) {
  f <- as.formula(paste0("~", var))
  cp <- svyciprop(f, des, method = "logit", na.rm = TRUE)
  m <- svymean(f, des, na.rm = TRUE, deff = TRUE)
  ci <- attr(cp, "ci")
  list(r_call = call, rows = list(row_list(list(), coef(cp), SE(cp), ci[1], ci[2], deff(m))))
}
cases$prevalence_person_any <- nat_prop("pers_any", "svyciprop(~pers_any, des, method='logit')")
cases$sdg_16_1_3_physical <- nat_prop(
  "sdg_physical", "svyciprop(~sdg_physical, des, method='logit')  # assault or robbery")
# subset(): R's svyciprop on the domain of the incidents of each form
sdg_rows <- lapply(names(sdg_forms), function(f) {
  v <- paste0("rep_", f)
  dv <- subset(des, !is.na(d[[v]]))
  fo <- as.formula(paste0("~", v))
  cp <- svyciprop(fo, dv, method = "logit", df = degf(des))
  ci <- attr(cp, "ci")
  row_list(list(form = f), coef(cp), SE(cp), ci[1], ci[2], deff(svymean(fo, dv, deff = TRUE)))
})
cases$sdg_16_3_1_forms <- list(
  r_call = paste0("svyciprop(~rep_<form>, subset(des, !is.na(rep_<form>)), method='logit', ",
                  "df=degf(des)); forms physical=c(5,7), psychological=8, sexual=9, ",
                  "any=c(5,7,8,9) of ct_sdg"),
  rows = sdg_rows)

# -- ratios ----------------------------------------------------------------------------
ratio_by <- function(num, den, call, byvar = TRUE) {
  if (byvar) {
    b <- svyby(as.formula(paste0("~", num)), ~region, des, svyratio,
               denominator = as.formula(paste0("~", den)), na.rm = TRUE)
    ci <- confint(b, df = degf(des))
    rows <- lapply(seq_len(nrow(b)), function(i)
      row_list(list(region = b$region[i]), coef(b)[i], SE(b)[i], ci[i, 1], ci[i, 2]))
  } else {
    r <- svyratio(as.formula(paste0("~", num)), as.formula(paste0("~", den)), des, na.rm = TRUE)
    ci <- confint(r, df = degf(des))
    rows <- list(row_list(list(), coef(r), SE(r), ci[1], ci[2]))
  }
  list(r_call = call, rows = rows)
}
cases$incidence_region <- ratio_by(
  "times10", "one", "svyby(~times10, ~region, des, svyratio, denominator=~one)  # x 1e5")
cases$concentration <- ratio_by("times10", "victim",
                                "svyratio(~times10, ~victim, des)", byvar = FALSE)
cases$dark_figure <- ratio_by("dark", "dark_den",
                              "svyratio(~dark, ~dark_den, des, na.rm=TRUE)", byvar = FALSE)

# -- means -------------------------------------------------------------------------------
mean_by <- function(var, call) {
  b <- svyby(as.formula(paste0("~", var)), ~region, des, svymean, na.rm = TRUE, deff = TRUE)
  rows <- lapply(seq_len(nrow(b)), function(i) {
    dsub <- subset(des, region == b$region[i])
    ci <- confint(svymean(as.formula(paste0("~", var)), dsub, na.rm = TRUE), df = degf(dsub))
    row_list(list(region = b$region[i]), coef(b)[i], SE(b)[i], ci[1], ci[2], deff(b)[i])
  })
  list(r_call = call, rows = rows)
}
cases$trust_police_lapop_mean_region <- mean_by(
  "police_0100", "svyby(~police_0100, ~region, des, svymean, deff=TRUE)")
cases$trust_police_lapop_share_region <- prop_by(
  "police_567", "svyciprop(~police_567, subset(des, region == r), method='logit')")
cases$trust_index_region <- mean_by("index", "svyby(~index, ~region, des, svymean, deff=TRUE)")

# -- difference between indicators of the same respondents ------------------------------
b <- svyby(~pers_any + unsafe_country, ~region, des, svymean, covmat = TRUE)
K <- nrow(b)
L <- matrix(0, K, 2 * K)
for (i in seq_len(K)) { L[i, i] <- 1; L[i, K + i] <- -1 }  # svyby coef order: var-major
con <- svycontrast(b, L)
tq <- qt(0.975, degf(des))
ci <- cbind(coef(con) - tq * SE(con), coef(con) + tq * SE(con))  # Wald, design df
cases$difference_victim_vs_unsafe_region <- list(
  r_call = "svycontrast(svyby(~pers_any+unsafe_country, ~region, des, svymean, covmat=TRUE), L)",
  rows = lapply(seq_len(K), function(i)
    row_list(list(region = b$region[i]), coef(con)[i], SE(con)[i], ci[i, 1], ci[i, 2])))

# -- real data (only when ../shared/realdata is present; aggregates only are stored) ------
REAL <- Sys.getenv("SURVEY_REALDATA", "../shared/realdata")
if (dir.exists(REAL)) {
  op <- options(survey.lonely.psu = "certainty")
  e <- read.csv(gzfile(file.path(REAL, "enusc/enusc_2019_subset.csv.gz")))
  svy_rows <- function(b, byvar) lapply(seq_len(nrow(b)), function(i)
    list(by = setNames(list(b[[byvar]][i]), byvar), estimate = unname(coef(b)[i]),
         se = unname(SE(b)[i]), deff = unname(deff(b)[i])))
  for (spec in list(c("VA_DC", "Fact_Hog"), c("VP_DC", "Fact_Pers"))) {
    de <- svydesign(ids = ~Conglomerado, strata = ~VarStrat, weights = as.formula(paste0("~", spec[2])),
                    data = e)
    f <- as.formula(paste0("~", spec[1]))
    m <- svymean(f, de, deff = TRUE)
    b <- svyby(f, ~enc_region, de, svymean, deff = TRUE)
    cases[[paste0("enusc2019_", spec[1])]] <- list(
      r_call = paste0("svymean(~", spec[1], ", svydesign(ids=~Conglomerado, strata=~VarStrat, ",
                      "weights=~", spec[2], "), deff=TRUE) and svyby(..., ~enc_region); ",
                      "lonely.psu='certainty'"),
      national = list(estimate = as.numeric(coef(m)), se = as.numeric(SE(m)), deff = as.numeric(deff(m))),
      rows = svy_rows(b, "enc_region"))
  }
  l <- read.csv(gzfile(file.path(REAL, "lapop/ym23_multicountry_2018_2023.csv.gz")))
  l$sw <- paste(l$wave, l$strata, sep = "_")
  l$b18_567 <- ifelse(is.na(l$b18), NA, as.numeric(l$b18 >= 5))
  dl <- svydesign(ids = ~upm, strata = ~sw, weights = ~weight1500, data = l, nest = TRUE)
  b <- svyby(~b18_567, ~pais + wave, dl, svymean, na.rm = TRUE)
  cases$lapop_b18_567_pais_wave <- list(
    r_call = paste0("svyby(~b18_567, ~pais+wave, svydesign(ids=~upm, strata=~paste(wave, strata), ",
                    "weights=~weight1500, nest=TRUE), svymean, na.rm=TRUE); lonely.psu='certainty'"),
    rows = lapply(seq_len(nrow(b)), function(i)
      list(by = list(pais = b$pais[i], wave = b$wave[i]), estimate = unname(coef(b)[i]),
           se = unname(SE(b)[i]))))
  # ESS round 7 Spain, 0-10 trust items (convention "ess"): mean x 10 and share 6-10
  s <- read.csv(file.path(REAL, "ess/ess7es_with_pspwght.csv"))
  ess_rows <- list()
  for (v in c("ppltrst", "trstprl", "trstplt", "trstprt")) {
    s[[paste0(v, "_0100")]] <- s[[v]] * 10
    s[[paste0(v, "_610")]] <- ifelse(is.na(s[[v]]), NA, as.numeric(s[[v]] >= 6))
  }
  ds <- svydesign(ids = ~psu, strata = ~stratum, weights = ~pspwght, data = s)
  for (v in c("ppltrst", "trstprl", "trstplt", "trstprt")) {
    for (m in c("_0100", "_610")) {
      r <- svymean(as.formula(paste0("~", v, m)), ds, na.rm = TRUE)
      ess_rows[[paste0(v, m)]] <- list(estimate = as.numeric(coef(r)), se = as.numeric(SE(r)))
    }
  }
  cases$ess7es_trust <- list(
    r_call = paste0("svymean(~x, svydesign(ids=~psu, strata=~stratum, weights=~pspwght), ",
                    "na.rm=TRUE) for x = item*10 (_0100) and item>=6 (_610)"),
    rows = ess_rows)
  options(op)
}

out <- list(header = list(generated_by = "Rscript tests/golden/indicators.R",
                          r_version = R.version.string,
                          survey_version = as.character(packageVersion("survey")),
                          data = "tests/golden/indicators_data.csv"),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"),
           "tests/golden/indicators.json")
message("wrote ", length(cases), " cases to tests/golden/indicators.json")
