# Shared helpers for the golden-value scripts (sourced by make_engine.R and make_enusc.R).
#
# Every script builds a list of "cases" (see tests/golden/README.md for the format) and
# writes them with write_golden(), which serialises numbers with 17 significant digits so
# that Python's float() reads back the very same doubles R computed.

suppressPackageStartupMessages(library(survey))

GOLDEN_DIR <- "tests/golden"
REALDATA <- Sys.getenv("SURVEY_REALDATA", "../shared/realdata")

# ---------------------------------------------------------------- JSON writer
json_str <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s)
  s <- gsub("\t", "\\\\t", s)
  paste0("\"", s, "\"")
}

json_num <- function(x) {
  if (is.na(x) && !is.nan(x)) return("null")
  if (is.nan(x)) return("null")
  if (is.infinite(x)) return(if (x > 0) "\"Inf\"" else "\"-Inf\"")
  if (is.integer(x) || (abs(x) < 1e15 && x == round(x))) return(sprintf("%.0f", x))
  sprintf("%.17g", x)
}

# Scalars (length-1 atomic vectors) become JSON scalars; unnamed lists become arrays;
# named lists objects. Use as.list() for arrays, even of length one.
to_json <- function(x, indent = 0) {
  pad <- strrep(" ", indent)
  pad1 <- strrep(" ", indent + 1)
  if (is.null(x)) return("null")
  if (is.factor(x)) x <- as.character(x)
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    inner <- vapply(x, to_json, "", indent = indent + 1)
    if (!is.null(names(x))) {
      body <- paste0(pad1, json_str(names(x)), ": ", inner, collapse = ",\n")
      return(paste0("{\n", body, "\n", pad, "}"))
    }
    # short arrays of scalars on one line
    if (all(!grepl("\n", inner)) && sum(nchar(inner)) < 100) {
      return(paste0("[", paste(inner, collapse = ", "), "]"))
    }
    return(paste0("[\n", paste0(pad1, inner, collapse = ",\n"), "\n", pad, "]"))
  }
  if (length(x) != 1) {
    return(to_json(as.list(x), indent))
  }
  if (is.character(x)) return(if (is.na(x)) "null" else json_str(x))
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.numeric(x)) return(json_num(unname(x)))
  stop("to_json: cannot serialise ", class(x))
}

write_golden <- function(cases, file, script, extra_header = list()) {
  header <- c(list(
    generated_by = paste0("Rscript tests/golden/", script),
    r_version = R.version.string,
    survey_version = as.character(packageVersion("survey")),
    date = format(Sys.Date()),
    options = list(survey.lonely.psu = getOption("survey.lonely.psu"),
                   survey.adjust.domain.lonely = getOption("survey.adjust.domain.lonely"),
                   survey.ultimate.cluster = getOption("survey.ultimate.cluster")),
    n_cases = length(cases)
  ), extra_header)
  out <- list(header = header, cases = cases)
  writeLines(to_json(out), file.path(GOLDEN_DIR, file))
  message("wrote ", length(cases), " cases to ", file.path(GOLDEN_DIR, file))
}

# ---------------------------------------------------------------- case builders
dfval <- function(df) if (is.infinite(df)) "Inf" else df

# one result row
mkrow <- function(by, variable, category, estimate, se, ci_low, ci_high, deff, df) {
  list(by = by, variable = variable, category = category,
       estimate = unname(estimate), se = unname(se),
       ci_low = unname(ci_low), ci_high = unname(ci_high),
       deff = if (is.null(deff)) NULL else unname(deff), df = dfval(df))
}

# (variable, category) labels of the coefficients of a svymean/svytotal over `vars`,
# where `factors` lists which of them are expanded into category indicators.
coef_labels <- function(vars, design, factors = character()) {
  out <- list()
  for (v in vars) {
    if (v %in% factors) {
      lev <- levels(factor(model.frame(design)[[v]]))
      for (l in lev) out[[length(out) + 1]] <- list(variable = v, category = l)
    } else {
      out[[length(out) + 1]] <- list(variable = v, category = NULL)
    }
  }
  out
}

# rows of an (un-grouped) svystat; CI = confint(obj, level, df) (Wald)
rows_svystat <- function(obj, labels, level, df, by = structure(list(), names = character())) {
  est <- coef(obj); se <- SE(obj)
  ci <- confint(obj, level = level, df = df)
  dd <- attr(obj, "deff")
  de <- if (is.null(dd)) NULL else diag(as.matrix(dd))
  lapply(seq_along(est), function(k) {
    mkrow(by, labels[[k]]$variable, labels[[k]]$category, est[k], se[k], ci[k, 1], ci[k, 2],
          if (is.null(de)) NULL else de[k], df)
  })
}

# by-values of the rows of a svyby result as named lists (JSON objects)
by_values <- function(b, byvars) {
  lapply(seq_len(nrow(b)), function(i) {
    l <- lapply(byvars, function(v) {
      x <- b[[v]][i]
      if (is.factor(x)) as.character(x) else x
    })
    names(l) <- byvars
    l
  })
}

# rows of a svyby result. ci = "confint": Wald via confint(b, level, df) (df may be a
# vector, one per domain); ci = "stored": the ci_l / ci_u columns (vartype = "ci"), used
# for svyciprop and svyquantile whose intervals are not Wald intervals.
rows_svyby <- function(b, byvars, labels, level, df, ci = "confint") {
  aa <- attr(b, "svyby")
  ns <- aa$nstats
  nb <- nrow(b)
  est <- matrix(coef(b), nrow = nb)
  se <- matrix(as.matrix(SE(b)), nrow = nb)
  dfv <- rep(df, length.out = nb)
  if (ci == "confint") {
    lo <- hi <- matrix(NA_real_, nb, ns)
    for (i in seq_len(nb)) {
      for (k in seq_len(ns)) {
        q <- if (is.infinite(dfv[i])) qnorm((1 + level) / 2) else qt((1 + level) / 2, dfv[i])
        lo[i, k] <- est[i, k] - q * se[i, k]
        hi[i, k] <- est[i, k] + q * se[i, k]
      }
    }
    # cross-check against survey's own confint when df is one number
    if (length(df) == 1) {
      cc <- confint(b, level = level, df = df)
      stopifnot(isTRUE(all.equal(as.vector(lo), unname(cc[, 1]), tolerance = 1e-12)))
    }
  } else {
    m <- max(aa$margins)
    vt <- c("se", "ci", "ci", "cv", "cvpct", "var")
    vt <- vt[vt %in% aa$vartype]
    pos <- match("ci", vt)
    lo <- as.matrix(b[, m + ns * pos + seq_len(ns)])
    hi <- as.matrix(b[, m + ns * (pos + 1) + seq_len(ns)])
  }
  de <- if (isTRUE(aa$deffs) || is.character(aa$deffs)) matrix(as.matrix(deff(b)), nrow = nb) else NULL
  bv <- by_values(b, byvars)
  rows <- list()
  for (k in seq_len(ns)) for (i in seq_len(nb)) {
    rows[[length(rows) + 1]] <- mkrow(bv[[i]], labels[[k]]$variable, labels[[k]]$category,
                                      est[i, k], se[i, k], lo[i, k], hi[i, k],
                                      if (is.null(de)) NULL else de[i, k], dfv[i])
  }
  rows
}

# rows of a svyciprop result (CI as stored by svyciprop)
rows_ciprop <- function(obj, variable, df, by = structure(list(), names = character())) {
  ci <- attr(obj, "ci")
  list(mkrow(by, variable, NULL, coef(obj), SE(obj), ci[1], ci[2], NULL, df))
}

# rows of a svyquantile (survey >= 4) result; SE = (ci_u - ci_l) / (2 * qcrit)
rows_quantile <- function(obj, variable, quantiles, df, by = structure(list(), names = character())) {
  m <- obj[[variable]]
  lapply(seq_along(quantiles), function(k) {
    r <- mkrow(by, variable, NULL, m[k, 1], m[k, 4], m[k, 2], m[k, 3], NULL, df)
    r$quantile <- quantiles[k]
    r
  })
}

design_spec <- function(weight = NULL, strata = NULL, psu = NULL, fpc = NULL, nest = FALSE,
                        lonely_psu = "fail") {
  list(weight = weight, strata = strata,
       psu = if (is.null(psu)) NULL else as.list(psu),
       fpc = if (is.null(fpc)) NULL else as.list(fpc),
       nest = nest, lonely_psu = lonely_psu)
}

mkcase <- function(id, r_call, data, design, statistic, variables, rows, by = character(),
                   denominator = NULL, ci = "wald", level = 0.95, df = Inf,
                   quantiles = NULL, na_rm = FALSE, categorical = character(),
                   derived = NULL, extra_options = list(), notes = NULL, error = NULL) {
  opts <- c(list(ci = ci, level = level,
                 df = if (is.character(df)) df else dfval(df),
                 quantiles = if (is.null(quantiles)) NULL else as.list(quantiles),
                 na_rm = na_rm), extra_options)
  cs <- list(id = id, r_call = r_call, data = data, design = design,
             statistic = statistic, variables = as.list(variables),
             denominator = if (is.null(denominator)) NULL else as.list(denominator),
             by = as.list(by), categorical = as.list(categorical),
             derived = derived, options = opts, rows = rows)
  if (!is.null(notes)) cs$notes <- notes
  if (!is.null(error)) cs$error <- error
  cs
}

# sanity checks on every row: se >= 0, ci_low <= estimate <= ci_high where defined
check_cases <- function(cases) {
  bad <- character()
  for (cs in cases) for (r in cs$rows) {
    ok <- TRUE
    if (!is.null(r$se) && !is.na(r$se) && r$se < 0) ok <- FALSE
    if (!is.null(r$ci_low) && !is.null(r$ci_high) && !is.na(r$ci_low) && !is.na(r$ci_high)) {
      tol <- 1e-9 * max(1, abs(r$estimate))
      if (r$ci_low > r$estimate + tol || r$ci_high < r$estimate - tol) ok <- FALSE
    }
    if (!ok) bad <- c(bad, cs$id)
  }
  ids <- vapply(cases, function(cs) cs$id, "")
  if (anyDuplicated(ids)) stop("duplicated case ids: ", paste(ids[duplicated(ids)], collapse = ", "))
  unique(bad)
}
