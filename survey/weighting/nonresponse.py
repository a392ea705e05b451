"""Nonresponse adjustment by weighting classes and by response-propensity classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.weighting._base import (
    WeightingError,
    WeightingStep,
    as_var_list,
    is_replicate,
    sample_labels,
    validate_params,
    weight_columns,
)
from survey.weighting.diagnostics import make_diagnostics


def _model_matrix(data: pd.DataFrame, variables: list[str]) -> np.ndarray:
    cols = [np.ones(len(data))]
    for var in variables:
        s = data[var]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            x = s.to_numpy(dtype=float)
            if np.isnan(x).any():
                raise WeightingError(f"Nonresponse: covariate {var!r} has missing values")
            cols.append(x)
        else:
            labs = sample_labels(data, [var], "Nonresponse")[0]
            for lev in sorted(set(labs.tolist()))[1:]:
                cols.append((labs == lev).astype(float))
    return np.column_stack(cols)


def logistic_propensity(
    X: np.ndarray, y: np.ndarray, weights=None, max_iter=50, tol=1e-10
) -> np.ndarray:
    """Fitted response probabilities of a logistic regression (IRLS, optional case weights)."""
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    beta = np.zeros(X.shape[1])
    for _ in range(max_iter):
        eta = X @ beta
        p = 1 / (1 + np.exp(-eta))
        v = w * p * (1 - p)
        grad = X.T @ (w * (y - p))
        hess = X.T @ (X * v[:, None])
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    return 1 / (1 + np.exp(-(X @ beta)))


class NonresponseAdjustment(WeightingStep):
    """Weighting-class nonresponse adjustment.

    Within each class ``c`` respondents' weights are multiplied by
    ``sum_{i in c} w_i / sum_{i in c, respondent} w_i`` (the weighted response rate's inverse);
    nonrespondents get weight 0 and stay in the design (so PSUs and strata are unchanged).
    Classes are either the crossing of ``classes`` or, with ``propensity``, ``n_classes``
    quantile groups of response propensities fitted by a logistic model on the
    ``propensity`` covariates (categorical covariates as dummies).

    Parameters
    ----------
    respondent : str
        Column, 1/True for respondents, 0/False for nonrespondents.
    classes : list of str, optional
        Weighting-class variables.
    propensity : list of str, optional
        Covariates of the response-propensity model (instead of ``classes``).
    n_classes : int
        Number of propensity classes (equal-count quantile groups; default 5).
    weighted_model : bool
        Fit the propensity model with the design weights.

    Attributes
    ----------
    weights_, repweights_, diagnostics_ ; ``factors_`` (DataFrame: class, eligible and
    respondent weighted sums, response rate, adjustment factor); ``propensity_`` (n,) or None.

    Notes
    -----
    Assumes responses are missing at random within classes. The Taylor variance treats the
    adjustment factors as fixed (no R counterpart); replicate designs repeat the adjustment in
    each replicate, which captures its variability.
    """

    def __init__(
        self, respondent, classes=None, propensity=None, n_classes=5, weighted_model=False
    ):
        self.respondent = respondent
        self.classes = classes
        self.propensity = propensity
        self.n_classes = n_classes
        self.weighted_model = weighted_model

    def fit(self, design):
        validate_params(self)
        data = design.data
        if (self.classes is None) == (self.propensity is None):
            raise WeightingError(
                "NonresponseAdjustment: give exactly one of classes= or propensity="
            )
        if self.respondent not in data.columns:
            raise WeightingError(
                f"NonresponseAdjustment: column {self.respondent!r} is not in the data"
            )
        r = data[self.respondent]
        if r.isna().any():
            raise WeightingError(
                f"NonresponseAdjustment: column {self.respondent!r} has missing values"
            )
        resp = r.astype(float).to_numpy()
        if not np.isin(resp, [0.0, 1.0]).all():
            raise WeightingError(
                f"NonresponseAdjustment: column {self.respondent!r} must be 0/1 or boolean"
            )
        resp = resp.astype(bool)
        w = design.weights
        self.propensity_ = None
        if self.classes is not None:
            vars_ = as_var_list(self.classes)
            labs = sample_labels(data, vars_, "NonresponseAdjustment")
            key = pd.MultiIndex.from_arrays(labs) if len(labs) > 1 else pd.Index(labs[0])
            codes, uniq = pd.factorize(key, sort=True)
            names = [
                ", ".join(
                    f"{v}={x}"
                    for v, x in zip(vars_, (u if isinstance(u, tuple) else (u,)), strict=True)
                )
                for u in uniq
            ]
        else:
            vars_ = as_var_list(self.propensity)
            missing = [v for v in vars_ if v not in data.columns]
            if missing:
                raise WeightingError(
                    f"NonresponseAdjustment: covariates {missing} are not in the data"
                )
            X = _model_matrix(data, vars_)
            p = logistic_propensity(X, resp.astype(float), w if self.weighted_model else None)
            self.propensity_ = p
            ranks = pd.Series(p).rank(method="first").to_numpy()
            codes = np.minimum((ranks - 1) * self.n_classes // len(p), self.n_classes - 1).astype(
                int
            )
            names = [f"propensity class {k + 1}" for k in range(self.n_classes)]
        k = len(names)
        W = weight_columns(design)
        tot = np.stack(
            [np.bincount(codes, weights=W[:, j], minlength=k) for j in range(W.shape[1])], axis=1
        )
        rtot = np.stack(
            [np.bincount(codes, weights=W[:, j] * resp, minlength=k) for j in range(W.shape[1])],
            axis=1,
        )
        bad = (tot[:, 0] > 0) & (rtot[:, 0] <= 0)
        if bad.any():
            c = int(np.flatnonzero(bad)[0])
            raise WeightingError(
                f"NonresponseAdjustment: class {names[c]} has no respondents (or only zero weights); "
                "collapse it with a neighbouring class"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            fac = np.where(rtot > 0, tot / rtot, 0.0)
        Wn = W * fac[codes] * resp[:, None]
        self.weights_ = Wn[:, 0].copy()
        self.repweights_ = Wn[:, 1:] if is_replicate(design) else None
        self.factors_ = pd.DataFrame(
            {
                "class": names,
                "eligible": tot[:, 0],
                "respondents": rtot[:, 0],
                "response_rate": rtot[:, 0] / np.where(tot[:, 0] > 0, tot[:, 0], np.nan),
                "factor": fac[:, 0],
            }
        )
        self.diagnostics_ = make_diagnostics(w, self.weights_, classes=self.factors_)
        return self
