"""Pre/post figures: dumbbell charts, difference-in-differences chart, forest plot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.plots._common import (
    BLUE,
    ORANGE,
    VERMILLION,
    annotate,
    caution_label,
    check_columns,
    column_labels,
    draw_intervals,
    intervals,
    label_for,
    legend_outside,
    n_summary,
    new_axes,
    prepare,
    scale_of,
    split_suppressed,
    value_label,
)
from survey.plots._text import check_lang, tr

#: Colour of changes whose desirable direction is unknown (neither better nor worse).
NEUTRAL = (0.45, 0.45, 0.45)

__all__ = ["dumbbell", "did_chart", "forest"]


def _waves(rows: pd.DataFrame, wave: str, order: Sequence | None, what: str) -> list:
    found = list(pd.unique(rows[wave]))
    order = list(order) if order is not None else found
    if len(order) != 2:
        raise ValueError(f"{what}: needs exactly two waves in column {wave!r}, found {order}")
    return order


def dumbbell(
    data: pd.DataFrame,
    *,
    item: str = "variable",
    wave: str = "wave",
    wave_order: Sequence | None = None,
    category=None,
    labels: dict | None = None,
    percent: bool = False,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    source: str | None = None,
    n: int | tuple[int, int] | None = None,
    lang: str = "en",
    ax=None,
):
    """Dumbbell (before/after) chart: two points per item joined by a line, each with its CI.

    Parameters
    ----------
    data : DataFrame
        A result frame with a ``wave`` column holding exactly two waves and one row per
        (item, wave).
    item : str
        Column naming the items (rows of the chart); default ``variable``.
    wave_order : sequence, optional
        (before, after); default the order of appearance.

    Returns
    -------
    matplotlib.axes.Axes
        Two scatter series (before, after), one CI error-bar set per wave, one connecting
        segment per item with both waves shown. Suppressed estimates are left out (an item
        then shows a single point and no connector); caution estimates are hollow.
    """
    p = prepare(data, [item, wave], "dumbbell", lang, category=category, n=n)
    rows, kept = p.rows, p.kept
    before, after = _waves(rows, wave, wave_order, "dumbbell")
    s, percent = scale_of(percent, data)
    aft = kept[kept[wave] == after].set_index(item)["estimate"]
    items = list(pd.unique(rows[item]))
    items.sort(key=lambda i: aft.get(i, -np.inf))
    ypos = {it: k for k, it in enumerate(items)}
    fig, ax = new_axes(ax, figsize=(7.0, 1.4 + 0.42 * max(len(items), 1)))
    both = kept.pivot_table(index=item, columns=wave, values="estimate", aggfunc="first")
    for it in items:
        if it in both.index and before in both.columns and after in both.columns:
            a, b = both.loc[it, before], both.loc[it, after]
            if np.isfinite(a) and np.isfinite(b):
                ax.plot(
                    [a * s, b * s], [ypos[it]] * 2, color="0.6", lw=2.2, zorder=1, gid="connector"
                )
    for j, w in enumerate((before, after)):
        part = kept[kept[wave] == w]
        y = np.array([ypos[i] for i in part[item]], float) + (-0.12 if j == 0 else 0.12)
        est, lo, hi = intervals(part, s)
        draw_intervals(
            ax, est, y, lo, hi, color=(BLUE, ORANGE)[j], caution=part["_caution"],
            errorbar={"elinewidth": 1.3}, s=50, linewidths=1.4,
            label=label_for(w, column_labels(data, wave, labels)),
        )  # fmt: skip
    cautious = set(kept.loc[kept["_caution"], item])
    ax.set_yticks(range(len(items)), [caution_label(i, labels, i in cautious) for i in items])
    legend_outside(ax, title=tr("wave", lang))
    annotate(
        ax, lang, data=data, level=level, title=title,
        xlabel=xlabel or value_label(lang, percent), ylabel=None, source=source, n=p.n,
        caution=bool(kept["_caution"].any()), suppressed=p.suppressed,
    )  # fmt: skip
    return ax


def did_chart(
    data: pd.DataFrame,
    *,
    group: str = "area",
    wave: str = "wave",
    treated=None,
    wave_order: Sequence | None = None,
    variable: str | None = None,
    category=None,
    did: pd.DataFrame | pd.Series | None = None,
    counterfactual: bool = True,
    labels: dict | None = None,
    percent: bool = False,
    level: float | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    source: str | None = None,
    n: int | None = None,
    lang: str = "en",
    ax=None,
):
    """Difference-in-differences chart: treatment and comparison groups, before and after.

    Parameters
    ----------
    data : DataFrame
        Result frame with one row per (group, wave) for one variable: the estimate and CI
        of each group in each wave.
    group : str
        Column with the two groups; ``treated`` is the value of the treatment group
        (default: the first value).
    wave, wave_order
        Column with the two periods and their order (before, after).
    did : DataFrame row or Series, optional
        The DiD estimate (``estimate``/``difference``, ``ci_low``, ``ci_high``) from
        ``survey.compare``; it is printed on the chart. Nothing is computed here.
    counterfactual : bool
        Draw the treatment group's "no programme" path: its baseline plus the comparison
        group's change (the parallel-trends counterfactual), dashed.

    Returns
    -------
    matplotlib.axes.Axes
        One line per group (2 points each) with CI error bars, plus the dashed
        counterfactual line; suppressed cells are left out.
    """
    from survey.compare._levels import resolve_pair

    # n in the source line: the cases of the four cells together (the rows the DiD uses)
    p = prepare(
        data, [group, wave], "did_chart", lang, variable=variable, category=category, n=n,
        total=True,
    )  # fmt: skip
    rows, kept = p.rows, p.kept
    before, after = _waves(rows, wave, wave_order, "did_chart")
    groups = list(pd.unique(rows[group]))
    if len(groups) != 2:
        raise ValueError(f"did_chart: needs exactly two groups in column {group!r}, found {groups}")
    try:  # the same resolution as survey.compare.did: a code or a label, never a guess
        control, treated = resolve_pair(
            rows, group, None, treated, kind="group", labels=column_labels(data, group, labels)
        )
    except ValueError as exc:
        raise ValueError(f"did_chart: {exc}") from None
    s, percent = scale_of(percent, data)
    fig, ax = new_axes(ax, figsize=(6.5, 4.5))
    xs = {before: 0, after: 1}
    for g, color, marker in ((treated, VERMILLION, "o"), (control, BLUE, "s")):
        part = kept[kept[group] == g].copy()
        part["_x"] = part[wave].map(xs)
        part = part.dropna(subset=["_x"]).sort_values("_x")
        x = part["_x"].to_numpy(float)
        est, lo, hi = intervals(part, s)
        ax.plot(x, est, color=color, lw=2, marker=None, gid="group-line")
        draw_intervals(
            ax, est, x, lo, hi, color=color, caution=part["_caution"], horizontal=False,
            errorbar={"capsize": 4}, s=55, marker=marker,
            label=label_for(g, column_labels(data, group, labels)),
        )  # fmt: skip
    est_of = kept.set_index([group, wave])["estimate"]
    keys = [(treated, before), (control, before), (control, after)]
    if counterfactual and all(k in est_of.index for k in keys):
        cf_after = est_of[keys[0]] + est_of[keys[2]] - est_of[keys[1]]
        ax.plot(
            [0, 1],
            [est_of[keys[0]] * s, cf_after * s],
            color=VERMILLION,
            lw=1.5,
            ls="--",
            label=tr("counterfactual", lang),
            gid="counterfactual",
        )
    if did is not None:
        sd_, _ = scale_of(percent, did)  # the DiD frame carries its own scale
        row = did.iloc[0] if isinstance(did, pd.DataFrame) else did
        val = row["difference"] if "difference" in row.index else row["estimate"]
        txt = (
            f"{tr('did', lang)}: {val * sd_:.1f} [{row['ci_low'] * sd_:.1f}; "
            f"{row['ci_high'] * sd_:.1f}]"
            if percent
            else f"{tr('did', lang)}: {val:.3f} [{row['ci_low']:.3f}; {row['ci_high']:.3f}]"
        )
        ax.text(
            0.02,
            0.98,
            txt,
            transform=ax.transAxes,
            va="top",
            ha="left",
            fontsize=9,
            bbox=dict(boxstyle="round", fc="white", ec="0.7"),
            gid="did-label",
        )
    wl = column_labels(data, wave, labels)
    ax.set_xticks([0, 1], [label_for(before, wl), label_for(after, wl)])
    ax.set_xlim(-0.3, 1.3)
    legend_outside(ax, fontsize=8)
    annotate(
        ax, lang, data=data, level=level, title=title, xlabel=tr("period", lang),
        ylabel=ylabel or value_label(lang, percent), source=source, n=p.n,
        caution=bool(kept["_caution"].any()), suppressed=p.suppressed,
    )  # fmt: skip
    return ax


def forest(
    data: pd.DataFrame,
    *,
    item: str = "variable",
    value: str = "difference",
    labels: dict | None = None,
    sort: bool = False,
    percent: bool = False,
    alpha: float = 0.05,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    source: str | None = None,
    n: int | tuple[int, int] | None = None,
    lang: str = "en",
    ax=None,
):
    """Forest plot of differences (e.g. follow-up minus baseline) across an indicator battery.

    Parameters
    ----------
    data : DataFrame
        A comparison frame: ``item`` (default ``variable``), ``value`` (default
        ``difference``), ``ci_low``, ``ci_high``, and optionally ``significant`` (bool)
        and ``worsened`` (bool: the change goes in the unfavourable direction), and
        ``reliability``.
    sort : bool
        Order by difference (default: frame order, top to bottom).
    alpha : float
        Significance level quoted in the note.

    Returns
    -------
    matplotlib.axes.Axes
        One point and CI segment per item; significant differences filled, others hollow;
        significant worsenings in vermillion, other changes with a known desirable
        direction in blue, changes without one (``worsened`` missing) in neutral grey; a
        reference line at 0.
        Every row is drawn — null and unfavourable results included — except suppressed.
    """
    check_lang(lang)
    check_columns(data, [item, value, "ci_low", "ci_high"], "forest")
    n_note = n if n is not None else n_summary(data, total=False)
    kept, n_supp, caution = split_suppressed(data)
    s, percent = scale_of(percent, data)
    if sort:
        order = np.argsort(kept[value].to_numpy(float), kind="stable")
    else:
        order = np.arange(len(kept))[::-1]
    kept = kept.iloc[order]
    caution = caution[order]
    est, lo, hi = intervals(kept, s, value)
    if "significant" in kept.columns:
        sig = kept["significant"].fillna(False).astype(bool).to_numpy()
    else:
        sig = (lo > 0) | (hi < 0)
    # worsened: True (significant change in the harmful direction), False (direction known,
    # no significant worsening) or missing (no desirable direction given: neutral grey, so
    # that no increase in robbery is ever shown as an improvement by default)
    flag = kept["worsened"] if "worsened" in kept.columns else pd.Series(pd.NA, index=kept.index)
    flag = flag.astype("boolean")
    known = flag.notna().to_numpy()
    worse = flag.fillna(False).to_numpy(bool)
    colors = [
        VERMILLION if w else (BLUE if k else NEUTRAL) for w, k in zip(worse, known, strict=True)
    ]
    y = np.arange(len(kept))
    fig, ax = new_axes(ax, figsize=(7.0, 1.4 + 0.36 * max(len(kept), 1)))
    ax.axvline(0, color="0.3", lw=1, ls="-", gid="zero")
    ax.errorbar(
        est,
        y,
        xerr=np.vstack([est - lo, hi - est]),
        fmt="none",
        ecolor=colors,
        elinewidth=1.5,
        gid="ci",
    )
    face = [c if g else (1, 1, 1) for c, g in zip(colors, sig, strict=True)]
    ax.scatter(
        est, y, s=48, marker="D", facecolors=face, edgecolors=colors, linewidths=1.4, zorder=3
    )
    ax.set_yticks(
        y, [caution_label(i, labels, c) for i, c in zip(kept[item], caution, strict=True)]
    )
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker="D", ls="", color=color, label=tr(key, lang))
        for key, color, shown in (
            ("worsened", VERMILLION, worse.any()),
            ("not_worsened", BLUE, (known & ~worse).any()),
            ("no_direction", NEUTRAL, (~known).any()),
        )
        if shown
    ]
    if handles:
        legend_outside(ax, handles=handles, fontsize=8)
    pct = f"{100 * alpha:g}".replace(".", "," if lang != "en" else ".")
    annotate(
        ax, lang, data=data, level=level, title=title,
        xlabel=xlabel or value_label(lang, percent, difference=True), ylabel=None,
        source=source, n=n_note, caution=bool(caution.any()), suppressed=n_supp,
        note=tr("filled_significant", lang, alpha=pct),
    )  # fmt: skip
    return ax
