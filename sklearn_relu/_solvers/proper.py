"""Driver of the proper depth-2 search: theory resources, projection, budgeted search
(net / activation patterns / restarts), refinement, selection, lifting.

This is a **reconstruction of the upper-bound route** of Goel, Klivans, Manurangsi &
Reichman (ITCS 2021) and Manurangsi & Reichman (2018): random Johnson-Lindenstrauss
projection to a small dimension d', search over networks
``g(z) = sum_j c_j relu(<u_j, z>)`` with unit ``u_j`` in R^{d'}, and the lift
``w_j = P^T u_j``, which reproduces the projected network's predictions exactly.
Constants are ours (see ``doc/user_guide/proper.rst``).

All data passes go through :mod:`sklearn_relu._kernels.proper`; the dense Gram matrix
of the net activations (k >= 2) goes to BLAS.
"""

import math
import time
import warnings
from itertools import combinations

import numpy as np
import scipy.optimize
from sklearn.utils import Bunch

from .._kernels.proper import (
    box_lstsq_batch,
    box_lstsq_small,
    network_sse,
    network_stats,
    score_multisets,
    score_pairs,
)
from .._network import forward
from ..utils._threads import compute_threads, pool_map
from ..utils.validation import mean_and_scale, root_mean_square

__all__ = [
    "GRAM_LIMIT",
    "fit_proper",
    "lift",
    "n_multisets",
    "net_covering_radius",
    "net_size",
    "cone_lstsq",
    "pattern_count_bound",
    "search_projection",
    "sphere_net",
    "theory_resources",
]

GRAM_LIMIT = 4096  # largest G whose G x G Gram matrix is held (128 MiB)
MULTISET_CHUNK = 8_000_000  # multisets between two progress lines
STATS_BLOCK = 8192  # candidate networks per pass of network_stats
GRID_LIMIT = 50_000_000  # largest (q+1)^d' grid enumerated to build a net
# Thread pool policy (doc/design.rst, kernel rules). The kernels are serial; the pool of
# utils._threads runs them over fixed blocks whose partition depends on the shapes only,
# so results are bitwise identical for every thread count, and each thread pulls the
# next block when done, so a thread slowed by another process holds back one block.
CAND_BLOCK = 64  # candidates per task of the data passes
MULTISET_TASK = 1 << 18  # multisets (at least) per task of the net scoring
PARALLEL_WORK = 1 << 24  # rows x candidates x k x d' of a data pass below which it is serial
PARALLEL_MULTISETS = 1 << 21  # multisets of a net below which their scoring is serial
REFINE_STEPS = 40  # accepted-or-rejected steps per refined candidate
N_REFINE = 5  # best candidates of each projection refined
AUTO_PROJ_DIM = 8  # proj_dim='auto': no projection up to 8 features, else d' = 8
SUBSAMPLE_KEY = 1_000_004  # SeedSequence spawn key beyond any projection index


# ---------------------------------------------------------------------------
# counts and theory
# ---------------------------------------------------------------------------


def n_multisets(G, k):
    """Number of multisets of size ``k`` from ``G`` items: C(G + k - 1, k)."""
    return math.comb(G + k - 1, k)


def net_size(d, q):
    """Points of the cube-surface grid of spacing ``h = 2/q`` in R^d:
    (q + 1)^d - (q - 1)^d.
    """
    return (q + 1) ** d - (q - 1) ** d


def net_covering_radius(d, q):
    """Covering radius of the normalised cube-surface grid on S^{d-1}:
    ``h sqrt(d - 1) / 2`` with ``h = 2/q``.
    """
    return (2.0 / q) * math.sqrt(d - 1) / 2.0


def sphere_net(d, q):
    """The net: grid points ``-1 + 2i/q`` of the cube surface (some coordinate is
    +-1), normalised to the sphere, in lexicographic order. Halving the spacing
    (doubling ``q``) gives a superset.
    """
    if (q + 1) ** d > GRID_LIMIT:
        raise ValueError(
            f"the grid of the net ((q+1)^d' = {(q + 1) ** d}) is too large "
            "to enumerate; lower the resolution or the projected dimension."
        )
    idx = np.indices((q + 1,) * d, dtype=np.int64).reshape(d, -1).T
    on_surface = np.any((idx == 0) | (idx == q), axis=1)
    pts = -1.0 + 2.0 * idx[on_surface] / q
    return np.ascontiguousarray(pts / np.linalg.norm(pts, axis=1, keepdims=True))


def theory_resources(k, epsilon, setting, A, B, Y, delta=0.05):
    """Resources of the reconstructed proof route (see ``doc/user_guide/proper.rst``)
    for this k, ε, bounds.

    Returns a Bunch with ``gamma``, ``proj_dim`` (d'; ``math.inf`` when it does not fit
    a float), ``net_resolution`` (δ_w, the covering radius the net must reach),
    ``log2_candidates`` and ``n_samples``.
    """
    A_tot = k * A * B
    if setting == "agnostic":
        gamma = epsilon / (4.0 * A_tot * (A_tot + Y))
    else:
        gamma = math.sqrt(epsilon / 2.0) / A_tot
    # log(4k / eta) with eta = epsilon / (2 (2 A_tot + Y)^2), in logs: no overflow for
    # huge label bounds (the counts then become inf instead of raising)
    log_4k_eta = (
        math.log(4.0 * k) - math.log(epsilon) + math.log(2.0) + 2.0 * math.log(2.0 * A_tot + Y)
    )
    denom = gamma * gamma * (1.0 - gamma)
    if gamma >= 1.0:  # every inner product of unit vectors is within gamma
        d_th = 1
    elif denom > 0.0 and math.isfinite(4.0 * log_4k_eta / denom):
        d_th = int(math.ceil(4.0 * log_4k_eta / denom))
    else:
        d_th = math.inf
    delta_w = gamma / (2.0 * A_tot)
    delta_a = gamma / 2.0

    def log2_grid(span, step):
        return math.log2(1.0 + span / step) if step > 0 and math.isfinite(span / step) else math.inf

    log2_cand = k * d_th * log2_grid(2.0 * (1.0 + gamma) * B, delta_w) + k * log2_grid(
        2.0 * A, delta_a
    )
    n_samples = int(math.ceil((A * B) ** 2 * k**2 * math.log(2.0 / delta) / epsilon**2))
    return Bunch(
        gamma=gamma,
        proj_dim=d_th,
        net_resolution=delta_w,
        log2_candidates=log2_cand,
        n_samples=n_samples,
    )


def choose_net_q(d, k, max_candidates, q_theory):
    """Finest ``q`` (spacing 2/q) whose multiset count fits the budget (and the Gram
    limit for k >= 2), never finer than ``q_theory``; None if even q = 1 does not fit.
    """
    best = None
    q = 1
    while True:
        G = net_size(d, q)
        if (
            n_multisets(G, k) > max_candidates
            or (k >= 2 and G > GRAM_LIMIT)
            or (q + 1) ** d > GRID_LIMIT
        ):
            break
        best = q
        if q >= q_theory:
            break
        q += 1
    return best


MEANINGFUL_RADIUS = 1.0  # nets of covering radius above 1 (60 degrees) certify nothing


def meaningful_proj_dim(d_max, k, max_candidates, q_theory):
    """Largest d' <= ``d_max`` whose finest net within the budget (``choose_net_q``,
    never finer than ``q_theory(d')``) has covering radius at most
    :data:`MEANINGFUL_RADIUS`; None if no d' qualifies.
    """
    for d in range(d_max, 0, -1):
        q = choose_net_q(d, k, max_candidates, q_theory(d))
        if q is not None and net_covering_radius(d, q) <= MEANINGFUL_RADIUS:
            return d
    return None


def random_net_size(k, max_candidates):
    """Largest G with C(G + k - 1, k) <= budget (and G <= GRAM_LIMIT for k >= 2)."""
    if k == 1:
        return max_candidates
    lo, hi = k, GRAM_LIMIT
    if n_multisets(lo, k) > max_candidates:
        return 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if n_multisets(mid, k) <= max_candidates:
            lo = mid
        else:
            hi = mid - 1
    return lo


def pattern_count_bound(m, d):
    """Upper bound on the activation patterns of one unit: 2 C(m, d-1) 2^(d-1) + 2."""
    return 2 * math.comb(m, d - 1) * 2 ** (d - 1) + 2


# ---------------------------------------------------------------------------
# lifting
# ---------------------------------------------------------------------------


def lift(U, P):
    """Lifted hidden weights ``W = U P`` (row j is ``P^T u_j``): ``<w_j, x> =
    <u_j, P x>`` exactly.
    """
    return np.ascontiguousarray(U @ P)


# ---------------------------------------------------------------------------
# scoring helpers
# ---------------------------------------------------------------------------


def _over_candidates(kernel, Z, y, U, *per_cand):
    """``kernel(Z, y, U, *per_cand)`` with the candidates (axis 0 of ``U`` and of each
    ``per_cand``) in blocks of :data:`CAND_BLOCK` on the pool above
    :data:`PARALLEL_WORK`. Candidates are scored independently, so the blocks change
    no bit.
    """
    n, k = U.shape[0], U.shape[1]
    U = np.ascontiguousarray(U)
    per_cand = [np.ascontiguousarray(a) for a in per_cand]
    if Z.shape[0] * n * k * Z.shape[1] < PARALLEL_WORK or n <= CAND_BLOCK:
        return kernel(Z, y, U, *per_cand)

    def run(s0):
        return kernel(Z, y, U[s0 : s0 + CAND_BLOCK], *[a[s0 : s0 + CAND_BLOCK] for a in per_cand])

    parts = pool_map(run, range(0, n, CAND_BLOCK))
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))
    return np.concatenate(parts)


def _sse(Z, y, U, C, c0=None):
    """Forward-pass SSE of each candidate; with ``c0`` (n,), candidate ``s`` has the
    output intercept ``c0[s]``.
    """
    c0 = np.zeros(len(C)) if c0 is None else np.asarray(c0, dtype=np.float64)
    return _over_candidates(network_sse, Z, y, U, C, c0)


def _stats(Z, y, U, center=False, sums=False):
    """``K``, ``b`` of each candidate's output-weight problem; with ``center`` (``y``
    already centred) those of the problem with a free output intercept; with ``sums``
    also the activations' column sums ``t`` (for :func:`_intercepts`).
    """
    K, b, t = _over_candidates(network_stats, Z, y, U)
    if center:
        K -= t[:, :, None] * t[:, None, :] / Z.shape[0]
    return (K, b, t) if sums else (K, b)


def _intercepts(Z, U, C, t=None):
    """Optimal output intercepts ``-mean_i sum_j C_j relu(<U_j, z_i>)`` of candidates
    fitted to a centred target (``t``: the column sums, when already computed).
    """
    if t is None:
        _, _, t = _over_candidates(network_stats, Z, np.zeros(Z.shape[0]), U)
    return -np.einsum("sj,sj->s", t, C) / Z.shape[0]


def _box(K, b, bound):
    """Exact box-constrained output weights and objectives of each candidate."""
    kern = box_lstsq_small if b.shape[1] <= 2 else box_lstsq_batch
    return kern(np.ascontiguousarray(K), np.ascontiguousarray(b), float(bound))


def _keep_best(parts, n_top):
    """The ``n_top`` candidates of smallest finite objective among ``parts``, a list of
    ``(q, U, C)`` (objectives, direction sets, output weights) in candidate order; ties
    go to the earlier candidate. The one home of the merge of best candidates: merging
    the best of each part gives the best of all.
    """
    q = np.concatenate([p[0] for p in parts])
    U = np.concatenate([p[1] for p in parts])
    C = np.concatenate([p[2] for p in parts])
    keep = np.flatnonzero(np.isfinite(q))
    sel = keep[np.argsort(q[keep], kind="stable")[:n_top]]
    return q[sel], U[sel], C[sel]


def _search_net(Z, y, k, bound, U_net, n_top, verbose, tag, center=False):
    """Every multiset of k net directions; returns (U (n_top,k,d), C, count)."""
    G, d = U_net.shape
    if k == 1:
        parts = []
        for s0 in range(0, G, STATS_BLOCK):
            blk = U_net[s0 : s0 + STATS_BLOCK, None, :]
            K, b = _stats(Z, y, blk, center)
            C, q = _box(K, b, bound)
            parts.append(_keep_best([(q, blk, C)], n_top))
        _, U, C = _keep_best(parts, n_top)
        return U, C, G
    H = np.maximum(U_net @ Z.T, 0.0)  # BLAS: activations (G, m)
    if center:  # the statistics of the problem with a free output intercept
        H -= H.mean(axis=1, keepdims=True)
    K = np.ascontiguousarray(H @ H.T)
    b = np.ascontiguousarray(H @ y)
    del H
    total = n_multisets(G, k)
    # tasks: ranges of first indices of at least MULTISET_TASK multisets each (the
    # count per first index falls as it grows); merged in index order
    tasks, lo = [], 0
    while lo < G:
        hi, n_task = lo, 0
        while hi < G and n_task < MULTISET_TASK:
            n_task += n_multisets(G - hi, k - 1)
            hi += 1
        tasks.append((lo, hi))
        lo = hi
    t0 = time.perf_counter()
    parts = []
    count = 0
    done = 0

    def run(task):
        if k == 2:
            return score_pairs(K, b, bound, n_top, task[0], task[1])
        return score_multisets(K, b, k, bound, n_top, task[0], task[1])

    for q, idx, c, cnt in pool_map(run, tasks, total >= PARALLEL_MULTISETS):
        count += int(cnt)
        parts.append((q, U_net[idx], c))  # unfilled slots (q = inf, idx = -1) are dropped
        if verbose and total > MULTISET_CHUNK and count - done >= MULTISET_CHUNK:
            done = count
            print(
                f"[ProperReLUNetworkRegressor] {tag} scored {count:,}/{total:,} "
                f"multisets ({time.perf_counter() - t0:.1f} s)"
            )
    _, U, C = _keep_best(parts, n_top)  # chunks are in index order: ties stay lexicographic
    return U, C, count


def _search_restarts(Z, y, k, bound, n_cand, n_top, rng, center=False):
    """``n_cand`` random direction sets, exact output weights; returns the best."""
    d = Z.shape[1]
    parts = []
    for s0 in range(0, n_cand, STATS_BLOCK):
        nb = min(STATS_BLOCK, n_cand - s0)
        U = rng.standard_normal((nb, k, d))
        U /= np.linalg.norm(U, axis=2, keepdims=True)
        K, b = _stats(Z, y, U, center)
        C, q = _box(K, b, bound)
        parts.append(_keep_best([(q, U, C)], n_top))
    _, U, C = _keep_best(parts, n_top)
    return U, C, n_cand


def activation_patterns(Z):
    """Activation patterns (boolean rows, one per cell of the central arrangement
    {z_i^perp}, plus all-active and all-inactive) reachable by one unit.
    """
    m, d = Z.shape
    pats = [np.zeros(m, bool), np.ones(m, bool)]
    scale = np.linalg.norm(Z, axis=1).max() if m else 1.0
    tol = 1e-10 * max(scale, 1e-300)
    for S in combinations(range(m), d - 1):
        S = list(S)
        if d == 1:
            r = np.ones(1)
        else:
            _, sv, Vt = np.linalg.svd(Z[S], full_matrices=True)
            if sv.min() <= 1e-12 * max(sv.max(), 1e-300):
                continue  # degenerate subset (not in general position)
            r = Vt[-1]
        proj = Z @ r
        for sgn in (1.0, -1.0):
            base = sgn * proj > tol
            for bits in range(2 ** (d - 1)):
                p = base.copy()
                for a, i in enumerate(S):
                    p[i] = bool((bits >> a) & 1)
                pats.append(p)
    P = np.unique(np.array(pats), axis=0)
    return P


def cone_lstsq(E, f, A):
    """``argmin ||E x - f||`` subject to ``A x >= 0``, exactly, by the reduction of
    least squares with linear inequality constraints to least distance programming and
    non-negative least squares (Lawson & Hanson, *Solving Least Squares Problems*, 1974,
    ch. 23; :func:`scipy.optimize.nnls` is their active-set algorithm). A ridge of
    ``1e-12`` times the mean squared column norm of ``E`` makes the reduction defined
    when ``E`` has dependent columns (repeated patterns, dead units); it changes the
    objective by at most that fraction of ``||x||^2``.
    """
    n = E.shape[1]
    ridge = 1e-12 * max(float(np.einsum("ij,ij->", E, E)) / n, 1e-300)
    Q, R = np.linalg.qr(np.vstack([E, np.sqrt(ridge) * np.eye(n)]))
    qf = Q[: E.shape[0]].T @ f
    R_inv = np.linalg.solve(R, np.eye(n))  # n = k d' (+1): tiny
    AR = A @ R_inv
    # least distance: min ||u|| s.t. AR u >= -AR qf, where x = R^-1 (u + qf)
    M = np.vstack([AR.T, -(AR @ qf)[None, :]])
    e = np.zeros(n + 1)
    e[-1] = 1.0
    w, _ = scipy.optimize.nnls(M, e, maxiter=50 * M.shape[1])
    r = M @ w - e
    # x = 0 is feasible (homogeneous constraints), so r[-1] < 0 whenever nnls converged
    u = -r[:n] / r[-1] if r[-1] < 0 else -qf
    return R_inv @ (u + qf)


def _pattern_design(Z, pats, signs, center):
    """Design ``[s_1 p_1 * Z, ..., s_k p_k * Z (, 1)]`` and the cone ``A x >= 0`` that
    makes each unit's activation pattern ``p_j`` hold (``<v_j, z_i> >= 0`` on its active
    rows, ``<= 0`` on the others).
    """
    m, d = Z.shape
    k = len(pats)
    E = np.zeros((m, k * d + int(center)))
    A = np.zeros((k * m, E.shape[1]))
    for j in range(k):
        E[:, j * d : (j + 1) * d] = (signs[j] * pats[j])[:, None] * Z
        A[j * m : (j + 1) * m, j * d : (j + 1) * d] = (2.0 * pats[j] - 1.0)[:, None] * Z
    if center:
        E[:, -1] = 1.0
    return E, A


def _search_patterns(Z, y, k, bound, max_candidates, n_top, center=False):
    """Exact empirical risk minimisation over ``k`` units (and, with ``center``, a free
    output intercept; ``y`` is then centred) by enumerating the activation patterns.

    A network ``sum_j s_j relu(<v_j, z>)`` whose units have the activation patterns
    ``p_j`` predicts ``sum_j s_j p_j <v_j, z>``: linear in ``v``, on the cone where the
    patterns hold. For every pattern multiset and output sign vector the sign-constrained
    least squares is solved exactly (:func:`cone_lstsq`); the unconstrained least
    squares of the multiset is a lower bound on all its sign vectors, so multisets are
    visited in increasing bound and the enumeration stops once the bound reaches the
    ``n_top``-th best exact value (branch and bound: the result is the same as solving
    every one). With ``bound`` finite the output weights of the best direction sets are
    re-solved in the box, which is exact for the directions, not over all networks.
    """
    m, d = Z.shape
    bound_1 = pattern_count_bound(m, d)
    if bound_1 > max_candidates:
        raise ValueError(
            f"search='activation_patterns' would enumerate up to {bound_1:,} activation "
            f"patterns per unit (m'={m} rows, d'={d}), above max_candidates="
            f"{max_candidates:,}; refusing to start. Use search='net', fewer rows "
            "(subsample) or a smaller proj_dim, or raise max_candidates."
        )
    pats = activation_patterns(Z).astype(np.float64)
    n_pat = pats.shape[0]
    # every pattern multiset is scored with each of the 2^k output sign vectors: that
    # is the number of networks evaluated, and what max_candidates caps
    count = n_multisets(n_pat, k) * 2**k
    if count > max_candidates:
        raise ValueError(
            f"search='activation_patterns' needs {count:,} candidate networks "
            f"({n_pat:,} patterns per unit, k={k}, 2^k output signs each), above "
            "max_candidates="
            f"{max_candidates:,}; refusing to start. Use search='net', fewer rows "
            "(subsample) or a smaller proj_dim, or raise max_candidates."
        )
    signs = np.array([[1.0 if (s >> j) & 1 == 0 else -1.0 for j in range(k)] for s in range(2**k)])
    tuples = np.array(list(combinations(range(n_pat + k - 1), k)), dtype=np.int64)
    tuples -= np.arange(k)  # combinations with repetition, lexicographic
    # lower bounds: unconstrained least squares of each multiset (any sign vector)
    lower = np.empty(len(tuples))
    block = 2048
    for s0 in range(0, len(tuples), block):
        tup = tuples[s0 : s0 + block]
        nb = len(tup)
        D = pats[tup][:, :, :, None] * Z[None, None, :, :]  # (nb, k, m, d)
        D = D.transpose(0, 2, 1, 3).reshape(nb, m, k * d)
        if center:
            D = np.concatenate([D, np.ones((nb, m, 1))], axis=2)
        resid = y[None, :] - np.einsum(
            "nij,nj->ni", D, np.einsum("nij,j->ni", np.linalg.pinv(D), y)
        )
        lower[s0 : s0 + nb] = np.einsum("ni,ni->n", resid, resid)
    yy = float(y @ y)
    slack = 1e-9 * yy + 1e-300  # the pseudo-inverse's rounding on the bound
    found = []  # (sse, order, x, signs)
    for t in np.argsort(lower, kind="stable"):
        if len(found) >= n_top and lower[t] > found[n_top - 1][0] + slack:
            break
        P = pats[tuples[t]]
        for sv in signs:
            E, A = _pattern_design(Z, P, sv, center)
            x = cone_lstsq(E, y, A)
            r = E @ x - y
            found.append((float(r @ r), len(found), x, sv))
        found.sort(key=lambda c: c[:2])
        del found[max(n_top, 1) :]
    U = np.empty((len(found), k, d))
    C = np.empty((len(found), k))
    for i, (_, _, x, sv) in enumerate(found):
        V = x[: k * d].reshape(k, d)
        norms = np.linalg.norm(V, axis=1)
        U[i] = np.where(norms[:, None] > 0, V / np.where(norms > 0, norms, 1.0)[:, None], 0.0)
        U[i, norms == 0, 0] = 1.0
        C[i] = sv * norms  # unit j is s_j |v_j| relu(<v_j / |v_j|, z>)
    if np.isfinite(bound):
        C = exact_output_weights(Z, y, U, bound, center)[0]
    return U, C, count


# ---------------------------------------------------------------------------
# refinement (heuristic, never worse)
# ---------------------------------------------------------------------------


def exact_output_weights(Z, y, U, bound, center=False):
    """Exact box-constrained output weights ``C`` for the direction sets ``U``
    (n, k, d); with ``center`` (``y`` centred) jointly with a free output intercept,
    ``c0`` (n,) (zeros otherwise), from the same pass over the data.
    """
    K, b, t = _stats(Z, y, U, center, sums=True)
    C, _ = _box(K, b, bound)
    return C, (_intercepts(Z, U, C, t) if center else np.zeros(len(C)))


def refine(Z, y, U, C, bound, steps=REFINE_STEPS, center=False):
    """Polish one candidate (heuristic): a normalised gradient step on the unit
    directions (kept on the sphere) followed by the exact output-weight solve (and,
    with ``center``, output intercept), accepted only if the forward-pass SSE decreases
    (so never worse). Returns ``(U, C, c0, sse)``.
    """
    m = Z.shape[0]
    U = U.copy()
    C = C.copy()

    def intercept(U_, C_):
        return float(_intercepts(Z, U_[None], C_[None])[0]) if center else 0.0

    c0 = intercept(U, C)
    sse = float(_sse(Z, y, U[None], C[None], [c0])[0])
    lr = 0.1
    for _ in range(steps):
        A = Z @ U.T
        r = np.maximum(A, 0.0) @ C + c0 - y
        grad = ((r[:, None] * (A > 0)) * C[None, :]).T @ Z * (2.0 / m)
        grad -= np.sum(grad * U, axis=1, keepdims=True) * U  # tangent to the sphere
        gn = np.linalg.norm(grad)
        if not gn > 0:
            break
        while lr > 1e-8:
            U_new = U - lr * grad / gn
            U_new /= np.linalg.norm(U_new, axis=1, keepdims=True)
            C_new, c0_new = exact_output_weights(Z, y, U_new[None], bound, center)
            C_new, c0_new = C_new[0], float(c0_new[0])
            sse_new = float(_sse(Z, y, U_new[None], C_new[None], [c0_new])[0])
            if sse_new < sse:
                U, C, c0, sse = U_new, C_new, c0_new, sse_new
                lr = min(1.0, lr * 1.5)
                break
            lr *= 0.5
        else:
            break
    return U, C, c0, sse


# ---------------------------------------------------------------------------
# one projection
# ---------------------------------------------------------------------------


def search_projection(
    Z,
    y,
    *,
    k,
    search,
    bound,
    max_candidates,
    net_q,
    do_refine,
    n_refine,
    rng,
    verbose=0,
    tag="",
    fit_intercept=False,
):
    """Search one projected problem; returns a Bunch with ``U`` (k, d'), ``C`` (k,),
    ``c0`` (the output intercept: 0.0 unless ``fit_intercept``), ``sse`` (forward pass
    on ``Z``), ``n_candidates``, ``evaluated_sse`` (forward SSE of every candidate
    recomputed before selection) and ``net_size``. With ``fit_intercept`` every
    candidate's output weights are solved jointly with a free output intercept (the
    statistics of the centred problem).
    """
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    y_mean = float(y.mean()) if fit_intercept else 0.0
    yc = y - y_mean if fit_intercept else y
    d = Z.shape[1]
    n_top = max(n_refine, 8)
    G = 0
    if search == "net":
        if net_q is not None:
            U_net = sphere_net(d, net_q)
        else:
            G = random_net_size(k, max_candidates)
            U_net = rng.standard_normal((G, d))
            U_net /= np.linalg.norm(U_net, axis=1, keepdims=True)
        G = U_net.shape[0]
        U, C, count = _search_net(Z, yc, k, bound, U_net, n_top, verbose, tag, fit_intercept)
    elif search == "restarts":
        U, C, count = _search_restarts(Z, yc, k, bound, max_candidates, n_top, rng, fit_intercept)
    else:
        U, C, count = _search_patterns(Z, yc, k, bound, max_candidates, n_top, fit_intercept)
    # selection uses the forward pass, never an inner solver's objective value
    c0 = _intercepts(Z, U, C) if fit_intercept else None
    sse = _sse(Z, yc, U, C, c0)
    cands = [
        (float(sse[i]), U[i], C[i], 0.0 if c0 is None else float(c0[i])) for i in range(len(sse))
    ]
    if do_refine:
        for i in np.argsort(sse, kind="stable")[:n_refine]:
            Ur, Cr, c0r, sr = refine(Z, yc, U[i], C[i], bound, center=fit_intercept)
            cands.append((sr, Ur, Cr, c0r))
    losses = np.array([c[0] for c in cands])
    best = int(np.argmin(losses))  # first minimum
    return Bunch(
        U=cands[best][1],
        C=cands[best][2],
        c0=y_mean + cands[best][3],
        sse=cands[best][0],
        n_candidates=int(count),
        evaluated_sse=losses,
        net_size=G,
    )


# ---------------------------------------------------------------------------
# the whole fit
# ---------------------------------------------------------------------------


def child_rng(seed, key):
    """Generator of child ``key`` of ``seed``: projection r always uses child r, so
    R + 1 projections contain the first R.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _q_theory(d, resolution):
    """Grid parameter q of the theory's net resolution in d' = d (a huge int when the
    resolution underflows).
    """
    ratio = math.sqrt(max(d - 1, 0)) / resolution if resolution > 0 else math.inf
    return max(1, int(math.ceil(ratio))) if math.isfinite(ratio) else 2**62


def _net_q(d, k, max_candidates, q_theory, net_resolution):
    """Net spacing parameter q (h = 2/q) in d' = d, or None for random directions: the
    explicit ``net_resolution`` (refused when over the budget), else
    :func:`choose_net_q`.
    """
    if net_resolution is None:
        return choose_net_q(d, k, max_candidates, q_theory)
    q = 2.0 / net_resolution
    if abs(q - round(q)) > 1e-9:
        raise ValueError(
            f"net_resolution={net_resolution} must divide 2 (2/h an integer), e.g. 1, 0.5, 0.25."
        )
    q = int(round(q))
    G = net_size(d, q)
    count = n_multisets(G, k)
    if count > max_candidates:
        raise ValueError(
            f"net_resolution={net_resolution} in d'={d} gives G={G:,} directions and "
            f"{count:,} candidates for {k} units, above max_candidates={max_candidates:,}; "
            "refusing to start. Use a coarser net_resolution, a smaller proj_dim, or raise "
            "max_candidates."
        )
    if k >= 2 and G > GRAM_LIMIT:
        raise ValueError(
            f"net_resolution={net_resolution} in d'={d} gives G={G:,} directions, above the "
            f"Gram-matrix limit {GRAM_LIMIT} for two units or more."
        )
    return q


def _warn_net(name, d, k, net_q, max_candidates, net_resolution_theory):
    """Warn that a net of covering radius above 1 (or random directions) certifies
    nothing, naming the largest d' whose net would.
    """
    what = (
        "random directions (no net fits the budget)"
        if net_q is None
        else f"a net of covering radius {net_covering_radius(d, net_q):.3g} > 1"
    )
    d_ok = meaningful_proj_dim(
        d, k, max_candidates, lambda dd: _q_theory(dd, net_resolution_theory)
    )
    fix = (
        f"proj_dim={d_ok} (or less) has a net of covering radius <= 1 within the budget"
        if d_ok
        else "no d' has a net of covering radius <= 1 within the budget; raise max_candidates"
    )
    warnings.warn(
        f"{name}: the search in d'={d} uses {what}: it certifies nothing about the best "
        "network on the projected data, and the fit's quality comes from the refinement "
        f"(net_meaningful_ is False). {fix}.",
        UserWarning,
        stacklevel=4,
    )


def _network_mse(F, W, C, c0, y):
    """Mean squared error of ``relu(F W^T) C + c0`` against ``y`` (the shared forward
    pass).
    """
    pred = forward(F, np.ascontiguousarray(W), np.ascontiguousarray(C).reshape(1, -1))[:, 0]
    return float(np.mean((pred + c0 - y) ** 2))


def fit_proper(
    F,
    y,
    fold,
    *,
    n_hidden,
    setting,
    target_error,
    proj_dim,
    n_projections,
    search,
    net_resolution,
    max_candidates,
    refine,
    output_weight_bound,
    subsample,
    fit_intercept,
    seed,
    n_jobs,
    verbose,
    name,
):
    """The proper search on unit-ball features ``F``: theory resources, projections,
    budgeted search, refinement, selection, lift.

    ``fold`` marks held-out rows with 1 (empty: select on the training rows, as
    :func:`~sklearn_relu.utils.validation.split_folds` returns). The labels are
    divided by their scale on the training rows before the search (which changes no
    result and keeps ``1e300 * y`` finite) and every returned quantity is in the units
    of ``y``.

    Returns a Bunch with the selected network ``W`` (lifted weights on ``F``), ``U``
    (unit directions in the projected space), ``C`` (output weights), ``c0`` (output
    intercept), the projection ``P`` and ``proj_dim``, ``n_projections``, the
    selection loss of each projection ``losses``, ``train_mse``, ``n_candidates``,
    ``net_size``, ``net_resolution`` (covering radius, NaN for random directions and
    other searches), ``net_meaningful`` (None unless ``search='net'``),
    ``search_exhaustive`` and the theory resources ``theory``
    (:func:`theory_resources`).
    """
    m, n_aug = F.shape
    k = int(n_hidden)
    max_candidates = int(max_candidates)

    # theory resources: unit-ball inputs, hidden weights of norm <= B = 1, labels bounded
    # by Y = max |y|, output weights by A (A = 1 when unbounded)
    A = 1.0 if output_weight_bound is None else float(output_weight_bound)
    Y = float(np.max(np.abs(y)))
    th = theory_resources(k, float(target_error), setting, A, 1.0, max(Y, 1e-300))

    # projected dimension
    if proj_dim == "auto":
        d = min(n_aug, AUTO_PROJ_DIM)
    elif proj_dim == "theory":
        d = min(th.proj_dim, n_aug)
    else:
        d = min(int(proj_dim), n_aug)
    project = d < n_aug
    R = int(n_projections) if project else 1

    # rows: held-out split and subsample
    fit_rows = np.flatnonzero(fold == 0) if fold.shape[0] else np.arange(m)
    sel_rows = np.flatnonzero(fold == 1) if fold.shape[0] else fit_rows
    search_rows = fit_rows
    if subsample is not None:
        m_sub = th.n_samples if subsample == "theory" else int(subsample)
        if m_sub < len(fit_rows):
            pick = child_rng(seed, SUBSAMPLE_KEY).choice(len(fit_rows), m_sub, replace=False)
            search_rows = fit_rows[np.sort(pick)]

    # labels divided by their scale on the training rows (held-out labels only score)
    if fit_intercept:
        y_off, y_scale = mean_and_scale(y[fit_rows])
    else:
        y_off, y_scale = 0.0, root_mean_square(y[fit_rows])
    y_scale = y_scale if y_scale > 0 else 1.0
    ys = (y - y_off) / y_scale
    bound = np.inf if output_weight_bound is None else float(output_weight_bound) / y_scale

    # net resolution (per d', the same for every projection)
    q_theory = _q_theory(d, th.net_resolution)
    net_q = None
    meaningful = None
    if search == "net":
        net_q = _net_q(d, k, max_candidates, q_theory, net_resolution)
        if proj_dim == "theory" and (net_q is None or net_q < q_theory):
            warnings.warn(
                f"proj_dim='theory': the net at the theory resolution in d'={d} needs "
                f"C(G+k-1, k) candidates with log2(G) ~ {d * math.log2(q_theory + 1):.3g} "
                f"(spacing 2/{q_theory}), far above max_candidates={max_candidates:,}; "
                "searching a coarser net (or random directions) within the budget instead. "
                "search_exhaustive_ will be False.",
                UserWarning,
                stacklevel=3,
            )
        meaningful = net_q is not None and net_covering_radius(d, net_q) <= MEANINGFUL_RADIUS
        if not meaningful:
            _warn_net(name, d, k, net_q, max_candidates, th.net_resolution)

    # the size of the search: activations of the candidate directions on the rows (a
    # search below PARALLEL_MIN_ENTRIES of them runs on one thread, BLAS included)
    if search == "net":
        n_dirs = net_size(d, net_q) if net_q is not None else random_net_size(k, max_candidates)
    else:
        n_dirs = k * max_candidates if search == "restarts" else 0
    Fs, ys_search = F[search_rows], ys[search_rows]
    best = None
    losses = np.empty(R)
    n_cand = 0
    t_start = time.perf_counter()
    with compute_threads(n_jobs, len(search_rows) * n_dirs):
        for r in range(R):
            t0 = time.perf_counter()
            rng = child_rng(seed, r)
            P = rng.standard_normal((d, n_aug)) / math.sqrt(d) if project else np.eye(n_aug)
            res = search_projection(
                np.ascontiguousarray(Fs @ P.T),
                ys_search,
                k=k,
                search=search,
                bound=bound,
                max_candidates=max_candidates,
                net_q=net_q,
                do_refine=bool(refine),
                n_refine=N_REFINE,
                rng=rng,
                verbose=verbose,
                tag=f"projection {r + 1}/{R}:",
                fit_intercept=bool(fit_intercept),
            )
            n_cand += res.n_candidates
            W = lift(res.U, P)
            losses[r] = _network_mse(F[sel_rows], W, res.C, res.c0, ys[sel_rows])
            if not np.isfinite(losses[r]):
                raise ValueError(
                    f"{name} produced a non-finite loss: the labels or inputs are too large "
                    "for float64 (rescale y and X)."
                )
            if best is None or losses[r] < losses[best[0]]:
                best = (r, res, P, W)
            if verbose:
                unit = y_scale * y_scale  # losses in the units of y
                print(
                    f"[{name}] projection {r + 1}/{R}: d'={d}, candidates="
                    f"{res.n_candidates:,}, loss {losses[r] * unit:.6g}, best "
                    f"{losses[best[0]] * unit:.6g} ({time.perf_counter() - t0:.2f} s)"
                )
        r, res, P, W = best
        train_mse = _network_mse(F[fit_rows], res.U @ P, res.C, res.c0, ys[fit_rows])
    if verbose:
        print(f"[{name}] done: {n_cand:,} candidates in {time.perf_counter() - t_start:.2f} s")
    with np.errstate(over="ignore"):  # in the units of y: inf beyond float64
        losses = losses * y_scale * y_scale
    return Bunch(
        W=W,
        U=np.ascontiguousarray(res.U),
        C=np.ascontiguousarray(res.C * y_scale, dtype=np.float64),
        c0=float(y_off + y_scale * res.c0),
        P=P,
        proj_dim=d,
        n_projections=R,
        losses=losses,
        train_mse=train_mse * y_scale * y_scale,
        n_candidates=int(n_cand),
        net_size=int(res.net_size),
        net_resolution=net_covering_radius(d, net_q) if net_q is not None else np.nan,
        net_meaningful=meaningful,
        search_exhaustive=bool(
            search == "net"
            and net_q is not None
            and net_q >= q_theory
            and (not project or d >= th.proj_dim)
        ),
        theory=th,
    )
