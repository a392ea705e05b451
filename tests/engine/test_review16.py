"""Review of the issue-16 fast paths: inputs where the many-category block's variance from
row sums (``core._sparse_block_moments``) would lose the numbers of the general pass.

The block's variance is expanded as ``A0^2 P + 2 A0 A1 R + A1^2 W`` (P, R, W the centred
sums of y^2, y m and m^2); when a category's share is (nearly) the same in every PSU of a
stratum the influence ``A0 y + A1 m`` is (nearly) zero while each term is large, and the
expansion alone keeps only rounding (a negative variance for a share of exactly 1, ~1e-8
relative error for a share of 0.9993). The guard sends those estimates to the general
computation (z formed per unit, centred, squared), as R does; these cases hold it to R.
"""

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.engine import core, linearization
from survey.engine.core import estimate
from tests.conftest import load_golden
from tests.golden.review16_data import dominant_category_frame, lonely_heavy_frame


def _own_category_design():
    """40 categories, the domain is the category itself: each domain's own share is 1."""
    rng = np.random.default_rng(1)
    n = 5000
    psu = rng.integers(0, 80, n)
    df = pd.DataFrame({"st": psu // 8, "psu": psu, "w": rng.uniform(1, 50, n)})
    df["k"] = rng.integers(0, 40, n)
    df["dom"] = df["k"]
    return Design(df, weight="w", strata="st", psu="psu")


def test_share_of_one_has_zero_variance_not_nan():
    des = _own_category_design()
    es = estimate(des, "prop", ["k"], by="dom")
    general = linearization.vcov(des, es.__dict__["_Z"].build(), es.strata_presence)
    fast = es.variance()
    ones = es.theta == 1
    assert ones.sum() == 40
    assert (general[ones] == 0).all()  # z = (y - m) / N = 0 exactly in every unit
    assert (fast >= 0).all(), fast[fast < 0]  # a variance is never negative
    np.testing.assert_allclose(fast, general, rtol=1e-10, atol=1e-20)
    fr = des.prop("k", by="dom")
    own = fr[fr["estimate"] == 1]
    # 3c46867 (and R's svyby(~factor(k), ~dom, svymean)): se 0, cv 0, reliability "caution"
    assert own["se"].notna().all()
    np.testing.assert_array_equal(own["se"].to_numpy(), 0.0)
    assert (own["reliability"] == "caution").all()


# R's svymean(~factor(k), svydesign(ids=~psu, strata=~st, weights=~w)): SE of factor(k)0
# and factor(k)1 (tests/golden/review16.R on tests/golden/review16_data.py's frames)
GOLD = {c["id"]: c for c in load_golden("review16")["cases"]}
R_SE = tuple(GOLD["dominant_category"]["se"])


def test_dominant_category_se_matches_r(monkeypatch):
    des = Design(dominant_category_frame(), weight="w", strata="st", psu="psu")
    es = estimate(des, "prop", ["k"])
    general = linearization.vcov(des, es.__dict__["_Z"].build(), es.strata_presence)
    np.testing.assert_allclose(np.sqrt(general[:2]), R_SE, rtol=1e-10)
    np.testing.assert_allclose(es.variance(), general, rtol=1e-10)
    fast = des.prop("k", ci="logit")
    np.testing.assert_allclose(fast["se"].to_numpy()[:2], R_SE, rtol=1e-10)
    monkeypatch.setattr(core, "SPARSE_BLOCK_MIN", 10**9, raising=False)  # dense pass
    dense = des.prop("k", ci="logit")
    for col in ("se", "ci_low", "ci_high"):
        np.testing.assert_allclose(fast[col], dense[col], rtol=1e-10)


# R, survey.lonely.psu = "certainty": SE(svyby(~factor(k), ~dom, des, svymean))[1, 1:3]
# (domain 0, categories 0, 1, 2)
R_SE_CERTAINTY = tuple(GOLD["lonely_certainty"]["se"])


def test_lonely_certainty_stratum_with_large_weights_matches_r(monkeypatch):
    """Under certainty/remove the lonely stratum adds exactly 0 in the general pass
    (z - S_h = 0); the row sums give c_h (Syy - Y^2), rounding of its 1e10-sized terms."""
    des = Design(lonely_heavy_frame(), weight="w", strata="st", psu="psu", lonely_psu="certainty")
    es = estimate(des, "prop", ["k"], by="dom")
    general = linearization.vcov(des, es.__dict__["_Z"].build(), es.strata_presence)
    np.testing.assert_allclose(np.sqrt(general[:3]), R_SE_CERTAINTY, rtol=1e-10)
    np.testing.assert_allclose(es.variance(), general, rtol=1e-10)
    fr = des.prop("k", by="dom", ci="logit")
    np.testing.assert_allclose(fr["se"].to_numpy()[:3], R_SE_CERTAINTY, rtol=1e-10)


def test_label_result_keeps_bool_and_integer_codes_apart():
    """label_result's distinct codes (pd.factorize on object) take True for 1 and False for
    0 (equal under ==): an object column holding both showed 'True' for the 1s. 3c46867
    labelled each row's own value."""
    from survey.io._labels import label_result

    frame = pd.DataFrame(
        {
            "g": pd.Series([1, True, 0, False], dtype=object),
            "variable": ["v"] * 4,
            "category": pd.Series([True, 1, False, 0], dtype=object),
        }
    )
    out = label_result(frame, None, by=["g"])
    assert out["domain_label"].tolist() == ["1", "True", "0", "False"]
    assert out["category_label"].tolist() == ["True", "1", "False", "0"]


def test_enusc_commune_share_within_its_own_flag_has_zero_se():
    """Real data: the 136 communes (enc_rpc) by a flag for one commune (7,789 PSUs x 2
    domains: dense cells, the row-sum path); the commune's share of its own domain is 1,
    se 0 at 3c46867 and in R, NaN or ~3e-9 ('suppress') now."""
    from tests.conftest import realdata_file

    d = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    d = d[d["Fact_Pers_Reg"].notna()].copy()
    for code in (15101, 13101):
        d["flag"] = (d["enc_rpc"] == code).astype(int)
        des = Design(
            d,
            weight="Fact_Pers_Reg",
            strata="VarStrat",
            psu="Conglomerado",
            lonely_psu="certainty",
        )
        fr = des.prop("enc_rpc", by="flag")
        own = fr[(fr["flag"] == 1) & (fr["category"] == code)]
        assert own["estimate"].tolist() == [1.0]
        assert own["se"].tolist() == [0.0]
        assert own["reliability"].tolist() == ["caution"]


@pytest.mark.parametrize("lonely", ["remove", "adjust"])
@pytest.mark.parametrize("factor", [1e3, 1e7])
def test_lonely_heavy_stratum_under_other_rules_matches_the_general_pass(lonely, factor):
    df = lonely_heavy_frame()
    df.loc[df.st == 0, "w"] *= factor / 1e5
    des = Design(df, weight="w", strata="st", psu="psu", lonely_psu=lonely)
    es = estimate(des, "prop", ["k"], by="dom")
    general = linearization.vcov(des, es.__dict__["_Z"].build(), es.strata_presence)
    np.testing.assert_allclose(es.variance(), general, rtol=1e-10)
