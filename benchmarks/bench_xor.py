"""TwoLayerXORClassifier: sample complexity on hypercube XOR and time per SGD step.

Part 1 -- samples to 1 % test error (doc/user_guide/xor_sgd.rst): one-pass SGD with the
defaults (p = 64, eta = 1, m = ceil(0.25 d ln d)), a 4000-point monitor set, the
samples consumed when its error first reaches <= 1 % (``phase_steps_["T_err1_n_seen"]``),
median over seeds, in units of d ln d; bar: the median stays within 12 d ln d. Beside
it, at the budget 12 d ln d: a random-features baseline (frozen ReLU first layer of
``--rf-width`` features w ~ N(0, I/d), ridge read-out, best of 4 lambdas on a
validation split) and scikit-learn's ``MLPClassifier(hidden_layer_sizes=(32,))`` with
its defaults (Adam, 200 epochs over the same n samples: sample *reuse*, a different
regime from one-pass SGD; reported, never compared as equals).

Part 2 -- seconds per SGD step, d = 128, width 64, batch 1, 32 and 256, the same rows and
the same number of steps for every contender:

* ``ours``: ``TwoLayerXORClassifier.fit`` (``log_every`` = all steps: two compiled
  calls for the whole run, the steps before the last and the logged last step, so the
  diagnostics cost nothing);
* ``sklearn``: ``MLPClassifier(solver="sgd", momentum=0, alpha=0, batch_size=m,
  max_iter=1, shuffle=False)`` fitted on the same rows (one epoch = the same steps);
* ``torch``: a plain PyTorch CPU loop (``nn.Linear`` x 2 without biases, logistic
  loss, ``torch.optim.SGD``), when torch is installed, timed with 1 and with 2 torch
  threads and reported at its better setting (on this 2-core machine torch 2.13 with
  2 threads measured 16 ms a step at batch 32 against 0.4 ms with 1: a thread
  contention artefact we do not want to count against it);
* ``numpy``: the NumPy/BLAS reference loop of minibatch SGD (Glasgow 2024);
* ``floor``: the two matrix products of each step alone (``Xb @ W.T`` and its
  transpose times ``Xb``), NumPy on one BLAS thread, at the batch sizes where our
  step calls BLAS for them (``BLAS_MIN_WORK``; at batch 1 it runs fused loops, and
  the column shows ``nan``). An implementation that computes the products by BLAS
  spends at least this, so ``sk/floor`` bounds the ``sk/ours`` it can reach (at
  d = 128, width 64, batch 32 it measured 5.5-6.2 against the goal's 5).

Medians of ``--repeats`` rounds after a warm-up; ratios are contender / ours.

Run: ``python benchmarks/bench_xor.py [--quick] [--repeats R] [--seeds S]``.
"""

import argparse
import math
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from sklearn_relu import TwoLayerXORClassifier
from sklearn_relu._kernels.two_layer import BLAS_MIN_WORK
from sklearn_relu.datasets import make_xor_hypercube
from sklearn_relu.utils._threads import blas_threads

try:
    import torch
except ImportError:  # torch is optional
    torch = None


def dlnd(d):
    return d * math.log(d)


# --------------------------------------------------------------------------- part 1


def samples_to_one_percent(d, seed, n_mon=4000, max_budget=30):
    X, y, _ = make_xor_hypercube(int(max_budget * dlnd(d)), d, random_state=seed)
    Xv, yv, _ = make_xor_hypercube(n_mon, d, random_state=10_000 + seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = TwoLayerXORClassifier(random_state=seed).fit(X, y, X_val=Xv, y_val=yv)
    n1 = clf.phase_steps_["T_err1_n_seen"]
    n10 = clf.phase_steps_["T_err10_n_seen"]
    return (np.nan if n1 is None else n1), (np.nan if n10 is None else n10)


def random_features_error(X, y, Xt, yt, width, seed, block=4096):
    """Ridge read-out on frozen ReLU features; normal equations accumulated by blocks."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    W = rng.standard_normal((width, d)) / math.sqrt(d)
    n_val = max(len(y) // 5, 1)
    Xtr, ytr, Xv, yv = X[n_val:], y[n_val:], X[:n_val], y[:n_val]
    G = np.zeros((width, width))
    b = np.zeros(width)
    for s in range(0, len(ytr), block):
        P = np.maximum(Xtr[s : s + block] @ W.T, 0)
        G += P.T @ P
        b += P.T @ ytr[s : s + block]
    scale = np.trace(G) / width
    Pv = np.maximum(Xv @ W.T, 0)
    best = None
    for lam in (1e-4, 1e-3, 1e-2, 1e-1):
        coef = np.linalg.solve(G + lam * scale * np.eye(width), b)
        err = np.mean(np.sign(Pv @ coef) != yv)
        if best is None or err < best[0]:
            best = (err, coef)
    Pt = np.maximum(Xt @ W.T, 0)
    return float(np.mean(np.sign(Pt @ best[1]) != yt))


def mlp_error(X, y, Xt, yt, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(32,), random_state=seed).fit(X, y)
    return 1.0 - mlp.score(Xt, yt)


def part1(dims, seeds, rf_width, baseline_dims):
    print("\n## Samples to 1 % test error (one pass, defaults), units of d ln d\n")
    print(
        f"{'d':>5} {'d ln d':>8} {'n1% median':>11} {'/dlnd med':>10} {'/dlnd min-max':>14} "
        f"{'n10%/dlnd':>10} {'/d^2':>7} {'<=12?':>6} {'s':>6}"
    )
    rows = []
    for d in dims:
        t0 = time.perf_counter()
        res = np.array([samples_to_one_percent(d, s) for s in range(seeds)])
        n1, n10 = res[:, 0], res[:, 1]
        r = n1 / dlnd(d)
        med = float(np.nanmedian(r)) if np.any(np.isfinite(r)) else np.nan
        ok = med <= 12
        rows.append(dict(d=d, n1=n1.tolist(), ratio_median=med, ok=bool(ok)))
        print(
            f"{d:5d} {dlnd(d):8.0f} {np.nanmedian(n1):11.0f} {med:10.2f} "
            f"{np.nanmin(r):6.2f}-{np.nanmax(r):<7.2f} {np.nanmedian(n10) / dlnd(d):10.2f} "
            f"{np.nanmedian(n1) / d**2:7.3f} {'PASS' if ok else 'FAIL':>6} "
            f"{time.perf_counter() - t0:6.1f}"
        )
    print(
        f"\nbar: median n1% <= 12 d ln d for every d: "
        f"{'PASS' if all(r['ok'] for r in rows) else 'FAIL'}"
    )

    print("\n## Baselines at the budget 12 d ln d (seed 0; test error on 4000 points)\n")
    print(
        f"{'d':>5} {'n':>7} {'ours (1 pass)':>14} {f'RF p={rf_width}':>12} {'MLP adam 200ep':>15}"
    )
    for d in baseline_dims:
        n = int(12 * dlnd(d))
        X, y, _ = make_xor_hypercube(n, d, random_state=0)
        Xt, yt, _ = make_xor_hypercube(4000, d, random_state=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = 1 - TwoLayerXORClassifier(random_state=0).fit(X, y).score(Xt, yt)
        rf = random_features_error(X, y, Xt, yt, rf_width, 0)
        mlp = mlp_error(X, y, Xt, yt, 0)
        print(f"{d:5d} {n:7d} {ours:14.3f} {rf:12.3f} {mlp:15.3f}")
    return rows


# --------------------------------------------------------------------------- part 2


def numpy_reference(X, y, W, a, eta, m, steps):
    W, a = W.copy(), a.copy()
    for t in range(steps):
        Xb, yb = X[t * m : (t + 1) * m], y[t * m : (t + 1) * m]
        Z = Xb @ W.T
        H = np.maximum(Z, 0)
        g = -yb / (1 + np.exp(np.clip(yb * (H @ a), -50, 50)))
        ga = H.T @ g / m
        gW = ((g[:, None] * (Z > 0)) * a[None, :]).T @ Xb / m
        a -= eta * ga
        W -= eta * gW
    return W, a


def gemm_floor(X, W, m, steps):
    """The two products of each SGD step and nothing else, on one BLAS thread (a kept
    controller: a fresh ``threadpool_limits`` costs milliseconds).
    """
    with blas_threads(1):
        for t in range(steps):
            Xb = X[t * m : (t + 1) * m]
            Z = Xb @ W.T
            Z.T @ Xb


def torch_loop(X, y, W, a, eta, m, steps):
    net1 = torch.nn.Linear(W.shape[1], W.shape[0], bias=False, dtype=torch.float64)
    net2 = torch.nn.Linear(W.shape[0], 1, bias=False, dtype=torch.float64)
    with torch.no_grad():
        net1.weight.copy_(torch.from_numpy(W))
        net2.weight.copy_(torch.from_numpy(a[None, :]))
    opt = torch.optim.SGD(list(net1.parameters()) + list(net2.parameters()), lr=eta)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for t in range(steps):
        xb, yb = Xt[t * m : (t + 1) * m], yt[t * m : (t + 1) * m]
        opt.zero_grad()
        out = net2(torch.relu(net1(xb)))[:, 0]
        loss = torch.nn.functional.softplus(-yb * out).mean()
        loss.backward()
        opt.step()


def part2(repeats, batches, d=128, p=64, target_steps=(2000, 400, 100)):
    print(
        f"\n## Seconds per SGD step, d={d}, width {p} (median of {repeats}; ratios = "
        "contender / ours)\n"
    )
    if torch is not None:
        tver = torch.__version__
    else:
        tver = None
        print(
            "torch is not installed: the PyTorch column is skipped "
            "(pip install torch to measure it)"
        )
    print(
        f"{'batch':>6} {'steps':>6} {'ours us':>9} {'sklearn us':>11} {'torch us':>9} "
        f"{'numpy us':>9} {'floor us':>9} {'sk/ours':>8} {'torch/ours':>10} "
        f"{'numpy/ours':>10} {'sk/floor':>9}"
    )
    rng = np.random.default_rng(0)
    for m, steps in zip(batches, target_steps, strict=True):
        n = m * steps
        X, y, _ = make_xor_hypercube(n, d, random_state=0)
        eta = 1.0 if m >= 32 else 0.05  # batch 1 at eta = 1 diverges on ||x||^2 = d
        clf = TwoLayerXORClassifier(
            p, learning_rate=eta, batch_size=m, log_every=steps, random_state=0
        )
        W0 = rng.standard_normal((p, d)) * 0.01
        a0 = rng.standard_normal(p) * 0.01
        mlp = MLPClassifier(
            hidden_layer_sizes=(p,),
            solver="sgd",
            momentum=0.0,
            alpha=0.0,
            batch_size=m,
            max_iter=1,
            shuffle=False,
            learning_rate_init=eta,
            n_iter_no_change=10**9,
            tol=0,
            random_state=0,
        )

        def ours():
            clf.fit(X, y)

        def sk():
            mlp.fit(X, y)

        def npy():
            numpy_reference(X, y, W0, a0, eta, m, steps)

        def tch1():
            torch.set_num_threads(1)
            torch_loop(X, y, W0, a0, eta, m, steps)

        def tch2():
            torch.set_num_threads(2)
            torch_loop(X, y, W0, a0, eta, m, steps)

        def floor():
            gemm_floor(X, W0, m, steps)

        runs = {"ours": ours, "sklearn": sk, "numpy": npy}
        if m * p * d >= BLAS_MIN_WORK:  # our step's products go to BLAS
            runs["floor"] = floor
        if torch is not None:
            runs["torch1"] = tch1
            runs["torch2"] = tch2
        times = {k: [] for k in runs}
        with warnings.catch_warnings(), threadpool_limits(2):
            warnings.simplefilter("ignore")
            for f in runs.values():
                f()  # warm-up
            for _ in range(repeats):
                for k, f in runs.items():
                    t0 = time.perf_counter()
                    f()
                    times[k].append(time.perf_counter() - t0)
        us = {k: 1e6 * float(np.median(v)) / steps for k, v in times.items()}
        us.setdefault("floor", np.nan)
        tt = min(us.get("torch1", np.nan), us.get("torch2", np.nan))
        print(
            f"{m:6d} {steps:6d} {us['ours']:9.2f} {us['sklearn']:11.2f} {tt:9.2f} "
            f"{us['numpy']:9.2f} {us['floor']:9.2f} {us['sklearn'] / us['ours']:8.2f} "
            f"{tt / us['ours']:10.2f} {us['numpy'] / us['ours']:10.2f} "
            f"{us['sklearn'] / us['floor']:9.2f}"
        )
    print(
        "\ngoals: sklearn/ours >= 5 and torch/ours >= 2 at batch <= 64; "
        "numpy/ours >= 0.5 at 256" + (f" (torch {tver})" if tver else "")
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="d <= 128, 2 seeds, 3 repeats")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--rf-width", type=int, default=4096)
    ap.add_argument("--skip-samples", action="store_true")
    args = ap.parse_args()
    if args.quick:
        dims, seeds, repeats, bdims = (32, 64, 128), 2, 3, (64,)
    else:
        dims, seeds, repeats, bdims = (
            (32, 64, 128, 256, 512),
            args.seeds,
            args.repeats,
            (64, 128, 256),
        )
    if not args.skip_samples:
        part1(dims, seeds, args.rf_width, bdims)
    part2(repeats, (1, 32, 256))


if __name__ == "__main__":
    main()
