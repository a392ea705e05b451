# Proportions next to the boundary (one success, one failure): R's svyciprop is defined there
# and the package must match it; at exactly 0 or 1 R gives NaN / an empty interval and the
# package uses NCHS's Korn-Graubard interval with n (not checked against R: R has none).
# Rscript tests/golden/boundary_props.R  -> boundary_props.csv, boundary_props.json
suppressMessages({library(survey); library(jsonlite)})
set.seed(15)
n <- 400
d <- data.frame(w = round(runif(n, 1, 3), 3), st = rep(1:4, each = 100),
                psu = (0:(n - 1)) %/% 5, region = rep(1:4, each = 100),
                y = rbinom(n, 1, 0.4))
d$y[d$region == 2] <- 0; d$y[d$region == 2][7] <- 1      # one success in region 2
d$y[d$region == 3] <- 1; d$y[d$region == 3][42] <- 0     # one failure in region 3
write.csv(d, "tests/golden/boundary_props.csv", row.names = FALSE)
des <- svydesign(ids = ~psu, strata = ~st, weights = ~w, data = d)
out <- list()
for (r in 2:3) for (m in c("beta", "logit", "asin", "xlogit")) {
  ci <- confint(svyciprop(~y, subset(des, region == r), method = m, df = degf(des)))
  out[[paste0("region", r, "_", m)]] <- as.numeric(ci)
}
write_json(out, "tests/golden/boundary_props.json", digits = NA, auto_unbox = FALSE)
