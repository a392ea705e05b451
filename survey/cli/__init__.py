"""Command-line interface: a thin Typer shell over the Python API.

Each command group lives in its own module ``survey/cli/<name>.py`` exposing
``register(app)``; the modules are listed in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
import importlib.util

import typer

app = typer.Typer(
    name="survey",
    help="Design-based estimates for victimisation, fear-of-crime and trust surveys.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Design-based estimates for victimisation, fear-of-crime and trust surveys."""


#: Command modules, in the order their commands appear in ``survey --help``.
COMMAND_MODULES = (
    "demo",
    "estimate",
    "indicators",
    "compare",
    "weight",
    "questionnaire",
    "harmonize",
    "plan",
    "report",
)

for _name in COMMAND_MODULES:
    _modname = f"{__name__}.{_name}"
    if importlib.util.find_spec(_modname) is not None:
        importlib.import_module(_modname).register(app)


def main() -> None:  # console-script entry point
    app()
