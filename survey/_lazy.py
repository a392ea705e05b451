"""``LazyModule``: a module imported on first attribute access (for light imports)."""

from __future__ import annotations


class LazyModule:
    """A module imported on first attribute access: ``pd = LazyModule("pandas")`` at the top
    of a module keeps ``pd.DataFrame`` etc. working in its functions while importing the
    module itself loads nothing heavy (a CLI command's ``--help``; ``survey.io`` without
    pyreadstat until an SPSS/Stata/SAS file is read). An attribute set on the proxy
    (``monkeypatch.setattr``) shadows the module's for the code that uses the proxy."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
