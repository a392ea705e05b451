"""All-or-nothing file outputs: write to a temporary file beside the target, then move it in.

Every file the package writes for a user (``survey.write``, ``survey report``, every CLI
``--out``) goes through :func:`atomic_output`, so an interrupted or failed write (Ctrl-C, a
full disk, an exception in a writer) never leaves a truncated file at the target path, and a
later run is not refused because of a half-written output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; move it onto ``path`` when the block ends.

    The temporary file keeps the target's suffixes (``.csv.gz``, ``.xlsx``, ...), so writers
    that infer the format or compression from the name behave as with the target. When the
    block raises (including ``KeyboardInterrupt``) the temporary file is removed and the
    target is left as it was (absent, or the previous complete file). ``os.replace`` is
    atomic on one file system, which the same folder guarantees.

    Examples
    --------
    >>> with atomic_output("out.csv") as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp, index=False)
    """
    path = Path(path)
    suffix = "".join(path.suffixes[-2:]) if path.suffixes else ""
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    # mkstemp makes the file private (0600); an output gets the mode of any new file
    # (0666 less the umask), so a web server or a colleague can read a published report
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
