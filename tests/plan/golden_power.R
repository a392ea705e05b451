# Reference values for tests/plan/test_power.py from base R's stats::power.t.test
# (exact noncentral-t power of Student's two-sample / paired t test).
# Run from the repository root:  Rscript tests/plan/golden_power.R
# Writes tests/plan/golden_power.json.
out <- list(
  n_two_sample = lapply(c(0.2, 0.5, 0.8), function(d)
    list(call = sprintf("power.t.test(delta=%g, sd=1, sig.level=0.05, power=0.8)", d),
         delta = d, n = power.t.test(delta = d, sd = 1, sig.level = 0.05, power = 0.8)$n)),
  n_one_sided = list(call = "power.t.test(delta=0.5, sd=1, power=0.8, alternative='one.sided')",
                     n = power.t.test(delta = 0.5, sd = 1, power = 0.8, alternative = "one.sided")$n),
  power_two_sample = list(call = "power.t.test(n=50, delta=0.5, sd=1)",
                          power = power.t.test(n = 50, delta = 0.5, sd = 1)$power),
  # panel: sd of the change score = sqrt(2 (1 - rho)) for unit sd and correlation rho = 0.6
  power_paired = list(call = "power.t.test(n=40, delta=0.3, sd=sqrt(2*(1-0.6)), type='paired')",
                      power = power.t.test(n = 40, delta = 0.3, sd = sqrt(2 * (1 - 0.6)),
                                           type = "paired")$power)
)
to_json <- function(x) {
  # minimal JSON writer (no jsonlite dependency)
  enc <- function(v) {
    if (is.list(v)) {
      if (is.null(names(v))) return(paste0("[", paste(vapply(v, enc, ""), collapse = ", "), "]"))
      return(paste0("{", paste(sprintf("\"%s\": %s", names(v), vapply(v, enc, "")), collapse = ", "), "}"))
    }
    if (is.character(v)) return(sprintf("\"%s\"", gsub("\"", "\\\\\"", v)))
    trimws(formatC(v, digits = 15, format = "g"))
  }
  enc(x)
}
writeLines(to_json(out), "tests/plan/golden_power.json")
