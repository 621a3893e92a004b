"""Proper depth-2 search: candidate-scoring throughput and the exponential cost curve.

Part 1 -- throughput (candidates per second, median of ``--repeats`` after a warm-up):

* ``network_sse``   -- numba forward pass scoring a block of candidate networks (k units
  in R^{d'}, output weights) on all rows in one pass, as the fit runs it: blocks of
  candidates on the thread pool above the work threshold; ``serial`` is one call of the
  serial kernel on one thread;
* ``network_stats`` -- the same pass producing each candidate's k x k Gram and
  correlations (what the restarts search and the k = 1 net use);
* ``numpy``         -- the reference vectorised over candidates: one BLAS GEMM
  ``Z @ U^T`` (m x n_cand k), ReLU, weighted sum over units, squared residual, mean;
* ``gemm``          -- the GEMM of those same shapes alone (machine limit of the
  numpy route: it does at least this);
* ``multisets``     -- ``score_multisets`` (net search, k = 2: every pair of G net
  directions with the exact 2 x 2 output-weight solve from a shared Gram matrix, no
  pass over the data) against a NumPy version vectorised over all pairs (closed-form
  2 x 2 solve); ``numba`` is the whole net search as the fit runs it (activations and
  Gram matrix by BLAS, then the scoring on the thread pool), ``serial`` one call of
  the serial kernel on the Gram matrix.

Part 2 -- cost curve: candidates evaluated and seconds of one fit against
1/ε for k = 1, 2 with d'(ε) = 2 + ceil(0.16/ε²) and net spacing h = ε, beside the
estimator's ``theoretical_log2_candidates_``; then k = 1, 2, 3 at d' = 3, h = 0.25.
Data: teacher in a 3-dimensional subspace of R^10 (the projection is injective on
the data), m = 500, seed 0. No refinement, one projection.

Run: ``python benchmarks/bench_proper.py [--quick] [--repeats R]``.
"""

import argparse
import contextlib
import math
import time

import numba
import numpy as np

from sklearn_relu import ProperReLUNetworkRegressor
from sklearn_relu._kernels.proper import network_sse, score_multisets
from sklearn_relu._solvers import proper as solver
from sklearn_relu._solvers.proper import n_multisets, net_size, sphere_net
from sklearn_relu.datasets import make_relu_network_teacher
from sklearn_relu.utils import kernel_threads

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


def median_time(fn, repeats):
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def numpy_sse(Z, y, U, C):
    n, k, d = U.shape
    A = Z @ U.reshape(n * k, d).T  # (m, n k) GEMM
    np.maximum(A, 0.0, out=A)
    F = (A.reshape(-1, n, k) * C[None]).sum(axis=2)  # (m, n)
    F -= y[:, None]
    return np.einsum("ij,ij->j", F, F)


def numpy_pairs(K, b):
    """All pairs i <= j: exact 2 x 2 least squares (closed form), objective."""
    G = len(b)
    i, j = np.triu_indices(G)
    a11, a12, a22 = K[i, i], K[i, j], K[j, j]
    b1, b2 = b[i], b[j]
    det = a11 * a22 - a12 * a12
    tr = a11 + a22
    det = np.where(det > 1e-12 * tr * tr, det, det + 1e-12 * tr * tr)
    c1 = (a22 * b1 - a12 * b2) / det
    c2 = (a11 * b2 - a12 * b1) / det
    q = -2 * (c1 * b1 + c2 * b2) + c1 * c1 * a11 + 2 * c1 * c2 * a12 + c2 * c2 * a22
    return q


def throughput(repeats, quick):
    threads = numba.get_num_threads()
    print(
        f"== Part 1: candidates scored per second (numba threads = {threads}, "
        f"median of {repeats}) =="
    )
    shapes = [(2000, 3, 2, 4096), (2000, 8, 2, 4096), (20000, 8, 2, 1024)]
    if quick:
        shapes = shapes[:2]
    hdr = (
        f"{'m':>6} {'d':>2} {'k':>2} {'n_cand':>6} | {'sse numba':>10} {'sse serial':>10} "
        f"{'stats':>10} {'numpy':>10} {'gemm only':>10} | {'numba/numpy':>11}"
    )
    print(hdr)
    print("-" * len(hdr))
    rng = np.random.default_rng(0)
    rows = []
    for m, d, k, n in shapes:
        Z = rng.standard_normal((m, d))
        y = rng.standard_normal(m)
        U = rng.standard_normal((n, k, d))
        C = rng.standard_normal((n, k))
        ref = numpy_sse(Z, y, U, C)
        c0 = np.zeros(n)
        got = solver._sse(Z, y, U, C)
        assert np.max(np.abs(got - ref)) <= 1e-10 * np.max(np.abs(ref))
        Uf = U.reshape(n * k, d)
        ctx = threadpool_limits(limits=threads) if threadpool_limits else contextlib.nullcontext()
        with ctx:
            t_sse = median_time(lambda: solver._sse(Z, y, U, C), repeats)
            with kernel_threads(1):
                t_ser = median_time(lambda: network_sse(Z, y, U, C, c0), repeats)
            t_sta = median_time(lambda: solver._stats(Z, y, U), repeats)
            t_np = median_time(lambda: numpy_sse(Z, y, U, C), repeats)
            t_gemm = median_time(lambda: Z @ Uf.T, repeats)
        r = dict(
            m=m,
            d=d,
            k=k,
            n=n,
            sse=n / t_sse,
            serial=n / t_ser,
            stats=n / t_sta,
            numpy=n / t_np,
            gemm=n / t_gemm,
        )
        rows.append(r)
        print(
            f"{m:>6} {d:>2} {k:>2} {n:>6} | {r['sse']:10.3g} {r['serial']:10.3g} "
            f"{r['stats']:10.3g} {r['numpy']:10.3g} {r['gemm']:10.3g} | "
            f"{r['sse'] / r['numpy']:11.2f}"
        )
    print("(candidates/s; 'gemm only' = candidates/s if the numpy route cost only its GEMM)")

    print(
        "\nNet search k = 2 with a shared Gram matrix (score_multisets vs NumPy over all "
        "pairs, unbounded):"
    )
    hdr = (
        f"{'d':>2} {'q':>2} {'G':>5} {'pairs':>9} | {'numba':>10} {'serial':>10} "
        f"{'numpy':>10} | {'serial/numpy':>12}"
    )
    print(hdr)
    print("-" * len(hdr))
    for d, q in [(3, 8), (4, 4)] if quick else [(3, 8), (4, 4), (3, 16)]:
        U = sphere_net(d, q)
        G = len(U)
        Z = rng.standard_normal((500, d))
        y = rng.standard_normal(500)
        H = np.maximum(U @ Z.T, 0.0)
        K = np.ascontiguousarray(H @ H.T)
        b = H @ y
        npairs = n_multisets(G, 2)
        qn, _, _, cnt = score_multisets(K, b, 2, np.inf, 8, 0, G)
        U_pool = np.ascontiguousarray(U)
        qr = numpy_pairs(K, b)
        assert cnt == npairs and abs(qn[0] - qr.min()) <= 1e-8 * abs(qr.min())
        t_n = median_time(
            lambda: solver._search_net(Z, y, 2, np.inf, U_pool, 8, 0, ""), repeats
        )  # Gram included
        with kernel_threads(1):
            t_s = median_time(lambda: score_multisets(K, b, 2, np.inf, 8, 0, G), repeats)
        t_r = median_time(lambda: numpy_pairs(K, b), repeats)
        print(
            f"{d:>2} {q:>2} {G:>5} {npairs:>9,} | {npairs / t_n:10.3g} {npairs / t_s:10.3g} "
            f"{npairs / t_r:10.3g} | {t_r / t_s:12.2f}"
        )
    return rows


def fit_cost(X, y, k, d, h, target_error, repeats):
    est = ProperReLUNetworkRegressor(
        n_hidden=k,
        target_error=target_error,
        proj_dim=d,
        n_projections=1,
        net_resolution=h,
        refine=False,
        max_candidates=10**9,
        random_state=0,
    )
    t = median_time(lambda: est.fit(X, y), repeats)
    return est, t


def cost_curve(repeats, quick):
    print(
        "\n== Part 2: cost of the exhaustive net search, m = 500, d = 10, "
        "teacher in a 3-dim subspace, seed 0 =="
    )
    print(
        f"median of {repeats} fits after a warm-up; 'theory' = theoretical_log2_candidates_ "
        "of the agnostic rule at that ε (A = B = 1, Y = max|y|)"
    )
    hdr = (
        f"{'k':>2} {'eps':>5} {'1/eps^2':>7} {'d':>2} {'h':>5} {'G':>9} {'candidates':>13} "
        f"{'log2':>6} {'seconds':>9} {'cand/s':>9} {'train MSE':>10} {'theory log2':>12}"
    )
    print(hdr)
    print("-" * len(hdr))
    eps_list = [1 / 2, 2 / 5, 1 / 3, 1 / 4, 1 / 5]
    if quick:
        eps_list = eps_list[:4]
    out = []
    for k in (1, 2):
        X, y, _ = make_relu_network_teacher(500, 10, n_hidden=k, subspace_dim=3, random_state=0)
        for eps in eps_list:
            d = 2 + math.ceil(0.16 / eps**2 - 1e-12)
            q = round(2 / eps)
            G = net_size(d, q)
            n_c = n_multisets(G, k)
            if n_c > 5 * 10**7 or (k >= 2 and G > 4096):
                print(
                    f"{k:>2} {eps:5.3f} {1 / eps**2:7.2f} {d:>2} {eps:5.3f} {G:>9,} "
                    f"{n_c:>13,} {math.log2(n_c):6.1f}   (not run: above 5e7 candidates "
                    "or the Gram limit)"
                )
                continue
            est, t = fit_cost(X, y, k, d, eps, eps, repeats if n_c < 2e6 else max(3, repeats // 2))
            out.append(
                dict(
                    k=k,
                    eps=eps,
                    d=d,
                    G=G,
                    cand=est.n_candidates_evaluated_,
                    t=t,
                    mse=est.train_mse_,
                    theory=est.theoretical_log2_candidates_,
                )
            )
            print(
                f"{k:>2} {eps:5.3f} {1 / eps**2:7.2f} {d:>2} {eps:5.3f} {G:>9,} "
                f"{est.n_candidates_evaluated_:>13,} "
                f"{math.log2(est.n_candidates_evaluated_):6.1f} {t:9.4f} "
                f"{est.n_candidates_evaluated_ / t:9.3g} {est.train_mse_:10.3g} "
                f"{est.theoretical_log2_candidates_:12.4g}"
            )
    print("\nFixed d' = 3, h = 0.25 (G = 386), k = 1, 2, 3:")
    hdr = f"{'k':>2} {'candidates':>12} {'seconds':>9} {'cand/s':>9} {'train MSE':>10}"
    print(hdr)
    print("-" * len(hdr))
    for k in (1, 2) if quick else (1, 2, 3):
        X, y, _ = make_relu_network_teacher(500, 10, n_hidden=k, subspace_dim=3, random_state=0)
        est, t = fit_cost(X, y, k, 3, 0.25, 0.25, repeats if k < 3 else 3)
        out.append(
            dict(
                k=k,
                eps=0.25,
                d=3,
                G=386,
                cand=est.n_candidates_evaluated_,
                t=t,
                mse=est.train_mse_,
                theory=est.theoretical_log2_candidates_,
            )
        )
        print(
            f"{k:>2} {est.n_candidates_evaluated_:>12,} {t:9.4f} "
            f"{est.n_candidates_evaluated_ / t:9.3g} {est.train_mse_:10.3g}"
        )
    return out


def improper_contrast():
    """Improper baseline (kernel ridge regression) beside the proper search on one
    agnostic instance: test MSE, fit seconds.
    """
    from sklearn.kernel_ridge import KernelRidge

    print("\n== Improper contrast: k = 2 teacher, d = 10, 20% corrupted labels, m = 1000 ==")
    X, y, info = make_relu_network_teacher(
        2000, 10, n_hidden=2, corrupt_fraction=0.2, random_state=1
    )
    Xtr, ytr, Xte = X[:1000], y[:1000], X[1000:]
    yte = info.clean_target[1000:]
    for name, est in [
        ("ProperReLUNetworkRegressor", ProperReLUNetworkRegressor(random_state=0)),
        ("KernelRidge(rbf)", KernelRidge(alpha=1e-2, kernel="rbf", gamma=1.0)),
    ]:
        t0 = time.perf_counter()
        est.fit(Xtr, ytr)
        t = time.perf_counter() - t0
        mse = float(np.mean((est.predict(Xte) - yte) ** 2))
        print(f"  {name:<28} test MSE vs clean teacher {mse:9.3g}   fit {t:6.3f} s")
    print(f"  (Var of clean target {np.var(yte):.3g})")


def machine_load():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:  # pragma: no cover
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    repeats = 3 if args.quick and args.repeats == 5 else args.repeats
    print(
        f"load average at start: {machine_load()} (2 cores; a shared machine skews the "
        "parallel columns most)"
    )
    throughput(repeats, args.quick)
    cost_curve(repeats, args.quick)
    improper_contrast()
    print(f"load average at end: {machine_load()}")


if __name__ == "__main__":
    main()
