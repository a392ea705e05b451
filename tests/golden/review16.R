# Golden values of the review-16 cases (tests/engine/test_review16.py): R's standard
# errors where an expanded many-category variance would cancel.
#
# Run from the repository root:
#   PYTHONPATH=. python tests/golden/review16_data.py /tmp/review16
#   Rscript tests/golden/review16.R /tmp/review16      # -> review16.json
#
# dominant_category: one row per PSU in one of 40 rare categories, the rest category 0
#   (share 0.9993 in every PSU): SE of svymean(~factor(k)) for categories 0 and 1.
# lonely_certainty: stratum 0 a single PSU with weights 1e5 times the others',
#   survey.lonely.psu = "certainty": SE of svyby(~factor(k), ~dom, svymean), domain 0,
#   categories 0, 1, 2.
source("tests/golden/helpers.R")
args <- commandArgs(TRUE)
dir <- if (length(args)) args[1] else "/tmp/review16"

d <- read.csv(file.path(dir, "dominant.csv"))
des <- svydesign(ids = ~psu, strata = ~st, weights = ~w, data = d)
m <- svymean(~factor(k), des)
cases <- list(list(id = "dominant_category", se = as.list(unname(SE(m)[1:2]))))

options(survey.lonely.psu = "certainty")
d <- read.csv(file.path(dir, "lonely.csv"))
des <- svydesign(ids = ~psu, strata = ~st, weights = ~w, data = d)
b <- svyby(~factor(k), ~dom, des, svymean)
cases[[2]] <- list(id = "lonely_certainty", se = as.list(unname(SE(b)[1, 1:3])))

write_golden(cases, "review16.json", "review16.R")
