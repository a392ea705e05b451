"""Render a self-contained HTML report (figures embedded, tables, methods annex).

The jinja2 environment escapes everything (``autoescape=True``); the only values passed as
``Markup`` are figure images this module encodes itself and tables from
:func:`survey.report.tables.to_html`, which escapes every label and cell.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from markupsafe import Markup

from survey._paths import data_dir
from survey.report._text import REPORT_TEXT as _TEXT
from survey.report.tables import Table, to_html

__all__ = ["Figure", "Section", "figure_markup", "render_report", "REPORT_TEXT"]

#: Per-language text of the HTML frame and the annex terms (from the one translation table,
#: :data:`survey.report._text.REPORT_TEXT`).
REPORT_TEXT = {lang: {k: v[lang] for k, v in _TEXT.items()} for lang in ("en", "es", "pt")}


@dataclass
class Figure:
    """A figure for the report: embedded markup (from :func:`figure_markup`) and caption."""

    markup: Markup
    caption: str = ""
    id: str = ""


@dataclass
class Section:
    """A report section: title, paragraphs (plain text, escaped), figures and tables."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    id: str = ""


def figure_markup(fig, *, fmt: str = "png", dpi: int = 110, alt: str = "") -> Markup:
    """Embed a matplotlib figure (or Axes) as a base64 PNG ``<img>`` or an inline ``<svg>``."""
    if not hasattr(fig, "savefig"):
        fig = fig.figure
    if fmt == "png":
        from survey.plots._common import _child_imports, active, kept_preview, submit

        kept = kept_preview(fig, dpi)  # plots.save_figure's raster, resampled: not redrawn
        if kept is None and active():  # in plots.background_writes: a child
            _child_imports()
            kept = submit(lambda: _png(fig, dpi))  # draws it while the report is built
        if kept is not None:
            if active():
                return _PendingImage(kept, fig, dpi, alt)
            png = kept.get()
            return _img(png if png is not None else _png(fig, dpi), alt)
    if fmt not in ("png", "svg"):
        raise ValueError(f"figure_markup: fmt must be 'png' or 'svg', got {fmt!r}")
    if fmt == "png":
        return _img(_png(fig, dpi), alt)
    return _svg(fig)


def _drawn(fig):
    """The figure's layout as ``plots.save_figure`` left it (not recomputed), if it did."""
    import contextlib

    if getattr(fig, "_survey_laid_out", False):
        from survey.plots._common import frozen_layout

        return frozen_layout(fig)
    return contextlib.nullcontext()


def _png(fig, dpi) -> bytes:
    """The figure's PNG at ``dpi``: laid out and drawn once, encoded as
    ``plots.save_figure`` encodes its files (the pixels and metadata of ``savefig``)."""
    from survey.plots._common import _rasterise, png_bytes

    with _drawn(fig):
        raster = _rasterise(fig, dpi)
        if raster is None:  # a canvas that is not Agg's: matplotlib's own path
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            return buf.getvalue()
    return png_bytes(raster, dpi)


def _svg(fig) -> Markup:
    buf = io.BytesIO()
    with _drawn(fig):
        fig.savefig(buf, format="svg")
    svg = buf.getvalue().decode("utf-8")
    return Markup(svg[svg.index("<svg") :])  # without the XML prolog and doctype


class _PendingImage:
    """An ``<img>`` whose PNG a forked child is drawing; markupsafe's ``__html__`` (used
    when the report is rendered) waits for it."""

    def __init__(self, pending, fig, dpi: int, alt: str):
        self._pending, self._fig, self._dpi, self._alt = pending, fig, dpi, alt

    def __html__(self) -> str:
        png = self._pending.get()  # None: the child kept no preview, draw the figure here
        return str(_img(png if png is not None else _png(self._fig, self._dpi), self._alt))


def _img(png: bytes, alt: str) -> Markup:
    data = base64.b64encode(png).decode("ascii")
    return Markup(f'<img alt="{Markup.escape(alt)}" src="data:image/png;base64,{data}">')


def _slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    out, k = base, 2
    while out in used:
        out, k = f"{base}-{k}", k + 1
    used.add(out)
    return out


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The jinja2 environment on ``reports/templates`` (autoescape always on)."""
    folder = Path(template_dir) if template_dir else data_dir("reports") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(
    path: str | Path,
    *,
    title: str,
    sections: list[Section],
    methods: list[tuple[str, str]],
    indicators: Table,
    subtitle: str = "",
    summary: list[str] | None = None,
    lang: str = "en",
    template: str = "report.html.j2",
    template_dir: str | Path | None = None,
) -> Path:
    """Write the HTML report to ``path`` and return it.

    Parameters
    ----------
    sections : list of Section
        Body of the report.
    methods : list of (term, text)
        Methods annex entries (design, weights, variance, CI, df rule, quality criteria...).
    indicators : Table
        The list of every indicator computed (shown in the annex).
    lang : {"en", "es", "pt"}
    """
    from survey import __version__

    if lang not in REPORT_TEXT:
        raise ValueError(f"render_report: lang must be one of {sorted(REPORT_TEXT)}, got {lang!r}")
    text = REPORT_TEXT[lang]
    used: set[str] = {"methods", "summary"}
    ctx_sections = []
    for sec in sections:
        sid = sec.id or _slug(sec.title, used)
        figs = []
        for k, f in enumerate(sec.figures):
            markup = f.markup
            if not isinstance(markup, str) and hasattr(markup, "__html__"):
                markup = Markup(markup.__html__())  # a figure a child is drawing: wait
            figs.append({"markup": markup, "caption": f.caption, "id": f.id or f"{sid}-fig{k + 1}"})
        tables = [
            Markup(to_html(t, table_id=f"{sid}-table{k + 1}")) for k, t in enumerate(sec.tables)
        ]
        ctx_sections.append(
            {
                "id": sid,
                "title": sec.title,
                "paragraphs": sec.paragraphs,
                "figures": figs,
                "tables": tables,
            }
        )
    html = (
        environment(template_dir)
        .get_template(template)
        .render(
            lang=lang,
            version=__version__,
            title=title,
            subtitle=subtitle,
            summary=summary or [],
            sections=ctx_sections,
            methods=[{"term": t, "text": x} for t, x in methods],
            indicators_table=Markup(to_html(indicators, table_id="indicators-computed")),
            text=text,
            footer=text["footer"].format(version=__version__),
        )
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from survey._atomic import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path
