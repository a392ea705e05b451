"""Survey designs: the sampling structure every estimate is computed under.

:class:`Design` is a stratified multistage design analysed by Taylor linearisation (R's
``svydesign`` + ``svyrecvar``); :class:`ReplicateDesign` carries replicate weights (R's
``svrepdesign``/``as.svrepdesign``). Both are immutable: weighting steps return new designs.
Both expose the same estimation verbs (``mean``, ``total``, ``prop``, ``ratio``,
``quantile``), which all go through :mod:`survey.engine`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LONELY_PSU_POLICIES = ("fail", "certainty", "adjust", "remove", "average")
REPLICATE_TYPES = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "other")


class DesignError(ValueError):
    """A design declaration that cannot describe the data (names the column and rows)."""


def _as_list(x) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    """The rows of ``mask`` for an error message, numbered as SPSS, Stata and R number cases
    (the first data row is 1): "rows 6, 9 and 3 more (cases counted from 1)"."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in idx[:limit])
    more = f" and {idx.size - limit} more" if idx.size > limit else ""
    noun = "row" if idx.size == 1 else "rows"
    return f"{noun} {shown}{more} (cases counted from 1)"


def _value(v) -> str:
    """A stratum or PSU value as the data shows it: 3.0 read from a numeric column is 3."""
    from survey._text import code_text

    v = v.item() if hasattr(v, "item") else v  # np.str_ -> str: repr without "np.str_"
    return repr(v) if isinstance(v, str) else code_text(v)


def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..k-1 in sorted order of the values, and the values themselves."""
    from survey.engine.domains import dense_factorize

    raw = values.to_numpy() if isinstance(values, pd.Series) else values
    fast = dense_factorize(raw) if isinstance(raw, np.ndarray) else None
    if fast is not None:
        return fast
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def _combine(*code_arrays: np.ndarray) -> np.ndarray:
    """Codes of the crossing of several code arrays (observed combinations only)."""
    if len(code_arrays) == 1:
        return code_arrays[0]
    frame = pd.DataFrame({i: c for i, c in enumerate(code_arrays)})
    return frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(np.int64)


@dataclass(frozen=True)
class Stage:
    """One sampling stage in integer codes.

    ``unit`` (n,) codes the stage's sampling units (nested in the previous stage's units,
    and in strata when ``nest=True``); ``unit_stratum`` (U,) the stratum of each unit at this
    stage (later-stage strata are nested in the previous stage's units, as in R);
    ``n_sampled`` (H,) the number of sampled units per stratum; ``popsize`` (H,) the number of
    population units per stratum (``inf`` when no FPC); ``unit_parent`` (U,) the code of the
    unit's parent at the previous stage (stage 1: zeros).
    """

    unit: np.ndarray
    n_units: int
    unit_stratum: np.ndarray
    n_strata: int
    n_sampled: np.ndarray
    popsize: np.ndarray
    unit_parent: np.ndarray

    @property
    def fraction(self) -> np.ndarray:
        """Sampling fraction n_h / N_h per stratum (0 without FPC)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.isfinite(self.popsize), self.n_sampled / self.popsize, 0.0)

    @property
    def fpc_factor(self) -> np.ndarray:
        """R's f = (N_h - n_h) / N_h per stratum (1 without FPC)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                np.isfinite(self.popsize), (self.popsize - self.n_sampled) / self.popsize, 1.0
            )


#: Above this magnitude a variable is scaled (by a power of two) before estimation.
_HUGE = 1e100


def _scaled(design, variables):
    """``(design, back)``: a view of ``design`` whose huge variables (|value| > 1e100, whose
    squares and weighted sums of squares would overflow float64) are multiplied by a power
    of two ``2^-e``, and ``back(frame)`` undoing it on the estimate, SE and interval.

    Scaling by a power of two is exact in binary floating point, and every verb scaled here
    (mean, total, ratio) is equivariant, so the result equals the unscaled arithmetic
    wherever that does not overflow; the CV, design effect, df and counts are unchanged.
    Ordinary data are not touched (``back`` is the identity)."""
    import copy

    names = [variables] if isinstance(variables, str) else list(variables)
    data = design.data
    exps = {}
    for var in dict.fromkeys(names):
        if var in data.columns and pd.api.types.is_numeric_dtype(data[var].dtype):
            dtype = data[var].dtype
            if isinstance(dtype, np.dtype) and dtype.kind in "biu":
                continue  # integers never reach 1e100 (no float copy of the column)
            v = data[var].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):  # all-NaN columns: no scaling
                big = max(abs(np.nanmin(v)), abs(np.nanmax(v))) if v.size else 0.0
            # infinite values are refused by the engine with their rows named
            if np.isfinite(big) and big > _HUGE:
                exps[var] = int(np.frexp(big)[1])
    if not exps:
        return design, lambda frame: frame
    view = copy.copy(design)
    view.data = data.assign(
        **{v: np.ldexp(data[v].to_numpy(dtype=float), -e) for v, e in exps.items()}
    )

    def back(frame):
        factor = np.ones(len(frame))
        for i, name in enumerate(frame["variable"].astype(str)):
            if name in exps:
                factor[i] = np.ldexp(1.0, exps[name])
            elif "/" in name:  # ratio a/b: scaled by 2^(e_b - e_a)
                a, b = name.split("/", 1)
                factor[i] = np.ldexp(1.0, exps.get(a, 0) - exps.get(b, 0))
        out = frame.copy()
        for col in ("estimate", "se", "ci_low", "ci_high"):
            out[col] = out[col].to_numpy(dtype=float) * factor
        out.attrs = dict(frame.attrs)
        return out

    return view, back


def _warn_code_like_weights(name, w: np.ndarray) -> None:
    """Warn when a weight column looks like category codes (a few small integers: region
    codes 1-16, a 0/1 item), the usual sign that the wrong column was named: the estimates
    would be plausible and wrong (ENUSC with the region code as weight: 22.2% for 24.1%)."""
    if w.size < 50:
        return
    head = w[:1000]  # one value above 20 or not an integer settles it without a sort
    if (head > 20).any() or (head != np.round(head)).any():
        return
    uniq = np.unique(w[: min(w.size, 200_000)])
    if 2 <= uniq.size <= 20 and uniq.max() <= 20 and np.all(uniq == np.round(uniq)):
        uniq = np.unique(w)
        if 2 <= uniq.size <= 20 and uniq.max() <= 20 and np.all(uniq == np.round(uniq)):
            shown = ", ".join(f"{v:g}" for v in uniq[:8]) + (", ..." if uniq.size > 8 else "")
            zeros = int((w == 0).sum())
            warnings.warn(
                f"weight column {name!r} holds only the small integers {shown}"
                + (f" ({zeros:,} rows of weight 0 are left out)" if zeros else "")
                + ": it looks like a code, not an expansion factor; check that it is the "
                "survey's weight",
                UserWarning,
                stacklevel=4,
            )


def _warn_codes(design, variables, statistic: str) -> None:
    """Warn when a mean/total would average undeclared missing codes (88/99, "no sabe")."""
    from survey._codes import code_notes

    names = [variables] if isinstance(variables, str) else list(variables)
    for msg in code_notes(design.data, names, getattr(design, "meta", None), statistic):
        warnings.warn(msg, UserWarning, stacklevel=3)


def _note_codes(design, variables, frame):
    """``frame.attrs["notes"]``: means of unlabelled integer items with few distinct values
    (perhaps category codes, whose mean means nothing)."""
    from survey._codes import few_integer_codes

    meta = getattr(design, "meta", None)
    notes = []
    for var in [variables] if isinstance(variables, str) else list(variables):
        if var not in design.data.columns or (meta is not None and meta.value_labels.get(var)):
            continue
        if meta is not None and meta.measure.get(var) == "scale":
            continue  # the file declares a quantity (SPSS measure 'scale'), not codes
        k = few_integer_codes(design.data[var])
        if k:
            notes.append(
                f"{var!r} is an unlabelled integer item with {k} distinct values: if they are "
                "codes of categories, estimate the share of each with prop()"
            )
    if notes:
        frame.attrs["notes"] = [*frame.attrs.get("notes", []), *notes]
    return frame


def _labelled(verb):
    """Fill the result's label columns (``domain_label``, ``variable_label``,
    ``category_label``) from the design's metadata (value labels of a .sav/.dta or of a
    labels file, :func:`survey.io.with_labels`); the codes stay in their columns."""
    import functools

    @functools.wraps(verb)
    def wrapper(self, *args, **kwargs):
        from survey.io._labels import label_result

        return label_result(verb(self, *args, **kwargs), getattr(self, "meta", None))

    return wrapper


class _Verbs:
    """Estimation verbs shared by every design type; all delegate to the engine."""

    @_labelled
    def mean(
        self,
        variables,
        by=None,
        *,
        ci="wald",
        level=0.95,
        df="design",
        na="available",
        quality="default",
    ):
        """Weighted means (ratio of weighted totals) with linearised or replicate variance.

        Parameters
        ----------
        variables : str or list of str
            Numeric columns (0/1 columns give proportions).
        by : str or list of str, optional
            Domain columns, crossed. Domains are estimated on the full design (R's ``svyby``):
            rows outside a domain contribute zeros, never removed before the variance.
            Rows with a missing ``by`` value belong to no domain.
        ci : {"wald", "logit", "xlogit", "beta", "asin", "wilson", "likelihood"}
            Interval method (the proportion methods apply to 0/1 variables).
        level : float
            Confidence level.
        df : {"design", "domain", "inf"} or float
            Degrees of freedom for the interval: PSUs minus strata of the whole design
            (R/Stata default), of the rows in the domain (R's ``degf`` of the subset design,
            INE Chile's rule), or normal intervals.
        na : {"available", "listwise"}
            Missing values. ``"available"`` (default): each variable on its own non-missing
            rows, as R's ``svymean(~y, na.rm=TRUE)`` called once per variable.
            ``"listwise"``: rows missing any of ``variables`` drop out of every estimate, as
            R's ``svymean(~y1 + y2, na.rm=TRUE)`` in one call (api ``apiclus1``: api00
            644.17 available, 648.87 listwise with acs.k3).
        quality : "default", str, dict or None
            Publication rule of :mod:`survey.quality` (``"default"`` = CEPAL 2020; also
            ``"cepal2023"``, ``"ine_chile2020"``, ``"nchs"`` or a dict of thresholds); ``None``
            leaves the decision columns ``<NA>``.

        Returns
        -------
        pandas.DataFrame
            ``by`` columns, then ``variable, category, estimate, se, ci_low, ci_high, df, cv,
            deff, n, n_weighted, n_cases, reliability, reliability_reason, quality_rule``;
            ``deff`` as R's ``deff=TRUE``; ``n_cases`` the exact unweighted count of rows with
            the characteristic for proportions (and means of 0/1 items).
        """
        from survey.engine import estimate

        _warn_codes(self, variables, "mean")
        des, back = _scaled(self, variables)
        out = estimate(des, "mean", variables, by=by, na=na).to_frame(
            ci=ci, level=level, df=df, quality=quality
        )
        return _note_codes(self, variables, back(out))

    @_labelled
    def total(
        self,
        variables,
        by=None,
        *,
        ci="wald",
        level=0.95,
        df="design",
        na="available",
        quality="default",
    ):
        """Weighted totals (Horvitz-Thompson); see :meth:`mean` for the parameters."""
        from survey.engine import estimate

        _warn_codes(self, variables, "total")
        des, back = _scaled(self, variables)
        return back(
            estimate(des, "total", variables, by=by, na=na).to_frame(
                ci=ci, level=level, df=df, quality=quality
            )
        )

    @_labelled
    def prop(
        self,
        variables,
        by=None,
        *,
        ci="logit",
        level=0.95,
        df="design",
        na="available",
        quality="default",
    ):
        """Proportions of every category (or of the 1s of a 0/1 variable).

        Each category's share is the weighted mean of its indicator among rows with a
        non-missing answer in the domain. The default interval is R ``svyciprop``'s logit.
        See :meth:`mean` for the parameters.
        """
        from survey.engine import estimate

        return estimate(self, "prop", variables, by=by, na=na).to_frame(
            ci=ci, level=level, df=df, quality=quality
        )

    @_labelled
    def ratio(
        self,
        numerator,
        denominator,
        by=None,
        *,
        ci="wald",
        level=0.95,
        df="design",
        na="available",
        quality="default",
        cross=False,
    ):
        """Ratios of weighted totals ``sum(w y) / sum(w x)`` (R's ``svyratio``).

        ``numerator`` and ``denominator`` are column names or lists of them. By default one
        numerator or one denominator is shared by every ratio and equal-length lists pair up
        in order (``["a", "b"], ["c", "d"]``: ``a/c, b/d``; a numerator may repeat).
        ``cross=True`` gives every numerator over every denominator, as R's
        ``svyratio(~a + b, ~c + d)`` (``a/c, b/c, a/d, b/d``). Rows missing either value
        are dropped from that ratio. ``variable`` reads ``numerator/denominator``.
        """
        from survey.engine import estimate
        from survey.engine.estimators import ratio_pairs

        num, den = ratio_pairs(numerator, denominator, cross=cross)
        numerator, denominator = num, den
        des, back = _scaled(self, [*num, *den])
        out = estimate(des, "ratio", numerator, by=by, na=na, denominator=denominator)
        return back(out.to_frame(ci=ci, level=level, df=df, quality=quality))

    @_labelled
    def var(
        self,
        variables,
        by=None,
        *,
        ci="wald",
        level=0.95,
        df="design",
        quality=None,
    ):
        """Population variances and covariances of numeric variables (R's ``svyvar``).

        For each pair ``j <= k`` of ``variables`` (``j == k``: the variance) the estimate is
        ``n/(n-1) * sum w (x_j - M_j)(x_k - M_k) / sum w`` over rows complete on every
        variable (R's ``na.rm=TRUE``), in every domain of ``by`` (on the full design, as
        ``svyby``). Its SE is the linearised (R's ``svyvar.survey.design``) or replicate
        (``svyvar.svyrep.design``, means recomputed per replicate) SE. ``variable`` and the
        extra column ``with`` name the pair; ``deff`` is NaN (R reports none). Publication
        rules are not applied by default (``quality=None``): they are rules for means and
        shares.
        """
        from survey.engine.covariance import estimate_covariance

        es = estimate_covariance(self, variables, by=by)
        return es.to_frame(ci=ci, level=level, df=df, quality=quality)

    @_labelled
    def quantile(
        self,
        variables,
        by=None,
        *,
        q=(0.5,),
        ci="mean",
        level=0.95,
        df="domain",
        na="available",
        qrule="math",
    ):
        """Quantiles with Woodruff intervals (R's ``svyquantile``).

        The interval is the inverse of a confidence interval for the distribution function
        at the estimated quantile (``ci="mean"``: Wald; ``"xlogit"``, ``"beta"``, ``"asin"``
        as in R); ``se`` is the interval width over ``2 t(df)`` as R reports it. The default
        ``df="domain"`` is R's (``degf`` of the domain). Replicate designs also take
        ``ci="quantile"`` (R's ``interval.type="quantile"``): the quantile recomputed with
        every replicate's weights, SE from their replicate variance, CI ``q +- t SE``.
        Taylor designs also take ``ci="score"`` (R's ``interval.type="score"``: the
        Francisco-Fuller score interval, R's root search replayed; see
        :mod:`survey.engine.quantiles`).

        ``qrule`` is R's quantile rule, used for the estimate and to map the interval back:
        ``"math"`` (default; the inverse of the weighted distribution function, ``"hf1"``),
        ``"school"`` (``"hf2"``: the midpoint where the distribution function is flat at
        ``q``), ``"hf3"`` to ``"hf9"`` (Hyndman and Fan's types with weighted plotting
        positions; ``"hf7"`` is R's and numpy's default for unweighted data) or
        ``"shahvaish"``. Rows with zero weight are ignored.
        """
        from survey.engine.quantiles import quantile

        return quantile(self, variables, q=q, by=by, ci=ci, level=level, df=df, na=na, qrule=qrule)

    def contrast(
        self,
        contrasts,
        variables,
        statistic="mean",
        by=None,
        *,
        denominator=None,
        method="delta",
        ci="wald",
        level=0.95,
        df="design",
        na="available",
    ):
        """Linear or nonlinear contrasts of estimates (R's ``svycontrast``).

        The estimates are ``statistic`` (``"mean"``, ``"total"``, ``"prop"``, ``"ratio"`` with
        ``denominator``) of ``variables`` in every domain of ``by``, named as R names their
        coefficients (``api00``; ``stypeE`` for a category; ``api00/api99`` for a ratio;
        with ``by`` the domain label, ``E``, or ``E:api00`` for several items): see
        :meth:`covmat` for the names and their covariance.

        Parameters
        ----------
        contrasts : mapping name -> contrast, or one contrast
            A contrast is a mapping ``{estimate name: coefficient}`` (absent names count 0),
            a sequence with one coefficient per estimate, an expression in the estimate
            names (``"api00/api99"``, ``"exp(`log(api00)`)"``; names that are not
            identifiers between backticks, ``^`` as power, as in R) or a callable taking a
            mapping name -> value (numpy functions only).
        method : {"delta", "replicates"}
            Nonlinear contrasts on replicate designs: ``"delta"`` (default, R's default) is
            the delta method ``J V J'`` with the replicate covariance ``V``; ``"replicates"``
            applies the contrast to every replicate's estimates (R's
            ``return.replicates=TRUE``). Taylor designs: the delta method, with the
            linearised influence ``J`` times that of the estimates. Linear contrasts are
            exact either way.

        Returns
        -------
        pandas.DataFrame
            One row per contrast (``variable`` = its name) in the tidy result shape; ``df``
            the design's; ``deff``, ``n`` and the publication columns are not defined for a
            contrast (NaN / ``<NA>``).
        """
        from survey.engine import estimate
        from survey.engine.contrast import contrast

        es = estimate(self, statistic, variables, by=by, na=na, denominator=denominator)
        return contrast(es, contrasts, method=method).to_frame(
            ci=ci, level=level, df=df, quality=None
        )

    def covmat(self, variables, statistic="mean", by=None, *, denominator=None, na="available"):
        """Covariance matrix of estimates (R's ``vcov(svymean(...))`` or of ``svyby(...,
        covmat=TRUE)``): a square DataFrame indexed by R's coefficient names (see
        :meth:`contrast`), linearised or from the replicates. Estimates in different domains
        covary (domains are estimated on the full design)."""
        from survey.engine import estimate
        from survey.engine.contrast import covmat

        return covmat(estimate(self, statistic, variables, by=by, na=na, denominator=denominator))

    def table(self, variables, *, ntotal=None, round=False):
        """Weighted counts of every combination of ``variables`` (R's ``svytable``).

        Parameters
        ----------
        variables : str or list of str
            Columns crossed; rows missing any of them are left out (R's ``xtabs``).
        ntotal : float, mapping or DataFrame, optional
            A number: the table is scaled to sum to it (R's ``Ntotal``). Per stratum (a
            mapping stratum -> total, or a two-column DataFrame stratum, total; stratified
            designs): each stratum's table is scaled to its total, then the strata are
            added up. Replicate designs default to the sum of the sampling weights, as R.
        round : bool
            Round the counts (half to even, as R's ``round``).

        Returns
        -------
        pandas.DataFrame
            One column per variable (every combination of their observed levels, as R's
            table, zeros included) and ``n_weighted``.
        """
        from survey.engine.tables import weighted_table

        return weighted_table(self, variables, ntotal=ntotal, round=round)


class Design(_Verbs):
    """A stratified multistage sample design, analysed by Taylor linearisation.

    Parameters
    ----------
    data : pandas.DataFrame or survey.io.SurveyData
        One row per responding unit. With ``SurveyData`` the labels are kept for display.
    weight : str, optional
        Column of sampling weights. Without it, weights are the inverse of the product of the
        stage sampling fractions implied by ``fpc`` (as R), or 1.
    strata : str, optional
        First-stage strata.
    psu : str or list of str, optional
        Cluster identifiers, one per stage (R's ``ids=~psu+ssu``). Without it every row is its
        own PSU. Later-stage units are nested in the earlier ones.
    fpc : str or list of str, optional
        Finite population correction per stage: population counts (all values > 1) or
        sampling fractions (all values <= 1). With several stages one column per stage is
        required; later stages then add their variance as in R's ``svyrecvar``. Without FPC the
        first stage is taken as sampled with replacement (ultimate cluster variance).
    nest : bool
        PSU identifiers are reused across strata (make them unique within stratum).
    lonely_psu : {"fail", "certainty", "adjust", "remove", "average"}
        What to do with strata holding one PSU (R's ``options(survey.lonely.psu=)``):
        ``fail`` (default) raises naming the strata; ``certainty`` and ``remove`` give them no
        variance contribution; ``adjust`` centres them at the grand mean; ``average`` replaces
        their contribution by the average of the other strata.
    adjust_domain_lonely : bool
        R's ``options(survey.adjust.domain.lonely=TRUE)``: a stratum with several PSUs but
        only one holding rows of a domain (``by=`` group, or rows with an answer) is lonely
        for that domain's estimates: ``adjust`` leaves its PSU total uncentred, ``average``
        leaves it out and rescales; other policies are unaffected (R only warns). As R, the
        rule applies at every variance stage under ``adjust`` (a later-stage stratum is a unit
        of the stage above); ``average`` with several variance stages is refused. As in R it
        has no effect on calibrated designs. Default False (R's default).

    Notes
    -----
    Construction only computes integer codes; the data frame is not copied.
    """

    def __init__(
        self,
        data,
        weight: str | None = None,
        strata: str | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: str = "fail",
        *,
        adjust_domain_lonely: bool = False,
        _weights: np.ndarray | None = None,
        _calibration: tuple = (),
    ):
        meta = getattr(data, "meta", None)
        frame = getattr(data, "data", data)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError("data must be a pandas DataFrame or a survey.io.SurveyData")
        if lonely_psu not in LONELY_PSU_POLICIES:
            raise DesignError(
                f"lonely_psu={lonely_psu!r} is not one of {', '.join(LONELY_PSU_POLICIES)}"
            )
        self.data = frame
        self.meta = meta
        self.n = len(frame)
        self.weight_name = weight
        self.strata_name = strata
        self.psu_names = _as_list(psu)
        self.fpc_names = _as_list(fpc)
        self.nest = bool(nest)
        self.lonely_psu = lonely_psu
        self.adjust_domain_lonely = bool(adjust_domain_lonely)
        self.calibration = tuple(_calibration)
        if self.n == 0:
            raise DesignError("the data have no rows")
        for col in [weight, strata, *self.psu_names, *self.fpc_names]:
            if col is not None and col not in frame.columns:
                from survey._names import did_you_mean

                src = getattr(data, "path", None)
                where = f" of {src}" if src else ""
                raise DesignError(
                    f"column {col!r} is not in the data{where}{did_you_mean(col, frame.columns)}"
                )
        if self.fpc_names and len(self.fpc_names) != max(len(self.psu_names), 1):
            raise DesignError(
                f"fpc gives {len(self.fpc_names)} column(s) for "
                f"{max(len(self.psu_names), 1)} stage(s); "
                "give one per stage (as R's svydesign requires) or declare only the first stage"
            )
        self._build_stages()
        if _weights is not None:
            w = np.asarray(_weights, dtype=float)
        elif weight is not None:
            w = self._numeric(weight, "weight")
        elif self._fpc_given:
            w = 1.0 / np.prod([st.fraction[st.unit_stratum[st.unit]] for st in self.stages], axis=0)
        else:
            w = np.ones(self.n)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise DesignError(
                f"weight column {weight!r} has missing, negative or infinite values in {_rows(bad)}"
            )
        if not (w > 0).any():
            raise DesignError(f"weight column {weight!r} is zero in every row")
        if _weights is None and weight is not None:
            _warn_code_like_weights(weight, w)
        self.weights = w

    # -- designs on data kept in a backend (survey.backends) -------------------------------
    @classmethod
    def from_parquet(cls, path, weight=None, strata=None, psu=None, fpc=None, nest=False,
                     lonely_psu="fail", *, engine="duckdb", **options):  # fmt: skip
        """The design on a Parquet file, glob or directory, estimated where the data are
        (DuckDB by default, ``engine="spark"``): a :class:`survey.backends.TableDesign` with
        this class's verbs; only the aggregated totals come into memory."""
        from survey.backends import TableDesign

        return TableDesign(path, weight, strata, psu, fpc, nest, lonely_psu, engine=engine,
                           **options)  # fmt: skip

    @classmethod
    def from_csv(cls, path, weight=None, strata=None, psu=None, fpc=None, nest=False,
                 lonely_psu="fail", *, engine="duckdb", **options):  # fmt: skip
        """As :meth:`from_parquet` for a CSV file (read by DuckDB's ``read_csv``)."""
        from survey.backends import TableDesign

        return TableDesign(path, weight, strata, psu, fpc, nest, lonely_psu, engine=engine,
                           **options)  # fmt: skip

    @classmethod
    def from_table(cls, table, weight=None, strata=None, psu=None, fpc=None, nest=False,
                   lonely_psu="fail", **options):  # fmt: skip
        """The design on a DuckDB relation or table name (``con=`` the connection) or a
        ``pyspark.sql.DataFrame``; see :class:`survey.backends.TableDesign`."""
        from survey.backends import TableDesign

        return TableDesign(table, weight, strata, psu, fpc, nest, lonely_psu, **options)

    # -- construction helpers -------------------------------------------------------------
    def _numeric(self, col: str, role: str) -> np.ndarray:
        s = self.data[col]
        try:
            v = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            coerced = pd.to_numeric(s, errors="coerce")
            bad = (coerced.isna() & s.notna()).to_numpy()
            examples = ", ".join(repr(x) for x in pd.unique(s[bad])[:3])
            hint = ""
            if s[bad].astype(str).str.contains(r"^\s*-?\d+,\d+\s*$").any():
                hint = " (decimal commas? read the file with decimal=',' or convert the column)"
            raise DesignError(
                f"{role} column {col!r} is not numeric: {examples} in {_rows(bad)}{hint}"
            ) from exc
        return v

    def _ids(self, col: str, role: str) -> np.ndarray:
        s = self.data[col]
        miss = s.isna().to_numpy()
        if miss.any():
            raise DesignError(f"{role} column {col!r} has missing values in {_rows(miss)}")
        return _codes(s)[0]

    def _build_stages(self) -> None:
        n = self.n
        if self.strata_name is not None:
            strata1 = self._ids(self.strata_name, "strata")
        else:
            strata1 = np.zeros(n, dtype=np.int64)
        ids = [self._ids(c, "psu") for c in self.psu_names] or [np.arange(n, dtype=np.int64)]
        # later-stage units nested in earlier ones; all stages nested in strata with nest=True
        units = []
        for s, raw in enumerate(ids):
            parts = ([strata1] if self.nest else []) + ids[: s + 1]
            units.append(_combine(*parts) if len(parts) > 1 else raw)
        first = None  # the stratum of each first-stage unit, when checked here
        if self.strata_name is not None and not self.nest:
            u1 = units[0]
            first = np.zeros(int(u1.max()) + 1, dtype=np.int64)
            first[u1] = strata1  # any one stratum of each PSU
            clash = strata1 != first[u1]
            if clash.any():
                bad_psu = np.unique(u1[clash])
                row = int(np.flatnonzero(u1 == bad_psu[0])[0])
                psu_id = self.data[self.psu_names[0]].iloc[row]
                psu_id = psu_id.item() if hasattr(psu_id, "item") else psu_id
                in_strata = pd.unique(self.data[self.strata_name][u1 == bad_psu[0]])
                n_st = self.data[self.strata_name].nunique()
                n_psu = self.data[self.psu_names[0]].nunique()
                swapped = (
                    f"; or strata and PSU are swapped: {self.psu_names[0]!r} has {n_psu} "
                    f"distinct values, fewer than the {n_st} of {self.strata_name!r}, and a "
                    "design usually has more PSUs than strata"
                    if n_psu < n_st
                    else ""
                )
                raise DesignError(
                    f"PSUs of {self.psu_names[0]!r} appear in several strata of "
                    f"{self.strata_name!r} ({bad_psu.size} PSUs; e.g. PSU {_value(psu_id)} is in "
                    f"strata {', '.join(map(_value, in_strata[:5]))}): if PSU ids are reused "
                    f"across strata (PSU 1 of stratum 1 is not PSU 1 of stratum 2), pass "
                    f"nest=True{swapped}"
                )
        fpcs = [self._numeric(c, "fpc") for c in self.fpc_names]
        for c, v in zip(self.fpc_names, fpcs, strict=True):
            if np.isnan(v).any():
                raise DesignError(f"fpc column {c!r} has missing values in {_rows(np.isnan(v))}")
        if fpcs:
            allv = np.concatenate(fpcs)
            is_pop = bool((allv > 1).any())
            if is_pop and not (allv >= 1).all():
                raise DesignError(
                    "fpc mixes population counts (> 1) and sampling fractions (< 1): "
                    f"columns {self.fpc_names}"
                )
            if not is_pop and (allv <= 0).any():
                raise DesignError(f"fpc sampling fractions must be > 0 in {self.fpc_names}")
        self._fpc_given = bool(fpcs)
        stages: list[Stage] = []
        for s, unit in enumerate(units):
            n_units = int(unit.max()) + 1
            if s == 0:
                stratum = strata1
                unit_parent = np.zeros(n_units, dtype=np.int64)  # stage 1: no parent
                if first is not None:  # the PSU-in-one-stratum check made it already
                    unit_stratum = first
                else:
                    unit_stratum = np.zeros(n_units, dtype=np.int64)
                    unit_stratum[unit] = stratum
            else:
                stratum = units[s - 1]  # later-stage strata nested in the parent unit
                unit_stratum = np.zeros(n_units, dtype=np.int64)
                unit_stratum[unit] = stratum
                unit_parent = unit_stratum.copy()
            n_strata = int(stratum.max()) + 1
            n_sampled = np.bincount(unit_stratum, minlength=n_strata).astype(float)
            if fpcs:
                v = fpcs[s] if s < len(fpcs) else None
                row_n = n_sampled[stratum]
                row_pop = v if is_pop else row_n / v
                popsize = np.full(n_strata, np.nan)
                popsize[stratum] = row_pop
                varies = pd.Series(row_pop).groupby(stratum).nunique().to_numpy() > 1
                if varies.any():
                    where = ""
                    if s == 0 and self.strata_name is not None:
                        labels = _codes(self.data[self.strata_name])[1][np.flatnonzero(varies)]
                        where = f" ({self.strata_name!r}: {', '.join(map(str, labels[:10]))})"
                    raise DesignError(
                        f"fpc column {self.fpc_names[s]!r} varies within "
                        f"{varies.sum()} stratum(s) at stage {s + 1}{where}; it must be constant "
                        "within each stratum"
                    )
                small = row_pop < row_n - 1e-9
                if small.any():
                    raise DesignError(
                        f"fpc column {self.fpc_names[s]!r} implies a population smaller than "
                        f"the sample (more than 100% sampled) at stage {s + 1} in {_rows(small)}"
                    )
            else:
                popsize = np.full(n_strata, np.inf)
            stages.append(
                Stage(unit, n_units, unit_stratum, n_strata, n_sampled, popsize, unit_parent)
            )
        self.stages = tuple(stages)
        # stages that enter the variance: later stages only with FPC (R's svyrecvar)
        self.variance_stages = self.stages if self._fpc_given else self.stages[:1]

    def lonely_strata(self) -> list[tuple[int, np.ndarray]]:
        """(stage, stratum codes) of strata with a single sampled unit that would add
        variance (R ignores strata sampled completely)."""
        out = []
        for s, st in enumerate(self.variance_stages):
            lonely = (st.n_sampled == 1) & (st.fpc_factor >= 1e-7)
            if lonely.any():
                out.append((s, np.flatnonzero(lonely)))
        return out

    def check_lonely(self, presence=None) -> None:
        """Raise under ``lonely_psu='fail'`` when a single-PSU stratum holds rows of the
        estimates (``presence``: first-stage strata x estimates), naming the strata (R raises
        at the variance, too)."""
        if self.lonely_psu != "fail":
            return
        for s, codes in self.lonely_strata():
            if s == 0 and presence is not None:
                codes = codes[np.asarray(presence)[codes].any(axis=1)]
            lonely = np.zeros(self.variance_stages[s].n_strata, dtype=bool)
            lonely[codes] = True
            if lonely.any():
                if s == 0 and self.strata_name is not None:
                    labels = _codes(self.data[self.strata_name])[1][np.flatnonzero(lonely)]
                    where = f"strata of {self.strata_name!r}: {', '.join(map(_value, labels[:20]))}"
                else:
                    where = f"{int(lonely.sum())} stratum(s) at stage {s + 1}"
                raise DesignError(
                    f"{int(lonely.sum())} stratum(s) have only one PSU ({where}); choose "
                    "lonely_psu='certainty', 'adjust', 'remove' or 'average'"
                )

    # -- convenient views ------------------------------------------------------------------
    @property
    def psu(self) -> np.ndarray:
        """First-stage unit code of each row (0..n_psu-1)."""
        return self.stages[0].unit

    @property
    def strata(self) -> np.ndarray:
        """First-stage stratum code of each row."""
        st = self.stages[0]
        return st.unit_stratum[st.unit]

    @property
    def psu_strata(self) -> np.ndarray:
        return self.stages[0].unit_stratum

    @property
    def n_psu(self) -> int:
        return self.stages[0].n_units

    @property
    def n_strata(self) -> int:
        return self.stages[0].n_strata

    @property
    def degf(self) -> int:
        """Design degrees of freedom: PSUs minus strata among rows with non-zero weight (R)."""
        cached = self.__dict__.get("_degf_cache")
        if cached is not None and cached[0] is self.weights:
            return cached[1]
        st = self.stages[0]
        inset = self.weights != 0
        psus = np.bincount(st.unit[inset], minlength=st.n_units) > 0
        strata = np.bincount(st.unit_stratum[psus], minlength=st.n_strata) > 0
        value = int(psus.sum() - strata.sum())
        self.__dict__["_degf_cache"] = (self.weights, value)
        return value

    def with_weights(self, weights, calibration=None) -> Design:
        """A new design with other weights (same structure); ``calibration`` steps are
        appended to the ones already carried (see :mod:`survey.engine.calibration`)."""
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (self.n,):
            raise DesignError(f"weights must have length {self.n}, got {weights.shape}")
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            raise DesignError(
                f"new weights have missing, negative or infinite values in {_rows(bad)}"
            )
        new.weights = weights
        new.calibration = self.calibration + tuple(calibration or ())
        return new

    def __repr__(self) -> str:
        stages = len(self.psu_names) or 1
        return (
            f"Design(n={self.n}, strata={self.n_strata}, psu={self.n_psu}, stages={stages}, "
            f"fpc={'yes' if self._fpc_given else 'no'}, lonely_psu={self.lonely_psu!r}, "
            f"calibrated={'yes' if self.calibration else 'no'})"
        )

    def summary(self) -> dict:
        """Plain-language description of the design (for reports' methods annexes)."""
        return {
            "rows": self.n,
            "weight": self.weight_name,
            "strata": self.strata_name,
            "n_strata": self.n_strata,
            "psu": self.psu_names,
            "n_psu": self.n_psu,
            "fpc": self.fpc_names,
            "nest": self.nest,
            "lonely_psu": self.lonely_psu,
            "calibration": [getattr(s, "label", "") for s in self.calibration],
            "variance": "Taylor linearisation (with-replacement first stage"
            + (", FPC by stage" if self._fpc_given else "")
            + ")",
            "df": self.degf,
        }


class ReplicateDesign(_Verbs):
    """A design whose variance comes from replicate weights (R's ``svrepdesign``).

    Parameters
    ----------
    data : pandas.DataFrame or survey.io.SurveyData
    weight : str
        Full-sample weight column.
    repweights : list of str, str (regular expression) or ndarray (n x R)
        Replicate weight columns, or a matrix of replicate weights.
    type : {"JK1", "JKn", "BRR", "Fay", "bootstrap", "other"}
    scale, rscales : float and array, optional
        Variance is ``scale * sum_r rscales_r (theta_r - centre)^2``. Defaults as R's
        ``svrepdesign``: JK1 (R-1)/R, BRR 1/R, Fay 1/(R (1-rho)^2), bootstrap 1/(R-1),
        JKn needs ``rscales``; ``rscales`` default 1.
    combined_weights : bool
        Replicate columns already include the sampling weight (R's default ``TRUE``).
    mse : bool
        Centre at the full-sample estimate (True) or at the replicates' mean (False, R default).
    rho : float
        Fay's coefficient (``type="Fay"``).
    """

    def __init__(
        self,
        data,
        weight: str,
        repweights,
        type: str = "other",
        scale: float | None = None,
        rscales=None,
        combined_weights: bool = True,
        mse: bool = False,
        rho: float | None = None,
    ):
        meta = getattr(data, "meta", None)
        frame = getattr(data, "data", data)
        if type not in REPLICATE_TYPES:
            raise DesignError(f"type={type!r} is not one of {', '.join(REPLICATE_TYPES)}")
        self.data = frame
        self.meta = meta
        self.n = len(frame)
        self.type = type
        self.weight_name = weight
        self.mse = bool(mse)
        self.rho = rho
        if weight not in frame.columns:
            from survey._names import did_you_mean

            raise DesignError(
                f"column {weight!r} is not in the data{did_you_mean(weight, frame.columns)}"
            )
        try:
            w = pd.to_numeric(frame[weight]).to_numpy(dtype=float)
        except (ValueError, TypeError) as exc:
            raise DesignError(f"weight column {weight!r} is not numeric") from exc
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise DesignError(
                f"weight column {weight!r} has missing, negative or infinite values in {_rows(bad)}"
            )
        if not (w > 0).any():
            raise DesignError(f"weight column {weight!r} is zero in every row")
        self.weights = w
        if isinstance(repweights, np.ndarray):
            rw = np.asarray(repweights, dtype=float)
            self.repweight_names = [f"rep{i + 1}" for i in range(rw.shape[1])]
        else:
            if isinstance(repweights, str):
                cols = [c for c in frame.columns if pd.Series([c]).str.match(repweights).iloc[0]]
                if not cols:
                    raise DesignError(f"no column matches repweights pattern {repweights!r}")
            else:
                cols = list(repweights)
                missing = [c for c in cols if c not in frame.columns]
                if missing:
                    raise DesignError(f"replicate weight columns not in the data: {missing}")
            rw = frame[cols].to_numpy(dtype=float)
            self.repweight_names = cols
        if rw.ndim != 2 or rw.shape[0] != self.n:
            raise DesignError("repweights must have one row per data row")
        if not np.isfinite(rw).all():
            raise DesignError("replicate weights have missing or infinite values")
        if not combined_weights:
            rw = rw * w[:, None]
        n_rep = rw.shape[1]
        self.n_replicates = n_rep
        self.scale, self.rscales = _default_scales(type, n_rep, scale, rscales, rho)
        # Row-level replicate weights: the "units" are the rows, the factors are rw / w.
        self._rep_rows = rw
        self.factors = None
        self.unit = None
        self.calibration = ()

    @classmethod
    def from_table(cls, table, weight, repweights, type="other", **kwargs):
        """Replicate weight columns of a Parquet/CSV path or glob, DuckDB relation or table,
        or ``pyspark.sql.DataFrame``, estimated where the data are
        (:class:`survey.backends.TableReplicateDesign`)."""
        from survey.backends import TableReplicateDesign

        return TableReplicateDesign(table, weight, repweights, type, **kwargs)

    from_parquet = from_table

    @classmethod
    def from_factors(
        cls,
        design: Design,
        factors: np.ndarray,
        type: str,
        scale: float | None = None,
        rscales=None,
        mse: bool = False,
        rho: float | None = None,
    ) -> ReplicateDesign:
        """Replicates defined by PSU-level factors: replicate weight of row i in replicate r is
        ``w_i * factors[psu_i, r]`` (JK1, JKn, BRR, Fay, bootstrap built from a design)."""
        factors = np.asarray(factors, dtype=float)
        if factors.ndim != 2 or factors.shape[0] != design.n_psu:
            raise DesignError(f"factors must be (n_psu={design.n_psu}, R), got {factors.shape}")
        new = object.__new__(cls)
        new.data = design.data
        new.meta = design.meta
        new.n = design.n
        new.type = type
        new.weight_name = design.weight_name
        new.mse = bool(mse)
        new.rho = rho
        new.weights = design.weights
        new.n_replicates = factors.shape[1]
        new.repweight_names = [f"rep{i + 1}" for i in range(factors.shape[1])]
        new.scale, new.rscales = _default_scales(type, factors.shape[1], scale, rscales, rho)
        new._rep_rows = None
        new.factors = factors
        new.unit = design.psu
        new.source_design = design
        new.calibration = ()
        return new

    def repweights(self) -> np.ndarray:
        """Row-level replicate weights (n x R)."""
        if self._rep_rows is not None:
            return self._rep_rows
        return self.weights[:, None] * self.factors[self.unit]

    @property
    def degf(self) -> int:
        """R's ``degf`` for replicate designs: rank of the replicate weights minus one
        (computed once)."""
        if getattr(self, "_degf", None) is None:
            mat = self.factors if self.factors is not None else self._rep_rows
            # rank from the R x R cross-product (n x R SVDs are slow for large n), with R's
            # qr(tol = 1e-5) relative tolerance on the singular values
            self._degf = replicate_rank(mat) - 1
        return self._degf

    def domain_degf(self, rows: np.ndarray) -> int:
        """R's ``degf`` of the subset design holding ``rows`` (boolean mask): the rank of
        the replicate weights of those rows minus one."""
        if self.factors is not None:
            units = np.unique(self.unit[rows])
            return replicate_rank(self.factors[units]) - 1
        return replicate_rank(self._rep_rows[rows]) - 1

    def __repr__(self) -> str:
        return f"ReplicateDesign(n={self.n}, type={self.type!r}, replicates={self.n_replicates})"

    def summary(self) -> dict:
        return {
            "rows": self.n,
            "weight": self.weight_name,
            "replicates": self.n_replicates,
            "type": self.type,
            "scale": self.scale,
            "mse": self.mse,
            "variance": f"replicate weights ({self.type}, {self.n_replicates} replicates)",
            "df": self.degf,
        }


def replicate_rank(mat: np.ndarray) -> int:
    """Rank of a replicate weight (or factor) matrix with R's ``qr(tol = 1e-5)`` relative
    tolerance, from the R x R cross-product (an SVD of n x R is slow for large n)."""
    if mat.shape[0] == 0:
        return 0
    eig = np.linalg.eigvalsh(mat.T @ mat)
    sing = np.sqrt(np.clip(eig, 0.0, None))
    return int((sing > 1e-5 * sing.max()).sum()) if sing.max() > 0 else 0


def _default_scales(type_, n_rep, scale, rscales, rho):
    if scale is None:
        if type_ == "JK1":
            scale = (n_rep - 1) / n_rep
        elif type_ == "BRR":
            scale = 1.0 / n_rep
        elif type_ == "Fay":
            if rho is None:
                raise DesignError("type='Fay' needs rho")
            scale = 1.0 / (n_rep * (1 - rho) ** 2)
        elif type_ == "bootstrap":
            scale = 1.0 / (n_rep - 1)
        else:
            scale = 1.0
    if rscales is None:
        if type_ == "JKn":
            raise DesignError(
                "type='JKn' needs rscales ((n_h - 1) / n_h of each replicate's stratum)"
            )
        rscales = np.ones(n_rep)
    rscales = np.broadcast_to(np.asarray(rscales, dtype=float), (n_rep,)).copy()
    return float(scale), rscales


#: Keys a design spec (YAML or dict) may hold, and the Design argument each maps to.
DESIGN_SPEC_KEYS = ("weight", "strata", "psu", "fpc", "nest", "lonely_psu", "adjust_domain_lonely")


def design_from_spec(data, spec: dict) -> Design:
    """Build a :class:`Design` from a mapping such as a ``design.yaml``::

        weight: Fact_Hog_Reg
        strata: VarStrat
        psu: Conglomerado
        lonely_psu: certainty

    Unknown keys raise (so a typo never silently drops a design feature); estimation
    options (``by``, ``ci``, ``level``, ``df``) may sit beside them and are ignored here.
    """
    allowed = set(DESIGN_SPEC_KEYS) | {"by", "ci", "level", "df", "variables", "stat"}
    unknown = set(spec) - allowed
    if unknown:
        raise DesignError(f"unknown design key(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
    return Design(data, **{k: spec[k] for k in DESIGN_SPEC_KEYS if k in spec})


#: Keys a replicate-design spec (the JSON ``survey weight --replicates`` writes) may hold.
REPLICATE_SPEC_KEYS = (
    "weight", "repweights", "type", "scale", "rscales", "combined_weights", "mse", "rho",
)  # fmt: skip


def replicate_design_from_spec(data, spec, source=None) -> ReplicateDesign:
    """Build a :class:`ReplicateDesign` from a mapping (the JSON ``survey weight`` writes).

    Every key is checked like a design YAML: an unknown key (``sclae`` for ``scale``) raises a
    :class:`DesignError` naming ``source`` (the file), the key and the nearest allowed key,
    instead of a ``TypeError`` from the constructor; ``weight`` and ``repweights`` are
    required.
    """
    import difflib

    where = f"{source}: " if source is not None else ""
    if not isinstance(spec, dict):
        raise DesignError(
            f"{where}a replicate spec must be a JSON object of ReplicateDesign arguments, "
            f"got {type(spec).__name__}"
        )
    for key in spec:
        if key not in REPLICATE_SPEC_KEYS:
            near = difflib.get_close_matches(str(key), REPLICATE_SPEC_KEYS, n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise DesignError(
                f"{where}unknown replicate key {key!r}{hint}; allowed: "
                f"{', '.join(REPLICATE_SPEC_KEYS)}"
            )
    missing = [k for k in ("weight", "repweights") if k not in spec]
    if missing:
        raise DesignError(f"{where}replicate spec lacks {', '.join(missing)}")
    return ReplicateDesign(data, **spec)
