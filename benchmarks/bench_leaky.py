"""Fit time of LeakyReLUTwoLayerClassifier against a NumPy per-sample loop and
scikit-learn's MLPClassifier, with the machine's own limit.

Data: :func:`sklearn_relu.datasets.make_linear_teacher` (unit ball, margin 0.05),
``k = 50`` units per group (``p = 100`` hidden units), batch size 1, ``E`` epochs.
Contenders, each timed as the median of ``--repeats`` runs after a warm-up run:

* ``ours``   -- ``LeakyReLUTwoLayerClassifier(max_iter=E, tol=None,
  log_every=0)``: every SGD step in the compiled two-layer kernel;
* ``numpy``  -- the same SGD written as a NumPy loop over samples (one vectorised
  update of all units per sample; the reference of the update rule of Sarussi et al. 2021), timed on
  one epoch and multiplied by E;
* ``mlp``    -- ``MLPClassifier(hidden_layer_sizes=(p,), activation='relu',
  solver='sgd', batch_size=1, max_iter=E)``: a different model (ReLU, trained second
  layer, biases) -- scikit-learn has no leaky ReLU -- compared on speed and test error;
* ``limit``  -- ``4 n p d`` flops per epoch (forward and update of each step) at the
  single-thread GEMM rate measured in the same run (a 512 x 512 matmul): the time
  of the arithmetic alone, with no per-step overhead.

Test error on 4,000 fresh points from the same teacher; seeds 0..R-1 (one per repeat).

Run: ``python benchmarks/bench_leaky.py [--quick] [--repeats R]``. Not a test module.
"""

import argparse
import os
import time
import warnings

import numpy as np
from _machine import foreign_cpu_seconds
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from sklearn_relu import LeakyReLUTwoLayerClassifier
from sklearn_relu.datasets import make_linear_teacher


def numpy_epoch(X, y, W, v, alpha, eta, order):
    """One epoch of per-sample SGD (log loss, fixed layer), in place."""
    k = W.shape[0] // 2
    a = np.concatenate([-v * np.ones(k), v * np.ones(k)])
    for i in order:
        x = X[i]
        z = W @ x
        N = a @ np.where(z > 0, z, alpha * z)
        g = 1.0 / (1.0 + np.exp(y[i] * N))
        W += (eta * g * y[i]) * (a * np.where(z > 0, 1.0, alpha))[:, None] * x


def gemm_rate():
    A = np.random.default_rng(0).standard_normal((512, 512))
    with threadpool_limits(limits=1, user_api="blas"):
        A @ A
        t = []
        for _ in range(5):
            t0 = time.perf_counter()
            A @ A
            t.append(time.perf_counter() - t0)
    return 2 * 512**3 / np.median(t)


def test_points(info, d, seed):
    rng = np.random.RandomState(10_000 + seed)
    g = rng.standard_normal((40_000, d))
    g *= (rng.random_sample((40_000, 1)) ** (1 / d)) / np.linalg.norm(g, axis=1, keepdims=True)
    g = g[np.abs(g @ info.direction) >= info.margin][:4000]
    return g, np.sign(g @ info.direction)


def run(n, d, epochs, repeats, k=50):
    rate = gemm_rate()
    times = {"ours": [], "numpy": [], "mlp": []}
    errors = {"ours": [], "mlp": []}
    for rep in range(repeats + 1):  # rep 0 is the warm-up
        X, y, info = make_linear_teacher(n, d, margin=0.05, random_state=rep)
        Xt, yt = test_points(info, d, rep)
        t0 = time.perf_counter()
        est = LeakyReLUTwoLayerClassifier(
            n_hidden_per_group=k,
            learning_rate=0.5,  # the step of the NumPy loop
            max_iter=epochs,
            tol=None,
            log_every=0,
            random_state=rep,
        ).fit(X, y)
        t_ours = time.perf_counter() - t0
        rng = np.random.RandomState(rep)
        W = rng.normal(scale=0.01, size=(2 * k, d))
        t0 = time.perf_counter()
        numpy_epoch(X, y, W, 1 / np.sqrt(2 * k), 0.3, 0.5, rng.permutation(n))
        t_np = (time.perf_counter() - t0) * epochs
        mlp = MLPClassifier(
            hidden_layer_sizes=(2 * k,),
            activation="relu",
            solver="sgd",
            batch_size=1,
            learning_rate_init=0.01,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            random_state=rep,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t0 = time.perf_counter()
            mlp.fit(X, y)
            t_mlp = time.perf_counter() - t0
        if rep == 0:
            continue
        times["ours"].append(t_ours)
        times["numpy"].append(t_np)
        times["mlp"].append(t_mlp)
        errors["ours"].append(1 - est.score(Xt, yt))
        errors["mlp"].append(1 - mlp.score(Xt, yt))
    limit = 4 * n * 2 * k * d * epochs / rate
    med = {key: float(np.median(v)) for key, v in times.items()}
    print(
        f"n={n:6d} d={d:3d} p={2 * k} epochs={epochs:3d} | ours {med['ours']:8.3f} s | "
        f"numpy {med['numpy']:8.2f} s ({med['numpy'] / med['ours']:6.1f}x) | mlp "
        f"{med['mlp']:8.2f} s ({med['mlp'] / med['ours']:6.1f}x) | limit {limit:7.4f} s "
        f"(ours / limit {med['ours'] / limit:5.1f}) | test err ours "
        f"{np.median(errors['ours']):.4f} [{min(errors['ours']):.4f}, "
        f"{max(errors['ours']):.4f}] mlp {np.median(errors['mlp']):.4f} "
        f"[{min(errors['mlp']):.4f}, {max(errors['mlp']):.4f}]",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    shapes = [(1000, 20, 10)] if args.quick else [(1000, 20, 20), (2000, 50, 20), (10000, 100, 5)]
    print(
        f"median of {args.repeats} repeats after a warm-up; seeds 1..{args.repeats}; "
        f"GEMM rate {gemm_rate() / 1e9:.1f} GFLOP/s (1 thread)"
    )
    foreign0 = foreign_cpu_seconds()
    t0 = time.perf_counter()
    for n, d, epochs in shapes:
        run(n, d, epochs, args.repeats)
    if foreign0 is not None:
        busy = (foreign_cpu_seconds() - foreign0) / (time.perf_counter() - t0)
        print(
            f"other processes used {busy:.2f} CPU cores on average during the run "
            f"(of {os.cpu_count()}): timings are noisy when this is large"
        )


if __name__ == "__main__":
    main()
