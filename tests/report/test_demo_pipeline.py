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
        "small areas",
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


def test_demo_small_area_section_against_the_generators_truth(demo):
    """reports/demo.yaml's sae: section on the synthetic city (survey.datasets.city): the
    bundled files are the generator's, the section's estimates are the API's, and its
    known-truth figures are those of the generator's true rates."""
    import pandas as pd

    import survey
    from survey import sae
    from survey.datasets.city import DEMO_SEED, draw_sample, make_city

    city = make_city()
    sample = draw_sample(city, DEMO_SEED)
    pd.testing.assert_frame_equal(survey.datasets.city.city_sample(), sample)
    est = pd.read_csv(demo.files["sae_estimates"])
    truth = city.census.set_index("area")["true_rate"]
    np.testing.assert_allclose(est["truth"], truth.loc[est["area"]].to_numpy(), rtol=1e-15)
    # the same route through the API
    des = survey.Design(sample, weight="weight", strata="area", psu="block", lonely_psu="certainty")
    d, _ = sae.smooth_variances(sae.direct(des, "victim", "area"), where="unstable")
    res = sae.fh(d, city.census, x=["poverty", "density", "lighting"], method="AREML",
                 unstable="synthetic")  # fmt: skip
    res, bench = sae.benchmark(res, float(des.mean("victim")["estimate"].iloc[0]),
                               size="households")  # fmt: skip
    api = res.estimates
    np.testing.assert_allclose(est["estimate"], api["estimate"], rtol=1e-12)
    np.testing.assert_allclose(est["mse"], api["mse"], rtol=1e-12)
    # benchmarked: the households-weighted city rate is the direct one
    w = city.census["households"].to_numpy()
    assert np.sum(w * est["estimate"]) / w.sum() == pytest.approx(bench["target"].iloc[0])
    # known truth: the model beats the direct estimates, and the report says by how much
    t = truth.loc[est["area"]].to_numpy()
    rmse_model = np.sqrt(np.mean((est["estimate"] - t) ** 2))
    rmse_direct = np.sqrt(np.mean((est["direct"] - t) ** 2))
    covered = int(((est["ci_low"] <= t) & (t <= est["ci_high"])).sum())
    assert rmse_model < 0.7 * rmse_direct
    assert covered >= 34  # 40 areas at 95%: a binomial margin
    s = demo.sae.truth
    assert (s["rmse_model"], s["rmse_direct"], s["covered_model"]) == (
        pytest.approx(rmse_model, rel=1e-12),
        pytest.approx(rmse_direct, rel=1e-12),
        covered,
    )
    html = " ".join(demo.report.read_text(encoding="utf-8").split())
    section = html[html.index('id="sae"') :]
    assert (
        f"{100 * rmse_direct:.2f} pp for the direct estimates and {100 * rmse_model:.2f} pp "
        f"for the model-based ones; {covered} of 40 model intervals"
    ) in section
    assert section[: section.index("</section>")].count('src="data:image/png;base64,') == 2
    wb = load_workbook(demo.files["xlsx"])
    assert {"sae_estimates", "sae_benchmark"} <= set(wb.sheetnames)
    from pathlib import Path

    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text().split())
    assert (
        f"RMSE {100 * rmse_model:.2f} percentage points for the model (AREML, GVF-smoothed "
        f"variances, benchmarked) against {100 * rmse_direct:.2f} for the direct estimates, "
        f"and {covered} of 40 model intervals cover the true rate"
    ) in readme


def test_demo_csv_files_blank_what_the_rule_suppresses(demo):
    """results.csv and comparisons.csv print no number the report suppresses (the promise
    of every command's csv), keep the flags and reasons, and every other row as computed."""
    import pandas as pd

    res = pd.read_csv(demo.files["results"])
    sup = (res["reliability"] == "suppress").to_numpy()
    assert sup.sum() > 10  # the demo has small regions: the rule bites
    assert res.loc[sup, ["estimate", "se", "ci_low", "ci_high", "cv"]].isna().all().all()
    assert res.loc[sup, "reliability_reason"].str.len().gt(0).all()
    kept = demo.results[demo.results["reliability"] != "suppress"]
    np.testing.assert_allclose(res.loc[~sup, "estimate"], kept["estimate"], rtol=1e-12)
    np.testing.assert_array_equal(res.loc[sup, "n"], demo.results.loc[sup, "n"])
    comp = pd.read_csv(demo.files["comparisons"])
    bad = (comp["reliability"] == "suppress").to_numpy()
    assert bad.sum() > 0 and bad.sum() == int(comp["suppressed_input"].sum())
    cols = ["estimate_1", "estimate_2", "estimate", "ci_low", "p_value", "significant"]
    assert comp.loc[bad, cols].isna().all().all()
    np.testing.assert_allclose(
        comp.loc[~bad, "estimate"], demo.comparisons.loc[~bad, "estimate"], rtol=1e-12
    )
    np.testing.assert_array_equal(
        comp.loc[~bad, "significant"].astype(bool), demo.comparisons.loc[~bad, "significant"]
    )


def test_demo_csv_files_write_domain_codes_as_integers(demo):
    """The demo's waves and regions come from an SPSS double (1.0): the report's csv files
    write them as every command's csv does, ``1`` not ``1.0``, the same rows as computed."""
    import pandas as pd

    wave_of = {}
    for key in ("results", "comparisons"):
        text = pd.read_csv(demo.files[key], dtype=str, keep_default_na=False)
        for col in ("wave", "region", "area"):
            if col not in text.columns:
                continue
            cells = set(text[col]) - {""}
            assert cells and all(re.fullmatch(r"-?\d+", c) for c in cells), (key, col, cells)
            wave_of[(key, col)] = cells
    assert wave_of[("results", "wave")] == {"1", "2"}
    # counts as integers too, the frame's values
    res = pd.read_csv(demo.files["results"], dtype=str, keep_default_na=False)
    assert all(re.fullmatch(r"\d+", v) for v in res["n"] if v)
    n = [int(v) if v else None for v in res["n"]]
    assert n == [None if np.isnan(x) else int(x) for x in demo.results["n"]]
    assert set(demo.results["wave"].dropna()) == {1.0, 2.0}  # the frame keeps the data's dtype


def test_show_suppressed_keeps_every_value_in_the_csv(tmp_path):
    """``quality: {show_suppressed: true}`` writes the unmasked values (for analysis) and
    does not change the rule: the same rows are flagged."""
    import pandas as pd
    import yaml

    from survey._paths import data_dir
    from survey.report.pipeline import run_spec

    spec = yaml.safe_load((data_dir("reports") / "demo.yaml").read_text())
    spec["quality"] = {**(spec.get("quality") or {}), "show_suppressed": True}
    spec.pop("sae", None)
    spec["figures"] = {}
    spec["data"]["crosswalk"] = str(data_dir("reports") / spec["data"]["crosswalk"])
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    result = run_spec(path, tmp_path / "out", progress=False)
    res = pd.read_csv(result.files["results"])
    sup = res["reliability"] == "suppress"
    assert sup.sum() > 10 and res.loc[sup, "estimate"].notna().all()
    np.testing.assert_allclose(res["estimate"], result.results["estimate"], rtol=1e-12)


def _ink_at_edges(image) -> dict:
    """Dark pixels in the outer two rows/columns of a figure image: text or a legend cut
    by the figure's edge (the background is white)."""
    a = np.asarray(image.convert("L"))
    edges = {"right": a[:, -2:], "left": a[:, :2], "top": a[:2, :], "bottom": a[-2:, :]}
    return {side: int((px < 200).sum()) for side, px in edges.items() if (px < 200).any()}


def test_no_figure_is_cut_at_its_edge(demo):
    """Nothing is drawn over a figure's edge, in the PNG files and in the images the report
    embeds (the small-area map's legend read "† hatched: use with caution (low precisior"
    in report.html)."""
    import base64
    import io

    from PIL import Image

    html = demo.report.read_text(encoding="utf-8")
    embedded = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(embedded) >= 15
    for k, b64 in enumerate(embedded):
        image = Image.open(io.BytesIO(base64.b64decode(b64)))
        assert not _ink_at_edges(image), (k, image.size, _ink_at_edges(image))
    for png in sorted((demo.outdir / "figures").glob("*.png")):
        with Image.open(png) as image:
            assert not _ink_at_edges(image), (png.name, _ink_at_edges(image))
