"""Algorithm 1 of Guo & Vijayaraghavan (COLT 2025), driven through an SQ oracle.

The driver never sees the data: every number it uses is an oracle answer (a mean
over rows) or the weighted quantile of ``|y|`` for the optional quantile threshold.
Candidates, in a fixed order that also breaks ties: the zero function, the relu of
the least-squares fit, the gradient-descent neuron, then for each normalised bias
``bhat`` of the grid the thresholded-PCA warm starts and the accepted iterates of
reweighted projected gradient descent. The winner minimises the half squared loss
on the validation fold (the training fold when there is none).
"""

import time
import warnings

import numpy as np

from .._gaussian import relu_second_moment, relu_tail_prob

# Alignment level lambda of the conditioning cut (rho + lambda - lambda^2 rho) |bhat|
# (Theorem 7 of Guo & Vijayaraghavan; the user guide discusses rho, the knob).
LAM = 0.9
# Angles (radians) tried by the geodesic line search: 0.4 * 2^-k, k = 0..5, i.e. 0.4
# down to 0.0125 (see the user guide).
LINESEARCH_ANGLES = 0.4 * 2.0 ** -np.arange(6)
# The geometric schedule of ``step='geometric'``: step t moves by 0.1 * 0.9^t radians.
GEOMETRIC_FIRST, GEOMETRIC_RATIO = 0.1, 0.9


def half_loss(stats, K, beta):
    """Half squared loss of ``beta * s_c`` from the means ``[E ys (K), E ss (K), E yy]``
    of one fold (the one home of this formula): 0.5 (E yy - 2 beta E ys + beta^2 E ss).
    """
    return 0.5 * (stats[2 * K] - 2.0 * beta * stats[:K] + beta * beta * stats[K : 2 * K])


def fitted_scale(stats, K):
    """Closed-form scale ``max(0, E ys / E ss)`` per candidate (0 when E ss = 0)."""
    ys, ss = stats[:K], stats[K : 2 * K]
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.where(ss > 0, ys / np.where(ss > 0, ss, 1.0), 0.0)
    return np.maximum(beta, 0.0)


def default_bias_grid(n_train, min_tail_samples, step=0.5, limit=40.0):
    """-step, -2 step, ... while ``n_train * q(bhat) >= min_tail_samples``."""
    grid = []
    b = step
    while b <= limit and n_train * relu_tail_prob(b) >= min_tail_samples:
        grid.append(-b)
        b += step
    return grid


class _Candidates:
    def __init__(self, d):
        self.d = d
        self.rows = []

    def add(
        self,
        kind,
        coef,
        intercept,
        val_loss,
        *,
        bias=np.nan,
        threshold=np.nan,
        iteration=-1,
        scale=np.nan,
        cos_to_warm_start=np.nan,
        direction=None,
    ):
        self.rows.append(
            dict(
                kind=kind,
                coef=np.asarray(coef, dtype=float),
                intercept=float(intercept),
                val_loss=float(val_loss),
                bias=float(bias),
                threshold=float(threshold),
                iteration=int(iteration),
                scale=float(scale),
                cos_to_warm_start=float(cos_to_warm_start),
                direction=direction,
            )
        )

    def as_dict(self):
        out = {}
        for key in (
            "kind",
            "bias",
            "threshold",
            "iteration",
            "scale",
            "intercept",
            "val_loss",
            "cos_to_warm_start",
        ):
            out[key] = np.array(
                [r[key] for r in self.rows], dtype=object if key == "kind" else None
            )
        out["coef"] = np.array([r["coef"] for r in self.rows]).reshape(-1, self.d)
        return out


def sq_fit(
    oracle,
    *,
    bias_grid,
    min_tail_samples,
    threshold_rule,
    scale_grid,
    pca_sign,
    rho,
    max_iter,
    step,
    truncate_x,
    include_linear,
    gd_candidate,
    verbose=0,
):
    """Run Algorithm 1 on ``oracle``; returns a dict of results (see the estimator).

    ``gd_candidate`` is None or a callable ``(oracle, mean_y2) -> (coef, intercept,
    n_iter)``; ``mean_y2`` is the training E[y^2] already answered by the moment query.
    """
    d = oracle.n_features
    sf = 1 if oracle.n_folds > 1 else 0  # the fold that scores candidates
    n_train = float(oracle.fold_sizes()[0])  # effective rows: scale-free in the weights
    cands = _Candidates(d)
    seconds = dict(baselines=0.0, pca=0.0, pgd=0.0, selection=0.0)
    n_iter = 0

    # ---- steps 1-3: zero, linear, gd --------------------------------------------
    t0 = time.perf_counter()
    mom = oracle.moments()
    W, B, kinds = [np.zeros(d)], [-1.0], ["zero"]
    if include_linear:
        A = np.empty((d + 1, d + 1))
        A[:d, :d], A[:d, d], A[d, :d], A[d, d] = (
            mom["second_x"],
            mom["mean_x"],
            mom["mean_x"],
            1.0,
        )
        rhs = np.append(mom["cross_xy"], mom["mean_y"])
        sol = np.linalg.lstsq(A, rhs, rcond=None)[0]
        W.append(sol[:d])
        B.append(sol[d])
        kinds.append("linear")
    gd_iter = 0
    if gd_candidate is not None:
        coef, intercept, gd_iter = gd_candidate(oracle, mom["mean_y2"])
        W.append(coef)
        B.append(intercept)
        kinds.append("gd")
    stats = oracle.scale_stats(np.array(W), np.array(B))
    K = len(W)
    loss = half_loss(stats[sf], K, 1.0)
    for k in range(K):
        cands.add(kinds[k], W[k], B[k], loss[k])
    n_iter += gd_iter
    mean_y2 = mom["mean_y2"]
    seconds["baselines"] += time.perf_counter() - t0

    # ---- step 4: grid over the normalised bias ---------------------------------
    grid = (
        default_bias_grid(n_train, min_tail_samples)
        if bias_grid is None
        else [float(b) for b in bias_grid]
    )
    pgd_history = []
    t0 = time.perf_counter()
    warm = _warm_starts(
        oracle, grid, mean_y2, threshold_rule, scale_grid, pca_sign, n_train, min_tail_samples
    )
    seconds["pca"] += time.perf_counter() - t0

    for bhat in grid:
        starts = [ws for ws in warm if ws["bias"] == bhat]
        if not starts:
            continue
        t0 = time.perf_counter()
        Wb = np.array([ws["w"] for ws in starts])
        st = oracle.scale_stats(Wb, np.full(len(starts), bhat))
        beta = fitted_scale(st[0], len(starts))
        losses = half_loss(st[sf], len(starts), beta)
        seconds["pca"] += time.perf_counter() - t0
        for ws, b_k, l_k in zip(starts, beta, losses, strict=True):
            cands.add(
                "pca",
                b_k * ws["w"],
                b_k * bhat,
                l_k,
                bias=bhat,
                threshold=ws["threshold"],
                iteration=0,
                scale=b_k,
                cos_to_warm_start=1.0,
                direction=ws["w"],
            )
            t0 = time.perf_counter()
            hist = _pgd_run(
                oracle,
                ws["w"],
                bhat,
                l_k,
                cands,
                ws["threshold"],
                sf=sf,
                n_train=n_train,
                rho=rho,
                max_iter=max_iter,
                step=step,
                truncate_x=truncate_x,
                min_tail_samples=min_tail_samples,
            )
            seconds["pgd"] += time.perf_counter() - t0
            n_iter += hist["n_queries"]
            pgd_history.append(hist)
            if verbose:
                print(
                    f"[BiasedReLURegressorSQ] bhat={bhat:+.2f} tau={ws['threshold']:.4g} "
                    f"pca loss {l_k:.5g} -> best {min(hist['val_loss']):.5g} after "
                    f"{hist['n_queries']} PGD queries"
                )

    # ---- step 5: selection --------------------------------------------------------
    t0 = time.perf_counter()
    table = cands.as_dict()
    selected = int(np.argmin(table["val_loss"]))  # first minimum: the earlier candidate
    win = cands.rows[selected]
    coef, intercept, scale = win["coef"], win["intercept"], win["scale"]
    if win["kind"] in ("pca", "pgd"):  # the winner's scale, refitted on all rows
        st = oracle.scale_stats(win["direction"][None, :], np.array([win["bias"]]), all_rows=True)
        scale = float(fitted_scale(st[0], 1)[0])
        coef, intercept = scale * win["direction"], scale * win["bias"]
    seconds["selection"] += time.perf_counter() - t0
    if verbose:
        print(
            f"[BiasedReLURegressorSQ] bias grid {[round(b, 2) for b in grid]}: "
            f"{len(cands.rows)} candidates, selected {win['kind']}"
            + (f" at bias {win['bias']:+.2f}" if np.isfinite(win["bias"]) else "")
            + f" (validation loss {win['val_loss']:.5g}) in "
            f"{sum(seconds.values()):.2f} s"
        )
    return dict(
        candidates=table,
        selected=selected,
        coef=coef,
        intercept=intercept,
        kind=win["kind"],
        scale=scale,
        direction=win["direction"],
        normalized_bias=win["bias"],
        loss=win["val_loss"],
        bias_grid=np.array(grid),
        pgd_history=pgd_history,
        n_iter=n_iter,
        seconds=seconds,
    )


def _warm_starts(
    oracle, grid, mean_y2, threshold_rule, scale_grid, pca_sign, n_train, min_tail_samples
):
    """Stage (a) for every bias of the grid in one thresholded-moment query."""
    if not grid:
        return []
    plan = []  # (bias, raw threshold)
    for bhat in grid:
        B = abs(bhat)
        if threshold_rule in ("paper", "both"):
            beta_ref = np.sqrt(mean_y2 / relu_second_moment(bhat))
            plan += [(bhat, m * beta_ref / B) for m in scale_grid]
        if threshold_rule in ("quantile", "both"):
            q = float(relu_tail_prob(bhat))
            plan.append((bhat, oracle.abs_y_quantile(1.0 - q)))
    taus = np.array([t for _, t in plan])
    M, S, mass = oracle.thresholded_moments(taus)
    starts = []
    for bhat in grid:
        seen = []
        for j, (b_j, tau) in enumerate(plan):
            if b_j != bhat or not mass[j] > 0:
                continue
            key = (mass[j], tuple(S[j]))
            if key in seen:  # the same selected rows: the same warm start
                continue
            seen.append(key)
            vals, vecs = np.linalg.eigh(M[j])
            w = vecs[:, -1].copy()
            if S[j] @ w < 0:  # sign rule: the selected rows sit at large <x, v>
                w = -w
            starts.append(dict(bias=bhat, threshold=tau, w=w))
            if pca_sign == "both":
                starts.append(dict(bias=bhat, threshold=tau, w=-w))
    return starts


def _pgd_run(
    oracle,
    w,
    bhat,
    loss0,
    cands,
    threshold,
    *,
    sf,
    n_train,
    rho,
    max_iter,
    step,
    truncate_x,
    min_tail_samples,
):
    """Stage (b): reweighted projected gradient descent on the sphere, bias fixed."""
    B = abs(bhat)
    btilde = (rho + LAM - LAM * LAM * rho) * B
    w0 = w.copy()
    best = loss0
    hist = dict(bias=bhat, threshold=threshold, val_loss=[loss0], angle=[], ess=[], n_queries=0)
    thetas = LINESEARCH_ANGLES
    d = len(w)
    for it in range(max_iter):
        r = oracle.reweighted_first_moment(w, rho * B, btilde, truncate_x)
        hist["n_queries"] += 1
        g = r[:d]
        e1, e2 = r[d + 1], r[d + 2]
        ess = n_train * e1 * e1 / e2 if e2 > 0 else 0.0
        hist["ess"].append(ess)
        if ess < min_tail_samples:
            break
        g = g - (g @ w) * w
        gn = np.linalg.norm(g)
        if not gn > 0:
            break
        u = g / gn
        if step == "linesearch":
            st = oracle.geodesic_stats(w, u, thetas, bhat)
            K = len(thetas)
            beta = fitted_scale(st[0], K)
            losses = half_loss(st[sf], K, beta)
            k = int(np.argmin(losses))
            if not losses[k] < best:  # no angle lowers the held-out loss: stop
                break
            theta, beta_k, loss_k = thetas[k], beta[k], losses[k]
            best = loss_k
        else:  # geometric schedule: always move; best-iterate selection protects
            theta = GEOMETRIC_FIRST * GEOMETRIC_RATIO**it
            st = oracle.geodesic_stats(w, u, np.array([theta]), bhat)
            beta_k = fitted_scale(st[0], 1)[0]
            loss_k = half_loss(st[sf], 1, beta_k)[0]
            best = min(best, loss_k)
        w = np.cos(theta) * w + np.sin(theta) * u
        w /= np.linalg.norm(w)
        hist["val_loss"].append(loss_k)
        hist["angle"].append(theta)
        cands.add(
            "pgd",
            beta_k * w,
            beta_k * bhat,
            loss_k,
            bias=bhat,
            threshold=threshold,
            iteration=it + 1,
            scale=beta_k,
            cos_to_warm_start=float(w @ w0),
            direction=w.copy(),
        )
    for key in ("val_loss", "angle", "ess"):
        hist[key] = np.asarray(hist[key], dtype=float)
    return hist


def warn_grid_beyond_cap(grid, n_train, min_tail_samples):
    """Warn about user biases too negative for the sample (their warm starts are noise)."""
    bad = [b for b in grid if n_train * relu_tail_prob(b) < min_tail_samples]
    if bad:
        warnings.warn(
            f"bias_grid values {bad} expect fewer than min_tail_samples={min_tail_samples} "
            f"rows above the PCA threshold with {n_train:g} training rows; their warm starts "
            "are noise. Use more samples or less negative biases.",
            UserWarning,
            stacklevel=3,
        )
