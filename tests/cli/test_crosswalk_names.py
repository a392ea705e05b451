"""A misspelt crosswalk name is answered with the closest shipped names, as misspelt columns
are, and the message is plain text (no quotes around it from a KeyError)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from survey.cli import app
from survey.datasets import demo_path
from survey.instruments.harmonize import load_crosswalk


def test_api_error_suggests_the_closest_crosswalk():
    with pytest.raises(
        KeyError, match=r"unknown crosswalk 'enusc2019' \(did you mean 'enusc_2019'"
    ):
        load_crosswalk("enusc2019")


def test_cli_error_names_the_closest_crosswalk_without_quotes():
    res = CliRunner().invoke(
        app, ["indicators", str(demo_path()), "--crosswalk", "enusc2019"], env={"COLUMNS": "200"}
    )
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "unknown crosswalk 'enusc2019' (did you mean 'enusc_2019'" in text, text
    assert ': "unknown' not in text
