# Golden values for survey.sae's Fay-Herriot model from R's `sae` package (1.3).
#
# Run from the repository root:   Rscript tests/golden/sae_milk.R
# Writes tests/golden/sae_milk.json.
#
# Cases
#   milk_{REML,ML,FH}: sae::eblupFH / sae::mseFH on sae's `milk` data (Arora and Lahiri 1997:
#     43 small areas, direct estimates yi with standard errors SD, covariate MajorArea as
#     4 dummies), formula yi ~ as.factor(MajorArea), vardir = SD^2, default MAXITER=100,
#     PRECISION=1e-4 (sae stops Fisher scoring when the relative change is below 1e-4, so
#     the Python code replays the same iterations).
#   adjusted_*: Li and Lahiri (2010) adjusted residual likelihood h(A) L_R(A), h(A) = A
#     ("AREML") and the adjusted profile likelihood h(A) L_P(A) ("AML"). `sae` has no such
#     method: they are computed here independently, by maximising the closed-form
#     log-likelihood with optimize() on log(A) (tol 1e-12), on milk and on a synthetic data
#     set (`flat`) where the REML estimate of A is 0 but the adjusted estimate is positive.
#     For those, `sae`'s REML fit on `flat` is also written (refvar 0).

suppressPackageStartupMessages({
  library(sae)
  library(jsonlite)
})

data(milk)
milk$var <- milk$SD^2

fh_case <- function(method, data, formula) {
  fit <- eblupFH(formula, var, method = method, data = data)
  mse <- mseFH(formula, var, method = method, data = data)
  list(
    method = method,
    refvar = fit$fit$refvar,
    iterations = fit$fit$iterations,
    beta = unname(fit$fit$estcoef$beta),
    beta_se = unname(fit$fit$estcoef$std.error),
    loglike = unname(fit$fit$goodness["loglike"]),
    AIC = unname(fit$fit$goodness["AIC"]),
    BIC = unname(fit$fit$goodness["BIC"]),
    eblup = as.vector(fit$eblup),
    mse = as.vector(mse$mse),
    r_call = sprintf("eblupFH(%s, var, method=\"%s\", data=...); mseFH(same)",
                     deparse(formula), method)
  )
}

# closed-form log-likelihoods of the Fay-Herriot model y ~ N(X beta, diag(A + D))
loglik <- function(A, y, X, D, type) {
  V <- A + D
  W <- 1 / V
  XtWX <- crossprod(X * W, X)
  beta <- solve(XtWX, crossprod(X * W, y))
  r <- y - X %*% beta
  lp <- -0.5 * sum(log(V)) - 0.5 * sum(W * r^2)
  if (type == "ML") return(lp)
  lp - 0.5 * as.numeric(determinant(XtWX, logarithm = TRUE)$modulus)
}

adjusted_case <- function(name, y, X, D, type) {
  f <- function(t) log(exp(t)) + loglik(exp(t), y, X, D, type)
  opt <- optimize(f, c(log(1e-8), log(100 * max(D) + 10 * var(y))), maximum = TRUE,
                  tol = 1e-12)
  A <- exp(opt$maximum)
  W <- 1 / (A + D)
  beta <- solve(crossprod(X * W, X), crossprod(X * W, y))
  xb <- as.vector(X %*% beta)
  # Li-Lahiri (2010) MSE: Prasad-Rao minus gamma's derivative times the bias of A_hat
  # (bias as emdi's li_lahiri(): (2/A)/sum(W^2) for AREML, (tr(P - V^-1) + 2/A)/sum(W^2) AML)
  Q <- solve(crossprod(X * W, X))
  Bd <- D * W
  g1 <- D * (1 - Bd)
  g2 <- Bd^2 * rowSums((X %*% Q) * X)
  g3 <- Bd^2 * (2 / sum(W^2)) * W
  P <- diag(W) - (X * W) %*% Q %*% t(X * W)
  bias <- if (type == "REML") (2 / A) / sum(W^2) else (sum(diag(P)) - sum(W) + 2 / A) / sum(W^2)
  list(name = name, type = paste0("A", type), refvar = A, beta = as.vector(beta),
       eblup = xb + A * W * (y - xb), mse = g1 + g2 + 2 * g3 - Bd^2 * bias,
       r_call = sprintf("optimize(log(A) + l_%s(A)) on log(A), tol=1e-12", type))
}

set.seed(20261202)
m <- 30
flat_x <- round(runif(m), 4)
flat_D <- round(runif(m, 0.5, 1.5), 4)
flat_y <- round(1 + 2 * flat_x + rnorm(m, sd = sqrt(flat_D)) * 0.5, 4)  # less spread than D
flat <- data.frame(y = flat_y, x = flat_x, var = flat_D)

Xm <- model.matrix(~ as.factor(MajorArea), milk)
cases <- list(
  REML = fh_case("REML", milk, yi ~ as.factor(MajorArea)),
  ML = fh_case("ML", milk, yi ~ as.factor(MajorArea)),
  FH = fh_case("FH", milk, yi ~ as.factor(MajorArea)),
  flat_REML = fh_case("REML", flat, y ~ x),
  adjusted_milk_AREML = adjusted_case("milk", milk$yi, Xm, milk$var, "REML"),
  adjusted_milk_AML = adjusted_case("milk", milk$yi, Xm, milk$var, "ML"),
  adjusted_flat_AREML = adjusted_case("flat", flat$y, model.matrix(~x, flat), flat$var, "REML"),
  adjusted_flat_AML = adjusted_case("flat", flat$y, model.matrix(~x, flat), flat$var, "ML")
)

out <- list(
  header = list(
    generated_by = "Rscript tests/golden/sae_milk.R",
    r_version = R.version.string,
    sae_version = as.character(packageVersion("sae")),
    date = as.character(Sys.Date())
  ),
  milk = list(yi = milk$yi, SD = milk$SD, MajorArea = milk$MajorArea, ni = milk$ni),
  flat = as.list(flat),
  cases = cases
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/golden/sae_milk.json")
