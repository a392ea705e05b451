"""Schema validation shared by the module, crosswalk and project loaders."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema
import yaml


class InstrumentError(ValueError):
    """A questionnaire, project or crosswalk file is invalid (the message names file and field)."""


@cache
def schema(name: str) -> dict:
    """The JSON Schema ``survey/instruments/schemas/<name>.schema.json``."""
    text = resources.files("survey.instruments").joinpath("schemas").joinpath(f"{name}.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


#: libyaml's C parser when PyYAML was built with it (the questionnaire library's 20 modules:
#: ~0.1 s instead of ~1.5 s in pure Python); the same safe constructors either way.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict:
    """``yaml.safe_load`` a file (with libyaml when available), naming the file in any
    error."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=SafeLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise InstrumentError(f"{path}: expected a mapping at the top level")
    return doc


def check_schema(doc: dict, name: str, path: Path | str) -> None:
    """Validate ``doc`` against schema ``name``; the error names the file, item and field."""
    validator = jsonschema.Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors)
    loc = list(err.absolute_path)
    where = "/".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        entry = doc["items"][loc[1]]
        key = entry.get("id") or entry.get("target") if isinstance(entry, dict) else None
        field = "/".join(str(p) for p in loc[2:]) or "(entry)"
        where = f"item {key!r} (items[{loc[1]}]), field {field!r}"
    raise InstrumentError(f"{path}: {where}: {err.message}")
