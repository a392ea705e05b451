"""CSV exports with ';' separators and decimal commas (common in Latin American offices)."""

from __future__ import annotations

import numpy as np

import survey


def test_semicolon_separator_is_detected(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text('region;"name; with semicolon";w\n1;"a;b";2\n2;"c";3\n', encoding="utf-8")
    data = survey.read(path).data
    assert list(data.columns) == ["region", "name; with semicolon", "w"]
    assert data["w"].tolist() == [2, 3]


def test_decimal_comma(tmp_path):
    path = tmp_path / "dec.csv"
    path.write_text("y;w\n1,5;10,25\n2,5;20\n", encoding="utf-8")
    data = survey.read(path, decimal=",").data
    np.testing.assert_allclose(data["y"], [1.5, 2.5])
    np.testing.assert_allclose(data["w"], [10.25, 20.0])


def test_comma_files_are_unchanged(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert survey.read(path).data.to_numpy().tolist() == [[1, 2], [3, 4]]
