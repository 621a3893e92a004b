"""Wall time of a whole :func:`sklearn_relu.experiments.sweep`: the SQ-vs-GD phase diagram.

What is measured: the statistical-query learner against plain gradient descent from zero
(defaults of both) on :func:`~sklearn_relu.datasets.make_biased_relu_halfspace_noise`
(kappa=2, d=20), over 4 biases x 3 training sizes x 5 seeds (120 cells, 2e4 test rows
each), as a user runs it: one ``sweep`` call with ``n_jobs=2`` (loky, one numba/BLAS
thread per worker), from a fresh process, so the workers' start and their loading of the
compiled kernels are included (cold). Prints the wall time, the sum of the cells'
``fit_time`` and the median test-loss ratio ``L(estimate) / L(planted neuron)`` per
cell of the diagram. Goal: < 2 minutes on 2 cores.

Measured on a 2-core machine shared with other jobs (1-min load average 6-7), cold:
``n_jobs=2`` 31.3 s and 37.8 s (two runs); ``n_jobs=1`` (one process, two numba threads
per fit) 308 s. The frames of all runs are identical.

Run: ``python benchmarks/bench_sweep.py [--n-jobs N]``. Not a test module.
"""

import argparse
import os
import time

from sklearn_relu import BiasedReLURegressorSQ, GDReLURegressor
from sklearn_relu.datasets import make_biased_relu_halfspace_noise
from sklearn_relu.experiments import direction_cosine, loss_ratio, sweep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = sweep(
        make_biased_relu_halfspace_noise,
        {
            "n_features": [20],
            "bias": [-1.5, -2.0, -2.5, -3.0],
            "n_samples": [20_000, 50_000, 100_000],
        },
        {"SQ": BiasedReLURegressorSQ(), "GD": GDReLURegressor()},
        seeds=5,
        metrics=[loss_ratio, direction_cosine],
        n_test=20_000,
        n_jobs=args.n_jobs,
        verbose=1,
    )
    wall = time.perf_counter() - t0
    frame = res.to_frame()
    print(
        f"\n{len(frame)} cells, n_jobs={args.n_jobs}, {os.cpu_count()} cores: wall "
        f"{wall:.1f} s (sum of fit_time {frame.fit_time.sum():.1f} s: SQ "
        f"{frame[frame.estimator == 'SQ'].fit_time.sum():.1f} s, GD "
        f"{frame[frame.estimator == 'GD'].fit_time.sum():.1f} s); 1-min load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print("\nmedian test loss / planted loss")
    print(
        frame.pivot_table(
            index=["estimator", "n_samples"], columns="bias", values="loss_ratio", aggfunc="median"
        )
        .round(2)
        .to_string()
    )


if __name__ == "__main__":
    main()
