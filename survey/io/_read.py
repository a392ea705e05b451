"""``read()``: SPSS, Stata, SAS, CSV and parquet files with labels and user-missing codes."""

from __future__ import annotations

import codecs
import contextlib
import gzip
import json
import re
import sys
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from survey._lazy import LazyModule
from survey.io._errors import ReadError, decode_hint
from survey.io._meta import Metadata, SurveyData

__all__ = ["read", "column_names", "SUPPORTED_EXTENSIONS", "LARGE_FILE_BYTES"]

#: File name endings understood by :func:`read` and the format each one means.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".sav": "sav",
    ".zsav": "zsav",
    ".por": "por",
    ".dta": "dta",
    ".sas7bdat": "sas7bdat",
    ".xpt": "xpt",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
}
#: Files larger than this are read in chunks (with a progress bar on a terminal).
LARGE_FILE_BYTES = 200 * 1024**2
#: Rows per chunk when a large file is chunked without an explicit ``chunksize``.
DEFAULT_CHUNK_ROWS = 100_000
#: Key of the parquet schema metadata that holds the labels written by :func:`write`.
PARQUET_META_KEY = b"survey.io.meta"

#: pyreadstat (and the narwhals it loads, ~0.1 s) is imported when an SPSS/Stata/SAS file is
#: read, not for CSV or parquet.
pyreadstat = LazyModule("pyreadstat")

# format -> (reader name, accepts user_missing=, accepts encoding=)
_PYREADSTAT: dict[str, tuple[str, bool, bool]] = {
    "sav": ("read_sav", True, True),
    "zsav": ("read_sav", True, True),
    "por": ("read_por", False, False),
    "dta": ("read_dta", True, True),
    "sas7bdat": ("read_sas7bdat", True, True),
    "xpt": ("read_xport", False, True),
}


def _pyreadstat_errors() -> tuple[type[BaseException], ...]:
    return (pyreadstat.ReadstatError, pyreadstat.PyreadstatError)


def _reader(fmt: str) -> tuple[Callable, bool, bool]:
    name, has_user_missing, has_encoding = _PYREADSTAT[fmt]
    return getattr(pyreadstat, name), has_user_missing, has_encoding


def read(
    path: str | Path,
    *,
    encoding: str | None = None,
    user_missing: Literal["missing", "keep"] = "missing",
    columns: Sequence[str] | str | None = None,
    chunksize: int | None = None,
    progress: bool | None = None,
    user_missing_codes: Mapping[str, Sequence[Any]] | None = None,
    sep: str | None = None,
    decimal: str = ".",
) -> SurveyData:
    """Read a survey file with its variable labels, value labels and user-missing codes.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.sav``, ``.zsav``, ``.por`` (SPSS), ``.dta`` (Stata), ``.sas7bdat``, ``.xpt``
        (SAS), ``.csv`` / ``.csv.gz`` or ``.parquet``. The file is only read, never modified.
    encoding : str, optional
        Character encoding of the file's text (strings and labels), e.g. ``"latin1"`` or
        ``"cp1252"``. Default: the encoding the file declares (SPSS/Stata/SAS) or UTF-8
        (CSV). Not applicable to ``.por`` and ``.parquet``.
    sep, decimal : str, optional
        CSV only: the field separator (default: detected from the header among ``,``, ``;``,
        tab and ``|``, since Latin American exports often use ``;``) and the decimal mark
        (``","`` for decimal commas).
    user_missing : {"missing", "keep"}
        ``"missing"`` (default): cells holding a user-missing code (SPSS ``MISSING VALUES``
        codes and ranges, Stata/SAS extended missing ``.a``-``.z``, codes given in
        ``user_missing_codes``) become NaN, so "don't know"/"no answer" codes are never
        counted as valid answers. ``"keep"``: the codes stay in the data (Stata/SAS
        extended missing as the letters ``"a"``..``"z"``). In both modes
        ``meta.user_missing_counts`` says how many cells were user-missing and
        ``meta.missing_values`` / ``meta.missing_ranges`` which codes they were.
    columns : sequence of str, optional
        Read only these variables, in this order.
    chunksize : int, optional
        Read this many rows at a time (the result is the same as a one-shot read). Files
        larger than 200 MB are chunked with 100,000 rows per chunk when not given.
    progress : bool, optional
        Show a progress bar (rich, on stderr) while reading chunks. Default: shown when
        the file is larger than 200 MB and stderr is a terminal.
    user_missing_codes : mapping, optional
        Extra user-missing declarations ``{variable: [code, ..., (lo, hi), ...]}`` (tuples
        are ranges, ends included), added to those of the file. Useful for CSV files, which
        cannot declare them, e.g. ``{"P3_1_1": [88, 96, 99]}``.

    Returns
    -------
    SurveyData
        ``.data`` (DataFrame), ``.meta`` (:class:`Metadata`) and ``.path``;
        ``data, meta = read(path)`` also works.

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    ReadError
        Unknown extension, empty, truncated or corrupt file, undecodable text (the message
        suggests ``encoding=``), or requested columns absent; the message names the file.

    Notes
    -----
    SPSS files are read with pyreadstat's ``user_missing=True`` so that the codes are
    seen, and the declaration is then applied here, so both modes agree. SPSS
    declarations with one code (``lo == hi``) are reported as discrete codes in
    ``missing_values``, proper ranges in ``missing_ranges``. pyreadstat does not expose
    the missing-value declarations of ``.por`` and ``.xpt`` files. Numeric columns read
    as Python objects (integers with missing values) are returned as ``float64``.

    Examples
    --------
    >>> sd = read("enusc_2019_subset_usermissing.sav")  # doctest: +SKIP
    >>> sd.meta.missing_values["P3_1_1"], sd.meta.user_missing_counts["P3_1_1"]  # doctest: +SKIP
    ([88.0, 96.0, 99.0], 253)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(path, "is a directory, not a data file")
    if user_missing not in ("missing", "keep"):
        raise ValueError(f"user_missing must be 'missing' or 'keep', not {user_missing!r}")
    fmt = detect_format(path)
    size = path.stat().st_size
    if size == 0:
        raise ReadError(path, "the file is empty (0 bytes)")
    if isinstance(columns, str):
        columns = [columns]
    columns = list(columns) if columns is not None else None
    if chunksize is not None and (not isinstance(chunksize, int | np.integer) or chunksize < 1):
        raise ValueError(f"chunksize must be a positive integer, not {chunksize!r}")
    large = size > LARGE_FILE_BYTES
    if chunksize is None and large:
        chunksize = DEFAULT_CHUNK_ROWS
    show = bool(progress) if progress is not None else (large and sys.stderr.isatty())

    letter_cols: set[str] = set()
    try:
        if fmt == "csv":
            df, meta = _read_csv(path, encoding, columns, chunksize, show, sep, decimal)
        elif fmt == "parquet":
            df, meta = _read_parquet(path, encoding, columns, chunksize, show)
        else:
            df, meta, letter_cols = _read_pyreadstat(path, fmt, encoding, columns, chunksize, show)
    except PermissionError:
        raise ReadError(path, "permission denied: the file cannot be opened for reading") from None
    if columns is not None and list(df.columns) != columns:  # no copy when already so
        df = df[columns]
    if user_missing_codes:
        meta = _declare(meta, user_missing_codes, df.columns, path)
    df, meta = _apply_user_missing(df, meta, user_missing, letter_cols)
    return SurveyData(data=df, meta=meta, path=path)


def column_names(
    path: str | Path, *, encoding: str | None = None, sep: str | None = None
) -> list[str]:
    """The column names of a survey file, read from its header alone (no rows).

    SPSS/Stata/SAS files: pyreadstat's ``metadataonly``; parquet: the schema; CSV: the
    header line (separator detected as :func:`read` does). Cheap on any file size, so a
    caller can check the names it needs (with "did you mean") and then read only those
    columns (``read(path, columns=...)``).

    Raises
    ------
    FileNotFoundError
        The path does not exist.
    ReadError
        Unknown extension, or a file whose header cannot be read (the message names it).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(path, "is a directory, not a data file")
    fmt = detect_format(path)
    if path.stat().st_size == 0:
        raise ReadError(path, "the file is empty (0 bytes)")
    try:
        if fmt == "csv":
            return _csv_header(path, encoding, sep)
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                return list(pq.read_schema(path).names)
            except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
                raise ReadError(
                    path, f"not a valid parquet file, or truncated/corrupt ({exc})"
                ) from None
        func, _, has_encoding = _reader(fmt)
        kwargs: dict[str, Any] = {}
        if encoding is not None and has_encoding:
            kwargs["encoding"] = encoding
        try:
            _, head = func(str(path), metadataonly=True, **kwargs)
        except (*_pyreadstat_errors(), UnicodeError, OverflowError) as exc:
            raise _translate(path, exc, encoding) from None
        return list(head.column_names)
    except PermissionError:
        raise ReadError(path, "permission denied: the file cannot be opened for reading") from None


def _csv_header(path: Path, encoding: str | None, sep: str | None) -> list[str]:
    """The header of a CSV file as ``pandas.read_csv`` would name its columns."""
    enc, gz = _csv_encoding(path, encoding)
    sep = sep or _sniff_sep(path, gz, enc)
    with _csv_errors(path, encoding), open(path, "rb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        head = pd.read_csv(stream, nrows=0, encoding=enc, sep=sep)
    return [str(c) for c in head.columns]


def _csv_encoding(path: Path, encoding: str | None) -> tuple[str, bool]:
    """The encoding to read ``path`` with (checked; default UTF-8) and whether it is gzip."""
    enc = encoding or "utf-8"
    try:
        codecs.lookup(enc)
    except LookupError:
        raise ReadError(path, f"unknown encoding {enc!r}") from None
    return enc, path.name.lower().endswith(".gz")


@contextlib.contextmanager
def _csv_errors(path: Path, encoding: str | None):
    """pandas' and gzip's reading errors as :class:`ReadError` naming the file."""
    try:
        yield
    except UnicodeDecodeError:
        raise ReadError(path, decode_hint(encoding)) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ReadError(path, f"the gzip stream is truncated or corrupt ({exc})") from None
    except pd.errors.EmptyDataError:
        raise ReadError(path, "the file has no columns (empty CSV)") from None
    except pd.errors.ParserError as exc:
        raise ReadError(path, f"malformed CSV ({exc})") from None


def detect_format(path: str | Path) -> str:
    """Format of ``path`` from its extension (``ReadError`` listing the supported ones)."""
    path = Path(path)
    name = path.name.lower()
    for ext in sorted(SUPPORTED_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return SUPPORTED_EXTENSIONS[ext]
    ext = "".join(path.suffixes) or "(none)"
    raise ReadError(
        path,
        f"unknown file extension {ext!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}",
    )


# --------------------------------------------------------------------------- progress


@contextmanager
def _progress(show: bool, total: int | None, description: str) -> Iterator[Callable[..., None]]:
    """Yield ``step(advance=n)`` / ``step(completed=n)`` driving a rich bar (or nothing)."""
    if not show:
        yield lambda advance=None, completed=None: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)

        def step(advance: int | None = None, completed: int | None = None) -> None:
            bar.update(task, advance=advance, completed=completed)

        yield step


# --------------------------------------------------------------------------- pyreadstat


def concat_chunks(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks so that the result has the dtypes of a one-shot read.

    A chunk in which a column is entirely missing may come with ``object`` dtype
    (all-NaT dates, all-NaN strings); concatenated with typed chunks that gives an
    ``object`` column. Such columns are cast back to the one dtype their non-empty chunks
    share.
    """
    df = pd.concat(frames, ignore_index=True)
    for col in df.columns:
        if df[col].dtype != object:
            continue
        kinds = {str(f[col].dtype): f[col].dtype for f in frames if f[col].notna().any()}
        if len(kinds) != 1:
            continue
        (dtype,) = kinds.values()
        if str(dtype) != "object":
            try:
                df[col] = df[col].astype(dtype)
            except (TypeError, ValueError):
                pass
    return df


def _translate(path: Path, exc: BaseException, encoding: str | None) -> ReadError:
    msg = str(exc)
    low = msg.lower()
    if isinstance(exc, UnicodeError) or "convert string" in low or "byte sequence" in low:
        return ReadError(path, decode_hint(encoding))
    if "character set" in low or "encoding" in low:
        return ReadError(path, f"unknown or unsupported encoding {encoding!r} ({msg})")
    if "version of the file format" in low:
        return ReadError(
            path,
            f"not a valid {path.suffix} file, or an unsupported version of the format ({msg})",
        )
    corrupt = ("unable to read", "unable to seek", "invalid file", "unsupported features", "row")
    if any(k in low for k in corrupt):
        return ReadError(path, f"the file is truncated or corrupt ({msg})")
    return ReadError(path, f"could not be read: {msg}")


def _check_columns(path: Path, columns: list[str] | None, names: Sequence[str]) -> None:
    if columns is None:
        return
    absent = [c for c in columns if c not in set(names)]
    if absent:
        from survey._names import missing_columns

        shown = ", ".join(map(str, list(names)[:30])) + (" ..." if len(names) > 30 else "")
        raise ReadError(
            path,
            f"column(s) not in file: {missing_columns(absent, names)}; available: {shown}",
        )


def _read_pyreadstat(
    path: Path,
    fmt: str,
    encoding: str | None,
    columns: list[str] | None,
    chunksize: int | None,
    show: bool,
) -> tuple[pd.DataFrame, Metadata, set[str]]:
    func, has_user_missing, has_encoding = _reader(fmt)
    kwargs: dict[str, Any] = {}
    if has_user_missing:
        kwargs["user_missing"] = True
    if encoding is not None:
        if not has_encoding:
            raise ReadError(path, f".{fmt} files carry their own encoding; encoding= is not used")
        kwargs["encoding"] = encoding
    if fmt == "sas7bdat":
        catalog = path.with_suffix(".sas7bcat")
        if catalog.exists():
            kwargs["catalog_file"] = str(catalog)
    try:
        _, head = func(str(path), metadataonly=True, **kwargs)
    except (*_pyreadstat_errors(), UnicodeError, OverflowError) as exc:
        raise _translate(path, exc, encoding) from None
    _check_columns(path, columns, head.column_names)
    if columns is not None:
        kwargs["usecols"] = columns
    n_rows = head.number_rows if (head.number_rows or 0) > 0 else None

    def run(kw: dict[str, Any]) -> tuple[pd.DataFrame, Any]:
        if chunksize is None or n_rows is None:
            return func(str(path), **kw)
        frames, meta = [], None
        with _progress(show, n_rows, f"reading {path.name}") as step:
            chunks = pyreadstat.read_file_in_chunks(
                func, str(path), chunksize=int(chunksize), num_rows=n_rows, **kw
            )
            for chunk, chunk_meta in chunks:
                frames.append(chunk)
                meta = chunk_meta
                step(advance=len(chunk))
        return concat_chunks(frames), meta

    try:
        try:
            df, prs = run(kwargs)
        except OverflowError:
            warnings.warn(
                f"{path}: some dates are outside the range pandas can represent; "
                "date/time variables are returned as raw numbers",
                stacklevel=3,
            )
            df, prs = run({**kwargs, "disable_datetime_conversion": True})
        if fmt in ("dta", "sas7bdat"):
            df = _fix_system_missing(df, prs, lambda kw: run({**kwargs, **kw})[0])
    except (*_pyreadstat_errors(), UnicodeError, OverflowError) as exc:
        raise _translate(path, exc, encoding) from None
    return _from_pyreadstat(df, prs, fmt, encoding)


def _letter_mask(col: pd.Series) -> np.ndarray:
    """Cells holding a text value (an extended-missing letter in a numeric variable).

    pyreadstat returns numeric Stata/SAS variables with extended missing values as object
    columns mixing numbers and letters, or as a string column when every value is a letter.
    """
    if isinstance(col.dtype, pd.StringDtype):
        return col.notna().to_numpy()
    if col.dtype != object:
        return np.zeros(len(col), dtype=bool)
    if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "mixed", "mixed-integer"):
        return np.zeros(len(col), dtype=bool)  # numbers, dates, times: no letters
    return col.str.len().notna().to_numpy()


def _fix_system_missing(
    df: pd.DataFrame, prs: Any, reread: Callable[[dict[str, Any]], pd.DataFrame]
) -> pd.DataFrame:
    """Work around pyreadstat reading system missing as 0 with ``user_missing=True``.

    pyreadstat 1.3 returns ``0`` instead of NaN for a system-missing ``.`` in an integer
    Stata column once an extended missing value (``.a``) has occurred in it. Columns with
    letters are therefore read again with ``user_missing=False`` (correct NaN) and only the
    letters are taken from the first read.
    """
    types = dict(getattr(prs, "readstat_variable_types", {}) or {})
    cols = [
        c for c in df.columns if types.get(c, "double") != "string" and _letter_mask(df[c]).any()
    ]
    if not cols:
        return df
    plain = reread({"user_missing": False, "usecols": cols})
    df = df.copy()
    for c in cols:
        letters = _letter_mask(df[c])
        df[c] = plain[c].astype(object).where(~letters, df[c])
    return df


def _numeric_if_possible(col: pd.Series) -> pd.Series:
    """An object column holding only numbers (and NaN) as float64/int64; else unchanged."""
    if col.dtype != object:
        return col
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "decimal", "empty"):
        return pd.to_numeric(col).astype(float) if kind != "integer" else pd.to_numeric(col)
    return col


def _from_pyreadstat(
    df: pd.DataFrame, prs: Any, fmt: str, encoding: str | None
) -> tuple[pd.DataFrame, Metadata, set[str]]:
    """Metadata from pyreadstat's; numeric object columns as float; the letter columns."""
    types = dict(getattr(prs, "readstat_variable_types", {}) or {})
    missing_values: dict[str, list] = {}
    missing_ranges: dict[str, list[tuple]] = {}
    for var, ranges in (getattr(prs, "missing_ranges", {}) or {}).items():
        if var not in df.columns:
            continue
        for r in ranges:
            lo, hi = r["lo"], r["hi"]
            if lo == hi:
                missing_values.setdefault(var, []).append(lo)
            else:
                missing_ranges.setdefault(var, []).append((lo, hi))
    numeric_cols = [c for c in df.columns if types.get(c, "double") != "string"]
    letter_cols: set[str] = set()
    for var in numeric_cols:
        col = df[var]
        letters = _letter_mask(col)
        if letters.any() and fmt in ("dta", "sas7bdat"):
            letter_cols.add(var)
            # Stata .a-.z / SAS .A-.Z, ._ extended missing values, read as their letters
            found = pd.unique(col[letters].astype(str))
            known = set(missing_values.get(var, []))
            missing_values[var] = sorted(known | set(found))
        elif col.dtype == object:
            df[var] = _numeric_if_possible(col)
    labels = {k: v for k, v in (prs.column_names_to_labels or {}).items() if v and k in df}
    value_labels = {
        k: dict(v) for k, v in (prs.variable_value_labels or {}).items() if k in df.columns
    }
    measure = {
        k: v
        for k, v in (getattr(prs, "variable_measure", {}) or {}).items()
        if v and v != "unknown" and k in df.columns
    }
    meta = Metadata(
        variable_labels=labels,
        value_labels=value_labels,
        missing_values=missing_values,
        missing_ranges=missing_ranges,
        source_format=fmt,
        file_encoding=encoding or getattr(prs, "file_encoding", None),
        measure=measure,
    )
    return df, meta, letter_cols


# --------------------------------------------------------------------------- CSV


def _sniff_sep(path: Path, gz: bool, enc: str) -> str:
    """The most frequent of , ; tab | in the header line (outside quotes)."""
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            head = fh.readline(65536).decode(enc, errors="replace")
    except (OSError, EOFError, zlib.error):
        return ","
    unquoted = re.sub(r'"[^"]*"', "", head)
    counts = {c: unquoted.count(c) for c in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(
    path: Path,
    encoding: str | None,
    columns: list[str] | None,
    chunksize: int | None,
    show: bool,
    sep: str | None = None,
    decimal: str = ".",
) -> tuple[pd.DataFrame, Metadata]:
    enc, gz = _csv_encoding(path, encoding)
    size = path.stat().st_size
    sep = sep or _sniff_sep(path, gz, enc)
    opts = {"encoding": enc, "usecols": columns, "sep": sep, "decimal": decimal}
    try:
        with _csv_errors(path, encoding), open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
            if chunksize is None:
                df = pd.read_csv(stream, **opts)
            else:
                frames = []
                with _progress(show, size, f"reading {path.name} (bytes)") as step:
                    reader = pd.read_csv(stream, chunksize=chunksize, **opts)
                    for chunk in reader:
                        frames.append(chunk)
                        step(completed=raw.tell())
                df = concat_chunks(frames)
    except ValueError as exc:
        if "usecols" in str(exc).lower():
            raise ReadError(path, f"column(s) not in file ({exc})") from None
        raise
    meta = Metadata(source_format="csv", file_encoding=enc)
    return df, meta


# --------------------------------------------------------------------------- parquet


def meta_to_json(meta: Metadata) -> str:
    """Serialise :class:`Metadata` (codes keep their int/float/str type)."""
    return json.dumps(
        {
            "variable_labels": meta.variable_labels,
            "value_labels": {
                k: [[c, lab] for c, lab in v.items()] for k, v in meta.value_labels.items()
            },
            "missing_values": meta.missing_values,
            "missing_ranges": {k: [list(r) for r in v] for k, v in meta.missing_ranges.items()},
            "source_format": meta.source_format,
            "file_encoding": meta.file_encoding,
            "measure": meta.measure,
        },
        default=_json_default,
    )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in survey metadata")


def meta_from_json(text: str | bytes, source_format: str) -> Metadata:
    """Inverse of :func:`meta_to_json`."""
    d = json.loads(text)
    return Metadata(
        variable_labels=dict(d.get("variable_labels", {})),
        value_labels={k: {c: lab for c, lab in v} for k, v in d.get("value_labels", {}).items()},
        missing_values={k: list(v) for k, v in d.get("missing_values", {}).items()},
        missing_ranges={k: [tuple(r) for r in v] for k, v in d.get("missing_ranges", {}).items()},
        source_format=source_format,
        file_encoding=d.get("file_encoding"),
        measure=dict(d.get("measure", {})),
    )


def _read_parquet(
    path: Path,
    encoding: str | None,
    columns: list[str] | None,
    chunksize: int | None,
    show: bool,
) -> tuple[pd.DataFrame, Metadata]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if encoding is not None:
        raise ReadError(path, "parquet text is always UTF-8; encoding= does not apply")
    try:
        pf = pq.ParquetFile(path)
        _check_columns(path, columns, pf.schema_arrow.names)
        if chunksize is None:
            table = pf.read(columns=columns)
        else:
            batches = []
            with _progress(show, pf.metadata.num_rows, f"reading {path.name}") as step:
                for batch in pf.iter_batches(batch_size=int(chunksize), columns=columns):
                    batches.append(batch)
                    step(advance=batch.num_rows)
            table = pa.Table.from_batches(batches) if batches else pf.read(columns=columns)
        if columns is not None:
            table = table.select(columns)
        df = table.to_pandas()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise ReadError(path, f"not a valid parquet file, or truncated/corrupt ({exc})") from None
    stored = (pf.schema_arrow.metadata or {}).get(PARQUET_META_KEY)
    meta = meta_from_json(stored, "parquet") if stored else Metadata(source_format="parquet")
    if columns is not None:
        meta = meta.subset(columns)
    meta.file_encoding = "utf-8"
    return df, meta


# --------------------------------------------------------------------------- user-missing


def _declare(
    meta: Metadata, codes: Mapping[str, Sequence[Any]], names: pd.Index, path: Path
) -> Metadata:
    absent = [v for v in codes if v not in names]
    if absent:
        raise ReadError(path, f"user_missing_codes names column(s) not in the data: {absent}")
    values = {k: list(v) for k, v in meta.missing_values.items()}
    ranges = {k: list(v) for k, v in meta.missing_ranges.items()}
    for var, spec in codes.items():
        items = [spec] if np.ndim(spec) == 0 or isinstance(spec, str) else list(spec)
        for item in items:
            if isinstance(item, tuple):
                if len(item) != 2:
                    raise ValueError(f"range for {var!r} must be (lo, hi), got {item!r}")
                if (lo_hi := tuple(item)) not in ranges.get(var, []):
                    ranges.setdefault(var, []).append(lo_hi)
            elif item not in values.get(var, []):
                values.setdefault(var, []).append(item)
    return Metadata(
        variable_labels=meta.variable_labels,
        value_labels=meta.value_labels,
        missing_values=values,
        missing_ranges=ranges,
        source_format=meta.source_format,
        file_encoding=meta.file_encoding,
        measure=meta.measure,
    )


def _apply_user_missing(
    df: pd.DataFrame, meta: Metadata, mode: str, letter_cols: set[str]
) -> tuple[pd.DataFrame, Metadata]:
    """Count user-missing cells per declared variable; set them to NaN when mode='missing'.

    ``letter_cols`` are numeric Stata/SAS variables holding extended-missing letters: once
    the letters are NaN they become float64 columns.
    """
    declared = [v for v in df.columns if meta.has_user_missing(v)]
    counts: dict[str, int] = {}
    for var in declared:
        mask = meta.is_user_missing(var, df[var])
        counts[var] = int(mask.sum())
        if mode == "missing":
            col = df[var].mask(mask) if mask.any() else df[var]
            if var in letter_cols:
                col = pd.to_numeric(col.astype(object)).astype(np.float64)
            df[var] = col
    meta.user_missing_counts = counts
    return df, meta
