"""The note on means of unlabelled integer codes (design._note_codes): a 1/2-coded Yes/No
item gets it (its mean, 1 + the share of 2s, reads as nothing), a 0/1 item and a count
with many values do not."""

from __future__ import annotations

import numpy as np
import pandas as pd

import survey
from survey._codes import few_integer_codes


def test_few_integer_codes_counts_yes_no_codes_but_not_0_1():
    assert few_integer_codes(pd.Series([1, 2, 2, 1])) == 2
    assert few_integer_codes(pd.Series([1.0, 2.0, np.nan])) == 2
    assert few_integer_codes(pd.Series([0, 1, 1])) == 0
    assert few_integer_codes(pd.Series([0.0, 1.0, np.nan])) == 0
    assert few_integer_codes(pd.Series([1, 2, 3, 4])) == 4
    assert few_integer_codes(pd.Series(np.arange(50))) == 0


def test_mean_of_a_1_2_item_carries_the_note():
    rng = np.random.default_rng(1)
    f = pd.DataFrame({"yn": rng.choice([1, 2], 200), "d": rng.integers(0, 2, 200),
                      "w": rng.uniform(1, 2, 200)})  # fmt: skip
    des = survey.Design(f, weight="w")
    notes = des.mean(["yn", "d"]).attrs.get("notes", [])
    assert len(notes) == 1 and "'yn'" in notes[0] and "prop()" in notes[0]
