"""Options and helpers shared by CLI commands (defined once).

Output safety: every command checks *all* its output paths with :func:`check_output_path`
(or :func:`check_outputs` for several) before it reads or computes anything, so that

* an input file (data, spec, population, crosswalk, questionnaire) is never overwritten,
  whatever the flags: paths are compared after resolving symlinks and relative parts (and,
  when both exist, by device and inode, which also catches hard links);
* an existing output is replaced only with ``--overwrite``;
* an output with an extension the command cannot write is refused up front;
* two outputs of one command never share a path.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print a clear error (no traceback) and exit (code 2: bad input or usage)."""
    err_console.print(
        f"[bold red]error:[/] {escape(str(message))}", soft_wrap=True, highlight=False
    )
    raise typer.Exit(code)


def error_text(exc: BaseException) -> str:
    """The message of an exception; a ``KeyError``'s without the quotes ``str()`` adds."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name the same file (symlinks, ``..`` and hard links resolved)."""
    pa, pb = Path(a), Path(b)
    if pa.resolve() == pb.resolve():
        return True
    try:
        return pa.exists() and pb.exists() and os.path.samefile(pa, pb)
    except OSError:
        return False


def _suffix_ok(path: Path, suffixes: Iterable[str]) -> bool:
    name = path.name.lower()
    return any(name.endswith(s.lower()) for s in suffixes)


def _check(
    path: Path,
    overwrite: bool,
    inputs: Iterable,
    suffixes: Iterable[str] | None,
    what: str,
) -> None:
    for inp in inputs:
        if inp is not None and same_file(path, inp):
            fail(
                f"{what} {path} is the input file {inp}; an input is never overwritten "
                "(whatever the flags): choose another output path"
            )
    if suffixes is not None:
        suffixes = tuple(suffixes)
        if not _suffix_ok(path, suffixes):
            fail(f"{what} {path}: the extension must be one of {', '.join(suffixes)}")
    if path.is_dir():
        fail(f"{what} {path} is a folder; give a file name")
    if path.exists() and not overwrite:
        fail(f"{what} {path} exists; pass --overwrite to replace it")


def check_output_path(
    path: Path,
    overwrite: bool = False,
    inputs: Iterable = (),
    *,
    suffixes: Iterable[str] | None = None,
    what: str = "output",
) -> Path:
    """Check an output path before any work, create its folder, return it.

    Parameters
    ----------
    path : Path
        The file the command will write.
    overwrite : bool
        Replace an existing ``path`` (never an input).
    inputs : iterable of paths
        Every file the command reads (``None`` entries are skipped); ``path`` must be none of
        them, compared after resolving symlinks and relative parts.
    suffixes : iterable of str, optional
        Accepted endings (``".csv"``, ``".csv.gz"``, ...), case-insensitive.
    what : str
        How the error names the path (``"--out"``, ``"--diagnostics"``, ...).
    """
    path = Path(path)
    _check(path, overwrite, tuple(inputs), suffixes, what)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def check_outputs(
    outputs: Iterable[tuple[str, Path | None, Iterable[str] | None]],
    overwrite: bool = False,
    inputs: Iterable = (),
) -> None:
    """Check several outputs ``(label, path, suffixes)`` at once, before any work.

    Each is checked as :func:`check_output_path` does; in addition no two outputs may share a
    path. Folders are created only when every check passed.
    """
    inputs = tuple(inputs)
    seen: list[tuple[str, Path]] = []
    for label, path, suffixes in outputs:
        if path is None:
            continue
        path = Path(path)
        for other_label, other in seen:
            if same_file(path, other):
                fail(f"{label} {path} and {other_label} {other} are the same file")
        _check(path, overwrite, inputs, suffixes, label)
        seen.append((label, path))
    for _, path in seen:
        path.parent.mkdir(parents=True, exist_ok=True)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


#: ``--labels FILE``: value and variable labels for code-only data (defined once for the
#: commands that take it: estimate, indicators, compare, report).
#: Options every command writing publication xlsx tables takes (estimate, indicators, compare).
TotalRowOption = Annotated[
    bool,
    typer.Option(
        help="With --by, the xlsx tables start with the national total row (estimated "
        "on the full design, not summed)"
    ),
]
XlsxLangOption = Annotated[str, typer.Option(help="Language of the xlsx tables: en, es, pt")]
XlsxTitleOption = Annotated[str | None, typer.Option(help="Title of the xlsx tables")]
XlsxSourceOption = Annotated[
    str | None, typer.Option(help="Source line of the xlsx tables (default: the data file)")
]

LABELS_HELP = (
    "Labels file (.yaml: {variable: {code: label}, variable_labels: {variable: label}}; "
    ".csv: variable,code,label) for code-only data such as CSV; overrides the file's own"
)


def with_labels_option(ds, labels: Path | None):
    """``ds`` with the ``--labels`` file merged into its metadata (a clear error if bad)."""
    if labels is None:
        return ds
    import warnings

    from survey.io import LabelsError, with_labels

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            out = with_labels(ds, labels)
    except LabelsError as exc:
        fail(f"--labels: {exc}")
    for w in caught:
        console.print(f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False)
    return out
