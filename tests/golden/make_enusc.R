# Golden values on real data: ENUSC 2023 (INE Chile), household victimisation VH_DV.
#
# Run from the repository root:   Rscript tests/golden/make_enusc.R
# Reads ../shared/realdata/enusc/enusc_2023_subset.csv.gz (never copied into the repo) and
# writes tests/golden/enusc.json: estimates only, no microdata.

source("tests/golden/helpers.R")
options(survey.lonely.psu = "certainty", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

path <- file.path(REALDATA, "enusc", "enusc_2023_subset.csv.gz")
if (!file.exists(path)) stop("ENUSC file not found: ", path, " (set SURVEY_REALDATA)")
enusc <- read.csv(path)  # read.csv reads .gz directly
DATA <- "enusc/enusc_2023_subset.csv.gz"

# --- checks on the data: NA and singleton strata
na_counts <- sapply(enusc[, c("VH_DV", "Fact_Hog_Reg", "VarStrat", "Conglomerado", "enc_region")],
                    function(x) sum(is.na(x)))
stopifnot(all(na_counts == 0))
psu_per_stratum <- tapply(enusc$Conglomerado, enusc$VarStrat, function(x) length(unique(x)))
strata_per_psu <- tapply(enusc$VarStrat, enusc$Conglomerado, function(x) length(unique(x)))
DATA_NOTE <- paste0(
  "ENUSC 2023 subset, ", nrow(enusc), " rows, ", length(psu_per_stratum), " strata, ",
  length(strata_per_psu), " PSUs. No NA in VH_DV, Fact_Hog_Reg, VarStrat, Conglomerado or ",
  "enc_region (checked: nothing was dropped or imputed). ",
  sum(psu_per_stratum == 1), " strata with a single PSU, so survey.lonely.psu='certainty' does not ",
  "change any number here; PSU ids are unique across strata (max strata per PSU = ",
  max(strata_per_psu), "), so nest=TRUE would give the same design. ",
  "Rows are the file's rows; the household weight Fact_Hog_Reg is used as given.")

CALL <- c("options(survey.lonely.psu=\"certainty\")",
          "enusc <- read.csv(\"enusc_2023_subset.csv.gz\")",
          "des <- svydesign(id=~Conglomerado, strata=~VarStrat, weights=~Fact_Hog_Reg, data=enusc)")
des <- svydesign(id = ~Conglomerado, strata = ~VarStrat, weights = ~Fact_Hog_Reg, data = enusc)
SPEC <- design_spec(weight = "Fact_Hog_Reg", strata = "VarStrat", psu = "Conglomerado",
                    nest = FALSE, lonely_psu = "certainty")
NOBY <- structure(list(), names = character())
regions <- sort(unique(enusc$enc_region))
reg_df <- sapply(regions, function(r) degf(subset(des, enc_region == r)))

cases <- list()
add <- function(...) cases[[length(cases) + 1]] <<- mkcase(...)

# --- national
for (m in c("logit", "xlogit", "beta")) {
  code <- sprintf("svyciprop(~VH_DV, des, method=\"%s\")", m)
  obj <- eval(parse(text = code))
  add(id = sprintf("enusc_national_ciprop_vhdv_%s", m), r_call = c(CALL, code), data = DATA,
      design = SPEC, statistic = "ciprop", variables = "VH_DV", ci = m, df = degf(des),
      rows = rows_ciprop(obj, "VH_DV", degf(des)), notes = DATA_NOTE)
}
code <- "svymean(~VH_DV, des, deff=TRUE)"
for (dfk in c("inf", "design")) {
  df <- if (dfk == "inf") Inf else degf(des)
  add(id = sprintf("enusc_national_mean_vhdv_df%s", dfk),
      r_call = c(CALL, code, if (dfk == "inf") "confint(.)" else "confint(., df=degf(des))"),
      data = DATA, design = SPEC, statistic = "mean", variables = "VH_DV",
      df = if (dfk == "inf") Inf else "design",
      rows = rows_svystat(eval(parse(text = code)), list(list(variable = "VH_DV", category = NULL)), 0.95, df),
      notes = DATA_NOTE)
}
code <- "svytotal(~VH_DV, des, deff=TRUE)"
add(id = "enusc_national_total_vhdv", r_call = c(CALL, code, "confint(.)"), data = DATA,
    design = SPEC, statistic = "total", variables = "VH_DV",
    rows = rows_svystat(eval(parse(text = code)), list(list(variable = "VH_DV", category = NULL)), 0.95, Inf),
    notes = DATA_NOTE)

# --- regional: svyciprop on the subset (default df = degf(subset) = domain df rule)
for (m in c("logit", "xlogit")) {
  rows <- list()
  for (k in seq_along(regions)) {
    r <- regions[k]
    sub <- subset(des, enc_region == r)
    o <- svyciprop(~VH_DV, sub, method = m)
    rows <- c(rows, rows_ciprop(o, "VH_DV", degf(sub), by = list(enc_region = r)))
  }
  # the same through svyby must agree
  b <- svyby(~VH_DV, ~enc_region, des, svyciprop, method = m, vartype = c("se", "ci"))
  rb <- rows_svyby(b, "enc_region", list(list(variable = "VH_DV", category = NULL)), 0.95,
                   reg_df, ci = "stored")
  for (k in seq_along(rows)) {
    stopifnot(isTRUE(all.equal(c(rows[[k]]$estimate, rows[[k]]$ci_low, rows[[k]]$ci_high),
                               c(rb[[k]]$estimate, rb[[k]]$ci_low, rb[[k]]$ci_high), tolerance = 1e-12)))
  }
  add(id = sprintf("enusc_region_ciprop_vhdv_%s", m),
      r_call = c(CALL, sprintf("for each r: svyciprop(~VH_DV, subset(des, enc_region==r), method=\"%s\")", m),
                 sprintf("# identical to svyby(~VH_DV, ~enc_region, des, svyciprop, method=\"%s\", vartype=c(\"se\",\"ci\"))", m)),
      data = DATA, design = SPEC, statistic = "ciprop", variables = "VH_DV", by = "enc_region",
      ci = m, df = "domain", rows = rows,
      notes = paste(DATA_NOTE, "df = degf(subset(des, enc_region==r)) = PSUs in region - strata in region."))
}

# --- regional svymean with deff (Wald CI with df = Inf and with the domain df)
code <- "svyby(~VH_DV, ~enc_region, des, svymean, deff=TRUE)"
b <- eval(parse(text = code))
for (dfk in c("inf", "domain")) {
  df <- if (dfk == "inf") Inf else reg_df
  add(id = sprintf("enusc_region_mean_vhdv_df%s", dfk),
      r_call = c(CALL, code, if (dfk == "inf") "confint(.)" else
        "for each r: confint(svymean(~VH_DV, subset(des, enc_region==r)), df=degf(subset(des, enc_region==r)))"),
      data = DATA, design = SPEC, statistic = "mean", variables = "VH_DV", by = "enc_region",
      df = if (dfk == "inf") Inf else "domain",
      rows = rows_svyby(b, "enc_region", list(list(variable = "VH_DV", category = NULL)), 0.95, df),
      notes = DATA_NOTE)
}
code <- "svyby(~VH_DV, ~enc_region, des, svytotal, deff=TRUE)"
add(id = "enusc_region_total_vhdv", r_call = c(CALL, code, "confint(.)"), data = DATA,
    design = SPEC, statistic = "total", variables = "VH_DV", by = "enc_region",
    rows = rows_svyby(eval(parse(text = code)), "enc_region",
                      list(list(variable = "VH_DV", category = NULL)), 0.95, Inf),
    notes = DATA_NOTE)

bad <- check_cases(cases)
if (length(bad)) message("cases failing the sanity check: ", paste(bad, collapse = ", "))
write_golden(cases, "enusc.json", "make_enusc.R",
             extra_header = list(realdata_root = "../shared/realdata",
                                 data_file = DATA, n_rows = nrow(enusc),
                                 na_counts = as.list(na_counts),
                                 singleton_strata = sum(psu_per_stratum == 1),
                                 sanity_check_failures = as.list(bad)))
