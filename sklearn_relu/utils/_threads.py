"""Thread count of the kernels, set for a block of code and restored after, and the
thread pool that runs the serial reduction kernels over fixed row chunks.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext

import numba
from joblib import effective_n_jobs

from .._kernels._config import BLOCK_ROWS

# Entries (rows x columns) per task of :func:`chunked_sums`, about 8 MB of float64: a
# chunk's work (~0.5 ms on one core) dwarfs the pool's hand-off (~20 us). Tuned on 2
# cores: X of 2^22 entries or more (the pool's threshold) gives at least 4 chunks, so
# two threads balance; on many cores a pass has X.size / 2^20 tasks to share (10 at
# 5e5 x 20), since the partition cannot depend on the thread count. Against the former
# fixed 16384 rows, see doc/design.rst (benchmarks/bench_single_neuron.py --chunk-rows).
CHUNK_ENTRIES = 1 << 20


def chunk_rows(n_features):
    """Rows per task of :func:`chunked_sums` for ``X`` with ``n_features`` columns.

    About :data:`CHUNK_ENTRIES` entries, rounded down to whole kernel blocks of
    ``BLOCK_ROWS`` rows (at least one), so every chunk starts a block and the block
    partition of a pass is the same as if it ran as one chunk. It depends on the
    shape of ``X`` only, never on the thread count.
    """
    blocks = CHUNK_ENTRIES // (max(n_features, 1) * BLOCK_ROWS)
    return max(blocks, 1) * BLOCK_ROWS


# Smallest X (rows x columns) whose passes run on more than one thread. Measured per pass
# of the single-neuron kernel on 2 cores (median of 30): two threads gain 1.02x at 5e5
# entries, 1.10x at 2e6, 1.73x at 8e6 and 1.67x at 3.2e7, and beside a busy process cost
# between 0.97x and 1.18x of one thread; below this size the pool's hand-offs buy nothing.
PARALLEL_MIN_ENTRIES = 1 << 22

_POOLS = {}  # thread count -> (pid, executor), created on first use


def _pool(n_threads):
    pid, pool = _POOLS.get(n_threads, (None, None))
    if pid != os.getpid():  # none yet, or inherited through fork
        pool = ThreadPoolExecutor(n_threads, thread_name_prefix="sklearn_relu")
        _POOLS[n_threads] = (os.getpid(), pool)
    return pool


def pool_map(run, tasks, parallel=True):
    """``[run(t) for t in tasks]``, in order: on the pool of
    ``numba.get_num_threads()`` threads (set by :func:`compute_threads`) when
    ``parallel`` and there are two tasks or more, else on the calling thread. ``run``
    should release the GIL (a compiled ``nogil`` kernel) for the threads to overlap.
    """
    n_threads = min(numba.get_num_threads(), len(tasks)) if parallel else 1
    if n_threads <= 1:
        return [run(t) for t in tasks]
    return list(_pool(n_threads).map(run, tasks))


def add(a, b):
    """``a + b`` for arrays, tuples of arrays and floats (tuples element-wise)."""
    if isinstance(a, tuple):
        return tuple(x + z for x, z in zip(a, b, strict=True))
    return a + b


def tree_sum(parts):
    """Sum of ``parts`` in their order (a new object: no part is modified)."""
    total = parts[0]
    for p in parts[1:]:
        total = add(total, p)
    return total


def chunked_sums(kernel, X, y, sw, fold, *params):
    """Sum of ``kernel(X[c], y[c], sw[c], fold[c], *params)`` over row chunks ``c``.

    ``kernel`` is a serial, GIL-releasing reduction whose result (an array or a tuple
    of arrays) adds up over rows. The chunks of :func:`chunk_rows` rows run on a pool
    of ``numba.get_num_threads()`` threads (set by :func:`kernel_threads`), each
    thread pulling the next chunk when it is done, so a thread slowed by another
    process on the machine holds back at most one chunk; the partial sums are added in
    chunk order. ``X`` smaller than :data:`PARALLEL_MIN_ENTRIES` runs on the calling
    thread (same chunks, same bits). An empty ``fold`` (every row in fold 0) is passed
    whole.

    Parameters
    ----------
    kernel : callable
        ``kernel(X, y, sw, fold, *params) -> ndarray or tuple of ndarray``.
    X, y, sw, fold : ndarray
        Row-aligned inputs (``fold`` may be empty).
    *params
        Further arguments, passed unchanged.

    Returns
    -------
    sums : ndarray or tuple of ndarray
        The kernel's result over all rows.
    """
    n = X.shape[0]
    has_fold = fold.shape[0] > 0
    rows = chunk_rows(X.shape[1])

    def run(start):
        stop = min(start + rows, n)
        return kernel(
            X[start:stop],
            y[start:stop],
            sw[start:stop],
            fold[start:stop] if has_fold else fold,
            *params,
        )

    starts = range(0, max(n, 1), rows)
    return tree_sum(pool_map(run, starts, X.size >= PARALLEL_MIN_ENTRIES))


def resolve_n_jobs(n_jobs):
    """Map an ``n_jobs``-style value to a numba thread count.

    Parameters
    ----------
    n_jobs : int or None
        ``None``: all threads numba was started with; other values are resolved
        as in joblib (negative values count back from the number of CPUs), then
        clipped to ``[1, NUMBA_NUM_THREADS]``.

    Returns
    -------
    n_threads : int
        Number of numba threads to use.
    """
    limit = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return limit
    n = effective_n_jobs(n_jobs)
    return max(1, min(int(n), limit))


@contextmanager
def kernel_threads(n_jobs=None):
    """Run the enclosed numba kernels on ``n_jobs`` threads, then restore the count.

    The previous count is restored in ``finally``, so an exception does not leak
    the setting.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Thread count, resolved as in joblib and capped at the size of numba's
        pool; None uses every thread numba was started with.

    Yields
    ------
    None
        Control passes to the body of the ``with`` block.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


_CONTROLLERS = {}  # pid -> threadpoolctl.ThreadpoolController, created on first use


def _blas_controller():
    """One ``ThreadpoolController`` per process (a fork gets its own).

    Building a controller scans the loaded libraries, about 7 ms on a 2-core machine,
    which ``threadpool_limits`` pays on every entry; ``controller.limit`` on a kept
    controller costs about 0.03 ms, so a limit set around every fit costs nothing.
    BLAS libraries loaded after the first call (none in this package: NumPy's BLAS is
    loaded on import) are not seen by the kept controller.
    """
    pid = os.getpid()
    controller = _CONTROLLERS.get(pid)
    if controller is None:
        from threadpoolctl import ThreadpoolController

        controller = _CONTROLLERS[pid] = ThreadpoolController()
    return controller


def blas_threads(n_jobs):
    """Context manager limiting BLAS to ``n_jobs`` threads (no-op for None)."""
    if n_jobs is None:
        return nullcontext()
    return _blas_controller().limit(limits=resolve_n_jobs(n_jobs), user_api="blas")


def compute_threads(n_jobs, n_entries=None, blas=None):
    """numba threads and (when ``n_jobs`` is set) BLAS threads, restored on exit.

    With ``n_entries`` (the size of ``X``) below :data:`PARALLEL_MIN_ENTRIES` both are
    one thread whatever ``n_jobs`` says: for work that small, a second thread gains
    little when the machine is idle and loses when it is busy (BLAS threads that wait
    for a core the other process holds).

    ``blas=1`` keeps BLAS on one thread whatever ``n_jobs`` says, for fits whose heavy
    passes are this package's kernels on the thread pool and whose BLAS calls are small:
    after each call a second OpenBLAS thread keeps spinning on a core for a while, and
    takes it from the pool (GD at 5e5 x 20 fitted in 0.169 s with two BLAS threads and
    in 0.080 s with one, both with two kernel threads).
    """
    if n_entries is not None and n_entries < PARALLEL_MIN_ENTRIES:
        n_jobs = 1
    stack = ExitStack()
    stack.enter_context(kernel_threads(n_jobs))
    stack.enter_context(blas_threads(n_jobs if blas is None else blas))
    return stack
