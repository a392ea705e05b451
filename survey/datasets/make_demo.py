"""Generate the bundled synthetic demo survey (run once; the output is committed).

Usage::

    python -m survey.datasets.make_demo            # rewrites the files next to this script

What it builds
--------------
1. **A finite population** of about 70,000 households and 140,000 adults in 4 regions.
   Each region has a *treatment* area (where a security programme starts after the
   baseline) and a *comparison* area, each split into urban and rural parts: 16 strata.
   Strata are divided into blocks (city blocks / rural segments) of 20-60 households;
   every household has 1-4 adults with sex and age group.
2. **Population outcomes for two waves** (baseline and follow-up), drawn once for every
   household and adult, so the population values (the *truth*) are fixed numbers:
   household victimisation (burglary, vehicle theft) and personal victimisation
   (robbery, assault) with number of incidents and whether the last incident was
   reported to the police; fear walking alone in the area after dark; trust in six
   institutions (Latinobarómetro 4-point scale); interpersonal trust. In treatment areas
   the follow-up has lower victimisation and fear and higher police trust (a known
   programme effect); comparison areas drift slightly the other way.
3. **A stratified two-stage sample per wave**, drawn independently in each wave:
   12 blocks per stratum by simple random sampling without replacement, 12 households
   per selected block by SRSWOR, and one adult per household at random (the respondent).
   That is 16 x 12 x 12 = 2,304 respondents per wave.

Weights: ``hh_weight = (B_h / 12) * (M_hi / 12)`` (inverse household inclusion
probability) and ``weight = hh_weight * adults`` (inverse respondent inclusion
probability). Full response, so the design weights are unbiased; the population margins
(``demo_margins.csv``: adults by region x sex x age group, columns ``region, sex,
age_group, adults``) let the demo post-stratify or
rake, which improves precision without introducing bias.

Coding follows the standard questionnaire conventions: 1 = yes / 2 = no; don't know = 8
and no answer = 9, declared as SPSS *user-missing* values; ordinal scales run from the
favourable end (1 = "very safe", 1 = "a lot of trust"). Variable names are descriptive
snake_case (the questionnaire item ids of ``questionnaires/`` can be mapped onto them by
a crosswalk). The stratum code is unique per wave (101-116 baseline, 201-216 follow-up)
and PSU ids are unique across waves, so a pooled two-wave design stays correct: the two
samples are independent.

Outputs (in ``survey/datasets/``)
---------------------------------
``demo_survey.sav``
    both waves, one row per respondent, with variable labels, value labels and
    user-missing codes.
``demo_truth.json``
    the population value of every demo indicator per wave and domain (all, area, region),
    the true change in each area and the true difference-in-differences, with the
    definition of each indicator.
``demo_margins.csv``
    population counts of adults by region x sex x age group (households by region are in
    the truth file).

The script is deterministic (seed :data:`SEED`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240611
HERE = Path(__file__).resolve().parent

REGIONS = {1: "Norte", 2: "Centro", 3: "Sur", 4: "Costa"}
AREAS = {1: "Treatment", 2: "Comparison"}
URBAN = {1: "Urban", 2: "Rural"}
WAVES = {1: "Baseline", 2: "Follow-up"}
SEX = {1: "Male", 2: "Female"}
AGE = {1: "18-29", 2: "30-44", 3: "45-59", 4: "60+"}
YES_NO = {1: "Yes", 2: "No", 8: "Don't know", 9: "No answer"}
FEAR = {
    1: "Very safe",
    2: "Safe",
    3: "Unsafe",
    4: "Very unsafe",
    5: "Never walks alone after dark",
    8: "Don't know",
    9: "No answer",
}
TRUST = {1: "A lot", 2: "Some", 3: "Little", 4: "None", 8: "Don't know", 9: "No answer"}
INTERPERSONAL = {
    1: "Most people can be trusted",
    2: "You can never be too careful",
    8: "Don't know",
    9: "No answer",
}
INSTITUTIONS = {
    "police": ("Trust in the police", 0.15),
    "judiciary": ("Trust in the judiciary", -0.35),
    "government": ("Trust in the national government", -0.15),
    "congress": ("Trust in congress", -0.75),
    "armed_forces": ("Trust in the armed forces", 0.55),
    "parties": ("Trust in political parties", -1.15),
}
HH_CRIMES = {"burglary": "Burglary of the home", "vehicle_theft": "Theft of or from a vehicle"}
PERSON_CRIMES = {"robbery": "Robbery (theft with force or threat)", "assault": "Assault or threat"}

N_BLOCKS_SAMPLE = 12
N_HH_SAMPLE = 12


def _logit_inv(x):
    return 1.0 / (1.0 + np.exp(-x))


def build_population(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households and adults of the finite population (frames with fixed characteristics)."""
    strata = pd.DataFrame(
        [(r, a, u) for r in REGIONS for a in AREAS for u in URBAN],
        columns=["region", "area", "urban"],
    )
    strata["h"] = np.arange(1, len(strata) + 1)
    strata["n_blocks"] = np.where(strata["urban"] == 1, 160, 90)
    blocks = strata.loc[strata.index.repeat(strata["n_blocks"])].reset_index(drop=True)
    blocks["block"] = np.arange(1, len(blocks) + 1)
    lo = np.where(blocks["urban"] == 1, 30, 20)
    hi = np.where(blocks["urban"] == 1, 61, 41)
    blocks["n_hh"] = rng.integers(lo, hi)
    # block-level crime climate: shared by its households (induces intra-cluster correlation)
    blocks["block_effect"] = rng.normal(0.0, 0.35, len(blocks))
    hh = blocks.loc[blocks.index.repeat(blocks["n_hh"])].reset_index(drop=True)
    hh["hh_id"] = np.arange(1, len(hh) + 1)
    hh["adults"] = rng.choice([1, 2, 3, 4], size=len(hh), p=[0.22, 0.5, 0.18, 0.10])
    hh["hh_size"] = hh["adults"] + rng.poisson(np.where(hh["urban"] == 1, 0.9, 1.4))
    hh["vehicle"] = rng.random(len(hh)) < np.where(hh["urban"] == 1, 0.45, 0.6)
    people = hh.loc[hh.index.repeat(hh["adults"]), ["hh_id"]].reset_index(drop=True)
    people["person_no"] = people.groupby("hh_id").cumcount() + 1
    people["sex"] = rng.choice([1, 2], size=len(people), p=[0.48, 0.52])
    people["age_group"] = rng.choice([1, 2, 3, 4], size=len(people), p=[0.27, 0.3, 0.24, 0.19])
    people["fear_trait"] = rng.normal(0.0, 1.0, len(people))
    people["trust_trait"] = rng.normal(0.0, 1.0, len(people))
    return hh, people


def _victim(rng, logit, n_rate):
    """Victim indicator (1/2), incident count, reported (1/2/8/9 or sysmis)."""
    p = _logit_inv(logit)
    victim = rng.random(len(p)) < p
    count = np.where(victim, 1 + rng.poisson(n_rate, len(p)), 0)
    rep = rng.choice([1, 2, 8, 9], size=len(p), p=[0.36, 0.6, 0.025, 0.015]).astype(float)
    reported = np.where(victim, rep, np.nan)
    return np.where(victim, 1, 2), count, reported


def _ordinal(rng, latent, cuts):
    """Ordinal categories 1..len(cuts)+1 from a latent variable and logistic noise."""
    z = latent + rng.logistic(0.0, 1.0, len(latent))
    return 1 + (z[:, None] > np.asarray(cuts)[None, :]).sum(axis=1)


def _dk_na(rng, values, p_dk, p_na):
    u = rng.random(len(values))
    out = values.astype(float)
    out[u < p_dk] = 8
    out[(u >= p_dk) & (u < p_dk + p_na)] = 9
    return out


def draw_outcomes(rng, hh: pd.DataFrame, people: pd.DataFrame, wave: int):
    """Population outcomes of one wave for all households and adults."""
    follow = wave == 2
    treat = (hh["area"] == 1).to_numpy()
    # programme effect on the logit scale (negative = less crime) in treatment areas,
    # slight adverse drift in comparison areas
    shift = np.where(treat, -0.45, 0.08) if follow else np.zeros(len(hh))
    region_eff = hh["region"].map({1: 0.25, 2: 0.0, 3: -0.3, 4: 0.1}).to_numpy()
    urban_eff = np.where(hh["urban"] == 1, 0.35, -0.25)
    base = region_eff + urban_eff + hh["block_effect"].to_numpy()
    out_hh = pd.DataFrame({"hh_id": hh["hh_id"]})
    v, n, r = _victim(rng, -2.3 + base + shift, 0.5)
    out_hh["burglary"], out_hh["burglary_n"], out_hh["burglary_reported"] = v, n, r
    veh = hh["vehicle"].to_numpy()
    v, n, r = _victim(rng, np.where(veh, -2.0 + base + 0.6 * shift, -np.inf), 0.3)
    out_hh["vehicle_theft"], out_hh["vehicle_theft_n"] = v, n
    out_hh["vehicle_theft_reported"] = r

    p = people.merge(hh[["hh_id", "region", "area", "urban", "block_effect"]], on="hh_id")
    p = p.merge(out_hh[["hh_id", "burglary"]], on="hh_id")
    p_treat = (p["area"] == 1).to_numpy()
    p_shift = np.where(p_treat, -0.5, 0.08) if follow else np.zeros(len(p))
    young = (p["age_group"] == 1).to_numpy()
    male = (p["sex"] == 1).to_numpy()
    pbase = (
        p["region"].map({1: 0.25, 2: 0.0, 3: -0.3, 4: 0.1}).to_numpy()
        + np.where(p["urban"] == 1, 0.45, -0.35)
        + p["block_effect"].to_numpy()
        + 0.5 * young
    )
    out_p = pd.DataFrame({"hh_id": p["hh_id"], "person_no": p["person_no"]})
    v, n, r = _victim(rng, -2.6 + pbase + 0.2 * male + p_shift, 0.4)
    out_p["robbery"], out_p["robbery_n"], out_p["robbery_reported"] = v, n, r
    v, n, r = _victim(rng, -2.9 + pbase + 0.4 * male + 0.6 * p_shift, 0.6)
    out_p["assault"], out_p["assault_n"], out_p["assault_reported"] = v, n, r

    victimised = (out_p["robbery"] == 1) | (out_p["assault"] == 1) | (p["burglary"] == 1)
    fear_latent = (
        0.9 * p["fear_trait"].to_numpy()
        + 0.7 * (p["sex"] == 2).to_numpy()
        + 0.25 * (p["age_group"] == 4).to_numpy()
        + np.where(p["urban"] == 1, 0.4, -0.3)
        + 0.8 * victimised.to_numpy()
        + (np.where(p_treat, -0.45, 0.05) if follow else 0.0)
    )
    fear = _ordinal(rng, fear_latent, [-1.6, 0.4, 2.2])
    # never walks alone after dark: mostly the most fearful and the oldest
    never = rng.random(len(p)) < _logit_inv(-3.4 + 0.8 * fear_latent + 0.9 * (p["age_group"] == 4))
    fear = np.where(never, 5, fear)
    out_p["fear_dark"] = _dk_na(rng, fear, 0.012, 0.006)

    trust_latent = 0.8 * p["trust_trait"].to_numpy() - 0.3 * victimised.to_numpy()
    for key, (_, level) in INSTITUTIONS.items():
        gain = 0.0
        if key == "police" and follow:
            gain = np.where(p_treat, 0.5, -0.05)
        # latent is "distrust": higher -> towards 4 = no trust
        lat = -(trust_latent + level + gain)
        cat = _ordinal(rng, lat, [-1.7, 0.0, 1.6])
        out_p[f"trust_{key}"] = _dk_na(rng, cat, 0.03, 0.01)
    inter = np.where(rng.random(len(p)) < _logit_inv(-1.5 + 0.5 * p["trust_trait"]), 1, 2)
    out_p["interpersonal_trust"] = _dk_na(rng, inter, 0.02, 0.01)
    return out_hh, out_p


def _share(values, num_codes, den_codes):
    v = np.asarray(values, dtype=float)
    den = np.isin(v, den_codes)
    return float(np.isin(v, num_codes).sum() / den.sum())


#: indicator -> (unit, variable, numerator codes, denominator codes, definition)
def indicator_definitions() -> dict[str, dict]:
    defs = {}
    for crime, label in HH_CRIMES.items():
        defs[f"prev_{crime}"] = dict(
            unit="household",
            variable=crime,
            kind="share",
            num=[1],
            den=[1, 2],
            definition=f"share of households victim of {label.lower()} in the last 12 months",
        )
        defs[f"reported_{crime}"] = dict(
            unit="household",
            variable=f"{crime}_reported",
            kind="share",
            num=[1],
            den=[1, 2],
            definition="share of victim households whose last incident was reported to "
            "the police (don't know / no answer excluded)",
        )
    for crime, label in PERSON_CRIMES.items():
        defs[f"prev_{crime}"] = dict(
            unit="person",
            variable=crime,
            kind="share",
            num=[1],
            den=[1, 2],
            definition=f"share of adults victim of {label.lower()} in the last 12 months",
        )
        defs[f"incidence_{crime}"] = dict(
            unit="person",
            variable=f"{crime}_n",
            kind="mean",
            definition=f"incidents of {label.lower()} per adult in the last 12 months",
        )
        defs[f"reported_{crime}"] = dict(
            unit="person",
            variable=f"{crime}_reported",
            kind="share",
            num=[1],
            den=[1, 2],
            definition="share of adult victims who reported the last incident to the police "
            "(don't know / no answer excluded)",
        )
    defs["fear_unsafe"] = dict(
        unit="person",
        variable="fear_dark",
        kind="share",
        num=[3, 4],
        den=[1, 2, 3, 4],
        definition="share of adults feeling unsafe or very unsafe walking alone in their "
        "area after dark, among those who walk alone after dark",
    )
    defs["feel_safe"] = dict(
        unit="person",
        variable="fear_dark",
        kind="share",
        num=[1, 2],
        den=[1, 2, 3, 4, 5],
        definition="share of adults feeling safe or very safe walking alone in their area "
        "after dark (SDG 16.1.4 style; never walks alone counts as not safe)",
    )
    for key, (label, _) in INSTITUTIONS.items():
        defs[f"trust_{key}"] = dict(
            unit="person",
            variable=f"trust_{key}",
            kind="share",
            num=[1, 2],
            den=[1, 2, 3, 4],
            definition=f"{label}: share answering 'a lot' or 'some' (don't know / no "
            "answer excluded)",
        )
    defs["interpersonal_trust"] = dict(
        unit="person",
        variable="interpersonal_trust",
        kind="share",
        num=[1],
        den=[1, 2],
        definition="share saying most people can be trusted (don't know / no answer excluded)",
    )
    return defs


def population_truth(hh, people, outcomes) -> dict:
    """True population value of every indicator per wave and domain."""
    defs = indicator_definitions()
    truth: dict = {}
    for wave, (o_hh, o_p) in outcomes.items():
        H = hh[["hh_id", "region", "area"]].merge(o_hh, on="hh_id")
        P = people[["hh_id", "person_no"]].merge(hh[["hh_id", "region", "area"]], on="hh_id")
        P = P.merge(o_p, on=["hh_id", "person_no"])
        domains = {"all": (slice(None), slice(None))}
        for a, lab in AREAS.items():
            domains[f"area={lab}"] = ((H["area"] == a).to_numpy(), (P["area"] == a).to_numpy())
        for r, lab in REGIONS.items():
            domains[f"region={lab}"] = (
                (H["region"] == r).to_numpy(),
                (P["region"] == r).to_numpy(),
            )
        wt = {}
        for dom, (mh, mp) in domains.items():
            vals = {}
            for name, d in defs.items():
                frame = H[mh] if d["unit"] == "household" else P[mp]
                x = frame[d["variable"]]
                if d["kind"] == "share":
                    vals[name] = _share(x, d["num"], d["den"])
                else:
                    vals[name] = float(x.mean())
            wt[dom] = vals
        truth[WAVES[wave].lower().replace("-", "_")] = wt
    change = {}
    for dom in truth["baseline"]:
        change[dom] = {
            k: truth["follow_up"][dom][k] - truth["baseline"][dom][k]
            for k in truth["baseline"][dom]
        }
    did = {
        k: change["area=Treatment"][k] - change["area=Comparison"][k]
        for k in truth["baseline"]["all"]
    }
    return {
        "description": "Population (true) values of the demo indicators; see make_demo.py",
        "seed": SEED,
        "population": {
            "households": len(hh),
            "adults": len(people),
            "households_by_region": {
                REGIONS[int(r)]: int(n) for r, n in hh.groupby("region").size().items()
            },
        },
        "definitions": {k: {kk: vv for kk, vv in d.items()} for k, d in defs.items()},
        "values": truth,
        "change": change,
        "did": did,
    }


def draw_sample(rng, hh, people, outcomes_wave, wave: int) -> pd.DataFrame:
    """Stratified two-stage sample (blocks, households) and one adult per household."""
    blocks = hh.drop_duplicates("block")[["h", "block", "n_blocks", "n_hh"]]
    # SRSWOR of blocks within stratum: random keys, keep the 12 smallest per stratum
    key = rng.random(len(blocks))
    order = blocks.assign(_k=key).sort_values(["h", "_k"])
    chosen = order.groupby("h").head(N_BLOCKS_SAMPLE)["block"].to_numpy()
    cand = hh[hh["block"].isin(chosen)].assign(_k=rng.random(int(hh["block"].isin(chosen).sum())))
    smp = cand.sort_values(["block", "_k"]).groupby("block").head(N_HH_SAMPLE).copy()
    smp["hh_weight"] = (smp["n_blocks"] / N_BLOCKS_SAMPLE) * (smp["n_hh"] / N_HH_SAMPLE)
    # one adult per household
    smp["person_no"] = 1 + np.floor(rng.random(len(smp)) * smp["adults"]).astype(int)
    smp["weight"] = smp["hh_weight"] * smp["adults"]
    o_hh, o_p = outcomes_wave
    smp = smp.merge(o_hh, on="hh_id").merge(o_p, on=["hh_id", "person_no"])
    smp = smp.merge(people.drop(columns=["fear_trait", "trust_trait"]), on=["hh_id", "person_no"])
    smp["wave"] = wave
    smp["stratum"] = wave * 100 + smp["h"]
    smp["psu"] = wave * 10000 + smp["block"]
    smp = smp.sort_values(["stratum", "psu", "hh_id"]).reset_index(drop=True)
    smp["resp_id"] = wave * 100000 + np.arange(1, len(smp) + 1)
    return smp


def _labels():
    var_labels = {
        "resp_id": "Respondent id",
        "wave": "Survey wave",
        "region": "Region",
        "area": "Programme area",
        "urban": "Urban/rural",
        "stratum": "Design stratum (wave x region x area x urban/rural)",
        "psu": "Primary sampling unit (block)",
        "hh_id": "Household id (population frame)",
        "n_blocks": "Blocks in the stratum (first-stage population size)",
        "n_hh": "Households in the block (second-stage population size)",
        "hh_weight": "Household design weight",
        "weight": "Respondent (adult) design weight",
        "hh_size": "Household size",
        "adults": "Adults (18+) in the household",
        "sex": "Sex of respondent",
        "age_group": "Age group of respondent",
        "fear_dark": "How safe do you feel walking alone in your area after dark?",
        "interpersonal_trust": "Generally speaking, can most people be trusted?",
    }
    for crime, label in {**HH_CRIMES, **PERSON_CRIMES}.items():
        who = "was the household" if crime in HH_CRIMES else "were you"
        var_labels[crime] = f"{label}: {who} a victim in the last 12 months?"
        var_labels[f"{crime}_n"] = f"{label}: number of incidents in the last 12 months"
        var_labels[f"{crime}_reported"] = f"{label}: was the last incident reported to the police?"
    for key, (label, _) in INSTITUTIONS.items():
        var_labels[f"trust_{key}"] = label
    value_labels = {
        "wave": WAVES,
        "region": REGIONS,
        "area": AREAS,
        "urban": URBAN,
        "sex": SEX,
        "age_group": AGE,
        "fear_dark": FEAR,
        "interpersonal_trust": INTERPERSONAL,
    }
    missing = {"fear_dark": [8, 9], "interpersonal_trust": [8, 9]}
    for crime in {**HH_CRIMES, **PERSON_CRIMES}:
        value_labels[crime] = {1: "Yes", 2: "No"}
        value_labels[f"{crime}_reported"] = YES_NO
        missing[f"{crime}_reported"] = [8, 9]
    for key in INSTITUTIONS:
        value_labels[f"trust_{key}"] = TRUST
        missing[f"trust_{key}"] = [8, 9]
    return var_labels, value_labels, missing


COLUMNS = [
    "resp_id",
    "wave",
    "region",
    "area",
    "urban",
    "stratum",
    "psu",
    "hh_id",
    "n_blocks",
    "n_hh",
    "hh_weight",
    "weight",
    "hh_size",
    "adults",
    "sex",
    "age_group",
    *[c for crime in HH_CRIMES for c in (crime, f"{crime}_n", f"{crime}_reported")],
    *[c for crime in PERSON_CRIMES for c in (crime, f"{crime}_n", f"{crime}_reported")],
    "fear_dark",
    *[f"trust_{k}" for k in INSTITUTIONS],
    "interpersonal_trust",
]


def make_demo(outdir: Path = HERE, seed: int = SEED) -> dict[str, Path]:
    """Build the population, the truth, the two samples, and write the three files."""
    import pyreadstat

    rng = np.random.default_rng(seed)
    hh, people = build_population(rng)
    outcomes = {w: draw_outcomes(rng, hh, people, w) for w in WAVES}
    truth = population_truth(hh, people, outcomes)
    sample = pd.concat(
        [draw_sample(rng, hh, people, outcomes[w], w) for w in WAVES], ignore_index=True
    )
    sample = sample[COLUMNS]
    int_cols = [c for c in COLUMNS if c not in ("hh_weight", "weight")]
    for c in int_cols:
        sample[c] = sample[c].astype("float64")  # SPSS numerics; sysmis stays NaN
    var_labels, value_labels, missing = _labels()
    outdir = Path(outdir)
    paths = {
        "sav": outdir / "demo_survey.sav",
        "truth": outdir / "demo_truth.json",
        "margins": outdir / "demo_margins.csv",
    }
    pyreadstat.write_sav(
        sample,
        str(paths["sav"]),
        file_label="Synthetic citizen-security survey (demo; see survey/datasets/make_demo.py)",
        column_labels=[var_labels[c] for c in COLUMNS],
        variable_value_labels={
            k: {float(c): v for c, v in d.items()} for k, d in value_labels.items()
        },
        missing_ranges={k: [float(c) for c in v] for k, v in missing.items()},
        variable_measure={
            **{c: "nominal" for c in COLUMNS},
            **{
                c: "scale" for c in ("hh_weight", "weight", "hh_size", "adults", "n_blocks", "n_hh")
            },
            **{f"{c}_n": "scale" for c in {**HH_CRIMES, **PERSON_CRIMES}},
            "fear_dark": "ordinal",
            "age_group": "ordinal",
            **{f"trust_{k}": "ordinal" for k in INSTITUTIONS},
        },
    )
    with open(paths["truth"], "w", encoding="utf-8") as fh:
        json.dump(truth, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    P = people.merge(hh[["hh_id", "region"]], on="hh_id")
    margins = P.groupby(["region", "sex", "age_group"]).size().rename("adults").reset_index()
    margins.to_csv(paths["margins"], index=False)
    return paths


if __name__ == "__main__":  # pragma: no cover
    for kind, path in make_demo().items():
        print(f"{kind}: {path} ({path.stat().st_size / 1024:.0f} KiB)")


# -- the demo collected with the standard form (bribery, SDG 16.5.1 and 16.3.1) ----------
#: Seed offset of the streams drawn only for the form-coded demo (bribery, reports to other
#: authorities): they never touch the stream of :func:`make_demo`, whose files do not change.
FORM_SEED_OFFSET = 17
#: ``inc_crime_type`` codes (``questionnaires/incident.yaml``) of the demo's crimes, in the
#: order of the form's screeners (the order of the incident repeat instances).
FORM_CRIMES = {
    "vehicle_theft": ("vic_hh_vehicle_theft", 1),
    "burglary": ("vic_hh_burglary", 3),
    "robbery": ("vic_person_robbery", 5),
    "assault": ("vic_person_assault", 7),
}
#: Officials of ``bribe_contact_12m`` (``questionnaires/bribery.yaml``): 1 police .. 9 other.
OFFICIALS = tuple(range(1, 10))


def draw_bribery(rng, people: pd.DataFrame, hh: pd.DataFrame) -> pd.DataFrame:
    """Bribery outcomes of every adult (SDG 16.5.1), on the standard items' codes.

    Contact with public officials in the last 12 months (about 55% urban, 45% rural; 1-3
    types), an official asked for a bribe (more often in the Norte and Costa regions, and
    when the police was contacted), the respondent paid (60% when asked, 3% unasked); 2% of
    the contacts answer don't know (98) to the request question. ``bribe_contact_12m`` is
    the space-separated list ODK writes (``"0"`` = no contact); asked/paid are blank (NaN)
    without contact, as the form's skip logic leaves them.
    """
    p = people[["hh_id", "person_no"]].merge(hh[["hh_id", "region", "urban"]], on="hh_id")
    n = len(p)
    contact = rng.random(n) < np.where(p["urban"] == 1, 0.55, 0.45)
    n_types = rng.choice([1, 2, 3], size=n, p=[0.6, 0.3, 0.1])
    order = np.argsort(rng.random((n, len(OFFICIALS))), axis=1)
    types = [
        " ".join(str(OFFICIALS[j]) for j in sorted(order[i, : n_types[i]])) if contact[i] else "0"
        for i in range(n)
    ]
    police = np.array(["1" in t.split() for t in types])
    logit = -2.2 + p["region"].map({1: 0.5, 2: 0.0, 3: -0.4, 4: 0.3}).to_numpy() + 0.6 * police
    asked = (rng.random(n) < _logit_inv(logit)).astype(float)
    paid = (rng.random(n) < np.where(asked == 1, 0.6, 0.03)).astype(float)
    asked[rng.random(n) < 0.02] = 98.0
    asked[~contact] = np.nan
    paid[~contact] = np.nan
    return pd.DataFrame(
        {
            "hh_id": p["hh_id"],
            "person_no": p["person_no"],
            "bribe_contact_12m": types,
            "bribe_any_contact_12m": contact.astype(float),
            "bribe_asked_12m": asked,
            "bribe_paid_12m": paid,
        }
    )


def _yes_no_form(values) -> np.ndarray:
    """Demo 1 yes / 2 no / 8 / 9 -> the form's 1 / 0 / 98 / 99 (NaN stays blank)."""
    v = np.asarray(values, dtype=float)
    return np.select([v == 1, v == 2, v == 8, v == 9], [1.0, 0.0, 98.0, 99.0], np.nan)


def _incidents(frame: pd.DataFrame, rng, p_other: float) -> pd.DataFrame:
    """One incident row per crime of the last 12 months (the incident repeat), with the
    form's coding; ``inc_reported_other`` is "1" (prosecutor's office) for a share
    ``p_other`` of the incidents not reported to the police, else "5" (no other)."""
    parts = []
    for crime, (_, code) in FORM_CRIMES.items():
        victim = frame[crime].to_numpy() == 1
        rows = frame.loc[victim, ["row_id"]].copy()
        rows["inc_crime_type"] = float(code)
        rows["inc_times_12m"] = frame.loc[victim, f"{crime}_n"].to_numpy(dtype=float)
        police = _yes_no_form(frame.loc[victim, f"{crime}_reported"])
        rows["inc_reported_police"] = police
        other = np.where((police == 0) & (rng.random(len(rows)) < p_other), "1", "5")
        rows["inc_reported_other"] = other
        known = np.isin(police, [0.0, 1.0]) | (other == "1")
        rows["inc_reported_authority"] = np.where(
            (police == 1) | (other == "1"), 1.0, np.where(known, 0.0, np.nan)
        )
        parts.append(rows)
    return pd.concat(parts, ignore_index=True).sort_values(["row_id", "inc_crime_type"])


def _ratio(num, den) -> float:
    return float(np.sum(num) / np.sum(den))


def form_demo(wave: int = 1, seed: int = SEED) -> dict:
    """The demo population and one wave's sample coded as data collected with the standard
    form (item ids of ``questionnaires/``), with bribery (SDG 16.5.1) and reports to other
    competent authorities (SDG 16.3.1), and the population truth of both indicators.

    The population, its crime outcomes and the sample are exactly those of
    :func:`make_demo` (same seed and draws); bribery and reports to the prosecutor's office
    are drawn from a separate stream (``seed + FORM_SEED_OFFSET``), so the shipped demo
    files, and ``survey demo``, are unchanged. Nothing is written.

    Returns
    -------
    dict
        ``persons``: one row per respondent (``row_id``, design columns ``stratum``,
        ``psu``, ``weight``, ``region``, ``area``; screeners ``hh_vehicle_owned_5y``,
        ``vic_hh_*_5y/_12m``, ``vic_person_*_5y/_12m``; the bribery items);
        ``incidents``: one row per incident form (``row_id`` links to ``persons``, the
        design columns, ``inc_crime_type``, ``inc_times_12m``, ``inc_reported_police``,
        ``inc_reported_other`` (space-separated, as ODK writes select_multiple),
        ``inc_reported_authority``); ``truth``: population values ``sdg_16_5_1`` (share
        asked for or paying a bribe among adults with contact and a known answer) and
        ``sdg_16_3_1`` (``{form: share}`` of incidents reported to a competent authority
        among incidents with a known status; physical = robbery and assault).
    """
    rng = np.random.default_rng(seed)
    hh, people = build_population(rng)
    outcomes = {w: draw_outcomes(rng, hh, people, w) for w in WAVES}
    samples = {w: draw_sample(rng, hh, people, outcomes[w], w) for w in WAVES}
    extra = np.random.default_rng(seed + FORM_SEED_OFFSET)
    bribery = draw_bribery(extra, people, hh)
    p_other = 0.15
    # population truth (the same rules the indicators apply to the sample)
    o_hh, o_p = outcomes[wave]
    pop = people[["hh_id", "person_no"]].merge(o_p, on=["hh_id", "person_no"])
    pop = pop.merge(o_hh, on="hh_id").merge(bribery, on=["hh_id", "person_no"])
    pop["row_id"] = np.arange(len(pop))
    asked, paid = pop["bribe_asked_12m"].to_numpy(), pop["bribe_paid_12m"].to_numpy()
    hit = (asked == 1) | (paid == 1)
    known = hit | (np.isin(asked, [0, 1]) & np.isin(paid, [0, 1]))
    truth_inc = _incidents(pop, np.random.default_rng(seed + FORM_SEED_OFFSET + 1), p_other)
    forms = {"physical": (5, 7)}
    t31 = {}
    for form, codes in forms.items():
        m = truth_inc["inc_crime_type"].isin(codes).to_numpy()
        a = truth_inc.loc[m, "inc_reported_authority"].to_numpy()
        t31[form] = _ratio(a == 1, np.isin(a, [0, 1]))
    truth = {"sdg_16_5_1": _ratio(hit & known, known), "sdg_16_3_1": t31}
    # the sample, coded as the form records it
    smp = samples[wave].merge(bribery, on=["hh_id", "person_no"], how="left")
    smp["row_id"] = smp["resp_id"]
    persons = smp[["row_id", "stratum", "psu", "weight", "hh_weight", "region", "area"]].copy()
    persons["hh_vehicle_owned_5y"] = (
        hh.set_index("hh_id").loc[smp["hh_id"], "vehicle"].to_numpy(dtype=float)
    )
    for crime, (stem, _) in FORM_CRIMES.items():
        v = smp[crime].to_numpy(dtype=float)
        five = np.where(v == 1, 1.0, 0.0)
        if crime == "vehicle_theft":
            five = np.where(persons["hh_vehicle_owned_5y"] == 1, five, np.nan)
        persons[f"{stem}_5y"] = five
        persons[f"{stem}_12m"] = np.where(five == 1, 1.0, np.nan)
    for c in ("bribe_contact_12m", "bribe_any_contact_12m", "bribe_asked_12m", "bribe_paid_12m"):
        persons[c] = smp[c].to_numpy()
    # the sample's reports to other authorities: the population's own draw for those people
    inc = truth_inc.merge(pop[["row_id", "hh_id", "person_no"]], on="row_id", how="left").merge(
        smp[["hh_id", "person_no", "resp_id"]], on=["hh_id", "person_no"], how="inner"
    )
    inc["row_id"] = inc["resp_id"]
    inc = inc.drop(columns=["hh_id", "person_no", "resp_id"]).merge(
        persons[["row_id", "stratum", "psu", "weight", "region", "area"]], on="row_id"
    )
    return {"persons": persons, "incidents": inc.reset_index(drop=True), "truth": truth}
