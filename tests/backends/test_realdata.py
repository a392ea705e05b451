"""Real files written to Parquet: every verb on DuckDB (and Spark for one design) equals the
in-memory engine to 1e-10. ENUSC 2023 (7,789 PSUs, lonely-PSU strata), NCVS 2021 households
(pseudo-strata x half-sample PSUs, nested; 256k rows), LAPOP 2018-2023 (23 countries x two
waves, nested PSUs) and LAPOP Brazil 2023 from its Stata file (labelled items)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import survey
from survey.backends import TableDesign
from tests.backends.conftest import assert_same
from tests.conftest import realdata_file

pytestmark = pytest.mark.realdata


def _run(design, verb, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(design, verb)(*args, **kwargs)


def _pair(frame, tmp_path, name, **kw):
    path = tmp_path / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    return survey.Design(back, **kw), TableDesign(str(path), **kw), path


def _check(ref, got, calls):
    for verb, args, kwargs in calls:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


def test_enusc_2023(tmp_path):
    frame = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    kw = {"weight": "Fact_Pers_Reg", "strata": "VarStrat", "psu": "Conglomerado",
          "lonely_psu": "certainty"}  # fmt: skip
    ref, got, _ = _pair(frame, tmp_path, "enusc", **kw)
    _check(ref, got, [
        ("prop", (["VP_DC", "VP_DV", "PAD"],), {"by": "enc_region"}),
        ("prop", (["VP_DC"],), {"by": ["rph_sexo", "rph_edad"], "df": "domain"}),
        ("mean", (["VH_DC"],), {"by": "enc_region"}),
        ("total", (["VP_DC"],), {"by": "enc_region"}),
        ("ratio", ("VP_DV", "VP_DC"), {"by": "rph_sexo"}),
    ])  # fmt: skip


def test_ncvs_2021_households(tmp_path):
    cols = ["YEARQ", "IDHH", "WGTHHCY", "V2117", "V2118", "V2015", "V2143"]
    frame = pd.read_csv(
        realdata_file("ncvs/ncvs_2021_household.csv.gz"), usecols=cols, dtype={"IDHH": str}
    )
    kw = {"weight": "WGTHHCY", "strata": "V2117", "psu": "V2118", "nest": True}
    ref, got, _ = _pair(frame, tmp_path, "ncvs", **kw)
    _check(ref, got, [
        ("prop", (["V2015"],), {"by": "YEARQ"}),
        ("total", (["V2143"],), {"by": "YEARQ"}),
    ])  # fmt: skip


@pytest.mark.parametrize("backend", ["duckdb", "spark"])
def test_lapop_multicountry(backend, tmp_path, request):
    frame = pd.read_csv(realdata_file("lapop/ym23_multicountry_2018_2023.csv.gz"),
                        usecols=["pais", "wave", "strata", "upm", "weight1500", "b18", "ing4"])  # fmt: skip
    frame["sw"] = frame["wave"].astype(str) + "_" + frame["strata"].astype(str)
    kw = {"weight": "weight1500", "strata": "sw", "psu": "upm", "nest": True,
          "lonely_psu": "certainty"}  # fmt: skip
    ref, got, path = _pair(frame, tmp_path, "lapop", **kw)
    if backend == "spark":
        spark = request.getfixturevalue("spark")
        got = TableDesign(spark.read.parquet(str(path)), **kw)
    calls = [
        ("mean", (["b18", "ing4"],), {"by": ["pais", "wave"]}),
        ("prop", (["b18"],), {"by": "wave"}),
    ]
    _check(ref, got, calls if backend == "duckdb" else calls[:1])


def test_lapop_brazil_stata(tmp_path):
    sd = survey.read(realdata_file("lapop/bra23_AB2023_Brazil.dta"))
    frame = sd.data[["upm", "strata", "wt", "aoj11", "ing4", "b12", "b13"]]
    kw = {"weight": "wt", "strata": "strata", "psu": "upm"}
    ref, got, _ = _pair(frame, tmp_path, "bra", **kw)
    _check(ref, got, [
        ("prop", (["aoj11"],), {"by": "strata"}),
        ("mean", (["b12", "b13", "ing4"],), {"na": "listwise"}),
    ])  # fmt: skip
