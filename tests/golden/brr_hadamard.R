# Golden values: BRR and Fay with a user-supplied Hadamard matrix (R maps the matrix's FIRST
# value, in column order, to 0: survey:::brrweights, ifelse(H == values[1], 0, 1)). Issue 11.
# R's own example data (?as.svrepdesign): scd, 6 strata x 2 ambulances.
#
# Run from the repository root:   Rscript tests/golden/brr_hadamard.R
# Writes tests/golden/brr_hadamard.json (the Hadamard matrices are stored in it).

source("tests/golden/helpers.R")
suppressPackageStartupMessages(library(survey))

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
num <- function(x) as.list(unname(as.numeric(x)))
mat <- function(m) lapply(seq_len(nrow(m)), function(i) num(m[i, ]))

data(scd)
scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
H11 <- paley(11)             # 12 x 11 0/1 matrix whose first value is 1
H8 <- hadamard(6)            # R's stored matrix (first value 0)
Hpm <- 2 * paley(11) - 1     # the same design in -1/+1 coding
for (cfg in list(list(id = "paley11", H = H11, type = "BRR", rho = 0),
                 list(id = "paley11_pm1", H = Hpm, type = "BRR", rho = 0),
                 list(id = "paley11_fay", H = H11, type = "Fay", rho = 0.3),
                 list(id = "hadamard6", H = H8, type = "BRR", rho = 0))) {
  rep <- if (cfg$type == "Fay") {
    as.svrepdesign(scdnofpc, type = "Fay", fay.rho = cfg$rho, hadamard.matrix = cfg$H)
  } else {
    as.svrepdesign(scdnofpc, type = "BRR", hadamard.matrix = cfg$H)
  }
  r <- svyratio(~alive, ~arrests, design = rep)
  m <- svymean(~alive + arrests, rep)
  add(list(id = cfg$id, type = cfg$type, rho = cfg$rho, hadamard = mat(cfg$H),
           r_call = sprintf("svyratio(~alive, ~arrests, as.svrepdesign(scdnofpc, type='%s', hadamard.matrix=H%s))",
                            cfg$type, if (cfg$type == "Fay") ", fay.rho=0.3" else ""),
           ratio = unname(coef(r)), ratio_se = unname(SE(r)),
           mean = num(coef(m)), mean_se = num(SE(m))))
}
write_golden(cases, "brr_hadamard.json", "brr_hadamard.R")
