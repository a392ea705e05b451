"""Hand-made result and comparison frames (schema of survey._schema) for the figure tests."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from survey._schema import finalize  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def by_region() -> pd.DataFrame:
    """Prevalence by region: one caution row (Sur) and one suppressed row (Isla)."""
    f = pd.DataFrame(
        {
            "region": ["Norte", "Centro", "Sur", "Costa", "Isla"],
            "variable": "prev_robbery",
            "estimate": [0.12, 0.08, 0.15, 0.10, 0.30],
            "se": [0.01, 0.01, 0.03, 0.012, 0.2],
            "ci_low": [0.10, 0.06, 0.09, 0.076, 0.0],
            "ci_high": [0.14, 0.10, 0.21, 0.124, 0.7],
            "n": [600, 550, 120, 580, 12],
            "reliability": ["reliable", "reliable", "caution", "reliable", "suppress"],
        }
    )
    out = finalize(f, by=["region"])
    out.attrs["level"] = 0.95
    return out


@pytest.fixture
def trust_two_waves() -> pd.DataFrame:
    rows = []
    est = {
        "police": (0.51, 0.56),
        "judiciary": (0.40, 0.41),
        "congress": (0.32, 0.33),
        "armed_forces": (0.60, 0.59),
    }
    for inst, (b, a) in est.items():
        for wave, e in (("Baseline", b), ("Follow-up", a)):
            rows.append(
                dict(
                    wave=wave,
                    variable=f"trust_{inst}",
                    estimate=e,
                    ci_low=e - 0.02,
                    ci_high=e + 0.02,
                    n=2200,
                    reliability="reliable",
                )
            )
    rows[-1]["reliability"] = "suppress"  # armed forces, follow-up
    rows[2]["reliability"] = "caution"  # judiciary, baseline
    return finalize(pd.DataFrame(rows), by=["wave"])


@pytest.fixture
def did_frame() -> pd.DataFrame:
    rows = [
        ("Treatment", "Baseline", 0.20),
        ("Treatment", "Follow-up", 0.14),
        ("Comparison", "Baseline", 0.18),
        ("Comparison", "Follow-up", 0.19),
    ]
    f = pd.DataFrame(rows, columns=["area", "wave", "estimate"])
    f["variable"] = "prev_robbery"
    f["ci_low"] = f["estimate"] - 0.02
    f["ci_high"] = f["estimate"] + 0.02
    f["n"] = 1150
    f["reliability"] = "reliable"
    return finalize(f, by=["area", "wave"])


@pytest.fixture
def comparison_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": [
                "prev_robbery",
                "prev_assault",
                "fear_unsafe",
                "trust_police",
                "trust_congress",
            ],
            "estimate_1": [0.12, 0.10, 0.57, 0.51, 0.32],
            "estimate_2": [0.10, 0.09, 0.53, 0.56, 0.30],
            "difference": [-0.02, -0.01, -0.04, 0.05, -0.02],
            "se": [0.008, 0.009, 0.015, 0.015, 0.012],
            "ci_low": [-0.036, -0.028, -0.07, 0.02, -0.044],
            "ci_high": [-0.004, 0.008, -0.01, 0.08, 0.004],
            "p_value": [0.012, 0.27, 0.008, 0.001, 0.096],
            "significant": [True, False, True, True, False],
            "worsened": [False, False, False, False, True],
        }
    )
