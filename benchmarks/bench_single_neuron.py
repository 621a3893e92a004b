"""Seconds per gradient iteration of the single-neuron ReLU loss/gradient pass.

One "iteration" is one full evaluation of the half squared loss of
``relu(X @ w + b)`` against ``y`` and its gradient in ``(w, b)``. For each
shape ``(n, d)`` this script times, as the median over ``--repeats`` rounds
(warm-up and cache-warming calls untimed), the contenders

* ``numba``  -- the fused kernel ``sklearn_relu._kernels.single_relu.loss_grad``
  over fixed row chunks on the package's thread pool (``chunked_sums``, all threads,
  one below ``PARALLEL_MIN_ENTRIES`` = 2^22 entries; one read of X), as the estimators
  run it (``--chunk-rows`` fixes the chunk size instead);
* ``serial`` -- the same kernel called once on the calling thread;
* ``numpy``  -- the NumPy reference, two BLAS matvecs (two reads of X)::

      z = X@w + b; s = relu(z); r = s - y; g = z > 0; c = sw*r*g
      grad_w = X.T @ c; grad_b = c.sum(); loss = 0.5*(sw*r*r).sum()

  with the BLAS pool limited (threadpoolctl) to the numba thread count;
* ``copy``   -- ``np.copyto`` of an 800 MB array split over the same number of
  threads, giving the bandwidth ``BW`` and the limit ``8*n*d / BW`` of one
  pass over X (convention: see :func:`copy_time`).

The rounds interleave the contenders, so that a slow phase of a shared machine
hits all of them, and the bandwidth is measured next to the kernels it judges.
Each shape is checked once: numba and numpy must agree on (grad_w, grad_b,
loss) to relative 1e-10 (max |diff| / max |numpy|, per quantity).

Run: ``python benchmarks/bench_single_neuron.py [--quick] [--repeats R]``.
Not a test module (pytest collects ``tests/`` only). Peak memory ~2.7 GB
(the data of the largest shape plus two 800 MB copy buffers).
"""

import argparse
import contextlib
import itertools
import os
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from _machine import foreign_cpu_seconds

from sklearn_relu._kernels.single_relu import GATE_RELU, loss_grad
from sklearn_relu.utils import _threads, kernel_threads
from sklearn_relu.utils._threads import chunked_sums

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
    threadpool_info = threadpool_limits = None

NO_FOLD = np.empty(0, dtype=np.int64)
COPY_BYTES = 800_000_000  # >> any L3; the largest X (n=1e6, d=100) has this size too


def blas_limits(n_threads):
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n_threads, user_api="blas")


def split_map(pool, f, n_items):
    """Run ``f(slice)`` on ``pool.n_parts`` contiguous chunks of range(n_items)."""
    bounds = np.linspace(0, n_items, pool.n_parts + 1).astype(int)
    return list(pool.map(f, [slice(a, b) for a, b in itertools.pairwise(bounds)]))


def copy_time(pool, src, dst):
    """Seconds of one threaded ``np.copyto(dst, src)`` (it releases the GIL).

    Convention: BW = 2 * bytes / time (each byte read once and written once).
    glibc's memcpy uses non-temporal stores at this size (no read-for-ownership
    of dst), so 2 * bytes is the DRAM traffic actually moved. The limit of one pass over X
    is taken as bytes_X / BW, i.e. we assume a pure read stream could move
    bytes at the full read+write rate. On a machine with few cores a read-only
    stream usually cannot (per-core outstanding misses bound it), which makes
    this limit strict rather than flattering; the header also prints the
    measured read-only rate (threaded np.sum) for reference.
    """
    t0 = time.perf_counter()
    split_map(pool, lambda s: np.copyto(dst[s], src[s]), src.shape[0])
    return time.perf_counter() - t0


def interleaved(fns, repeats, min_time=0.02):
    """Median seconds per call of each ``fns[name]()`` over ``repeats``
    round-robin rounds; fast calls are looped so that a timing lasts at least
    ``min_time``. Every timing is preceded by a 0.1 s sleep and one untimed
    call:

    * OpenBLAS (pthreads) and numba's OpenMP workers busy-wait after their last
      task; on a 2-core machine the still spinning pool of the previous
      contender was measured to slow the next one 2-3x (gone after ~50 ms);
    * the untimed call re-warms the caches after the 800 MB copy, so that a
      small X (n=1e5, d=20 fits in L3) is timed warm, as in an iterative solver.
    """
    loops = {}
    for name, f in fns.items():
        f()
        t0 = time.perf_counter()
        f()
        loops[name] = max(1, int(np.ceil(min_time / max(time.perf_counter() - t0, 1e-9))))
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, f in fns.items():
            time.sleep(0.1)
            f()
            t0 = time.perf_counter()
            for _ in range(loops[name]):
                f()
            times[name].append((time.perf_counter() - t0) / loops[name])
    return {name: float(np.median(t)) for name, t in times.items()}


def numpy_reference(X, y, sw, w, b):
    """Two BLAS matvecs; returns (grad_w, grad_b, loss) as un-normalised sums."""
    z = X @ w + b
    s = np.maximum(z, 0.0)
    r = s - y
    c = sw * r * (z > 0)
    return X.T @ c, c.sum(), 0.5 * (sw * r * r).sum()


def bench_shape(n, d, repeats, n_threads, pool, src, dst, rng):
    X = rng.standard_normal((n, d))
    w_star = rng.standard_normal(d) / np.sqrt(d)
    y = np.maximum(X @ w_star, 0.0) + 0.1 * rng.standard_normal(n)
    sw = rng.uniform(0.5, 1.5, n)
    w = rng.standard_normal(d) / np.sqrt(d)  # an iterate with ~half the gates open
    args = (X, y, sw, NO_FOLD, 1, w, 0.1, GATE_RELU, 0.0)

    # Thread counts are set once in main(): threadpoolctl costs ~3 ms per
    # threadpool_limits() call, which must not be timed.
    def numba_parallel():
        return chunked_sums(loss_grad, *args[:4], *args[4:])

    def numba_serial():  # runs on the calling thread
        return loss_grad(*args)

    def numpy_ref():
        return numpy_reference(X, y, sw, w, 0.1)

    out, ref = numba_parallel()[0], numpy_ref()
    rel = max(
        np.max(np.abs(g - r)) / max(np.max(np.abs(r)), 1e-300)
        for g, r in zip((out[:d], out[d], out[d + 1]), ref, strict=True)
    )
    t = interleaved(
        {
            "numba": numba_parallel,
            "serial": numba_serial,
            "numpy": numpy_ref,
            "copy": lambda: copy_time(pool, src, dst),
        },
        repeats,
    )
    bw = 2 * src.nbytes / t["copy"]
    limit = X.nbytes / bw
    return dict(
        t, speedup=t["numpy"] / t["numba"], bw=bw, limit=limit, frac=limit / t["numba"], rel=rel
    )


def print_header(n_threads, pool, src):
    print(
        f"# numpy {np.__version__}, numba {numba.__version__}, {os.cpu_count()} CPUs, "
        f"numba threads: {n_threads}"
    )
    if threadpool_info is None:
        print("# BLAS: threadpoolctl not installed, BLAS thread count NOT controlled")
    else:
        for p in threadpool_info():
            lib = os.path.basename(os.path.dirname(p["filepath"]))
            print(
                f"# {p['user_api']}: {p['internal_api']} {p.get('version')} in {lib} "
                f"({p.get('architecture')}), threads during the numpy runs: "
                f"{p['num_threads']}"
            )
    t_read = []
    for _ in range(4):  # the first call is a warm-up
        t0 = time.perf_counter()
        split_map(pool, lambda s: src[s].sum(), src.shape[0])
        t_read.append(time.perf_counter() - t0)
    print(
        f"# bandwidth BW = 2*bytes/time of np.copyto of {src.nbytes / 1e6:.0f} MB on "
        f"{n_threads} threads (read+write); for reference, read-only "
        f"{src.nbytes / min(t_read[1:]) / 1e9:.1f} GB/s (threaded np.sum)"
    )
    print("# limit = 8*n*d / BW (one read of X at BW); frac = limit / numba time")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n=1e5 only, 5 rounds")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 11)")
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        help="rows per thread-pool chunk whatever d (default: the package's, about 2^20 "
        "entries); 16384 was the former fixed size",
    )
    opts = parser.parse_args()
    if opts.chunk_rows is not None:
        _threads.chunk_rows = lambda n_features: opts.chunk_rows
    repeats = opts.repeats or (5 if opts.quick else 11)
    ns = [100_000] if opts.quick else [100_000, 1_000_000]

    n_threads = numba.config.NUMBA_NUM_THREADS
    src = np.ones(COPY_BYTES // 8)
    dst = np.zeros_like(src)  # zeros, not empty: fault the pages in before timing
    rng = np.random.default_rng(0)
    cols = [
        "n",
        "d",
        "numba s/it",
        "serial s/it",
        "numpy s/it",
        "numpy/numba",
        "limit s/it",
        "frac limit",
        "BW GB/s",
        "max rel diff",
    ]
    ok = True
    foreign0, wall0 = foreign_cpu_seconds(), time.perf_counter()
    with ThreadPoolExecutor(n_threads) as pool, kernel_threads(n_threads), blas_limits(n_threads):
        pool.n_parts = n_threads
        print_header(n_threads, pool, src)
        print(
            "# pool chunks: "
            + ", ".join(f"{_threads.chunk_rows(d)} rows at d = {d}" for d in (20, 100))
            + "; serial/numba = the gain of the pool's threads per pass"
        )
        print("".join(f"{c:>13}" for c in cols))
        for n in ns:
            for d in (20, 100):
                r = bench_shape(n, d, repeats, n_threads, pool, src, dst, rng)
                ok &= r["rel"] <= 1e-10
                print(
                    f"{n:>13.0e}{d:>13d}{r['numba']:>13.3e}{r['serial']:>13.3e}"
                    f"{r['numpy']:>13.3e}{r['speedup']:>13.2f}{r['limit']:>13.3e}"
                    f"{r['frac']:>13.2f}{r['bw'] / 1e9:>13.1f}{r['rel']:>13.1e}",
                    flush=True,
                )
    print(f"# numba threading layer: {numba.threading_layer()}")
    if foreign0 is not None:
        other = max(0.0, foreign_cpu_seconds() - foreign0)
        wall = time.perf_counter() - wall0
        share = other / (wall * os.cpu_count())
        print(
            f"# other processes used {other:.1f} CPU-s during this {wall:.0f} s run "
            f"({100 * share:.0f}% of the machine)"
            + ("  WARNING: shared machine, timings disturbed" if share > 0.05 else "")
        )
    print("# agreement numba vs numpy (rel 1e-10):", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
