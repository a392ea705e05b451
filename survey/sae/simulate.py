"""The synthetic city of the small-area demo and simulations (moved to
:mod:`survey.datasets.city`; kept here so ``survey.sae.simulate`` imports keep working)."""

from survey.datasets.city import City, draw_sample, make_city

__all__ = ["City", "draw_sample", "make_city"]
