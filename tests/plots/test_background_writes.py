"""plots._common.background_writes: figure files written by forked children are complete
when the block ends, identical to the ones written in the process, and a child's failure
is raised in the parent with its own exception type."""

from __future__ import annotations

import io
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from survey.plots import _common  # noqa: E402
from survey.report.html import figure_markup  # noqa: E402

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


def _figure():
    fig, ax = plt.subplots(figsize=(4.0, 2.52), layout="constrained")
    ax.plot([0, 1, 2], [2, 0, 1], marker="o")
    ax.set_title("A title")
    return fig


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


class Broken(RuntimeError):
    pass


@linux
def test_files_from_children_equal_the_files_written_in_process(tmp_path):
    png_a, svg_a = _common.save_figure(_figure(), tmp_path / "a" / "f")
    with _common.background_writes():
        png_b, svg_b = _common.save_figure(_figure(), tmp_path / "b" / "f")
        assert _common._CHILDREN.running  # the child is still writing
    assert _common._CHILDREN is None
    np.testing.assert_array_equal(_pixels(png_a.read_bytes()), _pixels(png_b.read_bytes()))
    # 2.52 in at 300 dpi is 756 rows, as savefig makes it
    assert _pixels(png_b.read_bytes()).shape == (756, 1200, 4)
    assert svg_b.read_text().lstrip().startswith("<?xml")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["f.png", "f.svg"]


@linux
def test_child_failure_is_raised_with_its_type_and_no_partial_file(tmp_path):
    def fail():
        (tmp_path / "half").write_text("x")
        raise Broken("disk full")

    with pytest.raises(Broken, match="disk full") as info:
        with _common.background_writes():
            _common.background(fail)
    assert any("forked child" in note for note in info.value.__notes__)
    pending = None
    with pytest.raises(Broken):
        with _common.background_writes():
            pending = _common.submit(fail)
            pending.get()
    assert pending is not None


@linux
def test_submit_returns_the_value_and_runs_in_place_outside_the_block():
    with _common.background_writes():
        p = _common.submit(lambda: {"k": [1, 2]})
        assert p.get() == {"k": [1, 2]}
    assert _common.submit(lambda: 3).get() == 3


@linux
def test_report_image_of_a_saved_figure_is_its_raster_resampled(tmp_path):
    fig = _figure()
    with _common.background_writes():
        _common.save_figure(fig, tmp_path / "f")
        markup = figure_markup(fig)  # pending until the report is rendered
        html = markup.__html__()
    data = html.split("base64,")[1].split('"')[0]
    import base64

    img = _pixels(base64.b64decode(data))
    assert img.shape[:2] == (277, 440)  # the size of a 110-dpi savefig
    # an area average of the 300-dpi file
    big = _pixels((tmp_path / "f.png").read_bytes()).astype(float)
    assert abs(img[..., :3].mean() - big[..., :3].mean()) < 2.0
    # a figure changed after saving is drawn again, not taken from the stale raster
    fig.axes[0].set_title("Another title")
    assert _common.kept_preview(fig, 110) is None


@pytest.mark.parametrize("facecolor", ["white", "none"])
def test_saved_png_has_the_pixels_and_metadata_of_savefig(tmp_path, facecolor):
    """save_figure writes its own PNG (opaque rasters as RGB, unfiltered rows): a reader
    sees the pixels, dpi and Software text that ``savefig`` writes, transparent or not."""
    fig = _figure()
    fig.set_facecolor(facecolor)
    png, _ = _common.save_figure(fig, tmp_path / "f")
    ref = _figure()
    ref.set_facecolor(facecolor)
    buf = io.BytesIO()
    ref.savefig(buf, format="png", dpi=300)
    ours, theirs = Image.open(png), Image.open(io.BytesIO(buf.getvalue()))
    assert ours.mode == ("RGB" if facecolor == "white" else "RGBA")
    assert ours.info == theirs.info  # {"Software": "Matplotlib version...", "dpi": ...}
    assert ours.info["dpi"] == pytest.approx((300, 300), abs=1e-2)
    np.testing.assert_array_equal(_pixels(png.read_bytes()), _pixels(buf.getvalue()))
    if facecolor == "none":  # some pixels are see-through: the alpha channel is kept
        assert _pixels(png.read_bytes())[..., 3].min() == 0


def test_saved_figure_is_laid_out_once_and_drawn_once_per_file(tmp_path, monkeypatch):
    """save_figure runs the constrained layout once and draws the figure once for the
    raster and once for the SVG (savefig alone would draw twice per file: once without
    rendering to run the layout engine), leaving the figure's engine in place."""
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    draws, layouts = [], []
    figure_draw, execute = Figure.draw, ConstrainedLayoutEngine.execute
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(r) or figure_draw(self, r))
    monkeypatch.setattr(
        ConstrainedLayoutEngine, "execute", lambda self, f: layouts.append(f) or execute(self, f)
    )
    fig = _figure()
    engine = fig.get_layout_engine()
    _common.save_figure(fig, tmp_path / "f")
    assert len(layouts) == 1
    assert len(draws) == 2  # the 300-dpi raster and the SVG
    assert fig.get_layout_engine() is engine
    # the report's image of a figure never saved: one layout, one draw
    from survey.report.html import _png

    other = _figure()
    layouts.clear(), draws.clear()
    png = _png(other, 110)
    assert len(layouts) == 1 and len(draws) == 1
    assert Image.open(io.BytesIO(png)).size == (440, 277)
