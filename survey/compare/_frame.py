"""The comparison result shape, its tests and flags (defined once).

Every comparison leaves through :func:`finish`: ``t``, ``p_value``, interval, adjusted
p-values and the ``significant`` / ``worsened`` / ``unreliable`` flags are computed here and
nowhere else, so the columns never depend on options (NaN / <NA> where not applicable).

Rows are never dropped silently: a domain or category estimated on one side only (one wave,
one sample, or fewer than the four DiD cells) is kept with NaN comparison values and a
``note`` saying what is missing.

``significant`` uses the multiplicity-adjusted p-value when an adjustment is requested;
``worsened`` (the "do no harm" screen) uses the UNADJUSTED p-value by default
(``worsened_p="unadjusted"``): a safety screen should not lose sensitivity because more
indicators were tested, and a false alarm costs a second look while a missed harm is not
seen at all. ``worsened_p="adjusted"`` applies the adjustment to the screen too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survey.compare.multiplicity import adjust_frame
from survey.engine.ci import critical

#: Columns of a comparison after the ``by`` columns, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "variable",
    "category",
    "measure",  # "difference" | "ratio" | "percent_change" | "did"
    "label_1",  # which side estimate_1 is (side_labels): "baseline: wave=1 (Baseline)",
    # "comparison group: area=2 (Comparison)" (the DiD); <NA> when the sides have no names
    # (compare_independent / compare_frames: two designs; survey compare names its files)
    "label_2",  # which side estimate_2 is: "follow-up: wave=2", "treated group: area=1"
    "estimate_1",  # baseline (or comparison group / pre-period change)
    "se_1",
    "estimate_2",  # follow-up (or treated group / post-period change)
    "se_2",
    "n_1",
    "n_2",
    "estimate",  # the comparison: difference, ratio or percent change
    "se",
    "ci_low",
    "ci_high",
    "df",
    "t",
    "p_value",
    "p_adjusted",  # NaN unless a multiplicity method is requested
    "effect_size",
    "effect_size_type",  # "cohen_h" | "cohen_d" | <NA>
    "significant",
    "worsened",  # significant change in the "worse" direction; <NA> when no direction given
    "unreliable",  # either input estimate flagged caution/suppress; <NA> when not assessed
    "suppressed_input",  # an input estimate is suppressed by the rule: a publication table
    # shows no numbers for the row (as estimate would print none); <NA> when not assessed
    "note",  # why a row has no comparison (e.g. "not estimated in follow-up"); <NA> otherwise
)

#: Text columns of :data:`COMPARISON_COLUMNS` (<NA> when a comparison does not fill them).
_TEXT_COLUMNS = ("category", "label_1", "label_2", "effect_size_type", "note")

#: The words that begin ``label_1`` / ``label_2`` by kind of comparison (English, as the
#: API's other text; a report translates them, :func:`survey.report._present.csv_frames`).
SIDES = {"waves": ("baseline", "follow-up"), "did": ("comparison group", "treated group")}


def side_labels(kind: str, column: str | None, values, labels=None) -> tuple[str, str]:
    """``label_1`` and ``label_2`` of a comparison: its :data:`SIDES` words and the two
    values compared with their value labels (``"baseline: wave=1 (Baseline)"``, ``"treated
    group: area=1 (Treatment)"``), or, with ``column=None``, the values as given
    (``"baseline: 2019.csv"``: the files of ``survey compare``)."""
    from survey.compare._levels import describe_values

    shown = [
        str(v) if column is None else f"{column}={describe_values([v], labels or {})}"
        for v in values
    ]
    first, second = SIDES[kind]
    return f"{first}: {shown[0]}", f"{second}: {shown[1]}"


#: ``note`` values of rows kept without a comparison.
NOTE_NO_BASELINE = "not estimated in baseline"
NOTE_NO_FOLLOWUP = "not estimated in follow-up"
NOTE_EMPTY_BASELINE = "no answers to the item in the baseline wave"
NOTE_EMPTY_FOLLOWUP = "no answers to the item in the follow-up wave"
WORSENED_P = ("unadjusted", "adjusted")

MEASURES = ("difference", "ratio", "percent_change")
NULL_VALUE = {"difference": 0.0, "ratio": 1.0, "percent_change": 0.0, "did": 0.0}
UNRELIABLE = ("caution", "suppress")


def worse_direction(worse, variables) -> np.ndarray:
    """+1 where an increase is worse, -1 where a decrease is worse, 0 when not given.

    ``worse`` is ``"higher"`` / ``"lower"`` for every variable, or a mapping variable ->
    ``"higher"`` / ``"lower"`` (e.g. victimisation and fear ``"higher"``, trust ``"lower"``).
    """
    variables = np.asarray(variables, dtype=object)
    if worse is None:
        return np.zeros(variables.size)
    if isinstance(worse, str):
        worse = dict.fromkeys(pd.unique(variables), worse)
    out = np.zeros(variables.size)
    for var, direction in worse.items():
        if direction not in ("higher", "lower"):
            raise ValueError(f"worse[{var!r}]={direction!r}: use 'higher' or 'lower'")
        out[variables == var] = 1.0 if direction == "higher" else -1.0
    return out


#: Stand-in for a missing ``category`` while rows are matched on it (NA never equals NA).
CATEGORY_NA_KEY = "\x00<NA>"


def with_category_key(labels: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``labels`` whose missing ``category`` is :data:`CATEGORY_NA_KEY`, so that
    rows can be matched (merged) on it."""
    out = labels.copy()
    out["category"] = out["category"].astype(object).where(out["category"].notna(), CATEGORY_NA_KEY)
    return out


def category_from_key(category: pd.Series) -> pd.Series:
    """Undo :func:`with_category_key`: :data:`CATEGORY_NA_KEY` back to <NA>."""
    return category.where(category != CATEGORY_NA_KEY, pd.NA)


def unreliable_flag(rel1, rel2) -> pd.Series:
    """True if either reliability is caution/suppress; <NA> if neither was assessed."""
    r1 = pd.Series(rel1, dtype=object).reset_index(drop=True)
    r2 = pd.Series(rel2, dtype=object).reset_index(drop=True)
    bad = r1.isin(UNRELIABLE) | r2.isin(UNRELIABLE)
    known = r1.notna() | r2.notna()
    out = pd.array(bad.to_numpy(), dtype="boolean")
    out[~known.to_numpy()] = pd.NA
    return pd.Series(out)


def suppressed_flag(*rels) -> pd.Series:
    """True if any input reliability is ``suppress``; <NA> if none was assessed."""
    rs = [pd.Series(r, dtype=object).reset_index(drop=True) for r in rels]
    bad = np.logical_or.reduce([r.eq("suppress").fillna(False).to_numpy(bool) for r in rs])
    known = np.logical_or.reduce([r.notna().to_numpy() for r in rs])
    out = pd.array(bad, dtype="boolean")
    out[~known] = pd.NA
    return pd.Series(out)


def input_flags(sides: dict) -> dict:
    """The ``attrs["inputs"]`` of a comparison: per input estimate (``sides``: name ->
    ``(reliability, reliability_reason)`` arrays aligned with the result rows), the lists
    ``{"reliability": [...], "reliability_reason": [...]}`` (``None`` where not assessed or no
    reason). A table or file says with them which input of a flagged row is flagged and why
    (``survey compare``'s reason column); plain lists, so frames holding them still concat."""

    def plain(values) -> list:
        return [v if isinstance(v, str) and v else None for v in np.asarray(values, dtype=object)]

    return {
        name: {"reliability": plain(rel), "reliability_reason": plain(why)}
        for name, (rel, why) in sides.items()
    }


def finish(
    frame: pd.DataFrame,
    by,
    *,
    level: float,
    alpha: float,
    adjust: str | None,
    family=None,
    worse=None,
    worsened_p: str | None = None,
    attrs: dict | None = None,
) -> pd.DataFrame:
    """Add interval, t, p-values and flags to a frame holding estimates, se and df.

    ``worsened_p``: ``"unadjusted"`` (what every public comparison passes by default) or
    ``"adjusted"`` (the p-value after ``adjust``; the unadjusted one when ``adjust`` is None).
    ``None`` keeps the rule of callers written before the option existed: the p-value that
    decides ``significant`` (survey.report's pipeline calls this helper directly and states
    that rule in its text).
    """
    out = frame.reset_index(drop=True).copy()
    est = out["estimate"].to_numpy(dtype=float)
    se = out["se"].to_numpy(dtype=float)
    df = out["df"].to_numpy(dtype=float)
    null = out["measure"].map(NULL_VALUE).to_numpy(dtype=float)
    q = critical(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (est - null) / se
        dfp = np.where(np.isfinite(df), df, 1.0)
        p = np.where(np.isfinite(df), 2 * stats.t.sf(np.abs(t), dfp), 2 * stats.norm.sf(np.abs(t)))
    p = np.where(df > 0, p, np.nan)
    out["ci_low"] = est - q * se
    out["ci_high"] = est + q * se
    out["t"] = t
    out["p_value"] = p
    out["p_adjusted"] = adjust_frame(out, adjust, family)
    decide = out["p_adjusted"] if adjust is not None else out["p_value"]
    sig = pd.array(decide.to_numpy() < alpha, dtype="boolean")
    sig[np.isnan(decide.to_numpy(dtype=float))] = pd.NA
    out["significant"] = sig
    if worsened_p is None:
        screen = decide.to_numpy(dtype=float)
    elif worsened_p == "unadjusted" or (worsened_p == "adjusted" and adjust is None):
        screen = p
    elif worsened_p == "adjusted":
        screen = out["p_adjusted"].to_numpy(dtype=float)
    else:
        raise ValueError(f"worsened_p={worsened_p!r}: use 'unadjusted' or 'adjusted'")
    direction = worse_direction(worse, out["variable"])
    change = np.sign(est - null)
    worsened = pd.array((direction * change > 0) & (screen < alpha), dtype="boolean")
    worsened[direction == 0] = pd.NA
    worsened[np.isnan(screen) & (direction != 0)] = pd.NA
    out["worsened"] = worsened
    for col in COMPARISON_COLUMNS:
        if col not in out.columns:
            out[col] = (
                pd.NA
                if col in _TEXT_COLUMNS or col in ("unreliable", "suppressed_input")
                else np.nan
            )
    for col in ("label_1", "label_2", "note"):
        out[col] = out[col].astype("string")
    by = list(by or [])
    out = out[[*by, *COMPARISON_COLUMNS]]
    out.attrs.update(
        {
            "level": level,
            "alpha": alpha,
            "adjust": adjust,
            "worsened_p": worsened_p or ("adjusted" if adjust is not None else "unadjusted"),
            **(attrs or {}),
        }
    )
    return out


def do_no_harm(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a comparison whose change is a significant worsening ("do no harm").

    Significance is the one the ``worsened`` column was computed with (by default the
    unadjusted p-value, see the module docstring; ``frame.attrs["worsened_p"]`` says which).
    """
    return frame[frame["worsened"].fillna(False).astype(bool)]
