"""Shared fixtures: the real-data folder and the R golden files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Path of ../shared/realdata; skips the test when the folder is absent."""
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    return REALDATA


def realdata_file(relpath: str) -> Path:
    """Path of one real-data file; skips when it is absent."""
    path = REALDATA / relpath
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


def load_golden(name: str):
    """Load tests/golden/<name>.json (written by the R scripts in tests/golden/)."""
    with open(GOLDEN / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)
