"""The HTML report is self-contained, escapes data text and never prints suppressed values."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from survey._schema import finalize  # noqa: E402
from survey.report.html import Figure, Section, figure_markup, render_report  # noqa: E402
from survey.report.tables import publication_table  # noqa: E402


@pytest.fixture
def frame():
    f = pd.DataFrame(
        {
            "region": ["<script>alert(1)</script>", "Sur"],
            "variable": "prev_robbery",
            "estimate": [0.1234, 0.987654],
            "ci_low": [0.1, 0.5],
            "ci_high": [0.15, 0.99],
            "cv": [0.1, 0.6],
            "n": [500, 9],
            "reliability": ["reliable", "suppress"],
        }
    )
    return finalize(f, by=["region"])


def test_render_report_escapes_and_embeds(tmp_path, frame):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    table = publication_table(frame, percent=True, title="Robbery & assault", lang="es")
    sec = Section(
        title="Victimisation <b>bold</b>",
        paragraphs=["A & B <i>not italic</i>"],
        figures=[
            Figure(figure_markup(fig), caption="Caption <x>"),
            Figure(figure_markup(fig, fmt="svg"), caption="svg"),
        ],
        tables=[table],
    )
    path = render_report(
        tmp_path / "r.html",
        title="Report <T>",
        sections=[sec],
        methods=[("Design", "Stratified <two-stage>")],
        indicators=table,
        lang="es",
    )
    html = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Victimisation &lt;b&gt;bold&lt;/b&gt;" in html
    assert "A &amp; B &lt;i&gt;not italic&lt;/i&gt;" in html
    assert "Stratified &lt;two-stage&gt;" in html
    assert html.count('src="data:image/png;base64,') == 1
    assert html.count("<svg") == 1
    assert "98,8" not in html and "98.8" not in html  # suppressed estimate never printed
    assert "12,3" in html  # Spanish decimal comma
    assert "Anexo metodológico" in html
    assert 'src="http' not in html and "<link" not in html  # nothing external


def test_render_report_rejects_unknown_language(tmp_path, frame):
    table = publication_table(frame)
    with pytest.raises(ValueError, match="lang must be one of"):
        render_report(
            tmp_path / "r.html", title="x", sections=[], methods=[], indicators=table, lang="fr"
        )
