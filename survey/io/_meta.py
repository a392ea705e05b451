"""The containers returned by :func:`survey.io.read`: :class:`Metadata` and :class:`SurveyData`."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Metadata", "SurveyData"]


@dataclass
class Metadata:
    """Labels and missing-value declarations of a survey file.

    Attributes
    ----------
    variable_labels : dict of str to str
        Variable (question) label of each variable that has one.
    value_labels : dict of str to dict
        ``{variable: {code: label}}``. Codes keep the type of the file: floats for SPSS,
        integers for Stata; Stata/SAS extended missing codes are the letters ``"a"``..``"z"``.
    missing_values : dict of str to list
        Discrete user-missing codes declared per variable (SPSS ``MISSING VALUES``), or,
        for Stata/SAS, the extended missing letters found in the variable.
    missing_ranges : dict of str to list of (lo, hi)
        User-missing ranges (SPSS ``MISSING VALUES x (85 THRU 99)``), both ends included.
    user_missing_counts : dict of str to int
        How many cells of each variable with a declaration held a user-missing code in the
        file, whatever ``user_missing=`` mode the data were read with.
    source_format : str
        ``"sav"``, ``"zsav"``, ``"por"``, ``"dta"``, ``"sas7bdat"``, ``"xpt"``, ``"csv"``,
        ``"parquet"`` or ``"dataframe"``.
    file_encoding : str or None
        Character encoding the file declared or was read with.
    measure : dict of str to str
        SPSS measurement level (``"nominal"``, ``"ordinal"``, ``"scale"``) where known;
        :func:`survey.io.apply_labels` makes ordinal variables ordered categoricals.
    """

    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing_values: dict[str, list] = field(default_factory=dict)
    missing_ranges: dict[str, list[tuple]] = field(default_factory=dict)
    user_missing_counts: dict[str, int] = field(default_factory=dict)
    source_format: str = "dataframe"
    file_encoding: str | None = None
    measure: dict[str, str] = field(default_factory=dict)

    def label_of(self, var: str) -> str:
        """Variable label of ``var``, or the variable name when it has none."""
        return self.variable_labels.get(var) or var

    def labels_for(self, var: str) -> dict[Any, str]:
        """Value labels ``{code: label}`` of ``var`` (an empty dict when it has none)."""
        return dict(self.value_labels.get(var, {}))

    def has_user_missing(self, var: str) -> bool:
        """Whether ``var`` has any user-missing code or range declared."""
        return bool(self.missing_values.get(var)) or bool(self.missing_ranges.get(var))

    def is_user_missing(self, var: str, values: Any) -> np.ndarray:
        """Which of ``values`` are user-missing codes of ``var``.

        Parameters
        ----------
        var : str
            Variable whose declaration is used.
        values : array-like
            Values to classify (a column read with ``user_missing="keep"``, a scalar list...).

        Returns
        -------
        numpy.ndarray of bool
            True where the value equals a declared discrete code or lies in a declared
            range (ends included). NaN is never user-missing (it is system-missing).
        """
        if isinstance(values, pd.Series):
            s = values.reset_index(drop=True)
        elif np.ndim(values) == 0:
            s = pd.Series([values], dtype=object)
        elif isinstance(values, np.ndarray | pd.Index | pd.api.extensions.ExtensionArray):
            s = pd.Series(values)
        else:
            s = pd.Series(list(values))
        mask = np.zeros(len(s), dtype=bool)
        codes = self.missing_values.get(var) or []
        if codes and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s):
            # a few numeric codes: elementwise comparisons beat a hash-based isin
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            for code in codes:
                if isinstance(code, int | float | np.integer | np.floating):
                    mask |= arr == code
        elif codes:
            mask |= s.isin(codes).to_numpy()
        ranges = self.missing_ranges.get(var) or []
        if ranges:
            num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                for lo, hi in ranges:
                    mask |= (num >= lo) & (num <= hi)
        return mask

    def subset(self, columns: Sequence[str]) -> Metadata:
        """The metadata restricted to ``columns`` (other variables dropped)."""
        keep = set(columns)

        def pick(d: dict) -> dict:
            return {k: v for k, v in d.items() if k in keep}

        return replace(
            self,
            variable_labels=pick(self.variable_labels),
            value_labels=pick(self.value_labels),
            missing_values=pick(self.missing_values),
            missing_ranges=pick(self.missing_ranges),
            user_missing_counts=pick(self.user_missing_counts),
            measure=pick(self.measure),
        )


@dataclass(frozen=True)
class SurveyData:
    """A survey data set: the data, their metadata and where they came from.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent (or unit). With ``user_missing="missing"`` user-missing
        codes are NaN; with ``"keep"`` they are the codes of the file.
    meta : Metadata
        Labels and missing-value declarations.
    path : pathlib.Path or None
        File the data were read from (None when built in memory).

    Notes
    -----
    ``data, meta = survey.read(path)`` unpacks like a tuple.
    """

    data: pd.DataFrame
    meta: Metadata
    path: Path | None = None

    def __iter__(self) -> Iterator[Any]:
        yield self.data
        yield self.meta

    def __len__(self) -> int:
        return len(self.data)

    @property
    def columns(self) -> list[Hashable]:
        """Column names of :attr:`data`."""
        return list(self.data.columns)

    def labelled(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Copy of the data with value labels applied (see :func:`survey.io.apply_labels`)."""
        from survey.io._labels import apply_labels

        return apply_labels(self.data, self.meta, columns=columns)
