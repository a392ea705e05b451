"""Small option parsers and constants of the CLI that need nothing heavy.

Command modules define their Typer options at import, so whatever an option's help or
default needs is computed then: ``survey estimate --help`` must not import pandas for it.
What lives here uses the standard library only; ``tests/cli/test_cli_lazy.py`` checks the
constants against the modules they mirror (``survey.quality.RULES``).
"""

from __future__ import annotations

#: The names of :data:`survey.quality.RULES`, in its order, and its default rule (for the
#: ``--quality`` help, which is built when a command module is imported).
QUALITY_RULES = ("cepal2020", "cepal2020_symmetric", "cepal2023", "ine_chile2020", "nchs")
DEFAULT_QUALITY_RULE = "cepal2020"


def quality_help() -> str:
    """The ``--quality`` help: every rule of :data:`survey.quality.RULES` (one list for the
    CLI, the API and the README, which ``tests/test_readme_cli.py`` checks against it)."""
    names = [f"{n} (default)" if n == DEFAULT_QUALITY_RULE else n for n in QUALITY_RULES]
    return f"Reliability rule: {', '.join(names)}"


def parse_codes(text: str | None) -> list[float] | None:
    """``--missing-codes "88, 96,99"`` -> ``[88.0, 96.0, 99.0]`` (``None`` when not given);
    ``ValueError`` for anything that is not numbers separated by commas."""
    if not text:
        return None
    return [float(c) for c in text.replace(" ", "").split(",") if c]
