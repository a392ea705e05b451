"""Progress bars for long loops (rich), shown only on a terminal and for long runs."""

from __future__ import annotations

import sys


def progress_iter(iterable, total: int, description: str, enabled=None):
    """Wrap ``iterable`` in a rich progress bar when ``enabled`` (None: only for long runs
    on a terminal)."""
    if enabled is None:
        enabled = total >= 200 and sys.stderr.isatty()
    if not enabled:
        return iterable
    from rich.progress import track

    return track(iterable, total=total, description=description, transient=True)
