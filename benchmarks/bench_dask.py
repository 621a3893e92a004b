"""The SQ learner on a loopback dask.distributed cluster: what scale-out costs and buys.

Two parts, each on ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``
with the workers' numba and BLAS capped at one thread
(:func:`sklearn_relu.utils.worker_thread_env`):

* ``table``: seconds of ``BiasedReLURegressorSQ(random_state=0).fit`` (defaults) at
  d=20, b=-2.5, half-space noise (:func:`~sklearn_relu.datasets.make_biased_relu_halfspace_noise`),
  n in {1e6, 4e6}: in memory (:class:`~sklearn_relu.oracles.ArrayOracle`, numba and
  BLAS on the machine's threads) against the same fit on a dask array persisted on
  the workers (:class:`~sklearn_relu.oracles.DaskOracle`); both warm (one small fit
  first in the client and on the workers), in one run, alternating, median of
  ``--repeats``. Per-row cost and the ratio dask / memory.
* ``scale``: n=3e7 rows written chunk by chunk to a zarr store
  (:func:`~sklearn_relu.datasets.dump_zarr`), d=20, half-space noise, b in {-3.5, -3.75};
  the SQ fit reads the store on the cluster (the client never holds ``X``). Reported:
  the test-loss ratio to the planted neuron (fresh 2e5 test rows in memory) of the SQ
  fit, of its GD candidate (fitted on the same 3e7 rows) and of
  ``GDReLURegressor(solver='adam')`` on the first ``--gd-rows`` rows in memory; the
  seconds of the write, of the fit and of each stage; rows/s of the fit; the peak
  resident memory of the client and of each worker process (``ru_maxrss``).
* ``giant``: :class:`~sklearn_relu.GiantStepRegressor`, one step at n = d^2 rows
  (d=1024 by default: 8 GiB of ``X``) on ``h124`` with ``remove_linear``, from a zarr
  store on dask's threaded scheduler (two threads): seconds, peak memory, overlaps.

Every timed section reports the CPU-seconds other processes used meanwhile (the
machine may be shared; see ``benchmarks/_machine.py``).

Measured (2 cores shared with other jobs, which used 1.6-1.9 cores meanwhile):

* table: n=1e6 memory 3.72 s, dask 10.22 s (2.75x); n=4e6 memory 23.06 s, dask
  30.78 s (1.33x); coefficients equal to 2.5e-14. The previous oracle (one task graph
  per query) took 35x at 1e6 (80.95 s against 2.28 s).
* scale, n=3e7: b=-3.5: SQ 1.14, GD candidate 33.8, Adam-GD 33.8; write 105 s, fit
  559 s (119 queries; 250 s outside the stages: checks and reading the store); peak
  RSS client 1.7 GB, workers 3.1 and 3.0 GB. b=-3.75 with the default grid: SQ 17.0
  (no grid point near -3.75), with ``--grid-step 0.25``: SQ 1.39, GD 73.2; fit 490 s
  (279 queries); peak RSS client 1.5 GB, workers 3.1 and 2.9 GB.
* giant, d=1024, p=256, n=d^2=1048576 (8 GiB of X): write 103 s, fit 329 s, peak RSS
  1.3 GB; second overlap singular value 0.030 -> 0.155 (random level 0.031); test MSE
  0.230 (linear-kernel line 0.271).

Run from the checkout root: ``python benchmarks/bench_dask.py table`` (about 2 min on
2 idle cores) or ``python benchmarks/bench_dask.py scale [--n 3e7] [--store-dir DIR]``
(tens of minutes; writes about 5 GB per bias, removed at the end unless
``--store-dir`` is given). Peak memory: ``table`` about 1.5 GB in the client;
``scale`` about 2.5 GB per worker and 0.3 GB in the client.
"""

import argparse
import os
import resource
import shutil
import tempfile
import time
import warnings

import numpy as np
from _machine import foreign_cpu_seconds

from sklearn_relu import BiasedReLURegressorSQ, GDReLURegressor, GiantStepRegressor
from sklearn_relu._solvers.sq import default_bias_grid
from sklearn_relu.datasets import (
    dump_zarr,
    load_zarr,
    make_biased_relu_halfspace_noise,
    make_giant_step_target,
)
from sklearn_relu.metrics import half_squared_loss
from sklearn_relu.utils import worker_thread_env


def _cluster():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=worker_thread_env(1),
    )
    return cluster, Client(cluster)


def _timed(fn):
    f0, t0 = foreign_cpu_seconds(), time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t0
    f1 = foreign_cpu_seconds()
    busy = None if f0 is None or f1 is None else (f1 - f0) / secs
    return out, secs, busy


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def table(sizes, repeats):
    import dask.array as da
    from dask.distributed import wait

    cluster, client = _cluster()
    try:
        Xw, yw, _ = make_biased_relu_halfspace_noise(50_000, 20, bias=-2.5, random_state=1)
        BiasedReLURegressorSQ(random_state=0).fit(Xw, yw)  # warm: compile in the client
        BiasedReLURegressorSQ(random_state=0).fit(
            client.persist(da.from_array(Xw, chunks=(12_500, 20))), yw
        )  # ... and in the workers
        print(
            "| n | in memory | dask (persisted) | dask / memory | other processes (cores) |\n"
            "|---|---|---|---|---|"
        )
        for n in sizes:
            X, y, _ = make_biased_relu_halfspace_noise(n, 20, bias=-2.5, random_state=0)
            Xd = client.persist(da.from_array(X, chunks=(n // 8, 20)))
            wait(Xd)
            mem, dsk, loads = [], [], []
            for _ in range(repeats):
                a, s, b1 = _timed(lambda X=X, y=y: BiasedReLURegressorSQ(random_state=0).fit(X, y))
                mem.append(s)
                e, s, b2 = _timed(
                    lambda Xd=Xd, y=y: BiasedReLURegressorSQ(random_state=0).fit(Xd, y)
                )
                dsk.append(s)
                loads += [b1, b2]
                gap = float(np.abs(e.coef_ - a.coef_).max())
            tm, td = float(np.median(mem)), float(np.median(dsk))
            busy = [v for v in loads if v is not None]
            print(
                f"| {n:.0e} | {tm:.2f} s ({1e6 * tm / n:.2f} us/row) | {td:.2f} s "
                f"({1e6 * td / n:.2f} us/row) | {td / tm:.2f}x | "
                f"{np.mean(busy) if busy else float('nan'):.2f} |  max|coef gap| {gap:.1e}",
                flush=True,
            )
            del Xd
    finally:
        client.close()
        cluster.close()


def scale(n, biases, store_dir, gd_rows, chunk_rows, grid_step):
    # the default grid steps by 0.5; a finer one is the user's choice for a bias between
    grid = None if grid_step == 0.5 else default_bias_grid(n, 30, step=grid_step)
    own_dir = store_dir is None
    root = tempfile.mkdtemp(prefix="bench_dask_") if own_dir else store_dir
    cluster, client = _cluster()
    try:
        for b in biases:
            path = f"{root}/halfspace_b{b}_n{n:.0e}.zarr"
            t_write = busy_w = float("nan")
            if store_dir is None or not os.path.exists(path):
                info, t_write, busy_w = _timed(
                    lambda path=path, b=b: dump_zarr(
                        make_biased_relu_halfspace_noise,
                        path,
                        n,
                        20,
                        chunk_rows=chunk_rows,
                        bias=b,
                        random_state=0,
                    )
                )
            X, y, info = load_zarr(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est, t_fit, busy_f = _timed(
                    lambda X=X, y=y: BiasedReLURegressorSQ(bias_grid=grid).fit(X, y)
                )
            Xt, yt, _ = make_biased_relu_halfspace_noise(
                200_000, 20, bias=b, direction=info.direction, random_state=10_000
            )
            planted = half_squared_loss(yt, np.maximum(Xt @ info.coef + info.intercept, 0.0))
            sq = half_squared_loss(yt, est.predict(Xt)) / planted
            c = est.candidates_
            g = int(np.flatnonzero(c["kind"] == "gd")[0])
            gd_cand = (
                half_squared_loss(yt, np.maximum(Xt @ c["coef"][g] + c["intercept"][g], 0.0))
                / planted
            )
            Xg, yg = X[:gd_rows].compute(), y[:gd_rows].compute()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gd, t_gd, _ = _timed(
                    lambda Xg=Xg, yg=yg: GDReLURegressor(solver="adam").fit(Xg, yg)
                )
            gd_ratio = half_squared_loss(yt, gd.predict(Xt)) / planted
            del Xg, yg
            workers = client.run(_peak_mb)
            stages = ", ".join(f"{k} {v:.1f} s" for k, v in est.history_["stage_seconds"].items())
            print(
                f"b={b}: n={n:.1e}, d=20, chunks of {chunk_rows} rows, bias grid step "
                f"{grid_step}\n"
                f"  loss / planted (2e5 test rows): SQ {sq:.3f} (selected "
                f"{est.candidates_['kind'][est.selected_]}, bhat {est.normalized_bias_:+.2f}), "
                f"GD candidate on all rows {gd_cand:.2f}, Adam-GD on {gd_rows:.0e} rows "
                f"{gd_ratio:.2f} ({t_gd:.1f} s); zero {info.zero_loss / info.planted_loss:.1f}\n"
                f"  write {t_write:.1f} s ({n / t_write:.3g} rows/s, other processes "
                f"{busy_w:.2f} cores); fit {t_fit:.1f} s ({n / t_fit:.3g} rows/s, "
                f"{est.history_['n_queries']} queries, other processes {busy_f:.2f} cores)\n"
                f"  stages: {stages}; outside the stages (checks, reading the store into "
                f"the workers) {t_fit - sum(est.history_['stage_seconds'].values()):.1f} s\n"
                f"  peak RSS: client {_peak_mb():.0f} MB; workers "
                + ", ".join(f"{v:.0f} MB" for v in workers.values()),
                flush=True,
            )
            del X, y
            client.cancel(list(client.futures.values()))
            if own_dir:
                shutil.rmtree(path, ignore_errors=True)
    finally:
        client.close()
        cluster.close()
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)


def _giant_step_chunk(n, d, *, random_state, direction=None):
    """:func:`make_giant_step_target` ('h124') in the signature :func:`dump_zarr` calls."""
    X, y, info = make_giant_step_target(
        "h124", n, d, directions=direction, random_state=random_state
    )
    info["direction"] = info["directions"]
    return X, y, info


def giant(d, p, store_dir):
    """One giant step at n = d^2 (h124, remove_linear, eta = 3 p sqrt(n/d)), read-out on
    the same rows, from a zarr store on dask's threaded scheduler: each pass reads the
    store chunk by chunk, so no process ever holds X.
    """
    import dask

    own_dir = store_dir is None
    root = tempfile.mkdtemp(prefix="bench_dask_gs_") if own_dir else store_dir
    path = f"{root}/h124_d{d}.zarr"
    n = d * d
    try:
        _, t_write, busy_w = _timed(
            lambda: dump_zarr(
                _giant_step_chunk, path, n, d, chunk_rows=max(1, (1 << 24) // d), random_state=0
            )
        )
        X, y, info = load_zarr(path)
        est = GiantStepRegressor(
            n_hidden=p,
            n_steps=1,
            readout_data="all",
            remove_linear=True,
            lr_scaling="p_sqrt_n_over_d",
            random_state=0,
        )
        with dask.config.set(scheduler="threads", num_workers=2):
            _, t_fit, busy_f = _timed(lambda: est.fit(X, y, directions=info.directions))
        Xt, yt, _ = make_giant_step_target(
            "h124", 10_000, d, directions=info.directions, random_state=1
        )
        mse = float(np.mean((est.predict(Xt) - yt) ** 2))
        sv = est.history_["subspace_sv"]
        print(
            f"GiantStep d={d}, p={p}, one step on n=d^2={n} rows (X {8 * n * d / 2**30:.1f} "
            f"GiB on disk, never in memory), read-out on the same rows: write {t_write:.0f} s "
            f"(other processes {busy_w:.2f} cores), fit {t_fit:.0f} s (other processes "
            f"{busy_f:.2f} cores), peak RSS {_peak_mb():.0f} MB; overlap singular values "
            f"{np.round(sv[0], 3)} -> {np.round(sv[1], 3)} (random level "
            f"{1 / np.sqrt(d):.3f}); test MSE {mse:.3f} (Var y 0.771, linear line 0.271)",
            flush=True,
        )
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("part", choices=["table", "scale", "giant"])
    p.add_argument("--sizes", default="1e6,4e6", help="table: row counts")
    p.add_argument("--repeats", type=int, default=3, help="table: fits per size and oracle")
    p.add_argument("--n", type=float, default=3e7, help="scale: rows")
    p.add_argument("--biases", default="-3.5,-3.75", help="scale: planted biases")
    p.add_argument("--store-dir", default=None, help="scale: keep the zarr stores here")
    p.add_argument("--grid-step", type=float, default=0.5, help="scale: bias grid step")
    p.add_argument("--gd-rows", type=float, default=1e6, help="scale: rows of the Adam-GD fit")
    p.add_argument("--chunk-rows", type=int, default=262144, help="scale: rows per chunk")
    p.add_argument("--d", type=int, default=1024, help="giant: input dimension")
    p.add_argument("--p", type=int, default=256, help="giant: width")
    a = p.parse_args()
    if a.part == "table":
        table([int(float(s)) for s in a.sizes.split(",")], a.repeats)
    elif a.part == "giant":
        giant(a.d, a.p, a.store_dir)
    else:
        scale(
            int(a.n),
            [float(b) for b in a.biases.split(",")],
            a.store_dir,
            int(a.gd_rows),
            a.chunk_rows,
            a.grid_step,
        )


if __name__ == "__main__":
    main()
