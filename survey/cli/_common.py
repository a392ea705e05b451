"""Options and helpers shared by CLI commands (defined once)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print a clear error (no traceback) and exit."""
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def check_output_path(path: Path, overwrite: bool = False) -> Path:
    """Refuse to overwrite an existing file unless asked (nothing is overwritten silently)."""
    if path.exists() and not overwrite:
        fail(f"{path} exists; pass --overwrite to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
