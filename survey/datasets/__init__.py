"""Bundled example data: a synthetic citizen-security survey with known population values.

The files are produced by :mod:`survey.datasets.make_demo` (documented there) and committed:

- ``demo_survey.sav``: two waves (baseline, follow-up) of a stratified two-stage sample,
  2,304 respondents per wave, with SPSS variable/value labels and user-missing codes;
- ``demo_truth.json``: the true population value of every demo indicator by wave and domain;
- ``demo_margins.csv``: population counts of adults by region x sex x age group;
- ``demo_regions.geojson``: a made-up geometry of the four demo regions (``code``, ``name``),
  for maps.
- ``city_sample.csv``, ``city_census.csv``, ``city_areas.geojson``: the synthetic city of
  40 neighbourhoods with known victimisation rates (:mod:`survey.datasets.city`), for the
  small-area section of the demo report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from survey._paths import dataset_path

__all__ = ["demo_path", "demo_truth", "demo_margins", "demo_regions_path", "demo_crosswalk_path"]


def demo_path() -> Path:
    """Path of the bundled demo SPSS file ``demo_survey.sav``."""
    return dataset_path("demo_survey.sav")


def demo_crosswalk_path() -> Path:
    """Path of the demo's crosswalk (``reports/demo_crosswalk.yaml``: the demo survey's
    variables onto the standard items), wherever the package is installed."""
    from survey._paths import data_dir

    return data_dir("reports") / "demo_crosswalk.yaml"


def demo_regions_path() -> Path:
    """Path of ``demo_regions.geojson``: a synthetic geometry (no real place) of the demo's
    four regions, with the region ``code`` (as in ``demo_survey.sav``) and its ``name``."""
    return dataset_path("demo_regions.geojson")


def demo_truth() -> dict:
    """True population values of the demo indicators.

    Returns
    -------
    dict
        ``values[wave][domain][indicator]`` with wave in ``{"baseline", "follow_up"}`` and
        domain ``"all"``, ``"area=Treatment"``, ``"area=Comparison"`` or ``"region=<name>"``;
        ``change[domain][indicator]`` (follow-up minus baseline); ``did[indicator]``
        (change in treatment minus change in comparison); ``definitions[indicator]``
        (unit, variable, numerator/denominator codes and a sentence).
    """
    with open(dataset_path("demo_truth.json"), encoding="utf-8") as fh:
        return json.load(fh)


def demo_margins() -> pd.DataFrame:
    """Population counts of adults by ``region``, ``sex`` and ``age_group`` (column ``adults``)."""
    return pd.read_csv(dataset_path("demo_margins.csv"))
