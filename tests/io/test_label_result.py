"""label_result: labels per distinct code give what a per-row lookup gives."""

import numpy as np
import pandas as pd

from survey.io._labels import display, label_result
from survey.io._meta import Metadata


def test_label_result_matches_a_per_row_lookup():
    rng = np.random.default_rng(4)
    n = 400
    frame = pd.DataFrame(
        {
            "region": rng.choice([1.0, 2.0, 13.0, np.nan], n),
            "sex": rng.choice(["1", "2", "9"], n),
            "variable": rng.choice(["fear", "victim"], n),
            "category": pd.array(rng.choice([1, 2, 3, None], n), dtype=object),
            "estimate": rng.random(n),
        }
    )
    meta = Metadata(
        value_labels={
            "region": {1: "Tarapacá", 13: "Metropolitana"},
            "sex": {1: "Hombre", 2: "Mujer"},
            "fear": {1: "Sí", 2: "No"},
        },
        variable_labels={"fear": "Temor", "victim": "Victimización"},
    )
    out = label_result(frame, meta, by=["region", "sex"])
    for i in range(n):
        r, s = frame.at[i, "region"], frame.at[i, "sex"]
        parts = [display(meta.value_labels.get("region"), r), display(meta.value_labels["sex"], s)]
        want = " · ".join("" if p is None or p != p else str(p) for p in parts)
        assert out.at[i, "domain_label"] == want
        v, c = frame.at[i, "variable"], frame.at[i, "category"]
        want_c = pd.NA if c is None else display(meta.value_labels.get(v), c)
        got_c = out.at[i, "category_label"]
        assert (got_c is pd.NA and want_c is pd.NA) or got_c == want_c
        assert out.at[i, "variable_label"] == meta.variable_labels[v]
    assert (out["domain_label"] == "Metropolitana · Mujer").any()
    assert (out["domain_label"] == "2 · 9").any()  # unlabelled codes shown as codes
    assert (out["category_label"] == "Sí").any()
