"""Before/after equality check for the issue-16 performance work (not a timing benchmark).

``python benchmarks/equality_issue16.py save OUT.pkl`` runs many estimation calls (every
verb, design type, missing-value pattern and dtype the engine fast paths touch) and pickles
the result frames; ``compare A.pkl B.pkl`` reports the largest difference between two such
runs. Run ``save`` once with the old code on ``PYTHONPATH`` and once with the new one.
"""

from __future__ import annotations

import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make(n=20_000, seed=5):
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 200, n)
    df = pd.DataFrame(
        {
            "stratum": (psu // 10).astype(np.int32),
            "psu": psu,
            "weight": rng.uniform(20, 120, n),
            "dom": rng.integers(0, 7, n).astype(np.int16),
            "dom2": rng.choice(["a", "b", "c"], n),
            "b8": (rng.random(n) < 0.3).astype(np.int8),
            "bb": rng.random(n) < 0.6,
            "bf": (rng.random(n) < 0.4).astype(float),
            "x": rng.gamma(2.0, 10.0, n).round(2),
            "big": rng.normal(1e6, 10, n),
            "i4": rng.integers(1, 6, n),
            "c5": rng.integers(0, 5, n).astype(np.int16),
            "c40": rng.integers(0, 40, n),
            "cat": pd.Categorical(rng.choice(["u", "v", "w"], n)),
            "age": rng.integers(0, 4, n).astype(np.int8),
            "sex": rng.integers(0, 2, n).astype(np.int8),
        }
    )
    df["bfn"] = df["bf"].where(rng.random(n) > 0.1)
    df["xn"] = df["x"].where(rng.random(n) > 0.05)
    df["i4n"] = pd.array(df["i4"].where(rng.random(n) > 0.1), dtype="Int64")
    df["c5n"] = df["c5"].where(rng.random(n) > 0.1)
    df.loc[rng.random(n) < 0.02, "dom"] = 3  # uneven
    df["domn"] = df["dom"].where(rng.random(n) > 0.05)  # rows in no domain
    df["weight0"] = df["weight"].where(rng.random(n) > 0.01, 0.0)  # zero weights
    return df


def run():
    from survey import Design
    from survey.weighting import PostStratify, Rake
    from survey.weighting.replicates import as_replicate

    df = make()
    tot = float(df["weight"].sum())
    out = {}
    des = {
        "strat_psu": Design(df, weight="weight", strata="stratum", psu="psu"),
        "strat": Design(df, weight="weight", strata="stratum"),
        "srs": Design(df, weight="weight"),
        "psu_only": Design(df, weight="weight", psu="psu"),
        "zero_w": Design(df, weight="weight0", strata="stratum", psu="psu"),
        "zero_w_rows": Design(df, weight="weight0", strata="stratum"),
    }
    pops = {
        v: pd.DataFrame({v: np.arange(k), "Freq": np.full(k, tot / k)})
        for v, k in {"age": 4, "sex": 2}.items()
    }
    des["raked"] = Rake(list(pops.items()), count="Freq").fit_transform(des["strat"])
    des["raked_psu"] = Rake(list(pops.items()), count="Freq").fit_transform(des["strat_psu"])
    ps = pd.DataFrame({"age": np.arange(4), "Freq": np.full(4, tot / 4)})
    des["ps"] = PostStratify("age", ps, count="Freq").fit_transform(des["strat"])
    jk = as_replicate(des["strat_psu"], "JKn")
    items = ["b8", "bb", "bf", "bfn", "x", "xn", "i4", "i4n", "big"]
    for name, d in des.items():
        for by in (None, "dom", ["dom", "dom2"], "domn"):
            key = f"{name}|{by}"
            out[f"mean|{key}"] = d.mean(items, by=by)
            out[f"meanl|{key}"] = d.mean(["bf", "xn", "i4n"], by=by, na="listwise")
            out[f"total|{key}"] = d.total(["b8", "xn", "i4"], by=by, df="inf")
            out[f"prop|{key}"] = d.prop(["c5", "c5n", "cat", "b8", "dom2"], by=by)
            out[f"prop40|{key}"] = d.prop("c40", by=by, ci="wald")
            out[f"ratio|{key}"] = d.ratio("xn", "i4", by=by)
            out[f"q|{key}"] = d.quantile(["x", "xn"], by=by, q=(0.25, 0.5, 0.9))
        out[f"propx|{name}"] = d.prop("b8", by="dom", ci="xlogit")
        out[f"qs|{name}"] = d.quantile("x", by="dom", qrule="school")
    for by in (None, "dom", "domn"):
        out[f"jk|mean|{by}"] = jk.mean(items, by=by)
        out[f"jk|prop|{by}"] = jk.prop(["c5", "cat"], by=by)
        out[f"jk|q|{by}"] = jk.quantile("x", by=by)
    return out


def compare(a, b):
    worst = 0.0
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            print("missing:", key)
            worst = np.inf
            continue
        fa, fb = a[key], b[key]
        if list(fa.columns) != list(fb.columns) or len(fa) != len(fb):
            print("shape differs:", key)
            worst = np.inf
            continue
        for col in fa.columns:
            x, y = fa[col], fb[col]
            if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
                xv = x.to_numpy(dtype=float, na_value=np.nan)
                yv = y.to_numpy(dtype=float, na_value=np.nan)
                if not np.array_equal(np.isnan(xv), np.isnan(yv)):
                    print("NaN pattern differs:", key, col)
                    worst = np.inf
                    continue
                ok = ~np.isnan(xv)
                xo, yo = xv[ok], yv[ok]
                with np.errstate(invalid="ignore"):
                    rel = np.abs(xo - yo) / np.maximum(np.abs(xo), 1e-8)
                rel = np.where(xo == yo, 0.0, rel)
                rel = np.where(np.isnan(rel), np.inf, rel)  # inf against a finite value
                if rel.size and rel.max() > worst:
                    worst = float(rel.max())
                    if worst > 1e-12:
                        print(f"{key} {col}: relative difference {worst:.3g}")
            elif not x.astype(str).equals(y.astype(str)):
                print("values differ:", key, col)
                worst = np.inf
    print(f"{len(a)} frames; largest relative difference {worst:.3g}")
    return worst


if __name__ == "__main__":
    if sys.argv[1] == "save":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run()
        Path(sys.argv[2]).write_bytes(pickle.dumps(res))
        print(len(res), "frames saved")
    else:
        a = pickle.loads(Path(sys.argv[2]).read_bytes())
        b = pickle.loads(Path(sys.argv[3]).read_bytes())
        sys.exit(0 if compare(a, b) <= 1e-12 else 1)
