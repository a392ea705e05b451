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
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from survey.cli._coerce import quality_help  # noqa: F401  (re-exported for the commands)
from survey.plots._text import flag_word  # noqa: F401  (re-exported for the commands)

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print a clear error (no traceback) and exit (code 2: bad input or usage).

    Library messages name the Python keyword that fixes a design (``nest=True``,
    ``lonely_psu='adjust'``); when the running command has that option, the message names
    the option instead (``--nest``, ``--lonely-psu adjust``): see :func:`cli_wording`."""
    err_console.print(
        f"[bold red]error:[/] {escape(cli_wording(str(message)))}", soft_wrap=True, highlight=False
    )
    raise typer.Exit(code)


_LONELY_CHOICES = re.compile(r"\blonely_psu=((?:'\w+'(?:, | or )?)+)")


def cli_wording(message: str, params=None) -> str:
    """``message`` with the design keywords the current command takes as options spelled as
    those options: ``nest=True`` -> ``--nest``; ``lonely_psu='certainty', 'adjust' or
    'remove'`` -> ``--lonely-psu certainty, adjust or remove``. ``params``: option name ->
    flag (default: the options of the running click/typer command). Keywords of options
    the command does not have (a report spec's ``design.lonely_psu``) are left as they are.
    """
    if params is None:
        params = {}
        command = _current_command()
        for p in getattr(command, "params", ()):
            if getattr(p, "param_type_name", "") == "option" and p.opts:
                params[p.name] = max(p.opts, key=len)
    if "nest" in params:
        message = re.sub(r"\bnest=True\b", params["nest"], message)
    if "lonely_psu" in params:
        flag = params["lonely_psu"]
        message = _LONELY_CHOICES.sub(
            lambda m: f"{flag} {m.group(1).replace(chr(39), '')}", message
        )
    return message


def _current_command():
    """The click command being run, or ``None`` (typer >= 0.17 vendors its own click)."""
    import importlib

    for name in ("typer._click.globals", "click.globals"):
        try:
            ctx = importlib.import_module(name).get_current_context(silent=True)
        except (ImportError, AttributeError):
            continue
        if ctx is not None:
            return ctx.command
    return None


def with_source_columns(message: str, sources: dict) -> str:
    """``message`` with harmonised design column names (``'strata'``, ``'psu'``,
    ``'weight'``) replaced by the file's own columns they came from (``'VarStrat'``):
    ``sources`` maps role -> source column (:attr:`Harmonized.design_sources`)."""
    for role, src in sources.items():
        if src and src != role:
            message = message.replace(f"{role!r}", f"{src!r} (harmonised as {role!r})")
    return message


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
XlsxLangOption = Annotated[
    str, typer.Option(help="Language of the tables, on the terminal and in the xlsx: en, es, pt")
]
XlsxTitleOption = Annotated[str | None, typer.Option(help="Title of the xlsx tables")]
XlsxSourceOption = Annotated[
    str | None, typer.Option(help="Source line of the xlsx tables (default: the data file)")
]

LABELS_HELP = (
    "Labels file (.yaml: {variable: {code: label}, variable_labels: {variable: label}}; "
    ".csv: variable,code,label) for code-only data such as CSV; overrides the file's own"
)


def with_labels_option(ds, labels: Path | None, columns=None):
    """``ds`` with the ``--labels`` file merged into its metadata (a clear error if bad).
    ``columns``: every column of the file when ``ds`` holds only some (see ``with_labels``).
    Without ``--labels``, the ``<data>_labels.json`` that ``survey harmonize`` writes beside
    its output is used when it is there (said on screen), so harmonised territories keep
    their names."""
    if labels is None:
        path = getattr(ds, "path", None)
        side = Path(path).with_name(Path(path).stem + "_labels.json") if path else None
        if side is None or not side.is_file():
            return ds
        labels = side
        console.print(f"[dim]value labels from {escape(str(side))}[/]", highlight=False)
    import warnings

    from survey.io import LabelsError, with_labels

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            out = with_labels(ds, labels, columns=columns)
    except LabelsError as exc:
        fail(f"--labels: {exc}")
    for w in caught:
        console.print(f"[yellow]warning:[/] {escape(str(w.message))}", highlight=False)
    return out


def check_quality(quality) -> None:
    """Stop with a one-line error when ``--quality`` names no publication rule."""
    from survey.quality import resolve_rule

    try:
        resolve_rule(quality)
    except ValueError as exc:
        fail(f"--quality {quality!r}: {exc}")


def compact_table():
    """A rich table for a narrow terminal: no vertical rules or edge, one space between
    columns (the compact layouts of ``survey estimate`` and ``survey indicators``)."""
    from rich import box
    from rich.table import Table

    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)


def word_width(values, floor: int = 6, cap: int = 14) -> int:
    """The narrowest width (between ``floor`` and ``cap``) that keeps every word of
    ``values`` whole: a column of labels then wraps between words, not inside them."""
    words = [len(w) for v in values if isinstance(v, str) for w in v.split()]
    return min(max([floor, *words]), cap)


def fits_whole(renderable) -> bool:
    """Whether ``renderable`` (a wide table) fits the terminal at its natural width, no cell
    wrapped: otherwise rich would fit it by breaking words or cutting its edge, and the
    commands print their compact tables instead."""
    unbounded = console.options.update_width(10_000)  # measure() clamps to the width
    return console.measure(renderable, options=unbounded).maximum <= console.width


def label_widths(heads, columns, room: int) -> list[int] | None:
    """Widths of a compact table's label columns (``columns``: each one's cells, ``heads``
    their headers) sharing ``room`` characters: each first as wide as the longest word of
    its cells (:func:`word_width`), then, where the room allows it whole, of its header's,
    then toward its longest cell (fair shares: the shorter columns whole first). None when
    the cells' words alone do not fit: the caller then gives way on a column of numbers.
    Fixed widths, so that rich's sharing out of a too-wide table cannot cut its last column
    (the flag)."""
    widths = [word_width(cells) for cells in columns]
    left = room - sum(widths)
    if left < 0:
        return None
    heads_words = [max(w, word_width([h], 1)) for w, h in zip(widths, heads, strict=True)]
    for i in sorted(range(len(widths)), key=lambda i: heads_words[i] - widths[i]):
        if 0 < heads_words[i] - widths[i] <= left:
            left -= heads_words[i] - widths[i]
            widths[i] = heads_words[i]
    # then toward the longest cells, fair shares: a column needing less than its share gets
    # it all ("Any crime" on one line), the longer ones share the rest equally
    longest = [max([w, *map(len, cells)]) for w, cells in zip(widths, columns, strict=True)]
    short = [i for i in range(len(widths)) if longest[i] > widths[i]]
    while short and left > 0:
        share = left // len(short)
        whole = [i for i in short if longest[i] - widths[i] <= share]
        if not whole:  # every one needs more than its share: the share, the first one more
            for k, i in enumerate(short):
                widths[i] += share + (k < left % len(short))
            break
        for i in whole:
            left -= longest[i] - widths[i]
            widths[i] = longest[i]
        short = [i for i in short if i not in whole]
    return widths


def squeezed_widths(columns, room: int) -> list[int]:
    """Last resort of a compact table too narrow for its labels' words: the label columns
    give way (their words fold) down to one character, the widest first."""
    widths = [word_width(cells) for cells in columns]
    while sum(widths) > room and max(widths, default=1) > 1:
        widths[widths.index(max(widths))] -= 1
    return widths


def flag_cell(flag, reason, lang: str = "en", with_reason: bool = True) -> str:
    """The terminal's flag cell of ``survey estimate`` and ``survey indicators``: the flag's
    word (:func:`flag_word`) and, for a caution or suppressed estimate, its
    ``reliability_reason`` in ``lang`` in parentheses ("suppressed (n < 100; cases < 50)");
    ``with_reason=False`` (compact tables) the word alone, :func:`flag_reasons` then lists
    the reasons once under the tables."""
    from survey.report.tables import reason_text

    word = flag_word(flag, lang)
    why = reason_text(reason, lang) if flag in ("suppress", "caution") else None
    return f"{word} ({why})" if with_reason and why else word


def flag_reasons(frame, lang: str = "en"):
    """The line under compact tables (which show the flag alone, :func:`flag_cell`): each
    reason of the caution and suppressed rows of ``frame`` once, in ``lang``, with the
    domains it applies to ("flag reasons: cases < 50 (Centro, Sur) · n < 100 (Norte)",
    "motivos: casos < 50 (...)"), or None."""
    from rich.text import Text

    from survey.report.tables import reason_text

    flagged = frame["reliability"].isin(["suppress", "caution"]).to_numpy(bool)
    where = _domain_names(frame)
    groups: dict[str, list[str]] = {}
    for i in flagged.nonzero()[0]:
        why = reason_text(frame["reliability_reason"].iloc[i], lang)
        if why:
            names = groups.setdefault(why, [])
            if where is not None and where[i] not in names:
                names.append(where[i])
    if not groups:
        return None
    parts = []
    for why, names in groups.items():
        shown = ", ".join(names[:8]) + (f", +{len(names) - 8}" if len(names) > 8 else "")
        parts.append(f"{why} ({shown})" if names else why)
    from survey.plots._text import tr

    return Text(f"{tr('flag_reasons', lang)}: " + " · ".join(parts), style="dim")


def _domain_names(frame):
    """Each row's domain as the tables name it: its ``domain_label``, else its ``by`` codes
    (the columns before ``variable``); None without domains."""
    from survey._text import code_text

    if "domain_label" in frame.columns and frame["domain_label"].notna().all():
        return [str(v) for v in frame["domain_label"]]
    cols = list(frame.columns)
    by = (
        [c for c in cols[: cols.index("variable")] if c != "indicator"]
        if "variable" in cols
        else []
    )
    if not by:
        return None
    return [" · ".join(code_text(v) for v in row) for row in frame[by].itertuples(index=False)]


def plain_number(value, digits: int = 4) -> str:
    """``value`` for a terminal cell: thousands separators, ``digits`` significant digits and
    never scientific notation (a total of 30890.237 with 7 digits is ``30,890.24``, not the
    ``3.089e+04`` of ``:.4g``); integer digits beyond ``digits`` are all kept (``1,234,567``)
    and trailing decimal zeros dropped (``300``, not ``300.0``). NaN/None: empty."""
    import math

    if value is None:
        return ""
    v = float(value)
    if math.isnan(v):
        return ""
    if not math.isfinite(v) or v == 0:
        return "0" if v == 0 else str(v)
    from survey._text import fmt_number

    decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
    text = fmt_number(v, "en", decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _flag_and_reason(flag: str, reason: str) -> str:
    """A publication table's Reliability and Reason in one cell: "caution: CV > 20%"; the
    reason alone when it says the flag already ("baseline suppressed (cases < 50)")."""
    if not reason:
        return flag
    if flag and flag.lower() in reason.lower():
        return reason
    return f"{flag}: {reason}"


def rich_table(table):
    """A publication :class:`survey.report.tables.Table` for the terminal: the same labels,
    rounding and caution marks as the xlsx/markdown outputs (one formatter). To fit a
    terminal, the interval's two bound columns become one "lower – upper" column, a reason
    joins the flag it explains ("caution: ..."; below 110 columns left to the files, where
    the mark and colour show the flag, and "Significant" becomes a "*" on the p-value), a
    header's unit in parentheses goes under
    the table ("Difference: percentage points"), headers wrap at word boundaries and columns
    empty in every row are left out (everything stays in the files); caution rows are yellow,
    suppressed rows dim; the notes and source line go under the table."""
    import textwrap

    from rich import box
    from rich.measure import Measurement
    from rich.table import Table as RichTable

    heads = table.flat_columns()
    rows = table.display_rows()
    formats = list(table.formats)
    narrow = console.width < 110
    units = []
    # right to left, so the indices of the columns still to merge stay valid
    if 0 < table.reason_col < len(heads):
        k = table.reason_col
        if narrow:  # the flag and its reason stay in the files; mark and colour show it
            rows = [[*r[: k - 1], *r[k + 1 :]] for r in rows]
            del heads[k - 1 : k + 1], formats[k - 1 : k + 1]
        else:
            rows = [[*r[: k - 1], _flag_and_reason(r[k - 1], r[k]), *r[k + 1 :]] for r in rows]
            del heads[k], formats[k]
    if narrow and 0 < table.sig_col < len(heads):
        k, yes = table.sig_col, {"en": "yes", "es": "sí", "pt": "sim"}.get(table.lang)
        if any(r[k] == yes for r in rows):  # the legend only when some row has the mark
            units.append(f"* {heads[k].lower()}")
        rows = [[*r[: k - 1], f"{r[k - 1]} *" if r[k] == yes else r[k - 1], *r[k + 1 :]] for r in rows]  # fmt: skip
        del heads[k], formats[k]
    if 0 <= table.ci_col < len(heads) - 1:
        k = table.ci_col
        lo, hi = heads[k], heads[k + 1]
        n = 0
        while n < min(len(lo), len(hi)) and lo[n] == hi[n]:
            n += 1
        heads[k : k + 2] = [lo[:n].strip() or lo]
        rows = [
            [*r[:k], f"{r[k]} \u2013 {r[k + 1]}" if r[k] or r[k + 1] else "", *r[k + 2 :]]
            for r in rows
        ]
        formats[k : k + 2] = [formats[k]]
    for i, head in enumerate(heads):
        m = re.fullmatch(r"(.+?) \((.+)\)", head)
        if m and formats[i] is not None:
            heads[i] = m.group(1)
            units.append(f"{m.group(1)}: {m.group(2)}")
    keep = [i for i in range(len(heads)) if any(r[i] for r in rows)] if rows else []

    def header(i, wrap):  # wrapped at word boundaries (and hyphens) to the widest cell
        if not wrap:
            return [heads[i]]
        widest = max(len(r[i]) for r in rows)
        return textwrap.wrap(heads[i], max(widest, 6), break_long_words=False) or [""]

    def least(i, wrap):  # a column's narrowest width: numbers and header words never break
        widest = max(len(r[i]) for r in rows)
        word = max(len(line) for line in header(i, wrap))
        return min(max(widest, word), 10) if formats[i] is None else max(widest, word)

    def build(cols, wrap=True):
        out = RichTable(
            title=table.title or None, title_justify="left", caption_justify="left",
            box=box.SIMPLE_HEAD, pad_edge=False,
        )  # fmt: skip
        for i in cols:
            text = formats[i] is None
            head = "\n".join(header(i, wrap))
            out.add_column(  # labels wrap; numbers never do
                escape(head),
                justify="left" if text else "right",
                overflow="fold",
                no_wrap=not text,
                min_width=least(i, wrap),
            )
        styles = {"caution": "yellow", "suppress": "dim"}
        flags = table.flags or [""] * len(rows)
        for cells, flag in zip(rows, flags, strict=True):
            out.add_row(*(escape(cells[i]) for i in cols), style=styles.get(flag))
        return out

    wide = console.options.update_width(10_000)  # unclamped: what the table needs
    # headers on one line ("Follow-up", not "Follow-" over "up") when the terminal has room
    out = build(keep, wrap=False)
    if Measurement.get(console, wide, out).minimum > console.width:
        out = build(keep)
    ci = table.ci_col if 0 <= table.ci_col < len(heads) else -1
    if ci in keep and Measurement.get(console, wide, out).minimum > console.width:
        keep.remove(ci)  # too wide for this terminal: the interval stays in the files
        units.append(f"{heads[ci]}: see --out")
        out = build(keep)
    foot = [*units, *table.notes, *([table.source] if getattr(table, "source", "") else [])]
    if foot:
        out.caption = escape("\n".join(foot))
    return out


# -- data backends (--engine) ---------------------------------------------------------------
#: ``--engine auto``: Parquet/CSV files at least this large go to DuckDB (not loaded).
ENGINE_AUTO_BYTES = 256 * 1024**2

BACKEND_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz")

ENGINES = ("auto", "memory", "duckdb", "spark")


def engine_help(what: str = "the aggregation") -> str:
    return (
        f"memory|duckdb|spark|auto: where {what} runs (auto: DuckDB for Parquet/CSV files of "
        "256 MB or more, which are then never loaded into memory)"
    )


def choose_engine(path: Path, engine: str) -> str:
    """``memory``, ``duckdb`` or ``spark``; ``auto``: DuckDB for Parquet/CSV files (or
    directories/globs of Parquet) of at least :data:`ENGINE_AUTO_BYTES`, memory otherwise.
    An unknown engine fails with the choices."""
    if engine not in ENGINES:
        fail(f"--engine {engine!r}: use memory, duckdb, spark or auto")
    if engine != "auto":
        return engine
    text = str(path)
    if "*" in text or path.is_dir():
        return "duckdb"
    if not text.lower().endswith(BACKEND_SUFFIXES):
        return "memory"
    try:
        return "duckdb" if path.stat().st_size >= ENGINE_AUTO_BYTES else "memory"
    except OSError:
        return "memory"


def require_table_file(path: Path, engine: str) -> None:
    """A backend reads Parquet or CSV where it is; other formats (SPSS, Stata, SAS: value
    labels and user-missing codes are read in memory) are refused with the way forward."""
    text = str(path).lower()
    if "*" in text or Path(path).is_dir() or text.endswith(BACKEND_SUFFIXES):
        return
    fail(
        f"--engine {engine} reads Parquet or CSV files where they are; {Path(path).name} is "
        "read into memory (value labels, user-missing codes: not pushed down yet): write it "
        "to Parquet first (survey harmonize DATA --crosswalk NAME --out file.parquet, or "
        "pandas), or use --engine memory"
    )


class backend_progress:  # noqa: N801 - used as a context manager
    """A status line with elapsed time (and DuckDB's progress) while backend queries run:
    installs :class:`survey.backends.executors.Ticker` as the executors' progress hook;
    ``watch(design)`` follows the design's DuckDB connection once it exists."""

    def __enter__(self):
        from survey.backends.executors import Executor, Ticker

        self._executor = Executor
        Executor.progress = Ticker(console)
        return self

    def watch(self, design) -> None:
        from survey.backends.executors import Ticker

        if hasattr(design.source, "con"):
            self._executor.progress = Ticker(console, design.source.con)

    def __exit__(self, *exc):
        self._executor.progress = None
        return False
