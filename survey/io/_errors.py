"""Clear errors for unreadable survey files."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ReadError", "decode_hint"]


class ReadError(ValueError):
    """A survey file could not be read (or written); the message names the file.

    Attributes
    ----------
    path : pathlib.Path
        The file concerned.
    problem : str
        What is wrong, without the path.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def decode_hint(encoding: str | None) -> str:
    """The sentence that tells the user how to pass another encoding."""
    used = f"encoding {encoding!r}" if encoding else "the encoding declared in the file (or UTF-8)"
    return (
        f"text could not be decoded with {used}; pass the file's encoding explicitly, "
        "e.g. read(path, encoding='latin1') or encoding='cp1252' for Windows exports"
    )
