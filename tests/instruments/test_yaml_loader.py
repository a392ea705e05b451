"""The questionnaire library is parsed with libyaml's C loader when PyYAML has it; every
module, crosswalk and project file parses to the same document as with the pure-Python
safe loader (so the speed-up changes nothing that is read)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from survey.instruments import _validation
from survey.instruments.library import library_dir


def _files() -> list[Path]:
    root = Path(library_dir())
    return sorted([*root.glob("*.yaml"), *root.glob("*/*.yaml")])


def test_the_c_loader_is_used_when_available():
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    assert _validation.SafeLoader is yaml.CSafeLoader


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_same_document_as_the_python_loader(path):
    text = path.read_text(encoding="utf-8")
    assert _validation.read_yaml(path) == yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506


def test_a_yaml_error_still_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nitems: [unclosed\n")
    with pytest.raises(_validation.InstrumentError, match=r"bad\.yaml: not valid YAML"):
        _validation.read_yaml(bad)
