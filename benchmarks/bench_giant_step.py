"""GiantStepRegressor: speed of one giant step against the machine's GEMM rate, the ridge
read-out time, and the paper's claims (Dandi et al., JMLR 2024) at a larger size than CI.

Speed. One giant step on n rows is two GEMMs (``P = X W^T`` and ``Q^T X``, 2ndp flops
each) around the fused numba pass; its effective rate is ``4ndp / t_step``. In the same
run and interleaved round by round, the script times

* ``gemm``    -- one ``np.matmul`` of the same shapes, (n x d)(d x p), into a preallocated
  buffer: the machine's BLAS rate ``2ndp / t_gemm`` (the limit of a step: two GEMMs);
* ``step``    -- :func:`sklearn_relu._solvers.giant_step.giant_step_direction` on
  contiguous rows (chunks of the estimator's size, the block buffer reused as the
  estimator does across steps, just as the GEMM writes into a preallocated buffer);
* ``step+gather`` -- the same on a random row subset (the estimator's path after the
  permutation: each chunk is gathered first);
* ``numpy``   -- a plain NumPy reference step on the whole P (several passes);
* ``torch``   -- the same with PyTorch CPU, when installed.

``ratio to GEMM = (4ndp / t_step) / (2ndp / t_gemm)``; the goal is >= 0.8. The read-out
line times :func:`~sklearn_relu._solvers.giant_step.ridge_readout` (primal: chunked Gram
accumulation + Cholesky) on n rows. Medians over ``--repeats`` rounds after a warm-up.

Claims. Test MSE (mean over seeds, n_test = 10^4) of T = 1..4 giant steps with n = d^kappa
fresh rows each and a read-out on n more rows, and of random features (T = 0, read-out on
n rows), for ``stair2`` and ``h124``; the second singular value of the overlap matrix;
one step at n = d^2 with and without ``remove_linear`` on ``h124``.

Run: ``python benchmarks/bench_giant_step.py [--quick] [--repeats R] [--skip-speed]
[--skip-claims]``. Peak memory ~3 GB (the NumPy reference holds several n x p arrays).
"""

import argparse
import time

import numba
import numpy as np

from sklearn_relu import GiantStepRegressor
from sklearn_relu._solvers.giant_step import (
    giant_step_direction,
    resolve_chunk_rows,
    ridge_readout,
)
from sklearn_relu.datasets import make_giant_step_target

try:
    import torch
except ImportError:  # optional baseline
    torch = None


def numpy_reference_step(X, y, W, c):
    P = X @ W.T
    r = y - np.maximum(P, 0) @ c
    Q = np.outer(r, c) * (P > 0)
    return Q.T @ X / len(y), 0.5 * np.mean(r**2)


def torch_step(X, y, W, c):
    P = X @ W.T
    r = y - torch.clamp(P, min=0) @ c
    Q = (r[:, None] * c[None, :]) * (P > 0)
    return Q.T @ X / len(y), 0.5 * torch.mean(r**2)


def _median_times(fns, repeats):
    for fn in fns.values():  # warm-up (compiles, touches memory)
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):  # interleaved rounds
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def bench_speed(shapes, repeats):
    print(f"load average before: {_loadavg()} (other processes skew every timing)")
    print(
        f"numba threads {numba.get_num_threads()}, torch "
        f"{'not installed' if torch is None else torch.__version__}"
    )
    header = (
        f"{'n':>6} {'d':>4} {'p':>5} | {'GEMM GF/s':>9} {'step GF/s':>9} "
        f"{'ratio to GEMM':>13} {'+gather':>8} {'numpy ref':>9} {'vs numpy':>8} "
        f"{'torch':>7} | {'step s':>7} {'readout s':>9} {'(solve s)':>9}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n, d, p in shapes:
        rng = np.random.default_rng(0)
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n)
        W = rng.standard_normal((p, d)) / np.sqrt(d)
        c = rng.choice([-1.0, 1.0], size=p) / p
        buf = np.empty((n, p))
        rows_idx = rng.permutation(n)  # the estimator's path: gather permuted rows
        chunk = resolve_chunk_rows(p)
        ws = np.empty((min(chunk, n), p))  # as run_giant_steps: one buffer for all steps
        G, loss = giant_step_direction(X, y, W, c, chunk_rows=chunk)
        G_ref, loss_ref = numpy_reference_step(X, y, W, c)
        err = np.abs(G - G_ref).max() / np.abs(G_ref).max()
        assert err < 1e-10 and abs(loss - loss_ref) < 1e-10 * loss_ref, err
        fns = {
            "gemm": lambda: np.matmul(X, W.T, out=buf),
            "step": lambda: giant_step_direction(X, y, W, c, chunk_rows=chunk, workspace=ws),
            "gather": lambda: giant_step_direction(
                X, y, W, c, rows=rows_idx, chunk_rows=chunk, workspace=ws
            ),
            "numpy": lambda: numpy_reference_step(X, y, W, c),
        }
        if torch is not None:
            tX, ty, tW, tc = (torch.from_numpy(a) for a in (X, y, W, c))
            fns["torch"] = lambda: torch_step(tX, ty, tW, tc)
        t = _median_times(fns, repeats)
        # read-out on n rows with the same W: chunked Gram + Cholesky, and the solve alone
        t_read = _median_times(
            {"r": lambda: ridge_readout(X, y, W, alpha=1.0, chunk_rows=chunk)}, repeats
        )["r"]
        H = W @ W.T + np.eye(p)
        t_solve = _median_times({"s": lambda: np.linalg.cholesky(H)}, repeats)["s"]
        flop = 4.0 * n * d * p
        gemm_rate = 2.0 * n * d * p / t["gemm"]
        row = dict(
            n=n,
            d=d,
            p=p,
            gemm_gflops=gemm_rate / 1e9,
            step_gflops=flop / t["step"] / 1e9,
            ratio_gemm=(flop / t["step"]) / gemm_rate,
            ratio_gemm_gather=(flop / t["gather"]) / gemm_rate,
            numpy_s=t["numpy"],
            speedup_numpy=t["numpy"] / t["step"],
            torch_ratio=(t["torch"] / t["step"]) if "torch" in t else np.nan,
            step_s=t["step"],
            readout_s=t_read,
            solve_s=t_solve,
        )
        rows.append(row)
        torch_txt = "n/a" if torch is None else f"{row['torch_ratio']:.2f}x"
        print(
            f"{n:6d} {d:4d} {p:5d} | {row['gemm_gflops']:9.1f} {row['step_gflops']:9.1f} "
            f"{row['ratio_gemm']:13.2f} {row['ratio_gemm_gather']:8.2f} "
            f"{row['numpy_s']:8.3f}s {row['speedup_numpy']:7.2f}x {torch_txt:>7} | "
            f"{row['step_s']:7.3f} {row['readout_s']:9.3f} {row['solve_s']:9.4f}"
        )
    print(
        "ratio to GEMM = (4ndp/t_step) / (2ndp/t_gemm) (goal >= 0.8); +gather: the same with "
        "the estimator's row gather;\nvs numpy / torch = t_reference / t_step (> 1: ours "
        "faster); readout s: ridge_readout on the n rows (Gram + Cholesky), solve s: the "
        "p x p Cholesky alone."
    )
    return rows


def _fit_score(kind, d, p, n, T, seed, n_test, **params):
    X, y, info = make_giant_step_target(kind, (T + 1) * n, d, random_state=seed)
    Xt, yt, _ = make_giant_step_target(
        kind, n_test, d, directions=info.directions, random_state=10_000 + seed
    )
    est = GiantStepRegressor(
        n_hidden=p,
        n_steps=T,
        batch_size=n,
        random_state=seed,
        n_jobs=1,
        fit_intercept=False,
        **params,
    )  # the paper's model
    est.fit(X, y, directions=info.directions)
    return float(np.mean((est.predict(Xt) - yt) ** 2)), est.history_["subspace_sv"], info


def bench_claims(d, p, kappas, steps, seeds, n_test):
    print(
        f"\nClaims: d={d}, p={p}, eta=2p, alpha=1, seeds {list(seeds)}, n_test={n_test}; "
        "n = rows per step (each step fresh), read-out on n more rows; T=0: random "
        "features on n rows."
    )
    level = 1 / np.sqrt(d)
    results = {}
    for kind in ("stair2", "h124"):
        print(
            f"\n{kind}: test MSE mean (std) | second singular value of the overlap after "
            f"the last step (random level {level:.3f})"
        )
        head = (
            f"{'log n/log d':>11} {'n':>6} | "
            + " ".join(f"{('RF' if T == 0 else f'T={T}'):>13}" for T in steps)
            + " | "
            + " ".join(f"{('RF' if T == 0 else f'T={T}'):>6}" for T in steps)
        )
        print(head)
        print("-" * len(head))
        for kappa in kappas:
            n = int(round(d**kappa))
            cells, svs = [], []
            for T in steps:
                runs = [_fit_score(kind, d, p, n, T, s, n_test) for s in seeds]
                m = np.array([r[0] for r in runs])
                sv2 = np.mean([r[1][-1, 1] for r in runs])
                results[kind, kappa, T] = dict(
                    mse=m,
                    sv2=sv2,
                    sv_path=np.mean([r[1][:, 1] for r in runs], axis=0),
                    line=runs[0][2].linear_kernel_error,
                )
                cells.append(f"{m.mean():6.3f} ({m.std():.3f})")
                svs.append(f"{sv2:6.3f}")
            print(
                f"{kappa:11.2f} {n:6d} | "
                + " ".join(f"{c:>13}" for c in cells)
                + " | "
                + " ".join(svs)
            )
        print(f"linear-kernel line Var - |C1|^2 = {results[kind, kappas[0], 0]['line']:.3f}")
    # verdicts
    print("\nClaim checks (means over seeds):")
    s_ok = all(
        results["stair2", k, 2]["mse"].mean()
        < results["stair2", k, 1]["mse"].mean()
        < results["stair2", k, 0]["mse"].mean()
        for k in kappas
    )
    print(f"  stair2: RF > T1 > T2 at every n: {s_ok}")
    Tmax = max(steps)
    k_mid = kappas[len(kappas) // 2]
    path = results["stair2", k_mid, Tmax]["sv_path"]
    print(
        f"  stair2 (n = d^{k_mid:g}), second sv after steps 0..{Tmax} of the T={Tmax} "
        f"run: {np.round(path, 3).tolist()}  (rises from step 2 on: "
        f"{bool(path[1] < level + 0.04 and path[2] > path[1] + 0.03)})"
    )
    h_max = max(results["h124", k, T]["sv2"] for k in kappas[:2] for T in steps)
    print(
        f"  h124: max second sv over T and n <= d^{kappas[1]:g}: {h_max:.3f} (random level "
        f"{level:.3f}; stays near it: {h_max < level + 0.05})"
    )
    for kind in ("stair2", "h124"):
        rf_min = min(results[kind, k, 0]["mse"].min() for k in kappas)
        line = results[kind, kappas[0], 0]["line"]
        print(
            f"  {kind}: min RF MSE over n and seeds {rf_min:.3f} >= line {line:.3f}: "
            f"{rf_min >= line}"
        )
    return results


def bench_preprocessing(d, p, seeds, n_test):
    n = d * d
    print(
        f"\nOne step at n = d^2 = {n} on h124 (d={d}, p={p}, eta = 3 p sqrt(n/d), read-out on "
        f"n fresh rows, seeds {list(seeds)}):"
    )
    print(f"{'':>16} {'test MSE':>16} {'sv1':>6} {'sv2':>6}")
    out = {}
    for rl in (False, True):
        runs = [
            _fit_score(
                "h124", d, p, n, 1, s, n_test, remove_linear=rl, lr_scaling="p_sqrt_n_over_d"
            )
            for s in seeds
        ]
        m = np.array([r[0] for r in runs])
        sv = np.mean([r[1][-1] for r in runs], axis=0)
        out[rl] = m
        print(
            f"{'remove_linear' if rl else 'raw':>16} {m.mean():8.3f} ({m.std():.3f}) "
            f"{sv[0]:6.3f} {sv[1]:6.3f}"
        )
    print(
        f"  preprocessing lowers the error: {out[True].mean() < out[False].mean()} "
        f"(per seed: {np.round(out[False] - out[True], 3).tolist()})"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-claims", action="store_true")
    args = ap.parse_args()
    repeats = args.repeats or 5
    if not args.skip_speed:
        shapes = [(4096, 256, 512)] if args.quick else [(16384, 512, 1024), (65536, 256, 1024)]
        bench_speed(shapes, repeats)
    if not args.skip_claims:
        if args.quick:
            bench_claims(64, 128, (1.0, 1.5, 2.0), (0, 1, 2, 3, 4), range(2), 5000)
            bench_preprocessing(32, 64, range(3), 5000)
        else:
            bench_claims(128, 256, (1.0, 1.25, 1.5, 1.75, 2.0), (0, 1, 2, 3, 4), range(3), 10_000)
            bench_preprocessing(64, 128, range(5), 10_000)
            bench_preprocessing(128, 256, range(3), 10_000)
    print(f"\nload average at the end: {_loadavg()}")


if __name__ == "__main__":
    main()
