"""A --indicators code that no row holds (robbery:7 where robbery is 1/2) warns naming the
column's values: a mistyped code would otherwise read as a real 0% change."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from survey.compare._spec import derive_indicators


def test_a_code_no_row_holds_warns_with_the_columns_values():
    frame = pd.DataFrame({"robbery": [1, 2, 2, np.nan, 1]})
    with pytest.warns(UserWarning, match=r"'robbery' in 7 \(its values: 1, 2\).*check the code"):
        out, names = derive_indicators(frame, ["robbed=robbery:7"], source="w1.sav")
    assert names == ["robbed"]
    np.testing.assert_array_equal(out["robbed"].to_numpy(), [0, 0, 0, np.nan, 0])


def test_a_code_some_row_holds_does_not_warn():
    frame = pd.DataFrame({"robbery": [1, 2, 2, np.nan, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = derive_indicators(frame, ["robbed=robbery:1", "any=robbery:1-2"])
    np.testing.assert_array_equal(out["robbed"].to_numpy(), [1, 0, 0, np.nan, 1])
    np.testing.assert_array_equal(out["any"].to_numpy(), [1, 1, 1, np.nan, 1])


def test_a_misspelt_wave_or_group_column_suggests_the_closest_column():
    from survey.compare._levels import resolve_pair
    from survey.compare._spec import split_waves

    frame = pd.DataFrame({"wave": [1, 1, 2, 2], "area": [1, 2, 1, 2], "robbery": [1, 2, 2, 1]})
    with pytest.raises(KeyError, match=r"wave column 'wav' is not in w\.sav \(did you mean 'wave'"):
        split_waves(frame, "wav", "1", "2", source="w.sav")
    with pytest.raises(KeyError, match=r"group column 'aera' .*\(did you mean 'area'"):
        resolve_pair(frame, "aera", 1, 2, kind="group")
