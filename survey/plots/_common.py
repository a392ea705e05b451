"""Shared machinery of the figure functions: input checks, styling, the source line, saving.

Figures take *result frames* (the schema of :mod:`survey._schema`) or comparison frames and
never compute statistics: they only select rows, drop suppressed estimates, scale to
percent for display and draw.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are written to files; never needs a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from survey.plots._text import check_lang, fmt_number, tr  # noqa: E402

#: Colour-blind-safe palette (seaborn "colorblind", Okabe-Ito-like) used by every figure.
PALETTE = sns.color_palette("colorblind")
BLUE, ORANGE, GREEN, VERMILLION, PURPLE = (PALETTE[i] for i in range(5))
SOURCE_GID = "survey-source"
CAUTION_MARK = "†"
#: Columns every figure of estimates with intervals needs.
CI_COLUMNS = ("estimate", "ci_low", "ci_high")


def check_columns(data: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    """Raise a clear error when ``data`` is not a frame holding ``needed`` columns."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what}: data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(f"{what}: data lacks column(s) {missing}; it has {list(data.columns)}")


def select(data: pd.DataFrame, variable: str | None, category, what: str) -> pd.DataFrame:
    """Keep the rows of one variable (and category) when asked."""
    out = data
    if variable is not None:
        check_columns(out, ["variable"], what)
        out = out[out["variable"] == variable]
        if out.empty:
            raise ValueError(f"{what}: no rows with variable == {variable!r}")
    if category is not None:
        check_columns(out, ["category"], what)
        out = out[out["category"].astype("string") == str(category)]
        if out.empty:
            raise ValueError(f"{what}: no rows with category == {category!r}")
    return out


def reliability_of(data: pd.DataFrame) -> pd.Series:
    """The reliability flag as plain strings ('' where absent)."""
    if "reliability" not in data.columns:
        return pd.Series("", index=data.index, dtype="object")
    return data["reliability"].astype("object").where(data["reliability"].notna(), "").astype(str)


def split_suppressed(data: pd.DataFrame) -> tuple[pd.DataFrame, int, np.ndarray]:
    """Drop rows flagged ``suppress``; return (kept rows, number dropped, caution mask)."""
    rel = reliability_of(data)
    keep = rel != "suppress"
    kept = data[keep.to_numpy()].copy()
    caution = (rel[keep] == "caution").to_numpy()
    return kept, int((~keep).sum()), caution


def level_of(data: pd.DataFrame, level: float | None) -> float:
    """CI level from the argument, else the frame's ``attrs['level']``, else 0.95."""
    if level is None:
        level = data.attrs.get("level", 0.95) if hasattr(data, "attrs") else 0.95
    return float(level)


def label_for(value, labels: dict | None) -> str:
    """The display text of a code: its label, else the code (2.0 shown as "2")."""
    if labels and value in labels:
        return str(labels[value])
    if labels and str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def column_labels(data, column, labels: dict | None = None) -> dict | None:
    """``labels`` if given, else the value labels of ``column`` that a result frame carries
    (``attrs["value_labels"]``, set by the verbs from the data's labels or a labels file)."""
    if labels:
        return labels
    if column is None or not hasattr(data, "attrs"):
        return None
    return (data.attrs.get("value_labels") or {}).get(column)


def domain_labels(data: pd.DataFrame, by: Sequence[str], labels: dict | None) -> list[str]:
    """One display label per row from the ``by`` columns (joined with ' · ').

    Without ``labels``, a result frame's own ``domain_label`` column (filled by the verbs
    from the data's value labels or a labels file) names the domains when ``by`` are the
    frame's domain columns, so a figure of a labelled .sav or a ``--labels`` file shows
    region names, not codes."""
    cols_all = list(data.columns)
    own = cols_all[: cols_all.index("variable")] if "variable" in cols_all else []
    if (
        not labels
        and "domain_label" in data.columns
        and list(by) == own
        and len(data)
        and data["domain_label"].notna().all()
    ):
        return [str(v) for v in data["domain_label"]]
    cols = [data[c].map(lambda v: label_for(v, labels)).astype(str) for c in by]
    out = cols[0]
    for c in cols[1:]:
        out = out + " · " + c
    return list(out)


def caution_label(value, labels: dict | None, caution: bool) -> str:
    """Display label of ``value``, ending with the caution mark when flagged."""
    return label_for(value, labels) + (f" {CAUTION_MARK}" if caution else "")


@dataclass
class Prepared:
    """Rows of a figure after the common checks (see :func:`prepare`)."""

    rows: pd.DataFrame  # the selected rows, suppressed ones included
    kept: pd.DataFrame  # the rows drawn, with a boolean ``_caution`` column
    suppressed: int  # number of suppressed rows left out
    n: int | tuple[int, int] | None  # n for the source line


def prepare(
    data: pd.DataFrame,
    columns: Sequence[str],
    what: str,
    lang: str,
    *,
    variable: str | None = None,
    category=None,
    n=None,
    total: bool = False,
) -> Prepared:
    """Check the language and columns (``columns`` + :data:`CI_COLUMNS`), select the rows
    of ``variable``/``category``, and split off suppressed rows (caution ones flagged)."""
    check_lang(lang)
    check_columns(data, [*columns, *CI_COLUMNS], what)
    rows = select(data, variable, category, what)
    n_note = n if n is not None else n_summary(rows, total=total)
    kept, n_supp, caution = split_suppressed(rows)
    return Prepared(rows, kept.assign(_caution=caution), n_supp, n_note)


def intervals(frame: pd.DataFrame, scale: float, value: str = "estimate"):
    """(estimate, lower, upper) arrays of a frame, multiplied by ``scale``."""
    return tuple(frame[c].to_numpy(float) * scale for c in (value, "ci_low", "ci_high"))


def hollow_faces(color, caution) -> list:
    """Marker face colours: white (hollow) where ``caution``, else ``color``."""
    return [(1, 1, 1) if c else color for c in caution]


def draw_intervals(
    ax,
    est,
    pos,
    lo,
    hi,
    *,
    color,
    caution,
    horizontal: bool = True,
    errorbar: dict | None = None,
    **scatter,
) -> None:
    """Confidence intervals (error bars, gid ``ci``) and points, hollow where ``caution``.

    ``horizontal``: estimates on the x axis at ``pos`` on the y axis (else the reverse).
    ``errorbar`` holds extra error-bar options, ``scatter`` extra marker options.
    """
    err = np.vstack([est - lo, hi - est])
    x, y = (est, pos) if horizontal else (pos, est)
    ax.errorbar(
        x,
        y,
        **({"xerr": err} if horizontal else {"yerr": err}),
        fmt="none",
        ecolor=color,
        gid="ci",
        **(errorbar or {}),
    )
    faces = hollow_faces(color, caution)
    ax.scatter(x, y, facecolors=faces, edgecolors=[color], zorder=3, **scatter)


def annotate(
    ax,
    lang: str,
    *,
    data: pd.DataFrame,
    level: float | None,
    title: str | None,
    xlabel: str | None,
    ylabel: str | None,
    **note,
) -> None:
    """Title, axis labels and the source line (CI level from ``level`` or ``data``)."""
    text = source_text(lang, level=level_of(data, level), **note)
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, source=text)


def new_axes(ax=None, figsize=(7.0, 4.5)):
    """A new constrained-layout figure with the package style, or the given Axes."""
    if ax is not None:
        return ax.figure, ax
    with sns.axes_style("whitegrid"):
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def source_text(
    lang: str,
    *,
    source: str | None = None,
    wave: str | None = None,
    n: int | tuple[int, int] | None = None,
    level: float | None = 0.95,
    band: bool = False,
    caution: bool = False,
    suppressed: int = 0,
    note: str | None = None,
) -> str:
    """The source/notes line: survey, wave, n, CI level, caution and suppression notes."""
    check_lang(lang)
    parts = []
    head = ", ".join(str(p) for p in (source, wave) if p)
    if head:
        parts.append(f"{tr('source', lang)}: {head}")
    if isinstance(n, tuple):
        lo, hi = n
        if lo == hi:
            parts.append(f"{tr('n', lang)} = {fmt_number(lo, lang)}")
        else:
            parts.append(f"{tr('n_range', lang)} = {fmt_number(lo, lang)}–{fmt_number(hi, lang)}")
    elif n is not None:
        parts.append(f"{tr('n', lang)} = {fmt_number(n, lang)}")
    if level is not None:
        pct = fmt_number(100 * level, lang, 0 if round(100 * level) == 100 * level else 1)
        parts.append(tr("ci_band" if band else "ci_bars", lang, level=pct))
    if caution:
        parts.append(tr("caution", lang))
    if suppressed:
        parts.append(tr("suppressed", lang, k=suppressed))
    if note:
        parts.append(note)
    return ". ".join(parts) + "."


def chars_per_line(fig, fontsize: float, share: float = 1.0) -> int:
    """About how many characters of DejaVu Sans at ``fontsize`` fit in ``share`` of the
    figure's width (~0.6 em per character)."""
    return max(20, int(share * fig.get_figwidth() * 72 / (0.6 * fontsize)) - 2)


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (never cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


#: Tick labels longer than this are wrapped on two or more lines, so long territory names
#: ("Región de Magallanes y de la Antártica Chilena") do not squeeze the plot.
TICK_LABEL_CHARS = 26


def wrap_labels(labels: Sequence[str], width: int = TICK_LABEL_CHARS) -> list[str]:
    """Tick labels wrapped to ``width`` characters."""
    return [wrap(t, width) for t in labels]


def legend_outside(ax, **kwargs):
    """A legend to the right of the axes, never over the data (the constrained layout
    keeps room for it)."""
    kwargs.setdefault("frameon", False)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kwargs)


def reference_line(ax, value: float | None, label: str, *, horizontal: bool = False) -> None:
    """A dashed reference line (gid ``reference``) at ``value`` (a national estimate beside
    territory estimates), labelled at its end; nothing when ``value`` is missing."""
    if value is None or not np.isfinite(value):
        return
    line = ax.axhline if horizontal else ax.axvline
    line(value, color="0.25", linestyle="--", linewidth=1.1, zorder=2.5, gid="reference")
    if horizontal:
        ax.annotate(
            label, (1.0, value), xycoords=("axes fraction", "data"), xytext=(-2, 3),
            textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.25",
        )  # fmt: skip
    else:
        ax.annotate(
            label, (value, 1.0), xycoords=("data", "axes fraction"), xytext=(3, 2),
            textcoords="offset points", ha="left", va="bottom", fontsize=8, color="0.25",
        )  # fmt: skip


def add_source(fig, text: str, *, fontsize: float = 7) -> None:
    """Write the source line at the bottom-left of the figure (found again by its gid).

    The text is wrapped to the figure's width and its rendered height is measured; a
    layout-managed figure then keeps the axes, tick labels and axis labels above it (the
    layout rectangle starts above the source block), so the two never overlap.
    """
    for t in list(fig.texts):
        if t.get_gid() == SOURCE_GID:
            t.remove()
    wrapped = wrap(text, chars_per_line(fig, fontsize))
    t = fig.text(
        0.01, 0.005, wrapped, ha="left", va="bottom", fontsize=fontsize, color="0.3",
        gid=SOURCE_GID,
    )  # fmt: skip
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        height = t.get_window_extent(fig.canvas.get_renderer()).height  # display pixels
        gap = 6 / 72 * fig.dpi  # 6 points between the source block and the axis label
        bottom = min((height + gap) / fig.bbox.height + 0.005, 0.6)
        engine.set(rect=(0, bottom, 1, 1 - bottom))


def n_summary(data: pd.DataFrame, total: bool) -> int | tuple[int, int] | None:
    """n for the source line: the sum over domains (``total``) or the min-max per estimate."""
    if "n" not in data.columns or data["n"].isna().all():
        return None
    n = data["n"].dropna().astype(float)
    n = n[n > 0]  # a domain or wave without cases is no estimate: it sets no range
    if n.empty:
        return None
    if total:
        return int(n.sum())
    return (int(n.min()), int(n.max()))


def finish(
    ax,
    *,
    title: str | None,
    xlabel: str | None,
    ylabel: str | None,
    source: str,
) -> None:
    # wrapped, never cut at the figure's edge: a left-aligned title starts at the axes,
    # which tick labels (wrapped at TICK_LABEL_CHARS) leave at least ~60% of the width
    ax.set_title(
        wrap(title, chars_per_line(ax.figure, 11 * 1.1, share=0.6)) if title else "",
        loc="left", fontsize=11, fontweight="bold",
    )  # fmt: skip
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(ylabel or "")
    add_source(ax.figure, source)


def scale_of(percent: bool, data: pd.DataFrame | pd.Series | None = None) -> tuple[float, bool]:
    """(multiplier, shown as percent) for ``data`` drawn with the ``percent`` option.

    A frame already in percent (``attrs["scale"] == "%"``, as :mod:`survey.indicators`
    writes it) is drawn as it is — never multiplied again — and labelled as percent; a
    proportion is multiplied by 100 when ``percent``; a rate scale ("per 100,000", ...)
    cannot be drawn as percent.
    """
    scale = getattr(data, "attrs", {}).get("scale") if data is not None else None
    if scale == "%":
        return 1.0, True
    if percent and scale in ("per 1,000", "per 100,000", "0-100"):
        raise ValueError(
            f"the data are on the {scale!r} scale (attrs['scale']); percent=True applies to "
            "proportions only"
        )
    return (100.0 if percent else 1.0), bool(percent)


def value_label(lang: str, percent: bool, difference: bool = False) -> str:
    if difference:
        return tr("difference_pp" if percent else "difference", lang)
    return tr("percent" if percent else "estimate", lang)


#: Resolution of the figures embedded in the HTML report (:func:`survey.report.html.figure_markup`).
PREVIEW_DPI = 110


def save_figure(fig, path_stem: str | Path, *, dpi: int = 300) -> tuple[Path, Path]:
    """Write ``<path_stem>.png`` (``dpi``, print resolution) and ``<path_stem>.svg``.

    ``fig`` may be a Figure or an Axes (its figure is saved). Returns the two paths.

    The figure is laid out and rasterised once: the PNG is written from that raster, a
    :data:`PREVIEW_DPI` copy of it is kept for the HTML report (``figure_markup`` embeds it
    instead of drawing the figure again) and the SVG reuses the same layout. Inside
    :func:`background_writes` all of it is done by a forked child, beside the rest of the
    run (the calling process's figure is then not laid out).
    """
    if hasattr(fig, "figure") and not isinstance(fig, matplotlib.figure.Figure):
        fig = fig.figure
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.with_name(stem.name + ".png")
    svg = stem.with_name(stem.name + ".svg")

    def draw_and_write():
        raster = _rasterise(fig, dpi)  # lays the figure out (constrained layout), draws once
        fig._survey_laid_out = True  # later renders (SVG, report HTML) reuse the layout
        if raster is None:  # a canvas that is not Agg's: matplotlib's own path
            _write_png(fig, png, None, dpi)
            _write_svg(fig, svg)
            return None  # no preview: figure_markup draws the figure
        _write_png(fig, png, raster, dpi)
        _write_svg(fig, svg)
        return _preview_png(raster, fig, PREVIEW_DPI)

    # inside background_writes the whole drawing is a child's work (the parent goes on
    # with the next figure); otherwise it is done here, now
    _child_imports()
    fig._survey_preview = (PREVIEW_DPI, submit(draw_and_write))
    fig.stale = False  # any change after this makes the preview stale again
    return png, svg


def _child_imports() -> None:
    """What every figure writer loads, loaded once here rather than in each forked child:
    the SVG backend and Pillow's common image plugins (``Image.save`` imports them on first
    use)."""
    import matplotlib.backends.backend_svg  # noqa: F401
    from PIL import Image

    Image.preinit()


def _rasterise(fig, dpi: int):
    """The figure drawn at ``dpi`` by ``savefig`` (layout, face colours, as a PNG would be):
    an RGBA array (h, w, 4), or ``None`` when the raw buffer is not the expected size.

    The layout engine is run once here (:func:`lay_out`) and the figure is then saved with
    that layout: ``savefig`` on a laid-out figure would first draw the whole figure without
    rendering only to run the engine, then draw it again."""
    import io

    buf = io.BytesIO()
    lay_out(fig, dpi)
    with frozen_layout(fig):
        fig.savefig(buf, dpi=dpi, format="raw")
    data = buf.getvalue()
    width, height = fig.get_figwidth() * dpi, fig.get_figheight() * dpi
    for w in dict.fromkeys((int(width), round(width))):  # 2.52 in x 300 dpi: 756 rows
        for h in dict.fromkeys((int(height), round(height))):
            if len(data) == w * h * 4:
                return np.frombuffer(data, np.uint8).reshape(h, w, 4)
    return None


def lay_out(fig, dpi: float) -> None:
    """Run ``fig``'s layout engine (if any) as ``savefig(dpi=dpi)`` runs it before drawing
    (at that dpi, the canvas saving), without the draw that ``savefig`` wraps it in: a
    following ``savefig`` inside :func:`frozen_layout` draws the same figure once."""
    engine = fig.get_layout_engine()
    if engine is None or not fig.axes:
        return
    from matplotlib import cbook

    with (
        cbook._setattr_cm(fig, dpi=dpi),
        cbook._setattr_cm(fig.canvas, _device_pixel_ratio=1, _is_saving=True),
        contextlib.suppress(ValueError),  # as Figure.draw: a layout that cannot be done
    ):
        engine.execute(fig)


def _write_png(fig, png: Path, raster, dpi: int) -> None:
    """The PNG file: the raster's pixels with ``savefig``'s metadata (see :func:`png_bytes`)."""
    from survey._atomic import atomic_output

    with atomic_output(png) as tmp:
        if raster is None:
            fig.savefig(tmp, dpi=dpi, format="png")
        else:
            Path(tmp).write_bytes(png_bytes(raster, dpi))


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(raster, dpi: float) -> bytes:
    """A PNG file of an RGBA (or RGB) array (h, w, 4 or 3) of 8-bit values, as matplotlib's
    ``savefig`` writes it (a ``Software`` text and the ``dpi`` as pixels per metre), at
    half its cost.

    An opaque raster (every alpha 255, as a figure with its white face colour is) is
    stored as RGB: the same pixels, a quarter less data to deflate. The rows are stored
    unfiltered ("None", PNG filter type 0) and deflated at zlib's default level: for flat
    colours, lines and text the deflate's matches find the repeated runs by themselves,
    so the file is smaller than with Pillow's per-row adaptive filters (about 17% on the
    demo's figures), and the filtering pass is not done at all.
    """
    import struct
    import zlib

    raster = np.ascontiguousarray(raster, np.uint8)
    h, w, channels = raster.shape
    opaque = channels == 3 or bool((raster[..., 3] == 255).all())
    stored = 3 if opaque else channels
    deflate = zlib.compressobj(6)
    idat = []
    # a band of rows at a time: small buffers, reused, instead of whole-image copies
    # (a forked child writing one figure would touch every page of those afresh)
    rows = np.empty((min(h, 64), 1 + w * stored), np.uint8)
    rows[:, 0] = 0  # each row's filter byte: "None"
    for top in range(0, h, 64):
        band = raster[top : top + 64]
        n = band.shape[0]
        if stored < channels:  # RGBA -> RGB by Pillow's unpacker (numpy's strided copy
            from PIL import Image  # is four times slower)

            band = Image.frombytes("RGB", (w, n), band, "raw", "RGBX").tobytes()
        rows[:n, 1:] = np.frombuffer(band, np.uint8).reshape(n, w * stored)
        idat.append(deflate.compress(rows[:n]))
    idat.append(deflate.flush())
    ppm = int(dpi / 0.0254 + 0.5)  # pixels per metre, rounded as Pillow rounds it
    software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if stored == 3 else 6, 0, 0, 0)),
        _chunk(b"tEXt", b"Software\x00" + software.encode("latin-1")),
        _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
        _chunk(b"IDAT", b"".join(idat)),
        _chunk(b"IEND", b""),
    ))  # fmt: skip


def _write_svg(fig, svg: Path) -> None:
    from survey._atomic import atomic_output

    with frozen_layout(fig), atomic_output(svg) as tmp:  # the same layout: not recomputed
        fig.savefig(tmp, format="svg")


def _preview_png(raster, fig, dpi: int) -> bytes:
    """PNG bytes of the raster resampled to ``dpi`` (the size a ``dpi`` savefig has)."""
    from PIL import Image

    size = (int(round(fig.get_figwidth() * dpi, 4)), int(round(fig.get_figheight() * dpi, 4)))
    h, w = raster.shape[:2]
    if raster[..., 3].min() == 255:  # opaque: RGB resamples faster (no premultiplying)
        image = Image.frombytes("RGB", (w, h), raster, "raw", "RGBX")
    else:
        image = Image.frombytes("RGBA", (w, h), raster, "raw", "RGBA")
    small = image.resize(size, Image.Resampling.BOX)  # area average: no aliasing
    return png_bytes(np.asarray(small), dpi)


def kept_preview(fig, dpi: int):
    """The :class:`Pending` PNG of ``fig`` at ``dpi`` that :func:`save_figure` made, while
    the figure is unchanged since (``None`` otherwise: draw it)."""
    kept = getattr(fig, "_survey_preview", None)
    if kept is None or kept[0] != dpi or fig.stale:
        return None
    return kept[1]


def preview_png(fig, dpi: int) -> bytes | None:
    """The PNG bytes of :func:`kept_preview` (waiting for the child making it), or None."""
    kept = kept_preview(fig, dpi)
    return None if kept is None else kept.get()


# ------------------------------------------------------------------ background writers
# (the forked children live in survey._children, which imports no matplotlib)

from survey._children import (  # noqa: E402, F401  re-exported: the figure writers' names
    Pending,
    active,
    background,
    background_writes,
    submit,
)


def __getattr__(name: str):
    if name == "_CHILDREN":  # the open block's children (survey._children holds it)
        import survey._children

        return survey._children._CHILDREN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextlib.contextmanager
def no_idle_draw(fig):
    """Within the block, ``fig.canvas.draw_idle()`` does nothing: on a non-interactive
    canvas it draws the whole figure at once, and plotting helpers (GeoPandas' ``plot``)
    call it after every layer; the figure is drawn when it is saved."""
    canvas = fig.canvas
    own = "draw_idle" in vars(canvas)
    previous = canvas.draw_idle
    canvas.draw_idle = lambda *args, **kwargs: None
    try:
        yield
    finally:
        if own:
            canvas.draw_idle = previous
        else:
            del canvas.draw_idle


@contextlib.contextmanager
def frozen_layout(fig):
    """Render ``fig`` again without recomputing its layout engine (the positions of the
    last draw stay): the constrained layout is most of the cost of a repeated savefig.

    The engine is removed for the block, not replaced by the "none" placeholder: ``savefig``
    on a figure with any layout engine first draws the whole figure without rendering (to
    run the engine), then draws it again; without one it draws it once."""
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    # set_layout_engine(None) removes the engine unless these rc settings name one
    with matplotlib.rc_context(
        {"figure.autolayout": False, "figure.constrained_layout.use": False}
    ):
        fig.set_layout_engine(None)
    try:
        yield
    finally:
        fig.set_layout_engine(engine)
