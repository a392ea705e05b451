"""Reliability flags: each rule's thresholds on hand-built rows (values chosen at and
around every threshold, so each comparison can fail)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.indicators import quality


def _frame(rows, statistic="prop", **attrs):
    cols = ["estimate", "se", "cv", "df", "deff", "n", "n_cases"]
    f = pd.DataFrame(rows, columns=cols)
    f.attrs["statistic"] = statistic
    f.attrs.update(attrs)
    return f


def test_cepal2020_proportions_each_criterion():
    ok = [0.30, 0.02, 0.02 / 0.30, 30, 1.0, 400, 120]
    rows = [
        ok,  # reliable
        [0.30, 0.02, 0.0667, 30, 1.0, 99, 120],  # n < 100 -> suppress
        [0.30, 0.02, 0.0667, 30, 3.0, 400, 120],  # n_eff = 133 < 140 -> suppress
        [0.30, 0.02, 0.0667, 30, 1.0, 400, 49],  # cases < 50 -> suppress
        [0.30, 0.02, 0.0667, 8, 1.0, 400, 120],  # df < 9 -> caution
        [
            0.05,
            0.011,
            0.22,
            30,
            1.0,
            2000,
            120,
        ],  # log-cv = .011/(.05*3.0) = .073; cv .22 -> caution
        [0.05, 0.030, 0.60, 30, 1.0, 2000, 120],  # log-cv = .2003 > .175 -> suppress
        # p >= .5: calidad's get_log_cv divides cv by -ln(1 - p): .0316 / 2.996 = .0105
        [0.95, 0.030, 0.030 / 0.95, 30, 1.0, 2000, 1900],  # -> reliable
        # p = .6: cv / -ln(.4) = cv / .91629; se .0960 -> cv .16, log-cv .17462 -> reliable
        [0.60, 0.0960, 0.0960 / 0.60, 30, 1.0, 2000, 1200],
        # se .0965 -> cv .16083 < .20 but log-cv .17553 > .175 -> suppress
        [0.60, 0.0965, 0.0965 / 0.60, 30, 1.0, 2000, 1200],
        [np.nan, np.nan, np.nan, 30, np.nan, 0, 0],  # undefined -> NA
    ]
    got = quality.assess(_frame(rows)).tolist()
    assert got[:10] == [
        "reliable",
        "suppress",
        "suppress",
        "suppress",
        "caution",
        "caution",
        "suppress",
        "reliable",
        "reliable",
        "suppress",
    ]
    assert got[10] is pd.NA
    # the package's symmetric variant evaluates the log-CV on q = min(p, 1 - p):
    # p = .95: .030 / (.05 * 2.9957) = .2003 -> suppress; p = .6, se .096:
    # .096 / (.4 * .91629) = .2619 -> suppress
    sym = quality.assess(_frame(rows), rule="cepal2020_symmetric").tolist()
    assert sym[:10] == got[:7] + ["suppress", "suppress", "suppress"]
    # and a share and its complement get the same flag under it, not under calidad's
    pair = [[0.60, 0.0965, 0.0965 / 0.60, 30, 1, 2000, 1200],
            [0.40, 0.0965, 0.0965 / 0.40, 30, 1, 2000, 800]]  # fmt: skip
    assert quality.assess(_frame(pair)).tolist() == ["suppress", "suppress"]
    pair[0][1] = pair[1][1] = 0.0960
    pair[0][2], pair[1][2] = 0.0960 / 0.6, 0.0960 / 0.4
    # p = .4: .096 / (.4 * .91629) = .2619 -> suppress; p = .6: .17462 -> reliable
    assert quality.assess(_frame(pair)).tolist() == ["reliable", "suppress"]
    assert quality.assess(_frame(pair), rule="cepal2020_symmetric").tolist() == [
        "suppress",
        "suppress",
    ]
    with pytest.raises(ValueError, match="log_cv"):
        quality.assess(_frame(pair), rule={"base": "cepal2020", "log_cv": "other"})


def test_cepal2020_means_use_cv_only_and_percent_scale_is_undone():
    rows = [[10.0, 1.9, 0.19, 30, 1.0, 150, np.nan], [10.0, 2.0, 0.20, 30, 1.0, 150, np.nan]]
    got = quality.assess(_frame(rows, statistic="mean")).tolist()
    assert got == ["reliable", "caution"]
    # a proportion on the % scale: 5% with se 3 points is log-cv 0.2003 -> suppress
    f = _frame([[5.0, 3.0, 0.6, 30, 1.0, 2000, 120]], scale="%")
    assert quality.assess(f).tolist() == ["suppress"]
    f = _frame([[5.0, 1.1, 0.22, 30, 1.0, 2000, 120]], scale="%")
    assert quality.assess(f).tolist() == ["caution"]


def test_ine_chile_quadratic_rule_and_cv_bands():
    # p = 0.2: threshold (0.2)^(2/3)/9 = 0.0379995
    rows = [
        [0.2, 0.0379, 0.19, 20, 1, 100, 20],
        [0.2, 0.0381, 0.19, 20, 1, 100, 20],
        [0.2, 0.01, 0.05, 20, 1, 59, 20],
        [0.2, 0.01, 0.05, 8, 1, 100, 20],
    ]
    got = quality.assess(_frame(rows), rule="ine_chile2020").tolist()
    assert got == ["reliable", "caution", "suppress", "suppress"]
    means = [
        [1, 0.15, 0.15, 20, 1, 100, np.nan],
        [1, 0.3, 0.30, 20, 1, 100, np.nan],
        [1, 0.31, 0.31, 20, 1, 100, np.nan],
    ]
    got = quality.assess(_frame(means, statistic="mean"), rule="ine_chile2020").tolist()
    assert got == ["reliable", "caution", "suppress"]


def test_nchs_rse_rule_and_overrides():
    rows = [
        [1, 0.29, 0.29, 5, 1, 60, np.nan],
        [1, 0.30, 0.30, 5, 1, 60, np.nan],
        [1, 0.1, 0.1, 5, 1, 59, np.nan],
        [1, 0.1, 0.1, 5, 1, 29, np.nan],
        [1, 0.51, 0.51, 5, 1, 100, np.nan],
    ]
    f = _frame(rows, statistic="total")
    assert quality.assess(f, rule="nchs").tolist() == [
        "reliable",
        "caution",
        "caution",
        "suppress",
        "suppress",
    ]
    # a dict overrides one threshold of a base rule
    got = quality.assess(f, rule={"base": "nchs", "min_n_suppress": 60}).tolist()
    assert got == ["reliable", "caution", "suppress", "suppress", "suppress"]
    with pytest.raises(ValueError, match="quality rule"):
        quality.assess(f, rule="nope")


def test_engine_frames_get_flags_and_contrasts_do_not(design):
    out = design.prop("insec_neighbourhood", by="region")
    assert set(out["reliability"].dropna()) <= set(quality.LEVELS)
    # the 2% "no answer" category (about 4 cases per region) can never pass CEPAL's 50 cases
    assert (out.loc[out.category == 98, "reliability"] == "suppress").all()
    f = out.copy()
    f.attrs["statistic"] = "contrast"
    assert quality.assess(f).isna().all()


def test_mask_blanks_suppressed_values():
    f = _frame([[0.3, 0.02, 0.07, 30, 1, 400, 120], [0.3, 0.02, 0.07, 30, 1, 40, 120]])
    f["reliability"] = quality.assess(f)
    m = quality.mask(f)
    assert m["estimate"].iloc[0] == 0.3 and np.isnan(m["estimate"].iloc[1])
    assert f["estimate"].iloc[1] == 0.3  # original untouched


def test_assess_is_vectorised_on_large_frames():
    rng = np.random.default_rng(0)
    k = 200_000
    f = _frame(
        np.column_stack(
            [
                rng.uniform(size=k),
                rng.uniform(0, 0.1, k),
                rng.uniform(size=k),
                rng.integers(1, 50, k),
                rng.uniform(0.5, 3, k),
                rng.integers(0, 500, k),
                rng.integers(0, 200, k),
            ]
        )
    )
    got = quality.assess(f)
    assert len(got) == k and got.isin(quality.LEVELS).all()


def test_cepal2023_each_branch_of_calidad_assess_cepal2023():
    """calidad 0.8.0 assess(scheme = "eclac_2023"): deff >= 1, ess >= 60, df >= 9, then the
    log-CV (proportions) or CV bands (means) with the 50/30 case counts."""
    # p < .5 with se .02: log-cv = (.02/.3)/-ln(.3) = .0554 (ok)
    rows = [
        [0.30, 0.02, 0.0667, 30, 1.2, 400, 120],  # reliable
        [0.30, 0.02, 0.0667, 30, 0.9, 400, 120],  # deff < 1 -> suppress
        [0.30, 0.02, 0.0667, 30, 7.0, 400, 120],  # ess 57 < 60 -> suppress
        [0.30, 0.02, 0.0667, 8, 1.2, 400, 120],  # df < 9 -> suppress
        [0.30, 0.02, 0.0667, 30, 1.2, 400, 49],  # 30 <= cases < 50 -> caution
        [0.30, 0.02, 0.0667, 30, 1.2, 400, 29],  # cases < 30 -> suppress
        [0.05, 0.030, 0.60, 30, 1.2, 2000, 120],  # log-cv .2003 > .175, p < .5 -> suppress
        [0.60, 0.0965, 0.16, 30, 1.2, 2000, 1200],  # log-cv .1755, p >= .5 -> caution
        [0.60, 0.0965, 0.16, 30, 1.2, 2000, 29],  # ... with cases < 30 -> suppress
        [0.30, 0.02, 0.0667, 30, 1.2, 80, 45],  # n < 100 is not a CEPAL 2023 criterion
    ]
    got = quality.assess_reasons(_frame(rows), rule="cepal2023")
    assert got["reliability"].tolist() == [
        "reliable", "suppress", "suppress", "suppress", "caution", "suppress", "suppress",
        "caution", "suppress", "caution",
    ]  # fmt: skip
    assert got["reliability_reason"].tolist()[1:6] == [
        "deff < 1", "n_eff < 60", "df < 9", "cases < 50", "cases < 30",
    ]  # fmt: skip
    assert got["reliability_reason"].iloc[0] is pd.NA
    assert set(got["quality_rule"]) == {"cepal2023 (calidad 0.8.0)"}
    # means: cases = n (calidad); with deff >= 1 the ess criterion already needs n >= 60, so
    # the 30/50 case bands of the means branch cannot bind
    means = [
        [10, 1.9, 0.19, 30, 1.0, 60, np.nan],  # cv <= .2 -> reliable
        [10, 2.5, 0.25, 30, 1.0, 60, np.nan],  # .2 < cv <= .3 -> caution
        [10, 2.5, 0.25, 30, 1.0, 29, np.nan],  # n < 30 (and ess < 60) -> suppress
        [10, 3.1, 0.31, 30, 1.2, 500, np.nan],  # cv > .3 -> suppress
    ]
    got = quality.assess_reasons(_frame(means, statistic="mean"), rule="cepal2023")
    assert got["reliability"].tolist() == ["reliable", "caution", "suppress", "suppress"]
    assert got["reliability_reason"].tolist()[1:] == ["CV > 20%", "n_eff < 60; n < 30", "CV > 30%"]


def test_reasons_name_every_criterion_met_and_cases_are_never_guessed():
    rows = [[0.30, 0.02, 0.0667, 8, 3.0, 99, 40]]
    got = quality.assess_reasons(_frame(rows))
    assert got["reliability"].item() == "suppress"
    # suppress criteria only (df < 9 would only make it 'caution')
    assert got["reliability_reason"].item() == "n < 100; n_eff < 140; cases < 50"
    f = _frame(rows).drop(columns="n_cases")  # a proportion without its case count
    with pytest.raises(ValueError, match="n_cases"):
        quality.assess(f)
    ine = quality.assess_reasons(_frame([[0.2, 0.0381, 0.19, 20, 1, 100, 20]]), "ine_chile2020")
    assert ine["reliability_reason"].item() == "SE > q^(2/3)/9"
    custom = quality.assess_reasons(_frame(rows), {"base": "cepal2020", "min_n": 50})
    assert custom["quality_rule"].item() == "cepal2020* (calidad 0.8.0)"
    assert custom["reliability_reason"].item() == "n_eff < 140; cases < 50"
