"""The end-to-end demo: outputs exist, hold the computed numbers, cover the known truth,
and the report renders in headless Chromium (skipped when no browser is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from openpyxl import load_workbook

from survey.datasets import demo_truth


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from survey.report.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, progress=False)


def test_demo_steps_and_files(demo):
    assert list(demo.steps) == [
        "read",
        "harmonise",
        "design",
        "weight",
        "indicators",
        "compare",
        "figures",
        "report",
    ]
    for key in ("report", "xlsx", "markdown", "results", "comparisons", "truth_coverage"):
        assert demo.files[key].exists()
    pngs = sorted(p.stem for p in (demo.outdir / "figures").glob("*.png"))
    svgs = sorted(p.stem for p in (demo.outdir / "figures").glob("*.svg"))
    assert pngs == svgs and "trust_battery" in pngs and "prev_robbery_did" in pngs


def test_demo_covers_truth(demo):
    cov = demo.coverage
    assert len(cov) >= 100
    # one realised sample: correlated intervals, so allow a wide binomial margin around 95%
    assert cov["covered"].mean() >= 0.85
    truth = demo_truth()
    # the programme effect on robbery is recovered in sign and the interval covers it
    did = demo.comparisons.query("comparison == 'did' and variable == 'prev_robbery'").iloc[0]
    assert did["estimate"] < 0
    assert did["ci_low"] <= truth["did"]["prev_robbery"] <= did["ci_high"]


def test_demo_xlsx_matches_results(demo):
    wb = load_workbook(demo.files["xlsx"])
    assert {"victimisation", "fear", "trust", "change", "did", "by_region"} <= set(wb.sheetnames)
    ws = wb["trust"]
    header = [c.value for c in ws[3]]
    est_col = header.index("Percent")  # shares are shown in percent, as in the figures
    res = demo.results
    target = res[
        (res["breakdown"] == "all") & (res["variable"] == "trust_police") & (res["wave"] == 2)
    ]
    assert target["scale"].iloc[0] == "proportion"  # results.csv keeps the proportion
    exp = round(100 * float(target["estimate"].iloc[0]), 1)
    found = [
        row[est_col].value
        for row in ws.iter_rows(min_row=4)
        if row[0].value == "Follow-up" and row[1].value == "All" and row[2].value == "Police"
    ]
    assert found == [pytest.approx(exp, abs=1e-12)]
    # suppressed estimates: text in the xlsx, no number in estimate/CI/CV cells
    sup = res[(res["reliability"] == "suppress") & (res["breakdown"] == "all")]
    n_sup = int((res["reliability"] == "suppress").sum())
    assert n_sup > 0
    cells = [
        [c.value for c in row[est_col : est_col + 4]]
        for name in ("victimisation", "fear", "trust")
        for row in wb[name].iter_rows(min_row=4)
        if row[header.index("Reliability")].value == "suppressed"
    ]
    # each suppressed row says why in the last column ("Reason", issue 12)
    assert header[-1] == "Reason"
    reasons = [
        row[-1].value
        for name in ("victimisation", "fear", "trust")
        for row in wb[name].iter_rows(min_row=4)
        if row[header.index("Reliability")].value == "suppressed"
    ]
    assert reasons and all(isinstance(r, str) and r for r in reasons)
    assert len(cells) == int(
        ((res["reliability"] == "suppress") & res["breakdown"].isin(["all", "area"])).sum()
    )
    assert all(c == ["suppressed", None, None, None] for c in cells)
    assert len(sup) == 0 or all(isinstance(v, float) for v in sup["estimate"])
    # in the HTML, a suppressed row prints at most its n (an integer), never an estimate
    html = demo.report.read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="suppress">(.*?)</tr>', html, flags=re.S)
    assert len(rows) >= len(cells)
    for row in rows:
        found = re.findall(r'<td class="num">([^<]*)</td>', row)
        nums = [v for v in found if v and v != "suppressed"]
        assert all(re.fullmatch(r"[0-9,]+", v) for v in nums) and len(nums) <= 1


def test_demo_report_renders_in_chromium(demo, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no chromium on this machine (CI installs Debian's chromium)")
    shot = tmp_path / "report.png"
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,2000",
        "--virtual-time-budget=5000",
        f"--screenshot={shot}",
        "--dump-dom",
        demo.report.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert "<table" in dom and 'id="indicators-computed"' in dom
    assert dom.count('src="data:image/png;base64,') >= 9
    assert "Methods annex" in dom and "Police" in dom
    assert shot.exists() and shot.stat().st_size > 10_000
    from matplotlib import image

    img = image.imread(shot)
    assert img.shape[1] == 1200
    assert np.std(img[..., :3]) > 0.05  # not a blank page


def test_territory_figures_carry_the_national_reference_line(demo):
    """Each by-territory figure of the report draws the national estimate (the report's
    'all' row of the same wave) as a dashed reference line, on the figure's % scale."""
    res = demo.results
    for var in ("prev_robbery", "prev_burglary"):
        ax = demo.figures[f"{var}_by_region"]
        lines = [ln for ln in ax.get_lines() if ln.get_gid() == "reference"]
        national = res[(res["breakdown"] == "all") & (res["variable"] == var)]
        national = national[national["wave"] == national["wave"].iloc[-1]]
        assert len(lines) == 1 and len(national) == 1
        assert lines[0].get_xdata()[0] == pytest.approx(100 * national["estimate"].iloc[0])


def test_demo_report_has_a_map_of_the_territory_estimates(demo):
    """reports/demo.yaml's figures.map: one coloured area per published region estimate of
    the follow-up wave, suppressed ones grey, joined to the bundled synthetic geometry."""
    ax = demo.figures["prev_robbery_map"]
    res = demo.results
    rows = res[(res["breakdown"] == "region") & (res["variable"] == "prev_robbery")]
    rows = rows[rows["wave"] == rows["wave"].iloc[-1]]
    shown = int((rows["reliability"] != "suppress").sum())
    areas = [c for c in ax.collections if c.get_gid() == "area"]
    assert len(areas) == 1 and len(areas[0].get_facecolors()) == shown
    grey = [c for c in ax.collections if c.get_gid() == "suppressed"]
    assert sum(len(c.get_facecolors()) for c in grey) == len(rows) - shown
    assert (demo.outdir / "figures" / "prev_robbery_map.png").exists()
