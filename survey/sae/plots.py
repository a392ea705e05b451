"""Figures of small-area results: caterpillar plot direct vs model (returns Axes).

Figures take an :class:`~survey.sae.FHResult` (or its ``estimates`` frame) and compute
nothing: they draw the estimates and intervals the model produced.
"""

from __future__ import annotations

import numpy as np

_TEXT = {
    "en": (
        "direct",
        "model (FH)",
        "area (sorted by direct estimate)",
        "estimate",
        "{level:.0%} intervals; areas without a direct estimate show the model only",
    ),
    "es": (
        "directa",
        "modelo (FH)",
        "área (ordenada por la estimación directa)",
        "estimación",
        "intervalos al {level:.0%}; las áreas sin estimación directa muestran solo el modelo",
    ),
    "pt": (
        "direta",
        "modelo (FH)",
        "área (ordenada pela estimativa direta)",
        "estimativa",
        "intervalos de {level:.0%}; áreas sem estimativa direta mostram só o modelo",
    ),
}


def caterpillar(
    result,
    ax=None,
    *,
    lang: str = "en",
    percent: bool | None = None,
    show_labels: bool | None = None,
):
    """Direct estimates with their intervals and the model estimates with theirs, per area.

    Areas are sorted by the direct estimate (out-of-sample areas last); the model interval
    is ``estimate -/+ z sqrt(mse)`` (both cut to [0, 1] for proportions). Suppression does not apply: this is a diagnostic
    figure of every area. Returns the matplotlib Axes.
    """
    from scipy.stats import norm

    from survey.plots._common import BLUE, ORANGE, new_axes

    if lang not in _TEXT:
        raise ValueError(f"lang={lang!r}: use one of {', '.join(_TEXT)}")
    est = result.estimates if hasattr(result, "estimates") else result
    area = est.attrs.get("area", est.columns[0])
    level = float(est.attrs.get("level", 0.95))
    z = norm.ppf(0.5 + level / 2)
    order = est.assign(_d=est["direct"].fillna(np.inf)).sort_values(["_d", "estimate"])
    if percent is None:
        percent = bool(order["estimate"].between(0, 1).all())
    k = 100.0 if percent else 1.0
    fig, ax = new_axes(ax, figsize=(max(6.0, 0.12 * len(order) + 3), 4.5))
    pos = np.arange(len(order))
    d = order["direct"].to_numpy(float) * k
    dse = order["direct_se"].to_numpy(float) * k
    m = order["estimate"].to_numpy(float) * k
    lo, hi = order["ci_low"].to_numpy(float) * k, order["ci_high"].to_numpy(float) * k
    t = _TEXT[lang]
    dlo, dhi = d - z * dse, d + z * dse
    if est.attrs.get("proportion"):  # a share's interval stays in [0, 100]%
        dlo, dhi = np.clip(dlo, 0, k), np.clip(dhi, 0, k)
    ax.errorbar(
        pos - 0.18, d, yerr=[d - dlo, dhi - d], fmt="o", ms=3, lw=0.8, color=BLUE, label=t[0]
    )
    ax.errorbar(
        pos + 0.18, m, yerr=[m - lo, hi - m], fmt="s", ms=3, lw=0.8, color=ORANGE, label=t[1]
    )
    ax.set_xlabel(t[2])
    ax.set_ylabel(t[3] + (" (%)" if percent else ""))
    if show_labels is None:
        show_labels = len(order) <= 40
    if show_labels:
        ax.set_xticks(pos)
        ax.set_xticklabels(order[area].astype(str), rotation=90, fontsize=7)
    else:
        ax.set_xticks([])
    ax.legend(frameon=False, loc="best")
    ax.set_title(t[4].format(level=level), fontsize=8, loc="left")
    ax.margins(x=0.01)
    return ax
