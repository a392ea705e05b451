"""Each figure draws what it claims: points, error bars, labels, suppressed rows absent."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.container import ErrorbarContainer

import survey.plots as sp
from survey.plots._common import SOURCE_GID


def source_line(ax) -> str:
    texts = [t.get_text() for t in ax.figure.texts if t.get_gid() == SOURCE_GID]
    assert len(texts) == 1
    return texts[0].replace("\n", " ")


def errorbar_segments(ax, gid="ci"):
    """Segments of the CI error bars as (x0, y0, x1, y1) rows."""
    out = []
    for cont in ax.containers:
        if isinstance(cont, ErrorbarContainer):
            for coll in cont.lines[2]:
                for seg in coll.get_segments():
                    out.append(np.ravel(seg))
    return np.array(out)


def ticklabels(ax, axis="y"):
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def scatter_points(ax):
    return np.vstack([c.get_offsets() for c in scatters(ax)])


def test_domain_bars_sorted_suppressed_absent_caution_marked(by_region):
    ax = sp.domain_bars(
        by_region,
        by="region",
        percent=True,
        title="Robbery",
        source="Demo survey",
        wave="Follow-up",
    )
    # sorted ascending from bottom: Centro 8, Costa 10, Norte 12, Sur 15 (Isla suppressed)
    assert ticklabels(ax) == ["Centro", "Costa", "Norte", "Sur †"]
    heights = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(heights, [8, 10, 12, 15])
    assert [p.get_hatch() for p in ax.patches] == [None, None, None, "///"]
    seg = errorbar_segments(ax)
    assert len(seg) == 4  # one CI per shown domain
    # horizontal segments from ci_low to ci_high in percent
    np.testing.assert_allclose(
        np.sort(seg[:, [0, 2]], axis=1)[np.argsort(seg[:, 1])],
        [[6, 10], [7.6, 12.4], [10, 14], [9, 21]],
    )
    assert ax.get_title(loc="left") == "Robbery"
    assert ax.get_xlabel() == "Percent"
    src = source_line(ax)
    assert "Source: Demo survey, Follow-up" in src
    assert "n = 1,862" in src  # 600+550+120+580+12: the whole sample, suppressed domain included
    assert "95% confidence intervals" in src
    assert "1 estimate(s) suppressed" in src
    assert "Isla" not in " ".join(ticklabels(ax))


def test_domain_bars_language_and_validation(by_region):
    ax = sp.domain_bars(by_region, by="region", lang="es", percent=True)
    assert ax.get_xlabel() == "Porcentaje"
    src = source_line(ax)
    assert "n = 1.862" in src and "intervalos de confianza al 95%" in src
    ax = sp.domain_bars(by_region, by="region", lang="pt")
    assert "intervalos de confiança de 95%" in source_line(ax)
    with pytest.raises(ValueError, match="lang must be one of"):
        sp.domain_bars(by_region, by="region", lang="fr")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['province'\]"):
        sp.domain_bars(by_region, by="province")


def test_trust_battery_two_waves_ranked(trust_two_waves):
    ax = sp.trust_battery(
        trust_two_waves,
        wave="wave",
        wave_order=["Baseline", "Follow-up"],
        labels={"trust_police": "Police"},
    )
    # ranked by follow-up estimate; armed forces follow-up suppressed -> placed at the bottom
    assert ticklabels(ax) == ["trust_armed_forces", "trust_congress", "trust_judiciary †", "Police"]
    pts = scatter_points(ax)
    assert len(pts) == 7  # 8 cells minus the suppressed one
    np.testing.assert_allclose(sorted(pts[:, 0]), sorted([51, 56, 40, 41, 32, 33, 60]))
    assert len(errorbar_segments(ax)) == 7
    # the caution cell (judiciary baseline) is hollow
    base = scatters(ax)[0]
    faces = base.get_facecolors()
    offs = base.get_offsets()
    hollow = offs[np.all(np.isclose(faces[:, :3], 1.0), axis=1)]
    np.testing.assert_allclose(hollow[:, 0], [40])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Baseline", "Follow-up"]
    assert ax.get_title(loc="left") == "Trust in institutions"


def test_dumbbell_connectors_and_points(trust_two_waves):
    ax = sp.dumbbell(trust_two_waves, wave="wave", percent=True)
    connectors = [ln for ln in ax.lines if ln.get_gid() == "connector"]
    assert len(connectors) == 3  # armed forces lost its follow-up point
    xs = sorted(tuple(ln.get_xdata()) for ln in connectors)
    np.testing.assert_allclose(xs, [(32, 33), (40, 41), (51, 56)])
    assert len(scatter_points(ax)) == 7
    assert len(errorbar_segments(ax)) == 7


def test_did_chart_lines_counterfactual_and_label(did_frame):
    did = {"difference": -0.07, "ci_low": -0.12, "ci_high": -0.02}
    import pandas as pd

    ax = sp.did_chart(
        did_frame, treated="Treatment", did=pd.Series(did), percent=True, title="Robbery"
    )
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid() == "counterfactual"}
    group_lines = [ln for ln in ax.lines if ln.get_gid() == "group-line"]
    assert len(group_lines) == 2
    np.testing.assert_allclose(group_lines[0].get_ydata(), [20, 14])
    np.testing.assert_allclose(group_lines[1].get_ydata(), [18, 19])
    # counterfactual: treatment baseline 20 + comparison change (+1) = 21
    np.testing.assert_allclose(lines["counterfactual"].get_ydata(), [20, 21])
    assert ticklabels(ax, "x") == ["Baseline", "Follow-up"]
    assert len(errorbar_segments(ax)) == 4
    label = [t.get_text() for t in ax.texts if t.get_gid() == "did-label"]
    assert label == ["Difference-in-differences: -7.0 [-12.0; -2.0]"]


def test_did_chart_suppressed_cell_breaks_counterfactual(did_frame):
    f = did_frame.copy()
    f.loc[3, "reliability"] = "suppress"
    ax = sp.did_chart(f, treated="Treatment")
    assert not [ln for ln in ax.lines if ln.get_gid() == "counterfactual"]
    assert len(errorbar_segments(ax)) == 3


def test_forest_significance_and_direction(comparison_frame):
    ax = sp.forest(comparison_frame, percent=True, title="Change")
    assert ticklabels(ax) == [
        "trust_congress",
        "trust_police",
        "fear_unsafe",
        "prev_assault",
        "prev_robbery",
    ]
    pts = scatters(ax)[0]
    np.testing.assert_allclose(pts.get_offsets()[:, 0], [-2, 5, -4, -1, -2])
    faces = pts.get_facecolors()[:, :3]
    filled = ~np.all(np.isclose(faces, 1.0), axis=1)
    assert filled.tolist() == [False, True, True, False, True]
    edges = pts.get_edgecolors()[:, :3]
    verm = np.array(sp.PALETTE[3])
    assert np.allclose(edges[0], verm) and not np.allclose(edges[1], verm)  # congress worsened
    zero = [ln for ln in ax.lines if ln.get_gid() == "zero"]
    assert len(zero) == 1 and zero[0].get_xdata()[0] == 0
    assert ax.get_xlabel() == "Difference (percentage points)"
    assert "Filled markers: significant at the 5% level" in source_line(ax)


def test_trend_bands_and_gaps():
    import pandas as pd

    from survey._schema import finalize

    f = finalize(
        pd.DataFrame(
            {
                "year": [2019, 2020, 2021, 2019, 2020, 2021],
                "area": ["T", "T", "T", "C", "C", "C"],
                "estimate": [0.3, 0.25, 0.2, 0.28, 0.29, 0.3],
                "ci_low": [0.27, 0.22, 0.17, 0.25, 0.26, 0.27],
                "ci_high": [0.33, 0.28, 0.23, 0.31, 0.32, 0.33],
                "n": 500,
                "reliability": ["reliable"] * 4 + ["suppress", "reliable"],
            }
        ),
        by=["year", "area"],
    )
    ax = sp.trend(f, x="year", hue="area", percent=True)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    lines = [ln for ln in ax.lines if ln.get_gid() == "trend-line"]
    np.testing.assert_allclose(lines[0].get_ydata(), [30, 25, 20])
    y = lines[1].get_ydata()
    assert np.isnan(y[1]) and np.allclose(y[[0, 2]], [28, 30])  # suppressed wave is a gap
    assert ticklabels(ax, "x") == ["2019", "2020", "2021"]
    assert "Shaded bands: 95% confidence intervals" in source_line(ax)


def test_victimisation_vs_fear_scatter(by_region):
    import pandas as pd

    fear = by_region.copy()
    fear["variable"] = "fear_unsafe"
    fear["estimate"] = [0.5, 0.4, 0.6, 0.45, 0.7]
    fear["ci_low"] = fear["estimate"] - 0.05
    fear["ci_high"] = fear["estimate"] + 0.05
    fear["reliability"] = "reliable"
    ax = sp.victimisation_vs_fear(by_region, fear, territory="region")
    pts = scatters(ax)[0].get_offsets()
    np.testing.assert_allclose(pts, [[12, 50], [8, 40], [15, 60], [10, 45]])
    names = [t.get_text() for t in ax.texts if t.get_gid() == "territory-label"]
    assert names == ["Norte", "Centro", "Sur †", "Costa"]
    assert len(errorbar_segments(ax)) == 8  # x and y interval per territory
    assert ax.get_xlabel() == "Victimisation (percent)"
    assert isinstance(fear, pd.DataFrame)


def test_save_figure_png_dpi_and_svg(tmp_path, by_region):
    ax = sp.domain_bars(by_region, by="region")
    png, svg = sp.save_figure(ax, tmp_path / "fig" / "robbery")
    from matplotlib import image

    w_in, h_in = ax.figure.get_size_inches()
    img = image.imread(png)
    assert img.shape[1] == pytest.approx(w_in * 300, abs=2)
    assert img.shape[0] == pytest.approx(h_in * 300, abs=2)
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def _text_boxes(fig):
    """Window extents of every visible, non-empty text of a drawn figure, by kind."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for ax in fig.axes:
        items = [ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label]
        items += ax.get_xticklabels() + ax.get_yticklabels()
        if ax.get_legend() is not None:
            items += ax.get_legend().get_texts()
        out += [("axes", t) for t in items]
    out += [("source" if t.get_gid() == SOURCE_GID else "figure", t) for t in fig.texts]
    return [
        (kind, t.get_window_extent(renderer))
        for kind, t in out
        if t.get_visible() and t.get_text().strip()
    ]


@pytest.mark.parametrize("n_items", [2, 5])
def test_forest_source_line_overlaps_no_label(comparison_frame, n_items):
    src = (
        "INE Chile, ENUSC 2019 y 2023 (subconjuntos de uso público). Significancia: valores p "
        "ajustados por holm en toda la batería (intervalos sin ajustar)"
    )
    ax = sp.forest(
        comparison_frame.head(n_items), percent=True, title="RM: 2023 − 2019", source=src,
        lang="es",
    )  # fmt: skip
    fig = ax.figure
    boxes = _text_boxes(fig)
    source = [b for k, b in boxes if k == "source"]
    others = [b for k, b in boxes if k != "source"]
    assert len(source) == 1 and len(others) >= n_items + 3  # title, x label, ticks
    (sb,) = source
    assert not any(sb.overlaps(b) for b in others)
    xlabel = ax.xaxis.label.get_window_extent(fig.canvas.get_renderer())
    assert xlabel.y0 > sb.y1  # the axis label sits above the source block
    # the source block stays inside the figure (wrapped to its width)
    assert sb.x0 >= 0 and sb.x1 <= fig.bbox.x1 and sb.y0 >= 0


def test_figures_respect_a_frame_already_in_percent(by_region):
    pct = by_region.copy()
    for c in ("estimate", "ci_low", "ci_high"):
        pct[c] = pct[c] * 100
    pct.attrs["scale"] = "%"
    a = sp.domain_bars(by_region, by="region", percent=True)
    b = sp.domain_bars(pct, by="region", percent=True)  # not multiplied a second time
    assert [p.get_width() for p in b.patches] == pytest.approx([p.get_width() for p in a.patches])
    assert max(p.get_width() for p in b.patches) == pytest.approx(15.0)  # Sur, 0.15
    assert b.get_xlabel() == "Percent"
    rate = by_region.copy()
    rate.attrs["scale"] = "per 100,000"
    with pytest.raises(ValueError, match="per 100,000"):
        sp.domain_bars(rate, by="region", percent=True)
