"""Weight clustering of a two-layer leaky-ReLU network and its linear surrogate
(Sarussi, Brutzkus & Globerson, ICML 2021).

The network is given by its *groups* of effective hidden weights: class logit ``c`` is
``N_c(x) = sum_{i in G_c} sigma(<w_i, x>)`` with ``sigma(z) = max(alpha z, z)``, and the
predicted class is ``argmax_c N_c`` (two groups: the binary network
``N_1 - N_0 = N_W`` of the paper, positive group ``G_1``). A trained output weight
``a_i`` is folded in exactly by ``a sigma(z) = sigma(a z)`` for ``a >= 0``.
"""

import numpy as np

from .._network import forward
from ..utils._sampling import uniform_ball
from ..utils._threads import blas_threads

__all__ = ["weight_clustering"]

# the columns of LeakyReLUTwoLayerClassifier.history_ computed here, after the epoch's
# loss, error and update count
HISTORY_COLUMNS = (
    "weight_norm",
    "normalized_margin",
    "coherence_min",
    "low_rank_energy",
    "agreement",
    "certified_fraction",
    "nar_weak",
    "nar_strict",
    "teacher_cosine",
)

_BLOCK = 4096


def _check_groups(groups, alpha):
    if isinstance(groups, np.ndarray) and groups.ndim == 3:
        groups = list(groups)
    if not isinstance(groups, (list, tuple)) or len(groups) < 2:
        raise ValueError(
            "weight_clustering: groups must be a sequence of at least two "
            "2-D arrays (one per class logit)."
        )
    out = [np.ascontiguousarray(g, dtype=np.float64) for g in groups]
    d = out[0].shape[1] if out[0].ndim == 2 else -1
    for g in out:
        if g.ndim != 2 or g.shape[1] != d or g.shape[0] < 1:
            raise ValueError(
                "weight_clustering: every group must be a non-empty 2-D array "
                "with the same number of columns."
            )
        if not np.all(np.isfinite(g)):
            raise ValueError("weight_clustering: the weights contain NaN or inf.")
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"weight_clustering: negative_slope must lie in [0, 1], got {alpha:g}.")
    return out, alpha


def _group_stats(groups):
    """Coherence, centres, sums and radii of each group."""
    K = len(groups)
    d = groups[0].shape[1]
    coherence = np.empty(K)
    pairwise = np.empty(K)
    centers = np.empty((K, d))
    radii = np.empty(K)
    spread = np.empty(K)
    for c, G in enumerate(groups):
        norms = np.linalg.norm(G, axis=1)
        unit = np.divide(G, norms[:, None], out=np.zeros_like(G), where=norms[:, None] > 0)
        m = G.shape[0]
        coherence[c] = np.linalg.norm(unit.mean(axis=0))
        pairwise[c] = (m * coherence[c] ** 2 - 1.0) / (m - 1) if m > 1 else 1.0
        centers[c] = G.mean(axis=0)
        dist = np.linalg.norm(G - centers[c], axis=1)
        radii[c] = dist.max()
        spread[c] = dist.sum()
    sizes = np.array([G.shape[0] for G in groups])
    sums = centers * sizes[:, None]
    cnorm = np.linalg.norm(centers, axis=1)
    rel = np.divide(radii, cnorm, out=np.full(K, np.inf), where=cnorm > 0)
    return dict(
        group_sizes=sizes,
        coherence=coherence,
        mean_pairwise_cosine=pairwise,
        centers=centers,
        sums=sums,
        radii=radii,
        relative_radii=rel,
        spread=spread,
    )


def _network_classes(P, groups, W, A, alpha):
    """argmax_c N_c(x) through the shared two-layer forward pass."""
    return np.argmax(forward(P, W, A, alpha), axis=1)


def _surrogate_stats(P, groups, W, A, alpha, sums, spread, radii):
    """Agreement of network and linear surrogate on the rows of ``P`` and the exact
    certificates of :func:`weight_clustering` (mean-distance and radius forms).
    """
    n = P.shape[0]
    if n == 0:
        return dict(
            agreement=np.nan,
            certified_fraction=np.nan,
            certified_fraction_mean=np.nan,
            violations=0,
        )
    sizes = np.array([G.shape[0] for G in groups])
    net = _network_classes(P, groups, W, A, alpha)
    lin = P @ sums.T
    sur = np.argmax(lin, axis=1)
    xnorm = np.linalg.norm(P, axis=1)
    rows = np.arange(n)
    gap = alpha * (lin[rows, sur][:, None] - lin)  # alpha <S_a - S_b, x>
    cert = {}
    for name, bound in (("mean", spread), ("radius", sizes * radii)):
        thr = (bound[sur][:, None] + bound[None, :]) * xnorm[:, None]
        ok = gap > thr
        ok[rows, sur] = True
        cert[name] = np.all(ok, axis=1)
    agree = net == sur
    return dict(
        agreement=float(agree.mean()),
        certified_fraction=float(cert["radius"].mean()),
        certified_fraction_mean=float(cert["mean"].mean()),
        violations=int(np.sum(cert["mean"] & ~agree)),
    )


def _nar(X, y, groups):
    """Weak and strict neural-agreement fractions on (X, y): every unit of a group
    active or every one inactive (weak), active exactly for its own class (strict).
    """
    bounds = np.cumsum([0] + [G.shape[0] for G in groups])
    W = np.vstack(groups)
    K = len(groups)
    weak = strict = 0
    for start in range(0, X.shape[0], _BLOCK):
        Z = X[start : start + _BLOCK] @ W.T > 0.0
        yb = y[start : start + _BLOCK]
        all_on = np.stack([Z[:, bounds[c] : bounds[c + 1]].all(axis=1) for c in range(K)], 1)
        all_off = np.stack([~Z[:, bounds[c] : bounds[c + 1]].any(axis=1) for c in range(K)], 1)
        weak += int(np.all(all_on | all_off, axis=1).sum())
        own = np.eye(K, dtype=bool)[yb]
        strict += int(np.all(np.where(own, all_on, all_off), axis=1).sum())
    return weak / X.shape[0], strict / X.shape[0]


def _cos(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else np.nan


def max_margin_direction(X, y, C=1e6):
    """Direction of the linear SVM without intercept, ``min 1/2 ||w||^2 + C sum hinge``.

    Solved in the dual (``0 <= a_i <= C``, no equality constraint without an
    intercept) by L-BFGS-B; on separable data with a large ``C`` it is the hard-margin
    (max-margin) direction. ``y`` holds two labels (the larger one is positive).
    """
    from scipy.optimize import minimize

    y = np.asarray(y)
    s = np.where(y == np.max(y), 1.0, -1.0)
    Q = s[:, None] * np.asarray(X, dtype=np.float64)

    def dual(a):
        w = Q.T @ a
        return 0.5 * w @ w - a.sum(), Q @ w - 1.0

    with blas_threads(1):  # small products: see below
        res = minimize(
            dual,
            np.zeros(len(s)),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, C)] * len(s),
            options=dict(maxiter=100_000, ftol=1e-15, gtol=1e-12, maxcor=10),
        )
    return Q.T @ res.x


def weight_clustering(
    groups,
    negative_slope,
    X=None,
    y=None,
    *,
    teacher=None,
    n_probes=20000,
    random_state=0,
    svm=True,
):
    """How close a leaky-ReLU network is to two (or K) clusters and to a linear rule.

    The diagnostics of :cite:t:`SBG21` ("if the weights converge to two clusters, the
    decision boundary is approximately linear"), made exact. Class logit ``c`` of the
    network is ``N_c(x) = sum_{i in G_c} sigma(<w_i, x>)``, ``sigma(z) = max(alpha z, z)``;
    its *linear surrogate* is ``argmax_c <S_c, x>`` with ``S_c = sum_{i in G_c} w_i``.
    Since ``sigma`` is 1-Lipschitz and positively homogeneous, a point whose surrogate
    class ``a`` satisfies ``alpha <S_a - S_b, x> > (Delta_a + Delta_b) ||x||`` for every
    ``b != a`` (``Delta_c = sum_i ||w_i - mean(G_c)||``) is provably classified alike by
    the network and the surrogate: it is *certified*.

    Parameters
    ----------
    groups : sequence of K >= 2 arrays of shape (k_c, d)
        Effective hidden weights of each class logit (binary: ``[negative group,
        positive group]``, so the network is ``N_1 - N_0``).
    negative_slope : float in [0, 1]
        Slope ``alpha`` of ``sigma`` for negative inputs.
    X : array-like of shape (n, d), default=None
        Points for the agreement, the certificates, the NAR fractions and the SVM
        direction; without them only weight-space quantities and the ball probes.
    y : array-like of shape (n,), default=None
        Class indices ``0..K-1`` of the rows of ``X`` (NAR fractions, SVM direction).
    teacher : array-like of shape (d,), default=None
        A linear teacher ``w*`` (binary only): ``teacher_cosine`` and
        ``perceptron_ratio``.
    n_probes : int, default=20000
        Points uniform in the unit ball for ``agreement_ball`` (0: skip).
    random_state : int, default=0
        Seed of the probes.
    svm : bool, default=True
        Fit the hard-margin direction (a linear SVM without intercept, ``C = 1e6``,
        solved in the dual) on ``(X, y)`` for ``svm_cosine`` (binary, both classes
        present).

    Returns
    -------
    result : dict
        Per group (arrays of length K): ``group_sizes``, ``coherence`` (mean resultant
        length of the unit weights, 1 for a perfect directional cluster),
        ``mean_pairwise_cosine``, ``radii`` (max distance to the centre),
        ``relative_radii`` (radius over centre norm), ``spread`` (``Delta_c``); and
        ``centers``, ``sums`` (K, d). ``coherence_min``. ``linear_coef``: ``S_1 - S_0``
        (binary, shape (d,)) or ``sums`` (K >= 3). On ``X`` (or on the ball probes when
        ``X`` is None): ``agreement`` (fraction where network and surrogate agree),
        ``certified_fraction`` (radius form, ``|G_c| delta_c`` in place of
        ``Delta_c``), ``certified_fraction_mean`` (the sharper ``Delta_c`` form),
        ``violations`` (certified points where they disagree: always 0),
        ``n_points``. ``agreement_ball``: agreement on ``n_probes`` uniform points of
        the unit ball (NaN when 0). ``low_rank_energy``: share of the squared singular
        values of the stacked weights in the top ``max(K, 2)``; ``stable_ratio``
        ``||W||_2 / ||W||_F``. ``teacher_cosine``, ``perceptron_ratio``,
        ``svm_cosine``, ``nar_weak``, ``nar_strict``: NaN when not computable.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.diagnostics import weight_clustering
    >>> rng = np.random.default_rng(0)
    >>> u = np.array([1.0, 0.0, 0.0])
    >>> groups = [-u + 0.01 * rng.standard_normal((10, 3)),
    ...           u + 0.01 * rng.standard_normal((10, 3))]
    >>> res = weight_clustering(groups, negative_slope=0.3, n_probes=2000)
    >>> bool(res["coherence_min"] > 0.99), res["violations"], res["agreement"] == 1.0
    (True, 0, True)
    """
    # one BLAS thread: the products here are small, and a thread pool on them costs more
    # than it saves (measured 10-40x slower on 2 busy cores at 1000 x 20 x 100)
    with blas_threads(1):
        return _weight_clustering(
            groups, negative_slope, X, y, teacher, n_probes, random_state, svm
        )


def _weight_clustering(groups, alpha, X, y, teacher, n_probes, random_state, svm):
    groups, alpha = _check_groups(groups, alpha)
    K = len(groups)
    d = groups[0].shape[1]
    res = _group_stats(groups)
    res["coherence_min"] = float(res["coherence"].min())
    sums = res["sums"]
    res["linear_coef"] = sums[1] - sums[0] if K == 2 else sums.copy()

    W = np.vstack(groups)
    sizes = res["group_sizes"]
    A = np.zeros((K, W.shape[0]))
    bounds = np.cumsum([0, *sizes])
    for c in range(K):
        A[c, bounds[c] : bounds[c + 1]] = 1.0

    if X is not None:
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"weight_clustering: X must have shape (n, {d}), got {X.shape}.")
    probes = None
    if n_probes:
        rng = np.random.RandomState(random_state)
        probes = uniform_ball(rng, int(n_probes), d)
    P = X if X is not None else (probes if probes is not None else np.empty((0, d)))
    res.update(_surrogate_stats(P, groups, W, A, alpha, sums, res["spread"], res["radii"]))
    res["n_points"] = int(P.shape[0])
    if probes is not None and X is not None:
        res["agreement_ball"] = _surrogate_stats(
            probes, groups, W, A, alpha, sums, res["spread"], res["radii"]
        )["agreement"]
    elif probes is not None:
        res["agreement_ball"] = res["agreement"]
    else:
        res["agreement_ball"] = np.nan

    s = np.linalg.svd(W, compute_uv=False)
    total = float(np.sum(s**2))
    top = max(K, 2)
    res["low_rank_energy"] = float(np.sum(s[:top] ** 2) / total) if total > 0 else np.nan
    res["stable_ratio"] = float(s[0] / np.sqrt(total)) if total > 0 else np.nan

    res["teacher_cosine"] = res["perceptron_ratio"] = np.nan
    if teacher is not None:
        teacher = np.asarray(teacher, dtype=np.float64).ravel()
        if K != 2:
            raise ValueError(
                "weight_clustering: teacher is defined for binary networks (two groups) only."
            )
        if teacher.shape != (d,):
            raise ValueError(
                f"weight_clustering: teacher must have shape ({d},), got {teacher.shape}."
            )
        res["teacher_cosine"] = _cos(res["linear_coef"], teacher)
        W_star = np.vstack([np.tile(-teacher, (sizes[0], 1)), np.tile(teacher, (sizes[1], 1))])
        res["perceptron_ratio"] = _cos(W.ravel(), W_star.ravel())

    res["svm_cosine"] = res["nar_weak"] = res["nar_strict"] = np.nan
    if X is not None and y is not None:
        y = np.asarray(y).astype(np.int64).ravel()
        if y.shape[0] != X.shape[0] or y.min(initial=0) < 0 or y.max(initial=0) >= K:
            raise ValueError(
                f"weight_clustering: y must hold one class index in [0, {K}) per row of X."
            )
        if X.shape[0]:
            res["nar_weak"], res["nar_strict"] = _nar(X, y, groups)
        if svm and K == 2 and len(np.unique(y)) == 2:
            res["svm_cosine"] = _cos(res["linear_coef"], max_margin_direction(X, y))
    return res


def effective_groups(W, A, k, n_classes):
    """Effective weights ``|a_i| w_i`` of a leaky-ReLU classifier, grouped by logit.

    ``W`` (``K k``, d) and ``A`` as the SGD kernel holds them: binary ``A = [-a_0, +a_1]``
    (one output; grouped by the sign of ``a_i``, exact by ``a sigma(z) = sign(a)
    sigma(|a| z)``), K >= 3 block-diagonal. Returns None when a K >= 3 output weight
    turned negative (no group structure left).
    """
    if n_classes == 2:
        a = A[0]
        eff = np.abs(a)[:, None] * W
        pos = a > 0
        pos[k:] |= a[k:] == 0
        neg = ~pos
        if not pos.any() or not neg.any():
            return None
        return [eff[neg], eff[pos]]
    out = np.vstack([A[c, c * k : (c + 1) * k] for c in range(n_classes)])
    if np.any(out < 0):
        return None
    return [out[c][:, None] * W[c * k : (c + 1) * k] for c in range(n_classes)]


def leaky_history_row(X, y_idx, W, A, *, negative_slope, k, n_classes, trained_output, teacher):
    """The diagnostics of one ``history_`` row of the leaky-ReLU classifier.

    ``weight_norm`` (``||W||_F``), ``normalized_margin`` (``min_i`` margin over
    ``||W||_F``, or over ``||W||_F^2 + ||A||_F^2`` with a trained output layer), and
    from :func:`weight_clustering` on the rows ``X`` (class indices ``y_idx``):
    ``coherence_min``, ``low_rank_energy``, ``agreement``, ``certified_fraction``,
    ``nar_weak``, ``nar_strict``, ``teacher_cosine`` (NaN without a teacher; every
    clustering column NaN when the groups are gone, see :func:`effective_groups`).
    """
    wn = float(np.linalg.norm(W))
    F = forward(X, W, A, negative_slope)
    if n_classes == 2:
        margins = np.where(y_idx == 1, 1.0, -1.0) * F[:, 0]
    else:
        rows = np.arange(len(y_idx))
        own = F[rows, y_idx]
        F2 = F.copy()
        F2[rows, y_idx] = -np.inf
        margins = own - F2.max(axis=1)
    norm = wn**2 + float(np.sum(A**2)) if trained_output else wn
    row = dict(
        weight_norm=wn,
        normalized_margin=float(margins.min()) / norm if norm > 0 else np.nan,
    )
    groups = effective_groups(W, A, k, n_classes)
    keys = HISTORY_COLUMNS[2:]
    if groups is None:
        row.update({key: np.nan for key in keys})
    else:
        res = weight_clustering(
            groups, negative_slope, X, y_idx, teacher=teacher, n_probes=0, svm=False
        )
        row.update({key: float(res[key]) for key in keys})
    return row
