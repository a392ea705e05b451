"""Weighting diagnostics: weight distribution, Kish design effect, effective sample size,
achieved versus target margins."""

from __future__ import annotations

import numpy as np
import pandas as pd

WEIGHT_SUMMARY_COLUMNS = [
    "n",
    "n_positive",
    "sum",
    "mean",
    "min",
    "p01",
    "p25",
    "median",
    "p75",
    "p99",
    "max",
    "max_min_ratio",
    "cv",
    "deff_kish",
    "n_effective",
]


def kish_deff(weights) -> float:
    """Kish's design effect due to unequal weighting, ``n sum(w^2) / (sum w)^2`` (rows with
    positive weight; 1 for equal weights)."""
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    return float(w.size * np.sum(w**2) / np.sum(w) ** 2)


def effective_sample_size(weights) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum(w^2)`` (= n / deff_kish)."""
    w = np.asarray(weights, dtype=float)
    w = w[w > 0]
    return float(np.sum(w) ** 2 / np.sum(w**2))


def weight_summary(weights, label: str = "weights") -> pd.DataFrame:
    """One-row table describing a weight vector.

    Returns
    -------
    DataFrame indexed by ``label`` with columns ``n``, ``n_positive``, ``sum``, ``mean``,
    ``min``, ``p01``, ``p25``, ``median``, ``p75``, ``p99``, ``max``, ``max_min_ratio`` (among
    positive weights), ``cv`` (coefficient of variation of the positive weights),
    ``deff_kish`` and ``n_effective``.
    """
    w = np.asarray(weights, dtype=float)
    pos = w[w > 0]
    q = np.quantile(pos, [0.01, 0.25, 0.5, 0.75, 0.99]) if pos.size else np.full(5, np.nan)
    row = {
        "n": w.size,
        "n_positive": int(pos.size),
        "sum": float(w.sum()),
        "mean": float(w.mean()) if w.size else np.nan,
        "min": float(w.min()) if w.size else np.nan,
        "p01": q[0],
        "p25": q[1],
        "median": q[2],
        "p75": q[3],
        "p99": q[4],
        "max": float(w.max()) if w.size else np.nan,
        "max_min_ratio": float(pos.max() / pos.min()) if pos.size else np.nan,
        "cv": float(pos.std() / pos.mean()) if pos.size else np.nan,
        "deff_kish": kish_deff(w) if pos.size else np.nan,
        "n_effective": effective_sample_size(w) if pos.size else np.nan,
    }
    return pd.DataFrame([row], index=[label], columns=WEIGHT_SUMMARY_COLUMNS)


def margin_rows(name, variables, labels, codes, targets, before, after) -> pd.DataFrame:
    """Achieved versus target totals of one margin (one row per cell)."""
    k = len(targets)
    b = np.bincount(codes, weights=before, minlength=k)
    a = np.bincount(codes, weights=after, minlength=k)
    frame = pd.DataFrame(
        {
            "margin": name,
            "category": [
                ", ".join(f"{v}={x}" for v, x in zip(variables, lab, strict=True)) for lab in labels
            ],
            "target": np.asarray(targets, dtype=float),
            "before": b,
            "achieved": a,
        }
    )
    frame["difference"] = frame["achieved"] - frame["target"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["relative_difference"] = frame["difference"] / frame["target"]
    return frame


def make_diagnostics(before, after, margins: list[pd.DataFrame] | None = None, **extra) -> dict:
    """The ``diagnostics_`` dictionary every step learns: ``weights`` (summary before/after),
    ``margins`` (achieved vs target, possibly empty), and step-specific entries."""
    cols = [
        "margin",
        "category",
        "target",
        "before",
        "achieved",
        "difference",
        "relative_difference",
    ]
    out = {
        "weights": pd.concat([weight_summary(before, "before"), weight_summary(after, "after")]),
        "margins": pd.concat(margins, ignore_index=True) if margins else pd.DataFrame(columns=cols),
    }
    out.update(extra)
    return out
