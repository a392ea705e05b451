"""``write()``: save data with their labels and missing-value declarations."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey._atomic import atomic_output
from survey.io._errors import ReadError
from survey.io._meta import Metadata, SurveyData
from survey.io._read import PARQUET_META_KEY, detect_format, meta_to_json

__all__ = ["write", "WRITABLE_FORMATS"]

#: Formats :func:`write` produces.
WRITABLE_FORMATS = ("sav", "zsav", "dta", "csv", "parquet")


def write(
    data: SurveyData | pd.DataFrame,
    path: str | Path,
    *,
    meta: Metadata | None = None,
) -> Path:
    """Write data with their variable labels, value labels and user-missing declarations.

    Parameters
    ----------
    data : SurveyData or pandas.DataFrame
        What to write. A :class:`SurveyData` brings its own metadata and source path.
    path : str or pathlib.Path
        Target: ``.sav``, ``.zsav`` (compressed SPSS), ``.dta`` (Stata 15),
        ``.csv`` / ``.csv.gz`` (UTF-8, data only) or ``.parquet`` (labels and
        declarations stored in the schema metadata and restored by :func:`read`).
    meta : Metadata, optional
        Metadata for a plain DataFrame; for a ``SurveyData`` it replaces the data's own.
    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        ``path`` is the file the data were read from (input files are never overwritten),
        or the format cannot be written.
    ReadError
        The writer rejected the data (message names the file).

    Notes
    -----
    Data read with ``user_missing="missing"`` hold NaN where the file had user-missing
    codes; the declarations are written back but the codes themselves are gone. Read with
    ``user_missing="keep"`` for a lossless round trip. SPSS accepts at most three discrete
    codes, or one range and one code, per variable. Stata has no user-missing
    declarations for ordinary codes: SPSS codes are written as plain values (with their
    labels) and a warning says so; Stata extended missing letters are written back.
    The file is written to a temporary name first and then moved into place.
    """
    if isinstance(data, SurveyData):
        df, src = data.data, data.path
        meta = meta if meta is not None else data.meta
    elif isinstance(data, pd.DataFrame):
        df, src = data, None
        meta = meta if meta is not None else Metadata()
    else:
        raise TypeError(f"write() needs a SurveyData or a DataFrame, not {type(data).__name__}")
    path = Path(path)
    fmt = detect_format(path)
    if fmt not in WRITABLE_FORMATS:
        raise ValueError(
            f"{path}: cannot write .{fmt} files; writable: {', '.join(WRITABLE_FORMATS)}"
        )
    if src is not None and (
        path.resolve() == Path(src).resolve() or (path.exists() and path.samefile(src))
    ):
        raise ValueError(f"{path}: refusing to overwrite the input file the data were read from")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path.parent}: no such directory")
    columns = [str(c) for c in df.columns]
    if len(set(columns)) != len(columns):
        raise ValueError(f"{path}: duplicate column names cannot be written")
    meta = meta.subset(columns)

    with atomic_output(path) as tmp:
        if fmt in ("sav", "zsav"):
            _write_sav(df, tmp, meta, compress=fmt == "zsav", target=path)
        elif fmt == "dta":
            _write_dta(df, tmp, meta, target=path)
        elif fmt == "csv":
            df.to_csv(tmp, index=False, encoding="utf-8", compression="infer")
        else:
            _write_parquet(df, tmp, meta)
    return path


def _codes_for_numeric(codes: list) -> list:
    return [c for c in codes if isinstance(c, int | float | np.integer | np.floating)]


def _write_sav(
    df: pd.DataFrame, tmp: Path, meta: Metadata, *, compress: bool, target: Path
) -> None:
    data = df.copy()
    lost: list[str] = []
    for var in data.columns:
        if data[var].dtype == object:
            kind = pd.api.types.infer_dtype(data[var], skipna=True)
            if kind in ("string", "mixed", "mixed-integer"):
                as_num = pd.to_numeric(data[var], errors="coerce")
                text = as_num.isna() & data[var].notna()
                if kind != "string" and var in meta.missing_values:
                    # Stata/SAS extended-missing letters in a numeric variable
                    data[var] = as_num.astype(np.float64)
                    lost.append(f"{var} ({int(text.sum())} cells)")
                else:
                    data[var] = data[var].astype("str")
    if lost:
        warnings.warn(
            f"{target}: SPSS has no extended missing values; letters written as "
            f"system-missing in {lost}",
            stacklevel=3,
        )
    missing: dict[str, list[Any]] = {}
    for var in set(meta.missing_values) | set(meta.missing_ranges):
        numeric = pd.api.types.is_numeric_dtype(data[var])
        values = list(meta.missing_values.get(var, []))
        if numeric:
            values = [float(v) for v in _codes_for_numeric(values)]
        ranges = [{"lo": float(lo), "hi": float(hi)} for lo, hi in meta.missing_ranges.get(var, [])]
        if len(ranges) > 1 or len(values) > 3 or (ranges and len(values) > 1):
            raise ReadError(
                target,
                f"SPSS allows at most 3 user-missing codes or 1 range + 1 code per variable; "
                f"{var!r} has codes {values} and ranges {meta.missing_ranges.get(var)}",
            )
        spec = ranges + values
        if spec:
            missing[var] = spec
    measure = {k: v for k, v in meta.measure.items() if v in ("nominal", "ordinal", "scale")}
    import pyreadstat

    try:
        pyreadstat.write_sav(
            data,
            str(tmp),
            column_labels={c: meta.variable_labels.get(c) for c in data.columns},
            compress=compress,
            variable_value_labels=_sav_value_labels(data, meta) or None,
            missing_ranges=missing or None,
            variable_measure=measure or None,
        )
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, TypeError, ValueError) as exc:
        raise ReadError(target, f"could not be written as SPSS: {exc}") from None


def _sav_value_labels(data: pd.DataFrame, meta: Metadata) -> dict[str, dict]:
    """Value labels SPSS can hold: numeric codes on numeric variables, text on text."""
    out = {}
    for var, labels in meta.value_labels.items():
        if var not in data.columns or not labels:
            continue
        if pd.api.types.is_numeric_dtype(data[var]):
            labels = {float(c): lab for c, lab in labels.items() if c in _codes_for_numeric([c])}
        else:
            labels = {str(c): lab for c, lab in labels.items()}
        if labels:
            out[var] = labels
    return out


def _write_dta(df: pd.DataFrame, tmp: Path, meta: Metadata, *, target: Path) -> None:
    value_labels: dict[str, dict] = {}
    dropped: list[str] = []
    for var, labels in meta.value_labels.items():
        out = {}
        for code, lab in labels.items():
            if isinstance(code, str) and len(code) == 1 and code.isalpha():
                out[code.lower()] = lab
            elif (
                isinstance(code, int | float | np.integer | np.floating)
                and float(code).is_integer()
            ):
                out[int(code)] = lab
            else:
                dropped.append(f"{var}={code!r}")
        if out:
            value_labels[var] = out
    letters = {
        k: [str(c).lower() for c in v if isinstance(c, str) and len(c) == 1 and c.isalpha()]
        for k, v in meta.missing_values.items()
    }
    letters = {k: v for k, v in letters.items() if v}
    spss_codes = [
        k
        for k in set(meta.missing_values) | set(meta.missing_ranges)
        if _codes_for_numeric(meta.missing_values.get(k, [])) or meta.missing_ranges.get(k)
    ]
    if spss_codes:
        warnings.warn(
            f"{target}: Stata cannot declare user-missing codes; the codes of "
            f"{sorted(spss_codes)} are written as ordinary values",
            stacklevel=3,
        )
    if dropped:
        warnings.warn(
            f"{target}: Stata value labels need integer codes; dropped {dropped}", stacklevel=3
        )
    import pyreadstat

    try:
        pyreadstat.write_dta(
            df,
            str(tmp),
            column_labels={c: meta.variable_labels.get(c) for c in df.columns},
            variable_value_labels=value_labels or None,
            missing_user_values=letters or None,
        )
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, TypeError, ValueError) as exc:
        raise ReadError(target, f"could not be written as Stata: {exc}") from None


def _write_parquet(df: pd.DataFrame, tmp: Path, meta: Metadata) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[PARQUET_META_KEY] = meta_to_json(meta).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(schema_meta), tmp)
