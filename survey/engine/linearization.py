"""Taylor-linearisation variance of estimates from their unit-level influence totals.

This is R's ``svyrecvar``/``multistage``/``onestage``/``onestrat`` written on aggregated
arrays: for each variance stage s and stratum h (later-stage strata are the parent units),

    V += m_h * c_h * (sum_u z_u z_u' - a_h S_h S_h'),   S_h = sum_{u in h} z_u

with ``c_h = f_h n_h / (n_h - 1)`` (``f_h = (N_h - n_h)/N_h``, 1 without FPC), ``a_h = 1/n_h``
(R's centring at the stratum mean over the ``n_h`` design PSUs, with zeros for PSUs outside a
domain) and ``m_h`` the product of the sampling fractions of the earlier stages. Strata with a
single PSU follow the lonely-PSU policy: ``certainty``/``remove`` contribute nothing,
``adjust`` is centred at zero (``a_h = 0``), ``average`` is left out and the sum scaled by
(strata present) / (strata with more than one PSU present).

With ``design.adjust_domain_lonely`` (R's ``options(survey.adjust.domain.lonely=TRUE)``) a
first-stage stratum with several PSUs in the design but only one holding rows of an
estimate's domain is treated as lonely *for that estimate* (R's ``onestrat`` on the subset
design): under ``adjust`` its PSU total is not centred (``a_hk = 0``), under ``average`` it is
left out and counted as such in the rescaling; other policies are unchanged (R only warns).
The PSU counts per (stratum, estimate) come in ``strata_presence`` (integers instead of
booleans, :func:`survey.engine.core._item_presence`). As in R the option does not act on
calibrated designs (their subsets keep every row). As R's ``onestrat`` the rule applies at every
stage (a later-stage stratum is a unit of the stage above; its count is of units holding rows of
the domain); ``average`` on a multistage design is refused (R rescales within later-stage
strata, not implemented).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _indicator(codes: np.ndarray, n_cols: int) -> sp.csr_matrix:
    rows = np.arange(codes.size)
    return sp.csr_matrix((np.ones(codes.size), (rows, codes)), shape=(codes.size, n_cols))


def unit_maps(design) -> list[np.ndarray]:
    """For each variance stage, the stage unit of every finest variance unit."""
    stages = design.variance_stages
    maps = [None] * len(stages)
    maps[-1] = np.arange(stages[-1].n_units)
    for s in range(len(stages) - 1, 0, -1):
        maps[s - 1] = stages[s].unit_parent[maps[s]]
    return maps


def _single_entry_blocks(G, blocks):
    """For G (U x P) made of column blocks with at most one stored entry per unit in each
    (the unit totals of one-hot calibration cells when every unit is one row): per block
    (first column, size, column of each unit's entry or -1, its value); else None."""
    if not blocks or sum(blocks) != G.shape[1]:
        return None
    G = sp.csr_matrix(G)
    U = G.shape[0]
    rows = np.repeat(np.arange(U), np.diff(G.indptr))
    out, start = [], 0
    for size in blocks:
        inb = (G.indices >= start) & (G.indices < start + size)
        r = rows[inb]
        if r.size and (np.bincount(r, minlength=U) > 1).any():
            return None
        col = np.full(U, -1, dtype=np.int64)
        val = np.zeros(U)
        col[r] = G.indices[inb] - start
        val[r] = G.data[inb]
        out.append((start, size, col, val))
        start += size
    return out


def _factored_ss_single(Zs, single, C, unit_stratum, H):
    """Per stratum and estimate, sum over units of (z_u - g_u C)^2 for G given by
    :func:`_single_entry_blocks`: sum z^2 - 2 sum z (g C) + sum (g C)^2 from bincounts over
    Z's stored entries (cross term) and over units (quadratic term), never (U x K) dense."""
    Zs = sp.csr_matrix(Zs)
    K = Zs.shape[1]
    per_row = np.diff(Zs.indptr)
    m = int(per_row.max()) if per_row.size else 0
    rows = np.flatnonzero(per_row)
    if m and (per_row[rows] == m).all():
        # the same number of stored entries in every non-empty unit (one domain's items):
        # unit-level indices broadcast over the unit's entries
        k = Zs.indices.reshape(rows.size, m)
        z = Zs.data.reshape(rows.size, m)
        h = unit_stratum[rows]
        SS = np.bincount(
            ((h * K)[:, None] + k).ravel(), weights=(z * z).ravel(), minlength=H * K
        ).reshape(H, K)
        for start, size, col, val in single:
            c = col[rows]
            ok = c >= 0
            base = (h[ok] * size + c[ok]) * K
            M = np.bincount(
                (base[:, None] + k[ok]).ravel(),
                weights=(z[ok] * val[rows[ok]][:, None]).ravel(),
                minlength=H * size * K,
            )
            SS -= 2 * np.einsum("hpk,pk->hk", M.reshape(H, size, K), C[start : start + size])
    else:
        r = np.repeat(np.arange(Zs.shape[0]), per_row)
        k, z = Zs.indices.astype(np.int64), Zs.data
        h_r = unit_stratum[r]
        SS = np.bincount(h_r * K + k, weights=z * z, minlength=H * K).reshape(H, K)
        for start, size, col, val in single:
            c_r = col[r]
            ok = c_r >= 0
            idx = (h_r[ok] * size + c_r[ok]) * K + k[ok]
            M = np.bincount(idx, weights=z[ok] * val[r[ok]], minlength=H * size * K)
            SS -= 2 * np.einsum("hpk,pk->hk", M.reshape(H, size, K), C[start : start + size])
    for s1, n1, col1, val1 in single:
        for s2, n2, col2, val2 in single:
            ok = (col1 >= 0) & (col2 >= 0)
            idx = (unit_stratum[ok] * n1 + col1[ok]) * n2 + col2[ok]
            Q = np.bincount(idx, weights=val1[ok] * val2[ok], minlength=H * n1 * n2)
            SS += np.einsum("pk,hpq,qk->hk", C[s1 : s1 + n1], Q.reshape(H, n1, n2), C[s2 : s2 + n2])
    return SS


def _factored_part(Zs, Gs, C, S, st, c_use, a, nh, full, blocks=None):
    """One stage's contribution for influence totals Z - G C without forming them:
    sum_u z'_u z'_u' = Z'Z - Z'G C - C'G'Z + C'G'G C within each stratum (uncentred, then
    centred with the stratum sums S of Z - G C, absent units included through G)."""
    Gs = sp.csr_matrix(Gs)
    if full:
        cu = c_use[st.unit_stratum][:, None]
        ZcZ = np.asarray((Zs.T @ Zs.multiply(cu)).todense())
        ZcG = np.asarray((Zs.T @ Gs.multiply(cu)).todense())
        GcG = np.asarray((Gs.T @ Gs.multiply(cu)).todense())
        part = ZcZ - ZcG @ C - C.T @ ZcG.T + C.T @ GcG @ C
        return part - S.T @ (S * (c_use * a)[:, None])
    H, P, K = st.n_strata, Gs.shape[1], Zs.shape[1]
    single = _single_entry_blocks(Gs, blocks)
    if single is not None:
        SS = _factored_ss_single(Zs, single, C, st.unit_stratum, H)
        SSc = SS - a[:, None] * S**2 * (2 - nh[:, None] * a[:, None])
        return (c_use[:, None] * SSc).sum(axis=0)
    Hm = _indicator(st.unit_stratum, H)
    SSz = np.asarray((Hm.T @ Zs.multiply(Zs)).todense())
    coo = Gs.tocoo()  # G expanded by stratum: column h * P + p
    Gexp = sp.csr_matrix(
        (coo.data, (coo.row, st.unit_stratum[coo.row] * P + coo.col)), shape=(Gs.shape[0], H * P)
    )
    M = np.asarray((Zs.T @ Gexp).todense()).reshape(K, H, P)
    cross = np.einsum("khp,pk->hk", M, C)
    Q = np.asarray((Gexp.T @ Gs).todense()).reshape(H, P, P)
    quad = np.einsum("pk,hpq,qk->hk", C, Q, C)
    SS = SSz - 2 * cross + quad
    SSc = SS - a[:, None] * S**2 * (2 - nh[:, None] * a[:, None])
    return (c_use[:, None] * SSc).sum(axis=0)


#: Z is handled as a dense array when at least this share of its entries is stored ...
DENSE_FRACTION = 0.3
#: ... and it has at most this many entries.
DENSE_LIMIT = 60_000_000
#: Dense temporaries are formed over column blocks of at most this many entries.
_BLOCK = 4_000_000


def _dense_part(Zs, S, st, c_use, a, full):
    """One stage's contribution for dense influence totals Zs (U x K): the same centred sums
    of squares as the sparse path, over every unit of each stratum (units outside a domain
    have z = 0 and count ``(a S)^2``, as the ``n_h`` design units do in R)."""
    H = _indicator(st.unit_stratum, st.n_strata)
    if full:
        cu = c_use[st.unit_stratum]
        return Zs.T @ (Zs * cu[:, None]) - S.T @ (S * (c_use * a)[:, None])
    U, K = Zs.shape
    out = np.empty(K)
    step = max(1, _BLOCK // max(U, 1))
    for k0 in range(0, K, step):
        k1 = min(K, k0 + step)
        dev = Zs[:, k0:k1] - (a[:, None] * S[:, k0:k1])[st.unit_stratum]
        with np.errstate(over="ignore", invalid="ignore"):  # beyond 1e150: announced
            dev *= dev
            out[k0:k1] = c_use @ np.asarray(H.T @ dev)
    return out


def one_stage_rule(design, strata_presence=None):
    """``(stage, c, a)`` when the variance is one stage's ``sum_h c_h sum_u (z_u - a_h S_h)^2``
    with constants that do not depend on the estimate (one variance stage, no
    ``adjust_domain_lonely`` rule acting, no ``average`` rescaling): the form
    :func:`dense_moments` computes directly; else None (use :func:`vcov`)."""
    stages = design.variance_stages
    if len(stages) != 1 or _domain_lonely(design, strata_presence) is not None:
        return None
    st = stages[0]
    _, f, lonely, scale, a = _stratum_constants(st, design.lonely_psu)
    if design.lonely_psu == "average" and (lonely & (f >= 1e-7)).any():
        return None
    c = scale.copy()
    c[f < 1e-7] = 0.0  # R: strata sampled completely contribute nothing
    # a single unit centred on itself (certainty, remove) adds exactly 0 (z - S_h = 0):
    # c = 0 says so, rather than leaving it to the rounding of an expanded sum
    c[(st.n_sampled == 1) & (a == 1)] = 0.0
    return st, c, a


def dense_moments(rule, Z3, M3=None, p_of=None):
    """Variances of dense influence totals laid out (U, D, J) (units x domains x items;
    overwritten; non-finite entries count as 0) under a :func:`one_stage_rule`, as :func:`vcov` gives them, (D x J).

    With ``M3`` (U, D, P) and ``p_of`` (J,) (item j's m is ``M3[:, :, p_of[j]]``) also the
    centred cross moments that influences ``alpha z + beta m`` need:

        var(alpha z + beta m) = alpha^2 V + 2 alpha beta X + beta^2 W,

    ``X = sum_h c_h sum_u (z_u - a S_h)(m_u - a S^m_h)`` and ``W`` the same for ``m``
    alone. Returns ``V`` or ``(V, X, W)``, each (D x J)."""
    st, c, a = rule
    h = st.unit_stratum
    U, D, J = Z3.shape
    Hm = _indicator(h, st.n_strata)
    cu = c[h]
    Z = Z3.reshape(U, D * J)
    S = np.asarray(Hm.T @ Z)
    if not np.isfinite(S).all():  # a non-finite entry makes its stratum sum non-finite
        Z[~np.isfinite(Z)] = 0.0  # as cell_matrix: non-finite influence counts as 0
        S = np.asarray(Hm.T @ Z)
    Z -= (a[:, None] * S)[h]  # centred at the stratum mean (R's onestrat), in place
    with np.errstate(over="ignore", invalid="ignore"):  # beyond 1e150: announced
        V = np.einsum("u,uk,uk->k", cu, Z, Z).reshape(D, J)
    if M3 is None:
        return V
    P = M3.shape[2]
    M = M3.reshape(U, D * P)
    dm = M - (a[:, None] * np.asarray(Hm.T @ M))[h]
    W_dp = np.einsum("u,uk,uk->k", cu, dm, dm).reshape(D, P)
    g = (dm * cu[:, None]).reshape(U, D, P)
    if P == J and (p_of == np.arange(J)).all():  # each item its own m
        return V, np.einsum("udj,udj->dj", Z3, g), W_dp
    X = np.empty((D, J))
    for p in range(P):
        js = np.flatnonzero(p_of == p)
        if not js.size:
            continue
        sub = Z3[:, :, js[0] : js[-1] + 1] if (np.diff(js) == 1).all() else Z3[:, :, js]
        X[:, js] = np.einsum("udj,ud->dj", sub, g[:, :, p])
    return V, X, W_dp[:, p_of]


def check_lonely(design, strata_presence=None):
    """Raise as R does for lonely PSUs under ``lonely_psu='fail'`` (the strata holding rows of
    the estimates named); return the first-stage presence the variance rules use."""
    if _domain_lonely(design, strata_presence) is not None or _stacked(design, strata_presence):
        # adjust_domain_lonely: unit counts of every variance stage, stacked; the first
        # stage's rows are the presence the other rules use
        strata_presence = np.asarray(strata_presence)[: design.variance_stages[0].n_strata]
    design.check_lonely(strata_presence)
    return strata_presence


def vcov(design, Z, strata_presence=None, full: bool = False, dense: bool = False):
    """Variance (diagonal, or full K x K with ``full=True``) of K estimates.

    Parameters
    ----------
    design : Design
    Z : scipy.sparse matrix or ndarray (U x K)
        Influence totals per finest variance unit (``design.variance_stages[-1]`` units).
        With ``dense=True`` an ndarray is used as it is (every unit's totals, non-finite
        values already zeroed), never converted to sparse.
    strata_presence : ndarray (H1 x K) of bool, optional
        Whether each first-stage stratum holds rows of each estimate's domain; only the
        ``average`` lonely-PSU policy uses it (R counts the strata of the domain).
    """
    from survey.engine.calibrate_variance import LowRankZ

    domain_lonely = _domain_lonely(design, strata_presence)
    strata_presence = check_lonely(design, strata_presence)
    from survey.engine.calibrate_variance import RowLowRankZ

    stages = design.variance_stages
    if (
        isinstance(Z, RowLowRankZ)
        and not full
        and domain_lonely is None
        and len(stages) == 1
        and design.lonely_psu != "average"
    ):
        return _row_part(Z, stages[0], design.lonely_psu)
    G = C = blocks = None
    if isinstance(Z, LowRankZ):  # Z - G @ C kept factored (calibrated designs, many units)
        Z, G, C, blocks = Z.Z, Z.G, Z.C, Z.blocks
    dense_view = getattr(Z, "dense_view", None)  # core.cell_matrix: all entries stored
    dense_given = dense and G is None and isinstance(Z, np.ndarray)
    if not dense_given:  # (dense=True: influence totals of every unit, used as they are)
        Z = sp.csr_matrix(Z)
    K = Z.shape[1]
    if dense_given:
        pass
    elif (
        G is None
        and dense_view is not None
        and dense_view.shape == Z.shape
        and Z.nnz == dense_view.size
        and np.may_share_memory(Z.data, dense_view)
    ):
        Z = dense_view
    elif G is None and Z.nnz >= DENSE_FRACTION * Z.shape[0] * K and Z.shape[0] * K <= DENSE_LIMIT:
        # influence totals stored for (nearly) every unit: dense arithmetic is faster
        Z = Z.toarray()
    stages = design.variance_stages
    maps = unit_maps(design)
    policy = design.lonely_psu
    V = np.zeros((K, K)) if full else np.zeros(K)
    mult_units = None  # product of earlier sampling fractions, per unit of the previous stage
    for s, st in enumerate(stages):
        last = s == len(stages) - 1
        dense = isinstance(Z, np.ndarray)
        if last:
            Zs = Z
        elif dense:
            Zs = np.asarray(_indicator(maps[s], st.n_units).T @ Z)
        else:
            Zs = (_indicator(maps[s], st.n_units).T @ Z).tocsr()
        Gs = None if G is None else (G if last else (_indicator(maps[s], st.n_units).T @ G))
        nh, f, lonely, scale, a = _stratum_constants(st, policy)
        mult = np.ones(st.n_strata) if s == 0 else mult_units  # stage-s strata = parent units
        c = mult * scale
        c[f < 1e-7] = 0.0  # R: strata sampled completely contribute nothing
        avg_lonely = lonely & (f >= 1e-7) if policy == "average" else np.zeros_like(lonely)
        c_use = np.where(avg_lonely, 0.0, c)
        H = _indicator(st.unit_stratum, st.n_strata)
        # (H_s x K): strata holding one unit of the domain (several in the design)
        dl = None if domain_lonely is None else domain_lonely[s]
        if dl is not None:
            dl = dl & (c != 0)[:, None]
            if policy == "average":  # leave those (stratum, estimate) pairs out
                keep = (~dl)[st.unit_stratum].astype(float)
                Zs = Zs * keep if dense else sp.csr_matrix(Zs.multiply(keep))
        S = np.asarray(H.T @ Zs) if dense else np.asarray((H.T @ Zs).todense())  # (H x K)
        if dl is not None and policy == "adjust":
            Zsp = sp.csr_matrix(Zs) if dense else Zs
            part = _adjusted_part(Zsp, S, st, c_use, np.where(dl, 0.0, a[:, None]), nh, full)
        elif dense:
            part = _dense_part(Zs, S, st, c_use, a, full)
        elif Gs is not None:
            S = S - np.asarray((H.T @ Gs).todense()) @ C
            part = _factored_part(Zs, Gs, C, S, st, c_use, a, nh, full, blocks if last else None)
        elif full:
            cu = c_use[st.unit_stratum]
            part = np.asarray((Zs.T @ Zs.multiply(cu[:, None])).todense())
            part -= S.T @ (S * (c_use * a)[:, None])
        else:
            # centred sums of squares, computed on the stored cells for accuracy:
            # sum_u (z_u - a S)^2 over the n_h design units (absent units have z = 0)
            centre = a[:, None] * S
            coo = Zs.tocoo()
            h = st.unit_stratum[coo.row]
            flat = h * K + coo.col
            # overflow (values beyond 1e150, announced by the estimator) gives inf, not noise
            with np.errstate(over="ignore", invalid="ignore"):
                dev2 = (coo.data - centre[h, coo.col]) ** 2
                size = st.n_strata * K
                # float even when no cell is stored (all influence exactly zero: bincount of
                # no weights returns integers)
                SSc = np.bincount(flat, weights=dev2, minlength=size).astype(float)
                SSc = SSc.reshape(st.n_strata, K)
                stored = np.bincount(flat, minlength=size).reshape(st.n_strata, K)
                SSc += (nh[:, None] - stored) * centre**2
            part = (c_use[:, None] * SSc).sum(axis=0)
        if policy == "average" and (avg_lonely.any() or (dl is not None and dl.any())):
            if s == 0:
                pres = (
                    np.ones((st.n_strata, K), dtype=bool)
                    if strata_presence is None
                    else np.asarray(strata_presence, dtype=bool)
                )
                nstrat = pres.sum(axis=0)
                out = avg_lonely[:, None] if dl is None else avg_lonely[:, None] | dl
                nok = (pres & ~out).sum(axis=0)
                with np.errstate(divide="ignore", invalid="ignore"):  # no other stratum: NaN
                    factor = nstrat / nok
                    part = part * (np.sqrt(np.outer(factor, factor)) if full else factor)
            else:
                # R returns NaN for the estimates whose rows reach a lonely later-stage group
                lonely_units = avg_lonely[st.unit_stratum]
                hit = np.asarray(abs(Zs[lonely_units]).sum(axis=0)).ravel() > 0
                if full:
                    part = part.astype(float)
                    part[hit, :] = np.nan
                    part[:, hit] = np.nan
                else:
                    part = np.where(hit, np.nan, part)
        V = V + part
        frac = st.fraction
        mult_units = (mult * frac)[st.unit_stratum]
    return V


def _stratum_constants(st, policy):
    """Per stratum of a variance stage: ``(n_h, fpc factor, lonely, scale, a)``, the with-
    replacement variance ``scale * sum_u (z_u - a S_h)^2``: ``scale = f n_h / (n_h - 1)``
    (``f`` for a lonely unit) and the centring share ``a = 1 / n_h``; a lonely unit is centred
    on itself (``a = 1``: it adds nothing) or, with ``policy='adjust'``, on the grand mean
    (``a = 0``), as R's ``survey.lonely.psu``."""
    nh = st.n_sampled
    f = st.fpc_factor
    lonely = nh == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nh > 1, f * nh / (nh - 1), f)
        a = np.where(lonely, 0.0 if policy == "adjust" else 1.0, 1.0 / nh)
    return nh, f, lonely, scale, a


def _row_part(Z, st, policy):
    """The variance of a one-stage design whose rows are its units, calibrated by cell steps
    (:class:`~survey.engine.calibrate_variance.RowLowRankZ`): the stratum sums and sums of
    squares come from bincounts over the rows, never a (units x estimates) matrix."""
    nh, f, _, scale, a = _stratum_constants(st, policy)
    c = scale.copy()
    c[f < 1e-7] = 0.0  # R: strata sampled completely contribute nothing
    S, SS = Z.stratum_sums(st.unit_stratum, st.n_strata)
    SSc = SS - a[:, None] * S**2 * (2 - nh[:, None] * a[:, None])
    return (c[:, None] * SSc).sum(axis=0)


def _stacked(design, strata_presence) -> bool:
    """Whether ``strata_presence`` holds the stacked unit counts of every variance stage."""
    if strata_presence is None or len(design.variance_stages) == 1:
        return False
    return np.asarray(strata_presence).shape[0] == sum(st.n_strata for st in design.variance_stages)


def _domain_lonely(design, strata_presence):
    """Per variance stage, (H_s x K): strata with one unit of each estimate's domain but
    several in the design, when the design asks for R's ``survey.adjust.domain.lonely`` and
    the policy uses it (R's ``onestrat`` applies the rule at every stage)."""
    if (
        not getattr(design, "adjust_domain_lonely", False)
        or design.lonely_psu not in ("adjust", "average")
        or design.calibration
        or strata_presence is None
    ):
        return None
    stages = design.variance_stages
    if len(stages) > 1 and design.lonely_psu == "average":
        raise NotImplementedError(
            "adjust_domain_lonely with lonely_psu='average' on a design with several variance "
            "stages (R rescales within each later-stage stratum): use lonely_psu='adjust', a "
            "one-stage design or adjust_domain_lonely=False"
        )
    counts = np.asarray(strata_presence)
    if counts.dtype == bool:
        raise ValueError(
            "adjust_domain_lonely needs the unit counts per stratum and estimate "
            "(survey.engine.core._item_presence); got presence flags only"
        )
    sizes = [st.n_strata for st in stages]
    if counts.shape[0] == sizes[0] and len(stages) > 1:
        raise ValueError(
            "adjust_domain_lonely on a multistage design needs the unit counts of every stage "
            "(survey.engine.core._item_psu_counts)"
        )
    out, start = [], 0
    for st, h in zip(stages, sizes, strict=True):
        out.append((counts[start : start + h] == 1) & (st.n_sampled[:, None] > 1))
        start += h
    return out


def _adjusted_part(Zs, S, st, c_use, a2, nh, full):
    """A stage's contribution with a centring coefficient per (stratum, estimate):
    sum_h c_h [sum_u z_uk z_ul - (a_hk + a_hl - n_h a_hk a_hl) S_hk S_hl] over the n_h design
    units (absent ones have z = 0)."""
    if full:
        cu = c_use[st.unit_stratum][:, None]
        part = np.asarray((Zs.T @ Zs.multiply(cu)).todense())
        Sa = S * a2 * c_use[:, None]
        San = S * a2 * np.sqrt(c_use * nh)[:, None]
        return part - Sa.T @ S - S.T @ Sa + San.T @ San
    centre = a2 * S
    coo = Zs.tocoo()
    h = st.unit_stratum[coo.row]
    K = S.shape[1]
    flat = h * K + coo.col
    size = st.n_strata * K
    dev2 = (coo.data - centre[h, coo.col]) ** 2
    SSc = np.bincount(flat, weights=dev2, minlength=size).astype(float).reshape(st.n_strata, K)
    stored = np.bincount(flat, minlength=size).reshape(st.n_strata, K)
    SSc += (nh[:, None] - stored) * centre**2
    return (c_use[:, None] * SSc).sum(axis=0)
