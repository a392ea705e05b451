"""Locate the data folders (questionnaires/, weights/, reports/) in a checkout or an install.

In a source checkout (or editable install) they sit at the repository root, beside
``survey/``; a wheel ships them inside the package as ``survey/_data/<name>``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` ("questionnaires", "weights" or "reports")."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"data folder {name!r} not found: looked in {_PKG / '_data' / name} and {_PKG.parent / name}"
    )


def dataset_path(filename: str) -> Path:
    """Path of a bundled example data set in ``survey/datasets/``."""
    path = _PKG / "datasets" / filename
    if not path.exists():
        raise FileNotFoundError(f"bundled data set {filename!r} not found in {path.parent}")
    return path
