"""Choropleth maps of territory estimates (regions, communes, neighbourhoods).

The map takes a result frame (one row per territory, the schema of :mod:`survey._schema`)
and a geometry (GeoJSON, shapefile, GeoPackage or a GeoDataFrame) and joins them on the
territory codes. It computes nothing: it colours each area by its estimate, hatches the
areas whose estimate is to be used with caution, greys out suppressed ones and areas
without an estimate, and writes the legend and the source line like every other figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from survey.plots._common import (
    CAUTION_MARK,
    finish,
    legend_outside,
    new_axes,
    no_idle_draw,
    prepare,
    reliability_of,
    scale_of,
    source_text,
    value_label,
    wrap,
)
from survey.plots._text import tr

#: Map legend entries are wrapped at this many characters: the legend sits to the right of
#: an equal-aspect map, where a one-line "† hatched: use with caution (low precision)" ran
#: past the figure's edge.
LEGEND_CHARS = 24

__all__ = ["choropleth", "join_key", "read_geometry"]

#: Fill of suppressed areas and of areas the frame has no estimate for.
SUPPRESSED_GREY, NO_DATA_GREY = "0.72", "0.92"


def join_key(values) -> pd.Series:
    """Territory codes as join keys: integer-valued numbers without decimals (13.0, 13 and
    "13" all become "13"), text stripped; missing stays missing."""

    def one(v):
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return str(int(v)) if float(v).is_integer() else str(v)
        text = str(v).strip()
        try:
            number = float(text)
        except ValueError:
            return text
        return str(int(number)) if number.is_integer() else text

    return pd.Series([one(v) for v in values], dtype="object")


def read_geometry(geometry, what: str = "choropleth"):
    """A GeoDataFrame from a path (GeoJSON, shapefile, GeoPackage) or a GeoDataFrame."""
    import geopandas as gpd

    if isinstance(geometry, gpd.GeoDataFrame):
        return geometry
    path = Path(geometry)
    if not path.exists():
        raise FileNotFoundError(f"{what}: geometry file {path} does not exist")
    try:
        return gpd.read_file(path)
    except Exception as exc:  # the reader's own message names what is wrong
        raise ValueError(f"{what}: cannot read geometry file {path}: {exc}") from exc


def choropleth(
    data: pd.DataFrame,
    geometry,
    by: str,
    *,
    key: str | None = None,
    name: str | None = None,
    labels: dict | None = None,
    variable: str | None = None,
    category=None,
    percent: bool = False,
    cmap: str = "Blues",
    title: str | None = None,
    source: str | None = None,
    wave: str | None = None,
    n: int | None = None,
    lang: str = "en",
    ax=None,
):
    """A choropleth of a territory estimate, joined to ``geometry`` on territory codes.

    Parameters
    ----------
    data : DataFrame
        A result frame with one row per territory: column ``by`` (the territory codes),
        ``estimate``, ``ci_low``, ``ci_high``, optionally ``n`` and ``reliability``.
    geometry : path or GeoDataFrame
        The areas (GeoJSON, shapefile, GeoPackage); column ``key`` holds the same codes as
        ``data[by]`` (compared as codes: 13, 13.0 and "13" are one area).
    by : str
        Territory column of ``data``.
    key : str, optional
        Code column of ``geometry`` (default: ``by`` if the geometry has it, else ``code``).
    name : str, optional
        Column of ``geometry`` with the area names, written on the map (default ``name``
        when present; none otherwise).
    labels : dict, optional
        ``{code: label}`` of the territories (the data's value labels or a labels file):
        the names written on the map when ``name`` is not given, so the map names the areas
        as the tables do (13, 13.0 and "13" are one code).
    variable, category : optional
        Keep only the rows of this variable / category.
    percent : bool
        Show proportions as percentages.
    cmap : str
        Matplotlib colour map (sequential; default ``Blues``).
    title, source, wave, n, lang
        Text, as in the other figures; the source line counts the cases of the mapped rows.

    Returns
    -------
    matplotlib.axes.Axes
        One patch per area (GeoPandas' ``plot``). Areas flagged ``caution`` are hatched and
        their name ends with "†"; suppressed areas are grey and carry no value; areas of the
        geometry without a row in ``data`` are light grey ("no data"). A territory of
        ``data`` missing from the geometry is an error naming it.

    Raises
    ------
    ValueError
        When columns are missing, a territory has no geometry, or codes repeat.
    """
    import matplotlib as mpl
    from matplotlib import patheffects
    from matplotlib.patches import Patch

    p = prepare(
        data, [by], "choropleth", lang, variable=variable, category=category, n=n, total=True
    )
    geo = read_geometry(geometry).copy()
    key = key or (by if by in geo.columns else "code")
    if key not in geo.columns:
        raise ValueError(
            f"choropleth: the geometry has no code column {key!r} (columns: "
            f"{[c for c in geo.columns if c != 'geometry']}); pass key="
        )
    if name is None and labels:
        from survey.io._labels import display

        geo["_label"] = [display(labels, v) for v in geo[key]]
        name = "_label"
    elif name is None and "name" in geo.columns:
        name = "name"
    rows = p.rows.assign(_key=join_key(p.rows[by]).to_numpy())
    if rows["_key"].duplicated().any():
        dup = rows.loc[rows["_key"].duplicated(), by].tolist()
        raise ValueError(
            f"choropleth: several rows for territory {dup[:5]} in column {by!r}; select one "
            "variable/category/wave first"
        )
    geo["_key"] = join_key(geo[key]).to_numpy()
    unknown = sorted(set(rows["_key"].dropna()) - set(geo["_key"].dropna()))
    if unknown:
        raise ValueError(
            f"choropleth: territories {unknown[:10]} of column {by!r} have no area in the "
            f"geometry (column {key!r} holds {sorted(geo['_key'].dropna())[:10]})"
        )
    rel = reliability_of(rows)
    s, percent = scale_of(percent, data)
    rows = rows.assign(
        _value=rows["estimate"].to_numpy(float) * s,
        _suppressed=(rel == "suppress").to_numpy(),
        _caution=(rel == "caution").to_numpy(),
    )
    geo = geo.merge(rows[["_key", "_value", "_suppressed", "_caution"]], on="_key", how="left")
    no_data = geo["_value"].isna() & ~geo["_suppressed"].fillna(False).astype(bool)
    suppressed = geo["_suppressed"].fillna(False).astype(bool)
    caution = geo["_caution"].fillna(False).astype(bool)
    shown = ~no_data & ~suppressed

    fig, ax = new_axes(ax, figsize=(7.0, 6.0))
    values = geo.loc[shown, "_value"].to_numpy(float)
    vmin, vmax = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    norm = mpl.colors.Normalize(vmin=vmin, vmax=vmax)
    colormap = mpl.colormaps[cmap]
    edge = {"edgecolor": "white", "linewidth": 0.8}
    with no_idle_draw(fig):  # GeoPandas draws the whole figure after each layer otherwise
        if shown.any():
            geo[shown].plot(ax=ax, color=colormap(norm(values)), gid="area", **edge)
        if (shown & caution).any():
            geo[shown & caution].plot(
                ax=ax, facecolor="none", hatch="///", edgecolor="0.2", linewidth=0.0,
                gid="caution",
            )  # fmt: skip
        if suppressed.any():
            geo[suppressed].plot(ax=ax, color=SUPPRESSED_GREY, gid="suppressed", **edge)
        if no_data.any():
            geo[no_data].plot(ax=ax, color=NO_DATA_GREY, gid="no-data", **edge)
    if name:
        for _, area in geo.iterrows():
            point = area.geometry.representative_point()
            label = str(area[name]) + (f" {CAUTION_MARK}" if area["_caution"] is True else "")
            ax.annotate(
                label, (point.x, point.y), ha="center", va="center", fontsize=7, color="0.1",
                gid="area-name", path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
            )  # fmt: skip
    ax.set_axis_off()
    ax.set_aspect("equal")
    bar = fig.colorbar(
        mpl.cm.ScalarMappable(norm=norm, cmap=colormap), ax=ax, orientation="horizontal",
        fraction=0.04, pad=0.02, aspect=30, shrink=0.7,
    )  # fmt: skip
    bar.set_label(value_label(lang, percent))
    handles = []
    if (shown & caution).any():
        handles.append(
            Patch(
                facecolor="white",
                edgecolor="0.2",
                hatch="///",
                label=wrap(tr("caution_map", lang), LEGEND_CHARS),
            )
        )
    if suppressed.any():
        handles.append(
            Patch(facecolor=SUPPRESSED_GREY, label=wrap(tr("suppressed_map", lang), LEGEND_CHARS))
        )
    if no_data.any():
        handles.append(Patch(facecolor=NO_DATA_GREY, label=wrap(tr("no_data", lang), LEGEND_CHARS)))
    if handles:
        legend_outside(ax, handles=handles, fontsize=8)
    # no intervals are drawn on a map: the source line states no CI level
    note = source_text(
        lang, source=source, wave=wave, n=p.n, level=None,
        suppressed=int(suppressed.sum()),
    )  # fmt: skip
    finish(ax, title=title, xlabel=None, ylabel=None, source=note)
    return ax
