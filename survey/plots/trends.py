"""Trends across waves (lines with CI bands) and victimisation vs fear by territory."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.plots._common import (
    CI_COLUMNS,
    PALETTE,
    annotate,
    caution_label,
    check_columns,
    column_labels,
    hollow_faces,
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

__all__ = ["trend", "victimisation_vs_fear"]


def trend(
    data: pd.DataFrame,
    *,
    x: str = "wave",
    hue: str | None = None,
    order: Sequence | None = None,
    variable: str | None = None,
    category=None,
    labels: dict | None = None,
    percent: bool = False,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    source: str | None = None,
    n: int | tuple[int, int] | None = None,
    lang: str = "en",
    ax=None,
):
    """Estimates across waves as lines with shaded confidence bands (a slope chart for 2 waves).

    Parameters
    ----------
    data : DataFrame
        Result frame with a wave column ``x`` (one row per wave, and per ``hue`` group).
    x : str
        Wave column; waves are placed at equal spacing in ``order`` (default: sorted).
    hue : str, optional
        Column whose groups get one line and band each (e.g. region, area, variable).

    Returns
    -------
    matplotlib.axes.Axes
        One line and one CI band (``PolyCollection``) per group; suppressed waves are
        left out (the line breaks there), caution points are hollow markers.
    """
    p = prepare(data, [x] + ([hue] if hue else []), "trend", lang, variable=variable,
                category=category, n=n)  # fmt: skip
    waves = list(order) if order is not None else sorted(pd.unique(p.rows[x]))
    xpos = {w: k for k, w in enumerate(waves)}
    s, percent = scale_of(percent, data)
    groups = list(pd.unique(p.rows[hue])) if hue else [None]
    fig, ax = new_axes(ax)
    for j, g in enumerate(groups):
        color = PALETTE[j % len(PALETTE)]
        part = p.kept if g is None else p.kept[p.kept[hue] == g]
        # reindex on all waves so a suppressed wave leaves a gap instead of a false line
        part = part.assign(_x=part[x].map(xpos)).dropna(subset=["_x"])
        full = part.set_index("_x").reindex(range(len(waves)))
        xx = np.arange(len(waves), dtype=float)
        est, lo, hi = intervals(full, s)
        lab = None if g is None else label_for(g, column_labels(data, hue, labels))
        ax.plot(xx, est, color=color, lw=2, label=lab, gid="trend-line")
        ax.fill_between(xx, lo, hi, color=color, alpha=0.2, lw=0, gid="ci-band")
        ok = np.isfinite(est)
        cau = full["_caution"].fillna(False).to_numpy(bool)
        face = hollow_faces(color, cau[ok])
        ax.scatter(xx[ok], est[ok], s=36, facecolors=face, edgecolors=[color], zorder=3)
    ax.set_xticks(range(len(waves)), [label_for(w, column_labels(data, x, labels)) for w in waves])
    if hue:
        legend_outside(ax, fontsize=8)
    annotate(
        ax, lang, data=data, level=level, title=title, xlabel=xlabel or tr("wave", lang),
        ylabel=ylabel or value_label(lang, percent), source=source, n=p.n, band=True,
        caution=bool(p.kept["_caution"].any()), suppressed=p.suppressed,
    )  # fmt: skip
    return ax


def victimisation_vs_fear(
    victimisation: pd.DataFrame,
    fear: pd.DataFrame,
    *,
    territory: str = "region",
    labels: dict | None = None,
    percent: bool = True,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    source: str | None = None,
    wave: str | None = None,
    lang: str = "en",
    ax=None,
):
    """Scatter of victimisation (x) against fear (y) by territory, with both CIs.

    Parameters
    ----------
    victimisation, fear : DataFrame
        Two result frames with one row per territory (column ``territory``), for one
        indicator each.

    Returns
    -------
    matplotlib.axes.Axes
        One point per territory present (and not suppressed) in both frames, with
        horizontal and vertical CI error bars and the territory's name next to it.
    """
    check_lang(lang)
    for name, frame in (("victimisation", victimisation), ("fear", fear)):
        check_columns(frame, [territory, *CI_COLUMNS], f"victimisation_vs_fear ({name})")
    kv, sv, cv = split_suppressed(victimisation)
    kf, sf, cf = split_suppressed(fear)
    cols = [territory, *CI_COLUMNS, "_caution"]
    kv = kv.assign(_caution=cv)[cols + (["n"] if "n" in kv else [])]
    kf = kf.assign(_caution=cf)[cols]
    both = kv.merge(kf, on=territory, suffixes=("_v", "_f"))
    sx, px = scale_of(percent, victimisation)
    sy, py = scale_of(percent, fear)
    if px != py:
        raise ValueError("victimisation_vs_fear: the two frames are on different scales")
    percent = px
    xv = both["estimate_v"].to_numpy(float) * sx
    yv = both["estimate_f"].to_numpy(float) * sy
    xerr = np.vstack([xv - both["ci_low_v"] * sx, both["ci_high_v"] * sx - xv])
    yerr = np.vstack([yv - both["ci_low_f"] * sy, both["ci_high_f"] * sy - yv])
    cau = (both["_caution_v"] | both["_caution_f"]).to_numpy(bool)
    fig, ax = new_axes(ax, figsize=(6.5, 5.0))
    color = PALETTE[0]
    ax.errorbar(xv, yv, xerr=xerr, yerr=yerr, fmt="none", ecolor="0.55", elinewidth=1, gid="ci")
    face = hollow_faces(color, cau)
    ax.scatter(xv, yv, s=60, facecolors=face, edgecolors=[color], linewidths=1.5, zorder=3)
    for xi, yi, t, c in zip(xv, yv, both[territory], cau, strict=True):
        ax.annotate(
            caution_label(t, labels, c),
            (xi, yi),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
            gid="territory-label",
        )
    unit = f" ({tr('percent', lang).lower()})" if percent else ""
    annotate(
        ax, lang, data=victimisation, level=level, title=title,
        xlabel=xlabel or tr("victimisation", lang) + unit,
        ylabel=ylabel or tr("fear", lang) + unit, source=source, wave=wave,
        n=n_summary(victimisation, total=True), caution=bool(cau.any()), suppressed=sv + sf,
    )  # fmt: skip
    return ax
