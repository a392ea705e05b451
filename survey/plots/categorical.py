"""Estimates by domain and the institutional trust battery (one value per row, with a CI)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.plots._common import (
    PALETTE,
    annotate,
    caution_label,
    column_labels,
    domain_labels,
    draw_intervals,
    intervals,
    label_for,
    legend_outside,
    new_axes,
    prepare,
    reference_line,
    scale_of,
    value_label,
    wrap_labels,
)
from survey.plots._text import tr

__all__ = ["domain_bars", "trust_battery"]


def domain_bars(
    data: pd.DataFrame,
    by: str | Sequence[str],
    *,
    variable: str | None = None,
    category=None,
    labels: dict | None = None,
    sort: bool = True,
    percent: bool = False,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    source: str | None = None,
    wave: str | None = None,
    n: int | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
    lang: str = "en",
    ax=None,
):
    """Horizontal bars of an indicator by domain, with confidence-interval error bars.

    Parameters
    ----------
    data : DataFrame
        A result frame (``by`` columns, ``estimate``, ``ci_low``, ``ci_high``, optionally
        ``n`` and ``reliability``).
    by : str or list of str
        Domain column(s); several are joined into one label.
    variable, category : optional
        Keep only the rows of this variable / category (a frame may hold several).
    labels : dict, optional
        Display labels for domain values.
    sort : bool
        Largest estimate on top (default); otherwise the frame order, top to bottom.
    percent : bool
        Display proportions as percentages (x 100).
    level : float, optional
        CI level of the intervals, for the note; default ``data.attrs['level']`` or 0.95.
    title, xlabel, source, wave, n, lang
        Text; ``source``/``wave``/``n`` go into the source line (``n`` defaults to the sum
        of ``n`` over all domains, suppressed ones included).
    reference : float, optional
        A value on the scale of ``data`` (typically the national estimate) drawn as a dashed
        vertical line labelled ``reference_label`` (default "National" in ``lang``).

    Returns
    -------
    matplotlib.axes.Axes
        Rows flagged ``reliability == "suppress"`` are not drawn; rows flagged
        ``"caution"`` are hatched, hollow-edged and their tick label ends with "†".
        Domain labels longer than ~26 characters are wrapped, not cut, and the figure grows
        to hold them.
    """
    by = [by] if isinstance(by, str) else list(by)
    p = prepare(
        data, by, "domain_bars", lang, variable=variable, category=category, n=n, total=True
    )
    names = domain_labels(p.kept, by, labels)
    s, percent = scale_of(percent, data)
    est, lo, hi = intervals(p.kept, s)
    caution = p.kept["_caution"].to_numpy(bool)
    order = np.argsort(est, kind="stable") if sort else np.arange(len(est))[::-1]
    est, lo, hi, caution = est[order], lo[order], hi[order], caution[order]
    names = [caution_label(names[i], None, c) for i, c in zip(order, caution, strict=True)]

    names = wrap_labels(names)
    lines = sum(t.count("\n") + 1 for t in names)
    fig, ax = new_axes(ax, figsize=(7.0, 1.2 + 0.3 * max(len(est), 1) + 0.14 * lines))
    ypos = np.arange(len(est))
    colors = [PALETTE[0]] * len(est)
    bars = ax.barh(ypos, est, color=colors, height=0.65, edgecolor=PALETTE[0], linewidth=1.0)
    for bar, c in zip(bars, caution, strict=True):
        if c:
            bar.set_facecolor("white")
            bar.set_hatch("///")
    ax.errorbar(
        est,
        ypos,
        xerr=np.vstack([est - lo, hi - est]),
        fmt="none",
        ecolor="0.15",
        elinewidth=1.1,
        capsize=3,
        gid="ci",
    )
    ax.set_yticks(ypos, names)
    ax.set_xlim(left=min(0.0, float(np.nanmin(lo)) if len(lo) else 0.0))
    ax.grid(axis="y", visible=False)
    if reference is not None:
        reference_line(ax, float(reference) * s, reference_label or tr("national", lang))
    annotate(
        ax, lang, data=data, level=level, title=title,
        xlabel=xlabel or value_label(lang, percent), ylabel=None,
        source=source, wave=wave, n=p.n, caution=bool(caution.any()), suppressed=p.suppressed,
    )  # fmt: skip
    return ax


def trust_battery(
    data: pd.DataFrame,
    *,
    item: str = "variable",
    wave: str | None = None,
    wave_order: Sequence | None = None,
    category=None,
    labels: dict | None = None,
    percent: bool = True,
    level: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    source: str | None = None,
    n: int | tuple[int, int] | None = None,
    lang: str = "en",
    ax=None,
):
    """Dot-and-interval plot of trust in institutions, ranked, optionally for two waves.

    Parameters
    ----------
    data : DataFrame
        A result frame with one row per institution (column ``item``, default
        ``variable``) — and per wave when ``wave`` names a wave column.
    item : str
        Column naming the institution.
    wave : str, optional
        Column with the wave; each wave gets its own colour and marker, side by side.
    wave_order : sequence, optional
        Order of the waves (default: order of appearance); institutions are ranked by the
        estimate of the *last* wave.
    category : optional
        Keep only this ``category`` (for instance the "a lot or some" category).
    labels : dict, optional
        Display labels for institutions and wave values.
    percent : bool
        Show proportions as percentages (default True).

    Returns
    -------
    matplotlib.axes.Axes
        One point and one CI segment per (institution, wave) not suppressed; caution
        estimates are hollow markers and their institution label ends with "†".
    """
    p = prepare(
        data, [item] + ([wave] if wave else []), "trust_battery", lang, category=category, n=n
    )
    kept = p.kept
    s, percent = scale_of(percent, data)
    waves = [None]
    if wave:
        waves = list(wave_order) if wave_order is not None else list(pd.unique(p.rows[wave]))
    last = kept if wave is None else kept[kept[wave] == waves[-1]]
    rank = last.sort_values("estimate", kind="stable")[item].tolist()
    rest = [i for i in pd.unique(kept[item]) if i not in rank]
    items = rest + rank  # items missing in the last wave go to the bottom
    ypos = {it: k for k, it in enumerate(items)}
    fig, ax = new_axes(ax, figsize=(7.0, 1.4 + 0.42 * max(len(items), 1)))
    width = 0.36 if len(waves) > 1 else 0.0
    markers = ["o", "s", "D", "^"]
    for j, w in enumerate(waves):
        part = kept if w is None else kept[kept[wave] == w]
        if part.empty:
            continue
        offset = (j - (len(waves) - 1) / 2) * width
        y = np.array([ypos[i] for i in part[item]], float) + offset
        est, lo, hi = intervals(part, s)
        draw_intervals(
            ax, est, y, lo, hi, color=PALETTE[j], caution=part["_caution"].to_numpy(bool),
            errorbar={"elinewidth": 1.6, "capsize": 0}, s=46, marker=markers[j % 4],
            linewidths=1.4,
            label=None if w is None else label_for(w, column_labels(data, wave, labels)),
        )  # fmt: skip
    cautious = set(kept.loc[kept["_caution"], item])
    ticks = [caution_label(i, labels, i in cautious) for i in items]
    ax.set_yticks(range(len(items)), wrap_labels(ticks))
    if wave:
        legend_outside(ax, title=tr("wave", lang))
    annotate(
        ax, lang, data=data, level=level,
        title=title if title is not None else tr("trust", lang),
        xlabel=xlabel or value_label(lang, percent), ylabel=None,
        source=source, n=p.n, caution=bool(kept["_caution"].any()), suppressed=p.suppressed,
    )  # fmt: skip
    return ax
