"""A non-editable install ships the data folders (questionnaires/, weights/, reports/) and
the bundled demo data, and the package finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"could not build a wheel here: {proc.stderr[-300:]}")
    return next(out.glob("*.whl"))


def test_wheel_holds_every_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("questionnaires", "weights", "reports"):
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file()]
        assert files, folder
        for path in files:
            assert f"survey/_data/{folder}/{path.relative_to(ROOT / folder).as_posix()}" in names
    assert "survey/datasets/demo_survey.sav" in names


def test_installed_layout_is_found(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = (
        "import survey._paths as p; "
        "print(p.data_dir('questionnaires')); print(p.dataset_path('demo_survey.sav'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    assert lines[0] == str(tmp_path / "survey" / "_data" / "questionnaires")
    assert lines[1].startswith(str(tmp_path))
